-- gcd and lcm of integer and bigint, with PostgreSQL's out-of-range errors; the functions
-- behind bool's comparison operators (booleq, boolne, boollt, boolgt, boolle, boolge).
select gcd(12, 18), gcd(-12, 18), gcd(0, 0), gcd(0, -5), gcd((-2147483648)::int4, 1::int4);
select lcm(4, 6), lcm(-4, 6), lcm(0, 5), lcm(330, 462);
select gcd(9223372036854775807, 3), lcm(6::int8, 10::int8), gcd((-9223372036854775808)::int8, 6::int8);
select pg_typeof(gcd(1, 2)), pg_typeof(gcd(1::int8, 2)), pg_typeof(lcm(1::int2, 2));
select gcd((-2147483648)::int4, 0::int4);
select gcd((-2147483648)::int4, (-2147483648)::int4);
select lcm((-2147483648)::int4, 1::int4);
select lcm(2147483647::int4, 2147483646::int4);
select gcd((-9223372036854775808)::int8, 0::int8);
select lcm(9223372036854775807::int8, 9223372036854775806::int8);
select booleq(true, true), booleq(true, false), boolne(true, false), boollt(false, true),
       boolgt(false, true), boolle(true, true), boolge(false, true), booleq(null, true);
