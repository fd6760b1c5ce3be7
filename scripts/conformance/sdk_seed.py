"""Seeds a workspace in the emulator with Microsoft's Python SDKs (not sentinelctl), as a
hand-built workspace would be: used by scripts/conformance-import to check that `sentinelctl
import` round-trips content it did not create.

Environment: EMU_URL, EMU_CA, EMU_SUB, EMU_RG, EMU_WS, EMU_TENANT.
"""

import json
import os
import uuid

from azure.core.rest import HttpRequest
from azure.identity import ClientSecretCredential
from azure.mgmt.applicationinsights import ApplicationInsightsManagementClient
from azure.mgmt.applicationinsights.v2023_06_01.models import Workbook
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.loganalytics.models import SavedSearch
from azure.mgmt.securityinsight import SecurityInsights
from azure.mgmt.securityinsight.models import (
    EntityMapping,
    EventGroupingSettings,
    FieldMapping,
    GroupingConfiguration,
    IncidentConfiguration,
    ScheduledAlertRule,
)

URL, CA = os.environ["EMU_URL"], os.environ["EMU_CA"]
SUB, RG, WS, TENANT = os.environ["EMU_SUB"], os.environ["EMU_RG"], os.environ["EMU_WS"], os.environ["EMU_TENANT"]
WS_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.OperationalInsights/workspaces/{WS}"
common = dict(base_url=URL, credential_scopes=["https://management.azure.com/.default"], connection_verify=CA)
cred = ClientSecretCredential(TENANT, str(uuid.uuid4()), "seed-secret", authority=URL,
                              disable_instance_discovery=True, connection_verify=CA)

si = SecurityInsights(cred, SUB, api_version="2025-12-01", **common)
QUERY = "OnePasswordEventLogs_CL\r\n| where action == \"export\"\r\n| extend User = tostring(actor_details.email), SrcIp = tostring(session.ip)\r\n"
for i, (sev, freq, period) in enumerate([("High", "PT5M", "PT1H"), ("Medium", "PT1H", "P1D"), ("Low", "P1D", "P14D")]):
    rule = ScheduledAlertRule(
        display_name=f"Portal rule {i}", description=f"Made in the portal ({i}).", severity=sev, enabled=i != 2,
        query=QUERY, query_frequency=freq, query_period=period, trigger_operator="GreaterThan", trigger_threshold=i,
        suppression_duration="PT5H", suppression_enabled=False, tactics=["Exfiltration"], techniques=["T1567"],
        entity_mappings=[EntityMapping(entity_type="Account", field_mappings=[FieldMapping(identifier="FullName", column_name="User")]),
                         EntityMapping(entity_type="IP", field_mappings=[FieldMapping(identifier="Address", column_name="SrcIp")])],
        custom_details={"Actor": "User"},
        event_grouping_settings=EventGroupingSettings(aggregation_kind="AlertPerResult"),
        incident_configuration=IncidentConfiguration(create_incident=True, grouping_configuration=GroupingConfiguration(
            enabled=True, reopen_closed_incident=False, lookback_duration="PT5H", matching_method="AllEntities")),
    )
    si.alert_rules.create_or_update(RG, WS, str(uuid.uuid4()), rule)

# An NRT rule: the SDK has no NRT model, so it goes through the SDK client's pipeline.
nrt = {"kind": "NRT", "properties": {"displayName": "Portal NRT rule", "description": "Near real time.", "severity": "Medium",
       "enabled": True, "query": "OnePasswordEventLogs_CL | where action == \"disblmfa\"", "suppressionDuration": "PT5H",
       "suppressionEnabled": False, "tactics": ["DefenseEvasion"], "techniques": ["T1556"], "subTechniques": ["T1556.006"]}}
path = f"{WS_ID}/providers/Microsoft.SecurityInsights/alertRules/{uuid.uuid4()}?api-version=2025-04-01-preview"
resp = si._client.send_request(HttpRequest("PUT", URL + path, json=nrt))
resp.raise_for_status()

la = LogAnalyticsManagementClient(cred, SUB, **common)
# The portal saves functions under generated names; one of them here has a name unlike its alias.
for name, alias, params, q in [("PortalExports", "PortalExports", "lookback:timespan = 1d", "OnePasswordEventLogs_CL\n| where TimeGenerated > ago(lookback) and action == \"export\""),
                               (str(uuid.uuid4()), "PortalSignIns", "", "OnePasswordEventLogs_CL | where log_source == \"signinattempts\"")]:
    la.saved_searches.create_or_update(RG, WS, name, SavedSearch(category="Portal", display_name=alias, query=q,
                                                                   function_alias=alias, function_parameters=params, version=2))

ai = ApplicationInsightsManagementClient(cred, SUB, **common)
data = {"version": "Notebook/1.0", "items": [{"type": 1, "content": {"json": "## Made in the portal"}, "name": "text - 0"}],
        "fallbackResourceIds": [WS_ID]}
ai.workbooks.create_or_update(RG, str(uuid.uuid4()), Workbook(location="westeurope", kind="shared", display_name="Portal workbook",
                              serialized_data=json.dumps(data), category="sentinel", source_id=WS_ID, version="Notebook/1.0"))
print("seeded 4 rules, 2 functions, 1 workbook with Microsoft's SDKs")
