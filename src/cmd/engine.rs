//! What the commands' `cxstat sql` parts share: the query and its plan's contents, the columns
//! a query is written for (a sample FILE, `--columns`, or the data contract's), and the refusals
//! of what a SQL engine cannot read as cxstat reads it. `cmd::sql` runs them.

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::{ChartArgs, InputArgs, OutputArgs, SqlOptions};
use crate::error::{data_err, usage};
use crate::input::frame::Dataset;

/// What a command's query is, for printing and for its plan.
pub struct Query<S> {
    pub command: &'static str,
    pub dialect: crate::sql::Dialect,
    pub tables: Vec<String>,
    pub sql: String,
    pub columns: Vec<String>,
    pub settings: S,
    pub max_invalid: Option<f64>,
    pub strict: bool,
    /// Roles whose column was taken by its name alone (see `SqlPlan::guessed`).
    pub guessed: Vec<String>,
}

/// The data contract's columns of each kind (`shared/DATA-CONTRACT.md`), where the roles are
/// looked for when neither a sample FILE nor `--columns` names the table's.
pub const SURVEY_COLUMNS: &[&str] =
    &["response_id", "customer_id", "submitted_at", "channel", "segment", "region", "csat", "nps", "ces", "comment"];
pub const COMPLAINT_COLUMNS: &[&str] = &[
    "complaint_id",
    "customer_id",
    "order_id",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "category",
    "severity",
    "channel",
    "status",
    "reopened",
    "first_contact_resolution",
];
pub const ORDER_COLUMNS: &[&str] = &["order_id", "customer_id", "ordered_at", "amount", "channel"];

/// The input a `cxstat sql` command reads its columns from: the sample FILE when given, else a
/// header-only file of `--columns` (or of `contract`), kept until the query is made.
pub struct SampleInput {
    pub args: InputArgs,
    _dir: Option<tempfile::TempDir>,
    /// What the header-only file stands for, in messages.
    stands_for: Option<(String, &'static str)>,
}

impl SampleInput {
    /// `e` with the header-only file's path, where a message names it, replaced by what it stands
    /// for ("the table's columns (--columns)").
    pub fn named(&self, e: anyhow::Error) -> anyhow::Error {
        let Some((path, what)) = &self.stands_for else { return e };
        match e.downcast::<crate::error::CxError>() {
            Ok(mut cx) => {
                cx.message = cx.message.replace(path.as_str(), what);
                if cx.message.contains("headers found") {
                    cx.message.push_str(&format!(" (the headers are {what}: name the table's with --columns, or give a sample FILE)"));
                }
                cx.into()
            }
            Err(e) => e,
        }
    }
}

pub fn sample_input(input: &InputArgs, sql: &SqlOptions, contract: &[&str]) -> Result<SampleInput> {
    if input.file.is_some() {
        if !sql.table_columns.is_empty() {
            return Err(usage("--columns names the table's columns when there is no sample FILE; give one or the other"));
        }
        return Ok(SampleInput { args: input.clone(), _dir: None, stands_for: None });
    }
    let columns: Vec<String> = if sql.table_columns.is_empty() {
        // The contract's names, and the headers that `--col ROLE=HEADER` names.
        let mut columns: Vec<String> = contract.iter().map(|c| c.to_string()).collect();
        for mapped in input.columns.iter().filter_map(|m| m.split_once('=')).map(|(_, h)| h.trim().to_string()) {
            if !columns.contains(&mapped) {
                columns.push(mapped);
            }
        }
        columns
    } else {
        sql.table_columns.iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect()
    };
    let dir = tempfile::tempdir()?;
    let path: PathBuf = dir.path().join("columns.csv");
    let mut writer = csv::Writer::from_path(&path)?;
    writer.write_record(&columns)?;
    writer.flush()?;
    let what = if sql.table_columns.is_empty() {
        "the data contract's columns (no sample FILE or --columns)"
    } else {
        "the table's columns (--columns)"
    };
    let stands_for = Some((path.display().to_string(), what));
    Ok(SampleInput { args: InputArgs { file: Some(path), ..input.clone() }, _dir: Some(dir), stands_for })
}

/// The options of a local run that no query carries, as given.
pub struct LocalOnly {
    pub chart: bool,
    pub partials: bool,
    pub format: bool,
    pub date_order: bool,
    pub decimal_comma: bool,
}

impl LocalOnly {
    /// From a command's chart, partials, output, date-order and input options.
    pub fn of(chart: &ChartArgs, partials: &Option<PathBuf>, output: &OutputArgs, date_order: bool, input: &InputArgs) -> LocalOnly {
        LocalOnly {
            chart: chart.chart.is_some(),
            partials: partials.is_some(),
            format: output.format.is_some(),
            date_order,
            decimal_comma: input.decimal_comma,
        }
    }
}

/// Refuses the options of a local run that a query cannot carry: those of every command, then
/// the command's own `(given, flag, why)`.
pub fn refuse_options(local: LocalOnly, own: &[(bool, &str, &str)]) -> Result<()> {
    let every = [
        (local.chart, "--chart", "draw the chart from a local run, or from the merged table's CSV"),
        (local.partials, "--emit-partials", "the engine's result takes the place of partial results: write the plan with --emit-plan"),
        (local.format, "--format", "it prints SQL; cxstat merge PLAN RESULT takes --format"),
        (local.date_order, "--date-order", ISO_ONLY),
        (local.decimal_comma, "--decimal-comma", DECIMAL_POINT),
    ];
    match every.iter().chain(own).find(|o| o.0) {
        Some((_, flag, why)) => Err(usage(format!("cxstat sql takes no {flag}: {why}"))),
        None => Ok(()),
    }
}

/// Why `--date-order` and year-last dates are refused.
pub const ISO_ONLY: &str = "the query reads ISO dates (2026-10-03) only: make a view that converts them in the engine \
                            (to_date(col, 'dd/MM/yyyy') in Spark, strptime(col, '%d/%m/%Y') in DuckDB) and query the view";

/// Why decimal commas are refused.
pub const DECIMAL_POINT: &str =
    "the query reads numbers written with a decimal point; convert them in the engine (replace(col, ',', '.') in a view)";

/// Refuses a sample that is not UTF-8: an engine's CSV reader would have garbled the table's text.
pub fn check_encoding(data: &Dataset) -> Result<()> {
    match data.layout.encoding().filter(|e| !e.eq_ignore_ascii_case("utf-8")) {
        Some(encoding) => Err(data_err(format!(
            "{}: the sample is {encoding} text. Spark's and DuckDB's CSV readers read UTF-8, so a table loaded from such files holds \
             garbled text (Chinese headers and categories too): convert the files (iconv -f {encoding} -t UTF-8) or load them with the \
             engine's encoding option (Spark: .option(\"encoding\", \"{encoding}\")), and export the sample again",
            data.name
        ))),
        None => Ok(()),
    }
}

/// Refuses a sample whose dates in `column` only cxstat's own reader reads (year-last dates,
/// `2026/10/03`, `2026年10月3日`): the query would leave those rows out as undated.
pub fn refuse_local_dates(data: &Dataset, column: &str) -> Result<()> {
    match crate::metrics::satisfaction::dates_read_only_locally(data, column)? {
        Some((count, examples)) => Err(data_err(format!(
            "{}: column '{column}': {count} date{} that SQL cannot read as cxstat does ({}): {ISO_ONLY}",
            data.name,
            if count == 1 { "" } else { "s" },
            examples.iter().map(|e| format!("'{}'", crate::error::printable(e))).collect::<Vec<_>>().join(", ")
        ))),
        None => Ok(()),
    }
}

/// Refuses a sample whose timestamps in `column` only cxstat's own reader reads (year-last
/// dates, one-digit hours, `2026/10/03 9:05`): the query would leave those rows without times.
pub fn refuse_local_timestamps(data: &Dataset, column: &str) -> Result<()> {
    match crate::metrics::complaints::timestamps_read_only_locally(data, column)? {
        Some((count, examples)) => Err(data_err(format!(
            "{}: column '{column}': {count} timestamp{} that SQL cannot read as cxstat does ({}): the query reads 2026-10-03 09:05:00 \
             (or T, seconds optional) and days alone; convert others in the engine (to_timestamp(col, 'dd/MM/yyyy HH:mm') in Spark, \
             strptime in DuckDB) into a view and query the view",
            data.name,
            if count == 1 { "" } else { "s" },
            examples.iter().map(|e| format!("'{}'", crate::error::printable(e))).collect::<Vec<_>>().join(", ")
        ))),
        None => Ok(()),
    }
}

/// What a command made of an engine's result (`cxstat merge PLAN RESULT`, the scorecard's
/// `--sql-results`): the report, its typed rows, and the keys of the declared columns it shows.
pub struct SqlOutcome<R> {
    pub report: crate::output::Report,
    pub rows: Vec<R>,
    pub shown: Vec<&'static str>,
}

impl<R> SqlOutcome<R> {
    /// Whether the table shows the declared column `key`.
    pub fn shows(&self, key: &str) -> bool {
        self.shown.contains(&key)
    }
}
