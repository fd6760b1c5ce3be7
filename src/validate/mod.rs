//! `validate`: every offline check, run over a loaded repository.
//!
//! Pipeline: [`Repository::load`] (file-level problems) → per-file checks ([`rule`],
//! [`function`], [`workbook`], [`watchlist`], [`hunting`], [`automation`]) → cross-file checks
//! (unique ids, references, environments) → KQL ([`kql`]: rules, functions and hunting queries,
//! with the repository's watchlists).
//! Diagnostics are sorted by file, offset and code so output is deterministic.

pub mod automation;
pub mod entities;
pub mod environment;
pub mod function;
pub mod hunting;
pub mod kql;
pub mod lock;
pub mod mitre;
pub mod rule;
pub mod rule_kind;
pub mod version_bump;
pub mod watchlist;
pub mod workbook;

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, FileId, codes};
use crate::load::Repository;

/// What to check besides the content folders.
#[derive(Debug, Clone, Default)]
pub struct ValidateOptions {
    /// Environments to check (`None` = every file in `environments/`).
    pub environments: Option<Vec<String>>,
    /// Skip the KQL analysis.
    pub no_kql: bool,
}

/// Summary figures of a run, for reports and benchmarks.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ValidateStats {
    /// Rule files loaded.
    pub rules: usize,
    /// Function files loaded.
    pub functions: usize,
    /// Workbooks loaded.
    pub workbooks: usize,
    /// Watchlists loaded.
    pub watchlists: usize,
    /// Hunting queries loaded.
    pub hunting_queries: usize,
    /// Automation rules loaded.
    pub automation_rules: usize,
    /// Environments checked.
    pub environments: usize,
    /// Queries analysed.
    pub queries: usize,
    /// KQL features not understood, with how often they occur.
    pub unsupported_kql: BTreeMap<String, usize>,
}

/// Runs every check; the repository's diagnostics list receives the findings.
pub fn validate(repo: &mut Repository, options: &ValidateOptions) -> ValidateStats {
    let mut out = Vec::new();
    let mut stats = ValidateStats {
        rules: repo.rules.len(),
        functions: repo.functions.len(),
        workbooks: repo.workbooks.len(),
        watchlists: repo.watchlists.len(),
        hunting_queries: repo.hunting.len(),
        automation_rules: repo.automation.len(),
        ..ValidateStats::default()
    };
    for rf in &repo.rules {
        rule::check_rule(rf, &mut out);
    }
    for ff in &repo.functions {
        function::check_function(ff, &mut out);
    }
    for wb in &repo.workbooks {
        workbook::check_workbook(wb, &mut out);
    }
    for w in &repo.watchlists {
        watchlist::check_watchlist(w, &mut out);
    }
    for h in &repo.hunting {
        hunting::check_hunting(h, &mut out);
    }
    automation::check_all(repo, &mut out);
    check_unique(repo, &mut out);
    check_tested(repo, &mut out);
    watchlist::check_unique(repo, &mut out);
    if !options.no_kql {
        let catalog = kql::catalog(repo);
        // only query rules have KQL (a `query:` on another kind is refused by SC3019)
        let query_rules = repo
            .rules
            .iter()
            .filter(|rf| rf.rule.as_ref().is_none_or(|r| r.kind.has_query()));
        for rf in query_rules {
            if let Some(a) = kql::check_rule_query(repo, &catalog, rf, &mut out) {
                stats.queries += 1;
                for u in a.unsupported {
                    *stats.unsupported_kql.entry(u).or_default() += 1;
                }
            }
        }
        kql::check_functions(repo, &catalog, &mut out);
        stats.queries += repo.functions.len();
        stats.queries += kql::check_workbooks(repo, &catalog, &mut out);
        kql::check_hunting(repo, &catalog, &mut out);
        stats.queries += repo.hunting.len();
    }
    repo.diagnostics.append(&mut out);
    let names = options
        .environments
        .clone()
        .unwrap_or_else(|| repo.environment_names());
    stats.environments = names.len();
    for name in names {
        environment::check_environment(repo, &name);
        lock::check_lock(repo, &name);
    }
    repo.diagnostics
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    repo.diagnostics.dedup();
    stats
}

/// SC3017: in a repository that keeps tests (any `*.tests.yaml`), each detection and each Copilot
/// skill should have some. (A repository without any, e.g. a drop-in of public rules, is not nagged.)
fn check_tested(repo: &Repository, out: &mut Vec<Diagnostic>) {
    let tests = crate::load::repository::test_files(&repo.root);
    if tests.is_empty() {
        return;
    }
    let tested = |file: FileId| {
        let path = repo.root.join(repo.sources.path(file));
        tests
            .iter()
            .any(|t| crate::load::repository::tested_file(t) == path)
    };
    for r in &repo.rules {
        // rules without a query (Fusion, incident creation, ...) have nothing to test
        let testable = r.rule.as_ref().is_some_and(|r| r.kind.has_query());
        if testable && !tested(r.loaded.file) {
            out.push(
                Diagnostic::warning(codes::UNTESTED, r.loaded.file, "this detection has no test cases")
                    .help("add a `.tests.yaml` file beside it with a case that fires and one that does not (docs/testing.md)"),
            );
        }
    }
    for f in &repo.functions {
        if f.loaded.raw.skill.is_some() && !tested(f.loaded.file) {
            out.push(
                Diagnostic::warning(
                    codes::UNTESTED,
                    f.loaded.file,
                    "this Copilot skill has no test cases",
                )
                .help("add a `.tests.yaml` file beside it (docs/testing.md)"),
            );
        }
    }
}

fn check_unique(repo: &Repository, out: &mut Vec<Diagnostic>) {
    let mut ids: BTreeMap<String, (FileId, std::ops::Range<usize>)> = BTreeMap::new();
    let mut claim = |key: String,
                     file: FileId,
                     span: std::ops::Range<usize>,
                     what: &str,
                     out: &mut Vec<Diagnostic>| {
        if let Some((first_file, first_span)) = ids.get(&key) {
            out.push(
                Diagnostic::error(
                    codes::DUPLICATE_ID,
                    file,
                    format!("{what} is also used by another file"),
                )
                .at(span)
                .label(*first_file, first_span.clone(), "first used here")
                .help("give one of them a new id"),
            );
        } else {
            ids.insert(key, (file, span));
        }
    };
    for rf in &repo.rules {
        claim(
            format!("rule:{}", rf.loaded.raw.id.trim().to_ascii_lowercase()),
            rf.loaded.file,
            rf.loaded.span(&["id"]),
            &format!("rule id `{}`", rf.loaded.raw.id),
            out,
        );
    }
    for ff in &repo.functions {
        let l = &ff.loaded;
        claim(
            format!("alias:{}", l.raw.function_alias.to_ascii_lowercase()),
            l.file,
            l.span(&["FunctionAlias"]),
            &format!("function alias `{}`", l.raw.function_alias),
            out,
        );
        if let Some(id) = &l.raw.id {
            claim(
                format!("fid:{}", id.trim().to_ascii_lowercase()),
                l.file,
                l.span(&["id"]),
                &format!("function id `{id}`"),
                out,
            );
        }
    }
    // hunting queries and functions share the savedSearches collection
    for ff in &repo.functions {
        claim(
            format!("search:{}", ff.function.name.to_ascii_lowercase()),
            ff.loaded.file,
            ff.loaded.span(&["FunctionAlias"]),
            &format!("saved search name `{}`", ff.function.name),
            out,
        );
    }
    for h in &repo.hunting {
        claim(
            format!("search:{}", h.loaded.raw.id.trim().to_ascii_lowercase()),
            h.loaded.file,
            h.loaded.span(&["id"]),
            &format!("hunting query id `{}`", h.loaded.raw.id),
            out,
        );
    }
    for a in &repo.automation {
        claim(
            format!("automation:{}", a.loaded.raw.id.trim().to_ascii_lowercase()),
            a.loaded.file,
            a.loaded.span(&["id"]),
            &format!("automation rule id `{}`", a.loaded.raw.id),
            out,
        );
    }
    for wb in &repo.workbooks {
        claim(
            format!("wb:{}", wb.loaded.raw.key),
            wb.loaded.file,
            wb.loaded.span(&["key"]),
            &format!("workbook key `{}`", wb.loaded.raw.key),
            out,
        );
    }
}
