#!/usr/bin/env bash
# tests/e2e/drivers.sh [--target holdfast|pg] — SCRAM-SHA-256 and TLS with
# sslmode=verify-full from client drivers other than libpq, against a CA made here:
#   node-postgres (npm package "pg", installed into a temporary folder; needs node, npm and
#     the npm registry): verified TLS, SCRAM-SHA-256 and -PLUS (enableChannelBinding), the
#     SQLSTATE of a wrong password (28P01), and a LISTEN/NOTIFY round trip;
#   pgjdbc (Debian's libpostgresql-jdbc-java, compiled against with javac): sslmode=
#     verify-full, SCRAM, 28P01; DatabaseMetaData (drivers/Metadata.java) printing what
#     PostgreSQL 15 prints (drivers/metadata.expected).
# A driver whose tools are missing is skipped (a line says why); exit 77 when all are.
# Exit 0 pass, 1 fail.
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
tls=$work/tls
bash "$e2e_here/make_certs.sh" "$tls" || { echo "FAIL: could not make certificates"; exit 1; }
hba=$work/hba.conf
cat >"$hba" <<'HBA'
local all all trust
hostnossl all postgres 127.0.0.1/32 trust
hostssl all all 127.0.0.1/32 scram-sha-256
HBA
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u hfpg -- "$@"; else "$@"; fi; }

case $target in
  holdfast)
    bash "$e2e_root/scripts/server.sh" start --port "$port" --data "$work/data" \
      --log "$work/holdfast.log" -- --hba-file "$hba" --ssl-cert "$tls/server.crt" \
      --ssl-key "$tls/server.key" >/dev/null || { echo "FAIL: holdfast did not start"; exit 1; } ;;
  pg)
    bash "$e2e_root/scripts/pg.sh" start "$port" "$work/pg" >/dev/null || exit 1
    cp "$hba" "$work/pg/pg_hba.conf"
    [ "$(id -u)" -eq 0 ] && chown -R hfpg "$tls" "$work/pg/pg_hba.conf"
    printf "ssl = on\nssl_cert_file = '%s'\nssl_key_file = '%s'\n" "$tls/server.crt" \
      "$tls/server.key" >>"$work/pg/postgresql.conf"
    as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$work/pg" reload >/dev/null
    sleep 1 ;;
esac
echo "$(basename "$0"): target $target on port $port"
psql -X -q "host=127.0.0.1 port=$port user=postgres dbname=postgres sslmode=disable" \
  -c "CREATE ROLE alice LOGIN PASSWORD 'alice-pw'" || { echo "FAIL: setup"; exit 1; }
tried=0

echo "--- node-postgres"
if command -v node >/dev/null && command -v npm >/dev/null; then
  mkdir -p "$work/node"
  if (cd "$work/node" && timeout 180 npm install --silent --no-audit --no-fund pg@8 >npm.log 2>&1); then
    tried=1
    cat >"$work/node/check.js" <<'JS'
const { Client } = require('pg');
const fs = require('fs');
const [port, ca, password, binding] = process.argv.slice(2);
(async () => {
  const c = new Client({
    host: 'localhost', port: Number(port), user: 'alice', database: 'postgres', password,
    ssl: { ca: fs.readFileSync(ca), rejectUnauthorized: true, servername: 'localhost' },
    enableChannelBinding: binding === 'plus',
  });
  try {
    await c.connect();
    const r = await c.query('select current_user as u');
    console.log('OK ' + r.rows[0].u);
    await c.end();
  } catch (e) {
    console.log('ERROR ' + (e.code || '-') + ' ' + e.message);
  }
})();
JS
    node_run() { (cd "$work/node" && timeout 60 node check.js "$port" "$@" 2>&1); }
    check_eq "node-postgres: verified TLS, SCRAM-SHA-256" "OK alice" \
      "$(node_run "$tls/ca.crt" alice-pw plain)"
    check_eq "node-postgres: SCRAM-SHA-256-PLUS (channel binding)" "OK alice" \
      "$(node_run "$tls/ca.crt" alice-pw plus)"
    check_eq "node-postgres: wrong password" \
      'ERROR 28P01 password authentication failed for user "alice"' \
      "$(node_run "$tls/ca.crt" wrong plain)"
    out=$(node_run "$tls/evil.crt" alice-pw plain)
    case $out in "ERROR "*certificate*) ok "node-postgres: a server certificate from another CA is refused" ;;
      *) bad "node-postgres with another CA: $out" ;; esac
    # LISTEN/NOTIFY round trip over verified TLS: the listener only waits; the notifier
    # sends through the extended protocol (a parameter), in a transaction, twice the same
    # payload (folded) and once rolled back.
    cat >"$work/node/notify.js" <<'JS'
const { Client } = require('pg');
const fs = require('fs');
const [port, ca] = process.argv.slice(2);
const opts = () => ({
  host: 'localhost', port: Number(port), user: 'alice', database: 'postgres',
  password: 'alice-pw', ssl: { ca: fs.readFileSync(ca), servername: 'localhost' },
});
(async () => {
  const listener = new Client(opts()), notifier = new Client(opts());
  try {
    await listener.connect();
    await notifier.connect();
    const got = [];
    listener.on('notification', (n) => got.push(n.channel + ':' + n.payload));
    await listener.query('LISTEN jobs');
    await notifier.query('BEGIN');
    await notifier.query("SELECT pg_notify('jobs', $1)", ['rolled back']);
    await notifier.query('ROLLBACK');
    await notifier.query('BEGIN');
    await notifier.query("SELECT pg_notify('jobs', $1)", ['job 1']);
    await notifier.query("SELECT pg_notify('jobs', $1)", ['job 1']);
    await notifier.query("NOTIFY jobs, 'job 2'");
    await notifier.query('COMMIT');
    for (let i = 0; i < 100 && got.length < 2; ++i) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    console.log('OK ' + got.join(','));
    await listener.end();
    await notifier.end();
  } catch (e) {
    console.log('ERROR ' + (e.code || '-') + ' ' + e.message);
  }
})();
JS
    check_eq "node-postgres: LISTEN/NOTIFY round trip" "OK jobs:job 1,jobs:job 2" \
      "$(cd "$work/node" && timeout 60 node notify.js "$port" "$tls/ca.crt" 2>&1)"
  else
    echo "  SKIPPED node-postgres: npm install pg failed (no registry?): $(tail -n 2 "$work/node/npm.log")"
  fi
else
  echo "  SKIPPED node-postgres: node or npm not installed"
fi

echo "--- pgjdbc"
jar=/usr/share/java/postgresql.jar
if command -v javac >/dev/null && [ -f "$jar" ]; then
  mkdir -p "$work/java"
  cat >"$work/java/Check.java" <<'JAVA'
import java.sql.*;
import java.util.Properties;

public class Check {
  public static void main(String[] a) {
    Properties p = new Properties();
    p.setProperty("user", "alice");
    p.setProperty("password", a[1]);
    p.setProperty("sslmode", "verify-full");
    p.setProperty("sslrootcert", a[2]);
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + a[0] + "/postgres", p);
         ResultSet r = c.createStatement().executeQuery("select current_user")) {
      r.next();
      System.out.println("OK " + r.getString(1));
    } catch (SQLException e) {
      System.out.println("ERROR " + e.getSQLState() + " " + e.getMessage().split("\n")[0]);
    }
  }
}
JAVA
  if javac -encoding UTF-8 -cp "$jar" -d "$work/java" "$work/java/Check.java" 2>"$work/java/javac.log"; then
    tried=1
    java_run() { timeout 60 java -cp "$jar:$work/java" Check "$port" "$@" 2>&1 | grep -E '^(OK|ERROR)'; }
    check_eq "pgjdbc: sslmode=verify-full, SCRAM-SHA-256" "OK alice" \
      "$(java_run alice-pw "$tls/ca.crt")"
    check_eq "pgjdbc: wrong password" \
      'ERROR 28P01 FATAL: password authentication failed for user "alice"' \
      "$(java_run wrong "$tls/ca.crt")"
    out=$(java_run alice-pw "$tls/evil.crt")
    case $out in "ERROR 08006 "*) ok "pgjdbc: a server certificate from another CA is refused" ;;
      *) bad "pgjdbc with another CA: $out" ;; esac
    # DatabaseMetaData over a small schema, as PostgreSQL 15 answers it (drivers/metadata.expected
    # is Metadata.java's output against PostgreSQL 15).
    if javac -encoding UTF-8 -cp "$jar" -d "$work/java" "$e2e_here/drivers/Metadata.java" 2>>"$work/java/javac.log"; then
      timeout 120 java -cp "$jar:$work/java" Metadata "$port" >"$work/java/metadata.out" 2>&1
      if diff -u "$e2e_here/drivers/metadata.expected" "$work/java/metadata.out" \
        >"$work/java/metadata.diff"; then
        ok "pgjdbc: DatabaseMetaData (tables, columns, keys, indexes, functions) as PostgreSQL 15"
      else
        bad "pgjdbc DatabaseMetaData differs from PostgreSQL 15's: $(head -n 30 "$work/java/metadata.diff")"
      fi
    else
      bad "pgjdbc: javac Metadata.java failed: $(head -n 3 "$work/java/javac.log")"
    fi
  else
    echo "  SKIPPED pgjdbc: javac failed: $(head -n 3 "$work/java/javac.log")"
  fi
else
  echo "  SKIPPED pgjdbc: javac or $jar (Debian's libpostgresql-jdbc-java) not installed"
fi

if [ "$tried" = 0 ]; then
  echo "SKIPPED: no driver could be tried"
  exit 77
fi
e2e_finish
