//! `let` bindings visible at a point of a query.
//!
//! A [`Scope`] is a stack of bindings searched from the innermost; lambdas capture the scope they are
//! declared in by being analysed once, at declaration, and remembering their result. Parameters of
//! lambdas and saved functions are bindings too.

use super::schema::Schema;
use crate::types::ScalarType;

/// What a name is bound to.
#[derive(Debug, Clone)]
pub(crate) enum Binding {
    /// A scalar value.
    Scalar(ScalarType),
    /// A tabular value with its schema.
    Tabular(Schema),
    /// A lambda: arity bounds and its result (tabular schema, or scalar type).
    Lambda {
        min: usize,
        max: usize,
        result: LambdaResult,
        /// Per parameter: the columns a tabular parameter declares (`T:(TimeGenerated:datetime)`).
        required: Vec<Option<Vec<crate::catalog::Column>>>,
        /// For lambdas with tabular parameters: the definition, re-analysed at each call with the
        /// actual arguments (as Kusto does), so `f(T)` yields `T`'s columns, not just the declared ones.
        def: Option<std::rc::Rc<LambdaDef>>,
    },
}

/// A lambda's parameters and body, kept for call-site analysis.
#[derive(Debug)]
pub(crate) struct LambdaDef {
    pub(crate) params: Vec<crate::ast::ParamDecl>,
    pub(crate) body: Vec<crate::ast::Statement>,
}

/// What calling a lambda gives.
#[derive(Debug, Clone)]
pub(crate) enum LambdaResult {
    Scalar(ScalarType),
    Tabular(Schema),
}

/// Stack of `(name, binding)`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    items: Vec<(String, Binding)>,
}

impl Scope {
    pub(crate) fn push(&mut self, name: String, b: Binding) {
        self.items.push((name, b));
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Binding> {
        self.items
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b)
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn truncate(&mut self, n: usize) {
        self.items.truncate(n);
    }

    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|(n, _)| n.as_str())
    }
}
