// Tests for text/binary I/O, typmods and casts against PostgreSQL 15's observed output.
#include "sql/types/type_io.h"

#include <gtest/gtest.h>

#include <functional>

#include "common/error.h"
#include "sql/types/cast.h"
#include "sql/types/type_info.h"

namespace hf::sql::types {
namespace {

using namespace hf::type_oid;  // NOLINT

TypeRef T(Oid o, int32_t typmod = -1) {
  return TypeRef{o, typmod};
}

std::string rt(std::string_view in, TypeRef t) {
  return to_text(from_text(in, t), t);
}

void expect_error(std::function<void()> fn, const std::string& state, const std::string& msg) {
  try {
    fn();
    ADD_FAILURE() << "expected error " << state << " " << msg;
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, state);
    EXPECT_EQ(e.error().message, msg);
  }
}

TEST(TypeInfo, NamesAndFormat) {
  EXPECT_EQ(find_type_by_name("integer")->oid, kInt4);
  EXPECT_EQ(find_type_by_name("serial")->oid, kInt4);
  EXPECT_EQ(find_type_by_name("bigserial")->oid, kInt8);
  EXPECT_EQ(find_type_by_name("character varying")->oid, kVarchar);
  EXPECT_EQ(find_type_by_name("double precision")->oid, kFloat8);
  EXPECT_EQ(find_type_by_name("timestamp with time zone")->oid, kTimestampTz);
  EXPECT_EQ(find_type_by_name("int4[]")->oid, kInt4Array);
  EXPECT_EQ(find_type_by_name("nosuchtype"), nullptr);
  EXPECT_EQ(format_type(T(kInt4)), "integer");
  EXPECT_EQ(format_type(T(kVarchar, make_typmod(kVarchar, {10}))), "character varying(10)");
  EXPECT_EQ(format_type(T(kNumeric, make_typmod(kNumeric, {10, 2}))), "numeric(10,2)");
  EXPECT_EQ(format_type(T(kTimestamp)), "timestamp without time zone");
  EXPECT_EQ(format_type(T(kBpchar, make_typmod(kBpchar, {3}))), "character(3)");
  EXPECT_EQ(format_type(T(kInt4Array)), "integer[]");
  EXPECT_EQ(make_typmod(kVarchar, {5}), 9);
  EXPECT_EQ(make_typmod(kNumeric, {10, 2}), ((10 << 16) | 2) + 4);
  EXPECT_EQ(make_typmod(kInt4, {}), -1);
  expect_error([] { make_typmod(kVarchar, {0}); }, "22023",
               "length for type varchar must be at least 1");
}

TEST(TypeIo, Integers) {
  EXPECT_EQ(from_text(" 42 ", T(kInt4)).as_int(), 42);
  EXPECT_EQ(from_text("-2147483648", T(kInt4)).as_int(), INT32_MIN);
  EXPECT_EQ(rt("9223372036854775807", T(kInt8)), "9223372036854775807");
  expect_error([] { from_text("abc", T(kInt4)); }, "22P02",
               "invalid input syntax for type integer: \"abc\"");
  expect_error([] { from_text("", T(kInt4)); }, "22P02",
               "invalid input syntax for type integer: \"\"");
  expect_error([] { from_text("99999999999", T(kInt4)); }, "22003",
               "value \"99999999999\" is out of range for type integer");
  expect_error([] { from_text("40000", T(kInt2)); }, "22003",
               "value \"40000\" is out of range for type smallint");
  expect_error([] { from_text("1.5", T(kInt8)); }, "22P02",
               "invalid input syntax for type bigint: \"1.5\"");
}

TEST(TypeIo, Bool) {
  EXPECT_EQ(rt("true", T(kBool)), "t");
  EXPECT_EQ(rt("  OFF ", T(kBool)), "f");
  EXPECT_EQ(rt("y", T(kBool)), "t");
  EXPECT_EQ(rt("0", T(kBool)), "f");
  expect_error([] { from_text("maybe", T(kBool)); }, "22P02",
               "invalid input syntax for type boolean: \"maybe\"");
}

TEST(TypeIo, Floats) {
  EXPECT_EQ(to_text(Datum(1e15), T(kFloat8)), "1e+15");
  EXPECT_EQ(to_text(Datum(1e14), T(kFloat8)), "100000000000000");
  EXPECT_EQ(to_text(Datum(0.0001), T(kFloat8)), "0.0001");
  EXPECT_EQ(to_text(Datum(0.00001), T(kFloat8)), "1e-05");
  EXPECT_EQ(to_text(Datum(1.5e-5), T(kFloat8)), "1.5e-05");
  EXPECT_EQ(to_text(Datum(1.0 / 3), T(kFloat8)), "0.3333333333333333");
  EXPECT_EQ(to_text(Datum(0.1 + 0.2), T(kFloat8)), "0.30000000000000004");
  EXPECT_EQ(rt("1e6", T(kFloat4)), "1e+06");
  EXPECT_EQ(rt("100000", T(kFloat4)), "100000");
  EXPECT_EQ(rt("0.1", T(kFloat4)), "0.1");
  EXPECT_EQ(to_text(Datum(static_cast<double>(1.0f / 3)), T(kFloat4)), "0.33333334");
  EXPECT_EQ(rt("-Infinity", T(kFloat8)), "-Infinity");
  EXPECT_EQ(rt("nan", T(kFloat8)), "NaN");
  EXPECT_EQ(rt("-0", T(kFloat8)), "-0");
  expect_error([] { from_text("x1", T(kFloat8)); }, "22P02",
               "invalid input syntax for type double precision: \"x1\"");
  expect_error([] { from_text("1e400", T(kFloat8)); }, "22003",
               "\"1e400\" is out of range for type double precision");
}

TEST(TypeIo, Numeric) {
  EXPECT_EQ(rt("1.50", T(kNumeric)), "1.50");
  EXPECT_EQ(rt("-0.001", T(kNumeric)), "-0.001");
  EXPECT_EQ(rt("1e3", T(kNumeric)), "1000");
  EXPECT_EQ(rt("1.5e-3", T(kNumeric)), "0.0015");
  EXPECT_EQ(rt("  12  ", T(kNumeric)), "12");
  EXPECT_EQ(rt("NaN", T(kNumeric)), "NaN");
  int32_t tm = make_typmod(kNumeric, {5, 2});
  EXPECT_EQ(rt("3.14159", T(kNumeric, tm)), "3.14");
  EXPECT_EQ(rt("2.5", T(kNumeric, tm)), "2.50");
  EXPECT_EQ(rt("-0.005", T(kNumeric, tm)), "-0.01");
  try {
    from_text("1000", T(kNumeric, tm));
    ADD_FAILURE();
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "22003");
    EXPECT_EQ(e.error().message, "numeric field overflow");
    EXPECT_EQ(e.error().detail,
              "A field with precision 5, scale 2 must round to an absolute value less than 10^3.");
  }
  expect_error([] { from_text("1.2.3", T(kNumeric)); }, "22P02",
               "invalid input syntax for type numeric: \"1.2.3\"");
}

TEST(TypeIo, Strings) {
  int32_t v5 = make_typmod(kVarchar, {5});
  EXPECT_EQ(rt("abc", T(kVarchar, v5)), "abc");
  EXPECT_EQ(rt("abcde   ", T(kVarchar, v5)), "abcde");  // trailing spaces truncate silently
  expect_error([&] { from_text("abcdef", T(kVarchar, v5)); }, "22001",
               "value too long for type character varying(5)");
  int32_t c3 = make_typmod(kBpchar, {3});
  EXPECT_EQ(rt("a", T(kBpchar, c3)), "a  ");
  expect_error([&] { from_text("abcd", T(kBpchar, c3)); }, "22001",
               "value too long for type character(3)");
  EXPECT_EQ(rt("héllo", T(kVarchar, v5)), "héllo");  // characters, not bytes
}

TEST(TypeIo, Bytea) {
  EXPECT_EQ(rt("\\x0a0B", T(kBytea)), "\\x0a0b");
  EXPECT_EQ(rt("abc", T(kBytea)), "\\x616263");
  EXPECT_EQ(from_text("a\\\\b\\001", T(kBytea)).as_string(), std::string("a\\b\x01"));
  expect_error([] { from_text("\\xzz", T(kBytea)); }, "22023", "invalid hexadecimal digit: \"z\"");
  expect_error([] { from_text("\\x0", T(kBytea)); }, "22023",
               "invalid hexadecimal data: odd number of digits");
}

TEST(TypeIo, Uuid) {
  EXPECT_EQ(rt("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", T(kUuid)),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(rt("{a0eebc999c0b4ef8bb6d6bb9bd380a11}", T(kUuid)),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  expect_error([] { from_text("nope", T(kUuid)); }, "22P02",
               "invalid input syntax for type uuid: \"nope\"");
}

TEST(TypeIo, DateTime) {
  EXPECT_EQ(rt("2024-01-15", T(kDate)), "2024-01-15");
  EXPECT_EQ(from_text("2000-01-01", T(kDate)).as_int(), 0);
  EXPECT_EQ(rt("1/15/2024", T(kDate)), "2024-01-15");
  EXPECT_EQ(rt("0044-03-15 BC", T(kDate)), "0044-03-15 BC");
  EXPECT_EQ(rt("infinity", T(kDate)), "infinity");
  expect_error([] { from_text("2024-02-30", T(kDate)); }, "22008",
               "date/time field value out of range: \"2024-02-30\"");
  expect_error([] { from_text("garbage", T(kDate)); }, "22007",
               "invalid input syntax for type date: \"garbage\"");
  EXPECT_EQ(rt("2024-01-15 10:30:00.5", T(kTimestamp)), "2024-01-15 10:30:00.5");
  EXPECT_EQ(rt("2024-01-15T10:30:00", T(kTimestamp)), "2024-01-15 10:30:00");
  EXPECT_EQ(rt("2024-01-15 10:30:00+02", T(kTimestampTz)), "2024-01-15 08:30:00+00");
  EXPECT_EQ(rt("2024-01-15 10:30:00.123456789", T(kTimestamp)), "2024-01-15 10:30:00.123457");
  EXPECT_EQ(rt("1999-12-31 23:59:59", T(kTimestamp)), "1999-12-31 23:59:59");
  EXPECT_EQ(rt("13:04:05.25", T(kTime)), "13:04:05.25");
  EXPECT_EQ(rt("2024-01-15 10:30:00.56", T(kTimestamp, 1)), "2024-01-15 10:30:00.6");
}

TEST(TypeIo, Interval) {
  EXPECT_EQ(rt("1 year 2 months 3 days 04:05:06", T(kInterval)), "1 year 2 mons 3 days 04:05:06");
  EXPECT_EQ(rt("-1 days", T(kInterval)), "-1 days");
  EXPECT_EQ(rt("1 day -01:00:00", T(kInterval)), "1 day -01:00:00");
  EXPECT_EQ(rt("0", T(kInterval)), "00:00:00");
  EXPECT_EQ(rt("25 hours", T(kInterval)), "25:00:00");
  EXPECT_EQ(rt("1.5 years", T(kInterval)), "1 year 6 mons");
  EXPECT_EQ(rt("@ 1 hour ago", T(kInterval)), "-01:00:00");
  EXPECT_EQ(rt("P1Y2M3DT4H5M6S", T(kInterval)), "1 year 2 mons 3 days 04:05:06");
  EXPECT_EQ(rt("2 weeks", T(kInterval)), "14 days");
  expect_error([] { from_text("1 fortnight", T(kInterval)); }, "22007",
               "invalid input syntax for type interval: \"1 fortnight\"");
}

TEST(TypeIo, Arrays) {
  EXPECT_EQ(rt("{1,2,3}", T(kInt4Array)), "{1,2,3}");
  EXPECT_EQ(rt("{}", T(kInt4Array)), "{}");
  EXPECT_EQ(rt("{\"a b\",c,NULL,\"\"}", T(kTextArray)), "{\"a b\",c,NULL,\"\"}");
  EXPECT_EQ(rt("{\"q\\\"x\"}", T(kTextArray)), "{\"q\\\"x\"}");
  EXPECT_TRUE(from_text("{1,NULL}", T(kInt4Array)).as_array()->at(1).is_null());
  expect_error([] { from_text("1,2", T(kInt4Array)); }, "22P02",
               "malformed array literal: \"1,2\"");
  expect_error([] { from_text("{1,x}", T(kInt4Array)); }, "22P02",
               "invalid input syntax for type integer: \"x\"");
}

// int2vector / oidvector: elements separated by spaces; sent as arrays indexed from 0.
TEST(TypeIo, Vectors) {
  EXPECT_EQ(rt("1 2 3", T(kInt2Vector)), "1 2 3");
  EXPECT_EQ(rt("", T(kOidVector)), "");
  EXPECT_EQ(rt(" 23  26 ", T(kOidVector)), "23 26");
  EXPECT_EQ(from_text("4 5", T(kInt2Vector)).as_array()->size(), 2u);
  expect_error([] { from_text("1 x", T(kInt2Vector)); }, "22P02",
               "invalid input syntax for type smallint: \"x\"");
  // ndim 1, no nulls, element int2, 2 elements, lower bound 0, then 2-byte elements.
  EXPECT_EQ(to_binary(from_text("1 2", T(kInt2Vector)), T(kInt2Vector)),
            std::string("\0\0\0\1\0\0\0\0\0\0\0\x15\0\0\0\2\0\0\0\0"
                        "\0\0\0\2\0\1\0\0\0\2\0\2",
                        32));
}

TEST(TypeIo, Binary) {
  EXPECT_EQ(to_binary(Datum(int64_t{1}), T(kInt4)), std::string("\0\0\0\1", 4));
  EXPECT_EQ(from_binary(std::string("\xff\xff\xff\xfe", 4), T(kInt4)).as_int(), -2);
  EXPECT_EQ(from_binary(std::string("\0\0\0\0\0\0\0\7", 8), T(kInt8)).as_int(), 7);
  expect_error([] { from_binary(std::string("\0\0", 2), T(kInt4)); }, "22P03",
               "insufficient data left in message");
  for (const char* s : {"0", "1.50", "-12345.6789", "100000000", "0.0001", "NaN",
                        "12345678901234567890.123456789"}) {
    Datum n = from_text(s, T(kNumeric));
    EXPECT_EQ(to_text(from_binary(to_binary(n, T(kNumeric)), T(kNumeric)), T(kNumeric)), s);
  }
  // 1.50: ndigits 2, weight 0, sign 0, dscale 2, digits 1, 5000.
  EXPECT_EQ(to_binary(from_text("1.50", T(kNumeric)), T(kNumeric)),
            std::string("\0\2\0\0\0\0\0\2\0\1\x13\x88", 12));
  for (auto [s, t] :
       std::vector<std::pair<const char*, Oid>>{{"2024-01-15 10:30:00.5", kTimestamp},
                                                {"2024-01-15", kDate},
                                                {"1 year 2 mons 3 days 04:05:06", kInterval},
                                                {"3.25", kFloat8},
                                                {"t", kBool},
                                                {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", kUuid},
                                                {"{1,NULL,3}", kInt4Array},
                                                {"{a,\"b c\"}", kTextArray}}) {
    Datum d = from_text(s, T(t));
    EXPECT_EQ(to_text(from_binary(to_binary(d, T(t)), T(t)), T(t)), s);
  }
}

TEST(Cast, Basic) {
  EXPECT_TRUE(can_cast(kInt4, kInt8, CastContext::kImplicit));
  EXPECT_FALSE(can_cast(kInt8, kInt4, CastContext::kImplicit));
  EXPECT_TRUE(can_cast(kInt8, kInt4, CastContext::kAssignment));
  EXPECT_TRUE(can_cast(kInt4, kText, CastContext::kAssignment));
  EXPECT_FALSE(can_cast(kText, kInt4, CastContext::kAssignment));
  EXPECT_TRUE(can_cast(kText, kInt4, CastContext::kExplicit));
  EXPECT_EQ(cast(Datum(true), T(kBool), T(kText)).as_string(), "true");
  EXPECT_EQ(cast(Datum("42"), T(kText), T(kInt4)).as_int(), 42);
  expect_error([] { cast(Datum(int64_t{3000000000}), T(kInt8), T(kInt4)); }, "22003",
               "integer out of range");
  EXPECT_EQ(cast(Datum(2.5), T(kFloat8), T(kInt4)).as_int(), 2);  // rint: half to even
  EXPECT_EQ(cast(Datum(3.5), T(kFloat8), T(kInt4)).as_int(), 4);
  EXPECT_EQ(to_text(cast(from_text("2.5", T(kNumeric)), T(kNumeric), T(kInt4)), T(kInt4)), "3");
  int32_t v3 = make_typmod(kVarchar, {3});
  EXPECT_EQ(cast(Datum("abcdef"), T(kText), T(kVarchar, v3)).as_string(), "abc");
  expect_error([&] { cast(Datum("abcdef"), T(kText), T(kVarchar, v3), CastContext::kAssignment); },
               "22001", "value too long for type character varying(3)");
  EXPECT_EQ(cast(Datum("ab "), T(kBpchar), T(kText)).as_string(), "ab");
  EXPECT_EQ(to_text(cast(Datum(0.1), T(kFloat8), T(kNumeric)), T(kNumeric)), "0.1");
  EXPECT_EQ(to_text(cast(from_text("2024-01-15 10:00", T(kTimestamp)), T(kTimestamp), T(kDate)),
                    T(kDate)),
            "2024-01-15");
}

TEST(Cast, CommonType) {
  EXPECT_EQ(common_type({kInt4, kInt8}), kInt8);
  EXPECT_EQ(common_type({kInt4, kNumeric}), kNumeric);
  EXPECT_EQ(common_type({kInt4, kFloat8, kNumeric}), kFloat8);
  EXPECT_EQ(common_type({kUnknown, kUnknown}), kText);
  EXPECT_EQ(common_type({kUnknown, kInt4}), kInt4);
  EXPECT_EQ(common_type({kVarchar, kText}), kVarchar);  // as PostgreSQL 15
  EXPECT_EQ(common_type({kText, kVarchar}), kText);
  EXPECT_EQ(common_type({kDate, kTimestamp}), kTimestamp);
  expect_error(
      [] {
        common_type({kInt4, kText});
      },
      "42804", "UNION types integer and text cannot be matched");
  expect_error(
      [] {
        common_type({kInt4, kBool}, "CASE");
      },
      "42804", "CASE types integer and boolean cannot be matched");
}

}  // namespace
}  // namespace hf::sql::types

namespace hf::sql::types {
namespace {
TEST(Cast, UnknownLiteralToVarchar) {
  using namespace hf::type_oid;  // NOLINT
  int32_t v3 = make_typmod(kVarchar, {3});
  EXPECT_EQ(cast(Datum("abcdef"), TypeRef{kUnknown, -1}, TypeRef{kVarchar, v3}).as_string(), "abc");
  EXPECT_THROW(
      cast(Datum("abcdef"), TypeRef{kUnknown, -1}, TypeRef{kVarchar, v3}, CastContext::kAssignment),
      SqlError);
  EXPECT_EQ(cast(Datum("7"), TypeRef{kUnknown, -1}, TypeRef{kInt8, -1}).as_int(), 7);
}
}  // namespace
}  // namespace hf::sql::types
