//! The `cxstat` binary: parse the command line, run, turn the outcome into an exit status.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use cxstat::error::{exit_for, printable_lines, Exit};
use cxstat::Io;

/// jemalloc rather than the system allocator: it gives freed memory back sooner, which keeps
/// the peak RSS of the order commands lower (BENCHMARKS.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Returns the unused pages of every jemalloc arena to the system at once
/// (`arena.<MALLCTL_ARENAS_ALL>.purge`); otherwise jemalloc keeps them for up to 10 s.
#[cfg(not(target_env = "msvc"))]
fn purge() {
    const ALL_ARENAS_PURGE: &[u8] = b"arena.4096.purge\0";
    // SAFETY: a NUL-terminated name of a mallctl that reads and writes nothing.
    unsafe {
        tikv_jemalloc_sys::mallctl(ALL_ARENAS_PURGE.as_ptr().cast(), std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut(), 0);
    }
}

fn main() -> ExitCode {
    #[cfg(not(target_env = "msvc"))]
    cxstat::on_release_memory(purge);
    let cli = cxstat::cli::try_parse_from(std::env::args_os()).unwrap_or_else(|e| e.exit());
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let stdout_is_terminal = stdout.is_terminal();
    let screen = cxstat::output::Screen {
        width: if stdout_is_terminal { terminal_size::terminal_size_of(&stdout).map(|(w, _)| usize::from(w.0)) } else { None },
        color: cli.color.colors(stdout_is_terminal, std::env::var_os("NO_COLOR").as_deref(), std::env::var_os("TERM").as_deref()),
    };
    let mut io = Io {
        stdout_is_terminal,
        stderr_is_terminal: stderr.is_terminal(),
        stdin_is_terminal: std::io::stdin().is_terminal(),
        stdout: Box::new(cxstat::output::NamedStdout(stdout.lock())),
        // Unlocked: the progress spinner draws from its own thread.
        stderr: Box::new(stderr),
        quiet: cli.quiet,
        screen,
        spinner: Default::default(),
    };
    let outcome = cxstat::run(cli, &mut io).and_then(|()| Ok(io.stdout.flush()?));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let exit = exit_for(&error);
            match exit {
                Exit::Ok => {}
                // The breaches are already listed, one per line; this is the summary.
                Exit::Alert => {
                    let _ = writeln!(io.stderr, "alert: {}", printable_lines(&format!("{error:#}")));
                }
                _ => {
                    let _ = writeln!(io.stderr, "error: {}", printable_lines(&format!("{error:#}")));
                }
            }
            ExitCode::from(exit.code())
        }
    }
}
