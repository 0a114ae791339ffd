//! `cxstat sql survey`: per group, the counts and sums behind CSAT, NPS, CES and the designation
//! share, as [`crate::metrics::satisfaction`] computes them from the rows: a score is an answer
//! (not blank, not an NA value) that is a whole number on its scale; other answers are counted
//! as invalid and left out; with a weight, rows whose weight is not a number from above 0 to 1e9
//! are counted and their answers left out.

use crate::metrics::grouping::Grouping;
use crate::metrics::satisfaction::{SatisfactionSpec, MAX_WEIGHT};

use super::{answered, by_columns, count_where, keys, number_literal, select, subquery, Dialect};

/// The statistics columns of the result, besides the keys, in order: each a count or a sum
/// (null for a sum over no rows).
pub fn statistics(spec: &SatisfactionSpec, grouping: &Grouping) -> Vec<String> {
    let mut names = vec!["n".to_string()];
    let weighted = spec.weight.is_some();
    if weighted {
        names.push("weight_bad".into());
    }
    let metrics: [(&str, bool, &[&str]); 4] = [
        ("csat", spec.csat.is_some(), &["csat_top", "csat_sum"]),
        ("nps", spec.nps.is_some(), &["promoters", "detractors"]),
        ("ces", spec.ces.is_some(), &["ces_sum", "ces_sum_sq", "ces_easy"]),
        ("designation", spec.designation.is_some(), &["designation_yes"]),
    ];
    for (name, used, sums) in metrics {
        if !used {
            continue;
        }
        names.push(format!("{name}_n"));
        names.push(format!("{name}_bad"));
        names.extend(sums.iter().map(|s| s.to_string()));
        if weighted {
            names.push(format!("{name}_w"));
            names.push(format!("{name}_w2"));
        }
    }
    if grouping.uses_date() && grouping.date.is_some() {
        names.push("date_bad".into());
    }
    names
}

/// The query: one row per group (keys `period`, `by_1`…, `dated`; then [`statistics`]).
pub fn query(dialect: Dialect, table: &str, spec: &SatisfactionSpec, grouping: &Grouping) -> String {
    let d = dialect;
    // The rows as trimmed text (`t_X`), then parsed once: `x_X` the number, `a_X` answered.
    let mut texts = Vec::new();
    let mut text = |header: &str, name: &str| {
        texts.push(format!("{} AS t_{name}", d.text(header)));
        format!("t_{name}")
    };
    let mut parsed = Vec::new();
    let mut rows = Vec::new();
    let mut aggs = vec!["COUNT(*) AS n".to_string()];
    let weighted = spec.weight.is_some();
    if let Some(w) = &spec.weight {
        let t = text(w, "w");
        parsed.push(format!("CASE WHEN {} THEN {} END AS x_w", answered(d, &t, &spec.na_values), d.number(&t)));
        rows.push(format!("CASE WHEN x_w > 0 AND x_w <= {} THEN x_w END AS w", number_literal(MAX_WEIGHT)));
        aggs.push(format!("{} AS weight_bad", count_where("w IS NULL")));
    }
    // A value counts where the weight is valid.
    let with_weight = |c: &str| if weighted { format!("{c} AND w IS NOT NULL") } else { c.to_string() };
    // Σ over the valid answers of `value` (weighted: Σ w·value) and Σ w where `condition` holds.
    let sum = |value: &str| if weighted { format!("SUM({value} * w)") } else { format!("SUM({value})") };
    let weight_where = |condition: &str| if weighted { format!("SUM(CASE WHEN {condition} THEN w END)") } else { count_where(condition) };
    for (name, column) in [("csat", &spec.csat), ("nps", &spec.nps), ("ces", &spec.ces)] {
        let Some(column) = column else { continue };
        let t = text(&column.header, name);
        parsed.push(format!("{} AS a_{name}", d.flag(&answered(d, &t, &spec.na_values))));
        parsed.push(format!("{} AS x_{name}", d.number(&t)));
        let x = format!("x_{name}");
        let valid = format!(
            "a_{name} = 1 AND {x} >= {low} AND {x} <= {high} AND {x} = floor({x})",
            low = number_literal(column.scale.low as f64),
            high = number_literal(column.scale.high as f64)
        );
        rows.push(format!("CASE WHEN {} THEN {x} END AS {name}", with_weight(&valid)));
        rows.push(format!("{} AS {name}_bad", d.flag(&format!("a_{name} = 1 AND NOT coalesce({valid}, FALSE)"))));
        aggs.push(format!("COUNT({name}) AS {name}_n"));
        aggs.push(format!("{} AS {name}_bad", count_where(&format!("{name}_bad = 1"))));
        match name {
            "csat" => {
                aggs.push(format!("{} AS csat_top", weight_where(&format!("csat >= {}", number_literal(spec.csat_top_min as f64)))));
                aggs.push(format!("{} AS csat_sum", sum("csat")));
            }
            "nps" => {
                aggs.push(format!("{} AS promoters", weight_where("nps >= 9.0")));
                aggs.push(format!("{} AS detractors", weight_where("nps <= 6.0")));
            }
            _ => {
                aggs.push(format!("{} AS ces_sum", sum("ces")));
                aggs.push(format!("{} AS ces_sum_sq", sum("ces * ces")));
                aggs.push(format!("{} AS ces_easy", weight_where(&format!("ces >= {}", number_literal(spec.ces_easy_min as f64)))));
            }
        }
        if weighted {
            aggs.push(format!("SUM(CASE WHEN {name} IS NOT NULL THEN w END) AS {name}_w"));
            aggs.push(format!("SUM(CASE WHEN {name} IS NOT NULL THEN w * w END) AS {name}_w2"));
        }
    }
    if let Some(header) = &spec.designation {
        // 1 yes, 0 no, 2 not applicable or blank, 3 anything else (invalid).
        let t = text(header, "designation");
        parsed.push(format!("{} AS c_designation", d.yes_no(&t)));
        rows.push(format!("CASE WHEN {} THEN c_designation END AS designation", with_weight("c_designation <= 1")));
        rows.push(format!("{} AS designation_bad", d.flag("c_designation = 3")));
        aggs.push("COUNT(designation) AS designation_n".to_string());
        aggs.push(format!("{} AS designation_bad", count_where("designation_bad = 1")));
        aggs.push(format!("{} AS designation_yes", weight_where("designation = 1")));
        if weighted {
            aggs.push("SUM(CASE WHEN designation IS NOT NULL THEN w END) AS designation_w".to_string());
            aggs.push("SUM(CASE WHEN designation IS NOT NULL THEN w * w END) AS designation_w2".to_string());
        }
    }
    let uses_date = grouping.uses_date() && grouping.date.is_some();
    if let (true, Some(date)) = (uses_date, &grouping.date) {
        let t = text(date, "d");
        parsed.push(format!("{} AS d", d.date(&t)));
        parsed.push(format!("{} AS a_d", d.flag(&answered(d, &t, &[]))));
        rows.push(format!("{} AS date_bad", d.flag("a_d = 1 AND d IS NULL")));
    }
    let k = keys(d, grouping, "d");
    // The grouping columns pass through the parsing step.
    let by = by_columns(d, grouping);
    texts.extend(by.iter().cloned());
    parsed.extend(by);
    let mut row_columns = k.columns.clone();
    row_columns.extend(rows);
    if uses_date {
        aggs.push(format!("{} AS date_bad", count_where("date_bad = 1")));
    }
    let texts = select(&texts, &d.table(table), None);
    let inner = select(&parsed, &subquery(&texts, "t"), None);
    let rows = select(&row_columns, &subquery(&inner, "s"), k.filter.as_deref());
    let mut columns: Vec<String> = k.names.clone();
    columns.extend(aggs);
    let keys = k.names.join(", ");
    format!("{}\nGROUP BY {keys}\nORDER BY {keys}", select(&columns, &subquery(&rows, "r"), None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::clean::Scale;
    use crate::metrics::period::Period;
    use crate::metrics::satisfaction::ScoreColumn;

    fn spec(weight: Option<&str>) -> SatisfactionSpec {
        SatisfactionSpec {
            csat: Some(ScoreColumn { header: "csat".into(), scale: Scale { low: 1, high: 5 } }),
            csat_top_min: 4,
            nps: Some(ScoreColumn { header: "nps".into(), scale: Scale { low: 0, high: 10 } }),
            ces: None,
            ces_easy_min: 5,
            designation: None,
            weight: weight.map(String::from),
            weight_comma: false,
            na_values: vec!["-99".into()],
            labels: Vec::new(),
            numbers_only: false,
        }
    }

    #[test]
    fn the_statistics_follow_the_columns_and_the_weight() {
        let g = Grouping { date: Some("d".into()), period: Some(Period::Month), ..Default::default() };
        assert_eq!(
            statistics(&spec(None), &g),
            ["n", "csat_n", "csat_bad", "csat_top", "csat_sum", "nps_n", "nps_bad", "promoters", "detractors", "date_bad"]
        );
        let weighted = statistics(&spec(Some("w")), &Grouping::default());
        assert_eq!(weighted[..2], ["n", "weight_bad"]);
        assert!(weighted.contains(&"csat_w2".to_string()) && !weighted.contains(&"date_bad".to_string()));
    }

    #[test]
    fn each_dialect_writes_its_own_forms() {
        let g = Grouping { by: vec!["seg ment".into()], ..Default::default() };
        let spark = query(Dialect::Spark, "db.t", &spec(Some("w")), &g);
        for part in ["FROM `db`.`t`", "btrim(CAST(`csat` AS STRING)", "try_cast(t_csat AS DOUBLE)", "RLIKE", "`seg ment`", "SUM(csat * w)"]
        {
            assert!(spark.contains(part), "{part} in {spark}");
        }
        let duck = query(Dialect::Duckdb, "t", &spec(None), &g);
        for part in
            ["FROM \"t\"", "TRY_CAST(t_csat AS DOUBLE)", "regexp_matches(t_csat", "COUNT(CASE WHEN csat >= 4.0 THEN 1 END) AS csat_top"]
        {
            assert!(duck.contains(part), "{part} in {duck}");
        }
        // The NA value is matched as text and as a number (-99.0 too).
        assert!(duck.contains("t_csat <> '-99'") && duck.contains("<> -99.0, TRUE)"), "{duck}");
    }
}
