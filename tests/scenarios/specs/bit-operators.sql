-- Bitwise operators on integers and bit strings, and the bit string functions (bit_count,
-- get_bit, set_bit, length, substring, position, overlay), with PostgreSQL's errors.
select 5 & 3, 5 | 3, 5 # 3, ~5, 1 << 33, -8 >> 1, 1 << -1, -1 >> 40;
select 1::int2 << 15, 7::int2 & 1::smallint, pg_typeof(7::int2 & 1::smallint), ~0::int2, 12::int2 | 3::int2, 6::int2 # 3::int2, (-32768)::int2 >> 3;
select 1::int8 << 65, (1::int8 << 62) | 5, 255::int8 & 15, ~(-1::int8), 100::int8 # 1, -1::int8 >> 63;
select B'10110' & B'01100', B'10110' | B'01100', B'10110' # B'01100', ~B'10110';
select B'10110' << 2, B'10110' >> 2, B'10110' << -1, B'10110' >> -1, B'1' << 2147483647, B'101' >> -2147483648, B'101' << 0;
select B'101'::varbit & B'011', pg_typeof(B'101'::varbit & B'011'), B'101' || B'11', pg_typeof(B'101' || B'11');
select bit_count(B'10110'), bit_count('\xff01'::bytea), get_bit(B'10110', 0), get_bit(B'10110', 4), set_bit(B'10110', 1, 1), set_bit(B'10110', 0, 0);
select length(B'10110'), octet_length(B'101101101'), bit_length(B'10110'), length(B''::varbit), octet_length(B'10101010');
select substring(B'0101011' from 2 for 3), substring(B'0101011' from 3), substring(B'0101011'::varbit, -1, 3), substring(B'01' from 5), position(B'011' in B'0101011'), position(B'' in B'01'), position(B'' in B''), position(B'111' in B'01');
select overlay(B'0101011' placing B'11' from 2), overlay(B'0101011' placing B'000' from 6 for 1), overlay(B'01' placing '1' from 3), overlay(B'0101' placing B'1' from 2 for 0);
select substring(B'0101' from 1 for -1);
select overlay(B'0101' placing B'1' from 0);
create table bits_t (b bit(4), v varbit(8));
insert into bits_t values (B'1100', B'101'), (B'0101', B'11110000');
select b & B'1010', b | B'0001', b # b, ~b, b << 1, v >> 1, length(v), bit_count(v), get_bit(v, 0) from bits_t order by b;
select B'101' & B'01';
select B'101' | B'01';
select B'101' # B'01';
select get_bit(B'101', 3);
select set_bit(B'101', 1, 2);
select set_bit(B'101', -1, 1);
select b & v from bits_t;
drop table bits_t;
-- Defaults of bit string columns as pg_get_expr prints them (a bit-string literal is a
-- constant of type bit, printed '...'::"bit").
create table bit_defaults (b1 bit(4) default '1001', b2 bit(4) default B'0101', b3 bit varying(5) default '1001', b4 bit varying(5) default B'0101', b5 varbit default X'1F');
\d bit_defaults
insert into bit_defaults default values;
select * from bit_defaults;
drop table bit_defaults;
