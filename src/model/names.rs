//! ARM's rules for the names sentinelctl puts into request paths, checked before any request: a name
//! that is not a single path segment (`.`, `..`, one with `/`, `?` or `#`) would aim a PUT or DELETE
//! at another resource, such as the workspace itself.
//!
//! Sources: ARM's resource-name rules ("Naming rules and restrictions for Azure resources": names
//! may not contain `<>*%&:\?/#` or control characters, or end with `.` or a space), Application
//! Insights workbooks (the resource name is a GUID), and Sentinel alert rules (sentinelctl uses the
//! rule's GUID `id`; hunting queries and automation rules are named by their GUID `id` too).

use super::ResourceKind;

/// Longest resource name accepted (ARM's general limit for child resources).
pub const MAX_NAME: usize = 260;

/// Whether `s` is a GUID (`8-4-4-4-12` hex digits).
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// True for 1 to 64 ASCII letters, digits, `-` and `_`.
pub fn is_plain(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `Ok` when `name` is a valid ARM name for a resource of `kind`; else why not.
pub fn check(kind: ResourceKind, name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(format!(
            "a resource name must be 1 to {MAX_NAME} characters"
        ));
    }
    if name == "." || name == ".." || name.ends_with('.') || name.ends_with(' ') {
        return Err(format!(
            "`{}` is not a resource name (it may not be `.`/`..` or end with `.` or a space)",
            name.escape_debug()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| c.is_control() || "<>*%&:\\?/#".contains(*c))
    {
        return Err(format!(
            "`{}` is not a resource name: `{}` is not allowed in ARM names",
            name.escape_debug(),
            c.escape_debug()
        ));
    }
    match kind {
        // Sentinel names the Fusion rule it creates in each workspace `BuiltInFusion`: a plain
        // name (letters, digits, `-`, `_`) stays in its collection, so adopting it is allowed
        ResourceKind::Detection if is_plain(name) => Ok(()),
        ResourceKind::Workbook
        | ResourceKind::Detection
        | ResourceKind::HuntingQuery
        | ResourceKind::AutomationRule
            if !is_guid(name) =>
        {
            Err(format!(
                "`{}` is not a GUID: {} resource names are GUIDs",
                name.escape_debug(),
                kind.as_str()
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_leave_their_collection_are_refused() {
        for bad in [
            "..", ".", "a/b", "a?b", "x#", "", "a.", "a ", "a\u{0}b", "%2e%2e",
        ] {
            assert!(check(ResourceKind::Function, bad).is_err(), "{bad:?}");
        }
        assert!(check(ResourceKind::Function, "OnePassword_Events-1").is_ok());
        assert!(check(ResourceKind::Workbook, "not-a-guid").is_err());
        assert!(check(ResourceKind::Detection, "BuiltInFusion").is_ok());
        assert!(check(ResourceKind::Detection, "a.b").is_err());
        assert!(
            check(
                ResourceKind::Workbook,
                "5f78b752-4321-42a6-8117-5cdce94c1077"
            )
            .is_ok()
        );
        assert!(check(ResourceKind::Function, &"a".repeat(261)).is_err());
    }
}
