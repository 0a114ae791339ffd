//! `CXSTAT_TRACE=1`: every polars query's caller, engine and wall time on stderr, to see where
//! a run spends its time (BENCHMARKS.md) without a profiler. Off unless the variable is set.

use std::panic::Location;
use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("CXSTAT_TRACE").is_some_and(|v| !v.is_empty() && v != "0"))
}

/// Times one query from its start to its drop.
pub struct Timer {
    at: &'static Location<'static>,
    what: &'static str,
    start: Instant,
}

impl Timer {
    pub fn start(at: &'static Location<'static>, streaming: bool) -> Option<Timer> {
        enabled().then(|| Timer { at, what: if streaming { "streaming" } else { "in-memory" }, start: Instant::now() })
    }

    /// Times a stage of a command that is not a query (a fit, the predictions), named `what`.
    #[track_caller]
    pub fn stage(what: &'static str) -> Option<Timer> {
        let at = Location::caller();
        enabled().then(|| Timer { at, what, start: Instant::now() })
    }
}

impl Drop for Timer {
    // Developer diagnostics asked for by the environment; queries have no `Io` to write to.
    #[allow(clippy::print_stderr)]
    fn drop(&mut self) {
        eprintln!("trace: {:>8.3} s  {:<9}  {}:{}", self.start.elapsed().as_secs_f64(), self.what, self.at.file(), self.at.line());
    }
}
