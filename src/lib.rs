//! sentinelctl library (being assembled).
pub mod diag;
pub mod load;
pub mod model;
pub mod schema;
