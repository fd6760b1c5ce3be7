//! sentinelctl: detection-as-code for Microsoft Sentinel (skeleton).
fn main() {}
