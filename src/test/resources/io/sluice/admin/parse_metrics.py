# Reads Prometheus text format on stdin with prometheus_client's own parser (Debian's python3-prometheus-client) and
# prints what it understood as JSON, for PrometheusParser in the tests. A text it cannot parse exits non-zero with
# the parser's error on stderr.
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

families = [
    {
        "name": family.name,
        "type": family.type,
        "help": family.documentation,
        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples],
    }
    for family in text_string_to_metric_families(sys.stdin.read())
]
json.dump(families, sys.stdout)
