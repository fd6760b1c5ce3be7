//! The one integration test binary of `sentinelctl` (`cargo test --test integration`), laid
//! out the way ripgrep's `tests/tests.rs` is: one module per area, all sharing [`support`].
//!
//! One binary instead of one per file: a single link on a 2-core machine, tests of every area
//! run side by side, and every helper exists once. The root `Cargo.toml` sets
//! `autotests = false` and declares this file as `[[test]] name = "integration"`, so a new
//! `tests/*.rs` file runs only once it is declared below (`support` has a test that fails
//! while one is not).
//!
//! Run one area or one test with a filter: `cargo test --test integration workflows::` or
//! `cargo test --test integration cli::drift_`.
//!
//! | module | what it checks |
//! |---|---|
//! | `bad_input` | every broken file gets exactly its located diagnostics; the fuzz property |
//! | `cli` | the binary end to end against the embedded emulator (plan, apply, drift, promote, import) |
//! | `content_kinds` | watchlists, hunting queries and automation rules round-trip; validation of them (issue 14) |
//! | `fleet` | `plan`/`apply`/`drift` over ten emulator workspaces in three tenants: a forbidden one fails alone, a re-run finishes it (issue 15) |
//! | `fleet_file` | fleet files and folders of environments: merged defaults and overrides, `customers/*` and `customers`, one sign-in, a broken entry failing alone (issue 15) |
//! | `corpus` | every Azure-Sentinel analytic rule in `../shared/corpus` loads or gets a message |
//! | `ownership` | the ownership protocol: every interruption is read right by drift and plan and repaired by apply |
//! | `plugin` | the Security Copilot manifest: golden file, templates, hostile inputs |
//! | `query` | `query --env` against an emulator workspace: rows in every format, `--timespan`, KQL errors |
//! | `properties` | property tests: durations, YAML↔ARM mapping, the YAML writer |
//! | `rule_kinds` | Fusion, MicrosoftSecurityIncidentCreation, MLBehaviorAnalytics and ThreatIntelligence rules: apply, no-op, drift, adoption, import, validation (issue 12) |
//! | `roundtrip` | zero false diffs over the corpus; convergence under injected faults |
//! | `schemas` | SARIF and the editor JSON Schemas |
//! | `security` | the attacks of issue 11 (credentials, git options, paths, hidden rows, memory, names, stale plans) are refused |
//! | `test_env` | `test --env`: the cases rewritten and run in the local workspace beside the local engine; disagreements fail |
//! | `workflows` | the CI workflows in `examples/` run as written and keep their trust boundary |
//!
//! Tests that need `../shared` (Microsoft's corpus and contracts) get it from
//! [`support::shared`], which fails the test when it is missing: CI always provides it.

mod support;

mod bad_input;
mod cli;
mod content_kinds;
mod corpus;
mod doctor;
mod fleet;
mod fleet_file;
mod ownership;
mod plugin;
mod properties;
mod query;
mod roundtrip;
mod rule_kinds;
mod schemas;
mod security;
mod test_env;
mod workflows;
