#!/usr/bin/env bash
# tests/e2e/make_certs.sh DIR [CLIENT...] — test certificates made with the openssl CLI, for
# the TLS end-to-end tests (auth.sh, drivers.sh):
#   DIR/ca.crt, ca.key          a CA ("hf test CA")
#   DIR/server.crt, server.key  the server's, signed by it: CN=localhost, SAN localhost and
#                               127.0.0.1, SHA-256 signature
#   DIR/NAME.crt, NAME.key      a client certificate CN=NAME for each CLIENT, signed by the CA
#   DIR/evil.crt, evil.key      another CA; DIR/forged.crt, forged.key: CN=certuser by it
# Keys are mode 0600. Valid for two days. Exit 1 when openssl fails.
set -euo pipefail
dir=${1:?usage: make_certs.sh DIR [CLIENT...]}
shift
mkdir -p "$dir"
cd "$dir"
ossl() { openssl "$@" >/dev/null 2>&1 || { echo "make_certs.sh: openssl $1 failed" >&2; exit 1; }; }
ossl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=hf test CA"
ossl req -x509 -newkey rsa:2048 -nodes -keyout evil.key -out evil.crt -days 2 -subj "/CN=evil CA"
ossl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.cnf
ossl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt \
  -days 2 -sha256 -extfile san.cnf
for who in "$@"; do
  ossl req -newkey rsa:2048 -nodes -keyout "$who.key" -out "$who.csr" -subj "/CN=$who"
  ossl x509 -req -in "$who.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$who.crt" \
    -days 2 -sha256
done
ossl req -newkey rsa:2048 -nodes -keyout forged.key -out forged.csr -subj "/CN=certuser"
ossl x509 -req -in forged.csr -CA evil.crt -CAkey evil.key -CAcreateserial -out forged.crt \
  -days 2 -sha256
chmod 600 ./*.key
