//! The content tree: walks `detections/`, `functions/`, `workbooks/`, `watchlists/`, `hunting/`,
//! `automation/`, `environments/` and `schemas/` under the repository root and loads every file,
//! collecting diagnostics.
//!
//! File overview (which function loads what):
//! - `detections/*.yaml|yml` → [`Repository::rules`] (`YamlRule` + [`AnalyticsRule`])
//! - `functions/*.yaml|yml` → [`Repository::functions`] (`YamlFunction` + [`SavedFunction`])
//! - `workbooks/<stem>.yaml` + `<stem>.json` → [`Repository::workbooks`]
//! - `watchlists/<stem>.yaml` + `<stem>.csv` → [`Repository::watchlists`] (`super::watchlist`)
//! - `hunting/*.yaml|yml` → [`Repository::hunting`] (`YamlHuntingQuery` + [`HuntingQuery`])
//! - `automation/*.yaml|yml` → [`Repository::automation`] (`YamlAutomationRule` +
//!   [`AutomationRule`])
//! - `environments/<name>.yaml` (also in folders: `customers/contoso`) and the workspaces of
//!   `environments/<fleet>.fleet.yaml` (`super::fleet`) → loaded on demand by
//!   [`Repository::environment`] (with the CSV files its watchlist overrides name,
//!   [`Repository::override_csvs`])
//! - `schemas/<Table>.json` → [`Repository::tables`]
//!
//! A bad file never stops the walk: it becomes diagnostics and is left out of the model.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::file::{Loaded, load_yaml_file, parse_yaml_file, read_source};
use super::fleet::{self, FleetFile};
pub use super::watchlist::WatchlistFile;
use crate::diag::codes;
use crate::diag::{Diagnostic, FileId, SourceDb};
use crate::model::{AnalyticsRule, AutomationRule, Environment, HuntingQuery, SavedFunction};
use crate::schema::csv::CsvTable;
use crate::schema::{
    YamlAutomationRule, YamlEnvironment, YamlFunction, YamlHuntingQuery, YamlRule, YamlWorkbook,
};

/// A detection file and what it means (when it could be interpreted).
#[derive(Debug, Clone)]
pub struct RuleFile {
    /// The parsed file.
    pub loaded: Loaded<YamlRule>,
    /// The model, `None` when the file has problems that stop interpretation.
    pub rule: Option<AnalyticsRule>,
}

/// A function file and its model.
#[derive(Debug, Clone)]
pub struct FunctionFile {
    /// The parsed file.
    pub loaded: Loaded<YamlFunction>,
    /// The model.
    pub function: SavedFunction,
}

/// A workbook: metadata file plus JSON.
#[derive(Debug, Clone)]
pub struct WorkbookFile {
    /// The metadata file.
    pub loaded: Loaded<YamlWorkbook>,
    /// The JSON file.
    pub json_file: FileId,
    /// The workbook JSON.
    pub data: Value,
}

/// A hunting query file and its model.
#[derive(Debug, Clone)]
pub struct HuntingFile {
    /// The parsed file.
    pub loaded: Loaded<YamlHuntingQuery>,
    /// The model.
    pub query: HuntingQuery,
}

/// An automation rule file and its model (rule references as written).
#[derive(Debug, Clone)]
pub struct AutomationFile {
    /// The parsed file.
    pub loaded: Loaded<YamlAutomationRule>,
    /// The model.
    pub rule: AutomationRule,
}

/// A table schema from `schemas/`.
#[derive(Debug, Clone)]
pub struct TableSchema {
    /// Table name.
    pub name: String,
    /// (column, type) pairs; type as written (`String`, `DateTime`, ...).
    pub columns: Vec<(String, String)>,
}

/// A saved function the workspace has but the repository does not deploy (a solution's parser),
/// pulled into `schemas/functions/<alias>.json` by `sentinelctl schemas pull`: known to validation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WorkspaceFunction {
    /// The alias KQL calls it by.
    pub name: String,
    /// Parameter list as Log Analytics stores it (`lookback:timespan = 1d, user:string = ''`).
    #[serde(default)]
    pub parameters: String,
    /// The body.
    pub query: String,
}

/// Everything read from a repository.
#[derive(Debug, Default)]
pub struct Repository {
    /// Root directory.
    pub root: PathBuf,
    /// Every file read.
    pub sources: SourceDb,
    /// Detections.
    pub rules: Vec<RuleFile>,
    /// Functions.
    pub functions: Vec<FunctionFile>,
    /// Workbooks.
    pub workbooks: Vec<WorkbookFile>,
    /// Watchlists.
    pub watchlists: Vec<WatchlistFile>,
    /// Hunting queries.
    pub hunting: Vec<HuntingFile>,
    /// Automation rules.
    pub automation: Vec<AutomationFile>,
    /// CSV files named by environment watchlist overrides, by repository-relative path (read once).
    pub override_csvs: BTreeMap<String, Option<CsvTable>>,
    /// Table schemas.
    pub tables: Vec<TableSchema>,
    /// Saved functions of a workspace (`schemas/functions/`), known to validation, never deployed.
    pub workspace_functions: Vec<WorkspaceFunction>,
    /// Problems found while loading.
    pub diagnostics: Vec<Diagnostic>,
    /// Environments read so far, by file (`<fleet file>#<name>` for a fleet's workspace), each
    /// read and reported once.
    pub environments: BTreeMap<PathBuf, Option<(Loaded<YamlEnvironment>, Environment)>>,
    /// Fleet files read so far.
    pub fleets: BTreeMap<PathBuf, Option<FleetFile>>,
    /// For each fleet workspace, the diagnostics its loading and checks produced: a problem in a
    /// fleet's `defaults` may come from one workspace's entry merged over it, and fails only the
    /// workspaces it was found for.
    pub environment_diagnostics: BTreeMap<String, Vec<DiagnosticKey>>,
}

/// What identifies a diagnostic: (file, range, code, message).
pub type DiagnosticKey = (FileId, Option<std::ops::Range<usize>>, &'static str, String);

fn diagnostic_key(d: &Diagnostic) -> DiagnosticKey {
    (d.file, d.range.clone(), d.code, d.message.clone())
}

/// Where an environment is defined ([`Repository::environment_source`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvSource {
    /// Its own YAML file.
    File(PathBuf),
    /// Workspace `member` of the fleet file `fleet`.
    Member {
        /// The fleet file.
        fleet: PathBuf,
        /// The workspace's name in it.
        member: String,
    },
}

/// The cache key of a fleet's workspace.
fn member_key(fleet: &Path, member: &str) -> PathBuf {
    let mut key = fleet.as_os_str().to_owned();
    key.push("#");
    key.push(member);
    PathBuf::from(key)
}

/// Deepest folder nesting read under `environments/`.
const MAX_ENVIRONMENT_DEPTH: usize = 4;

/// Environment names under `dir` (named with `prefix`): YAML files, folders (without following
/// links), and the workspaces of fleet files.
fn collect_environment_names(dir: &Path, prefix: &str, depth: usize, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            if depth + 1 < MAX_ENVIRONMENT_DEPTH && !file_name.starts_with('.') {
                collect_environment_names(&path, &format!("{prefix}{file_name}/"), depth + 1, out);
            }
        } else if let Some(fleet) = file_name.strip_suffix(fleet::FLEET_SUFFIX) {
            // a fleet named other than plainly is not one (its names would not resolve)
            if fleet::is_member_name(fleet) {
                out.extend(
                    fleet::member_names(&path)
                        .into_iter()
                        .map(|m| format!("{prefix}{fleet}/{m}")),
                );
            }
        } else if is_yaml(&path)
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            out.push(format!("{prefix}{stem}"));
        }
    }
}

/// Entries directly in `dir` (not recursive), sorted; empty when the folder does not exist.
/// Regular files, and anything else whose name looks like a content file (`*.yaml`, `*.yml`,
/// `*.json`): a symbolic link or a folder named `x.yaml` is then reported by the loader instead of
/// being followed or skipped. Plain subfolders are not content and are left out.
pub fn list_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    if std::fs::symlink_metadata(dir).map_or(true, |m| !m.is_dir()) {
        return Ok(Vec::new());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| {
            let regular = e.file_type().is_ok_and(|t| t.is_file());
            regular || matches!(extension(&e.path()), "yaml" | "yml" | "json")
        })
        .map(|e| e.path())
        .collect();
    files.sort();
    Ok(files)
}

pub(super) fn extension(path: &Path) -> &str {
    path.extension().and_then(|e| e.to_str()).unwrap_or("")
}

pub(super) fn is_yaml(path: &Path) -> bool {
    let name = path.to_string_lossy();
    matches!(extension(path), "yaml" | "yml")
        && !name.ends_with(".lock.yaml")
        && !is_test_file(path)
}

/// The test files of a repository: `*.tests.yaml` in `detections/`, `functions/` and `hunting/`.
pub fn test_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for folder in ["detections", "functions", "hunting"] {
        for p in list_files(&root.join(folder)).unwrap_or_default() {
            if is_test_file(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// The content file a test file sits beside (`x.tests.yaml` → `x.yaml`).
pub fn tested_file(test: &Path) -> PathBuf {
    let name = test
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".tests.yaml")
        .or_else(|| name.strip_suffix(".tests.yml"))
        .unwrap_or(&name);
    test.with_file_name(format!("{stem}.yaml"))
}

/// A test file (`<content>.tests.yaml`), which lives beside content but is not content.
pub fn is_test_file(path: &Path) -> bool {
    let name = path.to_string_lossy();
    name.ends_with(".tests.yaml") || name.ends_with(".tests.yml")
}

impl Repository {
    /// Loads the content tree under `root`. Fails only when the root itself cannot be read.
    pub fn load(root: &Path) -> std::io::Result<Self> {
        if !root.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("`{}` is not a directory", root.display()),
            ));
        }
        let mut repo = Self {
            root: root.to_path_buf(),
            ..Self::default()
        };
        for path in list_files(&root.join("detections"))? {
            repo.load_rule(&path);
        }
        for path in list_files(&root.join("functions"))? {
            repo.load_function(&path);
        }
        for path in list_files(&root.join("workbooks"))?
            .iter()
            .filter(|p| is_yaml(p))
        {
            repo.load_workbook(path);
        }
        for path in list_files(&root.join("watchlists"))?
            .iter()
            .filter(|p| is_yaml(p))
        {
            repo.load_watchlist(path);
        }
        for path in list_files(&root.join("hunting"))? {
            repo.load_hunting(&path);
        }
        for path in list_files(&root.join("automation"))? {
            repo.load_automation(&path);
        }
        repo.load_tables(&root.join("schemas"))?;
        repo.load_workspace_functions(&root.join("schemas/functions"))?;
        Ok(repo)
    }

    /// The path as shown to users: relative to the root when possible.
    pub fn shown(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.root)
            .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
    }

    fn load_rule(&mut self, path: &Path) {
        if is_test_file(path) {
            return; // tests beside the rule, run by `sentinelctl test`
        }
        let shown = self.shown(path);
        if extension(path) == "json" && self.reject_arm_export(path, &shown) {
            return;
        }
        if !is_yaml(path) {
            let file = self.sources.add(&shown, String::new());
            self.diagnostics.push(
                Diagnostic::warning(codes::NOT_A_RULE, file, "not a YAML file; ignored")
                    .help("detections are `*.yaml` files in the Azure-Sentinel format"),
            );
            return;
        }
        if let Some(file) = read_source(&mut self.sources, path, &shown, &mut self.diagnostics) {
            self.parse_rule(file);
        }
    }

    /// Parses a rule file already in the source database.
    pub fn parse_rule(&mut self, file: FileId) {
        if let Some(loaded) =
            parse_yaml_file::<YamlRule>(&self.sources, file, &mut self.diagnostics)
        {
            let rule = self.interpret_rule(&loaded);
            self.rules.push(RuleFile { loaded, rule });
        }
    }

    /// A portal export (ARM template) among the detections is an error, not a warning: the user
    /// meant to deploy it, and it would silently not be. Other `.json` files stay warnings.
    fn reject_arm_export(&mut self, path: &Path, shown: &Path) -> bool {
        let Ok(text) = super::file::read_regular(path) else {
            return false;
        };
        let is_template = serde_json::from_str::<Value>(&text)
            .is_ok_and(|v| v.get("$schema").is_some() && v.get("resources").is_some());
        if is_template {
            let file = self.sources.add(shown, text);
            // reports the template as SC1009, located at its `resources` key
            let _ = parse_yaml_file::<YamlRule>(&self.sources, file, &mut self.diagnostics);
        }
        is_template
    }

    fn interpret_rule(&mut self, loaded: &Loaded<YamlRule>) -> Option<AnalyticsRule> {
        match AnalyticsRule::from_yaml(&loaded.raw) {
            Ok(rule) => Some(rule),
            Err(problems) => {
                for p in problems {
                    let path: Vec<&str> = p.path.iter().map(String::as_str).collect();
                    let check = p.check;
                    let span = if path.is_empty() {
                        0..0
                    } else {
                        loaded.span(&path)
                    };
                    self.diagnostics.push(
                        Diagnostic::error(check, loaded.file, p.message)
                            .at(span)
                            .help_opt(p.help),
                    );
                }
                None
            }
        }
    }

    fn load_function(&mut self, path: &Path) {
        let shown = self.shown(path);
        if !is_yaml(path) {
            return;
        }
        if let Some(file) = read_source(&mut self.sources, path, &shown, &mut self.diagnostics) {
            self.parse_function(file);
        }
    }

    /// Parses a function file already in the source database.
    pub fn parse_function(&mut self, file: FileId) {
        if let Some(loaded) =
            parse_yaml_file::<YamlFunction>(&self.sources, file, &mut self.diagnostics)
        {
            let function = SavedFunction::from_yaml(&loaded.raw);
            self.functions.push(FunctionFile { loaded, function });
        }
    }

    fn load_hunting(&mut self, path: &Path) {
        if !is_yaml(path) {
            return;
        }
        let shown = self.shown(path);
        if let Some(file) = read_source(&mut self.sources, path, &shown, &mut self.diagnostics) {
            self.parse_hunting(file);
        }
    }

    /// Parses a hunting-query file already in the source database.
    pub fn parse_hunting(&mut self, file: FileId) {
        if let Some(loaded) =
            parse_yaml_file::<YamlHuntingQuery>(&self.sources, file, &mut self.diagnostics)
        {
            let query = HuntingQuery::from_yaml(&loaded.raw);
            self.hunting.push(HuntingFile { loaded, query });
        }
    }

    fn load_automation(&mut self, path: &Path) {
        if !is_yaml(path) {
            return;
        }
        let shown = self.shown(path);
        if let Some(file) = read_source(&mut self.sources, path, &shown, &mut self.diagnostics) {
            self.parse_automation(file);
        }
    }

    /// Parses an automation-rule file already in the source database.
    pub fn parse_automation(&mut self, file: FileId) {
        if let Some(loaded) =
            parse_yaml_file::<YamlAutomationRule>(&self.sources, file, &mut self.diagnostics)
        {
            let rule = AutomationRule::from_yaml(&loaded.raw);
            self.automation.push(AutomationFile { loaded, rule });
        }
    }

    fn load_workbook(&mut self, path: &Path) {
        let shown = self.shown(path);
        let Some(file) = read_source(&mut self.sources, path, &shown, &mut self.diagnostics) else {
            return;
        };
        let json_path = path.with_extension("json");
        let json_shown = self.shown(&json_path);
        let json_file = if super::file::entry_kind(&json_path).is_some() {
            match read_source(
                &mut self.sources,
                &json_path,
                &json_shown,
                &mut self.diagnostics,
            ) {
                Some(f) => Some(f),
                None => return,
            }
        } else {
            None
        };
        self.parse_workbook(file, json_file, &json_shown);
    }

    /// Parses a workbook (metadata file and JSON file) already in the source database.
    pub fn parse_workbook(&mut self, file: FileId, json_file: Option<FileId>, json_shown: &Path) {
        let Some(loaded) =
            parse_yaml_file::<YamlWorkbook>(&self.sources, file, &mut self.diagnostics)
        else {
            return;
        };
        let Some(json_file) = json_file else {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::WORKBOOK,
                    loaded.file,
                    format!("the workbook JSON `{}` is missing", json_shown.display()),
                )
                .help("save the workbook JSON from the portal's advanced editor next to this file"),
            );
            return;
        };
        match serde_json::from_str::<Value>(&self.sources.get(json_file).text) {
            Ok(data) if data.get("items").is_some_and(Value::is_array) => {
                self.workbooks.push(WorkbookFile {
                    loaded,
                    json_file,
                    data,
                });
            }
            Ok(_) => self.diagnostics.push(
                Diagnostic::error(
                    codes::WORKBOOK,
                    json_file,
                    "not a workbook: expected a JSON object with `version` and `items`",
                )
                .help("export the JSON from the portal's advanced editor (gallery template view)"),
            ),
            Err(e) => {
                let text = &self.sources.get(json_file).text;
                let offset =
                    self.sources.get(json_file).line_start(e.line()) + e.column().saturating_sub(1);
                let offset = offset.min(text.len());
                self.diagnostics.push(
                    Diagnostic::error(codes::WORKBOOK, json_file, format!("invalid JSON: {e}"))
                        .at(offset..offset),
                );
            }
        }
    }

    /// Loads the workspace functions (`*.json`) of `dir`.
    pub fn load_workspace_functions(&mut self, dir: &Path) -> std::io::Result<()> {
        for path in list_files(dir)?.iter().filter(|p| extension(p) == "json") {
            let shown = self.shown(path);
            let Some(file) = read_source(&mut self.sources, path, &shown, &mut self.diagnostics)
            else {
                continue;
            };
            match serde_json::from_str::<WorkspaceFunction>(&self.sources.get(file).text) {
                Ok(f) => self.workspace_functions.push(f),
                Err(e) => self.diagnostics.push(
                    Diagnostic::error(codes::INVALID_VALUE, file, format!("not a workspace function: {e}"))
                        .help(r#"expected {"Name": "Alias", "Parameters": "", "Query": "…"} (written by `sentinelctl schemas pull`)"#),
                ),
            }
        }
        Ok(())
    }

    /// Loads the table schemas (`*.json`) of `dir`.
    pub fn load_tables(&mut self, dir: &Path) -> std::io::Result<()> {
        for path in list_files(dir)?.iter().filter(|p| extension(p) == "json") {
            self.load_table(path);
        }
        Ok(())
    }

    fn load_table(&mut self, path: &Path) {
        let shown = self.shown(path);
        let Some(file) = read_source(&mut self.sources, path, &shown, &mut self.diagnostics) else {
            return;
        };
        let parsed: Result<Value, _> = serde_json::from_str(&self.sources.get(file).text);
        let table = parsed.ok().and_then(|v| {
            let name = v.get("Name")?.as_str()?.to_string();
            let columns = v
                .get("Properties")?
                .as_array()?
                .iter()
                .filter_map(|c| {
                    Some((
                        c.get("Name")?.as_str()?.to_string(),
                        c.get("Type")?.as_str()?.to_string(),
                    ))
                })
                .collect();
            Some(TableSchema { name, columns })
        });
        match table {
            Some(t) => self.tables.push(t),
            None => self.diagnostics.push(
                Diagnostic::error(codes::INVALID_VALUE, file, "not a table schema").help(r#"expected {"Name": "Table", "Properties": [{"Name": "Col", "Type": "String"}]}"#),
            ),
        }
    }

    /// Where `--env` is defined: a path to a YAML file, `environments/<name>.yaml` (a name may
    /// have folders: `customers/contoso`), or an entry of a fleet file
    /// (`environments/customers.fleet.yaml`, entry `contoso`). A name that is none of these
    /// resolves to the file it would be (which does not exist).
    pub fn environment_source(&self, env: &str) -> EnvSource {
        let as_path = Path::new(env);
        let absolute = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                self.root.join(p)
            }
        };
        if is_yaml(as_path) {
            return EnvSource::File(absolute(as_path));
        }
        let dir = self.root.join("environments");
        let file = dir.join(format!("{env}.yaml"));
        if file.is_file() {
            return EnvSource::File(file);
        }
        if let Some((fleet, member)) = fleet::fleet_path_of(&dir, env)
            && fleet.is_file()
        {
            return EnvSource::Member { fleet, member };
        }
        if env.contains('/') && absolute(as_path).is_file() {
            return EnvSource::File(absolute(as_path));
        }
        EnvSource::File(file)
    }

    /// Whether `--env` names an environment that exists.
    pub fn environment_exists(&self, env: &str) -> bool {
        match self.environment_source(env) {
            EnvSource::File(path) => path.is_file(),
            EnvSource::Member { fleet, member } => fleet::member_names(&fleet).contains(&member),
        }
    }

    /// The file `--env` is defined in (a fleet file for a fleet's workspace).
    pub fn environment_path(&self, env: &str) -> PathBuf {
        match self.environment_source(env) {
            EnvSource::File(path) => path,
            EnvSource::Member { fleet, .. } => fleet,
        }
    }

    /// The lock file `promote` writes for `--env`: `<env file stem>.lock.yaml` beside its file,
    /// and for a fleet's workspace `environments/<fleet>/<name>.lock.yaml`.
    pub fn environment_lock_path(&self, env: &str) -> PathBuf {
        match self.environment_source(env) {
            EnvSource::File(path) => super::pinned::lock_path(&path),
            EnvSource::Member { fleet, member } => {
                let name = fleet.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let dir = name.strip_suffix(fleet::FLEET_SUFFIX).unwrap_or(name);
                fleet
                    .with_file_name(dir)
                    .join(format!("{member}.lock.yaml"))
            }
        }
    }

    /// Loads an environment (once: later calls return the same result without reading or
    /// reporting again); diagnostics go to the repository's list.
    pub fn environment(&mut self, env: &str) -> Option<(Loaded<YamlEnvironment>, Environment)> {
        let source = self.environment_source(env);
        let key = match &source {
            EnvSource::File(path) => path.clone(),
            EnvSource::Member { fleet, member } => member_key(fleet, member),
        };
        if let Some(cached) = self.environments.get(&key) {
            return cached.clone();
        }
        let result = match source {
            EnvSource::File(path) => self.environment_file(env, &path),
            EnvSource::Member { fleet, member } => {
                let before = self.diagnostics.len();
                let r = self.fleet_member(env, &fleet, &member);
                // what was reported directly while loading it (override CSVs) is its own too
                let direct: Vec<DiagnosticKey> = self.diagnostics[before..]
                    .iter()
                    .map(diagnostic_key)
                    .collect();
                self.environment_diagnostics
                    .entry(env.to_string())
                    .or_default()
                    .extend(direct);
                r
            }
        };
        self.environments.insert(key, result.clone());
        result
    }

    /// Adds diagnostics found for environment `env` (once each: a problem in a fleet's shared
    /// `defaults` is reported once however many workspaces it is found for).
    pub fn push_environment_diagnostics(&mut self, env: &str, diags: Vec<Diagnostic>) {
        let keys: Vec<DiagnosticKey> = diags.iter().map(diagnostic_key).collect();
        self.environment_diagnostics
            .entry(env.to_string())
            .or_default()
            .extend(keys);
        self.push_new_diagnostics(diags);
    }

    /// The environment name of a file: its path under `environments/` without `.yaml`
    /// (`customers/contoso`), or the file's stem when it is elsewhere.
    fn environment_name(&self, env: &str, path: &Path) -> String {
        let dir = self.root.join("environments");
        path.strip_prefix(&dir)
            .ok()
            .and_then(|rel| rel.to_str())
            .and_then(|rel| {
                rel.strip_suffix(".yaml")
                    .or_else(|| rel.strip_suffix(".yml"))
            })
            .map(|rel| rel.replace(std::path::MAIN_SEPARATOR, "/"))
            .or_else(|| {
                path.file_stem()
                    .and_then(|s| s.to_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| env.to_string())
    }

    fn environment_file(
        &mut self,
        env: &str,
        path: &Path,
    ) -> Option<(Loaded<YamlEnvironment>, Environment)> {
        let shown = self.shown(path);
        let name = self.environment_name(env, path);
        let loaded = load_yaml_file::<YamlEnvironment>(
            &mut self.sources,
            path,
            &shown,
            &mut self.diagnostics,
        )?;
        let envs = self.root.join("environments");
        if let Some((fleet, member)) = fleet::fleet_path_of(&envs, &name)
            && fleet::member_names(&fleet).contains(&member)
        {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::FLEET_FILE,
                    loaded.file,
                    format!(
                        "environment `{name}` is defined twice: by this file and by workspace `{member}` of `{}`",
                        self.shown(&fleet).display()
                    ),
                )
                .at(0..0)
                .help("keep one of the two"),
            );
        }
        self.finish_environment(env, &name, loaded)
    }

    fn fleet_member(
        &mut self,
        env: &str,
        fleet_path: &Path,
        member: &str,
    ) -> Option<(Loaded<YamlEnvironment>, Environment)> {
        let fleet = self.fleet(fleet_path)?;
        let entry = fleet.member(member)?;
        let doc = fleet.environment_doc(entry);
        let name = format!(
            "{}/{member}",
            self.environment_name("", fleet_path)
                .strip_suffix(".fleet")
                .unwrap_or_default()
        );
        // `defaults` is read once per workspace: report each of its problems once
        let mut diags = Vec::new();
        let loaded = super::file::deserialize_doc::<YamlEnvironment>(fleet.file, doc, &mut diags);
        self.push_environment_diagnostics(env, diags);
        self.finish_environment(env, &name, loaded?)
    }

    /// A fleet file, read and parsed once.
    pub fn fleet(&mut self, path: &Path) -> Option<FleetFile> {
        if let Some(cached) = self.fleets.get(path) {
            return cached.clone();
        }
        let shown = self.shown(path);
        let parsed = read_source(&mut self.sources, path, &shown, &mut self.diagnostics)
            .and_then(|file| fleet::parse_fleet(&self.sources, file, &mut self.diagnostics));
        self.fleets.insert(path.to_path_buf(), parsed.clone());
        parsed
    }

    fn push_new_diagnostics(&mut self, diags: Vec<Diagnostic>) {
        for d in diags {
            let seen = self.diagnostics.iter().any(|e| {
                e.file == d.file && e.range == d.range && e.code == d.code && e.message == d.message
            });
            if !seen {
                self.diagnostics.push(d);
            }
        }
    }

    fn finish_environment(
        &mut self,
        env: &str,
        name: &str,
        loaded: Loaded<YamlEnvironment>,
    ) -> Option<(Loaded<YamlEnvironment>, Environment)> {
        match Environment::from_yaml(name, &loaded.raw) {
            Ok(model) => {
                self.load_override_csvs(&loaded, &model);
                Some((loaded, model))
            }
            Err(problems) => {
                let diags = problems
                    .into_iter()
                    .map(|p| {
                        let at: Vec<&str> = p.path.iter().map(String::as_str).collect();
                        Diagnostic::error(p.check, loaded.file, p.message)
                            .at(loaded.span(&at))
                            .help_opt(p.help)
                    })
                    .collect();
                self.push_environment_diagnostics(env, diags);
                None
            }
        }
    }

    /// Whether diagnostic `d` is about environment `env`: any diagnostic of its own file; for a
    /// fleet's workspace, those inside its entry, those found for it (also in `defaults`), and
    /// those of the fleet file's own shape.
    pub fn diagnostic_concerns_environment(&self, env: &str, d: &Diagnostic) -> bool {
        match self.environment_source(env) {
            EnvSource::File(path) => self.sources.find(&self.shown(&path)) == Some(d.file),
            EnvSource::Member { fleet, member } => {
                let Some(f) = self.fleets.get(&fleet).and_then(Option::as_ref) else {
                    return self.sources.find(&self.shown(&fleet)) == Some(d.file);
                };
                if f.file != d.file {
                    return false;
                }
                if let Some(owner) = f.member_at(d.range.as_ref()) {
                    return owner == member;
                }
                let key = diagnostic_key(d);
                let found_for = |e: &String| {
                    self.environment_diagnostics
                        .get(e)
                        .is_some_and(|keys| keys.contains(&key))
                };
                if self.environment_diagnostics.keys().any(found_for) {
                    found_for(&env.to_string())
                } else {
                    true
                }
            }
        }
    }

    /// The files environments were read from so far (environment files and fleet files).
    pub fn environment_files(&self) -> Vec<FileId> {
        self.environments
            .keys()
            .chain(self.fleets.keys())
            .filter_map(|path| self.sources.find(&self.shown(path)))
            .collect()
    }

    /// Every environment name: files under `environments/` (folders give `customers/contoso`)
    /// and the workspaces of fleet files (`customers.fleet.yaml` gives `customers/<name>`).
    pub fn environment_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        collect_environment_names(&self.root.join("environments"), "", 0, &mut names);
        names.sort();
        names.dedup();
        names
    }

    /// Whether `env` names a fleet file as a whole (`customers` for `customers.fleet.yaml`, when
    /// no environment of that name exists).
    pub fn is_fleet_name(&self, env: &str) -> bool {
        !self.environment_exists(env) && self.fleet_file_of(env).is_file()
    }

    /// The fleet file `env` would name as a whole.
    fn fleet_file_of(&self, env: &str) -> PathBuf {
        self.root
            .join("environments")
            .join(format!("{env}{}", fleet::FLEET_SUFFIX))
    }

    /// The environments of the fleet file named `env` as a whole, in file order.
    pub fn fleet_members(&self, env: &str) -> Vec<String> {
        fleet::member_names(&self.fleet_file_of(env))
            .into_iter()
            .map(|m| format!("{env}/{m}"))
            .collect()
    }

    /// Parses text as a rule file (used by tests and the fuzz target).
    pub fn parse_rule_text(
        sources: &mut SourceDb,
        name: &str,
        text: String,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Loaded<YamlRule>> {
        let file = sources.add(name, text);
        parse_yaml_file(sources, file, diags)
    }

    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == crate::diag::Severity::Error)
    }
}
