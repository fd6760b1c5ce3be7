//! sentinelctl library (being assembled).
pub mod diag;
pub mod load;
