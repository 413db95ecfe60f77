// sql/types/numeric.cc — integer, numeric and float arithmetic with PostgreSQL's errors.
//
// numeric is an int128 unscaled value plus a decimal scale, so it carries 38 significant
// digits (PostgreSQL allows 131072); results beyond that raise 22003 "value overflows numeric
// format". Display scale follows PostgreSQL: add/sub keep max(scale), mul sums scales,
// division uses select_div_scale (at least 16 significant digits).
#include <strings.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/datum.h"
#include "sql/types/internal.h"
#include "sql/types/type_info.h"

namespace hf::sql::types::internal {

using namespace hf::type_oid;  // NOLINT

void throw_error(const char* state, std::string msg, std::string detail) {
  throw SqlError(state, std::move(msg), std::move(detail));
}

void invalid_syntax(const char* type_name, std::string_view s) {
  throw_error(sqlstate::kInvalidTextRepresentation, std::string("invalid input syntax for type ") +
                                                        type_name + ": \"" + std::string(s) + "\"");
}

void int_out_of_range(Oid type) {
  const char* msg = type == kInt2   ? "smallint out of range"
                    : type == kInt8 ? "bigint out of range"
                                    : "integer out of range";
  throw_error(sqlstate::kNumericValueOutOfRange, msg);
}

void division_by_zero() {
  throw_error(sqlstate::kDivisionByZero, "division by zero");
}

int64_t check_int_range(int128 v, Oid type) {
  switch (type) {
    case kInt2:
      if (v < INT16_MIN || v > INT16_MAX) int_out_of_range(type);
      break;
    case kInt4:
      if (v < INT32_MIN || v > INT32_MAX) int_out_of_range(type);
      break;
    case kOid:
      if (v < 0 || v > UINT32_MAX) int_out_of_range(type);
      break;
    default:
      if (v < INT64_MIN || v > INT64_MAX) int_out_of_range(kInt8);
  }
  return static_cast<int64_t>(v);
}

int64_t int_add(int64_t a, int64_t b, Oid type) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) int_out_of_range(type);
  if (type != kInt8) return check_int_range(r, type);
  return r;
}
int64_t int_sub(int64_t a, int64_t b, Oid type) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) int_out_of_range(type);
  if (type != kInt8) return check_int_range(r, type);
  return r;
}
int64_t int_mul(int64_t a, int64_t b, Oid type) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) int_out_of_range(type);
  if (type != kInt8) return check_int_range(r, type);
  return r;
}
int64_t int_div(int64_t a, int64_t b, Oid type) {
  if (b == 0) division_by_zero();
  if (b == -1) return check_int_range(-static_cast<int128>(a), type);
  return a / b;
}
int64_t int_mod(int64_t a, int64_t b) {
  if (b == 0) division_by_zero();
  if (b == -1) return 0;
  return a % b;
}

// ---------------- numeric ----------------

int128 pow10(int n) {
  static const auto table = [] {
    std::array<int128, 39> t{};
    t[0] = 1;
    for (int i = 1; i < 39; ++i) t[i] = t[i - 1] * 10;
    return t;
  }();
  return table[n];
}

int digit_count(int128 v) {
  if (v < 0) v = -v;
  int n = 0;
  while (v != 0) {
    v /= 10;
    ++n;
  }
  return n;
}

void numeric_overflow() {
  throw_error(sqlstate::kNumericValueOutOfRange, "value overflows numeric format");
}

static int128 abs128(int128 v) {
  return v < 0 ? -v : v;
}
static const int128 kMaxUnscaled = [] {
  int128 m = 1;
  for (int i = 0; i < kNumericMaxDigits; ++i) m *= 10;
  return m - 1;
}();

static Numeric make_num(int128 u, int scale) {
  if (u > kMaxUnscaled || u < -kMaxUnscaled) numeric_overflow();
  return Numeric{u, scale, false};
}

Numeric numeric_from_int(int64_t v) {
  return Numeric{v, 0, false};
}

// Rescale to a larger scale (exact) or throw on overflow.
static int128 upscale(int128 u, int by) {
  if (by == 0) return u;
  if (by > kNumericMaxDigits) {
    if (u == 0) return 0;
    numeric_overflow();
  }
  int128 r;
  if (__builtin_mul_overflow(u, pow10(by), &r)) numeric_overflow();
  if (r > kMaxUnscaled || r < -kMaxUnscaled) numeric_overflow();
  return r;
}

// Divide by 10^by rounding half away from zero.
static int128 downscale_round(int128 u, int by) {
  if (by <= 0) return u;
  if (by > kNumericMaxDigits) return 0;
  int128 p = pow10(by);
  int128 q = u / p, r = u % p;
  if (abs128(r) * 2 >= p) q += (u < 0 ? -1 : 1);
  return q;
}

Numeric numeric_round(const Numeric& n, int scale) {
  if (n.nan) return n;
  if (scale >= n.scale) return make_num(upscale(n.unscaled, scale - n.scale), scale);
  int128 q = downscale_round(n.unscaled, n.scale - scale);
  if (scale < 0) return make_num(upscale(q, -scale), 0);
  return make_num(q, scale);
}

Numeric numeric_trunc(const Numeric& n, int scale) {
  if (n.nan) return n;
  if (scale >= n.scale) return make_num(upscale(n.unscaled, scale - n.scale), scale);
  int by = n.scale - scale;
  int128 q = by > kNumericMaxDigits ? 0 : n.unscaled / pow10(by);
  if (scale < 0) return make_num(upscale(q, -scale), 0);
  return make_num(q, scale);
}

Numeric numeric_parse(std::string_view s, bool* ok) {
  *ok = false;
  size_t i = 0, n = s.size();
  while (i < n && isspace(static_cast<unsigned char>(s[i]))) ++i;
  while (n > i && isspace(static_cast<unsigned char>(s[n - 1]))) --n;
  std::string_view t = s.substr(i, n - i);
  if (t.size() == 3 && strncasecmp(t.data(), "nan", 3) == 0) {
    *ok = true;
    return Numeric{0, 0, true};
  }
  bool neg = false;
  size_t p = 0;
  if (p < t.size() && (t[p] == '+' || t[p] == '-')) neg = t[p++] == '-';
  // Collect digits, ignoring leading zeros; track decimal exponent.
  std::string digits;
  int frac_digits = 0;
  bool seen_digit = false, seen_point = false;
  for (; p < t.size(); ++p) {
    char c = t[p];
    if (c >= '0' && c <= '9') {
      seen_digit = true;
      if (!(digits.empty() && c == '0')) digits.push_back(c);
      if (seen_point) ++frac_digits;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!seen_digit) return {};
  int64_t exp = 0;
  if (p < t.size() && (t[p] == 'e' || t[p] == 'E')) {
    ++p;
    bool eneg = false;
    if (p < t.size() && (t[p] == '+' || t[p] == '-')) eneg = t[p++] == '-';
    if (p >= t.size() || !isdigit(static_cast<unsigned char>(t[p]))) return {};
    while (p < t.size() && isdigit(static_cast<unsigned char>(t[p]))) {
      exp = exp * 10 + (t[p] - '0');
      if (exp > 100000) return {};
      ++p;
    }
    if (eneg) exp = -exp;
  }
  if (p != t.size()) return {};
  *ok = true;
  // value = digits * 10^(exp - frac_digits); display scale = max(0, frac_digits - exp).
  int64_t scale = frac_digits - exp;
  if (scale < 0) scale = 0;
  // Digits significant beyond what the scale shows are zeros (the leading-zero strip keeps
  // digits exact); value unscaled = digits * 10^(scale - (frac_digits - exp)).
  int64_t shift = scale - (frac_digits - exp);  // >= 0
  if (digits.empty()) return Numeric{0, static_cast<int32_t>(scale > 1000 ? 1000 : scale), false};
  if (static_cast<int64_t>(digits.size()) + shift > kNumericMaxDigits) {
    // Too many digits: round away excess fractional digits if possible.
    int64_t excess = static_cast<int64_t>(digits.size()) + shift - kNumericMaxDigits;
    if (shift > 0 || excess > scale) numeric_overflow();
    // Drop `excess` trailing digits with rounding.
    std::string head = digits.substr(0, digits.size() - excess);
    int128 u = 0;
    for (char c : head) u = u * 10 + (c - '0');
    if (digits[digits.size() - excess] >= '5') ++u;
    return make_num(neg ? -u : u, static_cast<int32_t>(scale - excess));
  }
  int128 u = 0;
  for (char c : digits) u = u * 10 + (c - '0');
  u = upscale(u, static_cast<int>(shift));
  return make_num(neg ? -u : u, static_cast<int32_t>(scale));
}

std::string numeric_to_string(const Numeric& n) {
  if (n.nan) return "NaN";
  int128 u = abs128(n.unscaled);
  char buf[64];
  int len = 0;
  do {
    buf[len++] = static_cast<char>('0' + static_cast<int>(u % 10));
    u /= 10;
  } while (u != 0);
  std::string digits(buf, len);
  std::reverse(digits.begin(), digits.end());
  std::string out;
  if (n.unscaled < 0) out.push_back('-');
  if (n.scale <= 0) {
    out += digits;
    if (n.unscaled != 0) out.append(-n.scale, '0');
    return out;
  }
  if (static_cast<int>(digits.size()) <= n.scale)
    digits.insert(0, n.scale - digits.size() + 1, '0');
  out.append(digits, 0, digits.size() - n.scale);
  out.push_back('.');
  out.append(digits, digits.size() - n.scale, std::string::npos);
  return out;
}

// Align two numerics to a common scale.
static void align(const Numeric& a, const Numeric& b, int128* ua, int128* ub, int* scale) {
  *scale = std::max(a.scale, b.scale);
  *ua = upscale(a.unscaled, *scale - a.scale);
  *ub = upscale(b.unscaled, *scale - b.scale);
}

Numeric numeric_add(const Numeric& a, const Numeric& b) {
  if (a.nan || b.nan) return Numeric{0, 0, true};
  int128 x, y;
  int s;
  align(a, b, &x, &y, &s);
  return make_num(x + y, s);
}

Numeric numeric_sub(const Numeric& a, const Numeric& b) {
  if (a.nan || b.nan) return Numeric{0, 0, true};
  int128 x, y;
  int s;
  align(a, b, &x, &y, &s);
  return make_num(x - y, s);
}

Numeric numeric_mul(const Numeric& a, const Numeric& b) {
  if (a.nan || b.nan) return Numeric{0, 0, true};
  int128 r;
  int scale = a.scale + b.scale;
  if (!__builtin_mul_overflow(a.unscaled, b.unscaled, &r) && abs128(r) <= kMaxUnscaled)
    return make_num(r, scale);
  // Exact product does not fit: reduce fractional digits of the operands first (rounding),
  // as long as the result keeps its integer part.
  Numeric x = numeric_normalize(a), y = numeric_normalize(b);
  scale = x.scale + y.scale;
  if (!__builtin_mul_overflow(x.unscaled, y.unscaled, &r) && abs128(r) <= kMaxUnscaled)
    return numeric_round(make_num(r, scale), a.scale + b.scale);
  numeric_overflow();
}

Numeric numeric_neg(const Numeric& a) {
  Numeric r = a;
  r.unscaled = -r.unscaled;
  return r;
}
Numeric numeric_abs(const Numeric& a) {
  Numeric r = a;
  if (r.unscaled < 0) r.unscaled = -r.unscaled;
  return r;
}

Numeric numeric_normalize(const Numeric& a) {
  Numeric r = a;
  if (r.nan) return r;
  if (r.unscaled == 0) {
    r.scale = 0;
    return r;
  }
  while (r.scale > 0 && r.unscaled % 10 == 0) {
    r.unscaled /= 10;
    --r.scale;
  }
  return r;
}

int numeric_cmp(const Numeric& a, const Numeric& b) {
  if (a.nan || b.nan) return a.nan == b.nan ? 0 : (a.nan ? 1 : -1);
  if (a.scale == b.scale) return a.unscaled < b.unscaled ? -1 : a.unscaled > b.unscaled;
  int sa = (a.unscaled > 0) - (a.unscaled < 0), sb = (b.unscaled > 0) - (b.unscaled < 0);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  // Same sign, nonzero: compare decimal exponent of the leading digit, then the digits.
  Numeric x = numeric_normalize(a), y = numeric_normalize(b);
  int128 ux = abs128(x.unscaled), uy = abs128(y.unscaled);
  int nx = digit_count(ux), ny = digit_count(uy);
  int ex = nx - x.scale, ey = ny - y.scale;
  int mag;
  if (ex != ey) {
    mag = ex < ey ? -1 : 1;
  } else {
    // Same leading position: pad the shorter digit string with zeros on the right.
    if (nx < ny)
      ux *= pow10(ny - nx);
    else if (ny < nx)
      uy *= pow10(nx - ny);
    mag = ux < uy ? -1 : ux > uy;
  }
  return sa > 0 ? mag : -mag;
}

// PostgreSQL's NBASE (10000) weight and first digit of a nonzero value.
static void nbase_weight(const Numeric& n, int* weight, int* first) {
  int128 u = abs128(n.unscaled);
  int nd = digit_count(u);
  int e = nd - 1 - n.scale;  // decimal exponent of the leading digit
  int w = e >= 0 ? e / 4 : -((-e + 3) / 4);
  int shift = n.scale + 4 * w;
  int128 f = shift >= 0 ? u / pow10(shift) : u * pow10(-shift);
  *weight = w;
  *first = static_cast<int>(f);
}

Numeric numeric_div_scale(const Numeric& a, const Numeric& b, int rscale) {
  if (a.nan || b.nan) return Numeric{0, 0, true};
  if (b.unscaled == 0) division_by_zero();
  // q = a/b at scale rscale: (ua / 10^sa) / (ub / 10^sb) * 10^rscale.
  int k = rscale + b.scale - a.scale;
  int128 num = a.unscaled, den = b.unscaled;
  if (k < 0) {
    if (-k > kNumericMaxDigits || digit_count(den) - k > kNumericMaxDigits) {
      return Numeric{0, rscale, false};
    }
    den *= pow10(-k);
    k = 0;
  }
  bool neg = (num < 0) != (den < 0);
  num = abs128(num);
  den = abs128(den);
  int128 q = num / den, r = num % den;
  const int128 limit = kMaxUnscaled;
  for (int i = 0; i < k; ++i) {
    if (q > limit / 10) numeric_overflow();
    int128 r10;
    if (__builtin_mul_overflow(r, 10, &r10)) numeric_overflow();
    q = q * 10 + r10 / den;
    r = r10 % den;
  }
  // Round half away from zero: compare 2r with den.
  if (r >= den - r) ++q;
  if (q > limit) numeric_overflow();
  return make_num(neg ? -q : q, rscale);
}

Numeric numeric_div(const Numeric& a, const Numeric& b) {
  if (a.nan || b.nan) return Numeric{0, 0, true};
  if (b.unscaled == 0) division_by_zero();
  int w1 = 0, f1 = 0, w2 = 0, f2 = 0;
  if (a.unscaled != 0) nbase_weight(a, &w1, &f1);
  nbase_weight(b, &w2, &f2);
  int qweight = w1 - w2;
  if (f1 <= f2) qweight--;
  int rscale = 16 - qweight * 4;
  rscale = std::max(rscale, std::max(a.scale, b.scale));
  rscale = std::max(rscale, 0);
  rscale = std::min(rscale, 1000);
  // Keep within 38 digits: reduce the scale if the quotient would not fit.
  int int_digits = std::max(0, (qweight + 1) * 4);
  if (int_digits + rscale > kNumericMaxDigits)
    rscale = std::max(std::max(a.scale, b.scale), kNumericMaxDigits - int_digits);
  if (rscale > kNumericMaxDigits) rscale = kNumericMaxDigits;
  return numeric_div_scale(a, b, rscale);
}

Numeric numeric_mod(const Numeric& a, const Numeric& b) {
  if (a.nan || b.nan) return Numeric{0, 0, true};
  if (b.unscaled == 0) division_by_zero();
  int128 x, y;
  int s;
  align(a, b, &x, &y, &s);
  return make_num(x % y, s);
}

double numeric_to_double(const Numeric& n) {
  if (n.nan) return std::nan("");
  return std::strtod(numeric_to_string(n).c_str(), nullptr);
}

Numeric numeric_from_double(double d, bool float4) {
  if (std::isnan(d)) return Numeric{0, 0, true};
  if (std::isinf(d))
    throw_error(sqlstate::kFeatureNotSupported, "cannot convert infinity to numeric");
  char buf[64];
  snprintf(buf, sizeof buf, "%.*g", float4 ? 6 : 15, d);
  bool ok;
  return numeric_parse(buf, &ok);
}

int64_t numeric_to_int(const Numeric& n, Oid type) {
  if (n.nan) {
    const char* name = type == kInt2 ? "smallint" : type == kInt8 ? "bigint" : "integer";
    throw_error(sqlstate::kFeatureNotSupported, std::string("cannot convert NaN to ") + name);
  }
  Numeric r = numeric_round(n, 0);
  return check_int_range(r.unscaled, type == kOid ? kInt8 : type);
}

int32_t numeric_typmod_precision(int32_t typmod) {
  return ((typmod - 4) >> 16) & 0xffff;
}
int32_t numeric_typmod_scale(int32_t typmod) {
  return (((typmod - 4) & 0x7ff) ^ 1024) - 1024;
}

Numeric numeric_apply_typmod(const Numeric& n, int32_t typmod) {
  if (typmod < 4 || n.nan) return n;
  int p = numeric_typmod_precision(typmod), s = numeric_typmod_scale(typmod);
  Numeric r = numeric_round(n, s);
  if (s < 0) r.scale = 0;
  int maxdigits = p - s;
  int int_digits = r.unscaled == 0 ? 0 : digit_count(r.unscaled) - r.scale;
  if (r.unscaled != 0 && int_digits > maxdigits) {
    throw_error(sqlstate::kNumericValueOutOfRange, "numeric field overflow",
                "A field with precision " + std::to_string(p) + ", scale " + std::to_string(s) +
                    " must round to an absolute value less than " +
                    (maxdigits ? "10^" + std::to_string(maxdigits) : std::string("1")) + ".");
  }
  return r;
}

// ---------------- float ----------------

std::string float_to_string(double d, bool float4) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  std::to_chars_result res;
  if (float4)
    res =
        std::to_chars(buf, buf + sizeof buf, static_cast<float>(d), std::chars_format::scientific);
  else
    res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  // sci: [-]D[.DDD]e[+-]XX
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  size_t epos = sci.find('e');
  std::string mant = sci.substr(0, epos);
  int exp = std::atoi(sci.c_str() + epos + 1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits.push_back(c);
  std::string out = neg ? "-" : "";
  int hi = float4 ? 6 : 15;
  if (exp >= -4 && exp < hi) {
    int nd = static_cast<int>(digits.size());
    if (exp < 0) {
      out += "0.";
      out.append(-exp - 1, '0');
      out += digits;
    } else if (exp + 1 >= nd) {
      out += digits;
      out.append(exp + 1 - nd, '0');
    } else {
      out += digits.substr(0, exp + 1);
      out += '.';
      out += digits.substr(exp + 1);
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) {
    out += '.';
    out += digits.substr(1);
  }
  char eb[16];
  snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  out += eb;
  return out;
}

double float_parse(std::string_view s, bool float4) {
  const char* tname = float4 ? "real" : "double precision";
  std::string str(s);
  const char* p = str.c_str();
  while (*p && isspace(static_cast<unsigned char>(*p))) ++p;
  if (*p == '\0') invalid_syntax(tname, s);
  std::string t(p);
  while (!t.empty() && isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  auto ieq = [&](const char* w) { return strcasecmp(t.c_str(), w) == 0; };
  if (ieq("nan")) return std::nan("");
  if (ieq("infinity") || ieq("+infinity") || ieq("inf") || ieq("+inf")) return HUGE_VAL;
  if (ieq("-infinity") || ieq("-inf")) return -HUGE_VAL;
  // Reject hex floats and the like, which strtod accepts but PostgreSQL's check does not care;
  // PostgreSQL uses strtod too, so accept what it accepts except inf/nan spellings above.
  char* end;
  errno = 0;
  double v = std::strtod(t.c_str(), &end);
  if (end == t.c_str() || *end != '\0') invalid_syntax(tname, s);
  if (errno == ERANGE && (v == 0.0 || std::isinf(v))) {
    throw_error(sqlstate::kNumericValueOutOfRange,
                "\"" + std::string(s) + "\" is out of range for type " + tname);
  }
  if (std::isnan(v) || std::isinf(v)) invalid_syntax(tname, s);
  if (float4) {
    float f = static_cast<float>(v);
    if ((std::isinf(f) && !std::isinf(v)) || (f == 0.0f && v != 0.0))
      throw_error(sqlstate::kNumericValueOutOfRange,
                  "\"" + std::string(s) + "\" is out of range for type real");
    return f;
  }
  return v;
}

double check_float(double r, bool inf_ok, bool zero_ok, bool float4) {
  if (float4) {
    float f = static_cast<float>(r);
    if (std::isinf(f) && !inf_ok)
      throw_error(sqlstate::kNumericValueOutOfRange, "value out of range: overflow");
    if (f == 0.0f && r != 0.0 && !zero_ok)
      throw_error(sqlstate::kNumericValueOutOfRange, "value out of range: underflow");
    return f;
  }
  if (std::isinf(r) && !inf_ok)
    throw_error(sqlstate::kNumericValueOutOfRange, "value out of range: overflow");
  if (r == 0.0 && !zero_ok)
    throw_error(sqlstate::kNumericValueOutOfRange, "value out of range: underflow");
  return r;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

size_t utf8_prefix_bytes(std::string_view s, size_t nchars) {
  size_t i = 0, n = 0;
  while (i < s.size()) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == nchars) return i;
      ++n;
    }
    ++i;
  }
  return i;
}

}  // namespace hf::sql::types::internal
