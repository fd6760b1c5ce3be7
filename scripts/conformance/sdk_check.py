"""Microsoft's Python SDKs as clients of the ARM emulator (run by scripts/conformance-emulator).

Environment: EMU_URL, EMU_CA (CA file), EMU_SUB, EMU_RG, EMU_WS, EMU_TENANT.
For rules, functions (savedSearches) and workbooks: create, get, list (with paging: the emulator runs
with a small page size), conditional update with a stale etag (must fail), delete.

azure-mgmt-securityinsight 1.0.0 has no NRT model, so NRT rules go through the same SDK client's
pipeline (`_send_request`: its auth, retry and error policies) with api-version 2025-04-01-preview.
"""

import os
import sys
import traceback
import uuid

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.identity import ClientSecretCredential
from azure.mgmt.applicationinsights import ApplicationInsightsManagementClient
from azure.mgmt.applicationinsights.v2023_06_01.models import Workbook
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.loganalytics.models import SavedSearch, SavedSearchProperties
from azure.mgmt.securityinsight import SecurityInsights
from azure.mgmt.securityinsight.models import ScheduledAlertRule

URL = os.environ["EMU_URL"]
CA = os.environ["EMU_CA"]
SUB = os.environ["EMU_SUB"]
RG = os.environ["EMU_RG"]
WS = os.environ["EMU_WS"]
TENANT = os.environ["EMU_TENANT"]
WS_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.OperationalInsights/workspaces/{WS}"
SCOPES = ["https://management.azure.com/.default"]

passed = 0
failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def expect_status(name, fn, status):
    try:
        fn()
    except HttpResponseError as e:
        check(name, e.status_code == status, f"got {e.status_code}: {e.message}")
        return
    check(name, False, f"expected HTTP {status}, the call succeeded")


def step(name, fn):
    try:
        fn()
    except Exception:  # noqa: BLE001 - report and go on
        check(name, False, traceback.format_exc())


cred = ClientSecretCredential(
    TENANT,
    "11111111-2222-3333-4444-555555555555",
    "any-secret",
    authority=URL,
    disable_instance_discovery=True,
    connection_verify=CA,
)
common = dict(base_url=URL, credential_scopes=SCOPES, connection_verify=CA)


def rules():
    si = SecurityInsights(cred, SUB, api_version="2025-12-01", **common)

    def rule(i, etag=None):
        return ScheduledAlertRule(
            etag=etag,
            display_name=f"SDK rule {i}",
            enabled=True,
            severity="Medium",
            query="SecurityEvent | where EventID == 4625",
            query_frequency="PT1H",
            query_period="PT1H",
            trigger_operator="GreaterThan",
            trigger_threshold=0,
            suppression_enabled=False,
            suppression_duration="PT5H",
            tactics=["CredentialAccess"],
        )

    names = [f"sdk-rule-{i}" for i in range(5)]
    for i, n in enumerate(names):
        r = si.alert_rules.create_or_update(RG, WS, n, rule(i))
        check(f"rules: create {n}", r.etag and r.kind == "Scheduled" and r.last_modified_utc is not None)
    got = si.alert_rules.get(RG, WS, names[0])
    check("rules: get", got.display_name == "SDK rule 0" and got.query_frequency.total_seconds() == 3600)
    listed = [r.name for r in si.alert_rules.list(RG, WS)]
    check("rules: list follows nextLink over pages", sorted(listed) == names, str(listed))
    updated = si.alert_rules.create_or_update(RG, WS, names[0], rule("0b", etag=got.etag))
    check("rules: update with the current etag", updated.display_name == "SDK rule 0b" and updated.etag != got.etag)
    expect_status("rules: update with a stale etag fails", lambda: si.alert_rules.create_or_update(RG, WS, names[0], rule("0c", etag=got.etag)), 409)
    si.alert_rules.delete(RG, WS, names[1])
    expect_status("rules: get after delete is 404", lambda: si.alert_rules.get(RG, WS, names[1]), 404)
    legacy = SecurityInsights(cred, SUB, **common)  # the SDK's default api-version (2021-10-01)
    check("rules: SDK default api-version accepted", legacy.alert_rules.get(RG, WS, names[0]).display_name == "SDK rule 0b")


def nrt_rules():
    si = SecurityInsights(cred, SUB, api_version="2025-04-01-preview", **common)
    path = f"{WS_ID}/providers/Microsoft.SecurityInsights/alertRules"

    def send(method, name=None, body=None, api="2025-04-01-preview"):
        url = f"{path}/{name}" if name else path
        resp = si._send_request(HttpRequest(method, url, params={"api-version": api}, json=body))
        return resp

    body = {
        "kind": "NRT",
        "properties": {
            "displayName": "SDK NRT rule",
            "enabled": True,
            "severity": "High",
            "query": "SigninLogs | where ResultType != 0",
            "suppressionEnabled": False,
            "suppressionDuration": "PT1H",
            "tactics": ["InitialAccess"],
            "techniques": ["T1078"],
            "subTechniques": ["T1078.004"],
        },
    }
    r = send("PUT", "sdk-nrt", body)
    check("nrt: create (preview)", r.status_code == 201 and r.json()["kind"] == "NRT", r.text())
    etag = r.json()["etag"]
    r = send("GET", "sdk-nrt")
    check("nrt: get", r.status_code == 200 and r.json()["properties"]["subTechniques"] == ["T1078.004"], r.text())
    r = send("GET")
    check("nrt: list", r.status_code == 200 and (any(v["name"] == "sdk-nrt" for v in r.json()["value"]) or "nextLink" in r.json()), r.text())
    r = send("PUT", "sdk-nrt", dict(body, etag=etag))
    check("nrt: update with the current etag", r.status_code == 200, r.text())
    r = send("PUT", "sdk-nrt", dict(body, etag=etag))
    check("nrt: update with a stale etag fails", r.status_code == 409, r.text())
    r = send("PUT", "sdk-nrt-stable", body, api="2025-12-01")
    check("nrt: refused by stable 2025-12-01", r.status_code == 400, r.text())
    r = send("DELETE", "sdk-nrt")
    check("nrt: delete", r.status_code == 200, r.text())
    r = send("DELETE", "sdk-nrt")
    check("nrt: delete again is 204", r.status_code == 204, r.text())


def functions():
    la = LogAnalyticsManagementClient(cred, SUB, api_version="2025-02-01", **common)

    def search(i, etag=None):
        return SavedSearch(
            etag=etag,
            properties=SavedSearchProperties(
                category="Parsers", display_name=f"Parser {i}", query=f"SecurityEvent | take {i}", function_alias=f"Parser{i}"
            ),
        )

    names = [f"sdk-fn-{i}" for i in range(3)]
    for i, n in enumerate(names):
        r = la.saved_searches.create_or_update(RG, WS, n, search(i))
        check(f"functions: create {n}", r.etag is not None and r.properties.function_alias == f"Parser{i}")
    got = la.saved_searches.get(RG, WS, names[0])
    check("functions: get", got.properties.query == "SecurityEvent | take 0" and got.properties.version == 2)
    listed = la.saved_searches.list_by_workspace(RG, WS)
    check("functions: list (not paged)", sorted(s.name for s in listed.value) == names)
    expect_status("functions: re-save without etag fails", lambda: la.saved_searches.create_or_update(RG, WS, names[0], search("x")), 409)
    up = la.saved_searches.create_or_update(RG, WS, names[0], search("0b", etag=got.etag))
    check("functions: update with the current etag", up.properties.display_name == "Parser 0b")
    expect_status("functions: update with a stale etag fails", lambda: la.saved_searches.create_or_update(RG, WS, names[0], search("0c", etag=got.etag)), 409)
    la.saved_searches.delete(RG, WS, names[1])
    expect_status("functions: get after delete is 404", lambda: la.saved_searches.get(RG, WS, names[1]), 404)
    default = LogAnalyticsManagementClient(cred, SUB, **common)  # SDK default api-version 2025-07-01
    check("functions: SDK default api-version accepted", default.saved_searches.get(RG, WS, names[0]).properties.display_name == "Parser 0b")


def workbooks():
    ai = ApplicationInsightsManagementClient(cred, SUB, **common)

    def wb(i, etag=None):
        return Workbook(
            location="westeurope",
            kind="shared",
            etag=etag,
            tags={"hidden-title": f"Workbook {i}"},
            display_name=f"Workbook {i}",
            serialized_data='{"version":"Notebook/1.0","items":[]}',
            version="Notebook/1.0",
            category="sentinel",
            source_id=WS_ID,
        )

    names = [str(uuid.uuid4()) for _ in range(3)]
    for i, n in enumerate(names):
        r = ai.workbooks.create_or_update(RG, n, wb(i), source_id=WS_ID)
        check(f"workbooks: create {i}", r.display_name == f"Workbook {i}" and r.etag)
    got = ai.workbooks.get(RG, names[0])
    check("workbooks: get", got.serialized_data.startswith("{") and got.source_id == WS_ID)
    listed = list(ai.workbooks.list_by_resource_group(RG, category="sentinel", source_id=WS_ID, can_fetch_content=True))
    check("workbooks: list by category and sourceId follows nextLink", sorted(w.name for w in listed) == sorted(names), str([w.name for w in listed]))
    up = ai.workbooks.create_or_update(RG, names[0], wb("0b", etag=got.etag))
    check("workbooks: update with the current etag", up.display_name == "Workbook 0b")
    expect_status("workbooks: update with a stale etag fails", lambda: ai.workbooks.create_or_update(RG, names[0], wb("0c", etag=got.etag)), 409)
    ai.workbooks.delete(RG, names[1])
    expect_status("workbooks: get after delete is 404", lambda: ai.workbooks.get(RG, names[1]), 404)


for name, fn in [("rules", rules), ("nrt", nrt_rules), ("functions", functions), ("workbooks", workbooks)]:
    step(name, fn)

print(f"sdk_check: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
