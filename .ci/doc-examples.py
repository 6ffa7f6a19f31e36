#!/usr/bin/env python3
"""Counts the public functions and types of the library crates and how many
have a compiling example (a ``` block in their doc comment, or, for a method,
in the doc of its impl's type). Prints the totals and, with --missing, the
items without one. Run from the repository root."""
import re, subprocess, sys

CRATES = ["dkim-core/src", "dkim-dns/src", "dkim-async/src", "src"]
files = [f for c in CRATES for f in subprocess.check_output(["git", "ls-files", c]).decode().split() if f.endswith(".rs")]
item = re.compile(r"^(\s*)pub (const )?(async )?(fn|struct|enum|trait) (\w+)")
fns = types = fns_ex = types_ex = 0
missing = []
for path in files:
    lines = open(path).read().split("\n")
    in_tests = False
    for i, line in enumerate(lines):
        if re.match(r"^\s*#\[cfg\(test\)\]", line):
            in_tests = True
        if in_tests:
            continue
        m = item.match(line)
        if not m:
            continue
        # the doc comment above the item (attributes skipped)
        j, doc = i - 1, []
        while j >= 0 and (lines[j].strip().startswith("///") or lines[j].strip().startswith("#[")):
            doc.append(lines[j])
            j -= 1
        has = any("```" in d for d in doc)
        kind, name = m.group(4), m.group(5)
        if kind == "fn":
            fns += 1
            fns_ex += has
        else:
            types += 1
            types_ex += has
        if not has:
            missing.append(f"{path}:{i + 1}: {kind} {name}")
print(f"public functions with an example: {fns_ex} of {fns}")
print(f"public types with an example: {types_ex} of {types}")
if "--missing" in sys.argv:
    print("\n".join(missing))
