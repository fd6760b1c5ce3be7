//! sentinelctl binary.
fn main() {}
