//! Renderers: CSV and JSON at full precision from the machine table; a terminal table and
//! Markdown, rounded, from the human table.

use anyhow::Result;
use comfy_table::{presets, CellAlignment, ContentArrangement};

use super::Format;
use super::{Cell, Report, Table};

/// Renders a report in a format, ready to write.
pub fn render(report: &Report, format: Format) -> Result<Vec<u8>> {
    match format {
        Format::Csv => csv_bytes(&report.machine),
        Format::Json => json_bytes(report),
        Format::Table => Ok(text_table(report, false).into_bytes()),
        Format::Markdown => Ok(text_table(report, true).into_bytes()),
    }
}

/// Full-precision text of a cell for CSV (shortest text that reads back to the same float).
pub fn machine_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Int(i) => i.to_string(),
        Cell::Num(v, _) | Cell::P(v) => number_text(*v),
        Cell::Bool(b) => b.to_string(),
        Cell::Null => String::new(),
    }
}

/// The shortest text that reads back to `v`: in scientific notation below 1e-4 and from 1e16 on,
/// where the plain form would run to dozens of zeros (a p-value of 1e-170).
fn number_text(v: f64) -> String {
    let magnitude = v.abs();
    if magnitude != 0.0 && !(1e-4..1e16).contains(&magnitude) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// Rounded text of a cell for people.
pub fn human_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Int(i) => i.to_string(),
        Cell::Num(v, decimals) => format!("{v:.decimals$}"),
        Cell::P(p) if *p < 0.0001 => "<0.0001".to_string(),
        Cell::P(p) => format!("{p:.4}"),
        Cell::Bool(true) => "yes".to_string(),
        Cell::Bool(false) => String::new(),
        Cell::Null => "–".to_string(),
    }
}

fn csv_bytes(table: &Table) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&table.columns)?;
    for row in &table.rows {
        writer.write_record(row.iter().map(machine_text))?;
    }
    writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

fn json_value(cell: &Cell) -> serde_json::Value {
    use serde_json::Value;
    match cell {
        Cell::Text(s) => Value::String(s.clone()),
        Cell::Int(i) => Value::from(*i),
        Cell::Num(v, _) | Cell::P(v) => serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number),
        Cell::Bool(b) => Value::Bool(*b),
        Cell::Null => Value::Null,
    }
}

fn json_bytes(report: &Report) -> Result<Vec<u8>> {
    let table = &report.machine;
    let rows: Vec<serde_json::Value> = table
        .rows
        .iter()
        .map(|row| {
            let object: serde_json::Map<String, serde_json::Value> =
                table.columns.iter().cloned().zip(row.iter().map(json_value)).collect();
            serde_json::Value::Object(object)
        })
        .collect();
    let value = if report.meta.is_empty() {
        serde_json::Value::Array(rows)
    } else {
        let mut object: serde_json::Map<String, serde_json::Value> = report.meta.iter().map(|(k, v)| (k.clone(), json_value(v))).collect();
        object.insert(report.rows_key.to_string(), serde_json::Value::Array(rows));
        serde_json::Value::Object(object)
    };
    let mut bytes = serde_json::to_vec_pretty(&value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Text as it goes into Markdown, so that a value such as `<img src=x onerror=alert(1)>` renders
/// as text on GitHub or GitLab, never as HTML or a link: a `<` that could open a tag, comment or
/// autolink (followed by a letter, `/`, `!` or `?`) as `&lt;`, an `&` that could start an entity
/// as `&amp;`, brackets escaped (no link or image), a pipe escaped (it would end a table cell), a
/// line end as a space. `n < 30` and `<0.0001` stay as they are: they cannot be HTML.
pub fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        match c {
            '<' if next.is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?')) => out.push_str("&lt;"),
            '&' if next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '#') => out.push_str("&amp;"),
            '|' | '[' | ']' | '\\' | '`' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn text_table(report: &Report, markdown: bool) -> String {
    let table = &report.human;
    let mut t = comfy_table::Table::new();
    t.load_preset(if markdown { presets::ASCII_MARKDOWN } else { presets::UTF8_FULL_CONDENSED });
    t.set_content_arrangement(if markdown { ContentArrangement::Disabled } else { ContentArrangement::Dynamic });
    if markdown {
        t.set_header(table.columns.iter().map(|c| markdown_text(c)));
    } else {
        t.set_header(&table.columns);
    }
    for row in &table.rows {
        t.add_row(row.iter().map(|cell| {
            let text = human_text(cell);
            let text = if markdown { markdown_text(&text) } else { text };
            let c = comfy_table::Cell::new(text);
            match cell {
                Cell::Int(_) | Cell::Num(..) | Cell::P(_) => c.set_alignment(CellAlignment::Right),
                _ => c,
            }
        }));
    }
    let mut out = String::new();
    for line in &report.caption {
        if markdown {
            out.push_str(&format!("{}  \n", markdown_text(line)));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !report.caption.is_empty() {
        out.push('\n');
    }
    out.push_str(&t.to_string());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_and_huge_numbers_read_back_without_runs_of_zeros() {
        // Shortest round-trip text: plain from 1e-4 up to 1e16, scientific outside.
        for (v, text) in [(0.25, "0.25"), (0.0001, "0.0001"), (3.4e-15, "3.4e-15"), (1e-170, "1e-170"), (-2.5e-7, "-2.5e-7"), (0.0, "0")] {
            assert_eq!(machine_text(&Cell::Num(v, 1)), text);
            assert_eq!(text.parse::<f64>().unwrap(), v);
        }
        assert_eq!(machine_text(&Cell::Num(1e16, 0)), "1e16");
        // p-values: four decimals for people, "<0.0001" below; the number itself in CSV.
        assert_eq!(
            (human_text(&Cell::P(0.03456)), human_text(&Cell::P(0.0001)), human_text(&Cell::P(2e-9))),
            ("0.0346".into(), "0.0001".into(), "<0.0001".into())
        );
        assert_eq!(machine_text(&Cell::P(2e-9)), "2e-9");
    }

    fn sample() -> Report {
        let table = Table {
            columns: vec!["segment".into(), "n".into(), "csat_pct".into(), "note".into()],
            rows: vec![
                vec![Cell::Text("smb, \"west\"".into()), Cell::Int(3), Cell::Num(66.66666666666667, 1), Cell::Null],
                vec![Cell::Text("vip|gold".into()), Cell::Int(0), Cell::Null, Cell::Bool(true)],
            ],
        };
        Report { machine: table.clone(), human: table, ..Default::default() }
    }

    #[test]
    fn csv_keeps_full_precision_and_quotes() {
        let text = String::from_utf8(render(&sample(), Format::Csv).unwrap()).unwrap();
        assert_eq!(text, "segment,n,csat_pct,note\n\"smb, \"\"west\"\"\",3,66.66666666666667,\nvip|gold,0,,true\n");
    }

    #[test]
    fn json_rows_keep_column_order_and_nulls() {
        let text = String::from_utf8(render(&sample(), Format::Json).unwrap()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v[0]["csat_pct"], serde_json::json!(66.66666666666667));
        assert_eq!(v[1]["csat_pct"], serde_json::Value::Null);
        let first_keys: Vec<_> = v[0].as_object().unwrap().keys().cloned().collect();
        assert_eq!(first_keys, vec!["segment", "n", "csat_pct", "note"]);
    }

    #[test]
    fn markdown_rounds() {
        insta::assert_snapshot!(String::from_utf8(render(&sample(), Format::Markdown).unwrap()).unwrap());
    }

    #[test]
    fn markdown_text_defuses_html_links_and_cell_ends_only() {
        assert_eq!(markdown_text("<img src=x onerror=alert(1)>"), "&lt;img src=x onerror=alert(1)>");
        assert_eq!(markdown_text("</b><!--x--><?php"), "&lt;/b>&lt;!--x-->&lt;?php");
        assert_eq!(markdown_text("&lt; &#60; & x"), "&amp;lt; &amp;#60; & x");
        assert_eq!(markdown_text("![x](http://t/p.png) a|b"), r"!\[x\](http://t/p.png) a\|b");
        assert_eq!(markdown_text("a\\b `c`"), r"a\\b \`c\`");
        assert_eq!(markdown_text("two\nlines\r"), "two lines ");
        // What cannot start HTML is left readable.
        assert_eq!(markdown_text("low base (n < 30), p <0.0001, 3 > 2"), "low base (n < 30), p <0.0001, 3 > 2");
        assert_eq!(markdown_text("<"), "<");
    }
}
