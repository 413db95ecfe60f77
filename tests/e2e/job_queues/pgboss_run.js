// pgboss_run.js PORT JOBS WORKERS — pg-boss against the server on 127.0.0.1:PORT: start()
// installs its schema, one queue gets JOBS jobs (batch insert), WORKERS work() loops take
// them, and the run ends when the database says every job is completed. Each worker fetches
// up to 100 jobs a poll, and pg-boss polls every 0.5 s at the fastest, so jobs/s is bounded
// by WORKERS x 100 / 0.5 (1,600 for 8) on any server. Prints one line:
//   RESULT jobs=N workers=W seconds=S jobs_per_s=R handled=H duplicates=D missing=M completed=C
// and exits 0 when every job was handled exactly once and is completed; 1 otherwise.
// Driven by tests/e2e/job_queues.sh, which installs the pinned pg-boss version.
const PgBoss = require('pg-boss');

const [port, jobsArg, workersArg] = process.argv.slice(2);
const jobs = Number(jobsArg), workers = Number(workersArg);
const deadline = Date.now() + 600 * 1000;

(async () => {
  const boss = new PgBoss({ host: '127.0.0.1', port: Number(port), user: 'postgres',
                            database: 'postgres', max: workers + 2, supervise: false,
                            schedule: false });
  boss.on('error', e => console.error('pg-boss error:', e.code, e.message));
  await boss.start();
  const queue = 'e2e';
  await boss.createQueue(queue);
  for (let i = 0; i < jobs; i += 1000) {
    const batch = [];
    for (let k = i; k < Math.min(jobs, i + 1000); ++k) batch.push({ name: queue, data: { k } });
    await boss.insert(batch);
  }
  const handled = new Map();
  const start = Date.now();
  for (let w = 0; w < workers; ++w) {
    await boss.work(queue, { batchSize: 100, pollingIntervalSeconds: 0.5 }, async batch => {
      for (const job of batch) handled.set(job.data.k, (handled.get(job.data.k) || 0) + 1);
    });
  }
  // Done when the database has every job completed (work() completes a batch after its
  // handler returns).
  const db = boss.getDb();
  let completed = 0;
  while (Date.now() < deadline) {
    const r = await db.executeSql(
      "SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'", [queue]);
    completed = r.rows[0].n;
    if (completed >= jobs) break;
    await new Promise(res => setTimeout(res, 100));
  }
  const seconds = (Date.now() - start) / 1000;
  await boss.stop({ graceful: false, wait: true });
  let duplicates = 0, missing = 0;
  for (let k = 0; k < jobs; ++k) {
    const n = handled.get(k) || 0;
    if (n === 0) ++missing;
    if (n > 1) duplicates += n - 1;
  }
  console.log(`RESULT jobs=${jobs} workers=${workers} seconds=${seconds.toFixed(2)} ` +
              `jobs_per_s=${(jobs / seconds).toFixed(0)} handled=${handled.size} ` +
              `duplicates=${duplicates} missing=${missing} completed=${completed}`);
  process.exit(duplicates === 0 && missing === 0 && completed === jobs ? 0 : 1);
})().catch(e => {
  console.error('FAILED:', e.code, e.message);
  process.exit(1);
});
