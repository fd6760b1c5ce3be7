//! `series_*` functions over dynamic numeric arrays (filled in with `make-series`).

use super::Func;

pub(crate) const FUNCTIONS: &[Func] = &[];
