-- COMMENT ON TABLE / VIEW / COLUMN: kept in the catalog, read by obj_description and
-- col_description (what psql's \d+ and \dt+ show), removed by IS NULL or '', transactional.
create table jobs_c (id int primary key, state text);
create view jobs_v as select id from jobs_c;
comment on table jobs_c is 'The job queue';
comment on column jobs_c.state is 'queued, active or done';
comment on view jobs_v is 'ids only';
select obj_description('jobs_c'::regclass), obj_description('jobs_c'::regclass, 'pg_class'), col_description('jobs_c'::regclass, 2), col_description('jobs_c'::regclass, 1), obj_description('jobs_v'::regclass);
comment on table jobs_c is null;
comment on column jobs_c.state is '';
select obj_description('jobs_c'::regclass), col_description('jobs_c'::regclass, 2);
comment on table nosuch is 'x';
comment on column jobs_c.nosuch is 'x';
comment on view jobs_c is 'x';
comment on table jobs_v is 'x';
begin; comment on table jobs_c is 'rolled back'; rollback;
select obj_description('jobs_c'::regclass);
drop view jobs_v; drop table jobs_c;
