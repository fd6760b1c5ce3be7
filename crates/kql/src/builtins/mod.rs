//! Built-in functions: scalar functions, aggregations and `evaluate` plugins, with their arities,
//! return types and result-naming rules.
//!
//! The table in `table.rs` is generated from Kusto.Language's symbol tables by
//! `tools/kql-oracle/dump-builtins.js`, so names and arities match the engine. Lookups are by exact name
//! (KQL is case-sensitive). This module knows nothing of schemas; `analyze` applies the rules.

mod table;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::types::ScalarType;

/// Which namespace a built-in lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// Scalar function (usable anywhere).
    Scalar,
    /// Aggregation (in `summarize`, `make-series`, `arg_max`…).
    Aggregate,
    /// `evaluate` plugin.
    Plugin,
}

/// One built-in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct B {
    pub(crate) kind: Kind,
    pub(crate) name: &'static str,
    pub(crate) min: u16,
    pub(crate) max: u16,
    pub(crate) ret: ScalarType,
    /// Kusto.Language ReturnTypeKind (see `table.rs`).
    pub(crate) ret_kind: i8,
    /// Kusto.Language ResultNameKind (see `table.rs`).
    pub(crate) name_kind: u8,
    pub(crate) prefix: &'static str,
    #[allow(dead_code)]
    pub(crate) hidden: bool,
}

type Index = HashMap<(Kind, &'static str), &'static B>;

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        table::BUILTINS
            .iter()
            .map(|b| ((b.kind, b.name), b))
            .collect()
    })
}

/// Looks up a built-in by kind and exact name.
pub(crate) fn get(kind: Kind, name: &str) -> Option<&'static B> {
    index().get(&(kind, name)).copied()
}

/// All names of a kind (for "did you mean" suggestions).
pub(crate) fn names(kind: Kind) -> impl Iterator<Item = &'static str> {
    table::BUILTINS
        .iter()
        .filter(move |b| b.kind == kind && !b.hidden)
        .map(|b| b.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_common_functions() {
        let ago = get(Kind::Scalar, "ago").unwrap();
        assert_eq!((ago.min, ago.max, ago.ret), (1, 1, ScalarType::DateTime));
        assert!(get(Kind::Aggregate, "dcount").is_some());
        assert!(get(Kind::Plugin, "bag_unpack").is_some());
        assert!(get(Kind::Scalar, "toString").is_none());
    }
}
