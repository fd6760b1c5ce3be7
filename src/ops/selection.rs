//! Which environments a command runs over: `--env` names, paths, globs and fleet names, expanded
//! against `environments/` (folders and fleet files included, see `crate::load::fleet`).
//!
//! A glob's `*` and `?` stay within one folder level (`customers/*` is every workspace of the
//! `customers` fleet or folder, `*` only the top-level environments); `**` crosses levels.

use anyhow::Context as _;

use crate::load::Repository;
use crate::session::Session;

fn names_only(cx: &Session) -> Repository {
    Repository {
        root: cx.root.clone(),
        ..Repository::default()
    }
}

fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

/// A fleet file given as a whole: `customers` or `environments/customers.fleet.yaml`.
fn fleet_name(repo: &Repository, pattern: &str) -> Option<String> {
    let name = pattern
        .strip_prefix("environments/")
        .and_then(|p| p.strip_suffix(crate::load::fleet::FLEET_SUFFIX))
        .unwrap_or(pattern);
    repo.is_fleet_name(name).then(|| name.to_string())
}

/// Whether `envs` asks for a fleet rather than one environment: several, a glob, or a fleet file
/// as a whole.
pub fn is_fleet(cx: &Session, envs: &[String]) -> bool {
    match envs {
        [one] => is_glob(one) || fleet_name(&names_only(cx), one).is_some(),
        _ => true,
    }
}

/// Expands names, globs and fleet names into environment names, sorted and without repeats.
/// Errors when a glob or fleet matches nothing.
pub fn expand_environments(cx: &Session, patterns: &[String]) -> anyhow::Result<Vec<String>> {
    let repo = names_only(cx);
    let names = repo.environment_names();
    let mut out = Vec::new();
    for p in patterns {
        let hits: Vec<String> = if is_glob(p) {
            matching(p, &names)?
        } else if let Some(fleet) = fleet_name(&repo, p) {
            repo.fleet_members(&fleet)
        } else {
            out.push(p.clone());
            continue;
        };
        anyhow::ensure!(
            !hits.is_empty(),
            "no environment matches `{p}` (known: {})",
            names.join(", ")
        );
        out.extend(hits);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The names `pattern` matches; `*` and `?` within one level, `**` across levels.
fn matching(pattern: &str, names: &[String]) -> anyhow::Result<Vec<String>> {
    let glob = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .with_context(|| format!("`{pattern}` is not a valid glob"))?
        .compile_matcher();
    Ok(names
        .iter()
        .filter(|n| glob.is_match(n.as_str()))
        .cloned()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_stays_within_one_level_and_two_stars_cross_them() {
        let names: Vec<String> = ["dev", "customer-a", "customers/x", "customers/eu/y"]
            .into_iter()
            .map(String::from)
            .collect();
        let m = |p: &str| matching(p, &names).unwrap();
        assert_eq!(m("*"), ["dev", "customer-a"]);
        assert_eq!(m("customer-*"), ["customer-a"]);
        assert_eq!(m("customers/*"), ["customers/x"]);
        assert_eq!(m("customers/**"), ["customers/x", "customers/eu/y"]);
        assert_eq!(m("**").len(), 4);
        assert!(matching("[", &names).is_err());
    }
}
