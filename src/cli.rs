//! The command-line interface: clap derive definitions only, no behaviour.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0   success (a closed stdout pipe, as in `| head`, counts as success)
  1   the run failed
  2   usage or configuration error
  65  bad data: invalid values under --strict, or nothing valid to compute
  66  an input file is missing or unreadable
  74  an output file could not be written";

/// Customer-satisfaction analytics: CSAT, NPS and CES with confidence intervals.
#[derive(Debug, Parser)]
#[command(name = "cxstat", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// Print nothing on stderr but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Satisfaction metrics (CSAT, NPS, CES) per group from a survey responses export.
    #[command(after_help = EXIT_CODES)]
    Survey(SurveyArgs),
    /// Show how cxstat reads a file: encoding, delimiter, rows, column roles, types, blanks, invalid values.
    #[command(after_help = EXIT_CODES)]
    Inspect(InspectArgs),
}

/// How to read an input file and map its columns.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Input")]
pub struct InputArgs {
    /// Input file: CSV or TSV (delimiter sniffed), Parquet (.parquet), or `-` for stdin.
    pub file: PathBuf,

    /// Field delimiter, overriding the sniffed one: a single character, `tab` or `\t`.
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,

    /// Text encoding, overriding detection: utf-8, gbk, gb18030, big5, utf-16le, …
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,

    /// Map a column role to a header: csat, nps, ces, date, id, customer, segment, channel, region.
    #[arg(long = "col", value_name = "ROLE=HEADER")]
    pub columns: Vec<String>,

    /// TOML config file with a [columns] table (and a [survey] table of defaults for these options).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Values that mean "not answered", besides blank (comma-separated, e.g. `0,-99,N/A`).
    #[arg(long, value_name = "LIST", value_delimiter = ',', allow_hyphen_values = true)]
    pub na_values: Option<Vec<String>>,
}

/// Answer scales.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Scales")]
pub struct ScaleArgs {
    /// CSAT scale as LOW-HIGH [default: 1-5].
    #[arg(long, value_name = "LOW-HIGH")]
    pub csat_scale: Option<String>,

    /// How many top boxes count as satisfied [default: 2, so 4–5 on 1–5].
    #[arg(long, value_name = "BOXES")]
    pub csat_top: Option<u32>,

    /// CES scale as LOW-HIGH [default: 1-7].
    #[arg(long, value_name = "LOW-HIGH")]
    pub ces_scale: Option<String>,

    /// Lowest CES score that counts as "easy" [default: above the midpoint: 5 on 1–7, 4 on 1–5].
    #[arg(long, value_name = "SCORE")]
    pub ces_easy: Option<i64>,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Markdown,
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
}

/// Time granularity for `--period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Period {
    Day,
    /// ISO 8601 week, labelled like 2026-W40.
    Week,
    Month,
    Quarter,
    Year,
}

/// How the NPS confidence interval is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NpsInterval {
    /// Normal approximation on the +1/0/−1 scores.
    Wald,
    /// Adjusted Wald: n+3, with 0.75 added to promoters and to detractors.
    AdjustedWald,
}

/// Arguments of `cxstat survey`.
#[derive(Debug, Clone, Args)]
pub struct SurveyArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub scales: ScaleArgs,

    /// Group by these columns (comma-separated headers or roles such as segment).
    #[arg(long, value_name = "COLS", value_delimiter = ',', help_heading = "Grouping")]
    pub by: Vec<String>,

    /// Group by time period of the date column.
    #[arg(long, value_enum, help_heading = "Grouping")]
    pub period: Option<Period>,

    /// First date to include (inclusive), YYYY-MM-DD.
    #[arg(long, value_name = "DATE", help_heading = "Grouping")]
    pub from: Option<String>,

    /// Last date to include (inclusive), YYYY-MM-DD.
    #[arg(long, value_name = "DATE", help_heading = "Grouping")]
    pub to: Option<String>,

    /// Leave out the total rows.
    #[arg(long, help_heading = "Grouping")]
    pub no_total: bool,

    /// Groups with fewer responses are flagged as low base [default: 30].
    #[arg(long, value_name = "N", help_heading = "Grouping")]
    pub min_n: Option<u64>,

    /// Confidence level of the intervals [default: 0.95].
    #[arg(long, value_name = "LEVEL", help_heading = "Statistics")]
    pub confidence: Option<f64>,

    /// NPS interval method [default: wald].
    #[arg(long, value_enum, help_heading = "Statistics")]
    pub nps_interval: Option<NpsInterval>,

    /// Treat invalid values as an error (exit 65) instead of a warning.
    #[arg(long, help_heading = "Input")]
    pub strict: bool,

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
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
