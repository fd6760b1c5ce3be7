//! Fleet files: `environments/<fleet>.fleet.yaml` lists many workspaces that share settings.
//!
//! ```yaml
//! defaults:            # any environment-file keys, shared by every workspace
//!   auth: { method: workload-identity, clientId: … }
//!   include: [{ tag: 1password }]
//! workspaces:          # one entry per workspace: its own keys and overrides
//!   contoso: { tenantId: …, subscriptionId: …, resourceGroup: …, workspace: … }
//! ```
//!
//! Each member becomes the environment `<fleet>/<member>`: its entry merged over `defaults`
//! ([`merge`]: mappings key by key, recursively; a scalar or a list in the entry replaces the
//! default's). The merged tree keeps every node's span in the fleet file, so a problem is reported
//! at the line that caused it, whether in `defaults` or in the entry.
//!
//! Owns: reading a fleet file's shape and its member names. Does not: read the environment keys
//! themselves (the environment loader does, from the merged tree).

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::file::{parse_yaml_doc, read_regular};
use super::yaml::{self, Node, Value};
use crate::diag::{Diagnostic, FileId, SourceDb, codes};

/// How a fleet file's name ends.
pub const FLEET_SUFFIX: &str = ".fleet.yaml";

/// Top-level keys of a fleet file.
const KEYS: &[&str] = &["description", "defaults", "workspaces"];

/// A parsed fleet file.
#[derive(Debug, Clone)]
pub struct FleetFile {
    /// The file.
    pub file: FileId,
    /// The `defaults` mapping (an empty mapping when absent).
    pub defaults: Node,
    /// The members, in file order.
    pub members: Vec<FleetMember>,
}

/// One entry of `workspaces`.
#[derive(Debug, Clone)]
pub struct FleetMember {
    /// The entry's key.
    pub name: String,
    /// From the key to the end of the entry's value: problems inside belong to this member only.
    pub span: Range<usize>,
    /// The entry's mapping.
    pub node: Node,
}

impl FleetFile {
    /// The member called `name`.
    pub fn member(&self, name: &str) -> Option<&FleetMember> {
        self.members.iter().find(|m| m.name == name)
    }

    /// The member whose entry holds `range`, if any (`None`: in `defaults` or the file's shape).
    pub fn member_at(&self, range: Option<&Range<usize>>) -> Option<&str> {
        let r = range?;
        self.members
            .iter()
            .find(|m| m.span.start <= r.start && r.end <= m.span.end)
            .map(|m| m.name.as_str())
    }

    /// The environment tree of `member`: its entry merged over `defaults`.
    pub fn environment_doc(&self, member: &FleetMember) -> Node {
        merge(&self.defaults, &member.node)
    }
}

/// Whether `name` may name a fleet member: a plain identifier (letters, digits, `.`, `_`, `-`,
/// starting with a letter or digit). A member name becomes part of an environment name and of a
/// lock file's path, so nothing else is accepted.
pub fn is_member_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && name.len() <= 100
}

/// `over` merged over `base`: mappings key by key (recursively, `over`'s keys and spans win); any
/// other value of `over` replaces `base`'s.
pub fn merge(base: &Node, over: &Node) -> Node {
    match (&base.value, &over.value) {
        (Value::Map(b), Value::Map(o)) => {
            let mut out = b.clone();
            for (k, v) in o {
                match out
                    .iter_mut()
                    .find(|(bk, _)| bk.as_str().is_some() && bk.as_str() == k.as_str())
                {
                    Some(slot) => *slot = (k.clone(), merge(&slot.1, v)),
                    None => out.push((k.clone(), v.clone())),
                }
            }
            Node {
                value: Value::Map(out),
                span: over.span.clone(),
            }
        }
        _ => over.clone(),
    }
}

/// Parses an already-read fleet file; problems with its shape become diagnostics.
pub fn parse_fleet(
    sources: &SourceDb,
    file: FileId,
    diags: &mut Vec<Diagnostic>,
) -> Option<FleetFile> {
    let doc = parse_yaml_doc(sources, file, diags)?;
    let Value::Map(entries) = &doc.value else {
        return None;
    };
    let mut defaults = Node {
        value: Value::Map(Vec::new()),
        span: doc.span.start..doc.span.start,
    };
    let mut members = Vec::new();
    let mut saw_workspaces = false;
    for (k, v) in entries {
        let key = k.as_str().unwrap_or_default();
        match key {
            "description" => {
                if v.as_str().is_none() {
                    diags.push(
                        Diagnostic::error(codes::INVALID_VALUE, file, "`description` is text")
                            .at(v.span.clone()),
                    );
                }
            }
            "defaults" => {
                if v.is_null() {
                    continue;
                }
                if !matches!(v.value, Value::Map(_)) {
                    diags.push(shape_error(file, v, "`defaults` is a mapping of environment keys (`tenantId`, `auth`, `include`, `overrides`, …)"));
                    return None;
                }
                defaults = v.clone();
            }
            "workspaces" => {
                saw_workspaces = true;
                let Value::Map(items) = &v.value else {
                    diags.push(shape_error(
                        file,
                        v,
                        "`workspaces` is a mapping from a workspace's name in the fleet to its keys",
                    ));
                    return None;
                };
                for (mk, mv) in items {
                    let name = mk.as_str().unwrap_or_default();
                    if !is_member_name(name) {
                        diags.push(
                            Diagnostic::error(
                                codes::FLEET_FILE,
                                file,
                                format!("`{}` is not a valid workspace name in a fleet", name.escape_debug()),
                            )
                            .at(mk.span.clone())
                            .help("use letters, digits, `.`, `_` and `-`, starting with a letter or digit (the name becomes `<fleet>/<name>`)"),
                        );
                        continue;
                    }
                    if !matches!(mv.value, Value::Map(_)) {
                        diags.push(shape_error(file, mv, "each workspace is a mapping of environment keys (`subscriptionId`, `workspace`, …)"));
                        continue;
                    }
                    members.push(FleetMember {
                        name: name.to_string(),
                        span: mk.span.start..mv.span.end.max(mk.span.end),
                        node: mv.clone(),
                    });
                }
            }
            other => {
                let help = super::de::suggest(other, KEYS).map_or_else(
                    || format!("a fleet file has `{}`", KEYS.join("`, `")),
                    |s| format!("did you mean `{s}`?"),
                );
                diags.push(
                    Diagnostic::error(
                        codes::UNKNOWN_KEY,
                        file,
                        format!("unknown key `{}` in a fleet file", other.escape_debug()),
                    )
                    .at(k.span.clone())
                    .help(help),
                );
            }
        }
    }
    if !saw_workspaces {
        diags.push(
            Diagnostic::error(codes::MISSING_KEY, file, "a fleet file needs `workspaces`")
                .at(doc.span.start..doc.span.start)
                .help("list each workspace under `workspaces:` with the keys that differ from `defaults`"),
        );
        return None;
    }
    Some(FleetFile {
        file,
        defaults,
        members,
    })
}

fn shape_error(file: FileId, at: &Node, message: &str) -> Diagnostic {
    Diagnostic::error(codes::FLEET_FILE, file, message.to_string()).at(at.span.clone())
}

/// The member names of a fleet file, read without diagnostics (for listing environment names;
/// loading the file reports its problems).
pub fn member_names(path: &Path) -> Vec<String> {
    let Ok(text) = read_regular(path) else {
        return Vec::new();
    };
    let (Some(doc), _) = yaml::parse(text.trim_start_matches('\u{feff}')) else {
        return Vec::new();
    };
    match doc.get("workspaces").map(|w| &w.value) {
        Some(Value::Map(items)) => items
            .iter()
            .filter_map(|(k, _)| k.as_str())
            .filter(|n| is_member_name(n))
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// The fleet file that would define environment `name` (`customers/contoso` →
/// `<root>/environments/customers.fleet.yaml`, member `contoso`).
pub fn fleet_path_of(environments: &Path, name: &str) -> Option<(PathBuf, String)> {
    let (fleet, member) = name.rsplit_once('/')?;
    // every part a plain name: nothing resolves outside `environments/` (`../x` is not a fleet)
    if !fleet.split('/').all(is_member_name) || !is_member_name(member) {
        return None;
    }
    Some((
        environments.join(format!("{fleet}{FLEET_SUFFIX}")),
        member.to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Option<FleetFile>, Vec<Diagnostic>) {
        let mut sources = SourceDb::default();
        let file = sources.add("environments/f.fleet.yaml", text.to_string());
        let mut diags = Vec::new();
        (parse_fleet(&sources, file, &mut diags), diags)
    }

    #[test]
    fn an_entry_overrides_defaults_key_by_key_and_keeps_its_spans() {
        let text = "defaults:\n  location: westeurope\n  auth:\n    method: workload-identity\n    clientId: a\n  overrides:\n    detections:\n      r1: { severity: High }\nworkspaces:\n  contoso:\n    workspace: law-c\n    auth:\n      clientId: b\n    overrides:\n      detections:\n        r1: { enabled: false }\n";
        let (fleet, diags) = parse(text);
        assert!(diags.is_empty(), "{diags:?}");
        let fleet = fleet.unwrap();
        let m = fleet.member("contoso").unwrap();
        let doc = fleet.environment_doc(m);
        assert_eq!(
            doc.path(&["location"]).unwrap().as_str(),
            Some("westeurope")
        );
        assert_eq!(
            doc.path(&["auth", "method"]).unwrap().as_str(),
            Some("workload-identity")
        );
        let client = doc.path(&["auth", "clientId"]).unwrap();
        assert_eq!(client.as_str(), Some("b"));
        assert_eq!(&text[client.span.clone()], "b");
        assert!(client.span.start > text.find("contoso").unwrap());
        let r1 = doc.path(&["overrides", "detections", "r1"]).unwrap();
        assert_eq!(r1.get("severity").unwrap().as_str(), Some("High"));
        assert_eq!(r1.get("enabled").unwrap().as_str(), Some("false"));
        // a problem inside contoso's entry is contoso's; one in defaults nobody's in particular
        assert_eq!(fleet.member_at(Some(&client.span)), Some("contoso"));
        let loc = doc.path(&["location"]).unwrap().span.clone();
        assert_eq!(fleet.member_at(Some(&loc)), None);
    }

    #[test]
    fn a_list_or_scalar_in_an_entry_replaces_the_default() {
        let (fleet, _) =
            parse("defaults:\n  include: [a, b]\nworkspaces:\n  x:\n    include: [c]\n");
        let fleet = fleet.unwrap();
        let doc = fleet.environment_doc(&fleet.members[0]);
        let Value::Seq(items) = &doc.get("include").unwrap().value else {
            panic!("not a list")
        };
        assert_eq!(items.len(), 1);
    }

    #[test]
    fn bad_shapes_and_names_are_located_errors() {
        let (_, diags) = parse("workspace:\n  x: {}\n");
        assert!(
            diags
                .iter()
                .any(|d| d.message.contains("unknown key `workspace`")
                    && d.help.as_deref() == Some("did you mean `workspaces`?"))
        );
        assert!(
            diags
                .iter()
                .any(|d| d.message.contains("needs `workspaces`"))
        );
        let (fleet, diags) = parse("workspaces:\n  ../etc: {}\n  ok-1: {}\n  bad: 3\n");
        assert_eq!(fleet.unwrap().members.len(), 1);
        assert!(diags[0].message.contains("not a valid workspace name"));
        assert_eq!(diags[0].range, Some(14..20));
        assert!(diags[1].message.contains("each workspace is a mapping"));
    }

    #[test]
    fn member_names_are_plain() {
        for ok in ["contoso", "customer-01", "a.b_c"] {
            assert!(is_member_name(ok), "{ok}");
        }
        for bad in ["", "..", "a/b", "-x", ".x", "a b", "ü"] {
            assert!(!is_member_name(bad), "{bad}");
        }
        let envs = Path::new("/r/environments");
        assert_eq!(
            fleet_path_of(envs, "customers/contoso"),
            Some((envs.join("customers.fleet.yaml"), "contoso".into()))
        );
        assert_eq!(
            fleet_path_of(envs, "mssp/eu/contoso").unwrap().0,
            envs.join("mssp/eu.fleet.yaml")
        );
        assert_eq!(fleet_path_of(envs, "prod"), None);
        for outside in ["../x", "a/../b", "./x", "/x", "a//b", "../../etc/passwd"] {
            assert_eq!(fleet_path_of(envs, outside), None, "{outside}");
        }
    }
}
