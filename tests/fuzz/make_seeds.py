#!/usr/bin/env python3
"""make_seeds.py OUT_SQL_DIR [--max-files N] [--group K] — seed inputs for the SQL fuzz target.

Cuts PostgreSQL's regression SQL (../shared/conformance/pg-regress/sql/*.sql) into statements
(quotes, dollar quotes, comments and parentheses respected; psql meta-commands dropped) and
writes groups of K consecutive statements, one file per group, each statement ended by ";\\n"
(the target's statement separator). The isolation specs' SQL (pg-isolation/specs/*.spec:
every { ... } block but teardown, in file order) gives one file per spec. With --max-files,
an even sample of that many files, four fifths regression SQL and one fifth specs (the
checked-in corpus); file names say where they came from.
"""
import argparse
import hashlib
import os
import re
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
CONF = os.path.normpath(os.path.join(ROOT, "../../../shared/conformance"))


def split_sql(text):
    """Statements of a psql script, without their ';'."""
    out, cur, i, n = [], [], 0, len(text)
    depth = 0
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and c == "\\" and not "".join(cur).strip():
            j = text.find("\n", i)  # psql meta-command: skip the line
            i = n if j < 0 else j + 1
            continue
        at_line_start = c == "\n"
        if c == "-" and text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c in "'\"":
            j = i + 1
            while j < n:
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            cur.append(text[i:j + 1])
            i = j + 1
            continue
        if c == "$":
            m = re.match(r"\$[A-Za-z_]*\$", text[i:])
            if m:
                tag = m.group(0)
                j = text.find(tag, i + len(tag))
                j = n if j < 0 else j + len(tag)
                cur.append(text[i:j])
                i = j
                continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth = max(0, depth - 1)
        if c == ";" and depth == 0:
            s = "".join(cur).strip()
            if s:
                out.append(s)
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    s = "".join(cur).strip()
    if s:
        out.append(s)
    return out


def spec_sql(text):
    text = re.sub(r"#[^\n]*", "", text)
    out = []
    for m in re.finditer(r"\b(setup|teardown|step\s+\w+)\s*\{(.*?)\}", text, re.S):
        if m.group(1) == "teardown":
            continue
        out.extend(split_sql(m.group(2)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--max-files", type=int, default=0)
    ap.add_argument("--group", type=int, default=4)
    ap.add_argument("--max-bytes", type=int, default=2000)
    a = ap.parse_args()
    seeds = []  # (name, text)
    regress = os.path.join(CONF, "pg-regress/sql")
    for f in sorted(os.listdir(regress)):
        if not f.endswith(".sql"):
            continue
        with open(os.path.join(regress, f), encoding="utf-8", errors="replace") as fh:
            stmts = split_sql(fh.read())
        for k in range(0, len(stmts), a.group):
            text = "".join(s + ";\n" for s in stmts[k:k + a.group])
            if len(text) <= a.max_bytes:
                seeds.append((f"regress-{f[:-4]}-{k // a.group:04d}", text))
    specs = os.path.join(CONF, "pg-isolation/specs")
    for f in sorted(os.listdir(specs)):
        if not f.endswith(".spec"):
            continue
        with open(os.path.join(specs, f), encoding="utf-8", errors="replace") as fh:
            text = "".join(s + ";\n" for s in spec_sql(fh.read()))
        if text and len(text) <= 4 * a.max_bytes:
            seeds.append((f"isolation-{f[:-5]}", text))
    if a.max_files:  # four fifths from the regression SQL, one fifth from the specs
        def sample(items, k):
            if len(items) <= k:
                return items
            return [items[int(i * len(items) / k)] for i in range(k)]
        reg = [s for s in seeds if s[0].startswith("regress-")]
        iso = [s for s in seeds if s[0].startswith("isolation-")]
        seeds = sample(reg, a.max_files * 4 // 5) + sample(iso, a.max_files // 5)
    os.makedirs(a.out, exist_ok=True)
    for name, text in seeds:
        with open(os.path.join(a.out, name), "w", encoding="utf-8") as fh:
            fh.write(text)
    print(f"{len(seeds)} seeds, {sum(len(t) for _, t in seeds)} bytes in {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
