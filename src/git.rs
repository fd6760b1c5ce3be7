//! The one place sentinelctl runs `git`: the source commit for ownership records, reading pinned
//! content at a commit (`promote`, lock files), and changed files for `validate --since`.
//!
//! Runs `git -C <root> ...` and never changes the repository. Values that come from content or from
//! a workspace (a lock file's commit, an ownership record's commit, a path) are untrusted: commits
//! must be full hexadecimal object ids ([`ObjectId`]), paths repository-relative without `..`
//! ([`RepoPath`]), and every command puts `--end-of-options` before them, so nothing can be read as
//! an option (`--output=<file>`).

use std::fmt;
use std::path::Path;
use std::process::{Command, Output};

/// A full Git object id: 40 (SHA-1) or 64 (SHA-256) lowercase hexadecimal characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId(String);

impl ObjectId {
    /// Parses a full object id; abbreviations, refs and anything else are refused.
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok = matches!(text.len(), 40 | 64)
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if ok {
            Ok(Self(text.to_string()))
        } else {
            Err(format!(
                "`{}` is not a full Git commit id (40 or 64 lowercase hex characters)",
                printable(text)
            ))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 10 characters, for people.
    pub fn short(&self) -> &str {
        &self.0[..10]
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A path relative to the repository root sentinelctl runs at (`--root`), with `/` separators: no leading `/`, no `.`/`..` components, no
/// control characters, no `:` (which Git would read as a revision separator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoPath(String);

impl RepoPath {
    /// Parses a repository-relative path.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = text.is_empty()
            || text.starts_with('/')
            || text.starts_with('-')
            || text.contains(['\\', ':'])
            || text.chars().any(char::is_control)
            || text
                .split('/')
                .any(|c| c.is_empty() || c == "." || c == "..");
        if bad {
            Err(format!(
                "`{}` is not a repository-relative path (no leading `/`, no `..`, no `:`)",
                printable(text)
            ))
        } else {
            Ok(Self(text.to_string()))
        }
    }

    /// The path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `text` with control characters shown as escapes (for messages).
fn printable(text: &str) -> String {
    let shown: String = text.chars().take(80).flat_map(char::escape_debug).collect();
    if text.chars().count() > 80 {
        format!("{shown}…")
    } else {
        shown
    }
}

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
    stdout(root, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| ObjectId::parse(s).is_ok())
}

/// The commit a user-given revision (`origin/main`, a tag) names, as a full id.
pub fn resolve_commit(root: &Path, rev: &str) -> Result<ObjectId, String> {
    let spec = format!("{rev}^{{commit}}");
    let out = stdout(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ],
    )?;
    ObjectId::parse(out.trim())
}

/// The blob id of `path` at `commit`.
pub fn blob_id(root: &Path, commit: &ObjectId, path: &RepoPath) -> Result<String, String> {
    let spec = format!("{commit}:./{}", path.as_str());
    stdout(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ],
    )
    .map(|s| s.trim().to_string())
    .map_err(|e| {
        if e.is_empty() {
            format!("`{}` does not exist at {}", path.as_str(), commit.short())
        } else {
            e
        }
    })
}

/// The text of `path` at `commit` (the blob, through `cat-file`: no pager, no textconv).
pub fn show(root: &Path, commit: &ObjectId, path: &RepoPath) -> Result<String, String> {
    let spec = format!("{commit}:./{}", path.as_str());
    stdout(root, &["cat-file", "blob", "--end-of-options", &spec])
}

/// Files under `folders` that differ between the commit `rev` and the working tree, relative to `root`.
pub fn changed_files(root: &Path, rev: &ObjectId, folders: &[&str]) -> Result<Vec<String>, String> {
    let mut args = vec![
        "diff",
        "--name-only",
        "--relative",
        "--no-renames",
        "--no-ext-diff",
        "--end-of-options",
        rev.as_str(),
        "--",
    ];
    args.extend(folders);
    Ok(stdout(root, &args)?
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_are_full_lowercase_hex_only() {
        assert!(ObjectId::parse(&"a".repeat(40)).is_ok());
        assert!(ObjectId::parse(&"0".repeat(64)).is_ok());
        for bad in [
            "--output=/tmp/x",
            "HEAD",
            "abc123",
            &"A".repeat(40),
            &"g".repeat(40),
            "ééééééééééééééééééééé",
            "",
        ] {
            assert!(ObjectId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn repo_paths_stay_inside_the_repository() {
        assert!(RepoPath::parse("detections/a b.yaml").is_ok());
        for bad in [
            "../x",
            "/etc/passwd",
            "a/../../x",
            "--output=x",
            "a\nb",
            "HEAD:x",
            "",
            "a//b",
            "./a",
        ] {
            assert!(RepoPath::parse(bad).is_err(), "{bad:?}");
        }
    }
}
