//! The partial results format: what one run over a shard of the input computed before its final
//! table, written by `--emit-partials FILE` and added up by `cxstat merge`.
//!
//! A partial file is JSON: the command, the settings that shape its table (columns, scales,
//! grouping, statistics), and per group the sufficient statistics of its rows, which add up
//! across shards: counts, sums and sums of squares (survey); counts and exact histograms of
//! durations (complaints); per period the ids of distinct customers, joined rather than added
//! (complaints' orders, repeat). Runs with different settings do not merge.
//!
//! A plan (`cxstat sql --emit-plan`, [`SqlPlan`]) holds the same settings block for a query that
//! an engine runs instead (Spark, DuckDB): `cxstat merge PLAN RESULT` makes the table from it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::error::{data_err, no_input, usage};
use crate::metrics::grouping::{Group, GroupKey};
use crate::metrics::orders::OrderSums;
use crate::output::write_atomic;

/// The `format` of a partial file, and its version.
pub const FORMAT: &str = "cxstat-partials";
pub const VERSION: u32 = 2;

/// A partial file: what one run computed, before its final table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Partials<S, C> {
    pub format: String,
    pub version: u32,
    pub command: String,
    /// The inputs the run read (for the merged table's caption).
    pub inputs: Vec<String>,
    pub settings: S,
    pub groups: Vec<PartialGroup<C>>,
    /// `complaints --orders`: the orders' statistics per period (the rates' denominators).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orders: Option<OrderPartials>,
}

/// The orders file of a `complaints --orders` run: its name, and per period the orders and the
/// distinct ordering customers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderPartials {
    pub inputs: Vec<String>,
    pub periods: Vec<PartialGroup<OrderSums>>,
}

impl OrderPartials {
    pub fn new(input: String, periods: &[Group<OrderSums>]) -> OrderPartials {
        OrderPartials { inputs: vec![input], periods: partial_groups(periods) }
    }
}

/// The largest count a partial file may hold (2^53).
pub use crate::stats::MAX_COUNT;

/// What a partial file's numbers must satisfy to be added up. Partial files are input: a damaged
/// or tampered one (a negative count, more top boxes than answers, a histogram whose lists differ
/// in length) stops the merge with exit 65, naming the file, the group and the field, rather than
/// printing a share of 266.7 %. `ctx` is what the check needs beyond the values (the settings).
pub trait Checked<Ctx = ()> {
    /// The first broken invariant, as "FIELD = VALUE …".
    fn problem(&self, ctx: &Ctx) -> Option<String>;
}

/// Checks of single fields and of pairs, for [`Checked`] implementations: each returns the
/// problem, if any.
pub mod check {
    use super::MAX_COUNT;

    /// A count: a whole number from 0 to 2^53.
    pub fn count(name: &str, v: f64) -> Option<String> {
        (!(v.is_finite() && (0.0..=MAX_COUNT).contains(&v) && v.fract() == 0.0))
            .then(|| format!("{name} = {v} is not a count (a whole number from 0 to 2^53)"))
    }

    /// A count held as an integer.
    pub fn whole(name: &str, v: u64) -> Option<String> {
        (v as f64 > MAX_COUNT).then(|| format!("{name} = {v} is above 2^53"))
    }

    /// A sum of weights or of squares: finite, from 0 to 2^53.
    pub fn weight(name: &str, v: f64) -> Option<String> {
        (!(v.is_finite() && (0.0..=MAX_COUNT).contains(&v))).then(|| format!("{name} = {v} is not a sum of weights (from 0 to 2^53)"))
    }

    /// A sum of values (amounts, scores): finite and within ±2^53 × 10^6.
    pub fn sum(name: &str, v: f64) -> Option<String> {
        (!(v.is_finite() && v.abs() <= MAX_COUNT * 1e6)).then(|| format!("{name} = {v} is not a finite sum"))
    }

    /// `a ≤ b`, allowing for rounding in sums of weights.
    pub fn at_most(a: (&str, f64), b: (&str, f64)) -> Option<String> {
        (a.1 > b.1 + 1e-9 * b.1.abs().max(1.0)).then(|| format!("{} = {} is above {} = {}", a.0, a.1, b.0, b.1))
    }

    /// A confidence level strictly between 0 and 1.
    pub fn confidence(v: f64) -> Option<String> {
        (!(v > 0.0 && v < 1.0)).then(|| format!("confidence = {v} is not between 0 and 1"))
    }

    /// The first problem of a list of checks.
    pub fn first(checks: impl IntoIterator<Item = Option<String>>) -> Option<String> {
        checks.into_iter().flatten().next()
    }
}

/// What the partial files add up to.
pub struct Combined<S, C> {
    pub settings: S,
    pub inputs: Vec<String>,
    pub groups: Vec<Group<C>>,
    /// The orders' inputs and periods (when the partials have them).
    pub orders: Option<(Vec<String>, Vec<Group<OrderSums>>)>,
}

/// One group's statistics.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartialGroup<C> {
    pub period: Option<String>,
    pub by: Vec<Option<String>>,
    /// False for the rows without a valid date (counted, not shown).
    pub dated: bool,
    pub counts: C,
}

/// The groups in the order of their keys (undated first), not in polars' grouping order, which
/// varies between runs: two runs over the same data write the same file.
fn partial_groups<C: Clone>(groups: &[Group<C>]) -> Vec<PartialGroup<C>> {
    let mut sorted: Vec<&Group<C>> = groups.iter().collect();
    sorted.sort_by(|a, b| (a.dated, &a.key).cmp(&(b.dated, &b.key)));
    sorted
        .into_iter()
        .map(|g| PartialGroup { period: g.key.period.clone(), by: g.key.by.clone(), dated: g.dated, counts: g.counts.clone() })
        .collect()
}

/// Writes the partial results of a run (atomically).
pub fn write<S: Serialize, C: Serialize + Clone>(
    path: &Path,
    command: &str,
    inputs: Vec<String>,
    settings: S,
    groups: &[Group<C>],
    orders: Option<OrderPartials>,
) -> Result<()> {
    let partials = Partials {
        format: FORMAT.to_string(),
        version: VERSION,
        command: command.to_string(),
        inputs,
        settings,
        groups: partial_groups(groups),
        orders,
    };
    // Compact: the partials of complaints and repeat list customer ids and durations by the
    // million, which indentation would double.
    let mut bytes = serde_json::to_vec(&partials)?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// The command a partial file was written by (after checking that it is one), and its JSON.
pub fn read(path: &Path) -> Result<(String, serde_json::Value)> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| no_input(format!("cannot read {name}: {e}")))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| data_err(format!("{name}: not a partial results file (invalid JSON: {e})")))?;
    if is_plan(&value) {
        let command = value.get("command").and_then(|c| c.as_str()).unwrap_or_default().to_string();
        return Ok((command, value));
    }
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(data_err(format!("{name}: not a partial results file (no \"format\": \"{FORMAT}\"); write one with --emit-partials")));
    }
    let version = value.get("version");
    if version.and_then(|v| v.as_u64()) != Some(u64::from(VERSION)) {
        let found = match version {
            Some(v) => format!("version {}", crate::error::printable(&v.to_string())),
            None => "no version".to_string(),
        };
        return Err(data_err(format!(
            "{name}: partial results of {found}; this cxstat reads version {VERSION} (write them again with this cxstat's --emit-partials)"
        )));
    }
    let command = value.get("command").and_then(|c| c.as_str()).unwrap_or_default().to_string();
    Ok((command, value))
}

/// Reads partial files of one command with one set of settings, and adds their groups up
/// (groups with the same period, `--by` values and datedness are one group).
/// Every value is checked ([`Checked`]) as read, and the sums again once added up.
pub fn combine<S, C>(files: &[(String, serde_json::Value)]) -> Result<Combined<S, C>>
where
    S: DeserializeOwned + PartialEq + Serialize + Checked,
    C: DeserializeOwned + Default + Clone + std::ops::AddAssign + Checked<S>,
{
    let mut settings: Option<(String, S)> = None;
    let mut inputs = Vec::new();
    let mut sums: Sums<C> = BTreeMap::new();
    let mut orders: Option<(Vec<String>, Sums<OrderSums>)> = None;
    for (name, value) in files {
        // The path of the field that does not fit (`groups[0].counts.orders`) is named.
        let partials: Partials<S, C> = serde_path_to_error::deserialize(value).map_err(|e| {
            let field = e.path().to_string();
            let at = if field == "." { String::new() } else { format!("{field}: ") };
            data_err(format!(
                "{name}: partial results that this cxstat cannot read: {at}{}",
                crate::error::plain_types(&e.inner().to_string())
            ))
        })?;
        if let Some(problem) = partials.settings.problem(&()) {
            return Err(damaged(name, "settings", &problem));
        }
        check_groups(name, &partials.groups, &partials.settings)?;
        if let Some(o) = &partials.orders {
            check_groups(&format!("{name} (orders)"), &o.periods, &())?;
        }
        match &settings {
            None => settings = Some((name.clone(), partials.settings)),
            Some((first, s)) if *s != partials.settings => {
                return Err(data_err(format!(
                    "{name}: written with other settings than {first} (columns, scales, grouping or statistics differ): \
                     {} vs {}; partials merge only from runs with the same options",
                    serde_json::to_string(&partials.settings)?,
                    serde_json::to_string(s)?
                )));
            }
            Some(_) => {}
        }
        inputs.extend(partials.inputs);
        add(&mut sums, partials.groups);
        if let Some(o) = partials.orders {
            let (names, periods) = orders.get_or_insert_with(Default::default);
            names.extend(o.inputs);
            add(periods, o.periods);
        }
    }
    let (_, settings) = settings.ok_or_else(|| usage("cxstat merge needs at least one partial results file"))?;
    let combined =
        Combined { settings, inputs, groups: groups_of(sums), orders: orders.map(|(names, periods)| (names, groups_of(periods))) };
    // Each file's counts are within bounds; their sums must be too (else they are not exact).
    let all = files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(" + ");
    check_groups(&all, &combined.groups, &combined.settings)?;
    if let Some((_, periods)) = &combined.orders {
        check_groups(&format!("{all} (orders)"), periods, &())?;
    }
    Ok(combined)
}

/// The `format` of a plan file (`cxstat sql --emit-plan`), and its version.
pub const PLAN_FORMAT: &str = "cxstat-sql-plan";
pub const PLAN_VERSION: u32 = 1;

/// A plan: what `cxstat sql` asked the engine for, so that `cxstat merge PLAN RESULT` can make
/// the command's table from the result. `settings` is the block a partial file of the same run
/// would hold.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SqlPlan<S> {
    pub format: String,
    pub version: u32,
    pub command: String,
    pub dialect: String,
    /// The tables the query reads (the merged table's input names).
    pub tables: Vec<String>,
    pub settings: S,
    /// `--max-invalid` and `--strict` of the run, applied to the result's invalid counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_invalid: Option<f64>,
    #[serde(default)]
    pub strict: bool,
    /// Roles whose column was taken by its header's name alone (`status` for a `State`
    /// column): the merge checks that their values look like the role's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guessed: Vec<String>,
    /// The result's columns.
    pub columns: Vec<String>,
    pub query: String,
}

impl<S: Serialize> SqlPlan<S> {
    /// Writes the plan (atomically, indented: it is read by people too).
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        write_atomic(path, &bytes)
    }
}

/// Whether a JSON value read by [`read`] is a plan rather than partial results.
pub fn is_plan(value: &serde_json::Value) -> bool {
    value.get("format").and_then(|f| f.as_str()) == Some(PLAN_FORMAT)
}

/// A plan file's contents, its settings checked ([`Checked`]).
pub fn plan_of<S: DeserializeOwned + Checked>(name: &str, value: &serde_json::Value) -> Result<SqlPlan<S>> {
    if value.get("version").and_then(|v| v.as_u64()) != Some(u64::from(PLAN_VERSION)) {
        return Err(data_err(format!(
            "{name}: a plan of another version; this cxstat reads version {PLAN_VERSION} (write it again with cxstat sql --emit-plan)"
        )));
    }
    let plan: SqlPlan<S> = serde_path_to_error::deserialize(value).map_err(|e| {
        data_err(format!(
            "{name}: a plan that this cxstat cannot read: {}: {}",
            e.path(),
            crate::error::plain_types(&e.inner().to_string())
        ))
    })?;
    if let Some(problem) = plan.settings.problem(&()) {
        return Err(data_err(format!(
            "{name}: settings: {}; the plan is damaged (write it again with cxstat sql --emit-plan)",
            crate::error::printable(&problem)
        )));
    }
    Ok(plan)
}

/// Every group's values pass their checks.
fn check_groups<Ctx, C: Checked<Ctx>>(name: &str, groups: &[impl AsGroup<C>], ctx: &Ctx) -> Result<()> {
    for g in groups {
        if let Some(problem) = g.counts().problem(ctx) {
            return Err(damaged(name, &g.label(), &problem));
        }
    }
    Ok(())
}

/// A partial group as read, or one added up.
trait AsGroup<C> {
    fn counts(&self) -> &C;
    /// "group 2026-10 / North", "group (all) / (blank)".
    fn label(&self) -> String;
}

/// "group 2026-10 / North", "group (all) / (blank)": a group in messages.
pub fn label_of(period: &Option<String>, by: &[Option<String>]) -> String {
    let parts: Vec<&str> =
        std::iter::once(period.as_deref().unwrap_or("(all)")).chain(by.iter().map(|b| b.as_deref().unwrap_or("(blank)"))).collect();
    format!("group {}", parts.join(" / "))
}

impl<C> AsGroup<C> for PartialGroup<C> {
    fn counts(&self) -> &C {
        &self.counts
    }
    fn label(&self) -> String {
        label_of(&self.period, &self.by)
    }
}

impl<C> AsGroup<C> for Group<C> {
    fn counts(&self) -> &C {
        &self.counts
    }
    fn label(&self) -> String {
        label_of(&self.key.period, &self.key.by)
    }
}

fn damaged(name: &str, place: &str, problem: &str) -> anyhow::Error {
    let problem = crate::error::printable(problem);
    data_err(format!("{name}: {place}: {problem}; the partial results file is damaged or was not written by cxstat (write it again with --emit-partials)"))
}

impl Checked for crate::metrics::orders::OrderSums {
    fn problem(&self, _: &()) -> Option<String> {
        check::first([
            check::count("orders", self.orders),
            check::at_most(("customers", self.customers.len() as f64), ("orders", self.orders)),
        ])
    }
}

/// Statistics per group: key and datedness.
type Sums<C> = BTreeMap<(GroupKey, bool), C>;

/// Adds groups to the sums of the groups with the same key and datedness.
fn add<C: Default + std::ops::AddAssign>(sums: &mut Sums<C>, groups: Vec<PartialGroup<C>>) {
    for g in groups {
        *sums.entry((GroupKey { period: g.period, by: g.by }, g.dated)).or_default() += g.counts;
    }
}

fn groups_of<C>(sums: Sums<C>) -> Vec<Group<C>> {
    sums.into_iter().map(|((key, dated), counts)| Group { key, dated, counts }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::grouping::GroupKey;

    #[test]
    fn partial_groups_are_in_the_order_of_their_keys() {
        let group = |period: Option<&str>, by: Option<&str>, dated: bool, n: u32| Group {
            key: GroupKey { period: period.map(str::to_string), by: vec![by.map(str::to_string)] },
            dated,
            counts: n,
        };
        let groups = [
            group(Some("2026-02"), Some("b"), true, 1),
            group(Some("2026-01"), Some("b"), true, 2),
            group(None, Some("a"), false, 3),
            group(Some("2026-01"), Some("a"), true, 4),
            group(Some("2026-01"), None, true, 5),
        ];
        let order: Vec<u32> = partial_groups(&groups).iter().map(|g| g.counts).collect();
        // Undated first; then by period, and within a period blank (None) before the values.
        assert_eq!(order, vec![3, 5, 4, 2, 1]);
        let mut reversed = groups.to_vec();
        reversed.reverse();
        let again: Vec<u32> = partial_groups(&reversed).iter().map(|g| g.counts).collect();
        assert_eq!(again, order);
    }
}
