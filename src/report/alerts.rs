//! Alerts: the scorecard's KPIs checked against `--fail-under` / `--fail-over` thresholds.

use crate::report::Kpi;

/// A threshold: alert when the KPI is under (or over) the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub kpi: String,
    pub under: bool,
    pub value: f64,
}

/// Checks the KPIs against the thresholds; returns one line per breach and marks the KPIs.
pub fn check_alerts(kpis: &mut [Kpi], thresholds: &[Threshold], period: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for t in thresholds {
        let word = if t.under { "under" } else { "over" };
        if let Some(k) = kpis.iter_mut().find(|k| k.key == t.kpi) {
            k.target = Some((t.under, t.value));
        }
        match kpis.iter_mut().find(|k| k.key == t.kpi) {
            Some(k) => match k.value {
                Some(v) if (t.under && v < t.value) || (!t.under && v > t.value) => {
                    let line = format!("{} {v:.*} is {word} {} in {period}", t.kpi, k.decimals, t.value);
                    k.alert = Some(format!("{word} {}", t.value));
                    lines.push(line);
                }
                Some(_) => {}
                None => {
                    k.alert = Some("not computable".to_string());
                    lines.push(format!("{} cannot be checked against {word} {}: no value for {period}", t.kpi, t.value));
                }
            },
            None => lines.push(format!("{} cannot be checked against {word} {}: its input is not part of this scorecard", t.kpi, t.value)),
        }
    }
    lines
}
