//! XGBoost runtime speed on the 200-tree, depth-6, 50-feature fixture: batch rows/s (the fixture's inputs
//! replicated to 10,000 rows), single-row latency, and one row's TreeSHAP contributions.
//! Compare the batch number with `fixtures/bench_xgboost_native.py` (XGBoost's own `inplace_predict`,
//! nthread=1, same model, same rows), run the same day.
//!
//!     cargo bench -p leadsmith-model --bench xgboost -- --quick

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leadsmith_model::Predictor;
use leadsmith_model::xgboost::XgbModel;

const ROWS: usize = 10_000;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/xgboost").join(name)
}

/// The fixture's input rows (empty cell = NaN), replicated to `ROWS`, row-major.
fn rows(num_features: usize) -> Vec<f64> {
    let text = std::fs::read_to_string(fixture("binary_200x6.inputs.csv")).unwrap();
    let base: Vec<f64> = text
        .lines()
        .skip(1)
        .flat_map(|line| line.split(',').map(|c| if c.is_empty() { f64::NAN } else { c.parse().unwrap() }))
        .collect();
    assert_eq!(base.len() % num_features, 0);
    base.iter().copied().cycle().take(ROWS * num_features).collect()
}

fn bench(c: &mut Criterion) {
    let model = XgbModel::from_path(&fixture("binary_200x6.json")).unwrap();
    let nf = model.num_features();
    let rows = rows(nf);
    let mut out = Vec::with_capacity(ROWS);

    let mut group = c.benchmark_group("xgboost_200x6");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("predict_batch_10k_rows", |b| {
        b.iter(|| {
            model.predict_batch(black_box(&rows), nf, &mut out);
            black_box(&out);
        })
    });
    group.finish();

    let mut group = c.benchmark_group("xgboost_200x6_one_row");
    let mut i = 0;
    group.bench_function("predict", |b| {
        b.iter(|| {
            i = (i + 1) % 100;
            model.predict(black_box(&rows[i * nf..(i + 1) * nf]))
        })
    });
    group.bench_function("contributions", |b| {
        b.iter(|| {
            i = (i + 1) % 100;
            model.contributions(black_box(&rows[i * nf..(i + 1) * nf]))
        })
    });
    group.bench_function("load_model", |b| {
        let json = std::fs::read_to_string(fixture("binary_200x6.json")).unwrap();
        b.iter(|| XgbModel::from_json_str(black_box(&json)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
