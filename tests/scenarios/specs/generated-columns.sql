-- GENERATED ALWAYS AS (...) STORED columns, as graphile-worker's jobs.is_available: computed
-- on INSERT, UPDATE and ON CONFLICT DO UPDATE, after BEFORE triggers.
create table gen_q (
  id int primary key generated always as identity,
  locked_at timestamptz,
  attempts int not null default 0,
  max_attempts int not null default 2,
  is_available boolean generated always as ((locked_at is null) and (attempts < max_attempts)) stored not null
);
create index gen_q_avail on gen_q (id) where (is_available = true);
insert into gen_q (locked_at) values (null), ('2024-01-01');
select id, is_available from gen_q order by id;
update gen_q set locked_at = null where id = 2;
update gen_q set attempts = 5 where id = 1;
select id, attempts, is_available from gen_q order by id;
select id from gen_q where is_available = true;
insert into gen_q (id, locked_at) overriding system value values (2, '2024-01-01')
  on conflict (id) do update set locked_at = excluded.locked_at;
select id, is_available from gen_q order by id;
create function gen_q_tg() returns trigger as $$
begin
  new.attempts := 0;
  return new;
end;
$$ language plpgsql;
create trigger gen_q_tg before update on gen_q for each row execute function gen_q_tg();
update gen_q set locked_at = null;
select id, attempts, is_available from gen_q order by id;
drop table gen_q;
drop function gen_q_tg();
