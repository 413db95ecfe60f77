-- A column that does not exist gets PostgreSQL's hint naming the closest columns of the FROM
-- items in scope (within 3 edits, at most half the name different; a qualifier counts its
-- edits from each item's name); two equally close are both named, more are not.
create table hint_a (unique1 int, two int, x int);
create table hint_b (unique1 int, two int, y int);
select uunique1 from hint_a;
select hint_a.uunique1 from hint_a;
select t1.uunique1 from hint_a t1 join hint_b t2 on t1.two = t2.two;
select t2.uunique1 from hint_a t1 join hint_b t2 on t1.two = t2.two;
select uunique1 from hint_a t1 join hint_b t2 on t1.two = t2.two;
select t1.y from hint_a t1 join hint_b t3 on t1.two = t3.two;
select U&"real\00A7_name" from (select 1) as x(real_name);
select completely_different from hint_a;
select tw from hint_a, hint_b, (select 1 as to) s;
select (select unique2 from hint_b) from hint_a;
drop table hint_a, hint_b;
