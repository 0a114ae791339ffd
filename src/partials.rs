//! The partial results format: what one run over a shard of the input computed before its final
//! table, written by `--emit-partials FILE` and added up by `cxstat merge`.
//!
//! A partial file is JSON: the command, the settings that shape its table (columns, scales,
//! grouping, statistics), and per group the sufficient statistics of its rows, which add up
//! across shards: counts, sums and sums of squares (survey); counts and exact histograms of
//! durations (complaints); per period the ids of distinct customers, joined rather than added
//! (complaints' orders, repeat). Runs with different settings do not merge. Another engine
//! (Spark, SQL) can write the same file from the same definitions.

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
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(data_err(format!("{name}: not a partial results file (no \"format\": \"{FORMAT}\"); write one with --emit-partials")));
    }
    let version = value.get("version").and_then(|v| v.as_u64());
    if version != Some(u64::from(VERSION)) {
        return Err(data_err(format!("{name}: partial results version {version:?}; this cxstat reads version {VERSION}")));
    }
    let command = value.get("command").and_then(|c| c.as_str()).unwrap_or_default().to_string();
    Ok((command, value))
}

/// Reads partial files of one command with one set of settings, and adds their groups up
/// (groups with the same period, `--by` values and datedness are one group).
pub fn combine<S, C>(files: &[(String, serde_json::Value)]) -> Result<Combined<S, C>>
where
    S: DeserializeOwned + PartialEq + Serialize,
    C: DeserializeOwned + Default + Clone + std::ops::AddAssign,
{
    let mut settings: Option<(String, S)> = None;
    let mut inputs = Vec::new();
    let mut sums: Sums<C> = BTreeMap::new();
    let mut orders: Option<(Vec<String>, Sums<OrderSums>)> = None;
    for (name, value) in files {
        let partials = Partials::<S, C>::deserialize(value)
            .map_err(|e| data_err(format!("{name}: partial results that this cxstat cannot read: {e}")))?;
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
    Ok(Combined { settings, inputs, groups: groups_of(sums), orders: orders.map(|(names, periods)| (names, groups_of(periods))) })
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
