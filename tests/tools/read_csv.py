"""Reads CSV from stdin with Python's csv module, as a spreadsheet user's script would (UTF-8,
a byte-order mark allowed), and prints the rows as a JSON array of arrays."""

import csv
import io
import json
import sys

print(json.dumps(list(csv.reader(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")))))
