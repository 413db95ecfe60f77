-- PostgreSQL's enable_* planner settings: SET, SHOW, RESET and SET LOCAL are accepted (the
-- regression scripts and tools set them), with PostgreSQL's defaults and errors.
show enable_bitmapscan;
set enable_bitmapscan = off;
show enable_bitmapscan;
reset enable_bitmapscan;
show enable_bitmapscan;
show enable_partitionwise_join;
set enable_partitionwise_join to on;
show enable_partitionwise_join;
reset enable_partitionwise_join;
begin;
set local enable_indexscan = false;
show enable_indexscan;
commit;
show enable_indexscan;
set enable_sort = 0;
select current_setting('enable_sort');
reset enable_sort;
set enable_hashagg to maybe;
set enable_material = 2;
reset all;
show enable_mergejoin;
