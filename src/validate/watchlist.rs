//! Checks on watchlists: the definition (alias, display name, search key, duration, version), its
//! items (every row has a search-key value, no value twice), and environment overrides of items
//! (the watchlist exists, override CSVs and extra rows use the watchlist's columns).
//!
//! Input: the loaded watchlists and environment files. Output: diagnostics located in the YAML or
//! CSV file. Column checks of queries reading a watchlist are the KQL analyser's
//! (`crate::validate::kql`), which gets every watchlist's columns.

use std::collections::BTreeMap;

use super::rule::is_version;
use crate::diag::{Diagnostic, codes};
use crate::load::{Loaded, Repository, WatchlistFile};
use crate::model::{Duration, ResourceKind};
use crate::schema::YamlEnvironment;
use crate::schema::csv::CsvTable;

/// Runs every single-file check on a watchlist.
pub fn check_watchlist(w: &WatchlistFile, out: &mut Vec<Diagnostic>) {
    let l = &w.loaded;
    let raw = &l.raw;
    let mut error = |path: &[&str], message: String, help: Option<String>| {
        out.push(
            Diagnostic::error(codes::WATCHLIST, l.file, message)
                .at(l.span(path))
                .help_opt(help),
        );
    };
    let alias = raw.alias.trim();
    if let Err(why) = crate::model::names::check(ResourceKind::Watchlist, alias) {
        error(
            &["alias"],
            format!("the alias is not a resource name: {why}"),
            Some("use letters, digits, `-` and `_`".into()),
        );
    } else if alias.chars().any(char::is_whitespace) {
        error(
            &["alias"],
            format!("the alias `{alias}` contains a space"),
            Some("queries call `_GetWatchlist('alias')`: use letters, digits, `-` and `_`".into()),
        );
    }
    if raw.display_name.trim().is_empty() {
        error(&["displayName"], "the display name is empty".into(), None);
    }
    if let Some(d) = &raw.default_duration
        && Duration::parse(d).is_none()
    {
        error(
            &["defaultDuration"],
            format!("`{d}` is not a duration"),
            Some("write ISO 8601 such as `P30D`, or `30d`".into()),
        );
    }
    if let Some(v) = raw.version.as_deref().filter(|v| !is_version(v)) {
        out.push(
            Diagnostic::error(codes::VERSION, l.file, format!("`{v}` is not a version"))
                .at(l.span(&["version"]))
                .help("use three numbers separated by dots, e.g. `1.0.0`"),
        );
    }
    let Some(table) = &w.table else { return };
    let Some(key) = table.column(&raw.items_search_key) else {
        let columns: Vec<&str> = table.header.iter().map(String::as_str).collect();
        let help = crate::diag::suggest(&raw.items_search_key, &columns).map_or_else(
            || format!("the CSV's columns are {}", list(&columns)),
            |s| format!("did you mean `{s}`?"),
        );
        out.push(
            Diagnostic::error(
                codes::WATCHLIST,
                l.file,
                format!(
                    "the search key `{}` is not a column of the items file",
                    raw.items_search_key
                ),
            )
            .at(l.span(&["itemsSearchKey"]))
            .help(help),
        );
        return;
    };
    if let Some(csv) = w.csv_file {
        check_rows(table, key, csv, out);
    }
}

fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every row has a search-key value and none is used twice.
fn check_rows(table: &CsvTable, key: usize, csv: crate::diag::FileId, out: &mut Vec<Diagnostic>) {
    let mut first: BTreeMap<&str, std::ops::Range<usize>> = BTreeMap::new();
    for row in &table.rows {
        let value = row.values[key].as_str();
        if value.is_empty() {
            out.push(
                Diagnostic::error(
                    codes::WATCHLIST_ITEMS,
                    csv,
                    format!(
                        "this row has no value in the search-key column `{}`",
                        table.header[key]
                    ),
                )
                .at(row.span.clone())
                .help("items are keyed by their search key: give every row one"),
            );
        } else if let Some(at) = first.get(value) {
            out.push(
                Diagnostic::error(
                    codes::WATCHLIST_ITEMS,
                    csv,
                    format!("the search key `{value}` is used by two rows"),
                )
                .at(row.span.clone())
                .label(csv, at.clone(), "first used here")
                .help("items are keyed by their search key: merge the rows or remove one"),
            );
        } else {
            first.insert(value, row.span.clone());
        }
    }
}

/// Aliases defined twice.
pub fn check_unique(repo: &Repository, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<String, (crate::diag::FileId, std::ops::Range<usize>)> = BTreeMap::new();
    for w in &repo.watchlists {
        let key = w.loaded.raw.alias.trim().to_ascii_lowercase();
        let span = w.loaded.span(&["alias"]);
        if let Some((file, first)) = seen.get(&key) {
            out.push(
                Diagnostic::error(
                    codes::WATCHLIST,
                    w.loaded.file,
                    format!(
                        "watchlist alias `{}` is also defined by another file",
                        w.loaded.raw.alias
                    ),
                )
                .at(span)
                .label(*file, first.clone(), "first defined here")
                .help("aliases are compared without case; rename one of them"),
            );
        } else {
            seen.insert(key, (w.loaded.file, span));
        }
    }
}

/// `overrides.watchlists` of an environment: each names a watchlist of the repository; its CSV
/// and extra rows use the watchlist's columns and give every row a search key.
pub fn check_overrides(repo: &Repository, l: &Loaded<YamlEnvironment>, out: &mut Vec<Diagnostic>) {
    let Some(map) = l.raw.overrides.as_ref().and_then(|o| o.watchlists.as_ref()) else {
        return;
    };
    for (alias, o) in map {
        let Some(w) = repo
            .watchlists
            .iter()
            .find(|w| w.loaded.raw.alias.trim().eq_ignore_ascii_case(alias))
        else {
            let aliases: Vec<&str> = repo
                .watchlists
                .iter()
                .map(|w| w.loaded.raw.alias.as_str())
                .collect();
            out.push(
                Diagnostic::error(
                    codes::SELECTOR,
                    l.file,
                    format!("override for watchlist `{alias}`, but the repository has no watchlist with that alias"),
                )
                .at(l.doc.key_span(&["overrides", "watchlists", alias]).unwrap_or(0..0))
                .help(crate::diag::suggest(alias, &aliases).map_or_else(
                    || "watchlist overrides are keyed by alias".to_string(),
                    |s| format!("did you mean `{s}`?"),
                )),
            );
            continue;
        };
        let Some(columns) = w.table.as_ref().map(|t| t.header.clone()) else {
            continue;
        };
        let search_key = &w.loaded.raw.items_search_key;
        let mut bad = |path: &[&str], message: String, help: String| {
            out.push(
                Diagnostic::error(codes::OVERRIDE, l.file, message)
                    .at(l.span(path))
                    .help(help),
            );
        };
        let shown: Vec<&str> = columns.iter().map(String::as_str).collect();
        if let Some(path) = &o.items
            && let Some(Some(t)) = repo.override_csvs.get(path)
        {
            let mut missing: Vec<&str> = shown
                .iter()
                .copied()
                .filter(|c| !t.header.iter().any(|h| h == c))
                .collect();
            missing.extend(
                t.header
                    .iter()
                    .map(String::as_str)
                    .filter(|h| !shown.contains(h)),
            );
            if !missing.is_empty() {
                bad(
                    &["overrides", "watchlists", alias, "items"],
                    format!(
                        "`{path}` does not have the columns of watchlist `{alias}` (differs in {})",
                        list(&missing)
                    ),
                    format!("its header must be {}", shown.join(",")),
                );
            } else if let Some(k) = t.column(search_key)
                && let Some(file) = repo.sources.find(std::path::Path::new(path))
            {
                check_rows(t, k, file, out);
            }
        }
        for (i, row) in o.extra_items.iter().flatten().enumerate() {
            let idx = i.to_string();
            for col in row.keys().filter(|c| !columns.contains(c)) {
                let help = crate::diag::suggest(col, &shown).map_or_else(
                    || format!("the watchlist's columns are {}", list(&shown)),
                    |s| format!("did you mean `{s}`?"),
                );
                out.push(
                    Diagnostic::error(
                        codes::OVERRIDE,
                        l.file,
                        format!("`{col}` is not a column of watchlist `{alias}`"),
                    )
                    .at(l
                        .doc
                        .key_span(&["overrides", "watchlists", alias, "extraItems", &idx, col])
                        .unwrap_or(0..0))
                    .help(help),
                );
            }
            if row.get(search_key).is_none_or(String::is_empty) {
                out.push(
                    Diagnostic::error(
                        codes::OVERRIDE,
                        l.file,
                        format!("this row has no value for the search key `{search_key}`"),
                    )
                    .at(l.span(&["overrides", "watchlists", alias, "extraItems", &idx]))
                    .help("items are keyed by their search key: give the row one"),
                );
            }
        }
    }
}
