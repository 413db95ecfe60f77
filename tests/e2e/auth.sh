#!/usr/bin/env bash
# tests/e2e/auth.sh [--target holdfast|pg] — authentication, host-based rules and TLS as
# PostgreSQL 15 has them, checked with psql and with tests/e2e/pgauth.py (which shows the
# SQLSTATE of a FATAL at connection time and the SASL mechanisms offered):
#   - the default rules let `psql -h 127.0.0.1 -U postgres` in without a password;
#   - SCRAM-SHA-256: right password, wrong password (28P01), unknown role (28P01 too: the
#     server does not tell which roles exist), NOLOGIN (28000), expired (28P01), CONNECTION
#     LIMIT (53300), cleartext "password" rules;
#   - rules file order: the first matching line wins; reject (28000 "pg_hba.conf rejects
#     connection ..."); no matching line (28000 "no pg_hba.conf entry ...");
#   - TLS with a CA and certificates made here with the openssl CLI: sslmode=require and
#     verify-full, SCRAM-SHA-256-PLUS (channel binding), hostssl / hostnossl, client
#     certificates (cert method, clientcert), a certificate from another CA;
#   - holdfast only: refusal to listen beyond loopback while such addresses are trusted, and
#     the rules reloaded on SIGHUP (a reload that would trust them is refused).
# --target pg runs the same checks on PostgreSQL 15 (hba_file and ssl settings, pg_ctl
# reload) to show that the expectations are PostgreSQL's. Exit 0 pass, 1 fail.
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
py=$e2e_here/pgauth.py
tls=$work/tls

# Certificates: a CA, the server's (localhost, 127.0.0.1), clients', another CA's.
bash "$e2e_here/make_certs.sh" "$tls" certuser alice verified \
  || { echo "FAIL: could not make certificates"; exit 1; }

hba=$work/hba.conf
# "local" lines are ignored by holdfast (no Unix socket); PostgreSQL needs one for pg_ctl.
cat >"$hba" <<'HBA'
local all all trust
hostnossl all postgres 127.0.0.1/32 trust
host all mallory 127.0.0.1/32 reject
host all mallory 127.0.0.1/32 trust
hostssl all certuser 127.0.0.1/32 cert
hostssl all tlsonly 127.0.0.1/32 scram-sha-256
hostssl all verified 127.0.0.1/32 scram-sha-256 clientcert=verify-full
host all tlsonly 127.0.0.1/32 reject
host postgres all 127.0.0.1/32 scram-sha-256
host pwdb all 127.0.0.1/32 password
HBA

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u hfpg -- "$@"; else "$@"; fi; }


# The rules file and TLS: holdfast restarts with its options; PostgreSQL gets them in its
# configuration and reloads.
start_secured() {
  case $target in
    holdfast)
      bash "$e2e_root/scripts/server.sh" stop --port "$port" >/dev/null
      bash "$e2e_root/scripts/server.sh" start --port "$port" --data "$work/data" \
        --log "$work/holdfast.log" -- --hba-file "$hba" --ssl-cert "$tls/server.crt" \
        --ssl-key "$tls/server.key" --ssl-ca "$tls/ca.crt" >/dev/null \
        || { echo "FAIL: holdfast did not start with the rules and TLS"; tail "$work/holdfast.log"; exit 1; } ;;
    pg)
      # hba_file is fixed at server start: the rules go where PostgreSQL reads them.
      cp "$hba" "$work/pg/pg_hba.conf"
      [ "$(id -u)" -eq 0 ] && chown -R hfpg "$tls" "$work/pg/pg_hba.conf"
      cat >>"$work/pg/postgresql.conf" <<CONF
ssl = on
ssl_cert_file = '$tls/server.crt'
ssl_key_file = '$tls/server.key'
ssl_ca_file = '$tls/ca.crt'
CONF
      as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$work/pg" reload >/dev/null
      sleep 1 ;;
  esac
}

e2e_start  # lib.sh: the server with its default rules, and a psql session as postgres

conn="host=127.0.0.1 port=$port dbname=postgres"
echo "--- default rules: trust from loopback"
check_eq "postgres in without a password" "postgres" \
  "$(psql -X -At "$conn user=postgres" -c 'select current_user' 2>&1)"
if [ "$target" = holdfast ]; then
  check_eq "no TLS without a certificate" \
    'psql: error: connection to server at "127.0.0.1", port '"$port"' failed: server does not support SSL, but SSL was required' \
    "$(psql -X -At "$conn user=postgres sslmode=require" -c 'select 1' 2>&1)"
fi
setup=$(psql -X -At "$conn user=postgres" 2>&1 <<'SQL'
CREATE ROLE alice LOGIN PASSWORD 'alice-pw';
CREATE ROLE mallory LOGIN PASSWORD 'mallory-pw';
CREATE ROLE certuser LOGIN;
CREATE ROLE tlsonly LOGIN PASSWORD 'tls-pw';
CREATE ROLE verified LOGIN PASSWORD 'v-pw';
CREATE ROLE nologin PASSWORD 'x';
CREATE ROLE expired LOGIN PASSWORD 'e' VALID UNTIL '2001-01-01';
CREATE ROLE limited LOGIN PASSWORD 'l' CONNECTION LIMIT 0;
CREATE ROLE nopass LOGIN;
SQL
)
check_eq "roles created" "9 CREATE ROLE" "$(sort <<<"$setup" | uniq -c | sed 's/^ *//')"
[ "$target" = pg ] && psql -X -q "$conn user=postgres" -c 'CREATE DATABASE pwdb' >/dev/null

start_secured

auth() { python3 "$py" --port "$port" "$@" 2>&1; }
echo "--- SCRAM-SHA-256"
check_eq "right password" "OK alice SCRAM-SHA-256" "$(auth --user alice --password alice-pw)"
check_eq "wrong password" 'FATAL 28P01 password authentication failed for user "alice"' \
  "$(auth --user alice --password wrong)"
check_eq "unknown role: the same failure" \
  'FATAL 28P01 password authentication failed for user "nobody"' \
  "$(auth --user nobody --password whatever)"
check_eq "role without a password" 'FATAL 28P01 password authentication failed for user "nopass"' \
  "$(auth --user nopass --password whatever)"
check_eq "NOLOGIN role" 'FATAL 28000 role "nologin" is not permitted to log in' \
  "$(auth --user nologin --password x)"
check_eq "expired password" 'FATAL 28P01 password authentication failed for user "expired"' \
  "$(auth --user expired --password e)"
check_eq "connection limit" 'FATAL 53300 too many connections for role "limited"' \
  "$(auth --user limited --password l)"
check_eq "psql, right password" "alice" \
  "$(PGPASSWORD=alice-pw psql -X -At "$conn user=alice sslmode=disable" -c 'select current_user' 2>&1)"
check_eq "psql, wrong password" \
  'psql: error: connection to server at "127.0.0.1", port '"$port"' failed: FATAL:  password authentication failed for user "alice"' \
  "$(PGPASSWORD=nope psql -X -At "$conn user=alice sslmode=disable" -c 'select 1' 2>&1)"
check_eq "psql, no password given" \
  'psql: error: connection to server at "127.0.0.1", port '"$port"' failed: fe_sendauth: no password supplied' \
  "$(psql -X -At -w "$conn user=alice sslmode=disable" -c 'select 1' 2>&1)"
check_eq "password rule (cleartext, checked against the SCRAM secret)" "OK alice -" \
  "$(auth --user alice --password alice-pw --db pwdb)"
check_eq "password rule, wrong password" \
  'FATAL 28P01 password authentication failed for user "alice"' \
  "$(auth --user alice --password nope --db pwdb)"

psql -X -q "$conn user=postgres sslmode=disable" -c 'REVOKE CONNECT ON DATABASE pwdb FROM PUBLIC'
check_eq "CONNECT on the database revoked" \
  'FATAL 42501 permission denied for database "pwdb"' \
  "$(auth --user alice --password alice-pw --db pwdb)"

echo "--- rules: first match wins"
check_eq "reject line before a trust line" \
  'FATAL 28000 pg_hba.conf rejects connection for host "127.0.0.1", user "mallory", database "postgres", no encryption' \
  "$(auth --user mallory --password mallory-pw)"
check_eq "reject, over TLS" \
  'FATAL 28000 pg_hba.conf rejects connection for host "127.0.0.1", user "mallory", database "postgres", SSL encryption' \
  "$(auth --user mallory --password mallory-pw --ssl require)"
check_eq "no matching line" \
  'FATAL 28000 no pg_hba.conf entry for host "127.0.0.1", user "alice", database "otherdb", no encryption' \
  "$(auth --user alice --password alice-pw --db otherdb)"
check_eq "no matching line, over TLS" \
  'FATAL 28000 no pg_hba.conf entry for host "127.0.0.1", user "alice", database "otherdb", SSL encryption' \
  "$(auth --user alice --password alice-pw --db otherdb --ssl require)"
check_eq "hostnossl trust for postgres" "postgres" \
  "$(psql -X -At "$conn user=postgres sslmode=disable" -c 'select current_user' 2>&1)"
check_eq "postgres over TLS falls to the scram line" \
  'FATAL 28P01 password authentication failed for user "postgres"' \
  "$(auth --user postgres --password wrong --ssl require)"
check_eq "hostssl line for tlsonly, over TLS" "OK tlsonly SCRAM-SHA-256-PLUS,SCRAM-SHA-256" \
  "$(auth --user tlsonly --password tls-pw --ssl require)"
check_eq "tlsonly without TLS: the host reject line" \
  'FATAL 28000 pg_hba.conf rejects connection for host "127.0.0.1", user "tlsonly", database "postgres", no encryption' \
  "$(auth --user tlsonly --password tls-pw)"

echo "--- TLS"
check_eq "sslmode=require" "alice|t" \
  "$(PGPASSWORD=alice-pw psql -X -At "$conn user=alice sslmode=require" -c 'select current_user, true' 2>&1)"
check_eq "sslmode=verify-full, CA made here" "alice" \
  "$(PGPASSWORD=alice-pw psql -X -At "host=localhost port=$port dbname=postgres user=alice sslmode=verify-full sslrootcert=$tls/ca.crt" -c 'select current_user' 2>&1)"
check_eq "channel_binding=require (SCRAM-SHA-256-PLUS)" "alice" \
  "$(PGPASSWORD=alice-pw psql -X -At "host=localhost port=$port dbname=postgres user=alice sslmode=verify-full sslrootcert=$tls/ca.crt channel_binding=require" -c 'select current_user' 2>&1)"
check_eq "SCRAM-SHA-256-PLUS from pgauth.py" "OK alice SCRAM-SHA-256-PLUS,SCRAM-SHA-256" \
  "$(auth --user alice --password alice-pw --ssl require --ca "$tls/ca.crt")"
check_eq "plain SCRAM-SHA-256 over TLS still works" "OK alice SCRAM-SHA-256-PLUS,SCRAM-SHA-256" \
  "$(auth --user alice --password alice-pw --ssl require --no-plus)"
out=$(PGPASSWORD=alice-pw psql -X -At "host=localhost port=$port dbname=postgres user=alice sslmode=verify-full sslrootcert=$tls/evil.crt" -c 'select 1' 2>&1)
case $out in *"certificate verify failed"*) ok "verify-full against another CA fails" ;;
  *) bad "verify-full against another CA: $out" ;; esac

echo "--- client certificates"
check_eq "cert method with the client's certificate" "certuser" \
  "$(psql -X -At "host=localhost port=$port dbname=postgres user=certuser sslmode=verify-full sslrootcert=$tls/ca.crt sslcert=$tls/certuser.crt sslkey=$tls/certuser.key" -c 'select current_user' 2>&1)"
check_eq "cert method without a certificate" \
  'FATAL 28000 connection requires a valid client certificate' \
  "$(auth --user certuser --ssl require)"
check_eq "cert method with another user's certificate" \
  'FATAL 28000 certificate authentication failed for user "certuser"' \
  "$(auth --user certuser --ssl require --cert "$tls/alice.crt" --key "$tls/alice.key")"
out=$(auth --user certuser --ssl require --cert "$tls/forged.crt" --key "$tls/forged.key")
case $out in LOST*) ok "a certificate from another CA ends the handshake" ;;
  *) bad "certificate from another CA: $out" ;; esac
check_eq "clientcert=verify-full and the password" "OK verified SCRAM-SHA-256-PLUS,SCRAM-SHA-256" \
  "$(auth --user verified --password v-pw --ssl require --cert "$tls/verified.crt" --key "$tls/verified.key")"
check_eq "clientcert=verify-full, someone else's certificate" \
  'FATAL 28P01 password authentication failed for user "verified"' \
  "$(auth --user verified --password v-pw --ssl require --cert "$tls/alice.crt" --key "$tls/alice.key")"
check_eq "clientcert=verify-full, no certificate" \
  'FATAL 28000 connection requires a valid client certificate' \
  "$(auth --user verified --password v-pw --ssl require)"

if [ "$target" = holdfast ]; then
  echo "--- listening beyond loopback (holdfast)"
  bash "$e2e_root/scripts/server.sh" stop --port "$port" >/dev/null
  trusting=$work/trusting.conf
  printf 'host all all 127.0.0.1/32 trust\nhost all all 10.0.0.0/8 trust\n' >"$trusting"
  out=$(timeout 30 "$e2e_root/${HF_BUILD_PREFIX:-build}/holdfast" --listen 0.0.0.0 --port "$port" \
    --data "$work/data" --hba-file "$trusting" 2>&1)
  rc=$?
  check_eq "refuses to start: exit status" 1 "$rc"
  case $out in *"refusing to listen on 0.0.0.0: line 2 of $trusting"*) ok "says why: $(grep -o 'refusing.*' <<<"$out" | cut -c1-90)..." ;;
    *) bad "refusal message: $out" ;; esac
  if bash "$e2e_root/scripts/server.sh" start --port "$port" --data "$work/data" --listen 0.0.0.0 \
    --log "$work/holdfast.log" >/dev/null; then
    ok "with the default rules (trust on loopback only) it listens on 0.0.0.0"
    bash "$e2e_root/scripts/server.sh" stop --port "$port" >/dev/null
  else
    bad "with the default rules it would not listen on 0.0.0.0"
  fi
  # The default rules trust loopback only, so listening everywhere is allowed; a client from
  # another address of this machine finds no rule.
  bash "$e2e_root/scripts/server.sh" start --port "$port" --data "$work/data" --listen 0.0.0.0 \
    --log "$work/holdfast.log" -- --hba-file "$hba" >/dev/null \
    || { bad "holdfast did not start on 0.0.0.0 with password rules"; tail "$work/holdfast.log"; }
  other=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9.]+$' | grep -v '^127\.' | head -1)
  if [ -n "$other" ]; then
    check_eq "client from $other: no rule" \
      "FATAL 28000 no pg_hba.conf entry for host \"$other\", user \"postgres\", database \"postgres\", no encryption" \
      "$(python3 "$py" --host "$other" --port "$port" --user postgres)"
  else
    echo "  (no non-loopback address on this machine: that check is skipped)"
  fi
  echo "--- SIGHUP reloads the rules"
  pid=$(cat "${TMPDIR:-/tmp}/holdfast-$port.pid")
  cp "$hba" "$hba.orig"
  sed -i 's/^host postgres all 127.0.0.1\/32 scram-sha-256$/host postgres alice 127.0.0.1\/32 reject\n&/' "$hba"
  kill -HUP "$pid"
  sleep 0.5
  check_eq "alice rejected after the reload" \
    'FATAL 28000 pg_hba.conf rejects connection for host "127.0.0.1", user "alice", database "postgres", no encryption' \
    "$(auth --user alice --password alice-pw)"
  printf 'host all all 0.0.0.0/0 trust\n' >"$hba"
  kill -HUP "$pid"
  sleep 0.5
  check_eq "a reload that would trust the network is refused" \
    'FATAL 28000 pg_hba.conf rejects connection for host "127.0.0.1", user "alice", database "postgres", no encryption' \
    "$(auth --user alice --password alice-pw)"
  grep -q "pg_hba.conf was not reloaded" "$work/holdfast.log" && ok "the log says it was not reloaded" \
    || bad "no 'was not reloaded' in the log"
  printf 'host all all 127.0.0.1/32 bogus\n' >"$hba"
  kill -HUP "$pid"
  sleep 0.5
  grep -q 'invalid authentication method "bogus"' "$work/holdfast.log" && ok "a file with errors is not used, and the log says why" \
    || bad "no parse error in the log"
  check_eq "the previous rules stay" \
    'FATAL 28000 pg_hba.conf rejects connection for host "127.0.0.1", user "alice", database "postgres", no encryption' \
    "$(auth --user alice --password alice-pw)"
fi

e2e_finish
