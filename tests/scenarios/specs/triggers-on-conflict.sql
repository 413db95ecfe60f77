-- INSERT ... ON CONFLICT DO UPDATE fires the UPDATE triggers of the rows it updates (BEFORE
-- may change or skip the update, AFTER sees old and new), the INSERT triggers of the rows it
-- inserts, and both events' statement triggers in PostgreSQL's order. DO NOTHING fires only
-- the INSERT ones.
create table upsert_t (k int primary key, v int, note text);
create function upsert_row_trg() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' then
    raise notice '% % UPDATE old=% new=%', tg_when, tg_level, old.v, new.v;
    if tg_when = 'BEFORE' then
      if new.v < 0 then
        raise notice 'skipping update of %', new.k;
        return null;
      end if;
      new.note := 'updated by trigger';
    end if;
  else
    raise notice '% % INSERT new=%', tg_when, tg_level, new.v;
  end if;
  return new;
end $$;
create function upsert_stmt_trg() returns trigger language plpgsql as $$
begin
  raise notice '% % %', tg_when, tg_level, tg_op;
  return null;
end $$;
create trigger b_row before insert or update on upsert_t for each row execute function upsert_row_trg();
create trigger a_row after insert or update on upsert_t for each row execute function upsert_row_trg();
create trigger b_stmt before insert or update on upsert_t for each statement execute function upsert_stmt_trg();
create trigger a_stmt after insert or update on upsert_t for each statement execute function upsert_stmt_trg();
insert into upsert_t values (1, 10, 'first'), (2, 20, 'first');
insert into upsert_t values (1, 11, 'second'), (3, 30, 'second')
  on conflict (k) do update set v = excluded.v returning *;
insert into upsert_t values (2, -1, 'third') on conflict (k) do update set v = excluded.v returning *;
insert into upsert_t values (2, 99, 'fourth') on conflict (k) do nothing;
select * from upsert_t order by k;
-- UPDATE OF: fires only when the DO UPDATE SET names the column
create trigger b_note before update of note on upsert_t for each row execute function upsert_stmt_trg();
drop trigger b_row on upsert_t;
drop trigger a_row on upsert_t;
insert into upsert_t values (1, 12, 'fifth') on conflict (k) do update set v = excluded.v;
insert into upsert_t values (1, 13, 'sixth') on conflict (k) do update set note = excluded.note;
select * from upsert_t order by k;
drop table upsert_t;
drop function upsert_row_trg();
drop function upsert_stmt_trg();
