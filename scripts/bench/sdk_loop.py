"""The baseline of the plan/apply benchmark: what most home-grown pipelines do, a per-resource loop
over Microsoft's Python SDKs (run by scripts/bench-plan-apply).

    sdk_loop.py SCENARIO_DIR plan|apply --url URL --ca PEM [--rules N] [--out result.json]

For every resource of the scenario (rules, then functions, then workbooks), in one thread:
  plan:  GET it (404 = would create)
  apply: GET it, then PUT it (with the etag when it exists), and nothing else (no ownership records)

Clients: `SecurityInsights` (alert rules, api-version 2025-12-01; NRT rules, which the SDK 1.0.0
has no model for, through the same client's pipeline with 2025-04-01-preview), `LogAnalyticsManagementClient`
(savedSearches), `ApplicationInsightsManagementClient` (workbooks), logged in with `ClientSecretCredential`
against the emulator. The SDKs' own retry policy handles 429 (it honours `Retry-After`).
Every HTTP attempt is counted with a `raw_response_hook` (token requests are not counted).

Rules are mapped from the YAML the way a simple pipeline does it: display name, description,
severity, query, schedule, trigger, tactics, suppression, enabled. sentinelctl sends more
(entity mappings, custom details, incident settings...), so the SDK bodies are smaller.
`--rules N` uses only the first N rules (functions and workbooks scale with it, see the script).
Prints one JSON object with the figures.
"""

import argparse
import json
import logging
import re
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import yaml
from azure.core.exceptions import ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.identity import ClientSecretCredential
from azure.mgmt.applicationinsights import ApplicationInsightsManagementClient
from azure.mgmt.applicationinsights.v2023_06_01.models import Workbook
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.loganalytics.models import SavedSearch, SavedSearchProperties
from azure.mgmt.securityinsight import SecurityInsights
from azure.mgmt.securityinsight.models import ScheduledAlertRule

TENANT = "00000000-0000-0000-0000-000000000001"
CLIENT = "00000000-0000-0000-0000-0000000000c1"
SCOPES = ["https://management.azure.com/.default"]
OPS = {"gt": "GreaterThan", "lt": "LessThan", "eq": "Equal", "ne": "NotEqual"}
NRT_API = "2025-04-01-preview"

statuses = Counter()
methods = Counter()


def hook(response):
    statuses[response.http_response.status_code] += 1
    methods[response.http_request.method] += 1


def iso(d):
    """`5m`/`1h`/`1d` → `PT5M`/`PT1H`/`P1D` (ISO-8601 passes through)."""
    m = re.fullmatch(r"(\d+)([mhd])", str(d))
    if not m:
        return d
    n, u = m.groups()
    return f"P{n}D" if u == "d" else f"PT{n}{u.upper()}"


def rule_props(r):
    p = {
        "displayName": r["name"],
        "description": r.get("description", ""),
        "severity": r["severity"],
        "enabled": r.get("enabled", True),
        "query": r["query"],
        "tactics": r.get("tactics", []),
        "suppressionEnabled": r.get("suppressionEnabled", False),
        "suppressionDuration": iso(r.get("suppressionDuration", "5h")),
    }
    if r["kind"] == "Scheduled":
        p.update(
            queryFrequency=iso(r["queryFrequency"]),
            queryPeriod=iso(r["queryPeriod"]),
            triggerOperator=OPS.get(r["triggerOperator"], r["triggerOperator"]),
            triggerThreshold=r["triggerThreshold"],
        )
    return p


def main():
    logging.disable(logging.WARNING)  # the SDK 1.0.0 warns 'Subtype value NRT has no mapping' on every NRT GET
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", type=Path)
    ap.add_argument("mode", choices=["plan", "apply"])
    ap.add_argument("--url", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--rules", type=int, default=None)
    ap.add_argument("--functions", type=int, default=None)
    ap.add_argument("--workbooks", type=int, default=None)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    root = a.scenario
    sc = json.loads((root / "scenario.json").read_text())
    ws_id = sc["workspaceId"]
    parts = ws_id.split("/")
    sub, rg, ws = parts[2], parts[4], parts[8]

    rules = [yaml.safe_load((root / p).read_text()) for p in sc["rules"][: a.rules]]
    funcs = [yaml.safe_load((root / p).read_text()) for p in sc["functions"][: a.functions]]
    wbs = sc["workbooks"][: a.workbooks]

    cred = ClientSecretCredential(TENANT, CLIENT, "any-secret", authority=a.url,
                                  disable_instance_discovery=True, connection_verify=a.ca)
    common = dict(base_url=a.url, credential_scopes=SCOPES, connection_verify=a.ca, raw_response_hook=hook)
    si = SecurityInsights(cred, sub, api_version="2025-12-01", **common)
    la = LogAnalyticsManagementClient(cred, sub, api_version="2025-02-01", **common)
    ai = ApplicationInsightsManagementClient(cred, sub, **common)
    cred.get_token(*SCOPES)  # log in (and import/parse everything) before the clock starts: favours the SDK loop
    rules_path = f"{ws_id}/providers/Microsoft.SecurityInsights/alertRules"

    created = updated = failed = 0
    errors = []
    t0 = time.monotonic()
    for r in rules:
        name = str(r["id"]).lower()
        try:
            try:
                cur = si.alert_rules.get(rg, ws, name)
                etag = cur.etag
            except ResourceNotFoundError:
                etag = None
            if a.mode == "plan":
                continue
            props = rule_props(r)
            if r["kind"] == "Scheduled":
                si.alert_rules.create_or_update(rg, ws, name, ScheduledAlertRule(
                    etag=etag,
                    display_name=props["displayName"], description=props["description"],
                    severity=props["severity"], enabled=props["enabled"], query=props["query"],
                    query_frequency=props["queryFrequency"], query_period=props["queryPeriod"],
                    trigger_operator=props["triggerOperator"], trigger_threshold=props["triggerThreshold"],
                    tactics=props["tactics"], suppression_enabled=props["suppressionEnabled"],
                    suppression_duration=props["suppressionDuration"]))
            else:
                body = {"kind": "NRT", "properties": props}
                if etag:
                    body["etag"] = etag
                resp = si._send_request(HttpRequest("PUT", f"{rules_path}/{name}", params={"api-version": NRT_API}, json=body))
                resp.raise_for_status()
            created += etag is None
            updated += etag is not None
        except Exception as e:  # noqa: BLE001 - count and go on, like a pipeline that logs and continues
            failed += 1
            errors.append(f"rule {name}: {str(e).splitlines()[0][:200]}")
    for f in funcs:
        name = f["FunctionName"]
        try:
            try:
                etag = la.saved_searches.get(rg, ws, name).etag
            except ResourceNotFoundError:
                etag = None
            if a.mode == "plan":
                continue
            params = ", ".join(
                f"{p['Name']}:{p['Type']}" + (f" = {p['Default']}" if "Default" in p else "")
                for p in f.get("FunctionParams") or [])
            la.saved_searches.create_or_update(rg, ws, name, SavedSearch(etag=etag, properties=SavedSearchProperties(
                category=f.get("Category", "Functions"), display_name=name, query=f["FunctionQuery"],
                function_alias=f["FunctionAlias"], function_parameters=params or None)))
            created += etag is None
            updated += etag is not None
        except Exception as e:  # noqa: BLE001
            failed += 1
            errors.append(f"function {name}: {str(e).splitlines()[0][:200]}")
    for w in wbs:
        name = str(uuid.uuid5(uuid.NAMESPACE_URL, ws_id.lower() + "/" + w["key"]))
        try:
            try:
                etag = ai.workbooks.get(rg, name).etag
            except ResourceNotFoundError:
                etag = None
            if a.mode == "plan":
                continue
            data = (root / w["json"]).read_text()
            ai.workbooks.create_or_update(rg, name, Workbook(
                location="westeurope", kind="shared", etag=etag, display_name=w["displayName"],
                serialized_data=data, version="Notebook/1.0", category="sentinel", source_id=ws_id,
                tags={"hidden-title": w["displayName"]}), source_id=ws_id)
            created += etag is None
            updated += etag is not None
        except Exception as e:  # noqa: BLE001
            failed += 1
            errors.append(f"workbook {name}: {str(e).splitlines()[0][:200]}")
    wall = time.monotonic() - t0
    result = {
        "mode": a.mode, "wall_s": round(wall, 3),
        "resources": len(rules) + len(funcs) + len(wbs),
        "rules": len(rules), "functions": len(funcs), "workbooks": len(wbs),
        "requests": sum(statuses.values()), "throttled": statuses.get(429, 0),
        "by_method": dict(methods), "by_status": {str(k): v for k, v in sorted(statuses.items())},
        "writes_ok": created + updated, "created": created, "updated": updated, "failed": failed,
        "errors": errors[:5],
    }
    text = json.dumps(result)
    if a.out:
        a.out.write_text(text + "\n")
    print(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
