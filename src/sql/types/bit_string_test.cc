// Bit strings (bit_string.h) and bytea digests/encodings (binary_encoding.h): values checked
// against PostgreSQL 15's output.
#include "sql/types/bit_string.h"

#include <gtest/gtest.h>

#include <functional>

#include "common/error.h"
#include "sql/types/binary_encoding.h"

namespace hf::sql::types {
namespace {

std::string sqlstate_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const SqlError& e) {
    return e.error().sqlstate + " " + e.error().message;
  }
  return "no error";
}

TEST(BitString, InputTakesBinaryAndHexDigits) {
  EXPECT_EQ(parse_bit_string("101"), "101");
  EXPECT_EQ(parse_bit_string("b101"), "101");
  EXPECT_EQ(parse_bit_string("x1F"), "00011111");
  EXPECT_EQ(parse_bit_string("x"), "");
  EXPECT_EQ(sqlstate_of([] { parse_bit_string("102"); }),
            "22P02 \"2\" is not a valid binary digit");
  EXPECT_EQ(sqlstate_of([] { parse_bit_string("x1g"); }),
            "22P02 \"g\" is not a valid hexadecimal digit");
}

TEST(BitString, LengthIsExactForBitAndAtMostForVarbit) {
  const TypeRef bit3{type_oid::kBit, 3}, varbit3{type_oid::kVarbit, 3};
  EXPECT_EQ(fit_bit_string("1", bit3, true), "100");
  EXPECT_EQ(fit_bit_string("10111", bit3, true), "101");
  EXPECT_EQ(fit_bit_string("10111", varbit3, true), "101");
  EXPECT_EQ(fit_bit_string("1", varbit3, false), "1");
  EXPECT_EQ(sqlstate_of([&] { fit_bit_string("1010", bit3, false); }),
            "22026 bit string length 4 does not match type bit(3)");
  EXPECT_EQ(sqlstate_of([&] { fit_bit_string("1010", varbit3, false); }),
            "22026 bit string too long for type bit varying(3)");
}

TEST(BitString, IntegersConvertAsPostgreSQL) {
  // pg-boss's advisory lock key: ('x' || encode(sha224('abc'), 'hex'))::bit(64)::bigint.
  std::string key = fit_bit_string(parse_bit_string("x" + encode_bytes(sha224("abc"), "hex")),
                                   TypeRef{type_oid::kBit, 64}, true);
  EXPECT_EQ(bit_string_to_int(key, type_oid::kInt8), 2524686651973031970);
  EXPECT_EQ(bit_string_to_int(parse_bit_string("x8000000000000000"), type_oid::kInt8), INT64_MIN);
  EXPECT_EQ(bit_string_to_int("1111", type_oid::kInt4), 15);
  EXPECT_EQ(sqlstate_of([] { bit_string_to_int(std::string(65, '1'), type_oid::kInt8); }),
            "22003 bigint out of range");
  EXPECT_EQ(bit_string_from_int(5, 32, 4), "0101");
  EXPECT_EQ(bit_string_from_int(-1, 32, 40), std::string(40, '1'));
  EXPECT_EQ(bit_string_from_int(5, 64, 70), std::string(67, '0') + "101");
}

TEST(BitString, BinaryFormatPacksBits) {
  std::string wire = bit_string_to_binary("101");
  EXPECT_EQ(wire, std::string("\0\0\0\3\xa0", 5));
  EXPECT_EQ(bit_string_from_binary(wire), "101");
  EXPECT_EQ(sqlstate_of([] { bit_string_from_binary(std::string("\0\0\0\x10\xff", 5)); }),
            "22P03 invalid length in external bit string");
}

TEST(BitString, BitwiseOperatorsAndShifts) {
  EXPECT_EQ(bit_string_binary_op("10110", "01100", '&'), "00100");
  EXPECT_EQ(bit_string_binary_op("10110", "01100", '|'), "11110");
  EXPECT_EQ(bit_string_binary_op("10110", "01100", '#'), "11010");
  EXPECT_EQ(sqlstate_of([] { bit_string_binary_op("101", "01", '&'); }),
            "22026 cannot AND bit strings of different sizes");
  EXPECT_EQ(sqlstate_of([] { bit_string_binary_op("101", "01", '#'); }),
            "22026 cannot XOR bit strings of different sizes");
  EXPECT_EQ(bit_string_not("10110"), "01001");
  EXPECT_EQ(bit_string_shift_left("10110", 2), "11000");
  EXPECT_EQ(bit_string_shift_left("10110", -2), "00101");
  EXPECT_EQ(bit_string_shift_left("101", INT64_MIN + 1), "000");
  EXPECT_EQ(bit_string_shift_left("101", 0), "101");
}

TEST(BitString, GetAndSetBit) {
  EXPECT_EQ(bit_string_get_bit("10110", 0), 1);
  EXPECT_EQ(bit_string_get_bit("10110", 4), 0);
  EXPECT_EQ(bit_string_set_bit("10110", 1, 1), "11110");
  EXPECT_EQ(sqlstate_of([] { bit_string_get_bit("101", 3); }),
            "2202E bit index 3 out of valid range (0..2)");
  EXPECT_EQ(sqlstate_of([] { bit_string_set_bit("101", -1, 1); }),
            "2202E bit index -1 out of valid range (0..2)");
  EXPECT_EQ(sqlstate_of([] { bit_string_set_bit("101", 1, 2); }), "22023 new bit must be 0 or 1");
}

TEST(BinaryEncoding, DigestsAndEncodingsMatchPostgreSQL) {
  EXPECT_EQ(encode_bytes(sha256("abc"), "hex"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(encode_bytes(std::string("\0\xff\\A", 4), "escape"), "\\000\\377\\\\A");
  std::string ab40;
  for (int i = 0; i < 40; ++i) ab40 += "ab";
  EXPECT_EQ(encode_bytes(ab40, "Base64"),
            "YWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJh\n"
            "YmFiYWJhYmFiYWJhYmFiYWJhYmFiYWI=");
  EXPECT_EQ(decode_bytes(encode_bytes(ab40, "base64"), "base64"), ab40);
  EXPECT_EQ(decode_bytes("61 62", "hex"), "ab");
  EXPECT_EQ(decode_bytes("a\\\\b\\101", "escape"), "a\\bA");
  EXPECT_EQ(sqlstate_of([] { decode_bytes("YWJ", "base64"); }),
            "22023 invalid base64 end sequence");
  EXPECT_EQ(sqlstate_of([] { encode_bytes("x", "foo"); }), "22023 unrecognized encoding: \"foo\"");
}

}  // namespace
}  // namespace hf::sql::types
