-- pg_get_serial_sequence (ORMs and drivers ask it for a serial column's sequence), serial
-- columns in schemas and tables whose names need quoting, and the names DROP ... CASCADE shows.
create schema "My S";
create table "My S".t1 (id serial primary key, "Name" text, k bigint generated always as identity);
create table plain1 (id bigserial, v int);
select pg_get_serial_sequence('"My S".t1', 'id'), pg_get_serial_sequence('"My S".t1', 'k'), pg_get_serial_sequence('"My S".t1', 'Name');
select pg_get_serial_sequence('plain1', 'id'), pg_get_serial_sequence('PLAIN1', 'v');
select pg_get_serial_sequence('nosuch', 'id');
select pg_get_serial_sequence('plain1', 'ID');
select pg_current_xact_id() = pg_current_xact_id(), quote_ident('Ab'), quote_ident('a b'), quote_ident('ok_1');
drop table plain1; drop schema "My S" cascade;
create table "Odd'T" (id serial); insert into "Odd'T" default values; select * from "Odd'T"; \d "Odd'T"
drop table "Odd'T";
