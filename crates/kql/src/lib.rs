//! sentinel_kql (skeleton; being built).
