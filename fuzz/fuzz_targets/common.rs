//! What every fuzz target shares: running a cxstat command line in-process on files the
#![allow(dead_code)]
//! fuzzer wrote, and the rule an outcome must keep.

use std::path::Path;

use cxstat::error::{exit_for, Exit, INTERNAL_WORDS};
use cxstat::Io;

/// A scratch folder for the files of one input (removed when dropped).
pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("a scratch folder in the system's temp dir")
}

/// Writes `bytes` to `dir/name` and returns the path.
pub fn put(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("a scratch file");
    path
}

/// Runs `cxstat ARGS` in-process, data and warnings to nowhere. A panic is the fuzzer's find;
/// so is an error that exits 1 (not classified as bad data, usage or I/O) or whose message
/// shows a library's internals.
pub fn run(args: &[&str]) {
    let cli = match cxstat::cli::try_parse_from(std::iter::once("cxstat").chain(args.iter().copied())) {
        Ok(cli) => cli,
        Err(_) => return,
    };
    let mut io = Io {
        stdout: Box::new(std::io::sink()),
        stderr: Box::new(std::io::sink()),
        stdout_is_terminal: false,
        stderr_is_terminal: false,
        stdin_is_terminal: false,
        quiet: true,
        screen: cxstat::output::Screen::default(),
        spinner: Default::default(),
    };
    if let Err(error) = cxstat::run(cli, &mut io) {
        let message = format!("{error:#}");
        let exit = exit_for(&error);
        assert!(exit != Exit::Failure, "exit 1 for {args:?}: {message}");
        if let Some(word) = internals(&message, &given(args)) {
            panic!("internals ({word}) in the message for {args:?}: {message}");
        }
    }
}

/// One thread for polars: a fuzzer per core.
pub fn one_thread() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::env::set_var("POLARS_MAX_THREADS", "1"));
}

/// The first word of a library's internals in `message` that is not the input's own text: not
/// inside a quoted value, and not anywhere in what the fuzzer gave (a column named
/// `D'rand' expected f64` is echoed with its quote, which no splitting on quotes undoes).
pub fn internals(message: &str, given: &str) -> Option<&'static str> {
    let unquoted = without_quoted(message);
    INTERNAL_WORDS.iter().copied().find(|w| unquoted.contains(w) && !given.contains(w))
}

/// Everything the fuzzer gave a run: the arguments and the text of the files they name.
fn given(args: &[&str]) -> String {
    let mut text = args.join("\n");
    for arg in args {
        if let Ok(bytes) = std::fs::read(arg) {
            text.push('\n');
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    text
}

/// A message without the values it quotes (`got ';polars'`): those are the input's own text,
/// which may hold any word.
fn without_quoted(message: &str) -> String {
    message.split('\'').step_by(2).collect::<Vec<_>>().join("''")
}
