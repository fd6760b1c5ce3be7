//! arm_emulator (skeleton; being built).
