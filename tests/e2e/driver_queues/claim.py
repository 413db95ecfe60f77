#!/usr/bin/python3
"""tests/e2e/driver_queues/claim.py --driver psycopg|asyncpg --port P [--jobs N] [--workers W]

A job-queue claim loop as applications write it with a Python driver, against any server that
speaks PostgreSQL's protocol (holdfast or PostgreSQL 15; tests/e2e/driver_queues.sh runs both):

  setup     CREATE TABLE jobs (..., state text, worker int, claims int) with N queued jobs,
            through the driver itself (a multi-row INSERT with bind parameters);
  claim     W workers, each on its own connection, loop over
              BEGIN;
              SELECT id, payload FROM jobs WHERE state = 'queued' ORDER BY id
                LIMIT 1 FOR UPDATE SKIP LOCKED;
              UPDATE jobs SET state = 'done', worker = $1, claims = claims + 1 WHERE id = $2;
              COMMIT;
            until the SELECT finds nothing (psycopg: one thread per worker, libpq underneath;
            asyncpg: one asyncio task per worker, asyncpg's own protocol code, prepared
            statements and binary formats);
  notify    LISTEN on one connection, NOTIFY with a payload inside a transaction on another:
            the payload must arrive after the COMMIT, once, within 5 s; and a NOTIFY in a
            transaction that rolls back must never arrive.

Checks (exit 1 when one fails): every job claimed by exactly one worker (the workers' own
records: no id twice, none missing) and in the table (every row done, claims = 1); the
notification checks above. Prints a RESULT line: driver, jobs, workers, seconds, jobs_per_s,
duplicates, missing, notify.
"""
import argparse
import asyncio
import sys
import threading
import time

SETUP = [
    "DROP TABLE IF EXISTS jobs",
    "CREATE TABLE jobs (id int PRIMARY KEY, payload text NOT NULL, "
    "state text NOT NULL DEFAULT 'queued', worker int, claims int NOT NULL DEFAULT 0)",
]
CLAIM = ("SELECT id, payload FROM jobs WHERE state = 'queued' ORDER BY id "
         "LIMIT 1 FOR UPDATE SKIP LOCKED")
FINISH = "UPDATE jobs SET state = 'done', worker = {w}, claims = claims + 1 WHERE id = {i}"
CHECK = ("SELECT count(*) FILTER (WHERE state = 'done' AND claims = 1), "
         "count(*) FILTER (WHERE state <> 'done' OR claims <> 1) FROM jobs")
BATCH = 500  # jobs per INSERT statement at setup


def verdict(jobs, claimed, table_ok, table_bad):
    seen = set()
    dups = 0
    for ids in claimed:
        for i in ids:
            if i in seen:
                dups += 1
            seen.add(i)
    missing = jobs - len(seen)
    problems = []
    if dups:
        problems.append(f"{dups} jobs claimed twice")
    if missing:
        problems.append(f"{missing} jobs never claimed")
    if table_ok != jobs or table_bad != 0:
        problems.append(f"table: {table_ok} done once, {table_bad} not (want {jobs}, 0)")
    return dups, missing, problems


# ---- psycopg 3 (libpq) ----

def run_psycopg(a):
    import psycopg

    dsn = f"host=127.0.0.1 port={a.port} user=postgres dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as c:
        for s in SETUP:
            c.execute(s)
        for lo in range(1, a.jobs + 1, BATCH):
            ids = range(lo, min(lo + BATCH, a.jobs + 1))
            values = ", ".join(["(%s, %s)"] * len(ids))
            params = [x for i in ids for x in (i, f"job {i}")]
            c.execute(f"INSERT INTO jobs (id, payload) VALUES {values}", params)

    claimed = [[] for _ in range(a.workers)]
    errors = []

    def worker(w):
        try:
            with psycopg.connect(dsn) as c:
                while True:
                    with c.transaction():
                        row = c.execute(CLAIM).fetchone()
                        if row is None:
                            return
                        c.execute("UPDATE jobs SET state = 'done', worker = %s, "
                                  "claims = claims + 1 WHERE id = %s", (w, row[0]))
                    claimed[w].append(row[0])
        except Exception as e:  # reported, and the run fails
            errors.append(f"worker {w}: {type(e).__name__}: {e}")

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(w,)) for w in range(a.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - start

    with psycopg.connect(dsn, autocommit=True) as c:
        ok, bad = c.execute(CHECK).fetchone()
    notify = notify_psycopg(psycopg, dsn)
    return claimed, seconds, ok, bad, errors, notify


def notify_psycopg(psycopg, dsn):
    import select

    with psycopg.connect(dsn, autocommit=True) as listener, psycopg.connect(dsn) as sender:
        listener.execute("LISTEN jobs_ready")
        with sender.transaction():
            sender.execute("SELECT pg_notify('jobs_ready', 'rolled back')")
            raise psycopg.Rollback()  # the block rolls back: its NOTIFY is never sent
        with sender.transaction():
            sender.execute("NOTIFY jobs_ready, 'batch 1'")
            sender.execute("NOTIFY jobs_ready, 'batch 1'")  # a duplicate: delivered once
        # psycopg 3.1 (Debian 12) has no notifies(timeout=): wait on the socket, then let
        # libpq read what came.
        got = []
        limit = time.monotonic() + 5  # for the first; then 0.5 s more for any second one
        first_seen = False
        while (left := limit - time.monotonic()) > 0:
            ready, _, _ = select.select([listener.fileno()], [], [], min(0.1, left))
            if ready:
                listener.pgconn.consume_input()
            while (n := listener.pgconn.notifies()) is not None:
                got.append((n.relname.decode(), n.extra.decode()))
            if got and not first_seen:
                first_seen = True
                limit = time.monotonic() + 0.5
    return got


# ---- asyncpg ----

def run_asyncpg(a):
    import asyncpg

    async def main():
        kw = dict(host="127.0.0.1", port=a.port, user="postgres", database="postgres")
        c = await asyncpg.connect(**kw)
        for s in SETUP:
            await c.execute(s)
        for lo in range(1, a.jobs + 1, BATCH):
            ids = list(range(lo, min(lo + BATCH, a.jobs + 1)))
            values = ", ".join(f"(${2 * k + 1}, ${2 * k + 2})" for k in range(len(ids)))
            params = [x for i in ids for x in (i, f"job {i}")]
            await c.execute(f"INSERT INTO jobs (id, payload) VALUES {values}", *params)
        await c.close()

        claimed = [[] for _ in range(a.workers)]
        errors = []

        async def worker(w):
            try:
                conn = await asyncpg.connect(**kw)
                try:
                    while True:
                        async with conn.transaction():
                            row = await conn.fetchrow(CLAIM)
                            if row is None:
                                return
                            await conn.execute("UPDATE jobs SET state = 'done', worker = $1, "
                                               "claims = claims + 1 WHERE id = $2", w, row["id"])
                        claimed[w].append(row["id"])
                finally:
                    await conn.close()
            except Exception as e:
                errors.append(f"worker {w}: {type(e).__name__}: {e}")

        start = time.monotonic()
        await asyncio.gather(*(worker(w) for w in range(a.workers)))
        seconds = time.monotonic() - start

        c = await asyncpg.connect(**kw)
        ok, bad = await c.fetchrow(CHECK)
        await c.close()

        listener = await asyncpg.connect(**kw)
        sender = await asyncpg.connect(**kw)
        got = []
        arrived = asyncio.Event()

        def on_notify(conn, pid, channel, payload):
            got.append((channel, payload))
            arrived.set()

        await listener.add_listener("jobs_ready", on_notify)
        tr = sender.transaction()
        await tr.start()
        await sender.execute("SELECT pg_notify('jobs_ready', 'rolled back')")
        await tr.rollback()
        async with sender.transaction():
            await sender.execute("NOTIFY jobs_ready, 'batch 1'")
            await sender.execute("NOTIFY jobs_ready, 'batch 1'")
        try:
            await asyncio.wait_for(arrived.wait(), 5)
            await asyncio.sleep(0.5)  # a second (duplicate or rolled-back) one must not come
        except asyncio.TimeoutError:
            pass
        await listener.close()
        await sender.close()
        return claimed, seconds, ok, bad, errors, got

    return asyncio.run(main())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--driver", choices=["psycopg", "asyncpg"], required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--jobs", type=int, default=2000)
    p.add_argument("--workers", type=int, default=8)
    a = p.parse_args()
    run = run_psycopg if a.driver == "psycopg" else run_asyncpg
    claimed, seconds, table_ok, table_bad, errors, notes = run(a)
    dups, missing, problems = verdict(a.jobs, claimed, table_ok, table_bad)
    problems += errors
    want = [("jobs_ready", "batch 1")]
    if notes != want:
        problems.append(f"notifications: got {notes}, want {want}")
    for pr in problems:
        print(f"FAIL: {a.driver}: {pr}")
    print(f"RESULT driver={a.driver} jobs={a.jobs} workers={a.workers} seconds={seconds:.2f} "
          f"jobs_per_s={a.jobs / seconds:.0f} duplicates={dups} missing={missing} "
          f"notify={'ok' if notes == want else 'FAIL'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
