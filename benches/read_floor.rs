//! What reading costs before any metric: polars' CSV reader (through cxstat's `Dataset`, with
//! its fast line splitting) on the columns a command reads, raw, beside each quick reader that
//! parses them. `cargo bench --bench read_floor -- DATA_DIR` on the workload's data
//! (`target/bench/data-2m`, made by `scripts/bench.sh`); BENCHMARKS.md, "The read floor".
//!
//! Times are in-process (no process start), medians of 5, on whichever engine cxstat uses for
//! the read (`collect_reduced`: streaming).

use std::path::Path;
use std::time::Instant;

use cxstat::input::clean;
use cxstat::input::frame::{Dataset, ReadOptions};
use cxstat::input::source::Source;
use polars::prelude::*;

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; the one other argument is the data directory.
    let dir = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let Some(dir) = dir else {
        eprintln!("usage: cargo bench --bench read_floor -- DATA_DIR (e.g. target/bench/data-2m)");
        return Ok(());
    };
    let dir = Path::new(&dir);

    let survey = open(&dir.join("responses.csv"))?;
    let columns = ["submitted_at", "segment", "csat", "nps", "ces"];
    time(&survey, "survey: 5 columns raw", raw(&columns))?;
    let mut with_ragged = raw(&columns);
    with_ragged.extend(survey.ragged_flag());
    time(&survey, "survey: and the ragged-row flag", with_ragged)?;
    time(&survey, "survey: date raw", raw(&["submitted_at"]))?;
    time(&survey, "survey: date, quick reader", vec![clean::date_quick("submitted_at")])?;
    time(&survey, "survey: csat raw", raw(&["csat"]))?;
    time(&survey, "survey: csat as a number", vec![clean::amount_quick("csat")])?;

    let complaints = open(&dir.join("complaints.csv"))?;
    let columns = [
        "complaint_id",
        "opened_at",
        "first_response_at",
        "resolved_at",
        "category",
        "severity",
        "status",
        "reopened",
        "first_contact_resolution",
    ];
    time(&complaints, "complaints: 9 columns raw", raw(&columns))?;
    let stamps = ["opened_at", "first_response_at", "resolved_at"];
    time(&complaints, "complaints: 3 timestamps raw", raw(&stamps))?;
    time(&complaints, "complaints: 3 timestamps, quick", stamps.iter().map(|c| clean::datetime_quick(c).alias(*c)).collect())?;

    let orders = open(&dir.join("orders.csv"))?;
    let columns = ["ordered_at", "customer_id", "amount", "order_id"];
    time(&orders, "orders: 4 columns raw", raw(&columns))?;
    time(&orders, "orders: 3 (no customer) raw", raw(&["ordered_at", "amount", "order_id"]))?;
    time(&orders, "orders: date raw", raw(&["ordered_at"]))?;
    time(&orders, "orders: date, quick reader", vec![clean::date_quick("ordered_at")])?;
    time(&orders, "orders: customer raw", raw(&["customer_id"]))?;
    time(&orders, "orders: customer trimmed", vec![clean::given("customer_id")])?;
    time(&orders, "orders: order id raw", raw(&["order_id"]))?;
    time(&orders, "orders: order id trimmed", vec![clean::given("order_id")])?;
    Ok(())
}

fn open(path: &Path) -> anyhow::Result<Dataset> {
    Dataset::open(&Source::File(path.to_path_buf()), &ReadOptions::default())
}

fn raw(columns: &[&str]) -> Vec<Expr> {
    columns.iter().map(|c| col(*c)).collect()
}

/// Reads `exprs` into memory 5 times and prints the fastest and the median time.
fn time(data: &Dataset, name: &str, exprs: Vec<Expr>) -> anyhow::Result<()> {
    let mut times = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let df = data.collect_reduced(data.lazy().select(exprs.clone()))?;
        times.push(start.elapsed().as_secs_f64());
        std::hint::black_box(df);
    }
    times.sort_by(f64::total_cmp);
    eprintln!("{name:<36} min {:.3} s, median {:.3} s", times[0], times[2]);
    Ok(())
}
