-- date_trunc with a time zone argument (truncated in that zone), unit spellings PostgreSQL
-- accepts, and its messages for units a type does not know.
set timezone = 'UTC';
select date_trunc('day', '2024-03-10 12:30:00+00'::timestamptz, 'America/New_York'),
       date_trunc('hour', '2024-03-10 07:30:00+00'::timestamptz, 'Asia/Kolkata'),
       date_trunc('month', '2024-03-01 02:00:00+00'::timestamptz, 'Europe/Berlin'),
       date_trunc('minute', '2024-03-01 02:00:59+00'::timestamptz, 'EST');
set timezone = 'Asia/Tokyo';
select date_trunc('day', '2024-03-10 12:30:00+00'::timestamptz, 'America/New_York'), date_trunc('week', now(), 'UTC') <= now();
select date_trunc('day', now(), 'Mars/Olympus');
select date_trunc('fortnight', now(), 'UTC');
select date_trunc('fortnight', now());
select date_trunc('fortnight', now()::timestamp);
select date_trunc('fortnight', interval '1 day');
select date_trunc('dow', now());
select date_trunc('epoch', now()::timestamp);
select date_trunc('mins', '2024-01-01 10:11:12'::timestamp), date_trunc('Hours', '2024-01-01 10:11:12'::timestamp), date_trunc('y', interval '13 months 3 days');
select extract(fortnight from now());
select extract(dow from interval '1 day');
select extract(dow from time '10:00');
