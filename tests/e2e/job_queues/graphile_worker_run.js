// graphile_worker_run.js PORT JOBS WORKERS — graphile-worker against the server on
// 127.0.0.1:PORT: its migrations install its schema (composite row types, PL/pgSQL functions
// returning them, triggers, LISTEN/NOTIFY), JOBS jobs are added in batches (addJobs), then one
// runner with WORKERS concurrent workers takes them; the run ends when every job was handled
// and the job table is empty (graphile-worker deletes a job once it completes). Prints:
//   RESULT jobs=N workers=W seconds=S jobs_per_s=R handled=H duplicates=D missing=M completed=C
// and exits 0 when every job was handled exactly once and none is left; 1 otherwise.
// Driven by tests/e2e/job_queues.sh, which installs the pinned graphile-worker version.
const { run, makeWorkerUtils, Logger } = require('graphile-worker');

const [port, jobsArg, workersArg] = process.argv.slice(2);
const jobs = Number(jobsArg), workers = Number(workersArg);
const connectionString = `postgres://postgres@127.0.0.1:${port}/postgres`;
const deadline = Date.now() + 600 * 1000;
// Errors only: the worker logs a line per job at INFO.
const logger = new Logger(() => (level, message) => {
  if (level === 'error') console.error(message);
});

(async () => {
  const utils = await makeWorkerUtils({ connectionString, logger });
  await utils.migrate();
  for (let i = 0; i < jobs; i += 1000) {
    const batch = [];
    for (let k = i; k < Math.min(jobs, i + 1000); ++k)
      batch.push({ identifier: 'e2e', payload: { k } });
    await utils.addJobs(batch);
  }
  const handled = new Map();
  const start = Date.now();
  const runner = await run({
    connectionString, concurrency: workers, noHandleSignals: true, pollInterval: 500,
    logger,
    taskList: { e2e: async payload => { handled.set(payload.k, (handled.get(payload.k) || 0) + 1); } },
  });
  let left = jobs;
  while (Date.now() < deadline) {
    const r = await utils.withPgClient(c => c.query(
      'SELECT count(*)::int AS n FROM graphile_worker._private_jobs'));
    left = r.rows[0].n;
    if (left === 0 && handled.size >= jobs) break;
    await new Promise(res => setTimeout(res, 100));
  }
  const seconds = (Date.now() - start) / 1000;
  await runner.stop();
  await utils.release();
  let duplicates = 0, missing = 0;
  for (let k = 0; k < jobs; ++k) {
    const n = handled.get(k) || 0;
    if (n === 0) ++missing;
    if (n > 1) duplicates += n - 1;
  }
  const completed = jobs - left;
  console.log(`RESULT jobs=${jobs} workers=${workers} seconds=${seconds.toFixed(2)} ` +
              `jobs_per_s=${(jobs / seconds).toFixed(0)} handled=${handled.size} ` +
              `duplicates=${duplicates} missing=${missing} completed=${completed}`);
  process.exit(duplicates === 0 && missing === 0 && left === 0 ? 0 : 1);
})().catch(e => {
  console.error('FAILED:', e.code, e.message);
  process.exit(1);
});
