//! The emulator's integration tests, one binary (modules share the harness in `common`):
//! `behaviour` (ARM behaviours per resource), `examples` (Microsoft's examples replayed), `concurrency`
//! (load on loopback), `security` (listen address, body limits, connection cap, admin token, state lock).

mod behaviour;
mod common;
mod concurrency;
mod examples;
mod fleet;
mod logs;
mod onboarding;
mod rule_kinds;
mod security;
mod tables;
mod watchlists;
