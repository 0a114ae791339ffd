//! `--chart`: builds the chart data from a command's result table (the same rows the table,
//! CSV and JSON show) and writes it. Which columns a metric reads is the command's business;
//! the shapes shared by every command live here.

use anyhow::Result;
use chrono::NaiveDate;

use crate::chart::{Chart, Composition, Heatmap, Pareto, Point, Series, Stack, Trend};
use crate::cmd::Opened;
use crate::error::usage;
use crate::input::roles::Role;
use crate::metrics::grouping::Grouping;
use crate::metrics::period::{label_index, Period, Span};
use crate::output::{machine_text, Cell, Table};

/// At most this many lines on a trend; more groups would be unreadable.
const MAX_SERIES: usize = 10;

/// The label of total rows in result tables.
const TOTAL: &str = "Total";

/// Which columns of a result table a trend metric reads, and how to label it.
#[derive(Debug, Clone, Copy)]
pub struct TrendMetric {
    /// The `--chart-metric` name.
    pub name: &'static str,
    pub title: &'static str,
    pub axis: &'static str,
    pub value: &'static str,
    pub low: Option<&'static str>,
    pub high: Option<&'static str>,
    pub limits: (f64, f64),
}

impl TrendMetric {
    /// The columns it reads.
    pub fn keys(&self) -> impl Iterator<Item = &'static str> {
        [Some(self.value), self.low, self.high].into_iter().flatten()
    }
}

/// Looks up `--chart-metric` among a command's metrics (the first is the default).
pub fn pick<'a>(metrics: &'a [TrendMetric], flag: Option<&str>, table: &Table) -> Result<&'a TrendMetric> {
    let available: Vec<&TrendMetric> = metrics.iter().filter(|m| column(table, m.value).is_some()).collect();
    let names = || available.iter().map(|m| m.name).collect::<Vec<_>>().join(", ");
    match flag {
        None => available.first().copied().ok_or_else(|| usage("--chart: this result has no metric to draw a trend of".to_string())),
        Some(name) => {
            let wanted = name.trim().to_ascii_lowercase().replace('_', "-");
            available
                .iter()
                .copied()
                .find(|m| m.name == wanted)
                .ok_or_else(|| usage(format!("--chart-metric '{name}' is not available here; choose one of: {}", names())))
        }
    }
}

/// The position of a column.
pub fn column(table: &Table, name: &str) -> Option<usize> {
    table.columns.iter().position(|c| c == name)
}

/// A numeric cell as f64.
fn number(cell: &Cell) -> Option<f64> {
    match cell {
        Cell::Int(v) => Some(*v as f64),
        Cell::Num(v, _) if v.is_finite() => Some(*v),
        _ => None,
    }
}

/// The dates a chart covers, for its subtitle: "dates 2025-11-01 to 2026-10-31" (the first and
/// last valid date in scope of the date column, whether or not the table is grouped by period).
/// Also the span itself (None: no dates, or no date column), for [`partial_marks`].
pub fn date_scope(opened: &Opened, grouping: &Grouping, date_role: Role) -> Result<(String, Option<(NaiveDate, NaiveDate)>)> {
    let Some(date) = grouping.date.clone().or_else(|| opened.roles.get(date_role).map(str::to_string)) else {
        return Ok(("no date column".to_string(), None));
    };
    let scope = Grouping { date: Some(date), from: grouping.from, to: grouping.to, ..Default::default() };
    let span = scope.date_span(opened.data.lazy(), |q| opened.data.collect(q))?;
    Ok((span_text(span), span))
}

/// Marks for a trend's periods that the data covers in part: " (partial)" on a row whose
/// period starts before the first date in scope or ends after the last (an export that stops
/// mid-month makes its last month look like a fall).
/// Without a period (no `--period`), nothing is marked.
pub fn partial_marks(table: &Table, period: Option<Period>, span: Option<(NaiveDate, NaiveDate)>) -> impl Fn(usize) -> &'static str + '_ {
    let at = column(table, "period");
    move |i| {
        let (Some(k), Some(period), Some((first, last))) = (at, period, span) else { return "" };
        let label = machine_text(&table.rows[i][k]);
        match label_index(&label, period).map(|index| Span { period, index }) {
            Some(p) if p.start() < first || p.end() > last => " (partial)",
            _ => "",
        }
    }
}

/// "dates 2025-11-01 to 2026-10-31", or "no valid dates".
pub fn span_text(span: Option<(NaiveDate, NaiveDate)>) -> String {
    match span {
        Some((a, b)) => format!("dates {a} to {b}"),
        None => "no valid dates".to_string(),
    }
}

/// "95% confidence interval" wording for subtitles.
pub fn level_text(confidence: f64) -> String {
    format!("{}%", (confidence * 1000.0).round() / 10.0)
}

/// A line being collected: its name, its size (for ranking) and its points by period label.
type Line = (String, f64, Vec<(String, Point)>);

/// A trend from a result table with a `period` column and the `by` key columns: one line per
/// group (the period subtotals become "all"), total rows left out. `marks` adds a suffix to a
/// period label (e.g. "*" on a partial period).
pub fn trend(
    table: &Table,
    by: &[String],
    metric: &TrendMetric,
    subtitle: String,
    (x_label, band): (&str, String),
    marks: &dyn Fn(usize) -> &'static str,
) -> Result<Chart> {
    let Some(period_at) = column(table, "period") else {
        return Err(usage("--chart-type trend needs --period (day, week, month, quarter or year)".to_string()));
    };
    let at = |name: &str| column(table, name);
    let value_at = at(metric.value).expect("metric column checked by pick");
    let (low_at, high_at) = (metric.low.and_then(at), metric.high.and_then(at));
    let by_at: Vec<usize> = by.iter().filter_map(|b| at(b)).collect();
    let n_at = at("n");
    let low_base_at = at("low_base");
    let mut periods: Vec<String> = Vec::new();
    // (series name, size for ranking, points by period label)
    let mut series: Vec<Line> = Vec::new();
    for (i, row) in table.rows.iter().enumerate() {
        let period = machine_text(&row[period_at]);
        if period == TOTAL {
            continue;
        }
        let label = format!("{period}{}", marks(i));
        if !periods.contains(&label) {
            periods.push(label.clone());
        }
        let keys: Vec<String> = by_at.iter().map(|k| machine_text(&row[*k])).collect();
        let name = if keys.is_empty() {
            String::new()
        } else if keys.iter().all(|k| k == TOTAL) {
            "all".to_string()
        } else {
            keys.join(" / ")
        };
        let Some(value) = number(&row[value_at]) else { continue };
        let low_base = low_base_at.is_some_and(|k| row[k] == Cell::Bool(true));
        let point = Point { value, low: low_at.and_then(|k| number(&row[k])), high: high_at.and_then(|k| number(&row[k])), low_base };
        let size = n_at.and_then(|k| number(&row[k])).unwrap_or(0.0);
        match series.iter_mut().find(|s| s.0 == name) {
            Some(s) => {
                s.1 += size;
                s.2.push((label, point));
            }
            None => series.push((name, size, vec![(label, point)])),
        }
    }
    let mut subtitle = subtitle;
    if series.len() > MAX_SERIES {
        let total = series.len();
        let mut ranked: Vec<usize> = (0..total).collect();
        ranked.sort_by(|a, b| series[*b].1.total_cmp(&series[*a].1));
        let keep: Vec<usize> = ranked.into_iter().take(MAX_SERIES).collect();
        series = series.into_iter().enumerate().filter(|(i, _)| keep.contains(i)).map(|(_, s)| s).collect();
        subtitle.push_str(&format!(" · the {MAX_SERIES} largest of {total} groups"));
    }
    let series = series
        .into_iter()
        .map(|(name, _, points)| Series {
            name,
            points: periods.iter().map(|p| points.iter().find(|(l, _)| l == p).map(|(_, v)| *v)).collect(),
        })
        .collect();
    Ok(Chart::Trend(Trend {
        title: format!("{} by {x_label}", metric.title),
        subtitle,
        x_label: x_label.to_string(),
        y_label: metric.axis.to_string(),
        limits: metric.limits,
        band,
        periods,
        series,
        targets: Vec::new(),
    }))
}

/// NPS composition from a survey result table: one bar per group (with `--by`) or per period
/// (with `--period`), then "all".
pub fn composition(table: &Table, by: &[String], period: bool, subtitle: String) -> Result<Chart> {
    if period && !by.is_empty() {
        return Err(usage("--chart-type nps compares groups or periods, not both: drop --by or --period".to_string()));
    }
    let at = |name: &str| column(table, name);
    let (Some(d), Some(p), Some(pr), Some(nps), Some(n)) =
        (at("detractors_pct"), at("passives_pct"), at("promoters_pct"), at("nps"), at("nps_n"))
    else {
        return Err(usage("--chart-type nps needs an NPS column (map one with --col nps=HEADER)".to_string()));
    };
    let keys: Vec<usize> = if period { at("period").into_iter().collect() } else { by.iter().filter_map(|b| at(b)).collect() };
    let mut bars = Vec::new();
    for row in &table.rows {
        let labels: Vec<String> = keys.iter().map(|k| machine_text(&row[*k])).collect();
        let label = if labels.is_empty() || labels.iter().all(|l| l == TOTAL) { "all".to_string() } else { labels.join(" / ") };
        let (Some(det), Some(pas), Some(pro), Some(score)) = (number(&row[d]), number(&row[p]), number(&row[pr]), number(&row[nps])) else {
            continue;
        };
        let low_base = at("low_base").is_some_and(|k| row[k] == Cell::Bool(true));
        bars.push(Stack { label, n: number(&row[n]).unwrap_or(0.0), detractors: det, passives: pas, promoters: pro, nps: score, low_base });
    }
    Ok(Chart::Composition(Composition {
        title: format!(
            "NPS composition by {}",
            if period {
                "period".to_string()
            } else if by.is_empty() {
                "group".to_string()
            } else {
                by.join(" / ")
            }
        ),
        subtitle,
        x_label: if period { "period".to_string() } else { by.join(" / ") },
        bars,
    }))
}

/// The Pareto chart from a `complaints --pareto` result table (cause, count, share, cumulative).
pub fn pareto(table: &Table, cause: &str, subtitle: String) -> Chart {
    let items =
        table.rows.iter().map(|row| (machine_text(&row[0]), number(&row[1]).unwrap_or(0.0), number(&row[3]).unwrap_or(0.0))).collect();
    Chart::Pareto(Pareto { title: format!("Complaints by {cause}: Pareto of causes"), subtitle, x_label: cause.to_string(), items })
}

/// The retention heatmap from a `repeat --cohorts` table (cohort, customers, then one column per
/// period offset, in % or in customers with `--counts`).
pub fn heatmap(table: &Table, counts: bool, period_name: &str, subtitle: String) -> Chart {
    let offsets: Vec<String> = table.columns.iter().skip(2).cloned().collect();
    let mut rows = Vec::new();
    let mut cells = Vec::new();
    for row in &table.rows {
        let customers = number(&row[1]).unwrap_or(0.0);
        rows.push(format!("{} (n = {})", machine_text(&row[0]), customers));
        cells.push(
            row.iter()
                .skip(2)
                .map(|c| {
                    let v = number(c)?;
                    if counts {
                        (customers > 0.0).then(|| 100.0 * v / customers)
                    } else {
                        Some(v)
                    }
                })
                .collect(),
        );
    }
    Chart::Heatmap(Heatmap {
        title: format!("Cohort retention: % of each first-purchase {period_name} who ordered again"),
        subtitle,
        x_label: format!("{period_name}s since the first purchase"),
        y_label: format!("first-purchase {period_name} (customers)"),
        rows,
        columns: offsets,
        cells,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_the_data_covers_in_part_are_marked() {
        let rows = ["2026-07", "2026-08", "2026-09", "Total"].iter().map(|p| vec![Cell::Text(p.to_string())]).collect();
        let table = Table { columns: vec!["period".into()], rows };
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        // Data from 7 July to 30 September: July starts late, September is whole.
        let marks = partial_marks(&table, Some(Period::Month), Some((day(7, 7), day(9, 30))));
        assert_eq!((0..4).map(&marks).collect::<Vec<_>>(), [" (partial)", "", "", ""]);
        // Ending on 29 September: September is partial too.
        let marks = partial_marks(&table, Some(Period::Month), Some((day(7, 1), day(9, 29))));
        assert_eq!((0..4).map(&marks).collect::<Vec<_>>(), ["", "", " (partial)", ""]);
        assert_eq!(partial_marks(&table, Some(Period::Month), None)(0), "");
        assert_eq!(partial_marks(&table, None, Some((day(7, 7), day(9, 30))))(0), "");
    }

    const CSAT: TrendMetric = TrendMetric {
        name: "csat",
        title: "CSAT",
        axis: "CSAT %",
        value: "csat_pct",
        low: Some("csat_low"),
        high: Some("csat_high"),
        limits: (0.0, 100.0),
    };

    fn table() -> Table {
        let row = |p: &str, seg: &str, n: i64, v: f64| {
            vec![Cell::Text(p.into()), Cell::Text(seg.into()), Cell::Int(n), Cell::Num(v, 1), Cell::Num(v - 5.0, 1), Cell::Num(v + 5.0, 1)]
        };
        Table {
            columns: ["period", "segment", "n", "csat_pct", "csat_low", "csat_high"].map(String::from).to_vec(),
            rows: vec![
                row("2026-09", "A", 10, 80.0),
                row("2026-09", "Total", 10, 80.0),
                row("2026-10", "A", 5, 70.0),
                row("2026-10", "B", 5, 90.0),
                row("2026-10", "Total", 10, 80.0),
                row("Total", "Total", 20, 80.0),
            ],
        }
    }

    #[test]
    fn trend_has_a_line_per_group_with_gaps() {
        let by = vec!["segment".to_string()];
        let Chart::Trend(t) = trend(&table(), &by, &CSAT, String::new(), ("month", String::new()), &|_| "").unwrap() else { panic!() };
        assert_eq!(t.periods, ["2026-09", "2026-10"]);
        let names: Vec<&str> = t.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["A", "all", "B"]);
        // B has no September row: a gap, not a zero.
        assert_eq!(t.series[2].points[0], None);
        assert_eq!(t.series[2].points[1], Some(Point { value: 90.0, low: Some(85.0), high: Some(95.0), low_base: false }));
    }

    #[test]
    fn unknown_metric_names_the_choices() {
        let e = pick(&[CSAT], Some("nps"), &table()).unwrap_err().to_string();
        assert!(e.contains("choose one of: csat"), "{e}");
        assert_eq!(pick(&[CSAT], Some("CSAT"), &table()).unwrap().name, "csat");
    }
}
