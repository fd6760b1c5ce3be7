//! Command-line arguments: clap types only, no I/O and no derived state (ripgrep's "low args").
//!
//! `crate::session` turns these into what commands need.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Detection-as-code for Microsoft Sentinel: keep analytics rules, saved KQL functions and
/// workbooks in Git, and keep workspaces identical to it.
#[derive(Debug, Parser)]
#[command(
    name = "sentinelctl",
    version,
    about,
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Examples:\n  sentinelctl validate\n  sentinelctl plan --env dev\n  sentinelctl apply --env local --auto-approve\n\nExit codes: see docs/exit-codes.md"
)]
pub struct Cli {
    /// Repository root (default: the current directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// When to use colours.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// More output (-v info, -vv debug, -vvv trace). `SENTINELCTL_LOG` takes tracing filters.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Colour choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the content offline: schema, limits, MITRE, entities, references, KQL.
    #[command(
        after_help = "Examples:\n  sentinelctl validate\n  sentinelctl validate --format sarif > results.sarif\n  sentinelctl validate --since origin/main   # changed content must bump its version"
    )]
    Validate(ValidateArgs),
    /// Show what apply would change in a workspace.
    #[command(
        after_help = "Examples:\n  sentinelctl plan --env dev\n  sentinelctl plan --env prod --format markdown > plan.md\n  sentinelctl plan --env dev --out plan.json --detailed-exitcode\n  sentinelctl plan --env 'customer-*' --format markdown > fleet-plan.md   # a section per workspace\n  sentinelctl plan --env 'customer-*' --format junit --report-dir reports/"
    )]
    Plan(PlanArgs),
    /// Make a workspace match the repository.
    #[command(
        after_help = "Examples:\n  sentinelctl apply --env local --auto-approve\n  sentinelctl apply --env dev --plan plan.json --auto-approve\n  sentinelctl apply --env prod --plan plan.json --auto-approve --audit apply-audit.json\n  sentinelctl apply --env 'customer-*' --auto-approve --audit fleet-audit.json --report-dir reports/"
    )]
    Apply(ApplyArgs),
    /// Check that workspaces still match the repository (read-only; exit 3 on drift).
    #[command(
        after_help = "Examples:\n  sentinelctl drift --env prod\n  sentinelctl drift --env 'customer-*' --format junit --report-dir reports/"
    )]
    Drift(DriftArgs),
    /// Pin into one environment exactly what is verified and live in another.
    #[command(
        after_help = "Examples:\n  sentinelctl promote --from dev --to prod --all\n  sentinelctl promote --from dev --to prod 5f78b752-4321-42a6-8117-5cdce94c1077 --dry-run\n  sentinelctl promote --from dev --to 'customers/*' --all"
    )]
    Promote(PromoteArgs),
    /// Write a workspace's content as files in this repository's layout.
    #[command(
        after_help = "Examples:\n  sentinelctl import --env prod\n  sentinelctl import --env prod --include-unmanaged --out imported/\n  sentinelctl import --env prod --drifted   # portal edits back into their files, for a pull request"
    )]
    Import(ImportArgs),
    /// Run the embedded ARM emulator (a local Sentinel workspace over HTTPS).
    #[command(
        after_help = "Example:\n  sentinelctl emulator --listen 127.0.0.1:8443 --state emulator-state.json"
    )]
    Emulator(EmulatorArgs),
    /// Generate the Security Copilot plugin manifest whose KQL skills call the saved functions.
    #[command(
        after_help = "Examples:\n  sentinelctl plugin --env dev --out copilot/1password-plugin.yaml\n  sentinelctl plugin --settings --out copilot/1password-plugin.yaml   # the installer fills in the workspace"
    )]
    Plugin(PluginArgs),
    /// Run the test cases kept beside detections and skills on the built-in KQL engine (and, with
    /// --env, inside the environment's workspace).
    #[command(
        after_help = "Examples:\n  sentinelctl test\n  sentinelctl test PasswordSpray --format junit > test-results.xml\n  sentinelctl test --env local                      # both engines, side by side\n  sentinelctl test --env dev --engine workspace PasswordSpray\n  sentinelctl test --env 'customers/*' --format junit   # every workspace of a fleet\n\nWith --env each case's query is rewritten to be self-contained (its rows as datatable literals,\nthe saved functions inlined, now() at the case's run time) and runs in the workspace too; a case\nthe engines disagree on fails.\n\nExit codes: 0 every case passed (on every engine), 1 a case failed, was unsupported, could not run\nor the engines disagree, 2 usage or the workspace could not be reached. Over a fleet (a glob or a\nfleet's name) a workspace that cannot be reached is that workspace's error and the run exits 1."
    )]
    Test(TestArgs),
    /// Replay log files through the detections on Sentinel's schedule and list the alerts they would
    /// have raised.
    #[command(
        after_help = "Examples:\n  sentinelctl simulate --data OnePasswordEventLogs_CL=last-week.csv --from 2026-01-08T00:00:00Z --to 2026-01-15T00:00:00Z\n  sentinelctl simulate --data OnePasswordEventLogs_CL=events.jsonl --at 2026-01-15T12:00:00Z PasswordSpray --format json"
    )]
    Simulate(SimulateArgs),
    /// Run KQL or a saved function offline over log files.
    #[command(
        after_help = "Examples:\n  sentinelctl query 'print now()'\n  sentinelctl query 'OnePasswordFailedSignIns(7d)' --data OnePasswordEventLogs_CL=export.csv --format csv\n  sentinelctl query --env prod 'OnePasswordEventLogs_CL | summarize count() by Category' --timespan P1D"
    )]
    Query(QueryArgs),
    /// The MITRE ATT&CK techniques the detections cover: a Navigator layer and a markdown table.
    #[command(
        after_help = "Examples:\n  sentinelctl coverage --layer coverage.json\n  sentinelctl coverage --env prod --format markdown >> $GITHUB_STEP_SUMMARY"
    )]
    Coverage(CoverageArgs),
    /// Check an environment end to end: login, workspace, Sentinel, roles, tables, saved functions,
    /// data arriving and rule health, each with what to fix.
    #[command(
        after_help = "Examples:\n  sentinelctl doctor --env local\n  sentinelctl doctor --env prod --format json"
    )]
    Doctor(DoctorArgs),
    /// Table schemas and parsers from a workspace, for offline KQL checks.
    #[command(
        subcommand,
        after_help = "Examples:\n  sentinelctl schemas pull --env prod\n  sentinelctl schemas pull --env prod AzureDiagnostics SecurityAlert --functions"
    )]
    Schemas(SchemasCommand),
    /// Print the JSON Schema of a content file kind (for editors).
    #[command(
        after_help = "Example:\n  sentinelctl schema --kind detection > schemas/json/detection.schema.json"
    )]
    Schema(SchemaArgs),
    /// Explain a diagnostic code.
    #[command(after_help = "Example:\n  sentinelctl explain SC3008")]
    Explain(ExplainArgs),
    /// Print shell completions.
    #[command(
        after_help = "Example:\n  sentinelctl completions bash > /etc/bash_completion.d/sentinelctl"
    )]
    Completions(CompletionsArgs),
}

/// Output formats for diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagFormat {
    /// Grouped by file, with source lines; coloured on a terminal.
    Human,
    /// Stable JSON document (see docs/json-output.md).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
}

/// `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiagFormat::Human)]
    pub format: DiagFormat,
    /// Check only these environments (default: every file in environments/).
    #[arg(long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
    /// Skip KQL analysis.
    #[arg(long)]
    pub no_kql: bool,
    /// Also fail (SC3016) for each detection, function or workbook changed since this Git ref
    /// (branch, tag or commit, e.g. `origin/main`) without a higher `version`.
    #[arg(long, value_name = "REF")]
    pub since: Option<String>,
}

/// Flags every command that talks to ARM takes.
#[derive(Debug, Args, Clone, Default)]
pub struct ArmArgs {
    /// ARM endpoint, overriding the environment file (e.g. a running emulator).
    #[arg(long, value_name = "URL")]
    pub arm_endpoint: Option<String>,
    /// Entra authority host, overriding the environment file.
    #[arg(long, value_name = "URL")]
    pub authority_host: Option<String>,
    /// Extra CA certificate (PEM) to trust, e.g. the emulator's.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Allow plain http:// to a loopback endpoint.
    #[arg(long)]
    pub allow_http: bool,
    /// Auth method, overriding the environment file.
    #[arg(long, value_name = "METHOD")]
    pub auth: Option<String>,
    /// Allow a `cloud: custom` environment to send credentials to this host (`host` or
    /// `host:port`; repeatable; also `SENTINELCTL_ALLOW_ENDPOINTS=h1,h2`). Repository content cannot.
    #[arg(long = "allow-endpoint", value_name = "HOST")]
    pub allow_endpoints: Vec<String>,
    /// Allow an environment's `auth.clientSecretEnv` to name this variable (repeatable; also
    /// `SENTINELCTL_ALLOW_SECRET_ENV`). `ACTIONS_*`, `GITHUB_*`, `RUNNER_*`, `SYSTEM_*` never are.
    #[arg(long = "allow-secret-env", value_name = "NAME")]
    pub allow_secret_envs: Vec<String>,
    /// Client certificate PEM for `client-certificate` auth (default `AZURE_CLIENT_CERTIFICATE_PATH`).
    #[arg(long, value_name = "PEM")]
    pub client_certificate: Option<PathBuf>,
}

/// Plan output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Terraform-like, coloured on a terminal.
    Human,
    /// Stable JSON document.
    Json,
    /// Markdown for a pull-request comment (over a fleet: a section per workspace).
    Markdown,
    /// JUnit XML: a test suite per workspace, a test case per resource write.
    Junit,
}

/// Formats for command reports (apply, import, promote).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Lines for people (on stderr).
    Human,
    /// A JSON document on stdout (see docs/json-output.md).
    Json,
}

/// `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Environment name (environments/NAME.yaml) or path to an environment file; repeat, or give a
    /// glob (`customer-*`), to plan a fleet (one summary report, see docs/fleet.md).
    #[arg(long = "env", value_name = "ENV", required = true)]
    pub envs: Vec<String>,
    /// With several environments: workspaces planned at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub workspaces_at_once: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Also save the plan as JSON for `apply --plan`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Over a fleet: also write fleet-plan.md, fleet-plan.junit.xml and fleet-plan.json here.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Exit 2 when there are changes, 0 when none, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Only these content ids, names or aliases.
    #[arg(long, value_name = "ID")]
    pub target: Vec<String>,
    /// Take over unmanaged resources with the same name.
    #[arg(long)]
    pub adopt: bool,
    /// ARM connection.
    #[command(flatten)]
    pub arm: ArmArgs,
}

/// `apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Environment name or path; repeat, or give a glob (`customer-*`), to apply to a fleet (needs
    /// --auto-approve; one summary report, see docs/fleet.md).
    #[arg(long = "env", value_name = "ENV", required = true)]
    pub envs: Vec<String>,
    /// With several environments: workspaces applied at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub workspaces_at_once: usize,
    /// Apply this saved plan instead of planning now.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// Writes in flight at once.
    #[arg(long, default_value_t = 8)]
    pub parallelism: usize,
    /// Only these content ids, names or aliases.
    #[arg(long, value_name = "ID")]
    pub target: Vec<String>,
    /// Take over unmanaged resources with the same name.
    #[arg(long)]
    pub adopt: bool,
    /// Delete even when more than the environment's maxDeleteShare of owned content would go.
    #[arg(long)]
    pub force_prune: bool,
    /// Write an audit record of this apply (JSON: who, when, commit, environment, every write with
    /// its result and request ids) to FILE, for the pipeline to keep; over a fleet, one document
    /// with every workspace's record
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,
    /// Over a fleet: also write fleet-apply.md (a section per workspace), fleet-apply.junit.xml
    /// (a suite per workspace) and fleet-apply.json here.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// ARM connection.
    #[command(flatten)]
    pub arm: ArmArgs,
}

/// Drift report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DriftFormat {
    /// Text for people.
    Human,
    /// The report as JSON.
    Json,
    /// JUnit XML: one test case per managed resource.
    Junit,
    /// Markdown.
    Markdown,
}

/// `drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Environments (names, paths or globs such as `customer-*`); repeat for several.
    #[arg(long = "env", value_name = "ENV", required = true)]
    pub envs: Vec<String>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = DriftFormat::Human)]
    pub format: DriftFormat,
    /// Also write drift.json, drift.xml (JUnit) and drift.md here.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// ARM connection.
    #[command(flatten)]
    pub arm: ArmArgs,
}

/// `promote`.
#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Environment where the content was verified.
    #[arg(long, value_name = "ENV")]
    pub from: String,
    /// Environment to pin it into (writes environments/<to>.lock.yaml); a glob (`customers/*`) or
    /// a fleet's name pins every workspace of it, each in its own lock file.
    #[arg(long, value_name = "ENV")]
    pub to: String,
    /// With several target environments: workspaces planned at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub workspaces_at_once: usize,
    /// Content ids, names or aliases to promote.
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,
    /// Promote everything live in the source environment.
    #[arg(long, conflicts_with = "ids")]
    pub all: bool,
    /// Show what would be pinned and the target's plan without writing the lock file.
    #[arg(long)]
    pub dry_run: bool,
    /// Promote items even if their live state was changed outside code.
    #[arg(long)]
    pub allow_drifted: bool,
    /// ARM connection (used for both environments).
    #[command(flatten)]
    pub arm: ArmArgs,
}

/// Content kinds on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// Analytics rules.
    Detection,
    /// Saved functions.
    Function,
    /// Workbooks.
    Workbook,
    /// Watchlists (definition and items).
    Watchlist,
    /// Hunting queries.
    HuntingQuery,
    /// Automation rules.
    AutomationRule,
}

/// `import`.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // independent command-line switches, not a state machine
pub struct ImportArgs {
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Environment to read.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// Where to write (default: the repository root).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also content sentinelctl does not manage (made in the portal or by other tools).
    #[arg(long)]
    pub include_unmanaged: bool,
    /// Also content installed from Content hub.
    #[arg(long)]
    pub include_content_hub: bool,
    /// Only these kinds (repeatable).
    #[arg(long, value_enum)]
    pub kind: Vec<KindArg>,
    /// Also rewrite existing files that already describe the workspace (normalises their layout).
    /// Files of content that changed in the workspace are always updated in place.
    #[arg(long, conflicts_with = "drifted")]
    pub force: bool,
    /// Only update, in place, the files of content the repository has that changed in the
    /// workspace (drift back to Git); no new files.
    #[arg(long)]
    pub drifted: bool,
    /// ARM connection.
    #[command(flatten)]
    pub arm: ArmArgs,
}

/// Throttling mode of the emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ThrottleMode {
    /// ARM's published token buckets.
    Arm,
    /// No throttling.
    Off,
}

/// `emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on (port 0 = any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// Persist state to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Where to write the CA certificate (default: a temporary directory).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// LIST page size.
    #[arg(long, default_value_t = 100)]
    pub page_size: usize,
    /// Added latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of requests answered 500/503 (0…1).
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Share of connections dropped (0…1).
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Seed for fault injection.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Throttling.
    #[arg(long, value_enum, default_value_t = ThrottleMode::Arm)]
    pub throttle: ThrottleMode,
    /// Accept only the credentials listed in this JSON file.
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// Serve plain HTTP instead of HTTPS.
    #[arg(long)]
    pub http: bool,
    /// Workspaces to create at start (ARM resource ids).
    #[arg(long = "workspace", value_name = "ID")]
    pub workspaces: Vec<String>,
    /// Record traffic files for `oav validate-traffic` here.
    #[arg(long, value_name = "DIR")]
    pub traffic_dir: Option<PathBuf>,
    /// Give each `--workspace` the custom (`_CL`) tables of this folder's table schemas
    /// (`schemas/`), as if their data connectors were installed.
    #[arg(long, value_name = "DIR")]
    pub seed_tables: Option<PathBuf>,
    /// Accept analytics rules whose query reads a table the workspace lacks (Sentinel refuses
    /// them, and so does the emulator by default).
    #[arg(long)]
    pub no_table_check: bool,
}

/// Test report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// One line per case; failures with what did not hold and the result rows.
    Human,
    /// The report as JSON.
    Json,
    /// JUnit XML: a suite per test file.
    Junit,
}

/// Which engines `test` runs the cases on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestEngine {
    /// The built-in KQL engine only.
    Local,
    /// The environment's workspace only (needs --env).
    Workspace,
    /// Both, side by side (needs --env; the default with it).
    Both,
}

/// `test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Only tests whose file, rule id, name or function alias contains one of these.
    #[arg(value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,
    /// Also run the cases in this environment's workspace (Log Analytics query API), each query
    /// rewritten to carry its case's rows, functions and run time.
    #[arg(long, value_name = "ENV", required_if_eq_any = [("engine", "workspace"), ("engine", "both")])]
    pub env: Option<String>,
    /// Which engines judge the cases (default: both with --env, local without).
    #[arg(long, value_enum, value_name = "ENGINE")]
    pub engine: Option<TestEngine>,
    /// With a fleet (`--env 'customers/*'` or a fleet's name): workspaces tested at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub workspaces_at_once: usize,
    /// ARM connection (with --env).
    #[command(flatten)]
    pub arm: ArmArgs,
}

/// A `TABLE=FILE` pair.
fn data_file(text: &str) -> Result<(String, PathBuf), String> {
    let (table, file) = text.split_once('=').ok_or_else(|| {
        format!("`{text}` is not TABLE=FILE (e.g. OnePasswordEventLogs_CL=export.csv)")
    })?;
    if table.is_empty() || file.is_empty() {
        return Err(format!("`{text}` is not TABLE=FILE"));
    }
    Ok((table.to_string(), PathBuf::from(file)))
}

/// `simulate` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimulateFormat {
    /// Alerts per detection.
    Human,
    /// The replay as JSON.
    Json,
}

/// `simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Logs per table: `TABLE=FILE` (`.jsonl`, or `.csv` exported from the Log Analytics portal).
    #[arg(long, value_name = "TABLE=FILE", value_parser = data_file, required = true)]
    pub data: Vec<(String, PathBuf)>,
    /// Start of the replay (each rule runs on its own schedule from here).
    #[arg(long, value_name = "TIME", requires = "to", conflicts_with = "at")]
    pub from: Option<String>,
    /// End of the replay.
    #[arg(long, value_name = "TIME", requires = "from")]
    pub to: Option<String>,
    /// Run every selected detection once, at this time.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Only detections whose id or name contains one of these.
    #[arg(value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SimulateFormat::Human)]
    pub format: SimulateFormat,
}

/// `query` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryFormat {
    /// An aligned table.
    Table,
    /// `{"format_version", "columns", "rows"}`.
    Json,
    /// CSV with a header row.
    Csv,
}

/// `query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The query (or a saved function call such as `OnePasswordFailedSignIns(7d)`).
    #[arg(value_name = "KQL", required_unless_present = "file")]
    pub query: Option<String>,
    /// Read the query from this file.
    #[arg(long, value_name = "FILE", conflicts_with = "query")]
    pub file: Option<PathBuf>,
    /// Rows per table: `TABLE=FILE` (`.jsonl` or a portal `.csv`); repeatable.
    #[arg(long, value_name = "TABLE=FILE", value_parser = data_file)]
    pub data: Vec<(String, PathBuf)>,
    /// What `now()` returns (default: the current time).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
    pub format: QueryFormat,
    /// Run the query in this environment's workspace (Log Analytics query API) instead of offline.
    #[arg(long, value_name = "ENV", conflicts_with_all = ["data", "now"])]
    pub env: Option<String>,
    /// With --env: restrict `TimeGenerated` to an ISO 8601 duration or interval (`P7D`,
    /// `2024-01-01T00:00:00Z/P1D`), on top of any filter in the query.
    #[arg(long, value_name = "ISO8601", requires = "env")]
    pub timespan: Option<String>,
    /// ARM connection (with --env).
    #[command(flatten)]
    pub arm: ArmArgs,
}

/// `coverage` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CoverageFormat {
    /// Markdown table.
    Markdown,
    /// The ATT&CK Navigator layer.
    Layer,
}

/// `coverage`.
#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// Measure what is deployed and enabled in this environment (default: the repository).
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Output on stdout.
    #[arg(long, value_enum, default_value_t = CoverageFormat::Markdown)]
    pub format: CoverageFormat,
    /// Also write the Navigator layer to this file.
    #[arg(long, value_name = "FILE")]
    pub layer: Option<PathBuf>,
    /// ARM connection (with --env).
    #[command(flatten)]
    pub arm: ArmArgs,
}

/// Doctor report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DoctorFormat {
    /// One line per check, details and the fix under it.
    Human,
    /// The report as JSON.
    Json,
}

/// `doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Environment to check.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DoctorFormat::Human)]
    pub format: DoctorFormat,
    /// ARM connection.
    #[command(flatten)]
    pub arm: ArmArgs,
}

/// `schemas`.
#[derive(Debug, Subcommand)]
pub enum SchemasCommand {
    /// Write `schemas/<Table>.json` from the workspace's Tables API (and, with --functions, the
    /// workspace's own parsers to `schemas/functions/`).
    #[command(
        after_help = "Examples:\n  sentinelctl schemas pull --env prod\n  sentinelctl schemas pull --env prod SecurityAlert AzureDiagnostics --functions"
    )]
    Pull(SchemasPullArgs),
}

/// `schemas pull`.
#[derive(Debug, Args)]
pub struct SchemasPullArgs {
    /// Environment to read.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// Only these tables (default: every table of the workspace).
    #[arg(value_name = "TABLE")]
    pub tables: Vec<String>,
    /// Also the workspace's saved functions that this repository does not deploy (solution
    /// parsers), so rules calling them validate.
    #[arg(long)]
    pub functions: bool,
    /// ARM connection.
    #[command(flatten)]
    pub arm: ArmArgs,
}

/// `plugin`.
#[derive(Debug, Args)]
pub struct PluginArgs {
    /// Environment whose tenant, subscription, resource group and workspace the skills target.
    #[arg(long, value_name = "ENV", required_unless_present = "settings")]
    pub env: Option<String>,
    /// One manifest for any workspace: `Descriptor.Settings` asks the installer for tenant,
    /// subscription, resource group and workspace, and every skill uses them.
    #[arg(long, conflicts_with = "env")]
    pub settings: bool,
    /// Write the manifest here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Content file kinds with a JSON Schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// detections/*.yaml
    Detection,
    /// functions/*.yaml
    Function,
    /// workbooks/*.yaml
    Workbook,
    /// watchlists/*.yaml
    Watchlist,
    /// hunting/*.yaml
    HuntingQuery,
    /// automation/*.yaml
    AutomationRule,
    /// environments/*.yaml
    Environment,
    /// environments/*.fleet.yaml
    Fleet,
    /// detections/*.tests.yaml and functions/*.tests.yaml
    Test,
}

/// `schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which kind.
    #[arg(long, value_enum)]
    pub kind: SchemaKind,
}

/// `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A code such as SC3008, or its name.
    pub code: String,
}

/// `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell.
    pub shell: clap_complete::Shell,
}
