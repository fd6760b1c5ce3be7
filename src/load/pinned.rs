//! Pinned content: for an environment with a lock file, the content is read from Git at the
//! commits the lock names (`git show <commit>:<path>`), not from the working tree, so a
//! promoted environment receives exactly what was verified elsewhere.
//!
//! Each file's Git blob id is checked against the lock, and the file is shown to users as
//! `path@commit`.

use std::path::{Path, PathBuf};

use super::file::{Loaded, load_yaml_file};
use super::repository::Repository;
use crate::diag::{Diagnostic, codes};
use crate::git::{ObjectId, RepoPath};
use crate::schema::{YamlLock, YamlLockItem};

/// Path of an environment's lock file.
pub fn lock_path(env_file: &Path) -> PathBuf {
    let stem = env_file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("env");
    env_file.with_file_name(format!("{stem}.lock.yaml"))
}

/// Reads a lock file; diagnostics go to `repo`.
pub fn read_lock(repo: &mut Repository, path: &Path) -> Option<Loaded<YamlLock>> {
    let shown = repo.shown(path);
    load_yaml_file::<YamlLock>(&mut repo.sources, path, &shown, &mut repo.diagnostics)
}

/// The blob id of `path` at `commit`; both are checked first (they come from untrusted files).
pub fn blob_id(root: &Path, commit: &str, path: &str) -> Result<String, String> {
    let (commit, path) = (ObjectId::parse(commit)?, RepoPath::parse(path)?);
    crate::git::blob_id(root, &commit, &path)
}

/// The text of `path` at `commit`; both are checked first.
pub fn show(root: &Path, commit: &str, path: &str) -> Result<String, String> {
    let (commit, path) = (ObjectId::parse(commit)?, RepoPath::parse(path)?);
    crate::git::show(root, &commit, &path)
}

impl Repository {
    /// A repository holding only the pinned content (plus the working tree's table schemas and
    /// the CSV files its environments' watchlist overrides name: environments are not pinned).
    pub fn load_pinned(root: &Path, items: &[YamlLockItem], tables_from: &Repository) -> Self {
        let mut repo = Self {
            root: root.to_path_buf(),
            tables: tables_from.tables.clone(),
            override_csvs: tables_from.override_csvs.clone(),
            ..Self::default()
        };
        for (i, item) in items.iter().enumerate() {
            if let Err(message) = repo.load_pinned_item(root, item) {
                let file = repo.sources.add(
                    PathBuf::from(format!("{}@{}", item.path, short(&item.commit))),
                    String::new(),
                );
                repo.diagnostics.push(
                    Diagnostic::error(
                        codes::SELECTOR,
                        file,
                        format!(
                            "pinned {} `{}` cannot be read: {message}",
                            item.kind, item.name
                        ),
                    )
                    .help(format!(
                        "check item {i} of the lock file; promote again to re-pin"
                    )),
                );
            }
        }
        repo
    }

    fn load_pinned_item(&mut self, root: &Path, item: &YamlLockItem) -> Result<(), String> {
        let blob = blob_id(root, &item.commit, &item.path)?;
        if blob != item.blob {
            return Err(format!(
                "its blob at {} is {blob}, the lock says {}",
                short(&item.commit),
                item.blob
            ));
        }
        let text = show(root, &item.commit, &item.path)?;
        let shown = PathBuf::from(format!("{}@{}", item.path, short(&item.commit)));
        let file = self.sources.add(&shown, text);
        match item.kind.as_str() {
            "detection" => self.parse_rule(file),
            "function" => self.parse_function(file),
            "hunting-query" => self.parse_hunting(file),
            "automation-rule" => self.parse_automation(file),
            "watchlist" => {
                let csv_path = Path::new(&item.path)
                    .with_extension("csv")
                    .to_string_lossy()
                    .replace('\\', "/");
                let csv = show(root, &item.commit, &csv_path)?;
                let csv_shown = PathBuf::from(format!("{csv_path}@{}", short(&item.commit)));
                let csv_file = self.sources.add(&csv_shown, csv);
                // `source` defaults to the CSV's name, never to `name.csv@commit`
                let plain = PathBuf::from(&csv_path);
                self.parse_watchlist(file, Some(csv_file), &plain);
            }
            "workbook" => {
                let json_path = Path::new(&item.path)
                    .with_extension("json")
                    .to_string_lossy()
                    .replace('\\', "/");
                let json = show(root, &item.commit, &json_path)?;
                let json_shown = PathBuf::from(format!("{json_path}@{}", short(&item.commit)));
                let json_file = self.sources.add(&json_shown, json);
                self.parse_workbook(file, Some(json_file), &json_shown);
            }
            other => return Err(format!("unknown kind `{other}`")),
        }
        Ok(())
    }
}

/// First 10 characters of a commit id, for people (any text: never panics, never prints controls).
pub fn short(commit: &str) -> String {
    commit
        .chars()
        .take(10)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
