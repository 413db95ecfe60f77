// sql/types/hashing.cc — see hashing.h.
#include "sql/types/hashing.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace hf::sql::types {

namespace {

constexpr uint32_t rotl(uint32_t x, int k) {
  return std::rotl(x, k);
}

// lookup3's reversible mix of three words.
void mix(uint32_t& a, uint32_t& b, uint32_t& c) {
  a -= c, a ^= rotl(c, 4), c += b;
  b -= a, b ^= rotl(a, 6), a += c;
  c -= b, c ^= rotl(b, 8), b += a;
  a -= c, a ^= rotl(c, 16), c += b;
  b -= a, b ^= rotl(a, 19), a += c;
  c -= b, c ^= rotl(b, 4), b += a;
}

// lookup3's final avalanche of (a, b, c) into c (and b, which the 64-bit result keeps).
void final_mix(uint32_t& a, uint32_t& b, uint32_t& c) {
  c ^= b, c -= rotl(b, 14);
  a ^= c, a -= rotl(c, 11);
  b ^= a, b -= rotl(a, 25);
  c ^= b, c -= rotl(b, 16);
  a ^= c, a -= rotl(c, 4);
  b ^= a, b -= rotl(a, 14);
  c ^= b, c -= rotl(b, 24);
}

// The state before any data: PostgreSQL's initial value, then the seed as a first 12-byte
// block (its high word, its low word, zero).
void start(uint32_t& a, uint32_t& b, uint32_t& c, uint32_t len, uint64_t seed) {
  a = b = c = 0x9e3779b9u + len + 3923095u;
  if (seed != 0) {
    a += static_cast<uint32_t>(seed >> 32);
    b += static_cast<uint32_t>(seed);
    mix(a, b, c);
  }
}

// `n` (<= 4) bytes as a little-endian word.
uint32_t le_word(const uint8_t* p, size_t n) {
  uint32_t w = 0;
  for (size_t i = 0; i < n; ++i) w |= static_cast<uint32_t>(p[i]) << (8 * i);
  return w;
}

uint64_t result(uint32_t b, uint32_t c) {
  return (static_cast<uint64_t>(b) << 32) | c;
}

uint64_t hash_string(const std::string& s, uint64_t seed) {
  return hash_bytes_extended(reinterpret_cast<const uint8_t*>(s.data()), s.size(), seed);
}

// hashfloat8extended: +0 and -0 hash as the seed itself; every NaN as the one NaN.
uint64_t hash_float8(double v, uint64_t seed) {
  if (v == 0) return seed;
  if (std::isnan(v)) v = std::numeric_limits<double>::quiet_NaN();
  uint8_t bytes[sizeof v];
  std::memcpy(bytes, &v, sizeof v);
  return hash_bytes_extended(bytes, sizeof v, seed);
}

// hashint8extended: the low word folded with the high one (inverted for negatives), so a
// value that fits in int4 hashes as its int4 does.
uint64_t hash_int8(int64_t v, uint64_t seed) {
  const uint64_t u = static_cast<uint64_t>(v);
  uint32_t lo = static_cast<uint32_t>(u);
  const uint32_t hi = static_cast<uint32_t>(u >> 32);
  lo ^= v >= 0 ? hi : ~hi;
  return hash_uint32_extended(lo, seed);
}

// hash_numeric_extended: the value's base-10000 digits as PostgreSQL stores them, without
// leading and trailing zero digits (so 1.50 and 1.5 hash alike), then the weight (the power
// of 10000 of the first digit) mixed in. Zero hashes as seed - 1, NaN as the seed.
uint64_t hash_numeric(const Numeric& n, uint64_t seed) {
  if (n.nan) return seed;
  unsigned __int128 magnitude =
      n.unscaled < 0 ? -static_cast<unsigned __int128>(n.unscaled) : n.unscaled;
  std::string digits;
  for (; magnitude != 0; magnitude /= 10) digits.insert(digits.begin(), char('0' + magnitude % 10));
  if (digits.empty()) return seed - 1;
  // Align the decimal point to a digit boundary on both sides.
  int scale = n.scale;
  while (scale % 4 != 0) digits += '0', ++scale;
  while (scale < 0) digits += '0', ++scale;  // a negative scale: trailing integer zeros
  int integer_digits = static_cast<int>(digits.size()) - scale;
  while (integer_digits % 4 != 0 || integer_digits < 0)
    digits.insert(digits.begin(), '0'), ++integer_digits;
  int weight = integer_digits / 4 - 1;
  std::vector<uint16_t> groups;
  for (size_t i = 0; i < digits.size(); i += 4)
    groups.push_back(static_cast<uint16_t>(std::stoi(digits.substr(i, 4))));
  size_t first = 0, last = groups.size();
  while (groups[first] == 0) ++first, --weight;
  while (groups[last - 1] == 0) --last;
  std::vector<uint8_t> bytes;
  for (size_t i = first; i < last; ++i) {
    bytes.push_back(static_cast<uint8_t>(groups[i]));
    bytes.push_back(static_cast<uint8_t>(groups[i] >> 8));
  }
  return hash_bytes_extended(bytes.data(), bytes.size(), seed) ^
         static_cast<uint64_t>(static_cast<int64_t>(weight));
}

}  // namespace

uint64_t hash_bytes_extended(const uint8_t* k, size_t len, uint64_t seed) {
  uint32_t a, b, c;
  start(a, b, c, static_cast<uint32_t>(len), seed);
  while (len >= 12) {
    a += le_word(k, 4);
    b += le_word(k + 4, 4);
    c += le_word(k + 8, 4);
    mix(a, b, c);
    k += 12;
    len -= 12;
  }
  // The last 0-11 bytes: up to four into a, four into b, three into c above its low byte
  // (which lookup3 reserves for the length).
  if (len > 8) c += le_word(k + 8, len - 8) << 8;
  if (len > 4) b += le_word(k + 4, std::min<size_t>(len - 4, 4));
  if (len > 0) a += le_word(k, std::min<size_t>(len, 4));
  final_mix(a, b, c);
  return result(b, c);
}

uint64_t hash_uint32_extended(uint32_t value, uint64_t seed) {
  uint32_t a, b, c;
  start(a, b, c, 4, seed);
  a += value;
  final_mix(a, b, c);
  return result(b, c);
}

bool has_extended_hash(Oid type) {
  switch (type) {
    case type_oid::kBool:
    case type_oid::kChar:
    case type_oid::kInt2:
    case type_oid::kInt4:
    case type_oid::kInt8:
    case type_oid::kOid:
    case type_oid::kDate:
    case type_oid::kTime:
    case type_oid::kTimestamp:
    case type_oid::kTimestampTz:
    case type_oid::kFloat4:
    case type_oid::kFloat8:
    case type_oid::kText:
    case type_oid::kVarchar:
    case type_oid::kBpchar:
    case type_oid::kName:
    case type_oid::kBytea:
    case type_oid::kUuid:
    case type_oid::kNumeric:
      return true;
    default:
      return false;
  }
}

uint64_t hash_value_extended(const Datum& v, const TypeRef& type, uint64_t seed) {
  switch (type.oid) {
    case type_oid::kBool:  // hashcharextended of the bool's byte
      return hash_uint32_extended(v.as_bool() ? 1 : 0, seed);
    case type_oid::kChar: {  // hashcharextended: the byte as a signed char
      const std::string& s = v.as_string();
      const int32_t ch = s.empty() ? 0 : static_cast<signed char>(s[0]);
      return hash_uint32_extended(static_cast<uint32_t>(ch), seed);
    }
    case type_oid::kInt2:
    case type_oid::kInt4:
    case type_oid::kDate:
      return hash_uint32_extended(static_cast<uint32_t>(static_cast<int32_t>(v.as_int())), seed);
    case type_oid::kOid:
      return hash_uint32_extended(static_cast<uint32_t>(v.as_int()), seed);
    case type_oid::kInt8:
    case type_oid::kTime:
    case type_oid::kTimestamp:
    case type_oid::kTimestampTz:
      return hash_int8(v.as_int(), seed);
    case type_oid::kFloat4:  // hashfloat4extended widens to float8 first
      return hash_float8(static_cast<double>(static_cast<float>(v.as_double())), seed);
    case type_oid::kFloat8:
      return hash_float8(v.as_double(), seed);
    case type_oid::kBpchar: {  // trailing blanks do not count (bpchar's equality ignores them)
      const std::string& s = v.as_string();
      const size_t end = s.find_last_not_of(' ');
      return hash_bytes_extended(reinterpret_cast<const uint8_t*>(s.data()),
                                 end == std::string::npos ? 0 : end + 1, seed);
    }
    case type_oid::kNumeric:
      return hash_numeric(v.as_numeric(), seed);
    case type_oid::kUuid: {
      const auto& bytes = v.as_uuid().bytes;
      return hash_bytes_extended(bytes.data(), bytes.size(), seed);
    }
    default:  // text, varchar, name, bytea: the bytes (the default collation is deterministic)
      return hash_string(v.as_string(), seed);
  }
}

uint64_t partition_hash(const std::vector<Datum>& key, const std::vector<TypeRef>& types) {
  uint64_t row_hash = 0;
  for (size_t i = 0; i < key.size(); ++i) {
    if (key[i].is_null()) continue;
    const uint64_t h = hash_value_extended(key[i], types[i], kHashPartitionSeed);
    row_hash ^= h + 0x49a0f4dd15e5a8e3ull + (row_hash << 54) + (row_hash >> 7);  // hash_combine64
  }
  return row_hash;
}

}  // namespace hf::sql::types
