// tests/e2e/driver_queues/claim.js --driver pg|postgres --port P [--jobs N] [--workers W]
//
// claim.py's job-queue claim loop and notification checks through Node.js drivers from the
// npm registry (tests/e2e/driver_queues.sh installs them, versions pinned there):
//   pg        node-postgres: a Client per worker; parameters as $n, unnamed prepared statements;
//   postgres  postgres.js: a one-connection pool per worker, sql.begin() transactions, its
//             tagged-template queries (named prepared statements, as it sends them by default)
//             and sql.listen() (its own LISTEN connection).
// Each worker loops over BEGIN; SELECT ... FOR UPDATE SKIP LOCKED (the oldest queued job);
// UPDATE it to done; COMMIT, until nothing is left. Then: LISTEN on one connection, a NOTIFY in
// a transaction that rolls back (must never arrive) and the same NOTIFY twice in one that
// commits (must arrive once). Prints the same RESULT line as claim.py; exit 1 on a failed check.
'use strict';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (i % 2 === 0 ? [...acc, [a.replace(/^--/, ''), all[i + 1]]] : acc), []));
const driver = args.driver;
const port = Number(args.port);
const jobs = Number(args.jobs || 2000);
const workers = Number(args.workers || 8);
const conn = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' };
const BATCH = 500;
const CREATE = "CREATE TABLE jobs (id int PRIMARY KEY, payload text NOT NULL, " +
  "state text NOT NULL DEFAULT 'queued', worker int, claims int NOT NULL DEFAULT 0)";
const CLAIM = "SELECT id, payload FROM jobs WHERE state = 'queued' ORDER BY id " +
  'LIMIT 1 FOR UPDATE SKIP LOCKED';
const FINISH = "UPDATE jobs SET state = 'done', worker = $1, claims = claims + 1 WHERE id = $2";
const CHECK = "SELECT count(*) FILTER (WHERE state = 'done' AND claims = 1) AS ok, " +
  "count(*) FILTER (WHERE state <> 'done' OR claims <> 1) AS bad FROM jobs";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function insertBatches() {
  const out = [];
  for (let lo = 1; lo <= jobs; lo += BATCH) {
    const ids = [];
    for (let i = lo; i < Math.min(lo + BATCH, jobs + 1); i++) ids.push(i);
    const values = ids.map((_, k) => `($${2 * k + 1}, $${2 * k + 2})`).join(', ');
    out.push({ text: `INSERT INTO jobs (id, payload) VALUES ${values}`,
      params: ids.flatMap((i) => [i, `job ${i}`]) });
  }
  return out;
}

async function withPg() {
  const { Client } = require('pg');
  const admin = new Client(conn);
  await admin.connect();
  await admin.query('DROP TABLE IF EXISTS jobs');
  await admin.query(CREATE);
  for (const b of insertBatches()) await admin.query(b.text, b.params);

  const claimed = Array.from({ length: workers }, () => []);
  const errors = [];
  const start = process.hrtime.bigint();
  await Promise.all(claimed.map(async (mine, w) => {
    const c = new Client(conn);
    try {
      await c.connect();
      for (;;) {
        await c.query('BEGIN');
        const r = await c.query(CLAIM);
        if (r.rows.length === 0) { await c.query('COMMIT'); break; }
        await c.query(FINISH, [w, r.rows[0].id]);
        await c.query('COMMIT');
        mine.push(r.rows[0].id);
      }
    } catch (e) {
      errors.push(`worker ${w}: ${e.code || ''} ${e.message}`);
    } finally {
      await c.end().catch(() => {});
    }
  }));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const check = (await admin.query(CHECK)).rows[0];

  const listener = new Client(conn);
  await listener.connect();
  const got = [];
  listener.on('notification', (m) => got.push([m.channel, m.payload]));
  await listener.query('LISTEN jobs_ready');
  await admin.query('BEGIN');
  await admin.query("SELECT pg_notify('jobs_ready', 'rolled back')");
  await admin.query('ROLLBACK');
  await admin.query('BEGIN');
  await admin.query("NOTIFY jobs_ready, 'batch 1'");
  await admin.query("NOTIFY jobs_ready, 'batch 1'");
  await admin.query('COMMIT');
  await waitNotes(got);
  await listener.end();
  await admin.end();
  return { claimed, seconds, ok: Number(check.ok), bad: Number(check.bad), errors, got };
}

async function withPostgresJs() {
  const postgres = require('postgres');
  const opts = { ...conn, username: conn.user, max: 1, onnotice: () => {} };
  const admin = postgres(opts);
  await admin.unsafe('DROP TABLE IF EXISTS jobs');
  await admin.unsafe(CREATE);
  for (const b of insertBatches()) await admin.unsafe(b.text, b.params);

  const claimed = Array.from({ length: workers }, () => []);
  const errors = [];
  const start = process.hrtime.bigint();
  await Promise.all(claimed.map(async (mine, w) => {
    const sql = postgres(opts);
    try {
      for (;;) {
        const id = await sql.begin(async (tx) => {
          const rows = await tx`SELECT id, payload FROM jobs WHERE state = 'queued'
                                ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`;
          if (rows.length === 0) return null;
          await tx`UPDATE jobs SET state = 'done', worker = ${w}, claims = claims + 1
                   WHERE id = ${rows[0].id}`;
          return rows[0].id;
        });
        if (id === null) break;
        mine.push(id);
      }
    } catch (e) {
      errors.push(`worker ${w}: ${e.code || ''} ${e.message}`);
    } finally {
      await sql.end();
    }
  }));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const [check] = await admin.unsafe(CHECK);

  const listenerSql = postgres(opts);
  const got = [];
  await listenerSql.listen('jobs_ready', (payload) => got.push(['jobs_ready', payload]));
  await admin.begin(async (tx) => {
    await tx`SELECT pg_notify('jobs_ready', 'rolled back')`;
    throw new Error('roll back');
  }).catch((e) => { if (e.message !== 'roll back') throw e; });
  await admin.begin(async (tx) => {
    await tx`NOTIFY jobs_ready, 'batch 1'`;
    await tx`NOTIFY jobs_ready, 'batch 1'`;
  });
  await waitNotes(got);
  await listenerSql.end();
  await admin.end();
  return { claimed, seconds, ok: Number(check.ok), bad: Number(check.bad), errors, got };
}

// Up to 5 s for the first notification, then 0.5 s more in which no second one may come.
async function waitNotes(got) {
  for (let i = 0; i < 100 && got.length === 0; i++) await sleep(50);
  await sleep(500);
}

(async () => {
  const run = driver === 'pg' ? withPg : driver === 'postgres' ? withPostgresJs : null;
  if (!run) { console.error('--driver pg|postgres'); process.exit(2); }
  const r = await run();
  const seen = new Set();
  let dups = 0;
  for (const ids of r.claimed) for (const i of ids) { if (seen.has(i)) dups++; seen.add(i); }
  const missing = jobs - seen.size;
  const problems = [...r.errors];
  if (dups) problems.push(`${dups} jobs claimed twice`);
  if (missing) problems.push(`${missing} jobs never claimed`);
  if (r.ok !== jobs || r.bad !== 0) problems.push(`table: ${r.ok} done once, ${r.bad} not (want ${jobs}, 0)`);
  const notesOk = JSON.stringify(r.got) === JSON.stringify([['jobs_ready', 'batch 1']]);
  if (!notesOk) problems.push(`notifications: got ${JSON.stringify(r.got)}, want [["jobs_ready","batch 1"]]`);
  for (const p of problems) console.log(`FAIL: ${driver}: ${p}`);
  console.log(`RESULT driver=${driver} jobs=${jobs} workers=${workers} seconds=${r.seconds.toFixed(2)} ` +
    `jobs_per_s=${Math.round(jobs / r.seconds)} duplicates=${dups} missing=${missing} ` +
    `notify=${notesOk ? 'ok' : 'FAIL'}`);
  process.exit(problems.length ? 1 : 0);
})().catch((e) => { console.log(`FAIL: ${driver}: ${e.code || ''} ${e.stack}`); process.exit(1); });
