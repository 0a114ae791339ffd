//! Where input bytes come from and how they become UTF-8 text: encoding detection,
//! transcoding, delimiter sniffing and the header row. No polars here.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Result;
use encoding_rs::{Encoding, UTF_8};

use crate::error::{data_err, no_input};
use crate::input::layout::{detect, layout, renamed_note, Export, HeaderLayout};

/// How many bytes are looked at to detect the encoding and sniff the delimiter.
const SAMPLE_BYTES: usize = 1 << 20;
/// How far the sample is extended for the first lines to be whole: a header line longer than
/// this is refused.
const MAX_FIRST_LINES: usize = 64 << 20;

/// Line ends (LF, or CR in text without LF) in `bytes`.
fn line_ends(bytes: &[u8]) -> usize {
    match memchr::memchr_iter(b'\n', bytes).count() {
        0 => memchr::memchr_iter(b'\r', bytes).count(),
        n => n,
    }
}

/// Where the sample of `bytes` ends: a megabyte, or further, up to [`MAX_FIRST_LINES`], so that
/// it holds the first four lines whole (the header rows and a record to sniff).
fn sample_end(bytes: &[u8]) -> usize {
    let mut end = bytes.len().min(SAMPLE_BYTES);
    if end < bytes.len() && line_ends(&bytes[..end]) < 4 {
        let cap = bytes.len().min(MAX_FIRST_LINES);
        end = nth_line_end(&bytes[..cap], 4).unwrap_or(cap).max(end);
    }
    end
}

/// Just past the `n`th line end of `bytes`, counted as [`line_ends`] counts them: LFs, or lone
/// CRs in text that has no LF (old Mac exports).
fn nth_line_end(bytes: &[u8], n: usize) -> Option<usize> {
    let at = match memchr::memchr(b'\n', bytes) {
        Some(_) => memchr::memchr_iter(b'\n', bytes).nth(n - 1),
        None => memchr::memchr_iter(b'\r', bytes).nth(n - 1),
    };
    at.map(|i| i + 1)
}

/// An input named on the command line: a path, or `-` for stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Stdin,
}

impl Source {
    /// `-` is stdin; anything else is a path.
    pub fn from_arg(path: &Path) -> Self {
        if path.as_os_str() == "-" {
            Source::Stdin
        } else {
            Source::File(path.to_path_buf())
        }
    }

    /// The name used in messages.
    pub fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "<stdin>".to_string(),
        }
    }

    /// True for a `.parquet` path.
    pub fn is_parquet(&self) -> bool {
        matches!(self, Source::File(p) if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet")))
    }
}

/// UTF-8 text ready for the CSV parser.
#[derive(Debug)]
pub enum Body {
    /// The file itself is UTF-8 (with or without BOM): the parser reads it in place.
    File(PathBuf),
    /// Transcoded or piped bytes, held in memory as UTF-8.
    Memory(Vec<u8>),
}

/// A delimited text input, decoded and sniffed, with its header row.
#[derive(Debug)]
pub struct TextInput {
    pub name: String,
    /// The encoding the input was read as (e.g. "UTF-8", "GBK").
    pub encoding: &'static str,
    pub bom: bool,
    /// The delimiter the body is split on (a tab for a body rewritten from whitespace).
    pub delimiter: u8,
    /// The delimiter as the user knows it (whitespace, or the character).
    pub written: Delimiter,
    /// The header rows: export layout, column names, question texts and import ids.
    pub layout: HeaderLayout,
    pub body: Body,
    /// Problems worth telling the user that did not stop the read.
    pub warnings: Vec<String>,
}

/// A stream read whole (stdin, a FIFO): its sample, whether the sample is all of it, and all of it.
fn whole(mut stream: impl Read, name: &str) -> Result<(Vec<u8>, bool, Option<Vec<u8>>)> {
    let mut all = Vec::new();
    stream.read_to_end(&mut all).map_err(|e| no_input(format!("cannot read {name}: {e}")))?;
    Ok(sampled(all))
}

/// Bytes read whole: their sample, whether the sample is all of them, and all of them.
fn sampled(all: Vec<u8>) -> (Vec<u8>, bool, Option<Vec<u8>>) {
    let end = sample_end(&all);
    (all[..end].to_vec(), end == all.len(), Some(all))
}

/// Stdin's bytes once they have been read to look at their first bytes ([`stdin_bytes`]), kept
/// for the reader that comes next: stdin cannot be read twice.
static STDIN_READ: std::sync::Mutex<Option<Vec<u8>>> = std::sync::Mutex::new(None);

/// All of stdin: the bytes given back by [`unread_stdin`], else what stdin holds now.
pub fn stdin_bytes() -> Result<Vec<u8>> {
    if let Some(bytes) = STDIN_READ.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() {
        return Ok(bytes);
    }
    let mut all = Vec::new();
    std::io::stdin().lock().read_to_end(&mut all).map_err(|e| no_input(format!("cannot read stdin: {e}")))?;
    Ok(all)
}

/// Gives stdin's bytes back for the next [`stdin_bytes`].
pub fn unread_stdin(bytes: Vec<u8>) {
    *STDIN_READ.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(bytes);
}

/// What a binary input is by its first bytes (stdin has no file name to tell): the extension
/// its reader expects, or None for text.
pub fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"PAR1") {
        Some("parquet")
    } else if bytes.starts_with(b"PK\x03\x04") {
        // A zip: an Office Open XML workbook, or an OpenDocument one (its first entry is the
        // uncompressed `mimetype`).
        Some(if bytes.get(30..).is_some_and(|rest| rest.starts_with(b"mimetypeapplication/vnd.oasis.opendocument")) {
            "ods"
        } else {
            "xlsx"
        })
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some("xls")
    } else {
        None
    }
}

/// Reads the start of a file (or all of stdin) and makes it ready for parsing.
/// `export` forces a layout (`--source`; detected from the first records otherwise) and
/// `header_rows` its number of header rows (`--header-rows`).
pub fn open_text(
    source: &Source,
    encoding: Option<&'static Encoding>,
    delimiter: Option<Delimiter>,
    skip_lines: usize,
    (export, header_rows): (Option<Export>, Option<usize>),
) -> Result<TextInput> {
    let name = source.name();
    let (forced, forced_delimiter, delimiter_choice) = (encoding, delimiter, delimiter);
    let (sample, complete, whole) = match source {
        Source::Stdin => sampled(stdin_bytes()?),
        // A FIFO, a device or a process substitution (`<(zcat x.csv.gz)`) cannot be read twice:
        // it is read whole, like stdin.
        Source::File(path) if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) => {
            whole(File::open(path).map_err(|e| no_input(format!("cannot open {name}: {e}")))?, &name)?
        }
        Source::File(path) => {
            let mut file = File::open(path).map_err(|e| no_input(format!("cannot open {name}: {e}")))?;
            let mut sample = Vec::with_capacity(SAMPLE_BYTES.min(1 << 16));
            // A megabyte, or more until the first lines are whole (a header line may be longer).
            let mut limit = SAMPLE_BYTES;
            loop {
                let want = (limit + 1 - sample.len()) as u64;
                (&mut file).take(want).read_to_end(&mut sample).map_err(|e| no_input(format!("cannot read {name}: {e}")))?;
                if sample.len() <= limit || sample_end(&sample) <= limit || limit >= MAX_FIRST_LINES {
                    break;
                }
                limit = (limit * 4).min(MAX_FIRST_LINES);
            }
            let complete = sample.len() <= limit;
            sample.truncate(limit);
            (sample, complete, None)
        }
    };
    if !complete && line_ends(&sample) == 0 {
        return Err(data_err(format!(
            "{name}: no line end in its first {} MiB: the header line is longer than cxstat reads (is it a delimited text file?)",
            MAX_FIRST_LINES >> 20
        )));
    }
    let (encoding, bom_len) = match forced {
        Some(enc) => (enc, Encoding::for_bom(&sample).filter(|(e, _)| *e == enc).map_or(0, |(_, n)| n)),
        None => detect_encoding(&sample, complete),
    };
    // UTF-8 but for a few bad bytes: read with them replaced, and reported by row.
    let mut lossy = false;
    if encoding == UTF_8 {
        if let Err(e) = std::str::from_utf8(&sample[bom_len..]) {
            if (complete || e.error_len().is_some()) && mostly_utf8(&sample[bom_len..]) {
                lossy = true;
            } else if complete || e.error_len().is_some() {
                let guess = guess_encoding(&sample, complete, false);
                return Err(data_err(format!(
                    "{name} is not valid UTF-8 (byte {}); it looks like {}: try --encoding {}",
                    e.valid_up_to() + bom_len + 1,
                    guess.name(),
                    guess.name().to_lowercase()
                )));
            }
        }
    }
    let mut warnings = Vec::new();
    // The raw bytes of a file read as UTF-8 with bad bytes, to find their rows once the delimiter is known.
    let mut bad_utf8: Option<Vec<u8>> = None;
    let body = if encoding == UTF_8 && !lossy {
        match (source, whole) {
            (_, Some(bytes)) => Body::Memory(bytes),
            (Source::File(path), None) => Body::File(path.clone()),
            (Source::Stdin, None) => unreachable!("stdin is read whole"),
        }
    } else {
        let bytes = match whole {
            Some(bytes) => bytes,
            None => read_all(source)?,
        };
        let (text, _, had_errors) = encoding.decode(&bytes);
        if had_errors && encoding == UTF_8 {
            bad_utf8 = Some(bytes.clone());
        } else if had_errors {
            warnings.push(format!(
                "{name}: some bytes are not valid {}; they were replaced by U+FFFD (use --encoding to choose another)",
                encoding.name()
            ));
        }
        Body::Memory(text.into_owned().into_bytes())
    };
    // Lines that end in a lone CR: each CR becomes a line end.
    let body = if lone_cr_lines(&sample) {
        let mut bytes = match body {
            Body::Memory(bytes) => bytes,
            Body::File(path) => std::fs::read(&path).map_err(|e| no_input(format!("cannot read {name}: {e}")))?,
        };
        for b in bytes.iter_mut().filter(|b| **b == b'\r') {
            *b = b'\n';
        }
        Body::Memory(bytes)
    } else {
        body
    };
    // Lines before the header (a title, a note left by an unzip tool): dropped, in memory.
    let body = if skip_lines == 0 {
        body
    } else {
        let mut bytes = match body {
            Body::Memory(bytes) => bytes,
            Body::File(path) => std::fs::read(&path).map_err(|e| no_input(format!("cannot read {name}: {e}")))?,
        };
        let mut cut = 0;
        for _ in 0..skip_lines {
            match bytes[cut..].iter().position(|b| *b == b'\n') {
                Some(i) => cut += i + 1,
                None => cut = bytes.len(),
            }
        }
        bytes.drain(..cut);
        Body::Memory(bytes)
    };
    // Space-aligned columns: each line's fields, split on runs of spaces and tabs, rewritten
    // tab-separated (a field with a quote quoted), in memory. Lines stay lines, so row numbers hold.
    let (body, forced_delimiter) = match forced_delimiter {
        Some(Delimiter::Whitespace) => {
            let bytes = match body {
                Body::Memory(bytes) => bytes,
                Body::File(path) => std::fs::read(&path).map_err(|e| no_input(format!("cannot read {name}: {e}")))?,
            };
            (Body::Memory(split_on_whitespace(String::from_utf8_lossy(&bytes).trim_start_matches('\u{feff}'))), Some(b'\t'))
        }
        Some(Delimiter::Char(c)) => (body, Some(c)),
        None => (body, None),
    };
    // The sample, as text, for sniffing the header and the delimiter.
    let sample_text = match &body {
        Body::Memory(bytes) => String::from_utf8_lossy(&bytes[..sample_end(bytes)]).into_owned(),
        Body::File(_) => String::from_utf8_lossy(&sample[bom_len..]).into_owned(),
    };
    let sample_text = sample_text.trim_start_matches('\u{feff}');
    if sample_text.trim().is_empty() {
        return Err(data_err(format!("{name} is empty: expected a header row and data rows")));
    }
    let delimiter = forced_delimiter.unwrap_or_else(|| sniff_delimiter(sample_text));
    let records = first_records(sample_text, delimiter, 3).map_err(|e| data_err(format!("{name}: cannot read the header row: {e}")))?;
    // Without a header row there is no export layout to recognise.
    let export = export.unwrap_or_else(|| if header_rows == Some(0) { Export::Plain } else { detect(&records) });
    let layout = layout(&records, export, header_rows);
    warnings.extend(renamed_note(&name, &layout.renamed));
    if skip_lines == 0 && header_rows != Some(0) {
        if let Some((lines, fields)) = table_below(sample_text, delimiter) {
            warnings.push(format!(
                "{name}: the first line has {} field{} but line {} has {fields}: if the table starts there (notes above it), \
                 skip the lines before it with --skip-rows {lines}",
                layout.names.len(),
                if layout.names.len() == 1 { "" } else { "s" },
                lines + 1
            ));
        }
    }
    if let Some(raw) = bad_utf8 {
        let (rows, count) = invalid_utf8_rows(&raw, delimiter, 5);
        let rows: Vec<String> = rows.iter().map(|r| format!("row {r}")).collect();
        warnings.push(format!(
            "{name}: {count} byte sequence{} not valid UTF-8 ({}{}), read as U+FFFD; the rest of the file is UTF-8 \
             (if it is in another encoding, name it with --encoding)",
            if count == 1 { " is" } else { "s are" },
            rows.join(", "),
            if count > rows.len() { ", …" } else { "" }
        ));
    }
    let written = match delimiter_choice {
        Some(Delimiter::Whitespace) => Delimiter::Whitespace,
        _ => Delimiter::Char(delimiter),
    };
    Ok(TextInput { name, encoding: encoding.name(), bom: bom_len > 0, delimiter, written, layout, body, warnings })
}

/// How fields are separated: by one character, or by runs of spaces and tabs
/// (`--delimiter whitespace`, for space-aligned columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    Char(u8),
    Whitespace,
}

impl std::fmt::Display for Delimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Delimiter::Whitespace => f.write_str("whitespace"),
            Delimiter::Char(b'\t') => f.write_str("tab"),
            Delimiter::Char(c) => write!(f, "'{}'", *c as char),
        }
    }
}

/// Space-aligned text rewritten tab-separated: each line's fields split on runs of spaces and
/// tabs (leading and trailing ones ignored), a field holding a quote quoted as CSV does.
fn split_on_whitespace(text: &str) -> Vec<u8> {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let fields: Vec<String> = line
            .split_whitespace()
            .map(|f| if f.contains('"') { format!("\"{}\"", f.replace('"', "\"\"")) } else { f.to_string() })
            .collect();
        out.push_str(&fields.join("\t"));
        out.push('\n');
    }
    out.into_bytes()
}

fn read_all(source: &Source) -> Result<Vec<u8>> {
    match source {
        Source::File(path) => std::fs::read(path).map_err(|e| no_input(format!("cannot read {}: {e}", path.display()))),
        Source::Stdin => unreachable!("stdin is read whole up front"),
    }
}

/// Picks the encoding of a byte sample: BOM, then valid UTF-8, then a guess that
/// favours Chinese encodings (GBK/GB18030), which office software writes.
/// Returns the encoding and the length of its BOM (0 when none).
/// `complete` says the sample is the whole input (so a cut-off character at its end is an error).
pub fn detect_encoding(sample: &[u8], complete: bool) -> (&'static Encoding, usize) {
    if let Some((encoding, len)) = Encoding::for_bom(sample) {
        return (encoding, len);
    }
    if let Some(encoding) = utf16_by_nuls(sample) {
        return (encoding, 0);
    }
    match std::str::from_utf8(sample) {
        Ok(_) => return (UTF_8, 0),
        // Only a character cut off at the end of a partial sample: still UTF-8.
        Err(e) if !complete && e.error_len().is_none() => return (UTF_8, 0),
        Err(_) => {}
    }
    if mostly_utf8(sample) {
        return (UTF_8, 0);
    }
    (guess_encoding(sample, complete, true), 0)
}

/// UTF-16 without a BOM, told by its NUL bytes: text that is mostly ASCII (headers, digits,
/// delimiters) has a NUL in the high byte of most characters, at odd offsets for little-endian
/// and even ones for big-endian, and almost none at the others.
fn utf16_by_nuls(sample: &[u8]) -> Option<&'static Encoding> {
    let pairs = sample.len() / 2;
    if pairs < 4 {
        return None;
    }
    let nuls = |start: usize| sample[start..pairs * 2].iter().step_by(2).filter(|b| **b == 0).count();
    let (even, odd) = (nuls(0), nuls(1));
    let many = |n: usize| n * 4 >= pairs;
    let few = |n: usize| n * 20 <= pairs;
    match () {
        _ if many(odd) && few(even) => Some(encoding_rs::UTF_16LE),
        _ if many(even) && few(odd) => Some(encoding_rs::UTF_16BE),
        _ => None,
    }
}

/// UTF-8 but for a few bad bytes (a truncated character, a stray byte from another program):
/// at least four valid multi-byte characters for each invalid sequence. Text in a legacy encoding
/// (GBK, Latin-1) has almost no valid multi-byte UTF-8 sequences.
pub fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        invalid += usize::from(!chunk.invalid().is_empty());
    }
    valid > 0 && invalid * 4 <= valid
}

/// A reader of `bytes` as records: no header, any number of fields per record (the scans and
/// the sniffer count them themselves).
fn records(bytes: &[u8], delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(bytes)
}

/// The rows (the header row is 1) of the first `limit` byte sequences of `text` that are not
/// valid UTF-8, and how many such sequences there are: for the warning when a file is read as
/// UTF-8 with them replaced.
pub fn invalid_utf8_rows(text: &[u8], delimiter: u8, limit: usize) -> (Vec<u64>, usize) {
    let (mut offsets, mut count, mut at) = (Vec::new(), 0, 0);
    for chunk in text.utf8_chunks() {
        at += chunk.valid().len();
        if !chunk.invalid().is_empty() {
            count += 1;
            if offsets.len() < limit {
                offsets.push(at as u64);
            }
        }
        at += chunk.invalid().len();
    }
    // Where each record starts, up to the last offset; a byte's row is the number of records
    // that start at or before it.
    let last = offsets.last().copied().unwrap_or(0);
    let mut reader = records(text, delimiter);
    let mut record = csv::ByteRecord::new();
    let mut starts = Vec::new();
    while reader.position().byte() <= last {
        starts.push(reader.position().byte());
        if !matches!(reader.read_byte_record(&mut record), Ok(true)) {
            break;
        }
    }
    let mut rows: Vec<u64> = offsets.iter().map(|o| starts.partition_point(|s| s <= o) as u64).collect();
    rows.dedup();
    (rows, count)
}

/// The row (the header row is 1) where a quoted field starts that is never closed: the csv
/// reader takes the rest of the file into it, so it is the last record, and it holds an odd
/// number of quotes and a line end. For the message when the text cannot be parsed.
pub fn find_unterminated_quote(text: &[u8], delimiter: u8) -> Option<u64> {
    let mut reader = records(text, delimiter);
    let mut record = csv::ByteRecord::new();
    let (mut row, mut last_start) = (0u64, 0usize);
    loop {
        let start = reader.position().byte() as usize;
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                row += 1;
                last_start = start;
            }
            Ok(false) => break,
            Err(_) => return None,
        }
    }
    let last = text.get(last_start..)?;
    let quotes = memchr::memchr_iter(b'"', last).count();
    let spans_lines = last.iter().rev().skip_while(|b| **b == b'\n' || **b == b'\r').any(|b| *b == b'\n' || *b == b'\r');
    (quotes % 2 == 1 && spans_lines).then_some(row)
}

/// Text whose lines end in a lone CR (classic Mac OS, some exporters): no LF in the sample but
/// a CR. Such text is read with each CR as a line end.
pub fn lone_cr_lines(sample: &[u8]) -> bool {
    memchr::memchr(b'\n', sample).is_none() && memchr::memchr(b'\r', sample).is_some()
}

/// chardetng's guess, favouring Chinese encodings (the `cn` hint): GBK/GB18030 as office software writes them.
fn guess_encoding(sample: &[u8], complete: bool, allow_utf8: bool) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(sample, complete);
    detector.guess(Some(b"cn"), allow_utf8)
}

/// Picks the delimiter that splits the first lines into the most fields, consistently.
pub fn sniff_delimiter(sample: &str) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b'\t', b';', b'|'];
    let mut best = (b',', 0usize, 0usize); // (delimiter, consistent records, fields)
    for &delimiter in &CANDIDATES {
        let mut reader = records(sample.as_bytes(), delimiter);
        let counts: Vec<usize> = reader.records().take(50).map_while(|r| r.ok()).map(|r| r.len()).collect();
        let Some(&fields) = counts.first() else { continue };
        if fields < 2 {
            continue;
        }
        // The last record of a sample may be cut off; judge on the others.
        let judged = if counts.len() > 2 { &counts[..counts.len() - 1] } else { &counts[..] };
        let consistent = judged.iter().filter(|&&n| n == fields).count();
        if (consistent, fields) > (best.1, best.2) {
            best = (delimiter, consistent, fields);
        }
    }
    best.0
}

/// The first `limit` records of the sample (fields as written; a cut-off last record of the
/// sample is dropped rather than read short).
pub fn first_records(sample: &str, delimiter: u8, limit: usize) -> Result<Vec<Vec<String>>, csv::Error> {
    let mut reader = records(sample.as_bytes(), delimiter);
    let mut out = Vec::new();
    for record in reader.records().take(limit) {
        out.push(record?.iter().map(str::to_string).collect());
    }
    Ok(out)
}

/// Where a table seems to start below notes (an archive listing, a title line): the first
/// record has fewer than 3 fields and one of the next 20 has 3 or more, as has the record after
/// it. Returns (lines before it, its fields), for a hint to skip them with `--skip-rows`.
pub fn table_below(sample: &str, delimiter: u8) -> Option<(u64, usize)> {
    let mut reader = records(sample.as_bytes(), delimiter);
    let mut records: Vec<(u64, usize)> = Vec::new();
    for record in reader.records().take(22) {
        let record = record.ok()?;
        records.push((record.position().map_or(0, |p| p.line()), record.len()));
    }
    let (_, first) = *records.first()?;
    if first >= 3 {
        return None;
    }
    records.windows(2).skip(1).find(|w| w[0].1 >= 3 && (w[1].1 == w[0].1)).map(|w| (w[0].0.saturating_sub(1), w[0].1))
}

/// Finds the first record whose field count differs from the header's, for error messages.
/// Returns (row number counting the header as row 1, fields found, fields expected).
pub fn find_ragged_row(text: &[u8], delimiter: u8) -> Option<(u64, usize, usize)> {
    let mut reader = records(text, delimiter);
    let mut expected = None;
    for (i, record) in reader.records().enumerate() {
        let Ok(record) = record else { return None };
        let n = record.len();
        match expected {
            None => expected = Some(n),
            Some(e) if n != e && !(n == 1 && record.get(0) == Some("")) => return Some((i as u64 + 1, n, e)),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample holds the first four lines whole, whatever ends them: a file of lone CRs with
    /// long lines is sampled to its fourth CR, not to the 64 MiB cap.
    #[test]
    fn the_sample_ends_after_four_lines_of_lf_or_of_lone_cr() {
        let line = "x".repeat(600_000);
        for end in ["\n", "\r", "\r\n"] {
            let text: String = (0..10).map(|_| format!("{line}{end}")).collect();
            let want = 4 * (line.len() + end.len());
            assert_eq!(sample_end(text.as_bytes()), want, "{end:?}");
        }
        // Short lines: the first megabyte, as before.
        let short = "a,b\r".repeat(400_000);
        assert_eq!(sample_end(short.as_bytes()), SAMPLE_BYTES);
        assert_eq!(nth_line_end(b"a\rb\rc", 2), Some(4));
        assert_eq!(nth_line_end(b"a\rb\nc\n", 2), Some(6), "with any LF, only LFs count");
        assert_eq!(nth_line_end(b"abc", 1), None);
    }

    #[test]
    fn sniffs_common_delimiters() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("a\tb\tc\n1\t2,5\t3\n"), b'\t');
        assert_eq!(sniff_delimiter("a;b;c\n1;\"2;5\";3\n"), b';');
        // Commas inside quoted fields do not fool it.
        assert_eq!(sniff_delimiter("a|b\n\"x, y, z\"|2\n"), b'|');
    }

    #[test]
    fn a_table_below_notes_is_found_by_its_field_counts() {
        // CFPB's sample as downloaded: two lines of an unzip listing, then the table (3 fields here).
        let listing = "Archive:  complaints.csv.zip\n  inflating: complaints.csv\nDate received,Product,Complaint ID\n2020-03-18,Card,1\n";
        assert_eq!(table_below(listing, b','), Some((2, 3)));
        // A table from its first line, or a two-column one, is left alone.
        assert_eq!(table_below("id,csat,nps\n1,5,9\n", b','), None);
        assert_eq!(table_below("id,csat\n1,5\n2,4\n", b','), None);
        // One wide line alone (a footnote with commas) is not a table.
        assert_eq!(table_below("Title\na, b, c\nend\n", b','), None);
    }

    #[test]
    fn header_names_are_cleaned_and_unique() {
        // Names trimmed of BOM and spaces; blanks named column_N; duplicates numbered.
        let records = first_records("\u{feff}id, csat ,,id\n1,2,3,4\n", b',', 3).unwrap();
        assert_eq!(layout(&records, detect(&records), None).names, vec!["id", "csat", "column_3", "id_2"]);
    }

    #[test]
    fn detects_bom_utf8_and_gbk() {
        assert_eq!(detect_encoding(b"\xef\xbb\xbfa,b\n", true), (UTF_8, 3));
        assert_eq!(detect_encoding("满意度,日期\n5,2026-10-03\n".as_bytes(), true), (UTF_8, 0));
        let (gbk, _, _) = encoding_rs::GBK.encode("满意度,推荐意愿,提交时间\n5,9,2026-10-03\n非常满意,一般,不满意\n");
        let (enc, bom) = detect_encoding(&gbk, true);
        assert!(enc == encoding_rs::GBK || enc == encoding_rs::GB18030, "got {}", enc.name());
        assert_eq!(bom, 0);
    }

    #[test]
    fn truncated_utf8_sample_is_still_utf8() {
        let bytes = "满意".as_bytes();
        assert_eq!(detect_encoding(&bytes[..4], false).0, UTF_8);
    }

    #[test]
    fn finds_ragged_row() {
        assert_eq!(find_ragged_row(b"a,b\n1,2\n1,2,3\n", b','), Some((3, 3, 2)));
        assert_eq!(find_ragged_row(b"a,b\n1,\"x\ny\"\n", b','), None);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any bytes at all: detection, decoding, sniffing and header parsing never panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000), complete in any::<bool>()) {
            let (encoding, bom) = detect_encoding(&bytes, complete);
            let (text, _, _) = encoding.decode(&bytes[bom.min(bytes.len())..]);
            let delimiter = sniff_delimiter(&text);
            if let Ok(records) = first_records(&text, delimiter, 3) {
                let _ = layout(&records, detect(&records), None);
            }
            let _ = find_ragged_row(text.as_bytes(), delimiter);
        }
    }
}
