// sql/types/cast.cc — pg_cast subset, cast execution and select_common_type.
#include "sql/types/cast.h"

#include <cmath>

#include "sql/types/bit_string.h"
#include "sql/types/internal.h"
#include "sql/types/json.h"
#include "sql/types/type_info.h"
#include "sql/types/type_io.h"

namespace hf::sql::types {

using namespace hf::type_oid;  // NOLINT
using namespace internal;      // NOLINT

namespace {

constexpr char I = 'i', A = 'a', E = 'e';

struct CastRule {
  Oid from, to;
  char ctx;
};

// pg_cast rows for the supported types (castcontext i/a/e).
constexpr CastRule kCasts[] = {
    {kInt2, kInt4, I},
    {kInt2, kInt8, I},
    {kInt2, kFloat4, I},
    {kInt2, kFloat8, I},
    {kInt2, kNumeric, I},
    {kInt2, kOid, I},
    {kInt2, kRegclass, I},
    {kInt4, kInt2, A},
    {kInt4, kInt8, I},
    {kInt4, kFloat4, I},
    {kInt4, kFloat8, I},
    {kInt4, kNumeric, I},
    {kInt4, kOid, I},
    {kInt4, kRegclass, I},
    {kInt4, kRegtype, I},
    {kInt4, kRegnamespace, I},
    {kInt4, kRegproc, I},
    {kInt4, kBool, E},
    {kInt4, kChar, E},
    {kInt8, kInt2, A},
    {kInt8, kInt4, A},
    {kInt8, kFloat4, I},
    {kInt8, kFloat8, I},
    {kInt8, kNumeric, I},
    {kInt8, kOid, I},
    {kInt8, kRegclass, I},
    {kFloat4, kInt2, A},
    {kFloat4, kInt4, A},
    {kFloat4, kInt8, A},
    {kFloat4, kFloat8, I},
    {kFloat4, kNumeric, A},
    {kFloat8, kInt2, A},
    {kFloat8, kInt4, A},
    {kFloat8, kInt8, A},
    {kFloat8, kFloat4, A},
    {kFloat8, kNumeric, A},
    {kNumeric, kInt2, A},
    {kNumeric, kInt4, A},
    {kNumeric, kInt8, A},
    {kNumeric, kFloat4, I},
    {kNumeric, kFloat8, I},
    {kBool, kInt4, E},
    {kOid, kInt4, A},
    {kOid, kInt8, A},
    {kOid, kRegclass, I},
    {kOid, kRegtype, I},
    {kOid, kRegnamespace, I},
    {kOid, kRegproc, I},
    {kInt2Vector, kInt2Array, I},
    {kOidVector, kOidArray, I},
    {kRegclass, kOid, I},
    {kRegtype, kOid, I},
    {kRegnamespace, kOid, I},
    {kRegproc, kOid, I},
    {kRegclass, kInt8, A},
    {kRegclass, kInt4, A},
    {kText, kVarchar, I},
    {kText, kBpchar, I},
    {kText, kName, I},
    {kText, kRegclass, I},
    {kText, kChar, A},
    {kVarchar, kText, I},
    {kVarchar, kBpchar, I},
    {kVarchar, kName, I},
    {kVarchar, kRegclass, I},
    {kBpchar, kText, I},
    {kBpchar, kVarchar, I},
    {kBpchar, kName, I},
    {kName, kText, I},
    {kName, kVarchar, A},
    {kName, kBpchar, A},
    {kChar, kText, I},
    {kChar, kBpchar, A},
    {kChar, kVarchar, A},
    {kChar, kInt4, E},
    {kBool, kText, A},
    {kBool, kVarchar, A},
    {kBool, kBpchar, A},
    {kDate, kTimestamp, I},
    {kDate, kTimestampTz, I},
    {kTimestamp, kDate, A},
    {kTimestamp, kTimestampTz, I},
    {kTimestamp, kTime, A},
    {kTimestampTz, kDate, A},
    {kTimestampTz, kTimestamp, A},
    {kTimestampTz, kTime, A},
    {kTime, kInterval, I},
    {kInterval, kTime, A},
    {kJson, kJsonb, A},
    {kJsonb, kJson, A},
    {kJsonb, kBool, E},
    {kJsonb, kNumeric, E},
    {kJsonb, kInt4, E},
    {kJsonb, kInt2, E},
    {kJsonb, kInt8, E},
    {kJsonb, kFloat4, E},
    {kJsonb, kFloat8, E},
    {kBit, kVarbit, I},
    {kVarbit, kBit, I},
    {kInt4, kBit, E},
    {kInt8, kBit, E},
    {kBit, kInt4, E},
    {kBit, kInt8, E},
};

bool rank_ok(char rule, CastContext ctx) {
  switch (ctx) {
    case CastContext::kImplicit:
      return rule == I;
    case CastContext::kAssignment:
      return rule == I || rule == A;
    case CastContext::kExplicit:
      return true;
  }
  return false;
}

bool t_is_pseudo(Oid o) {
  return o == kAny || o == 2277 || o == 2283 || o == 2776 || o == 3500;
}

bool is_text_like(Oid o) {
  return o == kText || o == kVarchar || o == kBpchar || o == kName;
}

double round_half_even(double x) {
  return std::nearbyint(x);
}

int64_t float_to_int(double x, Oid to) {
  if (std::isnan(x)) int_out_of_range(to);
  double r = round_half_even(x);
  double lo, hi;
  switch (to) {
    case kInt2:
      lo = INT16_MIN, hi = INT16_MAX;
      break;
    case kInt4:
      lo = INT32_MIN, hi = INT32_MAX;
      break;
    default:
      lo = -9223372036854775808.0, hi = 9223372036854775807.0;
  }
  if (!(r >= lo && (to == kInt8 ? r < hi : r <= hi))) int_out_of_range(to);
  return static_cast<int64_t>(r);
}

std::string rtrim_spaces(const std::string& s) {
  size_t n = s.size();
  while (n > 0 && s[n - 1] == ' ') --n;
  return s.substr(0, n);
}

}  // namespace

bool can_cast(Oid from, Oid to, CastContext ctx) {
  if (from == to) return true;
  if (from == kUnknown) return true;
  if (to == kAny || to == 2283 /*anyelement*/ || to == 2776 /*anynonarray*/) return true;
  if (to == 3500 /*anyenum*/) {
    const TypeInfo* ti = find_type(from);
    return ti != nullptr && ti->category == 'E';
  }
  if (to == 2277 /*anyarray*/) return is_array_type(from);
  for (const auto& c : kCasts)
    if (c.from == from && c.to == to) return rank_ok(c.ctx, ctx);
  // Arrays: element-wise when the element cast exists.
  Oid fe = array_elem_type(from), te = array_elem_type(to);
  if (fe != 0 && te != 0) return can_cast(fe, te, ctx);
  // I/O conversion casts: anything → string types (assignment), string → anything (explicit).
  if (find_type(from) == nullptr || find_type(to) == nullptr) return false;
  if (is_text_like(to) && ctx != CastContext::kImplicit) return true;
  if (is_text_like(from) && ctx == CastContext::kExplicit) return true;
  return false;
}

Datum cast(const Datum& d, const TypeRef& from, const TypeRef& to) {
  return cast(d, from, to, CastContext::kExplicit);
}

Datum cast(const Datum& d, const TypeRef& from, const TypeRef& to, CastContext ctx,
           const TimeZone& zone) {
  if (d.is_null()) return d;
  // int2vector and oidvector are their element's arrays (binary-coercible in pg_cast).
  if ((from.oid == kInt2Vector && to.oid == kInt2Array) ||
      (from.oid == kOidVector && to.oid == kOidArray))
    return d;
  // Polymorphic pseudo-types (any, anyelement, anyarray, anynonarray): no conversion.
  if (t_is_pseudo(to.oid)) return d;
  bool expl = ctx == CastContext::kExplicit;
  Oid f = from.oid, t = to.oid;
  if (f == t) {
    if (to.typmod < 0 || to.typmod == from.typmod) return d;
    return apply_typmod(d, to, expl);
  }
  // Bit strings: read without a length, then fitted to it as a cast does (an explicit one pads
  // or truncates), as PostgreSQL's I/O conversion followed by its length coercion.
  const bool to_bits = t == kBit || t == kVarbit;
  if (to_bits && (f == kUnknown || is_text_like(f)))
    return apply_typmod(Datum(parse_bit_string(d.as_string())), to, expl);
  if (to_bits && (f == kBit || f == kVarbit)) return apply_typmod(d, to, expl);
  if (t == kBit && (f == kInt4 || f == kInt8))
    return Datum(bit_string_from_int(d.as_int(), f == kInt8 ? 64 : 32, to.typmod));
  if (f == kBit && (t == kInt4 || t == kInt8)) return Datum(bit_string_to_int(d.as_string(), t));
  if (f == kUnknown) {
    if (t == kVarchar || t == kBpchar)  // explicit casts truncate, assignment raises 22001
      return apply_typmod(Datum(d.as_string()), to, expl);
    return from_text(d.as_string(), to, zone);
  }
  // To string types.
  if (is_text_like(t) || t == kChar) {
    std::string s;
    if (f == kBool)
      s = d.as_bool() ? "true" : "false";
    else if (f == kBpchar)
      s = rtrim_spaces(d.as_string());
    else if (is_text_like(f))
      s = d.as_string();
    else
      s = to_text(d, from, zone);  // "char" too: its output (\ooo for a high byte)
    if (t == kName || t == kChar) return from_text(s, to);
    return apply_typmod(Datum(std::move(s)), to, expl);
  }
  // From string types: the target's input function.
  if (is_text_like(f) || f == kChar || f == kJson || f == kJsonb) {
    if (f == kJson && t == kJsonb) return Datum(json::jsonb_in(d.as_string()));
    if ((f == kJson || f == kJsonb) && (t == kJson || t == kJsonb)) return d;
    if (f == kJsonb && (t == kBool || t == kNumeric || t == kInt2 || t == kInt4 || t == kInt8 ||
                        t == kFloat4 || t == kFloat8))
      return json::cast_jsonb_to(d.as_string(), t);
    if (f == kChar && t == kInt4)
      return Datum(static_cast<int64_t>(
          d.as_string().empty() ? 0 : static_cast<signed char>(d.as_string()[0])));
    return from_text(d.as_string(), to, zone);
  }
  auto is_int = [](Oid o) {
    return o == kInt2 || o == kInt4 || o == kInt8 || o == kOid || o == kRegclass || o == kRegtype ||
           o == kRegnamespace || o == kRegproc;
  };
  if (is_int(f)) {
    int64_t v = d.as_int();
    if (is_int(t))
      return Datum(check_int_range(
          v, t == kRegclass || t == kRegtype || t == kRegnamespace || t == kRegproc ? kOid : t));
    if (t == kFloat8) return Datum(static_cast<double>(v));
    if (t == kFloat4) return Datum(static_cast<double>(static_cast<float>(v)));
    if (t == kNumeric) return apply_typmod(Datum(numeric_from_int(v)), to, expl);
    if (t == kBool) return Datum(v != 0);
  }
  if (f == kFloat4 || f == kFloat8) {
    double x = d.as_double();
    if (is_int(t)) return Datum(float_to_int(x, t));
    if (t == kFloat8) return Datum(x);
    if (t == kFloat4) return Datum(check_float(x, std::isinf(x), x == 0, true));
    if (t == kNumeric) return apply_typmod(Datum(numeric_from_double(x, f == kFloat4)), to, expl);
  }
  if (f == kNumeric) {
    const Numeric& n = d.as_numeric();
    if (is_int(t)) return Datum(numeric_to_int(n, t));
    if (t == kFloat8) return Datum(numeric_to_double(n));
    if (t == kFloat4) {
      double x = numeric_to_double(n);
      return Datum(check_float(x, std::isinf(x), x == 0, true));
    }
  }
  if (f == kBool && t == kInt4) return Datum(static_cast<int64_t>(d.as_bool() ? 1 : 0));
  if (f == kDate) {
    int64_t v = d.as_int();
    if (t == kTimestamp) return Datum(date_to_timestamp(v));
    if (t == kTimestampTz) return Datum(zone.to_utc(date_to_timestamp(v)));  // local midnight
  }
  if (f == kTimestamp || f == kTimestampTz) {
    int64_t v = d.as_int();
    if (f == kTimestamp && t == kTimestampTz) return apply_typmod(Datum(zone.to_utc(v)), to, expl);
    // timestamptz to timestamp, date or time: the wall-clock time in the session's zone.
    if (f == kTimestampTz) v = zone.to_local(v);
    if (t == kTimestamp || t == kTimestampTz) return apply_typmod(Datum(v), to, expl);
    if (t == kDate) {
      if (v == kTsPosInfinity) return Datum(kDatePosInfinity);
      if (v == kTsNegInfinity) return Datum(kDateNegInfinity);
      int64_t days = v / kUsecsPerDay;
      if (v % kUsecsPerDay < 0) --days;
      return Datum(days);
    }
    if (t == kTime) {
      int64_t r = v % kUsecsPerDay;
      if (r < 0) r += kUsecsPerDay;
      return Datum(r);
    }
  }
  if (f == kTime && t == kInterval) return Datum(Interval{d.as_int(), 0, 0});
  if (f == kInterval && t == kTime) {
    int64_t r = d.as_interval().micros % kUsecsPerDay;
    if (r < 0) r += kUsecsPerDay;
    return Datum(r);
  }
  Oid fe = array_elem_type(f), te = array_elem_type(t);
  if (fe != 0 && te != 0) {
    auto out = std::make_shared<std::vector<Datum>>();
    for (const Datum& e : *d.as_array())
      out->push_back(cast(e, TypeRef{fe, from.typmod}, TypeRef{te, to.typmod}, ctx, zone));
    return Datum(ArrayPtr(out));
  }
  if (is_text_like(f) || find_type(f) != nullptr) {
    // Generic I/O conversion.
    return from_text(to_text(d, from, zone), to, zone);
  }
  throw_error(sqlstate::kFeatureNotSupported,
              "cannot cast type " + format_type(from) + " to " + format_type(to));
}

Oid common_type(const std::vector<Oid>& types) {
  return common_type(types, "UNION");
}

Oid common_type(const std::vector<Oid>& types, const char* context) {
  Oid ptype = kUnknown;
  for (Oid o : types)
    if (o != kUnknown) {
      ptype = o;
      break;
    }
  if (ptype == kUnknown) return kText;
  bool all_same = true;
  for (Oid o : types)
    if (o != kUnknown && o != ptype) all_same = false;
  if (all_same) return ptype;
  const TypeInfo* pinfo = find_type(ptype);
  char pcat = pinfo ? pinfo->category : 'U';
  bool ppref = pinfo && pinfo->preferred;
  for (Oid n : types) {
    if (n == kUnknown || n == ptype) continue;
    const TypeInfo* ninfo = find_type(n);
    char ncat = ninfo ? ninfo->category : 'U';
    if (ncat != pcat) {
      throw SqlError(sqlstate::kDatatypeMismatch,
                     std::string(context) + " types " + format_type(TypeRef{ptype, -1}) + " and " +
                         format_type(TypeRef{n, -1}) + " cannot be matched");
    }
    if (!ppref && can_cast(ptype, n, CastContext::kImplicit) &&
        !can_cast(n, ptype, CastContext::kImplicit)) {
      ptype = n;
      pinfo = ninfo;
      ppref = ninfo && ninfo->preferred;
    }
  }
  for (Oid n : types) {
    if (n == kUnknown || n == ptype) continue;
    if (!can_cast(n, ptype, CastContext::kImplicit))
      throw SqlError(sqlstate::kDatatypeMismatch,
                     std::string(context) + " could not convert type " +
                         format_type(TypeRef{n, -1}) + " to " + format_type(TypeRef{ptype, -1}));
  }
  return ptype;
}

}  // namespace hf::sql::types
