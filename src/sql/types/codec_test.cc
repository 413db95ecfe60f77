// Tests for compare/hash, the order-preserving key codec and the row codec.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "common/error.h"
#include "sql/types/compare.h"
#include "sql/types/key_codec.h"
#include "sql/types/row_codec.h"
#include "sql/types/type_io.h"

namespace hf::sql::types {
namespace {

using namespace hf::type_oid;  // NOLINT

Datum P(std::string_view s, Oid t) {
  return from_text(s, TypeRef{t, -1});
}

std::string key(const Datum& d, Oid t, bool desc = false, bool nulls_first = false) {
  std::string out;
  encode_key(out, d, t, desc, nulls_first);
  return out;
}

int sgn(int x) {
  return (x > 0) - (x < 0);
}

// For every pair, memcmp order of keys must equal compare() order, and decode must round-trip.
void check_order(const std::vector<Datum>& vals, Oid t) {
  for (bool desc : {false, true}) {
    for (size_t i = 0; i < vals.size(); ++i) {
      std::string ki = key(vals[i], t, desc);
      std::string_view in = ki;
      Datum back = decode_key(in, t, desc);
      EXPECT_TRUE(in.empty());
      EXPECT_EQ(compare(back, vals[i], t), 0) << to_text(vals[i], TypeRef{t, -1});
      for (size_t j = 0; j < vals.size(); ++j) {
        std::string kj = key(vals[j], t, desc);
        int c = compare(vals[i], vals[j], t);
        if (desc) c = -c;
        EXPECT_EQ(sgn(ki.compare(kj)), sgn(c))
            << to_text(vals[i], TypeRef{t, -1}) << " vs " << to_text(vals[j], TypeRef{t, -1});
        if (equal(vals[i], vals[j], t)) {
          EXPECT_EQ(hash(vals[i], t), hash(vals[j], t));
        }
      }
    }
  }
}

TEST(Compare, Basics) {
  EXPECT_LT(compare(Datum(1), Datum(2), kInt4), 0);
  EXPECT_EQ(compare(P("1.0", kNumeric), P("1.00", kNumeric), kNumeric), 0);
  EXPECT_EQ(hash(P("1.0", kNumeric), kNumeric), hash(P("1", kNumeric), kNumeric));
  EXPECT_GT(compare(Datum(std::nan("")), Datum(1e308), kFloat8), 0);
  EXPECT_EQ(compare(Datum(-0.0), Datum(0.0), kFloat8), 0);
  EXPECT_EQ(hash(Datum(-0.0), kFloat8), hash(Datum(0.0), kFloat8));
  EXPECT_EQ(compare(Datum("ab  "), Datum("ab"), kBpchar), 0);
  EXPECT_LT(compare(Datum("B"), Datum("a"), kText), 0);  // C collation
  EXPECT_EQ(compare(P("1 mon", kInterval), P("30 days", kInterval), kInterval), 0);
  EXPECT_LT(compare(P("{1,2}", kInt4Array), P("{1,2,3}", kInt4Array), kInt4Array), 0);
  EXPECT_GT(compare(P("{1,NULL}", kInt4Array), P("{1,5}", kInt4Array), kInt4Array), 0);
}

TEST(KeyCodec, IntegersAndFloats) {
  check_order({Datum(int64_t{INT64_MIN}), Datum(-5), Datum(0), Datum(7), Datum(INT64_MAX)}, kInt8);
  check_order({Datum(-1e300), Datum(-1.5), Datum(-0.0), Datum(0.0), Datum(1e-300), Datum(2.0),
               Datum(HUGE_VAL), Datum(std::nan(""))},
              kFloat8);
  check_order({Datum(false), Datum(true)}, kBool);
}

TEST(KeyCodec, Numeric) {
  std::vector<Datum> v;
  for (const char* s : {"-1000", "-1.55", "-1.5", "-1", "-0.001", "0", "0.00", "0.001", "0.01", "1",
                        "1.0", "1.5", "1.55", "10", "99.99", "100", "123456789012345678.9", "NaN"})
    v.push_back(P(s, kNumeric));
  check_order(v, kNumeric);
}

TEST(KeyCodec, Strings) {
  std::vector<Datum> v;
  for (std::string s :
       {std::string(""), std::string("\0", 1), std::string("\0a", 2), std::string("a"),
        std::string("a\0", 2), std::string("ab"), std::string("b"), std::string("\xff")})
    v.push_back(Datum(s));
  check_order(v, kText);
  check_order(v, kBytea);
  check_order({Datum("a"), Datum("a  "), Datum("ab")}, kBpchar);
}

TEST(KeyCodec, TimeAndOthers) {
  check_order({P("1999-12-31", kDate), P("2000-01-01", kDate), P("2024-01-15", kDate),
               P("infinity", kDate)},
              kDate);
  check_order({P("1999-12-31 23:59:59.999999", kTimestamp), P("2024-01-15 10:00", kTimestamp)},
              kTimestamp);
  check_order({P("-1 day", kInterval), P("1 hour", kInterval), P("1 mon 2 days", kInterval)},
              kInterval);
  check_order({P("00000000-0000-0000-0000-000000000001", kUuid),
               P("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", kUuid)},
              kUuid);
  check_order({P("{}", kInt4Array), P("{1}", kInt4Array), P("{1,2}", kInt4Array),
               P("{1,NULL}", kInt4Array), P("{2}", kInt4Array)},
              kInt4Array);
}

TEST(KeyCodec, NullsAndComposite) {
  std::string a = key(Datum(), kInt4, false, false);
  std::string b = key(Datum(5), kInt4, false, false);
  EXPECT_GT(a, b);                                                               // NULLS LAST
  EXPECT_LT(key(Datum(), kInt4, true, true), key(Datum(5), kInt4, true, true));  // NULLS FIRST
  // Composite (text, int4): ("a", 2) < ("ab", 1).
  std::string k1, k2;
  encode_key(k1, Datum("a"), kText);
  encode_key(k1, Datum(2), kInt4);
  encode_key(k2, Datum("ab"), kText);
  encode_key(k2, Datum(1), kInt4);
  EXPECT_LT(k1, k2);
  std::string_view in = k1;
  EXPECT_EQ(decode_key(in, kText).as_string(), "a");
  EXPECT_EQ(decode_key(in, kInt4).as_int(), 2);
  EXPECT_TRUE(in.empty());
  std::string_view nin = a;
  EXPECT_TRUE(decode_key(nin, kInt4).is_null());
}

TEST(KeyCodec, PrefixSuccessor) {
  EXPECT_EQ(prefix_successor("ab"), "ac");
  EXPECT_EQ(prefix_successor(std::string("a\xff\xff")), "b");
  EXPECT_EQ(prefix_successor(std::string("\xff")), "");
  EXPECT_EQ(prefix_successor(""), "");
}

TEST(RowCodec, RoundTrip) {
  std::vector<TypeRef> types = {{kInt4, -1},   {kInt8, -1},      {kText, -1},   {kBool, -1},
                                {kFloat8, -1}, {kNumeric, -1},   {kDate, -1},   {kInterval, -1},
                                {kUuid, -1},   {kInt4Array, -1}, {kFloat4, -1}, {kBytea, -1}};
  Row row = {Datum(-7),
             Datum(int64_t{1} << 40),
             Datum("hello"),
             Datum(true),
             Datum(2.5),
             P("-12345678901234567890.12345", kNumeric),
             P("2024-01-15", kDate),
             P("1 year 2 days 00:00:01", kInterval),
             P("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", kUuid),
             P("{1,NULL,3}", kInt4Array),
             Datum(0.5),
             Datum(std::string("\0\1", 2))};
  std::string enc = encode_row(row, types);
  Row back = decode_row(enc, types);
  ASSERT_EQ(back.size(), row.size());
  for (size_t i = 0; i < row.size(); ++i)
    EXPECT_EQ(to_text(back[i], types[i]), to_text(row[i], types[i])) << i;
  EXPECT_EQ(back[5].as_numeric().scale, 5);
  // NULLs and short rows (ADD COLUMN later).
  Row with_null = {Datum(), Datum(int64_t{3})};
  std::vector<TypeRef> two = {{kInt4, -1}, {kInt8, -1}};
  std::string e2 = encode_row(with_null, two);
  std::vector<TypeRef> three = {{kInt4, -1}, {kInt8, -1}, {kText, -1}};
  Row b2 = decode_row(e2, three);
  ASSERT_EQ(b2.size(), 3u);
  EXPECT_TRUE(b2[0].is_null());
  EXPECT_EQ(b2[1].as_int(), 3);
  EXPECT_TRUE(b2[2].is_null());
  EXPECT_EQ(stored_column_count(e2), 2u);
  EXPECT_THROW(decode_row(e2.substr(0, 1), two), SqlError);
}

}  // namespace
}  // namespace hf::sql::types

namespace hf::sql::types {
namespace {
// Equal as values: the same alternative, arrays element by element.
bool same_datum(const Datum& a, const Datum& b) {
  if (a.v.index() != b.v.index()) return false;
  if (!std::holds_alternative<ArrayPtr>(a.v)) return a.v == b.v;
  const auto &x = *a.as_array(), &y = *b.as_array();
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (!same_datum(x[i], y[i])) return false;
  return true;
}

TEST(RowCodec, SpillRowKeepsEveryKindOfDatum) {
  Uuid u;
  for (size_t i = 0; i < 16; ++i) u.bytes[i] = static_cast<uint8_t>(i * 17);
  Numeric big;
  big.unscaled = static_cast<__int128>(INT64_MAX) * 1000 + 7;
  big.scale = 5;
  Numeric nan;
  nan.nan = true;
  auto arr = std::make_shared<std::vector<Datum>>(std::vector<Datum>{
      Datum(int64_t{1}), Datum::Null(), Datum(std::string("x")),
      Datum(ArrayPtr(std::make_shared<std::vector<Datum>>(std::vector<Datum>{Datum(2.5)})))});
  Row row{Datum::Null(),
          Datum(true),
          Datum(false),
          Datum(INT64_MIN),
          Datum(int64_t{-1}),
          Datum(0.1f * 3),  // a float4 kept as double
          Datum(-0.0),
          Datum(std::string()),
          Datum(std::string("tab\there\0nul", 12)),
          Datum(big),
          Datum(nan),
          Datum(Interval{-5, 3, -14}),
          Datum(u),
          Datum(ArrayPtr(arr)),
          Datum(ArrayPtr(std::make_shared<std::vector<Datum>>()))};
  Row back = decode_spill_row(encode_spill_row(row));
  ASSERT_EQ(back.size(), row.size());
  for (size_t i = 0; i < row.size(); ++i)
    EXPECT_TRUE(same_datum(back[i], row[i])) << "column " << i;
  EXPECT_TRUE(decode_spill_row(encode_spill_row(Row{})).empty());
  std::string bytes = encode_spill_row(row);
  EXPECT_THROW(decode_spill_row(bytes.substr(0, bytes.size() - 1)), SqlError);
  bytes[1] = 42;  // no such kind
  EXPECT_THROW(decode_spill_row(bytes), SqlError);
}

TEST(Compare, PseudoTypedArrays) {
  // The binder may type array operands as anyarray (2277); comparison must still be by value.
  Datum a = from_text("{1,2}", TypeRef{type_oid::kInt4Array, -1});
  Datum b = from_text("{1,3}", TypeRef{type_oid::kInt4Array, -1});
  EXPECT_LT(compare(a, b, 2277), 0);
  EXPECT_FALSE(equal(a, b, 2277));
  EXPECT_TRUE(equal(a, a, 2277));
  EXPECT_EQ(to_text(a, TypeRef{2277, -1}), "{1,2}");
}
}  // namespace
}  // namespace hf::sql::types
