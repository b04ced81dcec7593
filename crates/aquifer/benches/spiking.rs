//! Criterion benchmark of a liquid step (N = 1000 LIF neurons, connectivity 0.1, batch 32,
//! firing rate about 5%) with event-driven and dense propagation.
//! `cargo bench -p aquifer --bench spiking`

use aquifer::spiking::{Liquid, LiquidParams, Propagation};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use faer::Mat;
use rand::RngExt;

const BATCH: usize = 32;
const INPUTS: usize = 4;

fn inputs(scale: f64) -> Vec<Mat<f64>> {
    let mut rng = aquifer::rng::from_seed(3);
    (0..200)
        .map(|_| Mat::from_fn(BATCH, INPUTS, |_, _| scale * rng.random::<f64>()))
        .collect()
}

/// Spikes per neuron per step over the inputs.
fn rate(liquid: &Liquid, xs: &[Mat<f64>]) -> f64 {
    let mut state = liquid.init_state(BATCH);
    let mut spikes = 0usize;
    for x in xs {
        liquid.step(x.as_ref(), &mut state).unwrap();
        spikes += (0..BATCH).map(|b| state.spiking(b).len()).sum::<usize>();
    }
    spikes as f64 / (xs.len() * BATCH * liquid.units()) as f64
}

fn liquid_step(c: &mut Criterion) {
    let mut liquid = Liquid::new(
        &LiquidParams {
            units: 1000,
            rc_connectivity: 0.1,
            seed: 1,
            ..Default::default()
        },
        INPUTS,
    )
    .unwrap();
    // the input scale whose firing rate is closest to 5%
    let scale = (1..=40)
        .map(|k| k as f64 * 0.05)
        .min_by(|&a, &b| {
            let da = (rate(&liquid, &inputs(a)[..50]) - 0.05).abs();
            let db = (rate(&liquid, &inputs(b)[..50]) - 0.05).abs();
            da.total_cmp(&db)
        })
        .unwrap();
    let xs = inputs(scale);
    println!(
        "liquid N=1000, batch {BATCH}: input scale {scale:.2}, firing rate {:.3}",
        rate(&liquid, &xs)
    );
    let mut g = c.benchmark_group("liquid_step");
    g.throughput(Throughput::Elements(BATCH as u64));
    for (name, propagation) in [
        ("event_driven", Propagation::EventDriven),
        ("dense", Propagation::Dense),
    ] {
        liquid.set_propagation(propagation);
        let mut state = liquid.init_state(BATCH);
        let mut t = 0;
        g.bench_function(BenchmarkId::new(name, 1000), |b| {
            b.iter(|| {
                liquid.step(xs[t % xs.len()].as_ref(), &mut state).unwrap();
                t += 1;
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_millis(500));
    targets = liquid_step
}
criterion_main!(benches);
