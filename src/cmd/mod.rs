//! Subcommands, one module each, and the set-up they share: config, input, column roles and
//! answer scales are validated into ready-to-run values before any heavy work starts.

pub mod charts;
pub mod clv;
pub mod compare;
pub mod complaints;
pub mod drivers;
pub mod engine;
pub mod index;
pub mod inspect;
pub mod loyalty;
pub mod merge;
pub mod repeat;
pub mod scorecard;
pub mod shell;
pub mod sql;
pub mod survey;
pub mod themes;

use anyhow::Result;

use chrono::NaiveDate;

use crate::cli::values::{self, in_config};
use crate::cli::{DesignArgs, GroupArgs, InputArgs, ScaleArgs, Variance};
use crate::error::{data_err, usage};
use crate::input::clean::{DateOrder, Scale};
use crate::input::config::Config;
use crate::input::frame::{Dataset, ReadOptions};
use crate::input::layout::Export;
use crate::input::roles::{self, list_headers, resolve_group_column, Kind, Role, RoleMap};
use crate::input::source::Source;
use crate::metrics::design::{Design, PsuCounts};
use crate::metrics::grouping::{detect_date_order, GroupKey, Grouping, RowKind};
use crate::metrics::orders::OrderSpec;
use crate::metrics::satisfaction::{SatisfactionSpec, ScoreColumn, NPS_SCALE};
use crate::output::{Cell, Report};
use crate::Io;

/// What a command computed, for the scorecard: the report as shown, its typed rows, the keys of
/// the declared columns its table shows (what the input carries), and the input it read.
pub struct Outcome<R> {
    pub report: Report,
    pub rows: Vec<R>,
    pub shown: Vec<&'static str>,
    pub opened: Opened,
}

impl<R> Outcome<R> {
    /// Whether the table shows the declared column `key`.
    pub fn shows(&self, key: &str) -> bool {
        self.shown.contains(&key)
    }
}

/// An opened input with its config and column roles.
pub struct Opened {
    pub config: Config,
    pub data: Dataset,
    pub roles: RoleMap,
    pub kind: Kind,
}

/// Reads the config named by `--config` (or the defaults).
pub fn load_config(args: &InputArgs) -> Result<Config> {
    match &args.config {
        Some(path) => Config::load(path),
        None => Ok(Config::default()),
    }
}

/// Reads the config, opens the input and assigns the roles of `kind` (`--col` over `[columns]`
/// over recognition). Without a kind, it is detected from the headers (for `inspect`).
pub fn open_input(args: &InputArgs, kind: Option<Kind>, io: &mut Io) -> Result<Opened> {
    Ok(open_checked(args, kind, io, |_| Ok(()))?.0)
}

/// [`open_input`], with `check` first: what the command reads from its flags and the config,
/// checked before any input is opened (stdin is read whole, a large file takes seconds).
pub fn open_checked<T>(args: &InputArgs, kind: Option<Kind>, io: &mut Io, check: impl FnOnce(&Config) -> Result<T>) -> Result<(Opened, T)> {
    let config = load_config(args)?;
    let checked = check(&config)?;
    if let Some(kind) = kind {
        for text in &args.columns {
            roles::parse_mapping(text, kind.roles())?;
        }
    }
    if args.file.is_none() && io.stdin_is_terminal {
        return Err(usage("no input: name a FILE (or `-` for stdin), or pipe one in"));
    }
    let source = SourceOptions::of(args);
    let size =
        std::fs::metadata(args.path()).ok().filter(|m| m.is_file()).map_or(String::new(), |m| format!(" ({:.1} MB)", m.len() as f64 / 1e6));
    io.progress(&format!("reading and computing {}{size}", Source::from_arg(args.path()).name()));
    let (data, roles, kind) = open_dataset(args.path(), &source, &config, kind, io)?;
    Ok((Opened { config, data, roles, kind }, checked))
}

/// How to decode a file and map its columns (`--col ROLE=HEADER` entries).
pub struct SourceOptions<'a> {
    pub read: ReadOptions<'a>,
    pub columns: &'a [String],
}

impl<'a> SourceOptions<'a> {
    /// The options of the main input.
    pub fn of(args: &'a InputArgs) -> SourceOptions<'a> {
        SourceOptions {
            read: ReadOptions {
                encoding: args.encoding,
                delimiter: args.delimiter,
                skip_lines: args.skip_rows,
                export: args.source,
                header_rows: if args.no_header { Some(0) } else { args.header_rows },
                decimal_comma: args.decimal_comma,
                keep_all: args.keep_all,
                sheet: args.sheet.as_deref(),
                streaming: args.streaming,
            },
            columns: &args.columns,
        }
    }
}

/// Opens `file` for an export of `kind`, with `[columns]` and `source.columns` mappings.
pub fn open_dataset(
    file: &std::path::Path,
    source: &SourceOptions,
    config: &Config,
    kind: Option<Kind>,
    io: &mut Io,
) -> Result<(Dataset, RoleMap, Kind)> {
    let args = source;
    let data = Dataset::open(&Source::from_arg(file), &args.read)?;
    for warning in &data.warnings {
        io.warn(warning);
    }
    // A survey platform's export is a survey, whatever its other columns look like.
    let kind = kind.unwrap_or_else(|| match data.export {
        Export::Plain => Kind::detect(&data.headers),
        _ => Kind::Responses,
    });
    let mut mappings = config.mappings();
    for text in args.columns {
        mappings.push(roles::parse_mapping(text, kind.roles())?);
    }
    let mut roles = roles::resolve(&data.headers, &data.aliases(), &mappings, kind.roles())?;
    let questions: Vec<(String, String)> = data
        .headers
        .iter()
        .zip(&data.info)
        .map(|(h, i)| (h.clone(), roles::free_text_question(i.question.as_deref().unwrap_or(h), i.import_id.as_deref())))
        .collect();
    roles.recognise_by_question(&questions, kind.roles());
    // Several columns asking for a score the headers did not name (a matrix question): none is
    // taken, and the run says so, naming this file's columns.
    for (role, candidates) in roles.ambiguous(&questions, kind.roles()) {
        let shown: Vec<String> = candidates.iter().take(5).map(|c| format!("'{c}'")).collect();
        io.warn(&format!(
            "{}: {} columns ask for {} ({}{}: a matrix question?), so none of them is taken as {}: map one with --col {}=\"{}\"",
            data.name,
            candidates.len(),
            role.name().to_uppercase(),
            shown.join(", "),
            if candidates.len() > 5 { ", …" } else { "" },
            role.name().to_uppercase(),
            role.name(),
            candidates[0]
        ));
    }
    Ok((data, roles, kind))
}

/// The caption line of a run with `--fold-case`.
pub const FOLDED: &str = "keys trimmed and lower-cased (--fold-case): values that differ only in case or spaces are one group";

/// The answer scales: flags over config defaults over built-in ones, checked.
#[derive(Debug, Clone, Copy)]
pub struct Scales {
    pub csat: Scale,
    /// The lowest CSAT score that counts as satisfied (the top boxes).
    pub csat_top_min: i64,
    /// 0–10, or 1–10.
    pub nps: Scale,
    pub ces: Scale,
    /// The lowest CES score that counts as easy.
    pub ces_easy_min: i64,
}

/// The scales of `--csat-scale`, `--csat-top`, `--ces-scale` and `--ces-easy` (or the config's
/// `[survey]`), checked against each other.
pub fn scales(flags: &ScaleArgs, config: &Config) -> Result<Scales> {
    let defaults = &config.survey;
    let scale = |flag: Option<Scale>, text: &Option<String>, setting: &str, default: Scale| match (flag, text) {
        (Some(s), _) => Ok(s),
        (None, Some(t)) => in_config(values::scale, setting, t),
        (None, None) => Ok(default),
    };
    let csat = scale(flags.csat_scale, &defaults.csat_scale, "[survey] csat_scale", Scale { low: 1, high: 5 })?;
    let ces = scale(flags.ces_scale, &defaults.ces_scale, "[survey] ces_scale", Scale { low: 1, high: 7 })?;
    let nps = match (flags.nps_scale, &defaults.nps_scale) {
        (Some(s), _) => s,
        (None, Some(t)) => in_config(values::nps_scale, "[survey] nps_scale", t)?,
        (None, None) => NPS_SCALE,
    };
    let top = flags.csat_top.or(defaults.csat_top).unwrap_or(2);
    if top == 0 || i64::from(top) >= csat.points() {
        return Err(usage(format!("--csat-top must be between 1 and {} for a {csat} scale; got {top}", csat.points() - 1)));
    }
    // "Easy" = above the scale's midpoint: 5–7 on 1–7, 4–5 on 1–5.
    let midpoint_up = (ces.low + ces.high) / 2 + 1;
    let ces_easy_min = flags.ces_easy.or(defaults.ces_easy).unwrap_or(midpoint_up);
    if ces_easy_min <= ces.low || ces_easy_min > ces.high {
        return Err(usage(format!("--ces-easy must be a score within {ces} above its lowest point; got {ces_easy_min}")));
    }
    Ok(Scales { csat, csat_top_min: csat.high - i64::from(top) + 1, nps, ces, ces_easy_min })
}

/// The share of a score column's answers (in %) that may be invalid before the run stops:
/// `--max-invalid`, else the config's `[survey] max_invalid`, checked, else 10.
pub fn max_invalid(flag: Option<f64>, config: &Config) -> Result<f64> {
    match (flag, config.survey.max_invalid) {
        (Some(p), _) => Ok(p),
        (None, Some(p)) if !(0.0..=100.0).contains(&p) => {
            Err(usage(format!("config [survey] max_invalid must be a percentage from 0 to 100; got {p}")))
        }
        (None, p) => Ok(p.unwrap_or(10.0)),
    }
}

/// The scoring of CSAT, NPS and CES with these scales, on the columns the input has.
pub fn satisfaction_spec(scales: &Scales, input: &InputArgs, opened: &Opened) -> SatisfactionSpec {
    let defaults = &opened.config.survey;
    let column = |role: Role, scale: Scale| opened.roles.get(role).map(|h| ScoreColumn { header: h.to_string(), scale });
    SatisfactionSpec {
        csat: column(Role::Csat, scales.csat),
        csat_top_min: scales.csat_top_min,
        nps: column(Role::Nps, scales.nps),
        ces: column(Role::Ces, scales.ces),
        ces_easy_min: scales.ces_easy_min,
        designation: opened.roles.get(Role::Designation).map(str::to_string),
        weight: None,
        weight_comma: false,
        labels: opened.config.labels.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        numbers_only: false,
        na_values: input.na_values.clone().or_else(|| defaults.na_values.clone()).unwrap_or_default(),
    }
}

/// The columns of an orders file: the order date always, the customer id when `need_customer`;
/// a missing one is an error telling how to map it with `flag` (`--col` or `--orders-col`).
pub fn order_spec(data: &Dataset, roles: &RoleMap, flag: &str, need_customer: bool) -> Result<OrderSpec> {
    let missing = |what: &str, role: &str| {
        data_err(format!(
            "{}: no {what} column found; headers found: {}. Map one with {flag} {role}=HEADER",
            data.name,
            list_headers(&data.headers)
        ))
    };
    let customer = roles.get(Role::Customer).map(str::to_string);
    if need_customer && customer.is_none() {
        return Err(missing("customer", "customer"));
    }
    Ok(OrderSpec {
        order: roles.get(Role::Order).map(str::to_string),
        customer,
        ordered: roles.get(Role::Ordered).ok_or_else(|| missing("order date", "ordered"))?.to_string(),
        amount_comma: roles.get(Role::Amount).map(|h| data.decimal_comma(h)).transpose()?.unwrap_or(false),
        date_order: None,
        amount: roles.get(Role::Amount).map(str::to_string),
        by: None,
    })
}

/// The header named by `--weight` (found like a `--by` column).
pub fn weight_column(opened: &Opened, name: Option<&str>) -> Result<Option<String>> {
    name.map(|n| resolve_group_column_of(opened, n, "--weight")).transpose()
}

/// Sets the spec's weight column (`--weight NAME`), and whether it is written with a decimal comma.
pub fn set_weight(spec: &mut SatisfactionSpec, opened: &Opened, name: Option<&str>) -> Result<()> {
    spec.weight = weight_column(opened, name)?;
    spec.weight_comma = spec.weight.as_deref().map(|h| opened.data.decimal_comma(h)).transpose()?.unwrap_or(false);
    Ok(())
}

/// The survey design of `--strata`, `--cluster` and `--variance`: Taylor linearisation by default
/// when the run is weighted or has strata or clusters; `None` for Kish's effective sizes (or an
/// unweighted run without a design).
pub fn design_of(args: &DesignArgs, opened: &Opened, weighted: bool) -> Result<Option<Design>> {
    let column = |name: &Option<String>, flag| name.as_deref().map(|n| resolve_group_column_of(opened, n, flag)).transpose();
    let design = Design { strata: column(&args.strata, "--strata")?, cluster: column(&args.cluster, "--cluster")? };
    let drawn = design.strata.is_some() || design.cluster.is_some();
    match args.variance {
        Some(Variance::Kish) if drawn => Err(usage(
            "--variance kish takes no --strata or --cluster: Kish's effective size knows only the weights. Leave out --variance for \
             Taylor linearisation of the design",
        )),
        Some(Variance::Kish) => Ok(None),
        Some(Variance::Taylor) => Ok(Some(design)),
        None => Ok((weighted || drawn).then_some(design)),
    }
}

/// The PSUs per stratum of a survey design, after checking that every response in it has a
/// stratum and a cluster and that every stratum has two PSUs or more (exit 65 otherwise).
pub fn checked_design(opened: &Opened, spec: &SatisfactionSpec, grouping: &Grouping, design: &Design) -> Result<PsuCounts> {
    let data = &opened.data;
    let flags: Vec<String> = [("--strata", &design.strata), ("--cluster", &design.cluster)]
        .into_iter()
        .filter_map(|(flag, c)| c.as_ref().map(|c| format!("{flag} '{c}'")))
        .collect();
    let (counts, blank) = design.psu_counts(data, spec, grouping)?;
    if blank > 0 {
        let rows = design.blank_keys(data, spec, grouping, 5)?;
        let rows: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
        return Err(data_err(format!(
            "{}: {blank} response{} no value in {} (rows {}{}): every response of a design needs its stratum and cluster. \
             Fill them in, or leave those rows out of the file",
            data.name,
            if blank == 1 { " has" } else { "s have" },
            flags.join(" or "),
            rows.join(", "),
            if blank > rows.len() as u64 { ", …" } else { "" }
        )));
    }
    if let Some((stratum, (_, example))) = counts.iter().find(|(_, (n, _))| *n < 2.0) {
        let what = match &design.cluster {
            Some(c) => format!("one cluster ('{example}' in '{c}')"),
            None => format!("one response (row {example})"),
        };
        let which = match &design.strata {
            Some(s) => format!("stratum '{stratum}' of '{s}'"),
            None => "the sample".to_string(),
        };
        return Err(data_err(format!(
            "{}: {which} has {what}: a variance cannot be estimated from one primary sampling unit. Merge the stratum with a \
             similar one in the data, or use --variance kish (weights only)",
            data.name
        )));
    }
    Ok(counts.into_iter().map(|(stratum, (n, _))| (stratum, n)).collect())
}

/// Checks `--from` against `--to` (before any input is opened).
pub fn check_dates(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<()> {
    match (from, to) {
        (Some(f), Some(t)) if f > t => Err(usage(format!("--from {f} is after --to {t}"))),
        _ => Ok(()),
    }
}

/// The grouping of `--by`, `--period`, `--from` and `--to`, with `date_role` as the date column.
pub fn grouping_for(args: &GroupArgs, opened: &Opened, date_role: Role) -> Result<Grouping> {
    grouping_with(args, opened, date_role, false)
}

/// [`grouping_for`] for a command that reads its dates with the quick readers first: the order of
/// year-last dates is left pending (see `Grouping::order_pending`) unless `--date-order` is given.
pub fn grouping_quick_first(args: &GroupArgs, opened: &Opened, date_role: Role) -> Result<Grouping> {
    grouping_with(args, opened, date_role, true)
}

fn grouping_with(args: &GroupArgs, opened: &Opened, date_role: Role, defer_order: bool) -> Result<Grouping> {
    let headers = &opened.data.headers;
    check_dates(args.from, args.to)?;
    let mut grouping = Grouping { period: args.period, from: args.from, to: args.to, fold_case: args.fold_case, ..Default::default() };
    if grouping.uses_date() {
        let Some(date) = opened.roles.get(date_role) else {
            return Err(data_err(format!(
                "{}: --period/--from/--to need a date column ({date_role}) and none was found; headers found: {}. \
                 Map one with --col {date_role}=HEADER",
                opened.data.name,
                list_headers(headers)
            )));
        };
        grouping.date = Some(date.to_string());
        if defer_order && args.date_order.is_none() {
            grouping.order_pending = true;
        } else {
            grouping.date_order = date_order(&opened.data, date, args.date_order)?;
        }
    }
    for name in &args.by {
        grouping.by.push(resolve_group_column(headers, &opened.roles, name, "--by")?);
    }
    Ok(grouping)
}

/// How the date column's year-last dates (`10/03/2026`) are read: `--date-order`, else from the
/// values ([`detect_date_order`]).
pub fn date_order(data: &Dataset, column: &str, flag: Option<DateOrder>) -> Result<Option<DateOrder>> {
    match flag {
        Some(_) => Ok(flag),
        None => detect_date_order(data, column),
    }
}

/// A grouping column named by a flag (`--segments`): a role name or a header.
pub fn resolve_group_column_of(opened: &Opened, name: &str, flag: &str) -> Result<String> {
    resolve_group_column(&opened.data.headers, &opened.roles, name, flag)
}

const TOTAL: &str = "Total";
const BLANK: &str = "(blank)";

/// The label cells of a row: period and `--by` values, with "Total" on total rows.
pub fn key_cells(key: &GroupKey, kind: RowKind, grouping: &Grouping) -> Vec<Cell> {
    let mut cells = Vec::new();
    if grouping.period.is_some() {
        cells.push(Cell::Text(match kind {
            RowKind::Total => TOTAL.to_string(),
            _ => key.period.clone().unwrap_or_else(|| BLANK.to_string()),
        }));
    }
    for value in &key.by {
        cells.push(Cell::Text(match kind {
            RowKind::Group => value.clone().unwrap_or_else(|| BLANK.to_string()),
            _ => TOTAL.to_string(),
        }));
    }
    cells
}

/// The label columns: `period` and the `--by` headers.
pub fn key_columns(grouping: &Grouping) -> Vec<String> {
    let mut columns = Vec::new();
    if grouping.period.is_some() {
        columns.push("period".to_string());
    }
    columns.extend(grouping.by.iter().cloned());
    columns
}

/// The note of a row with fewer than `min_n` rows: "low base (n < 30)", else empty.
pub fn low_base_note(n: f64, min_n: u64) -> Cell {
    Cell::Text(if (n as u64) < min_n { format!("low base (n < {min_n})") } else { String::new() })
}

/// The confidence level: the flag (checked when parsed), else the config's `setting`, checked,
/// else 0.95.
pub fn confidence_level(flag: Option<f64>, config: Option<f64>, setting: &str) -> Result<f64> {
    match (flag, config) {
        (Some(c), _) => Ok(c),
        (None, Some(c)) if !(c > 0.0 && c < 1.0) => Err(usage(format!("config {setting} must be between 0 and 1 (e.g. 0.95); got {c}"))),
        (None, c) => Ok(c.unwrap_or(0.95)),
    }
}

/// Headers matching a pattern with `*` (any run of characters) and `?` (one character); `flag`
/// names the option in messages.
pub fn matching<'a>(headers: &'a [String], pattern: &str, flag: &str) -> Result<Vec<&'a String>> {
    if !pattern.contains(['*', '?']) {
        return Ok(headers.iter().filter(|h| h.trim() == pattern.trim()).collect());
    }
    let mut re = String::from("^");
    for c in pattern.trim().chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    let re = regex::Regex::new(&re).map_err(|e| usage(format!("{flag} '{pattern}': {e}")))?;
    Ok(headers.iter().filter(|h| re.is_match(h)).collect())
}

/// The first rows with a problem, quoted for a message: `row 12: 'abc', row 15: 'x'`, with `, …`
/// when there are more than the `count` shown.
pub fn quote_rows(examples: &[(u64, String)], count: u64) -> String {
    let quoted: Vec<String> = examples.iter().map(|(row, value)| format!("row {row}: '{}'", crate::error::printable(value))).collect();
    let more = if count > examples.len() as u64 { ", …" } else { "" };
    format!("{}{more}", quoted.join(", "))
}

/// Reports problems found in the data: warnings, or under `--strict` one error (exit 65).
pub fn report_problems(messages: &[String], strict: bool, io: &mut Io) -> Result<()> {
    if messages.is_empty() {
        return Ok(());
    }
    if strict {
        return Err(data_err(format!("invalid values (--strict):\n  {}", messages.join("\n  "))));
    }
    for m in messages {
        io.warn(m);
    }
    Ok(())
}
