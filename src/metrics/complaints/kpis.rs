//! Complaint handling KPIs from the groups' counts: the rows of the KPI table (shares with their
//! intervals, durations, SLA compliance, complaints per 1,000 orders and ordering customers) and
//! of the closed-loop funnel. The same for one run and for merged partial results.

use crate::metrics::complaints::{ComplaintCounts, ComplaintSums, STAGES};
use crate::metrics::grouping::{arrange_with, Group, GroupKey, Levels, ResultRow, RowKind};
use crate::metrics::orders::{OrderCounts, OrderSums};
use crate::stats::intervals::Share;

/// The groups in order with their subtotals and total (histograms added up), and their results.
pub fn result_rows(groups: &[Group<ComplaintSums>], totals: bool) -> Vec<ResultRow<ComplaintCounts>> {
    arrange_with(groups, totals, ComplaintSums::sum_of)
        .into_iter()
        .map(|r| ResultRow { key: r.key, kind: r.kind, counts: r.counts.results() })
        .collect()
}

/// Complaints in scope (the groups', without subtotals and total).
pub fn in_scope(rows: &[ResultRow<ComplaintCounts>]) -> f64 {
    rows.iter().filter(|r| r.kind == RowKind::Group).map(|r| r.counts.n).sum()
}

/// Complaints without a valid opening date (left out of every row).
pub fn undated(groups: &[Group<ComplaintSums>]) -> f64 {
    groups.iter().filter(|g| !g.dated).map(|g| g.counts.counts.n).sum()
}

/// Orders and ordering customers per period and over the scope: the base of the complaint rates.
#[derive(Debug, Clone)]
pub struct Rates {
    pub by_period: Vec<(String, OrderCounts)>,
    pub total: OrderCounts,
    /// The orders file(s) they come from.
    pub name: String,
}

impl Rates {
    /// From the orders' counts per period (and over all periods when grouped by period).
    pub fn of_levels(name: String, levels: &Levels<OrderCounts>, by_period: bool) -> Rates {
        let periods = levels.groups.iter().filter(|g| g.dated).filter_map(|g| g.key.period.clone().map(|p| (p, g.counts))).collect();
        let total = if !by_period && levels.total.is_empty() {
            levels.groups.iter().find(|g| g.dated).map(|g| g.counts)
        } else {
            levels.total.iter().find(|g| g.dated).map(|g| g.counts)
        };
        Rates { by_period: periods, total: total.unwrap_or_default(), name }
    }

    /// From merged partials: per period, and over all periods (the customers of every period,
    /// each once).
    pub fn of_sums(name: String, periods: &[Group<OrderSums>]) -> Rates {
        let dated = || periods.iter().filter(|g| g.dated);
        let by_period = dated().filter_map(|g| g.key.period.clone().map(|p| (p, g.counts.counts()))).collect();
        let mut customers: Vec<&String> = dated().flat_map(|g| &g.counts.customers).collect();
        customers.sort_unstable();
        customers.dedup();
        let orders = dated().map(|g| g.counts.orders).sum();
        Rates { by_period, total: OrderCounts::new(orders, customers.len() as f64), name }
    }

    /// The orders of a row's period, or of the whole scope for the total (and without periods).
    fn for_row(&self, key: &GroupKey, kind: RowKind) -> OrderCounts {
        match (&key.period, kind) {
            (Some(p), RowKind::Group | RowKind::PeriodTotal) => {
                self.by_period.iter().find(|(k, _)| k == p).map_or_else(OrderCounts::default, |(_, c)| *c)
            }
            _ => self.total,
        }
    }
}

/// Complaints per 1,000 of a base (None without a base).
pub fn per_1000(n: f64, base: f64) -> Option<f64> {
    (base > 0.0).then(|| 1000.0 * n / base)
}

/// A row of the KPI table: a group, a period's subtotal or the total.
#[derive(Debug, Clone)]
pub struct ComplaintRow {
    pub key: GroupKey,
    pub kind: RowKind,
    pub counts: ComplaintCounts,
    /// Complaints still open at the end of the row's period (by period), else of the scope.
    pub open: f64,
    pub resolved: Share,
    pub fcr: Share,
    pub reopen: Share,
    pub timely: Share,
    /// Shares within the SLA targets, in percent.
    pub sla_response: Option<f64>,
    pub sla_resolve: Option<f64>,
    /// The orders of the row's period (with an orders file), and the rates per 1,000.
    pub orders: Option<OrderCounts>,
    pub per_1000_orders: Option<f64>,
    pub per_1000_customers: Option<f64>,
}

/// The KPI rows: each row's shares (with `confidence` intervals), SLA compliance and rates.
pub fn kpi_rows(rows: &[ResultRow<ComplaintCounts>], by_period: bool, rates: Option<&Rates>, confidence: f64) -> Vec<ComplaintRow> {
    rows.iter()
        .map(|r| {
            let c = &r.counts;
            let pct = |met: f64, n: f64| (n > 0.0).then(|| 100.0 * met / n);
            let orders = rates.map(|rates| rates.for_row(&r.key, r.kind));
            ComplaintRow {
                key: r.key.clone(),
                kind: r.kind,
                open: if by_period && r.kind != RowKind::Total { c.open_end } else { c.open_scope },
                resolved: Share::of(c.resolved, c.n, confidence),
                fcr: Share::of(c.fcr_yes, c.fcr_n, confidence),
                reopen: Share::of(c.reopen_yes, c.reopen_n, confidence),
                timely: Share::of(c.timely_yes, c.timely_n, confidence),
                sla_response: pct(c.sla_resp_met, c.sla_resp_n),
                sla_resolve: pct(c.sla_resol_met, c.sla_resol_n),
                per_1000_orders: orders.and_then(|o| per_1000(c.n, o.orders)),
                per_1000_customers: orders.and_then(|o| per_1000(c.n, o.customers)),
                orders,
                counts: c.clone(),
            }
        })
        .collect()
}

/// A row of the closed-loop funnel: one stage of a group (or the complaints of no known stage).
#[derive(Debug, Clone)]
pub struct FunnelRow {
    pub key: GroupKey,
    pub kind: RowKind,
    /// A stage of [`STAGES`], or `None` for the complaints whose status is none of them.
    pub stage: Option<&'static str>,
    pub at_stage: f64,
    /// At this stage or a later one (None for the unknown status).
    pub reached: Option<f64>,
    /// Reached, in percent of the complaints at a known stage.
    pub reached_pct: Option<f64>,
    /// Reached, in percent of those that reached the stage before.
    pub from_previous_pct: Option<f64>,
}

/// The funnel rows: each group's stages in order, then its complaints at no known stage.
pub fn funnel_rows(rows: &[ResultRow<ComplaintCounts>]) -> Vec<FunnelRow> {
    let mut out = Vec::new();
    for row in rows {
        let c = &row.counts;
        let known: f64 = c.stages.iter().sum();
        for (k, stage) in STAGES.iter().enumerate() {
            // A complaint at a stage has passed every stage before it.
            let reached: f64 = c.stages[k..].iter().sum();
            let before: f64 = if k == 0 { known } else { c.stages[k - 1..].iter().sum() };
            out.push(FunnelRow {
                key: row.key.clone(),
                kind: row.kind,
                stage: Some(stage),
                at_stage: c.stages[k],
                reached: Some(reached),
                reached_pct: (known > 0.0).then(|| 100.0 * reached / known),
                from_previous_pct: (before > 0.0).then(|| 100.0 * reached / before),
            });
        }
        if c.stage_unknown > 0.0 {
            out.push(FunnelRow {
                key: row.key.clone(),
                kind: row.kind,
                stage: None,
                at_stage: c.stage_unknown,
                reached: None,
                reached_pct: None,
                from_previous_pct: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(period: Option<&str>, kind: RowKind, counts: ComplaintCounts) -> ResultRow<ComplaintCounts> {
        ResultRow { key: GroupKey { period: period.map(str::to_string), by: Vec::new() }, kind, counts }
    }

    #[test]
    fn kpis_worked_by_hand() {
        // 8 complaints, 6 resolved = 75%; FCR 3 of 4 = 75%; SLA response 5 of 8 = 62.5%; 2 open at
        // the period's end, 3 at the scope's; 8 complaints on 4,000 orders by 400 customers =
        // 2 per 1,000 orders and 20 per 1,000 customers.
        let c = ComplaintCounts {
            n: 8.0,
            resolved: 6.0,
            open_end: 2.0,
            open_scope: 3.0,
            fcr_yes: 3.0,
            fcr_n: 4.0,
            sla_resp_met: 5.0,
            sla_resp_n: 8.0,
            ..Default::default()
        };
        let rates = Rates {
            by_period: vec![("2026-10".into(), OrderCounts::new(4000.0, 400.0))],
            total: OrderCounts::new(9000.0, 600.0),
            name: "o".into(),
        };
        let rows = [row(Some("2026-10"), RowKind::Group, c.clone()), row(None, RowKind::Total, c)];
        let k = kpi_rows(&rows, true, Some(&rates), 0.95);
        assert_eq!((k[0].resolved.pct, k[0].fcr.pct, k[0].sla_response, k[0].sla_resolve), (Some(75.0), Some(75.0), Some(62.5), None));
        assert_eq!((k[0].open, k[1].open), (2.0, 3.0));
        assert_eq!((k[0].per_1000_orders, k[0].per_1000_customers), (Some(2.0), Some(20.0)));
        // The total's base is the scope's: 8 of 9,000 orders.
        assert_eq!(k[1].orders, Some(OrderCounts::new(9000.0, 600.0)));
        assert!((k[1].per_1000_orders.unwrap() - 8000.0 / 9000.0).abs() < 1e-12);
        // No reopen answers: no share.
        assert_eq!(k[0].reopen.pct, None);
    }

    #[test]
    fn funnel_worked_by_hand() {
        // Stages 4, 3, 0, 1, 2, 0 (10 known) and 1 unknown: received reached by all 10 = 100%;
        // assigned by 6 = 60% (6 of 10 from the stage before); in progress by 3 = 30%, 50% of 6.
        let c = ComplaintCounts { stages: [4.0, 3.0, 0.0, 1.0, 2.0, 0.0], stage_unknown: 1.0, ..Default::default() };
        let f = funnel_rows(&[row(None, RowKind::Group, c)]);
        assert_eq!(f.len(), 7);
        assert_eq!((f[1].reached, f[1].reached_pct, f[1].from_previous_pct), (Some(6.0), Some(60.0), Some(60.0)));
        assert_eq!((f[2].reached, f[2].reached_pct, f[2].from_previous_pct), (Some(3.0), Some(30.0), Some(50.0)));
        assert_eq!((f[6].stage, f[6].at_stage, f[6].reached), (None, 1.0, None));
    }
}
