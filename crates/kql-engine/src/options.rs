//! [`Options`] of one evaluation and the [`Limits`] that keep a hostile query from exhausting memory or
//! CPU, with the [`Budget`] that enforces them while the query runs.

use std::cell::Cell;
use std::time::{Duration, Instant};

use crate::datetime::DateTime;
use crate::error::{EvalError, Result};

/// How to evaluate one query.
#[derive(Debug, Clone)]
pub struct Options {
    /// What `now()` returns, for the whole query (`ago(x)` is `now - x`).
    pub now: DateTime,
    /// Sentinel's query window `(start, end]`: when set, every scan of a table that has a
    /// `TimeGenerated` column sees only rows with `start < TimeGenerated <= end` (Sentinel runs a rule at
    /// time T over `(T - queryPeriod, T]`). Watchlists and literal tables are not filtered.
    pub window: Option<(DateTime, DateTime)>,
    /// Resource limits.
    pub limits: Limits,
}

impl Options {
    /// Options with `now()` fixed at `now`, no window, default limits.
    pub fn at(now: DateTime) -> Options {
        Options {
            now,
            window: None,
            limits: Limits::default(),
        }
    }
}

/// Resource limits; exceeding one is an [`crate::ErrorKind::Limit`] error naming it.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most rows any intermediate or final table may have.
    pub max_rows: usize,
    /// Most rows `range` may produce.
    pub max_range_rows: usize,
    /// Most row-steps (one operator handling one row) in the whole query.
    pub max_steps: u64,
    /// Wall-clock time budget for the whole query.
    pub timeout: Option<Duration>,
    /// Longest string a function may build (`strrep`, `strcat`…), in bytes.
    pub max_string_len: usize,
    /// Deepest nesting of function calls (saved functions and `let` lambdas).
    pub max_call_depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_rows: 20_000_000,
            max_range_rows: 10_000_000,
            max_steps: 5_000_000_000,
            timeout: Some(Duration::from_secs(300)),
            max_string_len: 16 * 1024 * 1024,
            max_call_depth: 64,
        }
    }
}

/// Counts work against [`Limits`] during one evaluation.
#[derive(Debug)]
pub(crate) struct Budget {
    steps: Cell<u64>,
    max_steps: u64,
    deadline: Option<Instant>,
    pub(crate) max_rows: usize,
    pub(crate) max_range_rows: usize,
    pub(crate) max_string_len: usize,
}

impl Budget {
    pub(crate) fn new(limits: &Limits) -> Budget {
        Budget {
            steps: Cell::new(0),
            max_steps: limits.max_steps,
            deadline: limits.timeout.map(|t| Instant::now() + t),
            max_rows: limits.max_rows,
            max_range_rows: limits.max_range_rows,
            max_string_len: limits.max_string_len,
        }
    }

    /// Spends `n` steps; checks the clock every ~64k steps.
    #[inline]
    pub(crate) fn spend(&self, n: u64) -> Result<()> {
        let before = self.steps.get();
        let after = before.saturating_add(n);
        self.steps.set(after);
        if after > self.max_steps {
            return Err(EvalError::limit(
                "max_steps",
                format!("the query needs more than {} steps", self.max_steps),
            ));
        }
        if (before >> 16) != (after >> 16) {
            self.check_time()?;
        }
        Ok(())
    }

    pub(crate) fn check_time(&self) -> Result<()> {
        if let Some(d) = self.deadline
            && Instant::now() > d
        {
            return Err(EvalError::limit("timeout", "the query ran out of time"));
        }
        Ok(())
    }

    /// Fails when a table of `n` rows would exceed `max_rows`.
    pub(crate) fn check_rows(&self, n: usize) -> Result<()> {
        if n > self.max_rows {
            return Err(EvalError::limit(
                "max_rows",
                format!(
                    "an intermediate result has more than {} rows",
                    self.max_rows
                ),
            ));
        }
        Ok(())
    }

    /// Fails when a string of `n` bytes would exceed `max_string_len`.
    pub(crate) fn check_string(&self, n: usize) -> Result<()> {
        if n > self.max_string_len {
            return Err(EvalError::limit(
                "max_string_len",
                format!(
                    "a string would be longer than {} bytes",
                    self.max_string_len
                ),
            ));
        }
        Ok(())
    }
}
