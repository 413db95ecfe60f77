-- The session's TimeZone setting: zone names of the tz database, numeric and INTERVAL offsets,
-- POSIX offsets; timestamptz output and input in the session's zone, and the conversions that
-- depend on it (casts, date_trunc, extract, to_char, arithmetic, generate_series, age).
SHOW TimeZone;
SELECT '2024-03-10 06:00+00'::timestamptz AS utc_default;
SET TimeZone = 'America/New_York';
SHOW TimeZone;
-- output across the spring-forward change (2024-03-10 02:00 EST -> 03:00 EDT)
SELECT '2024-03-10 06:00+00'::timestamptz AS before_change,
       '2024-03-10 07:00+00'::timestamptz AS after_change,
       '2024-11-03 05:30+00'::timestamptz AS first_one_thirty,
       '2024-11-03 06:30+00'::timestamptz AS second_one_thirty;
-- input without an offset is local time; a skipped time takes the offset before the change,
-- a repeated one the offset after it
SELECT '2024-07-01 12:00'::timestamptz AS summer,
       '2024-01-01 12:00'::timestamptz AS winter,
       '2024-03-10 02:30'::timestamptz AS skipped,
       '2024-11-03 01:30'::timestamptz AS repeated,
       '2024-07-01 12:00+02'::timestamptz AS explicit_offset;
SELECT '2024-07-01 12:00'::timestamptz = '2024-07-01 16:00+00'::timestamptz AS same_instant;
-- a zone named in the input: its local time
SELECT '2024-07-01 12:00 Europe/Berlin'::timestamptz AS berlin_noon,
       '2024-07-01 12:00 asia/kolkata'::timestamptz AS kolkata_noon,
       '2024-01-01 12:00 EST'::timestamptz AS est_noon,
       '2024-07-01 12:00 Europe/Berlin'::timestamp AS ignored_by_timestamp;
SELECT '2024-07-01 12:00 Nowhere/Foo'::timestamptz;
-- LMT before standard time
SELECT '1800-07-01 00:00'::timestamptz AS lmt;
-- casts that depend on the zone
SELECT '2024-07-01 02:00+00'::timestamptz::timestamp AS to_timestamp,
       '2024-07-01 02:00+00'::timestamptz::date AS to_date,
       '2024-07-01 02:00+00'::timestamptz::time AS to_time,
       '2024-07-01 12:00'::timestamp::timestamptz AS from_timestamp,
       '2024-07-01'::date::timestamptz AS from_date,
       '2024-07-01 02:00+00'::timestamptz::text AS to_text;
-- date_trunc in local time
SELECT date_trunc('day', '2024-03-10 12:00'::timestamptz) AS day_of_change,
       date_trunc('month', '2024-03-10 12:00'::timestamptz) AS month,
       date_trunc('hour', '2024-03-10 03:30'::timestamptz) AS hour,
       date_trunc('year', '2024-07-01 02:00+00'::timestamptz) AS year;
-- extract / date_part of the local time, and the zone's offset
SELECT extract(hour FROM '2024-07-01 02:00+00'::timestamptz) AS hour,
       extract(day FROM '2024-07-01 02:00+00'::timestamptz) AS day,
       extract(timezone FROM '2024-07-01 02:00+00'::timestamptz) AS tz,
       extract(timezone_hour FROM '2024-01-01 02:00+00'::timestamptz) AS tz_hour,
       extract(epoch FROM '2024-07-01 02:00+00'::timestamptz) AS epoch,
       date_part('dow', '2024-07-01 02:00+00'::timestamptz) AS dow;
SELECT to_char('2024-07-01 02:00+00'::timestamptz, 'YYYY-MM-DD HH24:MI TZ OF') AS summer,
       to_char('2024-01-01 02:00+00'::timestamptz, 'YYYY-MM-DD HH24:MI TZ OF') AS winter;
-- a day across the change keeps the local clock; 24 hours do not
SELECT '2024-03-09 12:00'::timestamptz + interval '1 day' AS plus_day,
       '2024-03-09 12:00'::timestamptz + interval '24 hours' AS plus_24h,
       '2024-03-11 12:00'::timestamptz - interval '1 day' AS minus_day,
       '2024-02-10 12:00'::timestamptz + interval '1 month' AS plus_month,
       '2024-03-11 12:00'::timestamptz - '2024-03-09 12:00'::timestamptz AS elapsed;
SELECT g FROM generate_series('2024-03-09 00:00'::timestamptz, '2024-03-12 00:00'::timestamptz,
                              interval '1 day') g;
SELECT g FROM generate_series('2024-11-03 00:00'::timestamptz, '2024-11-03 03:00'::timestamptz,
                              interval '1 hour') g;
SELECT age('2024-03-11 00:00'::timestamptz, '2024-03-10 00:00'::timestamptz) AS age_over_change;
-- AT TIME ZONE with an explicit zone is independent of the session's
SELECT '2024-07-01 12:00+00'::timestamptz AT TIME ZONE 'UTC' AS at_utc,
       '2024-07-01 12:00'::timestamp AT TIME ZONE 'UTC' AS from_utc,
       '2024-07-01 12:00+00'::timestamptz AT TIME ZONE 'Asia/Kolkata' AS at_kolkata;
-- now() is shown in the session's zone
SELECT now() = now()::timestamp AT TIME ZONE 'America/New_York' AS now_local,
       extract(timezone FROM now()) IN (-18000, -14400) AS now_offset;
SELECT localtimestamp = now() AT TIME ZONE 'America/New_York' AS localtimestamp_is_local,
       current_date = (now() AT TIME ZONE 'America/New_York')::date AS current_date_is_local,
       localtime = (now() AT TIME ZONE 'America/New_York')::time AS localtime_is_local;
SELECT 'today'::date = current_date AS today_date,
       'today'::timestamptz = current_date::timestamptz AS today_tstz,
       'today'::timestamp = current_date::timestamp AS today_ts,
       abs(extract(epoch FROM 'now'::timestamp - localtimestamp)) < 60 AS now_ts;
-- functions: an SQL function's result cast, PL/pgSQL assignments and text
CREATE FUNCTION tz_midnight(d date) RETURNS timestamptz LANGUAGE sql AS $$ SELECT d $$;
SELECT tz_midnight('2024-07-01') AS sql_function;
CREATE FUNCTION tz_plpgsql() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  t timestamptz := '2024-07-01 12:00';
  l timestamp;
BEGIN
  l := t;
  RAISE NOTICE 'in plpgsql: %', t;
  RETURN t::text || ' / ' || l::text;
END $$;
SELECT tz_plpgsql() AS plpgsql;
DROP FUNCTION tz_midnight(date);
DROP FUNCTION tz_plpgsql();
-- a table: stored instants, shown in the reader's zone
CREATE TABLE tz_events (id int PRIMARY KEY, at timestamptz);
INSERT INTO tz_events VALUES (1, '2024-03-10 01:00'), (2, '2024-03-10 03:00'),
                             (3, '2024-07-01 12:00-04');
SELECT id, at FROM tz_events ORDER BY id;
-- error details show values in the session's zone
CREATE UNIQUE INDEX tz_events_at ON tz_events (at);
INSERT INTO tz_events VALUES (4, '2024-03-10 06:00+00');
CREATE TABLE tz_checked (at timestamptz CHECK (at > '2000-01-01 00:00'));
INSERT INTO tz_checked VALUES ('1999-12-31 20:00');
DROP TABLE tz_checked;
-- range partition bounds are instants read in the session's zone
CREATE TABLE tz_parted (at timestamptz) PARTITION BY RANGE (at);
CREATE TABLE tz_parted_jan PARTITION OF tz_parted FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
INSERT INTO tz_parted VALUES ('2024-01-31 22:00'), ('2024-01-01 00:00');
SELECT at FROM tz_parted_jan ORDER BY at;
INSERT INTO tz_parted VALUES ('2024-02-01 00:00');
DROP TABLE tz_parted;
-- a role's VALID UNTIL is read in the session's zone
CREATE ROLE tz_role VALID UNTIL '2030-01-01 00:00';
SELECT rolvaliduntil FROM pg_roles WHERE rolname = 'tz_role';
DROP ROLE tz_role;
SET TIME ZONE 'Europe/Berlin';
SHOW TimeZone;
SELECT id, at FROM tz_events ORDER BY id;
-- Berlin: 2024-03-31 02:00 CET -> 03:00 CEST, 2024-10-27 03:00 CEST -> 02:00 CET
SELECT '2024-03-31 00:59+00'::timestamptz AS before_change,
       '2024-03-31 01:00+00'::timestamptz AS after_change,
       '2024-03-31 02:30'::timestamptz AS skipped,
       '2024-10-27 02:30'::timestamptz AS repeated;
SELECT g FROM generate_series('2024-10-26 12:00'::timestamptz, '2024-10-28 12:00'::timestamptz,
                              interval '1 day') g;
SELECT date_trunc('day', '2024-10-27 12:00'::timestamptz) AS day,
       '2024-10-27 00:00'::timestamptz + interval '1 day' AS next_day;
-- a half-hour zone
SET TimeZone = 'Asia/Kolkata';
SELECT id, at FROM tz_events ORDER BY id;
SELECT '2024-07-01 12:00'::timestamptz AS local_noon,
       extract(timezone_minute FROM '2024-07-01 12:00'::timestamptz) AS tz_minute,
       to_char('2024-07-01 12:00'::timestamptz, 'HH24:MI OF') AS of;
-- text forms inside other values follow the zone too
SELECT to_json('2024-07-01 12:00+00'::timestamptz) AS json,
       to_jsonb('2024-07-01 12:00+00'::timestamptz) AS jsonb,
       json_build_object('at', '2024-07-01 12:00+00'::timestamptz) AS object,
       row('2024-07-01 12:00+00'::timestamptz) AS record,
       array['2024-07-01 12:00+00'::timestamptz] AS arr,
       '2024-07-01 12:00+00'::timestamptz || ' local' AS concatenated,
       '2024-07-01'::date || ' ' || '12:00'::time AS date_concatenated,
       format('%s', '2024-07-01 12:00+00'::timestamptz) AS formatted;
-- any case; POSIX-style names and offsets
SET TimeZone = 'europe/berlin';
SHOW TimeZone;
SET TimeZone = 'PST8PDT';
SHOW TimeZone;
SELECT '2024-07-01 12:00+00'::timestamptz AS pst8pdt;
SET TimeZone = '+02';
SHOW TimeZone;
SELECT '2024-07-01 12:00+00'::timestamptz AS plus_two;
SET TIME ZONE -7;
SHOW TimeZone;
SELECT '2024-07-01 12:00+00'::timestamptz AS minus_seven;
SET TIME ZONE 5.5;
SHOW TimeZone;
SELECT '2024-07-01 12:00+00'::timestamptz AS five_and_a_half;
SET TIME ZONE INTERVAL '+02:00' HOUR TO MINUTE;
SHOW TimeZone;
SELECT '2024-07-01 12:00+00'::timestamptz AS interval_zone;
SET TimeZone = 'UTC+3';
SHOW TimeZone;
SELECT '2024-07-01 12:00+00'::timestamptz AS posix_utc_plus_3;
SET TimeZone = '+02:30';
SHOW TimeZone;
SELECT '2024-07-01 12:00+00'::timestamptz AS posix_plus_0230;
SET TIME ZONE 'UTC';
SHOW TimeZone;
SELECT '2024-07-01 12:00+00'::timestamptz AS utc;
-- SET LOCAL ends with the transaction; a rolled-back SET is undone
BEGIN;
SET LOCAL TimeZone = 'Asia/Tokyo';
SELECT '2024-07-01 12:00+00'::timestamptz AS tokyo;
COMMIT;
SHOW TimeZone;
BEGIN;
SET TimeZone = 'America/Los_Angeles';
ROLLBACK;
SHOW TimeZone;
-- LOCAL, DEFAULT and RESET go back to the server's zone
SET TimeZone = 'Asia/Tokyo';
SET TIME ZONE LOCAL;
SHOW TimeZone;
SET TimeZone = 'Asia/Tokyo';
SET TIME ZONE DEFAULT;
SHOW TimeZone;
SET TimeZone = 'Asia/Tokyo';
RESET TimeZone;
SHOW TimeZone;
SELECT set_config('TimeZone', 'America/New_York', false);
SELECT '2024-07-01 12:00+00'::timestamptz AS via_set_config;
-- errors
SET TimeZone = 'Foo/Bar';
SET TIME ZONE 'Nowhere';
SET TimeZone = '';
SET TIME ZONE INTERVAL '1 day';
SET TIME ZONE INTERVAL '1 month';
SET TIME ZONE INTERVAL '200 hours';
SET TIME ZONE 168;
SET TIME ZONE 'PST';
SHOW TimeZone;
DROP TABLE tz_events;
