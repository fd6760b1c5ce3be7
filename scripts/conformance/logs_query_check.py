"""Microsoft's azure-monitor-query LogsQueryClient against the emulator's Log Analytics query API.

Loads a table and rows through the admin API, then checks what the SDK reads back: column names and
types, typed rows (datetimes parsed by the SDK), a timespan, a saved function, a syntax error
(HttpResponseError 400 with the API's code) and a token for the wrong audience (401).
"""

import datetime
import json
import os
import ssl
import sys
import traceback
import urllib.request

from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.monitor.query import LogsQueryClient, LogsQueryStatus

URL = os.environ["EMU_URL"]
CA = os.environ["EMU_CA"]
ADMIN_TOKEN = os.environ["EMU_ADMIN_TOKEN"]
WS_ID = os.environ["EMU_WS_ID"]
TENANT = os.environ["EMU_TENANT"]
TABLE = "ConformanceLogs_CL"
UTC = datetime.timezone.utc

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


tls = ssl.create_default_context(cafile=CA)


def admin(method, path, body=None):
    req = urllib.request.Request(
        f"{URL}/_emulator/{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"x-emulator-admin-token": ADMIN_TOKEN, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, context=tls) as r:
        text = r.read()
        return json.loads(text) if text else None


admin("POST", "tables", {"workspace": WS_ID, "name": TABLE, "columns": [
    {"name": "TimeGenerated", "type": "dateTime"},
    {"name": "User", "type": "string"},
    {"name": "Attempts", "type": "long"},
    {"name": "Success", "type": "boolean"},
    {"name": "Score", "type": "real"},
    {"name": "Details", "type": "dynamic"},
]})
admin("POST", "rows", {"workspace": WS_ID, "table": TABLE, "rows": [
    {"TimeGenerated": "2024-01-01T10:00:00Z", "User": "alice", "Attempts": 3, "Success": False, "Score": 0.5, "Details": {"country": "NL"}},
    {"TimeGenerated": "2024-01-01T11:00:00Z", "User": "bob", "Attempts": 1, "Success": True, "Score": 1.25},
    {"TimeGenerated": "2024-01-03T09:30:00Z", "User": "alice", "Attempts": 7, "Success": True},
]})
workspaces = admin("GET", "workspaces")["value"]
customer_id = next(w["properties"]["customerId"] for w in workspaces if w["id"].lower() == WS_ID.lower())

cred = ClientSecretCredential(
    TENANT,
    "11111111-2222-3333-4444-555555555555",
    "any-secret",
    authority=URL,
    disable_instance_discovery=True,
    connection_verify=CA,
)
client = LogsQueryClient(cred, endpoint=f"{URL}/v1", audience="https://api.loganalytics.io", connection_verify=CA)


def typed_rows():
    r = client.query_workspace(
        customer_id,
        f"{TABLE} | where User == 'alice' | project TimeGenerated, User, Attempts, Success, Score, Details | order by TimeGenerated asc",
        timespan=None,
    )
    check("query: success", r.status == LogsQueryStatus.SUCCESS, str(r.status))
    t = r.tables[0]
    check("query: PrimaryResult", t.name == "PrimaryResult", t.name)
    check("query: column names", t.columns == ["TimeGenerated", "User", "Attempts", "Success", "Score", "Details"], str(t.columns))
    check("query: column types", t.columns_types == ["datetime", "string", "long", "bool", "real", "dynamic"], str(t.columns_types))
    rows = [list(row) for row in t.rows]
    check("query: two rows", len(rows) == 2, str(rows))
    check("query: the SDK parses datetimes", rows[0][0] == datetime.datetime(2024, 1, 1, 10, tzinfo=UTC), repr(rows[0][0]))
    check("query: long, bool, real as JSON values", rows[0][1:5] == ["alice", 3, False, 0.5], repr(rows[0]))
    check("query: dynamic as JSON text", json.loads(rows[0][5]) == {"country": "NL"}, repr(rows[0][5]))
    check("query: null cells", rows[1][4] is None and rows[1][5] is None, repr(rows[1]))
    check("query: rows by column name", t.rows[1]["Attempts"] == 7, repr(t.rows[1]))


def timespans():
    q = f"{TABLE} | project User"
    start = datetime.datetime(2024, 1, 1, 10, 30, tzinfo=UTC)
    r = client.query_workspace(customer_id, q, timespan=(start, datetime.timedelta(days=1)))
    check("timespan: (start, duration)", [list(x) for x in r.tables[0].rows] == [["bob"]], str(r.tables[0].rows))
    r = client.query_workspace(customer_id, q, timespan=(start, start + datetime.timedelta(days=3)))
    check("timespan: (start, end)", sorted(x[0] for x in r.tables[0].rows) == ["alice", "bob"], str(r.tables[0].rows))
    r = client.query_workspace(customer_id, q, timespan=datetime.timedelta(days=1))
    check("timespan: a duration ends now", r.tables[0].rows == [], str(r.tables[0].rows))


def errors():
    try:
        client.query_workspace(customer_id, f"{TABLE} | where", timespan=None)
        check("error: a syntax error raises", False, "the query succeeded")
    except HttpResponseError as e:
        check("error: a syntax error is 400", e.status_code == 400, str(e.status_code))
        check("error: BadArgumentError", "BadArgumentError" in str(e), str(e))
    try:
        client.query_workspace("00000000-0000-0000-0000-000000000000", "print 1", timespan=None)
        check("error: an unknown workspace raises", False, "the query succeeded")
    except HttpResponseError as e:
        check("error: an unknown workspace is 404", e.status_code == 404, str(e.status_code))
    arm = LogsQueryClient(cred, endpoint=f"{URL}/v1", audience="https://management.azure.com", connection_verify=CA)
    try:
        arm.query_workspace(customer_id, "print 1", timespan=None)
        check("error: an ARM token raises", False, "the query succeeded")
    except HttpResponseError as e:
        check("error: an ARM token is 401", e.status_code == 401, str(e.status_code))


for name, fn in [("rows", typed_rows), ("timespan", timespans), ("errors", errors)]:
    try:
        fn()
    except Exception:  # noqa: BLE001 - report and go on
        check(name, False, traceback.format_exc())

print(f"logs_query_check: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
