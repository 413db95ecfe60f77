// sql/types/row_codec.cc — compact stored row format.
//
// Layout: varint column count N, null bitmap of ceil(N/8) bytes (bit set = NULL), then each
// non-null column: integer-like types as zigzag varints, bool 1 byte, float8 8 bytes LE,
// float4 4 bytes LE, strings varint length + bytes, numeric flags byte + varint scale +
// zigzag varint of the unscaled value in two 64-bit halves, interval three zigzag varints,
// uuid 16 bytes, arrays varint count + per element a null byte and the element encoding.
#include "sql/types/row_codec.h"

#include <cstring>

#include "sql/types/enum_types.h"
#include "sql/types/internal.h"
#include "sql/types/type_info.h"

namespace hf::sql::types {

using namespace hf::type_oid;  // NOLINT
using namespace internal;      // NOLINT

namespace {

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void put_zigzag(std::string& out, int64_t v) {
  put_varint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

[[noreturn]] void corrupt() {
  throw_error(sqlstate::kInternalError, "corrupt stored row");
}

struct In {
  std::string_view s;
  size_t i = 0;
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (i >= s.size()) corrupt();
      uint8_t b = static_cast<uint8_t>(s[i++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    corrupt();
  }
  int64_t zigzag() {
    uint64_t u = varint();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  std::string_view take(size_t n) {
    if (i + n > s.size()) corrupt();
    auto r = s.substr(i, n);
    i += n;
    return r;
  }
};

void put_value(std::string& out, const Datum& d, Oid type) {
  switch (type) {
    case kBool:
      out.push_back(d.as_bool() ? 1 : 0);
      return;
    case kFloat8: {
      double x = d.as_double();
      char b[8];
      memcpy(b, &x, 8);
      out.append(b, 8);
      return;
    }
    case kFloat4: {
      float x = static_cast<float>(d.as_double());
      char b[4];
      memcpy(b, &x, 4);
      out.append(b, 4);
      return;
    }
    case kNumeric: {
      const Numeric& n = d.as_numeric();
      out.push_back(n.nan ? 1 : 0);
      if (n.nan) return;
      put_zigzag(out, n.scale);
      __int128 u = n.unscaled;
      int64_t hi = static_cast<int64_t>(u >> 64);
      uint64_t lo = static_cast<uint64_t>(u);
      put_zigzag(out, hi);
      put_varint(out, lo);
      return;
    }
    case kInterval: {
      const Interval& iv = d.as_interval();
      put_zigzag(out, iv.months);
      put_zigzag(out, iv.days);
      put_zigzag(out, iv.micros);
      return;
    }
    case kUuid:
      out.append(reinterpret_cast<const char*>(d.as_uuid().bytes.data()), 16);
      return;
    default:
      break;
  }
  if (std::holds_alternative<std::string>(d.v)) {
    const std::string& s = d.as_string();
    put_varint(out, s.size());
    out += s;
    return;
  }
  Oid elem = array_elem_type(type);
  if (elem != 0) {
    const auto& arr = *d.as_array();
    put_varint(out, arr.size());
    for (const Datum& e : arr) {
      out.push_back(e.is_null() ? 1 : 0);
      if (!e.is_null()) put_value(out, e, elem);
    }
    return;
  }
  put_zigzag(out, d.as_int());
}

// A type whose stored form holds Datum alternative `index` (the tagged spill form).
Oid tagged_type(size_t index) {
  Oid t = representation_type(index);
  if (t == 0) corrupt();
  return t;
}

Datum get_value(In& in, Oid type) {
  switch (type) {
    case kBool:
      return Datum(in.take(1)[0] != 0);
    case kFloat8: {
      double x;
      memcpy(&x, in.take(8).data(), 8);
      return Datum(x);
    }
    case kFloat4: {
      float x;
      memcpy(&x, in.take(4).data(), 4);
      return Datum(static_cast<double>(x));
    }
    case kNumeric: {
      if (in.take(1)[0] != 0) return Datum(Numeric{0, 0, true});
      Numeric n;
      n.scale = static_cast<int32_t>(in.zigzag());
      int64_t hi = in.zigzag();
      uint64_t lo = in.varint();
      n.unscaled = static_cast<__int128>((static_cast<unsigned __int128>(hi) << 64) | lo);
      return Datum(n);
    }
    case kInterval: {
      Interval iv;
      iv.months = static_cast<int32_t>(in.zigzag());
      iv.days = static_cast<int32_t>(in.zigzag());
      iv.micros = in.zigzag();
      return Datum(iv);
    }
    case kUuid: {
      Uuid u;
      memcpy(u.bytes.data(), in.take(16).data(), 16);
      return Datum(u);
    }
    case kText:
    case kVarchar:
    case kBpchar:
    case kName:
    case kBytea:
    case kBit:
    case kVarbit:
    case kChar:
    case kUnknown:
    case kJson:
    case kJsonb:
    case kCstring: {
      size_t n = in.varint();
      return Datum(std::string(in.take(n)));
    }
    default:
      break;
  }
  if (type >= kFirstUserTypeOid && find_enum(type)) {  // an enum: its label
    size_t n = in.varint();
    return Datum(std::string(in.take(n)));
  }
  Oid elem = array_elem_type(type);
  if (elem != 0) {
    size_t n = in.varint();
    if (n > in.s.size()) corrupt();
    auto out = std::make_shared<std::vector<Datum>>();
    out->reserve(n);
    for (size_t k = 0; k < n; ++k) {
      if (in.take(1)[0] != 0)
        out->push_back(Datum::Null());
      else
        out->push_back(get_value(in, elem));
    }
    return Datum(ArrayPtr(out));
  }
  return Datum(in.zigzag());
}

}  // namespace

std::string encode_row(const Row& row, const std::vector<TypeRef>& types) {
  std::string out;
  size_t n = row.size();
  out.reserve(8 + n * 6);
  put_varint(out, n);
  size_t bm = out.size();
  out.append((n + 7) / 8, '\0');
  for (size_t c = 0; c < n; ++c) {
    if (row[c].is_null()) {
      out[bm + c / 8] = static_cast<char>(out[bm + c / 8] | (1 << (c % 8)));
      continue;
    }
    put_value(out, row[c], c < types.size() ? types[c].oid : kUnknown);
  }
  return out;
}

Row decode_row(std::string_view bytes, const std::vector<TypeRef>& types) {
  In in{bytes};
  size_t n = in.varint();
  if (n > bytes.size() * 8) corrupt();
  if (n > types.size())
    throw_error(sqlstate::kInternalError, "stored row has " + std::to_string(n) +
                                              " columns but its descriptor only " +
                                              std::to_string(types.size()));
  std::string_view bitmap = in.take((n + 7) / 8);
  Row row(types.size());
  for (size_t c = 0; c < n; ++c) {
    if (static_cast<uint8_t>(bitmap[c / 8]) & (1 << (c % 8))) continue;
    row[c] = get_value(in, types[c].oid);
  }
  if (in.i != bytes.size()) corrupt();
  return row;
}

namespace {

// Temporary-file form of one value: its Datum alternative's index, then the stored encoding
// of a type that holds that alternative (arrays: count, then each element tagged).
void put_tagged(std::string& out, const Datum& d) {
  out.push_back(static_cast<char>(d.v.index()));
  if (d.is_null()) return;
  if (std::holds_alternative<ArrayPtr>(d.v)) {
    const auto& arr = *d.as_array();
    put_varint(out, arr.size());
    for (const Datum& e : arr) put_tagged(out, e);
    return;
  }
  put_value(out, d, tagged_type(d.v.index()));
}

Datum get_tagged(In& in) {
  size_t kind = static_cast<uint8_t>(in.take(1)[0]);
  if (kind == 0) return Datum::Null();
  if (kind == 8) {  // ArrayPtr (static_assert at representation_type)
    size_t n = in.varint();
    if (n > in.s.size()) corrupt();
    auto out = std::make_shared<std::vector<Datum>>();
    out->reserve(n);
    for (size_t k = 0; k < n; ++k) out->push_back(get_tagged(in));
    return Datum(ArrayPtr(out));
  }
  if (kind >= std::variant_size_v<Datum::Value>) corrupt();
  return get_value(in, tagged_type(kind));
}

}  // namespace

std::string encode_spill_row(const Row& row) {
  std::string out;
  out.reserve(8 + row.size() * 6);
  put_varint(out, row.size());
  for (const Datum& d : row) put_tagged(out, d);
  return out;
}

Row decode_spill_row(std::string_view bytes) {
  In in{bytes};
  size_t n = in.varint();
  if (n > bytes.size()) corrupt();
  Row row;
  row.reserve(n);
  for (size_t c = 0; c < n; ++c) row.push_back(get_tagged(in));
  if (in.i != bytes.size()) corrupt();
  return row;
}

size_t stored_column_count(std::string_view bytes) {
  In in{bytes};
  return in.varint();
}

namespace internal {

static_assert(std::is_same_v<std::variant_alternative_t<2, Datum::Value>, int64_t> &&
                  std::is_same_v<std::variant_alternative_t<4, Datum::Value>, std::string> &&
                  std::is_same_v<std::variant_alternative_t<7, Datum::Value>, Uuid> &&
                  std::is_same_v<std::variant_alternative_t<8, Datum::Value>, ArrayPtr>,
              "representation_type() follows Datum::Value's alternatives");
Oid representation_type(size_t index) {
  switch (index) {
    case 1:
      return kBool;
    case 2:
      return kInt8;
    case 3:
      return kFloat8;
    case 4:
      return kText;
    case 5:
      return kNumeric;
    case 6:
      return kInterval;
    case 7:
      return kUuid;
    default:
      return 0;
  }
}

}  // namespace internal
}  // namespace hf::sql::types
