//! Micro-benchmarks of the metric kernels on in-memory frames (divan):
//! `cargo bench --bench kernels`. The whole-workload comparison with DuckDB and pandas is
//! `scripts/bench.sh` (BENCHMARKS.md).
//!
//! Each kernel runs on 1,000,000 generated values, the quick first-pass reader beside the full
//! one, so that a change to either shows up here before it shows up in the workload.

use cxstat::input::clean::{self, Scale};
use cxstat::stats::intervals::{nps_interval, wilson, NpsMethod};
use polars::prelude::*;

const ROWS: usize = 1_000_000;

fn main() {
    divan::main();
}

/// A frame with one text column `raw` of `ROWS` values made by `make(i)`.
fn frame(make: impl Fn(usize) -> String) -> DataFrame {
    let values: Vec<String> = (0..ROWS).map(make).collect();
    let s = Series::new("raw".into(), values);
    DataFrame::new(ROWS, vec![s.into()]).expect("frame")
}

fn scores() -> DataFrame {
    frame(|i| ((i * 7919) % 5 + 1).to_string())
}

fn dates() -> DataFrame {
    frame(|i| format!("2026-{:02}-{:02}", i % 12 + 1, i % 28 + 1))
}

fn timestamps() -> DataFrame {
    frame(|i| format!("2026-{:02}-{:02} {:02}:{:02}:{:02}", i % 12 + 1, i % 28 + 1, i % 24, i % 60, (i * 7) % 60))
}

fn run(df: &DataFrame, exprs: Vec<Expr>) -> DataFrame {
    df.clone().lazy().select(exprs).collect().expect("query")
}

const SCALE: Scale = Scale { low: 1, high: 5 };

#[divan::bench]
fn score_numbers_first_pass(b: divan::Bencher) {
    let df = scores();
    b.bench(|| {
        let (number, answered) = clean::score_parts("raw", &[], None, SCALE);
        let c = clean::score_from(number, answered, SCALE);
        run(&df, vec![c.value.sum(), c.invalid.sum()])
    });
}

#[divan::bench]
fn score_with_labels(b: divan::Bencher) {
    let df = scores();
    b.bench(|| {
        let c = clean::score("raw", SCALE, &[], Some(&[]));
        run(&df, vec![c.value.sum(), c.invalid.sum()])
    });
}

#[divan::bench]
fn date_first_pass(b: divan::Bencher) {
    let df = dates();
    b.bench(|| run(&df, vec![clean::date_quick("raw").cast(DataType::Int32).sum()]));
}

#[divan::bench]
fn date_every_form(b: divan::Bencher) {
    let df = dates();
    b.bench(|| run(&df, vec![clean::date("raw").value.cast(DataType::Int32).sum()]));
}

#[divan::bench]
fn timestamp_first_pass(b: divan::Bencher) {
    let df = timestamps();
    b.bench(|| run(&df, vec![clean::datetime_quick("raw").cast(DataType::Int64).max()]));
}

#[divan::bench]
fn timestamp_every_form(b: divan::Bencher) {
    let df = timestamps();
    b.bench(|| run(&df, vec![clean::datetime("raw").value.cast(DataType::Int64).max()]));
}

#[divan::bench]
fn month_groups_of_scores(b: divan::Bencher) {
    // The survey kernel: month number and a score per row, grouped, counted and summed.
    let df = run(&dates(), vec![clean::date_quick("raw").alias("d"), lit(1.0).alias("one")]);
    let df = df
        .lazy()
        .with_row_index("i", None)
        .select([col("d"), (col("i") % lit(5u32) + lit(1u32)).cast(DataType::Float64).alias("csat")])
        .collect()
        .expect("frame");
    b.bench(|| {
        df.clone()
            .lazy()
            .group_by([cxstat::metrics::period::period_index(col("d"), cxstat::metrics::period::Period::Month).alias("p")])
            .agg([len(), col("csat").gt_eq(lit(4.0)).cast(DataType::Float64).sum(), col("csat").sum()])
            .collect()
            .expect("query")
    });
}

#[divan::bench]
fn intervals(b: divan::Bencher) {
    b.bench(|| {
        let w = wilson(divan::black_box(812.0), divan::black_box(1000.0), 0.95);
        let n = nps_interval(divan::black_box(400.0), divan::black_box(200.0), divan::black_box(1000.0), 0.95, NpsMethod::Wald);
        (w, n)
    });
}
