//! Checks on an environment's lock file (`environments/<env>.lock.yaml`, written by `promote`):
//! every pinned item names a full commit id, a full blob id, a known kind and a repository-relative
//! path inside a content folder. A lock file is content from a pull request like any other: its
//! values reach `git` (as arguments after `--end-of-options`), so they are checked before use.

use crate::diag::{Diagnostic, codes};
use crate::git::{ObjectId, RepoPath};
use crate::load::Repository;
use crate::load::pinned::read_lock;

/// Folders a pinned path may point into.
const FOLDERS: &[&str] = &[
    "detections/",
    "functions/",
    "workbooks/",
    "watchlists/",
    "hunting/",
    "automation/",
];

/// Loads and checks the lock file of environment `name`, if it has one.
pub fn check_lock(repo: &mut Repository, name: &str) {
    let lock = repo.environment_lock_path(name);
    if crate::load::file::entry_kind(&lock).is_none() {
        return;
    }
    let Some(loaded) = read_lock(repo, &lock) else {
        return;
    };
    let mut out = Vec::new();
    for (i, item) in loaded.raw.items.iter().enumerate() {
        let idx = i.to_string();
        let mut bad = |key: &str, message: String, help: &str| {
            out.push(
                Diagnostic::error(codes::LOCK_FILE, loaded.file, message)
                    .at(loaded.span(&["items", &idx, key]))
                    .help(help.to_string()),
            );
        };
        if let Err(e) = ObjectId::parse(&item.commit) {
            bad(
                "commit",
                e,
                "promote again to re-pin: lock files hold full commit ids",
            );
        }
        if ObjectId::parse(&item.blob).is_err() {
            bad(
                "blob",
                format!("`{}` is not a full Git blob id", item.blob.escape_debug()),
                "promote again to re-pin",
            );
        }
        match RepoPath::parse(&item.path) {
            Err(e) => bad(
                "path",
                e,
                "pinned paths are relative to the repository root",
            ),
            Ok(p) if !FOLDERS.iter().any(|f| p.as_str().starts_with(f)) => bad(
                "path",
                format!(
                    "`{}` is not in a content folder (detections/, functions/, workbooks/, watchlists/, hunting/, automation/)",
                    p.as_str()
                ),
                "pinned content comes from the content folders only",
            ),
            Ok(_) => {}
        }
        if crate::model::ResourceKind::parse(&item.kind).is_none() {
            bad(
                "kind",
                format!("`{}` is not a content kind", item.kind.escape_debug()),
                "use watchlist, function, detection, hunting-query, automation-rule or workbook",
            );
        }
    }
    repo.diagnostics.append(&mut out);
}
