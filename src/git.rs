//! The one place sentinelctl runs `git`: the source commit for ownership records, reading pinned
//! content at a commit (`promote`), and changed files for `validate --since`.
//!
//! Runs `git -C <root> ...` and never changes the repository.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `git -C root args...` and returns its raw output.
pub fn output(root: &Path, args: &[&str]) -> std::io::Result<Output> {
    Command::new("git").arg("-C").arg(root).args(args).output()
}

/// Runs git and returns stdout on success, or git's own message (stderr) on failure.
pub fn stdout(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = output(root, args).map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// The checked-out commit, when `root` is in a Git repository with at least one commit.
pub fn head(root: &Path) -> Option<String> {
    stdout(root, &["rev-parse", "HEAD"])
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}
