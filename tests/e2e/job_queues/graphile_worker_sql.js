// graphile_worker_sql.js PORT N CONC — graphile-worker 0.17.3's per-job SQL replayed, for
// measuring where its time goes (issue 13): its migrations and N jobs (addJobs), then CONC
// loops each claim a job with graphile-worker's exact get_job statement (named, prepared; the
// queue strategy it uses) and delete it with its complete_job statement, through a pg Pool of
// 10 connections as graphile-worker's runner has. MODE=await (default) waits for the delete
// before the next claim; MODE=nowait does not, as graphile-worker's worker does (completeJob is
// not awaited). Prints per-call client latency (ms) and jobs/s; with SERVER_PID=<holdfast pid>
// also the server's CPU ms per job (from /proc). Manual tool: needs `npm install
// graphile-worker@0.17.3` beside it (tests/e2e/job_queues.sh installs it in its work folder).
// Pair it with holdfast --stats-log-ms for the commit-wait breakdown (common/wait_stats.h).
const { Client, Pool } = require('pg');
const { makeWorkerUtils } = require('graphile-worker');
const [port, nArg, concArg] = process.argv.slice(2);
const N = Number(nArg), C = Number(concArg);
const cs = `postgres://postgres@127.0.0.1:${port}/postgres`;
const getJob = `with j as (
  select jobs.job_queue_id, jobs.priority, jobs.run_at, jobs.id
    from "graphile_worker"._private_jobs as jobs
    where jobs.is_available = true
    and run_at <= now()
    and task_id = any($2::int[])
    and (
      jobs.job_queue_id is null
      or
      jobs.job_queue_id in (
        select id
        from "graphile_worker"._private_job_queues as job_queues
        where job_queues.is_available = true
        for update
        skip locked
      )
    )
    order by priority asc, run_at asc
    limit 1
    for update
    skip locked
),
q as (
  update "graphile_worker"._private_job_queues as job_queues
    set
      locked_by = $1::text,
      locked_at = now()
    from j
    where job_queues.id = j.job_queue_id
)
  update "graphile_worker"._private_jobs as jobs
    set
      attempts = jobs.attempts + 1,
      locked_by = $1::text,
      locked_at = now()
    from j
    where jobs.id = j.id
    returning *`;
const complete = `delete from "graphile_worker"._private_jobs as jobs
where id = $1::bigint`;
function cpu(pid) {
  try { const f = require('fs').readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; } catch { return NaN; }
}
(async () => {
  const utils = await makeWorkerUtils({ connectionString: cs });
  await utils.migrate();
  const batch = []; for (let k = 0; k < N; ++k) batch.push({ identifier: 'e2e', payload: { k } });
  for (let i = 0; i < N; i += 1000) await utils.addJobs(batch.slice(i, i + 1000));
  const t = await utils.withPgClient(c => c.query(`select id from graphile_worker._private_tasks where identifier='e2e'`));
  const taskId = t.rows[0].id;
  await utils.release();
  const pid = Number(process.env.SERVER_PID || 0);
  const lat = { get: [], del: [] };
  const clients = [];
  const pool = new Pool({ connectionString: cs, max: 10 });
  const pending = new Set();
  const MODE = process.env.MODE || 'await';
  for (let i = 0; i < C; ++i) clients.push(pool);
  const cpu0 = cpu(pid), t0 = Date.now();
  let done = 0;
  await Promise.all(clients.map(async c => {
    for (;;) {
      let s = process.hrtime.bigint();
      const r = await c.query({ name: 'get_job', text: getJob, values: ['pool', [taskId]] });
      lat.get.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (r.rows.length === 0) break;
      s = process.hrtime.bigint();
      const p = c.query({ name: 'complete_job', text: complete, values: [r.rows[0].id] }).then(() => { lat.del.push(Number(process.hrtime.bigint() - s) / 1e6); pending.delete(p); });
      pending.add(p);
      if (MODE === 'await') await p;
      ++done;
    }
  }));
  await Promise.all([...pending]);
  const secs = (Date.now() - t0) / 1000; const cpus = cpu(pid) - cpu0;
  for (const [k, a] of Object.entries(lat)) {
    a.sort((x, y) => x - y);
    const q = f => a[Math.min(a.length - 1, Math.floor(f * a.length))].toFixed(2);
    console.log(`${k} n=${a.length} mean=${(a.reduce((s, x) => s + x, 0) / a.length).toFixed(2)} p50=${q(.5)} p90=${q(.9)} p99=${q(.99)} max=${a[a.length - 1].toFixed(2)}`);
  }
  console.log(`jobs=${done} seconds=${secs.toFixed(2)} jobs_per_s=${(done / secs).toFixed(0)} server_cpu_s=${cpus.toFixed(2)} cpu_ms_per_job=${(cpus * 1000 / done).toFixed(2)}`);
  await Promise.all([...pending]); await pool.end();
})().catch(e => { console.error(e); process.exit(1); });
