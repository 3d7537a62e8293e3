"""Parses Prometheus text from stdin with the reference parser (prometheus_client) and prints
one JSON object per sample: {"family", "name", "labels", "value"}. Fails on text it cannot read."""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families

for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        print(json.dumps({"family": family.name, "name": sample.name, "labels": sample.labels, "value": sample.value}))
