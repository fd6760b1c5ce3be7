//! The trust boundary, attacked the way issue 11 describes: content from a pull request (or a
//! workspace edited by someone else) tries to steal credentials, reach git as an option, write
//! outside the repository, hide changes from reviewers, exhaust memory, aim writes at the wrong
//! resource, or change what was approved. Each test drives the real binary and checks that the
//! attack is refused with a clear message, or made harmless, with nothing sent, written or lost.
//! (Attack 2, the pull-request workflow running its own code with the deploy identity, is checked on
//! the workflows themselves in `workflows.rs`.)

use std::io::Read as _;
use std::net::TcpListener;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::support::copy::copy_dir;
use crate::support::{TempRepo, git, run, sentinelctl, set_line, text};

fn run_in(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = sentinelctl();
    cmd.arg("--root").arg(root).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("sentinelctl runs")
}

fn apply(repo: &TempRepo) {
    let out = repo.run(&["apply", "--env", "local", "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
}

const ENV_HEAD: &str = "tenantId: 11111111-1111-1111-1111-111111111111\n\
    subscriptionId: 22222222-2222-2222-2222-222222222222\n\
    resourceGroup: rg\nworkspace: law\n";

/// A listener standing in for the attacker's host: counts connections while the command runs.
struct Trap {
    listener: TcpListener,
}

impl Trap {
    fn new() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Self { listener }
    }

    fn url(&self) -> String {
        format!(
            "https://127.0.0.1:{}",
            self.listener.local_addr().unwrap().port()
        )
    }

    /// Whether anything connected.
    fn was_contacted(&self) -> bool {
        match self.listener.accept() {
            Ok((mut s, _)) => {
                let mut buf = [0u8; 16];
                let _ = s.read(&mut buf);
                true
            }
            Err(_) => false,
        }
    }
}

// --- 1. Credentials to any host ---------------------------------------------------------------

#[test]
fn a_named_cloud_cannot_redirect_its_login() {
    let repo = TempRepo::shipped();
    let trap = Trap::new();
    repo.write("environments/evil.yaml",
        format!(
            "{ENV_HEAD}cloud: public\nendpoints:\n  authorityHost: {}\nauth:\n  method: workload-identity\n  clientId: 33333333-3333-3333-3333-333333333333\n",
            trap.url()
        ),
    );
    let v = run(repo.path(), &["validate", "--env", "evil"]);
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert!(
        text(&v).contains("SC5001") && text(&v).contains("authorityHost"),
        "{}",
        text(&v)
    );
    let p = run_in(
        repo.path(),
        &["plan", "--env", "evil"],
        &[("AZURE_FEDERATED_TOKEN_FILE", "/dev/null")],
    );
    assert_eq!(p.status.code(), Some(1), "{}", text(&p));
    assert!(
        text(&p).contains("cannot be set for cloud `public`"),
        "{}",
        text(&p)
    );
    assert!(
        !trap.was_contacted(),
        "the token endpoint of the file was contacted"
    );
}

#[test]
fn a_custom_endpoint_needs_the_invokers_permission() {
    let repo = TempRepo::shipped();
    let trap = Trap::new();
    repo.write("environments/evil.yaml",
        format!(
            "{ENV_HEAD}cloud: custom\nendpoints:\n  resourceManager: {0}\n  authorityHost: {0}\nauth:\n  method: client-secret\n  clientId: 33333333-3333-3333-3333-333333333333\n",
            trap.url()
        ),
    );
    let v = run(repo.path(), &["validate", "--env", "evil"]);
    assert!(
        text(&v).contains("SC5005"),
        "reviewers see the endpoint: {}",
        text(&v)
    );
    let p = run_in(
        repo.path(),
        &["plan", "--env", "evil"],
        &[("AZURE_CLIENT_SECRET", "s3cret-value")],
    );
    assert_eq!(p.status.code(), Some(1), "{}", text(&p));
    let t = text(&p);
    assert!(
        t.contains("not allowed here") && t.contains("--allow-endpoint"),
        "{t}"
    );
    assert!(!t.contains("s3cret-value"));
    assert!(
        !trap.was_contacted(),
        "credentials went to a host nobody allowed"
    );
}

#[test]
fn credential_files_and_ci_variables_cannot_be_named_by_content() {
    let repo = TempRepo::shipped();
    for (auth, code) in [
        (
            "  method: workload-identity\n  federatedTokenFile: .git/config\n",
            "SC5006",
        ),
        (
            "  method: client-certificate\n  clientId: 33333333-3333-3333-3333-333333333333\n  certificateFile: /proc/self/environ\n",
            "SC5006",
        ),
        (
            "  method: client-secret\n  clientId: 33333333-3333-3333-3333-333333333333\n  clientSecretEnv: ACTIONS_ID_TOKEN_REQUEST_TOKEN\n",
            "SC5006",
        ),
    ] {
        repo.write(
            "environments/evil.yaml",
            format!("{ENV_HEAD}cloud: public\nauth:\n{auth}"),
        );
        let v = run(repo.path(), &["validate", "--env", "evil"]);
        assert_eq!(v.status.code(), Some(1), "{}", text(&v));
        assert!(text(&v).contains(code), "{auth}: {}", text(&v));
        let p = run_in(
            repo.path(),
            &["plan", "--env", "evil"],
            &[("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ghs_leak")],
        );
        assert_eq!(p.status.code(), Some(1), "{}", text(&p));
        assert!(!text(&p).contains("ghs_leak"));
    }
}

#[test]
fn a_secret_variable_named_by_the_file_needs_the_invokers_permission() {
    let repo = TempRepo::shipped();
    repo.write("environments/evil.yaml",
        format!(
            "{ENV_HEAD}cloud: public\nauth:\n  method: client-secret\n  clientId: 33333333-3333-3333-3333-333333333333\n  clientSecretEnv: DEPLOY_KEY\n"
        ),
    );
    let p = run_in(
        repo.path(),
        &["plan", "--env", "evil"],
        &[("DEPLOY_KEY", "other-secret")],
    );
    assert_eq!(p.status.code(), Some(1), "{}", text(&p));
    assert!(
        text(&p).contains("--allow-secret-env DEPLOY_KEY"),
        "{}",
        text(&p)
    );
}

// --- 3. Git option injection ---------------------------------------------------------------------

#[test]
fn a_lock_file_cannot_pass_options_to_git() {
    let repo = TempRepo::shipped();
    let victim = repo.path().join("written-by-git");
    let commit = format!("--output={}", victim.display());
    repo.write("environments/local.lock.yaml",
        format!(
            "promotedFrom: dev\nitems:\n  - kind: detection\n    contentId: x\n    name: x\n    version: 1.0.0\n    commit: \"{commit}\"\n    path: detections/OnePassword-PasswordSpray.yaml\n    blob: \"{commit}\"\n  - kind: detection\n    contentId: y\n    name: y\n    version: 1.0.0\n    commit: \"ééééééééééééé\"\n    path: ../../etc/passwd\n    blob: abc\n"
        ),
    );
    let v = run(repo.path(), &["validate", "--env", "local"]);
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    let t = text(&v);
    assert!(
        t.contains("SC5007") && t.contains("not a full Git commit id"),
        "{t}"
    );
    assert!(t.contains("not a repository-relative path"), "{t}");
    let p = run(repo.path(), &["plan", "--env", "local"]);
    assert_eq!(p.status.code(), Some(1), "{}", text(&p));
    assert!(!text(&p).contains("panicked"), "{}", text(&p));
    assert!(!victim.exists(), "git wrote a file named by the lock file");
}

// --- 4. Writes outside the repository on import --------------------------------------------------

fn hostile_search(alias: &str, name: &str) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "etag": "W/\"x\"",
        "properties": {
            "category": "Hostile",
            "displayName": alias,
            "query": "print 1",
            "functionAlias": alias,
            "version": 2
        }
    })
}

#[test]
fn import_keeps_workspace_names_inside_the_repository() {
    let repo = TempRepo::shipped();
    apply(&repo);
    let outside = tempfile::tempdir().unwrap();
    let escape = outside.path().join("x");
    let traversal = format!("../../../../../../../..{}", escape.display());
    repo.edit_state(|s| {
        let searches = s["workspaces"][0]["savedSearches"].as_array_mut().unwrap();
        searches.push(hostile_search(&traversal, "evil1"));
        searches.push(hostile_search("nul\u{0}byte", "evil2"));
        searches.push(hostile_search(&"L".repeat(5000), "evil3"));
        searches.push(hostile_search("CON", "evil4"));
    });
    // a symlinked file where an import would write must not be followed
    let victim = outside.path().join("victim.txt");
    std::fs::write(&victim, "untouched").unwrap();
    std::os::unix::fs::symlink(&victim, repo.path().join("functions/con-content.yaml")).unwrap();
    let before: usize = std::fs::read_dir(repo.path().join("detections"))
        .unwrap()
        .count();
    let out = run(
        repo.path(),
        &["import", "--env", "local", "--include-unmanaged"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !escape.with_extension("yaml").exists(),
        "import wrote outside the repository"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
    for e in std::fs::read_dir(repo.path().join("functions")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(name.len() <= 90 && !name.contains('\0'), "{name}");
    }
    // the repository it came from: no second copy of any rule, and it still plans
    assert_eq!(
        std::fs::read_dir(repo.path().join("detections"))
            .unwrap()
            .count(),
        before
    );
    let v = run(repo.path(), &["validate"]);
    assert!(
        !text(&v).contains("SC3002"),
        "duplicate ids after import: {}",
        text(&v)
    );
}

#[test]
fn import_never_writes_through_a_linked_folder_and_writes_nothing_when_refused() {
    let repo = TempRepo::shipped();
    apply(&repo);
    let outside = tempfile::tempdir().unwrap();
    let target = tempfile::tempdir().unwrap();
    copy_dir(
        &repo.path().join("environments"),
        &target.path().join("environments"),
    );
    copy_dir(
        &repo.path().join(".sentinelctl"),
        &target.path().join(".sentinelctl"),
    );
    std::os::unix::fs::symlink(outside.path(), target.path().join("detections")).unwrap();
    let out = run(target.path(), &["import", "--env", "local"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("a symbolic link"), "{}", text(&out));
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    assert!(
        !target.path().join("functions").exists(),
        "a partial import was written"
    );
}

#[test]
fn import_into_its_own_repository_changes_nothing_and_a_portal_edit_is_one_file() {
    let repo = TempRepo::shipped();
    let snapshot = |root: &Path| {
        let mut files = Vec::new();
        for d in ["detections", "functions", "workbooks"] {
            for e in std::fs::read_dir(root.join(d)).unwrap() {
                let p = e.unwrap().path();
                files.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
        files.sort();
        files
    };
    apply(&repo);
    let before = snapshot(repo.path());
    let out = run(repo.path(), &["import", "--env", "local"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        snapshot(repo.path()),
        before,
        "import rewrote unchanged files"
    );
    repo.edit_state(|s| {
        s["workspaces"][0]["alertRules"][0]["properties"]["severity"] = "Informational".into();
    });
    let out = run(repo.path(), &["import", "--env", "local"]);
    assert!(out.status.success(), "{}", text(&out));
    let after = snapshot(repo.path());
    let changed: Vec<_> = before
        .iter()
        .zip(&after)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.0.clone())
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(before.len(), after.len());
}

#[test]
fn import_drifted_updates_only_the_files_of_changed_content_in_place() {
    let repo = TempRepo::shipped();
    apply(&repo);
    // a portal edit of one rule, a hand-made rule, and a deployed hunting query whose file was
    // removed from the branch: only the first is drift back to Git
    let hunting = repo.path().join("hunting");
    let removed = std::fs::read_dir(&hunting)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.extension().is_some_and(|e| e == "yaml")
                && !p.to_string_lossy().ends_with(".tests.yaml")
        })
        .unwrap();
    std::fs::remove_file(&removed).unwrap();
    let mut edited = String::new();
    repo.edit_state(|s| {
        let rules = s["workspaces"][0]["alertRules"].as_array_mut().unwrap();
        rules[0]["properties"]["severity"] = "Informational".into();
        edited = rules[0]["properties"]["displayName"]
            .as_str()
            .unwrap()
            .to_string();
        let mut hand_made = rules[1].clone();
        hand_made["name"] = "11111111-2222-3333-4444-555555555555".into();
        hand_made["properties"]["displayName"] = "Hand-made rule".into();
        rules.push(hand_made);
    });
    let list = |root: &Path| {
        let mut files = Vec::new();
        for d in [
            "detections",
            "functions",
            "workbooks",
            "hunting",
            "watchlists",
            "automation",
        ] {
            for e in std::fs::read_dir(root.join(d)).unwrap() {
                let p = e.unwrap().path();
                files.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
        files.sort();
        files
    };
    let before = list(repo.path());
    let out = run(
        repo.path(),
        &[
            "import",
            "--env",
            "local",
            "--drifted",
            "--include-unmanaged",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let after = list(repo.path());
    assert_eq!(
        before.iter().map(|f| &f.0).collect::<Vec<_>>(),
        after.iter().map(|f| &f.0).collect::<Vec<_>>(),
        "--drifted writes no new file"
    );
    let changed: Vec<_> = before
        .iter()
        .zip(&after)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (a.0.clone(), String::from_utf8_lossy(&b.1).into_owned()))
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(
        changed[0].1.contains("severity: Informational"),
        "{}",
        changed[0].1
    );
    assert!(
        text(&out).contains("updated detections/")
            && text(&out).contains("1 drifted files updated"),
        "{}",
        text(&out)
    );
    assert!(!edited.is_empty());
    // the file now says what the workspace holds: drift is clean for that rule
    let again = run(repo.path(), &["import", "--env", "local", "--drifted"]);
    assert!(
        text(&again).contains("0 drifted files updated"),
        "{}",
        text(&again)
    );
}

// --- 5. Hiding changes from reviewers ------------------------------------------------------------

#[test]
fn names_cannot_hide_plan_rows_or_drive_the_terminal() {
    let repo = TempRepo::shipped();
    apply(&repo);
    // a rule renamed to open an HTML comment, another removed (a Delete row must stay visible;
    // one no automation rule names, or validation would refuse the removal)
    let spray = repo
        .path()
        .join("detections/OnePassword-PasswordSpray.yaml");
    set_line(
        &spray,
        "name: ",
        "name: \"Tune thresholds\\n<!-- \\u001b[2J\\u001b]0;owned\\u0007\"",
    );
    std::fs::remove_file(
        repo.path()
            .join("detections/OnePassword-ItemsSharedByLink.yaml"),
    )
    .unwrap();
    let md = run(
        repo.path(),
        &["plan", "--env", "local", "--format", "markdown"],
    );
    assert!(md.status.success(), "{}", text(&md));
    let md = String::from_utf8_lossy(&md.stdout).into_owned();
    assert!(!md.contains("<!--"), "{md}");
    assert!(
        md.contains("| Delete | detection |"),
        "the Delete row is visible: {md}"
    );
    for format in ["human", "markdown", "json"] {
        let out = run(
            repo.path(),
            &[
                "--color", "never", "plan", "--env", "local", "--format", format,
            ],
        );
        assert!(
            !out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b),
            "{format}"
        );
        assert!(!out.stdout.contains(&0x07), "{format}");
    }
}

#[test]
fn a_control_character_in_a_live_name_keeps_junit_parseable() {
    let repo = TempRepo::shipped();
    apply(&repo);
    repo.edit_state(|s| {
        s["workspaces"][0]["alertRules"][0]["properties"]["displayName"] =
            "bell\u{7} esc\u{1b}[31m <tag> & \"q\" \u{0}".into();
    });
    let out = run(
        repo.path(),
        &["drift", "--env", "local", "--format", "junit"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(
        !xml.chars()
            .any(|c| (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r')),
        "XML 1.0 forbids these characters: {xml:?}"
    );
    assert!(!xml.contains("<tag>"));
    let md = run(
        repo.path(),
        &["drift", "--env", "local", "--format", "markdown"],
    );
    assert!(!String::from_utf8_lossy(&md.stdout).contains("<tag>"));
}

// --- 6. Exhausting memory, reading files it should not -------------------------------------------

#[test]
fn a_billion_laughs_file_fails_fast() {
    let repo = TempRepo::shipped();
    let mut lol = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 9].join(",");
        lol.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    assert!(lol.len() < 700);
    repo.write("detections/lol.yaml", &lol);
    let started = Instant::now();
    let v = run(repo.path(), &["validate"]);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(v.status.code(), Some(1));
    assert!(text(&v).contains("aliases expand"), "{}", text(&v));
}

#[test]
fn links_and_special_files_in_content_folders_are_not_read() {
    let repo = TempRepo::shipped();
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-qm", "base"]);
    let d = repo.path().join("detections");
    std::os::unix::fs::symlink("/dev/zero", d.join("zero.yaml")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", d.join("passwd.yaml")).unwrap();
    std::fs::create_dir(d.join("folder.yaml")).unwrap();
    let started = Instant::now();
    let v = run(repo.path(), &["validate", "--since", "HEAD"]);
    assert!(started.elapsed() < Duration::from_secs(20));
    let t = text(&v);
    assert_eq!(v.status.code(), Some(1), "{t}");
    assert_eq!(t.matches("SC1012").count(), 3, "{t}");
    assert!(!t.contains("root:"), "a linked file was echoed: {t}");
}

// --- 7. Writes aimed at the wrong resource -------------------------------------------------------

#[test]
fn resource_names_that_leave_their_collection_are_refused() {
    let repo = TempRepo::shipped();
    let f = repo.path().join("functions/OnePasswordEvents.yaml");
    let body = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, format!("resourceName: \"..\"\n{body}")).unwrap();
    let wb = std::fs::read_dir(repo.path().join("workbooks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "yaml"))
        .unwrap();
    let body = std::fs::read_to_string(&wb).unwrap();
    std::fs::write(&wb, format!("name: \".\"\n{body}")).unwrap();
    let v = run(repo.path(), &["validate"]);
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert_eq!(text(&v).matches("SC4005").count(), 2, "{}", text(&v));
    let a = run(repo.path(), &["apply", "--env", "local", "--auto-approve"]);
    assert_eq!(a.status.code(), Some(1), "{}", text(&a));
    assert!(
        !repo.path().join(".sentinelctl/local-state.json").exists(),
        "nothing reached the workspace"
    );
}

// --- 8. Content changed after approval -----------------------------------------------------------

#[test]
fn a_saved_plan_refuses_a_create_whose_file_changed() {
    let repo = TempRepo::shipped();
    let plan = repo.path().join("plan.json");
    let out = run(
        repo.path(),
        &["plan", "--env", "local", "--out", plan.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    let spray = repo
        .path()
        .join("detections/OnePassword-PasswordSpray.yaml");
    set_line(&spray, "severity: ", "severity: Low");
    let v = run(repo.path(), &["validate"]);
    assert!(
        v.status.success(),
        "the edit keeps the content valid: {}",
        text(&v)
    );
    let a = run(
        repo.path(),
        &["apply", "--env", "local", "--plan", plan.to_str().unwrap()],
    );
    assert_eq!(a.status.code(), Some(1), "{}", text(&a));
    let t = text(&a);
    assert!(t.contains("saved plan is stale"), "{t}");
    assert!(t.contains("content changed"), "{t}");
}
