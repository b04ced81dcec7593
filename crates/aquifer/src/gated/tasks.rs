//! Benchmark tasks for sequence models, as reusable seeded generators. Each returns the input
//! series (one `T x F` matrix per sample) and the [`Target`] to train on.
//!
//! * [`copy_task`] (Arjovsky et al. 2016, "copying memory"): `symbols` random symbols out of
//!   8, then `delay` blanks, then a delimiter; the model must output blanks until the delimiter
//!   and then reproduce the symbols. Inputs and targets are one-hot over 10 channels (0 blank,
//!   1-8 symbols, 9 delimiter); `T = delay + 2 symbols`. Always outputting the blank scores
//!   an MSE of `2 symbols / (10 T)` over all entries.
//! * [`adding_problem`] (Hochreiter & Schmidhuber 1997): two channels, uniform values in
//!   `[0, 1)` and a marker that is 1 at one random step of each half; the target is the sum of
//!   the two marked values. Predicting the mean (1) scores an MSE of `1/6` (0.167).
//! * [`delayed_response`]: an i.i.d. input uniform in `[-1, 1)`; the target is the input
//!   `delay` steps earlier (0 before). Predicting zero scores `1/3 (T - delay) / T`.
//! * [`mackey_glass_forecast`]: windows of the Mackey-Glass series; the target is the next
//!   value at every step.
//! * [`digits_pixels`] and [`mnist1d_sequences`]: sequence classification of the shipped 8x8
//!   digits read pixel by pixel (64 steps) and of MNIST-1D (40 steps).

use super::Target;
use crate::error::{Error, Result};
use faer::Mat;
use rand::RngExt;

fn check(name: &'static str, v: usize) -> Result<()> {
    if v == 0 {
        return Err(Error::invalid(name, 0, "must be >= 1"));
    }
    Ok(())
}

/// The copying-memory task: `samples` sequences of `symbols` symbols to recall after `delay`
/// blanks (see the [module documentation](self)).
pub fn copy_task(
    samples: usize,
    symbols: usize,
    delay: usize,
    seed: u64,
) -> Result<(Vec<Mat<f64>>, Target)> {
    check("samples", samples)?;
    check("symbols", symbols)?;
    let t_len = delay + 2 * symbols;
    let mut rng = crate::rng::from_seed(seed);
    let mut xs = Vec::with_capacity(samples);
    let mut ys = Vec::with_capacity(samples);
    for _ in 0..samples {
        let seq: Vec<usize> = (0..symbols).map(|_| rng.random_range(1..9)).collect();
        let mut x = Mat::zeros(t_len, 10);
        let mut y = Mat::zeros(t_len, 10);
        for t in 0..t_len {
            let input = if t < symbols {
                seq[t]
            } else if t == symbols + delay - 1 && delay > 0 {
                9
            } else {
                0
            };
            x[(t, input)] = 1.0;
            let output = if t >= symbols + delay {
                seq[t - symbols - delay]
            } else {
                0
            };
            y[(t, output)] = 1.0;
        }
        if delay == 0 {
            // no room for a delimiter before the recall: mark the first recall step
            x[(symbols, 0)] = 0.0;
            x[(symbols, 9)] = 1.0;
        }
        xs.push(x);
        ys.push(y);
    }
    Ok((xs, Target::Sequences(ys)))
}

/// The adding problem with sequences of `length` steps (see the
/// [module documentation](self)).
pub fn adding_problem(samples: usize, length: usize, seed: u64) -> Result<(Vec<Mat<f64>>, Target)> {
    check("samples", samples)?;
    if length < 2 {
        return Err(Error::invalid("length", length, "must be >= 2"));
    }
    let mut rng = crate::rng::from_seed(seed);
    let mut xs = Vec::with_capacity(samples);
    let mut y = Mat::zeros(samples, 1);
    let half = length / 2;
    for k in 0..samples {
        let mut x = Mat::zeros(length, 2);
        for t in 0..length {
            x[(t, 0)] = rng.random::<f64>();
        }
        let a = rng.random_range(0..half);
        let b = rng.random_range(half..length);
        x[(a, 1)] = 1.0;
        x[(b, 1)] = 1.0;
        y[(k, 0)] = x[(a, 0)] + x[(b, 0)];
        xs.push(x);
    }
    Ok((xs, Target::LastValues(y)))
}

/// The delayed response: reproduce the input `delay` steps later (see the
/// [module documentation](self)).
pub fn delayed_response(
    samples: usize,
    length: usize,
    delay: usize,
    seed: u64,
) -> Result<(Vec<Mat<f64>>, Target)> {
    check("samples", samples)?;
    if delay >= length {
        return Err(Error::invalid(
            "delay",
            delay,
            "must be shorter than the sequence",
        ));
    }
    let mut rng = crate::rng::from_seed(seed);
    let mut xs = Vec::with_capacity(samples);
    let mut ys = Vec::with_capacity(samples);
    for _ in 0..samples {
        let x = Mat::from_fn(length, 1, |_, _| rng.random_range(-1.0..1.0));
        let y = Mat::from_fn(
            length,
            1,
            |t, _| if t >= delay { x[(t - delay, 0)] } else { 0.0 },
        );
        xs.push(x);
        ys.push(y);
    }
    Ok((xs, Target::Sequences(ys)))
}

/// One-step Mackey-Glass forecasting: `samples` windows of `length` steps starting at seeded
/// random offsets of a series of 10,000 steps (ReservoirPy's defaults); targets are the values
/// one step ahead.
pub fn mackey_glass_forecast(
    samples: usize,
    length: usize,
    seed: u64,
) -> Result<(Vec<Mat<f64>>, Target)> {
    check("samples", samples)?;
    check("length", length)?;
    let total = 10_000;
    if length + 1 >= total {
        return Err(Error::invalid("length", length, "must be < 9999"));
    }
    let series = crate::datasets::mackey_glass(&crate::datasets::MackeyGlass::default(), total)?;
    let mut rng = crate::rng::from_seed(seed);
    let mut xs = Vec::with_capacity(samples);
    let mut ys = Vec::with_capacity(samples);
    for _ in 0..samples {
        let start = rng.random_range(0..total - length - 1);
        xs.push(Mat::from_fn(length, 1, |t, _| series[(start + t, 0)]));
        ys.push(Mat::from_fn(length, 1, |t, _| series[(start + t + 1, 0)]));
    }
    Ok((xs, Target::Sequences(ys)))
}

/// The 8x8 digits read pixel by pixel (64 steps of one value in `[0, 1]`), with their classes;
/// `(train, test)` from a seeded split with `test_size` test images.
#[allow(clippy::type_complexity)]
pub fn digits_pixels(
    test_size: usize,
    seed: u64,
) -> Result<((Vec<Mat<f64>>, Target), (Vec<Mat<f64>>, Target))> {
    let digits = crate::datasets::digits()?;
    let (train, test) = digits.split(test_size, seed)?;
    let part = |idx: &[usize]| {
        (
            idx.iter().map(|&k| digits.pixels(k)).collect::<Vec<_>>(),
            Target::Classes {
                labels: idx.iter().map(|&k| digits.labels[k]).collect(),
                classes: 10,
            },
        )
    };
    Ok((part(&train), part(&test)))
}

/// MNIST-1D as sequences of 40 steps of one value, with their classes: `(train, test)`.
#[allow(clippy::type_complexity)]
pub fn mnist1d_sequences() -> Result<((Vec<Mat<f64>>, Target), (Vec<Mat<f64>>, Target))> {
    let m = crate::datasets::mnist1d()?;
    let part = |x: &Mat<f64>, labels: &[usize]| {
        (
            (0..x.nrows())
                .map(|k| crate::datasets::Mnist1d::series(x, k))
                .collect::<Vec<_>>(),
            Target::Classes {
                labels: labels.to_vec(),
                classes: 10,
            },
        )
    };
    Ok((
        part(&m.train, &m.train_labels),
        part(&m.test, &m.test_labels),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_have_their_documented_shapes_and_baselines() {
        let (xs, target) = copy_task(5, 4, 6, 1).unwrap();
        assert_eq!((xs.len(), xs[0].nrows(), xs[0].ncols()), (5, 14, 10));
        let Target::Sequences(ys) = &target else {
            panic!()
        };
        // the delimiter is the last input before the recall; the recall repeats the symbols
        for (x, y) in xs.iter().zip(ys) {
            assert_eq!(x[(9, 9)], 1.0);
            for k in 0..4 {
                let sym = (0..10).find(|&c| x[(k, c)] == 1.0).unwrap();
                assert!((1..9).contains(&sym));
                assert_eq!(y[(10 + k, sym)], 1.0);
            }
            assert!((0..14).all(|t| (0..10).map(|c| x[(t, c)]).sum::<f64>() == 1.0));
        }
        let (xs, target) = adding_problem(2000, 100, 2).unwrap();
        let Target::LastValues(y) = &target else {
            panic!()
        };
        let mean_mse = (0..2000).map(|k| (y[(k, 0)] - 1.0).powi(2)).sum::<f64>() / 2000.0;
        assert!((mean_mse - 1.0 / 6.0).abs() < 0.02, "{mean_mse}");
        assert!(xs
            .iter()
            .all(|x| (0..100).map(|t| x[(t, 1)]).sum::<f64>() == 2.0));
        let (xs, target) = delayed_response(3, 20, 5, 3).unwrap();
        let Target::Sequences(ys) = &target else {
            panic!()
        };
        assert_eq!(ys[1][(12, 0)], xs[1][(7, 0)]);
        assert_eq!(ys[1][(4, 0)], 0.0);
        let (xs, target) = mackey_glass_forecast(4, 50, 4).unwrap();
        let Target::Sequences(ys) = &target else {
            panic!()
        };
        assert_eq!(ys[2][(10, 0)], xs[2][(11, 0)]);
        let ((train, _), (test, _)) = digits_pixels(450, 0).unwrap();
        assert_eq!((train.len(), test.len(), train[0].nrows()), (1347, 450, 64));
        assert!(copy_task(0, 4, 6, 1).is_err() && adding_problem(3, 1, 0).is_err());
        assert!(delayed_response(3, 5, 5, 0).is_err());
    }
}
