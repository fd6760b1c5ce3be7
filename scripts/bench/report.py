"""Figures of the plan/apply benchmark (run by scripts/bench-plan-apply). Standard library only.

    report.py parse STDERR STDOUT WALL_S RC      one sentinelctl run → JSON on stdout
    report.py render RESULTS.json DOC.md         table on stdout, and DOC.md rewritten

`parse` reads the log (`-v` plus `sentinel_arm::http=debug`): the `ARM requests made requests=N retries=R throttled=T` line, and one
`arm request method=... status=...` debug line per HTTP attempt (so successful writes are counted
exactly, including the ownership-metadata PUTs); from stdout the `Plan:` / `Apply complete:` summary.
"""

import json
import re
import sys
from collections import Counter
from datetime import datetime

WRITE_BURST = 200
WRITE_REFILL = 10.0
READ_BURST = 250
READ_REFILL = 25.0


def ts(line):
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z", line)
    return datetime.fromisoformat(m.group(1)).timestamp() if m else None


def parse(stderr, stdout, wall, rc):
    err = open(stderr, encoding="utf-8", errors="replace").read().splitlines()
    # Summaries ("Plan: ...", "Apply complete: ...", "No changes") may go to either stream.
    out = open(stdout, encoding="utf-8", errors="replace").read() + "\n" + "\n".join(
        l for l in err if "arm request" not in l)
    r = {"wall_s": round(float(wall), 3), "rc": int(rc)}
    for line in err:
        m = re.search(r"ARM requests made requests=(\d+) retries=(\d+) throttled=(\d+)", line)
        if m:
            r["requests"], r["retries"], r["throttled"] = map(int, m.groups())
    by = Counter()
    write_ok = 0
    write_times = []
    for line in err:
        if "arm request" not in line:
            continue
        m = re.search(r'method="?(\w+)"?.*? status=(\d+)', line)
        if not m:
            continue
        method, status = m.group(1), int(m.group(2))
        by[f"{method} {status}"] += 1
        if method in ("PUT", "DELETE") and status < 300:
            write_ok += 1
            t = ts(line)
            if t is not None:
                write_times.append(t)
    r["by_method_status"] = dict(sorted(by.items()))
    r["writes_ok"] = write_ok
    if len(write_times) >= 2:
        r["write_window_s"] = round(max(write_times) - min(write_times), 3)
    m = re.search(r"Plan: (\d+) to create, (\d+) to update, (\d+) to adopt, (\d+) to delete; (\d+) unchanged", out)
    if m:
        r["plan"] = dict(zip(["create", "update", "adopt", "delete", "unchanged"], map(int, m.groups())))
    m = re.search(r"Apply complete: (\d+) done, (\d+) failed, (\d+) skipped", out)
    if m:
        r["apply"] = dict(zip(["done", "failed", "skipped"], map(int, m.groups())))
    m = re.search(r"No changes\..*?\((\d+) unchanged", out)
    if m and "plan" not in r:
        r["no_changes"] = True
        r["plan"] = {"create": 0, "update": 0, "adopt": 0, "delete": 0, "unchanged": int(m.group(1))}
    fails = re.findall(r"FAILED: (.*)", out)
    if fails:
        reasons = Counter(re.sub(r"`[^`]*`|\([^)]*\)", "…", f)[:160] for f in fails)
        r["failure_reasons"] = dict(reasons.most_common(3))
    json.dump(r, sys.stdout)
    print()


def fmt(v, d=2):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{d}f}"
    return str(v)


def ideal_apply_s(writes):
    """Fastest an apply of `writes` writes can be under the write bucket (starting full)."""
    return max(0.0, (writes - WRITE_BURST) / WRITE_REFILL)


def render(results_path, doc_path):
    R = json.load(open(results_path))
    s, p, meta = R["sentinelctl"], R.get("python", {}), R["meta"]
    n_res = meta["rules"] + meta["functions"] + meta["workbooks"]
    rows = []

    def row(what, tool, run, wall=None, req=None, thr=None, note=""):
        rows.append((what, tool, fmt(wall), fmt(req), fmt(thr), note))

    pe, pa = s["plan_empty"], s.get("plan_after", {})
    a1, a2, conv = s["apply1"], s.get("apply2", {}), s.get("converge")
    row("plan, empty workspace", "sentinelctl", pe, pe["wall_s"], pe.get("requests"), pe.get("throttled"),
        f"{pe.get('plan', {}).get('create', '?')} to create")
    ap1 = a1.get("apply", {})
    w1 = a1.get("writes_ok", 0)
    row("apply (1st run)", "sentinelctl", a1, a1["wall_s"], a1.get("requests"), a1.get("throttled"),
        f"{ap1.get('done', '?')} done, {ap1.get('failed', '?')} failed; {w1} writes ok = {w1 / a1['wall_s']:.1f} writes/s; exit {a1['rc']}")
    if conv:
        row(f"apply until clean ({conv['runs']} runs)", "sentinelctl", conv, conv["wall_s"], conv["requests"], conv["throttled"],
            f"{conv['writes_ok']} writes ok = {conv['writes_ok'] / conv['wall_s']:.1f} writes/s; "
            + ("converged" if conv["converged"] else "NOT converged (bounded loop stopped)"))
    if pa:
        pl = pa.get("plan", {})
        row("plan after apply", "sentinelctl", pa, pa["wall_s"], pa.get("requests"), pa.get("throttled"),
            f"{pl.get('unchanged', '?')} unchanged, {pl.get('create', 0) + pl.get('update', 0)} changes")
    if a2:
        ap2 = a2.get("apply", {})
        row("apply again (no-op)", "sentinelctl", a2, a2["wall_s"], a2.get("requests"), a2.get("throttled"),
            f"{a2.get('writes_ok', 0)} writes" + (f", {ap2.get('done', 0)} done" if ap2 else ""))
    scale = 1.0
    if p:
        pp, pa_ = p["plan"], p["apply"]
        scale = n_res / pp["resources"] if pp["resources"] else 1.0
        sub = f" ({pp['resources']} of {n_res} resources)" if pp["resources"] != n_res else ""
        row("plan (GET each)" + sub, "Python SDK loop", pp, pp["wall_s"], pp["requests"], pp["throttled"], "")
        row("apply (GET+PUT each)" + sub, "Python SDK loop", pa_, pa_["wall_s"], pa_["requests"], pa_["throttled"],
            f"{pa_['writes_ok']} writes ok = {pa_['writes_ok'] / pa_['wall_s']:.1f} writes/s; {pa_['failed']} failed")

    head = "| measurement | tool | wall s | ARM requests | 429s | notes |\n|---|---|---:|---:|---:|---|\n"
    table = head + "".join(f"| {a} | {b} | {c} | {d} | {e} | {f} |\n" for a, b, c, d, e, f in rows)

    # Ratios and readings.
    lines = []
    w_total = 2 * n_res
    ideal = ideal_apply_s(w_total)
    if ideal:
        lines.append(f"- Writes a full apply needs: {n_res} resources × 2 (ownership metadata + resource) = {w_total}. "
                     f"Under ARM's write bucket (burst {WRITE_BURST}, refill {WRITE_REFILL:.0f}/s) the fastest possible apply is "
                     f"({w_total} − {WRITE_BURST}) / {WRITE_REFILL:.0f} = {ideal:.0f} s, i.e. {w_total / ideal:.1f} writes/s on average "
                     f"({WRITE_REFILL:.0f}/s once the burst is spent).")
    else:
        lines.append(f"- Writes a full apply needs: {n_res} × 2 = {w_total}, within the {WRITE_BURST}-write burst: the throttle never bites at this size.")
    if conv:
        lines.append(f"- sentinelctl reached a clean workspace after {conv['runs']} apply runs and {conv['wall_s']:.0f} s "
                     f"({conv['wall_s'] / ideal:.2f}× the throttle-bound ideal)." if conv["converged"] and ideal else
                     f"- sentinelctl did not reach a clean workspace within the loop's bound ({conv['runs']} runs, {conv['wall_s']:.0f} s).")
    elif a1["rc"] == 0 and ideal:
        lines.append(f"- sentinelctl's apply took {a1['wall_s']:.0f} s = {a1['wall_s'] / ideal:.2f}× the throttle-bound ideal.")
    if p:
        pp, pa_ = p["plan"], p["apply"]
        est_plan = pp["wall_s"] * scale
        est_apply = pa_["wall_s"] * scale
        if scale != 1.0:
            lines.append(f"- The Python loop ran on {pp['resources']} of {n_res} resources (`--python-rules`); linear scaling to the full set gives "
                         f"plan ≈ {est_plan:.0f} s and apply ≈ {est_apply:.0f} s (an estimate: throttling is not linear — the first {READ_BURST} reads and "
                         f"{WRITE_BURST} writes are free of waiting, so small runs look faster per resource than large ones).")
        lines.append(f"- Plan: sentinelctl {pe['wall_s']:.2f} s vs SDK loop {est_plan:.1f} s → **{est_plan / pe['wall_s']:.0f}×** "
                     f"(empty workspace); after apply sentinelctl plans in {pa.get('wall_s', float('nan')):.2f} s "
                     f"with {pa.get('requests', '?')} requests (LIST pages) where the loop needs {n_res} GETs.")
        s_apply = conv["wall_s"] if conv else a1["wall_s"]
        lines.append(f"- Apply: sentinelctl {s_apply:.0f} s{' (all runs until clean)' if conv else ''} for {w_total} writes vs SDK loop "
                     f"{est_apply:.0f} s for {n_res} writes (it writes no ownership records) → ratio {est_apply / s_apply:.2f}.")
    # Verdicts against the targets, from the figures.
    full = meta["rules"] >= 1000 and meta["functions"] >= 200 and meta["workbooks"] >= 20
    worst_plan = max(pe["wall_s"], pa.get("wall_s", 0))
    lines.append(f"- **Plan target (< 2 s{'' if full else ', checked at the full size only'}): "
                 + ("met" if worst_plan < 2 else "MISSED") + f"** — {pe['wall_s']:.2f} s on the empty workspace "
                 f"({pe.get('requests')} requests), {pa.get('wall_s', float('nan')):.2f} s after apply ({pa.get('requests')} requests).")
    reasons = " ".join(a1.get("failure_reasons", {}))
    if a1["rc"] != 0:
        lines.append(f"- **Apply target (limited only by the write throttle): MISSED** — the first apply exited {a1['rc']} with "
                     f"{ap1.get('failed', '?')} of {ap1.get('done', 0) + ap1.get('failed', 0) + ap1.get('skipped', 0)} changes failed after "
                     f"{a1['wall_s']:.0f} s: {a1.get('throttled')} of its {a1.get('requests')} requests were answered 429 but only "
                     f"{a1.get('retries')} were retried. Most common failure: `{next(iter(a1.get('failure_reasons', {'?': 0})))}`.")
        if "budget exhausted" in reasons:
            lines.append("  Cause: `sentinel_arm`'s client-wide `RetryBudget` (crates/arm/src/retry.rs; 50 retries, `retry_budget: 50` in "
                         "crates/arm/src/config.rs; a success earns back 1/10 of a retry) is charged for 429s like for failures "
                         "(`ArmClient::may_retry`, crates/arm/src/client.rs). Once the 200-write burst is spent the bucket admits 10 writes/s, "
                         f"so {meta['parallelism']} writers each meet a 429 about every second: the budget loses ~{meta['parallelism']} retries/s "
                         "and earns back ~1/s, is empty within seconds, and from then on every 429 is a final failure. The writes are "
                         "not paced either (no client-side token bucket, `x-ms-ratelimit-remaining-subscription-writes` is not read), "
                         "so the apply fails fast instead of slowing down to the refill rate.")
    elif ideal:
        verdict = "met" if a1["wall_s"] <= ideal * 1.25 + 5 else "MISSED"
        lines.append(f"- **Apply target (limited only by the write throttle): {verdict}** — {a1['wall_s']:.0f} s vs {ideal:.0f} s ideal.")
    if conv and conv["writes_ok"] > w_total:
        extra = conv["writes_ok"] - w_total
        lines.append(f"- Wasted writes: the runs until clean made {conv['writes_ok']} successful writes for {w_total} needed "
                     f"({extra} extra, {100 * extra / w_total:.0f}%). `write()` in src/apply.rs PUTs the ownership metadata before "
                     "every create/update, also when an earlier, failed run already wrote the same record (src/live.rs reads it into "
                     "`orphan_owners`), so each retry run spends write tokens again on records that are already current.")
    if p and ideal:
        pa_ = p["apply"]
        lines.append(f"- Write cost per resource: sentinelctl needs 2 writes per resource, so even perfectly paced its apply of {n_res} "
                     f"resources cannot beat {ideal:.0f} s, while a loop writing only the resource is bound by "
                     f"{ideal_apply_s(n_res):.0f} s. The single-threaded SDK loop reached {pa_['writes_ok'] / pa_['wall_s']:.1f} writes/s "
                     f"with {pa_['throttled']} 429s: it is slow enough (one GET + one PUT per resource, ~{1000 * pa_['wall_s'] / max(1, pa_['resources']):.0f} ms) "
                     "to stay under the refill rate by itself.")
    if pa and pa.get("requests", 0) > 4:
        lines.append(f"- Plan after apply made {pa['requests']} requests: the four LISTs are read in parallel, but each one's pages "
                     f"(page size 100 in the emulator) are sequential (`nextLink`), so the longest list — ownership metadata, "
                     f"{n_res} records, {-(-n_res // 100)} pages — sets the network time. Real ARM LIST pages are slower than a "
                     "loopback emulator's, so this sequential paging, not local work, is what would push plan past 2 s.")
    if a2:
        lines.append(f"- The second apply {'was a no-op' if a2.get('writes_ok', 0) == 0 and a2['rc'] == 0 else 'was NOT a no-op'}: "
                     f"{a2.get('requests')} requests, {a2.get('writes_ok', 0)} writes, {a2['wall_s']:.2f} s.")
    readings = "\n".join(lines)

    doc = f"""# Benchmarks: plan and apply at scale

Produced by `scripts/bench-plan-apply` (not run by CI). Regenerate with:

```
{meta['command']}
```

The script generates a repository of {meta['rules']} analytics rules, {meta['functions']} saved functions and
{meta['workbooks']} workbooks (variants of the shipped 1Password content with new ids, names and
aliases; rules call generated functions; `sentinelctl validate` passes), starts the ARM emulator with
{meta['latency_ms']} ms added latency per request and ARM throttling on (reads: burst {READ_BURST}, {READ_REFILL:.0f}/s;
writes: burst {WRITE_BURST}, {WRITE_REFILL:.0f}/s, per subscription), and times `sentinelctl plan` / `apply --parallelism
{meta['parallelism']}` from the outside (process wall clock, including repository load and validation).
Request and 429 counts are sentinelctl's own (`-v` with `SENTINELCTL_LOG=info,sentinel_arm::http=debug`:
the `ARM requests made` line and one line per HTTP attempt). The baseline is a per-resource loop over Microsoft's Python SDKs (`scripts/bench/sdk_loop.py`:
`azure-mgmt-securityinsight`, `azure-mgmt-loganalytics`, `azure-mgmt-applicationinsights`,
`azure-identity`), one thread, GET each resource (plan) or GET then PUT (apply), on a fresh emulator with
the same settings; its clock starts after imports, YAML parsing and login.

Fleet figures (50 workspaces in 5 subscriptions): `docs/benchmarks-fleet.md`, from `scripts/bench-fleet`.

Machine: {meta['nproc']} CPUs, {meta['cpu']}; {meta['os']}; sentinelctl {meta['version']} (release build, commit {meta['commit']}); run {meta['date']}.

## Figures

{table}
## Reading

Targets (tracker issue 4): plan under 2 s for 1,000 rules / 200 functions / 20 workbooks; apply limited
only by ARM's write throttle.

{readings}

## Caveats

- One run each, no repetitions; the machine is shared (other builds may run at the same time).
- The emulator's {meta['latency_ms']} ms per request on loopback is likely optimistic for real ARM, and real
  throttling may have more dimensions (other scopes, resource-provider limits) than the one read and one
  write bucket per subscription modelled here.
- The SDK loop maps fewer rule fields than sentinelctl sends (no entity mappings, custom details or
  incident settings), writes no ownership records, and its clock starts after imports and login; all of
  this favours it. NRT rules go through the SDK client's pipeline (the SDK 1.0.0 has no NRT model).
- "Apply until clean" re-runs `apply` immediately after a failed run, as a CI retry would; the
  emulator's write bucket is not reset between runs.
"""
    open(doc_path, "w").write(doc)
    print(table)
    print(readings)


def brief(path):
    d = json.load(open(path))
    extra = d.get("apply") or ("no changes" if d.get("no_changes") else d.get("plan", ""))
    print(f"{d['wall_s']:.2f} s, {d.get('requests')} requests, {d.get('throttled')} throttled, "
          f"{d.get('writes_ok')} writes ok, exit {d['rc']} {extra}")


if __name__ == "__main__":
    if sys.argv[1] == "brief":
        brief(sys.argv[2])
    elif sys.argv[1] == "parse":
        parse(*sys.argv[2:6])
    elif sys.argv[1] == "render":
        render(*sys.argv[2:4])
    else:
        sys.exit("usage: report.py parse|render ...")
