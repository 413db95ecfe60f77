#!/usr/bin/env python3
"""tests/fuzz/grammar_fuzz.py — a grammar fuzz run over the statement kinds of issue 13.

    grammar_fuzz.py --port P [--seconds S] [--seed N] [--out DIR]

Against a running server (best an ASan build: scripts/server.sh with HOLDFAST_BIN pointing at
build-asan/holdfast), for S seconds (default 300): builds a script of 1-12 statements from
a small grammar of what issue 13 added — CREATE [OR REPLACE] FUNCTION in LANGUAGE sql and
plpgsql (bodies with IF/CASE/loops/RETURN QUERY/PERFORM/EXECUTE format()/RAISE/exception
blocks/GET DIAGNOSTICS), DO blocks, row- and statement-level triggers with WHEN, views
(updatable, WITH CHECK OPTION, FOR UPDATE through them), materialized views and REFRESH,
temporary tables with ON COMMIT, LIST/RANGE/HASH partitioning with ATTACH/DETACH, COPY,
LISTEN/NOTIFY/pg_notify, schemas, enums, CREATE TABLE ... (LIKE ...), domains — then mutates a few of its tokens (drops, duplicates,
swaps, replaces with a keyword, a number or a quote) and runs it through psql in a new session
(statement_timeout 2 s). Errors are expected; a finding is a server that dies or stops
answering. Each finding is saved as DIR/crash-N.sql (default /tmp/hf-grammar-fuzz) and the
run stops (the server must be restarted by hand to go on). Prints scripts run, statements run
and the errors they got (counted by SQLSTATE class), and exits 1 on a finding.

No coverage guidance: libFuzzer's campaign (run.sh) needs the clang build; this one runs
against any build and reaches the new statements' deeper paths, which random bytes seldom
parse into.
"""
import argparse
import collections
import os
import random
import re
import subprocess
import sys
import time

TYPES = ["int", "bigint", "text", "numeric", "boolean", "jsonb", "timestamptz", "uuid", "int[]"]
VALUES = ["1", "-1", "0", "NULL", "'x'", "'2020-01-01'", "2147483647", "'{}'", "ARRAY[1,2]",
          "'{\"a\": 1}'::jsonb", "gen_random_uuid()", "now()", "1.5", "true", "''", "$1"]
TABLES = ["t", "p", "v", "mv", "tt", "s.t", "q"]
COLS = ["a", "b", "c", "id", "payload", "x"]
KEYWORDS = ["SELECT", "FROM", "WHERE", "BEGIN", "END", "LOOP", "IF", "THEN", "ELSE", "RETURN",
            "NEW", "OLD", "TG_OP", "PERFORM", "EXECUTE", "RAISE", "EXCEPTION", "NULL", "(", ")",
            ",", ";", "$$", "'", "::", "FOR", "IN", "QUERY", "NEXT", "DECLARE", "CASCADE",
            "PARTITION", "VALUES", "DEFAULT", "ROW", "EACH", "STATEMENT", "WHEN", "ALL"]


def r(seq):
    return random.choice(seq)


def expr(depth=[0]):
    depth[0] += 1
    try:
        return expr_at(depth[0])
    finally:
        depth[0] -= 1


def expr_at(depth):
    k = random.randrange(7 if depth < 4 else 2)
    if k == 0:
        return r(VALUES)
    if k == 1:
        return r(COLS)
    if k == 2:
        return f"{expr()} {r(['+', '-', '*', '/', '||', '=', '<', 'AND', 'OR', '->>', '@>'])} {expr()}"
    if k == 3:
        return f"{r(['coalesce', 'format', 'length', 'upper', 'pg_notify', 'nextval', 'abs', 'jsonb_build_object', 'generate_series'])}({expr()}, {expr()})"
    if k == 4:
        return f"({expr()})::{r(TYPES)}"
    if k == 5:
        return f"CASE WHEN {expr()} THEN {expr()} ELSE {expr()} END"
    return f"(SELECT {expr()} FROM {r(TABLES)} LIMIT 1)"


def plpgsql_stmt(depth=0):
    k = random.randrange(16 if depth < 2 else 10)
    if k == 0:
        return f"v := {expr()};"
    if k == 1:
        return f"PERFORM {expr()};"
    if k == 2:
        return f"RAISE {r(['NOTICE', 'WARNING', 'EXCEPTION', 'INFO', 'DEBUG'])} '%', {expr()};"
    if k == 3:
        return f"EXECUTE format('{r(['INSERT INTO %I VALUES (%L)', 'SELECT %s', 'DELETE FROM %I', 'UPDATE %I SET a = %L'])}', {expr()}, {expr()});"
    if k == 4:
        return f"GET DIAGNOSTICS n = ROW_COUNT;"
    if k == 5:
        return f"INSERT INTO {r(TABLES)} VALUES ({expr()}, {expr()});"
    if k == 6:
        return f"RETURN {r(['', expr(), 'NEW', 'OLD', 'NULL', 'QUERY SELECT 1', 'NEXT ' + expr()])};"
    if k == 7:
        return f"SELECT {expr()} INTO v FROM {r(TABLES)};"
    if k == 8:
        return f"UPDATE {r(TABLES)} SET {r(COLS)} = {expr()} WHERE {expr()};"
    if k == 9:
        return f"NEW.{r(COLS)} := {expr()};"
    body = " ".join(plpgsql_stmt(depth + 1) for _ in range(random.randrange(1, 4)))
    if k == 10:
        return f"IF {expr()} THEN {body} ELSIF {expr()} THEN {body} ELSE {body} END IF;"
    if k == 11:
        return f"FOR i IN {r(['1..3', 'REVERSE 3..1', 'SELECT * FROM ' + r(TABLES), 'EXECUTE ' + repr('SELECT 1')])} LOOP {body} END LOOP;"
    if k == 12:
        return f"WHILE {expr()} LOOP {body} EXIT WHEN {expr()}; END LOOP;"
    if k == 13:
        return f"BEGIN {body} EXCEPTION WHEN {r(['others', 'division_by_zero', 'unique_violation', 'SQLSTATE ' + repr('22012')])} THEN {body} END;"
    if k == 14:
        return f"CASE {expr()} WHEN {expr()} THEN {body} ELSE {body} END CASE;"
    return f"FOREACH i IN ARRAY ARRAY[1,2] LOOP {body} END LOOP;"


def plpgsql_body():
    decl = f"DECLARE v {r(TYPES)}; n int; i int; rec record;"
    stmts = " ".join(plpgsql_stmt() for _ in range(random.randrange(1, 6)))
    return f"$$ {decl} BEGIN {stmts} END $$"


def statement():
    t = r(TABLES)
    k = random.randrange(29)
    if k == 0:
        cols = ", ".join(f"{c} {r(TYPES)}" for c in random.sample(COLS, random.randrange(1, 4)))
        return f"CREATE {r(['', 'TEMP ', 'UNLOGGED '])}TABLE {t} ({cols}){r(['', ' ON COMMIT DROP', ' ON COMMIT DELETE ROWS', ' PARTITION BY LIST (a)', ' PARTITION BY RANGE (a)', ' PARTITION BY HASH (a)'])}"
    if k == 1:
        return f"CREATE TABLE {t}_{random.randrange(3)} PARTITION OF {t} {r(['FOR VALUES IN (1, 2)', 'FOR VALUES FROM (1) TO (10)', 'FOR VALUES FROM (MINVALUE) TO (MAXVALUE)', 'FOR VALUES WITH (MODULUS 2, REMAINDER 1)', 'DEFAULT'])}"
    if k == 2:
        return f"ALTER TABLE {t} {r(['ATTACH', 'DETACH'])} PARTITION {t}_{random.randrange(3)} {r(['', 'FOR VALUES IN (3)', 'DEFAULT', 'CONCURRENTLY'])}"
    if k == 3:
        return f"CREATE {r(['', 'OR REPLACE '])}FUNCTION f{random.randrange(3)}({r(['', 'x int', 'x int, y text', 'VARIADIC a int[]', 'OUT o int'])}) RETURNS {r(['int', 'void', 'trigger', 'SETOF int', 'TABLE (a int, b text)', t, 'record'])} LANGUAGE plpgsql AS {plpgsql_body()}"
    if k == 4:
        return f"CREATE {r(['', 'OR REPLACE '])}FUNCTION g{random.randrange(3)}(int) RETURNS {r(['int', 'SETOF int', 'bool', t])} LANGUAGE sql {r(['', 'IMMUTABLE ', 'STRICT '])}AS $$ SELECT {expr()} $$"
    if k == 5:
        return f"DO {r(['', 'LANGUAGE plpgsql '])}{plpgsql_body()}"
    if k == 6:
        return f"CREATE {r(['', 'OR REPLACE ', 'CONSTRAINT '])}TRIGGER tr{random.randrange(3)} {r(['BEFORE', 'AFTER', 'INSTEAD OF'])} {r(['INSERT', 'UPDATE', 'DELETE', 'INSERT OR UPDATE', 'UPDATE OF a', 'TRUNCATE'])} ON {t} FOR EACH {r(['ROW', 'STATEMENT'])}{r(['', ' WHEN (NEW.a > 0)', ' WHEN (OLD.a IS DISTINCT FROM NEW.a)'])} EXECUTE FUNCTION f{random.randrange(3)}()"
    if k == 7:
        return f"CREATE {r(['', 'OR REPLACE ', 'TEMP '])}VIEW v AS SELECT {expr()} AS a, {r(COLS)} FROM {t} WHERE {expr()}{r(['', ' WITH CHECK OPTION', ' WITH LOCAL CHECK OPTION'])}"
    if k == 8:
        return f"CREATE MATERIALIZED VIEW mv AS SELECT * FROM {t}{r(['', ' WITH NO DATA'])}"
    if k == 9:
        return f"REFRESH MATERIALIZED VIEW {r(['', 'CONCURRENTLY '])}mv{r(['', ' WITH NO DATA'])}"
    if k == 10:
        return f"SELECT * FROM {r(['v', t])} {r(['FOR UPDATE', 'FOR SHARE SKIP LOCKED', 'FOR NO KEY UPDATE NOWAIT', ''])}"
    if k == 11:
        return f"INSERT INTO {r(['v', t])} VALUES ({expr()}, {expr()}){r(['', ' RETURNING *', ' ON CONFLICT DO NOTHING'])}"
    if k == 12:
        return f"UPDATE {r(['v', t])} SET {r(COLS)} = {expr()} WHERE {expr()}{r(['', ' RETURNING *'])}"
    if k == 13:
        return f"DELETE FROM {r(['v', t])} WHERE {expr()}"
    if k == 14:
        return f"COPY {r([t, '(SELECT * FROM ' + t + ')', t + ' (a)'])} {r(['TO STDOUT', 'FROM STDIN', 'TO ' + repr('/nonexistent/x'), 'FROM ' + repr('/etc/hostname')])}{r(['', ' WITH (FORMAT csv, HEADER)', ' (FORMAT text, DELIMITER ' + repr('|') + ')', ' CSV FORCE QUOTE *'])}"
    if k == 15:
        channel = r(["ch", '"Ch"', "*", "ch, 'payload'"])
        return f"{r(['LISTEN', 'UNLISTEN', 'NOTIFY'])} {channel}"
    if k == 16:
        return f"SELECT pg_notify({expr()}, {expr()})"
    if k == 17:
        return f"{r(['CREATE SCHEMA', 'DROP SCHEMA', 'DROP SCHEMA IF EXISTS'])} s{r(['', ' CASCADE', ' AUTHORIZATION postgres'])}"
    if k == 18:
        return f"{r(['CREATE TYPE e AS ENUM (' + repr('a') + ', ' + repr('b') + ')', 'ALTER TYPE e ADD VALUE ' + repr('c'), 'CREATE TYPE c AS (x int, y text)', 'DROP TYPE e CASCADE'])}"
    if k == 19:
        return f"DROP {r(['TABLE', 'VIEW', 'MATERIALIZED VIEW', 'FUNCTION', 'TRIGGER tr1 ON'])} {r([t, 'f1', 'f0()', 'v', 'mv'])}{r(['', ' CASCADE'])}"
    if k == 20:
        return r(["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT s1", "ROLLBACK TO s1", "PREPARE TRANSACTION 'x'"])
    if k == 21:
        return f"SELECT {r(['f0', 'f1', 'f2', 'g0', 'g1'])}({expr()}){r(['', ' FROM ' + t])}"
    if k == 22:
        return f"ALTER SEQUENCE {r(['q', 't_a_seq'])} {r(['RESTART', 'INCREMENT BY 0', 'MAXVALUE 1', 'OWNED BY t.a'])}"
    if k in (27, 28):
        return merge_statement(t)
    if k == 24:
        opts = " ".join(r(["INCLUDING", "EXCLUDING"]) + " " + r(["ALL", "INDEXES", "DEFAULTS", "CONSTRAINTS", "IDENTITY", "GENERATED", "COMMENTS", "STORAGE", "STATISTICS", "COMPRESSION"]) for _ in range(random.randrange(3)))
        return f"CREATE {r(['', 'TEMP '])}TABLE l{random.randrange(3)} ({r(['', 'z int, ', 'id int PRIMARY KEY, '])}LIKE {r([t, 'v', 'nosuch'])} {opts}{r(['', ', LIKE t', ', CHECK (a > 0)'])})"
    if k == 25:
        return f"CREATE DOMAIN d{random.randrange(3)} AS {r(TYPES)}{r(['', ' NOT NULL', ' NULL', ' DEFAULT ' + r(VALUES)])}{r(['', ' CHECK (VALUE > ' + r(VALUES) + ')', ' CONSTRAINT c CHECK (VALUE IS NOT NULL)', ' CHECK (' + expr() + ')'])}"
    if k == 26:
        d = f"d{random.randrange(3)}"
        return r([f"ALTER DOMAIN {d} {r(['SET DEFAULT ' + r(VALUES), 'DROP DEFAULT', 'SET NOT NULL', 'DROP NOT NULL', 'ADD CHECK (VALUE <> ' + r(VALUES) + ')', 'DROP CONSTRAINT c', 'DROP CONSTRAINT IF EXISTS c'])}",
                  f"DROP DOMAIN {r(['', 'IF EXISTS '])}{d}{r(['', ' CASCADE'])}",
                  f"CREATE TABLE dt{random.randrange(2)} (a {d}, b {r(TYPES)})",
                  f"INSERT INTO dt{random.randrange(2)} VALUES ({r(VALUES)}::{d}, {r(VALUES)})",
                  f"SELECT {r(VALUES)}::{d}, CAST({expr()} AS {d})"])
    return f"CREATE {r(['', 'UNIQUE '])}INDEX ON {t} ({r(COLS)}){r(['', ' WHERE ' + expr()])}"


def merge_action(matched):
    if matched:
        return r([f"UPDATE SET {r(COLS)} = {expr()}",
                  f"UPDATE SET {r(COLS)} = {expr()}, {r(COLS)} = DEFAULT",
                  f"UPDATE SET ({r(COLS)}, {r(COLS)}) = ({expr()}, {expr()})",
                  "DELETE", "DO NOTHING"])
    return r([f"INSERT VALUES ({expr()}, {expr()})",
              f"INSERT ({r(COLS)}) VALUES ({expr()})",
              f"INSERT ({r(COLS)}, {r(COLS)}) OVERRIDING SYSTEM VALUE VALUES ({expr()}, DEFAULT)",
              "INSERT DEFAULT VALUES", "DO NOTHING"])


def merge_statement(t):
    # MERGE (PostgreSQL 15): a table, subquery or VALUES source; WHEN clauses in any order.
    source = r([r(TABLES), f"(SELECT {expr()} AS a, {expr()} AS b)",
                f"(VALUES ({expr()}, {expr()}), ({expr()}, {expr()})) AS s(a, b)",
                f"(SELECT * FROM {r(TABLES)} WHERE {expr()})", "generate_series(1, 3) AS s(a)"])
    if not source.endswith(")") or source.startswith("(SELECT"):
        source += r([" s", " AS s", ""])
    clauses = []
    for _ in range(random.randrange(1, 5)):
        matched = random.random() < 0.5
        cond = r(["", f" AND {expr()}"])
        clauses.append(f"WHEN {'MATCHED' if matched else 'NOT MATCHED'}{cond} THEN {merge_action(matched)}")
    with_clause = r(["", f"WITH w AS (SELECT {expr()} AS a) "])
    return (f"{with_clause}MERGE INTO {r(['v', 'mv', t])}{r(['', ' tg', ' AS tg'])} USING {source} "
            f"ON {r([expr(), 'tg.a = s.a', t + '.a = s.a', 'true'])} " + " ".join(clauses))


# Objects the statements name, so that most of them get past name resolution.
PRELUDE = """CREATE TABLE t (a int, b text, c int, id serial, payload jsonb, x int);
INSERT INTO t (a, b, c, payload, x) SELECT g, 'b' || g, g % 3, jsonb_build_object('k', g), g FROM generate_series(1, 5) g;
CREATE TABLE p (a int, b text, c int) PARTITION BY LIST (a);
CREATE TABLE p_0 PARTITION OF p FOR VALUES IN (1, 2);
CREATE TABLE p_1 PARTITION OF p DEFAULT;
CREATE VIEW v AS SELECT a, b, c FROM t WHERE a > 1;
CREATE FUNCTION f0() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.c := coalesce(NEW.c, 0) + 1; RETURN NEW; END $$;
CREATE FUNCTION f1(x int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN x + 1; END $$;
CREATE SEQUENCE q;
"""


def mutate(text):
    toks = re.findall(r"\$\$|'[^']*'|\w+|\S", text)
    for _ in range(random.randrange(0, 4)):
        if not toks:
            break
        i = random.randrange(len(toks))
        k = random.randrange(5)
        if k == 0:
            del toks[i]
        elif k == 1:
            toks.insert(i, toks[i])
        elif k == 2:
            j = random.randrange(len(toks))
            toks[i], toks[j] = toks[j], toks[i]
        elif k == 3:
            toks[i] = r(KEYWORDS)
        else:
            toks[i] = r(VALUES)
    return " ".join(toks)


def alive(port):
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port), "-t", "5"]).returncode == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--seconds", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="/tmp/hf-grammar-fuzz")
    a = ap.parse_args()
    random.seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    end = time.time() + a.seconds
    scripts = statements = 0
    errors = collections.Counter()
    while time.time() < end:
        stmts = [statement() for _ in range(random.randrange(1, 13))]
        if random.random() < 0.7:
            i = random.randrange(len(stmts))
            stmts[i] = mutate(stmts[i])
        script = "SET statement_timeout = '2s';\n"
        if random.random() < 0.8:
            script += PRELUDE
        script += "".join(s + ";\n" for s in stmts)
        script += ("ROLLBACK;\nDROP SCHEMA IF EXISTS s CASCADE;\nDROP VIEW IF EXISTS v CASCADE;\n"
                   "DROP MATERIALIZED VIEW IF EXISTS mv CASCADE;\n"
                   "DROP TABLE IF EXISTS t, p, tt, q CASCADE;\nDROP SEQUENCE IF EXISTS q;\n"
                   "DROP FUNCTION IF EXISTS f0, f1, f2, g0, g1, g2 CASCADE;\nDROP TYPE IF EXISTS e, c CASCADE;\n")
        try:
            p = subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(a.port), "-U",
                                "postgres", "-d", "postgres", "-v", "VERBOSITY=verbose", "-f", "-"],
                               input=script, capture_output=True, text=True, timeout=60)
            out = p.stderr
        except subprocess.TimeoutExpired:
            out = "TIMEOUT"
        scripts += 1
        statements += len(stmts)
        for m in re.finditer(r"ERROR:  ([0-9A-Z]{2})", out):
            errors[m.group(1)] += 1
        if "TIMEOUT" == out or "server closed the connection" in out or not alive(a.port):
            n = len(os.listdir(a.out))
            path = os.path.join(a.out, f"crash-{n}.sql")
            with open(path, "w") as f:
                f.write(script)
            print(f"FINDING after {scripts} scripts: {path}\n{out[-2000:]}")
            return 1
    print(f"{scripts} scripts, {statements} statements in {a.seconds} s, no crash; "
          f"errors by SQLSTATE class: {dict(errors.most_common())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
