//! Checks on one hunting query: the id, the limits analytics rules have (a hunting query is
//! promoted into a rule often, and the portal applies the same ones), the version, and the MITRE
//! mapping (tactics as Sentinel spells them, technique ids that exist; a technique whose tactics
//! the query does not list is a warning here, since hunting queries from the Azure-Sentinel
//! repository often list only the main tactic).
//!
//! The query itself is checked by `crate::validate::kql` like a rule's.

use std::sync::LazyLock;

use regex::Regex;

use super::mitre;
use super::rule::{is_guid, is_version};
use crate::diag::{Diagnostic, codes};
use crate::load::HuntingFile;

static TECHNIQUE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^T\d{4}(\.\d{3})?$").expect("regex"));

/// Runs every single-file check on a hunting query.
pub fn check_hunting(h: &HuntingFile, out: &mut Vec<Diagnostic>) {
    let l = &h.loaded;
    let raw = &l.raw;
    let mut push = |d: Diagnostic, path: &[&str]| out.push(d.at(l.span(path)));
    let len = |s: &str| s.chars().count();
    if !is_guid(raw.id.trim()) {
        push(
            Diagnostic::error(
                codes::HUNTING_QUERY,
                l.file,
                format!("`{}` is not a GUID", raw.id),
            )
            .help("the id becomes the saved search's name: generate one with `uuidgen`"),
            &["id"],
        );
    }
    if raw.name.trim().is_empty() || len(&raw.name) > 256 {
        push(
            Diagnostic::error(
                codes::HUNTING_QUERY,
                l.file,
                format!(
                    "`name` must have 1 to 256 characters (has {})",
                    len(&raw.name)
                ),
            ),
            &["name"],
        );
    }
    if let Some(d) = raw.description.as_deref().filter(|d| len(d) > 5000) {
        push(
            Diagnostic::error(
                codes::HUNTING_QUERY,
                l.file,
                format!("`description` has {} characters, more than 5000", len(d)),
            ),
            &["description"],
        );
    }
    let q = raw.query.trim();
    if q.is_empty() || len(q) > 10_000 {
        push(
            Diagnostic::error(
                codes::HUNTING_QUERY,
                l.file,
                format!("`query` must have 1 to 10,000 characters (has {})", len(q)),
            ),
            &["query"],
        );
    }
    if let Some(v) = raw.version.as_deref().filter(|v| !is_version(v)) {
        push(
            Diagnostic::error(codes::VERSION, l.file, format!("`{v}` is not a version"))
                .help("use three numbers separated by dots, e.g. `1.0.0`"),
            &["version"],
        );
    }
    let tactics = raw.tactics.clone().unwrap_or_default();
    for (i, t) in tactics.iter().enumerate() {
        if !mitre::is_tactic(t) {
            push(
                Diagnostic::error(
                    codes::TACTIC,
                    l.file,
                    format!("`{t}` is not a MITRE ATT&CK tactic"),
                )
                .help_opt(mitre::tactic_suggestion(t).map(|s| format!("did you mean `{s}`?"))),
                &["tactics", &i.to_string()],
            );
        }
    }
    for (i, t) in raw.relevant_techniques.iter().flatten().enumerate() {
        let path = ["relevantTechniques", &i.to_string()];
        if !TECHNIQUE.is_match(t) {
            push(
                Diagnostic::error(
                    codes::TECHNIQUE,
                    l.file,
                    format!("`{t}` is not a technique id"),
                )
                .help("write `T1234` or `T1234.001`"),
                &path,
            );
            continue;
        }
        let Some(owners) = mitre::technique_tactics(t) else {
            push(
                Diagnostic::warning(
                    codes::TECHNIQUE,
                    l.file,
                    format!("`{t}` is not a known MITRE ATT&CK technique"),
                ),
                &path,
            );
            continue;
        };
        let listed = |o: &&str| {
            tactics
                .iter()
                .any(|x| x == o || mitre::tactic_suggestion(x) == Some(*o))
        };
        if !owners.iter().any(listed) {
            push(
                Diagnostic::warning(
                    codes::TECHNIQUE_TACTIC,
                    l.file,
                    format!(
                        "technique `{t}` belongs to {} but `tactics` lists none of them",
                        owners.join(", ")
                    ),
                )
                .help(format!("add `{}` to `tactics`", owners[0])),
                &path,
            );
        }
    }
}
