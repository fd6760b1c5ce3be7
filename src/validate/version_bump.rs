//! `validate --since REF`: content changed since a Git ref must carry a higher `version`.
//!
//! Promotion and reviews compare versions, so a detection, function or workbook whose content
//! changed without a version bump would be promoted as "the same version" while behaving
//! differently. For every file `git diff --name-only REF` lists under `detections/`, `functions/`
//! and `workbooks/`, the file at `REF` (`git show REF:path`) and the working tree are parsed with
//! the project's spanned YAML loader and compared by meaning (comments, quoting and layout do not
//! count); when they differ, the working tree's `version` must be numerically greater than the
//! old one (`1.0.10` > `1.0.9`). New and deleted files are fine. A workbook's JSON counts as part
//! of the workbook: its version lives in the `<stem>.yaml` beside it.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::diag::{Diagnostic, FileId, codes};
use crate::git::{ObjectId, RepoPath};
use crate::load::Repository;
use crate::load::yaml::{self, Node, Value};

/// The content folders whose files carry a version.
pub const FOLDERS: [&str; 3] = ["detections", "functions", "workbooks"];

/// One changed content item whose version was not raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotBumped {
    /// The file that holds the version (for a workbook, its `.yaml`), relative to the root.
    pub path: PathBuf,
    /// The version at the ref, as written (`None` when absent).
    pub old: Option<String>,
    /// The version in the working tree, as written (`None` when absent).
    pub new: Option<String>,
}

/// What the check found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SinceReport {
    /// Content files whose content changed since the ref (version files, deduplicated).
    pub changed: Vec<PathBuf>,
    /// Of those, the ones whose version was not raised.
    pub not_bumped: Vec<NotBumped>,
}

/// The commit `git_ref` names, with the hints a CI user needs when it does not.
fn resolve(root: &Path, git_ref: &str) -> anyhow::Result<ObjectId> {
    if let Ok(id) = crate::git::resolve_commit(root, git_ref) {
        return Ok(id);
    }
    let inside = crate::git::output(root, &["rev-parse", "--is-inside-work-tree"])
        .context("cannot run `git` (is it installed and on PATH?)")?;
    if !inside.status.success() {
        bail!(
            "`--since` needs a Git repository, and `{}` is not inside one",
            root.display()
        );
    }
    bail!(
        "`{git_ref}` is not a commit, branch or tag in this repository (in CI, fetch it first: \
         `git fetch origin main` and use `--since origin/main`, or check out with full history)"
    );
}

/// Files under the content folders that differ between `commit` and the working tree,
/// relative to `root`.
pub fn changed_files(root: &Path, commit: &ObjectId) -> anyhow::Result<Vec<PathBuf>> {
    let files = crate::git::changed_files(root, commit, &FOLDERS)
        .map_err(|e| anyhow::anyhow!("`git diff {}` failed: {e}", commit.short()))?;
    Ok(files.into_iter().map(PathBuf::from).collect())
}

/// The text of `path` (relative to `root`) at `commit`; `None` when it did not exist there.
fn show(root: &Path, commit: &ObjectId, path: &Path) -> Option<String> {
    let path = RepoPath::parse(&slash(path)).ok()?;
    crate::git::show(root, commit, &path).ok()
}

fn slash(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// A parsed version: its numeric parts (`1.0.10` → `[1, 0, 10]`).
pub fn parse_version(text: &str) -> Option<Vec<u64>> {
    let text = text.trim().trim_start_matches(['v', 'V']);
    if text.is_empty() {
        return None;
    }
    text.split('.').map(|p| p.parse::<u64>().ok()).collect()
}

/// True when `new` is numerically greater than `old` (missing parts count as 0).
pub fn is_bump(old: &[u64], new: &[u64]) -> bool {
    let len = old.len().max(new.len());
    let pad =
        |v: &[u64]| -> Vec<u64> { (0..len).map(|i| v.get(i).copied().unwrap_or(0)).collect() };
    pad(new) > pad(old)
}

/// A tree without spans or scalar styles, for comparing meaning.
#[derive(Debug, PartialEq)]
enum Plain {
    Scalar(String),
    Seq(Vec<Plain>),
    Map(Vec<(Plain, Plain)>),
}

fn plain(node: &Node) -> Plain {
    match &node.value {
        Value::Scalar(s, _) => Plain::Scalar(s.clone()),
        Value::Seq(items) => Plain::Seq(items.iter().map(plain).collect()),
        Value::Map(entries) => {
            Plain::Map(entries.iter().map(|(k, v)| (plain(k), plain(v))).collect())
        }
    }
}

/// Whether two versions of a content file mean different things.
fn differs(path: &Path, old: &str, new: &str) -> bool {
    if old == new {
        return false;
    }
    if path.extension().is_some_and(|e| e == "json") {
        return match (
            serde_json::from_str::<serde_json::Value>(old),
            serde_json::from_str::<serde_json::Value>(new),
        ) {
            (Ok(a), Ok(b)) => a != b,
            _ => true,
        };
    }
    match (yaml::parse(old), yaml::parse(new)) {
        ((Some(a), pa), (Some(b), pb)) if pa.is_empty() && pb.is_empty() => plain(&a) != plain(&b),
        _ => true,
    }
}

/// Where the version sits in a content file's tree: detections and workbooks `version`,
/// functions `Version` or `Function.Version`.
fn version_node(doc: &Node) -> Option<&Node> {
    doc.get("version")
        .or_else(|| doc.get("Version"))
        .or_else(|| doc.path(&["Function", "Version"]))
}

fn version_of(text: &str) -> Option<(String, Range<usize>)> {
    let (doc, _) = yaml::parse(text);
    let node = version_node(doc.as_ref()?)?;
    Some((node.as_str()?.trim().to_string(), node.span.clone()))
}

/// The file that holds the version of a changed file: the file itself, or for a workbook JSON
/// the metadata `.yaml` with the same stem.
fn version_file(path: &Path) -> PathBuf {
    if path.starts_with("workbooks") && path.extension().is_some_and(|e| e == "json") {
        path.with_extension("yaml")
    } else {
        path.to_path_buf()
    }
}

fn is_content(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let folder = path
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    match folder.as_deref() {
        Some("detections" | "functions") => matches!(ext, "yaml" | "yml"),
        Some("workbooks") => matches!(ext, "yaml" | "yml" | "json"),
        _ => false,
    }
}

/// Runs the check against `git_ref` and adds one SC3016 error per changed item whose version
/// was not raised to `repo.diagnostics`. Fails when Git cannot answer (no repository, unknown ref).
pub fn check(repo: &mut Repository, git_ref: &str) -> anyhow::Result<SinceReport> {
    let root = repo.root.clone();
    let git_ref = &resolve(&root, git_ref)?;
    // version file → the changed files behind it (a workbook's yaml and json count once)
    let mut changed: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for path in changed_files(&root, git_ref)? {
        if !is_content(&path) {
            continue;
        }
        let Ok(new) = crate::load::file::read_regular(&root.join(&path)) else {
            continue; // deleted, or not a regular readable file (loading reports it)
        };
        let Some(old) = show(&root, git_ref, &path) else {
            continue; // new since the ref
        };
        if differs(&path, &old, &new) {
            changed.entry(version_file(&path)).or_default().push(path);
        }
    }
    let mut report = SinceReport::default();
    for (vpath, files) in changed {
        report.changed.push(vpath.clone());
        let Ok(new_text) = crate::load::file::read_regular(&root.join(&vpath)) else {
            continue; // a workbook JSON without metadata: loading reports it
        };
        let Some(old_text) = show(&root, git_ref, &vpath) else {
            continue; // the metadata file is new: a new workbook
        };
        let old = version_of(&old_text);
        let new = version_of(&new_text);
        let bumped = match (&old, &new) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some((o, _)), Some((n, _))) => match (parse_version(o), parse_version(n)) {
                (Some(o), Some(n)) => is_bump(&o, &n),
                // an unparsable version is SC3013's business; any change of it counts here
                _ => o != n,
            },
        };
        if bumped {
            continue;
        }
        let file = file_id(repo, &vpath, &new_text);
        let what = files
            .iter()
            .map(|f| format!("`{}`", slash(f)))
            .collect::<Vec<_>>()
            .join(" and ");
        let (message, help) = match (&old, &new) {
            (_, None) => (
                format!("{what} changed since `{git_ref}` but has no `version`"),
                "add `version: 1.0.0` (functions: `Version: '1.0.0'`)".to_string(),
            ),
            (Some((o, _)), Some((n, _))) if o == n => (
                format!("{what} changed since `{git_ref}` without a version bump (still `{n}`)"),
                format!("raise the version, e.g. to `{}`", next_patch(n)),
            ),
            (Some((o, _)), Some((n, _))) => (
                format!(
                    "{what} changed since `{git_ref}` but its version went from `{o}` to `{n}`, which is not higher"
                ),
                format!("use a version higher than `{o}`, e.g. `{}`", next_patch(o)),
            ),
            (None, Some(_)) => unreachable!("a version added where there was none is a bump"),
        };
        repo.diagnostics.push(
            Diagnostic::error(codes::VERSION_NOT_BUMPED, file, message)
                .at_opt(new.as_ref().map(|(_, span)| span.clone()))
                .help(help),
        );
        report.not_bumped.push(NotBumped {
            path: vpath,
            old: old.map(|(v, _)| v),
            new: new.map(|(v, _)| v),
        });
    }
    Ok(report)
}

fn next_patch(version: &str) -> String {
    match parse_version(version) {
        Some(mut parts) if !parts.is_empty() => {
            if let Some(last) = parts.last_mut() {
                *last += 1;
            }
            parts
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(".")
        }
        _ => "1.0.1".to_string(),
    }
}

/// The source-database id of a repository-relative path, adding the file when loading did not.
fn file_id(repo: &mut Repository, path: &Path, text: &str) -> FileId {
    repo.sources
        .find(path)
        .unwrap_or_else(|| repo.sources.add(path, text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        let v = |s| parse_version(s).unwrap();
        assert!(is_bump(&v("1.0.9"), &v("1.0.10")));
        assert!(is_bump(&v("1.0"), &v("1.0.1")));
        assert!(!is_bump(&v("1.0.0"), &v("1.0")));
        assert!(!is_bump(&v("2.0.0"), &v("1.9.9")));
        assert!(parse_version("1.x").is_none());
        assert_eq!(next_patch("1.2.9"), "1.2.10");
    }

    #[test]
    fn comments_and_quoting_are_not_changes() {
        let p = Path::new("detections/a.yaml");
        assert!(!differs(p, "a: 1 # x\nb: 'q'\n", "a: 1\nb: \"q\"\n"));
        assert!(differs(p, "a: 1\n", "a: 2\n"));
        let j = Path::new("workbooks/a.json");
        assert!(!differs(j, "{\"a\": 1}", "{ \"a\":1 }\n"));
    }

    #[test]
    fn function_versions_are_found_in_either_place() {
        assert_eq!(version_of("Version: '1.2.3'\n").unwrap().0, "1.2.3");
        assert_eq!(
            version_of("Function:\n  Version: 2.0.0\n").unwrap().0,
            "2.0.0"
        );
        assert_eq!(version_of("version: 1.0.0\n").unwrap().0, "1.0.0");
        assert!(version_of("name: x\n").is_none());
    }
}
