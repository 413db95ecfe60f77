// sql/types/key_codec.cc — order-preserving, self-delimiting key encoding.
//
// Per column: a marker byte (0x00 NULL when nulls_first, 0x01 value, 0x02 NULL when nulls
// last), then the value bytes; DESC complements the value bytes (not the marker).
//   integers, date, time, timestamp[tz]: 8 bytes big-endian, sign bit flipped
//   bool: 1 byte; uuid: 16 raw bytes
//   float: IEEE bits transformed to sort as numbers (NaN greatest, -0 == 0)
//   text-like/bytea: bytes with 0x00 escaped as 0x00 0xFF, terminated by 0x00 0x01
//   numeric: class byte (1 neg, 2 zero, 3 pos, 4 NaN), then decimal exponent (2 bytes) and
//            digits (each +1) ended by 0x00, all complemented for negatives
//   interval: 16-byte comparison span, then months/days/micros so decode is exact (note:
//            '1 mon' and '30 days' compare equal yet encode differently)
//   arrays: per element 0x01 + value or 0x02 for NULL, ended by 0x00
//   enums: the label's sort order as a float, then the label as text (so decode needs no
//          registry; the sort order alone decides the order, labels are unique per type)
#include "sql/types/key_codec.h"

#include <cmath>
#include <cstring>

#include "sql/types/composite_types.h"
#include "sql/types/enum_types.h"
#include "sql/types/internal.h"
#include "sql/types/type_info.h"

namespace hf::sql::types {

using namespace hf::type_oid;  // NOLINT
using namespace internal;      // NOLINT

namespace {

void put_u64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (56 - 8 * i));
  out.append(b, 8);
}

void put_string(std::string& out, std::string_view s) {
  // Every key of every row read or written: the runs between NULs go in one append each.
  while (!s.empty()) {
    const void* nul = std::memchr(s.data(), '\0', s.size());
    if (nul == nullptr) {
      out.append(s.data(), s.size());
      break;
    }
    const size_t n = static_cast<size_t>(static_cast<const char*>(nul) - s.data());
    out.append(s.data(), n);
    out.append("\0\xff", 2);
    s.remove_prefix(n + 1);
  }
  out.append("\0\x01", 2);
}

// The type an anonymous record's field is encoded as: the one its representation implies
// (a nested array or record as a record; text where nothing else fits).
Oid record_field_type(const Datum& d) {
  if (d.v.index() == 8) return kRecord;
  Oid t = internal::representation_type(d.v.index());
  return t != 0 ? t : kText;
}

void encode_value(std::string& out, const Datum& d, Oid type);

void put_double(std::string& out, double x) {
  uint64_t u;
  if (std::isnan(x)) {
    u = UINT64_MAX;
  } else {
    if (x == 0) x = 0;
    memcpy(&u, &x, 8);
    u = (u & (1ULL << 63)) ? ~u : (u | (1ULL << 63));
  }
  put_u64(out, u);
}

void encode_numeric(std::string& out, const Numeric& n0) {
  if (n0.nan) {
    out.push_back(4);
    return;
  }
  Numeric n = numeric_normalize(n0);
  if (n.unscaled == 0) {
    out.push_back(2);
    return;
  }
  bool neg = n.unscaled < 0;
  __int128 u = neg ? -n.unscaled : n.unscaled;
  char digits[48];
  int nd = 0;
  while (u != 0) {
    digits[nd++] = static_cast<char>(u % 10);
    u /= 10;
  }
  int exp = nd - n.scale;  // position of the leading digit
  size_t start = out.size();
  out.push_back(neg ? 1 : 3);
  uint16_t e = static_cast<uint16_t>(exp + 0x8000);
  out.push_back(static_cast<char>(e >> 8));
  out.push_back(static_cast<char>(e & 0xff));
  for (int i = nd - 1; i >= 0; --i) out.push_back(static_cast<char>(digits[i] + 1));
  out.push_back('\0');
  if (neg)
    for (size_t i = start + 1; i < out.size(); ++i) out[i] = static_cast<char>(~out[i]);
}

void encode_value(std::string& out, const Datum& d, Oid type) {
  switch (type) {
    case kBool:
      out.push_back(d.as_bool() ? 1 : 0);
      return;
    case kFloat4:
    case kFloat8:
      put_double(out, d.as_double());
      return;
    case kNumeric:
      encode_numeric(out, d.as_numeric());
      return;
    case kBpchar: {
      std::string_view s = d.as_string();
      while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
      put_string(out, s);
      return;
    }
    case kText:
    case kVarchar:
    case kName:
    case kBytea:
    case kBit:
    case kVarbit:
    case kChar:
    case kUnknown:
    case kJson:
    case kJsonb:
      put_string(out, d.as_string());
      return;
    case kInterval: {
      const Interval& iv = d.as_interval();
      auto span = static_cast<unsigned __int128>(interval_span(iv)) ^
                  (static_cast<unsigned __int128>(1) << 127);
      put_u64(out, static_cast<uint64_t>(span >> 64));
      put_u64(out, static_cast<uint64_t>(span));
      put_u64(out, static_cast<uint64_t>(static_cast<int64_t>(iv.months)) ^ (1ULL << 63));
      put_u64(out, static_cast<uint64_t>(static_cast<int64_t>(iv.days)) ^ (1ULL << 63));
      return;
    }
    case kUuid:
      out.append(reinterpret_cast<const char*>(d.as_uuid().bytes.data()), 16);
      return;
    default:
      break;
  }
  if (type >= kFirstUserTypeOid) {
    if (auto e = find_enum(type)) {
      const std::string& label = d.as_string();
      auto order = e->sort_order_of(label);
      if (!order)
        throw_error(sqlstate::kInvalidTextRepresentation,
                    "invalid input value for enum " + e->display_name() + ": \"" + label + "\"");
      put_double(out, *order);
      put_string(out, label);
      return;
    }
  }
  Oid elem = array_elem_type(type);
  auto composite = elem == 0 ? find_composite(type) : nullptr;
  if (elem != 0 || composite || type == kRecord) {
    // Elements, or a composite's fields (each with its type; an anonymous record's by what
    // its values are), in order, each marked present or NULL.
    const auto& items = *d.as_array();
    for (size_t i = 0; i < items.size(); ++i) {
      const Datum& e = items[i];
      if (e.is_null()) {
        out.push_back(2);
        continue;
      }
      out.push_back(1);
      Oid t = elem;
      if (composite) t = i < composite->fields.size() ? composite->fields[i].type.oid : kText;
      if (type == kRecord) t = record_field_type(e);
      encode_value(out, e, t);
    }
    out.push_back(0);
    return;
  }
  // Integers and integer-like time types.
  put_u64(out, static_cast<uint64_t>(d.as_int()) ^ (1ULL << 63));
}

[[noreturn]] void corrupt() {
  throw_error(sqlstate::kInternalError, "corrupt index key");
}

struct KeyReader {
  std::string_view& in;
  uint8_t mask;
  uint8_t byte() {
    if (in.empty()) corrupt();
    uint8_t b = static_cast<uint8_t>(in[0]) ^ mask;
    in.remove_prefix(1);
    return b;
  }
  uint64_t u64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | byte();
    return v;
  }
  std::string str() {
    std::string s;
    while (true) {
      uint8_t b = byte();
      if (b == 0) {
        uint8_t n = byte();
        if (n == 1) return s;
        if (n != 0xff) corrupt();
        s.push_back('\0');
      } else {
        s.push_back(static_cast<char>(b));
      }
    }
  }
};

Datum decode_value(KeyReader& r, Oid type) {
  switch (type) {
    case kBool:
      return Datum(r.byte() != 0);
    case kFloat4:
    case kFloat8: {
      uint64_t u = r.u64();
      if (u == UINT64_MAX) return Datum(std::nan(""));
      u = (u & (1ULL << 63)) ? (u & ~(1ULL << 63)) : ~u;
      double x;
      memcpy(&x, &u, 8);
      return Datum(x);
    }
    case kNumeric: {
      uint8_t cls = r.byte();
      if (cls == 4) return Datum(Numeric{0, 0, true});
      if (cls == 2) return Datum(Numeric{});
      if (cls != 1 && cls != 3) corrupt();
      bool neg = cls == 1;
      uint8_t m2 = neg ? 0xff : 0;
      int exp = ((r.byte() ^ m2) << 8) | (r.byte() ^ m2);
      exp -= 0x8000;
      __int128 u = 0;
      int nd = 0;
      while (true) {
        uint8_t b = r.byte() ^ m2;
        if (b == 0) break;
        u = u * 10 + (b - 1);
        ++nd;
      }
      int scale = nd - exp;
      if (scale < 0) {
        u *= pow10(-scale);
        scale = 0;
      }
      return Datum(Numeric{neg ? -u : u, scale, false});
    }
    case kBpchar:
    case kText:
    case kVarchar:
    case kName:
    case kBytea:
    case kBit:
    case kVarbit:
    case kChar:
    case kUnknown:
    case kJson:
    case kJsonb:
      return Datum(r.str());
    case kInterval: {
      uint64_t hi = r.u64(), lo = r.u64();
      __int128 span = static_cast<__int128>(((static_cast<unsigned __int128>(hi) << 64) | lo) ^
                                            (static_cast<unsigned __int128>(1) << 127));
      Interval iv;
      iv.months = static_cast<int32_t>(static_cast<int64_t>(r.u64() ^ (1ULL << 63)));
      iv.days = static_cast<int32_t>(static_cast<int64_t>(r.u64() ^ (1ULL << 63)));
      iv.micros = static_cast<int64_t>(span - (static_cast<__int128>(iv.months) * 30 + iv.days) *
                                                  kUsecsPerDay);
      return Datum(iv);
    }
    case kUuid: {
      Uuid u;
      for (auto& b : u.bytes) b = r.byte();
      return Datum(u);
    }
    default:
      break;
  }
  if (type >= kFirstUserTypeOid && find_enum(type)) {
    r.u64();  // the sort order; the label follows
    return Datum(r.str());
  }
  Oid elem = array_elem_type(type);
  auto composite = elem == 0 ? find_composite(type) : nullptr;
  if (type == kRecord)
    throw_error(sqlstate::kFeatureNotSupported, "keys of anonymous records cannot be decoded");
  if (elem != 0 || composite) {
    auto out = std::make_shared<std::vector<Datum>>();
    while (true) {
      uint8_t m = r.byte();
      if (m == 0) break;
      Oid t = elem;
      if (composite)
        t = out->size() < composite->fields.size() ? composite->fields[out->size()].type.oid
                                                   : kText;
      if (m == 2)
        out->push_back(Datum::Null());
      else
        out->push_back(decode_value(r, t));
    }
    return Datum(ArrayPtr(out));
  }
  return Datum(static_cast<int64_t>(r.u64() ^ (1ULL << 63)));
}

}  // namespace

void encode_key(std::string& out, const Datum& d, Oid type, bool descending, bool nulls_first) {
  if (d.is_null()) {
    out.push_back(nulls_first ? 0 : 2);
    return;
  }
  out.push_back(1);
  size_t start = out.size();
  encode_value(out, d, type);
  if (descending)
    for (size_t i = start; i < out.size(); ++i) out[i] = static_cast<char>(~out[i]);
}

Datum decode_key(std::string_view& in, Oid type, bool descending) {
  if (in.empty()) corrupt();
  uint8_t marker = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  if (marker != 1) return Datum::Null();
  KeyReader r{in, static_cast<uint8_t>(descending ? 0xff : 0)};
  return decode_value(r, type);
}

std::string prefix_successor(std::string_view key) {
  std::string s(key);
  while (!s.empty() && static_cast<uint8_t>(s.back()) == 0xff) s.pop_back();
  if (s.empty()) return "";
  s.back() = static_cast<char>(static_cast<uint8_t>(s.back()) + 1);
  return s;
}

}  // namespace hf::sql::types
