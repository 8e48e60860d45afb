#!/usr/bin/env python3
"""Turns tools/mutants.tsv and mutation-check.sh result files into the markdown table of docs/mutation-check.md.

usage: tools/mutation-report.py RESULTS.tsv [RESULTS.tsv ...]   (later files win for the same mutant id)
"""
import sys
from pathlib import Path

repo = Path(__file__).resolve().parent.parent
mutants = {}
for line in (repo / "tools" / "mutants.tsv").read_text(encoding="utf-8").splitlines():
    if not line or line.startswith("#"):
        continue
    mid, path, old, new, project, test_filter = line.split("\t")
    mutants[mid] = (path, old, new, project, test_filter)
results = {}
for name in sys.argv[1:]:
    for line in Path(name).read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        results[fields[0]] = fields[1:] + [""] * (5 - len(fields))


def code(text):
    return "`" + text.replace("|", "\\|") + "`"


print("| id | where | fault | result | tests that failed |")
print("|---|---|---|---|---|")
for mid, (path, old, new, _, _) in mutants.items():
    where, result, seconds, failing = (results.get(mid) or ["", "not run", "", ""])[:4]
    failing = ", ".join(f"`{t}`" for t in failing.split()) if failing else ""
    print(f"| {mid} | {where or path} | {code(old)} → {code(new)} | {result} ({seconds}) | {failing} |")
