//! Throughput benchmark: rows/s per operator family over generated 1Password-shaped rows, then the
//! project's whole content (every detection and function) over the same table.
//!
//! `cargo run --release -p sentinel_kql_engine --example bench [-- ROWS]` (default 1,000,000);
//! `BENCH_ONLY=text` runs only the families and content files whose name contains `text`.
//!
//! The rows follow `schemas/OnePasswordEventLogs_CL.json` (all its columns) and the connector's
//! three feeds as `/work/shared/corpus/NOTES.md` §3 describes them: sign-in attempts (`category`,
//! `action_type`, `country`, `target_user`, `client`, `location`), audit events (`actor_*`,
//! `action`, `object_*`, `aux_*`, `session`) and item usages (`used_version`, `vault_uuid`,
//! `item_uuid`, `user`), over 14 days, from a fixed seed. Peak memory is the process's peak
//! resident set (`VmHWM`), generation included.

// A benchmark program: it prints its figures, reads its own settings and does synthetic arithmetic.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::disallowed_methods
)]

#[path = "../tests/support/corpus.rs"]
mod corpus;

use std::time::Instant;

use sentinel_kql_engine::{Bag, Column, DateTime, Options, Table, Value, evaluate};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Skewed pick: small indexes are far more likely (a few busy users, many quiet ones).
    fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        let b = self.below(n);
        a.min(b)
    }
    fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }
}

const COUNTRIES: &[&str] = &[
    "US", "GB", "DE", "FR", "NL", "CA", "AU", "JP", "BR", "IN", "SE", "ES", "IT", "PL", "RU", "CN",
    "NG", "ZA", "MX", "SG",
];
const CATEGORIES: &[&str] = &[
    "success",
    "success",
    "success",
    "success",
    "credentials_failed",
    "mfa_failed",
    "firewall_failed",
    "firewall_reported_success",
    "sso_failed",
    "modern_version_failed",
];
const AUDIT_ACTIONS: &[(&str, &str)] = &[
    ("join", "user"),
    ("grant", "uva"),
    ("grant", "gva"),
    ("revoke", "uva"),
    ("update", "uva"),
    ("create", "vault"),
    ("export", "vault"),
    ("create", "sa"),
    ("create", "satoken"),
    ("disblmfa", "user"),
    ("enblmfa", "user"),
    ("suspend", "user"),
    ("reactive", "user"),
    ("beginr", "user"),
    ("completr", "user"),
    ("create", "gm"),
    ("delete", "gm"),
    ("updatfw", "account"),
    ("chngpsso", "sso"),
    ("invite", "invite"),
    ("share", "item"),
    ("delete", "item"),
    ("role", "gm"),
    ("trename", "user"),
];
const ITEM_ACTIONS: &[&str] = &[
    "fill",
    "fill",
    "fill",
    "reveal",
    "secure-copy",
    "server-fetch",
    "server-create",
    "server-update",
    "select-sso-provider",
];
const APPS: &[(&str, &str)] = &[
    ("1Password Browser Extension", "20240"),
    ("1Password for Mac", "81024"),
    ("1Password for Windows", "81028"),
    ("1Password for iOS", "81030"),
    ("1Password CLI", "2240"),
];
const CITIES: &[(&str, f64, f64)] = &[
    ("Toronto", 43.65, -79.38),
    ("London", 51.5, -0.12),
    ("Berlin", 52.52, 13.4),
    ("Paris", 48.85, 2.35),
    ("Amsterdam", 52.37, 4.9),
    ("Tokyo", 35.68, 139.69),
    ("Sydney", -33.87, 151.2),
    ("New York", 40.71, -74.0),
];

struct Pools {
    users: Vec<Value>,
    user_uuids: Vec<String>,
    ips: Vec<String>,
    sessions: Vec<String>,
    vaults: Vec<String>,
    items: Vec<String>,
    clients: Vec<Value>,
    locations: Vec<Value>,
}

fn bag(pairs: &[(&str, Value)]) -> Value {
    let mut b = Bag::new();
    for (k, v) in pairs {
        b.insert(*k, v.clone());
    }
    Value::bag(b)
}

fn s(x: &str) -> Value {
    Value::string(x)
}

fn pools(r: &mut Rng) -> Pools {
    let user_uuids: Vec<String> = (0..5000).map(|_| r.uuid()[..26].to_uppercase()).collect();
    let users = user_uuids
        .iter()
        .enumerate()
        .map(|(i, u)| {
            bag(&[
                ("uuid", s(u)),
                ("name", s(&format!("User {i}"))),
                ("email", s(&format!("user{i}@contoso.com"))),
            ])
        })
        .collect();
    let ips = (0..20000)
        .map(|_| {
            let x = r.next();
            format!(
                "{}.{}.{}.{}",
                20 + (x & 0x7f),
                (x >> 8) & 0xff,
                (x >> 16) & 0xff,
                1 + ((x >> 24) % 254)
            )
        })
        .collect::<Vec<_>>();
    let clients = (0..2000)
        .map(|i| {
            let (app, ver) = APPS[i % APPS.len()];
            bag(&[
                ("app_name", s(app)),
                ("app_version", s(ver)),
                (
                    "platform_name",
                    s(["Chrome", "Firefox", "Safari", "Edge"][i % 4]),
                ),
                ("platform_version", s("120.0")),
                ("os_name", s(["MacOSX", "Windows", "Linux", "iOS"][i % 4])),
                ("os_version", s("14.2")),
                ("ip_address", s(&ips[i * 7 % ips.len()])),
            ])
        })
        .collect();
    let locations = (0..400)
        .map(|i| {
            let (city, lat, lng) = CITIES[i % CITIES.len()];
            bag(&[
                ("country", s(COUNTRIES[i % COUNTRIES.len()])),
                ("region", s("Region")),
                ("city", s(city)),
                ("latitude", Value::Real(lat + (i as f64) * 0.01)),
                ("longitude", Value::Real(lng - (i as f64) * 0.01)),
            ])
        })
        .collect();
    Pools {
        users,
        user_uuids,
        ips,
        sessions: (0..50000).map(|_| r.uuid()[..26].to_uppercase()).collect(),
        vaults: (0..2000).map(|_| r.uuid()[..26].to_lowercase()).collect(),
        items: (0..50000).map(|_| r.uuid()[..26].to_lowercase()).collect(),
        clients,
        locations,
    }
}

fn schema() -> Vec<Column> {
    corpus::schemas()
        .into_iter()
        .find(|(n, _)| n == "OnePasswordEventLogs_CL")
        .map(|(_, c)| c)
        .expect("schemas/OnePasswordEventLogs_CL.json")
}

fn generate(n: usize, now: DateTime) -> Table {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let p = pools(&mut r);
    let cols = schema();
    let idx = |name: &str| cols.iter().position(|c| c.name == name).expect("column");
    let (
        c_src,
        c_tg,
        c_uuid,
        c_sess,
        c_ts,
        c_country,
        c_cat,
        c_at,
        c_details,
        c_target,
        c_client,
        c_loc,
    ) = (
        idx("SourceSystem"),
        idx("TimeGenerated"),
        idx("uuid_s"),
        idx("session_uuid"),
        idx("timestamp"),
        idx("country"),
        idx("category"),
        idx("action_type"),
        idx("details"),
        idx("target_user"),
        idx("client"),
        idx("location"),
    );
    let (
        c_actor,
        c_actor_d,
        c_actor_t,
        c_actor_acc,
        c_acc,
        c_user_t,
        c_user_acc,
        c_action,
        c_obj_t,
        c_obj_u,
        c_obj_d,
    ) = (
        idx("actor_uuid"),
        idx("actor_details"),
        idx("actor_type"),
        idx("actor_account_uuid"),
        idx("account_uuid"),
        idx("user_type"),
        idx("user_account_uuid"),
        idx("action"),
        idx("object_type"),
        idx("object_uuid"),
        idx("object_details"),
    );
    let (c_aux_id, c_aux_u, c_aux_d, c_aux_i, c_session, c_used, c_vault, c_item, c_user, c_log) = (
        idx("aux_id"),
        idx("aux_uuid"),
        idx("aux_details"),
        idx("aux_info"),
        idx("session"),
        idx("used_version"),
        idx("vault_uuid"),
        idx("item_uuid"),
        idx("user"),
        idx("log_source"),
    );
    let (c_tenant, c_type, c_res, c_sub, c_itemid, c_billed, c_billable) = (
        idx("TenantId"),
        idx("Type"),
        idx("_ResourceId"),
        idx("_SubscriptionId"),
        idx("_ItemId"),
        idx("_BilledSize"),
        idx("_IsBillable"),
    );
    let account = s("ACCOUNTUUID0000000000000000");
    let tenant = s("7a3c1f2e-1111-4222-8333-944455556666");
    let span: i64 = 14 * 86_400 * 10_000_000;
    let start = now.unix_ticks() - span;
    let mut t = Table::new(cols.clone());
    for i in 0..n {
        let mut row = vec![Value::Null; cols.len()];
        let ts = start + (span / n as i64) * i as i64 + (r.below(10_000_000) as i64);
        let ts_v = DateTime::from_unix_ticks(ts).map_or(Value::Null, Value::DateTime);
        let tg_v = DateTime::from_unix_ticks(ts + 600_000_000 + r.below(600_000_000) as i64)
            .map_or(Value::Null, Value::DateTime);
        let u = r.skewed(p.users.len());
        let ip = &p.ips[(u * 3 + r.below(4)) % p.ips.len()];
        let loc = p.locations[(u + r.below(2) * 37) % p.locations.len()].clone();
        let client = p.clients[(u * 5 + r.below(3)) % p.clients.len()].clone();
        let feed = r.below(10);
        row[c_src] = s("RestAPI");
        row[c_tg] = tg_v;
        row[c_uuid] = s(&r.uuid().to_uppercase());
        row[c_ts] = ts_v;
        row[c_tenant] = tenant.clone();
        row[c_type] = s("OnePasswordEventLogs_CL");
        row[c_res] = s(
            "/subscriptions/x/resourcegroups/rg/providers/microsoft.operationalinsights/workspaces/ws",
        );
        row[c_sub] = s("00000000-0000-0000-0000-000000000000");
        row[c_itemid] = s(&r.uuid());
        row[c_billed] = Value::Real(900.0 + r.below(400) as f64);
        row[c_billable] = s("True");
        row[c_loc] = loc;
        if feed < 4 {
            // sign-in attempt
            let cat = CATEGORIES[r.below(CATEGORIES.len())];
            row[c_sess] = s(&p.sessions[(u * 11 + r.below(8)) % p.sessions.len()]);
            row[c_country] =
                s(COUNTRIES[(u + usize::from(r.below(50) == 0) * r.below(20)) % COUNTRIES.len()]);
            row[c_cat] = s(cat);
            row[c_at] = s(if cat == "success" {
                "credentials_ok"
            } else {
                "credentials_failed"
            });
            row[c_details] = if cat == "success" {
                Value::Null
            } else {
                bag(&[("value", s("bad password"))])
            };
            row[c_target] = p.users[u].clone();
            row[c_client] = {
                let mut c = match &client {
                    Value::Bag(b) => (**b).clone(),
                    _ => Bag::new(),
                };
                c.insert("ip_address", s(ip));
                Value::bag(c)
            };
            row[c_acc] = account.clone();
            row[c_user_t] = s("user");
            row[c_user_acc] = account.clone();
            row[c_log] = s("signinattempts");
        } else if feed < 7 {
            // audit event
            let (action, obj) = AUDIT_ACTIONS[r.skewed(AUDIT_ACTIONS.len())];
            let target = r.below(p.users.len());
            row[c_actor] = s(&p.user_uuids[u]);
            row[c_actor_d] = p.users[u].clone();
            row[c_actor_t] = s("user");
            row[c_actor_acc] = account.clone();
            row[c_action] = s(action);
            row[c_obj_t] = s(obj);
            match obj {
                "uva" | "gva" | "vault" => {
                    row[c_obj_u] = s(&p.vaults[r.skewed(p.vaults.len())]);
                    row[c_aux_u] = s(&p.user_uuids[target]);
                    row[c_aux_d] = p.users[target].clone();
                    row[c_aux_i] = s(["A", "R", "W", "M"][r.below(4)]);
                    row[c_aux_id] = Value::Int(i32::try_from(r.below(100_000)).unwrap_or(0));
                }
                "user" | "invite" => {
                    row[c_obj_u] = s(&p.user_uuids[target]);
                    row[c_obj_d] = p.users[target].clone();
                }
                _ => {
                    row[c_obj_u] = s(&p.items[r.below(p.items.len())]);
                }
            }
            row[c_session] = bag(&[
                ("uuid", s(&p.sessions[(u * 11) % p.sessions.len()])),
                ("login_time", s("2026-11-20T08:00:00Z")),
                ("device_uuid", s("DEVICE0000000000000000000")),
                ("ip", s(ip)),
            ]);
            row[c_log] = s(if row[c_aux_id].is_null() {
                "auditevents"
            } else {
                "itemusages"
            });
        } else {
            // item usage
            row[c_used] = Value::Int(1 + i32::try_from(r.below(20)).unwrap_or(0));
            row[c_vault] = s(&p.vaults[r.skewed(p.vaults.len())]);
            row[c_item] = s(&p.items[r.skewed(p.items.len())]);
            row[c_user] = p.users[u].clone();
            row[c_client] = client;
            row[c_action] = s(ITEM_ACTIONS[r.below(ITEM_ACTIONS.len())]);
            row[c_log] = s("itemusages");
        }
        t.push_row(row);
    }
    t
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let now = DateTime::parse("2026-11-30T12:00:00Z").expect("datetime");
    let t0 = Instant::now();
    let table = generate(n, now);
    println!(
        "generated {n} rows × {} columns in {:.2} s",
        table.columns().len(),
        t0.elapsed().as_secs_f64()
    );

    let cases = corpus::cases();
    let mut db = corpus::database(&cases);
    db.add_table("OnePasswordEventLogs_CL", table);
    let opts = Options::at(now);

    let t = "OnePasswordEventLogs_CL";
    let families: &[(&str, String)] = &[
        (
            "scan+where",
            format!("{t} | where category == 'credentials_failed' and country != 'US' | count"),
        ),
        (
            "scan+where (has)",
            format!("{t} | where aux_info has 'R' or action has 'export' | count"),
        ),
        (
            "extend",
            format!(
                "{t} | extend Email = tolower(tostring(target_user.email)), Ip = tostring(client.ip_address) | where Email != Ip | count"
            ),
        ),
        (
            "summarize by",
            format!(
                "{t} | summarize Events = count(), Sessions = dcount(session_uuid), Last = max(timestamp) by log_source, country, bin(timestamp, 1d)"
            ),
        ),
        (
            "summarize by dynamic path",
            format!(
                "{t} | summarize count() by User = tostring(coalesce(target_user.email, actor_details.email, user.email))"
            ),
        ),
        (
            "join",
            format!(
                "{t} | where log_source == 'signinattempts' | project session_uuid, country | join kind=inner ({t} | where category == 'success' | distinct session_uuid, Ok = category) on session_uuid | count"
            ),
        ),
        (
            "join (lookup table)",
            format!(
                "{t} | join kind=leftouter ({t} | summarize Users = dcount(user_account_uuid) by country) on country | count"
            ),
        ),
        (
            "mv-expand",
            format!(
                "{t} | extend Parts = pack_array(country, category, action) | mv-expand Parts to typeof(string) | where isnotempty(Parts) | count"
            ),
        ),
        (
            "parse",
            format!(
                "{t} | extend Ip = tostring(client.ip_address) | parse Ip with A:int '.' B:int '.' Rest | summarize count() by A"
            ),
        ),
        (
            "make-series",
            format!(
                "{t} | make-series Events = count() default = 0 on timestamp from datetime(2026-11-16) to datetime(2026-11-30T12:00:00Z) step 1h by log_source"
            ),
        ),
        ("sort+take", format!("{t} | top 100 by timestamp desc")),
    ];
    println!();
    println!("| family | rows | seconds | rows/s | result rows |");
    println!("|---|---|---|---|---|");
    let only = std::env::var("BENCH_ONLY").ok();
    for (name, q) in families {
        if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        let t0 = Instant::now();
        match evaluate(q, &db, &opts) {
            Ok(res) => {
                let secs = t0.elapsed().as_secs_f64();
                println!(
                    "| {name} | {n} | {secs:.3} | {:.0} | {} |",
                    n as f64 / secs,
                    res.len()
                );
            }
            Err(e) => println!("| {name} | {n} | – | – | error: {e} |"),
        }
    }

    // the whole content: every detection and function of the repository
    println!();
    println!("| content | seconds | result rows |");
    println!("|---|---|---|");
    let total = Instant::now();
    let mut failed = 0;
    let own: Vec<&corpus::Case> = cases
        .iter()
        .filter(|c| c.kind == "detection" || c.kind == "function")
        .collect();
    for c in &own {
        let query = if c.params.trim().is_empty() {
            c.query.clone()
        } else {
            let p = c
                .params
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')');
            format!("declare query_parameters({p});\n{}", c.query)
        };
        let name = c.file.rsplit('/').next().unwrap_or(&c.file);
        if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        let t0 = Instant::now();
        match evaluate(&query, &db, &opts) {
            Ok(res) => println!(
                "| {name} | {:.3} | {} |",
                t0.elapsed().as_secs_f64(),
                res.len()
            ),
            Err(e) => {
                failed += 1;
                println!(
                    "| {name} | {:.3} | error: {} |",
                    t0.elapsed().as_secs_f64(),
                    e.message.replace('|', "\\|")
                );
            }
        }
    }
    let detections = own.iter().filter(|c| c.kind == "detection").count();
    println!();
    println!(
        "whole content: {} detections + {} functions over {n} rows in {:.2} s ({failed} failed); peak memory {:.0} MiB",
        detections,
        own.len() - detections,
        total.elapsed().as_secs_f64(),
        peak_rss_mib().unwrap_or(f64::NAN)
    );
}
