-- LISTEN / UNLISTEN / NOTIFY / pg_notify in one session: LISTEN and UNLISTEN take effect at
-- commit (pg_listening_channels shows the committed state), and PostgreSQL's checks and errors.
-- No self-notification here: psql prints the sender's pid, which differs between servers
-- (listen-notify-sessions.spec covers delivery).
SELECT * FROM pg_listening_channels();
LISTEN a;
LISTEN b;
LISTEN a;
SELECT pg_listening_channels();
BEGIN;
LISTEN c;
SELECT * FROM pg_listening_channels();
ROLLBACK;
SELECT * FROM pg_listening_channels();
BEGIN;
UNLISTEN a;
SAVEPOINT s;
UNLISTEN *;
ROLLBACK TO SAVEPOINT s;
LISTEN "Mixed Case";
SELECT * FROM pg_listening_channels();
COMMIT;
SELECT * FROM pg_listening_channels() AS ch;
UNLISTEN nosuch;
UNLISTEN *;
SELECT count(*) FROM pg_listening_channels();
-- NOTIFY and pg_notify (nobody listens: nothing to see but the checks)
NOTIFY c;
NOTIFY c, 'payload';
NOTIFY c, '';
SELECT pg_notify('c', 'x');
SELECT pg_notify('c', NULL);
SELECT pg_notify('c', 7999 || repeat('p', 7995));
SELECT pg_notify('', 'x');
SELECT pg_notify(NULL, 'x');
SELECT pg_notify(repeat('c', 63), 'x');
SELECT pg_notify(repeat('c', 64), 'x');
SELECT pg_notify('c', repeat('p', 7999));
SELECT pg_notify('c', repeat('p', 8000));
SELECT pg_notify('c');
NOTIFY "";
NOTIFY c, 'a', 'b';
BEGIN;
NOTIFY c, 'in a block';
SELECT 1 / 0;
NOTIFY c;
LISTEN c;
ROLLBACK;
SELECT * FROM pg_listening_channels();
