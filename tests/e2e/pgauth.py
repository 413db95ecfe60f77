#!/usr/bin/env python3
"""tests/e2e/pgauth.py — a minimal PostgreSQL protocol client for the authentication tests
(tests/e2e/auth.sh): what libpq does not let a script see, namely the SQLSTATE of a FATAL
error during connection, and which SASL mechanisms the server offers.

  pgauth.py --port P --user U [--host H] [--db D] [--password PW]
            [--ssl disable|require] [--ca FILE] [--cert FILE --key FILE] [--no-plus]

Prints one line: "OK <current_user> <mechanisms offered or ->" or "FATAL <SQLSTATE> <message>"
or "LOST <reason>". SCRAM-SHA-256 (RFC 5802/7677) is written here from the RFCs, with Python's
hashlib/hmac; SCRAM-SHA-256-PLUS binds to the server certificate (tls-server-end-point).
Exit status 0 whatever the outcome (the caller compares the line).
"""
import argparse
import base64
import hashlib
import hmac
import os
import socket
import ssl
import struct
import sys


def msg(kind, payload=b""):
    return kind + struct.pack("!i", len(payload) + 4) + payload


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def message(self):
        kind = self.read(1)
        (length,) = struct.unpack("!i", self.read(4))
        return kind, self.read(length - 4)


def error_fields(payload):
    fields = {}
    for part in payload.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode("utf-8", "replace")
    return fields


def end_point_hash(der):
    # RFC 5929: the certificate's signature hash (SHA-256 for MD5/SHA-1); the tests' certs
    # are signed with SHA-256.
    return hashlib.sha256(der).digest()


def scram(conn, password, mechanisms, tls_sock, allow_plus):
    plus = allow_plus and "SCRAM-SHA-256-PLUS" in mechanisms and tls_sock is not None
    mech = "SCRAM-SHA-256-PLUS" if plus else "SCRAM-SHA-256"
    if plus:
        gs2 = b"p=tls-server-end-point,,"
        cbind = gs2 + end_point_hash(tls_sock.getpeercert(binary_form=True))
    else:
        gs2 = b"y,," if tls_sock is not None and "SCRAM-SHA-256-PLUS" not in mechanisms else b"n,,"
        cbind = gs2
    nonce = base64.b64encode(os.urandom(18))
    first_bare = b"n=,r=" + nonce
    first = gs2 + first_bare
    conn.send(msg(b"p", mech.encode() + b"\0" + struct.pack("!i", len(first)) + first))
    kind, payload = conn.message()
    if kind == b"E":
        return kind, payload
    code = struct.unpack("!i", payload[:4])[0]
    assert kind == b"R" and code == 11, (kind, code)
    server_first = payload[4:]
    attrs = dict(a.split(b"=", 1) for a in server_first.split(b","))
    salt = base64.b64decode(attrs[b"s"])
    iterations = int(attrs[b"i"])
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored = hashlib.sha256(client_key).digest()
    without_proof = b"c=" + base64.b64encode(cbind) + b",r=" + attrs[b"r"]
    auth = first_bare + b"," + server_first + b"," + without_proof
    sig = hmac.new(stored, auth, hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, sig))
    conn.send(msg(b"p", without_proof + b",p=" + base64.b64encode(proof)))
    kind, payload = conn.message()
    if kind == b"E":
        return kind, payload
    code = struct.unpack("!i", payload[:4])[0]
    assert kind == b"R" and code == 12, (kind, code)
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    expected = b"v=" + base64.b64encode(hmac.new(server_key, auth, hashlib.sha256).digest())
    if payload[4:] != expected:
        raise EOFError("server signature does not verify")
    return conn.message()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--db", default="postgres")
    ap.add_argument("--password", default=None)
    ap.add_argument("--ssl", default="disable", choices=["disable", "require"])
    ap.add_argument("--ca")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--no-plus", action="store_true")
    a = ap.parse_args()

    try:
        run(a)
    except (EOFError, OSError, ssl.SSLError) as e:
        print(f"LOST {e}")


def run(a):
    sock = socket.create_connection((a.host, a.port), timeout=20)
    conn = Conn(sock)
    tls_sock = None
    if a.ssl == "require":
        conn.send(struct.pack("!ii", 8, 80877103))
        answer = conn.read(1)
        if answer != b"S":
            print("LOST server does not support SSL")
            return
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if a.ca:
            ctx.load_verify_locations(a.ca)
            ctx.check_hostname = a.host not in ("127.0.0.1", "::1")
        else:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if a.cert:
            ctx.load_cert_chain(a.cert, a.key)
        tls_sock = ctx.wrap_socket(sock, server_hostname=a.host)
        conn = Conn(tls_sock)
    params = b"user\0" + a.user.encode() + b"\0database\0" + a.db.encode() + b"\0\0"
    conn.send(struct.pack("!ii", 8 + len(params), 196608) + params)
    mechanisms = []
    while True:
        kind, payload = conn.message()
        if kind == b"E":
            f = error_fields(payload)
            print(f"{f.get('V', f.get('S'))} {f.get('C')} {f.get('M')}")
            return
        if kind == b"R":
            code = struct.unpack("!i", payload[:4])[0]
            if code == 0:
                continue
            if code == 3:
                if a.password is None:
                    print("LOST password requested")
                    return
                conn.send(msg(b"p", a.password.encode() + b"\0"))
                continue
            if code == 10:
                mechanisms = [m.decode() for m in payload[4:].split(b"\0") if m]
                if a.password is None:
                    print("LOST password requested")
                    return
                kind, payload = scram(conn, a.password, mechanisms, tls_sock, not a.no_plus)
                if kind == b"E":
                    f = error_fields(payload)
                    print(f"{f.get('V', f.get('S'))} {f.get('C')} {f.get('M')}")
                    return
                conn.buf = kind + struct.pack("!i", len(payload) + 4) + payload + conn.buf
                continue
            print(f"LOST unsupported authentication request {code}")
            return
        if kind == b"Z":
            break
    q = b"select current_user\0"
    conn.send(msg(b"Q", q))
    user = "?"
    while True:
        kind, payload = conn.message()
        if kind == b"D":
            (n,) = struct.unpack("!h", payload[:2])
            (ln,) = struct.unpack("!i", payload[2:6])
            user = payload[6 : 6 + ln].decode()
        if kind == b"E":
            f = error_fields(payload)
            print(f"ERROR {f.get('C')} {f.get('M')}")
            return
        if kind == b"Z":
            break
    conn.send(msg(b"X"))
    print(f"OK {user} {','.join(mechanisms) or '-'}")


if __name__ == "__main__":
    main()
    sys.stdout.flush()
