// sql/types/compare.cc — per-type ordering, equality and hashing.
#include "sql/types/compare.h"

#include <cmath>
#include <cstring>
#include <string_view>

#include "sql/types/composite_types.h"
#include "sql/types/enum_types.h"
#include "sql/types/internal.h"
#include "sql/types/json.h"
#include "sql/types/type_info.h"

namespace hf::sql::types {

using namespace hf::type_oid;  // NOLINT
using namespace internal;      // NOLINT

namespace {

std::string_view strip_trailing_spaces(std::string_view s) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

int cmp_bytes(std::string_view a, std::string_view b) {
  int c = memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c < 0 ? -1 : 1;
  return a.size() < b.size() ? -1 : a.size() > b.size();
}

int cmp_double(double a, double b) {
  bool an = std::isnan(a), bn = std::isnan(b);
  if (an || bn) return an == bn ? 0 : (an ? 1 : -1);
  return a < b ? -1 : a > b;
}

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

uint64_t hash_bytes(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return mix(h);
}

// Generic fallback when the type OID is not one we know: compare by representation.
int compare_generic(const Datum& a, const Datum& b) {
  if (a.v.index() != b.v.index()) return a.v.index() < b.v.index() ? -1 : 1;
  switch (a.v.index()) {
    case 0:
      return 0;
    case 1:
      return static_cast<int>(a.as_bool()) - static_cast<int>(b.as_bool());
    case 2:
      return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int();
    case 3:
      return cmp_double(a.as_double(), b.as_double());
    case 4:
      return cmp_bytes(a.as_string(), b.as_string());
    case 5:
      return numeric_cmp(a.as_numeric(), b.as_numeric());
    case 6: {
      int128 x = interval_span(a.as_interval()), y = interval_span(b.as_interval());
      return x < y ? -1 : x > y;
    }
    case 7: {
      int c = memcmp(a.as_uuid().bytes.data(), b.as_uuid().bytes.data(), 16);
      return c < 0 ? -1 : c > 0;
    }
    case 8: {  // arrays of an unknown element type: compare by representation
      const auto& x = *a.as_array();
      const auto& y = *b.as_array();
      size_t n = std::min(x.size(), y.size());
      for (size_t i = 0; i < n; ++i) {
        bool xn = x[i].is_null(), yn = y[i].is_null();
        if (xn || yn) {
          if (xn != yn) return xn ? 1 : -1;
          continue;
        }
        int c = compare_generic(x[i], y[i]);
        if (c != 0) return c;
      }
      return x.size() < y.size() ? -1 : x.size() > y.size();
    }
    default:
      return 0;
  }
}

}  // namespace

int compare(const Datum& a, const Datum& b, Oid type) {
  switch (type) {
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid:
    case kDate:
    case kTime:
    case kTimestamp:
    case kTimestampTz:
    case kRegclass:
    case kRegnamespace:
    case kRegtype: {
      int64_t x = a.as_int(), y = b.as_int();
      return x < y ? -1 : x > y;
    }
    case kBool:
      return static_cast<int>(a.as_bool()) - static_cast<int>(b.as_bool());
    case kFloat4:
    case kFloat8:
      return cmp_double(a.as_double(), b.as_double());
    case kNumeric:
      return numeric_cmp(a.as_numeric(), b.as_numeric());
    case kBpchar:
      return cmp_bytes(strip_trailing_spaces(a.as_string()), strip_trailing_spaces(b.as_string()));
    case kText:
    case kVarchar:
    case kName:
    case kBytea:
    case kUnknown:
    case kChar:
    case kJson:
    case kBit:
    case kVarbit:
      return cmp_bytes(a.as_string(), b.as_string());
    case kJsonb:
      return json::compare_text(a.as_string(), b.as_string());
    case kInterval: {
      int128 x = interval_span(a.as_interval()), y = interval_span(b.as_interval());
      return x < y ? -1 : x > y;
    }
    case kUuid: {
      int c = memcmp(a.as_uuid().bytes.data(), b.as_uuid().bytes.data(), 16);
      return c < 0 ? -1 : c > 0;
    }
    default:
      break;
  }
  if (type >= kFirstUserTypeOid) {
    // An enum orders by its labels' sort order, not by their spelling.
    if (auto e = find_enum(type)) {
      auto x = e->sort_order_of(a.as_string()), y = e->sort_order_of(b.as_string());
      if (x && y) return *x < *y ? -1 : *x > *y;
      return cmp_bytes(a.as_string(), b.as_string());
    }
  }
  Oid elem = array_elem_type(type);
  auto composite = elem == 0 ? find_composite(type) : nullptr;
  if ((elem != 0 || composite) && std::holds_alternative<ArrayPtr>(a.v) &&
      std::holds_alternative<ArrayPtr>(b.v)) {
    // Arrays element by element; a composite field by field, each by its type.
    const auto& x = *a.as_array();
    const auto& y = *b.as_array();
    size_t n = std::min(x.size(), y.size());
    for (size_t i = 0; i < n; ++i) {
      bool xn = x[i].is_null(), yn = y[i].is_null();
      if (xn || yn) {
        if (xn != yn) return xn ? 1 : -1;  // NULL elements sort after non-null
        continue;
      }
      Oid t = elem;
      if (composite) t = i < composite->fields.size() ? composite->fields[i].type.oid : kText;
      int c = composite && i >= composite->fields.size() ? compare_generic(x[i], y[i])
                                                         : compare(x[i], y[i], t);
      if (c != 0) return c;
    }
    return x.size() < y.size() ? -1 : x.size() > y.size();
  }
  return compare_generic(a, b);
}

bool equal(const Datum& a, const Datum& b, Oid type) {
  switch (type) {
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid:
    case kDate:
    case kTime:
    case kTimestamp:
    case kTimestampTz:
      return a.as_int() == b.as_int();
    case kBool:
      return a.as_bool() == b.as_bool();
    case kText:
    case kVarchar:
    case kName:
    case kBytea:
      return a.as_string() == b.as_string();
    default:
      return compare(a, b, type) == 0;
  }
}

uint64_t hash(const Datum& d, Oid type) {
  if (d.is_null()) return 0x9e3779b97f4a7c15ULL;
  switch (type) {
    case kBpchar:
      return hash_bytes(strip_trailing_spaces(d.as_string()));
    case kNumeric: {
      Numeric n = numeric_normalize(d.as_numeric());
      if (n.nan) return mix(0x7ff8);
      auto u = static_cast<unsigned __int128>(n.unscaled);
      return mix(static_cast<uint64_t>(u) ^ mix(static_cast<uint64_t>(u >> 64)) ^
                 (static_cast<uint64_t>(n.scale) << 56));
    }
    case kInterval: {
      auto u = static_cast<unsigned __int128>(interval_span(d.as_interval()));
      return mix(static_cast<uint64_t>(u) ^ mix(static_cast<uint64_t>(u >> 64)));
    }
    default:
      break;
  }
  switch (d.v.index()) {
    case 1:
      return mix(d.as_bool() ? 1 : 2);
    case 2:
      return mix(static_cast<uint64_t>(d.as_int()));
    case 3: {
      double x = d.as_double();
      if (x == 0) x = 0;  // -0 == 0
      if (std::isnan(x)) return mix(0x7ff8000000000000ULL);
      uint64_t u;
      memcpy(&u, &x, 8);
      return mix(u);
    }
    case 4:
      return hash_bytes(d.as_string());
    case 7:
      return hash_bytes(
          std::string_view(reinterpret_cast<const char*>(d.as_uuid().bytes.data()), 16));
    case 8: {
      Oid elem = array_elem_type(type);
      auto composite = elem == 0 ? find_composite(type) : nullptr;
      uint64_t h = 0x51ed270b27f3a1c3ULL;
      const auto& items = *d.as_array();
      for (size_t i = 0; i < items.size(); ++i) {
        Oid t = elem;
        if (composite && i < composite->fields.size()) t = composite->fields[i].type.oid;
        h = mix(h ^ hash(items[i], t)) + 0x9e3779b97f4a7c15ULL;
      }
      return h;
    }
    default:
      return 0;
  }
}

}  // namespace hf::sql::types
