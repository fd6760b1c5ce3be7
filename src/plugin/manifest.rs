//! Builds the manifest tree: `Descriptor` and one `SkillGroups` entry of `Format: KQL`, and
//! checks the limits documented for Security Copilot plugins (see `docs/copilot-plugin.md`).
//!
//! Problems are collected over every skill before returning, so one run lists them all.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::template::{self, Argument, TemplateError};
use super::yaml_out::{self, Yaml};
use super::{PluginError, Problem};
use crate::load::{FunctionFile, Repository};
use crate::model::Environment;
use crate::model::environment::Endpoint;
use crate::schema::{YamlSkill, YamlSkillInput};

/// Documented size limits of the manifest format.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `Name` (plugin and skill), characters.
    pub name: usize,
    /// Plugin `DisplayName`, characters.
    pub display_name: usize,
    /// `Description` and `DescriptionForModel`, characters.
    pub description: usize,
    /// `Template`, characters.
    pub template: usize,
}

/// The limits in force (Microsoft Learn, "Create a plugin" / KQL plugin pages).
pub const LIMITS: Limits = Limits {
    name: 100,
    display_name: 40,
    description: 16_000,
    template: 80_000,
};

/// Characters a `Name` must not contain.
const NAME_FORBIDDEN: &[char] = &['/', '\\', '?', '#', '@'];

/// Where the skills' workspace comes from.
#[derive(Debug, Clone, Copy)]
pub enum Binding<'e> {
    /// An environment's values, written into every skill.
    Environment(&'e Environment),
    /// `Descriptor.Settings`: the installer types tenant, subscription, resource group and
    /// workspace when adding the plugin, and every skill references them (`{{TenantId}}`), as in
    /// the community 1Password manifest.
    Settings,
}

/// The four workspace settings: (setting name, label, description, hint).
const SETTINGS: [(&str, &str, &str, &str); 4] = [
    (
        "TenantId",
        "Tenant ID",
        "The Entra tenant of the Microsoft Sentinel workspace.",
        "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
    ),
    (
        "SubscriptionId",
        "Subscription ID",
        "The Azure subscription of the Microsoft Sentinel workspace.",
        "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
    ),
    (
        "ResourceGroupName",
        "Resource group",
        "The resource group of the Microsoft Sentinel workspace.",
        "rg-sentinel",
    ),
    (
        "WorkspaceName",
        "Workspace name",
        "The Log Analytics workspace Microsoft Sentinel runs on.",
        "law-sentinel",
    ),
];

impl Binding<'_> {
    /// The skills' `Settings` values: literals, or references to the descriptor's settings.
    fn values(self) -> Vec<(&'static str, Yaml)> {
        match self {
            Self::Environment(env) => vec![
                ("TenantId", Yaml::str(&env.tenant_id)),
                ("SubscriptionId", Yaml::str(&env.subscription_id)),
                ("ResourceGroupName", Yaml::str(&env.resource_group)),
                ("WorkspaceName", Yaml::str(&env.workspace)),
            ],
            Self::Settings => SETTINGS
                .iter()
                .map(|(name, ..)| (*name, Yaml::str(format!("{{{{{name}}}}}"))))
                .collect(),
        }
    }
}

/// Builds the manifest for `env`: every function with a `skill:` block becomes a KQL skill.
pub fn manifest(repo: &Repository, env: &Environment) -> Result<String, PluginError> {
    build(repo, Binding::Environment(env))
}

/// Builds one manifest for any workspace: `Descriptor.Settings` declares the four values the
/// installer fills in, and every skill references them.
pub fn manifest_with_settings(repo: &Repository) -> Result<String, PluginError> {
    build(repo, Binding::Settings)
}

fn build(repo: &Repository, binding: Binding<'_>) -> Result<String, PluginError> {
    let with_skill: Vec<(&FunctionFile, &YamlSkill)> = repo
        .functions
        .iter()
        .filter_map(|f| f.loaded.raw.skill.as_ref().map(|s| (f, s)))
        .collect();
    if with_skill.is_empty() {
        return Err(PluginError::NoSkills);
    }
    let catalog = crate::validate::kql::catalog(repo);
    let mut problems = match binding {
        Binding::Environment(env) => check_environment(env),
        Binding::Settings => Vec::new(),
    };
    let mut skills = Vec::new();
    for (file, skill) in &with_skill {
        let path = repo.sources.path(file.loaded.file).to_path_buf();
        match skill_yaml(file, skill, binding, &path, &catalog) {
            Ok(yaml) => skills.push(yaml),
            Err(mut p) => problems.append(&mut p),
        }
    }
    problems.extend(duplicate_names(repo, &with_skill));
    let descriptor = descriptor(&with_skill, binding, &mut problems);
    if !problems.is_empty() {
        return Err(PluginError::Invalid(problems));
    }
    let doc = Yaml::Map(vec![
        ("Descriptor", descriptor),
        (
            "SkillGroups",
            Yaml::Seq(vec![Yaml::Map(vec![
                ("Format", Yaml::str("KQL")),
                ("Skills", Yaml::Seq(skills)),
            ])]),
        ),
    ]);
    let how = match binding {
        Binding::Environment(env) => format!("--env {}", env.name),
        Binding::Settings => "--settings".into(),
    };
    Ok(format!(
        "# Security Copilot plugin generated by `sentinelctl plugin {how}` from functions/*.yaml.\n\
         # Do not edit: change the functions' `skill:` blocks and generate it again.\n{}",
        yaml_out::to_string(&doc)
    ))
}

/// Distinct function categories of the skills, e.g. `1Password`.
fn subject(skills: &[(&FunctionFile, &YamlSkill)]) -> String {
    let mut categories: Vec<&str> = skills
        .iter()
        .map(|(f, _)| f.function.category.as_str())
        .collect();
    categories.sort_unstable();
    categories.dedup();
    categories.join(", ")
}

fn descriptor(
    skills: &[(&FunctionFile, &YamlSkill)],
    binding: Binding<'_>,
    problems: &mut Vec<Problem>,
) -> Yaml {
    let subject = subject(skills);
    let compact: String = subject
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let (name, display_name, place) = match binding {
        Binding::Environment(env) => (
            // a name for Security Copilot: a fleet workspace's `customers/contoso` as `customers_contoso`
            format!(
                "{compact}Sentinel_{}",
                env.name
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                        c
                    } else {
                        '_'
                    })
                    .collect::<String>()
            ),
            format!("{subject} on Sentinel ({})", env.name),
            format!(
                "the Microsoft Sentinel workspace {} (sentinelctl environment {})",
                env.workspace, env.name
            ),
        ),
        Binding::Settings => (
            format!("{compact}Sentinel"),
            format!("{subject} on Sentinel"),
            "the Microsoft Sentinel workspace given in the plugin's settings".to_string(),
        ),
    };
    let description = format!(
        "KQL skills over {subject} data in {place}. Each skill calls a saved function that \
         sentinelctl deploys to that workspace, so the skills answer exactly what the functions \
         in the repository compute."
    );
    let list: Vec<String> = skills
        .iter()
        .map(|(_, s)| format!("{} ({})", s.name, display_name_of(s)))
        .collect();
    let for_model = format!(
        "Use these skills for questions about {subject} activity recorded in Microsoft Sentinel. \
         Pick the skill whose description matches the question; the skills are {}.",
        list.join(", ")
    );
    check_name(None, "plugin", &name, problems);
    check_len(
        None,
        "plugin DisplayName",
        &display_name,
        LIMITS.display_name,
        problems,
    );
    check_len(
        None,
        "plugin Description",
        &description,
        LIMITS.description,
        problems,
    );
    check_len(
        None,
        "plugin DescriptionForModel",
        &for_model,
        LIMITS.description,
        problems,
    );
    let mut entries = vec![
        ("Name", Yaml::str(name)),
        ("DisplayName", Yaml::str(display_name)),
        ("Description", Yaml::str(description)),
        ("DescriptionForModel", Yaml::str(for_model)),
        ("Category", Yaml::str("Other")),
    ];
    if let Binding::Settings = binding {
        let settings = SETTINGS
            .iter()
            .map(|(name, label, description, hint)| {
                Yaml::Map(vec![
                    ("Name", Yaml::str(*name)),
                    ("Label", Yaml::str(*label)),
                    ("Description", Yaml::str(*description)),
                    ("HintText", Yaml::str(*hint)),
                    ("SettingType", Yaml::str("String")),
                    ("Required", Yaml::Bool(true)),
                ])
            })
            .collect();
        entries.push(("Settings", Yaml::Seq(settings)));
    }
    entries.push(("SupportedAuthTypes", Yaml::Seq(vec![Yaml::str("None")])));
    Yaml::Map(entries)
}

fn display_name_of(skill: &YamlSkill) -> &str {
    skill.display_name.as_deref().unwrap_or(&skill.name)
}

/// The environment's four values must be present and must not look like placeholders.
fn check_environment(env: &Environment) -> Vec<Problem> {
    let values = [
        ("tenantId", &env.tenant_id),
        ("subscriptionId", &env.subscription_id),
        ("resourceGroup", &env.resource_group),
        ("workspace", &env.workspace),
    ];
    let mut problems: Vec<Problem> = values
        .iter()
        .filter(|(_, v)| v.trim().is_empty() || v.contains("{{") || v.contains('\n'))
        .map(|(key, v)| {
            Problem::new(
                None,
                format!("environment `{}` has an unusable `{key}`: `{v}`", env.name),
            )
            .help("set it to the workspace's real value (one line, no `{{`)")
        })
        .collect();
    if env.resource_manager == Endpoint::Embedded {
        problems.push(
            Problem::new(
                None,
                format!("environment `{}` targets the embedded emulator, which Security Copilot cannot query", env.name),
            )
            .help("generate the plugin for an environment with a real workspace, e.g. `--env dev`"),
        );
    }
    problems
}

fn duplicate_names(repo: &Repository, skills: &[(&FunctionFile, &YamlSkill)]) -> Vec<Problem> {
    let mut by_name: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for (f, s) in skills {
        by_name
            .entry(s.name.to_ascii_lowercase())
            .or_default()
            .push(repo.sources.path(f.loaded.file).to_path_buf());
    }
    by_name
        .into_iter()
        .filter(|(_, files)| files.len() > 1)
        .map(|(name, files)| {
            let shown: Vec<String> = files.iter().map(|p| format!("`{}`", p.display())).collect();
            Problem::new(
                None,
                format!("skill name `{name}` is used by {}", shown.join(" and ")),
            )
            .help("skill names must be unique in a plugin (compared without case)")
        })
        .collect()
}

fn check_name(file: Option<&Path>, what: &str, name: &str, problems: &mut Vec<Problem>) {
    if name.is_empty() || name.chars().count() > LIMITS.name || name.contains(NAME_FORBIDDEN) {
        problems.push(Problem::new(
            file.map(Path::to_path_buf),
            format!(
                "{what} Name `{name}` must have 1 to {} characters and no `/`, `\\`, `?`, `#` or `@`",
                LIMITS.name
            ),
        ));
    }
}

fn check_len(
    file: Option<&Path>,
    what: &str,
    text: &str,
    limit: usize,
    problems: &mut Vec<Problem>,
) {
    let n = text.chars().count();
    if n > limit {
        problems.push(
            Problem::new(
                file.map(Path::to_path_buf),
                format!(
                    "{what} has {n} characters, more than the {limit} Security Copilot accepts"
                ),
            )
            .help("shorten it"),
        );
    }
}

fn default_text(input: &YamlSkillInput) -> Option<String> {
    match input.default.as_ref()? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A value of the parameter's type for the self-check: the input's default when it has one.
pub fn sample_value(ty: &str, default: Option<&str>) -> String {
    if let Some(d) = default.filter(|d| !d.is_empty()) {
        return d.to_string();
    }
    match ty.trim().to_ascii_lowercase().as_str() {
        "timespan" | "time" => "1d",
        "int" | "long" => "1",
        "real" | "double" | "decimal" => "1.5",
        "bool" | "boolean" => "true",
        "datetime" | "date" => "2026-01-01T00:00:00Z",
        "guid" => "00000000-0000-0000-0000-000000000000",
        "dynamic" => "[]",
        _ => "alice@contoso.com",
    }
    .to_string()
}

/// How each parameter of `file` is passed, and the problems in the `skill:` inputs.
fn arguments<'f>(
    file: &'f FunctionFile,
    skill: &YamlSkill,
    path: &Path,
) -> (Vec<Argument<'f>>, Vec<Problem>) {
    let inputs: Vec<&YamlSkillInput> = skill.inputs.iter().flatten().collect();
    let params = &file.function.params;
    let mut problems = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let skill_name = &skill.name;
        if !crate::validate::function::is_identifier(&input.name) {
            problems.push(
                Problem::new(
                    Some(path.to_path_buf()),
                    format!(
                        "skill `{skill_name}` input `{}` is not a plain name",
                        input.name
                    ),
                )
                .help("use letters, digits and `_` (it becomes the `{{name}}` placeholder)"),
            );
        } else if !params.iter().any(|p| p.name == input.name) {
            problems.push(Problem::new(Some(path.to_path_buf()), format!("skill `{skill_name}` input `{}` has no parameter of that name in FunctionParams", input.name)));
        } else if inputs[..i].iter().any(|o| o.name == input.name) {
            problems.push(Problem::new(
                Some(path.to_path_buf()),
                format!("skill `{skill_name}` lists input `{}` twice", input.name),
            ));
        }
    }
    let args = params
        .iter()
        .map(|p| {
            if inputs.iter().any(|i| i.name == p.name) {
                Argument::Input
            } else {
                Argument::Default(p.default.as_deref().unwrap_or_default())
            }
        })
        .collect::<Vec<_>>();
    (args, problems)
}

fn skill_yaml(
    file: &FunctionFile,
    skill: &YamlSkill,
    binding: Binding<'_>,
    path: &Path,
    catalog: &sentinel_kql::Catalog,
) -> Result<Yaml, Vec<Problem>> {
    let (args, mut problems) = arguments(file, skill, path);
    let f = Some(path);
    check_name(
        f,
        &format!("skill `{}`", skill.name),
        &skill.name,
        &mut problems,
    );
    check_len(
        f,
        &format!("skill `{}` Description", skill.name),
        &skill.description,
        LIMITS.description,
        &mut problems,
    );
    if let Some(d) = &skill.description_for_model {
        check_len(
            f,
            &format!("skill `{}` DescriptionForModel", skill.name),
            d,
            LIMITS.description,
            &mut problems,
        );
    }
    let template = build_template(file, skill, path, &args, &mut problems);
    if let Some(t) = &template {
        check_len(
            f,
            &format!("skill `{}` Template", skill.name),
            t,
            LIMITS.template,
            &mut problems,
        );
        problems.extend(self_check(file, skill, path, t, catalog));
    }
    match template {
        Some(t) if problems.is_empty() => Ok(skill_entry(skill, binding, t)),
        _ => Err(problems),
    }
}

fn build_template(
    file: &FunctionFile,
    skill: &YamlSkill,
    path: &Path,
    args: &[Argument<'_>],
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let alias = &file.function.function_alias;
    let header = format!(
        "Skill {} of the sentinelctl plugin: calls the saved function {alias} ({}).\n\
         Inputs are bound inside multi-line string literals; edit the function file, not this text.",
        skill.name,
        path.display()
    );
    match template::template(&header, alias, &file.function.params, args) {
        Ok(t) => Some(t),
        Err(errors) => {
            for e in errors {
                problems.push(match e {
                    TemplateError::UnsupportedType { param, ty } => Problem::new(
                        Some(path.to_path_buf()),
                        format!("skill `{}` input `{param}` has type `{ty}`, which cannot be typed into a prompt", skill.name),
                    )
                    .help("only scalar parameters can be skill inputs"),
                    TemplateError::NoValue { param } => Problem::new(
                        Some(path.to_path_buf()),
                        format!("parameter `{param}` of `{alias}` has no default and is not an input of skill `{}`", skill.name),
                    )
                    .help("add it to the skill's `inputs` or give it a `Default`"),
                });
            }
            None
        }
    }
}

/// Fills each placeholder with a sample value and analyses the query against the catalog.
fn self_check(
    file: &FunctionFile,
    skill: &YamlSkill,
    path: &Path,
    template_text: &str,
    catalog: &sentinel_kql::Catalog,
) -> Vec<Problem> {
    let samples: Vec<(String, String)> = skill
        .inputs
        .iter()
        .flatten()
        .filter_map(|i| {
            let p = file.function.params.iter().find(|p| p.name == i.name)?;
            Some((
                i.name.clone(),
                sample_value(&p.ty, default_text(i).as_deref()),
            ))
        })
        .collect();
    let values: Vec<(&str, &str)> = samples
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let query = template::substitute(template_text, &values);
    sentinel_kql::analyze(&query, catalog)
        .diagnostics
        .iter()
        .filter(|d| d.severity == sentinel_kql::Severity::Error)
        .map(|d| {
            Problem::new(
                Some(path.to_path_buf()),
                format!(
                    "skill `{}` template does not analyse: {} {}",
                    skill.name, d.code, d.message
                ),
            )
            .help("run `sentinelctl validate` on the function first")
        })
        .collect()
}

fn skill_entry(skill: &YamlSkill, binding: Binding<'_>, template: String) -> Yaml {
    let mut entries = vec![
        ("Name", Yaml::str(&skill.name)),
        ("DisplayName", Yaml::str(display_name_of(skill))),
        ("Description", Yaml::str(&skill.description)),
    ];
    if let Some(d) = &skill.description_for_model {
        entries.push(("DescriptionForModel", Yaml::str(d)));
    }
    if let Some(prompts) = skill.example_prompts.as_ref().filter(|p| !p.is_empty()) {
        entries.push((
            "ExamplePrompts",
            Yaml::Seq(prompts.iter().map(Yaml::str).collect()),
        ));
    }
    let inputs: Vec<Yaml> = skill.inputs.iter().flatten().map(input_entry).collect();
    if !inputs.is_empty() {
        entries.push(("Inputs", Yaml::Seq(inputs)));
    }
    let mut settings = vec![("Target", Yaml::str("Sentinel"))];
    settings.extend(binding.values());
    settings.push(("Template", Yaml::Str(template)));
    entries.push(("Settings", Yaml::Map(settings)));
    Yaml::Map(entries)
}

fn input_entry(input: &YamlSkillInput) -> Yaml {
    let required = input.required.unwrap_or(false);
    let mut entry = vec![
        ("Name", Yaml::str(&input.name)),
        ("Description", Yaml::str(&input.description)),
    ];
    if let Some(d) = default_text(input).filter(|_| !required) {
        entry.push(("DefaultValue", Yaml::Str(d)));
    }
    entry.push(("Required", Yaml::Bool(required)));
    Yaml::Map(entry)
}
