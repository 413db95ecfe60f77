-- A number followed by identifier characters is one junk token, named whole in the error as
-- PostgreSQL 15.18's scanner names it.
select 123abc;
select 0x0o;
select 1_2_3;
select 0.a;
select 1.5e3xyz;
select 0.0e+a;
select 0.0e;
select 'é', 42é_x;
