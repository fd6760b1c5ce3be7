//! Desired state: repository × environment → the resources the workspace should hold.
//!
//! Applies the environment's include/exclude selectors and overrides, and per-environment
//! rewriting (workbook `sourceId` and workspace references, automation rules' rule references).
//! Pure: no I/O (override CSV files were read with the environment, `Repository::override_csvs`).
//!
//! `depends_on` names what an item needs in the workspace before it is written: function aliases
//! (as queries call them), `watchlist:<alias>` for each `_GetWatchlist('alias')` and
//! `detection:<id>` for each rule an automation rule names (lower case).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::load::Repository;
use crate::model::environment::{Override, Selector};
use crate::model::workbook::{rewrite_workspace_ids, workbook_name};
use crate::model::{
    AnalyticsRule, AutomationRule, Environment, HuntingQuery, Key, Resource, ResourceKind,
    Watchlist, Workbook,
};

/// The dependency name of a watchlist (see the module doc).
pub fn watchlist_dependency(alias: &str) -> String {
    format!("watchlist:{}", alias.to_ascii_lowercase())
}

/// The dependency name of an analytics rule (see the module doc).
pub fn detection_dependency(name: &str) -> String {
    format!("detection:{}", name.to_ascii_lowercase())
}

/// One desired resource with its provenance.
#[derive(Debug, Clone)]
pub struct DesiredItem {
    /// What it should be.
    pub resource: Resource,
    /// Content id recorded in ownership metadata.
    pub content_id: String,
    /// Content version.
    pub version: String,
    /// Source file, relative to the root.
    pub path: String,
    /// What it needs first: function aliases its query calls, `watchlist:<alias>` for the
    /// watchlists it reads, `detection:<id>` for the rules an automation rule names.
    pub depends_on: Vec<String>,
    /// Commit the content was read at, when pinned by a lock file (else the checkout's HEAD).
    pub commit: Option<String>,
    /// Tables its query reads, directly or through the saved functions it calls (as the analyser
    /// resolves them against `schemas/`): Sentinel refuses a rule reading a table the workspace
    /// does not have.
    pub reads_tables: Vec<String>,
}

/// Everything the environment should hold.
#[derive(Debug, Clone)]
pub struct DesiredState {
    /// The environment.
    pub env: Environment,
    /// Items by (kind, lower-case resource name).
    pub items: BTreeMap<Key, DesiredItem>,
}

fn selector_matches(
    sel: &Selector,
    kind: ResourceKind,
    names: &[&str],
    tags: &[String],
    path: &str,
    status: Option<&str>,
) -> bool {
    let kinds_ok = sel.kinds.as_ref().is_none_or(|k| k.contains(&kind));
    let ids_ok = sel.ids.as_ref().is_none_or(|ids| {
        ids.iter()
            .any(|i| names.iter().any(|n| n.eq_ignore_ascii_case(i)))
    });
    let tags_ok = kind == ResourceKind::Function
        || sel
            .tags
            .as_ref()
            .is_none_or(|t| t.iter().any(|t| tags.contains(t)));
    let paths_ok = sel.paths.as_ref().is_none_or(|globs| {
        globs
            .iter()
            .any(|g| globset::Glob::new(g).is_ok_and(|g| g.compile_matcher().is_match(path)))
    });
    let status_ok = sel
        .status
        .as_ref()
        .is_none_or(|s| status.is_some_and(|st| s.iter().any(|x| x == st)));
    kinds_ok && ids_ok && tags_ok && paths_ok && status_ok
}

fn selected(
    env: &Environment,
    kind: ResourceKind,
    names: &[&str],
    tags: &[String],
    path: &str,
    status: Option<&str>,
) -> bool {
    let included = env.include.is_empty()
        || env
            .include
            .iter()
            .any(|s| selector_matches(s, kind, names, tags, path, status));
    included
        && !env
            .exclude
            .iter()
            .any(|s| selector_matches(s, kind, names, tags, path, status))
}

fn override_for<'a>(map: &'a BTreeMap<String, Override>, names: &[&str]) -> Option<&'a Override> {
    map.iter()
        .find(|(k, _)| names.iter().any(|n| n.eq_ignore_ascii_case(k)))
        .map(|(_, v)| v)
}

/// Replaces the value of top-level `let NAME = value;` statements.
pub fn apply_parameters(query: &str, params: &BTreeMap<String, Value>) -> String {
    let mut out = query.to_string();
    for (name, value) in params {
        let literal = match value {
            Value::String(s) => s.clone(),
            Value::Array(_) | Value::Object(_) => format!("dynamic({value})"),
            other => other.to_string(),
        };
        let re = Regex::new(&format!(
            r"(?m)^(\s*let\s+{}\s*=\s*)([^;\n]*)(;)",
            regex::escape(name)
        ))
        .expect("escaped name");
        out = re
            .replacen(&out, 1, |c: &regex::Captures<'_>| {
                format!("{}{}{}", &c[1], literal, &c[3])
            })
            .into_owned();
    }
    out
}

static IDENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z_][A-Za-z0-9_]*").expect("regex"));

fn calls(query: &str, aliases: &[String]) -> Vec<String> {
    let mut found: Vec<String> = IDENT
        .find_iter(query)
        .map(|m| m.as_str().to_string())
        .filter(|w| aliases.contains(w))
        .collect();
    found.sort();
    found.dedup();
    found
}

impl DesiredState {
    /// Resolves the desired state. `commit` is recorded in metadata by apply.
    pub fn resolve(repo: &Repository, env: &Environment) -> Self {
        let aliases: Vec<String> = repo
            .functions
            .iter()
            .map(|f| f.function.function_alias.clone())
            .collect();
        let mut items = BTreeMap::new();
        resolve_functions(repo, env, &aliases, &mut items);
        resolve_rules(repo, env, &aliases, &mut items);
        resolve_workbooks(repo, env, &mut items);
        resolve_watchlists(repo, env, &mut items);
        resolve_hunting(repo, env, &aliases, &mut items);
        resolve_automation(repo, env, &mut items);
        resolve_tables(repo, &mut items);
        Self {
            env: env.clone(),
            items,
        }
    }

    /// Keeps only items answering to one of `targets` (id, name, alias or key).
    pub fn retain_targets(&mut self, targets: &[String]) {
        if targets.is_empty() {
            return;
        }
        self.items.retain(|(_, name), item| {
            targets.iter().any(|t| {
                t.eq_ignore_ascii_case(name)
                    || t.eq_ignore_ascii_case(&item.content_id)
                    || t == item.resource.display_name()
            })
        });
    }
}

/// Fills `reads_tables`: each query's tables, plus those of the functions it calls (transitively).
fn resolve_tables(repo: &Repository, items: &mut BTreeMap<Key, DesiredItem>) {
    let catalog = crate::validate::kql::catalog(repo);
    let mut direct: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    let mut per_item: Vec<(Key, Vec<String>, Vec<String>)> = Vec::new();
    let mut reads: Vec<(Key, Vec<String>)> = Vec::new();
    for (key, item) in items.iter() {
        let Some(query) = item.resource.query() else {
            continue;
        };
        let a = sentinel_kql::analyze(query, &catalog);
        let watchlists: Vec<String> = a
            .watchlists
            .iter()
            .map(|w| watchlist_dependency(&w.alias))
            .collect();
        let tables: Vec<String> = a.tables.into_iter().chain(a.unknown_tables).collect();
        let functions: Vec<String> = a.functions.into_iter().collect();
        if let Resource::Function(f) = &item.resource {
            direct.insert(
                f.function_alias.to_ascii_lowercase(),
                (tables.clone(), functions.clone()),
            );
        }
        per_item.push((key.clone(), tables, functions));
        reads.push((key.clone(), watchlists));
    }
    for (key, deps) in reads {
        if let Some(item) = items.get_mut(&key) {
            for d in deps {
                if !item.depends_on.contains(&d) {
                    item.depends_on.push(d);
                }
            }
            item.depends_on.sort();
        }
    }
    for (key, mut tables, functions) in per_item {
        let mut seen: Vec<String> = Vec::new();
        let mut todo: Vec<String> = functions.iter().map(|f| f.to_ascii_lowercase()).collect();
        while let Some(f) = todo.pop() {
            if seen.contains(&f) {
                continue;
            }
            if let Some((t, more)) = direct.get(&f) {
                tables.extend(t.iter().cloned());
                todo.extend(more.iter().map(|m| m.to_ascii_lowercase()));
            }
            seen.push(f);
        }
        tables.sort();
        tables.dedup();
        if let Some(item) = items.get_mut(&key) {
            item.reads_tables = tables;
        }
    }
}

fn source_path(repo: &Repository, file: crate::diag::FileId) -> String {
    repo.sources.path(file).to_string_lossy().replace('\\', "/")
}

fn resolve_functions(
    repo: &Repository,
    env: &Environment,
    aliases: &[String],
    items: &mut BTreeMap<Key, DesiredItem>,
) {
    let ov = &env.overrides;
    for f in &repo.functions {
        let path = source_path(repo, f.loaded.file);
        let fun = &f.function;
        let names = [
            fun.function_alias.as_str(),
            fun.display_name.as_str(),
            fun.content_id.as_deref().unwrap_or(""),
        ];
        if !selected(env, ResourceKind::Function, &names, &[], &path, None) {
            continue;
        }
        let mut fun = fun.clone();
        if let Some(p) = override_for(&ov.functions, &names).and_then(|o| o.parameters.as_ref()) {
            fun.query = apply_parameters(&fun.query, p);
        }
        let depends_on = calls(&fun.query, aliases)
            .into_iter()
            .filter(|a| *a != fun.function_alias)
            .collect();
        let item = DesiredItem {
            content_id: fun
                .content_id
                .clone()
                .unwrap_or_else(|| fun.function_alias.clone()),
            version: fun.version.clone().unwrap_or_else(|| "1.0.0".into()),
            path,
            depends_on,
            commit: None,
            reads_tables: Vec::new(),
            resource: Resource::Function(fun.clone()),
        };
        items.insert(
            (ResourceKind::Function, fun.name.to_ascii_lowercase()),
            item,
        );
    }
}

fn resolve_rules(
    repo: &Repository,
    env: &Environment,
    aliases: &[String],
    items: &mut BTreeMap<Key, DesiredItem>,
) {
    let ov = &env.overrides;
    for r in &repo.rules {
        let Some(rule) = &r.rule else { continue };
        let path = source_path(repo, r.loaded.file);
        let tags: Vec<String> = r
            .loaded
            .raw
            .tags
            .as_ref()
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let names = [rule.name.as_str(), rule.display_name.as_str()];
        if !selected(
            env,
            ResourceKind::Detection,
            &names,
            &tags,
            &path,
            r.loaded.raw.status.as_deref(),
        ) {
            continue;
        }
        let mut rule = rule.clone();
        if let Some(o) = override_for(&ov.detections, &names) {
            apply_rule_override(&mut rule, o);
        }
        let item = DesiredItem {
            content_id: rule.name.clone(),
            version: rule.version.clone().unwrap_or_else(|| "1.0.0".into()),
            path,
            depends_on: calls(&rule.query, aliases),
            commit: None,
            reads_tables: Vec::new(),
            resource: Resource::Rule(rule.clone()),
        };
        items.insert((ResourceKind::Detection, rule.name.clone()), item);
    }
}

fn resolve_workbooks(repo: &Repository, env: &Environment, items: &mut BTreeMap<Key, DesiredItem>) {
    let ov = &env.overrides;
    let workspace_id = env.workspace_id();
    for w in &repo.workbooks {
        let path = source_path(repo, w.loaded.file);
        let raw = &w.loaded.raw;
        let tags = raw.tags.clone().unwrap_or_default();
        if !selected(
            env,
            ResourceKind::Workbook,
            &[raw.key.as_str(), raw.display_name.as_str()],
            &tags,
            &path,
            None,
        ) {
            continue;
        }
        let display_name = override_for(&ov.workbooks, &[raw.key.as_str()])
            .and_then(|o| o.display_name.clone())
            .unwrap_or_else(|| raw.display_name.clone());
        let mut tags = tags;
        tags.sort();
        let wb = Workbook {
            name: raw.name.as_deref().map_or_else(
                || workbook_name(&raw.key, &workspace_id),
                str::to_ascii_lowercase,
            ),
            key: raw.key.clone(),
            version: raw.version.clone(),
            display_name,
            category: raw.category.clone().unwrap_or_else(|| "sentinel".into()),
            data: rewrite_workspace_ids(&w.data, &workspace_id),
            source_id: workspace_id.clone(),
            location: env.location.clone(),
            tags,
        };
        let item = DesiredItem {
            content_id: raw.key.clone(),
            version: raw.version.clone().unwrap_or_else(|| "1.0.0".into()),
            path,
            depends_on: Vec::new(),
            commit: None,
            reads_tables: Vec::new(),
            resource: Resource::Workbook(wb.clone()),
        };
        items.insert((ResourceKind::Workbook, wb.name.clone()), item);
    }
}

fn string_tags(tags: Option<&Value>) -> Vec<String> {
    tags.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn resolve_watchlists(
    repo: &Repository,
    env: &Environment,
    items: &mut BTreeMap<Key, DesiredItem>,
) {
    for w in &repo.watchlists {
        let Some(model) = &w.watchlist else { continue };
        let path = source_path(repo, w.loaded.file);
        let raw = &w.loaded.raw;
        let tags = raw.tags.clone().unwrap_or_default();
        let names = [model.alias.as_str(), model.display_name.as_str()];
        if !selected(env, ResourceKind::Watchlist, &names, &tags, &path, None) {
            continue;
        }
        let mut wl: Watchlist = model.clone();
        if let Some((_, o)) = env
            .overrides
            .watchlists
            .iter()
            .find(|(a, _)| a.eq_ignore_ascii_case(&wl.alias))
        {
            let table = o
                .items
                .as_ref()
                .and_then(|p| repo.override_csvs.get(p))
                .and_then(Option::as_ref);
            wl.apply_override(o, table);
        }
        let item = DesiredItem {
            content_id: wl.alias.clone(),
            version: raw.version.clone().unwrap_or_else(|| "1.0.0".into()),
            path,
            depends_on: Vec::new(),
            commit: None,
            reads_tables: Vec::new(),
            resource: Resource::Watchlist(wl.clone()),
        };
        items.insert(
            (ResourceKind::Watchlist, wl.alias.to_ascii_lowercase()),
            item,
        );
    }
}

fn resolve_hunting(
    repo: &Repository,
    env: &Environment,
    aliases: &[String],
    items: &mut BTreeMap<Key, DesiredItem>,
) {
    for h in &repo.hunting {
        let path = source_path(repo, h.loaded.file);
        let q: &HuntingQuery = &h.query;
        let tags = string_tags(h.loaded.raw.tags.as_ref());
        let names = [q.name.as_str(), q.display_name.as_str()];
        if !selected(env, ResourceKind::HuntingQuery, &names, &tags, &path, None) {
            continue;
        }
        let item = DesiredItem {
            content_id: q.name.clone(),
            version: q.version.clone().unwrap_or_else(|| "1.0.0".into()),
            path,
            depends_on: calls(&q.query, aliases),
            commit: None,
            reads_tables: Vec::new(),
            resource: Resource::HuntingQuery(q.clone()),
        };
        items.insert((ResourceKind::HuntingQuery, q.name.clone()), item);
    }
}

fn resolve_automation(
    repo: &Repository,
    env: &Environment,
    items: &mut BTreeMap<Key, DesiredItem>,
) {
    let workspace_id = env.workspace_id();
    for a in &repo.automation {
        let path = source_path(repo, a.loaded.file);
        let tags = a.loaded.raw.tags.clone().unwrap_or_default();
        let names = [a.rule.name.as_str(), a.rule.display_name.as_str()];
        if !selected(
            env,
            ResourceKind::AutomationRule,
            &names,
            &tags,
            &path,
            None,
        ) {
            continue;
        }
        let mut rule: AutomationRule = a.rule.clone();
        rule.bind_rules(&workspace_id, &|_| None);
        let depends_on = rule
            .referenced_rules(&workspace_id)
            .iter()
            .map(|n| detection_dependency(n))
            .collect();
        let item = DesiredItem {
            content_id: rule.name.clone(),
            version: rule.version.clone().unwrap_or_else(|| "1.0.0".into()),
            path,
            depends_on,
            commit: None,
            reads_tables: Vec::new(),
            resource: Resource::AutomationRule(rule.clone()),
        };
        items.insert((ResourceKind::AutomationRule, rule.name.clone()), item);
    }
}

fn apply_rule_override(rule: &mut AnalyticsRule, o: &Override) {
    if let Some(e) = o.enabled {
        rule.enabled = e;
    }
    if !rule.kind.has_query() {
        // only `enabled` applies (validation refuses the other keys for these kinds)
        return;
    }
    if let Some(s) = &o.severity {
        rule.severity.clone_from(s);
    }
    if let Some(t) = o
        .trigger_threshold
        .filter(|_| rule.trigger_threshold.is_some())
    {
        rule.trigger_threshold = Some(t);
    }
    if let Some(f) = o.query_frequency.filter(|_| rule.query_frequency.is_some()) {
        rule.query_frequency = Some(f);
    }
    if let Some(p) = o.query_period.filter(|_| rule.query_period.is_some()) {
        rule.query_period = Some(p);
    }
    if let Some(p) = &o.parameters {
        rule.query = apply_parameters(&rule.query, p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_replace_top_level_lets() {
        let q = "let threshold = 10;\nlet names = dynamic(['a']);\nT | where n > threshold";
        let mut p = BTreeMap::new();
        p.insert("threshold".to_string(), serde_json::json!(20));
        p.insert("names".to_string(), serde_json::json!(["b"]));
        let out = apply_parameters(q, &p);
        assert_eq!(
            out,
            "let threshold = 20;\nlet names = dynamic([\"b\"]);\nT | where n > threshold"
        );
    }
}
