//! The only place that writes to stdout and stderr, and decides about colour.
//!
//! Machine formats go to stdout without colour; progress, logs and human summaries of commands
//! that also emit machine output go to stderr (cargo's `Shell`, ruff's `printer.rs`).
#![allow(clippy::print_stdout, clippy::print_stderr)] // this module is the sanctioned writer

mod progress;

use std::io::{self, IsTerminal, Write};

pub use progress::apply_progress;

use crate::args::ColorChoice;

/// Output settings for a run.
#[allow(clippy::struct_excessive_bools)] // four independent switches, not a state machine
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    /// Colour on stdout.
    pub color_stdout: bool,
    /// Colour on stderr.
    pub color_stderr: bool,
    /// Suppress non-error messages.
    pub quiet: bool,
    /// stderr is a terminal (progress bars allowed).
    pub stderr_tty: bool,
}

impl Printer {
    /// Decides colour from `--color`, `NO_COLOR` (passed in by the context) and terminals.
    pub fn new(choice: ColorChoice, no_color_env: bool, quiet: bool) -> Self {
        let decide = |tty: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color_env,
        };
        let stderr_tty = io::stderr().is_terminal();
        Self {
            color_stdout: decide(io::stdout().is_terminal()),
            color_stderr: decide(stderr_tty),
            quiet,
            stderr_tty,
        }
    }

    /// Runs `f` with a locked, buffered stdout.
    pub fn stdout(&self, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
        let stdout = io::stdout();
        let mut lock = io::BufWriter::new(stdout.lock());
        f(&mut lock)?;
        lock.flush()
    }

    /// Runs `f` with stderr.
    pub fn stderr(&self, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
        let stderr = io::stderr();
        let mut lock = stderr.lock();
        f(&mut lock)
    }

    /// A status line on stderr (suppressed by `--quiet`).
    pub fn status(&self, message: &str) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }

    /// Asks a yes/no question on the terminal; only `yes` is yes. Without a terminal this is an
    /// error (a pipeline must say `--auto-approve`).
    pub fn confirm(&self, question: &str) -> anyhow::Result<bool> {
        use std::io::BufRead as _;
        if !io::stdin().is_terminal() {
            anyhow::bail!(
                "apply needs confirmation: pass --auto-approve when running without a terminal"
            );
        }
        eprintln!("{question}");
        let mut line = String::new();
        io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim() == "yes")
    }

    /// Prints an error chain once, in the `error: ...` / `caused by: ...` form.
    pub fn error(&self, error: &anyhow::Error) {
        let style = if self.color_stderr {
            anstyle::AnsiColor::Red.on_default().bold()
        } else {
            anstyle::Style::new()
        };
        // messages quote content and workspace values: no control character reaches the terminal
        let text = |e: &dyn std::fmt::Display| crate::escape::block(&e.to_string()).into_owned();
        eprintln!("{style}error{style:#}: {}", text(error));
        for cause in error.chain().skip(1) {
            eprintln!("  caused by: {}", text(cause));
        }
        let arm = error
            .chain()
            .find_map(|c| c.downcast_ref::<sentinel_arm::ArmError>());
        let hint = arm.and_then(|e| match e {
            sentinel_arm::ArmError::NotFound { .. } => Some(
                "check `subscriptionId`, `resourceGroup` and `workspace` in the environment file, and that the workspace exists".to_string(),
            ),
            other => other.hint(),
        });
        if let Some(hint) = hint {
            eprintln!("  help: {}", crate::escape::block(&hint));
        }
    }
}

/// A progress bar on stderr, for terminals only (CI logs get plain lines instead).
pub fn progress_bar(len: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}") {
        bar.set_style(style);
    }
    bar
}
