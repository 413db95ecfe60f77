// sql/types/bit_string.h — PostgreSQL's bit(n) and bit varying(n) (varbit) values.
//
// A bit string is held as a Datum string of '0' and '1' characters, one per bit, most
// significant first: its text output as is, and byte order equals PostgreSQL's bit_cmp order
// (a shorter string that is a prefix of a longer one sorts first).
//
// Promises PostgreSQL 15's input syntax (binary digits, B'...' / X'...' prefixes: 'x1f' is
// 00011111), its length rules (bit(n) exact in input and assignment, zero-padded or truncated
// by an explicit cast; varbit(n) at most n, truncated by an explicit cast), its conversions to
// and from integers, and its errors (22P02, 22026, 22003) word for word.
// Pure functions; thread-safe; never suspend.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/datum.h"

namespace hf::sql::types {

// bit_in / varbit_in without a length: "101", "b101", "x1F". Throws 22P02.
std::string parse_bit_string(std::string_view text);
// The value fitted to t (kBit or kVarbit; typmod: the length, < 0: none). explicit_cast: pad
// or truncate as a cast does; otherwise 22026 as input and assignment do.
std::string fit_bit_string(std::string bits, const TypeRef& t, bool explicit_cast);
// Binary send/receive: int32 bit length, then the bits packed in bytes, zero-padded.
std::string bit_string_to_binary(const std::string& bits);
std::string bit_string_from_binary(std::string_view data);
// bit -> int4/int8: the bits as an unsigned number, wrapped to the target's width; 22003 when
// the string has more bits than the target. int -> bit(n): the low n bits (n < 1: 1), the
// sign extended when n is wider than the integer.
int64_t bit_string_to_int(const std::string& bits, Oid target);
std::string bit_string_from_int(int64_t v, int width_of_source, int32_t typmod);

// Bitwise operators on bit strings (PostgreSQL's varbit.c): op is '&', '|' or '#' (the two
// strings must have one length: 22026 "cannot AND bit strings of different sizes"); not
// inverts; shift moves the bits left (count > 0) or right (count < 0), the length kept and
// zeros shifted in.
std::string bit_string_binary_op(const std::string& a, const std::string& b, char op);
std::string bit_string_not(const std::string& bits);
std::string bit_string_shift_left(const std::string& bits, int64_t count);
// get_bit / set_bit: the bit at index n (0 = the first); 2202E when n is outside the string,
// 22023 when the new value is not 0 or 1.
int64_t bit_string_get_bit(const std::string& bits, int64_t n);
std::string bit_string_set_bit(std::string bits, int64_t n, int64_t value);

}  // namespace hf::sql::types
