"""Microsoft's Python SDKs as clients of the ARM emulator (run by scripts/conformance-emulator).

Environment: EMU_URL, EMU_CA (CA file), EMU_ADMIN_TOKEN, EMU_SUB, EMU_RG, EMU_WS, EMU_TENANT.
For rules, functions (savedSearches), hunting queries (savedSearches with tags), watchlists and their
items, automation rules and workbooks: create, get, list (with paging: the emulator runs with a small
page size), conditional update with a stale etag (must fail), delete. Tables through
azure-mgmt-loganalytics (its LRO poller). The watchlist's asynchronous delete (2025-12-01) is polled
through the SDK pipeline; the SDK's own delete (2021-10-01) is synchronous. The admin API refuses a
call without its token.

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
from azure.mgmt.loganalytics.models import SavedSearch, SavedSearchProperties, Tag
from azure.mgmt.securityinsight import SecurityInsights
from azure.mgmt.securityinsight.models import (
    AutomationRule,
    AutomationRuleModifyPropertiesAction,
    AutomationRulePropertyValuesCondition,
    AutomationRuleTriggeringLogic,
    IncidentLabel,
    IncidentPropertiesAction,
    PropertyConditionProperties,
    ScheduledAlertRule,
    Watchlist,
    WatchlistItem,
)

URL = os.environ["EMU_URL"]
CA = os.environ["EMU_CA"]
SUB = os.environ["EMU_SUB"]
RG = os.environ["EMU_RG"]
WS = os.environ["EMU_WS"]
TENANT = os.environ["EMU_TENANT"]
ADMIN_TOKEN = os.environ["EMU_ADMIN_TOKEN"]
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


def admin_api():
    import ssl
    import urllib.error
    import urllib.request

    tls = ssl.create_default_context(cafile=CA)

    def status(headers):
        req = urllib.request.Request(f"{URL}/_emulator/settings", headers=headers)
        try:
            return urllib.request.urlopen(req, context=tls).status
        except urllib.error.HTTPError as e:
            return e.code

    check("admin: no token is 401", status({}) == 401)
    check("admin: a wrong token is 401", status({"x-emulator-admin-token": "wrong"}) == 401)
    check("admin: x-emulator-admin-token", status({"x-emulator-admin-token": ADMIN_TOKEN}) == 200)
    check("admin: Authorization Bearer", status({"Authorization": f"Bearer {ADMIN_TOKEN}"}) == 200)


def hunting_queries():
    la = LogAnalyticsManagementClient(cred, SUB, api_version="2025-02-01", **common)
    hunt = SavedSearch(
        properties=SavedSearchProperties(
            category="Hunting Queries",
            display_name="SDK hunting query",
            query="SigninLogs | where ResultType != '0' | take 10",
            tags=[Tag(name="tactics", value="InitialAccess"), Tag(name="techniques", value="T1078")],
        )
    )
    r = la.saved_searches.create_or_update(RG, WS, "sdk-hunt", hunt)
    check("hunting: create with tags", r.etag is not None and r.properties.category == "Hunting Queries")
    got = la.saved_searches.get(RG, WS, "sdk-hunt")
    tags = sorted((t.name, t.value) for t in (got.properties.tags or []))
    check("hunting: tags read back through the SDK", tags == [("tactics", "InitialAccess"), ("techniques", "T1078")], str(tags))


def tables():
    la = LogAnalyticsManagementClient(cred, SUB, **common)
    names = [t.name for t in la.tables.list_by_workspace(RG, WS)]
    check("tables: built-in tables listed", "SecurityEvent" in names and "SigninLogs" in names, str(names[:5]))
    body = {
        "properties": {
            "schema": {
                "name": "SdkVendor_CL",
                "columns": [{"name": "TimeGenerated", "type": "dateTime"}, {"name": "actor", "type": "dynamic"}],
            },
            "retentionInDays": 30,
            "totalRetentionInDays": 60,
        }
    }
    t = la.tables.begin_create_or_update(RG, WS, "SdkVendor_CL", body).result()
    check("tables: create a custom table (LRO)", t.properties.provisioning_state == "Succeeded" and t.properties.archive_retention_in_days == 30)
    got = la.tables.get(RG, WS, "SdkVendor_CL")
    check("tables: get", [c.name for c in got.properties.schema.columns] == ["TimeGenerated", "actor"])
    bad = dict(body, properties=dict(body["properties"], schema={"name": "NoSuffix", "columns": body["properties"]["schema"]["columns"]}))
    expect_status("tables: a custom table needs _CL", lambda: la.tables.begin_create_or_update(RG, WS, "NoSuffix", bad).result(), 400)
    la.tables.begin_delete(RG, WS, "SdkVendor_CL").result()
    expect_status("tables: get after delete is 404", lambda: la.tables.get(RG, WS, "SdkVendor_CL"), 404)


# azure-mgmt-securityinsight 1.0.0 takes the api-version per call for these operations (the client's
# api_version keyword does not reach them); without it they send 2021-10-01.
API = "2025-12-01"


class WithApi:
    """An operations group whose every call sends api-version API."""

    def __init__(self, ops):
        self.ops = ops

    def __getattr__(self, name):
        fn = getattr(self.ops, name)
        return lambda *a, **k: fn(*a, api_version=API, **k)


def watchlists():
    si = SecurityInsights(cred, SUB, api_version="2025-12-01", **common)
    legacy = SecurityInsights(cred, SUB, **common)
    wl, items_ops = WithApi(si.watchlists), WithApi(si.watchlist_items)
    alias = "sdk-vips"
    raw = "Upn,Role\nalice@contoso.com,admin\nbob@contoso.com,owner\ncarol@contoso.com,admin\n"
    w = wl.create_or_update(
        RG, WS, alias,
        Watchlist(display_name="VIPs", provider="sdk", source="vips.csv", items_search_key="Upn", raw_content=raw, content_type="text/csv"),
    )
    check("watchlists: create with rawContent", w.etag and w.watchlist_alias == alias and w.items_search_key == "Upn")
    items = list(items_ops.list(RG, WS, alias))
    check("watchlists: items from rawContent, paged", len(items) == 3, str(len(items)))
    item_id = str(uuid.uuid4())
    it = items_ops.create_or_update(RG, WS, alias, item_id, WatchlistItem(items_key_value={"Upn": "dave@contoso.com", "Role": "admin"}))
    check("watchlists: item create", it.items_key_value == {"Upn": "dave@contoso.com", "Role": "admin"})
    it2 = items_ops.create_or_update(RG, WS, alias, item_id, WatchlistItem(etag=it.etag, items_key_value={"Upn": "dave@contoso.com", "Role": "owner"}))
    check("watchlists: item update with the current etag", it2.items_key_value["Role"] == "owner")
    expect_status("watchlists: item update with a stale etag fails", lambda: items_ops.create_or_update(RG, WS, alias, item_id, WatchlistItem(etag=it.etag, items_key_value={"Upn": "x"})), 409)
    check("watchlists: item get", items_ops.get(RG, WS, alias, item_id).items_key_value["Role"] == "owner")
    items_ops.delete(RG, WS, alias, item_id)
    expect_status("watchlists: item get after delete is 404", lambda: items_ops.get(RG, WS, alias, item_id), 404)
    expect_status("watchlists: update with a stale etag fails", lambda: wl.create_or_update(RG, WS, alias, Watchlist(etag='"stale"', display_name="VIPs", provider="sdk", source="vips.csv", items_search_key="Upn")), 409)
    check("watchlists: list", alias in [x.name for x in wl.list(RG, WS)])
    # 2025-12-01: asynchronous delete, polled through the SDK's pipeline.
    path = f"{WS_ID}/providers/Microsoft.SecurityInsights/watchlists/{alias}"
    r = si._send_request(HttpRequest("DELETE", path, params={"api-version": "2025-12-01"}))
    status_url = r.headers.get("Azure-AsyncOperation")
    check("watchlists: delete is 202 with Azure-AsyncOperation", r.status_code == 202 and status_url, r.text())
    import time

    state = None
    for _ in range(50):
        state = si._send_request(HttpRequest("GET", status_url)).json().get("status")
        if state == "Succeeded":
            break
        time.sleep(0.1)
    check("watchlists: the delete status reaches Succeeded", state == "Succeeded", str(state))
    expect_status("watchlists: get after delete is 404", lambda: wl.get(RG, WS, alias), 404)
    # The SDK's own (2021-10-01) delete is synchronous.
    legacy.watchlists.create_or_update(RG, WS, "sdk-legacy", Watchlist(display_name="L", provider="sdk", source="l.csv", items_search_key="k"))
    legacy.watchlists.delete(RG, WS, "sdk-legacy")
    expect_status("watchlists: legacy delete is immediate", lambda: legacy.watchlists.get(RG, WS, "sdk-legacy"), 404)


def automation_rules():
    si = SecurityInsights(cred, SUB, api_version="2025-12-01", **common)
    ar = WithApi(si.automation_rules)

    def rule(order, etag=None, n_actions=1):
        return AutomationRule(
            etag=etag,
            display_name="Tag 1Password incidents",
            order=order,
            triggering_logic=AutomationRuleTriggeringLogic(
                is_enabled=True,
                triggers_on="Incidents",
                triggers_when="Created",
                conditions=[PropertyConditionProperties(condition_properties=AutomationRulePropertyValuesCondition(property_name="IncidentTitle", operator="Contains", property_values=["1Password"]))],
            ),
            actions=[AutomationRuleModifyPropertiesAction(order=i + 1, action_configuration=IncidentPropertiesAction(severity="High", labels=[IncidentLabel(label_name="1password")])) for i in range(n_actions)],
        )

    ids = [str(uuid.uuid4()) for _ in range(3)]
    for i, n in enumerate(ids):
        r = ar.create_or_update(RG, WS, n, rule(i + 1))
        check(f"automation: create {i}", r.etag and r.order == i + 1 and r.created_time_utc is not None)
    listed = [r.name for r in ar.list(RG, WS)]
    check("automation: list follows nextLink", sorted(listed) == sorted(ids), str(listed))
    got = ar.get(RG, WS, ids[0])
    up = ar.create_or_update(RG, WS, ids[0], rule(1000, etag=got.etag))
    check("automation: update with the current etag", up.order == 1000)
    expect_status("automation: update with a stale etag fails", lambda: ar.create_or_update(RG, WS, ids[0], rule(2, etag=got.etag)), 409)
    expect_status("automation: order 1001 is refused", lambda: ar.create_or_update(RG, WS, ids[1], rule(1001)), 400)
    expect_status("automation: 21 actions are refused", lambda: ar.create_or_update(RG, WS, ids[1], rule(1, n_actions=21)), 400)
    ar.delete(RG, WS, ids[2])
    expect_status("automation: get after delete is 404", lambda: ar.get(RG, WS, ids[2]), 404)


for name, fn in [
    ("admin", admin_api),
    ("rules", rules),
    ("nrt", nrt_rules),
    ("functions", functions),
    ("hunting", hunting_queries),
    ("tables", tables),
    ("watchlists", watchlists),
    ("automation", automation_rules),
    ("workbooks", workbooks),
]:
    step(name, fn)

print(f"sdk_check: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
