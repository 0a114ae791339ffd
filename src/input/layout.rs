//! The header layouts of survey platforms' exports: which rows are headers, what each column
//! is called, and the question text and import id behind it. Pure functions on the first
//! records of a file; no polars here.
//!
//! - Qualtrics: row 1 export tags (`Q1`, `Q7_NPS_GROUP`), row 2 question text, row 3 JSON import
//!   ids (`{"ImportId":"QID1"}`); data from row 4. Legacy: row 1 `V1…V10` then tags, row 2 names
//!   and question text; data from row 3.
//! - SurveyMonkey: row 1 question text above the first column of each question (blank above the
//!   rest), row 2 `Response`, `Open-Ended Response` or the choice/row label; data from row 3.
//! - Google Forms: one header row starting with `Timestamp`, grid questions as `Question [Row]`.

/// The platform an export comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Export {
    /// One header row (our data contract, or any plain table).
    Plain,
    /// Qualtrics CSV/TSV with three header rows.
    Qualtrics,
    /// Qualtrics legacy export: two header rows, V1…V10.
    QualtricsLegacy,
    /// SurveyMonkey: two header rows.
    Surveymonkey,
    /// Google Forms: one header row, Timestamp first.
    GoogleForms,
}

impl Export {
    pub fn name(self) -> &'static str {
        match self {
            Export::Plain => "plain table (one header row)",
            Export::Qualtrics => "Qualtrics export (3 header rows: export tags, question text, import ids)",
            Export::QualtricsLegacy => "Qualtrics legacy export (2 header rows: V1…V10 and tags, names and question text)",
            Export::Surveymonkey => "SurveyMonkey export (2 header rows: questions, answer options)",
            Export::GoogleForms => "Google Forms export (one header row, Timestamp first)",
        }
    }

    /// How many header rows the layout has.
    pub fn header_rows(self) -> usize {
        match self {
            Export::Qualtrics => 3,
            Export::QualtricsLegacy | Export::Surveymonkey => 2,
            Export::Plain | Export::GoogleForms => 1,
        }
    }
}

/// What is known about one column besides its name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnInfo {
    pub question: Option<String>,
    pub import_id: Option<String>,
}

/// The header rows read: the export, how many rows, unique column names and their details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderLayout {
    pub export: Export,
    pub rows: usize,
    pub names: Vec<String>,
    pub info: Vec<ColumnInfo>,
    /// Headers that started with `__` (cxstat's own columns' prefix), as (header, name read).
    pub renamed: Vec<(String, String)>,
}

fn cell(records: &[Vec<String>], row: usize, col: usize) -> &str {
    records.get(row).and_then(|r| r.get(col)).map_or("", |s| s.trim_start_matches('\u{feff}').trim())
}

/// The `ImportId` of a Qualtrics row-3 cell such as `{"ImportId":"QID1"}`.
fn import_id(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text.trim()).ok()?;
    value.get("ImportId")?.as_str().map(str::to_string)
}

const TIMESTAMP: &[&str] = &["timestamp", "时间戳记", "时间戳", "時間戳記", "marca temporal", "horodateur", "zeitstempel"];
const MONKEY_ANSWERS: &[&str] = &["response", "open-ended response", "other (please specify)"];

/// Recognises the export from its first records (at least the first three when there are).
pub fn detect(records: &[Vec<String>]) -> Export {
    let width = records.first().map_or(0, Vec::len);
    let share = |row: usize, test: &dyn Fn(&str) -> bool| {
        let hits = (0..width).filter(|&c| test(cell(records, row, c))).count();
        width > 0 && hits * 2 > width
    };
    if records.len() >= 3 && share(2, &|t| import_id(t).is_some()) {
        return Export::Qualtrics;
    }
    if cell(records, 0, 0) == "V1" && cell(records, 0, 1) == "V2" && records.len() >= 2 {
        return Export::QualtricsLegacy;
    }
    let first_row: Vec<String> = (0..width).map(|c| cell(records, 0, c).to_lowercase()).collect();
    let second_has_answers = (0..width).any(|c| MONKEY_ANSWERS.contains(&cell(records, 1, c).to_lowercase().as_str()));
    if first_row.iter().any(|h| h == "respondent id") && second_has_answers {
        return Export::Surveymonkey;
    }
    if first_row.first().is_some_and(|h| TIMESTAMP.contains(&h.as_str())) {
        return Export::GoogleForms;
    }
    Export::Plain
}

/// The prefix of the columns cxstat adds to a frame while it computes (`__day`, `__customer`,
/// `__overflow`): no input column may start with it.
pub const RESERVED_PREFIX: &str = "__";

/// Distinct names: blanks become `column_N`, repeats get `_2`, `_3`; a name starting with `__`
/// (cxstat's own columns) starts with one underscore instead, listed in the second vector as
/// (header, name read).
pub fn unique(raw: &[String]) -> (Vec<String>, Vec<(String, String)>) {
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    let mut renamed = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let base = r.trim_start_matches('\u{feff}').trim();
        let base = if base.is_empty() {
            format!("column_{}", i + 1)
        } else if base.starts_with(RESERVED_PREFIX) {
            format!("_{}", base.trim_start_matches('_'))
        } else {
            base.to_string()
        };
        let mut name = base.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        if r.trim().starts_with(RESERVED_PREFIX) {
            renamed.push((r.trim().to_string(), name.clone()));
        }
        names.push(name);
    }
    (names, renamed)
}

/// The warning for headers renamed by [`unique`], if any.
pub fn renamed_note(file: &str, renamed: &[(String, String)]) -> Option<String> {
    if renamed.is_empty() {
        return None;
    }
    let pairs: Vec<String> = renamed.iter().take(5).map(|(h, n)| format!("'{h}' as '{n}'")).collect();
    let many = renamed.len() > 1;
    Some(format!(
        "{file}: column{} {}{} (names starting with '__' are cxstat's own); use the new name{} in --by and the config",
        if many { "s read" } else { " read" },
        pairs.join(", "),
        if renamed.len() > 5 { ", …" } else { "" },
        if many { "s" } else { "" },
    ))
}

/// The layout of `export` (`rows` overrides its header-row count: the first row names the
/// columns and the others are skipped).
pub fn layout(records: &[Vec<String>], export: Export, rows: Option<usize>) -> HeaderLayout {
    if rows == Some(0) {
        // No header row (`--no-header`): the columns are named 1, 2, … as xsv and qsv number them.
        let width = records.iter().map(Vec::len).max().unwrap_or(0);
        let names = (1..=width).map(|c| c.to_string()).collect();
        return HeaderLayout { export: Export::Plain, rows: 0, names, info: vec![ColumnInfo::default(); width], renamed: Vec::new() };
    }
    let rows = rows.unwrap_or(export.header_rows()).max(1);
    // The header rows' width (a ragged data row must not add columns: it is caught later).
    let width = records.iter().take(rows).map(Vec::len).max().unwrap_or(0);
    let text = |row: usize, col: usize| cell(records, row, col).to_string();
    let some = |s: String| (!s.is_empty()).then_some(s);
    let (raw, info): (Vec<String>, Vec<ColumnInfo>) = match export {
        Export::Qualtrics => {
            (0..width).map(|c| (text(0, c), ColumnInfo { question: some(text(1, c)), import_id: import_id(cell(records, 2, c)) })).unzip()
        }
        Export::QualtricsLegacy => (0..width)
            .map(|c| {
                let (tag, second) = (text(0, c), text(1, c));
                // V1…V10 are system fields named in row 2; the rest are tags with their question text.
                let system = tag.is_empty() || (tag.starts_with('V') && tag[1..].parse::<u32>().is_ok());
                if system {
                    (second, ColumnInfo::default())
                } else {
                    (tag, ColumnInfo { question: some(second), import_id: None })
                }
            })
            .unzip(),
        Export::Surveymonkey => {
            let mut question = String::new();
            (0..width)
                .map(|c| {
                    let (top, answer) = (text(0, c), text(1, c));
                    if !top.is_empty() {
                        question = top.clone();
                    }
                    let plain = answer.is_empty() || MONKEY_ANSWERS.contains(&answer.to_lowercase().as_str());
                    let name = if plain && !top.is_empty() {
                        top.clone()
                    } else if plain {
                        question.clone()
                    } else {
                        format!("{question} - {answer}")
                    };
                    (name, ColumnInfo { question: some(question.clone()), import_id: None })
                })
                .unzip()
        }
        Export::Plain | Export::GoogleForms => (0..width).map(|c| (text(0, c), ColumnInfo::default())).unzip(),
    };
    let (names, renamed) = unique(&raw);
    HeaderLayout { export, rows, names, info, renamed }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(lines: &[&[&str]]) -> Vec<Vec<String>> {
        lines.iter().map(|l| l.iter().map(|s| s.to_string()).collect()).collect()
    }

    #[test]
    fn qualtrics_three_rows() {
        let r = rows(&[
            &["StartDate", "ResponseId", "Q1", "Q7", "Q7_NPS_GROUP"],
            &["Start Date", "Response ID", "How satisfied? - Selected Choice", "How likely…", "How likely… - Group"],
            &[
                r#"{"ImportId":"startDate","timeZone":"America/Denver"}"#,
                r#"{"ImportId":"_recordId"}"#,
                r#"{"ImportId":"QID1"}"#,
                r#"{"ImportId":"QID7_NPS_GROUP"}"#,
                r#"{"ImportId":"QID7_NPS_GROUP"}"#,
            ],
            &["2026-10-01", "R_1", "5", "9", "3"],
        ]);
        assert_eq!(detect(&r), Export::Qualtrics);
        let l = layout(&r, Export::Qualtrics, None);
        assert_eq!(l.rows, 3);
        assert_eq!(l.names[2], "Q1");
        assert_eq!(l.info[2].import_id.as_deref(), Some("QID1"));
        assert_eq!(l.info[2].question.as_deref(), Some("How satisfied? - Selected Choice"));
        assert_eq!(l.info[0].import_id.as_deref(), Some("startDate"));
    }

    #[test]
    fn qualtrics_legacy_two_rows() {
        let r = rows(&[
            &["V1", "V2", "V8", "Q1", "Q2", ""],
            &["ResponseID", "ResponseSet", "StartDate", "This is a multiple choice question.", "Free text", ""],
        ]);
        assert_eq!(detect(&r), Export::QualtricsLegacy);
        let l = layout(&r, Export::QualtricsLegacy, None);
        assert_eq!(l.names, ["ResponseID", "ResponseSet", "StartDate", "Q1", "Q2", "column_6"]);
        assert_eq!(l.info[3].question.as_deref(), Some("This is a multiple choice question."));
    }

    #[test]
    fn surveymonkey_builds_names_from_both_rows() {
        let r = rows(&[
            &["Respondent ID", "Start Date", "How satisfied are you?", "Rate us on:", "", "Comments"],
            &["", "", "Response", "Speed", "Staff", "Open-Ended Response"],
        ]);
        assert_eq!(detect(&r), Export::Surveymonkey);
        let l = layout(&r, Export::Surveymonkey, None);
        assert_eq!(
            l.names,
            ["Respondent ID", "Start Date", "How satisfied are you?", "Rate us on: - Speed", "Rate us on: - Staff", "Comments"]
        );
        assert_eq!(l.info[4].question.as_deref(), Some("Rate us on:"));
    }

    #[test]
    fn google_forms_and_plain() {
        let r = rows(&[&["Timestamp", "How satisfied?", "Rate [Speed]"], &["2026/10/03 2:15:31 PM GMT+8", "5", "4"]]);
        assert_eq!(detect(&r), Export::GoogleForms);
        assert_eq!(layout(&r, Export::GoogleForms, None).rows, 1);
        let plain = rows(&[&["id", "csat", "csat"], &["1", "5", "4"]]);
        assert_eq!(detect(&plain), Export::Plain);
        assert_eq!(layout(&plain, Export::Plain, Some(2)).names, ["id", "csat", "csat_2"]);
        assert_eq!(layout(&plain, Export::Plain, Some(2)).rows, 2);
    }
}
