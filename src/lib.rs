//! cxstat: customer-satisfaction analytics from survey, complaint and order exports.
//!
//! Every command runs the same pipeline: `input` (decode, map columns, validate) →
//! `metrics` (polars aggregations) → `stats` (pure formulas) → `output` (tables).
//! The library never prints: data goes to `Io::stdout`, warnings to `Io::stderr`.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod chart;
pub mod cli;
pub mod cmd;
pub mod error;
pub mod input;
pub mod metrics;
pub mod output;
pub mod partials;
pub mod progress;
pub mod report;
pub mod sql;
pub mod stats;
pub mod text;

/// What the binary's allocator does to give its unused memory back to the system now (set once
/// by `main`; the library has no allocator of its own to ask).
static RELEASE_MEMORY: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Sets [`release_memory`]'s action (the first call wins).
pub fn on_release_memory(release: fn()) {
    let _ = RELEASE_MEMORY.set(release);
}

/// Gives freed memory back to the system, where the binary said how: between two phases of a
/// command, so that the second's peak does not stack on the first's freed but kept pages.
pub fn release_memory() {
    if let Some(release) = RELEASE_MEMORY.get() {
        release();
    }
}

use std::io::Write;

use anyhow::Result;

use crate::cli::{Cli, Command};

/// Where a run writes: data to `stdout`, warnings to `stderr`.
pub struct Io {
    pub stdout: Box<dyn Write>,
    pub stderr: Box<dyn Write>,
    /// Decides the default output format (table on a terminal, CSV in a pipe).
    pub stdout_is_terminal: bool,
    /// Progress is shown only on a terminal.
    pub stderr_is_terminal: bool,
    /// Without a FILE, a command reads stdin unless it is a terminal (nobody is typing a CSV).
    pub stdin_is_terminal: bool,
    /// `--quiet`: no warnings.
    pub quiet: bool,
    /// How a table on stdout is drawn: the terminal's width and `--color`.
    pub screen: output::Screen,
    /// The spinner on stderr while the run works.
    pub spinner: progress::Spinner,
}

impl Io {
    /// Says on stderr which stage the run is at (a spinner with the time so far, after a second)
    /// when it is a terminal, unless `--quiet`.
    pub fn progress(&mut self, message: &str) {
        if self.stderr_is_terminal && !self.quiet {
            self.spinner.stage(message);
        }
    }

    /// Clears the progress spinner: the result is about to be written.
    pub fn done(&mut self) {
        self.spinner.finish();
    }

    /// Prints a warning on stderr unless `--quiet`.
    pub fn warn(&mut self, message: &str) {
        if !self.quiet {
            let Io { spinner, stderr, .. } = self;
            // A warning that cannot be written is not worth failing the run for.
            spinner.suspend(|| writeln!(stderr, "warning: {}", error::printable_lines(message)).ok());
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli, io: &mut Io) -> Result<()> {
    let files = cli.command.files();
    output::check_outputs(&files.inputs, &files.outputs)?;
    let outcome = dispatch(cli, io);
    io.done();
    input::frame::remove_piped();
    outcome
}

fn dispatch(cli: Cli, io: &mut Io) -> Result<()> {
    match cli.command {
        Command::Survey(args) => cmd::survey::run(&args, io),
        Command::Complaints(args) => cmd::complaints::run(&args, io),
        Command::Repeat(args) => cmd::repeat::run(&args, io),
        Command::Inspect(args) => cmd::inspect::run(&args, io),
        Command::Scorecard(args) => cmd::scorecard::run(&args, io),
        Command::Compare(args) => cmd::compare::run(&args, io),
        Command::Drivers(args) => cmd::drivers::run(&args, io),
        Command::Loyalty(args) => cmd::loyalty::run(&args, io),
        Command::Index(args) => cmd::index::run(&args, io),
        Command::Themes(args) => cmd::themes::run(&args, io),
        Command::Clv(args) => cmd::clv::run(&args, io),
        Command::Merge(args) => cmd::merge::run(&args, io),
        Command::Sql(args) => cmd::sql::run(&args, io),
        Command::Completions { shell } => cmd::shell::completions(shell, io),
        Command::Man => cmd::shell::man(io),
    }
}
