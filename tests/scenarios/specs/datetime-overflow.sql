-- Dates, timestamps and intervals at and past the ends of their ranges: PostgreSQL's errors
-- (once signed overflow in holdfast, which the sanitizer build stopped on: issue 9; from
-- PostgreSQL's date.sql, timestamptz.sql, interval.sql, horology.sql).
SELECT EXTRACT(DAY FROM DATE 'infinity');
SELECT EXTRACT(MONTH FROM TIMESTAMP '-infinity');
SELECT date_part('day', DATE 'infinity'), date_part('year', DATE 'infinity'),
       date_part('year', TIMESTAMP '-infinity');
SELECT '294277-12-31 16:00:00-08'::timestamptz;
SELECT '294276-12-31 23:59:59'::timestamp;
SELECT justify_hours(interval '2147483647 days 24 hrs');
SELECT justify_days(interval '2147483647 months 30 days');
SELECT '2202020-10-05'::date::timestamp;
SELECT '2202020-10-05'::date + interval '1 day';
SELECT '2202020-10-05'::date + time '10:00';
SELECT timestamp '2000-01-01' + interval '-2147483648 days';
SELECT timestamp '2000-01-01' - interval '-2147483648 months';
SELECT timestamp '294276-12-31 23:59:59' + interval '9223372036854775807 microseconds';
SELECT time '10:00' + interval '9223372036854775807 microseconds';
