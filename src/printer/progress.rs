//! Progress of an apply: a bar on a terminal (failures printed above it), one plain line per change
//! otherwise (CI logs).

use std::sync::Arc;

use super::Printer;
use crate::apply::{Outcome, Progress, Status};
use crate::render::reports::outcome_line;

/// A progress callback for `writes` changes, and the function that clears the bar at the end.
pub fn apply_progress(printer: Printer, writes: usize) -> (Progress, Box<dyn FnOnce()>) {
    let bar = (printer.stderr_tty && !printer.quiet).then(|| super::progress_bar(writes));
    let shown = bar.clone();
    let progress: Progress = Arc::new(move |o: &Outcome| match &shown {
        Some(bar) => {
            if !matches!(o.status, Status::Done) {
                bar.println(outcome_line(o));
            }
            bar.set_message(crate::escape::line(&o.display_name).into_owned());
            bar.inc(1);
        }
        None => printer.status(&outcome_line(o)),
    });
    let finish = Box::new(move || {
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
    });
    (progress, finish)
}
