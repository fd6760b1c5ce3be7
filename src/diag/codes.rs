//! The registry of diagnostic codes: stable, never reused, each with a kebab-case name and docs.
//!
//! `sentinelctl explain CODE` prints the docs. Ranges: SC1xxx reading files, SC2xxx KQL (owned
//! by the `sentinel_kql` crate), SC3xxx detections, SC4xxx functions, skills and workbooks,
//! SC5xxx environments and references, SC6xxx watchlists, hunting queries and automation rules.

/// A check's identity: (code, name).
pub type Check = (&'static str, &'static str);

macro_rules! checks {
    ($($konst:ident = $code:literal $name:literal $doc:literal;)*) => {
        $(#[doc = $doc] pub const $konst: Check = ($code, $name);)*
        /// Every check: (code, name, documentation).
        pub const ALL: &[(&str, &str, &str)] = &[$(($code, $name, $doc)),*];
    };
}

checks! {
    YAML_SYNTAX = "SC1001" "yaml-syntax" "The file is not valid YAML. Why: nothing else can be checked until it parses. Fix: correct the syntax at the position shown (often indentation or an unclosed quote or bracket).";
    DUPLICATE_KEY = "SC1002" "duplicate-key" "A key appears twice in the same mapping. Why: YAML parsers disagree on which value wins, so the file means different things to different tools. Fix: keep one of them.";
    UNKNOWN_KEY = "SC1003" "unknown-key" "A key the format does not know. Why: a misspelt key (`queryFrequncy`) is otherwise silently ignored and the rule deploys with defaults. Fix: correct the spelling (the hint suggests the closest known key) or remove it.";
    INVALID_VALUE = "SC1004" "invalid-value" "A value has the wrong type or is not one of the allowed values. Example: `triggerThreshold: many`. Fix: use the type and values listed in docs/content-format.md.";
    MISSING_KEY = "SC1005" "missing-key" "A required key is absent. Example: a detection without `query`. Fix: add the key.";
    NOT_UTF8 = "SC1006" "not-utf8" "The file is not UTF-8. Why: ARM, Git diffs and the portal expect UTF-8. Fix: re-save the file as UTF-8.";
    EMPTY_FILE = "SC1007" "empty-file" "The file has no content. Fix: add content or delete the file.";
    FILE_TOO_LARGE = "SC1008" "file-too-large" "The file is larger than sentinelctl reads (4 MiB). Why: no legitimate rule, function or workbook is that large; it is probably a data file in the wrong folder. Fix: move it out of the content folders.";
    NOT_A_RULE = "SC1009" "not-a-rule-file" "The file in a content folder is not a content file of that kind (for example an ARM template export, or a file with another extension). Fix: convert it to the Azure-Sentinel YAML format (`sentinelctl import` writes that format) or move it.";
    MISPLACED_KEY = "SC1010" "misplaced-metadata-key" "A key that belongs under `metadata:` is at the top level (`source`, `author`, `support`, `categories`). Why: usually an indentation mistake. Fix: indent it under `metadata:`.";
    UNREADABLE = "SC1011" "unreadable-file" "The file could not be read. Fix: check permissions.";
    NOT_REGULAR = "SC1012" "not-a-regular-file" "A path in a content folder (or an environment or lock file) is a symbolic link, a directory named like a content file, or a special file (FIFO, socket, device). Why: sentinelctl never follows links or reads special files: content from a pull request could otherwise make it read `/etc/passwd`, `/proc/self/environ` or `/dev/zero` and echo it into CI logs. Fix: replace it with the regular file.";
    RULE_ID = "SC3001" "rule-id" "The rule `id` must be a GUID. Why: it becomes the ARM resource name and the content id that ownership is tracked by. Fix: generate one with `uuidgen`.";
    DUPLICATE_ID = "SC3002" "duplicate-id" "Two files share one id (or one function alias, or one workbook key). Why: both would deploy to the same resource and overwrite each other. Fix: give one of them a new id.";
    RULE_KIND = "SC3003" "rule-kind" "The rule `kind` is missing or not one sentinelctl deploys: `Scheduled`, `NRT`, `Fusion`, `MicrosoftSecurityIncidentCreation`, `MLBehaviorAnalytics` or `ThreatIntelligence` (spelt as ARM spells them). Why: the kind decides which keys the rule takes and which ARM contract it is sent with. Fix: add `kind: Scheduled` (or the kind you mean; the hint suggests the closest one). docs/rule-kinds.md describes each kind.";
    FIELD_LIMIT = "SC3004" "field-limit" "A value is outside the limits ARM and Azure-Sentinel's CI enforce: name ≤ 256 characters, description ≤ 5000, query 1…10,000 characters, triggerThreshold 0…10000, severity one of Informational/Low/Medium/High. Fix: shorten or correct the value.";
    SCHEDULE = "SC3005" "schedule" "queryFrequency and queryPeriod must be durations with 5m ≤ frequency ≤ 14d, frequency ≤ period ≤ 14d, and a frequency of at least 1h when the period is 2d or more. NRT rules must not set frequency, period or trigger. Why: ARM rejects the rule at deploy time otherwise. Fix: adjust the values.";
    TACTIC = "SC3006" "mitre-tactic" "A tactic is not a MITRE ATT&CK tactic as Sentinel spells it (`CredentialAccess`, not `Credential Access`). Fix: use the spelling shown in the hint.";
    TECHNIQUE = "SC3007" "mitre-technique" "A technique id is malformed (`T1234` or `T1234.001`) or unknown. Fix: correct the id.";
    TECHNIQUE_TACTIC = "SC3008" "technique-without-tactic" "A technique belongs to tactics that the rule does not list. Why: Azure-Sentinel's CI rejects it and the portal shows an inconsistent MITRE mapping. Fix: add the tactic or remove the technique.";
    ENTITY_MAPPING = "SC3009" "entity-mapping" "An entity mapping is invalid: unknown entity type, identifier not valid for the type, duplicate identifier, more than 10 mappings or 3 identifiers, or a column name that is not an identifier. Fix: use the identifiers listed in the hint.";
    CUSTOM_DETAILS = "SC3010" "custom-details" "Custom details must have at most 20 entries, keys matching `^[a-zA-Z]+\\w*$` of at most 20 characters, and values naming a column. Fix: rename the key or the column.";
    ALERT_OVERRIDE = "SC3011" "alert-details-override" "alertDetailsOverride formats may use at most 3 `{{column}}` placeholders, the display name format ≤ 256 characters and the description format ≤ 5000. Fix: reduce the placeholders or shorten the format.";
    OUTPUT_COLUMN = "SC3012" "column-not-in-output" "An entity mapping, custom detail or alert override names a column that the query does not output. Why: the alert would be created without that entity or detail, silently. Fix: project the column in the query or correct the name.";
    VERSION = "SC3013" "content-version" "The content version must look like `1.0.0`. Why: promotion and review rules compare versions. Fix: use three numbers separated by dots.";
    GROUPING = "SC3014" "incident-grouping" "incidentConfiguration or eventGroupingSettings hold a value ARM rejects (matchingMethod, aggregationKind, lookbackDuration up to 7 days). Fix: use an allowed value.";
    STATUS = "SC3015" "rule-status" "status must be Available, InPreview or Deprecated. Fix: correct it.";
    VERSION_NOT_BUMPED = "SC3016" "version-not-bumped" "A detection, function or workbook changed since the Git ref given to `validate --since` but its `version` is not higher than at that ref (compared numerically: 1.0.10 > 1.0.9; comments and formatting are not changes; new files are fine). Why: promotion and reviews go by version, so two different contents would carry the same one. Fix: raise the version (`version:` in detections and workbook metadata, `Version` in functions), e.g. 1.0.0 → 1.0.1.";
    UNTESTED = "SC3017" "untested" "A detection, or a function with a Copilot `skill:` block, has no test cases (`<file>.tests.yaml` beside it). Why: nobody knows whether it fires on the attack, stays quiet on a normal day, or maps the right entities until it is in production. Fix: add a test file (docs/testing.md) and run `sentinelctl test`.";
    TEST_FILE = "SC3018" "test-file" "A test file (`*.tests.yaml`) names content that does not exist, or is not valid. Fix: correct `detection:`/`function:` or the file's keys.";
    KIND_FIELD = "SC3019" "kind-field" "A detection key does not apply to the rule's kind. Example: `query` or `severity` on a `kind: Fusion` rule, whose template sets its logic and display fields, or `productFilter` on a Scheduled rule. Why: sentinelctl deploys only what the kind manages (docs/rule-kinds.md), so the key would be silently ignored while reviewers read it as deployed. Fix: remove the key, or change `kind`.";
    INCIDENT_FILTER = "SC3020" "incident-creation-filter" "A MicrosoftSecurityIncidentCreation rule's filter holds a value Sentinel rejects or that matches nothing: `productFilter` not one of `Microsoft Cloud App Security`, `Azure Security Center`, `Azure Advanced Threat Protection`, `Azure Active Directory Identity Protection`, `Azure Security Center for IoT`; a `severitiesFilter` entry that is not Informational/Low/Medium/High; an empty alert name in `displayNamesFilter`/`displayNamesExcludeFilter`. Fix: use the value the hint suggests.";
    RULE_TEMPLATE = "SC3021" "rule-template" "The `alertRuleTemplateName` of a Fusion, MLBehaviorAnalytics or ThreatIntelligence rule is not a template id (a GUID). Why: these rules switch on a built-in Microsoft template, and ARM refuses a rule whose template does not exist. Fix: copy the template's id from the portal (Analytics → Rule templates) or let `sentinelctl import` write the file; Fusion's is `f71aba3d-28fb-450b-b192-4e76a83015c8`.";
    FUNCTION_ALIAS = "SC4001" "function-alias" "The function alias is not a valid KQL identifier (letters, digits and `_`, not starting with a digit). Why: queries cannot call it without bracket quoting. Fix: rename the alias.";
    FUNCTION_PARAMS = "SC4002" "function-parameters" "A function parameter is invalid: a bad name or type, a duplicate, or a parameter without a default after one with a default. Fix: correct the parameter list.";
    SKILL = "SC4003" "copilot-skill" "The skill block is inconsistent with the function: an input without a parameter of the same name or the reverse, a name that is not letters and digits, or a field over its limit. Fix: align the inputs with FunctionParams.";
    WORKBOOK = "SC4004" "workbook" "A workbook's metadata or JSON is invalid: the JSON file is missing or unreadable, or it is not a workbook (`version`/`items`). Fix: export the workbook JSON from the portal's advanced editor.";
    RESOURCE_NAME = "SC4005" "resource-name" "A resource name (`resourceName` of a function, `name` of a workbook) breaks ARM's naming rules: empty, longer than 260 characters, `.`/`..`, ending with `.` or a space, holding `<>*%&:\\?/#` or a control character, or (workbooks) not a GUID. Why: the name becomes a segment of the request path; `..` would aim the write at the workspace itself. Fix: use the resource's real name.";
    ENVIRONMENT = "SC5001" "environment" "An environment file is invalid: an unknown cloud, a missing endpoint for `cloud: custom`, an unknown auth method, or an id that is not a GUID. Fix: correct the value.";
    SELECTOR = "SC5002" "environment-selector" "An include/exclude selector, override or pin names content that does not exist. Why: a typo would silently deploy everything or nothing. Fix: correct the id or name.";
    OVERRIDE = "SC5003" "override" "An override touches a field that cannot be overridden for that content kind, or sets an invalid value. Fix: remove it or correct the value.";
    CUSTOM_ENDPOINT = "SC5005" "custom-endpoint" "An environment with `cloud: custom` names an endpoint URL: sentinelctl would send this environment's credentials there. Why: content from a pull request must not choose where credentials go, so such an endpoint is used only when the person or pipeline running sentinelctl allows its host (`--allow-endpoint HOST` or `SENTINELCTL_ALLOW_ENDPOINTS`). This warning makes the endpoint visible to reviewers. Fix: nothing, if the host is yours; otherwise remove it.";
    CREDENTIAL_SOURCE = "SC5006" "credential-source" "An environment file tries to choose where a credential is read from: `auth.federatedTokenFile` or `auth.certificateFile` (any file could be named, such as `.git/config`), or a `clientSecretEnv` variable that holds CI credentials (`ACTIONS_*`, `GITHUB_*`, `SYSTEM_*`, `RUNNER_*`). Why: content from a pull request decides which login method is used, never which files or variables are read. Fix: remove the key and set the standard variable (AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_CLIENT_SECRET) where sentinelctl runs, or let the invoker allow the variable (`--allow-secret-env NAME`).";
    LOCK_FILE = "SC5007" "lock-file" "A lock file item (`environments/<env>.lock.yaml`, written by `promote`) names something sentinelctl will not pass to Git: a commit or blob that is not a full hexadecimal object id (`--output=…`, a branch name, an abbreviation), a path outside the content folders or with `..`, or an unknown kind. Why: lock files come through pull requests, and their values become Git arguments. Fix: promote again to re-pin, or correct the item.";
    FLEET_FILE = "SC5008" "fleet-file" "A fleet file (`environments/<fleet>.fleet.yaml`) has the wrong shape: `defaults` or a workspace entry is not a mapping, or a workspace name is not a plain name. Why: each entry becomes the environment `<fleet>/<name>` and names its lock file, so only letters, digits, `.`, `_` and `-` are accepted. Fix: write `workspaces:` as a mapping from plain names to mappings of environment keys.";
    WATCHLIST = "SC6001" "watchlist" "A watchlist definition is invalid: the alias is empty or not a valid resource name, `itemsSearchKey` is not a column of the CSV, or two files define the same alias. Why: Sentinel refuses the watchlist, or `_GetWatchlist` would read another list than the one reviewed. Fix: correct the definition (the hint lists the CSV's columns).";
    WATCHLIST_ITEMS = "SC6002" "watchlist-items" "A watchlist's items (its CSV, or a CSV an environment override names) cannot be used: the file is missing, not valid CSV (unclosed quote, a row with more or fewer values than the header, a header column named twice or not at all), a row has no search-key value, or two rows share one (items are keyed by it). Fix: correct the row shown; quote values that contain commas.";
    UNKNOWN_WATCHLIST = "SC6003" "unknown-watchlist" "A query reads `_GetWatchlist('alias')`, but the repository defines no watchlist with that alias. Why: in a workspace without it the query returns nothing, so an exclusion list silently excludes nobody (Microsoft's own 1Password rules read `PV1PW`/`PG1PW`, which the solution does not ship). Fix: add `watchlists/<alias>.yaml` and `<alias>.csv`, or correct the alias (the hint suggests the closest one).";
    HUNTING_QUERY = "SC6004" "hunting-query" "A hunting query is invalid: the `id` is not a GUID, the name or query is empty or too long (name ≤ 256, description ≤ 5000, query ≤ 10,000 characters, as for analytics rules), or the version is malformed. Fix: correct the value.";
    AUTOMATION_RULE = "SC6005" "automation-rule" "An automation rule breaks the limits of Microsoft's contract (AutomationRules.json 2025-12-01): `order` 1…1000, `displayName` ≤ 500 characters, 1…20 actions, ≤ 50 conditions, a `Boolean` condition with 2…10 inner conditions, a `PropertyArray` condition with ≤ 10 item conditions, an unknown `conditionType`, `actionType`, `propertyName`, operator or trigger, or an action without what its type requires (`RunPlaybook` needs a Logic App resource id, `AddIncidentTask` a title). Why: ARM rejects the rule at apply time. Fix: correct the value shown.";
    AUTOMATION_REFERENCE = "SC6006" "automation-rule-reference" "An automation rule condition on `IncidentRelatedAnalyticRuleIds` or `AlertAnalyticRuleIds` names a rule id that no detection in `detections/` has (and that is not a full ARM resource id). Why: the condition would never match, so the automation silently never runs. Fix: use the `id` of a detection of this repository, or the full resource id of a rule managed elsewhere.";
    AUTOMATION_ORDER = "SC6007" "automation-rule-order" "Two automation rules share one `order` (a warning). Why: Sentinel runs automation rules by order; with equal orders the sequence is up to the service, so a rule that changes severity and one that reads it may run either way round. Fix: give each rule its own order.";
    MISSING_FUNCTION = "SC5004" "missing-function" "A rule or function calls a function that is neither in `functions/` nor a known built-in or workspace function. Fix: add the function or correct the name.";
}

/// Documentation for a code or name, when it exists.
pub fn lookup(code_or_name: &str) -> Option<(&'static str, &'static str, &'static str)> {
    ALL.iter()
        .copied()
        .find(|(c, n, _)| c.eq_ignore_ascii_case(code_or_name) || *n == code_or_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for (code, name, doc) in ALL {
            assert!(seen.insert(*code), "duplicate {code}");
            assert!(code.len() == 6 && code.starts_with("SC"), "{code}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{name}"
            );
            assert!(!doc.is_empty());
        }
    }
}
