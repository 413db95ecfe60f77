#!/usr/bin/env python3
"""make_wire_seeds.py OUT_DIR — hand-made seed inputs for the wire fuzz target (format in
wire_target.cc): framed inputs (odd first byte: the target sends the startup packet and the
length words) for the simple and extended query protocols, COPY and the message types a
client may send; raw inputs (even first byte) for startup, SSL, GSSENC and cancel requests."""
import os
import struct
import sys


def i16(v):
    return struct.pack(">h", v)


def i32(v):
    return struct.pack(">i", v)


def cstr(s):
    return s.encode() + b"\0"


def rec(t, body=b""):  # one framed record
    return t.encode() + struct.pack(">H", len(body)) + body


def framed(*records):
    return b"\x01" + b"".join(records)


def query(sql):
    return rec("Q", cstr(sql))


def parse(name, sql, types=()):
    return rec("P", cstr(name) + cstr(sql) + i16(len(types)) + b"".join(i32(t) for t in types))


def bind(portal, stmt, params=(), formats=(), results=()):
    body = cstr(portal) + cstr(stmt) + i16(len(formats)) + b"".join(i16(f) for f in formats)
    body += i16(len(params))
    for p in params:
        body += i32(-1) if p is None else i32(len(p)) + p
    body += i16(len(results)) + b"".join(i16(f) for f in results)
    return rec("B", body)


def execute(portal="", max_rows=0):
    return rec("E", cstr(portal) + i32(max_rows))


def describe(kind, name=""):
    return rec("D", kind.encode() + cstr(name))


def close(kind, name=""):
    return rec("C", kind.encode() + cstr(name))


SYNC, FLUSH, TERMINATE = rec("S"), rec("H"), rec("X")


def raw_msg(t, body):
    return t.encode() + i32(len(body) + 4) + body


def startup(params, code=196608):
    body = i32(code) + b"".join(cstr(k) + cstr(v) for k, v in params) + b"\0"
    return i32(len(body) + 4) + body


STD = [("user", "fuzz"), ("database", "postgres")]

SEEDS = {
    "simple-select": framed(query("SELECT 1, 'a'::text, NULL"), TERMINATE),
    "simple-multi": framed(query("CREATE TABLE t (a int PRIMARY KEY, b text); "
                                 "INSERT INTO t VALUES (1, 'x'), (2, NULL); SELECT * FROM t"),
                           query("BEGIN"), query("UPDATE t SET b = 'y' WHERE a = 1"),
                           query("SELECT 1/0"), query("ROLLBACK"), query("")),
    "extended-text": framed(
        query("CREATE TABLE t (a int PRIMARY KEY, b text)"),
        parse("ins", "INSERT INTO t VALUES ($1, $2)"), describe("S", "ins"),
        bind("", "ins", [b"1", b"one"]), execute(), bind("", "ins", [b"2", None]), execute(),
        parse("", "SELECT a, b FROM t WHERE a > $1"), bind("p", "", [b"0"]),
        describe("P", "p"), execute("p", 1), execute("p", 0), close("P", "p"),
        close("S", "ins"), SYNC),
    "extended-binary": framed(
        parse("s", "SELECT $1::int4, $2::int8, $3::text, $4::bool, $5::float8, $6::int2",
              [23, 20, 25, 16, 701, 21]),
        bind("", "s", [i32(7), struct.pack(">q", -5), b"abc", b"\x01",
                       struct.pack(">d", 1.5), i16(3)], [1], [1]),
        describe("P"), execute(), SYNC),
    "extended-types": framed(
        parse("", "SELECT $1::numeric, $2::date, $3::timestamp, $4::bytea, $5::uuid, "
              "$6::timestamptz, $7::interval", [1700, 1082, 1114, 17, 2950, 1184, 1186]),
        bind("", "", [b"12.50", b"2024-02-29", b"2024-01-01 10:00:00", b"\\x0102",
                      b"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", b"2024-01-01 10:00:00+02",
                      b"1 day 2 hours"]),
        execute(), SYNC),
    "extended-error-sync": framed(
        parse("", "SELECT nosuchcolumn"), bind("", ""), execute(), SYNC,
        parse("", "BEGIN"), bind("", ""), execute(), parse("", "SELECT 1/0"), bind("", ""),
        execute(), SYNC, query("ROLLBACK")),
    "copy-in": framed(query("CREATE TABLE c (a int, b text)"), query("COPY c FROM STDIN"),
                      rec("d", b"1\tone\n2\t\\N\n"), rec("d", b"3\tthree\n"), rec("c"),
                      query("COPY c FROM STDIN"), rec("f", cstr("client gave up")),
                      query("COPY c TO STDOUT"), query("COPY (SELECT * FROM c) TO STDOUT")),
    "copy-binary": framed(query("CREATE TABLE c (a int)"),
                          query("COPY c FROM STDIN (FORMAT binary)"),
                          rec("d", b"PGCOPY\n\xff\r\n\0" + i32(0) + i32(0) + i16(1) + i32(4) +
                              i32(42) + i16(-1)), rec("c"),
                          query("COPY c TO STDOUT (FORMAT binary)")),
    "misc-types": framed(rec("F", i32(1598) + i16(0) + i16(0) + i16(0)), rec("H"),
                         rec("d", b"stray"), rec("c"), describe("X"), close("Z"),
                         rec("\x01", b"")),
    "portal-suspend": framed(
        parse("g", "SELECT g FROM generate_series(1, 10) g"), bind("cur", "g"),
        execute("cur", 3), execute("cur", 3), FLUSH, execute("cur", 0), SYNC,
        query("BEGIN"), query("DECLARE c CURSOR FOR SELECT 1"), query("FETCH 1 FROM c"),
        query("COMMIT")),
    "set-and-show": framed(query("SET statement_timeout = '1s'"), query("SHOW ALL"),
                           query("SET application_name = 'x'"), query("RESET ALL"),
                           query("SELECT current_setting('TimeZone')")),
    "raw-startup-query": b"\x00" + startup(STD + [("application_name", "fuzz")]) +
                         raw_msg("Q", cstr("SELECT 42")) + raw_msg("X", b""),
    "raw-ssl-then-startup": b"\x00" + i32(8) + i32(80877103) + startup(STD) +
                            raw_msg("Q", cstr("SELECT 1")),
    "raw-gssenc-then-startup": b"\x00" + i32(8) + i32(80877104) + startup(STD),
    "raw-cancel": b"\x00" + i32(16) + i32(80877102) + i32(1234) + i32(5678),
    "raw-options": b"\x00" + startup(STD + [("options", "-c statement_timeout=1s -c search_path=x"),
                                              ("client_encoding", "UTF8"),
                                              ("DateStyle", "ISO, MDY")]) +
                   raw_msg("Q", cstr("SHOW search_path")),
    "raw-bad-version": b"\x00" + startup(STD, code=0x00020000),
    "raw-replication": b"\x00" + startup(STD + [("replication", "database")]),
    "raw-bad-length": b"\x00" + startup(STD) + b"Q" + i32(3),
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(data)
    print(f"{len(SEEDS)} wire seeds in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
