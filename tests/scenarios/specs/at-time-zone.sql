-- AT TIME ZONE with named zones of the system's tz database, PostgreSQL's abbreviations,
-- POSIX offsets and intervals, both directions; a void result as '' (issue 13).
SELECT now() AT TIME ZONE 'UTC' = localtimestamp AS to_local,
       localtimestamp AT TIME ZONE 'UTC' = now() AS to_instant;
SELECT (now() AT TIME ZONE 'UTC') = (now() AT TIME ZONE 'Etc/UTC') AS same;
SELECT '2020-07-01 12:00+00'::timestamptz AT TIME ZONE 'America/New_York' AS summer,
       '2020-01-01 12:00+00'::timestamptz AT TIME ZONE 'America/New_York' AS winter,
       '2020-07-01 12:00+00'::timestamptz AT TIME ZONE 'america/new_york' AS any_case,
       '2020-07-01 12:00+00'::timestamptz AT TIME ZONE 'Asia/Kolkata' AS half_hour;
SELECT '2020-07-01 12:00'::timestamp AT TIME ZONE 'Europe/Berlin' AS berlin,
       '2020-01-01 12:00'::timestamp AT TIME ZONE 'Australia/Sydney' AS sydney;
-- local times skipped and repeated by daylight-saving transitions
SELECT '2020-03-08 02:30'::timestamp AT TIME ZONE 'America/New_York' AS skipped,
       '2020-11-01 01:30'::timestamp AT TIME ZONE 'America/New_York' AS repeated;
-- before 1970 and far ahead
SELECT '1960-07-01 12:00+00'::timestamptz AT TIME ZONE 'Europe/London' AS old,
       '2100-07-01 12:00+00'::timestamptz AT TIME ZONE 'Europe/London' AS future;
-- abbreviations and POSIX offsets (+05 is five hours west)
SELECT x, '2020-07-01 12:00+00'::timestamptz AT TIME ZONE x AS local
FROM unnest(ARRAY['UTC', 'GMT', 'Z', 'zulu', 'EST', 'EDT', 'PST', 'PDT', 'CET', 'CEST', 'JST',
                  'EST5EDT', 'PST8PDT', '+05', '-05:30', 'UTC+3']) x;
-- an interval: offset east of Greenwich
SELECT '2020-07-01 12:00+00'::timestamptz AT TIME ZONE INTERVAL '-08:00' AS west,
       '2020-07-01 12:00'::timestamp AT TIME ZONE INTERVAL '05:30' AS east;
SELECT 'infinity'::timestamptz AT TIME ZONE 'Europe/Berlin',
       NULL::timestamp AT TIME ZONE 'UTC' IS NULL AS null_ts,
       '2020-07-01'::timestamp AT TIME ZONE NULL IS NULL AS null_zone;
SELECT '2020-07-01 12:00+00'::timestamptz AT TIME ZONE 'Nowhere/Foo';
SELECT '2020-07-01 12:00+00'::timestamptz AT TIME ZONE '';
SELECT '2020-07-01 12:00+00'::timestamptz AT TIME ZONE '../etc/passwd';
SELECT '2020-07-01 12:00+00'::timestamptz AT TIME ZONE INTERVAL '1 day';
-- a function returning void returns '', not NULL
SELECT pg_advisory_unlock_all()::text = '' AS empty, pg_advisory_unlock_all() IS NULL AS is_null;
SELECT pg_advisory_lock(42)::text AS locked, pg_advisory_unlock(42);
SELECT pg_sleep(0)::text AS slept;
