//! Watchlist files: `watchlists/<stem>.yaml` (the definition) with `watchlists/<stem>.csv` (its
//! items), and the CSV files environment overrides name (`overrides.watchlists.<alias>.items`).
//!
//! CSV problems become diagnostics located in the CSV file (the row, or the header); a watchlist
//! whose CSV cannot be read keeps its definition (so queries reading it are still checked against
//! its alias) but has no model, and is left out of the desired state. Override paths come from
//! environment files (pull-request content): they must be plain repository-relative paths to a
//! regular `.csv` file, reached without following a symbolic link.

use std::path::{Path, PathBuf};

use super::file::{Loaded, parse_yaml_file, read_source};
use super::repository::Repository;
use crate::diag::{Diagnostic, FileId, codes};
use crate::model::{Environment, Watchlist};
use crate::schema::csv::{self, CsvTable};
use crate::schema::{YamlEnvironment, YamlWatchlist};

/// A watchlist definition, its CSV and what they mean.
#[derive(Debug, Clone)]
pub struct WatchlistFile {
    /// The definition file.
    pub loaded: Loaded<YamlWatchlist>,
    /// The CSV file, when it could be read.
    pub csv_file: Option<FileId>,
    /// The items, when the CSV parsed.
    pub table: Option<CsvTable>,
    /// The model, when the CSV parsed.
    pub watchlist: Option<Watchlist>,
}

/// Reports CSV problems in `file`.
fn report(file: FileId, problems: Vec<csv::CsvProblem>, out: &mut Vec<Diagnostic>) {
    for p in problems {
        out.push(
            Diagnostic::error(codes::WATCHLIST_ITEMS, file, p.message)
                .at(p.span)
                .help_opt(p.help),
        );
    }
}

impl Repository {
    pub(super) fn load_watchlist(&mut self, path: &Path) {
        let shown = self.shown(path);
        let Some(file) = read_source(&mut self.sources, path, &shown, &mut self.diagnostics) else {
            return;
        };
        let csv_path = path.with_extension("csv");
        let csv_shown = self.shown(&csv_path);
        let csv_file = if super::file::entry_kind(&csv_path).is_some() {
            read_source(
                &mut self.sources,
                &csv_path,
                &csv_shown,
                &mut self.diagnostics,
            )
        } else {
            None
        };
        self.parse_watchlist(file, csv_file, &csv_shown);
    }

    /// Parses a watchlist (definition and CSV) already in the source database.
    pub fn parse_watchlist(&mut self, file: FileId, csv_file: Option<FileId>, csv_shown: &Path) {
        let Some(loaded) =
            parse_yaml_file::<YamlWatchlist>(&self.sources, file, &mut self.diagnostics)
        else {
            return;
        };
        let csv_name = csv_shown.file_name().map_or_else(
            || format!("{}.csv", loaded.raw.alias),
            |n| n.to_string_lossy().into_owned(),
        );
        let table = match csv_file {
            None => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::WATCHLIST_ITEMS,
                        file,
                        format!("the items file `{}` is missing or unreadable", csv_shown.display()),
                    )
                    .help("save the watchlist's items as CSV next to this file (first line: the column names)"),
                );
                None
            }
            Some(f) => match csv::parse(&self.sources.get(f).text) {
                Ok(t) => Some(t),
                Err(problems) => {
                    report(f, problems, &mut self.diagnostics);
                    None
                }
            },
        };
        let watchlist = table
            .as_ref()
            .map(|t| Watchlist::from_yaml(&loaded.raw, t, &csv_name));
        self.watchlists.push(WatchlistFile {
            loaded,
            csv_file,
            table,
            watchlist,
        });
    }

    /// Reads the CSV files an environment's watchlist overrides name (each once per run).
    pub(super) fn load_override_csvs(
        &mut self,
        loaded: &Loaded<YamlEnvironment>,
        env: &Environment,
    ) {
        for (alias, o) in &env.overrides.watchlists {
            let Some(path) = &o.items else { continue };
            if self.override_csvs.contains_key(path) {
                continue;
            }
            let at = loaded.span(&["overrides", "watchlists", alias, "items"]);
            let table = match self.override_path(path) {
                Err(why) => {
                    self.diagnostics.push(
                        Diagnostic::error(codes::OVERRIDE, loaded.file, why)
                            .at(at)
                            .help("name a `.csv` file inside the repository, relative to its root (e.g. `watchlists/prod/vip-users.csv`)"),
                    );
                    None
                }
                Ok(full) => {
                    let shown = self.shown(&full);
                    match read_source(&mut self.sources, &full, &shown, &mut self.diagnostics) {
                        None => None,
                        Some(f) => match csv::parse(&self.sources.get(f).text) {
                            Ok(t) => Some(t),
                            Err(problems) => {
                                report(f, problems, &mut self.diagnostics);
                                None
                            }
                        },
                    }
                }
            };
            self.override_csvs.insert(path.clone(), table);
        }
    }

    /// The file an override names, if it is a plain path inside the repository to an existing
    /// `.csv` file with no symbolic link on the way.
    fn override_path(&self, path: &str) -> Result<PathBuf, String> {
        let rel = crate::git::RepoPath::parse(path)?;
        if !rel.as_str().to_ascii_lowercase().ends_with(".csv") {
            return Err(format!("`{}` is not a `.csv` file", rel.as_str()));
        }
        let mut full = self.root.clone();
        let parts: Vec<&str> = rel.as_str().split('/').collect();
        for (i, part) in parts.iter().enumerate() {
            full.push(part);
            let kind = super::file::entry_kind(&full);
            let last = i + 1 == parts.len();
            match kind {
                None => return Err(format!("`{}` does not exist", rel.as_str())),
                Some("a directory") if !last => {}
                Some("a regular file") if last => {}
                Some(other) => {
                    return Err(format!(
                        "`{}` is not read: `{}` is {other}",
                        rel.as_str(),
                        parts[..=i].join("/")
                    ));
                }
            }
        }
        Ok(full)
    }
}
