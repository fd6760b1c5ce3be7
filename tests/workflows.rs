//! The ready-to-copy CI workflows in `examples/` run as written.
//!
//! Every line of a workflow script that invokes `sentinelctl` (GitHub Actions `run:`, Azure
//! Pipelines `script:` and `inputs.inlineScript:`) is extracted and run with the real binary in
//! a temporary Git repository holding this repository's content, where `environments/dev.yaml`
//! and `prod.yaml` are `environments/local.yaml` with only the workspace name changed, so they
//! target the embedded emulator. Commands run in the order a pipeline would (validate, plan dev,
//! apply dev, promote, plan prod, apply prod, drift), one scenario per CI system, and their exit
//! codes are checked against what the workflow expects.
//!
//! The shell the test reproduces, deliberately small: one command per line (`\` continuations
//! joined), words with single or double quotes, a stdout redirect `> FILE` or `>> FILE`, and
//! `|| code=$?` (the workflow handles the exit code itself, which this test then expects to be
//! 0, or 2 with `--detailed-exitcode`). Anything else on a sentinelctl line (`$VAR`, pipes,
//! `&&`, `;`, backticks) fails the test, so a workflow cannot call a command this test does
//! not run. A redirect into the runner's temp or staging folder (`> "$RUNNER_TEMP/plan.md"`,
//! where the pull-request jobs write, outside the checkout) lands in a scratch folder.
//!
//! The trust boundary of every job is checked here too (`*_keep_the_trust_boundary`): a job
//! that can obtain an Azure token builds nothing, runs only GitHub's own file actions and a
//! sentinelctl built by another job, and on pull requests is skipped for forks; the job that
//! builds on a pull request has only the base branch on disk. The checks are shown to catch
//! the workflow as it was before (issue 11).
//!
//! Also here: the end-to-end test of `validate --since REF` in a temporary Git repository.

use std::path::{Path, PathBuf};
use std::process::Output;

use sentinelctl::load::yaml::{self, Node, Value};

use crate::support::{TempRepo, git, root as repo_root, sentinelctl};

// ---------------------------------------------------------------------------------------------
// Extraction

/// One sentinelctl invocation found in a workflow.
#[derive(Debug, Clone)]
struct Invocation {
    /// Workflow file name and the line as written.
    origin: String,
    /// Arguments after `sentinelctl`.
    args: Vec<String>,
    /// Where stdout goes: `Some((target as written, append))`.
    redirect: Option<(String, bool)>,
    /// `|| code=$?` follows: the workflow inspects the exit code itself.
    handles_exit: bool,
}

impl Invocation {
    fn command(&self) -> &str {
        self.args.first().map_or("", String::as_str)
    }

    fn flag(&self, name: &str) -> Option<&str> {
        self.args
            .iter()
            .position(|a| a == name)
            .and_then(|i| self.args.get(i + 1))
            .map(String::as_str)
    }

    fn has(&self, name: &str) -> bool {
        self.args.iter().any(|a| a == name)
    }

    /// The pipeline stage this command belongs to.
    fn rank(&self) -> u8 {
        match (self.command(), self.flag("--env")) {
            ("validate", _) => 0,
            ("plan", Some("dev")) => 1,
            ("apply", Some("dev")) => 2,
            ("promote", _) => 3,
            ("plan", _) => 4,
            ("apply", _) => 5,
            ("drift", _) => 6,
            _ => 7,
        }
    }

    /// Exit codes the workflow treats as success.
    fn accepted(&self) -> &'static [i32] {
        if self.handles_exit && self.has("--detailed-exitcode") {
            &[0, 2]
        } else {
            &[0]
        }
    }
}

/// The script texts of a workflow: every `run`, `script` and `inlineScript` scalar, in file order.
fn scripts(node: &Node, out: &mut Vec<String>) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                match (k.as_str(), v.as_str()) {
                    (Some("run" | "script" | "inlineScript"), Some(text)) => {
                        out.push(text.to_string());
                    }
                    _ => scripts(v, out),
                }
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| scripts(i, out)),
        Value::Scalar(..) => {}
    }
}

/// Splits a command line into words (single and double quotes, no expansion). Errors on shell
/// features the test does not reproduce.
fn words(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    cur.push(q);
                }
            }
            '"' => {
                in_word = true;
                for q in chars.by_ref() {
                    match q {
                        '"' => break,
                        '$' | '`' | '\\' => return Err(format!("`{q}` inside double quotes")),
                        _ => cur.push(q),
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '$' | '|' | '&' | ';' | '`' | '<' | '>' | '(' | ')' | '\\' | '#' => {
                return Err(format!("shell feature `{c}`"));
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

fn parse_line(origin: String, line: &str) -> Result<Invocation, String> {
    let mut rest = line.trim();
    let mut handles_exit = false;
    if let Some(r) = rest.strip_suffix("|| code=$?") {
        handles_exit = true;
        rest = r.trim_end();
    }
    let mut redirect = None;
    // a redirect target is everything after the last unquoted `>`; only stdout redirects
    if let Some(i) = rest.rfind('>') {
        let (cmd, target) = rest.split_at(i);
        let (cmd, append) = match cmd.strip_suffix('>') {
            Some(c) => (c, true),
            None => (cmd, false),
        };
        let target = target[1..].trim().trim_matches('"').to_string();
        if cmd.ends_with(['2', '&']) || target.is_empty() {
            return Err(format!("{origin}: unsupported redirect"));
        }
        redirect = Some((target, append));
        rest = cmd.trim_end();
    }
    let mut args = words(rest).map_err(|e| format!("{origin}: {e}"))?;
    if args.first().map(String::as_str) != Some("sentinelctl") {
        return Err(format!("{origin}: does not start with `sentinelctl`"));
    }
    args.remove(0);
    Ok(Invocation {
        origin,
        args,
        redirect,
        handles_exit,
    })
}

/// Every sentinelctl invocation in one workflow file, in file order.
fn invocations(path: &Path) -> Vec<Invocation> {
    let text = std::fs::read_to_string(path).unwrap();
    let (doc, problems) = yaml::parse(&text);
    assert!(problems.is_empty(), "{}: {problems:?}", path.display());
    let doc = doc.unwrap_or_else(|| panic!("{} is empty", path.display()));
    let mut texts = Vec::new();
    scripts(&doc, &mut texts);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for script in texts {
        let joined = script.replace("\\\n", " ");
        for line in joined.lines() {
            let trimmed = line.trim();
            if trimmed.split_whitespace().next() == Some("sentinelctl") {
                match parse_line(format!("{name}: `{trimmed}`"), trimmed) {
                    Ok(inv) => out.push(inv),
                    Err(e) => errors.push(e),
                }
            } else if trimmed.contains("sentinelctl ")
                && !trimmed.starts_with('#')
                && !trimmed.starts_with("echo")
                && !trimmed.contains("--description")
            {
                errors.push(format!(
                    "{name}: `{trimmed}` calls sentinelctl other than at the start of a line"
                ));
            }
        }
    }
    assert!(
        errors.is_empty(),
        "workflow lines this test cannot run:\n{}",
        errors.join("\n")
    );
    out
}

fn workflow_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join("examples").join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no workflows in examples/{dir}");
    files
}

// ---------------------------------------------------------------------------------------------
// The temporary repository

/// A Git repository with this repository's content, dev and prod on the embedded emulator, and
/// `origin/base` (what the pull-request workflows fetch) at its first commit.
fn ci_checkout() -> TempRepo {
    let tmp = TempRepo::copy_of(
        repo_root(),
        &[
            "detections",
            "functions",
            "workbooks",
            "watchlists",
            "hunting",
            "automation",
            "schemas",
        ],
    );
    let root = tmp.path();
    let envs = root.join("environments");
    std::fs::create_dir_all(&envs).unwrap();
    let local = std::fs::read_to_string(repo_root().join("environments/local.yaml")).unwrap();
    std::fs::write(envs.join("local.yaml"), &local).unwrap();
    for env in ["dev", "prod"] {
        let text = local.replace(
            "\nworkspace: law-sentinel-local\n",
            &format!("\nworkspace: law-sentinel-{env}\n"),
        );
        assert_ne!(text, local, "local.yaml has a `workspace:` line");
        std::fs::write(envs.join(format!("{env}.yaml")), text).unwrap();
    }
    std::fs::write(root.join(".gitignore"), "/.sentinelctl/\n/reports/\n").unwrap();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "content"]);
    git(root, &["update-ref", "refs/remotes/origin/base", "HEAD"]);
    tmp
}

fn run(root: &Path, scratch: &Path, inv: &Invocation) -> Output {
    let mut cmd = sentinelctl();
    cmd.args(&inv.args)
        .current_dir(root)
        .env_remove("SENTINELCTL_LOCAL_SECRET");
    for var in [
        "AZURE_CLIENT_ID",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_FEDERATED_TOKEN_FILE",
    ] {
        cmd.env_remove(var);
    }
    let out = cmd.output().expect("sentinelctl runs");
    if let Some((target, append)) = &inv.redirect {
        let path = redirect_path(root, scratch, target);
        let mut data = if *append {
            std::fs::read(&path).unwrap_or_default()
        } else {
            Vec::new()
        };
        data.extend_from_slice(&out.stdout);
        std::fs::write(path, data).unwrap();
    }
    out
}

/// Folders outside the checkout that the workflows write their outputs to (so that a file or
/// symlink in a pull request cannot redirect them): the runner's temp folder and Azure
/// Pipelines' staging folder. This test maps them to its scratch folder.
const OUTSIDE_THE_CHECKOUT: [&str; 4] = [
    "$RUNNER_TEMP/",
    "${RUNNER_TEMP}/",
    "$(Agent.TempDirectory)/",
    "$(Build.ArtifactStagingDirectory)/",
];

/// Where a stdout redirect lands: `"$RUNNER_TEMP/plan.md"` and the like in the scratch folder,
/// other variables (`"$GITHUB_STEP_SUMMARY"`) in one scratch file, plain names in the checkout.
fn redirect_path(root: &Path, scratch: &Path, target: &str) -> PathBuf {
    for prefix in OUTSIDE_THE_CHECKOUT {
        if let Some(name) = target.strip_prefix(prefix)
            && !name.is_empty()
            && !name.contains(['$', '/', '\\'])
        {
            return scratch.join(name);
        }
    }
    if target.contains('$') {
        scratch.join("redirect.out")
    } else {
        root.join(target)
    }
}

/// One CI system's workflows after a run: the checkout, the scratch folder standing for the
/// runner's temp folder, and each invocation with its exit code.
struct PipelineRun {
    checkout: TempRepo,
    scratch: tempfile::TempDir,
    results: Vec<(Invocation, i32)>,
}

/// Runs one CI system's workflows in pipeline order.
fn run_pipeline(dir: &str) -> PipelineRun {
    let mut all: Vec<Invocation> = Vec::new();
    for file in workflow_files(dir) {
        let found = invocations(&file);
        assert!(
            !found.is_empty(),
            "{} calls no sentinelctl command",
            file.display()
        );
        all.extend(found);
    }
    all.sort_by_key(Invocation::rank); // stable: file order within a stage
    let checkout = ci_checkout();
    let root = checkout.path();
    let scratch = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    let mut committed_lock = false;
    for inv in all {
        if inv.rank() >= 4 && !committed_lock && root.join("environments/prod.lock.yaml").exists() {
            // the promotion pull request is reviewed and merged
            git(root, &["add", "environments/prod.lock.yaml"]);
            git(root, &["commit", "-q", "-m", "Promote dev → prod"]);
            committed_lock = true;
        }
        let out = run(root, scratch.path(), &inv);
        let code = out.status.code().unwrap_or(-1);
        assert!(
            inv.accepted().contains(&code),
            "{} exited {code}, the workflow accepts {:?}\nstderr:\n{}",
            inv.origin,
            inv.accepted(),
            String::from_utf8_lossy(&out.stderr)
        );
        results.push((inv, code));
    }
    PipelineRun {
        checkout,
        scratch,
        results,
    }
}

fn code_of(results: &[(Invocation, i32)], command: &str, env: Option<&str>) -> Vec<i32> {
    results
        .iter()
        .filter(|(i, _)| i.command() == command && i.flag("--env") == env)
        .map(|(_, c)| *c)
        .collect()
}

fn check_story(dir: &str) {
    let PipelineRun {
        checkout, results, ..
    } = run_pipeline(dir);
    let root = checkout.path();
    let ran: Vec<String> = results
        .iter()
        .map(|(i, c)| format!("{c} {}", i.origin))
        .collect();
    let ran = ran.join("\n");
    // the whole story is covered, not just some of it
    for (command, env) in [
        ("validate", None),
        ("plan", Some("dev")),
        ("apply", Some("dev")),
        ("plan", Some("prod")),
        ("apply", Some("prod")),
        ("drift", Some("prod")),
    ] {
        assert!(
            !code_of(&results, command, env).is_empty(),
            "examples/{dir} never runs `{command} --env {env:?}`:\n{ran}"
        );
    }
    assert!(
        results.iter().any(|(i, _)| i.command() == "promote"),
        "examples/{dir} never promotes:\n{ran}"
    );
    assert!(
        results
            .iter()
            .any(|(i, _)| i.command() == "validate" && i.has("--since")),
        "examples/{dir} never checks version bumps:\n{ran}"
    );
    // a fresh dev workspace: the pull request's plan shows changes
    assert_eq!(code_of(&results, "plan", Some("dev"))[0], 2, "{ran}");
    // promote pinned dev into prod, and prod's plan had exactly that to do
    assert!(root.join("environments/prod.lock.yaml").exists(), "{ran}");
    let prod_plans: Vec<i32> = results
        .iter()
        .filter(|(i, _)| i.command() == "plan" && i.flag("--env") == Some("prod"))
        .filter(|(i, _)| i.has("--detailed-exitcode"))
        .map(|(_, c)| *c)
        .collect();
    assert_eq!(prod_plans, vec![2], "{ran}");
    // after the release, prod is in sync and the drift job's JUnit report is where it is published
    assert!(
        code_of(&results, "drift", Some("prod"))
            .iter()
            .all(|c| *c == 0),
        "{ran}"
    );
    let junit = std::fs::read_to_string(root.join("reports/drift.xml")).unwrap();
    assert!(
        junit.contains("<testsuites") && junit.contains("failures=\"0\""),
        "{junit}"
    );
    for f in ["reports/drift.json", "reports/drift.md"] {
        assert!(root.join(f).exists(), "{f} missing");
    }
    // a second apply of dev is a no-op: plan has nothing to do
    let replan = sentinelctl()
        .args(["plan", "--env", "dev", "--detailed-exitcode"])
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(
        replan.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&replan.stderr)
    );
}

#[test]
fn github_workflows_run_as_written_against_the_emulator() {
    check_story("github");
}

#[test]
fn azure_devops_pipelines_run_as_written_against_the_emulator() {
    check_story("azure-devops");
}

#[test]
fn pull_request_outputs_are_what_the_upload_steps_expect() {
    let run = run_pipeline("github");
    let (root, temp) = (run.checkout.path(), run.scratch.path());
    // the pull request's outputs go to the runner's temp folder, not into the checkout
    for f in ["results.sarif", "plan.md"] {
        assert!(!root.join(f).exists(), "{f} was written into the checkout");
    }
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(temp.join("results.sarif")).unwrap())
            .expect("results.sarif is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let plan_md = std::fs::read_to_string(temp.join("plan.md")).unwrap();
    assert!(plan_md.contains("create"), "{plan_md}");
    let plan_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("plan.json")).unwrap()).unwrap();
    assert!(plan_json.is_object());
}

#[test]
fn extraction_handles_the_supported_shell_and_rejects_the_rest() {
    let ok = parse_line(
        "t".into(),
        "sentinelctl plan --env dev --format markdown --detailed-exitcode > plan.md || code=$?",
    )
    .unwrap();
    assert_eq!(
        ok.args,
        [
            "plan",
            "--env",
            "dev",
            "--format",
            "markdown",
            "--detailed-exitcode"
        ]
    );
    assert_eq!(ok.redirect, Some(("plan.md".into(), false)));
    assert_eq!(ok.accepted(), &[0, 2]);
    let summary = parse_line(
        "t".into(),
        r#"sentinelctl plan --env prod --format markdown >> "$GITHUB_STEP_SUMMARY""#,
    )
    .unwrap();
    assert_eq!(
        summary.redirect,
        Some(("$GITHUB_STEP_SUMMARY".into(), true))
    );
    assert_eq!(summary.accepted(), &[0]);
    assert_eq!(
        parse_line("t".into(), "sentinelctl drift --env 'customer-*'")
            .unwrap()
            .args,
        ["drift", "--env", "customer-*"]
    );
    for bad in [
        "sentinelctl plan --env $ENV",
        "sentinelctl plan --env dev | tee plan.txt",
        "sentinelctl validate && echo ok",
        "sentinelctl plan --env \"$ENV\"",
        "sentinelctl validate 2> err.txt",
    ] {
        assert!(parse_line("t".into(), bad).is_err(), "{bad}");
    }
    // outputs outside the checkout
    let temp = parse_line(
        "t".into(),
        r#"sentinelctl plan --env dev --format markdown --detailed-exitcode > "$RUNNER_TEMP/plan.md" || code=$?"#,
    )
    .unwrap();
    assert_eq!(temp.redirect, Some(("$RUNNER_TEMP/plan.md".into(), false)));
    assert_eq!(temp.accepted(), &[0, 2]);
    let (root, scratch) = (Path::new("/checkout"), Path::new("/scratch"));
    for (target, lands) in [
        ("$RUNNER_TEMP/plan.md", scratch.join("plan.md")),
        (
            "${RUNNER_TEMP}/results.sarif",
            scratch.join("results.sarif"),
        ),
        ("$(Agent.TempDirectory)/plan.md", scratch.join("plan.md")),
        (
            "$(Build.ArtifactStagingDirectory)/sentinelctl.sarif",
            scratch.join("sentinelctl.sarif"),
        ),
        ("$GITHUB_STEP_SUMMARY", scratch.join("redirect.out")),
        ("$RUNNER_TEMP/../escape", scratch.join("redirect.out")),
        ("plan.md", root.join("plan.md")),
    ] {
        assert_eq!(redirect_path(root, scratch, target), lands, "{target}");
    }
}

// ---------------------------------------------------------------------------------------------
// The trust boundary: which job may hold which identity
//
// The pull request's files are data. A job that can obtain a token for Azure (GitHub
// `id-token: write`, an Azure Pipelines `AzureCLI@2` service connection) runs only a sentinelctl
// built elsewhere and GitHub's own file actions; it builds nothing and posts nothing. The job
// that builds holds no identity and, on pull requests, has only the base branch on disk.

/// Entries of a mapping (none for anything else).
fn entries(node: Option<&Node>) -> &[(Node, Node)] {
    match node.map(|n| &n.value) {
        Some(Value::Map(e)) => e,
        _ => &[],
    }
}

/// Items of a sequence (none for anything else).
fn items(node: Option<&Node>) -> &[Node] {
    match node.map(|n| &n.value) {
        Some(Value::Seq(i)) => i,
        _ => &[],
    }
}

fn text<'a>(node: &'a Node, path: &[&str]) -> Option<&'a str> {
    node.path(path).and_then(Node::as_str)
}

/// Lines of a script that start a command (comments dropped, `\` continuations joined).
fn commands(script: &str) -> Vec<String> {
    script
        .replace("\\\n", " ")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// The redirect target of a sentinelctl line in a pull-request job must be outside the checkout.
fn redirect_outside_checkout(line: &str) -> Result<(), String> {
    let Some(i) = line.rfind('>') else {
        return Ok(());
    };
    let target = line[i + 1..]
        .trim()
        .trim_end_matches("|| code=$?")
        .trim()
        .trim_matches('"');
    if OUTSIDE_THE_CHECKOUT.iter().any(|p| target.starts_with(p))
        || target == "$GITHUB_STEP_SUMMARY"
    {
        Ok(())
    } else {
        Err(format!(
            "`{line}` writes into the checkout, where a symlink in the pull request can redirect it"
        ))
    }
}

/// GitHub's own actions that only move files: the only ones a job holding an identity may run.
const IDENTITY_JOB_ACTIONS: [&str; 3] = [
    "actions/checkout",
    "actions/download-artifact",
    "actions/upload-artifact",
];
const FORK_GATE: &str = "github.event.pull_request.head.repo.full_name == github.repository";
const BASE_SHA: &str = "${{ github.event.pull_request.base.sha }}";

/// Everything in one GitHub Actions workflow that breaks the trust boundary.
fn github_trust_problems(name: &str, doc: &Node) -> Vec<String> {
    let mut out = Vec::new();
    let triggers: Vec<&str> = match doc.get("on").map(|n| &n.value) {
        Some(Value::Map(e)) => e.iter().filter_map(|(k, _)| k.as_str()).collect(),
        Some(Value::Seq(i)) => i.iter().filter_map(Node::as_str).collect(),
        Some(Value::Scalar(t, _)) => vec![t.as_str()],
        None => vec![],
    };
    for dangerous in ["pull_request_target", "workflow_run"] {
        if triggers.contains(&dangerous) {
            out.push(format!(
                "{name}: `on: {dangerous}` runs with the base repository's token on pull request input"
            ));
        }
    }
    let on_pull_requests = triggers
        .iter()
        .any(|t| matches!(*t, "pull_request" | "pull_request_target"));
    if !matches!(doc.get("permissions").map(|p| &p.value), Some(Value::Map(e)) if e.is_empty()) {
        out.push(format!(
            "{name}: no workflow-level `permissions: {{}}` (every job states what it needs)"
        ));
    }
    for (key, job) in entries(doc.get("jobs")) {
        let job_name = format!("{name}: job `{}`", key.as_str().unwrap_or("?"));
        let permissions = job.get("permissions");
        if permissions.is_none() {
            out.push(format!("{job_name}: no `permissions:`"));
        }
        let identity = text(job, &["permissions", "id-token"]) == Some("write");
        let steps = items(job.get("steps"));
        let mut builds = false;
        let mut takes_binary = false;
        for step in steps {
            let run = text(step, &["run"]).unwrap_or("");
            if run.contains("${{") {
                out.push(format!(
                    "{job_name}: `${{{{ … }}}}` inside `run:` (pass values through `env:`)"
                ));
            }
            for line in commands(run) {
                if line.starts_with("cargo ") {
                    builds = true;
                    if on_pull_requests && text(step, &["working-directory"]) != Some("base") {
                        out.push(format!(
                            "{job_name}: `{line}` does not run in the base branch's checkout `base/`"
                        ));
                    }
                }
                if on_pull_requests
                    && line.starts_with("sentinelctl ")
                    && let Err(e) = redirect_outside_checkout(&line)
                {
                    out.push(format!("{job_name}: {e}"));
                }
                if line.starts_with("sentinelctl apply")
                    && (job.get("environment").is_none()
                        || text(job, &["concurrency", "cancel-in-progress"]) != Some("false"))
                {
                    out.push(format!(
                        "{job_name}: applies without an `environment:` and a job `concurrency` group that never cancels"
                    ));
                }
            }
            let Some(uses) = text(step, &["uses"]) else {
                continue;
            };
            let (action, rev) = uses.split_once('@').unwrap_or((uses, ""));
            if rev.len() != 40 || !rev.bytes().all(|b| b.is_ascii_hexdigit()) {
                out.push(format!(
                    "{job_name}: `{uses}` is not pinned to a full commit SHA"
                ));
            }
            if action == "actions/checkout" {
                if text(step, &["with", "persist-credentials"]) != Some("false") {
                    out.push(format!(
                        "{job_name}: a checkout without `persist-credentials: false`"
                    ));
                }
                if on_pull_requests
                    && builds_in(steps)
                    && (text(step, &["with", "ref"]) != Some(BASE_SHA)
                        || text(step, &["with", "path"]) != Some("base"))
                {
                    out.push(format!(
                        "{job_name}: builds, and checks out something other than the base branch into `base/`"
                    ));
                }
            }
            if action == "actions/download-artifact"
                && text(step, &["with", "name"]) == Some("sentinelctl")
            {
                takes_binary = true;
            }
            if identity && !IDENTITY_JOB_ACTIONS.contains(&action) {
                out.push(format!(
                    "{job_name}: holds `id-token: write` and runs `{action}`"
                ));
            }
        }
        if !identity {
            continue;
        }
        if builds {
            out.push(format!(
                "{job_name}: holds `id-token: write` and runs cargo (build in a job without identity)"
            ));
        }
        if !takes_binary {
            out.push(format!(
                "{job_name}: holds `id-token: write` and does not take sentinelctl from the build job's artifact"
            ));
        }
        for (k, v) in entries(permissions) {
            let k = k.as_str().unwrap_or("?");
            if k != "id-token" && v.as_str() != Some("read") {
                out.push(format!(
                    "{job_name}: holds `id-token: write` and also `{k}: {}`",
                    v.as_str().unwrap_or("?")
                ));
            }
        }
        if on_pull_requests && !text(job, &["if"]).is_some_and(|c| c.contains(FORK_GATE)) {
            out.push(format!(
                "{job_name}: holds `id-token: write` on pull requests without `if: {FORK_GATE}`"
            ));
        }
    }
    out
}

fn builds_in(steps: &[Node]) -> bool {
    steps.iter().any(|s| {
        commands(text(s, &["run"]).unwrap_or(""))
            .iter()
            .any(|l| l.starts_with("cargo "))
    })
}

/// One Azure Pipelines job with its steps, templates expanded one level.
struct AdoJob<'a> {
    name: String,
    job: &'a Node,
    stage: Option<&'a Node>,
    steps: Vec<Node>,
    /// `(template file name, its parameters)` for every template step.
    templates: Vec<(String, Option<Node>)>,
}

fn ado_jobs<'a>(doc: &'a Node, dir: &Path) -> Vec<AdoJob<'a>> {
    let mut found: Vec<(Option<&Node>, &Node)> = Vec::new();
    for stage in items(doc.get("stages")) {
        found.extend(items(stage.get("jobs")).iter().map(|j| (Some(stage), j)));
    }
    found.extend(items(doc.get("jobs")).iter().map(|j| (None, j)));
    if doc.get("steps").is_some() {
        found.push((None, doc));
    }
    found
        .into_iter()
        .map(|(stage, job)| {
            let own = job
                .get("steps")
                .or_else(|| job.path(&["strategy", "runOnce", "deploy", "steps"]));
            let mut steps = Vec::new();
            let mut templates = Vec::new();
            for step in items(own) {
                if let Some(file) = text(step, &["template"]) {
                    let template = std::fs::read_to_string(dir.join(file))
                        .unwrap_or_else(|e| panic!("template {file}: {e}"));
                    let (tdoc, problems) = yaml::parse(&template);
                    assert!(problems.is_empty(), "{file}: {problems:?}");
                    let tdoc = tdoc.unwrap();
                    steps.extend(items(tdoc.get("steps")).iter().cloned());
                    let base = file.rsplit('/').next().unwrap_or(file).to_string();
                    templates.push((base, step.get("parameters").cloned()));
                } else {
                    steps.push(step.clone());
                }
            }
            let name = text(job, &["job"])
                .or_else(|| text(job, &["deployment"]))
                .unwrap_or("(root)")
                .to_string();
            AdoJob {
                name,
                job,
                stage,
                steps,
                templates,
            }
        })
        .collect()
}

/// Everything in one Azure Pipelines file that breaks the trust boundary.
fn ado_trust_problems(name: &str, doc: &Node, dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let on_pull_requests = doc.get("pr").is_some_and(|pr| pr.as_str() != Some("none"));
    for job in ado_jobs(doc, dir) {
        let job_name = format!("{name}: job `{}`", job.name);
        let script = |s: &Node| {
            ["script", "bash", "inlineScript"]
                .iter()
                .filter_map(|k| text(s, &[k]).or_else(|| text(s, &["inputs", k])))
                .flat_map(commands)
                .collect::<Vec<_>>()
        };
        let service = job
            .steps
            .iter()
            .any(|s| text(s, &["task"]).is_some_and(|t| t.starts_with("AzureCLI@")));
        let builds = job
            .steps
            .iter()
            .any(|s| script(s).iter().any(|l| l.starts_with("cargo ")));
        let access_token = job.steps.iter().any(|s| {
            entries(s.get("env"))
                .iter()
                .any(|(_, v)| v.as_str().is_some_and(|v| v.contains("System.AccessToken")))
        });
        let persisted = job
            .steps
            .iter()
            .any(|s| text(s, &["persistCredentials"]) == Some("true"));
        let takes_binary = job.steps.iter().any(|s| {
            text(s, &["download"]) == Some("current")
                && text(s, &["artifact"]) == Some("sentinelctl")
        });
        if service && builds {
            out.push(format!(
                "{job_name}: holds a service connection and runs cargo (build in a job without one)"
            ));
        }
        if service && !takes_binary {
            out.push(format!(
                "{job_name}: holds a service connection and does not take sentinelctl from the build job's artifact"
            ));
        }
        if service && (access_token || persisted) {
            out.push(format!(
                "{job_name}: holds a service connection and also the build service's token"
            ));
        }
        if on_pull_requests
            && service
            && !text(job.job, &["condition"])
                .is_some_and(|c| c.contains("System.PullRequest.IsFork"))
        {
            out.push(format!(
                "{job_name}: holds a service connection on pull requests without excluding forks (System.PullRequest.IsFork)"
            ));
        }
        for (template, parameters) in &job.templates {
            if on_pull_requests
                && template == "build-sentinelctl.yml"
                && parameters.as_ref().and_then(|p| text(p, &["source"]))
                    != Some("pullRequestTarget")
            {
                out.push(format!(
                    "{job_name}: builds the pull request's own code (use `source: pullRequestTarget`)"
                ));
            }
        }
        for line in job.steps.iter().flat_map(script) {
            if on_pull_requests
                && line.starts_with("sentinelctl ")
                && let Err(e) = redirect_outside_checkout(&line)
            {
                out.push(format!("{job_name}: {e}"));
            }
            if line.starts_with("sentinelctl apply")
                && (job.job.get("deployment").is_none()
                    || job.job.get("environment").is_none()
                    || job.stage.and_then(|s| text(s, &["lockBehavior"])) != Some("sequential"))
            {
                out.push(format!(
                    "{job_name}: applies outside a deployment job with an environment in a `lockBehavior: sequential` stage"
                ));
            }
        }
    }
    out
}

fn parse_workflow(path: &Path) -> Node {
    let text = std::fs::read_to_string(path).unwrap();
    let (doc, problems) = yaml::parse(&text);
    assert!(problems.is_empty(), "{}: {problems:?}", path.display());
    doc.unwrap_or_else(|| panic!("{} is empty", path.display()))
}

#[test]
fn github_workflows_keep_the_trust_boundary() {
    let mut problems = Vec::new();
    let mut identity_jobs = Vec::new();
    for file in workflow_files("github") {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let doc = parse_workflow(&file);
        problems.extend(github_trust_problems(&name, &doc));
        for (key, job) in entries(doc.get("jobs")) {
            if text(job, &["permissions", "id-token"]) == Some("write") {
                identity_jobs.push(format!("{name}:{}", key.as_str().unwrap_or("?")));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // the check saw the jobs it is about: one per Azure login in the four workflows
    assert_eq!(identity_jobs.len(), 6, "{identity_jobs:?}");
}

#[test]
fn azure_devops_pipelines_keep_the_trust_boundary() {
    let dir = repo_root().join("examples/azure-devops");
    let mut problems = Vec::new();
    let mut service_jobs = Vec::new();
    for file in workflow_files("azure-devops") {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let doc = parse_workflow(&file);
        problems.extend(ado_trust_problems(&name, &doc, &dir));
        for job in ado_jobs(&doc, &dir) {
            if job
                .steps
                .iter()
                .any(|s| text(s, &["task"]) == Some("AzureCLI@2"))
            {
                service_jobs.push(format!("{name}:{}", job.name));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(service_jobs.len(), 6, "{service_jobs:?}");
    // the build template runs cargo outside the checkout, on sources taken out of Git
    let template = parse_workflow(&dir.join("templates/build-sentinelctl.yml"));
    let cargo: Vec<&Node> = items(template.get("steps"))
        .iter()
        .filter(|s| text(s, &["script"]).is_some_and(|t| t.starts_with("cargo ")))
        .collect();
    assert_eq!(cargo.len(), 1);
    assert_eq!(
        text(cargo[0], &["workingDirectory"]),
        Some("$(Agent.TempDirectory)/sentinelctl-src")
    );
}

/// The pull-request workflow as it was before issue 11: the job holding the OIDC permission
/// built the pull request's own sources.
const UNSAFE_GITHUB_PR: &str = r#"
on:
  pull_request_target:
    branches: [main]
jobs:
  plan-dev:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      id-token: write
      pull-requests: write
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: cargo install --path . --locked
      - run: sentinelctl plan --env dev --format markdown > plan.md
      - run: echo "${{ github.event.pull_request.title }}"
      - uses: marocchino/sticky-pull-request-comment@v2
        with:
          path: plan.md
"#;

#[test]
fn the_trust_boundary_check_catches_the_old_pull_request_workflow() {
    let (doc, problems) = yaml::parse(UNSAFE_GITHUB_PR);
    assert!(problems.is_empty(), "{problems:?}");
    let found = github_trust_problems("old.yml", &doc.unwrap()).join("\n");
    for expected in [
        "`on: pull_request_target`",
        "no workflow-level `permissions: {}`",
        "`actions/checkout@v4` is not pinned",
        "a checkout without `persist-credentials: false`",
        "builds, and checks out something other than the base branch",
        "`cargo install --path . --locked` does not run in the base branch's checkout",
        "`sentinelctl plan --env dev --format markdown > plan.md` writes into the checkout",
        "`${{ … }}` inside `run:`",
        "holds `id-token: write` and runs `marocchino/sticky-pull-request-comment`",
        "holds `id-token: write` and runs cargo",
        "does not take sentinelctl from the build job's artifact",
        "also `pull-requests: write`",
        "without `if: github.event.pull_request.head.repo.full_name == github.repository`",
    ] {
        assert!(
            found.contains(expected),
            "missing `{expected}` in:\n{found}"
        );
    }
}

#[test]
fn the_trust_boundary_check_catches_an_unsafe_azure_pull_request_pipeline() {
    let unsafe_pr = r"
pr:
  branches:
    include: [main]
jobs:
  - job: plan
    steps:
      - checkout: self
        persistCredentials: true
      - template: templates/build-sentinelctl.yml
      - task: AzureCLI@2
        inputs:
          azureSubscription: sentinel-reader
          scriptType: bash
          scriptLocation: inlineScript
          inlineScript: |
            sentinelctl plan --env dev --format markdown > plan.md
            sentinelctl apply --env dev --auto-approve
";
    let (doc, problems) = yaml::parse(unsafe_pr);
    assert!(problems.is_empty(), "{problems:?}");
    let dir = repo_root().join("examples/azure-devops");
    let found = ado_trust_problems("old.yml", &doc.unwrap(), &dir).join("\n");
    for expected in [
        "holds a service connection and runs cargo",
        "does not take sentinelctl from the build job's artifact",
        "also the build service's token",
        "without excluding forks",
        "builds the pull request's own code",
        "`sentinelctl plan --env dev --format markdown > plan.md` writes into the checkout",
        "applies outside a deployment job",
    ] {
        assert!(
            found.contains(expected),
            "missing `{expected}` in:\n{found}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// validate --since

fn validate_since(root: &Path, git_ref: &str) -> (i32, serde_json::Value) {
    let out = sentinelctl()
        .args([
            "validate", "--no-kql", "--format", "json", "--since", git_ref,
        ])
        .current_dir(root)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), json)
}

fn since_findings(json: &serde_json::Value) -> Vec<String> {
    json["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == "SC3016")
        .map(|d| d["file"].as_str().unwrap_or("").to_string())
        .collect()
}

fn edit(root: &Path, path: &str, from: &str, to: &str) {
    let p = root.join(path);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{path} has no `{from}`");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn validate_since_requires_a_version_bump_for_changed_content() {
    let checkout = ci_checkout();
    let root = checkout.path();
    let base = git(root, &["rev-parse", "HEAD"]).trim().to_string();

    // nothing changed
    let (code, json) = validate_since(root, &base);
    assert_eq!((code, since_findings(&json)), (0, vec![]));

    // a changed rule without a bump, a rule whose version went down, a function with a bump,
    // a workbook JSON change, a comment-only change, a new rule
    let brute = "detections/OnePassword-BruteForceSignIn.yaml";
    let spray = "detections/OnePassword-PasswordSpray.yaml";
    edit(root, brute, "triggerThreshold: 0", "triggerThreshold: 1");
    edit(root, spray, "version: 1.1.1", "version: 0.9.9");
    edit(root, spray, "severity: High", "severity: Medium");
    edit(
        root,
        "functions/OnePasswordEvents.yaml",
        "Version: '1.0.0'",
        "Version: '1.0.10'",
    );
    edit(
        root,
        "functions/OnePasswordEvents.yaml",
        "FunctionQuery: |\n",
        "FunctionQuery: |\n  // tuned\n",
    );
    let wb = root.join("workbooks/onepassword-overview.json");
    let mut workbook: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&wb).unwrap()).unwrap();
    workbook["items"].as_array_mut().unwrap().pop();
    std::fs::write(&wb, serde_json::to_string_pretty(&workbook).unwrap()).unwrap();
    let vault = root.join("detections/OnePassword-VaultExported.yaml");
    let mut text = std::fs::read_to_string(&vault).unwrap();
    text.push_str("# reviewed 2026-11\n");
    std::fs::write(&vault, text).unwrap();
    let new_rule = std::fs::read_to_string(root.join(brute))
        .unwrap()
        .replace(
            "5f78b752-4321-42a6-8117-5cdce94c1077",
            "5f78b752-4321-42a6-8117-5cdce94c1078",
        )
        .replace(
            "name: 1Password - Brute force",
            "name: 1Password - Copy of brute force",
        );
    std::fs::write(root.join("detections/New.yaml"), new_rule).unwrap();

    let (code, json) = validate_since(root, &base);
    let mut files = since_findings(&json);
    files.sort();
    assert_eq!(
        files,
        [brute, spray, "workbooks/onepassword-overview.yaml"],
        "{json:#}"
    );
    assert_eq!(code, 1);
    let messages: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("still `1.0.0`")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("from `1.1.1` to `0.9.9`")),
        "{messages:?}"
    );

    // bumping fixes it; committing makes HEAD the new base
    edit(root, brute, "version: 1.0.0", "version: 1.1.0");
    edit(root, spray, "version: 0.9.9", "version: 1.1.2");
    edit(
        root,
        "workbooks/onepassword-overview.yaml",
        "version: 1.0.0",
        "version: 1.0.1",
    );
    let (code, json) = validate_since(root, &base);
    assert_eq!((code, since_findings(&json)), (0, vec![]), "{json:#}");
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "tuned"]);
    let (code, _) = validate_since(root, "HEAD");
    assert_eq!(code, 0);

    // an unknown ref is an error (exit 2) that says what to do
    let out = sentinelctl()
        .args(["validate", "--since", "origin/nope"])
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("origin/nope") && stderr.contains("git fetch"),
        "{stderr}"
    );
}
