#!/usr/bin/env python3
"""Lists non-test source files over 800 lines and functions over 150 lines (issue 13's "one job"
sizes) in analyzer/, collector/ and format/. Test modules (`#[cfg(test)] mod ... { }`), files
that only hold tests or fixtures, and fuzz bodies do not count."""
import os, re, sys

ROOTS = ["analyzer/src", "collector/src", "format/src", "output/src"]
FILE_LIMIT, FN_LIMIT = 800, 150

def strip_tests(lines):
    out, skip_depth, depth, pending = [], None, 0, False
    for line in lines:
        stripped = line.strip()
        if skip_depth is None and stripped.startswith("#[cfg(test)]"):
            pending = True
            continue
        opens, closes = line.count("{"), line.count("}")
        if pending and skip_depth is None:
            if "mod " in line or "fn " in line or "impl" in line or "use " in line:
                if "{" in line:
                    skip_depth = depth
                    depth += opens - closes
                    pending = False
                    if depth == skip_depth:
                        skip_depth = None
                    continue
                pending = False
                continue
        if skip_depth is not None:
            depth += opens - closes
            if depth <= skip_depth:
                skip_depth = None
            continue
        depth += opens - closes
        out.append(line)
    return out

def is_test_file(path):
    name = os.path.basename(path)
    return ("test" in name or name in ("fixture.rs", "fuzz.rs", "testkit.rs"))

def code_only(line):
    """The line without string and char literals and comments, for brace counting."""
    line = re.sub(r'//.*$', '', line)
    line = re.sub(r"b?'(\\.|[^'\\])'", "''", line)
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    return line

def functions(lines):
    fn_re = re.compile(r"^\s*(pub(\([a-z]+\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)")
    i = 0
    while i < len(lines):
        m = fn_re.match(lines[i])
        if m and not lines[i].rstrip().endswith(";"):
            depth, start, seen = 0, i, False
            j = i
            while j < len(lines):
                code = code_only(lines[j])
                depth += code.count("{") - code.count("}")
                seen |= "{" in code
                if seen and depth <= 0:
                    break
                j += 1
            yield m.group(6), start + 1, j - i + 1
        i += 1

bad = 0
for root in ROOTS:
    for dirpath, _, files in os.walk(root):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(dirpath, f)
            if is_test_file(path):
                continue
            lines = strip_tests(open(path).read().splitlines())
            if len(lines) > FILE_LIMIT:
                print(f"file {path}: {len(lines)} non-test lines")
                bad += 1
            for name, line, length in functions(lines):
                if length > FN_LIMIT:
                    print(f"fn   {path}: {name} ({length} lines)")
                    bad += 1
sys.exit(1 if bad else 0)
