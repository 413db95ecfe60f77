// sql/types/bit_string.cc — see bit_string.h.
#include "sql/types/bit_string.h"

#include "common/error.h"

namespace hf::sql::types {

namespace {

constexpr const char* kStringDataLengthMismatch = "22026";

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The (possibly multi-byte) character at s[i], quoted in messages.
std::string char_at(std::string_view s, size_t i) {
  const auto c = static_cast<uint8_t>(s[i]);
  size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
  return std::string(s.substr(i, n));
}

}  // namespace

std::string parse_bit_string(std::string_view s) {
  bool hex = false;
  if (!s.empty() && (s[0] == 'b' || s[0] == 'B')) {
    s.remove_prefix(1);
  } else if (!s.empty() && (s[0] == 'x' || s[0] == 'X')) {
    s.remove_prefix(1);
    hex = true;
  }
  std::string bits;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!hex) {
      if (s[i] != '0' && s[i] != '1')
        throw SqlError(sqlstate::kInvalidTextRepresentation,
                       "\"" + char_at(s, i) + "\" is not a valid binary digit");
      bits.push_back(s[i]);
      continue;
    }
    int v = hex_digit(s[i]);
    if (v < 0)
      throw SqlError(sqlstate::kInvalidTextRepresentation,
                     "\"" + char_at(s, i) + "\" is not a valid hexadecimal digit");
    for (int b = 3; b >= 0; --b) bits.push_back((v >> b) & 1 ? '1' : '0');
  }
  return bits;
}

std::string fit_bit_string(std::string bits, const TypeRef& t, bool explicit_cast) {
  if (t.typmod < 0) return bits;
  const size_t n = static_cast<size_t>(t.typmod);
  if (t.oid == type_oid::kBit) {
    if (bits.size() == n) return bits;
    if (!explicit_cast)
      throw SqlError(kStringDataLengthMismatch, "bit string length " + std::to_string(bits.size()) +
                                                    " does not match type bit(" +
                                                    std::to_string(n) + ")");
    bits.resize(n, '0');
    return bits;
  }
  if (bits.size() <= n) return bits;
  if (!explicit_cast)
    throw SqlError(kStringDataLengthMismatch,
                   "bit string too long for type bit varying(" + std::to_string(n) + ")");
  bits.resize(n);
  return bits;
}

std::string bit_string_to_binary(const std::string& bits) {
  std::string out;
  const auto len = static_cast<uint32_t>(bits.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(len >> shift));
  for (size_t i = 0; i < bits.size(); i += 8) {
    uint8_t byte = 0;
    for (size_t b = 0; b < 8; ++b)
      byte = static_cast<uint8_t>(byte << 1 | (i + b < bits.size() && bits[i + b] == '1'));
    out.push_back(static_cast<char>(byte));
  }
  return out;
}

std::string bit_string_from_binary(std::string_view data) {
  if (data.size() < 4)
    throw SqlError(sqlstate::kInvalidBinaryRepresentation, "insufficient data left in message");
  int64_t len = 0;
  for (int i = 0; i < 4; ++i) len = len << 8 | static_cast<uint8_t>(data[i]);
  if (len < 0 || len > (static_cast<int64_t>(data.size()) - 4) * 8)
    throw SqlError(sqlstate::kInvalidBinaryRepresentation, "invalid length in external bit string");
  std::string bits;
  for (int64_t i = 0; i < len; ++i)
    bits.push_back((static_cast<uint8_t>(data[4 + i / 8]) >> (7 - i % 8)) & 1 ? '1' : '0');
  return bits;
}

int64_t bit_string_to_int(const std::string& bits, Oid target) {
  const size_t width = target == type_oid::kInt8 ? 64 : 32;
  if (bits.size() > width)
    throw SqlError(sqlstate::kNumericValueOutOfRange,
                   target == type_oid::kInt8 ? "bigint out of range" : "integer out of range");
  uint64_t v = 0;
  for (char c : bits) v = v << 1 | (c == '1');
  if (width == 32) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

std::string bit_string_from_int(int64_t v, int width_of_source, int32_t typmod) {
  const int n = typmod < 1 ? 1 : typmod;
  std::string bits;
  bits.reserve(n);
  for (int i = n - 1; i >= 0; --i) {
    // Bits above the source's width repeat its sign bit.
    int from = i < width_of_source ? i : width_of_source - 1;
    bits.push_back((static_cast<uint64_t>(v) >> from) & 1 ? '1' : '0');
  }
  return bits;
}

std::string bit_string_binary_op(const std::string& a, const std::string& b, char op) {
  if (a.size() != b.size())
    throw SqlError(kStringDataLengthMismatch, std::string("cannot ") +
                                                  (op == '&'   ? "AND"
                                                   : op == '|' ? "OR"
                                                               : "XOR") +
                                                  " bit strings of different sizes");
  std::string out(a.size(), '0');
  for (size_t i = 0; i < a.size(); ++i) {
    const bool x = a[i] == '1', y = b[i] == '1';
    const bool r = op == '&' ? x && y : op == '|' ? x || y : x != y;
    out[i] = r ? '1' : '0';
  }
  return out;
}

std::string bit_string_not(const std::string& bits) {
  std::string out = bits;
  for (char& c : out) c = c == '1' ? '0' : '1';
  return out;
}

std::string bit_string_shift_left(const std::string& bits, int64_t count) {
  const int64_t n = static_cast<int64_t>(bits.size());
  std::string out(bits.size(), '0');
  if (count >= n || count <= -n) return out;  // every bit shifted out
  for (int64_t i = 0; i < n; ++i) {
    const int64_t from = i + count;
    if (from >= 0 && from < n) out[static_cast<size_t>(i)] = bits[static_cast<size_t>(from)];
  }
  return out;
}

namespace {

void check_bit_index(const std::string& bits, int64_t n) {
  if (n < 0 || n >= static_cast<int64_t>(bits.size()))
    throw SqlError("2202E", "bit index " + std::to_string(n) + " out of valid range (0.." +
                                std::to_string(static_cast<int64_t>(bits.size()) - 1) + ")");
}

}  // namespace

int64_t bit_string_get_bit(const std::string& bits, int64_t n) {
  check_bit_index(bits, n);
  return bits[static_cast<size_t>(n)] == '1' ? 1 : 0;
}

std::string bit_string_set_bit(std::string bits, int64_t n, int64_t value) {
  check_bit_index(bits, n);
  if (value != 0 && value != 1)
    throw SqlError(sqlstate::kInvalidParameterValue, "new bit must be 0 or 1");
  bits[static_cast<size_t>(n)] = value ? '1' : '0';
  return bits;
}

}  // namespace hf::sql::types
