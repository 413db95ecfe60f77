-- COPY ... TO STDOUT (a table, some columns, a query, a RETURNING), in text and CSV with
-- their options, and the server-side COPY ... FROM 'file' / TO 'file' with PostgreSQL 15's
-- checks (superuser or pg_read/write_server_files, absolute paths, missing files), as
-- PostgreSQL's regression suite loads its tables (test_setup's COPY onek FROM '.../onek.data').
\! rm -f /tmp/hf_scenario_copy.txt /tmp/hf_scenario_copy.csv
create table copy_t(a int, b text, c numeric);
insert into copy_t values (1, E'tab\there', 1.5), (2, E'back\\slash\nnewline', null),
  (3, '', 0), (4, 'comma,quote"', -2), (null, '\.', 10);
copy copy_t to stdout;
copy copy_t (b, a) to stdout;
copy copy_t to stdout with (format csv);
copy copy_t to stdout with (format csv, header, force_quote (a, c));
copy copy_t to stdout with (format csv, force_quote *, null 'NULL');
copy copy_t (b) to stdout csv;
copy copy_t to stdout (delimiter '|', null '', header);
copy copy_t to stdout (format csv, quote '''', escape '\', delimiter ';');
copy (select a, b from copy_t where a > 2 order by a desc) to stdout;
copy (select 1 as "a b", 'x' as "c""d") to stdout csv header;
copy (values (1, true), (2, false)) to stdout;
copy (insert into copy_t values (5, 'five', 5) returning a, b) to stdout;
copy (update copy_t set c = 6 where a = 5 returning *) to stdout csv;
copy (delete from copy_t where a = 5 returning a) to stdout;
-- the server's files: written and read back
copy copy_t to '/tmp/hf_scenario_copy.txt';
copy copy_t to '/tmp/hf_scenario_copy.csv' (format csv, header);
create table copy_back (like copy_t);
copy copy_back from '/tmp/hf_scenario_copy.txt';
copy copy_back from '/tmp/hf_scenario_copy.csv' (format csv, header match);
select * from copy_back order by a, b;
truncate copy_back;
copy copy_back (a, b) from '/tmp/hf_scenario_copy.csv' (format csv, header match);
copy copy_back from '/tmp/hf_scenario_copy.csv' (format csv);
select count(*) from copy_back;
-- CSV input: quoted newlines, FORCE_NOT_NULL, FORCE_NULL
copy copy_back from stdin (format csv);
7,"two
lines",1
8,,2
9,"",3
\.
copy copy_back from stdin (format csv, force_not_null (b), force_null (c));
10,,""
\.
select a, b, b is null as b_null, c from copy_back where a >= 7 order by a;
-- errors
copy copy_t to 'relative/path.txt';
copy copy_back from '/tmp/hf_scenario_no_such_file.txt';
copy copy_back from '/tmp';
copy (insert into copy_t values (6)) to stdout;
copy copy_t (a, a) to stdout;
copy copy_t (zz) to stdout;
copy copy_t to stdout (format csv, force_quote (zz));
copy copy_t to stdout (format foo);
copy copy_t to stdout (bogus);
copy copy_t to stdout (quote '|');
copy copy_t to stdout (format csv, delimiter ',', quote ',');
copy copy_t to stdout (delimiter 'ab');
copy copy_t to stdout (delimiter 'a');
copy copy_t to stdout (header match);
copy copy_t to stdout (format csv, force_not_null (a));
copy copy_t to stdout (format text, format csv);
create view copy_v as select * from copy_t;
copy copy_v to stdout;
create table copy_p (a int) partition by list (a);
copy copy_p to stdout;
create role regress_copy_user;
grant all on copy_t to regress_copy_user;
set role regress_copy_user;
copy copy_t to stdout (format csv);
copy copy_t from '/tmp/hf_scenario_copy.txt';
copy copy_t to '/tmp/hf_scenario_copy.txt';
copy copy_t to program 'cat';
reset role;
drop view copy_v;
drop table copy_t, copy_back, copy_p;
drop role regress_copy_user;
\! rm -f /tmp/hf_scenario_copy.txt /tmp/hf_scenario_copy.csv
