//! Renderers: CSV and JSON at full precision from the machine table; a terminal table and
//! Markdown, rounded, from the human table.

use anyhow::Result;
use comfy_table::{presets, Attribute, CellAlignment, Color, ContentArrangement};
use unicode_width::UnicodeWidthStr;

use super::Format;
use super::{Cell, Report, Screen, Table};

/// Renders a report in a format for a file, ready to write: no colour, as wide as it is.
pub fn render(report: &Report, format: Format) -> Result<Vec<u8>> {
    render_on(report, format, Screen::default())
}

/// Renders a report in a format for `screen`: a terminal table fits its width and may be
/// coloured; every other format is the same on any screen.
pub fn render_on(report: &Report, format: Format, screen: Screen) -> Result<Vec<u8>> {
    match format {
        Format::Csv => csv_bytes(&report.machine, b','),
        Format::Tsv => csv_bytes(&report.machine, b'\t'),
        Format::Xlsx => xlsx_bytes(&report.machine),
        Format::Json => json_bytes(report),
        Format::Table => Ok(terminal_table(report, screen).into_bytes()),
        Format::Markdown => Ok(markdown_table(report).into_bytes()),
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
        Cell::Object(fields) => listed(fields, machine_text),
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
        Cell::Num(v, decimals) => super::columns::human_number(*v, *decimals, false),
        Cell::P(p) if *p < 0.0001 => "<0.0001".to_string(),
        Cell::P(p) => format!("{p:.4}"),
        Cell::Bool(true) => "yes".to_string(),
        Cell::Bool(false) => String::new(),
        Cell::Null => "–".to_string(),
        Cell::Object(fields) => listed(fields, human_text),
    }
}

/// `name=value; …` of an object's fields.
fn listed(fields: &[(String, Cell)], text: fn(&Cell) -> String) -> String {
    fields.iter().map(|(k, v)| format!("{k}={}", text(v))).collect::<Vec<_>>().join("; ")
}

fn csv_bytes(table: &Table, delimiter: u8) -> Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
    writer.write_record(&table.columns)?;
    for row in &table.rows {
        writer.write_record(row.iter().map(machine_text))?;
    }
    writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The machine table as a workbook: a bold, frozen header row; counts and statistics as
/// numbers at full precision, text as text (never a formula), blanks empty.
fn xlsx_bytes(table: &Table) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format as XlsxFormat, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = XlsxFormat::new().set_bold();
    for (c, name) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(0, u16::try_from(c)?, name, &bold)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(r + 1)?;
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c)?;
            match cell {
                Cell::Text(s) => sheet.write_string(r, c, s).map(|_| ())?,
                Cell::Int(i) => sheet.write_number(r, c, *i as f64).map(|_| ())?,
                Cell::Num(v, _) | Cell::P(v) => sheet.write_number(r, c, *v).map(|_| ())?,
                Cell::Bool(b) => sheet.write_boolean(r, c, *b).map(|_| ())?,
                Cell::Null => {}
                Cell::Object(_) => sheet.write_string(r, c, machine_text(cell)).map(|_| ())?,
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(book.save_to_buffer()?)
}

fn json_value(cell: &Cell) -> serde_json::Value {
    use serde_json::Value;
    match cell {
        Cell::Text(s) => Value::String(s.clone()),
        Cell::Int(i) => Value::from(*i),
        Cell::Num(v, _) | Cell::P(v) => serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number),
        Cell::Bool(b) => Value::Bool(*b),
        Cell::Null => Value::Null,
        Cell::Object(fields) => Value::Object(fields.iter().map(|(k, v)| (k.clone(), json_value(v))).collect()),
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

/// The columns of the human table that show something: a column whose every cell is blank
/// (a note no row needs) is left out. "–" (not computable) is something.
pub(crate) fn shown_columns(table: &Table) -> Vec<usize> {
    let blank = |c: &Cell| matches!(c, Cell::Bool(false)) || matches!(c, Cell::Text(s) if s.trim().is_empty());
    (0..table.columns.len()).filter(|&i| table.rows.is_empty() || !table.rows.iter().all(|r| r.get(i).is_none_or(blank))).collect()
}

/// The table without its blank columns ([`shown_columns`]): what people are shown.
pub fn without_blank_columns(table: &Table) -> Table {
    let keep = shown_columns(table);
    Table {
        columns: keep.iter().map(|&i| table.columns[i].clone()).collect(),
        rows: table.rows.iter().map(|r| keep.iter().map(|&i| r[i].clone()).collect()).collect(),
    }
}

fn markdown_table(report: &Report) -> String {
    let table = &report.human;
    let columns = shown_columns(table);
    let mut t = comfy_table::Table::new();
    t.load_preset(presets::ASCII_MARKDOWN);
    t.set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(columns.iter().map(|&i| markdown_text(&table.columns[i])));
    for row in &table.rows {
        t.add_row(columns.iter().map(|&i| aligned(comfy_table::Cell::new(markdown_text(&human_text(&row[i]))), &row[i])));
    }
    let mut out = String::new();
    for line in &report.caption {
        out.push_str(&format!("{}  \n", markdown_text(line)));
    }
    if !report.caption.is_empty() {
        out.push('\n');
    }
    out.push_str(&t.to_string());
    out.push('\n');
    out
}

/// Numbers right-aligned.
fn aligned(c: comfy_table::Cell, cell: &Cell) -> comfy_table::Cell {
    match cell {
        Cell::Int(_) | Cell::Num(..) | Cell::P(_) => c.set_alignment(CellAlignment::Right),
        _ => c,
    }
}

/// How a row is set off on a coloured terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowMark {
    /// A total or subtotal: bold.
    Total,
    /// Fewer answers than the low-base threshold: dimmed (its note says so in words too).
    LowBase,
    Plain,
}

/// A total row has "Total" among its labels (the text cells before its first number); a
/// low-base row has a note starting "low base".
fn row_mark(row: &[Cell]) -> RowMark {
    let labels = row.iter().take_while(|c| matches!(c, Cell::Text(_) | Cell::Null));
    if labels.into_iter().any(|c| matches!(c, Cell::Text(s) if s == "Total")) {
        RowMark::Total
    } else if row.iter().any(|c| matches!(c, Cell::Text(s) if s.starts_with("low base"))) {
        RowMark::LowBase
    } else {
        RowMark::Plain
    }
}

/// The widest a column must be so that no number or word is broken: its widest cell (cells are
/// never wrapped), or the longest word of its header (headers wrap between words).
fn least_width<'a>(header: &str, cells: impl Iterator<Item = &'a str>) -> usize {
    let words = words(header).iter().map(|w| w.width()).max().unwrap_or(0);
    cells.map(UnicodeWidthStr::width).max().unwrap_or(0).max(words)
}

/// `text` in lines of at most `width` columns, broken between words only (a longer word has a
/// line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in words(text) {
        let word = word.as_str();
        if !line.is_empty() && line.width() + 1 + word.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The words of `text`, a short parenthesis kept whole ("(95% CI)" is one word: it reads badly
/// broken); a long one wraps like the rest.
fn words(text: &str) -> Vec<String> {
    const SHORT: usize = 12;
    let mut words: Vec<String> = Vec::new();
    let mut start = None;
    for word in text.split_whitespace() {
        words.push(word.to_string());
        if start.is_none() && word.starts_with('(') {
            start = Some(words.len() - 1);
        }
        if let Some(first) = start {
            let group = words[first..].join(" ");
            if group.ends_with(')') || group.width() > SHORT {
                if group.ends_with(')') && group.width() <= SHORT {
                    words.truncate(first);
                    words.push(group);
                }
                start = None;
            }
        }
    }
    words
}

/// A column's share of a `UTF8_FULL_CONDENSED` table's width: its text, a space either side and
/// the border on its right (the table adds one border on the left).
const PADDING_AND_BORDER: usize = 3;

/// The terminal table: caption, then the table. On a screen of known width it fits: headers
/// wrap between words, numbers and words are never broken, and the columns that do not fit are
/// left out from the right and named below the table, with how to see them (as DuckDB's CLI
/// does). Totals bold, low-base rows dimmed, ▲ green and ▼ red when coloured.
fn terminal_table(report: &Report, screen: Screen) -> String {
    let table = &report.human;
    let shown = shown_columns(table);
    let texts: Vec<Vec<String>> = table.rows.iter().map(|r| r.iter().map(human_text).collect()).collect();
    let least: Vec<usize> = shown.iter().map(|&i| least_width(&table.columns[i], texts.iter().map(|r| r[i].as_str()))).collect();
    // The first column always; then each next column while the table still fits.
    let mut used = 1;
    let mut fits = 0;
    for (k, w) in least.iter().enumerate() {
        if k > 0 && screen.width.is_some_and(|limit| used + w + PADDING_AND_BORDER > limit) {
            break;
        }
        used += w + PADDING_AND_BORDER;
        fits += 1;
    }
    let (columns, left_out) = shown.split_at(fits);
    // The room left goes to headers, left to right, so that fewer of them wrap.
    let mut widths: Vec<usize> = least[..fits].to_vec();
    if let Some(limit) = screen.width {
        let mut room = limit.saturating_sub(used);
        for (w, &i) in widths.iter_mut().zip(columns) {
            let more = table.columns[i].width().saturating_sub(*w).min(room);
            *w += more;
            room -= more;
        }
    }
    let mut t = comfy_table::Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_content_arrangement(ContentArrangement::Disabled);
    if screen.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t.set_header(columns.iter().zip(&widths).map(|(&i, &w)| {
        let header = if screen.width.is_some() { wrap(&table.columns[i], w).join("\n") } else { table.columns[i].clone() };
        comfy_table::Cell::new(header)
    }));
    for (row, text) in table.rows.iter().zip(&texts) {
        let mark = if screen.color { row_mark(row) } else { RowMark::Plain };
        t.add_row(columns.iter().map(|&i| {
            let mut c = aligned(comfy_table::Cell::new(&text[i]), &row[i]);
            match mark {
                RowMark::Total => c = c.add_attribute(Attribute::Bold),
                RowMark::LowBase => c = c.add_attribute(Attribute::Dim),
                RowMark::Plain => {}
            }
            if screen.color && text[i].starts_with('▲') {
                c = c.fg(Color::Green);
            } else if screen.color && text[i].starts_with('▼') {
                c = c.fg(Color::Red);
            }
            c
        }));
    }
    let mut out = String::new();
    for line in &report.caption {
        for part in screen.width.map_or_else(|| vec![line.clone()], |w| wrap(line, w)) {
            out.push_str(&part);
            out.push('\n');
        }
    }
    if !report.caption.is_empty() {
        out.push('\n');
    }
    out.push_str(&t.to_string());
    out.push('\n');
    if !left_out.is_empty() {
        let names: Vec<&str> = left_out.iter().map(|&i| table.columns[i].as_str()).collect();
        let s = if left_out.len() == 1 { "" } else { "s" };
        let note = format!(
            "{} more column{s} not shown for the terminal's width: {}. Widen the terminal, or see every column with --format csv, json or markdown.",
            left_out.len(),
            names.join(", ")
        );
        for line in wrap(&note, screen.width.unwrap_or(usize::MAX)) {
            out.push_str(&line);
            out.push('\n');
        }
    }
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

    /// A survey table as wide as the README's: ten columns of intervals and shares.
    fn wide() -> Report {
        let columns = [
            "segment",
            "n",
            "CSAT top-2 % (95% CI)",
            "CSAT mean",
            "NPS (95% CI)",
            "Prom %",
            "Pass %",
            "Detr %",
            "CES mean (95% CI)",
            "CES easy %",
            "note",
        ];
        let row = |g: &str, n: i64, note: &str| {
            vec![
                Cell::Text(g.into()),
                Cell::Int(n),
                Cell::Text("65.8 (63.5 to 67.9)".into()),
                Cell::Num(3.88, 2),
                Cell::Text("+5.2 (1.6 to 8.7)".into()),
                Cell::Num(32.0, 1),
                Cell::Num(41.3, 1),
                Cell::Num(26.8, 1),
                Cell::Text("4.79 (4.73 to 4.85)".into()),
                Cell::Num(58.0, 1),
                Cell::Text(note.into()),
            ]
        };
        let table = Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: vec![row("consumer", 1846, ""), row("Total", 4000, "")],
        };
        Report { machine: table.clone(), human: table, caption: vec!["responses.csv".into()], ..Default::default() }
    }

    fn on(width: Option<usize>, color: bool, report: &Report) -> String {
        String::from_utf8(render_on(report, Format::Table, Screen { width, color }).unwrap()).unwrap()
    }

    #[test]
    fn a_terminal_table_fits_without_breaking_a_number_or_a_word() {
        let report = wide();
        for width in [60, 80, 100, 120] {
            let text = on(Some(width), false, &report);
            let table_lines: Vec<&str> = text.lines().skip(2).filter(|l| l.starts_with(['┌', '│', '╞', '├', '└', '╭', '┆'])).collect();
            for line in &table_lines {
                assert!(line.width() <= width, "{width}: {line}");
            }
            // Every cell text that is shown is shown whole, on one line.
            let rows: Vec<&str> = text.lines().filter(|l| l.starts_with('│')).collect();
            for cell in ["65.8 (63.5 to 67.9)", "+5.2 (1.6 to 8.7)", "4.79 (4.73 to 4.85)", "consumer", "1846"] {
                let shown_whole = rows.iter().any(|l| l.contains(cell));
                let first = cell.split(' ').next().unwrap();
                let shown_in_part = rows.iter().any(|l| l.contains(first));
                assert!(shown_whole || !shown_in_part, "{width}: '{cell}' broken:\n{text}");
            }
        }
        // 80 columns: what does not fit is named, with how to see it.
        let text = on(Some(80), false, &report);
        assert!(text.contains("more columns not shown for the terminal's width: "), "{text}");
        assert!(text.contains("CES easy %") && text.contains("--format csv"), "{text}");
        assert!(text.contains("65.8 (63.5 to 67.9)"), "{text}");
        // Wide enough: everything, and no word of a header broken either.
        let text = on(Some(200), false, &report);
        assert!(!text.contains("not shown"), "{text}");
        assert!(text.contains("CES mean (95% CI)"), "{text}");
    }

    #[test]
    fn headers_and_notes_wrap_between_words_keeping_a_parenthesis_whole() {
        assert_eq!(words("CSAT top-2 % (95% CI)"), ["CSAT", "top-2", "%", "(95% CI)"]);
        // A long parenthesis wraps like any words.
        assert_eq!(words("scales (English and Chinese)"), ["scales", "(English", "and", "Chinese)"]);
        assert_eq!(wrap("CSAT top-2 % (95% CI)", 17), ["CSAT top-2 %", "(95% CI)"]);
        assert_eq!(wrap("a b c", 1), ["a", "b", "c"]);
        assert_eq!(wrap("", 10), [""]);
        // A word longer than the width has a line of its own, unbroken.
        assert_eq!(wrap("x enterprise y", 4), ["x", "enterprise", "y"]);
        assert_eq!(least_width("CSAT top-2 % (95% CI)", ["65.8"].into_iter()), 8);
    }

    #[test]
    fn an_empty_note_column_is_left_out_and_a_used_one_kept() {
        let mut report = wide();
        let text = on(None, false, &report);
        assert!(!text.contains("note"), "{text}");
        report.human.rows[0][10] = Cell::Text("low base (n < 30)".into());
        let text = on(None, false, &report);
        assert!(text.contains("note") && text.contains("low base (n < 30)"), "{text}");
        // Markdown too; CSV keeps every column.
        let md = String::from_utf8(render(&wide(), Format::Markdown).unwrap()).unwrap();
        assert!(!md.contains("note"), "{md}");
        let csv = String::from_utf8(render(&wide(), Format::Csv).unwrap()).unwrap();
        assert!(csv.lines().next().unwrap().ends_with(",note"), "{csv}");
    }

    #[test]
    fn colour_only_when_asked_totals_bold_low_base_dim_changes_green_and_red() {
        let mut report = wide();
        report.human.rows[0][10] = Cell::Text("low base (n < 30)".into());
        report.human.rows[0][4] = Cell::Text("▲ yes".into());
        let plain = on(Some(300), false, &report);
        assert!(!plain.contains('\u{1b}'), "{plain}");
        let coloured = on(Some(300), true, &report);
        let total = coloured.lines().find(|l| l.contains("Total")).unwrap();
        assert!(total.contains("\u{1b}[1m"), "bold: {total:?}");
        let low = coloured.lines().find(|l| l.contains("consumer")).unwrap();
        assert!(low.contains("\u{1b}[2m"), "dim: {low:?}");
        assert!(low.contains("\u{1b}[38;5;10m\u{1b}[2m ▲ yes"), "green: {low:?}");
        // Colour never reaches a file's formats.
        for format in [Format::Csv, Format::Json, Format::Markdown] {
            let text = String::from_utf8(render_on(&report, format, Screen { width: Some(80), color: true }).unwrap()).unwrap();
            assert!(!text.contains('\u{1b}'), "{format:?}");
        }
    }

    #[test]
    fn tsv_and_xlsx_are_what_they_say() {
        let tsv = String::from_utf8(render(&sample(), Format::Tsv).unwrap()).unwrap();
        // CSV's quoting rules: a field with a quote (or a tab, or a line end) is quoted.
        assert_eq!(tsv, "segment\tn\tcsat_pct\tnote\n\"smb, \"\"west\"\"\"\t3\t66.66666666666667\t\nvip|gold\t0\t\ttrue\n");
        let xlsx = render(&sample(), Format::Xlsx).unwrap();
        assert!(xlsx.starts_with(b"PK\x03\x04"));
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(range.get((0, 2)), Some(&calamine::Data::String("csat_pct".into())));
        // Numbers are numbers at full precision, text is text, blanks are empty.
        assert_eq!(range.get((1, 1)), Some(&calamine::Data::Float(3.0)));
        assert_eq!(range.get((1, 2)), Some(&calamine::Data::Float(66.66666666666667)));
        assert_eq!(range.get((1, 0)), Some(&calamine::Data::String("smb, \"west\"".into())));
        assert_eq!(range.get((2, 3)), Some(&calamine::Data::Bool(true)));
        assert_eq!(range.get((2, 2)), Some(&calamine::Data::Empty));
    }
}
