// sql/types/functions.cc — builtin operators, scalar functions and aggregates, and their
// overload resolution (PostgreSQL's func_select_candidate, simplified: exact matches, then
// preferred types, then string category for unknown literals).
#include "sql/types/functions.h"

#include <strings.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>

#include "sql/types/binary_encoding.h"
#include "sql/types/bit_string.h"
#include "sql/types/cast.h"
#include "sql/types/compare.h"
#include "sql/types/enum_types.h"
#include "sql/types/hashing.h"
#include "sql/types/internal.h"
#include "sql/types/json.h"
#include "sql/types/md5.h"
#include "sql/types/type_info.h"
#include "sql/types/type_io.h"

namespace hf::sql::types {

using namespace hf::type_oid;  // NOLINT
using namespace internal;      // NOLINT

namespace {

constexpr Oid kAnyArray = 2277;
constexpr Oid kAnyElement = 2283;
constexpr Oid kAnyNonArray = 2776;
constexpr Oid kAnyEnum = kAnyEnumOid;

using Args = std::vector<Datum>;
using Types = std::vector<TypeRef>;
#define FN(name) Datum name(const Args& a, const Types& t, FuncContext& ctx)

// ---------------- operators ----------------

template <Oid R>
FN(op_int_add) {
  return Datum(int_add(a[0].as_int(), a[1].as_int(), R));
}
template <Oid R>
FN(op_int_sub) {
  return Datum(int_sub(a[0].as_int(), a[1].as_int(), R));
}
template <Oid R>
FN(op_int_mul) {
  return Datum(int_mul(a[0].as_int(), a[1].as_int(), R));
}
template <Oid R>
FN(op_int_div) {
  return Datum(int_div(a[0].as_int(), a[1].as_int(), R));
}
FN(op_int_mod) {
  return Datum(int_mod(a[0].as_int(), a[1].as_int()));
}
template <Oid R>
FN(op_int_neg) {
  return Datum(check_int_range(-static_cast<int128>(a[0].as_int()), R));
}
FN(op_identity) {
  return a[0];
}
template <Oid R>
FN(op_int_abs) {
  int64_t v = a[0].as_int();
  return Datum(check_int_range(v < 0 ? -static_cast<int128>(v) : v, R));
}

template <bool F4>
FN(op_float_add) {
  double x = a[0].as_double(), y = a[1].as_double(), r = x + y;
  return Datum(check_float(r, std::isinf(x) || std::isinf(y), true, F4));
}
template <bool F4>
FN(op_float_sub) {
  double x = a[0].as_double(), y = a[1].as_double(), r = x - y;
  return Datum(check_float(r, std::isinf(x) || std::isinf(y), true, F4));
}
template <bool F4>
FN(op_float_mul) {
  double x = a[0].as_double(), y = a[1].as_double(), r = x * y;
  return Datum(check_float(r, std::isinf(x) || std::isinf(y), x == 0 || y == 0, F4));
}
template <bool F4>
FN(op_float_div) {
  double x = a[0].as_double(), y = a[1].as_double();
  if (y == 0 && !std::isnan(x)) division_by_zero();
  return Datum(check_float(x / y, std::isinf(x), x == 0 || std::isinf(y), F4));
}
FN(op_float_neg) {
  return Datum(-a[0].as_double());
}
FN(op_float_abs) {
  return Datum(std::fabs(a[0].as_double()));
}
FN(op_float_pow) {
  double x = a[0].as_double(), y = a[1].as_double();
  if (x == 0 && y < 0) throw_error("2201F", "zero raised to a negative power is undefined");
  if (x < 0 && std::floor(y) != y)
    throw_error("2201F", "a negative number raised to a non-integer power yields a complex result");
  double r = std::pow(x, y);
  return Datum(check_float(r, std::isinf(x) || std::isinf(y), x == 0, false));
}

FN(op_num_add) {
  return Datum(numeric_add(a[0].as_numeric(), a[1].as_numeric()));
}
FN(op_num_sub) {
  return Datum(numeric_sub(a[0].as_numeric(), a[1].as_numeric()));
}
FN(op_num_mul) {
  return Datum(numeric_mul(a[0].as_numeric(), a[1].as_numeric()));
}
FN(op_num_div) {
  return Datum(numeric_div(a[0].as_numeric(), a[1].as_numeric()));
}
FN(op_num_mod) {
  return Datum(numeric_mod(a[0].as_numeric(), a[1].as_numeric()));
}
FN(op_num_neg) {
  return Datum(numeric_neg(a[0].as_numeric()));
}
FN(op_num_abs) {
  return Datum(numeric_abs(a[0].as_numeric()));
}

Numeric numeric_power(const Numeric& x, const Numeric& y) {
  if (x.nan || y.nan) return Numeric{0, 0, true};
  if (x.unscaled == 0 && y.unscaled < 0)
    throw_error("2201F", "zero raised to a negative power is undefined");
  Numeric yi = numeric_trunc(y, 0);
  bool int_exp = numeric_cmp(yi, y) == 0;
  if (x.unscaled < 0 && !int_exp)
    throw_error("2201F", "a negative number raised to a non-integer power yields a complex result");
  double r = std::pow(numeric_to_double(x), numeric_to_double(y));
  if (std::isinf(r)) numeric_overflow();
  // Result scale as PostgreSQL: at least 16 significant digits, not less than the inputs.
  int lg = r == 0 ? 0 : static_cast<int>(std::floor(std::log10(std::fabs(r))));
  int int_digits = std::max(lg + 1, 1);
  int rscale = std::max(16 - lg, std::max(x.scale, y.scale));
  rscale = std::max(0, std::min(rscale, kNumericMaxDigits - int_digits));
  if (int_exp && yi.unscaled >= 0 && yi.unscaled < 128) {
    Numeric acc = numeric_from_int(1);
    bool fits = true;
    for (int k = 0; k < static_cast<int>(yi.unscaled) && fits; ++k) {
      try {
        acc = numeric_mul(acc, x);
      } catch (const SqlError&) {
        fits = false;
      }
    }
    if (fits) return numeric_round(acc, rscale);
  }
  // long double (x87 extended on x86-64) carries ~19 significant digits, enough for the
  // 16-digit display scale in the common cases.
  long double rl = powl(std::strtold(numeric_to_string(x).c_str(), nullptr),
                        std::strtold(numeric_to_string(y).c_str(), nullptr));
  char buf[64];
  snprintf(buf, sizeof buf, "%.20Lg", rl);
  bool ok;
  return numeric_round(numeric_parse(buf, &ok), rscale);
}
FN(op_num_pow) {
  return Datum(numeric_power(a[0].as_numeric(), a[1].as_numeric()));
}

template <int Op>
bool cmp_result(int c) {
  switch (Op) {
    case 0:
      return c == 0;
    case 1:
      return c != 0;
    case 2:
      return c < 0;
    case 3:
      return c > 0;
    case 4:
      return c <= 0;
    default:
      return c >= 0;
  }
}
template <int Op>
FN(op_int_cmp) {
  int64_t x = a[0].as_int(), y = a[1].as_int();
  return Datum(cmp_result<Op>(x < y ? -1 : x > y));
}
template <int Op>
FN(op_cmp) {
  return Datum(cmp_result<Op>(compare(a[0], a[1], t[0].oid)));
}
// Cross-type comparisons that need a common representation (e.g. float4 vs float8).
template <int Op, Oid T>
FN(op_cmp_as) {
  return Datum(cmp_result<Op>(compare(a[0], a[1], T)));
}

FN(op_text_concat) {
  return Datum(a[0].as_string() + a[1].as_string());
}
FN(op_any_text_concat) {
  std::string l =
      t[0].oid == kText || t[0].oid == kVarchar || t[0].oid == kUnknown
          ? a[0].as_string()
          : cast(a[0], t[0], TypeRef{kText, -1}, CastContext::kExplicit, ctx.zone).as_string();
  std::string r =
      t[1].oid == kText || t[1].oid == kVarchar || t[1].oid == kUnknown
          ? a[1].as_string()
          : cast(a[1], t[1], TypeRef{kText, -1}, CastContext::kExplicit, ctx.zone).as_string();
  return Datum(l + r);
}

std::string ascii_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string ascii_upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return s;
}

bool like_impl(std::string_view s, std::string_view p) {
  size_t si = 0, pi = 0;
  size_t star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size()) {
      char pc = p[pi];
      if (pc == '%') {
        star_p = ++pi;
        star_s = si;
        continue;
      }
      if (pc == '_') {
        si += utf8_char_len(static_cast<unsigned char>(s[si]));
        ++pi;
        continue;
      }
      if (pc == '\\') {
        if (pi + 1 >= p.size())
          throw_error("22025", "LIKE pattern must not end with escape character");
        pc = p[pi + 1];
        if (s[si] == pc) {
          ++si;
          pi += 2;
          continue;
        }
      } else if (s[si] == pc) {
        ++si;
        ++pi;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    star_s += utf8_char_len(static_cast<unsigned char>(s[star_s]));
    si = star_s;
    pi = star_p;
  }
  while (pi < p.size() && p[pi] == '%') ++pi;
  return pi == p.size();
}

std::string bpchar_trim(const Datum& d, Oid type) {
  std::string s = d.as_string();
  if (type == kBpchar)
    while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

FN(op_like) {
  return Datum(like_match(bpchar_trim(a[0], t[0].oid), a[1].as_string(), false));
}
FN(op_not_like) {
  return Datum(!like_match(bpchar_trim(a[0], t[0].oid), a[1].as_string(), false));
}
FN(op_ilike) {
  return Datum(like_match(bpchar_trim(a[0], t[0].oid), a[1].as_string(), true));
}
FN(op_not_ilike) {
  return Datum(!like_match(bpchar_trim(a[0], t[0].oid), a[1].as_string(), true));
}

Interval interval_checked(int128 months, int128 days, int128 micros);

// regexp_replace(source, pattern, replacement [, flags]).
FN(f_regexp_replace) {
  return Datum(regex_replace_pg(a[0].as_string(), a[1].as_string(), a[2].as_string(),
                                a.size() > 3 ? a[3].as_string() : std::string()));
}
FN(f_regexp_replace_from) {
  return regexp_replace_pg(a);
}
FN(f_substring_regexp) {
  return regexp_substring_pg(a[0].as_string(), a[1].as_string());
}
FN(f_similar_to_escape) {
  return Datum(similar_to_escape_pg(a[0].as_string(), a.size() > 1 ? &a[1].as_string() : nullptr));
}
// substring(s similar pattern escape esc): the text the pattern's middle part matched.
FN(f_substring_similar) {
  return regexp_substring_pg(a[0].as_string(),
                             similar_to_escape_pg(a[1].as_string(), &a[2].as_string()));
}
FN(f_regexp_match) {
  return regexp_match_pg(a);
}
FN(f_regexp_matches) {
  return regexp_matches_pg(a);
}
FN(f_regexp_split_to_array) {
  return regexp_split_pg(a, "regexp_split_to_array()");
}
FN(f_regexp_split_to_table) {
  return regexp_split_pg(a, "regexp_split_to_table()");
}
FN(f_regexp_count) {
  return regexp_count_pg(a);
}
FN(f_regexp_instr) {
  return regexp_instr_pg(a);
}
FN(f_regexp_like) {
  return regexp_like_pg(a);
}
FN(f_regexp_substr) {
  return regexp_substr_pg(a);
}
FN(f_make_interval) {
  // make_interval(years, months, weeks, days, hours, mins, secs)
  int128 months = static_cast<int128>(a[0].as_int()) * 12 + a[1].as_int();
  int128 days = static_cast<int128>(a[2].as_int()) * 7 + a[3].as_int();
  double secs = a[6].as_double();
  if (std::isnan(secs) || std::isinf(secs))
    throw_error(sqlstate::kDatetimeFieldOverflow, "interval out of range");
  int128 micros = static_cast<int128>(a[4].as_int()) * kUsecsPerHour +
                  static_cast<int128>(a[5].as_int()) * kUsecsPerMinute +
                  static_cast<int128>(std::llround(secs * 1e6));
  return Datum(interval_checked(months, days, micros));
}
FN(op_regex) {
  return Datum(regex_match_pg(bpchar_trim(a[0], t[0].oid), a[1].as_string(), false));
}
FN(op_not_regex) {
  return Datum(!regex_match_pg(bpchar_trim(a[0], t[0].oid), a[1].as_string(), false));
}
FN(op_iregex) {
  return Datum(regex_match_pg(bpchar_trim(a[0], t[0].oid), a[1].as_string(), true));
}
FN(op_not_iregex) {
  return Datum(!regex_match_pg(bpchar_trim(a[0], t[0].oid), a[1].as_string(), true));
}

// Dates and times.
int64_t check_date(int64_t d) {
  if (d < -2451545 || d > 2147483494 - 2451545)
    throw_error(sqlstate::kDatetimeFieldOverflow, "date out of range");
  return d;
}
FN(op_date_pl_int) {
  return Datum(check_date(a[0].as_int() + a[1].as_int()));
}
FN(op_int_pl_date) {
  return Datum(check_date(a[1].as_int() + a[0].as_int()));
}
FN(op_date_mi_int) {
  return Datum(check_date(a[0].as_int() - a[1].as_int()));
}
FN(op_date_mi_date) {
  int64_t x = a[0].as_int(), y = a[1].as_int();
  if (x == kDatePosInfinity || x == kDateNegInfinity || y == kDatePosInfinity ||
      y == kDateNegInfinity)
    throw_error(sqlstate::kDatetimeFieldOverflow, "cannot subtract infinite dates");
  return Datum(x - y);
}
FN(op_date_pl_interval) {
  return Datum(timestamp_add_interval(date_to_timestamp(a[0].as_int()), a[1].as_interval(), false));
}
FN(op_date_mi_interval) {
  return Datum(timestamp_add_interval(date_to_timestamp(a[0].as_int()), a[1].as_interval(), true));
}
FN(op_interval_pl_date) {
  return Datum(timestamp_add_interval(date_to_timestamp(a[1].as_int()), a[0].as_interval(), false));
}
FN(op_date_pl_time) {
  int64_t ts = date_to_timestamp(a[0].as_int());
  if (ts == kTsPosInfinity || ts == kTsNegInfinity) return Datum(ts);
  if (ts + a[1].as_int() >= kEndTimestamp)
    throw_error(sqlstate::kDatetimeFieldOverflow, "timestamp out of range");
  return Datum(ts + a[1].as_int());
}
// timestamp or timestamptz (type) plus or minus an interval.
int64_t ts_add(int64_t ts, Oid type, const Interval& iv, bool subtract, const FuncContext& ctx) {
  if (type == kTimestampTz) return timestamptz_plus_interval(ts, iv, ctx.zone, subtract);
  return timestamp_add_interval(ts, iv, subtract);
}
FN(op_ts_pl_interval) {
  return Datum(ts_add(a[0].as_int(), t[0].oid, a[1].as_interval(), false, ctx));
}
FN(op_interval_pl_ts) {
  return Datum(ts_add(a[1].as_int(), t[1].oid, a[0].as_interval(), false, ctx));
}
FN(op_ts_mi_interval) {
  return Datum(ts_add(a[0].as_int(), t[0].oid, a[1].as_interval(), true, ctx));
}
FN(op_ts_mi_ts) {
  return Datum(timestamp_diff(a[0].as_int(), a[1].as_int()));
}
int64_t time_wrap(int64_t v) {
  v %= kUsecsPerDay;
  if (v < 0) v += kUsecsPerDay;
  return v;
}
// time ± interval wraps around midnight; PostgreSQL (built with -fwrapv) also wraps the
// sum itself when the interval's microseconds are near the int64 limit.
int64_t wrapping_add(int64_t x, int64_t y) {
  return static_cast<int64_t>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y));
}
FN(op_time_pl_interval) {
  return Datum(time_wrap(wrapping_add(a[0].as_int(), a[1].as_interval().micros)));
}
FN(op_time_mi_interval) {
  const auto minus = static_cast<int64_t>(0 - static_cast<uint64_t>(a[1].as_interval().micros));
  return Datum(time_wrap(wrapping_add(a[0].as_int(), minus)));
}
FN(op_time_mi_time) {
  return Datum(Interval{a[0].as_int() - a[1].as_int(), 0, 0});
}

Interval interval_checked(int128 months, int128 days, int128 micros) {
  if (months > INT32_MAX || months < INT32_MIN || days > INT32_MAX || days < INT32_MIN ||
      micros > INT64_MAX || micros < INT64_MIN)
    throw_error(sqlstate::kDatetimeFieldOverflow, "interval out of range");
  return Interval{static_cast<int64_t>(micros), static_cast<int32_t>(days),
                  static_cast<int32_t>(months)};
}
FN(op_interval_pl) {
  const Interval &x = a[0].as_interval(), &y = a[1].as_interval();
  return Datum(interval_checked(static_cast<int128>(x.months) + y.months,
                                static_cast<int128>(x.days) + y.days,
                                static_cast<int128>(x.micros) + y.micros));
}
FN(op_interval_mi) {
  const Interval &x = a[0].as_interval(), &y = a[1].as_interval();
  return Datum(interval_checked(static_cast<int128>(x.months) - y.months,
                                static_cast<int128>(x.days) - y.days,
                                static_cast<int128>(x.micros) - y.micros));
}
FN(op_interval_neg) {
  const Interval& x = a[0].as_interval();
  return Datum(interval_checked(-static_cast<int128>(x.months), -static_cast<int128>(x.days),
                                -static_cast<int128>(x.micros)));
}
Interval interval_scale(const Interval& iv, double f) {
  // PostgreSQL's interval_mul: fractional months spill into days, fractional days into time.
  double months = iv.months * f;
  double days = iv.days * f;
  double whole_m = std::trunc(months);
  double mdays = (months - whole_m) * 30;
  double whole_md = std::trunc(mdays);
  double whole_d = std::trunc(days);
  double micros =
      iv.micros * f + (mdays - whole_md) * kUsecsPerDay + (days - whole_d) * kUsecsPerDay;
  if (std::isnan(f) || std::fabs(whole_m) > INT32_MAX ||
      std::fabs(whole_d + whole_md) > INT32_MAX || std::fabs(micros) > 9.2e18)
    throw_error(sqlstate::kDatetimeFieldOverflow, "interval out of range");
  return Interval{static_cast<int64_t>(std::llround(micros)),
                  static_cast<int32_t>(whole_d + whole_md), static_cast<int32_t>(whole_m)};
}
FN(op_interval_mul) {
  return Datum(interval_scale(a[0].as_interval(), a[1].as_double()));
}
FN(op_float_mul_interval) {
  return Datum(interval_scale(a[1].as_interval(), a[0].as_double()));
}
FN(op_interval_div) {
  if (a[1].as_double() == 0) division_by_zero();
  return Datum(interval_scale(a[0].as_interval(), 1.0 / a[1].as_double()));
}

FN(op_bytea_concat) {
  return Datum(a[0].as_string() + a[1].as_string());
}

FN(op_array_cat) {
  auto out = std::make_shared<std::vector<Datum>>();
  // Decide by value, not by type: the binder may type operands as anyarray/anyelement.
  bool la = std::holds_alternative<ArrayPtr>(a[0].v), ra = std::holds_alternative<ArrayPtr>(a[1].v);
  if (la)
    out->insert(out->end(), a[0].as_array()->begin(), a[0].as_array()->end());
  else
    out->push_back(a[0]);
  if (ra)
    out->insert(out->end(), a[1].as_array()->begin(), a[1].as_array()->end());
  else
    out->push_back(a[1]);
  return Datum(ArrayPtr(out));
}

// ---------------- scalar functions ----------------

FN(f_abs_int4) {
  return op_int_abs<kInt4>(a, t, ctx);
}
// gcd and lcm of integers, as PostgreSQL's int4gcd/int8gcd: never negative; a result the type
// cannot hold (gcd(-2147483648, 0) is 2^31) is "integer out of range".
unsigned __int128 int_gcd(int64_t x, int64_t y) {
  unsigned __int128 p = x < 0 ? -static_cast<int128>(x) : x,
                    q = y < 0 ? -static_cast<int128>(y) : y;
  while (q != 0) {
    unsigned __int128 r = p % q;
    p = q;
    q = r;
  }
  return p;
}
template <Oid R>
FN(f_int_gcd) {
  return Datum(check_int_range(static_cast<int128>(int_gcd(a[0].as_int(), a[1].as_int())), R));
}
template <Oid R>
FN(f_int_lcm) {
  int64_t x = a[0].as_int(), y = a[1].as_int();
  if (x == 0 || y == 0) return Datum(int64_t{0});
  // The gcd's own range check comes first, as in PostgreSQL (lcm(-2^31, -2^31) fails there).
  int128 g = check_int_range(static_cast<int128>(int_gcd(x, y)), R);
  int128 l = static_cast<int128>(x) / g * y;
  return Datum(check_int_range(l < 0 ? -l : l, R));
}
// pg_size_pretty and pg_size_bytes, as PostgreSQL's dbsize.c: its units, each with the limit
// below which a size is shown in it and whether it is shown half-rounded.
struct SizeUnit {
  const char* name;
  int64_t limit;
  bool round;
  int bits;
};
constexpr SizeUnit kSizeUnits[] = {
    {"bytes", 10 * 1024, false, 0},  {"kB", 20 * 1024 - 1, true, 10},
    {"MB", 20 * 1024 - 1, true, 20}, {"GB", 20 * 1024 - 1, true, 30},
    {"TB", 20 * 1024 - 1, true, 40}, {"PB", 20 * 1024 - 1, true, 50}};
constexpr size_t kSizeUnitCount = sizeof(kSizeUnits) / sizeof(kSizeUnits[0]);
// The bits to divide by between unit u and the next: one less when the next is half-rounded
// (the extra bit the rounding uses), one more when this one is.
int size_shift(size_t u) {
  return kSizeUnits[u + 1].bits - kSizeUnits[u].bits - (kSizeUnits[u + 1].round ? 1 : 0) +
         (kSizeUnits[u].round ? 1 : 0);
}
FN(f_pg_size_pretty_int8) {
  int64_t size = a[0].as_int();
  for (size_t u = 0;; ++u) {
    if (u + 1 == kSizeUnitCount ||
        (size < 0 ? -static_cast<int128>(size) : size) < kSizeUnits[u].limit) {
      if (kSizeUnits[u].round) size = (size + (size < 0 ? -1 : 1)) / 2;
      return Datum(std::to_string(size) + " " + kSizeUnits[u].name);
    }
    size /= int64_t{1} << size_shift(u);
  }
}
// Division of a numeric by a positive integer, truncated toward zero to an integer (numeric's
// div_trunc); truncating by 10^scale first and then by d truncates by their product.
Numeric numeric_div_trunc_int(const Numeric& n, int64_t d) {
  return Numeric{n.unscaled / pow10(n.scale) / d, 0, false};
}
FN(f_pg_size_pretty_numeric) {
  Numeric size = a[0].as_numeric();
  if (size.nan) return Datum(std::string("NaN bytes"));
  for (size_t u = 0;; ++u) {
    if (u + 1 == kSizeUnitCount ||
        numeric_cmp(numeric_abs(size), numeric_from_int(kSizeUnits[u].limit)) < 0) {
      if (kSizeUnits[u].round) {
        const Numeric one = numeric_from_int(1);
        size = numeric_div_trunc_int(
            size.unscaled >= 0 ? numeric_add(size, one) : numeric_sub(size, one), 2);
      }
      return Datum(numeric_to_string(size) + " " + kSizeUnits[u].name);
    }
    size = numeric_div_trunc_int(size, int64_t{1} << size_shift(u));
  }
}
FN(f_pg_size_bytes) {
  const std::string str = a[0].as_string();
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  size_t start = 0;
  while (start < str.size() && space(str[start])) ++start;
  size_t end = start;
  if (end < str.size() && (str[end] == '-' || str[end] == '+')) ++end;
  bool have_digits = false;
  while (end < str.size() && digit(str[end])) ++end, have_digits = true;
  if (end < str.size() && str[end] == '.') {
    ++end;
    while (end < str.size() && digit(str[end])) ++end, have_digits = true;
  }
  if (!have_digits) throw_error(sqlstate::kInvalidParameterValue, "invalid size: \"" + str + "\"");
  // An exponent only when digits follow the e (what does not parse is left to the unit).
  bool huge_exponent = false;
  if (end < str.size() && (str[end] == 'e' || str[end] == 'E')) {
    size_t e = end + 1;
    if (e < str.size() && (str[e] == '-' || str[e] == '+')) ++e;
    size_t digits_from = e;
    while (e < str.size() && digit(str[e])) ++e;
    if (e > digits_from) {
      // PostgreSQL's numeric_in refuses an exponent of INT_MAX/2 or more as an overflow.
      const std::string exp = str.substr(digits_from, e - digits_from);
      huge_exponent = exp.size() > 10 || std::stoll(exp) >= INT32_MAX / 2;
      end = e;
    }
  }
  if (huge_exponent)
    throw_error(sqlstate::kNumericValueOutOfRange, "value overflows numeric format");
  Numeric num;
  try {
    bool ok = true;
    num = numeric_parse(str.substr(start, end - start), &ok);
    if (!ok) throw_error(sqlstate::kInvalidParameterValue, "invalid size: \"" + str + "\"");
  } catch (const SqlError& err) {
    // A number too large for the numeric here is one PostgreSQL's numeric holds, and then
    // too large for a bigint.
    if (err.error().sqlstate != sqlstate::kNumericValueOutOfRange) throw;
    throw_error(sqlstate::kNumericValueOutOfRange, "bigint out of range");
  }
  size_t unit_from = end;
  while (unit_from < str.size() && space(str[unit_from])) ++unit_from;
  if (unit_from < str.size()) {
    size_t unit_end = str.size();
    while (unit_end > unit_from && space(str[unit_end - 1])) --unit_end;
    const std::string unit = str.substr(unit_from, unit_end - unit_from);
    const SizeUnit* found = nullptr;
    for (const auto& u : kSizeUnits)
      if (strcasecmp(unit.c_str(), u.name) == 0) found = &u;
    if (found == nullptr)
      throw SqlError(sqlstate::kInvalidParameterValue, "invalid size: \"" + str + "\"",
                     "Invalid size unit: \"" + unit + "\".",
                     "Valid units are \"bytes\", \"kB\", \"MB\", \"GB\", \"TB\", and \"PB\".");
    if (found->bits > 0) {
      try {
        num = numeric_mul(num, numeric_from_int(int64_t{1} << found->bits));
      } catch (const SqlError& err) {
        if (err.error().sqlstate != sqlstate::kNumericValueOutOfRange) throw;
        throw_error(sqlstate::kNumericValueOutOfRange, "bigint out of range");
      }
    }
  }
  return Datum(numeric_to_int(num, kInt8));
}
// like_escape(pattern, escape), which LIKE ... ESCAPE calls: the pattern rewritten to use
// backslash as its escape (PostgreSQL's like_escape): no escape doubles every backslash; an
// escape of one character becomes backslash, and a backslash not after it is doubled. Text
// counts characters, bytea bytes.
template <bool Bytes>
FN(f_like_escape) {
  const std::string pat = a[0].as_string(), esc = a[1].as_string();
  auto char_len = [&](const std::string& s, size_t i) {
    return Bytes ? size_t{1}
                 : std::min(utf8_char_len(static_cast<unsigned char>(s[i])), s.size() - i);
  };
  std::string out;
  if (esc.empty()) {
    for (char c : pat) {
      if (c == '\\') out += '\\';
      out += c;
    }
    return Datum(out);
  }
  if (char_len(esc, 0) != esc.size())
    throw SqlError("22025", "invalid escape string", "",
                   "Escape string must be empty or one character.");
  if (esc == "\\") return Datum(pat);
  bool after_escape = false;
  for (size_t i = 0; i < pat.size();) {
    const size_t n = char_len(pat, i);
    if (!after_escape && pat.compare(i, n, esc) == 0) {
      out += '\\';
      after_escape = true;
    } else if (pat[i] == '\\') {
      out += '\\';
      if (!after_escape) out += '\\';
      after_escape = false;
    } else {
      out.append(pat, i, n);
      after_escape = false;
    }
    i += n;
  }
  return Datum(out);
}
FN(f_length) {
  return Datum(static_cast<int64_t>(utf8_length(bpchar_trim(a[0], t[0].oid))));
}
FN(f_octet_length) {
  return Datum(static_cast<int64_t>(a[0].as_string().size()));
}
FN(f_bit_length) {
  return Datum(static_cast<int64_t>(a[0].as_string().size() * 8));
}
// Bitwise operators on integers (PostgreSQL's int2and ... int8shr). A shift count is taken
// modulo the width the C shift runs in (32 bits for int2 and int4, 64 for int8), as
// PostgreSQL's compiled shifts do on x86-64; int2 results wrap to 16 bits.
int64_t narrow_to(int64_t v, Oid type) {
  if (type == kInt2) return static_cast<int16_t>(v);
  if (type == kInt4) return static_cast<int32_t>(v);
  return v;
}
FN(op_int_and) {
  return Datum(a[0].as_int() & a[1].as_int());
}
FN(op_int_or) {
  return Datum(a[0].as_int() | a[1].as_int());
}
FN(op_int_xor) {
  return Datum(a[0].as_int() ^ a[1].as_int());
}
template <Oid R>
FN(op_int_not) {
  return Datum(narrow_to(~a[0].as_int(), R));
}
template <Oid R>
FN(op_int_shl) {
  const int64_t count = a[1].as_int() & (R == kInt8 ? 63 : 31);
  return Datum(narrow_to(static_cast<int64_t>(static_cast<uint64_t>(a[0].as_int()) << count), R));
}
template <Oid R>
FN(op_int_shr) {
  const int64_t count = a[1].as_int() & (R == kInt8 ? 63 : 31);
  return Datum(narrow_to(a[0].as_int() >> count, R));
}

// Bit strings (sql/types/bit_string.h).
FN(op_bit_and) {
  return Datum(bit_string_binary_op(a[0].as_string(), a[1].as_string(), '&'));
}
FN(op_bit_or) {
  return Datum(bit_string_binary_op(a[0].as_string(), a[1].as_string(), '|'));
}
FN(op_bit_xor) {
  return Datum(bit_string_binary_op(a[0].as_string(), a[1].as_string(), '#'));
}
FN(op_bit_not) {
  return Datum(bit_string_not(a[0].as_string()));
}
FN(op_bit_shl) {
  return Datum(bit_string_shift_left(a[0].as_string(), a[1].as_int()));
}
FN(op_bit_shr) {
  return Datum(bit_string_shift_left(a[0].as_string(), -a[1].as_int()));
}
FN(op_bit_concat) {
  return Datum(a[0].as_string() + a[1].as_string());
}
FN(f_bit_count_bits) {
  const std::string& bits = a[0].as_string();
  return Datum(static_cast<int64_t>(std::count(bits.begin(), bits.end(), '1')));
}
FN(f_bit_count_bytes) {
  int64_t n = 0;
  for (unsigned char c : a[0].as_string()) n += __builtin_popcount(c);
  return Datum(n);
}
FN(f_bit_string_length) {
  return Datum(static_cast<int64_t>(a[0].as_string().size()));
}
FN(f_bit_string_octet_length) {
  return Datum(static_cast<int64_t>((a[0].as_string().size() + 7) / 8));
}
FN(f_get_bit) {
  return Datum(bit_string_get_bit(a[0].as_string(), a[1].as_int()));
}
FN(f_set_bit) {
  return Datum(bit_string_set_bit(a[0].as_string(), a[1].as_int(), a[2].as_int()));
}
FN(f_lower) {
  return Datum(ascii_lower(a[0].as_string()));
}
FN(f_upper) {
  return Datum(ascii_upper(a[0].as_string()));
}
FN(f_initcap) {
  std::string s = a[0].as_string();
  bool start = true;
  for (auto& c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (isalnum(u)) {
      c = static_cast<char>(start ? toupper(u) : tolower(u));
      start = false;
    } else {
      start = true;
    }
  }
  return Datum(s);
}

// Character-indexed substring (1-based start, optional length), as text_substr.
std::string substr_chars(const std::string& s, int64_t start, int64_t len, bool has_len) {
  if (has_len && len < 0) throw_error("22011", "negative substring length not allowed");
  int64_t end = has_len ? start + len : INT64_MAX;  // exclusive, 1-based
  if (has_len && __builtin_add_overflow(start, len, &end)) end = INT64_MAX;
  int64_t from = std::max<int64_t>(start, 1);
  if (end <= from) return "";
  size_t b0 = utf8_prefix_bytes(s, static_cast<size_t>(from - 1));
  if (end == INT64_MAX) return s.substr(b0);
  size_t n = static_cast<size_t>(std::min<int64_t>(end - from, static_cast<int64_t>(s.size())));
  size_t b1 = b0 + utf8_prefix_bytes(std::string_view(s).substr(b0), n);
  return s.substr(b0, b1 - b0);
}
FN(f_substr2) {
  return Datum(substr_chars(a[0].as_string(), a[1].as_int(), 0, false));
}
FN(f_substr3) {
  return Datum(substr_chars(a[0].as_string(), a[1].as_int(), a[2].as_int(), true));
}
FN(f_bytea_substr2) {
  const std::string& s = a[0].as_string();
  int64_t st = std::max<int64_t>(a[1].as_int(), 1) - 1;
  return Datum(st >= static_cast<int64_t>(s.size()) ? std::string() : s.substr(st));
}
FN(f_bytea_substr3) {
  const std::string& s = a[0].as_string();
  int64_t start = a[1].as_int(), len = a[2].as_int();
  if (len < 0) throw_error("22011", "negative substring length not allowed");
  int64_t end = start + len;
  int64_t from = std::max<int64_t>(start, 1);
  if (end <= from || from > static_cast<int64_t>(s.size())) return Datum(std::string());
  return Datum(s.substr(from - 1, end - from));
}

// position(sub in bits): 1-based, 0 when absent; an empty string holds nothing (0) and an
// empty sub is found at 1 (PostgreSQL's bitposition).
FN(f_bit_position) {
  const std::string &bits = a[0].as_string(), &sub = a[1].as_string();
  if (bits.empty() || sub.size() > bits.size()) return Datum(int64_t{0});
  const size_t at = bits.find(sub);
  return Datum(at == std::string::npos ? int64_t{0} : static_cast<int64_t>(at + 1));
}
// overlay(bits placing other from start [for count]): count defaults to other's length
// (PostgreSQL's bitoverlay; bit strings are one byte per bit, so substr_chars cuts them).
FN(f_bit_overlay) {
  const std::string &bits = a[0].as_string(), &other = a[1].as_string();
  const int64_t start = a[2].as_int();
  const int64_t count = a.size() > 3 ? a[3].as_int() : static_cast<int64_t>(other.size());
  if (start <= 0) throw_error("22011", "negative substring length not allowed");
  int64_t after = 0;
  if (__builtin_add_overflow(start, count, &after) || after > INT32_MAX || after < INT32_MIN)
    throw_error(sqlstate::kNumericValueOutOfRange, "integer out of range");
  return Datum(substr_chars(bits, 1, start - 1, true) + other +
               substr_chars(bits, after, 0, false));
}

std::string do_trim(const std::string& s, const std::string& chars, bool left, bool right) {
  size_t b = 0, e = s.size();
  if (left)
    while (b < e && chars.find(s[b]) != std::string::npos) ++b;
  if (right)
    while (e > b && chars.find(s[e - 1]) != std::string::npos) --e;
  return s.substr(b, e - b);
}
FN(f_btrim1) {
  return Datum(do_trim(a[0].as_string(), " ", true, true));
}
FN(f_btrim2) {
  return Datum(do_trim(a[0].as_string(), a[1].as_string(), true, true));
}
FN(f_ltrim1) {
  return Datum(do_trim(a[0].as_string(), " ", true, false));
}
FN(f_ltrim2) {
  return Datum(do_trim(a[0].as_string(), a[1].as_string(), true, false));
}
FN(f_rtrim1) {
  return Datum(do_trim(a[0].as_string(), " ", false, true));
}
FN(f_rtrim2) {
  return Datum(do_trim(a[0].as_string(), a[1].as_string(), false, true));
}

FN(f_replace) {
  const std::string &s = a[0].as_string(), &from = a[1].as_string(), &to = a[2].as_string();
  if (from.empty()) return a[0];
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t f = s.find(from, pos);
    if (f == std::string::npos) break;
    out.append(s, pos, f - pos);
    out += to;
    pos = f + from.size();
  }
  out.append(s, pos, std::string::npos);
  return Datum(out);
}

std::string any_to_text(const Datum& d, const TypeRef& t, const TimeZone& zone) {
  if (d.is_null()) return "";
  if (std::holds_alternative<std::string>(d.v) && t.oid != kBytea) return d.as_string();
  return to_text(d, t, zone);
}
FN(f_concat) {
  std::string out;
  for (size_t i = 0; i < a.size(); ++i) out += any_to_text(a[i], t[i], ctx.zone);
  return Datum(out);
}
FN(f_concat_ws) {
  if (a[0].is_null()) return Datum::Null();
  std::string out;
  bool first = true;
  for (size_t i = 1; i < a.size(); ++i) {
    if (a[i].is_null()) continue;
    if (!first) out += a[0].as_string();
    first = false;
    out += any_to_text(a[i], t[i], ctx.zone);
  }
  return Datum(out);
}
FN(f_left) {
  const std::string& s = a[0].as_string();
  int64_t n = a[1].as_int();
  int64_t len = static_cast<int64_t>(utf8_length(s));
  int64_t keep = n >= 0 ? std::min(n, len) : std::max<int64_t>(len + n, 0);
  return Datum(s.substr(0, utf8_prefix_bytes(s, static_cast<size_t>(keep))));
}
FN(f_right) {
  const std::string& s = a[0].as_string();
  int64_t n = a[1].as_int();
  int64_t len = static_cast<int64_t>(utf8_length(s));
  int64_t skip = n >= 0 ? std::max<int64_t>(len - n, 0) : std::min(-n, len);
  return Datum(s.substr(utf8_prefix_bytes(s, static_cast<size_t>(skip))));
}
std::string pad(const std::string& s, int64_t len, const std::string& fill, bool left) {
  if (len <= 0) return "";
  int64_t cur = static_cast<int64_t>(utf8_length(s));
  if (cur >= len) return s.substr(0, utf8_prefix_bytes(s, static_cast<size_t>(len)));
  if (fill.empty()) return s;
  std::string padding;
  int64_t need = len - cur;
  size_t fl = utf8_length(fill);
  while (need > 0) {
    int64_t take = std::min<int64_t>(need, static_cast<int64_t>(fl));
    padding += fill.substr(0, utf8_prefix_bytes(fill, static_cast<size_t>(take)));
    need -= take;
  }
  return left ? padding + s : s + padding;
}
FN(f_lpad2) {
  return Datum(pad(a[0].as_string(), a[1].as_int(), " ", true));
}
FN(f_lpad3) {
  return Datum(pad(a[0].as_string(), a[1].as_int(), a[2].as_string(), true));
}
FN(f_rpad2) {
  return Datum(pad(a[0].as_string(), a[1].as_int(), " ", false));
}
FN(f_rpad3) {
  return Datum(pad(a[0].as_string(), a[1].as_int(), a[2].as_string(), false));
}
FN(f_strpos) {
  const std::string &s = a[0].as_string(), &sub = a[1].as_string();
  size_t p = s.find(sub);
  if (p == std::string::npos) return Datum(int64_t{0});
  return Datum(static_cast<int64_t>(utf8_length(std::string_view(s).substr(0, p)) + 1));
}
FN(f_split_part) {
  const std::string &s = a[0].as_string(), &d = a[1].as_string();
  int64_t n = a[2].as_int();
  if (n == 0) throw_error(sqlstate::kInvalidParameterValue, "field position must not be zero");
  std::vector<std::string> parts;
  if (d.empty()) {
    parts.push_back(s);
  } else {
    size_t pos = 0;
    while (true) {
      size_t f = s.find(d, pos);
      if (f == std::string::npos) {
        parts.push_back(s.substr(pos));
        break;
      }
      parts.push_back(s.substr(pos, f - pos));
      pos = f + d.size();
    }
  }
  if (s.empty()) return Datum(std::string());
  int64_t cnt = static_cast<int64_t>(parts.size());
  int64_t idx = n > 0 ? n - 1 : cnt + n;
  if (idx < 0 || idx >= cnt) return Datum(std::string());
  return Datum(parts[idx]);
}
FN(f_repeat) {
  int64_t n = a[1].as_int();
  std::string out;
  if (n <= 0) return Datum(out);
  if (static_cast<double>(n) * a[0].as_string().size() > 1073741823.0)
    throw_error(sqlstate::kProgramLimitExceeded, "requested length too large");
  for (int64_t i = 0; i < n; ++i) out += a[0].as_string();
  return Datum(out);
}
FN(f_reverse) {
  const std::string& s = a[0].as_string();
  std::string out;
  size_t i = s.size();
  while (i > 0) {
    size_t st = i - 1;
    while (st > 0 && (static_cast<unsigned char>(s[st]) & 0xC0) == 0x80) --st;
    out.append(s, st, i - st);
    i = st;
  }
  return Datum(out);
}
FN(f_md5) {
  return Datum(md5_hex(a[0].as_string()));
}
// PostgreSQL's hash support functions (hashing.h), which users call for advisory-lock keys
// (pg_advisory_xact_lock(hashtext('job'))): the 32-bit ones are the low word of the unseeded
// 64-bit hash, as an int4.
FN(f_hash32) {
  (void)ctx;
  return Datum(
      int64_t{static_cast<int32_t>(static_cast<uint32_t>(hash_value_extended(a[0], t[0], 0)))});
}
FN(f_hash_extended) {
  (void)ctx;
  return Datum(
      static_cast<int64_t>(hash_value_extended(a[0], t[0], static_cast<uint64_t>(a[1].as_int()))));
}
FN(f_sha224) {
  return Datum(sha224(a[0].as_string()));
}
FN(f_sha256) {
  return Datum(sha256(a[0].as_string()));
}
FN(f_sha384) {
  return Datum(sha384(a[0].as_string()));
}
FN(f_sha512) {
  return Datum(sha512(a[0].as_string()));
}
FN(f_convert_to) {  // text in the server's UTF8 → bytes in the named encoding
  return Datum(convert_encoding(a[0].as_string(), "UTF8", a[1].as_string()));
}
FN(f_convert_from) {
  return Datum(convert_encoding(a[0].as_string(), a[1].as_string(), "UTF8"));
}
FN(f_convert) {
  return Datum(convert_encoding(a[0].as_string(), a[1].as_string(), a[2].as_string()));
}
FN(f_encode) {
  return Datum(encode_bytes(a[0].as_string(), a[1].as_string()));
}
FN(f_decode) {
  return Datum(decode_bytes(a[0].as_string(), a[1].as_string()));
}
FN(f_ascii) {
  const std::string& s = a[0].as_string();
  if (s.empty()) return Datum(int64_t{0});
  unsigned char c = static_cast<unsigned char>(s[0]);
  if (c < 0x80) return Datum(static_cast<int64_t>(c));
  size_t n = utf8_char_len(c);
  int64_t cp = c & (0xFF >> (n + 1));
  for (size_t i = 1; i < n && i < s.size(); ++i) cp = (cp << 6) | (s[i] & 0x3F);
  return Datum(cp);
}
FN(f_chr) {
  int64_t cp = a[0].as_int();
  if (cp == 0) throw_error("54000", "null character not permitted");
  if (cp < 0 || cp > 0x10FFFF)
    throw_error(sqlstate::kProgramLimitExceeded,
                "requested character too large for encoding: " + std::to_string(cp));
  std::string out;
  internal::append_utf8(out, static_cast<uint32_t>(cp));
  return Datum(out);
}
FN(f_starts_with) {
  return Datum(a[0].as_string().starts_with(a[1].as_string()));
}
FN(f_quote_ident) {
  return Datum(quote_identifier(a[0].as_string()));
}
FN(f_quote_literal) {
  const std::string& s = any_to_text(a[0], t[0], ctx.zone);
  std::string out = s.find('\\') != std::string::npos ? "E'" : "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  return Datum(out + "'");
}
FN(f_quote_nullable) {  // quote_literal, and NULL as the unquoted word
  if (a[0].is_null()) return Datum(std::string("NULL"));
  return f_quote_literal(a, t, ctx);
}
// format(formatstr, VARIADIC args): PostgreSQL's %s, %I, %L and %% with argument positions
// (%2$s) and widths (%-10s, %*s), as text_format() in varlena.c does.
FN(f_format) {
  if (a[0].is_null()) return Datum::Null();
  const std::string& fmt = a[0].as_string();
  const auto bad = [](const std::string& msg) -> Datum {
    throw SqlError(sqlstate::kInvalidParameterValue, msg);
  };
  std::string out;
  size_t next_arg = 1;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    if (++i >= fmt.size()) bad("unterminated format() type specifier");
    if (fmt[i] == '%') {
      out += '%';
      continue;
    }
    // [position$][flags][width]type
    auto read_number = [&](size_t& pos, int64_t& value) {
      size_t start = pos;
      value = 0;
      while (pos < fmt.size() && isdigit(static_cast<unsigned char>(fmt[pos])))
        value = std::min<int64_t>(value * 10 + (fmt[pos++] - '0'), INT32_MAX);
      return pos > start;
    };
    int64_t n = 0;
    size_t pos = i;
    if (read_number(pos, n) && pos < fmt.size() && fmt[pos] == '$') {
      if (n == 0) bad("format specifies argument 0, but arguments are numbered from 1");
      next_arg = static_cast<size_t>(n);
      i = pos + 1;
    }
    bool left = false;
    while (i < fmt.size() && fmt[i] == '-') left = true, ++i;
    int64_t width = 0;
    if (i < fmt.size() && fmt[i] == '*') {
      ++i;
      if (next_arg >= a.size()) bad("too few arguments for format()");
      if (!a[next_arg].is_null()) {
        width = cast(a[next_arg], t[next_arg], TypeRef{kInt4, -1}).as_int();
        if (width < 0) left = true, width = -width;
      }
      ++next_arg;
    } else {
      read_number(i, width);
    }
    if (i >= fmt.size()) bad("unterminated format() type specifier");
    char type = fmt[i];
    if (type != 's' && type != 'I' && type != 'L')
      bad(std::string("unrecognized format() type specifier \"") + type + "\"");
    if (next_arg >= a.size()) bad("too few arguments for format()");
    const Datum& v = a[next_arg];
    const TypeRef& vt = t[next_arg];
    ++next_arg;
    std::string piece;
    if (type == 's') {
      piece = any_to_text(v, vt, ctx.zone);
    } else if (type == 'I') {
      if (v.is_null())
        throw SqlError(sqlstate::kNullValueNotAllowed,
                       "null values cannot be formatted as an SQL identifier");
      Args one{Datum(any_to_text(v, vt, ctx.zone))};
      Types text{TypeRef{kText, -1}};
      piece = f_quote_ident(one, text, ctx).as_string();
    } else {
      if (v.is_null()) {
        piece = "NULL";
      } else {
        Args one{v};
        Types ty{vt};
        piece = f_quote_literal(one, ty, ctx).as_string();
      }
    }
    size_t chars = 0;
    for (char c : piece)
      if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++chars;
    std::string pad(width > static_cast<int64_t>(chars) ? width - chars : 0, ' ');
    out += left ? piece + pad : pad + piece;
  }
  return Datum(out);
}

// Math.
FN(f_round_num) {
  return Datum(numeric_round(a[0].as_numeric(), 0));
}
FN(f_round_num2) {
  int64_t s = std::clamp<int64_t>(a[1].as_int(), -1000, 1000);
  Numeric r = numeric_round(a[0].as_numeric(), static_cast<int>(s));
  return Datum(r);
}
FN(f_round_float) {
  return Datum(std::nearbyint(a[0].as_double()));
}
FN(f_trunc_num) {
  return Datum(numeric_trunc(a[0].as_numeric(), 0));
}
FN(f_trunc_num2) {
  return Datum(numeric_trunc(a[0].as_numeric(),
                             static_cast<int>(std::clamp<int64_t>(a[1].as_int(), -1000, 1000))));
}
FN(f_trunc_float) {
  return Datum(std::trunc(a[0].as_double()));
}
FN(f_ceil_num) {
  Numeric n = a[0].as_numeric();
  Numeric tr = numeric_trunc(n, 0);
  if (numeric_cmp(tr, n) < 0) tr = numeric_add(tr, numeric_from_int(1));
  return Datum(tr);
}
FN(f_floor_num) {
  Numeric n = a[0].as_numeric();
  Numeric tr = numeric_trunc(n, 0);
  if (numeric_cmp(tr, n) > 0) tr = numeric_sub(tr, numeric_from_int(1));
  return Datum(tr);
}
FN(f_ceil_float) {
  return Datum(std::ceil(a[0].as_double()));
}
FN(f_floor_float) {
  return Datum(std::floor(a[0].as_double()));
}
FN(f_sign_num) {
  const Numeric& n = a[0].as_numeric();
  return Datum(Numeric{(n.unscaled > 0) - (n.unscaled < 0), 0, n.nan});
}
FN(f_sign_float) {
  double x = a[0].as_double();
  return Datum(static_cast<double>((x > 0) - (x < 0)));
}
FN(f_sqrt_float) {
  double x = a[0].as_double();
  if (x < 0) throw_error("2201F", "cannot take square root of a negative number");
  return Datum(std::sqrt(x));
}
FN(f_sqrt_num) {
  const Numeric& n = a[0].as_numeric();
  if (n.unscaled < 0) throw_error("2201F", "cannot take square root of a negative number");
  double r = std::sqrt(numeric_to_double(n));
  int int_digits = r < 1 ? 0 : static_cast<int>(std::floor(std::log10(r))) + 1;
  int rscale = std::max(16 - int_digits, n.scale);
  rscale = std::max(0, std::min(rscale, 30));
  char buf[64];
  snprintf(buf, sizeof buf, "%.17g", r);
  bool ok;
  Numeric approx = numeric_round(numeric_parse(buf, &ok), std::min(rscale + 2, 36 - int_digits));
  // One Newton step in numeric to fix the last digits: x = (x + n/x) / 2.
  if (approx.unscaled != 0) {
    try {
      Numeric q = numeric_div_scale(n, approx, std::min(rscale + 2, 36 - int_digits));
      approx = numeric_div_scale(numeric_add(approx, q), numeric_from_int(2),
                                 std::min(rscale + 2, 36 - int_digits));
    } catch (const SqlError&) {
    }
  }
  return Datum(numeric_round(approx, rscale));
}
FN(f_cbrt) {
  return Datum(std::cbrt(a[0].as_double()));
}
FN(f_exp) {
  return Datum(check_float(std::exp(a[0].as_double()), std::isinf(a[0].as_double()), true, false));
}
FN(f_ln) {
  double x = a[0].as_double();
  if (x == 0) throw_error("2201E", "cannot take logarithm of zero");
  if (x < 0) throw_error("2201E", "cannot take logarithm of a negative number");
  return Datum(std::log(x));
}
FN(f_log10) {
  double x = a[0].as_double();
  if (x == 0) throw_error("2201E", "cannot take logarithm of zero");
  if (x < 0) throw_error("2201E", "cannot take logarithm of a negative number");
  return Datum(std::log10(x));
}
FN(f_pi) {
  return Datum(M_PI);
}
// The server's and the client's encoding: holdfast stores and speaks UTF8 only.
FN(f_utf8_encoding) {
  return Datum(std::string("UTF8"));
}
// The fraction of the notification queue in use: notifications are handed to listeners at
// commit and never wait in a queue.
FN(f_notification_queue_usage) {
  return Datum(0.0);
}
FN(f_degrees) {
  return Datum(a[0].as_double() * 180.0 / M_PI);
}
FN(f_radians) {
  return Datum(a[0].as_double() * M_PI / 180.0);
}
FN(f_sin) {
  return Datum(std::sin(a[0].as_double()));
}
FN(f_cos) {
  return Datum(std::cos(a[0].as_double()));
}

std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}
FN(f_random) {
  return Datum(std::uniform_real_distribution<double>(0.0, 1.0)(rng()));
}
FN(f_gen_random_uuid) {
  Uuid u;
  uint64_t x = rng()(), y = rng()();
  memcpy(u.bytes.data(), &x, 8);
  memcpy(u.bytes.data() + 8, &y, 8);
  u.bytes[6] = static_cast<uint8_t>((u.bytes[6] & 0x0F) | 0x40);
  u.bytes[8] = static_cast<uint8_t>((u.bytes[8] & 0x3F) | 0x80);
  return Datum(u);
}
FN(f_div_num) {
  const Numeric &x = a[0].as_numeric(), &y = a[1].as_numeric();
  if (y.unscaled == 0 && !y.nan) division_by_zero();
  Numeric q = numeric_div_scale(x, y, std::max(x.scale, y.scale) + 1);
  return Datum(numeric_trunc(q, 0));
}

// Time functions.
FN(f_now) {
  return Datum(ctx.transaction_start_us != 0 ? ctx.transaction_start_us : now_us());
}
FN(f_statement_timestamp) {
  return Datum(ctx.statement_start_us != 0 ? ctx.statement_start_us : now_us());
}
FN(f_clock_timestamp) {
  return Datum(now_us());
}

struct Fields {
  int64_t year;
  unsigned month, day;
  int64_t hour, minute, sec, usec;
  int64_t days;  // since 2000-01-01
};
Fields split_ts(int64_t ts) {
  Fields f{};
  int64_t d = ts / kUsecsPerDay, rem = ts % kUsecsPerDay;
  if (rem < 0) {
    rem += kUsecsPerDay;
    --d;
  }
  f.days = d;
  civil_from_days(d, &f.year, &f.month, &f.day);
  f.hour = rem / kUsecsPerHour;
  rem %= kUsecsPerHour;
  f.minute = rem / kUsecsPerMinute;
  rem %= kUsecsPerMinute;
  f.sec = rem / kUsecsPerSec;
  f.usec = rem % kUsecsPerSec;
  return f;
}

std::string lower_field(const Datum& d) {
  return ascii_lower(d.as_string());
}

std::string extract_unit(const Datum& field) {
  std::string unit = lower_field(field);
  // Plural and abbreviated spellings PostgreSQL accepts.
  static const std::pair<const char*, const char*> kAlias[] = {{"years", "year"},
                                                               {"months", "month"},
                                                               {"mon", "month"},
                                                               {"mons", "month"},
                                                               {"days", "day"},
                                                               {"hours", "hour"},
                                                               {"minutes", "minute"},
                                                               {"min", "minute"},
                                                               {"mins", "minute"},
                                                               {"seconds", "second"},
                                                               {"sec", "second"},
                                                               {"secs", "second"},
                                                               {"millisecond", "milliseconds"},
                                                               {"ms", "milliseconds"},
                                                               {"msec", "milliseconds"},
                                                               {"microsecond", "microseconds"},
                                                               {"us", "microseconds"},
                                                               {"usec", "microseconds"},
                                                               {"weeks", "week"},
                                                               {"decades", "decade"},
                                                               {"centuries", "century"},
                                                               {"millennia", "millennium"},
                                                               {"y", "year"},
                                                               {"d", "day"},
                                                               {"h", "hour"},
                                                               {"m", "minute"},
                                                               {"s", "second"},
                                                               {"qtr", "quarter"}};
  for (const auto& [from, to] : kAlias)
    if (unit == from) unit = to;
  return unit;
}
// Whether `unit` (as extract_unit spells it) is a unit PostgreSQL's DecodeUnits knows: one
// a type does not support is 0A000 "not supported", any other word 22023 "not recognized".
bool known_unit(const std::string& unit) {
  static const char* const kUnits[] = {
      "microseconds",  "milliseconds",   "second",     "minute",  "hour",
      "day",           "week",           "month",      "quarter", "year",
      "decade",        "century",        "millennium", "epoch",   "dow",
      "doy",           "isodow",         "isoyear",    "julian",  "timezone",
      "timezone_hour", "timezone_minute"};
  for (const char* u : kUnits)
    if (unit == u) return true;
  return false;
}
[[noreturn]] void unit_not_recognized(const std::string& unit, const std::string& type_name) {
  throw_error(sqlstate::kInvalidParameterValue,
              "unit \"" + unit + "\" not recognized for type " + type_name);
}
int64_t trunc_ts(const std::string& unit, int64_t ts, const char* tname) {
  if (ts == kTsPosInfinity || ts == kTsNegInfinity) return ts;
  Fields f = split_ts(ts);
  auto mk = [](int64_t y, unsigned m, unsigned d) {
    return days_from_civil(y, m, d) * kUsecsPerDay;
  };
  if (unit == "microseconds") return ts;
  if (unit == "milliseconds") return ts - (((ts % 1000) + 1000) % 1000);
  if (unit == "second") return ts - (((ts % kUsecsPerSec) + kUsecsPerSec) % kUsecsPerSec);
  if (unit == "minute") return ts - (((ts % kUsecsPerMinute) + kUsecsPerMinute) % kUsecsPerMinute);
  if (unit == "hour") return ts - (((ts % kUsecsPerHour) + kUsecsPerHour) % kUsecsPerHour);
  if (unit == "day") return f.days * kUsecsPerDay;
  if (unit == "week") {
    int64_t dow = ((f.days + 5) % 7 + 7) % 7;  // 2000-01-01 was a Saturday; Monday = 0
    return (f.days - dow) * kUsecsPerDay;
  }
  if (unit == "month") return mk(f.year, f.month, 1);
  if (unit == "quarter") return mk(f.year, (f.month - 1) / 3 * 3 + 1, 1);
  if (unit == "year") return mk(f.year, 1, 1);
  if (unit == "decade") return mk(f.year - ((f.year % 10) + 10) % 10, 1, 1);
  if (unit == "century") return mk(f.year > 0 ? (f.year - 1) / 100 * 100 + 1 : f.year, 1, 1);
  if (unit == "millennium") return mk(f.year > 0 ? (f.year - 1) / 1000 * 1000 + 1 : f.year, 1, 1);
  unit_not_recognized(unit, tname);
}
FN(f_date_trunc_ts) {
  return Datum(trunc_ts(extract_unit(a[0]), a[1].as_int(), "timestamp without time zone"));
}
// A timestamptz truncated in `zone`: units of an hour or more cut the local time.
int64_t trunc_tstz(const std::string& unit, int64_t ts, const TimeZone& zone) {
  const char* tname = "timestamp with time zone";
  if (unit == "microseconds" || unit == "milliseconds" || unit == "second" || unit == "minute")
    return trunc_ts(unit, ts, tname);
  return zone.to_utc(trunc_ts(unit, zone.to_local(ts), tname));
}
FN(f_date_trunc_tstz) {  // in the session's zone
  return Datum(trunc_tstz(extract_unit(a[0]), a[1].as_int(), ctx.zone));
}
FN(f_date_trunc_tstz_zone) {  // date_trunc(unit, ts, zone): in the named zone
  return Datum(trunc_tstz(extract_unit(a[0]), a[1].as_int(), resolve_zone(a[2].as_string())));
}
}  // namespace

int64_t timestamp_plus_interval(int64_t ts, const Interval& iv) {
  return timestamp_add_interval(ts, iv, false);
}

int64_t timestamptz_plus_interval(int64_t ts, const Interval& iv, const TimeZone& zone,
                                  bool subtract) {
  if (ts == kTsPosInfinity || ts == kTsNegInfinity) return ts;
  if (iv.months != 0 || iv.days != 0)
    ts = zone.to_utc(
        timestamp_add_interval(zone.to_local(ts), Interval{0, iv.days, iv.months}, subtract));
  return timestamp_add_interval(ts, Interval{iv.micros, 0, 0}, subtract);
}

namespace {

// AT TIME ZONE (PostgreSQL's timezone(zone, ts)): with a zone name, or with an interval
// offset east of Greenwich (hours, minutes and seconds only).
FN(f_timezone_tstz) {
  return Datum(timestamptz_at_zone(a[1].as_int(), a[0].as_string()));
}
FN(f_timezone_ts) {
  return Datum(timestamp_at_zone(a[1].as_int(), a[0].as_string()));
}
int64_t interval_zone_offset(const Datum& zone) {
  const Interval& iv = zone.as_interval();
  if (iv.months != 0 || iv.days != 0)
    throw_error(sqlstate::kInvalidParameterValue, "interval time zone \"" +
                                                      to_text(zone, TypeRef{kInterval, -1}) +
                                                      "\" must not include months or days");
  return iv.micros;
}
FN(f_timezone_interval_tstz) {
  int64_t offset = interval_zone_offset(a[0]), ts = a[1].as_int();
  if (ts == kTsNegInfinity || ts == kTsPosInfinity) return Datum(ts);
  return Datum(ts + offset);
}
FN(f_timezone_interval_ts) {
  int64_t offset = interval_zone_offset(a[0]), ts = a[1].as_int();
  if (ts == kTsNegInfinity || ts == kTsPosInfinity) return Datum(ts);
  return Datum(ts - offset);
}
FN(f_date_trunc_interval) {
  std::string unit = extract_unit(a[0]);
  Interval iv = a[1].as_interval();
  auto cut = [&](int64_t q) { iv.micros -= iv.micros % q; };
  if (unit == "microseconds") {
  } else if (unit == "milliseconds")
    cut(1000);
  else if (unit == "second")
    cut(kUsecsPerSec);
  else if (unit == "minute")
    cut(kUsecsPerMinute);
  else if (unit == "hour")
    cut(kUsecsPerHour);
  else if (unit == "day")
    iv.micros = 0;
  else if (unit == "month")
    iv.micros = 0, iv.days = 0;
  else if (unit == "quarter")
    iv.micros = 0, iv.days = 0, iv.months -= iv.months % 3;
  else if (unit == "year")
    iv.micros = 0, iv.days = 0, iv.months -= iv.months % 12;
  else if (unit == "decade")
    iv.micros = 0, iv.days = 0, iv.months -= iv.months % 120;
  else if (unit == "century")
    iv.micros = 0, iv.days = 0, iv.months -= iv.months % 1200;
  else
    unit_not_recognized(unit, "interval");
  return Datum(iv);
}

// extract/date_part: value as a Numeric (date_part converts to float8).
Numeric extract_ts(const std::string& unit, int64_t ts, bool is_date, const char* tname) {
  Fields f = split_ts(ts);
  auto I = [](int64_t v) { return numeric_from_int(v); };
  auto S6 = [](int128 v) { return Numeric{v, 6, false}; };
  if (unit == "year") return I(f.year > 0 ? f.year : f.year - 1);
  if (unit == "month") return I(f.month);
  if (unit == "day") return I(f.day);
  if (unit == "quarter") return I((f.month - 1) / 3 + 1);
  if (unit == "decade") return I(f.year >= 0 ? f.year / 10 : -((8 - (f.year - 1)) / 10));
  if (unit == "century") return I(f.year > 0 ? (f.year + 99) / 100 : -((99 - (f.year - 1)) / 100));
  if (unit == "millennium")
    return I(f.year > 0 ? (f.year + 999) / 1000 : -((999 - (f.year - 1)) / 1000));
  if (unit == "dow") return I(((f.days + 6) % 7 + 7) % 7);
  if (unit == "isodow") {
    int64_t d = ((f.days + 6) % 7 + 7) % 7;
    return I(d == 0 ? 7 : d);
  }
  if (unit == "doy") return I(f.days - days_from_civil(f.year, 1, 1) + 1);
  if (unit == "week" || unit == "isoyear") {
    // ISO week: the week with the year's first Thursday is week 1.
    int64_t dow = ((f.days + 5) % 7 + 7) % 7;  // Monday = 0
    int64_t thursday = f.days - dow + 3;
    int64_t ty;
    unsigned tm, td;
    civil_from_days(thursday, &ty, &tm, &td);
    if (unit == "isoyear") return I(ty);
    return I((thursday - days_from_civil(ty, 1, 1)) / 7 + 1);
  }
  if (unit == "julian") return I(f.days + 2451545);
  if (unit == "epoch") {
    int128 us = static_cast<int128>(ts) + static_cast<int128>(10957) * kUsecsPerDay;
    if (is_date) return I(static_cast<int64_t>(us / kUsecsPerSec));
    return S6(us);
  }
  if (!is_date) {
    if (unit == "hour") return I(f.hour);
    if (unit == "minute") return I(f.minute);
    if (unit == "second") return S6(f.sec * kUsecsPerSec + f.usec);
    if (unit == "milliseconds") return Numeric{f.sec * kUsecsPerSec + f.usec, 3, false};
    if (unit == "microseconds") return I(f.sec * kUsecsPerSec + f.usec);
    if (unit == "timezone" || unit == "timezone_hour" || unit == "timezone_minute") return I(0);
  }
  throw_error(sqlstate::kFeatureNotSupported,
              std::string("unit \"") + unit + "\" not supported for type " + tname);
}
Numeric extract_interval(const std::string& unit, const Interval& iv) {
  auto I = [](int64_t v) { return numeric_from_int(v); };
  int64_t t = iv.micros;
  if (unit == "year") return I(iv.months / 12);
  if (unit == "month") return I(iv.months % 12);
  if (unit == "day") return I(iv.days);
  if (unit == "hour") return I(t / kUsecsPerHour);
  if (unit == "minute") return I(t % kUsecsPerHour / kUsecsPerMinute);
  if (unit == "second") return Numeric{t % kUsecsPerMinute, 6, false};
  if (unit == "milliseconds") return Numeric{t % kUsecsPerMinute, 3, false};
  if (unit == "microseconds") return I(t % kUsecsPerMinute);
  if (unit == "quarter") return I(iv.months % 12 / 3 + 1);
  if (unit == "decade") return I(iv.months / 120);
  if (unit == "century") return I(iv.months / 1200);
  if (unit == "millennium") return I(iv.months / 12000);
  if (unit == "epoch") {
    int128 secs6 = static_cast<int128>(iv.months / 12) * 31557600LL * kUsecsPerSec +
                   static_cast<int128>(iv.months % 12) * 30 * kUsecsPerDay +
                   static_cast<int128>(iv.days) * kUsecsPerDay + iv.micros;
    return Numeric{secs6, 6, false};
  }
  throw_error(sqlstate::kFeatureNotSupported,
              "unit \"" + unit + "\" not supported for type interval");
}
// +1 / -1 for an infinite date or timestamp, else 0.
int infinity_sign(const Datum& v, Oid type) {
  if (type == kDate) {
    if (v.as_int() == kDatePosInfinity) return 1;
    if (v.as_int() == kDateNegInfinity) return -1;
  } else if (type == kTimestamp || type == kTimestampTz) {
    if (v.as_int() == kTsPosInfinity) return 1;
    if (v.as_int() == kTsNegInfinity) return -1;
  }
  return 0;
}
// PostgreSQL: an infinite date or timestamp has no month, day, hour...: NULL; the units that
// grow with time are infinite too.
bool grows_with_time(const std::string& unit) {
  return unit == "year" || unit == "decade" || unit == "century" || unit == "millennium" ||
         unit == "julian" || unit == "isoyear" || unit == "epoch";
}
Numeric extract_any(const std::string& unit, const Datum& v, Oid type, const TimeZone& zone) {
  if (type == kInterval) return extract_interval(unit, v.as_interval());
  if (type == kTime) {
    int64_t t = v.as_int();
    if (unit == "hour") return numeric_from_int(t / kUsecsPerHour);
    if (unit == "minute") return numeric_from_int(t % kUsecsPerHour / kUsecsPerMinute);
    if (unit == "second") return Numeric{t % kUsecsPerMinute, 6, false};
    if (unit == "milliseconds") return Numeric{t % kUsecsPerMinute, 3, false};
    if (unit == "microseconds") return numeric_from_int(t % kUsecsPerMinute);
    if (unit == "epoch") return Numeric{t, 6, false};
    throw_error(sqlstate::kFeatureNotSupported,
                "unit \"" + unit + "\" not supported for type time without time zone");
  }
  if (type == kDate) return extract_ts(unit, date_to_timestamp(v.as_int()), true, "date");
  if (type == kTimestampTz) {
    // The fields of the local time in the session's zone; epoch and the zone's offset.
    const int64_t ts = v.as_int();
    if (unit == "epoch") return extract_ts(unit, ts, false, "timestamp with time zone");
    const int32_t east = zone.utc_offset(ts);
    if (unit == "timezone") return numeric_from_int(east);
    if (unit == "timezone_hour") return numeric_from_int(east / 3600);
    if (unit == "timezone_minute") return numeric_from_int(east / 60 % 60);
    return extract_ts(unit, zone.to_local(ts), false, "timestamp with time zone");
  }
  return extract_ts(unit, v.as_int(), false, "timestamp without time zone");
}
FN(f_extract) {
  std::string unit = extract_unit(a[0]);
  if (!known_unit(unit)) unit_not_recognized(unit, format_type(t[1]));
  if (infinity_sign(a[1], t[1].oid) != 0) {
    if (!grows_with_time(unit)) return Datum::Null();
    throw_error(sqlstate::kFeatureNotSupported, "numeric infinity is not supported");
  }
  return Datum(extract_any(unit, a[1], t[1].oid, ctx.zone));
}
FN(f_date_part) {
  std::string unit = extract_unit(a[0]);
  if (!known_unit(unit)) unit_not_recognized(unit, format_type(t[1]));
  if (int sign = infinity_sign(a[1], t[1].oid)) {
    if (!grows_with_time(unit)) return Datum::Null();
    return Datum(sign * std::numeric_limits<double>::infinity());
  }
  return Datum(numeric_to_double(extract_any(unit, a[1], t[1].oid, ctx.zone)));
}

Interval age(int64_t x, int64_t y) {
  Fields a = split_ts(x), b = split_ts(y);
  bool neg = x < y;
  if (neg) std::swap(a, b);
  int64_t usec = a.usec - b.usec, sec = a.sec - b.sec, min = a.minute - b.minute,
          hour = a.hour - b.hour, day = static_cast<int64_t>(a.day) - b.day,
          mon = static_cast<int64_t>(a.month) - b.month, year = a.year - b.year;
  if (usec < 0) usec += kUsecsPerSec, --sec;
  if (sec < 0) sec += 60, --min;
  if (min < 0) min += 60, --hour;
  if (hour < 0) hour += 24, --day;
  if (day < 0) {
    // Borrow the days of the month before the later date's month.
    int64_t py = b.year;
    unsigned pm = b.month;
    day += days_in_month(py, pm);
    --mon;
  }
  if (mon < 0) mon += 12, --year;
  Interval r;
  r.months = static_cast<int32_t>(year * 12 + mon);
  r.days = static_cast<int32_t>(day);
  r.micros = hour * kUsecsPerHour + min * kUsecsPerMinute + sec * kUsecsPerSec + usec;
  if (neg) r = Interval{-r.micros, -r.days, -r.months};
  return r;
}
// age() of two timestamptz compares their local times in the session's zone; that of two
// timestamps (same function: they convert implicitly) the timestamps.
FN(f_age2) {
  if (t[0].oid == kTimestampTz)
    return Datum(age(ctx.zone.to_local(a[0].as_int()), ctx.zone.to_local(a[1].as_int())));
  return Datum(age(a[0].as_int(), a[1].as_int()));
}
FN(f_age1) {
  // age(ts) is age(current_date, ts): today's midnight in the session's zone.
  int64_t today = ctx.zone.to_local(ctx.transaction_start_us ? ctx.transaction_start_us : now_us());
  today -= ((today % kUsecsPerDay) + kUsecsPerDay) % kUsecsPerDay;
  const int64_t ts = a[0].as_int();
  return Datum(age(today, t[0].oid == kTimestampTz ? ctx.zone.to_local(ts) : ts));
}
FN(f_to_timestamp) {
  double x = a[0].as_double();
  if (std::isnan(x)) throw_error(sqlstate::kDatetimeFieldOverflow, "timestamp cannot be NaN");
  if (std::isinf(x)) return Datum(x > 0 ? kTsPosInfinity : kTsNegInfinity);
  double us = std::nearbyint((x - 946684800.0) * 1e6);
  if (!(us > -9.2e18 && us < 9.2e18))
    throw_error(sqlstate::kDatetimeFieldOverflow,
                "timestamp out of range: \"" + float_to_string(x, false) + "\"");
  return Datum(static_cast<int64_t>(us));
}
FN(f_make_date) {
  int64_t y = a[0].as_int(), m = a[1].as_int(), d = a[2].as_int();
  if (y == 0 || m < 1 || m > 12 || d < 1 ||
      d > days_in_month(y < 0 ? y + 1 : y, static_cast<unsigned>(m)))
    throw_error(sqlstate::kDatetimeFieldOverflow,
                "date field value out of range: " + std::to_string(y) + "-" + (m < 10 ? "0" : "") +
                    std::to_string(m) + "-" + (d < 10 ? "0" : "") + std::to_string(d));
  return Datum(
      days_from_civil(y < 0 ? y + 1 : y, static_cast<unsigned>(m), static_cast<unsigned>(d)));
}
FN(f_make_timestamp) {
  Args da{a[0], a[1], a[2]};
  int64_t days = f_make_date(da, t, ctx).as_int();
  int64_t h = a[3].as_int(), mi = a[4].as_int();
  double s = a[5].as_double();
  if (h < 0 || h > 24 || mi < 0 || mi > 59 || s < 0 || s > 60)
    throw_error(sqlstate::kDatetimeFieldOverflow,
                "time field value out of range: " + std::to_string(h) + ":" + std::to_string(mi) +
                    ":" + float_to_string(s, false));
  int128 r = static_cast<int128>(date_to_timestamp(days)) + h * kUsecsPerHour +
             mi * kUsecsPerMinute + static_cast<int64_t>(std::llround(s * 1e6));
  if (r >= kEndTimestamp) throw_error(sqlstate::kDatetimeFieldOverflow, "timestamp out of range");
  return Datum(static_cast<int64_t>(r));
}
FN(f_justify_hours) {
  Interval iv = a[0].as_interval();
  int64_t d = iv.micros / kUsecsPerDay;
  return Datum(
      interval_checked(iv.months, static_cast<int128>(iv.days) + d, iv.micros - d * kUsecsPerDay));
}
FN(f_justify_days) {
  Interval iv = a[0].as_interval();
  return Datum(
      interval_checked(static_cast<int128>(iv.months) + iv.days / 30, iv.days % 30, iv.micros));
}

// to_char(timestamp, text): the common template patterns.
// tz: the time zone of a timestamptz, whose local time ts is (null for a timestamp); utc:
// the instant, for the zone's abbreviation and offset.
std::string to_char_ts(int64_t ts, const std::string& fmt, const TimeZone* tz, int64_t utc) {
  static const char* kMonths[] = {"January",   "February", "March",    "April",
                                  "May",       "June",     "July",     "August",
                                  "September", "October",  "November", "December"};
  static const char* kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                "Thursday", "Friday", "Saturday"};
  Fields f = split_ts(ts);
  int dow = static_cast<int>(((f.days + 6) % 7 + 7) % 7);
  std::string out;
  size_t i = 0;
  auto starts = [&](const char* p) { return fmt.compare(i, strlen(p), p) == 0; };
  auto num = [&](int64_t v, int width, bool fm) {
    char buf[32];
    if (fm)
      snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    else
      snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(v));
    out += buf;
  };
  auto word = [&](std::string w, int mode, bool fm, size_t width) {  // mode 0 Cap 1 UPPER 2 lower
    if (mode == 1) w = ascii_upper(w);
    if (mode == 2) w = ascii_lower(w);
    if (!fm && w.size() < width) w.append(width - w.size(), ' ');
    out += w;
  };
  while (i < fmt.size()) {
    bool fm = false;
    if (starts("FM") || starts("fm")) {
      fm = true;
      i += 2;
    }
    int64_t hour12 = f.hour % 12 == 0 ? 12 : f.hour % 12;
    if (starts("YYYY")) {
      num(f.year, 4, fm);
      i += 4;
    } else if (starts("YYY")) {
      num(f.year % 1000, 3, fm);
      i += 3;
    } else if (starts("YY")) {
      num(f.year % 100, 2, fm);
      i += 2;
    } else if (starts("HH24")) {
      num(f.hour, 2, fm);
      i += 4;
    } else if (starts("HH12")) {
      num(hour12, 2, fm);
      i += 4;
    } else if (starts("HH")) {
      num(hour12, 2, fm);
      i += 2;
    } else if (starts("MI")) {
      num(f.minute, 2, fm);
      i += 2;
    } else if (starts("SS")) {
      num(f.sec, 2, fm);
      i += 2;
    } else if (starts("MS")) {
      num(f.usec / 1000, 3, fm);
      i += 2;
    } else if (starts("US")) {
      num(f.usec, 6, fm);
      i += 2;
    } else if (starts("MM")) {
      num(f.month, 2, fm);
      i += 2;
    } else if (starts("DDD")) {
      num(f.days - days_from_civil(f.year, 1, 1) + 1, 3, fm);
      i += 3;
    } else if (starts("DD")) {
      num(f.day, 2, fm);
      i += 2;
    } else if (starts("Month")) {
      word(kMonths[f.month - 1], 0, fm, 9);
      i += 5;
    } else if (starts("MONTH")) {
      word(kMonths[f.month - 1], 1, fm, 9);
      i += 5;
    } else if (starts("month")) {
      word(kMonths[f.month - 1], 2, fm, 9);
      i += 5;
    } else if (starts("Mon")) {
      word(std::string(kMonths[f.month - 1], 3), 0, true, 0);
      i += 3;
    } else if (starts("MON")) {
      word(std::string(kMonths[f.month - 1], 3), 1, true, 0);
      i += 3;
    } else if (starts("mon")) {
      word(std::string(kMonths[f.month - 1], 3), 2, true, 0);
      i += 3;
    } else if (starts("Day")) {
      word(kDays[dow], 0, fm, 9);
      i += 3;
    } else if (starts("DAY")) {
      word(kDays[dow], 1, fm, 9);
      i += 3;
    } else if (starts("day")) {
      word(kDays[dow], 2, fm, 9);
      i += 3;
    } else if (starts("Dy")) {
      word(std::string(kDays[dow], 3), 0, true, 0);
      i += 2;
    } else if (starts("DY")) {
      word(std::string(kDays[dow], 3), 1, true, 0);
      i += 2;
    } else if (starts("dy")) {
      word(std::string(kDays[dow], 3), 2, true, 0);
      i += 2;
    } else if (starts("D")) {
      num(dow + 1, 1, fm);
      i += 1;
    } else if (starts("Q")) {
      num((f.month - 1) / 3 + 1, 1, fm);
      i += 1;
    } else if (starts("AM") || starts("PM")) {
      out += f.hour < 12 ? "AM" : "PM";
      i += 2;
    } else if (starts("am") || starts("pm")) {
      out += f.hour < 12 ? "am" : "pm";
      i += 2;
    } else if (starts("TZH")) {
      if (tz) {
        const int32_t east = tz->utc_offset(utc);
        char buf[16];
        snprintf(buf, sizeof buf, "%c%02d", east < 0 ? '-' : '+', std::abs(east) / 3600);
        out += buf;
      }
      i += 3;
    } else if (starts("TZM")) {
      if (tz) num(std::abs(tz->utc_offset(utc)) / 60 % 60, 2, fm);
      i += 3;
    } else if (starts("TZ")) {
      out += tz ? tz->abbreviation(utc) : "";
      i += 2;
    } else if (starts("tz")) {
      out += tz ? ascii_lower(tz->abbreviation(utc)) : "";
      i += 2;
    } else if (starts("OF")) {
      if (tz) out += format_utc_offset(tz->utc_offset(utc));
      i += 2;
    } else if (fmt[i] == '"') {
      ++i;
      while (i < fmt.size() && fmt[i] != '"') {
        if (fmt[i] == '\\' && i + 1 < fmt.size()) ++i;
        out += fmt[i++];
      }
      ++i;
    } else {
      out += fmt[i++];
    }
  }
  return out;
}
FN(f_to_char_ts) {
  return Datum(to_char_ts(a[0].as_int(), a[1].as_string(), nullptr, 0));
}
FN(f_to_char_tstz) {
  const int64_t ts = a[0].as_int();
  return Datum(to_char_ts(ctx.zone.to_local(ts), a[1].as_string(), &ctx.zone, ts));
}

// Arrays.
FN(f_array_length) {
  if (a[1].as_int() != 1 || a[0].as_array()->empty()) return Datum::Null();
  return Datum(static_cast<int64_t>(a[0].as_array()->size()));
}
FN(f_array_lower) {
  if (a[1].as_int() != 1 || a[0].as_array()->empty()) return Datum::Null();
  return Datum(int64_t{1});
}
FN(f_cardinality) {
  return Datum(static_cast<int64_t>(a[0].as_array()->size()));
}
FN(f_array_append) {
  auto out = std::make_shared<std::vector<Datum>>();
  if (!a[0].is_null()) *out = *a[0].as_array();
  out->push_back(a[1]);
  return Datum(ArrayPtr(out));
}
FN(f_array_prepend) {
  auto out = std::make_shared<std::vector<Datum>>();
  out->push_back(a[0]);
  if (!a[1].is_null()) out->insert(out->end(), a[1].as_array()->begin(), a[1].as_array()->end());
  return Datum(ArrayPtr(out));
}
FN(f_array_cat) {
  if (a[0].is_null()) return a[1];
  if (a[1].is_null()) return a[0];
  auto out = std::make_shared<std::vector<Datum>>(*a[0].as_array());
  out->insert(out->end(), a[1].as_array()->begin(), a[1].as_array()->end());
  return Datum(ArrayPtr(out));
}
// Whether array element `x` is `v` as array_position, array_remove and array_replace compare
// (IS NOT DISTINCT FROM: a NULL matches a NULL).
bool same_element(const Datum& x, const Datum& v, Oid elem) {
  return x.is_null() ? v.is_null() : (!v.is_null() && equal(x, v, elem));
}
FN(f_array_position) {
  if (a[0].is_null()) return Datum::Null();
  Oid elem = array_elem_type(t[0].oid);
  const auto& arr = *a[0].as_array();
  for (size_t i = 0; i < arr.size(); ++i)
    if (same_element(arr[i], a[1], elem)) return Datum(static_cast<int64_t>(i + 1));
  return Datum::Null();
}
// array_remove(arr, v) / array_replace(arr, v, with): every element that is v, dropped or
// replaced.
FN(f_array_remove) {
  if (a[0].is_null()) return Datum::Null();
  Oid elem = array_elem_type(t[0].oid);
  auto out = std::make_shared<std::vector<Datum>>();
  for (const Datum& x : *a[0].as_array())
    if (!same_element(x, a[1], elem)) out->push_back(x);
  return Datum(ArrayPtr(std::move(out)));
}
FN(f_array_replace) {
  if (a[0].is_null()) return Datum::Null();
  Oid elem = array_elem_type(t[0].oid);
  auto out = std::make_shared<std::vector<Datum>>();
  for (const Datum& x : *a[0].as_array()) out->push_back(same_element(x, a[1], elem) ? a[2] : x);
  return Datum(ArrayPtr(std::move(out)));
}
FN(f_array_to_string) {
  if (a[1].is_null()) return Datum::Null();
  Oid elem = array_elem_type(t[0].oid);
  bool has_null_str = a.size() > 2 && !a[2].is_null();
  std::string out;
  bool first = true;
  for (const Datum& e : *a[0].as_array()) {
    if (e.is_null() && !has_null_str) continue;
    if (!first) out += a[1].as_string();
    first = false;
    out += e.is_null() ? a[2].as_string() : any_to_text(e, TypeRef{elem, -1}, ctx.zone);
  }
  return Datum(out);
}
FN(f_string_to_array) {
  if (a[0].is_null()) return Datum::Null();  // not strict (a NULL delimiter splits characters)
  auto out = std::make_shared<std::vector<Datum>>();
  const std::string& s = a[0].as_string();
  if (s.empty()) return Datum(ArrayPtr(out));
  if (a[1].is_null()) {
    for (size_t i = 0; i < s.size();) {
      size_t n = utf8_char_len(static_cast<unsigned char>(s[i]));
      out->push_back(Datum(s.substr(i, n)));
      i += n;
    }
    return Datum(ArrayPtr(out));
  }
  const std::string& d = a[1].as_string();
  if (d.empty()) {
    out->push_back(Datum(s));
  } else {
    size_t pos = 0;
    while (true) {
      size_t f = s.find(d, pos);
      out->push_back(Datum(s.substr(pos, f == std::string::npos ? std::string::npos : f - pos)));
      if (f == std::string::npos) break;
      pos = f + d.size();
    }
  }
  if (a.size() > 2 && !a[2].is_null())
    for (auto& e : *out)
      if (e.as_string() == a[2].as_string()) e = Datum::Null();
  return Datum(ArrayPtr(out));
}

FN(f_greatest) {
  Datum best;
  for (size_t i = 0; i < a.size(); ++i)
    if (!a[i].is_null() && (best.is_null() || compare(a[i], best, t[i].oid) > 0)) best = a[i];
  return best;
}
FN(f_least) {
  Datum best;
  for (size_t i = 0; i < a.size(); ++i)
    if (!a[i].is_null() && (best.is_null() || compare(a[i], best, t[i].oid) < 0)) best = a[i];
  return best;
}
// The enum type of a call's first argument (its labels).
EnumTypePtr enum_of_argument(const Types& t) {
  auto e = t.empty() ? nullptr : find_enum(t[0].oid);
  if (!e) throw_error(sqlstate::kWrongObjectType, "argument must be an enum type");
  return e;
}
FN(f_enum_first) {
  (void)a, (void)ctx;
  auto e = enum_of_argument(t);
  if (e->labels.empty()) return Datum::Null();
  check_usable_label(*e, e->labels.front());
  return Datum(e->labels.front().label);
}
FN(f_enum_last) {
  (void)a, (void)ctx;
  auto e = enum_of_argument(t);
  if (e->labels.empty()) return Datum::Null();
  check_usable_label(*e, e->labels.back());
  return Datum(e->labels.back().label);
}
// enum_range(t): every label in order; enum_range(lo, hi): from lo through hi (a NULL bound:
// from the first / to the last).
FN(f_enum_range) {
  (void)ctx;
  auto e = enum_of_argument(t);
  auto out = std::make_shared<std::vector<Datum>>();
  const bool bounded = a.size() == 2;
  std::optional<double> lo, hi;
  if (bounded && !a[0].is_null()) lo = e->sort_order_of(a[0].as_string());
  if (bounded && !a[1].is_null()) hi = e->sort_order_of(a[1].as_string());
  for (const auto& l : e->labels) {
    if (lo && l.sort_order < *lo) continue;
    if (hi && l.sort_order > *hi) continue;
    check_usable_label(*e, l);
    out->push_back(Datum(l.label));
  }
  return Datum(ArrayPtr(out));
}

FN(f_num_nulls) {
  int64_t n = 0;
  for (const auto& d : a) n += d.is_null();
  return Datum(n);
}
FN(f_num_nonnulls) {
  int64_t n = 0;
  for (const auto& d : a) n += !d.is_null();
  return Datum(n);
}

// ---------------- registry ----------------

struct Registry {
  std::vector<FunctionDef> funcs;
  std::vector<OperatorDef> ops;
  std::vector<AggregateDef> aggs;
  std::unordered_multimap<std::string, size_t> func_index, agg_index;
  std::unordered_multimap<std::string, size_t> op_index;
  Registry();
};

void add_cmp_ops(std::vector<OperatorDef>& ops, Oid l, Oid r, bool int_path) {
  if (int_path) {
    ops.push_back({"=", l, r, kBool, op_int_cmp<0>});
    ops.push_back({"<>", l, r, kBool, op_int_cmp<1>});
    ops.push_back({"<", l, r, kBool, op_int_cmp<2>});
    ops.push_back({">", l, r, kBool, op_int_cmp<3>});
    ops.push_back({"<=", l, r, kBool, op_int_cmp<4>});
    ops.push_back({">=", l, r, kBool, op_int_cmp<5>});
  } else {
    ops.push_back({"=", l, r, kBool, op_cmp<0>});
    ops.push_back({"<>", l, r, kBool, op_cmp<1>});
    ops.push_back({"<", l, r, kBool, op_cmp<2>});
    ops.push_back({">", l, r, kBool, op_cmp<3>});
    ops.push_back({"<=", l, r, kBool, op_cmp<4>});
    ops.push_back({">=", l, r, kBool, op_cmp<5>});
  }
}

Oid wider_int(Oid a, Oid b) {
  if (a == kInt8 || b == kInt8) return kInt8;
  if (a == kInt4 || b == kInt4) return kInt4;
  return kInt2;
}

ScalarFn int_arith(char op, Oid r) {
  switch (op) {
    case '+':
      return r == kInt8 ? op_int_add<kInt8> : r == kInt4 ? op_int_add<kInt4> : op_int_add<kInt2>;
    case '-':
      return r == kInt8 ? op_int_sub<kInt8> : r == kInt4 ? op_int_sub<kInt4> : op_int_sub<kInt2>;
    case '*':
      return r == kInt8 ? op_int_mul<kInt8> : r == kInt4 ? op_int_mul<kInt4> : op_int_mul<kInt2>;
    default:
      return r == kInt8 ? op_int_div<kInt8> : r == kInt4 ? op_int_div<kInt4> : op_int_div<kInt2>;
  }
}

// Aggregates.
struct SumInt {
  int128 sum = 0;
  int64_t count = 0;
};
struct SumNum {
  Numeric sum;
  int64_t count = 0;
};
struct SumFloat {
  double sum = 0;
  int64_t count = 0;
};
struct SumInterval {
  Interval sum;
  int64_t count = 0;
};
struct MinMax {
  Datum v;
  bool has = false;
};
struct StrAgg {
  std::string s;
  bool has = false;
};
struct BoolAgg {
  bool v;
  bool has = false;
};

Numeric int128_to_numeric(int128 v) {
  bool ok;
  if (v == 0) return Numeric{};
  std::string s;
  bool neg = v < 0;
  unsigned __int128 u =
      neg ? static_cast<unsigned __int128>(-(v + 1)) + 1 : static_cast<unsigned __int128>(v);
  while (u) {
    s.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (neg) s.push_back('-');
  std::reverse(s.begin(), s.end());
  return numeric_parse(s, &ok);
}

// min or max over values of type t (compared as compare() orders t).
AggregateDef minmax_agg_of(const char* name, Oid t, bool is_max) {
  AggregateDef d;
  d.name = name;
  d.arg_types = {t};
  d.result = t;
  d.init = [] { return std::any(MinMax{}); };
  d.step = [t, is_max](std::any& st, const Args& a) {
    auto& s = std::any_cast<MinMax&>(st);
    if (!s.has) {
      s.v = a[0];
      s.has = true;
      return;
    }
    int c = compare(a[0], s.v, t);
    if (is_max ? c > 0 : c < 0) s.v = a[0];
  };
  d.final = [](std::any& st) {
    auto& s = std::any_cast<MinMax&>(st);
    return s.has ? s.v : Datum::Null();
  };
  return d;
}

template <Oid T, bool IsMax>
AggregateDef minmax_agg(const char* name) {
  return minmax_agg_of(name, T, IsMax);
}

// min/max(anyenum): one definition per enum type, made at its first use and kept (the
// executor holds plain pointers to definitions).
const AggregateDef* enum_minmax_agg(Oid enum_type, bool is_max) {
  static std::mutex mu;
  static std::map<std::pair<Oid, bool>, std::unique_ptr<const AggregateDef>> made;
  std::lock_guard g(mu);
  auto& d = made[{enum_type, is_max}];
  if (!d)
    d = std::make_unique<const AggregateDef>(
        minmax_agg_of(is_max ? "max" : "min", enum_type, is_max));
  return d.get();
}

AggregateDef sum_int_agg(Oid arg, Oid result, bool avg) {
  AggregateDef d;
  d.name = avg ? "avg" : "sum";
  d.arg_types = {arg};
  d.result = result;
  d.init = [] { return std::any(SumInt{}); };
  d.step = [](std::any& st, const Args& a) {
    auto& s = std::any_cast<SumInt&>(st);
    s.sum += a[0].as_int();
    ++s.count;
  };
  if (avg) {
    d.final = [](std::any& st) {
      auto& s = std::any_cast<SumInt&>(st);
      if (s.count == 0) return Datum::Null();
      return Datum(numeric_div(int128_to_numeric(s.sum), numeric_from_int(s.count)));
    };
  } else if (result == kInt8) {
    d.final = [](std::any& st) {
      auto& s = std::any_cast<SumInt&>(st);
      if (s.count == 0) return Datum::Null();
      return Datum(check_int_range(s.sum, kInt8));
    };
  } else {
    d.final = [](std::any& st) {
      auto& s = std::any_cast<SumInt&>(st);
      if (s.count == 0) return Datum::Null();
      return Datum(int128_to_numeric(s.sum));
    };
  }
  return d;
}

}  // namespace

std::string quote_identifier(const std::string& s) {
  bool safe = !s.empty() && (islower(static_cast<unsigned char>(s[0])) || s[0] == '_');
  for (char c : s)
    if (!(islower(static_cast<unsigned char>(c)) || isdigit(static_cast<unsigned char>(c)) ||
          c == '_'))
      safe = false;
  if (safe) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool like_match(std::string_view s, std::string_view pattern, bool case_insensitive) {
  if (!case_insensitive) return like_impl(s, pattern);
  return like_impl(ascii_lower(std::string(s)), ascii_lower(std::string(pattern)));
}

namespace {

Registry::Registry() {
  // ---- operators ----
  const Oid ints[] = {kInt2, kInt4, kInt8};
  for (Oid l : ints)
    for (Oid r : ints) {
      Oid res = wider_int(l, r);
      for (char op : {'+', '-', '*', '/'}) {
        static const char* names[] = {"+", "-", "*", "/"};
        const char* nm = op == '+'   ? names[0]
                         : op == '-' ? names[1]
                         : op == '*' ? names[2]
                                     : names[3];
        ops.push_back({nm, l, r, res, int_arith(op, res)});
      }
      if (l == r) ops.push_back({"%", l, r, res, op_int_mod});
      add_cmp_ops(ops, l, r, true);
    }
  ops.push_back({"%", kInt2, kInt4, kInt4, op_int_mod});
  ops.push_back({"%", kInt4, kInt2, kInt4, op_int_mod});
  ops.push_back({"-", 0, kInt2, kInt2, op_int_neg<kInt2>});
  ops.push_back({"-", 0, kInt4, kInt4, op_int_neg<kInt4>});
  ops.push_back({"-", 0, kInt8, kInt8, op_int_neg<kInt8>});
  for (Oid o : ints) ops.push_back({"+", 0, o, o, op_identity});
  ops.push_back({"@", 0, kInt2, kInt2, op_int_abs<kInt2>});
  ops.push_back({"@", 0, kInt4, kInt4, op_int_abs<kInt4>});
  ops.push_back({"@", 0, kInt8, kInt8, op_int_abs<kInt8>});
  add_cmp_ops(ops, kOid, kOid, true);
  ops.push_back({"&", kInt2, kInt2, kInt2, op_int_and});
  ops.push_back({"&", kInt4, kInt4, kInt4, op_int_and});
  ops.push_back({"&", kInt8, kInt8, kInt8, op_int_and});
  ops.push_back({"|", kInt2, kInt2, kInt2, op_int_or});
  ops.push_back({"|", kInt4, kInt4, kInt4, op_int_or});
  ops.push_back({"|", kInt8, kInt8, kInt8, op_int_or});
  ops.push_back({"#", kInt2, kInt2, kInt2, op_int_xor});
  ops.push_back({"#", kInt4, kInt4, kInt4, op_int_xor});
  ops.push_back({"#", kInt8, kInt8, kInt8, op_int_xor});
  ops.push_back({"~", 0, kInt2, kInt2, op_int_not<kInt2>});
  ops.push_back({"~", 0, kInt4, kInt4, op_int_not<kInt4>});
  ops.push_back({"~", 0, kInt8, kInt8, op_int_not<kInt8>});
  ops.push_back({"<<", kInt2, kInt4, kInt2, op_int_shl<kInt2>});
  ops.push_back({"<<", kInt4, kInt4, kInt4, op_int_shl<kInt4>});
  ops.push_back({"<<", kInt8, kInt4, kInt8, op_int_shl<kInt8>});
  ops.push_back({">>", kInt2, kInt4, kInt2, op_int_shr<kInt2>});
  ops.push_back({">>", kInt4, kInt4, kInt4, op_int_shr<kInt4>});
  ops.push_back({">>", kInt8, kInt4, kInt8, op_int_shr<kInt8>});
  // Bit strings: varbit operands convert to bit (binary-coercible, as in PostgreSQL).
  ops.push_back({"&", kBit, kBit, kBit, op_bit_and});
  ops.push_back({"|", kBit, kBit, kBit, op_bit_or});
  ops.push_back({"#", kBit, kBit, kBit, op_bit_xor});
  ops.push_back({"~", 0, kBit, kBit, op_bit_not});
  ops.push_back({"<<", kBit, kInt4, kBit, op_bit_shl});
  ops.push_back({">>", kBit, kInt4, kBit, op_bit_shr});
  ops.push_back({"||", kVarbit, kVarbit, kVarbit, op_bit_concat});

  // Floats.
  ops.push_back({"+", kFloat4, kFloat4, kFloat4, op_float_add<true>});
  ops.push_back({"-", kFloat4, kFloat4, kFloat4, op_float_sub<true>});
  ops.push_back({"*", kFloat4, kFloat4, kFloat4, op_float_mul<true>});
  ops.push_back({"/", kFloat4, kFloat4, kFloat4, op_float_div<true>});
  for (auto [l, r] :
       {std::pair{kFloat8, kFloat8}, std::pair{kFloat4, kFloat8}, std::pair{kFloat8, kFloat4}}) {
    ops.push_back({"+", l, r, kFloat8, op_float_add<false>});
    ops.push_back({"-", l, r, kFloat8, op_float_sub<false>});
    ops.push_back({"*", l, r, kFloat8, op_float_mul<false>});
    ops.push_back({"/", l, r, kFloat8, op_float_div<false>});
    add_cmp_ops(ops, l, r, false);
  }
  add_cmp_ops(ops, kFloat4, kFloat4, false);
  ops.push_back({"^", kFloat8, kFloat8, kFloat8, op_float_pow});
  ops.push_back({"-", 0, kFloat4, kFloat4, op_float_neg});
  ops.push_back({"-", 0, kFloat8, kFloat8, op_float_neg});
  ops.push_back({"+", 0, kFloat4, kFloat4, op_identity});
  ops.push_back({"+", 0, kFloat8, kFloat8, op_identity});
  ops.push_back({"@", 0, kFloat4, kFloat4, op_float_abs});
  ops.push_back({"@", 0, kFloat8, kFloat8, op_float_abs});

  // Numeric.
  ops.push_back({"+", kNumeric, kNumeric, kNumeric, op_num_add});
  ops.push_back({"-", kNumeric, kNumeric, kNumeric, op_num_sub});
  ops.push_back({"*", kNumeric, kNumeric, kNumeric, op_num_mul});
  ops.push_back({"/", kNumeric, kNumeric, kNumeric, op_num_div});
  ops.push_back({"%", kNumeric, kNumeric, kNumeric, op_num_mod});
  ops.push_back({"^", kNumeric, kNumeric, kNumeric, op_num_pow});
  ops.push_back({"-", 0, kNumeric, kNumeric, op_num_neg});
  ops.push_back({"+", 0, kNumeric, kNumeric, op_identity});
  ops.push_back({"@", 0, kNumeric, kNumeric, op_num_abs});
  add_cmp_ops(ops, kNumeric, kNumeric, false);

  // Strings.
  ops.push_back({"||", kText, kText, kText, op_text_concat});
  ops.push_back({"||", kText, kAnyNonArray, kText, op_any_text_concat});
  ops.push_back({"||", kAnyNonArray, kText, kText, op_any_text_concat});
  for (Oid s : {kText, kBpchar, kName, kBool, kBytea, kUuid, kChar, kBit, kVarbit})
    add_cmp_ops(ops, s, s, false);
  for (Oid s : {kText, kBpchar, kName}) {
    ops.push_back({"~~", s, kText, kBool, op_like});
    ops.push_back({"!~~", s, kText, kBool, op_not_like});
    ops.push_back({"~~*", s, kText, kBool, op_ilike});
    ops.push_back({"!~~*", s, kText, kBool, op_not_ilike});
    ops.push_back({"~", s, kText, kBool, op_regex});
    ops.push_back({"!~", s, kText, kBool, op_not_regex});
    ops.push_back({"~*", s, kText, kBool, op_iregex});
    ops.push_back({"!~*", s, kText, kBool, op_not_iregex});
  }
  ops.push_back({"~~", kBytea, kBytea, kBool, op_like});
  ops.push_back({"!~~", kBytea, kBytea, kBool, op_not_like});
  ops.push_back({"||", kBytea, kBytea, kBytea, op_bytea_concat});

  // Date/time.
  for (Oid d : {kDate, kTime, kTimestamp, kTimestampTz, kInterval})
    add_cmp_ops(ops, d, d, d != kInterval);
  ops.push_back({"+", kDate, kInt4, kDate, op_date_pl_int});
  ops.push_back({"+", kInt4, kDate, kDate, op_int_pl_date});
  ops.push_back({"-", kDate, kInt4, kDate, op_date_mi_int});
  ops.push_back({"-", kDate, kDate, kInt4, op_date_mi_date});
  ops.push_back({"+", kDate, kInterval, kTimestamp, op_date_pl_interval});
  ops.push_back({"+", kInterval, kDate, kTimestamp, op_interval_pl_date});
  ops.push_back({"-", kDate, kInterval, kTimestamp, op_date_mi_interval});
  ops.push_back({"+", kDate, kTime, kTimestamp, op_date_pl_time});
  for (Oid ts : {kTimestamp, kTimestampTz}) {
    ops.push_back({"+", ts, kInterval, ts, op_ts_pl_interval});
    ops.push_back({"+", kInterval, ts, ts, op_interval_pl_ts});
    ops.push_back({"-", ts, kInterval, ts, op_ts_mi_interval});
    ops.push_back({"-", ts, ts, kInterval, op_ts_mi_ts});
  }
  ops.push_back({"+", kTime, kInterval, kTime, op_time_pl_interval});
  ops.push_back({"-", kTime, kInterval, kTime, op_time_mi_interval});
  ops.push_back({"-", kTime, kTime, kInterval, op_time_mi_time});
  ops.push_back({"+", kInterval, kInterval, kInterval, op_interval_pl});
  ops.push_back({"-", kInterval, kInterval, kInterval, op_interval_mi});
  ops.push_back({"-", 0, kInterval, kInterval, op_interval_neg});
  ops.push_back({"+", 0, kInterval, kInterval, op_identity});
  ops.push_back({"*", kInterval, kFloat8, kInterval, op_interval_mul});
  ops.push_back({"*", kFloat8, kInterval, kInterval, op_float_mul_interval});
  ops.push_back({"/", kInterval, kFloat8, kInterval, op_interval_div});

  // Enums: compare() orders them by their labels' sort order.
  add_cmp_ops(ops, kAnyEnum, kAnyEnum, false);

  // Arrays.
  add_cmp_ops(ops, kAnyArray, kAnyArray, false);
  ops.push_back({"||", kAnyArray, kAnyArray, kAnyArray, op_array_cat});
  ops.push_back({"||", kAnyArray, kAnyElement, kAnyArray, op_array_cat});
  ops.push_back({"||", kAnyElement, kAnyArray, kAnyArray, op_array_cat});

  // ---- functions ----
  auto F = [&](const char* name, std::vector<Oid> args, Oid result, ScalarFn fn, bool strict = true,
               bool variadic = false, bool vol = false) {
    funcs.push_back(FunctionDef{name, std::move(args), result, fn, strict, variadic, vol});
  };
  F("abs", {kInt2}, kInt2, op_int_abs<kInt2>);
  F("abs", {kInt4}, kInt4, f_abs_int4);
  F("abs", {kInt8}, kInt8, op_int_abs<kInt8>);
  F("abs", {kFloat4}, kFloat4, op_float_abs);
  F("abs", {kFloat8}, kFloat8, op_float_abs);
  F("abs", {kNumeric}, kNumeric, op_num_abs);
  for (const char* n : {"length", "char_length", "character_length"}) {
    F(n, {kText}, kInt4, f_length);
    F(n, {kBpchar}, kInt4, f_length);
  }
  F("length", {kBytea}, kInt4, f_octet_length);
  F("length", {kBit}, kInt4, f_bit_string_length);
  F("bit_length", {kBit}, kInt4, f_bit_string_length);
  F("octet_length", {kBit}, kInt4, f_bit_string_octet_length);
  F("bit_count", {kBit}, kInt8, f_bit_count_bits);
  F("bit_count", {kBytea}, kInt8, f_bit_count_bytes);
  F("get_bit", {kBit, kInt4}, kInt4, f_get_bit);
  F("substring", {kBit, kInt4}, kBit, f_substr2);
  F("substring", {kBit, kInt4, kInt4}, kBit, f_substr3);
  F("position", {kBit, kBit}, kInt4, f_bit_position);
  F("overlay", {kBit, kBit, kInt4}, kBit, f_bit_overlay);
  F("overlay", {kBit, kBit, kInt4, kInt4}, kBit, f_bit_overlay);
  F("set_bit", {kBit, kInt4, kInt4}, kBit, f_set_bit);
  F("octet_length", {kText}, kInt4, f_octet_length);
  F("octet_length", {kBpchar}, kInt4, f_octet_length);
  F("octet_length", {kBytea}, kInt4, f_octet_length);
  F("bit_length", {kText}, kInt4, f_bit_length);
  F("lower", {kText}, kText, f_lower);
  F("upper", {kText}, kText, f_upper);
  F("initcap", {kText}, kText, f_initcap);
  for (const char* n : {"substr", "substring"}) {
    F(n, {kText, kInt4}, kText, f_substr2);
    F(n, {kText, kInt4, kInt4}, kText, f_substr3);
    F(n, {kBytea, kInt4}, kBytea, f_bytea_substr2);
    F(n, {kBytea, kInt4, kInt4}, kBytea, f_bytea_substr3);
  }
  F("btrim", {kText}, kText, f_btrim1);
  F("btrim", {kText, kText}, kText, f_btrim2);
  F("ltrim", {kText}, kText, f_ltrim1);
  F("ltrim", {kText, kText}, kText, f_ltrim2);
  F("rtrim", {kText}, kText, f_rtrim1);
  F("rtrim", {kText, kText}, kText, f_rtrim2);
  F("replace", {kText, kText, kText}, kText, f_replace);
  F("regexp_replace", {kText, kText, kText}, kText, f_regexp_replace);
  F("regexp_replace", {kText, kText, kText, kText}, kText, f_regexp_replace);
  F("regexp_replace", {kText, kText, kText, kInt4}, kText, f_regexp_replace_from);
  F("regexp_replace", {kText, kText, kText, kInt4, kInt4}, kText, f_regexp_replace_from);
  F("regexp_replace", {kText, kText, kText, kInt4, kInt4, kText}, kText, f_regexp_replace_from);
  F("substring", {kText, kText}, kText, f_substring_regexp);
  F("substring", {kText, kText, kText}, kText, f_substring_similar);
  for (const char* n : {"similar_to_escape", "similar_escape"}) {
    F(n, {kText}, kText, f_similar_to_escape);
    F(n, {kText, kText}, kText, f_similar_to_escape);
  }
  F("regexp_match", {kText, kText}, kTextArray, f_regexp_match);
  F("regexp_match", {kText, kText, kText}, kTextArray, f_regexp_match);
  F("regexp_split_to_array", {kText, kText}, kTextArray, f_regexp_split_to_array);
  F("regexp_split_to_array", {kText, kText, kText}, kTextArray, f_regexp_split_to_array);
  F("regexp_count", {kText, kText}, kInt4, f_regexp_count);
  F("regexp_count", {kText, kText, kInt4}, kInt4, f_regexp_count);
  F("regexp_count", {kText, kText, kInt4, kText}, kInt4, f_regexp_count);
  F("regexp_instr", {kText, kText}, kInt4, f_regexp_instr);
  F("regexp_instr", {kText, kText, kInt4}, kInt4, f_regexp_instr);
  F("regexp_instr", {kText, kText, kInt4, kInt4}, kInt4, f_regexp_instr);
  F("regexp_instr", {kText, kText, kInt4, kInt4, kInt4}, kInt4, f_regexp_instr);
  F("regexp_instr", {kText, kText, kInt4, kInt4, kInt4, kText}, kInt4, f_regexp_instr);
  F("regexp_instr", {kText, kText, kInt4, kInt4, kInt4, kText, kInt4}, kInt4, f_regexp_instr);
  F("regexp_like", {kText, kText}, kBool, f_regexp_like);
  F("regexp_like", {kText, kText, kText}, kBool, f_regexp_like);
  F("regexp_substr", {kText, kText}, kText, f_regexp_substr);
  F("regexp_substr", {kText, kText, kInt4}, kText, f_regexp_substr);
  F("regexp_substr", {kText, kText, kInt4, kInt4}, kText, f_regexp_substr);
  F("regexp_substr", {kText, kText, kInt4, kInt4, kText}, kText, f_regexp_substr);
  F("regexp_substr", {kText, kText, kInt4, kInt4, kText, kInt4}, kText, f_regexp_substr);
  F("make_interval", {kInt4, kInt4, kInt4, kInt4, kInt4, kInt4, kFloat8}, kInterval,
    f_make_interval);
  F("concat", {}, kText, f_concat, false, true);
  F("concat_ws", {kText}, kText, f_concat_ws, false, true);
  F("left", {kText, kInt4}, kText, f_left);
  F("right", {kText, kInt4}, kText, f_right);
  F("lpad", {kText, kInt4}, kText, f_lpad2);
  F("lpad", {kText, kInt4, kText}, kText, f_lpad3);
  F("rpad", {kText, kInt4}, kText, f_rpad2);
  F("rpad", {kText, kInt4, kText}, kText, f_rpad3);
  F("strpos", {kText, kText}, kInt4, f_strpos);
  F("position", {kText, kText}, kInt4, f_strpos);
  F("split_part", {kText, kText, kInt4}, kText, f_split_part);
  F("repeat", {kText, kInt4}, kText, f_repeat);
  F("reverse", {kText}, kText, f_reverse);
  F("md5", {kText}, kText, f_md5);
  F("md5", {kBytea}, kText, f_md5);
  F("sha224", {kBytea}, kBytea, f_sha224);
  struct HashFunction {
    const char* name;
    const char* extended;
    Oid type;
  };
  for (const auto& h : std::initializer_list<HashFunction>{
           {"hashint2", "hashint2extended", kInt2},
           {"hashint4", "hashint4extended", kInt4},
           {"hashint8", "hashint8extended", kInt8},
           {"hashoid", "hashoidextended", kOid},
           {"hashchar", "hashcharextended", kChar},
           {"hashtext", "hashtextextended", kText},
           {"hashbpchar", "hashbpcharextended", kBpchar},
           {"hashname", "hashnameextended", kName},
           {"hashfloat4", "hashfloat4extended", kFloat4},
           {"hashfloat8", "hashfloat8extended", kFloat8},
           {"uuid_hash", "uuid_hash_extended", kUuid},
           {"hash_numeric", "hash_numeric_extended", kNumeric},
           {"timestamp_hash", "timestamp_hash_extended", kTimestamp},
           {"time_hash", "time_hash_extended", kTime}}) {
    F(h.name, {h.type}, kInt4, f_hash32);
    F(h.extended, {h.type, kInt8}, kInt8, f_hash_extended);
  }
  F("sha256", {kBytea}, kBytea, f_sha256);
  F("sha384", {kBytea}, kBytea, f_sha384);
  F("sha512", {kBytea}, kBytea, f_sha512);
  F("convert_to", {kText, kName}, kBytea, f_convert_to);
  F("convert_from", {kBytea, kName}, kText, f_convert_from);
  F("convert", {kBytea, kName, kName}, kBytea, f_convert);
  F("encode", {kBytea, kText}, kText, f_encode);
  F("decode", {kText, kText}, kBytea, f_decode);
  F("ascii", {kText}, kInt4, f_ascii);
  F("chr", {kInt4}, kText, f_chr);
  F("starts_with", {kText, kText}, kBool, f_starts_with);
  F("format", {kText}, kText, f_format, false, true);
  F("quote_ident", {kText}, kText, f_quote_ident);
  F("quote_literal", {kAnyElement}, kText, f_quote_literal);
  F("quote_nullable", {kAnyElement}, kText, f_quote_nullable, /*strict=*/false);
  F("round", {kNumeric}, kNumeric, f_round_num);
  F("round", {kNumeric, kInt4}, kNumeric, f_round_num2);
  F("round", {kFloat8}, kFloat8, f_round_float);
  F("trunc", {kNumeric}, kNumeric, f_trunc_num);
  F("trunc", {kNumeric, kInt4}, kNumeric, f_trunc_num2);
  F("trunc", {kFloat8}, kFloat8, f_trunc_float);
  F("ceil", {kNumeric}, kNumeric, f_ceil_num);
  F("ceil", {kFloat8}, kFloat8, f_ceil_float);
  F("ceiling", {kNumeric}, kNumeric, f_ceil_num);
  F("ceiling", {kFloat8}, kFloat8, f_ceil_float);
  F("floor", {kNumeric}, kNumeric, f_floor_num);
  F("floor", {kFloat8}, kFloat8, f_floor_float);
  F("sign", {kNumeric}, kNumeric, f_sign_num);
  F("sign", {kFloat8}, kFloat8, f_sign_float);
  F("mod", {kInt2, kInt2}, kInt2, op_int_mod);
  F("mod", {kInt4, kInt4}, kInt4, op_int_mod);
  F("mod", {kInt8, kInt8}, kInt8, op_int_mod);
  F("mod", {kNumeric, kNumeric}, kNumeric, op_num_mod);
  F("pg_size_pretty", {kInt8}, kText, f_pg_size_pretty_int8);
  F("pg_size_pretty", {kNumeric}, kText, f_pg_size_pretty_numeric);
  F("pg_size_bytes", {kText}, kInt8, f_pg_size_bytes);
  F("like_escape", {kText, kText}, kText, f_like_escape<false>);
  F("like_escape", {kBytea, kBytea}, kBytea, f_like_escape<true>);
  F("gcd", {kInt4, kInt4}, kInt4, f_int_gcd<kInt4>);
  F("gcd", {kInt8, kInt8}, kInt8, f_int_gcd<kInt8>);
  F("lcm", {kInt4, kInt4}, kInt4, f_int_lcm<kInt4>);
  F("lcm", {kInt8, kInt8}, kInt8, f_int_lcm<kInt8>);
  // The functions behind bool's comparison operators (pg_proc's booleq ... boolge).
  F("booleq", {kBool, kBool}, kBool, op_cmp<0>);
  F("boolne", {kBool, kBool}, kBool, op_cmp<1>);
  F("boollt", {kBool, kBool}, kBool, op_cmp<2>);
  F("boolgt", {kBool, kBool}, kBool, op_cmp<3>);
  F("boolle", {kBool, kBool}, kBool, op_cmp<4>);
  F("boolge", {kBool, kBool}, kBool, op_cmp<5>);
  F("div", {kNumeric, kNumeric}, kNumeric, f_div_num);
  F("power", {kFloat8, kFloat8}, kFloat8, op_float_pow);
  F("power", {kNumeric, kNumeric}, kNumeric, op_num_pow);
  F("pow", {kFloat8, kFloat8}, kFloat8, op_float_pow);
  F("pow", {kNumeric, kNumeric}, kNumeric, op_num_pow);
  F("sqrt", {kFloat8}, kFloat8, f_sqrt_float);
  F("sqrt", {kNumeric}, kNumeric, f_sqrt_num);
  F("cbrt", {kFloat8}, kFloat8, f_cbrt);
  F("exp", {kFloat8}, kFloat8, f_exp);
  F("ln", {kFloat8}, kFloat8, f_ln);
  F("log", {kFloat8}, kFloat8, f_log10);
  F("log10", {kFloat8}, kFloat8, f_log10);
  F("pi", {}, kFloat8, f_pi);
  F("getdatabaseencoding", {}, kName, f_utf8_encoding);
  F("pg_client_encoding", {}, kName, f_utf8_encoding);
  F("pg_notification_queue_usage", {}, kFloat8, f_notification_queue_usage, true, false, true);
  F("degrees", {kFloat8}, kFloat8, f_degrees);
  F("radians", {kFloat8}, kFloat8, f_radians);
  F("sin", {kFloat8}, kFloat8, f_sin);
  F("cos", {kFloat8}, kFloat8, f_cos);
  F("random", {}, kFloat8, f_random, true, false, true);
  F("gen_random_uuid", {}, kUuid, f_gen_random_uuid, true, false, true);
  F("now", {}, kTimestampTz, f_now);
  F("transaction_timestamp", {}, kTimestampTz, f_now);
  F("statement_timestamp", {}, kTimestampTz, f_statement_timestamp);
  F("clock_timestamp", {}, kTimestampTz, f_clock_timestamp, true, false, true);
  F("timezone", {kText, kTimestampTz}, kTimestamp, f_timezone_tstz);
  F("timezone", {kText, kTimestamp}, kTimestampTz, f_timezone_ts);
  F("timezone", {kInterval, kTimestampTz}, kTimestamp, f_timezone_interval_tstz);
  F("timezone", {kInterval, kTimestamp}, kTimestampTz, f_timezone_interval_ts);
  F("date_trunc", {kText, kTimestamp}, kTimestamp, f_date_trunc_ts);
  F("date_trunc", {kText, kTimestampTz}, kTimestampTz, f_date_trunc_tstz);
  F("date_trunc", {kText, kTimestampTz, kText}, kTimestampTz, f_date_trunc_tstz_zone);
  F("date_trunc", {kText, kInterval}, kInterval, f_date_trunc_interval);
  for (Oid src : {kTimestamp, kTimestampTz, kDate, kTime, kInterval}) {
    F("extract", {kText, src}, kNumeric, f_extract);
    F("date_part", {kText, src}, kFloat8, f_date_part);
  }
  F("age", {kTimestamp, kTimestamp}, kInterval, f_age2);
  F("age", {kTimestampTz, kTimestampTz}, kInterval, f_age2);
  F("age", {kTimestamp}, kInterval, f_age1);
  F("age", {kTimestampTz}, kInterval, f_age1);
  F("to_timestamp", {kFloat8}, kTimestampTz, f_to_timestamp);
  F("make_date", {kInt4, kInt4, kInt4}, kDate, f_make_date);
  F("make_timestamp", {kInt4, kInt4, kInt4, kInt4, kInt4, kFloat8}, kTimestamp, f_make_timestamp);
  F("justify_hours", {kInterval}, kInterval, f_justify_hours);
  F("justify_days", {kInterval}, kInterval, f_justify_days);
  F("to_char", {kTimestamp, kText}, kText, f_to_char_ts);
  F("to_char", {kTimestampTz, kText}, kText, f_to_char_tstz);
  F("array_length", {kAnyArray, kInt4}, kInt4, f_array_length);
  F("array_upper", {kAnyArray, kInt4}, kInt4, f_array_length);
  F("array_lower", {kAnyArray, kInt4}, kInt4, f_array_lower);
  F("cardinality", {kAnyArray}, kInt4, f_cardinality);
  // Enum support functions: their argument's type matters, not its value (NULL::t is usual).
  F("enum_first", {kAnyEnum}, kAnyEnum, f_enum_first, false);
  F("enum_last", {kAnyEnum}, kAnyEnum, f_enum_last, false);
  F("enum_range", {kAnyEnum}, kAnyArray, f_enum_range, false);
  F("enum_range", {kAnyEnum, kAnyEnum}, kAnyArray, f_enum_range, false);
  F("array_append", {kAnyArray, kAnyElement}, kAnyArray, f_array_append, false);
  F("array_prepend", {kAnyElement, kAnyArray}, kAnyArray, f_array_prepend, false);
  F("array_cat", {kAnyArray, kAnyArray}, kAnyArray, f_array_cat, false);
  F("array_position", {kAnyArray, kAnyElement}, kInt4, f_array_position, false);
  F("array_remove", {kAnyArray, kAnyElement}, kAnyArray, f_array_remove, false);
  F("array_replace", {kAnyArray, kAnyElement, kAnyElement}, kAnyArray, f_array_replace, false);
  F("array_to_string", {kAnyArray, kText}, kText, f_array_to_string);
  F("array_to_string", {kAnyArray, kText, kText}, kText, f_array_to_string, false);
  F("string_to_array", {kText, kText}, kTextArray, f_string_to_array, false);
  F("string_to_array", {kText, kText, kText}, kTextArray, f_string_to_array, false);
  F("greatest", {}, kAnyElement, f_greatest, false, true);
  F("least", {}, kAnyElement, f_least, false, true);
  F("num_nulls", {}, kInt4, f_num_nulls, false, true);
  F("num_nonnulls", {}, kInt4, f_num_nonnulls, false, true);

  // ---- aggregates ----
  {
    AggregateDef d;
    d.name = "count";
    d.result = kInt8;
    d.strict = false;
    d.init = [] { return std::any(int64_t{0}); };
    d.step = [](std::any& st, const Args&) { ++std::any_cast<int64_t&>(st); };
    d.final = [](std::any& st) { return Datum(std::any_cast<int64_t&>(st)); };
    aggs.push_back(d);  // count(*)
    d.arg_types = {kAny};
    d.strict = true;
    aggs.push_back(d);  // count(any)
  }
  aggs.push_back(sum_int_agg(kInt2, kInt8, false));
  aggs.push_back(sum_int_agg(kInt4, kInt8, false));
  aggs.push_back(sum_int_agg(kInt8, kNumeric, false));
  aggs.push_back(sum_int_agg(kInt2, kNumeric, true));
  aggs.push_back(sum_int_agg(kInt4, kNumeric, true));
  aggs.push_back(sum_int_agg(kInt8, kNumeric, true));
  for (bool avg : {false, true}) {
    AggregateDef d;
    d.name = avg ? "avg" : "sum";
    d.arg_types = {kNumeric};
    d.result = kNumeric;
    d.init = [] { return std::any(SumNum{}); };
    d.step = [](std::any& st, const Args& a) {
      auto& s = std::any_cast<SumNum&>(st);
      s.sum = s.count == 0 ? a[0].as_numeric() : numeric_add(s.sum, a[0].as_numeric());
      ++s.count;
    };
    if (avg)
      d.final = [](std::any& st) {
        auto& s = std::any_cast<SumNum&>(st);
        if (s.count == 0) return Datum::Null();
        return Datum(numeric_div(s.sum, numeric_from_int(s.count)));
      };
    else
      d.final = [](std::any& st) {
        auto& s = std::any_cast<SumNum&>(st);
        return s.count == 0 ? Datum::Null() : Datum(s.sum);
      };
    aggs.push_back(d);
    for (Oid f : {kFloat4, kFloat8}) {
      AggregateDef g;
      g.name = avg ? "avg" : "sum";
      g.arg_types = {f};
      g.result = avg ? kFloat8 : f;
      g.init = [] { return std::any(SumFloat{}); };
      g.step = [](std::any& st, const Args& a) {
        auto& s = std::any_cast<SumFloat&>(st);
        s.sum += a[0].as_double();
        ++s.count;
      };
      bool f4 = f == kFloat4 && !avg;
      g.final = [avg, f4](std::any& st) {
        auto& s = std::any_cast<SumFloat&>(st);
        if (s.count == 0) return Datum::Null();
        double r = avg ? s.sum / static_cast<double>(s.count) : s.sum;
        return Datum(f4 ? static_cast<double>(static_cast<float>(r)) : r);
      };
      aggs.push_back(g);
    }
    AggregateDef iv;
    iv.name = avg ? "avg" : "sum";
    iv.arg_types = {kInterval};
    iv.result = kInterval;
    iv.init = [] { return std::any(SumInterval{}); };
    iv.step = [](std::any& st, const Args& a) {
      auto& s = std::any_cast<SumInterval&>(st);
      const Interval& x = a[0].as_interval();
      s.sum = interval_checked(static_cast<int128>(s.sum.months) + x.months,
                               static_cast<int128>(s.sum.days) + x.days,
                               static_cast<int128>(s.sum.micros) + x.micros);
      ++s.count;
    };
    iv.final = [avg](std::any& st) {
      auto& s = std::any_cast<SumInterval&>(st);
      if (s.count == 0) return Datum::Null();
      return avg ? Datum(interval_scale(s.sum, 1.0 / static_cast<double>(s.count))) : Datum(s.sum);
    };
    aggs.push_back(iv);
  }
#define MINMAX(T)                              \
  aggs.push_back(minmax_agg<T, false>("min")); \
  aggs.push_back(minmax_agg<T, true>("max"))
  MINMAX(kInt2);
  MINMAX(kInt4);
  MINMAX(kInt8);
  MINMAX(kOid);
  MINMAX(kFloat4);
  MINMAX(kFloat8);
  MINMAX(kNumeric);
  MINMAX(kText);
  MINMAX(kBpchar);
  MINMAX(kDate);
  MINMAX(kTime);
  MINMAX(kTimestamp);
  MINMAX(kTimestampTz);
  MINMAX(kInterval);
  MINMAX(kAnyArray);
#undef MINMAX
  for (int which = 0; which < 3; ++which) {
    AggregateDef d;
    d.name = which == 0 ? "bool_and" : which == 1 ? "bool_or" : "every";
    d.arg_types = {kBool};
    d.result = kBool;
    d.init = [] { return std::any(BoolAgg{}); };
    bool is_or = which == 1;
    d.step = [is_or](std::any& st, const Args& a) {
      auto& s = std::any_cast<BoolAgg&>(st);
      bool v = a[0].as_bool();
      s.v = s.has ? (is_or ? (s.v || v) : (s.v && v)) : v;
      s.has = true;
    };
    d.final = [](std::any& st) {
      auto& s = std::any_cast<BoolAgg&>(st);
      return s.has ? Datum(s.v) : Datum::Null();
    };
    aggs.push_back(d);
  }
  for (Oid ty : {kText, kBytea}) {
    AggregateDef d;
    d.name = "string_agg";
    d.arg_types = {ty, ty};
    d.result = ty;
    d.strict = false;
    d.init = [] { return std::any(StrAgg{}); };
    d.step = [](std::any& st, const Args& a) {
      if (a[0].is_null()) return;
      auto& s = std::any_cast<StrAgg&>(st);
      if (s.has && !a[1].is_null()) s.s += a[1].as_string();
      s.s += a[0].as_string();
      s.has = true;
    };
    d.final = [](std::any& st) {
      auto& s = std::any_cast<StrAgg&>(st);
      return s.has ? Datum(s.s) : Datum::Null();
    };
    aggs.push_back(d);
  }
  {
    AggregateDef d;
    d.name = "array_agg";
    d.arg_types = {kAnyNonArray};
    d.result = kAnyArray;
    d.strict = false;
    d.init = [] { return std::any(std::vector<Datum>{}); };
    d.step = [](std::any& st, const Args& a) {
      std::any_cast<std::vector<Datum>&>(st).push_back(a[0]);
    };
    d.final = [](std::any& st) {
      auto& v = std::any_cast<std::vector<Datum>&>(st);
      if (v.empty()) return Datum::Null();
      return Datum(ArrayPtr(std::make_shared<std::vector<Datum>>(v)));
    };
    aggs.push_back(d);
  }

  json::register_json(funcs, ops, aggs);

  for (size_t i = 0; i < funcs.size(); ++i) func_index.emplace(funcs[i].name, i);
  for (size_t i = 0; i < aggs.size(); ++i) agg_index.emplace(aggs[i].name, i);
  for (size_t i = 0; i < ops.size(); ++i) op_index.emplace(ops[i].name, i);
}

const Registry& registry() {
  static const Registry r;
  return r;
}

bool is_polymorphic(Oid o) {
  return o == kAny || o == kAnyElement || o == kAnyNonArray || o == kAnyArray || o == kAnyEnum;
}

bool is_enum_type(Oid o) {
  const TypeInfo* ti = o >= kFirstUserTypeOid ? find_type(o) : nullptr;
  return ti != nullptr && ti->category == 'E';
}

// Scores one candidate: -1 if not applicable, else (exact*1000 + preferred*10 + string).
int score(const std::vector<Oid>& decl, const std::vector<Oid>& actual, bool variadic) {
  if (actual.size() < decl.size() || (!variadic && actual.size() != decl.size())) return -1;
  int exact = 0, pref = 0, str = 0;
  Oid poly_elem = 0;
  for (size_t i = 0; i < decl.size(); ++i) {
    Oid d = decl[i], a = actual[i];
    if (d == a) {
      ++exact;
      continue;
    }
    if (is_polymorphic(d)) {
      if (d == kAnyArray) {
        if (a == kUnknown) continue;
        if (!is_array_type(a)) return -1;
        Oid e = array_elem_type(a);
        if (poly_elem != 0 && poly_elem != e) return -1;
        poly_elem = e;
      } else if (d == kAnyElement || d == kAnyNonArray || d == kAnyEnum) {
        if (d == kAnyNonArray && is_array_type(a)) return -1;
        if (d == kAnyEnum && a != kUnknown && !is_enum_type(a)) return -1;
        if (a != kUnknown) {
          if (poly_elem != 0 && poly_elem != a && !can_cast(a, poly_elem, CastContext::kImplicit))
            return -1;
          if (poly_elem == 0) poly_elem = a;
        }
      }
      continue;
    }
    if (a == kUnknown) {
      const TypeInfo* ti = find_type(d);
      if (ti && ti->category == 'S') ++str;
      if (ti && ti->preferred) ++pref;
      continue;
    }
    if (!can_cast(a, d, CastContext::kImplicit)) return -1;
    const TypeInfo* ti = find_type(d);
    if (ti && ti->preferred) ++pref;
  }
  return exact * 1000 + pref * 10 + str;
}

template <typename Def, typename GetArgs>
const Def* best_of(const std::vector<Def>& defs,
                   const std::unordered_multimap<std::string, size_t>& index, std::string_view name,
                   const std::vector<Oid>& actual, GetArgs get_args, bool allow_variadic) {
  auto range = index.equal_range(std::string(name));
  const Def* best = nullptr;
  int best_score = -1;
  size_t best_idx = SIZE_MAX;
  for (auto it = range.first; it != range.second; ++it) {
    const Def& d = defs[it->second];
    bool variadic = false;
    if constexpr (std::is_same_v<Def, FunctionDef>) variadic = d.variadic_any && allow_variadic;
    int s = score(get_args(d), actual, variadic);
    if (s < 0) continue;
    if (s > best_score || (s == best_score && it->second < best_idx)) {
      best = &d;
      best_score = s;
      best_idx = it->second;
    }
  }
  return best;
}

}  // namespace

const FunctionDef* regexp_set_function_as_array(std::string_view name, size_t nargs) {
  // The rows' values as one array; regexp_matches's are text[] themselves (an array of them).
  static const FunctionDef defs[] = {
      {"regexp_matches", {kText, kText}, kTextArray, f_regexp_matches, true},
      {"regexp_matches", {kText, kText, kText}, kTextArray, f_regexp_matches, true},
      {"regexp_split_to_table", {kText, kText}, kTextArray, f_regexp_split_to_table, true},
      {"regexp_split_to_table", {kText, kText, kText}, kTextArray, f_regexp_split_to_table, true},
  };
  for (const auto& d : defs)
    if (name == d.name && nargs == d.arg_types.size()) return &d;
  return nullptr;
}

const FunctionDef* resolve_function(std::string_view name, const std::vector<Oid>& arg_types) {
  const Registry& r = registry();
  return best_of(
      r.funcs, r.func_index, name, arg_types,
      [](const FunctionDef& d) -> const std::vector<Oid>& { return d.arg_types; }, true);
}

const OperatorDef& array_subscript_operator() {
  static const OperatorDef def{
      "[]", kAny, kInt4, kAny,
      [](const std::vector<Datum>& args, const std::vector<TypeRef>& types, FuncContext&) {
        const auto& items = *args[0].as_array();
        const Oid t = types[0].oid;
        const int64_t lower = t == kInt2Vector || t == kOidVector ? 0 : 1;
        const int64_t i = args[1].as_int() - lower;
        if (i < 0 || i >= static_cast<int64_t>(items.size())) return Datum::Null();
        return items[static_cast<size_t>(i)];
      }};
  return def;
}

const OperatorDef* resolve_operator(std::string_view op, Oid left, Oid right) {
  const Registry& r = registry();
  std::string name(op == "!=" ? "<>" : op);
  if (name == "~~" || name == "!~~" || name == "~~*" || name == "!~~*") {
    // LIKE on varchar/bpchar-free types resolves through text.
  }
  // One unknown operand: assume it has the other operand's type (PostgreSQL's first rule).
  if (left != 0 && (left == kUnknown) != (right == kUnknown)) {
    Oid known = left == kUnknown ? right : left;
    auto range = r.op_index.equal_range(name);
    for (auto it = range.first; it != range.second; ++it) {
      const OperatorDef& d = r.ops[it->second];
      if (d.left == known && d.right == known) return &d;
    }
  }
  std::vector<Oid> actual = left == 0 ? std::vector<Oid>{right} : std::vector<Oid>{left, right};
  return best_of(
      r.ops, r.op_index, name, actual,
      [left](const OperatorDef& d) {
        if (left == 0) return d.left == 0 ? std::vector<Oid>{d.right} : std::vector<Oid>{0, 0, 0};
        return d.left == 0 ? std::vector<Oid>{0, 0, 0} : std::vector<Oid>{d.left, d.right};
      },
      false);
}

const AggregateDef* resolve_aggregate(std::string_view name, const std::vector<Oid>& arg_types) {
  if ((name == "min" || name == "max") && arg_types.size() == 1 && is_enum_type(arg_types[0]))
    return enum_minmax_agg(arg_types[0], name == "max");
  if (name.find("json") != std::string_view::npos)
    return json::resolve_json_aggregate(name, arg_types);
  const Registry& r = registry();
  return best_of(
      r.aggs, r.agg_index, name, arg_types,
      [](const AggregateDef& d) -> const std::vector<Oid>& { return d.arg_types; }, false);
}

namespace {}  // namespace

Oid resolve_polymorphic(Oid result, const std::vector<Oid>& decl, const std::vector<Oid>& actual) {
  if (!is_polymorphic(result)) return result;
  Oid elem = 0, arr = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    Oid d = i < decl.size() ? decl[i] : kAnyElement;
    Oid a = actual[i];
    if (a == kUnknown) continue;
    if (d == kAnyArray && arr == 0) arr = a;
    if ((d == kAnyElement || d == kAnyNonArray || d == kAny || d == kAnyEnum) && elem == 0)
      elem = a;
  }
  if (elem == 0 && arr != 0) elem = array_elem_type(arr);
  if (arr == 0 && elem != 0) arr = array_type_of(elem);
  if (elem == 0) elem = kText;
  if (result == kAnyArray) return arr != 0 ? arr : kTextArray;
  return elem;  // anyelement, anyenum
}

Oid function_result_type(const FunctionDef& f, const std::vector<Oid>& arg_types) {
  if (f.variadic_any && is_polymorphic(f.result)) {
    // greatest/least: the common type of all arguments.
    return common_type(arg_types, f.name[0] == 'g' ? "GREATEST" : "LEAST");
  }
  return resolve_polymorphic(f.result, f.arg_types, arg_types);
}

Oid aggregate_result_type(const AggregateDef& a, const std::vector<Oid>& arg_types) {
  return resolve_polymorphic(a.result, a.arg_types, arg_types);
}

Oid operator_result_type(const OperatorDef& o, Oid left, Oid right) {
  std::vector<Oid> decl =
      o.left == 0 ? std::vector<Oid>{o.right} : std::vector<Oid>{o.left, o.right};
  std::vector<Oid> actual = o.left == 0 ? std::vector<Oid>{right} : std::vector<Oid>{left, right};
  return resolve_polymorphic(o.result, decl, actual);
}

}  // namespace hf::sql::types
