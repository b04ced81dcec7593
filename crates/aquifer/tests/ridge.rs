//! Ridge readout and its statistics: against a direct normal-equations solve, merging, partial
//! fits, the stable fallback, serialisation and bad input.

use aquifer::init::{self, Values};
use aquifer::prelude::*;
use aquifer::readout::RidgeParams;
use faer::linalg::solvers::Solve;
use faer::{Mat, Side};

fn data(t: usize, f: usize, m: usize, seed: u64) -> (Mat<f64>, Mat<f64>) {
    let x = init::random_dense(t, f, Values::normal(2.0, 1.5), 1.0, seed).unwrap();
    let w = init::random_dense(f, m, Values::normal(0.0, 1.0), 1.0, seed + 1000).unwrap();
    let noise = init::random_dense(t, m, Values::normal(0.0, 0.1), 1.0, seed + 2000).unwrap();
    let y = &x * &w + noise;
    (x, y)
}

fn max_rel_diff(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
    let mut m = 0.0f64;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            m = m.max((a[(i, j)] - b[(i, j)]).abs() / (1.0 + b[(i, j)].abs()));
        }
    }
    m
}

/// `[1, x]` design solved by the textbook normal equations, intercept unpenalised.
fn direct_solve(x: &Mat<f64>, y: &Mat<f64>, ridge: f64) -> (Mat<f64>, Vec<f64>) {
    let (t, f) = (x.nrows(), x.ncols());
    let design = Mat::from_fn(t, f + 1, |i, j| if j == 0 { 1.0 } else { x[(i, j - 1)] });
    let mut a = design.transpose() * &design;
    for i in 1..=f {
        a[(i, i)] += ridge;
    }
    let rhs = design.transpose() * y;
    let sol = a.llt(Side::Lower).unwrap().solve(&rhs);
    let w = sol.subrows(1, f).to_owned();
    let b = (0..y.ncols()).map(|j| sol[(0, j)]).collect();
    (w, b)
}

#[test]
fn matches_a_direct_normal_equations_solve() {
    let (x, y) = data(500, 12, 3, 1);
    for ridge in [0.0, 1e-3, 10.0] {
        let mut r = Ridge::new(ridge).unwrap();
        r.fit(&[&x], &[&y], 0).unwrap();
        let (w, b) = direct_solve(&x, &y, ridge);
        assert!(
            max_rel_diff(r.weights().unwrap(), &w) < 1e-9,
            "ridge {ridge}"
        );
        for (u, v) in r.intercept().unwrap().iter().zip(&b) {
            assert!((u - v).abs() < 1e-9);
        }
        let pred = r.run(&x).unwrap();
        let direct = &x * &w + Mat::from_fn(500, 3, |_, j| b[j]);
        assert!(max_rel_diff(&pred, &direct) < 1e-9);
    }
}

#[test]
fn without_intercept_solves_the_raw_equations() {
    let (x, y) = data(300, 5, 2, 2);
    let mut r = Ridge::with_params(RidgeParams {
        ridge: 0.5,
        fit_bias: false,
    })
    .unwrap();
    r.fit(&[&x], &[&y], 0).unwrap();
    let mut a = x.transpose() * &x;
    for i in 0..5 {
        a[(i, i)] += 0.5;
    }
    let w = a.llt(Side::Lower).unwrap().solve(x.transpose() * &y);
    assert!(max_rel_diff(r.weights().unwrap(), &w) < 1e-10);
    assert_eq!(r.intercept().unwrap(), &[0.0, 0.0]);
}

#[test]
fn merge_is_associative_and_equals_a_pooled_fit() {
    let parts: Vec<(Mat<f64>, Mat<f64>)> = (0..3)
        .map(|i| data(100 + 50 * i, 6, 2, 10 + i as u64))
        .collect();
    let stats: Vec<RidgeStats> = parts
        .iter()
        .map(|(x, y)| RidgeStats::from_series(x.as_ref(), y.as_ref(), 0).unwrap())
        .collect();
    let mut left = stats[0].clone();
    left.merge(&stats[1]).unwrap();
    left.merge(&stats[2]).unwrap();
    let mut right = stats[1].clone();
    right.merge(&stats[2]).unwrap();
    let mut right_total = stats[0].clone();
    right_total.merge(&right).unwrap();
    assert_eq!(left.count(), 450);
    assert!(max_rel_diff(&left.cxx().to_owned(), &right_total.cxx().to_owned()) < 1e-12);
    assert!(max_rel_diff(&left.cxy().to_owned(), &right_total.cxy().to_owned()) < 1e-12);

    // the merged statistics are those of the concatenated data
    let t: usize = parts.iter().map(|p| p.0.nrows()).sum();
    let mut offset = 0;
    let mut xa = Mat::zeros(t, 6);
    let mut ya = Mat::zeros(t, 2);
    for (x, y) in &parts {
        xa.as_mut().subrows_mut(offset, x.nrows()).copy_from(x);
        ya.as_mut().subrows_mut(offset, y.nrows()).copy_from(y);
        offset += x.nrows();
    }
    let pooled = RidgeStats::from_series(xa.as_ref(), ya.as_ref(), 0).unwrap();
    assert!(max_rel_diff(&left.xtx(), &pooled.xtx()) < 1e-12);
    assert!(max_rel_diff(&left.xty(), &(xa.transpose() * &ya)) < 1e-12);
    let sum_x: Vec<f64> = (0..6).map(|j| xa.col(j).iter().sum()).collect();
    for (a, b) in left.sum_x().iter().zip(&sum_x) {
        assert!((a - b).abs() < 1e-9 * b.abs().max(1.0));
    }

    // multi-series fit, partial fits and the pooled fit give the same readout
    let mut multi = Ridge::new(1e-4).unwrap();
    let xs: Vec<&Mat<f64>> = parts.iter().map(|p| &p.0).collect();
    let ys: Vec<&Mat<f64>> = parts.iter().map(|p| &p.1).collect();
    multi.fit(&xs, &ys, 0).unwrap();
    let mut chunked = Ridge::new(1e-4).unwrap();
    for (x, y) in &parts {
        chunked.accumulate(x, y, 0).unwrap();
    }
    chunked.solve().unwrap();
    let mut pooled_fit = Ridge::new(1e-4).unwrap();
    pooled_fit.fit(&[&xa], &[&ya], 0).unwrap();
    let w = pooled_fit.weights().unwrap();
    assert!(max_rel_diff(multi.weights().unwrap(), w) < 1e-10);
    assert!(max_rel_diff(chunked.weights().unwrap(), w) < 1e-10);
}

#[test]
fn warmup_discards_leading_rows() {
    let (x, y) = data(200, 4, 1, 3);
    let a = RidgeStats::from_series(x.as_ref(), y.as_ref(), 50).unwrap();
    let b = RidgeStats::from_series(x.subrows(50, 150), y.subrows(50, 150), 0).unwrap();
    assert_eq!(a, b);
}

#[test]
fn statistics_serialise_and_reject_corrupt_input() {
    let (x, y) = data(80, 3, 2, 4);
    let s = RidgeStats::from_series(x.as_ref(), y.as_ref(), 0).unwrap();
    let json = serde_json::to_string(&s).unwrap();
    let back: RidgeStats = serde_json::from_str(&json).unwrap();
    assert_eq!(s, back);
    let truncated = json.replacen("\"mean_y\":[", "\"mean_y\":[1.0,", 1);
    let err = serde_json::from_str::<RidgeStats>(&truncated)
        .unwrap_err()
        .to_string();
    assert!(err.contains("mean_y"), "{err}");
    assert!(serde_json::from_str::<RidgeStats>(&json.replacen("{", "{\"extra\":1,", 1)).is_err());
}

#[test]
fn singular_systems_fall_back_to_the_minimum_norm_solution() {
    // two identical columns and no regularisation: X^T X is singular
    let (x0, _) = data(100, 2, 1, 5);
    let x = Mat::from_fn(100, 3, |i, j| x0[(i, j.min(1))]);
    let y = Mat::from_fn(100, 1, |i, _| 3.0 * x0[(i, 1)] - x0[(i, 0)] + 0.5);
    let mut r = Ridge::new(0.0).unwrap();
    r.fit(&[&x], &[&y], 0).unwrap();
    let w = r.weights().unwrap();
    // the weight of the duplicated column is split evenly (minimum norm)
    assert!((w[(0, 0)] + 1.0).abs() < 1e-8);
    assert!(
        (w[(1, 0)] - 1.5).abs() < 1e-8 && (w[(2, 0)] - 1.5).abs() < 1e-8,
        "{w:?}"
    );
    assert!((r.intercept().unwrap()[0] - 0.5).abs() < 1e-8);
    // constant features and no regularisation: nothing to solve
    let c = Mat::from_fn(10, 2, |_, _| 1.0);
    assert!(matches!(
        Ridge::new(0.0)
            .unwrap()
            .fit(&[&c], &[&y.subrows(0, 10).to_owned()], 0),
        Err(Error::Solve(_))
    ));
}

#[test]
fn bad_input_is_a_typed_error() {
    let (x, y) = data(50, 3, 1, 6);
    let mut r = Ridge::new(1e-3).unwrap();
    assert!(matches!(r.run(&x), Err(Error::NotFitted { .. })));
    assert!(matches!(
        Ridge::new(-1.0),
        Err(Error::InvalidParameter { name: "ridge", .. })
    ));
    assert!(matches!(
        Ridge::new(f64::NAN),
        Err(Error::InvalidParameter { .. })
    ));
    let mut r = Ridge::new(1e-3).unwrap();
    assert!(matches!(
        r.fit(&[&x], &[&y], 50),
        Err(Error::WarmupTooLong {
            warmup: 50,
            len: 50,
            series: 0
        })
    ));
    assert!(matches!(
        r.fit(&[&x, &x], &[&y], 0),
        Err(Error::SeriesCountMismatch {
            inputs: 2,
            targets: 1
        })
    ));
    assert!(matches!(
        r.fit(&[] as &[Mat<f64>], &[] as &[Mat<f64>], 0),
        Err(Error::Empty { .. })
    ));
    let short = y.subrows(0, 40).to_owned();
    assert!(matches!(
        r.fit(&[&x], &[&short], 0),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut nan = y.clone();
    nan[(7, 0)] = f64::NAN;
    match r.fit(&[&x], &[&nan], 0) {
        Err(Error::NonFinite { what, row, col, .. }) => {
            assert!(what.contains("target series 0"));
            assert_eq!((row, col), (7, 0));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(r.solve(), Err(Error::Empty { .. })));
    r.fit(&[&x], &[&y], 0).unwrap();
    assert!(matches!(
        r.run(Mat::<f64>::zeros(4, 2)),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut other = RidgeStats::new(2, 1).unwrap();
    assert!(other.merge(&RidgeStats::new(3, 1).unwrap()).is_err());
}

#[test]
fn features_with_huge_means_keep_their_precision() {
    // x = 1e6 + N(0, 1): the raw sums cancel ~12 digits; the statistics must not
    let noise = init::random_dense(2000, 2, Values::normal(0.0, 1.0), 1.0, 9).unwrap();
    let x = Mat::from_fn(2000, 1, |i, _| 1e6 + noise[(i, 0)]);
    let y = Mat::from_fn(2000, 1, |i, _| {
        2.0 * noise[(i, 0)] + 0.01 * noise[(i, 1)] + 5.0
    });
    let mut r = Ridge::new(0.0).unwrap();
    r.fit(&[&x], &[&y], 0).unwrap();
    let w = r.weights().unwrap()[(0, 0)];
    // reference: centred by hand in this test
    let xm: f64 = (0..2000).map(|i| noise[(i, 0)]).sum::<f64>() / 2000.0;
    let ym: f64 = (0..2000).map(|i| y[(i, 0)]).sum::<f64>() / 2000.0;
    let sxy: f64 = (0..2000)
        .map(|i| (noise[(i, 0)] - xm) * (y[(i, 0)] - ym))
        .sum();
    let sxx: f64 = (0..2000).map(|i| (noise[(i, 0)] - xm).powi(2)).sum();
    assert!((w - sxy / sxx).abs() < 1e-9, "slope {w} vs {}", sxy / sxx);
}

#[test]
fn non_finite_features_are_reported_at_their_row_in_the_series() {
    let (x, y) = data(60, 3, 1, 8);
    for (row, warmup) in [(30, 10), (5, 10), (59, 0)] {
        let mut bad = x.clone();
        bad[(row, 2)] = f64::INFINITY;
        match Ridge::new(1e-3).unwrap().fit(&[&bad], &[&y], warmup) {
            Err(Error::NonFinite {
                what, row: r, col, ..
            }) => {
                assert_eq!((r, col), (row, 2));
                assert!(what.contains("input series 0"), "{what}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn statistics_do_not_depend_on_the_number_of_threads() {
    let (x, y) = data(3000, 400, 2, 12);
    let parallel = RidgeStats::from_series(x.as_ref(), y.as_ref(), 0).unwrap();
    let before = faer::get_global_parallelism();
    faer::set_global_parallelism(faer::Par::Seq);
    let serial = RidgeStats::from_series(x.as_ref(), y.as_ref(), 0).unwrap();
    faer::set_global_parallelism(before);
    assert_eq!(parallel, serial);
}

#[test]
fn many_short_series_pool_like_one_long_one() {
    // 400 series of 2-4 rows (packed together before their statistics are formed), one long
    // series among them (a chunk of its own), against a single fit on all the kept rows
    let (x, y) = data(1800, 30, 2, 13);
    let (mut xs, mut ys, mut kept_x, mut kept_y) = (vec![], vec![], vec![], vec![]);
    let (warmup, mut at) = (1, 0);
    for i in 0..401 {
        let len = if i == 200 { 600 } else { 2 + i % 3 };
        let (sx, sy) = (x.subrows(at, len).to_owned(), y.subrows(at, len).to_owned());
        kept_x.push(sx.subrows(warmup, len - warmup).to_owned());
        kept_y.push(sy.subrows(warmup, len - warmup).to_owned());
        xs.push(sx);
        ys.push(sy);
        at += len;
    }
    let concat = |parts: &[Mat<f64>]| {
        let rows = parts.iter().map(|p| p.nrows()).sum();
        let mut out = Mat::zeros(rows, parts[0].ncols());
        let mut r = 0;
        for p in parts {
            out.as_mut().subrows_mut(r, p.nrows()).copy_from(p);
            r += p.nrows();
        }
        out
    };
    let (all_x, all_y) = (concat(&kept_x), concat(&kept_y));
    let mut many = Ridge::new(1e-3).unwrap();
    many.fit(&xs, &ys, warmup).unwrap();
    let mut one = Ridge::new(1e-3).unwrap();
    one.fit(&[&all_x], &[&all_y], 0).unwrap();
    assert_eq!(many.stats().unwrap().count(), all_x.nrows() as u64);
    let diff = max_rel_diff(many.weights().unwrap(), one.weights().unwrap());
    assert!(diff < 1e-10, "weights differ by {diff}");
    // a bad value in a packed series is still reported at its series and row
    xs[58][(2, 4)] = f64::NAN;
    match Ridge::new(1e-3).unwrap().fit(&xs, &ys, warmup) {
        Err(Error::NonFinite { what, row, col, .. }) => {
            assert!(what.contains("input series 58"), "{what}");
            assert_eq!((row, col), (2, 4));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn least_squares_by_qr_equals_the_normal_equations_when_well_conditioned() {
    let (x, y) = data(500, 20, 3, 21);
    for (ridge, fit_bias) in [(1e-3, true), (0.0, true), (0.5, false)] {
        let params = RidgeParams { ridge, fit_bias };
        let mut qr = Ridge::with_params(params).unwrap();
        qr.fit_lstsq(&[&x], &[&y], 5).unwrap();
        let mut normal = Ridge::with_params(params).unwrap();
        normal.fit(&[&x], &[&y], 5).unwrap();
        let (a, b) = (qr.weights().unwrap(), normal.weights().unwrap());
        assert!(max_rel_diff(a, b) < 1e-10, "ridge {ridge}");
        for (p, q) in qr
            .intercept()
            .unwrap()
            .iter()
            .zip(normal.intercept().unwrap())
        {
            assert!((p - q).abs() < 1e-9);
        }
        // no statistics are kept: a new ridge needs a new fit
        assert!(qr.stats().is_none());
        assert!(qr.set_ridge(1.0).is_err());
    }
}

#[test]
fn least_squares_by_qr_keeps_the_digits_the_normal_equations_lose() {
    // polynomial features of t in [0, 1] up to degree 9: condition number near 1e7
    let t = 400;
    let x = Mat::from_fn(t, 9, |i, j| (i as f64 / t as f64).powi(j as i32 + 1));
    let truth: Vec<f64> = (0..9).map(|j| (j as f64 - 4.0) / 3.0).collect();
    let y = Mat::from_fn(t, 1, |i, _| {
        0.5 + (0..9).map(|j| truth[j] * x[(i, j)]).sum::<f64>()
    });
    let error = |r: &Ridge| {
        let w = r.weights().unwrap();
        (0..9)
            .map(|j| (w[(j, 0)] - truth[j]).abs())
            .fold(0.0, f64::max)
    };
    let mut qr = Ridge::new(0.0).unwrap();
    qr.fit_lstsq(&[&x], &[&y], 0).unwrap();
    let mut normal = Ridge::new(0.0).unwrap();
    normal.fit(&[&x], &[&y], 0).unwrap();
    assert!(error(&qr) < 1e-6, "QR error {}", error(&qr));
    assert!(
        error(&qr) * 1e3 < error(&normal),
        "{} vs {}",
        error(&qr),
        error(&normal)
    );
    assert!((qr.intercept().unwrap()[0] - 0.5).abs() < 1e-8);
}

#[test]
fn least_squares_with_a_ridge_equals_the_stacked_system_solved_without_one() {
    // the ridge solution is the least-squares solution of [X; sqrt(l) I] towards [Y; 0]: give
    // that taller system, with ridge 0, and compare (ill-conditioned features, so that only a
    // solver that keeps the digits of both agrees); more rows than features and fewer
    let (t, f) = (300, 9);
    let x = Mat::from_fn(t, f, |i, j| (i as f64 / t as f64).powi(j as i32 + 1));
    let y = Mat::from_fn(t, 2, |i, k| (i as f64 * 0.05 * (k + 1) as f64).sin());
    for rows in [t, 6] {
        for ridge in [1e-9, 1e-3] {
            let (xs, ys) = (x.subrows(0, rows).to_owned(), y.subrows(0, rows).to_owned());
            let params = RidgeParams {
                ridge,
                fit_bias: false,
            };
            let mut qr = Ridge::with_params(params).unwrap();
            qr.fit_lstsq(&[&xs], &[&ys], 0).unwrap();
            let tall = Mat::from_fn(rows + f, f, |i, j| {
                if i < rows {
                    xs[(i, j)]
                } else if i - rows == j {
                    ridge.sqrt()
                } else {
                    0.0
                }
            });
            let zeros = Mat::from_fn(rows + f, 2, |i, k| if i < rows { ys[(i, k)] } else { 0.0 });
            let mut stacked = Ridge::with_params(RidgeParams {
                ridge: 0.0,
                fit_bias: false,
            })
            .unwrap();
            stacked.fit_lstsq(&[&tall], &[&zeros], 0).unwrap();
            let diff = max_rel_diff(qr.weights().unwrap(), stacked.weights().unwrap());
            assert!(diff < 1e-9, "rows {rows}, ridge {ridge}: {diff}");
        }
    }
}

#[test]
fn least_squares_by_qr_refuses_bad_input() {
    let (x, y) = data(50, 4, 1, 22);
    let mut r = Ridge::new(0.0).unwrap();
    let none: [&Mat<f64>; 0] = [];
    assert!(matches!(
        r.fit_lstsq(&none, &none, 0),
        Err(Error::Empty { .. })
    ));
    assert!(matches!(
        r.fit_lstsq(&[&x], &[&y], 50),
        Err(Error::Empty { .. })
    ));
    let short = y.subrows(0, 40).to_owned();
    assert!(matches!(
        r.fit_lstsq(&[&x], &[&short], 0),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut nan = x.clone();
    nan[(3, 1)] = f64::NAN;
    assert!(r.fit_lstsq(&[&nan], &[&y], 0).is_err());
    // two equal columns and no ridge: singular, an error naming the cause
    let twin = Mat::from_fn(50, 2, |i, _| x[(i, 0)]);
    match r.fit_lstsq(&[&twin], &[&y], 0) {
        Err(Error::Solve(m)) => assert!(m.contains("ridge"), "{m}"),
        other => panic!("{other:?}"),
    }
    // fewer rows than features without a ridge
    let wide = Mat::from_fn(3, 4, |i, j| x[(i, j)]);
    assert!(matches!(
        r.fit_lstsq(&[&wide], &[&y.subrows(0, 3).to_owned()], 0),
        Err(Error::Solve(_))
    ));
    // with a ridge, both are solvable
    let mut r = Ridge::new(1e-3).unwrap();
    r.fit_lstsq(&[&twin], &[&y], 0).unwrap();
    r.fit_lstsq(&[&wide], &[&y.subrows(0, 3).to_owned()], 0)
        .unwrap();
    assert_eq!(r.weights().unwrap().nrows(), 4);
}

#[test]
fn an_esn_fitted_by_qr_is_the_same_whatever_the_threads() {
    let series = datasets::mackey_glass(&MackeyGlass::default(), 1500).unwrap();
    let (x, y) = datasets::forecasting(&series, 1).unwrap();
    let fit = || {
        let mut e = Esn::builder()
            .units(120)
            .ridge(0.0)
            .seed(9)
            .build(1, 1)
            .unwrap();
        e.fit_lstsq(&[&x], &[&y], 100).unwrap();
        (e.readout().weights().unwrap().clone(), e.state())
    };
    let many = fit();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(fit);
    assert_eq!(many, one);
    // the same final state as the statistics' fit
    let mut normal = Esn::builder()
        .units(120)
        .ridge(0.0)
        .seed(9)
        .build(1, 1)
        .unwrap();
    normal.fit(&[&x], &[&y], 100).unwrap();
    assert_eq!(normal.state(), many.1);
}
