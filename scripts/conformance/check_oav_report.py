"""Reads oav validate-traffic's --jsonReport: zero failed operations, zero errors, and the expected
operations covered. (oav 4.0.3 exits 1 even on success: its HTML template is missing.)"""

import json
import sys

report = json.load(open(sys.argv[1]))
expected = set(sys.argv[2].split(",")) if len(sys.argv) > 2 else set()
errors = report.get("errors", [])
failed = report.get("failedOperations", 0)
passed_ops = report.get("passedOperationsList", [])
covered = set()
for p in passed_ops:
    if isinstance(p, dict):
        ids = p.get("operationIds") or [p.get("operationId")]
        covered.update(str(i) for i in ids if i)
    else:
        covered.add(str(p))
print(f"oav: coveredOperations={report.get('coveredOperations')} failedOperations={failed} errors={len(errors)}")
print("oav: passed operations: " + ", ".join(sorted(str(c) for c in covered)))
for e in errors[:50]:
    print(f"  {e.get('operationId')} {e.get('issueSource')} {e.get('errorCode')}: {e.get('errorMessage')}")
missing = expected - covered
if missing:
    print("oav: expected operations not covered: " + ", ".join(sorted(missing)))
ok = failed == 0 and not errors and not missing
print(f"oav: {'1 passed, 0 failed' if ok else '0 passed, 1 failed'}")
sys.exit(0 if ok else 1)
