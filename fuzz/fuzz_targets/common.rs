//! What every fuzz target shares: running a cxstat command line in-process on files the
#![allow(dead_code)]
//! fuzzer wrote, and the rule an outcome must keep.

use std::path::Path;

use clap::Parser;
use cxstat::cli::Cli;
use cxstat::error::{exit_for, internal_word, Exit};
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
    let cli = match Cli::try_parse_from(std::iter::once("cxstat").chain(args.iter().copied())) {
        Ok(cli) => cli,
        Err(_) => return,
    };
    let mut io = Io {
        stdout: Box::new(std::io::sink()),
        stderr: Box::new(std::io::sink()),
        stdout_is_terminal: false,
        stderr_is_terminal: false,
        quiet: true,
    };
    if let Err(error) = cxstat::run(cli, &mut io) {
        let message = format!("{error:#}");
        let exit = exit_for(&error);
        assert!(exit != Exit::Failure, "exit 1 for {args:?}: {message}");
        if let Some(word) = internal_word(&without_quoted(&message)) {
            panic!("internals ({word}) in the message for {args:?}: {message}");
        }
    }
}

/// One thread for polars: a fuzzer per core.
pub fn one_thread() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::env::set_var("POLARS_MAX_THREADS", "1"));
}

/// A message without the values it quotes (`got ';polars'`): those are the input's own text,
/// which may hold any word.
pub fn without_quoted(message: &str) -> String {
    message.split('\'').step_by(2).collect::<Vec<_>>().join("''")
}
