//! Row schemas flowing through a pipeline, and the naming rules for computed columns.
//!
//! A [`Schema`] is either a known, ordered column list or unknown (`cols == None`): an unknown schema
//! switches unknown-column checks off downstream instead of guessing. Names follow Kusto: unnamed
//! `extend`/`project` expressions take the name of a column or path they wrap (`tostring(d.x)` → `d_x`)
//! or `Column1`, `Column2`…; duplicates get a numeric suffix (`count_1`, `a1` in joins).

use crate::catalog::Column;
use crate::types::ScalarType;

/// Columns of a tabular value at one point of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Schema {
    /// `None` when not statically known.
    pub(crate) cols: Option<Vec<Column>>,
    /// Columns are known but more may exist (derived from a fuzzy union with a missing table): names
    /// not in `cols` are accepted, as Kusto does.
    pub(crate) open: bool,
}

impl Schema {
    pub(crate) fn known(cols: Vec<Column>) -> Self {
        Self {
            cols: Some(cols),
            open: false,
        }
    }

    pub(crate) fn unknown() -> Self {
        Self {
            cols: None,
            open: false,
        }
    }

    pub(crate) fn is_known(&self) -> bool {
        self.cols.is_some()
    }

    /// True when a name missing from this schema is an error (known and not open).
    pub(crate) fn is_closed(&self) -> bool {
        self.cols.is_some() && !self.open
    }

    /// The column called `name`, if the schema is known and has it.
    pub(crate) fn get(&self, name: &str) -> Option<&Column> {
        self.cols.as_ref()?.iter().find(|c| c.name == name)
    }

    /// Adds or replaces (in place) a column.
    pub(crate) fn set(&mut self, name: &str, ty: ScalarType) {
        if let Some(cols) = &mut self.cols {
            if let Some(c) = cols.iter_mut().find(|c| c.name == name) {
                c.ty = ty;
            } else {
                cols.push(Column::new(name, ty));
            }
        }
    }
}

/// Appends `name` to `cols`, renaming it `name1`, `name2`… if taken (as Kusto does for joins and
/// duplicate aggregates); returns the final name.
pub(crate) fn push_unique(cols: &mut Vec<Column>, name: &str, ty: ScalarType) -> String {
    let mut final_name = name.to_string();
    let mut n = 1;
    while cols.iter().any(|c| c.name == final_name) {
        final_name = format!("{name}{n}");
        n += 1;
    }
    cols.push(Column::new(final_name.clone(), ty));
    final_name
}

/// `*` wildcard match (`a*`, `*_s`, `a*b`).
pub(crate) fn wildcard_match(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == name;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(pos) = rest.find(part) {
            rest = &rest[pos + part.len()..];
        } else {
            return false;
        }
    }
    true
}

/// Case-insensitive Levenshtein distance (bounded inputs; names are short).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().flat_map(char::to_lowercase).collect();
    let b: Vec<char> = b.chars().flat_map(char::to_lowercase).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The closest candidate to `name`, if close enough to be a plausible typo.
pub(crate) fn suggest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let d = edit_distance(name, c);
        let d = if c.eq_ignore_ascii_case(name) { 0 } else { d };
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("a*", "abc"));
        assert!(wildcard_match("*_s", "name_s"));
        assert!(wildcard_match("a*c", "abc"));
        assert!(!wildcard_match("a*d", "abc"));
        assert!(wildcard_match("abc", "abc"));
    }

    #[test]
    fn suggestions() {
        let cols = ["actor_details", "actor_uuid", "TimeGenerated"];
        assert_eq!(
            suggest("actor_detail", cols.iter().copied()),
            Some("actor_details")
        );
        assert_eq!(
            suggest("timegenerated", cols.iter().copied()),
            Some("TimeGenerated")
        );
        assert_eq!(suggest("zzz", cols.iter().copied()), None);
    }
}
