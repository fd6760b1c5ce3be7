"""Helpers of scripts/bench-fleet: the emulator's admin API, one run's figures, the report page.

    python3 fleet_report.py admin READY_JSON METHOD PATH [BODY]
    python3 fleet_report.py parse STDERR STDOUT WALL RC T0 FLEET_JSON > run.json
    python3 fleet_report.py brief run.json
    python3 fleet_report.py render results.json DOC.md

`parse` reads sentinelctl's own logs (`-v` with `SENTINELCTL_LOG=info,sentinel_arm::http=debug`: one
line per HTTP attempt with method, URL, status and a timestamp) and its `--format json` stdout (one entry per environment), and reports per subscription:
writes that took a token from ARM's write bucket (every write not answered 429), 429s, reads, and
when its last write landed (seconds after T0, the process start). Standard library only.
"""

import json
import re
import ssl
import sys
import urllib.request
from collections import Counter, defaultdict
from datetime import datetime

# ARM's published per-subscription write bucket, as the emulator applies it
WRITE_BURST, WRITE_REFILL = 200.0, 10.0


def admin(ready, method, path, body=None):
    r = json.load(open(ready))
    ctx = ssl.create_default_context(cafile=r["ca_file"]) if r.get("ca_file") else None
    req = urllib.request.Request(r["url"].rstrip("/") + path, method=method,
                                 data=body.encode() if body else None,
                                 headers={"Authorization": f"Bearer {r['admin_token']}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, context=ctx, timeout=30) as resp:
        print(resp.read().decode() or "{}")


def ts(line):
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z", line)
    if not m:
        return None
    # Python 3.11 parses at most 6 fractional digits
    text = re.sub(r"(\.\d{6})\d+", r"\1", m.group(1))
    return datetime.fromisoformat(text + "+00:00").timestamp()


def parse(stderr, stdout, wall, rc, t0, fleet):
    err = open(stderr, encoding="utf-8", errors="replace").read().splitlines()
    r = {"wall_s": round(float(wall), 3), "rc": int(rc)}
    t0 = float(t0)
    subs = {s["subscription"]: i + 1 for i, s in enumerate(json.load(open(fleet))["subscriptions"])}
    attempts = throttled = 0
    per = defaultdict(lambda: {"writes": 0, "throttled": 0, "reads": 0, "last_write_s": None})
    by = Counter()
    for line in err:
        if "arm request" not in line:
            continue
        m = re.search(r'method="?(\w+)"?.*?url=\S*?/subscriptions/([0-9a-fA-F-]+)/\S*.*? status=(\d+)', line)
        if not m:
            continue
        method, sub, status = m.group(1), m.group(2).lower(), int(m.group(3))
        attempts += 1
        key = f"sub{subs.get(sub, '?')}"
        by[f"{method} {status}"] += 1
        s = per[key]
        if status == 429:
            s["throttled"] += 1
            throttled += 1
        elif method in ("PUT", "PATCH", "DELETE", "POST"):
            s["writes"] += 1
            t = ts(line)
            if t is not None:
                at = round(t - t0, 3)
                s["last_write_s"] = at if s["last_write_s"] is None else max(s["last_write_s"], at)
        else:
            s["reads"] += 1
    # every HTTP attempt to ARM (429s and retries included)
    r.update(requests=attempts, throttled=throttled)
    r["by_method_status"] = dict(sorted(by.items()))
    r["subscriptions"] = dict(sorted(per.items()))
    # the least time ARM's write buckets allow: every subscription's writes beyond the burst at the
    # refill rate, the subscriptions side by side
    r["write_bound_s"] = round(max([max(0.0, (s["writes"] - WRITE_BURST) / WRITE_REFILL)
                                    for s in per.values()] or [0.0]), 3)
    try:
        doc = json.load(open(stdout, encoding="utf-8"))
    except (OSError, ValueError):
        doc = {}
    envs = doc.get("environments", []) if isinstance(doc, dict) else []
    results = Counter()
    errors = []
    for e in envs:
        if "result" in e:
            results[e["result"]] += 1
            if e["result"] == "error" or e.get("failed"):
                errors.append(f"{e.get('environment')}: {e.get('error') or e.get('first_failure')}")
        elif "findings" in e:
            drift = [f for f in e["findings"] if f.get("class") not in ("in-sync", "pending")]
            results["drift" if drift else "in-sync"] += 1
    r["workspaces"] = len(envs)
    r["results"] = dict(sorted(results.items()))
    r["errors"] = errors[:5]
    print(json.dumps(r, indent=1))


def brief(path):
    r = json.load(open(path))
    subs = ", ".join(f"{k} {v['writes']}w/{v['throttled']}x429" for k, v in r["subscriptions"].items()
                     if v["writes"] or v["throttled"])
    print(f"{r['wall_s']:.2f} s, rc {r['rc']}, {r['workspaces']} workspaces {r['results']}, "
          f"{r['requests']} requests, {r['throttled']} 429s" + (f"; {subs}" if subs else ""))


def fmt_s(x):
    return "–" if x is None else f"{x:.2f}"


def render(results, doc):
    R = json.load(open(results))
    m, F, O = R["meta"], R["fleet"], R["one"]
    out = []
    w = out.append
    w("# Benchmarks: a fleet of workspaces\n")
    w("Produced by `scripts/bench-fleet` (not run by CI). Regenerate with:\n")
    w(f"```\n{m['command']}\n```\n")
    w(f"The script copies the shipped 1Password pack ({m['pack']}) into a repository with a fleet file "
      f"of {m['workspaces']} workspaces in {m['subscriptions']} subscriptions of {m['subscriptions']} "
      f"tenants (contiguous: `c01`…`c{m['per_sub']:02d}` in the first subscription, as customers "
      "sorted by name would be), and one more workspace in a subscription of its own for the "
      f"1-workspace figures. One ARM emulator holds them all, with {m['latency_ms']} ms added latency "
      "per request and ARM throttling on (per subscription, reads: burst 250, 25/s; writes: burst "
      "200, 10/s); each subscription is bound to its tenant, so every workspace needs a token of "
      "its own tenant. Each phase is timed from the outside (process wall clock: repository load "
      "and validation included) and starts with full buckets (the script refills them through the "
      "emulator's admin API, as about 20 s idle would). sentinelctl runs with "
      f"`--workspaces-at-once {m['at_once']} --parallelism {m['parallelism']}`; plan, apply and "
      "drift take the same fleet selection (`--env bench`).\n")
    w(f"Machine: {m['nproc']} CPUs, {m['cpu']}; {m['os']}; sentinelctl {m['version']} (release build, "
      f"commit {m['commit']}); run {m['date']}.\n")
    w("## Figures\n")
    w(f"| phase | {m['workspaces']} workspaces, s | 1 workspace, s | ratio | ARM requests | 429s | result |")
    w("|---|---:|---:|---:|---:|---:|---|")
    for key, label in [("plan", "plan (empty workspaces)"), ("apply", "cold apply (1st run)"),
                       ("converge", "cold apply, until clean"), ("noop", "no-op apply"),
                       ("drift", "drift")]:
        f, o = F.get(key), O.get(key)
        if not f:
            continue
        ratio = f"{f['wall_s'] / o['wall_s']:.1f}×" if o and o.get("wall_s") else "–"
        res = ", ".join(f"{n} {k}" for k, n in f.get("results", {}).items()) or f"exit {f['rc']}"
        if key == "converge":
            res = f"{f['runs']} runs, converged: {'yes' if f['converged'] else 'no'}"
        w(f"| {label} | {f['wall_s']:.2f} | {fmt_s(o.get('wall_s') if o else None)} | {ratio} | "
          f"{f.get('requests', '–')} | {f.get('throttled', '–')} | {res} |")
    w("")
    a = F["apply"]
    total = F.get("converge", a)
    bound = a["write_bound_s"]
    w("### Cold apply against ARM's write buckets\n")
    w("| subscription | writes | 429s | last write at, s | bound, s |")
    w("|---|---:|---:|---:|---:|")
    for k, v in a["subscriptions"].items():
        b = max(0.0, (v["writes"] - WRITE_BURST) / WRITE_REFILL)
        w(f"| {k} | {v['writes']} | {v['throttled']} | {fmt_s(v['last_write_s'])} | {b:.1f} |")
    w("")
    ratio = total["wall_s"] / bound if bound else None
    w(f"The bound is what the write buckets allow: each subscription's writes beyond the burst of 200 "
      f"at 10/s, the subscriptions side by side, so the fleet's bound is the largest: **{bound:.1f} s**. "
      f"The cold apply took **{total['wall_s']:.1f} s** until clean"
      + (f" = **{ratio:.2f}×** the bound (target ≤ 1.2×)." if ratio else ".") + "\n")
    iso = R.get("isolation")
    if iso:
        w("### A throttled subscription costs the others nothing\n")
        w(f"A second fresh emulator, the same fleet and settings, except that `sub{iso['sub']}` gets "
          f"write buckets of burst {iso['burst']:g} and {iso['refill']:g}/s (its requests are answered "
          "429 at first, since sentinelctl paces each subscription at ARM's 10/s). One cold apply; then its buckets are set back to ARM's and the "
          "apply is run again (the resumed run).\n")
        w("| subscription | writes | 429s | last write at, s (throttled run) | last write at, s (plain cold apply) |")
        w("|---|---:|---:|---:|---:|")
        for k, v in iso["run"]["subscriptions"].items():
            base = a["subscriptions"].get(k, {}).get("last_write_s")
            w(f"| {k} | {v['writes']} | {v['throttled']} | {fmt_s(v['last_write_s'])} | {fmt_s(base)} |")
        w("")
        run, res = iso["run"], iso["resume"]
        w(f"The throttled run took {run['wall_s']:.1f} s and exited {run['rc']} "
          f"({', '.join(f'{n} {k}' for k, n in run['results'].items())}); the resumed run took "
          f"{res['wall_s']:.1f} s, made {sum(v['writes'] for v in res['subscriptions'].values())} "
          f"writes and exited {res['rc']} ({', '.join(f'{n} {k}' for k, n in res['results'].items())}).\n")
    w("## Reading\n")
    for key, label in [("plan", "Plan"), ("drift", "Drift")]:
        f = F.get(key)
        if f:
            verdict = "meets" if f["wall_s"] < 3 else "misses"
            w(f"- {label} of the {m['workspaces']} workspaces: {f['wall_s']:.2f} s, which {verdict} the "
              "target of under 3 s.")
    if ratio:
        verdict = "meets" if ratio <= 1.2 else "misses"
        w(f"- Cold apply: {ratio:.2f}× what the write buckets allow, which {verdict} the target of "
          "1.2× at most.")
    oa = O.get("apply")
    if oa and oa.get("subscriptions"):
        one_writes = max(v["writes"] for v in oa["subscriptions"].values())
        most = max(v["writes"] for v in a["subscriptions"].values())
        fits = "fits in" if one_writes <= WRITE_BURST else "does not fit in"
        w(f"- One workspace's cold apply ({one_writes} writes) {fits} a subscription's burst of "
          f"{WRITE_BURST:.0f}; the fleet's busiest subscription made {most}, so the cold-apply ratio "
          "to one workspace measures ARM's write buckets, not a cost per workspace.")
    if iso:
        deltas = []
        for k, v in iso["run"]["subscriptions"].items():
            base = a["subscriptions"].get(k, {}).get("last_write_s")
            if k != f"sub{iso['sub']}" and v["last_write_s"] is not None and base is not None:
                deltas.append(v["last_write_s"] - base)
        if deltas:
            w(f"- With sub{iso['sub']} throttled hard, the other subscriptions' last writes landed "
              f"{min(deltas):+.2f} s to {max(deltas):+.2f} s from where they landed in the plain cold "
              "apply.")
        if iso["run"]["rc"] == 0:
            w("- The throttled subscription still converged in the first run (each write's bounded "
              "retries waited out its 429s), so the resumed run had nothing left to write. A resume "
              "with work left (a forbidden workspace, re-run after the role is granted) is the end-to-"
              "end test in `tests/fleet.rs`.")
        else:
            w("- The throttled run left failures (exit "
              f"{iso['run']['rc']}); the resumed run wrote only what was left.")
    w("")
    w("## Raw figures\n")
    w("`scripts/bench-fleet` prints them and keeps them in `$TMPDIR/bench-fleet-results.json`.\n")
    open(doc, "w").write("\n".join(out))


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "admin":
        admin(*sys.argv[2:])
    elif cmd == "parse":
        parse(*sys.argv[2:8])
    elif cmd == "brief":
        brief(sys.argv[2])
    elif cmd == "render":
        render(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
