//! `functions/*.yaml`: the Azure-Sentinel parser format plus an optional Security Copilot `skill:`.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// One saved function file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct YamlFunction {
    /// GUID content id.
    pub id: Option<String>,
    /// Title, version and date.
    #[serde(rename = "Function")]
    pub function: Option<YamlFunctionInfo>,
    /// savedSearch `category`.
    #[serde(rename = "Category")]
    pub category: Option<String>,
    /// savedSearch `displayName` and resource name.
    #[serde(rename = "FunctionName")]
    pub function_name: String,
    /// The name queries call the function by.
    #[serde(rename = "FunctionAlias")]
    pub function_alias: String,
    /// Parameters.
    #[serde(rename = "FunctionParams", alias = "ParserParams")]
    pub function_params: Option<Vec<YamlParam>>,
    /// The KQL body.
    #[serde(rename = "FunctionQuery", alias = "ParserQuery")]
    pub function_query: String,
    /// Content version `x.y.z` (alternative to `Function.Version`).
    #[serde(rename = "Version")]
    pub version: Option<String>,
    /// Upstream ASIM/parser keys (kept, not deployed).
    #[serde(rename = "Parser")]
    pub parser: Option<Value>,
    /// Upstream keys (kept, not deployed).
    #[serde(rename = "Product")]
    pub product: Option<Value>,
    /// Upstream keys (kept, not deployed).
    #[serde(rename = "Normalization")]
    pub normalization: Option<Value>,
    /// Upstream keys (kept, not deployed).
    #[serde(rename = "References")]
    pub references: Option<Value>,
    /// Upstream keys (kept, not deployed).
    #[serde(rename = "Description")]
    pub description: Option<String>,
    /// Upstream keys (kept, not deployed).
    #[serde(rename = "ParserName")]
    pub parser_name: Option<Value>,
    /// Upstream keys (kept, not deployed).
    #[serde(rename = "EquivalentBuiltInParser")]
    pub equivalent_built_in_parser: Option<Value>,
    /// Security Copilot skill definition.
    pub skill: Option<YamlSkill>,
    /// sentinelctl: the savedSearch resource name when it is not the alias (functions saved in
    /// the portal get generated names; `import` writes this so the round trip is exact).
    #[serde(rename = "resourceName")]
    pub resource_name: Option<String>,
}

/// `Function:` block.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct YamlFunctionInfo {
    /// Human title.
    #[serde(rename = "Title")]
    pub title: Option<String>,
    /// Content version.
    #[serde(rename = "Version")]
    pub version: Option<String>,
    /// Date of the last change.
    #[serde(rename = "LastUpdated")]
    pub last_updated: Option<String>,
}

/// One function parameter.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct YamlParam {
    /// Parameter name.
    #[serde(rename = "Name")]
    pub name: String,
    /// KQL type: `string`, `timespan`, … or `table:(...)`.
    #[serde(rename = "Type")]
    pub ty: String,
    /// Default as a KQL literal.
    #[serde(rename = "Default")]
    pub default: Option<Value>,
    /// What it means.
    #[serde(rename = "Description")]
    pub description: Option<String>,
}

/// `skill:` block: makes the function a Security Copilot KQL skill.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlSkill {
    /// Skill name (letters and digits).
    pub name: String,
    /// Name shown to people.
    pub display_name: Option<String>,
    /// Description for people.
    pub description: String,
    /// Description for the model: when to use the skill.
    pub description_for_model: Option<String>,
    /// Example prompts.
    pub example_prompts: Option<Vec<String>>,
    /// Inputs; each must match a `FunctionParams` entry.
    pub inputs: Option<Vec<YamlSkillInput>>,
}

/// One skill input.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlSkillInput {
    /// Input name (= parameter name).
    pub name: String,
    /// What to pass.
    pub description: String,
    /// Whether the input must be given.
    pub required: Option<bool>,
    /// Default value used when not given.
    pub default: Option<Value>,
}
