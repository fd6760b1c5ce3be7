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
//! - `environments/<name>.yaml` → loaded on demand by [`Repository::environment`] (with the CSV
//!   files its watchlist overrides name, [`Repository::override_csvs`])
//! - `schemas/<Table>.json` → [`Repository::tables`]
//!
//! A bad file never stops the walk: it becomes diagnostics and is left out of the model.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::file::{Loaded, load_yaml_file, parse_yaml_file, read_source};
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
    /// Environment files read so far, by path (each is read and reported once).
    pub environments: BTreeMap<PathBuf, Option<(Loaded<YamlEnvironment>, Environment)>>,
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

    /// Resolves `--env`: a name in `environments/` or a path to a YAML file.
    pub fn environment_path(&self, env: &str) -> PathBuf {
        let as_path = Path::new(env);
        if is_yaml(as_path) || env.contains('/') {
            if as_path.is_absolute() {
                as_path.to_path_buf()
            } else {
                self.root.join(as_path)
            }
        } else {
            self.root.join("environments").join(format!("{env}.yaml"))
        }
    }

    /// Loads an environment (once: later calls return the same result without reading or
    /// reporting again); diagnostics go to the repository's list.
    pub fn environment(&mut self, env: &str) -> Option<(Loaded<YamlEnvironment>, Environment)> {
        let path = self.environment_path(env);
        if let Some(cached) = self.environments.get(&path) {
            return cached.clone();
        }
        let shown = self.shown(&path);
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or(env)
            .to_string();
        let result = load_yaml_file::<YamlEnvironment>(
            &mut self.sources,
            &path,
            &shown,
            &mut self.diagnostics,
        )
        .and_then(|loaded| match Environment::from_yaml(&name, &loaded.raw) {
            Ok(model) => {
                self.load_override_csvs(&loaded, &model);
                Some((loaded, model))
            }
            Err(problems) => {
                for p in problems {
                    let at: Vec<&str> = p.path.iter().map(String::as_str).collect();
                    self.diagnostics.push(
                        Diagnostic::error(p.check, loaded.file, p.message)
                            .at(loaded.span(&at))
                            .help_opt(p.help),
                    );
                }
                None
            }
        });
        self.environments.insert(path, result.clone());
        result
    }

    /// All environment names in `environments/`.
    pub fn environment_names(&self) -> Vec<String> {
        list_files(&self.root.join("environments"))
            .unwrap_or_default()
            .iter()
            .filter(|p| is_yaml(p))
            .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_string))
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
