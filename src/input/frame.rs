//! The seam to polars for reading: a named input becomes a `LazyFrame` of its raw columns,
//! and polars' errors become messages that name the file and, where it can be found, the row.

use std::sync::Arc;

use anyhow::Result;
use polars::prelude::*;

use crate::error::{data_err, no_input};
use crate::input::layout::{detect, layout, renamed_note, unique, ColumnInfo, Export};
use crate::input::sheet::{is_sheet, read_sheet};
use crate::input::source::{find_ragged_row, find_unterminated_quote, open_text, Body, Delimiter, Source};
use crate::input::{clean, trace};

/// Name of the row-number column added for error reports.
pub const ROW: &str = "__row";

/// A column declared after the header's last one: a record with more fields than the header
/// (an unquoted delimiter inside a field) fills it. Polars does not check field counts when only
/// some columns are read, so this is how such rows are caught without a second pass.
const OVERFLOW: &str = "__overflow";

/// A value from a float column of an aggregate (nulls, from empty groups, read as 0).
pub fn f64_at(df: &DataFrame, name: &str, i: usize) -> Result<f64> {
    Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.get(i).unwrap_or(0.0))
}

/// The texts in row `i` of a list column (none where the list is null), nulls left out.
pub fn strings_at(df: &DataFrame, name: &str, i: usize) -> Result<Vec<String>> {
    Ok(match df.column(name)?.list()?.get_as_series(i) {
        Some(s) => s.str()?.iter().flatten().map(str::to_string).collect(),
        None => Vec::new(),
    })
}

/// How the input was read, for `inspect` and messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    Delimited {
        encoding: &'static str,
        bom: bool,
        delimiter: Delimiter,
    },
    Parquet,
    /// A spreadsheet (.xlsx, .xls, .ods …) and the sheet read.
    Sheet {
        sheet: String,
    },
}

impl Layout {
    /// The text encoding of a delimited file (`UTF-8`, `GBK`, `UTF-16LE` …); none for others.
    pub fn encoding(&self) -> Option<&'static str> {
        match self {
            Layout::Delimited { encoding, .. } => Some(encoding),
            _ => None,
        }
    }
}

/// An opened input: its headers and a lazy scan of it. Text columns are read as strings;
/// typing and validation are expressions on top (see `clean`).
pub struct Dataset {
    pub name: String,
    pub headers: Vec<String>,
    pub layout: Layout,
    /// The survey platform's layout, its header rows, and each column's question text and import id.
    pub export: Export,
    pub header_rows: usize,
    pub info: Vec<ColumnInfo>,
    pub warnings: Vec<String>,
    /// The row number of the first data record in messages (header rows and skipped lines counted).
    first_data_row: u32,
    scan: LazyFrame,
    /// Rows kept (Qualtrics: previews, tests and spam dropped), applied after row numbering.
    keep: Option<Expr>,
    text: Option<Delimited>,
    /// Queries run on the streaming engine (see [`ReadOptions::streaming`]).
    pub streaming: bool,
    /// `--decimal-comma`: amounts and weights are written `1.234,50`.
    decimal_comma: bool,
}

/// How to read an input: decoding, layout and which rows to keep.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions<'a> {
    pub encoding: Option<&'static encoding_rs::Encoding>,
    pub delimiter: Option<Delimiter>,
    /// Lines before the header, dropped.
    pub skip_lines: usize,
    /// Force a layout (`--source`); detected otherwise.
    pub export: Option<Export>,
    /// Force the number of header rows (`--header-rows`; 0 for `--no-header`).
    pub header_rows: Option<usize>,
    /// Read amounts and weights with a decimal comma (`--decimal-comma`); otherwise detected
    /// per column in files not delimited by commas ([`Dataset::decimal_comma`]).
    pub decimal_comma: bool,
    /// Keep Qualtrics preview, test and spam responses (`--keep-all`).
    pub keep_all: bool,
    /// The sheet of a spreadsheet (`--sheet`; the first by default).
    pub sheet: Option<&'a str>,
    /// Run queries on polars' streaming engine (`--streaming`): memory bounded by batches rather
    /// than by the input. Inputs above [`STREAMING_ABOVE`] bytes stream without asking.
    pub streaming: bool,
}

/// Makes polars read files in 32 MB chunks rather than map them into memory whole: a mapped
/// file's pages count as the process's resident memory, which on a 2 GB input is 2 GB however
/// little the query keeps (measured in BENCHMARKS.md). Set once, before the first streaming
/// query, for the rest of the process.
fn read_files_in_chunks() {
    const VAR: &str = "POLARS_FORCE_ASYNC";
    if std::env::var_os(VAR).is_none() {
        std::env::set_var(VAR, "1");
        polars_config::config().reload_env_var(VAR);
    }
}

/// The comment prefix that makes polars split lines fast (`NUL`), or `None` where the text has
/// a NUL byte, so that a line could start with one.
///
/// Polars (0.55, built on stable Rust without its nightly `simd` feature) finds where lines end
/// one byte at a time. Without a comment prefix it does so with a branch-free loop that updates
/// two sets of counters in memory on every byte: about half of the time of reading a file. With a
/// comment prefix it takes a simple loop that is several times faster (BENCHMARKS.md, "The line
/// splitting"). A NUL prefix matches no line when the text has no NUL
/// byte, which this checks, so the rows read are the same (tested).
fn fast_line_splitting(name: &str, body: &Body) -> Result<Option<PlSmallStr>> {
    let nul = match body {
        Body::Memory(bytes) => memchr::memchr(0, bytes).is_some(),
        Body::File(path) => {
            let cannot = |e: std::io::Error| no_input(format!("cannot read {name}: {e}"));
            let mut file = std::fs::File::open(path).map_err(cannot)?;
            let mut buffer = vec![0u8; 1 << 20];
            loop {
                let n = match std::io::Read::read(&mut file, &mut buffer) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    read => read.map_err(cannot)?,
                };
                if n == 0 {
                    break false;
                }
                if memchr::memchr(0, &buffer[..n]).is_some() {
                    break true;
                }
            }
        }
    };
    Ok((!nul).then(|| PlSmallStr::from_static("\0")))
}

/// Inputs larger than this (1 GiB) are read on the streaming engine.
pub const STREAMING_ABOVE: u64 = 1 << 30;

/// Qualtrics `Status` codes and words of responses that are not real answers: survey preview
/// (1), test (2), spam (8), preview spam (9), imported spam (12), offline preview (17).
const NOT_REAL_STATUS: &[&str] = &["1", "2", "8", "9", "12", "17", "survey preview", "survey test", "spam", "preview", "test"];
const NOT_REAL_CHANNEL: &[&str] = &["preview", "test"];

/// For a Qualtrics export (unless `keep_all`): the rows to keep, from its Status and
/// DistributionChannel columns.
fn real_responses(export: Export, headers: &[String], keep_all: bool) -> Option<Expr> {
    if keep_all || !matches!(export, Export::Qualtrics | Export::QualtricsLegacy) {
        return None;
    }
    let mut drop = lit(false);
    let mut any = false;
    for (column, words) in [("Status", NOT_REAL_STATUS), ("DistributionChannel", NOT_REAL_CHANNEL)] {
        if let Some(h) = headers.iter().find(|h| h.eq_ignore_ascii_case(column)) {
            any = true;
            let t = col(h.as_str()).str().strip_chars(lit(NULL)).str().to_lowercase();
            for w in words {
                drop = drop.or(t.clone().eq(lit(*w)).fill_null(lit(false)));
            }
        }
    }
    any.then(|| drop.not())
}

/// Where delimited text lives once decoded.
enum Raw {
    /// A UTF-8 file, read in place.
    File(std::path::PathBuf),
    /// Transcoded or piped bytes, UTF-8.
    Memory(polars_buffer::Buffer<u8>),
}

/// What is needed to explain a parse problem in delimited text.
struct Delimited {
    delimiter: u8,
    raw: Raw,
    /// Lines dropped before the header.
    skipped: u64,
}

impl Delimited {
    /// The first record whose field count differs from the header's (reads the text again:
    /// only on the error path).
    fn first_ragged_row(&self) -> Option<(u64, usize, usize)> {
        let found = match &self.raw {
            Raw::Memory(bytes) => find_ragged_row(bytes, self.delimiter),
            Raw::File(path) => std::fs::read(path).ok().and_then(|b| find_ragged_row(&b, self.delimiter)),
        };
        found.map(|(row, got, want)| (row + self.skipped, got, want))
    }

    /// The row where a quoted field starts that is never closed (error path only).
    fn unterminated_quote(&self) -> Option<u64> {
        let found = match &self.raw {
            Raw::Memory(bytes) => find_unterminated_quote(bytes, self.delimiter),
            Raw::File(path) => std::fs::read(path).ok().and_then(|b| find_unterminated_quote(&b, self.delimiter)),
        };
        found.map(|row| row + self.skipped)
    }
}

impl Dataset {
    /// Opens a CSV/TSV (any encoding), stdin, or a Parquet file.
    /// `skip_lines` lines before the header are dropped (row numbers in messages still count them).
    pub fn open(source: &Source, options: &ReadOptions) -> Result<Dataset> {
        if *source == Source::Stdin {
            let bytes = crate::input::source::stdin_bytes()?;
            if let Some(kind) = crate::input::source::binary_kind(&bytes) {
                return open_piped_binary(&bytes, kind, options);
            }
            crate::input::source::unread_stdin(bytes);
        }
        if source.is_parquet() {
            return open_parquet(source, options);
        }
        if let Source::File(path) = source {
            if is_sheet(path) {
                return open_sheet(path, options);
            }
        }
        let skip_lines = options.skip_lines;
        let text = open_text(source, options.encoding, options.delimiter, skip_lines, (options.export, options.header_rows))?;
        let schema: Schema =
            text.layout.names.iter().map(String::as_str).chain([OVERFLOW]).map(|h| Field::new(h.into(), DataType::String)).collect();
        // Transcoded or piped bytes are handed to polars once; the handle kept for error
        // diagnostics shares them (an O(1) clone).
        let size = match &text.body {
            Body::File(path) => std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            Body::Memory(bytes) => bytes.len() as u64,
        };
        let streaming = options.streaming || size > STREAMING_ABOVE;
        if streaming && matches!(text.body, Body::File(_)) {
            read_files_in_chunks();
        }
        let line_splitting = fast_line_splitting(&text.name, &text.body)?;
        let raw = match text.body {
            Body::File(path) => Raw::File(path),
            Body::Memory(bytes) => Raw::Memory(polars_buffer::Buffer::from(bytes)),
        };
        let reader = match &raw {
            Raw::File(path) => LazyCsvReader::new(PlRefPath::new(path.to_string_lossy().as_ref())),
            Raw::Memory(buffer) => LazyCsvReader::new_with_sources(ScanSources::Buffers(Arc::from([buffer.clone()]))),
        };
        let delimited = Delimited { delimiter: text.delimiter, raw, skipped: skip_lines as u64 };
        let scan = reader
            .with_separator(text.delimiter)
            // The header was read already; columns are matched by position so that the
            // overflow column past the header's last one can be declared.
            .with_has_header(false)
            .with_skip_rows(text.layout.rows)
            .with_schema(Some(Arc::new(schema)))
            // Take the declared schema as is (polars otherwise trims it to the first line's width);
            // fields past the overflow column are dropped, but the overflow column already flags the row.
            .with_truncate_ragged_lines(true)
            // A header with no rows is zero rows; the command says what that means for it.
            .with_raise_if_empty(false)
            .with_missing_is_null(true)
            .with_comment_prefix(line_splitting)
            .finish()
            .map_err(|e| convert_error(&text.name, e, Some(&delimited)))?;
        let export = text.layout.export;
        let keep = real_responses(export, &text.layout.names, options.keep_all);
        let data = Dataset {
            layout: Layout::Delimited { encoding: text.encoding, bom: text.bom, delimiter: text.written },
            name: text.name,
            headers: text.layout.names,
            export,
            header_rows: text.layout.rows,
            info: text.layout.info,
            warnings: text.warnings,
            first_data_row: 1 + text.layout.rows as u32 + skip_lines as u32,
            scan,
            keep,
            text: Some(delimited),
            streaming,
            decimal_comma: options.decimal_comma,
        };
        data.count_dropped()
    }

    /// Adds a warning counting the rows `keep` leaves out (Qualtrics previews, tests, spam).
    fn count_dropped(mut self) -> Result<Dataset> {
        let data = &mut self;
        if let Some(keep) = &data.keep {
            let counted = data.collect(data.scan.clone().select([keep.clone().not().cast(DataType::UInt32).sum().alias("n")]))?;
            let dropped = counted.column("n")?.cast(&DataType::Float64)?.f64()?.get(0).unwrap_or(0.0);
            if dropped > 0.0 {
                data.warnings.push(format!(
                    "{}: {dropped} preview, test or spam response{} (Status / DistributionChannel) left out; --keep-all keeps them",
                    data.name,
                    if dropped == 1.0 { "" } else { "s" }
                ));
            }
        }
        Ok(self)
    }

    /// The raw columns, lazily (the rows kept).
    /// Whether the numbers of column `header` (amounts, weights) are written with a decimal
    /// comma (`1,25`, `1.234,50`): with `--decimal-comma`, or where the file is not split on
    /// commas and some value of the column has the form (one query over the column).
    pub fn decimal_comma(&self, header: &str) -> Result<bool> {
        if self.decimal_comma {
            return Ok(true);
        }
        match self.layout {
            Layout::Delimited { delimiter: Delimiter::Char(b','), .. } | Layout::Parquet => return Ok(false),
            _ => {}
        }
        let found = self.collect(self.lazy().select([clean::decimal_comma_form(header).any(true).alias("found")]))?;
        Ok(found.column("found")?.bool()?.get(0) == Some(true))
    }

    /// Adds a column computed from the raw ones (named `__…`, clear of the headers) to every
    /// later query of the input; a query that does not read it does not compute it.
    pub fn add_column(&mut self, column: Expr) {
        self.scan = self.scan.clone().with_column(column);
    }

    pub fn lazy(&self) -> LazyFrame {
        match &self.keep {
            Some(keep) => self.scan.clone().filter(keep.clone()),
            None => self.scan.clone(),
        }
    }

    /// The raw columns plus [`ROW`]: the record number, counting the header rows (row 1 is the
    /// first header row).
    pub fn lazy_with_rows(&self) -> LazyFrame {
        self.with_rows(self.scan.clone())
    }

    /// [`Dataset::lazy_with_rows`] of the records up to row `last`: the reader stops there.
    fn lazy_with_rows_to(&self, last: u64) -> LazyFrame {
        let records = (last + 1).saturating_sub(u64::from(self.first_data_row));
        self.with_rows(self.scan.clone().slice(0, records.try_into().unwrap_or(IdxSize::MAX)))
    }

    fn with_rows(&self, scan: LazyFrame) -> LazyFrame {
        let numbered = scan.with_row_index(ROW, Some(self.first_data_row));
        match &self.keep {
            Some(keep) => numbered.filter(keep.clone()),
            None => numbered,
        }
    }

    /// Other names a column can be mapped by: its import id and its question text (Qualtrics,
    /// SurveyMonkey), as (alias, header).
    pub fn aliases(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (header, info) in self.headers.iter().zip(&self.info) {
            for alias in [&info.import_id, &info.question].into_iter().flatten() {
                out.push((alias.clone(), header.clone()));
            }
            // Qualtrics appends the part of a question to its text: match the question without it.
            if let Some(q) = &info.question {
                for suffix in [" - Selected Choice", " - Text", " - Group"] {
                    if let Some(stem) = q.strip_suffix(suffix) {
                        out.push((stem.to_string(), header.clone()));
                    }
                }
            }
        }
        out
    }

    /// An aggregation counting records with more fields than the header (`None` for Parquet).
    /// Feed its count to [`Dataset::check_ragged`].
    pub fn ragged_count(&self) -> Option<Expr> {
        self.text.as_ref().map(|_| col(OVERFLOW).is_not_null().cast(DataType::Float64).sum().alias(OVERFLOW))
    }

    /// A row flag: true for records with more fields than the header (`None` for Parquet).
    pub fn ragged_flag(&self) -> Option<Expr> {
        self.text.as_ref().map(|_| col(OVERFLOW).is_not_null())
    }

    /// Reads the count of [`Dataset::ragged_count`] from an aggregate's row `i`.
    pub fn ragged_at(&self, df: &DataFrame, i: usize) -> Result<u64> {
        if self.text.is_none() {
            return Ok(0);
        }
        Ok(f64_at(df, OVERFLOW, i)? as u64)
    }

    /// Rows with more fields than the header would shift values into the wrong columns: that is
    /// always an error (exit 65), naming the first such row.
    pub fn check_ragged(&self, count: u64) -> Result<()> {
        if count == 0 {
            return Ok(());
        }
        let first = self.text.as_ref().and_then(Delimited::first_ragged_row);
        let detail = first.map_or(String::new(), |(row, found, _)| format!("; the first is row {row} with {found} fields"));
        Err(data_err(format!(
            "{}: {count} row{} more fields than the header ({} columns){detail}. Values would land in the \
             wrong columns: quote fields that contain the delimiter, or set --delimiter",
            self.name,
            if count == 1 { " has" } else { "s have" },
            self.headers.len()
        )))
    }

    /// The first `limit` rows of `rows` (a query on [`Dataset::lazy_with_rows`], filtered to the rows
    /// to quote) as (row number, raw value of `column`).
    pub fn examples(&self, rows: LazyFrame, column: &str, limit: u32) -> Result<Vec<(u64, String)>> {
        let df = self.collect(rows.select([col(ROW).cast(DataType::UInt64), col(column).cast(DataType::String)]).limit(limit))?;
        let numbers = df.column(ROW)?.u64()?;
        let values = df.column(column)?.str()?;
        Ok((0..df.height()).map(|i| (numbers.get(i).unwrap_or(0), values.get(i).unwrap_or("").to_string())).collect())
    }

    /// The raw values of `column` on the first `limit` rows of `found` (rows read from this input,
    /// with their [`ROW`] numbers, filtered to the rows to quote), read again from the input: the
    /// rows kept in memory hold parsed values only. A second read, only when there is a problem
    /// to report, and only up to the last row quoted.
    pub fn examples_from_input(&self, found: LazyFrame, column: &str, limit: u32) -> Result<Vec<(u64, String)>> {
        let found = self.collect(found.select([col(ROW).cast(DataType::UInt64)]).limit(limit))?;
        let numbers = found.column(ROW)?.u64()?;
        let rows: Vec<u64> = (0..numbers.len()).filter_map(|i| numbers.get(i)).collect();
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let wanted = rows.iter().fold(lit(false), |any, r| any.or(col(ROW).cast(DataType::UInt64).eq(lit(*r))));
        let last = rows.iter().copied().max().unwrap_or(0);
        self.examples(self.lazy_with_rows_to(last).filter(wanted), column, limit)
    }

    /// Runs a query, turning polars errors into messages about this input.
    #[track_caller]
    pub fn collect(&self, query: LazyFrame) -> Result<DataFrame> {
        self.collect_on(query, self.streaming)
    }

    /// Runs a query on the streaming engine, whatever the input's size, and leaves the result in
    /// the batches it came in. For a query that reduces the input to a few rows (a grouped
    /// aggregation), batches are reduced as they are read, so memory holds the groups rather than
    /// the file's columns, and it is faster too (see BENCHMARKS.md). Also for rows read into
    /// memory that are only counted (counts add up exactly in any order), without
    /// [`Dataset::collect_rows`]' copy into one chunk.
    #[track_caller]
    pub fn collect_reduced(&self, query: LazyFrame) -> Result<DataFrame> {
        self.collect_on(query, true)
    }

    /// Runs a query over rows already in memory on the in-memory engine, whatever `--streaming`
    /// says: for sums of amounts, which must add in the same order on every run (the streaming
    /// engine adds its batches' partial sums, so the last digits depend on the batch size).
    #[track_caller]
    pub fn collect_in_memory(&self, query: LazyFrame) -> Result<DataFrame> {
        self.collect_on(query, false)
    }

    /// Reads rows derived from the input into memory (parsed values and flags, not the raw text)
    /// on the streaming engine, which parses the file batch by batch and keeps only the derived
    /// columns; the result is one contiguous chunk, so that later sums do not depend on how the
    /// file was split into batches.
    #[track_caller]
    pub fn collect_rows(&self, query: LazyFrame) -> Result<DataFrame> {
        let mut df = self.collect_on(query, true)?;
        df.rechunk_mut();
        Ok(df)
    }

    #[track_caller]
    fn collect_on(&self, query: LazyFrame, streaming: bool) -> Result<DataFrame> {
        let engine = if streaming { Engine::Streaming } else { Engine::InMemory };
        let _timer = trace::Timer::start(std::panic::Location::caller(), streaming);
        query.collect_with_engine(engine).map(|result| result.unwrap_single()).map_err(|e| convert_error(&self.name, e, self.text.as_ref()))
    }
}

/// The temporary files that hold a workbook or Parquet file read from stdin, until the run ends.
static PIPED: std::sync::Mutex<Vec<tempfile::TempPath>> = std::sync::Mutex::new(Vec::new());

/// Removes the temporary files of [`open_piped_binary`] (the run is over).
pub fn remove_piped() {
    PIPED.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
}

/// A workbook or Parquet file on stdin: its readers need a file, so the bytes go to a private
/// temporary file (removed at exit) and are read from there. Messages name `<stdin>`, never the
/// temporary file.
fn open_piped_binary(bytes: &[u8], kind: &str, options: &ReadOptions) -> Result<Dataset> {
    use std::io::Write;
    let mut file = tempfile::Builder::new()
        .prefix(".cxstat-stdin-")
        .suffix(&format!(".{kind}"))
        .tempfile()
        .map_err(|e| no_input(format!("cannot keep stdin's {kind} bytes in a temporary file: {e}")))?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(|e| no_input(format!("cannot keep stdin's {kind} bytes in a temporary file: {e}")))?;
    let path = file.into_temp_path();
    let shown = path.display().to_string();
    let source = Source::File(path.to_path_buf());
    let opened = if kind == "parquet" { open_parquet(&source, options) } else { open_sheet(&path, options) };
    PIPED.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(path);
    match opened {
        Ok(mut data) => {
            data.name = Source::Stdin.name();
            data.warnings = data.warnings.iter().map(|w| w.replace(&shown, &data.name)).collect();
            Ok(data)
        }
        Err(e) => Err(crate::error::err(crate::error::exit_for(&e), format!("{e:#}").replace(&shown, &Source::Stdin.name()))),
    }
}

/// The DECIMAL columns of a Parquet file, from its footer: this build of polars does not read
/// them (its `dtype-decimal` feature is off), and would stop the run at them; the callers refuse
/// them by name instead.
pub fn parquet_decimals(path: &std::path::Path) -> Result<Vec<String>> {
    let name = path.display();
    let file = std::fs::File::open(path).map_err(|e| no_input(format!("cannot open {name}: {e}")))?;
    let schema = ParquetReader::new(file).schema().map_err(|e| data_err(format!("{name}: not a Parquet file cxstat can read: {e}")))?;
    Ok(schema.iter_values().filter(|f| format!("{:?}", f.dtype()).starts_with("Decimal")).map(|f| f.name.to_string()).collect())
}

fn open_parquet(source: &Source, options: &ReadOptions) -> Result<Dataset> {
    let name = source.name();
    let Source::File(path) = source else { unreachable!("parquet comes from a file") };
    if let Err(e) = std::fs::metadata(path) {
        return Err(no_input(format!("cannot open {name}: {e}")));
    }
    // A file whose footer cannot be read gets the reader's own message below.
    let decimals = parquet_decimals(path).unwrap_or_default();
    if !decimals.is_empty() {
        return Err(data_err(format!(
            "{name}: column{} {} DECIMAL, which cxstat does not read from Parquet yet: write the file with {} as DOUBLE \
             (CAST(col AS DOUBLE)), or as CSV",
            if decimals.len() == 1 { "" } else { "s" },
            decimals.iter().map(|d| format!("'{d}'")).collect::<Vec<_>>().join(", ") + if decimals.len() == 1 { " is" } else { " are" },
            if decimals.len() == 1 { "it" } else { "them" }
        )));
    }
    let streaming = options.streaming || std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) > STREAMING_ABOVE;
    let mut scan = LazyFrame::scan_parquet(PlRefPath::new(path.to_string_lossy().as_ref()), ScanArgsParquet::default())
        .map_err(|e| convert_error(&name, e, None))?;
    let schema = scan.collect_schema().map_err(|e| convert_error(&name, e, None))?;
    let stored: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    // Parquet names are unique already; only a name starting with `__` changes.
    let (headers, renamed) = unique(&stored);
    if !renamed.is_empty() {
        let changed: Vec<(&String, &String)> = stored.iter().zip(&headers).filter(|(s, h)| s != h).collect();
        scan = scan.rename(changed.iter().map(|(s, _)| s.as_str()), changed.iter().map(|(_, h)| h.as_str()), true);
    }
    Ok(Dataset {
        info: vec![ColumnInfo::default(); headers.len()],
        warnings: renamed_note(&name, &renamed).into_iter().collect(),
        headers,
        name,
        layout: Layout::Parquet,
        export: Export::Plain,
        header_rows: 1,
        first_data_row: 2,
        scan,
        keep: None,
        text: None,
        streaming,
        decimal_comma: options.decimal_comma,
    })
}

/// A sheet of a spreadsheet: its cells as text columns, with the header rows of `options`
/// (detected like a CSV export's).
fn open_sheet(path: &std::path::Path, options: &ReadOptions) -> Result<Dataset> {
    let name = path.display().to_string();
    let sheet = read_sheet(path, options.sheet)?;
    let rows: Vec<Vec<Option<String>>> = sheet.rows.into_iter().skip(options.skip_lines).collect();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    if rows.is_empty() || width == 0 {
        return Err(data_err(format!("{name}: sheet '{}' is empty: expected a header row and data rows", sheet.name)));
    }
    let text = |r: &Vec<Option<String>>| (0..width).map(|c| r.get(c).cloned().flatten().unwrap_or_default()).collect::<Vec<String>>();
    let first: Vec<Vec<String>> = rows.iter().take(3).map(text).collect();
    let export = options.export.unwrap_or_else(|| if options.header_rows == Some(0) { Export::Plain } else { detect(&first) });
    let layout = layout(&first, export, options.header_rows);
    let body = rows.get(layout.rows..).unwrap_or(&[]);
    let columns: Vec<Column> = layout
        .names
        .iter()
        .enumerate()
        .map(|(c, h)| {
            let values: Vec<Option<&str>> = body.iter().map(|r| r.get(c).and_then(|v| v.as_deref())).collect();
            Series::new(h.as_str().into(), values).into()
        })
        .collect();
    let frame = DataFrame::new(body.len(), columns).map_err(|e| data_err(format!("{name}: {e}")))?;
    let keep = real_responses(export, &layout.names, options.keep_all);
    let warnings = renamed_note(&name, &layout.renamed).into_iter().collect();
    Dataset {
        name,
        first_data_row: sheet.first_row + options.skip_lines as u32 + layout.rows as u32,
        headers: layout.names,
        layout: Layout::Sheet { sheet: sheet.name },
        export,
        header_rows: layout.rows,
        info: layout.info,
        warnings,
        scan: frame.lazy(),
        keep,
        text: None,
        streaming: options.streaming,
        decimal_comma: options.decimal_comma,
    }
    .count_dropped()
}

/// One place where polars errors are converted: I/O → 66, malformed data → 65 with the row
/// where it can be found, anything else → 1 with the file named.
fn convert_error(name: &str, error: PolarsError, text: Option<&Delimited>) -> anyhow::Error {
    let message = error.to_string();
    if let PolarsError::IO { .. } = error {
        return no_input(format!("cannot read {name}: {message}"));
    }
    let lower = message.to_lowercase();
    if lower.contains("utf-8") || lower.contains("utf8") {
        return data_err(format!(
            "{name} is not valid UTF-8 past its first megabyte; name its encoding with --encoding (e.g. gbk): {message}"
        ));
    }
    if let Some(text) = text {
        if let Some(row) = text.unterminated_quote() {
            return data_err(format!(
                "{name}: row {row}: a quoted field starts there and is never closed, so the rest of the file \
                 would be one value (a stray '\"'? quote it as '\"\"' inside a quoted field)"
            ));
        }
        if let Some((row, found, expected)) = text.first_ragged_row() {
            return data_err(format!(
                "{name}: row {row} has {found} fields but the header has {expected} (check quoting and the delimiter)"
            ));
        }
        // Polars' first line says what it could not read; the rest is advice for its Python API.
        let first = crate::error::printable(message.lines().next().unwrap_or_default());
        return data_err(format!("{name}: cannot parse as delimited text: {first}"));
    }
    // Polars reads Parquet itself: what it cannot read there is the file's doing.
    if name.to_ascii_lowercase().ends_with(".parquet") {
        let first = message.lines().next().unwrap_or_default();
        let detail = first.strip_prefix("parquet: ").unwrap_or(first);
        return data_err(format!("{name}: cannot read it as Parquet: {}", crate::error::printable(detail)));
    }
    anyhow::anyhow!("{name}: {}", crate::error::printable(&message))
}
