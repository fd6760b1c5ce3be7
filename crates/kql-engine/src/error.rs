//! [`EvalError`]: what went wrong, where in the query, and what to do about it.
//!
//! Every failure of [`crate::evaluate`] is one of four kinds ([`ErrorKind`]): the query does not parse,
//! it uses a feature the engine does not implement (named, so a caller can report "unsupported" rather
//! than a wrong answer), a runtime error Kusto would also raise (a bad regular expression, a type that
//! cannot be used there), or a resource limit of [`crate::Limits`]. Ranges are byte offsets into the
//! query text, or into the body of the saved function named in [`EvalError::function`].

use std::fmt;
use std::ops::Range;

/// The kind of an [`EvalError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The query (or a saved function body) does not parse.
    Syntax,
    /// A feature the engine does not implement; `feature` names it (`operator scan`,
    /// `function geo_distance_point_to_line`, `plugin autocluster`…).
    Unsupported {
        /// The feature.
        feature: String,
    },
    /// A semantic or runtime error (unknown name, wrong argument type, invalid regular expression…).
    Runtime,
    /// A resource limit was exceeded; `limit` names it (`max_rows`, `max_steps`, `timeout`…).
    Limit {
        /// The limit.
        limit: String,
    },
}

/// An evaluation error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    /// What kind.
    pub kind: ErrorKind,
    /// A lowercase phrase naming the problem (identifiers in backticks).
    pub message: String,
    /// How to fix it, when known.
    pub hint: Option<Box<str>>,
    /// Byte range in the query (or in the saved function's body, see `function`).
    pub range: Option<Range<usize>>,
    /// The saved function whose body `range` points into, when the error is inside one.
    pub function: Option<Box<str>>,
}

impl EvalError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> EvalError {
        EvalError {
            kind,
            message: message.into(),
            hint: None,
            range: None,
            function: None,
        }
    }

    /// A syntax error.
    pub fn syntax(message: impl Into<String>) -> EvalError {
        EvalError::new(ErrorKind::Syntax, message)
    }

    /// An unsupported feature.
    pub fn unsupported(feature: impl Into<String>) -> EvalError {
        let feature = feature.into();
        let message = format!("{feature} is not supported by the local KQL engine");
        EvalError::new(ErrorKind::Unsupported { feature }, message).with_hint(
            "run this query in a workspace (`--engine workspace`), or rewrite it without this feature",
        )
    }

    /// A runtime error.
    pub fn runtime(message: impl Into<String>) -> EvalError {
        EvalError::new(ErrorKind::Runtime, message)
    }

    /// A limit error.
    pub fn limit(limit: &str, message: impl Into<String>) -> EvalError {
        EvalError::new(
            ErrorKind::Limit {
                limit: limit.to_string(),
            },
            message,
        )
        .with_hint(format!(
            "raise `Limits::{limit}` if the query really needs more"
        ))
    }

    /// Sets the hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> EvalError {
        self.hint = Some(hint.into().into_boxed_str());
        self
    }

    /// Sets the range unless one is already set (the innermost location wins).
    #[must_use]
    pub fn at(mut self, range: Range<usize>) -> EvalError {
        if self.range.is_none() {
            self.range = Some(range);
        }
        self
    }

    /// Marks the error as located in saved function `name` unless it already is in another one.
    #[must_use]
    pub(crate) fn in_function(mut self, name: &str, body_offset: usize) -> EvalError {
        if self.function.is_none() {
            self.function = Some(name.into());
            self.range = self
                .range
                .map(|r| r.start.saturating_sub(body_offset)..r.end.saturating_sub(body_offset));
        }
        self
    }

    /// True for [`ErrorKind::Unsupported`].
    pub fn is_unsupported(&self) -> bool {
        matches!(self.kind, ErrorKind::Unsupported { .. })
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(func) = &self.function {
            write!(f, " (in saved function `{func}`)")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\nhelp: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for EvalError {}

/// Result of engine internals.
pub(crate) type Result<T> = std::result::Result<T, EvalError>;
