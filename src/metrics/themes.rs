//! The computations of `cxstat themes`: the distinct comments in scope with how many respondents
//! of each side wrote them and their satisfaction, in one pass; each comment read once
//! (segmented and matched, [`read`]) into its themes as one bit mask; satisfaction per group and
//! mask added up from the comments' (weighted: a second pass, each row's mask hashed from its
//! comment);
//! the candidate quotes; and from these the rows per theme ([`theme_rows`]), the words of the
//! comments no theme matches ([`unmatched_terms`]) and the words of --terms ([`terms`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use anyhow::Result;
use polars::prelude::*;

use crate::input::clean;
use crate::input::frame::{Dataset, ROW};
use crate::metrics::comparison::{self, ComparisonRow, Side as CompareSide};
use crate::metrics::grouping::{Group, GroupKey, Grouping, RowKind};
use crate::metrics::satisfaction::{aggregate_finer, aggregate_read, Finer, SatisfactionCounts, SatisfactionSpec};
use crate::stats::significance::Adjust;
use crate::stats::themes::{log_odds, nps_impact, NpsCounts};
use crate::text::taxonomy::Theme;
use crate::text::{has_text, Tokenizer};

/// The mask column added to the input: bit `i` for the `i`-th theme, [`TEXT_BIT`] for a comment
/// with text.
pub const MASK: &str = "__themes";

/// The mask's bit of a comment with text.
pub const TEXT_BIT: u64 = 1 << 63;

/// Which side a respondent is on: the low scores (NPS detractors, CSAT bottom boxes), the high
/// ones (promoters, top boxes), or neither (passives, the middle, no valid answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    Low,
    Middle,
    High,
}

impl Side {
    fn of(code: i64) -> Side {
        match code {
            c if c < 0 => Side::Low,
            0 => Side::Middle,
            _ => Side::High,
        }
    }
}

/// The side of each row (−1, 0, 1), from the score read by `spec` ([`SatisfactionSpec::with_scores`]'s
/// `__nps` or `__csat`): NPS 0–6 / 9–10; CSAT the bottom boxes (as many as the top ones) / the top.
fn side_expr(spec: &SatisfactionSpec, nps: bool) -> Expr {
    let (score, low_max, high_min) = match (&spec.nps, &spec.csat) {
        (Some(_), _) if nps => (col("__nps"), 6.0, 9.0),
        (_, Some(c)) => (col("__csat"), (c.scale.low + c.scale.high - spec.csat_top_min) as f64, spec.csat_top_min as f64),
        _ => return lit(0i64),
    };
    when(score.clone().lt_eq(lit(low_max))).then(lit(-1i64)).when(score.gt_eq(lit(high_min))).then(lit(1i64)).otherwise(lit(0i64))
}

/// A distinct comment in scope and how many respondents on each side wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct DistinctComment {
    pub text: Arc<str>,
    /// Respondents by [`Side`]: low, middle, high.
    pub rows: [f64; 3],
}

impl DistinctComment {
    /// All who wrote it.
    pub fn total(&self) -> f64 {
        self.rows.iter().sum()
    }
}

/// Where a comment was first written, per group and side: the first row's number and id.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstWritten {
    pub key: GroupKey,
    /// Its index in [`Comments::distinct`].
    pub comment: usize,
    pub side: Side,
    pub row: u64,
    pub id: Option<String>,
}

/// One group, text and side of [`comments`]' query.
struct Written {
    text: Option<String>,
    side: Side,
    row: u64,
    id: Option<String>,
}

/// The comments in scope, read in one pass: each distinct text with its respondents per side (in
/// the order of the texts), and where each was first written per group and side (for quotes).
pub struct Comments {
    pub distinct: Vec<DistinctComment>,
    pub first: Vec<FirstWritten>,
}

/// The satisfaction of each group, comment and side, read in the comments' pass: every group
/// as read (dated or not), with its comment's index in [`Comments::distinct`] (none without a
/// comment or without a valid date), and the spec and grouping that read them.
pub struct PerComment {
    groups: Vec<Group<SatisfactionCounts>>,
    comment: Vec<Option<usize>>,
    spec: SatisfactionSpec,
    grouping: Grouping,
}

/// Reads the comments in scope, grouped by `grouping`'s keys, the text and the side (by the
/// NPS, or by CSAT when `nps` is false): how many rows, the first row and its response id
/// (`id`'s column), in one pass with the satisfaction of each (see [`PerComment::by_mask`]).
///
/// Weighted, the satisfaction is not read here ([`mask_counts`] reads it per mask in a second
/// pass): sums of weights are exact only within a query ([`crate::metrics::exact_sum`]), and
/// adding them per comment in memory would round. Unweighted, every sum is of whole numbers,
/// exact in any order.
pub fn comments(
    data: &Dataset,
    spec: &SatisfactionSpec,
    grouping: &Grouping,
    header: &str,
    id: Option<&str>,
    nps: bool,
) -> Result<(Comments, Option<PerComment>)> {
    let by_nps = nps && spec.nps.is_some();
    let weighted = spec.weight.is_some();
    let spec = if weighted {
        SatisfactionSpec {
            nps: if by_nps { spec.nps.clone() } else { None },
            csat: if by_nps { None } else { spec.csat.clone() },
            ces: None,
            designation: None,
            weight: None,
            ..spec.clone()
        }
    } else {
        spec.clone()
    };
    let id_text = match id {
        Some(h) => clean::text(h),
        None => lit(NULL).cast(DataType::String),
    };
    let finer = Finer {
        with_rows: true,
        columns: vec![
            col(header).cast(DataType::String).alias("__comment"),
            side_expr(&spec, by_nps).cast(DataType::Int64).alias("__side"),
            id_text.alias("__id"),
        ],
        keys: vec![col("__comment"), col("__side")],
        aggs: vec![
            col(ROW).cast(DataType::UInt64).min().alias("row"),
            col("__id").get(col(ROW).arg_min(), false).cast(DataType::String).alias("id"),
        ],
        // Typed in the query and read without a cast: a cast per group would copy the column
        // each time (quadratic in the groups, which are as many as the distinct comments).
        read: |df: &DataFrame, i: usize| -> Result<Written> {
            Ok(Written {
                text: df.column("__comment")?.str()?.get(i).map(str::to_string),
                side: Side::of(df.column("__side")?.i64()?.get(i).unwrap_or(0)),
                row: df.column("row")?.u64()?.get(i).unwrap_or(0),
                id: df.column("id")?.str()?.get(i).map(str::to_string),
            })
        },
    };
    let (groups, read_spec, read_grouping) = aggregate_finer(data, &spec, grouping, &finer)?;
    let mut index: BTreeMap<&str, [f64; 3]> = BTreeMap::new();
    for g in groups.iter().filter(|g| g.dated) {
        let (counts, w) = &g.counts;
        if let Some(text) = &w.text {
            index.entry(text).or_default()[w.side as usize] += counts.n;
        }
    }
    let distinct: Vec<DistinctComment> = index.into_iter().map(|(text, rows)| DistinctComment { text: Arc::from(text), rows }).collect();
    let position: HashMap<&str, usize> = distinct.iter().enumerate().map(|(i, d)| (&*d.text, i)).collect();
    let mut first = Vec::new();
    let mut comment = Vec::with_capacity(groups.len());
    for g in &groups {
        let w = &g.counts.1;
        let at = w.text.as_deref().filter(|_| g.dated).map(|t| position[t]);
        if let Some(at) = at {
            first.push(FirstWritten { key: g.key.clone(), comment: at, side: w.side, row: w.row, id: w.id.clone() });
        }
        comment.push(at);
    }
    let per_comment = (!weighted).then(|| PerComment {
        groups: groups.into_iter().map(|g| Group { key: g.key, dated: g.dated, counts: g.counts.0 }).collect(),
        comment,
        spec: read_spec,
        grouping: read_grouping,
    });
    Ok((Comments { distinct, first }, per_comment))
}

impl PerComment {
    /// Satisfaction per group and mask (`masks`: each distinct comment's, `None` without text),
    /// added up from the comments' (see [`comments`]).
    pub fn by_mask(self, masks: &[Option<u64>]) -> MaskCounts {
        let mut sums: BTreeMap<GroupKey, BTreeMap<u64, SatisfactionCounts>> = BTreeMap::new();
        for (g, at) in self.groups.iter().zip(&self.comment) {
            if g.dated {
                let mask = at.and_then(|i| masks[i]).unwrap_or(0);
                *sums.entry(g.key.clone()).or_default().entry(mask).or_default() += g.counts;
            }
        }
        let per_group = sums.into_iter().map(|(key, masks)| (key, masks.into_iter().collect())).collect();
        MaskCounts { per_group, groups: self.groups, spec: self.spec, grouping: self.grouping }
    }
}

/// The expression giving each row the mask of its comment (0 without a comment, or for a comment
/// out of scope): one hash lookup per row.
pub fn mask_expr(header: &str, texts: Vec<String>, masks: Vec<u64>) -> Expr {
    col(header)
        .cast(DataType::String)
        .replace_strict(lit(Series::new("".into(), texts)), lit(Series::new("".into(), masks)), Some(lit(0u64)), Some(DataType::UInt64))
        .fill_null(lit(0u64))
        .alias(MASK)
}

/// Satisfaction per group and mask (the input must have the [`MASK`] column): the groups of
/// `grouping`, each with its counts per mask; rows without a valid date where one is needed
/// are left out. Also the groups as read (all of them, for the invalid answers' report), and
/// the spec and grouping that read them.
pub struct MaskCounts {
    pub per_group: BTreeMap<GroupKey, Vec<(u64, SatisfactionCounts)>>,
    pub groups: Vec<Group<SatisfactionCounts>>,
    pub spec: SatisfactionSpec,
    pub grouping: Grouping,
}

/// Aggregates satisfaction per group of `grouping` and mask, in one pass over an input with the
/// [`MASK`] column (weighted input, see [`comments`]).
pub fn mask_counts(data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping) -> Result<MaskCounts> {
    let mut with_mask = grouping.clone();
    with_mask.by.push(MASK.to_string());
    let (groups, spec, mut read_grouping) = aggregate_read(data, spec, &with_mask)?;
    let mut per_group: BTreeMap<GroupKey, Vec<(u64, SatisfactionCounts)>> = BTreeMap::new();
    for g in groups.iter().filter(|g| g.dated) {
        let mut key = g.key.clone();
        let mask = key.by.pop().flatten().and_then(|m| m.parse::<u64>().ok()).unwrap_or(0);
        per_group.entry(key).or_default().push((mask, g.counts));
    }
    read_grouping.by.pop();
    Ok(MaskCounts { per_group, groups, spec, grouping: read_grouping })
}

/// A comment that can be quoted: its row number, its response id (when the input has one) and
/// its text, with the respondent's side and the comment's mask.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub row: u64,
    pub id: Option<String>,
    pub text: Arc<str>,
    pub side: Side,
    pub mask: u64,
    /// Between [`QUOTE_CHARS`] characters long.
    pub fits: bool,
}

/// The length of a comment quoted first: long enough to say something, short enough to read.
pub const QUOTE_CHARS: (usize, usize) = (20, 280);

/// The comments that can be quoted, per group: each comment that mentions a theme, where it was
/// first written in the group by each side (`masks`: each distinct comment's, `None` without
/// text).
pub fn candidates(comments: &Comments, masks: &[Option<u64>]) -> BTreeMap<GroupKey, Vec<Candidate>> {
    let mut out: BTreeMap<GroupKey, Vec<Candidate>> = BTreeMap::new();
    for f in &comments.first {
        let Some(mask) = masks[f.comment].filter(|m| *m > TEXT_BIT) else { continue };
        let text = comments.distinct[f.comment].text.clone();
        let chars = text.chars().count();
        let fits = (QUOTE_CHARS.0..=QUOTE_CHARS.1).contains(&chars);
        out.entry(f.key.clone()).or_default().push(Candidate { row: f.row, id: f.id.clone(), text, side: f.side, mask, fits });
    }
    out
}

/// The row of the comments that match no theme.
pub const NO_THEME: &str = "(no theme)";

/// How many quotes a theme gets.
pub const QUOTES: usize = 3;

/// One theme of one group (or the total).
#[derive(Debug, Clone)]
pub struct ThemeRow {
    pub key: GroupKey,
    pub kind: RowKind,
    pub theme: String,
    /// Responses in the group, and those with a comment with text.
    pub respondents: f64,
    pub comments: f64,
    /// Comments that mention the theme.
    pub mentions: f64,
    pub mentioners: SatisfactionCounts,
    /// The other commenters.
    pub others: SatisfactionCounts,
    /// The tests of `compare` (mentioners − others); none for [`NO_THEME`].
    pub nps: Option<ComparisonRow>,
    pub csat: Option<ComparisonRow>,
    pub ces: Option<ComparisonRow>,
    pub impact: Option<f64>,
    pub quotes: Vec<Candidate>,
}

/// A word or phrase of --terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub text: String,
    pub phrase: bool,
    pub low: f64,
    pub high: f64,
    pub delta: f64,
    pub z: f64,
}

/// A distinct comment with text, read: its mask, its distinct words and phrases (for
/// --unmatched) and all their occurrences (for --terms).
pub struct Read {
    pub mask: u64,
    pub words: Vec<String>,
    pub phrases: Vec<String>,
}

/// Reads a distinct comment: `None` without text.
pub fn read(text: &str, tokenizer: &Tokenizer, themes: &[Theme], na_values: &[String]) -> Option<Read> {
    if !has_text(text, na_values) {
        return None;
    }
    let comment = tokenizer.read(text);
    let mut mask = TEXT_BIT;
    for (i, theme) in themes.iter().enumerate() {
        if theme.matches(text, &comment) {
            mask |= 1 << i;
        }
    }
    let (words, phrases) = tokenizer.words_and_phrases(&comment);
    Some(Read { mask, words, phrases })
}

/// The NPS of weighted counts (`None` without answers).
pub fn nps_counts(c: &SatisfactionCounts) -> NpsCounts {
    NpsCounts { promoters: c.promoters, detractors: c.detractors, n: c.nps_w }
}

/// The rows of every group (and the total, with `total`): each theme by mentions, then
/// [`NO_THEME`]; tested (mentioners against the other commenters, adjusted over the rows of each
/// metric: `test`) and with their quotes.
pub fn theme_rows(
    counts: &MaskCounts,
    quotes: &BTreeMap<GroupKey, Vec<Candidate>>,
    names: &[&str],
    total: bool,
    test: (&SatisfactionSpec, f64, (Adjust, f64)),
    min_n: u64,
) -> Vec<ThemeRow> {
    let mut levels: Vec<Level> = Vec::new();
    for (key, masks) in &counts.per_group {
        let quotes = quotes.get(key).map(|c| c.iter().collect()).unwrap_or_default();
        levels.push(Level { key: key.clone(), kind: RowKind::Group, masks: masks.clone(), quotes });
    }
    if total {
        let masks: Vec<(u64, SatisfactionCounts)> = counts.per_group.values().flatten().copied().collect();
        let key = GroupKey { period: None, by: vec![None; counts.grouping.by.len()] };
        levels.push(Level { key, kind: RowKind::Total, masks, quotes: quotes.values().flatten().collect() });
    }
    let mut rows = Vec::new();
    for level in &levels {
        rows.extend(level_rows(level, names));
    }
    let (spec, confidence, adjust) = test;
    test_rows(&mut rows, spec, confidence, adjust, min_n);
    for row in rows.iter_mut() {
        let Some(bit) = names.iter().position(|n| *n == row.theme) else { continue };
        let level = levels.iter().find(|l| l.key == row.key && l.kind == row.kind).map(|l| l.quotes.as_slice()).unwrap_or_default();
        row.quotes = pick_quotes(level, 1 << bit, row.impact);
    }
    rows
}

/// One group (or the total): its counts per mask and its candidate quotes.
struct Level<'a> {
    key: GroupKey,
    kind: RowKind,
    masks: Vec<(u64, SatisfactionCounts)>,
    quotes: Vec<&'a Candidate>,
}

/// The rows of one level: each theme, then the comments no theme matches.
fn level_rows(level: &Level, names: &[&str]) -> Vec<ThemeRow> {
    let (key, kind) = (&level.key, level.kind);
    let sum = |keep: &dyn Fn(u64) -> bool| {
        level.masks.iter().filter(|(m, _)| keep(*m)).fold(SatisfactionCounts::default(), |mut acc, (_, c)| {
            acc += *c;
            acc
        })
    };
    let all = sum(&|_| true);
    let commenters = sum(&|m| m & TEXT_BIT != 0);
    let row = |theme: &str, mentioners: SatisfactionCounts| {
        let others = commenters.minus(&mentioners);
        ThemeRow {
            key: key.clone(),
            kind,
            theme: theme.to_string(),
            respondents: all.n,
            comments: commenters.n,
            mentions: mentioners.n,
            mentioners,
            others,
            nps: None,
            csat: None,
            ces: None,
            impact: nps_impact(nps_counts(&mentioners), nps_counts(&others)),
            quotes: Vec::new(),
        }
    };
    let mut rows: Vec<ThemeRow> = names.iter().enumerate().map(|(i, name)| row(name, sum(&|m| m & (1 << i) != 0))).collect();
    rows.sort_by(|a, b| b.mentions.total_cmp(&a.mentions).then_with(|| a.theme.cmp(&b.theme)));
    rows.push(row(NO_THEME, sum(&|m| m == TEXT_BIT)));
    rows
}

/// Whether a row has too few mentions (or too few other commenters) to be tested.
pub fn low_base(r: &ThemeRow, min_n: u64) -> bool {
    r.mentions < min_n as f64 || r.comments - r.mentions < min_n as f64
}

/// The tests of `compare` for each theme row (not [`NO_THEME`], nor a low base): mentioners
/// against the other commenters, p-values adjusted over the rows of each metric.
fn test_rows(rows: &mut [ThemeRow], spec: &SatisfactionSpec, confidence: f64, (method, alpha): (Adjust, f64), min_n: u64) {
    let side = |label: &str, counts: SatisfactionCounts| CompareSide {
        label: label.to_string(),
        counts,
        scores: BTreeMap::new(),
        keys: Vec::new(),
    };
    let pairs: Vec<comparison::Pair> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.theme != NO_THEME && !low_base(r, min_n))
        .map(|(i, r)| (vec![i.to_string()], side("mentioners", r.mentioners), side("others", r.others)))
        .collect();
    let testing = comparison::Testing { confidence, nps_method: crate::stats::intervals::NpsMethod::Wald, alpha };
    for tested in comparison::compare(&pairs, spec, testing, method, None) {
        let Some(row) = tested.group.first().and_then(|i| i.parse::<usize>().ok()).and_then(|i| rows.get_mut(i)) else { continue };
        match tested.metric {
            "nps" => row.nps = Some(tested),
            "csat_pct" => row.csat = Some(tested),
            "ces_mean" => row.ces = Some(tested),
            _ => {}
        }
    }
}

/// Up to three quotes of the theme with bit `bit`, by this rule: from the comments that mention
/// the theme, first those of respondents on the side of its impact (detractors when it lowers
/// the NPS, promoters when it raises it), then those that mention no other theme, then those of
/// 20 to 280 characters, then the first in the file; a text quoted once is not quoted again.
fn pick_quotes(candidates: &[&Candidate], bit: u64, impact: Option<f64>) -> Vec<Candidate> {
    let wanted = match impact {
        Some(i) if i < 0.0 => Some(Side::Low),
        Some(i) if i > 0.0 => Some(Side::High),
        _ => None,
    };
    let mut mine: Vec<&Candidate> = candidates.iter().copied().filter(|c| c.mask & bit != 0).collect();
    mine.sort_by_key(|c| (wanted.is_some_and(|w| c.side != w), (c.mask & !TEXT_BIT).count_ones() > 1, !c.fits, c.row));
    let mut seen = HashSet::new();
    mine.into_iter().filter(|c| seen.insert(&*c.text)).take(QUOTES).cloned().collect()
}

/// The distinct words and phrases of the comments that no theme matches, with the number of
/// such comments that use them, most used first.
pub fn unmatched_terms(distinct: &[DistinctComment], reads: &[Option<Read>]) -> Vec<(String, bool, f64)> {
    let mut counts: HashMap<(&str, bool), f64> = HashMap::new();
    for (d, r) in distinct.iter().zip(reads) {
        let Some(r) = r.as_ref().filter(|r| r.mask == TEXT_BIT) else { continue };
        let words: HashSet<&str> = r.words.iter().map(String::as_str).collect();
        let phrases: HashSet<&str> = r.phrases.iter().map(String::as_str).collect();
        for (set, phrase) in [(words, false), (phrases, true)] {
            for term in set {
                *counts.entry((term, phrase)).or_insert(0.0) += d.total();
            }
        }
    }
    let mut out: Vec<(String, bool, f64)> = counts.into_iter().map(|((t, p), n)| (t.to_string(), p, n)).collect();
    out.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    out
}

/// The log-odds of every word and phrase between the low and the high side (occurrences, each
/// comment counted once per respondent who wrote it), with the prior from all comments in scope
/// (α_w = the term's count there, α_0 = all terms of its kind): words and phrases are two
/// vocabularies. Terms used fewer than `min_count` times by the two sides are left out.
pub fn terms(distinct: &[DistinctComment], reads: &[Option<Read>], min_count: u64) -> Vec<Term> {
    // Per kind: term → (low, high, all).
    let mut counts: [HashMap<&str, [f64; 3]>; 2] = [HashMap::new(), HashMap::new()];
    for (d, r) in distinct.iter().zip(reads) {
        let Some(r) = r else { continue };
        for (kind, list) in [(0, &r.words), (1, &r.phrases)] {
            for term in list {
                let c = counts[kind].entry(term.as_str()).or_insert([0.0; 3]);
                c[0] += d.rows[Side::Low as usize];
                c[1] += d.rows[Side::High as usize];
                c[2] += d.total();
            }
        }
    }
    let mut out = Vec::new();
    for (kind, vocabulary) in counts.iter().enumerate() {
        let (n_low, n_high, alpha_0) = vocabulary.values().fold((0.0, 0.0, 0.0), |acc, c| (acc.0 + c[0], acc.1 + c[1], acc.2 + c[2]));
        for (term, c) in vocabulary {
            if c[0] + c[1] < min_count as f64 || c[0] + c[1] == 0.0 {
                continue;
            }
            let w = log_odds((c[0], n_low), (c[1], n_high), c[2], alpha_0);
            out.push(Term { text: term.to_string(), phrase: kind == 1, low: c[0], high: c[1], delta: w.delta, z: w.z });
        }
    }
    out.sort_by(|a, b| b.z.total_cmp(&a.z).then_with(|| a.text.cmp(&b.text)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn counts(promoters: u32, passives: u32, detractors: u32) -> SatisfactionCounts {
        let n = f64::from(promoters + passives + detractors);
        SatisfactionCounts {
            n,
            nps_n: n,
            nps_w: n,
            nps_w2: n,
            promoters: f64::from(promoters),
            detractors: f64::from(detractors),
            ..Default::default()
        }
    }

    fn candidate(row: u64, text: &str, side: Side, mask: u64) -> Candidate {
        Candidate { row, id: None, text: Arc::from(text), side, mask: TEXT_BIT | mask, fits: text.chars().count() >= 20 }
    }

    #[test]
    fn quotes_follow_the_rule() {
        let c = [
            candidate(2, "late and expensive, both at once", Side::Low, 0b11),
            candidate(3, "late", Side::Low, 0b01),
            candidate(4, "the parcel came late, so late", Side::High, 0b01),
            candidate(5, "the courier was late again today", Side::Low, 0b01),
            candidate(6, "the courier was late again today", Side::Low, 0b01),
            candidate(7, "a second late delivery this month", Side::Low, 0b01),
        ];
        let all: Vec<&Candidate> = c.iter().collect();
        let rows = |q: Vec<Candidate>| q.iter().map(|c| c.row).collect::<Vec<_>>();
        // Lowering the NPS: detractors first; of them, one theme only and 20+ characters first
        // (rows 5 and 7; row 6 repeats row 5's text), then row 3 (too short), then row 2 (two themes).
        assert_eq!(rows(pick_quotes(&all, 0b01, Some(-3.0))), [5, 7, 3]);
        // Raising it: the promoter first.
        assert_eq!(rows(pick_quotes(&all, 0b01, Some(2.0))), [4, 5, 7]);
        // The second theme: only row 2 mentions it.
        assert_eq!(rows(pick_quotes(&all, 0b10, None)), [2]);
    }

    proptest! {
        /// For every theme, the commenters' NPS is share × NPS of mentioners + (1 − share) × NPS
        /// of the others, so the impact is the gap to the others' NPS; and every comment is either
        /// of no theme or mentions one at least.
        #[test]
        fn the_impact_splits_the_commenters_nps(
            entries in prop::collection::vec((0u64..8, 0u32..40, 0u32..40, 0u32..40), 1..24),
            silent in (0u32..30, 0u32..30, 0u32..30),
        ) {
            let mut masks: Vec<(u64, SatisfactionCounts)> = entries.iter().map(|&(m, p, q, d)| (TEXT_BIT | m, counts(p, q, d))).collect();
            masks.push((0, counts(silent.0, silent.1, silent.2)));
            let level = Level { key: GroupKey { period: None, by: Vec::new() }, kind: RowKind::Group, masks: masks.clone(), quotes: Vec::new() };
            let rows = level_rows(&level, &["a", "b", "c"]);
            let commenters = masks.iter().filter(|(m, _)| m & TEXT_BIT != 0).fold(SatisfactionCounts::default(), |mut acc, (_, c)| {
                acc += *c;
                acc
            });
            let all_nps = nps_counts(&commenters).nps();
            for r in &rows {
                prop_assert_eq!(r.comments, commenters.n);
                if let (Some(impact), Some(m), Some(o), Some(all)) = (r.impact, nps_counts(&r.mentioners).nps(), nps_counts(&r.others).nps(), all_nps) {
                    let share = r.mentioners.nps_w / commenters.nps_w;
                    prop_assert!((share * m + (1.0 - share) * o - all).abs() < 1e-9);
                    prop_assert!((impact - (all - o)).abs() < 1e-9);
                }
            }
            let none = rows.iter().find(|r| r.theme == NO_THEME).unwrap().mentions;
            let some: f64 = masks.iter().filter(|(m, _)| *m > TEXT_BIT).map(|(_, c)| c.n).sum();
            prop_assert_eq!(none + some, commenters.n);
        }
    }
}
