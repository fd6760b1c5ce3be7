//! Exit statuses, stable and documented in `docs/exit-codes.md`.

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: success, nothing to report.
    Success,
    /// 1: the command ran and found problems or failed (validation findings, apply failures).
    Failure,
    /// 2: `plan --detailed-exitcode` found changes (usage and I/O errors of the other commands are
    /// 2 too, see [`crate::error_exit_code`]).
    Changes,
    /// 3: `drift` found drift.
    Drift,
    /// 4: `plan --detailed-exitcode`: the repository asks for changes apply will not make
    /// (conflicts with unmanaged content, rules Sentinel would refuse).
    Refused,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::Changes => 2,
            Self::Drift => 3,
            Self::Refused => 4,
        }
    }
}
