//! Exit statuses, stable and documented in `docs/exit-codes.md`.

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: success, nothing to report.
    Success,
    /// 1: the command ran and found problems or failed (validation findings, apply failures).
    Failure,
    /// 2: `validate` usage or I/O error; `plan --detailed-exitcode` with changes.
    Two,
    /// 3: `drift` found drift.
    Drift,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::Two => 2,
            Self::Drift => 3,
        }
    }
}
