//! Liquid state machines: topologies and Dale's law, the LIF update against a plain reference,
//! event-driven == dense propagation, both populations firing, encoders, features, errors.

use aquifer::init::networks::{
    barabasi_albert, clustering, dale_matrix, degrees, erdos_renyi, watts_strogatz, Inhibition,
};
use aquifer::init::spectral_radius;
use aquifer::prelude::*;
use aquifer::spiking::{
    encode, Feature, Liquid, LiquidParams, LsmClassifier, Propagation, Reset, Topology,
};
use aquifer::Error;
use faer::Mat;

fn topologies() -> Vec<Topology> {
    vec![
        Topology::ErdosRenyi,
        Topology::SmallWorld {
            k: None,
            p_rewire: 0.1,
        },
        Topology::ScaleFree { m: None },
    ]
}

#[test]
fn dale_law_holds_on_every_generated_matrix() {
    for topology in topologies() {
        for (exc_ratio, inhibition) in [
            (0.8, Inhibition::Balanced),
            (0.5, Inhibition::Gain(1.0)),
            (1.0, Inhibition::Balanced),
            (0.0, Inhibition::Gain(2.0)),
        ] {
            let params = LiquidParams {
                units: 150,
                exc_ratio,
                inhibition,
                topology,
                seed: 11,
                ..Default::default()
            };
            let liquid = Liquid::new(&params, 2).unwrap();
            let n_exc = (exc_ratio * 150.0_f64).round() as usize;
            assert_eq!(liquid.excitatory(), n_exc);
            let w = liquid.w().to_dense();
            for j in 0..150 {
                for i in 0..150 {
                    let v = w[(i, j)];
                    // column j: neuron j's outgoing synapses
                    assert!(
                        if j < n_exc { v >= 0.0 } else { v <= 0.0 },
                        "{topology:?} ratio {exc_ratio}: W[{i}, {j}] = {v}"
                    );
                }
                assert_eq!(w[(j, j)], 0.0, "no self-connection");
            }
            let sr = spectral_radius(liquid.w()).unwrap();
            assert!(
                (sr - 0.9).abs() < 1e-6,
                "{topology:?} {exc_ratio}: radius {sr}"
            );
        }
    }
}

#[test]
fn balanced_inhibition_cancels_the_mean_weight() {
    let n = 400;
    let edges = erdos_renyi(n, 0.1, 3).unwrap();
    let balanced = dale_matrix(n, &edges, 0.8, Inhibition::Balanced, None, 3).unwrap();
    let equal = dale_matrix(n, &edges, 0.8, Inhibition::Gain(1.0), None, 3).unwrap();
    let mean = |w: &aquifer::init::Csr| w.val().iter().sum::<f64>() / w.val().len() as f64;
    let mean_abs = |w: &aquifer::init::Csr| {
        w.val().iter().map(|v| v.abs()).sum::<f64>() / w.val().len() as f64
    };
    assert!(
        mean(&balanced).abs() < 0.05 * mean_abs(&balanced),
        "{}",
        mean(&balanced)
    );
    assert!(mean(&equal) > 0.5 * mean_abs(&equal));
    // circular law: the bulk has radius about sqrt(n p E[w^2]); the unbalanced matrix adds the
    // outlier n p mu (here about 400 * 0.1 * 0.8 * 0.6 = 19 against a bulk of 6.3)
    let bulk = |w: &aquifer::init::Csr| {
        let mean_sq = w.val().iter().map(|v| v * v).sum::<f64>() / w.val().len() as f64;
        (n as f64 * 0.1 * mean_sq).sqrt()
    };
    let (r_equal, r_balanced) = (
        spectral_radius(&equal).unwrap(),
        spectral_radius(&balanced).unwrap(),
    );
    println!(
        "radius: equal gains {r_equal:.2} (bulk {:.2}), balanced {r_balanced:.2} (bulk {:.2})",
        bulk(&equal),
        bulk(&balanced)
    );
    assert!(r_equal > 2.0 * bulk(&equal));
    assert!(r_balanced < 1.3 * bulk(&balanced));
}

#[test]
fn erdos_renyi_connectivity_is_within_statistical_bounds() {
    let (n, p) = (1000usize, 0.1);
    let pairs = (n * (n - 1)) as f64;
    let sd = (pairs * p * (1.0 - p)).sqrt();
    for seed in 0..3 {
        let m = erdos_renyi(n, p, seed).unwrap().len() as f64;
        assert!(
            (m - pairs * p).abs() < 5.0 * sd,
            "{m} synapses vs {}",
            pairs * p
        );
    }
    // the liquid honours `connectivity`
    let liquid = Liquid::new(
        &LiquidParams {
            units: 500,
            rc_connectivity: 0.03,
            ..Default::default()
        },
        1,
    )
    .unwrap();
    let density = liquid.w().val().len() as f64 / (500.0 * 499.0);
    assert!((density - 0.03).abs() < 0.003, "{density}");
}

#[test]
fn small_world_clusters_more_than_erdos_renyi_of_equal_density() {
    let n = 500;
    let ws = watts_strogatz(n, 6, 0.1, 4).unwrap();
    // directed pairs at half the density: the same undirected density as the lattice
    let er = erdos_renyi(n, ws.len() as f64 / (n * (n - 1)) as f64 / 2.0, 4).unwrap();
    let (c_ws, c_er) = (clustering(n, &ws), clustering(n, &er));
    println!("clustering: small world {c_ws:.3}, Erdos-Renyi {c_er:.3}");
    // the lattice's 0.6, lowered by rewiring, vs about the density 0.012
    assert!(c_ws > 0.4 && c_er < 0.05, "{c_ws} vs {c_er}");
}

#[test]
fn scale_free_degrees_are_heavier_tailed_than_erdos_renyi() {
    let n = 2000;
    let ba = barabasi_albert(n, 3, 5).unwrap();
    let er = erdos_renyi(n, ba.len() as f64 / (n * (n - 1)) as f64 / 2.0, 5).unwrap();
    let stats = |d: Vec<usize>| {
        let mean = d.iter().sum::<usize>() as f64 / d.len() as f64;
        let var = d.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / d.len() as f64;
        (mean, var, *d.iter().max().unwrap())
    };
    let (m_ba, v_ba, max_ba) = stats(degrees(n, &ba));
    let (m_er, v_er, max_er) = stats(degrees(n, &er));
    println!("degrees: BA mean {m_ba:.1} var {v_ba:.1} max {max_ba}; ER mean {m_er:.1} var {v_er:.1} max {max_er}");
    assert!((m_ba - m_er).abs() < 0.1 * m_ba, "equal densities");
    assert!(v_ba > 5.0 * v_er, "variance {v_ba} vs {v_er}");
    assert!(max_ba > 3 * max_er, "hubs: {max_ba} vs {max_er}");
}

/// The LIF equations written plainly on dense matrices.
fn reference(
    w: &Mat<f64>,
    win: &Mat<f64>,
    p: &LiquidParams,
    xs: &[Vec<f64>],
) -> (Vec<Vec<bool>>, Vec<f64>) {
    let n = w.nrows();
    let mut mem = vec![0.0; n];
    let mut spikes = vec![false; n];
    let mut refractory = vec![0usize; n];
    let mut all = Vec::new();
    for x in xs {
        let mut next = vec![false; n];
        for i in 0..n {
            if refractory[i] > 0 {
                refractory[i] -= 1;
                continue;
            }
            let drive: f64 = (0..x.len()).map(|j| win[(i, j)] * x[j]).sum();
            let mut rec = 0.0;
            for j in 0..n {
                if spikes[j] && w[(i, j)] != 0.0 {
                    rec += w[(i, j)];
                }
            }
            let mut m = p.beta * mem[i] + drive + rec;
            if m >= p.threshold {
                next[i] = true;
                m = match p.reset {
                    Reset::Subtract => m - p.threshold,
                    Reset::Zero => 0.0,
                };
                refractory[i] = p.refractory;
            }
            mem[i] = m;
        }
        spikes = next;
        all.push(spikes.clone());
    }
    (all, mem)
}

fn drive(steps: usize, batch: usize, inputs: usize) -> Vec<Mat<f64>> {
    (0..steps)
        .map(|t| {
            Mat::from_fn(batch, inputs, |b, j| {
                1.2 * (1.0 + ((t * (j + 1)) as f64 * 0.37 + b as f64).sin())
            })
        })
        .collect()
}

#[test]
fn the_update_matches_a_plain_reference_and_event_driven_equals_dense() {
    for (reset, refractory) in [(Reset::Subtract, 0), (Reset::Zero, 2)] {
        let params = LiquidParams {
            units: 120,
            rc_connectivity: 0.2,
            reset,
            refractory,
            seed: 21,
            ..Default::default()
        };
        let mut liquid = Liquid::new(&params, 3).unwrap();
        let xs = drive(80, 4, 3);
        let (event, event_state) = liquid.forward_sequence(&xs, None).unwrap();
        liquid.set_propagation(Propagation::Dense);
        let (dense, dense_state) = liquid.forward_sequence(&xs, None).unwrap();
        assert_eq!(event, dense, "{reset:?}: identical spikes");
        assert_eq!(event_state, dense_state, "{reset:?}: identical membranes");
        let total: f64 = event.iter().map(|s| s.sum()).sum();
        assert!(total > 100.0, "the liquid is active: {total} spikes");
        // against the plain loop, sample by sample
        let w = liquid.w().to_dense();
        let win = liquid.win();
        for b in 0..4 {
            let rows: Vec<Vec<f64>> = xs
                .iter()
                .map(|x| (0..3).map(|j| x[(b, j)]).collect())
                .collect();
            let (spikes, mem) = reference(&w, &win, liquid.params(), &rows);
            for (t, s) in spikes.iter().enumerate() {
                for (i, &fired) in s.iter().enumerate() {
                    assert_eq!(
                        event[t][(b, i)] == 1.0,
                        fired,
                        "{reset:?} step {t} neuron {i}"
                    );
                }
            }
            let m = event_state.membrane();
            for (i, v) in mem.iter().enumerate() {
                assert!((m[(b, i)] - v).abs() < 1e-12);
            }
        }
        // step-by-step equals the whole sequence
        liquid.set_propagation(Propagation::EventDriven);
        let mut state = liquid.init_state(4);
        for (t, x) in xs.iter().enumerate() {
            liquid.step(x.as_ref(), &mut state).unwrap();
            assert_eq!(state.spikes(), event[t]);
        }
        assert_eq!(state, event_state);
    }
}

#[test]
fn a_refractory_neuron_stays_silent() {
    let r = 3;
    let liquid = Liquid::new(
        &LiquidParams {
            units: 50,
            refractory: r,
            input_scaling: 5.0,
            seed: 2,
            ..Default::default()
        },
        1,
    )
    .unwrap();
    let xs: Vec<Mat<f64>> = (0..60).map(|_| Mat::from_fn(1, 1, |_, _| 1.0)).collect();
    let (spikes, _) = liquid.forward_sequence(&xs, None).unwrap();
    for i in 0..50 {
        let times: Vec<usize> = (0..60).filter(|&t| spikes[t][(0, i)] == 1.0).collect();
        assert!(
            times.windows(2).all(|w| w[1] - w[0] > r),
            "neuron {i}: {times:?}"
        );
    }
    let busiest = (0..50)
        .map(|i| (0..60).filter(|&t| spikes[t][(0, i)] == 1.0).count())
        .max()
        .unwrap();
    assert_eq!(
        busiest, 15,
        "a strongly driven neuron fires every r + 1 steps"
    );
}

#[test]
fn both_populations_fire_on_a_driven_liquid_for_every_topology() {
    for topology in topologies() {
        let liquid = Liquid::new(
            &LiquidParams {
                units: 300,
                topology,
                seed: 5,
                ..Default::default()
            },
            2,
        )
        .unwrap();
        let series: Vec<Mat<f64>> = (0..6)
            .map(|k| {
                Mat::from_fn(100, 2, |t, j| {
                    1.5 * (1.0 + ((t + 7 * k) as f64 * 0.2 + j as f64).sin())
                })
            })
            .collect();
        let f = liquid.features(&series, Feature::Rates, 1).unwrap();
        println!(
            "{topology:?}: excitatory {:.3}, inhibitory {:.3} spikes/neuron/step",
            f.excitatory_rate, f.inhibitory_rate
        );
        assert!(
            f.excitatory_rate > 0.01 && f.inhibitory_rate > 0.01,
            "{topology:?}"
        );
        assert!(
            f.excitatory_rate < 0.9 && f.inhibitory_rate < 0.9,
            "{topology:?}"
        );
    }
}

#[test]
fn same_seed_same_liquid_and_spikes() {
    let p = LiquidParams {
        units: 100,
        topology: Topology::SmallWorld {
            k: Some(8),
            p_rewire: 0.2,
        },
        seed: 8,
        ..Default::default()
    };
    let a = Liquid::new(&p, 2).unwrap();
    let b = Liquid::new(&p, 2).unwrap();
    assert_eq!(a.w().val(), b.w().val());
    assert_eq!(a.win(), b.win());
    let xs = drive(30, 2, 2);
    assert_eq!(
        a.forward_sequence(&xs, None).unwrap().0,
        b.forward_sequence(&xs, None).unwrap().0
    );
    let c = Liquid::new(&LiquidParams { seed: 9, ..p }, 2).unwrap();
    assert_ne!(a.w().val(), c.w().val());
}

#[test]
fn features_agree_with_the_spikes() {
    let liquid = Liquid::new(
        &LiquidParams {
            units: 80,
            seed: 4,
            ..Default::default()
        },
        2,
    )
    .unwrap();
    let xs = drive(40, 1, 2);
    let (spikes, state) = liquid.forward_sequence(&xs, None).unwrap();
    let series = Mat::from_fn(40, 2, |t, j| xs[t][(0, j)]);
    let bins = 4;
    let counts = liquid
        .features(&[&series], Feature::Counts, bins)
        .unwrap()
        .features;
    let rates = liquid
        .features(&[&series], Feature::Rates, bins)
        .unwrap()
        .features;
    let trace = liquid
        .features(&[&series], Feature::Trace { tau: 5.0 }, 1)
        .unwrap()
        .features;
    let membrane = liquid
        .features(&[&series], Feature::Membrane, 1)
        .unwrap()
        .features;
    for i in 0..80 {
        for bin in 0..bins {
            let c: f64 = (10 * bin..10 * (bin + 1)).map(|t| spikes[t][(0, i)]).sum();
            assert_eq!(counts[(0, bin * 80 + i)], c);
            assert_eq!(rates[(0, bin * 80 + i)], c / 10.0);
        }
        let decay = (-1.0f64 / 5.0).exp();
        let tr = spikes.iter().fold(0.0, |acc, s| acc * decay + s[(0, i)]);
        assert!((trace[(0, i)] - tr).abs() < 1e-12);
        assert_eq!(membrane[(0, i)], state.membrane()[(0, i)]);
    }
}

#[test]
fn encoders_code_what_they_say() {
    let x = Mat::from_fn(2, 3, |t, j| [[0.0, 0.25, 0.9], [1.0, 0.5, 0.1]][t][j]);
    let steps = 4000;
    let bern = encode::rate(x.as_ref(), steps, 1.0, encode::RateCode::Bernoulli, 1).unwrap();
    let pois = encode::rate(x.as_ref(), steps, 2.0, encode::RateCode::Poisson, 1).unwrap();
    for t in 0..2 {
        for j in 0..3 {
            let mean = |m: &Mat<f64>| {
                (0..steps).map(|k| m[(t * steps + k, j)]).sum::<f64>() / steps as f64
            };
            assert!((mean(&bern) - x[(t, j)]).abs() < 0.03, "Bernoulli {t} {j}");
            assert!(
                (mean(&pois) - 2.0 * x[(t, j)]).abs() < 0.08,
                "Poisson {t} {j}"
            );
        }
    }
    assert_eq!(
        bern,
        encode::rate(x.as_ref(), steps, 1.0, encode::RateCode::Bernoulli, 1).unwrap()
    );
    // delta: ON when the signal has risen by the threshold, OFF when it has fallen
    let s = Mat::from_fn(6, 1, |t, _| [0.0, 0.2, 0.6, 0.7, 0.2, 0.25][t]);
    let d = encode::delta(s.as_ref(), 0.3).unwrap();
    let on: Vec<f64> = (0..6).map(|t| d[(t, 0)]).collect();
    let off: Vec<f64> = (0..6).map(|t| d[(t, 1)]).collect();
    assert_eq!(on, [0.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
    assert_eq!(off, [0.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    let h = encode::hold(x.as_ref(), 3).unwrap();
    assert_eq!((h.nrows(), h[(5, 2)]), (6, 0.1));
}

#[test]
fn bad_input_is_a_typed_error() {
    let bad = |p: LiquidParams| Liquid::new(&p, 1).unwrap_err();
    let base = LiquidParams {
        units: 50,
        ..Default::default()
    };
    for p in [
        LiquidParams {
            topology: Topology::SmallWorld {
                k: Some(3),
                p_rewire: 0.1,
            },
            ..base
        },
        LiquidParams {
            topology: Topology::SmallWorld {
                k: Some(50),
                p_rewire: 0.1,
            },
            ..base
        },
        LiquidParams {
            topology: Topology::SmallWorld {
                k: Some(4),
                p_rewire: 1.5,
            },
            ..base
        },
        LiquidParams {
            topology: Topology::ScaleFree { m: Some(50) },
            ..base
        },
        LiquidParams {
            rc_connectivity: 0.0,
            ..base
        },
        LiquidParams {
            rc_connectivity: 1.2,
            ..base
        },
        LiquidParams {
            exc_ratio: -0.1,
            ..base
        },
        LiquidParams { beta: 1.5, ..base },
        LiquidParams {
            threshold: 0.0,
            ..base
        },
        LiquidParams { units: 1, ..base },
        LiquidParams {
            spectral_radius: f64::NAN,
            ..base
        },
    ] {
        assert!(matches!(bad(p), Error::InvalidParameter { .. }), "{p:?}");
    }
    let liquid = Liquid::new(&base, 2).unwrap();
    let mut state = liquid.init_state(3);
    assert!(matches!(
        liquid.step(Mat::<f64>::zeros(3, 5).as_ref(), &mut state),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        liquid.step(Mat::<f64>::zeros(2, 2).as_ref(), &mut state),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut nan = Mat::<f64>::zeros(3, 2);
    nan[(1, 1)] = f64::NAN;
    assert!(matches!(
        liquid.step(nan.as_ref(), &mut state),
        Err(Error::NonFinite { row: 1, col: 1, .. })
    ));
    assert!(matches!(
        liquid.forward_sequence(&[], None),
        Err(Error::Empty { .. })
    ));
    let short = Mat::<f64>::zeros(3, 2);
    assert!(liquid.features(&[&short], Feature::Counts, 4).is_err());
    assert!(liquid
        .features(&[&short], Feature::Trace { tau: 0.0 }, 1)
        .is_err());
    assert!(encode::delta(nan.as_ref(), 0.1).is_err());
    assert!(encode::rate(short.as_ref(), 0, 1.0, encode::RateCode::Bernoulli, 0).is_err());
}

/// Digits (8x8, one image row per step held for 4 steps) through a liquid, spike counts in 8
/// time bins, a ridge readout: the classic liquid state machine.
fn digits_accuracy(params: &LiquidParams, rate_coded: bool) -> (f64, f64, f64) {
    use aquifer::prelude::*;
    let digits = aquifer::datasets::digits().unwrap();
    let (train, test) = digits.split(450, 0).unwrap();
    let series: Vec<Mat<f64>> = (0..digits.labels.len())
        .map(|k| {
            if rate_coded {
                encode::rate(
                    digits.rows(k).as_ref(),
                    8,
                    1.0,
                    encode::RateCode::Bernoulli,
                    k as u64,
                )
                .unwrap()
            } else {
                encode::hold(digits.rows(k).as_ref(), 4).unwrap()
            }
        })
        .collect();
    let liquid = Liquid::new(params, 8).unwrap();
    let f = liquid.features(&series, Feature::Counts, 8).unwrap();
    let rows = |idx: &[usize]| {
        Mat::from_fn(idx.len(), f.features.ncols(), |r, j| {
            f.features[(idx[r], j)]
        })
    };
    let one_hot = |idx: &[usize]| {
        Mat::from_fn(idx.len(), 10, |r, c| {
            (digits.labels[idx[r]] == c) as u8 as f64
        })
    };
    let mut ridge = Ridge::new(10.0).unwrap();
    ridge.fit(&[rows(&train)], &[one_hot(&train)], 0).unwrap();
    let scores = ridge.run(rows(&test)).unwrap();
    let correct = (0..test.len())
        .filter(|&r| {
            let guess = (0..10)
                .max_by(|&a, &b| scores[(r, a)].total_cmp(&scores[(r, b)]))
                .unwrap();
            guess == digits.labels[test[r]]
        })
        .count();
    (
        correct as f64 / test.len() as f64,
        f.excitatory_rate,
        f.inhibitory_rate,
    )
}

#[test]
fn digits_reach_ninety_percent_with_a_ridge_readout_on_spike_counts() {
    let params = LiquidParams {
        units: 250,
        beta: 0.8,
        seed: 1,
        ..Default::default()
    };
    let (current, e, i) = digits_accuracy(&params, false);
    println!(
        "digits, rows as currents: {:.1}% (rates E {e:.3}, I {i:.3})",
        100.0 * current
    );
    assert!(current >= 0.90, "{current}");
    let (rate, e, i) = digits_accuracy(&params, true);
    println!(
        "digits, rows rate-coded: {:.1}% (rates E {e:.3}, I {i:.3})",
        100.0 * rate
    );
    assert!(rate >= 0.90, "{rate}");
}

#[test]
fn linear_and_mlp_readouts_trained_with_adam_classify_digits() {
    use aquifer::readout::{GradientParams, GradientReadout, Head};
    let digits = aquifer::datasets::digits().unwrap();
    let (train, test) = digits.split(450, 0).unwrap();
    let series: Vec<Mat<f64>> = (0..digits.labels.len())
        .map(|k| encode::hold(digits.rows(k).as_ref(), 4).unwrap())
        .collect();
    let liquid = Liquid::new(
        &LiquidParams {
            units: 250,
            beta: 0.8,
            seed: 1,
            ..Default::default()
        },
        8,
    )
    .unwrap();
    let f = liquid
        .features(&series, Feature::Counts, 8)
        .unwrap()
        .features;
    let rows = |idx: &[usize]| Mat::from_fn(idx.len(), f.ncols(), |r, j| f[(idx[r], j)]);
    let labels = |idx: &[usize]| idx.iter().map(|&k| digits.labels[k]).collect::<Vec<_>>();
    for (head, lr) in [(Head::Linear, 1e-3), (Head::Mlp { hidden: 64 }, 1e-3)] {
        let params = GradientParams {
            head,
            ..Default::default()
        }
        .learning_rate(lr)
        .epochs(60)
        .batch_size(32)
        .validation_fraction(0.1)
        .patience(8)
        .seed(3);
        let (x_train, x_test) = (rows(&train), rows(&test));
        let train_labels = labels(&train);
        let mut readout = GradientReadout::new(params, x_train.ncols(), 10).unwrap();
        let targets = Targets::Classes {
            labels: &train_labels,
            classes: 10,
        };
        let samples = aquifer::series::rows(x_train.as_ref());
        readout.fit(&samples, targets, 0).unwrap();
        let report = readout.report().unwrap().clone();
        let test_samples = aquifer::series::rows(x_test.as_ref());
        let predicted = readout.classify(&test_samples).unwrap();
        // saved and loaded, the readout gives the same scores, bit for bit
        let mut loaded = GradientReadout::from_part(&readout.to_part().unwrap()).unwrap();
        assert_eq!(
            loaded.run(x_test.as_ref()).unwrap(),
            readout.run(x_test.as_ref()).unwrap()
        );
        let accuracy = predicted
            .iter()
            .zip(labels(&test))
            .filter(|(p, l)| **p == *l)
            .count() as f64
            / test.len() as f64;
        println!(
            "{head:?}: {:.1}% after {} epochs (best {})",
            100.0 * accuracy,
            report.train_loss.len(),
            report.best_epoch
        );
        assert!(report.train_loss.last() < report.train_loss.first());
        assert!(accuracy >= 0.9, "{head:?}: {accuracy}");
    }
}

#[test]
fn surrogate_gradient_training_improves_on_the_frozen_liquid() {
    use aquifer::spiking::{Surrogate, SurrogateParams};
    let digits = aquifer::datasets::digits().unwrap();
    let (train, test) = digits.split(450, 1).unwrap();
    let series = |idx: &[usize]| -> Vec<Mat<f64>> {
        idx.iter()
            .map(|&k| encode::hold(digits.rows(k).as_ref(), 2).unwrap())
            .collect()
    };
    let labels = |idx: &[usize]| idx.iter().map(|&k| digits.labels[k]).collect::<Vec<_>>();
    let (x_train, x_test) = (series(&train), series(&test));
    // a small liquid, so that what it represents limits the readout
    let liquid = Liquid::new(
        &LiquidParams {
            units: 25,
            beta: 0.8,
            seed: 2,
            ..Default::default()
        },
        8,
    )
    .unwrap();
    let train_labels = labels(&train);
    let fit_classifier = |params| {
        let mut classifier = LsmClassifier::new(liquid.clone(), params, 10).unwrap();
        let targets = Targets::Classes {
            labels: &train_labels,
            classes: 10,
        };
        classifier.fit(&x_train, targets, 0).unwrap();
        let report = classifier.report().unwrap().clone();
        (classifier, report)
    };
    let mut accuracy = Vec::new();
    for train_liquid in [false, true] {
        let params = SurrogateParams {
            surrogate: Surrogate::FastSigmoid { slope: 5.0 },
            bins: 4,
            train_input: train_liquid,
            train_recurrent: train_liquid,
            ..Default::default()
        }
        .epochs(15)
        .seed(4);
        let (classifier, report) = fit_classifier(params);
        assert!(report.train_loss.last() < report.train_loss.first());
        let predicted = classifier.classify(&x_test).unwrap();
        let correct = predicted
            .iter()
            .zip(labels(&test))
            .filter(|(p, l)| **p == *l)
            .count();
        let acc = correct as f64 / test.len() as f64;
        // Dale's law still holds after training
        let w = classifier.liquid().w().to_dense();
        let exc = classifier.liquid().excitatory();
        assert!((0..25).all(|i| (0..25).all(|j| if j < exc {
            w[(i, j)] >= 0.0
        } else {
            w[(i, j)] <= 0.0
        })));
        println!(
            "liquid {}: {:.1}% (loss {:.3} -> {:.3})",
            if train_liquid { "trained" } else { "frozen" },
            100.0 * acc,
            report.train_loss[0],
            report.train_loss.last().unwrap()
        );
        accuracy.push(acc);
    }
    assert!(accuracy[1] > accuracy[0] + 0.03, "{accuracy:?}");
    // the same with an MLP head (readout = mlp, train_reservoir = true)
    let params = SurrogateParams {
        head: aquifer::readout::Head::Mlp { hidden: 32 },
        bins: 4,
        ..Default::default()
    }
    .epochs(15)
    .seed(4);
    let (mut classifier, report) = fit_classifier(params);
    let predicted = classifier.classify(&x_test).unwrap();
    // saved and loaded, the classifier gives the same scores, bit for bit, with the same
    // trained liquid
    let path = std::env::temp_dir().join(format!("aquifer-lsm-{}.aqm", std::process::id()));
    classifier.save(&path).unwrap();
    let mut loaded = LsmClassifier::load(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(
        loaded.run_many(&x_test[..20]).unwrap(),
        classifier.run_many(&x_test[..20]).unwrap()
    );
    assert_eq!(loaded.liquid().w().val(), classifier.liquid().w().val());
    let bytes = classifier.to_part().unwrap().to_bytes().unwrap();
    for cut in [0, bytes.len() / 3, bytes.len() - 1] {
        assert!(aquifer::io::ModelFile::from_bytes(&bytes[..cut])
            .and_then(|f| LsmClassifier::from_part(&f))
            .is_err());
    }
    let correct = predicted
        .iter()
        .zip(labels(&test))
        .filter(|(p, l)| **p == *l)
        .count();
    let acc = correct as f64 / test.len() as f64;
    println!("liquid trained, MLP head: {:.1}%", 100.0 * acc);
    assert!(report.train_loss.last() < report.train_loss.first());
    assert!(acc > accuracy[0], "{acc} vs frozen {}", accuracy[0]);
}
