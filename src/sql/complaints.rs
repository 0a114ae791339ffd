//! `cxstat sql complaints`: per group the counts behind the complaint KPIs, and the response and
//! resolution times as exact histograms (group, duration in milliseconds, complaints), as
//! [`crate::metrics::complaints`] computes them from the rows; with an orders table, the orders
//! and distinct ordering customers per period and over the scope (the rates' base).
//!
//! Timestamps read as `2026-10-03 09:05:00` (or `T`, with or without seconds, and anything after
//! them such as `.123` or a zone ignored: the time as written) or a day alone (midnight), in whole
//! milliseconds since 1970 computed from their parts (no time zone of the engine's enters).
//! Durations are differences of those; a duration before the opening is left out.

use chrono::NaiveDateTime;

use crate::input::clean::SQL_TIMESTAMP_FORM;
use crate::metrics::complaints::ComplaintSpec;
use crate::metrics::complaints::STAGES;
use crate::metrics::grouping::Grouping;
use crate::metrics::orders::OrderSpec;

use super::{by_columns, count_where, indent, keys, number_literal, select, Dialect};

impl Dialect {
    /// Text `t` read as a timestamp ([`SQL_TIMESTAMP_FORM`]; its parts read by position once the
    /// form has matched) in milliseconds since 1970, null otherwise (impossible dates and times too).
    fn timestamp_ms(self, t: &str) -> String {
        // A time is there when a `:` follows the hour; seconds when one follows the minutes.
        let timed = format!("substr({t}, 11, 1) IN ('T', ' ') AND substr({t}, 14, 1) = ':'");
        let part = |at: usize, when: &str| {
            format!("CASE WHEN {when} THEN {} ELSE 0 END", self.try_cast(&format!("substr({t}, {at}, 2)"), "BIGINT"))
        };
        let (h, m) = (part(12, &timed), part(15, &timed));
        let s = part(18, &format!("{timed} AND substr({t}, 17, 1) = ':'"));
        let day = self.try_cast(&format!("substr({t}, 1, 10)"), "DATE");
        format!(
            "CASE WHEN {matches} AND {h} <= 23 AND {m} <= 59 AND {s} <= 59 THEN \
             CAST({days} AS BIGINT) * 86400000 + {h} * 3600000 + {m} * 60000 + {s} * 1000 END",
            matches = self.matches(t, SQL_TIMESTAMP_FORM),
            days = self.days(&day),
        )
    }

    /// The day (a DATE) of a timestamp in milliseconds since 1970.
    fn day_of_ms(self, ms: &str) -> String {
        let days = format!("CAST(floor({ms} / 86400000.0) AS INTEGER)");
        match self {
            Dialect::Duckdb => format!("(DATE '1970-01-01' + {days})"),
            Dialect::Spark => format!("date_add(DATE '1970-01-01', {days})"),
        }
    }

    /// A status or severity as a token: lower-case, runs of spaces, `-` and `_` as one `_`.
    fn token(self, t: &str) -> String {
        match self {
            Dialect::Duckdb => format!("regexp_replace(lower({t}), '[\\s_-]+', '_', 'g')"),
            Dialect::Spark => format!("regexp_replace(lower({t}), {}, '_')", self.string("[\\s_-]+")),
        }
    }
}

/// The statistics columns of the result, besides `part` and the keys, in order. Histogram rows
/// (`part` = `response` or `resolve`) hold a duration in `ms` and its complaints in `n`.
pub fn statistics() -> Vec<String> {
    let mut names: Vec<String> =
        ["n", "resolved", "open_scope", "open_end", "fcr_yes", "fcr_n", "reopen_yes", "reopen_n", "timely_yes", "timely_n"]
            .into_iter()
            .chain(["sla_resp_met", "sla_resp_n", "sla_resol_met", "sla_resol_n"])
            .map(String::from)
            .collect();
    names.extend((0..STAGES.len()).map(|k| format!("stage{k}")));
    names.push("stage_unknown".into());
    names.extend(PROBLEMS.iter().map(|p| p.to_string()));
    names.extend(["ms", "as_of_ms", "orders", "customers"].map(String::from));
    names
}

/// The problems counted per group (warnings of the merge): rows with each.
pub const PROBLEMS: [&str; 11] = [
    "duplicate",
    "opened_invalid",
    "responded_invalid",
    "responded_before",
    "resolved_invalid",
    "resolved_before",
    "fcr_invalid",
    "reopened_invalid",
    "timely_invalid",
    "severity_unknown",
    "status_unknown",
];

/// The query (see the module's description). `orders`: the orders table and how to read it.
pub fn query(d: Dialect, table: &str, spec: &ComplaintSpec, grouping: &Grouping, orders: Option<(&str, &OrderSpec)>) -> String {
    let mut texts = Vec::new();
    let mut text = |header: &str, name: &str| {
        texts.push(format!("{} AS t_{name}", d.text(header)));
        format!("t_{name}")
    };
    // Parsed once per row.
    let mut parsed = Vec::new();
    let t = text(&spec.opened, "opened");
    parsed.push(format!("{} AS opened_ms", d.timestamp_ms(&t)));
    parsed.push(format!("{} AS opened_text", d.flag(&format!("{t} IS NOT NULL AND {t} <> ''"))));
    // Without the column, no time (and no text) in every row.
    for (header, name) in [(&spec.responded, "responded"), (&spec.resolved, "resolved")] {
        match header {
            Some(h) => {
                let t = text(h, name);
                parsed.push(format!("{} AS {name}_ms", d.timestamp_ms(&t)));
                parsed.push(format!("{} AS {name}_text", d.flag(&format!("{t} IS NOT NULL AND {t} <> ''"))));
            }
            None => parsed.extend([format!("CAST(NULL AS BIGINT) AS {name}_ms"), format!("0 AS {name}_text")]),
        }
    }
    for (header, name) in [(&spec.fcr, "fcr"), (&spec.reopened, "reopened"), (&spec.timely, "timely")] {
        if let Some(h) = header {
            let t = text(h, name);
            parsed.push(format!("{} AS {name}_code", d.yes_no(&t)));
        }
    }
    for (header, name) in [(&spec.status, "status"), (&spec.severity, "sev")] {
        if let Some(h) = header {
            let t = text(h, name);
            parsed.push(format!("{} AS {name}", d.token(&t)));
        }
    }
    match &spec.id {
        Some(h) => {
            let t = text(h, "id");
            parsed.push(format!("nullif({t}, '') AS id"));
        }
        None => parsed.push(format!("{} AS id", d.null_text())),
    }
    let by = by_columns(d, grouping);
    texts.extend(by.iter().cloned());
    parsed.extend(by);

    // Per row, after the duplicates are dropped and the window applied.
    let mut rows = Vec::new();
    let k = keys(d, grouping, "opened_day");
    rows.extend(k.columns.iter().cloned());
    let duration = |name: &str| format!("CASE WHEN {name}_ms - opened_ms >= 0 THEN {name}_ms - opened_ms END");
    rows.push(format!("{} AS resp_ms", duration("responded")));
    rows.push(format!("{} AS resol_ms", duration("resolved")));
    rows.push(format!("{} AS responded_before", d.flag("responded_ms - opened_ms < 0")));
    rows.push(format!("{} AS resolved_before", d.flag("resolved_ms - opened_ms < 0")));
    // A status is `name` or starts with `name_` ("closed_with_explanation").
    let status_is = |name: &str| match d {
        Dialect::Duckdb => format!("(status = {} OR starts_with(status, {}))", d.string(name), d.string(&format!("{name}_"))),
        Dialect::Spark => format!("(status = {} OR startswith(status, {}))", d.string(name), d.string(&format!("{name}_"))),
    };
    let by_status = if spec.resolved_status.is_empty() {
        "FALSE".to_string()
    } else {
        format!("coalesce({}, FALSE)", spec.resolved_status.iter().map(|n| status_is(n)).collect::<Vec<_>>().join(" OR "))
    };
    let resolved = if spec.resolved.is_some() {
        "resolved_ms IS NOT NULL".to_string()
    } else if spec.status.is_some() {
        by_status.clone()
    } else {
        "NULL".to_string()
    };
    rows.push(format!("CASE WHEN {resolved} THEN 1 ELSE 0 END AS is_resolved"));
    let scope_after = match (spec.resolved.is_some(), spec.scope_end) {
        (true, Some(end)) => format!(" OR coalesce(resolved_ms >= {}, FALSE)", ms_literal(end)),
        _ => String::new(),
    };
    rows.push(format!("CASE WHEN NOT ({resolved}){scope_after} THEN 1 ELSE 0 END AS open_scope"));
    let open_end = match (spec.period, spec.resolved.is_some()) {
        (Some(p), true) => {
            format!(" OR coalesce({} > {}, FALSE)", d.period_index(&d.day_of_ms("resolved_ms"), p), d.period_index("opened_day", p))
        }
        _ => String::new(),
    };
    rows.push(format!("CASE WHEN NOT ({resolved}){open_end} THEN 1 ELSE 0 END AS open_end"));
    // SLA outcomes: 1 met, 0 breached (also while open past the target), null undecided.
    let has_sev = spec.severity.is_some();
    let target = |resolve: bool| {
        let default = if resolve { spec.sla.resolve } else { spec.sla.response };
        let literal = |t: Option<f64>| t.map_or("CAST(NULL AS DOUBLE)".to_string(), number_literal);
        if !has_sev || spec.sla.by_severity.is_empty() {
            return literal(default);
        }
        let cases: Vec<String> = spec
            .sla
            .by_severity
            .iter()
            .map(|(sev, response, resolve_h)| {
                let t = if resolve { resolve_h.or(default) } else { response.or(default) };
                format!("WHEN sev = {} THEN {}", d.string(sev), literal(t))
            })
            .collect();
        format!("CASE {} ELSE {} END", cases.join(" "), literal(default))
    };
    let sla = |target: String, duration: &str, stamp: &str| {
        let hours = format!("CAST({duration} AS DOUBLE) / 3600000.0");
        format!(
            "CASE WHEN {target} IS NULL THEN NULL WHEN {duration} IS NOT NULL THEN CASE WHEN {hours} <= {target} THEN 1 ELSE 0 END \
             WHEN {stamp}_ms IS NULL AND {stamp}_text = 0 AND CAST(as_of_ms - opened_ms AS DOUBLE) / 3600000.0 > {target} THEN 0 END"
        )
    };
    if spec.sla_response() {
        rows.push(format!("{} AS sla_resp", sla(target(false), "resp_ms", "responded")));
    }
    if spec.sla_resolve() {
        rows.push(format!("{} AS sla_resol", sla(target(true), "resol_ms", "resolved")));
    }
    if spec.status.is_some() {
        let cases: Vec<String> = spec.stages.iter().map(|(name, k)| format!("WHEN {} THEN {k}", status_is(name))).collect();
        rows.push(format!("CASE {} END AS stage", cases.join(" ")));
        rows.push(format!(
            "{} AS status_unknown",
            d.flag(&format!(
                "status IS NOT NULL AND status <> '' AND NOT ({}) AND NOT ({by_status})",
                spec.stages.iter().map(|(n, _)| status_is(n)).collect::<Vec<_>>().join(" OR ")
            ))
        ));
    }
    if has_sev {
        let known = spec.severities.iter().map(|s| d.string(s)).collect::<Vec<_>>().join(", ");
        rows.push(format!("{} AS severity_unknown", d.flag(&format!("sev IS NOT NULL AND sev <> '' AND sev NOT IN ({known})"))));
    }
    for name in ["fcr", "reopened", "timely"] {
        let present = match name {
            "fcr" => spec.fcr.is_some(),
            "reopened" => spec.reopened.is_some(),
            _ => spec.timely.is_some(),
        };
        if present {
            rows.push(format!("CASE WHEN {name}_code <= 1 THEN {name}_code END AS {name}"));
            rows.push(format!("{} AS {name}_invalid", d.flag(&format!("{name}_code = 3"))));
        }
    }
    rows.push(format!("{} AS opened_invalid", d.flag("opened_text = 1 AND opened_ms IS NULL")));
    for (name, present) in [("responded", spec.responded.is_some()), ("resolved", spec.resolved.is_some())] {
        if present {
            rows.push(format!("{} AS {name}_invalid", d.flag(&format!("{name}_text = 1 AND {name}_ms IS NULL"))));
        }
    }

    // The aggregations per group.
    let mut aggs = vec!["COUNT(CASE WHEN k = 1 THEN 1 END) AS n".to_string()];
    let kept = |c: &str| format!("k = 1 AND {c}");
    let within = if spec.has_resolution() { "is_resolved = 1" } else { "TRUE" };
    let present = |c: bool, e: String, name: &str| if c { format!("{e} AS {name}") } else { format!("CAST(NULL AS BIGINT) AS {name}") };
    aggs.push(present(spec.has_resolution(), count_where(&kept("is_resolved = 1")), "resolved"));
    aggs.push(present(spec.has_resolution(), count_where(&kept("open_scope = 1")), "open_scope"));
    aggs.push(present(spec.has_resolution() && spec.period.is_some(), count_where(&kept("open_end = 1")), "open_end"));
    for (name, prefix, c) in [("fcr", "fcr", spec.fcr.is_some()), ("reopened", "reopen", spec.reopened.is_some())] {
        aggs.push(present(c, count_where(&kept(&format!("{name} = 1 AND {within}"))), &format!("{prefix}_yes")));
        aggs.push(present(c, count_where(&kept(&format!("{name} IS NOT NULL AND {within}"))), &format!("{prefix}_n")));
    }
    aggs.push(present(spec.timely.is_some(), count_where(&kept("timely = 1")), "timely_yes"));
    aggs.push(present(spec.timely.is_some(), count_where(&kept("timely IS NOT NULL")), "timely_n"));
    for (name, c) in [("sla_resp", spec.sla_response()), ("sla_resol", spec.sla_resolve())] {
        aggs.push(present(c, count_where(&kept(&format!("{name} = 1"))), &format!("{name}_met")));
        aggs.push(present(c, count_where(&kept(&format!("{name} IS NOT NULL"))), &format!("{name}_n")));
    }
    for s in 0..STAGES.len() {
        aggs.push(present(spec.status.is_some(), count_where(&kept(&format!("stage = {s}"))), &format!("stage{s}")));
    }
    aggs.push(present(spec.status.is_some(), count_where(&kept("stage IS NULL")), "stage_unknown"));
    // Problems: every row in scope (a duplicate's own problems too, as a local run counts them).
    aggs.push(count_where("k > 1") + " AS duplicate");
    aggs.push(count_where("opened_invalid = 1") + " AS opened_invalid");
    for (name, c) in [("responded", spec.responded.is_some()), ("resolved", spec.resolved.is_some())] {
        aggs.push(present(c, count_where(&format!("{name}_invalid = 1")), &format!("{name}_invalid")));
        aggs.push(present(c, count_where(&format!("{name}_before = 1")), &format!("{name}_before")));
    }
    for (name, c) in [("fcr", spec.fcr.is_some()), ("reopened", spec.reopened.is_some()), ("timely", spec.timely.is_some())] {
        aggs.push(present(c, count_where(&format!("{name}_invalid = 1")), &format!("{name}_invalid")));
    }
    aggs.push(present(has_sev, count_where("severity_unknown = 1"), "severity_unknown"));
    aggs.push(present(spec.status.is_some(), count_where("status_unknown = 1"), "status_unknown"));

    let as_of = match spec.as_of {
        Some(t) => ms_literal(t),
        None => {
            let stamps: Vec<&str> = std::iter::once("opened_ms")
                .chain(spec.responded.as_ref().map(|_| "responded_ms"))
                .chain(spec.resolved.as_ref().map(|_| "resolved_ms"))
                .collect();
            let maxes: Vec<String> = stamps.iter().map(|s| format!("max({s})")).collect();
            if maxes.len() == 1 {
                format!("(SELECT {} FROM parsed)", maxes[0])
            } else {
                format!("(SELECT greatest({}) FROM parsed)", maxes.join(", "))
            }
        }
    };
    let dup = match &spec.id {
        Some(_) => {
            let mut order = vec!["opened_ms"];
            order.extend(spec.responded.as_ref().map(|_| "responded_ms"));
            order.extend(spec.resolved.as_ref().map(|_| "resolved_ms"));
            format!("CASE WHEN id IS NULL THEN 1 ELSE row_number() OVER (PARTITION BY id ORDER BY {}) END", order.join(", "))
        }
        None => "1".to_string(),
    };
    let names = k.names.join(", ");
    let stats = statistics();
    // Every part of the result has every column, nulls where a part has none.
    let line = |part: &str, values: &dyn Fn(&str) -> Option<String>| {
        let mut cols = vec![format!("'{part}' AS part")];
        cols.extend(k.names.iter().map(|n| values(n).map_or_else(|| n.clone(), |v| format!("{v} AS {n}"))));
        for s in &stats {
            cols.push(match values(s) {
                Some(v) => format!("{v} AS {s}"),
                None => format!("CAST(NULL AS BIGINT) AS {s}"),
            });
        }
        cols.join(", ")
    };
    let stat_names: Vec<String> = aggs.iter().map(|a| a.rsplit(" AS ").next().unwrap_or("").to_string()).collect();
    let group_line = line("group", &|s: &str| {
        if k.names.iter().any(|n| n == s) {
            return None;
        }
        if stat_names.iter().any(|n| n == s) {
            return Some(s.to_string());
        }
        (s == "as_of_ms").then(|| "as_of_ms".to_string())
    });
    let histogram = |part: &str, column: &str| {
        line(part, &|s: &str| match s {
            "n" => Some("n".to_string()),
            "ms" => Some(column.to_string()),
            "as_of_ms" => Some("as_of_ms".to_string()),
            _ => None,
        })
    };
    let mut parts = vec![format!("SELECT {group_line} FROM groups")];
    for (part, column, present) in [("response", "resp_ms", spec.responded.is_some()), ("resolve", "resol_ms", spec.resolved.is_some())] {
        if present {
            parts.push(format!(
                "SELECT {} FROM (SELECT {names}, {column}, COUNT(*) AS n, max(as_of_ms) AS as_of_ms FROM kept WHERE {column} IS NOT NULL GROUP BY {names}, {column}) h",
                histogram(part, column)
            ));
        }
    }
    let mut ctes = vec![
        format!("texts AS (\n{}\n)", indent(&select(&texts, &d.table(table), None), 2)),
        format!("parsed AS (\n{}\n)", indent(&select(&parsed, "texts", None), 2)),
        format!(
            "numbered AS (\n  SELECT p.*, {dup} AS k, {day} AS opened_day, l.as_of_ms FROM parsed p CROSS JOIN (SELECT {as_of} AS as_of_ms) l\n)",
            day = d.day_of_ms("opened_ms")
        ),
        format!("scoped AS (\n{}\n)", indent(&select(&[rows.clone(), vec!["k".into(), "as_of_ms".into(), "opened_ms".into()]].concat(), "numbered", k.filter.as_deref()), 2)),
        "kept AS (\n  SELECT * FROM scoped WHERE k = 1\n)".to_string(),
        format!("groups AS (\n  SELECT {names}, {}, max(as_of_ms) AS as_of_ms\n  FROM scoped\n  GROUP BY {names}\n)", aggs.join(",\n    ")),
    ];
    if let Some((orders_table, o)) = orders {
        let (cte, part_lines) = orders_parts(d, orders_table, o, grouping, &|part, values| line(part, values));
        ctes.extend(cte);
        parts.extend(part_lines);
    }
    format!("WITH\n{}\n{}\nORDER BY part, {names}", ctes.join(",\n"), parts.join("\nUNION ALL\n"))
}

/// A timestamp as milliseconds since 1970.
fn ms_literal(t: NaiveDateTime) -> String {
    t.and_utc().timestamp_millis().to_string()
}

/// Writes one part's select list: the part's name, and each column's value (`None`: null).
type Line<'a> = &'a dyn Fn(&str, &dyn Fn(&str) -> Option<String>) -> String;

/// The orders' part of the query: per period of `grouping` the orders (purchases: a valid date,
/// no negative amount, a repeated id once) and the distinct customers with one, and over the
/// scope (`--from`/`--to`) the same, counted once.
fn orders_parts(d: Dialect, table: &str, spec: &OrderSpec, grouping: &Grouping, line: Line) -> (Vec<String>, Vec<String>) {
    let text = |h: &Option<String>| h.as_deref().map_or_else(|| d.null_text(), |h| d.text(h));
    let amount = match &spec.amount {
        Some(_) => d.amount("t_amount"),
        None => "CAST(NULL AS DOUBLE)".to_string(),
    };
    let dup = match &spec.order {
        Some(_) => "CASE WHEN id IS NULL THEN 1 ELSE row_number() OVER (PARTITION BY id ORDER BY day, customer, amount) END",
        None => "1",
    };
    let window = Grouping { by: Vec::new(), date: Some("day".into()), ..grouping.clone() };
    let k = keys(d, &window, "day");
    let period = k.columns.first().cloned().unwrap_or_default();
    let filter = k.filter.clone().map(|f| format!(" AND ({f})")).unwrap_or_default();
    let ctes = vec![
        format!(
            "order_texts AS (\n  SELECT {id} AS t_id, {customer} AS t_customer, {day} AS t_day, {amount_text} AS t_amount FROM {table}\n)",
            id = text(&spec.order),
            customer = text(&spec.customer),
            day = d.text(&spec.ordered),
            amount_text = text(&spec.amount),
            table = d.table(table),
        ),
        format!(
            "order_rows AS (\n  SELECT nullif(t_id, '') AS id, nullif(t_customer, '') AS customer, {day} AS day, {amount} AS amount FROM order_texts\n)",
            day = d.date("t_day"),
        ),
        // A refund has a negative amount (down to −1e15: larger ones are not amounts).
        format!("purchases AS (\n  SELECT customer, day, {period} FROM (SELECT *, {dup} AS k FROM order_rows) o\n  WHERE k = 1 AND day IS NOT NULL AND NOT coalesce(amount < 0 AND amount >= -{max}, FALSE){filter}\n)", max = number_literal(crate::input::clean::MAX_AMOUNT)),
    ];
    let by_names = (1..=grouping.by.len()).map(|i| format!("by_{i}")).collect::<Vec<_>>();
    let values = |period: bool| {
        let by_names = by_names.clone();
        move |s: &str| -> Option<String> {
            if by_names.iter().any(|n| n == s) {
                return Some(d.null_text());
            }
            match s {
                "period" => Some(if period { "period".into() } else { "CAST(NULL AS BIGINT)".into() }),
                "dated" => Some("1".into()),
                "orders" => Some("COUNT(*)".into()),
                "customers" => Some("COUNT(DISTINCT customer)".into()),
                _ => None,
            }
        }
    };
    let mut parts = Vec::new();
    if grouping.period.is_some() {
        parts.push(format!("SELECT {} FROM purchases GROUP BY period", line("orders", &values(true))));
    }
    parts.push(format!("SELECT {} FROM purchases", line("orders_total", &values(false))));
    (ctes, parts)
}
