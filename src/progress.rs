//! A spinner on stderr while a run works: the stage it is at and the time so far. It appears
//! only after a second (a quick run stays silent), only on a terminal, never with `--quiet`, and
//! is cleared before the table or a warning is written.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run works before the spinner appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// The spinner of one run: nothing until the first stage.
#[derive(Default)]
pub struct Spinner {
    bar: Option<(ProgressBar, Arc<AtomicBool>)>,
}

impl Spinner {
    /// Says which stage the run is at; starts the spinner (shown after [`SHOW_AFTER`]).
    pub fn stage(&mut self, message: &str) {
        let (bar, _) = self.bar.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed:>3} {wide_msg}") {
                bar.set_style(style);
            }
            let done = Arc::new(AtomicBool::new(false));
            let (shown, stop) = (bar.clone(), done.clone());
            std::thread::spawn(move || {
                std::thread::sleep(SHOW_AFTER);
                if !stop.load(Ordering::SeqCst) {
                    shown.set_draw_target(ProgressDrawTarget::stderr());
                    shown.enable_steady_tick(Duration::from_millis(120));
                }
            });
            (bar, done)
        });
        bar.set_message(message.to_string());
    }

    /// Runs `write` with the spinner off the screen (a warning line), then draws it again.
    pub fn suspend<T>(&self, write: impl FnOnce() -> T) -> T {
        match &self.bar {
            Some((bar, _)) => bar.suspend(write),
            None => write(),
        }
    }

    /// Clears the spinner for good: the run has its result.
    pub fn finish(&mut self) {
        if let Some((bar, done)) = self.bar.take() {
            done.store(true, Ordering::SeqCst);
            bar.finish_and_clear();
        }
    }
}
