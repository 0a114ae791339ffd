//! The scorecard document: a plain model (KPIs with their changes, indicator notes, alerts,
//! breakdown tables, charts) and its Markdown and self-contained HTML renderings, which compute
//! nothing and touch no file. `kpis` reads the KPIs from the commands' typed results.

pub mod alerts;
pub mod kpis;

use std::fmt::Write as _;

use crate::output::{human_text, without_blank_columns, Cell, Table};

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
    /// Its threshold (`--fail-under`, `--fail-over`): (under, value); printed on the page and
    /// drawn on its trend chart.
    pub target: Option<(bool, f64)>,
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
    /// Written before amounts (`[report] currency = "¥"`); "" for none.
    pub currency: String,
}

fn number(v: Option<f64>, decimals: usize) -> String {
    v.map_or("–".to_string(), |v| grouped(&format!("{v:.decimals$}")))
}

fn signed(v: Option<f64>, decimals: usize) -> String {
    v.map_or("–".to_string(), |v| grouped(&format!("{v:+.decimals$}")))
}

/// A formatted number with thousands separators in its whole part: "39,567.10", "+4,415.11",
/// "-1,234"; a number under 1,000 as it is.
pub fn grouped(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix(['+', '-']) {
        Some(rest) => (&text[..1], rest),
        None => ("", text),
    };
    let (whole, fraction) = rest.split_at(rest.find('.').unwrap_or(rest.len()));
    if !whole.bytes().all(|b| b.is_ascii_digit()) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    format!("{sign}{out}{fraction}")
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
        (Some(l), Some(h)) => format!("{} to {}", number(Some(l), k.decimals), number(Some(h), k.decimals)),
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

/// The value as shown: "82.4%", "25.4", "39,567.10", or "–".
pub fn value_with_unit(k: &Kpi) -> String {
    match k.value {
        Some(v) if k.unit == "%" => format!("{v:.*}%", k.decimals),
        Some(v) => grouped(&format!("{v:.*}", k.decimals)),
        None => "–".to_string(),
    }
}

/// [`value_with_unit`], an amount with the report's currency before it ("¥39,567.10").
fn shown_value(k: &Kpi, currency: &str) -> String {
    let value = value_with_unit(k);
    if k.unit == "amount" && k.value.is_some() {
        format!("{currency}{value}")
    } else {
        value
    }
}

/// The KPI's threshold as the page says it: "target ≥ 30" (`--fail-under`) or "limit ≤ 60"
/// (`--fail-over`), "" without one.
fn target_text(k: &Kpi) -> String {
    match k.target {
        Some((true, t)) => format!("target ≥ {}", grouped(&t.to_string())),
        Some((false, t)) => format!("limit ≤ {}", grouped(&t.to_string())),
        None => String::new(),
    }
}

/// A label inside a sentence: "resolution rate", but "NPS" and "CSAT (top-box %)" as they are.
fn in_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if second.is_lowercase() => first.to_lowercase().chain(label.chars().skip(1)).collect(),
        _ => label.to_string(),
    }
}

/// What changed, in a sentence for the top of the page: the KPIs past their threshold first,
/// then those whose change against the previous period is significant, at most four; without
/// either, the first KPI that has a change ("Against 2026-09: NPS fell 10.7 points to 25.4, below the target of
/// 30; resolution rate rose 5.5 points to 96.2% (significant, p = 0.0120).").
pub fn headline(s: &Scorecard) -> String {
    let breached = s.kpis.iter().filter(|k| k.alert.is_some() && k.value.is_some());
    let significant = s.kpis.iter().filter(|k| k.alert.is_none() && k.p_previous.is_some_and(|p| p < ALPHA) && k.change().is_some());
    let mut chosen: Vec<&Kpi> = breached.chain(significant).take(4).collect();
    if chosen.is_empty() {
        chosen.extend(s.kpis.iter().find(|k| k.change().is_some()));
    }
    if chosen.is_empty() {
        return format!("No KPI has a value for both {} and {}: nothing to compare.", s.period, s.previous);
    }
    let phrases: Vec<String> = chosen
        .iter()
        .map(|k| {
            let value = shown_value(k, &s.currency);
            let mut phrase = match k.change() {
                Some(c) if format!("{:.*}", k.decimals, c.abs()).bytes().all(|b| b == b'0' || b == b'.') => {
                    format!("{} held at {value}", in_sentence(k.label))
                }
                Some(c) => {
                    let by = grouped(&format!("{:.*}", k.decimals, c.abs()));
                    let unit = if matches!(k.unit, "%" | "points") { " points" } else { "" };
                    format!("{} {} {by}{unit} to {value}", in_sentence(k.label), if c > 0.0 { "rose" } else { "fell" })
                }
                None => format!("{} is {value} (no {} value to compare)", in_sentence(k.label), s.previous),
            };
            match (k.target, k.alert.is_some()) {
                (Some((true, t)), true) => phrase.push_str(&format!(", below the target of {}", grouped(&t.to_string()))),
                (Some((false, t)), true) => phrase.push_str(&format!(", above the limit of {}", grouped(&t.to_string()))),
                _ => {}
            }
            match k.p_previous {
                Some(p) if p < ALPHA => phrase.push_str(&format!(" (significant, p = {})", p_text(p))),
                Some(p) if k.alert.is_some() => phrase.push_str(&format!(" (not a significant change, p = {})", p_text(p))),
                _ => {}
            }
            phrase
        })
        .collect();
    format!("Against {}: {}.", s.previous, phrases.join("; "))
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
        "target".to_string(),
        "alert".to_string(),
    ];
    let rows = s
        .kpis
        .iter()
        .map(|k| {
            vec![
                k.label.to_string(),
                shown_value(k, &s.currency),
                interval(k),
                base(k),
                change_text(k.change(), k.p_previous, k.decimals),
                change_text(k.change_yoy(), k.p_year_ago, k.decimals),
                target_text(k),
                k.alert.clone().unwrap_or_default(),
            ]
        })
        .collect();
    (columns, rows)
}

/// A change as the tables show it: "▼ -10.7 (p = 0.0150)", "+2.5 (p = 0.4000)", "+0.23".
fn change_text(change: Option<f64>, p: Option<f64>, decimals: usize) -> String {
    let text = format!("{} {}", arrow(change, p), signed(change, decimals)).trim().to_string();
    match p {
        Some(p) if change.is_some() => format!("{text} (p = {})", p_text(p)),
        _ => text,
    }
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
    let _ = writeln!(out, "**{}**\n", md_escape(&headline(s)));
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
        let table = without_blank_columns(&section.table);
        md_table(&mut out, &table.columns, &table_text(&table));
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

/// The page's fonts: first the bundled font cut to the page's characters that are not ASCII
/// (embedded, so Chinese renders without a CJK font installed; it has no Latin letters, which
/// fall through to the reader's own fonts), in the text and the inline charts alike (CSS
/// outranks the charts' `font-family` attribute). It must come first: Chromium on Linux takes
/// a character `system-ui` lacks to its own fallback, never to a family later in the list.
const FONTS: &str = "'cxstat-noto-sc',system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif";

const STYLE: &str = "
body{margin:0;background:#f5f6f8;color:#212121}
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
.card .p{font-size:11px;color:#9e9e9e}
.card .target{font-size:12px;color:#424242;margin-top:4px}
.headline{font-size:17px;background:#fff;border-radius:8px;padding:12px 16px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}
@page{size:A4;margin:14mm}
@media print{body{background:#fff}main{max-width:none;padding:0}.card,figure,table,.alerts,.headline{box-shadow:none;border:1px solid #ddd;break-inside:avoid}h2{break-after:avoid}.cards{grid-template-columns:repeat(3,1fr)}.scroll{overflow:visible}}
table{border-collapse:collapse;background:#fff;font-size:13px;width:100%;box-shadow:0 1px 2px rgba(0,0,0,.08)}
th,td{padding:6px 10px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th{background:#fafafa;font-weight:600}
td:first-child,th:first-child{text-align:left}
td.t,th.t{text-align:left;white-space:normal}
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
    let p_shown = match p {
        Some(p) if change.is_some() => format!(" <span class=\"p\">p = {}</span>", escape(&p_text(p))),
        _ => String::new(),
    };
    format!(
        "<span class=\"{class}\" title=\"change against {against}: {}\">{mark} {}</span> <span class=\"flat\">vs {against}</span>{p_shown}",
        escape(&significance_text(p)),
        escape(&signed(change, k.decimals))
    )
}

fn html_table(out: &mut String, columns: &[String], rows: &[Vec<String>], class: &str) {
    let _ = write!(out, "<div class=\"scroll\"><table class=\"{class}\"><thead><tr>");
    for (k, c) in columns.iter().enumerate() {
        // A column of words has its header on the left too.
        let words = rows.iter().any(|r| r.get(k).is_some_and(|cell| !is_number_text(cell)));
        let _ = write!(out, "<th{}>{}</th>", if words { " class=\"t\"" } else { "" }, escape(c));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for c in row {
            // Words (a segment, a customer's comment) read from the left; numbers line up right.
            let class = if is_number_text(c) { "" } else { " class=\"t\"" };
            let _ = write!(out, "<td{class}>{}</td>", escape(c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
}

/// Whether a cell shows a number ("1,234.5", "−3.2", "+4.0", "67.7%", "–" or nothing).
fn is_number_text(cell: &str) -> bool {
    let body = cell.trim().trim_start_matches(['+', '-', '−']).trim_end_matches('%');
    body.is_empty() || body == "–" || body.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.')
}

/// The scorecard as one self-contained HTML page: inline CSS, inline SVG charts, no scripts
/// and no network.
pub fn html(s: &Scorecard) -> String {
    let mut out = String::new();
    let title = format!("{} — {}", s.title, s.period);
    out.push_str("<body><main>");
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
    let _ = write!(out, "<p class=\"headline\">{}</p>", escape(&headline(s)));
    if !s.alerts.is_empty() {
        out.push_str("<div class=\"alerts\"><strong>Alerts</strong>");
        html_list(&mut out, "", &s.alerts);
        out.push_str("</div>");
    }
    out.push_str("<h2>Headline KPIs</h2><div class=\"cards\">");
    for k in &s.kpis {
        let _ = write!(
            out,
            "<div class=\"card{}\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"ci\">{}</div><div class=\"n\">n = {}</div><div class=\"deltas\">{}<br>{}</div>{}</div>",
            if k.alert.is_some() { " alert" } else { "" },
            escape(k.label),
            escape(&shown_value(k, &s.currency)),
            escape(&if interval(k).is_empty() { String::new() } else { format!("interval {}", interval(k)) }),
            escape(&base(k)),
            delta_html(k.change(), k.p_previous, k, &s.previous),
            delta_html(k.change_yoy(), k.p_year_ago, k, &s.year_ago),
            match target_text(k) {
                t if t.is_empty() => String::new(),
                t => format!("<div class=\"target\">{}</div>", escape(&t)),
            },
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
        let table = without_blank_columns(&section.table);
        html_table(&mut out, &table.columns, &table_text(&table), "numbers");
        let _ = write!(out, "<p class=\"note\">Full precision: <a href=\"{0}\">{0}</a></p>", escape(&section.csv));
    }
    if !s.notes.is_empty() {
        out.push_str("<h2>Notes</h2>");
        html_list(&mut out, "note", &s.notes);
    }
    out.push_str("</main></body></html>\n");
    let head = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{}body,figure svg text{{font-family:{FONTS}}}{STYLE}</style></head>",
        escape(&title),
        crate::chart::webfont::font_face(&format!("{title}{out}")),
    );
    head + &out
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
            target: None,
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
            currency: String::new(),
        };
        let h = html(&s);
        assert!(h.contains("CX &lt;scorecard&gt;"));
        assert!(h.contains("<figure><svg></svg></figure>"));
        assert!(!h.contains("<script") && !h.contains("http://") && !h.contains("https://"));
        // p = 0.012 < 0.05: the fall is marked, with its p-value in the title.
        assert!(h.contains("title=\"change against 2026-09: significant: p = 0.0120\">▼ -8.0"), "{h}");
        assert!(h.contains("title=\"change against 2025-10: no significance test for this KPI\">"), "{h}");
        let md = markdown(&s);
        assert!(md.contains("| NPS | 32.0 | 25.5 to 38.5 | 200 | ▼ -8.0 (p = 0.0120) | – |  |  |"), "{md}");
        assert!(md.contains("**Against 2026-09: NPS fell 8.0 points to 32.0 (significant, p = 0.0120).**"), "{md}");
        // The p-value is on the page, not only in the tooltip.
        assert!(h.contains("<span class=\"p\">p = 0.0120</span>"), "{h}");
        // Not significant: the change is shown without a mark, in grey.
        let mut calm = s.clone();
        calm.kpis[0].p_previous = Some(0.2);
        let h = html(&calm);
        assert!(h.contains("<span class=\"flat\" title=\"change against 2026-09: not significant at 0.05: p = 0.2000\"> -8.0"), "{h}");
        assert!(markdown(&calm).contains("| 200 | -8.0 (p = 0.2000) |"));
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        for (text, want) in [
            ("39567.10", "39,567.10"),
            ("+4415.11", "+4,415.11"),
            ("-1234567", "-1,234,567"),
            ("999.5", "999.5"),
            ("0", "0"),
            ("–", "–"),
            ("1e16", "1e16"),
        ] {
            assert_eq!(grouped(text), want, "{text}");
        }
    }

    #[test]
    fn the_headline_says_what_changed_breaches_first() {
        let nps = Kpi { alert: Some("under 35".into()), target: Some((true, 35.0)), p_previous: Some(0.015), ..kpi() };
        let resolved = Kpi {
            key: "resolved_pct",
            label: "Resolution rate",
            unit: "%",
            value: Some(96.2),
            previous: Some(90.7),
            p_previous: Some(0.012),
            alert: None,
            target: None,
            ..kpi()
        };
        let quiet = Kpi { key: "csat", label: "CSAT (top-box %)", p_previous: Some(0.4), ..resolved.clone() };
        let mut s = Scorecard {
            title: "t".into(),
            period: "2026-10".into(),
            previous: "2026-09".into(),
            year_ago: "2025-10".into(),
            dates: String::new(),
            as_of: String::new(),
            inputs: vec![],
            kpis: vec![quiet.clone(), resolved, nps],
            indicators: vec![],
            alerts: vec![],
            notes: vec![],
            sections: vec![],
            figures: vec![],
            currency: String::new(),
        };
        // NPS 32.0 from 40.0: fell 8.0 points, under its target; resolution 90.7 → 96.2: rose 5.5
        // points, p = 0.012 < 0.05; CSAT's change (p = 0.4) is not news.
        assert_eq!(
            headline(&s),
            "Against 2026-09: NPS fell 8.0 points to 32.0, below the target of 35 (significant, p = 0.0150); resolution rate rose 5.5 points to 96.2% (significant, p = 0.0120)."
        );
        // Nothing breached or significant: the first KPI with a change.
        s.kpis = vec![quiet];
        assert_eq!(headline(&s), "Against 2026-09: CSAT (top-box %) rose 5.5 points to 96.2%.");
        let revenue = Kpi {
            key: "revenue",
            label: "Revenue",
            unit: "amount",
            decimals: 2,
            value: Some(39567.1),
            previous: Some(35151.99),
            p_previous: None,
            ..kpi()
        };
        s.kpis = vec![revenue];
        s.currency = "¥".into();
        assert_eq!(headline(&s), "Against 2026-09: revenue rose 4,415.11 to ¥39,567.10.");
    }
}
