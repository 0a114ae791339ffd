//! The command-line interface: clap derive definitions only, no behaviour.

use std::path::{Path, PathBuf};

pub mod values;

use chrono::{NaiveDate, NaiveDateTime};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::input::clean::Scale;
use crate::input::source::Delimiter;

use crate::metrics::period::Period;
use crate::output::Format;
use crate::stats::intervals::NpsMethod;
use crate::stats::significance::Adjust;

/// Exit codes, as every command but the scorecard uses them.
macro_rules! exit_codes {
    () => {
        "Exit codes:
  0   success (a closed stdout pipe, as in `| head`, counts as success)
  1   the run failed
  2   usage or configuration error
  65  bad data: invalid values under --strict, or nothing valid to compute
  66  an input file is missing or unreadable
  74  an output file could not be written"
    };
}

/// A command's help ends with real examples on the bundled data, then the exit codes.
macro_rules! examples {
    ($($line:literal),+ $(,)?) => {
        concat!("Examples:\n", $("  ", $line, "\n",)+ "\n", exit_codes!())
    };
}

const TOP_HELP: &str = "\
Examples:
  cxstat survey examples/data/responses.csv --by segment
  cxstat inspect examples/data/responses.csv
  cxstat scorecard --responses examples/data/responses.csv --month 2026-10 \\
    --out reports

Exit codes:
  0   success (a closed stdout pipe, as in `| head`, counts as success)
  1   the run failed
  2   usage or configuration error
  3   scorecard only: an alert fired (--fail-under / --fail-over)
  65  bad data: invalid values under --strict, or nothing valid to compute
  66  an input file is missing or unreadable
  74  an output file could not be written";

const SCORECARD_HELP: &str = "\
Examples:
  cxstat scorecard --responses examples/data/responses.csv --month 2026-10 \\
    --out reports
  cxstat scorecard --responses examples/data/responses.csv --month 2026-10 \\
    --complaints examples/data/complaints.csv \\
    --orders examples/data/orders.csv --out reports --fail-under nps=30

Exit codes:
  0   success
  1   the run failed
  2   usage or configuration error
  3   an alert fired (--fail-under / --fail-over): the report is written, one line per breach on stderr
  65  bad data
  66  an input file is missing or unreadable
  74  the report could not be written";

/// Customer-satisfaction analytics: CSAT, NPS and CES with confidence intervals.
#[derive(Debug, Parser)]
#[command(name = "cxstat", version, about, after_help = TOP_HELP)]
pub struct Cli {
    /// Print nothing on stderr but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// Colour in the terminal table (totals bold, low-base rows dim, significant changes green or
    /// red): auto = on a terminal unless NO_COLOR is set; never in CSV, JSON, Markdown or a file.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

/// Per subcommand that draws charts: the chart types it can draw and the help of its
/// --chart-metric.
const CHARTS: &[(&str, &[ChartType], &str, &str)] = &[
    (
        "survey",
        &[ChartType::Trend, ChartType::Nps, ChartType::Distribution],
        "Which chart [default: trend with --period, else nps].",
        "The metric of a trend or distribution: csat, nps or ces.",
    ),
    (
        "complaints",
        &[ChartType::Trend, ChartType::Pareto],
        "Which chart [default: pareto with --pareto, else trend].",
        "The metric of a trend: resolved, fcr, reopen, timely, response, resolve, sla-response, sla-resolve or per-1000-orders.",
    ),
    (
        "repeat",
        &[ChartType::Trend, ChartType::Cohorts],
        "Which chart [default: cohorts with --cohorts, else trend].",
        "The metric of a trend: repeat, return, churn or window.",
    ),
];

/// The command line as it is parsed: the derived one, with each subcommand's chart options
/// narrowed to the charts that subcommand draws (its help lists only those).
pub fn command() -> clap::Command {
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    use clap::CommandFactory;
    let mut cli = Cli::command();
    for &(name, types, type_help, metric_help) in CHARTS {
        cli = cli.mut_subcommand(name, |sub| {
            let values: Vec<clap::builder::PossibleValue> = types.iter().filter_map(ValueEnum::to_possible_value).collect();
            let parser = PossibleValuesParser::new(values).try_map(|s: String| ChartType::from_str(&s, true));
            sub.mut_arg("chart_type", |a| a.value_parser(parser).help(type_help)).mut_arg("chart_metric", |a| a.help(metric_help))
        });
    }
    cli
}

/// Parses a command line (the program's name first) as [`command`] defines it.
pub fn try_parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::FromArgMatches;
    let mut matches = command().try_get_matches_from(args)?;
    Cli::from_arg_matches_mut(&mut matches)
}

/// When to colour the terminal table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour a table on stdout: `always`; `auto` on a terminal that is not `dumb`
    /// when `NO_COLOR` is unset or empty (no-color.org); never otherwise.
    pub fn colors(self, stdout_is_terminal: bool, no_color: Option<&std::ffi::OsStr>, term: Option<&std::ffi::OsStr>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => stdout_is_terminal && no_color.is_none_or(|v| v.is_empty()) && term.is_none_or(|t| t != "dumb"),
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Satisfaction metrics (CSAT, NPS, CES) per group from a survey responses export.
    #[command(after_help = examples!("cxstat survey examples/data/responses.csv --by segment", "cxstat survey examples/data/responses.csv --period quarter \\\n    --from 2025-10-01 --format markdown", "cxstat survey examples/data/responses.csv --by segment --chart nps.svg \\\n    -o by_segment.xlsx"))]
    Survey(SurveyArgs),
    /// Complaint handling KPIs per group: backlog, resolution, FCR, reopen, response and resolution
    /// times, SLA compliance, complaints per 1,000 orders; also --funnel and --pareto.
    #[command(after_help = examples!("cxstat complaints examples/data/complaints.csv --period quarter \\\n    --orders examples/data/orders.csv", "cxstat complaints examples/data/complaints.csv --pareto category \\\n    --chart causes.png", "cxstat complaints examples/data/complaints.csv --funnel"))]
    Complaints(ComplaintsArgs),
    /// Repeat-purchase and loyalty indices per period from an orders export: repeat, return and churn
    /// rates; also --window, --cohorts and --rfm.
    #[command(after_help = examples!("cxstat repeat examples/data/orders.csv --as-of 2026-10-31 --window 90d", "cxstat repeat examples/data/orders.csv --cohorts --chart cohorts.png", "cxstat repeat examples/data/orders.csv --rfm --customers rfm.csv"))]
    Repeat(RepeatArgs),
    /// The monthly (or quarterly) scorecard: headline KPIs with changes, breakdowns, charts and alerts,
    /// written as Markdown, HTML, CSV and JSON into OUT/PERIOD/ (replaced atomically).
    #[command(after_help = SCORECARD_HELP)]
    Scorecard(ScorecardArgs),
    /// Is a change real? The latest period against the one before (or a year before), or each
    /// segment against the rest: differences with intervals, test statistics and p-values.
    #[command(after_help = examples!("cxstat compare examples/data/responses.csv", "cxstat compare examples/data/responses.csv --segments segment \\\n    --from 2026-07-01"))]
    Compare(CompareArgs),
    /// What drives satisfaction? Key-driver analysis of rating questions against CSAT, NPS or CES:
    /// means, Pearson and Spearman correlations, Johnson's relative weights, importance–performance quadrants.
    #[command(after_help = examples!("cxstat drivers examples/data/responses.csv --drivers 'q_*'", "cxstat drivers examples/data/responses.csv --drivers 'q_*' --target nps \\\n    --chart drivers.png"))]
    Drivers(DriversArgs),
    /// Does satisfaction bring customers back? Promoters, passives and detractors (and CSAT boxes):
    /// the share who ordered again within a window after their survey, orders and revenue per customer.
    #[command(after_help = examples!("cxstat loyalty --responses examples/data/responses.csv \\\n    --orders examples/data/orders.csv", "cxstat loyalty --responses examples/data/responses.csv \\\n    --orders examples/data/orders.csv --window 90 --format json"))]
    Loyalty(LoyaltyArgs),
    /// Multi-item scales: a 0–100 satisfaction index per construct with its interval, Cronbach's α
    /// with Feldt's interval, each item's item-rest correlation and α if dropped; --servqual for
    /// the service-quality gaps (perceived − expected) of the SERVQUAL dimensions.
    #[command(after_help = examples!("cxstat index examples/data/responses.csv --items 'q_*' --scale 1-5", "cxstat index examples/data/responses.csv --items 'q_*' --scale 1-5 --items-detail \\\n    --by segment", "cxstat index survey.csv --config cxstat.toml --servqual --chart gaps.png"))]
    Index(IndexArgs),
    /// What do the comments say? Themes (built-in for service and retail, in English and Chinese,
    /// and your own) with their mention share, the NPS, CSAT and CES of those who mention them
    /// against the others, each theme's NPS impact and example quotes; also --terms and --unmatched.
    #[command(after_help = examples!("cxstat themes examples/data/responses.csv", "cxstat themes examples/data/responses.csv --quotes", "cxstat themes examples/data/responses.csv --terms --min-count 20", "cxstat themes examples/data/responses.csv --by segment --chart themes.png"))]
    Themes(ThemesArgs),
    /// Customer lifetime value and churn risk from an orders export: the BG/NBD model of purchases
    /// and the Gamma-Gamma model of spend, fitted by maximum likelihood; P(alive), expected
    /// purchases, CLV, value tiers and the customers at risk.
    #[command(after_help = examples!("cxstat clv examples/data/orders.csv", "cxstat clv examples/data/orders.csv --horizon 26w --discount 8% \\\n    --customers clv.csv", "cxstat clv examples/data/orders.csv --format json"))]
    Clv(ClvArgs),
    /// Show how cxstat reads a file: encoding, delimiter, rows, column roles, types, blanks, invalid values.
    #[command(after_help = examples!("cxstat inspect examples/data/responses.csv", "cxstat inspect fixtures/survey_gbk.csv"))]
    Inspect(InspectArgs),
    /// Combine partial results (written by runs with --emit-partials FILE, one per shard of the
    /// data) into the table of one run over all the shards.
    #[command(after_help = examples!("cxstat survey part1.csv --by segment --emit-partials p1.json > /dev/null", "cxstat survey part2.csv --by segment --emit-partials p2.json > /dev/null", "cxstat merge p1.json p2.json"))]
    Merge(MergeArgs),
    /// SQL for the engine where the data lives (Spark SQL, DuckDB): one query that computes the
    /// sufficient statistics of `survey`, `complaints` or `repeat` per group; `cxstat merge PLAN
    /// RESULT` then prints the command's table from the engine's result.
    #[command(subcommand, after_help = examples!("cxstat sql survey --dialect duckdb --table responses --by segment \\\n    --emit-plan plan.json > survey.sql", "duckdb -c \"COPY ($(cat survey.sql)) TO 'result.csv'\"", "cxstat merge plan.json result.csv"))]
    Sql(SqlCommand),
    /// Print a shell completion script: `cxstat completions bash > ~/.local/share/bash-completion/completions/cxstat`.
    #[command(after_help = "Install:
  bash        cxstat completions bash > ~/.local/share/bash-completion/completions/cxstat
  zsh         cxstat completions zsh > ~/.zfunc/_cxstat   (with fpath+=~/.zfunc before compinit)
  fish        cxstat completions fish > ~/.config/fish/completions/cxstat.fish
  powershell  cxstat completions powershell >> $PROFILE")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `cxstat man > ~/.local/share/man/man1/cxstat.1`.
    Man,
}

/// `cxstat sql COMMAND`: the command whose statistics the query computes, with its options.
#[derive(Debug, Clone, Subcommand)]
pub enum SqlCommand {
    /// CSAT, NPS, CES and designation counts and sums per group (as `cxstat survey`).
    Survey(SqlSurveyArgs),
    /// Complaint counts and exact histograms of response and resolution times per group, and with
    /// --orders-table the orders and distinct ordering customers per period (as `cxstat complaints`).
    Complaints(SqlComplaintsArgs),
    /// Orders, revenue, refunds and active, new, retained and repeat customers per period, counted
    /// by the engine (as `cxstat repeat`).
    Repeat(SqlRepeatArgs),
}

/// What every `cxstat sql` command takes besides the command's own options.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "SQL")]
pub struct SqlOptions {
    /// The SQL dialect of the engine.
    #[arg(long, value_enum)]
    pub dialect: crate::sql::Dialect,

    /// The table (or view) to read, as the engine names it (`db.responses`) [default: responses,
    /// complaints or orders].
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,

    /// The table's columns (comma-separated, as `DESCRIBE` lists them), for finding the roles'
    /// columns when no sample FILE is given [default: the data contract's names].
    #[arg(long = "columns", value_name = "LIST", value_delimiter = ',')]
    pub table_columns: Vec<String>,

    /// Also write the plan (the command, the settings that shape its table, the query) to FILE,
    /// for `cxstat merge FILE RESULT`.
    #[arg(long, value_name = "FILE")]
    pub emit_plan: Option<PathBuf>,
}

/// `cxstat sql survey`: the SQL options, then `cxstat survey`'s. FILE, if given, is a sample of
/// the table (its header names the columns, and its rows are checked for what SQL cannot read).
#[derive(Debug, Clone, Args)]
pub struct SqlSurveyArgs {
    #[command(flatten)]
    pub sql: SqlOptions,
    #[command(flatten)]
    pub command: SurveyArgs,
}

/// `cxstat sql complaints`: the SQL options, then `cxstat complaints`'s.
#[derive(Debug, Clone, Args)]
pub struct SqlComplaintsArgs {
    #[command(flatten)]
    pub sql: SqlOptions,
    /// The orders table for complaints per 1,000 orders (in place of --orders FILE).
    #[arg(long, value_name = "NAME", help_heading = "SQL")]
    pub orders_table: Option<String>,
    #[command(flatten)]
    pub command: ComplaintsArgs,
}

/// `cxstat sql repeat`: the SQL options, then `cxstat repeat`'s.
#[derive(Debug, Clone, Args)]
pub struct SqlRepeatArgs {
    #[command(flatten)]
    pub sql: SqlOptions,
    #[command(flatten)]
    pub command: RepeatArgs,
}

/// Arguments of `cxstat merge`.
#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// Partial results files (JSON, from --emit-partials), of one command run with the same
    /// options; or a plan (from `cxstat sql --emit-plan`) and the engine's result of its query
    /// (CSV with a header, Parquet, or a folder of their parts as Spark writes them).
    #[arg(required = true, value_name = "PARTIALS")]
    pub partials: Vec<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// How to read an input file and map its columns.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Input")]
pub struct InputArgs {
    /// Input file: CSV or TSV (delimiter sniffed), Excel (.xlsx, .xls) or OpenDocument (.ods),
    /// Parquet (.parquet), or `-` for stdin (a workbook or Parquet file there is known by its
    /// first bytes) [default: stdin, when it is not a terminal].
    pub file: Option<PathBuf>,

    /// Field delimiter, overriding the sniffed one: a single character, `tab` or `\t`, or
    /// `whitespace` for space-aligned columns (runs of spaces and tabs; leading ones ignored).
    #[arg(value_parser = values::delimiter, long, value_name = "CHAR")]
    pub delimiter: Option<Delimiter>,

    /// Lines to skip before the header row (e.g. notes above the table).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub skip_rows: usize,

    /// Text encoding, overriding detection: utf-8, gbk, gb18030, big5, utf-16le, …
    #[arg(value_parser = values::encoding, long, value_name = "LABEL")]
    pub encoding: Option<&'static encoding_rs::Encoding>,

    /// Map a column role to a header. Survey roles: csat, nps, ces, date, id, customer, segment,
    /// channel, region, designation, comment. Complaints: id, customer, order, opened, responded, resolved, category,
    /// severity, channel, status, reopened, fcr, timely. Orders: order, customer, ordered, amount, channel.
    #[arg(value_parser = values::mapping, long = "col", value_name = "ROLE=HEADER")]
    pub columns: Vec<String>,

    /// TOML config file: [columns] mappings, defaults in [survey], [complaints], [repeat], targets in
    /// [sla] and [sla.SEVERITY], working time in [calendar], answer labels in [labels], constructs in
    /// [index.NAME] and [servqual.DIMENSION] (index).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Values that mean "not answered", besides blank (comma-separated, e.g. `0,-99,N/A`).
    #[arg(long, value_name = "LIST", value_delimiter = ',', allow_hyphen_values = true)]
    pub na_values: Option<Vec<String>>,

    /// The export's layout [default: detected]: plain, qualtrics (3 header rows), qualtrics-legacy,
    /// surveymonkey (2 header rows), google-forms.
    #[arg(long, value_enum, value_name = "SOURCE")]
    pub source: Option<crate::input::layout::Export>,

    /// Header rows: the first names the columns, the others are skipped [default: by --source];
    /// 0 is --no-header.
    #[arg(value_parser = values::header_rows, long, value_name = "N")]
    pub header_rows: Option<usize>,

    /// The file has no header row: columns are named 1, 2, … (map them with --col customer=2).
    #[arg(long, conflicts_with_all = ["header_rows", "source"])]
    pub no_header: bool,

    /// Amounts and weights are written with a decimal comma (1,25 and 1.234,50) [default:
    /// detected per column in files not split on commas].
    #[arg(long)]
    pub decimal_comma: bool,

    /// Keep Qualtrics survey previews, tests and spam (by Status / DistributionChannel).
    #[arg(long)]
    pub keep_all: bool,

    /// The sheet of an .xlsx/.xls/.ods file [default: the first].
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// Run on polars' streaming engine: memory bounded by batches, not by the input's size
    /// (for inputs larger than memory). On by itself for inputs above 1 GiB.
    #[arg(long)]
    pub streaming: bool,
}

/// Answer scales.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Scales")]
pub struct ScaleArgs {
    /// CSAT scale as LOW-HIGH [default: 1-5].
    #[arg(value_parser = values::scale, long, value_name = "LOW-HIGH")]
    pub csat_scale: Option<Scale>,

    /// How many top boxes count as satisfied [default: 2, so 4–5 on 1–5].
    #[arg(long, value_name = "BOXES")]
    pub csat_top: Option<u32>,

    /// NPS scale: 0-10, or 1-10 for a likelihood-to-recommend item without a 0 (the bands are
    /// the same: 1–6 detractors, 7–8 passives, 9–10 promoters) [default: 0-10].
    #[arg(value_parser = values::nps_scale, long, value_name = "0-10|1-10")]
    pub nps_scale: Option<Scale>,

    /// CES scale as LOW-HIGH [default: 1-7].
    #[arg(value_parser = values::scale, long, value_name = "LOW-HIGH")]
    pub ces_scale: Option<Scale>,

    /// Lowest CES score that counts as "easy" [default: above the midpoint: 5 on 1–7, 4 on 1–5].
    #[arg(long, value_name = "SCORE")]
    pub ces_easy: Option<i64>,
}

/// How many invalid values a column may have (the commands that report them).
#[derive(Debug, Clone, Args)]
pub struct InvalidArgs {
    /// Stop (exit 65) when more than PCT% of a score column's answers (clv: of the orders'
    /// amounts) are invalid: a metric from the rest would not be a result [default: 10]. Below
    /// it, the invalid values are a warning.
    #[arg(value_parser = values::percent, long, value_name = "PCT", help_heading = "Input")]
    pub max_invalid: Option<f64>,
}

/// What the commands that give intervals share: their level, and how strict to be with the data.
#[derive(Debug, Clone, Args)]
pub struct StatsArgs {
    /// Confidence level of the intervals [default: 0.95].
    #[arg(value_parser = values::confidence, long, value_name = "LEVEL", help_heading = "Statistics")]
    pub confidence: Option<f64>,

    /// Treat the problems found in the data (invalid values; duplicate ids, unknown severities or
    /// statuses) as an error (exit 65) instead of warnings.
    #[arg(long, help_heading = "Input")]
    pub strict: bool,
}

/// Where and how results are written.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format [default: table on a terminal, csv when piped; by extension with -o].
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Write to FILE (atomically: a temporary file renamed into place) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// With -o FILE.csv: text cells that a spreadsheet would run as a formula (starting with =, +,
    /// -, @, a tab or a CR) start with ' instead. CSV on stdout is never changed.
    #[arg(long)]
    pub safe_csv: bool,
}

impl OutputArgs {
    /// Where the result goes.
    pub fn target(&self) -> crate::output::Target<'_> {
        crate::output::Target { path: self.output.as_deref(), safe_csv: self.safe_csv }
    }
}

/// `cxstat scorecard`: every option can also come from the config's `[scorecard]` table.
#[derive(Debug, Clone, Args)]
pub struct ScorecardArgs {
    /// Survey responses export.
    #[arg(long, value_name = "FILE")]
    pub responses: Option<PathBuf>,

    /// Complaints export.
    #[arg(long, value_name = "FILE")]
    pub complaints: Option<PathBuf>,

    /// Orders export (complaint rate, repeat and return rates, sales).
    #[arg(long, value_name = "FILE")]
    pub orders: Option<PathBuf>,

    /// The month to report: YYYY-MM, or `last` (the last complete month before --as-of) [default: last].
    #[arg(value_parser = values::month, long, value_name = "YYYY-MM|last", conflicts_with = "quarter")]
    pub month: Option<values::Chosen>,

    /// A quarterly scorecard instead: YYYY-Qn, or `last`.
    #[arg(value_parser = values::quarter, long, value_name = "YYYY-Qn|last")]
    pub quarter: Option<values::Chosen>,

    /// The day the scorecard is made, for `last` [default: today].
    #[arg(value_parser = values::date, long, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,

    /// Folder for the reports; the scorecard goes into OUT/2026-10/ (or OUT/2026-Q3/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Segment columns of the responses to break the KPIs down by (comma-separated).
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    pub by: Vec<String>,

    /// Granularity of the trend charts [default: the scorecard's: month or quarter].
    #[arg(long, value_enum)]
    pub period: Option<Period>,

    /// Alert when a KPI is below a value: `nps=30,csat=80` (exit 3).
    #[arg(value_parser = values::threshold, long, value_name = "KPI=VALUE", value_delimiter = ',')]
    pub fail_under: Vec<(String, f64)>,

    /// Alert when a KPI is above a value: `complaints_per_1000=5` (exit 3).
    #[arg(value_parser = values::threshold, long, value_name = "KPI=VALUE", value_delimiter = ',')]
    pub fail_over: Vec<(String, f64)>,

    /// Groups with fewer answers than this are flagged as low base [default: 30].
    #[arg(long, value_name = "N")]
    pub min_n: Option<u64>,

    /// TOML config file: [scorecard] inputs, out, segments, fail_under/fail_over tables, plus the
    /// [columns], [survey], [complaints], [sla] and [calendar] settings of the other commands.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Make the scorecard from the results of its queries run in an engine, in place of files:
    /// DIR holds each command's plan (survey.plan.json, complaints.plan.json, repeat.plan.json,
    /// from --emit-sql) and its result beside it (survey.csv, survey.parquet or a survey/ folder
    /// of parts).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["responses", "complaints", "orders", "by"], help_heading = "SQL")]
    pub sql_results: Option<PathBuf>,

    /// Write the scorecard's queries and plans into DIR (survey.sql and survey.plan.json, …) for
    /// an engine to run; their results then make the scorecard with --sql-results DIR.
    #[arg(long, value_name = "DIR", requires = "dialect", conflicts_with_all = ["sql_results", "responses", "complaints", "orders"], help_heading = "SQL")]
    pub emit_sql: Option<PathBuf>,

    /// The SQL dialect of --emit-sql.
    #[arg(long, value_enum, help_heading = "SQL")]
    pub dialect: Option<crate::sql::Dialect>,

    /// The engine's tables for --emit-sql: responses=NAME, complaints=NAME, orders=NAME
    /// (comma-separated) [default: all three, so named].
    #[arg(long, value_name = "KIND=NAME", value_delimiter = ',', help_heading = "SQL")]
    pub sql_table: Vec<String>,
}

/// Drawing a chart beside the table.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Chart")]
pub struct ChartArgs {
    /// Also draw a chart to FILE (.svg or .png, 1200×700), from the same results as the table.
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,

    /// Which chart (each command's help lists its own).
    #[arg(long, value_enum, requires = "chart")]
    pub chart_type: Option<ChartType>,

    /// The metric of a trend or distribution (each command's help lists its own).
    #[arg(long, value_name = "METRIC", requires = "chart")]
    pub chart_metric: Option<String>,
}

/// The kinds of chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChartType {
    /// A metric over periods with its confidence band, one line per group (needs --period).
    Trend,
    /// NPS composition: detractors, passives and promoters stacked per group (survey).
    Nps,
    /// Score distribution: answers per score value (survey).
    Distribution,
    /// Pareto of causes with the cumulative share (complaints --pareto COL).
    Pareto,
    /// Cohort retention heatmap (repeat --cohorts).
    Cohorts,
}

/// Grouping and scope, shared by the commands that report per group.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Grouping")]
pub struct GroupArgs {
    /// Group by these columns (comma-separated headers or roles such as segment).
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    pub by: Vec<String>,

    /// Group by time period of the date column.
    #[arg(long, value_enum)]
    pub period: Option<Period>,

    /// First date to include (inclusive), YYYY-MM-DD.
    #[arg(value_parser = values::date, long, value_name = "DATE")]
    pub from: Option<NaiveDate>,

    /// Last date to include (inclusive), YYYY-MM-DD.
    #[arg(value_parser = values::date, long, value_name = "DATE")]
    pub to: Option<NaiveDate>,

    /// Dates written with the year last (10/03/2026): month first (mdy) or day first (dmy)
    /// [default: from the values (a part above 12 decides), else month first].
    #[arg(long, value_enum, value_name = "ORDER")]
    pub date_order: Option<crate::input::clean::DateOrder>,

    /// Leave out the total rows.
    #[arg(long)]
    pub no_total: bool,

    /// Trim and lower-case the --by keys (and complaints' Pareto causes), so that `Comcast` and
    /// `comcast ` are one group; the caption says so.
    #[arg(long)]
    pub fold_case: bool,

    /// Groups with fewer rows are flagged as low base [default: 30].
    #[arg(long, value_name = "N")]
    pub min_n: Option<u64>,
}

/// Arguments of `cxstat survey`.
#[derive(Debug, Clone, Args)]
pub struct SurveyArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub scales: ScaleArgs,

    #[command(flatten)]
    pub group: GroupArgs,

    #[command(flatten)]
    pub stats: StatsArgs,

    #[command(flatten)]
    pub invalid: InvalidArgs,

    /// NPS interval method [default: wald].
    #[arg(long, value_enum, help_heading = "Statistics")]
    pub nps_interval: Option<NpsMethod>,

    /// Weight each response by this column (positive numbers up to 1e9): weighted shares and
    /// means, with design-based intervals (see --variance). Zero, negative, larger or missing
    /// weights are reported and those rows left out.
    #[arg(long, value_name = "COL", help_heading = "Statistics")]
    pub weight: Option<String>,

    #[command(flatten)]
    pub design: DesignArgs,

    /// Also write this run's partial results (per group: counts, sums, sums of squares) to FILE,
    /// for `cxstat merge` to combine with other shards' into one table.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub emit_partials: Option<PathBuf>,

    #[command(flatten)]
    pub chart: ChartArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `cxstat compare`.
#[derive(Debug, Clone, Args)]
#[command(mut_arg("confidence", |a| a.help("Confidence level of the intervals of the differences [default: 1 − alpha]")))]
pub struct CompareArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub scales: ScaleArgs,

    #[command(flatten)]
    pub group: GroupArgs,

    /// What the latest period is compared with.
    #[arg(long, value_enum, default_value = "previous", help_heading = "Comparison")]
    pub against: Against,

    /// Compare each value of COL with all other responses (over --from/--to) instead of periods.
    #[arg(long, value_name = "COL", help_heading = "Comparison", conflicts_with = "against")]
    pub segments: Option<String>,

    /// Significance level.
    #[arg(value_parser = values::alpha, long, value_name = "ALPHA", default_value_t = 0.05, help_heading = "Comparison")]
    pub alpha: f64,

    /// Adjustment of p-values over the groups of each metric.
    #[arg(long, value_enum, default_value = "holm", help_heading = "Comparison")]
    pub adjust: Adjust,

    /// NPS difference method [default: wald]: wald, or adjusted-wald (¾ promoter, ¾ detractor and
    /// 3 answers added to each side before the test and interval; Rocks 2016).
    #[arg(long, value_enum, help_heading = "Statistics")]
    pub nps_interval: Option<NpsMethod>,

    #[command(flatten)]
    pub stats: StatsArgs,

    #[command(flatten)]
    pub invalid: InvalidArgs,

    /// Weight each response by this column (positive numbers up to 1e9): weighted values, with
    /// design-based tests and intervals (see --variance). Zero, negative, larger or missing
    /// weights are left out.
    #[arg(long, value_name = "COL", help_heading = "Statistics")]
    pub weight: Option<String>,

    #[command(flatten)]
    pub design: DesignArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `cxstat drivers`.
#[derive(Debug, Clone, Args)]
pub struct DriversArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub scales: ScaleArgs,

    #[command(flatten)]
    pub group: GroupArgs,

    /// The outcome the drivers explain: the CSAT score, the 0–10 NPS answer or the CES score.
    #[arg(long, value_enum, default_value = "csat", help_heading = "Drivers")]
    pub target: Target,

    /// The driver columns: headers, comma-separated, each may be a glob (`q_*`, `Q?_rating`).
    #[arg(long, value_name = "COLS", value_delimiter = ',', required = true, help_heading = "Drivers")]
    pub drivers: Vec<String>,

    /// Treat invalid values as an error (exit 65) instead of a warning.
    #[arg(long, help_heading = "Input")]
    pub strict: bool,

    /// Bootstrap resamples for the intervals of the relative weights and ranks (Tonidandel,
    /// LeBreton & Johnson 2009); 0 for none.
    #[arg(long, value_name = "N", default_value_t = 1000, help_heading = "Drivers")]
    pub bootstrap: usize,

    /// Seed of the bootstrap: the same seed gives the same intervals.
    #[arg(long, value_name = "N", default_value_t = 2009, help_heading = "Drivers")]
    pub seed: u64,

    /// Confidence level of the bootstrap intervals [default: 0.95].
    #[arg(value_parser = values::confidence, long, value_name = "LEVEL", help_heading = "Drivers")]
    pub confidence: Option<f64>,

    #[command(flatten)]
    pub invalid: InvalidArgs,

    /// Also draw the importance–performance matrix to FILE (.svg or .png), from the overall rows.
    #[arg(long, value_name = "FILE", help_heading = "Chart")]
    pub chart: Option<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `cxstat index`.
#[derive(Debug, Clone, Args)]
pub struct IndexArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub scales: ScaleArgs,

    #[command(flatten)]
    pub group: GroupArgs,

    /// One construct's items: headers, comma-separated, each may be a glob (`q_*`, `CUSA?`); the
    /// config's [index.NAME] tables are read when this is not given.
    #[arg(long, value_name = "COLS", value_delimiter = ',', help_heading = "Index")]
    pub items: Vec<String>,

    /// The scale of --items, `LOW-HIGH` [default: the CSAT scale].
    #[arg(value_parser = values::scale, long, value_name = "LOW-HIGH", help_heading = "Index", requires = "items")]
    pub scale: Option<crate::input::clean::Scale>,

    /// The construct's name for --items.
    #[arg(long, value_name = "NAME", default_value = "index", help_heading = "Index", requires = "items")]
    pub name: String,

    /// Items of --items scored the other way round (1 = best), reversed as low + high − x.
    #[arg(long, value_name = "COLS", value_delimiter = ',', help_heading = "Index", requires = "items")]
    pub reverse: Vec<String>,

    /// Add a row per item: its index, item-rest correlation and α if dropped.
    #[arg(long, help_heading = "Index")]
    pub items_detail: bool,

    /// How the items are weighted in the index: equally, or by their relative weights (Johnson
    /// 2000, as in `drivers`) against --target.
    #[arg(long, value_enum, default_value = "equal", help_heading = "Index")]
    pub weights: ItemWeights,

    /// The outcome of --weights relative.
    #[arg(long, value_enum, default_value = "csat", help_heading = "Index")]
    pub target: Target,

    /// The SERVQUAL gaps of the config's [servqual.DIMENSION] tables instead of the index.
    #[arg(long, help_heading = "Index", conflicts_with_all = ["items", "items_detail"])]
    pub servqual: bool,

    #[command(flatten)]
    pub stats: StatsArgs,

    #[command(flatten)]
    pub invalid: InvalidArgs,

    /// Also draw the index (or with --servqual the gaps) with their intervals to FILE (.svg or
    /// .png), from the overall rows.
    #[arg(long, value_name = "FILE", help_heading = "Chart")]
    pub chart: Option<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// How the sample was drawn, for the variances of weighted results.
#[derive(Debug, Clone, Default, Args)]
pub struct DesignArgs {
    /// The stratum of each response (strata sampled apart): variances within strata, as R's
    /// svydesign(strata = ~COL).
    #[arg(long, value_name = "COL", help_heading = "Statistics")]
    pub strata: Option<String>,

    /// The cluster (primary sampling unit) of each response, e.g. a store or a day: responses of
    /// a cluster are not independent. Ids are read within their stratum (as nest = TRUE).
    #[arg(long, value_name = "COL", help_heading = "Statistics")]
    pub cluster: Option<String>,

    /// How the variances of weighted results are estimated [default: taylor with --weight,
    /// --strata or --cluster]: taylor = Taylor linearisation of the design (strata, clusters,
    /// weights; sampled with replacement), as R's survey package; kish = the weighted answers as a
    /// simple random sample of Kish's effective size (Σw)²/Σw², which assumes the weights are
    /// unrelated to the answers.
    #[arg(long, value_enum, help_heading = "Statistics")]
    pub variance: Option<Variance>,
}

/// How the variances of weighted results are estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Variance {
    Taylor,
    Kish,
}

/// How the items of an index are weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ItemWeights {
    Equal,
    Relative,
}

/// Arguments of `cxstat themes`.
#[derive(Debug, Clone, Args)]
pub struct ThemesArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub scales: ScaleArgs,

    #[command(flatten)]
    pub group: GroupArgs,

    /// Use only the config's [themes.NAME] tables, not the built-in themes.
    #[arg(long, help_heading = "Themes")]
    pub no_builtin_themes: bool,

    /// Show the example quotes of each theme (up to three, with their response ids), one per row.
    #[arg(long, help_heading = "Themes", conflicts_with_all = ["terms", "unmatched"])]
    pub quotes: bool,

    /// Show the words and two-word phrases that most set the low scores apart from the high ones
    /// (NPS detractors from promoters, or CSAT bottom from top boxes): log-odds with an
    /// informative Dirichlet prior and its z-score (Monroe, Colaresi & Quinn 2008).
    #[arg(long, help_heading = "Themes", conflicts_with = "unmatched")]
    pub terms: bool,

    /// Show the most frequent words and two-word phrases of the comments that no theme matches.
    #[arg(long, help_heading = "Themes")]
    pub unmatched: bool,

    /// The score that makes the sides of --terms and the quotes' preference: nps, or csat
    /// [default: nps when the file has it].
    #[arg(long, value_enum, help_heading = "Themes")]
    pub target: Option<Target>,

    /// With --terms: leave out the words and phrases used fewer than N times by the two sides together.
    #[arg(long, value_name = "N", default_value_t = 10, help_heading = "Themes")]
    pub min_count: u64,

    /// With --terms and --unmatched: how many words and phrases to show (per side with --terms).
    #[arg(long, value_name = "N", default_value_t = 15, help_heading = "Themes")]
    pub top: usize,

    /// Significance level.
    #[arg(value_parser = values::alpha, long, value_name = "ALPHA", default_value_t = 0.05, help_heading = "Statistics")]
    pub alpha: f64,

    /// Adjustment of p-values over the themes (and groups) of each metric.
    #[arg(long, value_enum, default_value = "holm", help_heading = "Statistics")]
    pub adjust: Adjust,

    #[command(flatten)]
    pub stats: StatsArgs,

    #[command(flatten)]
    pub invalid: InvalidArgs,

    /// Weight each response by this column (positive numbers up to 1e9): weighted NPS, CSAT and
    /// CES, tests on Kish's effective sample size. Mentions are counted unweighted.
    #[arg(long, value_name = "COL", help_heading = "Statistics")]
    pub weight: Option<String>,

    /// Also draw the themes to FILE (.svg or .png): bars of mention share, coloured by the
    /// mentioners' NPS, the overall NPS marked (overall rows).
    #[arg(long, value_name = "FILE", help_heading = "Chart")]
    pub chart: Option<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `cxstat loyalty`.
#[derive(Debug, Clone, Args)]
pub struct LoyaltyArgs {
    /// Survey responses export (needs a customer id, a date, and NPS or CSAT).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub responses: PathBuf,

    /// Orders export (customer id, order date; amount for revenue).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub orders: PathBuf,

    /// Map a column of the responses file: csat, nps, date, customer, …
    #[arg(value_parser = values::mapping, long = "col", value_name = "ROLE=HEADER", help_heading = "Input")]
    pub columns: Vec<String>,

    /// Map a column of the orders file: order, customer, ordered, amount.
    #[arg(value_parser = values::mapping, long = "orders-col", value_name = "ROLE=HEADER", help_heading = "Input")]
    pub orders_columns: Vec<String>,

    /// TOML config file ([columns], [survey] scales and NA values).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub config: Option<PathBuf>,

    /// Values that mean "not answered", besides blank (comma-separated).
    #[arg(long, value_name = "LIST", value_delimiter = ',', allow_hyphen_values = true, help_heading = "Input")]
    pub na_values: Option<Vec<String>>,

    #[command(flatten)]
    pub scales: ScaleArgs,

    /// How long after the survey a new order counts as buying again (days: 180d, 26w, 90).
    #[arg(value_parser = values::days, long, value_name = "DURATION", default_value = "180d", help_heading = "Loyalty")]
    pub window: i64,

    /// Surveys from this date (inclusive), YYYY-MM-DD.
    #[arg(value_parser = values::date, long, value_name = "DATE", help_heading = "Loyalty")]
    pub from: Option<NaiveDate>,

    /// Surveys up to this date (inclusive), YYYY-MM-DD.
    #[arg(value_parser = values::date, long, value_name = "DATE", help_heading = "Loyalty")]
    pub to: Option<NaiveDate>,

    /// Test satisfaction against ordering again adjusted for these response columns (each
    /// customer's value in their first survey; e.g. segment,channel): a logistic regression's
    /// likelihood-ratio test and adjusted odds ratios, beside the unadjusted chi-square.
    #[arg(long, value_name = "COLS", value_delimiter = ',', help_heading = "Loyalty")]
    pub adjust_for: Vec<String>,

    /// The last day of order data; customers whose window ends later are left out
    /// [default: the latest order date in the file].
    #[arg(value_parser = values::date, long, value_name = "DATE", help_heading = "Loyalty")]
    pub as_of: Option<NaiveDate>,

    #[command(flatten)]
    pub stats: StatsArgs,

    #[command(flatten)]
    pub invalid: InvalidArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// The outcome of a key-driver analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    Csat,
    Nps,
    Ces,
}

/// The period a comparison is made against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Against {
    /// The period before the latest one.
    Previous,
    /// The same period a year before (year over year).
    Yoy,
}

/// Arguments of `cxstat complaints`.
#[derive(Debug, Clone, Args)]
pub struct ComplaintsArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Orders export for complaints per 1,000 orders and per 1,000 ordering customers.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub orders: Option<PathBuf>,

    /// Map a column of the orders file: order, customer, ordered, amount, channel.
    #[arg(value_parser = values::mapping, long = "orders-col", value_name = "ROLE=HEADER", help_heading = "Input")]
    pub orders_columns: Vec<String>,

    #[command(flatten)]
    pub group: GroupArgs,

    /// "Now" for complaints still open (their age, SLA breaches), as YYYY-MM-DD[ HH:MM[:SS]]
    /// [default: the latest timestamp in the file].
    #[arg(value_parser = values::datetime, long, value_name = "DATETIME", help_heading = "Handling")]
    pub as_of: Option<NaiveDateTime>,

    /// First-response target, e.g. 4h, 30m, 1d (per severity in the config's [sla.SEVERITY]).
    #[arg(value_parser = values::hours, long, value_name = "DURATION", help_heading = "Handling")]
    pub sla_response: Option<f64>,

    /// Resolution target, e.g. 72h, 3d (per severity in the config's [sla.SEVERITY]).
    #[arg(value_parser = values::hours, long, value_name = "DURATION", help_heading = "Handling")]
    pub sla_resolve: Option<f64>,

    /// Measure durations in working hours, e.g. 09:00-18:00 (holidays in the config's [calendar]).
    #[arg(value_parser = values::business_hours, long, value_name = "HH:MM-HH:MM", help_heading = "Handling")]
    pub business_hours: Option<(i64, i64)>,

    /// Working days for --business-hours, e.g. mon-fri or mon,tue,wed,thu,fri,sat [default: mon-fri].
    #[arg(value_parser = values::workdays, long, value_name = "DAYS", help_heading = "Handling")]
    pub workdays: Option<[bool; 7]>,

    /// Count complaints by stage of the closed loop (received → assigned → in_progress →
    /// follow_up → resolved → closed) instead of the KPI table.
    #[arg(long, conflicts_with = "pareto", help_heading = "Reports")]
    pub funnel: bool,

    /// Pareto of causes: count, share and cumulative share per value of COL, with the vital few
    /// that make up 80%.
    #[arg(long, value_name = "COL", help_heading = "Reports")]
    pub pareto: Option<String>,

    #[command(flatten)]
    pub stats: StatsArgs,

    /// Also write this run's partial results to FILE (per group: counts, and the response and
    /// resolution times as exact histograms; per period: orders and ordering customers), for
    /// `cxstat merge` to combine with other shards' into one table (KPI table or --funnel).
    #[arg(long, value_name = "FILE", conflicts_with = "pareto", help_heading = "Output")]
    pub emit_partials: Option<PathBuf>,

    #[command(flatten)]
    pub chart: ChartArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `cxstat repeat`.
#[derive(Debug, Clone, Args)]
pub struct RepeatArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Period granularity [default: month].
    #[arg(long, value_enum, help_heading = "Grouping")]
    pub period: Option<Period>,

    /// First date to show (inclusive), YYYY-MM-DD; earlier orders still count as history.
    #[arg(value_parser = values::date, long, value_name = "DATE", help_heading = "Grouping")]
    pub from: Option<NaiveDate>,

    /// Last date to show (inclusive), YYYY-MM-DD.
    #[arg(value_parser = values::date, long, value_name = "DATE", help_heading = "Grouping")]
    pub to: Option<NaiveDate>,

    /// "Today": orders after it are ignored; windows and recency are measured to it
    /// [default: the latest order date in the file].
    #[arg(value_parser = values::date, long, value_name = "DATE", help_heading = "Grouping")]
    pub as_of: Option<NaiveDate>,

    /// Dates written with the year last (03.10.2026): month first (mdy) or day first (dmy)
    /// [default: from the values (a part above 12 decides), else month first].
    #[arg(long, value_enum, value_name = "ORDER", help_heading = "Grouping")]
    pub date_order: Option<crate::input::clean::DateOrder>,

    /// Also the share of new customers who ordered again within this window after their first
    /// purchase, e.g. 90d (customers whose window has not ended by --as-of are left out).
    #[arg(value_parser = values::days, long, value_name = "DURATION", help_heading = "Reports")]
    pub window: Option<i64>,

    /// Cohort retention matrix: first-purchase period × periods since.
    #[arg(long, conflicts_with = "rfm", help_heading = "Reports")]
    pub cohorts: bool,

    /// With --cohorts: customer counts instead of shares.
    #[arg(long, requires = "cohorts", help_heading = "Reports")]
    pub counts: bool,

    /// RFM segments: recency, frequency and monetary scores 1–5 by quintiles, named segments.
    #[arg(long, help_heading = "Reports")]
    pub rfm: bool,

    /// With --rfm: write the per-customer table (customer_id, recency_days, frequency, monetary,
    /// r, f, m, score, segment) to FILE (CSV, or JSON by extension).
    #[arg(long, value_name = "FILE", requires = "rfm", help_heading = "Reports")]
    pub customers: Option<PathBuf>,

    /// Leave out the Total row (the whole scope: each customer once, repeat customers those who
    /// bought on two or more distinct days).
    #[arg(long, help_heading = "Reports")]
    pub no_total: bool,

    #[command(flatten)]
    pub stats: StatsArgs,

    /// Also write this run's partial results to FILE (per period: order and revenue sums, and
    /// the distinct customers who bought, with their purchase day when it is one), for `cxstat merge` to combine with other shards'
    /// into one repeat table.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["cohorts", "rfm"], help_heading = "Output")]
    pub emit_partials: Option<PathBuf>,

    #[command(flatten)]
    pub chart: ChartArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// The time unit of `cxstat clv`'s histories and parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimeUnit {
    Day,
    Week,
    Month,
}

impl TimeUnit {
    /// Days per unit (a month is a twelfth of 365.25 days).
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Day => 1.0,
            TimeUnit::Week => 7.0,
            TimeUnit::Month => 365.25 / 12.0,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
            TimeUnit::Month => "month",
        }
    }
}

/// Arguments of `cxstat clv`.
#[derive(Debug, Clone, Args)]
pub struct ClvArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// "Today": orders after it are ignored; each customer's age T is measured to it
    /// [default: the latest order date in the file].
    #[arg(value_parser = values::date, long, value_name = "DATE", help_heading = "Grouping")]
    pub as_of: Option<NaiveDate>,

    /// Dates written with the year last (03.10.2026): month first (mdy) or day first (dmy)
    /// [default: from the values (a part above 12 decides), else month first].
    #[arg(long, value_enum, value_name = "ORDER", help_heading = "Grouping")]
    pub date_order: Option<crate::input::clean::DateOrder>,

    /// Summaries per value of this column of the orders (each customer in the group of their
    /// first purchase), then the total.
    #[arg(long, value_name = "COL", help_heading = "Grouping")]
    pub by: Option<String>,

    /// The time unit of recency, T and the parameters r and α [default: week].
    #[arg(long, value_enum, value_name = "UNIT", help_heading = "Model")]
    pub time_unit: Option<TimeUnit>,

    /// How far ahead purchases and CLV are predicted, e.g. 52w or 365d [default: 52w].
    #[arg(value_parser = values::days, long, value_name = "DURATION", help_heading = "Model")]
    pub horizon: Option<i64>,

    /// The profit margin on spend: CLV = discounted expected spend × margin [default: 1].
    #[arg(value_parser = values::margin, long, value_name = "SHARE", help_heading = "Model")]
    pub margin: Option<f64>,

    /// The annual discount rate, e.g. 10% or 0.1 [default: 10%].
    #[arg(value_parser = values::rate, long, value_name = "RATE", help_heading = "Model")]
    pub discount: Option<f64>,

    /// The shares of customers in the top and bottom value tiers, by CLV, e.g. 20,20 [default:
    /// 20,20: top 20%, middle 60%, bottom 20%].
    #[arg(value_parser = values::tiers, long, value_name = "TOP,BOTTOM", help_heading = "Model")]
    pub tiers: Option<(f64, f64)>,

    /// Validate: fit on the orders before DATE and predict each customer's purchases from DATE
    /// to --as-of; the table compares actual and predicted purchases by the calibration
    /// frequency (0, 1, … 7+), and --chart draws the cumulative weekly purchases, actual
    /// against predicted.
    #[arg(value_parser = values::date, long, value_name = "DATE", help_heading = "Reports")]
    pub holdout_from: Option<NaiveDate>,

    /// Draw a chart (.svg or .png): the Lorenz curve of CLV (share of value by share of
    /// customers), or with --holdout-from the tracking chart.
    #[arg(long, value_name = "FILE", help_heading = "Reports")]
    pub chart: Option<PathBuf>,

    /// Write the per-customer table (customer_id, frequency, recency, T, monetary, past_value,
    /// p_alive, expected_purchases, expected_spend, clv, tier, at_risk) to FILE (CSV, or JSON by
    /// extension).
    #[arg(long, value_name = "FILE", help_heading = "Reports")]
    pub customers: Option<PathBuf>,

    #[command(flatten)]
    pub stats: StatsArgs,

    #[command(flatten)]
    pub invalid: InvalidArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `cxstat inspect`.
#[derive(Debug, Clone, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub scales: ScaleArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_is_well_formed() {
        super::command().debug_assert();
    }

    /// `--color auto` colours a terminal only, and never when NO_COLOR is set (no-color.org) or
    /// TERM is dumb; `always` and `never` decide alone.
    #[test]
    fn colour_follows_the_flag_the_terminal_and_no_color() {
        use super::ColorChoice::{Always, Auto, Never};
        use std::ffi::OsStr;
        let (set, empty, dumb, xterm) = (Some(OsStr::new("1")), Some(OsStr::new("")), Some(OsStr::new("dumb")), Some(OsStr::new("xterm")));
        assert!(Auto.colors(true, None, xterm));
        assert!(Auto.colors(true, empty, None), "an empty NO_COLOR does not count");
        assert!(!Auto.colors(false, None, xterm), "a pipe");
        assert!(!Auto.colors(true, set, xterm));
        assert!(!Auto.colors(true, None, dumb));
        assert!(Always.colors(false, set, dumb));
        assert!(!Never.colors(true, None, xterm));
    }

    /// Each subcommand takes, and its help lists, only the charts it draws.
    #[test]
    fn chart_types_are_each_commands_own() {
        use super::{try_parse_from, ChartType, Command};
        let parse = |args: &[&str]| try_parse_from(std::iter::once("cxstat").chain(args.iter().copied()));
        let cli = parse(&["survey", "f.csv", "--chart", "c.png", "--chart-type", "distribution"]).unwrap();
        let Command::Survey(survey) = cli.command else { panic!("survey") };
        assert_eq!(survey.chart.chart_type, Some(ChartType::Distribution));
        let refused = parse(&["survey", "f.csv", "--chart", "c.png", "--chart-type", "pareto"]).unwrap_err().to_string();
        assert!(refused.contains("[possible values: trend, nps, distribution]"), "{refused}");
        assert!(parse(&["complaints", "f.csv", "--chart", "c.png", "--chart-type", "pareto"]).is_ok());
        assert!(parse(&["repeat", "f.csv", "--chart", "c.png", "--chart-type", "nps"]).is_err());
        let help = super::command().find_subcommand_mut("repeat").unwrap().render_long_help().to_string();
        assert!(help.contains("cohorts") && !help.contains("pareto") && help.contains("repeat, return, churn or window"), "{help}");
    }
}

/// The files a command line names: what it reads, and what it writes with the flag that names it.
#[derive(Debug, Default)]
pub struct Files<'a> {
    pub inputs: Vec<&'a Path>,
    pub outputs: Vec<(&'static str, &'a Path)>,
}

impl InputArgs {
    /// The input: the file named, else `-` (stdin).
    pub fn path(&self) -> &Path {
        self.file.as_deref().unwrap_or(Path::new("-"))
    }
}

/// An input file and its config.
fn input_files<'a>(files: &mut Files<'a>, args: &'a InputArgs) {
    files.inputs.push(args.path());
    files.inputs.extend(args.config.as_deref());
}

impl Command {
    /// The files this command line reads and writes (the scorecard's folder is checked where its
    /// name is known).
    pub fn files(&self) -> Files<'_> {
        let mut f = Files::default();
        match self {
            Command::Survey(a) => {
                input_files(&mut f, &a.input);
                f.outputs.extend(a.emit_partials.as_deref().map(|p| ("--emit-partials", p)));
                f.outputs.extend(a.chart.chart.as_deref().map(|p| ("--chart", p)));
                f.outputs.extend(a.output.output.as_deref().map(|p| ("-o", p)));
            }
            Command::Complaints(a) => {
                input_files(&mut f, &a.input);
                f.inputs.extend(a.orders.as_deref());
                f.outputs.extend(a.emit_partials.as_deref().map(|p| ("--emit-partials", p)));
                f.outputs.extend(a.chart.chart.as_deref().map(|p| ("--chart", p)));
                f.outputs.extend(a.output.output.as_deref().map(|p| ("-o", p)));
            }
            Command::Repeat(a) => {
                input_files(&mut f, &a.input);
                f.outputs.extend(a.customers.as_deref().map(|p| ("--customers", p)));
                f.outputs.extend(a.emit_partials.as_deref().map(|p| ("--emit-partials", p)));
                f.outputs.extend(a.chart.chart.as_deref().map(|p| ("--chart", p)));
                f.outputs.extend(a.output.output.as_deref().map(|p| ("-o", p)));
            }
            Command::Sql(c) => {
                let (input, sql, output) = match c {
                    SqlCommand::Survey(a) => (&a.command.input, &a.sql, &a.command.output),
                    SqlCommand::Complaints(a) => (&a.command.input, &a.sql, &a.command.output),
                    SqlCommand::Repeat(a) => (&a.command.input, &a.sql, &a.command.output),
                };
                if input.file.is_some() {
                    input_files(&mut f, input);
                }
                f.outputs.extend(sql.emit_plan.as_deref().map(|p| ("--emit-plan", p)));
                f.outputs.extend(output.output.as_deref().map(|p| ("-o", p)));
            }
            Command::Clv(a) => {
                input_files(&mut f, &a.input);
                f.outputs.extend(a.customers.as_deref().map(|p| ("--customers", p)));
                f.outputs.extend(a.chart.as_deref().map(|p| ("--chart", p)));
                f.outputs.extend(a.output.output.as_deref().map(|p| ("-o", p)));
            }
            Command::Inspect(a) => {
                input_files(&mut f, &a.input);
                f.outputs.extend(a.output.output.as_deref().map(|p| ("-o", p)));
            }
            Command::Completions { .. } | Command::Man => {}
            Command::Scorecard(a) => {
                f.inputs.extend([&a.responses, &a.complaints, &a.orders, &a.config].into_iter().flatten().map(PathBuf::as_path));
            }
            Command::Compare(a) => {
                input_files(&mut f, &a.input);
                f.outputs.extend(a.output.output.as_deref().map(|p| ("-o", p)));
            }
            Command::Drivers(a) => {
                input_files(&mut f, &a.input);
                f.outputs.extend(a.chart.as_deref().map(|p| ("--chart", p)));
                f.outputs.extend(a.output.output.as_deref().map(|p| ("-o", p)));
            }
            Command::Index(a) => {
                input_files(&mut f, &a.input);
                f.outputs.extend(a.chart.as_deref().map(|p| ("--chart", p)));
                f.outputs.extend(a.output.output.as_deref().map(|p| ("-o", p)));
            }
            Command::Themes(a) => {
                input_files(&mut f, &a.input);
                f.outputs.extend(a.chart.as_deref().map(|p| ("--chart", p)));
                f.outputs.extend(a.output.output.as_deref().map(|p| ("-o", p)));
            }
            Command::Loyalty(a) => {
                f.inputs.extend([Some(&a.responses), Some(&a.orders), a.config.as_ref()].into_iter().flatten().map(PathBuf::as_path));
                f.outputs.extend(a.output.output.as_deref().map(|p| ("-o", p)));
            }
            Command::Merge(a) => {
                f.inputs.extend(a.partials.iter().map(PathBuf::as_path));
                f.outputs.extend(a.output.output.as_deref().map(|p| ("-o", p)));
            }
        }
        f
    }
}
