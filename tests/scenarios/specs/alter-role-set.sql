-- ALTER ROLE ... SET: a role's settings are where its sessions start (pg_roles.rolconfig);
-- startup options and SET still override them; RESET and RESET ALL remove them.
CREATE ROLE settings_user LOGIN;
ALTER ROLE settings_user SET work_mem = '8MB';
ALTER ROLE settings_user SET statement_timeout TO 1234;
ALTER ROLE settings_user SET application_name = 'from role';
ALTER ROLE settings_user SET no_such_setting = 1;
SELECT rolname, rolconfig FROM pg_roles WHERE rolname = 'settings_user';
\c - settings_user
SHOW work_mem;
SHOW statement_timeout;
SET work_mem = '16MB';
SHOW work_mem;
RESET work_mem;
SHOW work_mem;
\c - postgres
ALTER ROLE settings_user RESET statement_timeout;
ALTER ROLE settings_user SET work_mem TO DEFAULT;
SELECT rolname, rolconfig FROM pg_roles WHERE rolname = 'settings_user';
ALTER ROLE settings_user RESET ALL;
SELECT rolname, rolconfig FROM pg_roles WHERE rolname = 'settings_user';
DROP ROLE settings_user;
