//! The scorecard document: a plain model (KPIs with their changes, indicator notes, alerts,
//! breakdown tables, charts) and its Markdown and self-contained HTML renderings, which compute
//! nothing and touch no file. `kpis` reads the KPIs from the commands' typed results.

pub mod alerts;
pub mod kpis;

use std::fmt::Write as _;

use crate::output::{human_text, Cell, Table};

/// One headline KPI for the current period, the one before and the same period a year before.
#[derive(Debug, Clone, PartialEq)]
pub struct Kpi {
    /// Stable name, used by `--fail-under` and in summary.csv (`nps`, `csat`, …).
    pub key: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub decimals: usize,
    /// Whether a rise is good news (false for complaints and hours).
    pub higher_is_better: bool,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// The base: answers, complaints or customers behind the value.
    pub n: Option<f64>,
    pub low_base: bool,
    pub previous: Option<f64>,
    pub year_ago: Option<f64>,
    /// p-values of the change against the previous period and against the year before, where
    /// the KPI has a test (the tests of `cxstat compare`); `None` = no test.
    pub p_previous: Option<f64>,
    pub p_year_ago: Option<f64>,
    /// The alert that fired on this KPI, if any.
    pub alert: Option<String>,
}

/// Significance level of the scorecard's change marks.
pub const ALPHA: f64 = 0.05;

impl Kpi {
    /// Change against the previous period, in the KPI's unit.
    pub fn change(&self) -> Option<f64> {
        self.value.zip(self.previous).map(|(v, p)| v - p)
    }

    /// Change against the same period a year before.
    pub fn change_yoy(&self) -> Option<f64> {
        self.value.zip(self.year_ago).map(|(v, p)| v - p)
    }

    /// Relative change against the previous period in % (not computable from zero).
    pub fn change_pct(&self) -> Option<f64> {
        self.value.zip(self.previous).filter(|(_, p)| *p != 0.0).map(|(v, p)| 100.0 * (v - p) / p.abs())
    }
}

/// A table section of the report, also written as a CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub title: String,
    pub note: String,
    pub table: Table,
    /// The CSV file beside the report holding the full-precision table.
    pub csv: String,
}

/// A chart of the report: `charts/<stem>.svg` and `.png`.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub stem: String,
    pub title: String,
    pub svg: String,
}

/// Everything the scorecard shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    pub title: String,
    /// "2026-10" or "2026-Q3".
    pub period: String,
    pub previous: String,
    pub year_ago: String,
    /// "2026-10-01 to 2026-10-31".
    pub dates: String,
    pub as_of: String,
    pub inputs: Vec<String>,
    pub kpis: Vec<Kpi>,
    /// The five classic satisfaction indicators: (name, value text, how it is measured).
    pub indicators: Vec<(String, String, String)>,
    pub alerts: Vec<String>,
    pub notes: Vec<String>,
    pub sections: Vec<Section>,
    pub figures: Vec<Figure>,
}

fn number(v: Option<f64>, decimals: usize) -> String {
    v.map_or("–".to_string(), |v| format!("{v:.decimals$}"))
}

fn signed(v: Option<f64>, decimals: usize) -> String {
    v.map_or("–".to_string(), |v| format!("{v:+.decimals$}"))
}

/// ▲ / ▼ for a change that is significant at [`ALPHA`], "" otherwise (no change, not
/// significant, or no test for this KPI).
fn arrow(v: Option<f64>, p: Option<f64>) -> &'static str {
    match (v, p) {
        (Some(v), Some(p)) if p < ALPHA && v > 0.0 => "▲",
        (Some(v), Some(p)) if p < ALPHA && v < 0.0 => "▼",
        _ => "",
    }
}

/// What the significance test said, for the HTML title.
fn significance_text(p: Option<f64>) -> String {
    match p {
        Some(p) if p < ALPHA => format!("significant: p = {}", p_text(p)),
        Some(p) => format!("not significant at {ALPHA}: p = {}", p_text(p)),
        None => "no significance test for this KPI".to_string(),
    }
}

fn p_text(p: f64) -> String {
    if p < 0.0001 {
        "< 0.0001".to_string()
    } else {
        format!("{p:.4}")
    }
}

fn interval(k: &Kpi) -> String {
    match (k.low, k.high) {
        (Some(l), Some(h)) => format!("{}–{}", number(Some(l), k.decimals), number(Some(h), k.decimals)),
        _ => String::new(),
    }
}

fn base(k: &Kpi) -> String {
    let n = k.n.map_or(String::new(), |n| format!("{n}"));
    if k.low_base {
        format!("{n} (low base)")
    } else {
        n
    }
}

/// The value as shown: "82.4%", "25.4", or "–".
pub fn value_with_unit(k: &Kpi) -> String {
    match k.value {
        Some(v) if k.unit == "%" => format!("{v:.*}%", k.decimals),
        Some(v) => format!("{v:.*}", k.decimals),
        None => "–".to_string(),
    }
}

fn md_escape(s: &str) -> String {
    crate::output::markdown_text(s)
}

fn md_table(out: &mut String, columns: &[String], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", columns.iter().map(|c| md_escape(c)).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(out, "|{}|", columns.iter().map(|_| "---").collect::<Vec<_>>().join("|"));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.iter().map(|c| md_escape(c)).collect::<Vec<_>>().join(" | "));
    }
    out.push('\n');
}

fn kpi_rows(s: &Scorecard) -> (Vec<String>, Vec<Vec<String>>) {
    let columns = vec![
        "KPI".to_string(),
        s.period.clone(),
        "interval".to_string(),
        "base (n)".to_string(),
        format!("vs {}", s.previous),
        format!("vs {}", s.year_ago),
        "alert".to_string(),
    ];
    let rows = s
        .kpis
        .iter()
        .map(|k| {
            vec![
                k.label.to_string(),
                value_with_unit(k),
                interval(k),
                base(k),
                format!("{} {}", arrow(k.change(), k.p_previous), signed(k.change(), k.decimals)).trim().to_string(),
                format!("{} {}", arrow(k.change_yoy(), k.p_year_ago), signed(k.change_yoy(), k.decimals)).trim().to_string(),
                k.alert.clone().unwrap_or_default(),
            ]
        })
        .collect();
    (columns, rows)
}

fn table_text(table: &Table) -> Vec<Vec<String>> {
    table.rows.iter().map(|r| r.iter().map(human_text).collect()).collect()
}

/// The scorecard as Markdown; charts are linked as `charts/<stem>.svg`.
pub fn markdown(s: &Scorecard) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {} — {}\n", md_escape(&s.title), md_escape(&s.period));
    let _ = writeln!(out, "Dates {} · compared with {} and {} · made {}  ", s.dates, s.previous, s.year_ago, s.as_of);
    let _ = writeln!(out, "Inputs: {}\n", md_escape(&s.inputs.join(", ")));
    if !s.alerts.is_empty() {
        let _ = writeln!(out, "## Alerts\n");
        for a in &s.alerts {
            let _ = writeln!(out, "- **{}**", md_escape(a));
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Headline KPIs\n");
    let (columns, rows) = kpi_rows(s);
    md_table(&mut out, &columns, &rows);
    if !s.indicators.is_empty() {
        let _ = writeln!(out, "## The five satisfaction indicators\n");
        let rows: Vec<Vec<String>> = s.indicators.iter().map(|(a, b, c)| vec![a.clone(), b.clone(), c.clone()]).collect();
        md_table(&mut out, &["indicator", "value", "measured as"].map(String::from), &rows);
    }
    for section in &s.sections {
        let _ = writeln!(out, "## {}\n", md_escape(&section.title));
        if !section.note.is_empty() {
            let _ = writeln!(out, "{}\n", md_escape(&section.note));
        }
        md_table(&mut out, &section.table.columns, &table_text(&section.table));
        let _ = writeln!(out, "Full precision: [{0}]({0})\n", section.csv);
    }
    if !s.figures.is_empty() {
        let _ = writeln!(out, "## Charts\n");
        for f in &s.figures {
            let _ = writeln!(out, "![{}](charts/{}.svg)\n", md_escape(&f.title), f.stem);
        }
    }
    if !s.notes.is_empty() {
        let _ = writeln!(out, "## Notes\n");
        for n in &s.notes {
            let _ = writeln!(out, "- {}", md_escape(n));
        }
    }
    out
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;margin:0;background:#f5f6f8;color:#212121}
main{max-width:1240px;margin:0 auto;padding:24px 32px 48px}
h1{font-size:28px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 12px}
.meta{color:#616161;font-size:14px;margin:0 0 2px}
.alerts{background:#fdecea;border-left:4px solid #c62828;padding:10px 16px;margin:20px 0;border-radius:4px}
.alerts li{margin:4px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}
.card{background:#fff;border-radius:8px;padding:14px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card.alert{box-shadow:0 0 0 2px #c62828}
.card .label{font-size:13px;color:#616161}
.card .value{font-size:30px;font-weight:600;margin:4px 0}
.card .ci,.card .n{font-size:12px;color:#757575}
.card .deltas{font-size:13px;margin-top:6px}
.good{color:#2e7d32}.bad{color:#c62828}.flat{color:#757575}
table{border-collapse:collapse;background:#fff;font-size:13px;width:100%;box-shadow:0 1px 2px rgba(0,0,0,.08)}
th,td{padding:6px 10px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th{background:#fafafa;font-weight:600}
td:first-child,th:first-child{text-align:left}
table.text td,table.text th{text-align:left;white-space:normal}
.scroll{overflow-x:auto}
.note{color:#616161;font-size:13px}
figure{background:#fff;margin:0 0 16px;padding:8px;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
figure svg{width:100%;height:auto;display:block}
";

fn delta_html(change: Option<f64>, p: Option<f64>, k: &Kpi, against: &str) -> String {
    let mark = arrow(change, p);
    // Colour only the significant changes; the others stay grey.
    let class = match change {
        Some(v) if !mark.is_empty() && (v > 0.0) == k.higher_is_better => "good",
        Some(_) if !mark.is_empty() => "bad",
        _ => "flat",
    };
    format!(
        "<span class=\"{class}\" title=\"change against {against}: {}\">{mark} {}</span> <span class=\"flat\">vs {against}</span>",
        escape(&significance_text(p)),
        escape(&signed(change, k.decimals))
    )
}

fn html_table(out: &mut String, columns: &[String], rows: &[Vec<String>], class: &str) {
    let _ = write!(out, "<div class=\"scroll\"><table class=\"{class}\"><thead><tr>");
    for c in columns {
        let _ = write!(out, "<th>{}</th>", escape(c));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for c in row {
            let _ = write!(out, "<td>{}</td>", escape(c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
}

/// The scorecard as one self-contained HTML page: inline CSS, inline SVG charts, no scripts
/// and no network.
pub fn html(s: &Scorecard) -> String {
    let mut out = String::new();
    let title = format!("{} — {}", s.title, s.period);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body><main>",
        escape(&title)
    );
    let _ = write!(out, "<h1>{}</h1>", escape(&title));
    let _ = write!(
        out,
        "<p class=\"meta\">Dates {} · compared with {} and {} · made {}</p><p class=\"meta\">Inputs: {}</p>",
        escape(&s.dates),
        escape(&s.previous),
        escape(&s.year_ago),
        escape(&s.as_of),
        escape(&s.inputs.join(", "))
    );
    if !s.alerts.is_empty() {
        out.push_str("<div class=\"alerts\"><strong>Alerts</strong>");
        html_list(&mut out, "", &s.alerts);
        out.push_str("</div>");
    }
    out.push_str("<h2>Headline KPIs</h2><div class=\"cards\">");
    for k in &s.kpis {
        let _ = write!(
            out,
            "<div class=\"card{}\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"ci\">{}</div><div class=\"n\">n = {}</div><div class=\"deltas\">{}<br>{}</div></div>",
            if k.alert.is_some() { " alert" } else { "" },
            escape(k.label),
            escape(&value_with_unit(k)),
            escape(&if interval(k).is_empty() { String::new() } else { format!("interval {}", interval(k)) }),
            escape(&base(k)),
            delta_html(k.change(), k.p_previous, k, &s.previous),
            delta_html(k.change_yoy(), k.p_year_ago, k, &s.year_ago),
        );
    }
    out.push_str("</div>");
    if !s.indicators.is_empty() {
        out.push_str("<h2>The five satisfaction indicators</h2>");
        let rows: Vec<Vec<String>> = s.indicators.iter().map(|(a, b, c)| vec![a.clone(), b.clone(), c.clone()]).collect();
        html_table(&mut out, &["indicator", "value", "measured as"].map(String::from), &rows, "text");
    }
    for f in &s.figures {
        let _ = write!(out, "<h2>{}</h2><figure>{}</figure>", escape(&f.title), strip_xml_declaration(&f.svg));
    }
    for section in &s.sections {
        let _ = write!(out, "<h2>{}</h2>", escape(&section.title));
        if !section.note.is_empty() {
            let _ = write!(out, "<p class=\"note\">{}</p>", escape(&section.note));
        }
        html_table(&mut out, &section.table.columns, &table_text(&section.table), "numbers");
        let _ = write!(out, "<p class=\"note\">Full precision: {}</p>", escape(&section.csv));
    }
    if !s.notes.is_empty() {
        out.push_str("<h2>Notes</h2>");
        html_list(&mut out, "note", &s.notes);
    }
    out.push_str("</main></body></html>\n");
    out
}

fn html_list(out: &mut String, class: &str, items: &[String]) {
    let _ = write!(out, "<ul class=\"{class}\">");
    for item in items {
        let _ = write!(out, "<li>{}</li>", escape(item));
    }
    out.push_str("</ul>");
}

fn strip_xml_declaration(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

/// The KPIs as a table for summary.csv / summary.json: one row per KPI.
pub fn summary_table(s: &Scorecard) -> Table {
    let columns = [
        "kpi",
        "label",
        "period",
        "value",
        "low",
        "high",
        "n",
        "low_base",
        "previous_period",
        "previous",
        "change",
        "change_pct",
        "p_change",
        "year_ago_period",
        "year_ago",
        "change_yoy",
        "p_change_yoy",
        "unit",
        "alert",
    ]
    .map(String::from)
    .to_vec();
    let rows = s
        .kpis
        .iter()
        .map(|k| {
            vec![
                Cell::Text(k.key.to_string()),
                Cell::Text(k.label.to_string()),
                Cell::Text(s.period.clone()),
                Cell::num(k.value, k.decimals),
                Cell::num(k.low, k.decimals),
                Cell::num(k.high, k.decimals),
                k.n.map_or(Cell::Null, |n| Cell::Int(n as i64)),
                Cell::Bool(k.low_base),
                Cell::Text(s.previous.clone()),
                Cell::num(k.previous, k.decimals),
                Cell::num(k.change(), k.decimals),
                Cell::num(k.change_pct(), 1),
                Cell::p(k.p_previous),
                Cell::Text(s.year_ago.clone()),
                Cell::num(k.year_ago, k.decimals),
                Cell::num(k.change_yoy(), k.decimals),
                Cell::p(k.p_year_ago),
                Cell::Text(k.unit.to_string()),
                Cell::text(k.alert.as_deref()),
            ]
        })
        .collect();
    Table { columns, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kpi() -> Kpi {
        Kpi {
            key: "nps",
            label: "NPS",
            unit: "points",
            decimals: 1,
            higher_is_better: true,
            value: Some(32.0),
            low: Some(25.5),
            high: Some(38.5),
            n: Some(200.0),
            low_base: false,
            previous: Some(40.0),
            year_ago: None,
            p_previous: Some(0.012),
            p_year_ago: None,
            alert: None,
        }
    }

    #[test]
    fn changes() {
        // 32 − 40 = −8 points, −8 / 40 = −20%; no year-ago value, no change.
        let k = kpi();
        assert_eq!(k.change(), Some(-8.0));
        assert_eq!(k.change_pct(), Some(-20.0));
        assert_eq!(k.change_yoy(), None);
    }

    #[test]
    fn html_is_escaped_and_self_contained() {
        let s = Scorecard {
            title: "CX <scorecard>".into(),
            period: "2026-10".into(),
            previous: "2026-09".into(),
            year_ago: "2025-10".into(),
            dates: "2026-10-01 to 2026-10-31".into(),
            as_of: "2026-11-02".into(),
            inputs: vec!["r.csv".into()],
            kpis: vec![kpi()],
            indicators: vec![],
            alerts: vec!["nps 32.0 is under 35".into()],
            notes: vec![],
            sections: vec![],
            figures: vec![Figure { stem: "x".into(), title: "X".into(), svg: "<?xml version=\"1.0\"?><svg></svg>".into() }],
        };
        let h = html(&s);
        assert!(h.contains("CX &lt;scorecard&gt;"));
        assert!(h.contains("<figure><svg></svg></figure>"));
        assert!(!h.contains("<script") && !h.contains("http://") && !h.contains("https://"));
        // p = 0.012 < 0.05: the fall is marked, with its p-value in the title.
        assert!(h.contains("title=\"change against 2026-09: significant: p = 0.0120\">▼ -8.0"), "{h}");
        assert!(h.contains("title=\"change against 2025-10: no significance test for this KPI\">"), "{h}");
        let md = markdown(&s);
        assert!(md.contains("| NPS | 32.0 | 25.5–38.5 | 200 | ▼ -8.0 | – |"), "{md}");
        // Not significant: the change is shown without a mark, in grey.
        let mut calm = s.clone();
        calm.kpis[0].p_previous = Some(0.2);
        let h = html(&calm);
        assert!(h.contains("<span class=\"flat\" title=\"change against 2026-09: not significant at 0.05: p = 0.2000\"> -8.0"), "{h}");
        assert!(markdown(&calm).contains("| 200 | -8.0 |"));
    }
}
