//! Domain errors and the exit codes they map to: the exit code is a public interface.

use std::fmt;

/// Documented exit statuses (sysexits-style where one exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success.
    Ok = 0,
    /// The run failed for a reason not covered below.
    Failure = 1,
    /// Wrong command-line usage or configuration.
    Usage = 2,
    /// A threshold alert fired (reserved for `--fail-under` / `--fail-over`).
    Alert = 3,
    /// Bad input data: invalid values under `--strict`, or nothing valid to compute.
    DataErr = 65,
    /// An input file is missing or unreadable.
    NoInput = 66,
    /// An output could not be written.
    IoErr = 74,
}

impl Exit {
    /// The numeric process exit status.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// An error that carries its exit code; anything else in an error chain exits 1.
#[derive(Debug)]
pub struct CxError {
    pub exit: Exit,
    pub message: String,
}

impl fmt::Display for CxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CxError {}

pub fn err(exit: Exit, message: impl Into<String>) -> anyhow::Error {
    CxError { exit, message: message.into() }.into()
}

/// Bad data (exit 65).
pub fn data_err(message: impl Into<String>) -> anyhow::Error {
    err(Exit::DataErr, message)
}

/// Missing or unreadable input (exit 66).
pub fn no_input(message: impl Into<String>) -> anyhow::Error {
    err(Exit::NoInput, message)
}

/// Usage or configuration error (exit 2).
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    err(Exit::Usage, message)
}

/// Output could not be written (exit 74).
pub fn io_err(message: impl Into<String>) -> anyhow::Error {
    err(Exit::IoErr, message)
}

/// Text from the input as a message shows it: control characters (NUL, escape, a line end inside
/// a value) escaped as Rust writes them (`'4\0'`, `\u{1b}`), so that none is invisible or moves
/// the terminal's cursor.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// A message as printed on stderr: each of its lines [`printable`], so that no value quoted in
/// it (whatever command wrote it) hides a control character.
pub fn printable_lines(message: &str) -> String {
    message.split('\n').map(printable).collect::<Vec<_>>().join("\n")
}

/// True when the error is a closed stdout pipe (`cxstat … | head`), which is not a failure.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

/// Words that betray a library's or Rust's internals rather than tell a user what is wrong:
/// debug formatting of options and results, serde's and polars' own vocabulary, a panic. No
/// message of cxstat may contain one (the messages test and the fuzz targets check).
pub const INTERNAL_WORDS: &[&str] = &[
    "Some(",
    "None)",
    "Ok(",
    "Err(",
    "expected u64",
    "expected i64",
    "expected f64",
    "invalid type:",
    "called `Option",
    "called `Result",
    "panicked",
    "RUST_BACKTRACE",
    "ComputeError",
    "SchemaMismatch",
    "ColumnNotFound",
    "InvalidOperation",
    "ShapeMismatch",
    "OutOfBounds",
    "ErrString",
    "EOCD",
    "polars",
    "calamine",
];

/// Serde's type words in an error (TOML config, JSON partials) said as a user knows them: `invalid type: string "many",
/// expected u64` → `found the text "many", expected a whole number`.
pub fn plain_types(message: &str) -> String {
    static RULES: std::sync::OnceLock<Vec<(regex::Regex, &'static str)>> = std::sync::OnceLock::new();
    let rules = RULES.get_or_init(|| {
        [
            (r"expected (?:u8|u16|u32|u64|usize)\b", "expected a whole number from 0"),
            (r"expected (?:i8|i16|i32|i64|isize)\b", "expected a whole number"),
            (r"expected (?:f32|f64)\b", "expected a number"),
            (r"invalid (?:type|value): string ", "found the text "),
            (r"invalid (?:type|value): (?:integer|floating point) `([^`]*)`", "found the number $1"),
            (r"invalid (?:type|value): boolean `([^`]*)`", "found $1"),
            (r"invalid (?:type|value): ", "found "),
        ]
        .into_iter()
        .map(|(pattern, with)| (regex::Regex::new(pattern).expect("a valid pattern"), with))
        .collect()
    });
    rules.iter().fold(message.to_string(), |text, (pattern, with)| pattern.replace_all(&text, *with).into_owned())
}

/// The first of [`INTERNAL_WORDS`] in `message`.
pub fn internal_word(message: &str) -> Option<&'static str> {
    INTERNAL_WORDS.iter().copied().find(|w| message.contains(w))
}

/// The exit status for an error: the first `CxError` in its chain decides, else 1.
pub fn exit_for(error: &anyhow::Error) -> Exit {
    if is_broken_pipe(error) {
        return Exit::Ok;
    }
    error
        .chain()
        .find_map(|cause| {
            // A CxError is also carried inside an io::Error by writers (NamedStdout).
            let inner = cause.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()).and_then(|e| e.downcast_ref::<CxError>());
            cause.downcast_ref::<CxError>().or(inner).map(|e| e.exit)
        })
        .unwrap_or(Exit::Failure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn exit_code_survives_context() {
        let e = Err::<(), _>(data_err("bad")).context("reading x.csv").unwrap_err();
        assert_eq!(exit_for(&e), Exit::DataErr);
        assert_eq!(exit_for(&anyhow::anyhow!("plain")), Exit::Failure);
    }

    #[test]
    fn broken_pipe_is_success() {
        let io = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "pipe");
        let e = anyhow::Error::new(io).context("writing stdout");
        assert_eq!(exit_for(&e), Exit::Ok);
    }
}
