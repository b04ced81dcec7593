//! Criterion micro-benchmarks of the hot paths: reservoir harvest (one series and a block of
//! series), ridge fit, reservoir initialisation with spectral-radius rescaling, and tanh.
//! `cargo bench -p aquifer`; side-by-side peer comparisons live in `bench/`.

use aquifer::init::{self, Values};
use aquifer::prelude::*;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

fn harvest(c: &mut Criterion) {
    let mut g = c.benchmark_group("harvest");
    let t_len = 2000;
    let u = init::random_dense(t_len, 1, Values::uniform(-1.0, 1.0), 1.0, 1).unwrap();
    for n in [100, 500, 1000] {
        let mut r = Reservoir::builder()
            .units(n)
            .spectral_radius(0.9)
            .leak_rate(0.3)
            .seed(1)
            .build(1)
            .unwrap();
        g.throughput(Throughput::Elements(t_len as u64));
        g.bench_with_input(BenchmarkId::new("run", n), &n, |b, _| {
            b.iter(|| {
                r.reset();
                black_box(r.run(&u).unwrap())
            })
        });
    }
    let series: Vec<Mat<f64>> = (0..16)
        .map(|i| init::random_dense(500, 1, Values::uniform(-1.0, 1.0), 1.0, i).unwrap())
        .collect();
    let r = Reservoir::builder()
        .units(500)
        .spectral_radius(0.9)
        .leak_rate(0.3)
        .seed(1)
        .build(1)
        .unwrap();
    g.throughput(Throughput::Elements(16 * 500));
    g.bench_function("run_many/16x500/500", |b| {
        b.iter(|| black_box(r.run_many(&series).unwrap()))
    });
    g.finish();
}

fn ridge(c: &mut Criterion) {
    let x = init::random_dense(5000, 300, Values::uniform(-1.0, 1.0), 1.0, 2).unwrap();
    let y = init::random_dense(5000, 2, Values::uniform(-1.0, 1.0), 1.0, 3).unwrap();
    c.bench_function("ridge_fit/5000x300", |b| {
        b.iter(|| {
            let mut r = Ridge::new(1e-6).unwrap();
            r.fit(&[&x], &[&y], 0).unwrap();
            black_box(r.weights().is_some())
        })
    });
}

fn initialisation(c: &mut Criterion) {
    let mut g = c.benchmark_group("init");
    g.sample_size(10);
    g.bench_function("reservoir_sr/1000", |b| {
        b.iter(|| {
            black_box(
                Reservoir::builder()
                    .units(1000)
                    .spectral_radius(0.9)
                    .seed(3)
                    .build(1)
                    .unwrap(),
            )
        })
    });
    g.bench_function("fast_spectral/1000", |b| {
        b.iter(|| black_box(init::fast_spectral_init(1000, 0.9, 0.1, 3).unwrap()))
    });
    g.finish();
}

fn activation(c: &mut Criterion) {
    let xs: Vec<f64> = (0..10_000).map(|i| (i as f64 - 5000.0) * 1e-3).collect();
    let mut g = c.benchmark_group("tanh");
    g.throughput(Throughput::Elements(xs.len() as u64));
    g.bench_function("aquifer/10000", |b| {
        b.iter_batched_ref(
            || xs.clone(),
            |v| aquifer::activation::tanh_in_place(v),
            criterion::BatchSize::SmallInput,
        )
    });
    g.bench_function("std/10000", |b| {
        b.iter_batched_ref(
            || xs.clone(),
            |v| v.iter_mut().for_each(|x| *x = x.tanh()),
            criterion::BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = harvest, ridge, initialisation, activation
}
criterion_main!(benches);
