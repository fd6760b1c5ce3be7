//! Geospatial functions.

use super::Func;

pub(crate) const FUNCTIONS: &[Func] = &[];
