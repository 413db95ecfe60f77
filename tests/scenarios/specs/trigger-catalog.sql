-- User triggers in the catalog: pg_trigger rows (tgtype bits as PostgreSQL encodes them:
-- ROW 1, BEFORE 2, INSERT 4, DELETE 8, UPDATE 16), pg_class.relhastriggers,
-- pg_get_triggerdef (plain and pretty) and psql's \d listing them.
create table trg_t (id int primary key, qty int, note text);
create table trg_plain (id int);
create function trg_fn() returns trigger language plpgsql as $$ begin return new; end $$;
create trigger trg_b_ins before insert on trg_t for each row execute function trg_fn();
create trigger trg_a_upd after update of qty, note on trg_t for each row when (new.qty > 0) execute function trg_fn('a', 'it''s');
create trigger trg_a_del after delete on trg_t for each row when (old.qty is not null) execute function trg_fn('x');
create trigger trg_stmt after insert or update or delete on trg_t for each statement execute function trg_fn();
select tgname, tgrelid::regclass, tgfoid::regproc, tgtype, tgenabled, tgisinternal, tgnargs, tgattr, tgargs, tgdeferrable, tginitdeferred, tgconstraint, tgparentid from pg_trigger where tgrelid = 'trg_t'::regclass order by tgname;
select relname, relhastriggers from pg_class where relname in ('trg_t', 'trg_plain') order by 1;
select tgname, pg_get_triggerdef(oid), pg_get_triggerdef(oid, true) from pg_trigger where tgrelid = 'trg_t'::regclass order by tgname;
select pg_get_triggerdef(0) is null;
\d trg_t
drop trigger trg_a_upd on trg_t;
select count(*) from pg_trigger where tgrelid = 'trg_t'::regclass;
drop table trg_t, trg_plain;
drop function trg_fn();
