-- Sequence names belong to their schema, as every relation name does: two schemas may each
-- have a sequence q, and an unqualified name is looked up along search_path.
create schema sps_a;
create schema sps_b;
create sequence sps_a.q;
create sequence sps_b.q start 100;
create sequence sps_q start 1000;
create sequence sps_a.q;
select nextval('sps_a.q'), nextval('sps_b.q'), nextval('sps_q');
set search_path = sps_b, public;
select nextval('q'), nextval('q'::regclass), currval('q');
select nextval('sps_a.q'::regclass);
create table sps_b.t (id serial, v text);
create table sps_a.t (id serial, v text);
insert into sps_a.t (v) values ('a');
insert into sps_b.t (v) values ('b1'), ('b2');
select * from sps_a.t order by id;
select * from t order by id;
drop sequence q;
select nextval('q');
reset search_path;
drop sequence sps_q;
drop schema sps_a cascade;
drop schema sps_b cascade;
