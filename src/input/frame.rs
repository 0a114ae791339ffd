//! The seam to polars for reading: a named input becomes a `LazyFrame` of its raw columns,
//! and polars' errors become messages that name the file and, where it can be found, the row.

use std::sync::Arc;

use anyhow::Result;
use polars::prelude::*;

use crate::error::{data_err, no_input};
use crate::input::source::{find_ragged_row, open_text, Body, Source, TextInput};

/// Name of the row-number column added for error reports.
pub const ROW: &str = "__row";

/// How the input was read, for `inspect` and messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    Delimited { encoding: &'static str, bom: bool, delimiter: u8 },
    Parquet,
}

/// An opened input: its headers and a lazy scan of it. Text columns are read as strings;
/// typing and validation are expressions on top (see `clean`).
pub struct Dataset {
    pub name: String,
    pub headers: Vec<String>,
    pub layout: Layout,
    pub warnings: Vec<String>,
    scan: LazyFrame,
    text: Option<TextInput>,
}

impl Dataset {
    /// Opens a CSV/TSV (any encoding), stdin, or a Parquet file.
    pub fn open(source: &Source, encoding: Option<&str>, delimiter: Option<&str>) -> Result<Dataset> {
        if source.is_parquet() {
            return open_parquet(source);
        }
        let text = open_text(source, encoding, delimiter)?;
        let schema: Schema = text.headers.iter().map(|h| Field::new(h.as_str().into(), DataType::String)).collect();
        let reader = match &text.body {
            Body::File(path) => LazyCsvReader::new(PlRefPath::new(path.to_string_lossy().as_ref())),
            Body::Memory(bytes) => {
                LazyCsvReader::new_with_sources(ScanSources::Buffers(Arc::from([polars_buffer::Buffer::from(bytes.clone())])))
            }
        };
        let scan = reader
            .with_separator(text.delimiter)
            .with_has_header(true)
            .with_schema(Some(Arc::new(schema)))
            .with_missing_is_null(true)
            .finish()
            .map_err(|e| convert_error(&text.name, e, Some(&text)))?;
        Ok(Dataset {
            name: text.name.clone(),
            headers: text.headers.clone(),
            layout: Layout::Delimited { encoding: text.encoding, bom: text.bom, delimiter: text.delimiter },
            warnings: text.warnings.clone(),
            scan,
            text: Some(text),
        })
    }

    /// The raw columns, lazily.
    pub fn lazy(&self) -> LazyFrame {
        self.scan.clone()
    }

    /// The raw columns plus [`ROW`]: the record number, counting the header as row 1.
    pub fn lazy_with_rows(&self) -> LazyFrame {
        self.scan.clone().with_row_index(ROW, Some(2))
    }

    /// Runs a query, turning polars errors into messages about this input.
    pub fn collect(&self, query: LazyFrame) -> Result<DataFrame> {
        query.collect().map_err(|e| convert_error(&self.name, e, self.text.as_ref()))
    }
}

fn open_parquet(source: &Source) -> Result<Dataset> {
    let name = source.name();
    let Source::File(path) = source else { unreachable!("parquet comes from a file") };
    if let Err(e) = std::fs::metadata(path) {
        return Err(no_input(format!("cannot open {name}: {e}")));
    }
    let mut scan = LazyFrame::scan_parquet(PlRefPath::new(path.to_string_lossy().as_ref()), ScanArgsParquet::default())
        .map_err(|e| convert_error(&name, e, None))?;
    let schema = scan.collect_schema().map_err(|e| convert_error(&name, e, None))?;
    Ok(Dataset {
        headers: schema.iter_names().map(|n| n.to_string()).collect(),
        name,
        layout: Layout::Parquet,
        warnings: Vec::new(),
        scan,
        text: None,
    })
}

/// One place where polars errors are converted: I/O → 66, malformed data → 65 with the row
/// where it can be found, anything else → 1 with the file named.
fn convert_error(name: &str, error: PolarsError, text: Option<&TextInput>) -> anyhow::Error {
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
        let ragged = match &text.body {
            Body::Memory(bytes) => find_ragged_row(bytes, text.delimiter),
            Body::File(path) => std::fs::read(path).ok().and_then(|b| find_ragged_row(&b, text.delimiter)),
        };
        if let Some((row, found, expected)) = ragged {
            return data_err(format!(
                "{name}: row {row} has {found} fields but the header has {expected} (check quoting and the delimiter)"
            ));
        }
        return data_err(format!("{name}: cannot parse as delimited text: {message}"));
    }
    anyhow::anyhow!("{name}: {message}")
}
