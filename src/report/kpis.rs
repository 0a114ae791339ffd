//! The scorecard's headline KPIs, read from the typed rows of the survey, complaints and repeat
//! results: each KPI's value, interval and base in the scorecard's period, its value in the
//! period before and a year before, and the two-proportion test of a share's change on the
//! counts behind it (on the effective counts, with weights).

use crate::metrics::comparison::ComparisonRow;
use crate::metrics::complaints::kpis::ComplaintRow;
use crate::metrics::orders::clv::ClvSummary;
use crate::metrics::orders::repeat::RepeatRates;
use crate::metrics::satisfaction::SurveyRow;
use crate::report::Kpi;
use crate::stats::intervals::{Interval, Share};
use crate::stats::significance::two_proportions;

/// A row of a per-period result: its period's label.
pub trait PeriodRow {
    fn period(&self) -> Option<&str>;
}

impl PeriodRow for SurveyRow {
    fn period(&self) -> Option<&str> {
        self.key.period.as_deref()
    }
}

impl PeriodRow for ComplaintRow {
    fn period(&self) -> Option<&str> {
        self.key.period.as_deref()
    }
}

impl PeriodRow for RepeatRates {
    fn period(&self) -> Option<&str> {
        Some(&self.row.period)
    }
}

/// What a KPI reads from one period's row.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reading {
    pub value: Option<f64>,
    pub interval: Option<Interval>,
    /// The base: answers, complaints or customers behind the value.
    pub n: Option<f64>,
    /// For a share: its count and base as a test takes them (`yes` of `n`).
    pub share: Option<(f64, f64)>,
}

impl Reading {
    /// A value and its base, without interval or test.
    pub fn plain(value: Option<f64>, n: f64) -> Reading {
        Reading { value, n: Some(n), ..Reading::default() }
    }

    /// A share with its interval, tested on `yes` of `n`.
    pub fn share(s: Share, n: f64) -> Reading {
        Reading { value: s.pct, interval: s.ci, n: Some(n), share: s.pct.map(|_| (s.yes, s.n)) }
    }
}

/// What a KPI is: its key (for alerts and summary.csv), label, unit, decimals, and whether a rise
/// is good news.
pub type KpiName = (&'static str, &'static str, &'static str, usize, bool);

/// Every headline KPI, in the scorecard's order.
pub const KPIS: [KpiName; 15] = [
    ("csat", "CSAT (top-box %)", "%", 1, true),
    ("csat_mean", "CSAT mean", "score", 2, true),
    ("nps", "NPS", "points", 1, true),
    ("promoters_pct", "Promoters %", "%", 1, true),
    ("ces", "CES (mean, higher = easier)", "score", 2, true),
    ("designation_pct", "Asked for the brand by name %", "%", 1, true),
    ("complaints_per_1000", "Complaints per 1,000 orders", "per 1,000", 2, false),
    ("resolved_pct", "Resolution rate", "%", 1, true),
    ("resolve_hours_median", "Median hours to resolve", "hours", 1, false),
    ("sla_pct", "SLA compliance", "%", 1, true),
    ("repeat_rate", "Repeat-purchase rate", "%", 1, true),
    ("return_rate", "Return rate (回头率)", "%", 1, true),
    ("revenue", "Revenue", "amount", 2, true),
    ("customers_at_risk", "Customers at risk (P(alive) < 0.5, past spend above median)", "customers", 0, false),
    ("value_at_risk", "Value at risk (past spend of customers at risk)", "amount", 2, false),
];

/// The KPI with this key.
fn named(key: &str) -> KpiName {
    KPIS.iter().copied().find(|k| k.0 == key).unwrap_or_else(|| panic!("no KPI '{key}'"))
}

/// A KPI over the scorecard's three periods (`labels`: the period, the one before, a year before).
pub fn kpi<R: PeriodRow>(rows: &[R], labels: &[String; 3], name: KpiName, read: impl Fn(&R) -> Reading, min_n: u64) -> Kpi {
    let (key, label, unit, decimals, higher_is_better) = name;
    let at = |label: &str| rows.iter().find(|r| r.period() == Some(label)).map(&read);
    let [current, previous, year_ago] = [at(&labels[0]), at(&labels[1]), at(&labels[2])];
    let n = current.and_then(|r| r.n);
    // A share's change: the two-proportion z-test of `compare` on the counts behind it.
    let p = |other: Option<Reading>| {
        let ((x1, n1), (x2, n2)) = (current?.share?, other?.share?);
        two_proportions(x1, n1, x2, n2, 0.95).map(|c| c.p)
    };
    Kpi {
        key,
        label,
        unit,
        decimals,
        higher_is_better,
        value: current.and_then(|r| r.value),
        low: current.and_then(|r| r.interval).map(|i| i.low),
        high: current.and_then(|r| r.interval).map(|i| i.high),
        n,
        low_base: n.is_some_and(|b| (b as u64) < min_n),
        previous: previous.and_then(|r| r.value),
        year_ago: year_ago.and_then(|r| r.value),
        p_previous: p(previous),
        p_year_ago: p(year_ago),
        alert: None,
        target: None,
    }
}

/// The survey's KPIs whose column the table shows (`shows`).
pub fn survey_kpis(rows: &[SurveyRow], labels: &[String; 3], shows: impl Fn(&str) -> bool, min_n: u64) -> Vec<Kpi> {
    // Shares are tested on the effective counts (the counts themselves without weights).
    let share = |pct: Option<f64>, ci: Option<Interval>, yes: f64, n: f64, raw_n: f64| Reading {
        value: pct,
        interval: ci,
        n: Some(raw_n),
        share: pct.map(|_| (yes, n)),
    };
    let mut kpis = Vec::new();
    if shows("csat_pct") {
        kpis.push(kpi(
            rows,
            labels,
            named("csat"),
            |r| {
                let e = r.counts.effective();
                share(r.summary.csat_pct, r.summary.csat_ci, e.csat_top, e.csat_n, r.counts.csat_n)
            },
            min_n,
        ));
    }
    if shows("csat_mean") {
        kpis.push(kpi(rows, labels, named("csat_mean"), |r| Reading::plain(r.summary.csat_mean, r.counts.csat_n), min_n));
    }
    if shows("nps") {
        kpis.push(kpi(
            rows,
            labels,
            named("nps"),
            |r| Reading { interval: r.summary.nps_ci, ..Reading::plain(r.summary.nps, r.counts.nps_n) },
            min_n,
        ));
    }
    if shows("promoters_pct") {
        kpis.push(kpi(
            rows,
            labels,
            named("promoters_pct"),
            |r| {
                let e = r.counts.effective();
                share(r.summary.promoters_pct, None, e.promoters, e.nps_n, r.counts.nps_n)
            },
            min_n,
        ));
    }
    if shows("ces_mean") {
        kpis.push(kpi(
            rows,
            labels,
            named("ces"),
            |r| Reading { interval: r.summary.ces_ci, ..Reading::plain(r.summary.ces_mean, r.counts.ces_n) },
            min_n,
        ));
    }
    if shows("designation_pct") {
        kpis.push(kpi(
            rows,
            labels,
            named("designation_pct"),
            |r| {
                let e = r.counts.effective();
                share(r.summary.designation_pct, r.summary.designation_ci, e.designation_yes, e.designation_n, r.counts.designation_n)
            },
            min_n,
        ));
    }
    kpis
}

/// The complaint KPIs whose column the table shows (`shows`).
pub fn complaint_kpis(rows: &[ComplaintRow], labels: &[String; 3], shows: impl Fn(&str) -> bool, min_n: u64) -> Vec<Kpi> {
    let mut kpis = Vec::new();
    if shows("per_1000_orders") {
        let name = named("complaints_per_1000");
        kpis.push(kpi(rows, labels, name, |r| Reading::plain(r.per_1000_orders, r.counts.n), min_n));
    }
    if shows("resolved_pct") {
        kpis.push(kpi(rows, labels, named("resolved_pct"), |r| Reading::share(r.resolved, r.counts.n), min_n));
    }
    if shows("resolve_h_median") {
        let name = named("resolve_hours_median");
        kpis.push(kpi(rows, labels, name, |r| Reading::plain(r.counts.resol.median, r.counts.resol.n), min_n));
    }
    // The resolution SLA, else the first-response SLA.
    let sla = named("sla_pct");
    let sla_share =
        |pct: Option<f64>, met: f64, n: f64| Reading { value: pct, n: Some(n), share: pct.map(|_| (met, n)), ..Reading::default() };
    if shows("sla_resolve_pct") {
        kpis.push(kpi(rows, labels, sla, |r| sla_share(r.sla_resolve, r.counts.sla_resol_met, r.counts.sla_resol_n), min_n));
    } else if shows("sla_response_pct") {
        kpis.push(kpi(rows, labels, sla, |r| sla_share(r.sla_response, r.counts.sla_resp_met, r.counts.sla_resp_n), min_n));
    }
    kpis
}

/// The repeat KPIs whose column the table shows (`shows`).
pub fn repeat_kpis(rows: &[RepeatRates], labels: &[String; 3], shows: impl Fn(&str) -> bool, min_n: u64) -> Vec<Kpi> {
    let mut kpis = vec![
        kpi(rows, labels, named("repeat_rate"), |r| Reading::share(r.repeat, r.row.active), min_n),
        kpi(rows, labels, named("return_rate"), |r| Reading::share(r.ret, r.row.previous_active), min_n),
    ];
    if shows("revenue") {
        kpis.push(kpi(rows, labels, named("revenue"), |r| Reading::plain(Some(r.row.revenue), r.row.orders), min_n));
    }
    kpis
}

/// `cxstat clv`'s summary total as of the end of a period (the scorecard fits it once per period).
pub struct ClvAt {
    pub period: String,
    pub summary: ClvSummary,
}

impl PeriodRow for ClvAt {
    fn period(&self) -> Option<&str> {
        Some(&self.period)
    }
}

/// The churn-risk KPIs of `cxstat clv` fitted as of the end of the scorecard's periods (those it
/// could fit): customers at risk and what they spent so far.
pub fn clv_kpis(rows: &[ClvAt], labels: &[String; 3], min_n: u64) -> Vec<Kpi> {
    vec![
        kpi(rows, labels, named("customers_at_risk"), |r| Reading::plain(Some(r.summary.at_risk), r.summary.customers), min_n),
        kpi(rows, labels, named("value_at_risk"), |r| Reading::plain(Some(r.summary.at_risk_past_value), r.summary.customers), min_n),
    ]
}

/// Puts the p-values of `cxstat compare`'s NPS and CES rows on their KPIs, where a row compares
/// the scorecard's period with the previous one (or, `yoy`, the one a year before).
pub fn mark_tested(kpis: &mut [Kpi], tests: &[ComparisonRow], labels: &[String; 3], yoy: bool) {
    let against = if yoy { &labels[2] } else { &labels[1] };
    for row in tests {
        let key = match row.metric {
            "nps" => "nps",
            "ces_mean" => "ces",
            _ => continue,
        };
        if row.a.0 != labels[0] || row.b.0 != *against {
            continue;
        }
        let p = row.result.as_ref().map(|t| t.p);
        if let Some(k) = kpis.iter_mut().find(|k| k.key == key) {
            if yoy {
                k.p_year_ago = p;
            } else {
                k.p_previous = p;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::grouping::{GroupKey, RowKind};
    use crate::metrics::satisfaction::{summarise, SatisfactionCounts};
    use crate::stats::intervals::NpsMethod;

    fn survey_row(period: &str, csat_top: f64, csat_n: f64, weighted: Option<(f64, f64, f64)>) -> SurveyRow {
        let (top, w, w2) = weighted.unwrap_or((csat_top, csat_n, csat_n));
        let counts = SatisfactionCounts { n: csat_n, csat_n, csat_top: top, csat_w: w, csat_w2: w2, ..Default::default() };
        SurveyRow {
            key: GroupKey { period: Some(period.into()), by: Vec::new() },
            kind: RowKind::Group,
            counts,
            summary: summarise(&counts, 0.95, NpsMethod::Wald),
            design: None,
        }
    }

    #[test]
    fn a_share_is_tested_on_its_counts() {
        // October 80 of 100 satisfied, September 60 of 100: z = 0.2 / √(0.7·0.3·(2/100)) = 3.086,
        // two-sided p = 0.00203. No row a year before: no test.
        let labels = ["2026-10".to_string(), "2026-09".to_string(), "2025-10".to_string()];
        let rows = [survey_row("2026-09", 60.0, 100.0, None), survey_row("2026-10", 80.0, 100.0, None)];
        let kpis = survey_kpis(&rows, &labels, |k| k == "csat_pct", 30);
        assert_eq!(kpis.len(), 1);
        let k = &kpis[0];
        assert_eq!((k.value, k.previous, k.year_ago, k.n, k.low_base), (Some(80.0), Some(60.0), None, Some(100.0), false));
        assert!((k.p_previous.unwrap() - 0.002028).abs() < 1e-5, "{:?}", k.p_previous);
        assert_eq!(k.p_year_ago, None);
    }

    #[test]
    fn a_weighted_share_is_tested_on_its_effective_counts() {
        // 100 answers whose weights make Σw = 200, Σw² = 800: n eff. = 200²/800 = 50. 160 of the
        // weight satisfied = 80%, tested as 40 of 50; against 60 of 100 unweighted:
        // pooled 100/150, z = 0.2 / √(⅔·⅓·(1/50 + 1/100)) = 2.449, p = 0.0143.
        let labels = ["2026-10".to_string(), "2026-09".to_string(), "2025-10".to_string()];
        let rows = [survey_row("2026-09", 60.0, 100.0, None), survey_row("2026-10", 0.0, 100.0, Some((160.0, 200.0, 800.0)))];
        let k = &survey_kpis(&rows, &labels, |k| k == "csat_pct", 30)[0];
        assert!((k.value.unwrap() - 80.0).abs() < 1e-12);
        assert!((k.p_previous.unwrap() - 0.014306).abs() < 1e-5, "{:?}", k.p_previous);
        // The base shown is the answers, 100.
        assert_eq!(k.n, Some(100.0));
    }
}
