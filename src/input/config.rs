//! The TOML config file: column mappings and defaults for options, so that a cron line
//! can be `cxstat survey --config cxstat.toml FILE`. Command-line flags win over it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use serde::Deserialize;

use crate::error::{no_input, usage};
use crate::input::roles::Role;
use crate::stats::intervals::NpsMethod;

/// The whole config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `role = "Header"` pairs.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    #[serde(default)]
    pub survey: SurveyDefaults,
    #[serde(default)]
    pub complaints: ComplaintDefaults,
    /// Service-level targets: `response`/`resolve` for all severities, and `[sla.SEVERITY]` tables.
    #[serde(default)]
    pub sla: SlaConfig,
    #[serde(default)]
    pub calendar: CalendarConfig,
    #[serde(default)]
    pub repeat: RepeatDefaults,
    #[serde(default)]
    pub scorecard: ScorecardDefaults,
    #[serde(default)]
    pub report: ReportConfig,
    /// `"answer label" = scale point`, for survey answers exported as words.
    #[serde(default)]
    pub labels: BTreeMap<String, f64>,
    /// `[themes.NAME]` tables: the comment themes of `cxstat themes` (added to the built-in ones).
    #[serde(default)]
    pub themes: BTreeMap<String, crate::text::taxonomy::ThemeConfig>,
    #[serde(default)]
    pub words: WordsConfig,
    /// `[index.NAME]` tables: the multi-item constructs of `cxstat index`.
    #[serde(default)]
    pub index: BTreeMap<String, ConstructConfig>,
    /// `[servqual.DIMENSION]` tables: the expected and perceived items of `cxstat index --servqual`.
    #[serde(default)]
    pub servqual: BTreeMap<String, DimensionConfig>,
}

/// `[index.NAME]`: a construct measured by several items.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstructConfig {
    /// The items' headers (each may be a glob: `CUSA*`).
    pub items: Vec<String>,
    /// The items' scale, `LOW-HIGH` (default: the survey's CSAT scale).
    pub scale: Option<String>,
    /// Items scored the other way round (1 = best): reversed as low + high − x.
    #[serde(default)]
    pub reverse: Vec<String>,
}

/// `[servqual.DIMENSION]`: a service-quality dimension, its expectation and perception items
/// (the gap is perceived − expected) and, optionally, its importance.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DimensionConfig {
    pub expected: Vec<String>,
    pub perceived: Vec<String>,
    /// The items' scale, `LOW-HIGH` (default: the survey's CSAT scale).
    pub scale: Option<String>,
    /// Importance points: the same for every respondent (`importance = 25`), or a column with
    /// each respondent's points (`importance = "IMP_REL"`).
    pub importance: Option<Importance>,
}

/// Importance points of a SERVQUAL dimension.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Importance {
    Points(f64),
    Column(String),
}

/// How comments are counted as words (`cxstat themes`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WordsConfig {
    /// Replaces the built-in English and Chinese stop words.
    pub stop_words: Option<Vec<String>>,
    /// Added to the stop words.
    #[serde(default)]
    pub more_stop_words: Vec<String>,
}

impl WordsConfig {
    /// The stop words of a run.
    pub fn stop_words(&self) -> Vec<String> {
        let mut words = self.stop_words.clone().unwrap_or_else(crate::text::builtin_stop_words);
        words.extend(self.more_stop_words.iter().cloned());
        words
    }
}

/// How the scorecard writes numbers: `currency` before amounts ("¥", "€", "US$").
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    pub currency: Option<String>,
}

/// `cxstat scorecard` settings, so that a cron line needs only `--config` and `--month last`.
/// Relative paths are taken from the config file's folder.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScorecardDefaults {
    pub responses: Option<std::path::PathBuf>,
    pub complaints: Option<std::path::PathBuf>,
    pub orders: Option<std::path::PathBuf>,
    pub out: Option<std::path::PathBuf>,
    pub segments: Option<Vec<String>>,
    pub min_n: Option<u64>,
    /// `kpi = value`: alert when the KPI is below.
    #[serde(default)]
    pub fail_under: BTreeMap<String, f64>,
    /// `kpi = value`: alert when the KPI is above.
    #[serde(default)]
    pub fail_over: BTreeMap<String, f64>,
}

/// Defaults for `cxstat complaints` options, and how statuses are read.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintDefaults {
    /// Statuses that mean resolved when there is no resolution timestamp (replaces the built-in set).
    pub resolved_status: Option<Vec<String>>,
    /// More status names per funnel stage: `received = ["new", "open"]`, …
    #[serde(default)]
    pub stages: BTreeMap<String, Vec<String>>,
    /// Severity names besides low/medium/high/critical (and those in [sla.SEVERITY]).
    #[serde(default)]
    pub severities: Vec<String>,
    pub orders: Option<std::path::PathBuf>,
    pub min_n: Option<u64>,
    pub confidence: Option<f64>,
}

/// `[sla]`: targets for every severity, and per severity in sub-tables.
#[derive(Debug, Default, Deserialize)]
pub struct SlaConfig {
    pub response: Option<String>,
    pub resolve: Option<String>,
    #[serde(flatten)]
    pub severity: BTreeMap<String, SlaTarget>,
}

/// `[sla.SEVERITY]`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaTarget {
    pub response: Option<String>,
    pub resolve: Option<String>,
}

/// `[calendar]`: working time for `--business-hours`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    pub business_hours: Option<String>,
    pub workdays: Option<String>,
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Days worked although they are not in `workdays` (make-up working days).
    #[serde(default)]
    pub extra_workdays: Vec<String>,
}

/// Defaults for `cxstat repeat` options.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatDefaults {
    /// A `--period` granularity (read by `repeat` as the flag is).
    pub period: Option<String>,
    pub window: Option<String>,
    pub confidence: Option<f64>,
}

/// Defaults for `cxstat survey` options.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyDefaults {
    pub csat_scale: Option<String>,
    pub csat_top: Option<u32>,
    pub ces_scale: Option<String>,
    /// `--nps-scale`: 0-10 or 1-10.
    pub nps_scale: Option<String>,
    pub ces_easy: Option<i64>,
    pub na_values: Option<Vec<String>>,
    pub min_n: Option<u64>,
    pub confidence: Option<f64>,
    pub nps_interval: Option<NpsMethod>,
    /// `--max-invalid`: the share of a score column's answers (in %) that may be invalid.
    pub max_invalid: Option<f64>,
}

impl Config {
    /// Reads a config file; a missing file is exit 66, a malformed one exit 2.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| no_input(format!("cannot read config {}: {e}", path.display())))?;
        Config::parse(&text).map_err(|e| usage(format!("config {}: {e:#}", path.display())))
    }

    /// Parses config text.
    pub fn parse(text: &str) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| anyhow::anyhow!(crate::error::plain_types(&e.to_string())))?;
        for role in config.columns.keys() {
            if Role::parse(role).is_none() {
                let names: Vec<_> = Role::ALL.iter().map(|r| r.name()).collect();
                anyhow::bail!("[columns]: unknown role '{role}'; roles are {}", names.join(", "));
            }
        }
        Ok(config)
    }

    /// The `[columns]` mappings as roles.
    pub fn mappings(&self) -> Vec<(Role, String)> {
        self.columns.iter().filter_map(|(role, header)| Role::parse(role).map(|r| (r, header.clone()))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_errors_are_said_in_words() {
        let error = Config::parse("[survey]\nmin_n = \"many\"\n").unwrap_err().to_string();
        assert!(error.contains("found the text \"many\", expected a whole number from 0"), "{error}");
        let error = Config::parse("[survey]\nmin_n = -3\n").unwrap_err().to_string();
        assert!(error.contains("found the number -3, expected a whole number from 0"), "{error}");
        assert!(crate::error::internal_word(&error).is_none(), "{error}");
    }

    #[test]
    fn parses_columns_and_survey_defaults() {
        let c = Config::parse(
            "[columns]\ncsat = \"Overall satisfaction\"\nnps = \"推荐度\"\n\n[survey]\ncsat_scale = \"1-7\"\nna_values = [\"0\", \"-99\"]\nnps_interval = \"adjusted-wald\"\n",
        )
        .unwrap();
        assert_eq!(c.mappings(), vec![(Role::Csat, "Overall satisfaction".into()), (Role::Nps, "推荐度".into())]);
        assert_eq!(c.survey.csat_scale.as_deref(), Some("1-7"));
        assert_eq!(c.survey.nps_interval, Some(NpsMethod::AdjustedWald));
    }

    #[test]
    fn parses_complaint_settings() {
        let c = Config::parse(
            "[complaints]\nresolved_status = [\"closed\", \"已解决\"]\n[complaints.stages]\nreceived = [\"new\"]\n\n\
             [sla]\nresponse = \"4h\"\n[sla.critical]\nresponse = \"1h\"\nresolve = \"24h\"\n\n\
             [calendar]\nbusiness_hours = \"09:00-18:00\"\nholidays = [\"2026-10-01\"]\n[repeat]\nperiod = \"quarter\"\n",
        )
        .unwrap();
        assert_eq!(c.complaints.resolved_status.as_deref(), Some(&["closed".to_string(), "已解决".to_string()][..]));
        assert_eq!(c.complaints.stages["received"], vec!["new".to_string()]);
        assert_eq!(c.sla.response.as_deref(), Some("4h"));
        assert_eq!(c.sla.severity["critical"].resolve.as_deref(), Some("24h"));
        assert_eq!(c.calendar.holidays, vec!["2026-10-01".to_string()]);
        assert_eq!(c.repeat.period.as_deref(), Some("quarter"));
        assert!(Config::parse("[sla.critical]\nrespond = \"1h\"\n").is_err());
    }

    #[test]
    fn rejects_typos() {
        assert!(Config::parse("[colums]\ncsat = \"x\"\n").is_err());
        assert!(Config::parse("[columns]\nsatisfaction = \"x\"\n").is_err());
        assert!(Config::parse("[survey]\ncsat_scales = \"1-7\"\n").is_err());
    }
}
