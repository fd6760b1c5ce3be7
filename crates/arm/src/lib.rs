//! sentinel_arm (skeleton; being built).
