// sql/types/json.cc — see json.h. The parser follows PostgreSQL 15's src/common/jsonapi.c
// (a recursive-descent parser over json_lex's tokens) so that its errors carry the same DETAIL
// and CONTEXT; the printer, order and containment follow src/backend/utils/adt/jsonb*.c.
#include "sql/types/json.h"

#include <algorithm>
#include <any>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "runtime/stack.h"
#include "sql/types/composite_types.h"
#include "sql/types/internal.h"
#include "sql/types/type_info.h"
#include "sql/types/type_io.h"

namespace hf::sql::types::json {

using namespace hf::type_oid;  // NOLINT
using internal::throw_error;
using Kind = Value::Kind;

namespace {

using hf::utf8_char_len;
using internal::append_utf8;

constexpr const char* kUntranslatableCharacter = "22P05";
constexpr const char* kArraySubscriptError = "2202E";
constexpr Oid kJsonArray = 199;
constexpr Oid kJsonbArray = 3807;

// ---------------- parser ----------------

enum class Tok : uint8_t {
  kObjectStart,
  kObjectEnd,
  kArrayStart,
  kArrayEnd,
  kComma,
  kColon,
  kString,
  kNumber,
  kTrue,
  kFalse,
  kNull,
  kEnd,
};

bool alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c >= 0x80;
}

// A number's text as numeric prints it: no exponent, the display scale numeric_in gives it
// (fraction digits minus the exponent, at least 0), no sign on zero.
std::string normalize_number(std::string_view t) {
  size_t i = 0;
  bool neg = false;
  if (t[i] == '-') neg = true, ++i;
  std::string digits;
  int64_t frac = 0;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') digits.push_back(t[i++]);
  int64_t int_len = static_cast<int64_t>(digits.size());
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') digits.push_back(t[i++]), ++frac;
  }
  int64_t exp = 0;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (t[i] == '+' || t[i] == '-') eneg = t[i] == '-', ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      exp = exp * 10 + (t[i++] - '0');
      if (exp > 1000000) break;
    }
    if (eneg) exp = -exp;
  }
  if (exp > 1000 * 1000 || exp < -1000 * 1000)
    throw_error(sqlstate::kNumericValueOutOfRange, "value overflows numeric format");
  const int64_t point = int_len + exp;  // digits before the decimal point
  const int64_t scale = std::max<int64_t>(0, frac - exp);
  if (point > 131072 || scale > 16383)
    throw_error(sqlstate::kNumericValueOutOfRange, "value overflows numeric format");
  std::string ip, fp;
  const int64_t n = static_cast<int64_t>(digits.size());
  for (int64_t k = 0; k < point; ++k) ip.push_back(k < n ? digits[static_cast<size_t>(k)] : '0');
  for (int64_t k = 0; k < scale; ++k) {
    int64_t pos = point + k;
    fp.push_back(pos >= 0 && pos < n ? digits[static_cast<size_t>(pos)] : '0');
  }
  size_t lead = ip.find_first_not_of('0');
  ip = lead == std::string::npos ? "0" : ip.substr(lead);
  bool zero = ip == "0" && fp.find_first_not_of('0') == std::string::npos;
  std::string out = (neg && !zero) ? "-" : "";
  out += ip;
  if (!fp.empty()) out += "." + fp;
  return out;
}

class Parser {
 public:
  Parser(std::string_view in, bool jsonb) : in_(in), jsonb_(jsonb) {}

  Value parse() {
    lex();
    Value v = parse_value();
    lex();
    if (tok_ != Tok::kEnd) fail("Expected end of input, but found \"" + token() + "\".");
    return v;
  }

 private:
  std::string token() const { return std::string(in_.substr(tok_start_, tok_end_ - tok_start_)); }

  [[noreturn]] void fail(std::string detail,
                         const char* state = sqlstate::kInvalidTextRepresentation,
                         std::string msg = "invalid input syntax for type json") {
    if (tok_ == Tok::kEnd && !lex_error_) detail = "The input string ended unexpectedly.";
    // PostgreSQL's report_json_context: the current line up to the end of the token, at most
    // about 50 bytes of it, with "..." where it was cut.
    size_t ctx_end = tok_end_;
    size_t ctx_start = line_start_;
    while (ctx_end - ctx_start >= 50)
      ctx_start += utf8_char_len(static_cast<unsigned char>(in_[ctx_start]));
    std::string prefix = ctx_start > line_start_ ? "..." : "";
    std::string suffix = (tok_ != Tok::kEnd || lex_error_) && ctx_end < in_.size() &&
                                 in_[ctx_end] != '\n' && in_[ctx_end] != '\r'
                             ? "..."
                             : "";
    SqlError err(state, std::move(msg), std::move(detail));
    err.error().context = "JSON data, line " + std::to_string(line_) + ": " + prefix +
                          std::string(in_.substr(ctx_start, ctx_end - ctx_start)) + suffix;
    throw err;
  }

  // A lexical error: the token ends at end; no detail means PostgreSQL's JSON_INVALID_TOKEN.
  [[noreturn]] void lex_fail(size_t end, std::string detail = {}) {
    tok_end_ = end;
    lex_error_ = true;
    if (detail.empty()) detail = "Token \"" + token() + "\" is invalid.";
    fail(std::move(detail));
  }

  void lex() {
    size_t p = pos_;
    while (p < in_.size() &&
           (in_[p] == ' ' || in_[p] == '\t' || in_[p] == '\n' || in_[p] == '\r')) {
      if (in_[p] == '\n') {
        ++line_;
        line_start_ = p + 1;
      }
      ++p;
    }
    tok_start_ = p;
    if (p >= in_.size()) {
      tok_ = Tok::kEnd;
      tok_end_ = pos_ = p;
      return;
    }
    const char c = in_[p];
    auto punct = [&](Tok t) {
      tok_ = t;
      tok_end_ = pos_ = p + 1;
    };
    switch (c) {
      case '{':
        return punct(Tok::kObjectStart);
      case '}':
        return punct(Tok::kObjectEnd);
      case '[':
        return punct(Tok::kArrayStart);
      case ']':
        return punct(Tok::kArrayEnd);
      case ',':
        return punct(Tok::kComma);
      case ':':
        return punct(Tok::kColon);
      case '"':
        return lex_string(p);
      case '-':
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
      case '8':
      case '9':
        return lex_number(p);
      default:
        break;
    }
    size_t e = p;
    while (e < in_.size() && alnum(static_cast<unsigned char>(in_[e]))) ++e;
    if (e == p) lex_fail(p + utf8_char_len(static_cast<unsigned char>(c)));
    std::string_view w = in_.substr(p, e - p);
    if (w == "true")
      tok_ = Tok::kTrue;
    else if (w == "false")
      tok_ = Tok::kFalse;
    else if (w == "null")
      tok_ = Tok::kNull;
    else
      lex_fail(e);
    tok_end_ = pos_ = e;
  }

  void lex_number(size_t start) {
    size_t s = start;
    bool error = false;
    if (in_[s] == '-') ++s;
    auto digit = [&](size_t k) { return k < in_.size() && in_[k] >= '0' && in_[k] <= '9'; };
    if (s < in_.size() && in_[s] == '0') {
      ++s;
    } else if (digit(s)) {
      while (digit(s)) ++s;
    } else {
      error = true;
    }
    if (!error && s < in_.size() && in_[s] == '.') {
      ++s;
      if (!digit(s)) error = true;
      while (digit(s)) ++s;
    }
    if (!error && s < in_.size() && (in_[s] == 'e' || in_[s] == 'E')) {
      ++s;
      if (s < in_.size() && (in_[s] == '+' || in_[s] == '-')) ++s;
      if (!digit(s)) error = true;
      while (digit(s)) ++s;
    }
    size_t e = s;
    while (e < in_.size() && alnum(static_cast<unsigned char>(in_[e]))) ++e, error = true;
    if (error) lex_fail(e);
    tok_ = Tok::kNumber;
    tok_end_ = pos_ = e;
  }

  // Scans a string token; str_ gets its contents (de-escaped). Surrogate pairs and \u0000 are
  // checked only for jsonb: PostgreSQL checks them only where it de-escapes, and json keeps
  // its text (str_ then keeps an escape it cannot turn into a character as written).
  void lex_string(size_t start) {
    size_t s = start + 1;
    str_.clear();
    int32_t hi_surrogate = -1;
    size_t hi_at = 0;  // where the pending high surrogate's escape starts
    // A high surrogate not followed by a low one; end: the end of the offending character.
    auto lone_high = [&](size_t end) {
      if (jsonb_) lex_fail(end, "Unicode low surrogate must follow a high surrogate.");
      str_ += in_.substr(hi_at, 6);
      hi_surrogate = -1;
    };
    for (;;) {
      if (s >= in_.size()) lex_fail(s);
      unsigned char c = static_cast<unsigned char>(in_[s]);
      if (c == '"') break;
      if (c < 0x20) {
        char buf[64];
        snprintf(buf, sizeof buf, "Character with value 0x%02x must be escaped.", c);
        lex_fail(s, buf);
      }
      if (c == '\\') {
        ++s;
        if (s >= in_.size()) lex_fail(s);
        char e = in_[s];
        if (e == 'u') {
          uint32_t ch = 0;
          for (int i = 1; i <= 4; ++i) {
            size_t k = s + static_cast<size_t>(i);
            if (k >= in_.size()) lex_fail(k);
            char h = in_[k];
            int v = h >= '0' && h <= '9'   ? h - '0'
                    : h >= 'a' && h <= 'f' ? h - 'a' + 10
                    : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                           : -1;
            if (v < 0)
              lex_fail(k + utf8_char_len(static_cast<unsigned char>(h)),
                       "\"\\u\" must be followed by four hexadecimal digits.");
            ch = ch * 16 + static_cast<uint32_t>(v);
          }
          const size_t esc = s - 1;  // the backslash
          s += 5;
          if (ch >= 0xd800 && ch <= 0xdbff) {
            if (hi_surrogate != -1) {
              if (jsonb_) lex_fail(s, "Unicode high surrogate must not follow a high surrogate.");
              lone_high(s);
            }
            hi_surrogate = static_cast<int32_t>(ch);
            hi_at = esc;
            continue;
          }
          if (ch >= 0xdc00 && ch <= 0xdfff) {
            if (hi_surrogate == -1) {
              if (jsonb_) lex_fail(s, "Unicode low surrogate must follow a high surrogate.");
              str_ += in_.substr(esc, 6);
              continue;
            }
            ch = ((static_cast<uint32_t>(hi_surrogate) & 0x3ff) << 10) + (ch & 0x3ff) + 0x10000;
            hi_surrogate = -1;
          }
          if (hi_surrogate != -1) lone_high(s);
          if (ch == 0) {
            if (jsonb_) {
              tok_end_ = s;
              lex_error_ = true;
              fail("\\u0000 cannot be converted to text.", kUntranslatableCharacter,
                   "unsupported Unicode escape sequence");
            }
            str_ += "\\u0000";
          } else {
            append_utf8(str_, ch);
          }
          continue;
        }
        if (hi_surrogate != -1) lone_high(s + 1);
        switch (e) {
          case '"':
          case '\\':
          case '/':
            str_.push_back(e);
            break;
          case 'b':
            str_.push_back('\b');
            break;
          case 'f':
            str_.push_back('\f');
            break;
          case 'n':
            str_.push_back('\n');
            break;
          case 'r':
            str_.push_back('\r');
            break;
          case 't':
            str_.push_back('\t');
            break;
          default: {
            size_t len = utf8_char_len(static_cast<unsigned char>(e));
            lex_fail(s + len,
                     "Escape sequence \"\\" + std::string(in_.substr(s, len)) + "\" is invalid.");
          }
        }
        ++s;
        continue;
      }
      if (hi_surrogate != -1) lone_high(s + utf8_char_len(c));
      str_.push_back(static_cast<char>(c));
      ++s;
    }
    if (hi_surrogate != -1) lone_high(s + 1);
    tok_ = Tok::kString;
    tok_end_ = pos_ = s + 1;
  }

  Value parse_value() {
    Value v;
    const size_t start = tok_start_;
    switch (tok_) {
      case Tok::kString:
        v.kind = Kind::kString;
        v.s = std::move(str_);
        break;
      case Tok::kNumber:
        v.kind = Kind::kNumber;
        v.s = jsonb_ ? normalize_number(in_.substr(tok_start_, tok_end_ - tok_start_))
                     : std::string(in_.substr(tok_start_, tok_end_ - tok_start_));
        break;
      case Tok::kTrue:
      case Tok::kFalse:
        v.kind = Kind::kBool;
        v.b = tok_ == Tok::kTrue;
        break;
      case Tok::kNull:
        break;
      case Tok::kObjectStart:
        parse_object(v);
        break;
      case Tok::kArrayStart:
        parse_array(v);
        break;
      default:
        fail("Expected JSON value, but found \"" + token() + "\".");
    }
    if (!jsonb_) v.raw = in_.substr(start, tok_end_ - start);
    return v;
  }

  void parse_object(Value& v) {
    runtime::check_stack_depth();
    v.kind = Kind::kObject;
    lex();
    if (tok_ == Tok::kObjectEnd) return;
    if (tok_ != Tok::kString) fail("Expected string or \"}\", but found \"" + token() + "\".");
    for (;;) {
      std::string key = std::move(str_);
      lex();
      if (tok_ != Tok::kColon) fail("Expected \":\", but found \"" + token() + "\".");
      lex();
      v.fields.emplace_back(std::move(key), parse_value());
      lex();
      if (tok_ == Tok::kObjectEnd) break;
      if (tok_ != Tok::kComma) fail("Expected \",\" or \"}\", but found \"" + token() + "\".");
      lex();
      if (tok_ != Tok::kString) fail("Expected string, but found \"" + token() + "\".");
    }
    if (jsonb_) {
      // uniqueifyJsonbObject: sorted by (length, bytes); of equal keys the last one stays.
      std::stable_sort(v.fields.begin(), v.fields.end(), [](const auto& a, const auto& b) {
        if (a.first.size() != b.first.size()) return a.first.size() < b.first.size();
        return a.first < b.first;
      });
      std::vector<std::pair<std::string, Value>> out;
      for (auto& f : v.fields) {
        if (!out.empty() && out.back().first == f.first)
          out.back() = std::move(f);
        else
          out.push_back(std::move(f));
      }
      v.fields = std::move(out);
    }
  }

  void parse_array(Value& v) {
    runtime::check_stack_depth();
    v.kind = Kind::kArray;
    lex();
    if (tok_ == Tok::kArrayEnd) return;
    for (;;) {
      v.items.push_back(parse_value());
      lex();
      if (tok_ == Tok::kArrayEnd) break;
      if (tok_ != Tok::kComma) fail("Expected \",\" or \"]\", but found \"" + token() + "\".");
      lex();
    }
  }

  std::string_view in_;
  bool jsonb_;
  size_t pos_ = 0;
  Tok tok_ = Tok::kEnd;
  size_t tok_start_ = 0, tok_end_ = 0;
  bool lex_error_ = false;
  int line_ = 1;
  size_t line_start_ = 0;
  std::string str_;
};

// ---------------- printing ----------------

void escape(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char ch : s) {
    switch (ch) {
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(ch) < ' ') {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", static_cast<int>(ch));
          out += buf;
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

void indent(std::string& out, int level) {
  out.push_back('\n');
  out.append(static_cast<size_t>(level) * 4, ' ');
}

void print(std::string& out, const Value& v, bool pretty, int level) {
  runtime::check_stack_depth();
  switch (v.kind) {
    case Kind::kNull:
      out += "null";
      return;
    case Kind::kBool:
      out += v.b ? "true" : "false";
      return;
    case Kind::kNumber:
      out += v.s;
      return;
    case Kind::kString:
      escape(out, v.s);
      return;
    case Kind::kArray:
      out.push_back('[');
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i) out += pretty ? "," : ", ";
        if (pretty) indent(out, level + 1);
        print(out, v.items[i], pretty, level + 1);
      }
      if (pretty) indent(out, level);
      out.push_back(']');
      return;
    case Kind::kObject:
      out.push_back('{');
      for (size_t i = 0; i < v.fields.size(); ++i) {
        if (i) out += pretty ? "," : ", ";
        if (pretty) indent(out, level + 1);
        escape(out, v.fields[i].first);
        out += ": ";
        print(out, v.fields[i].second, pretty, level + 1);
      }
      if (pretty) indent(out, level);
      out.push_back('}');
      return;
  }
}

// ---------------- order ----------------

int type_rank(Kind k) {
  switch (k) {
    case Kind::kNull:
      return 0;
    case Kind::kString:
      return 1;
    case Kind::kNumber:
      return 2;
    case Kind::kBool:
      return 3;
    case Kind::kArray:
      return 4;
    case Kind::kObject:
      return 5;
  }
  return 0;
}

// Two normalized number texts by value (1.0 = 1.00).
int number_cmp(std::string_view a, std::string_view b) {
  auto split = [](std::string_view t, bool& neg, std::string_view& ip, std::string_view& fp) {
    neg = !t.empty() && t[0] == '-';
    if (neg) t.remove_prefix(1);
    size_t dot = t.find('.');
    ip = t.substr(0, dot);
    fp = dot == std::string_view::npos ? std::string_view() : t.substr(dot + 1);
    while (!fp.empty() && fp.back() == '0') fp.remove_suffix(1);
  };
  bool na, nb;
  std::string_view ia, fa, ib, fb;
  split(a, na, ia, fa);
  split(b, nb, ib, fb);
  if (na != nb) return na ? -1 : 1;
  int mag;
  if (ia.size() != ib.size())
    mag = ia.size() < ib.size() ? -1 : 1;
  else if (int c = ia.compare(ib); c != 0)
    mag = c < 0 ? -1 : 1;
  else if (int d = fa.compare(fb); d != 0)
    mag = d < 0 ? -1 : 1;
  else
    mag = 0;
  return na ? -mag : mag;
}

int scalar_cmp(const Value& a, const Value& b) {
  switch (a.kind) {
    case Kind::kNull:
      return 0;
    case Kind::kString: {
      int c = a.s.compare(b.s);
      return c < 0 ? -1 : c > 0;
    }
    case Kind::kNumber:
      return number_cmp(a.s, b.s);
    case Kind::kBool:
      return a.b == b.b ? 0 : a.b ? 1 : -1;
    default:
      return 0;
  }
}

bool scalar_eq(const Value& a, const Value& b) {
  return a.kind == b.kind && a.is_scalar() && scalar_cmp(a, b) == 0;
}

// compareJsonbContainers: a top-level scalar is a one-element "raw scalar" array, which sorts
// before any real array.
int compare_inner(const Value& a, const Value& b) {
  runtime::check_stack_depth();
  if (a.kind != b.kind) return type_rank(a.kind) < type_rank(b.kind) ? -1 : 1;
  if (a.kind == Kind::kArray) {
    if (a.items.size() != b.items.size()) return a.items.size() < b.items.size() ? -1 : 1;
    for (size_t i = 0; i < a.items.size(); ++i)
      if (int c = compare_inner(a.items[i], b.items[i])) return c;
    return 0;
  }
  if (a.kind == Kind::kObject) {
    if (a.fields.size() != b.fields.size()) return a.fields.size() < b.fields.size() ? -1 : 1;
    for (size_t i = 0; i < a.fields.size(); ++i) {
      const auto& ka = a.fields[i].first;
      const auto& kb = b.fields[i].first;
      if (ka != kb) {
        int c = ka.compare(kb);  // keys compare as strings (bytewise, C collation)
        return c < 0 ? -1 : 1;
      }
      if (int c = compare_inner(a.fields[i].second, b.fields[i].second)) return c;
    }
    return 0;
  }
  return scalar_cmp(a, b);
}

bool contains_inner(const Value& a, const Value& b) {
  runtime::check_stack_depth();
  if (a.kind != b.kind) return false;
  if (a.kind == Kind::kObject) {
    if (b.fields.size() > a.fields.size()) return false;
    for (const auto& [k, bv] : b.fields) {
      auto it = std::find_if(a.fields.begin(), a.fields.end(),
                             [&](const auto& f) { return f.first == k; });
      if (it == a.fields.end()) return false;
      const Value& av = it->second;
      if (bv.is_scalar()) {
        if (!scalar_eq(av, bv)) return false;
      } else if (!contains_inner(av, bv)) {
        return false;
      }
    }
    return true;
  }
  if (a.kind == Kind::kArray) {
    for (const Value& e : b.items) {
      bool found = false;
      for (const Value& x : a.items) {
        if (e.is_scalar() ? scalar_eq(x, e) : (x.kind == e.kind && contains_inner(x, e))) {
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }
  return scalar_eq(a, b);
}

// ---------------- conversions ----------------

std::string iso_datetime(std::string s, bool tz) {
  size_t sp = s.find(' ');
  if (sp != std::string::npos && sp == 10) s[sp] = 'T';
  if (tz) {
    // "+HH" or "+HH:MM[:SS]" at the end: PostgreSQL's JSON output always writes minutes.
    size_t p = s.find_last_of("+-");
    if (p != std::string::npos && p > 10 && s.size() - p == 3) s += ":00";
  }
  return s;
}

// datum_to_json: SQL value → JSON text (json's spacing: arrays "[1,2]").
// timestamptz values (alone, in arrays or records) print in `zone`, as PostgreSQL's do in the
// session's TimeZone.
void datum_json_text(std::string& out, const Datum& d, Oid t, const TimeZone& zone = TimeZone()) {
  runtime::check_stack_depth();
  if (d.is_null()) {
    out += "null";
    return;
  }
  switch (t) {
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid:
      out += to_text(d, TypeRef{t, -1});
      return;
    case kFloat4:
    case kFloat8:
    case kNumeric: {
      std::string s = to_text(d, TypeRef{t, -1});
      if (s == "NaN" || s == "Infinity" || s == "-Infinity")
        escape(out, s);
      else
        out += s;
      return;
    }
    case kBool:
      out += d.as_bool() ? "true" : "false";
      return;
    case kJson:
    case kJsonb:
      out += d.as_string();
      return;
    case kDate:
      escape(out, to_text(d, TypeRef{t, -1}));
      return;
    case kTimestamp:
    case kTimestampTz:
      escape(out, iso_datetime(to_text(d, TypeRef{t, -1}, zone), t == kTimestampTz));
      return;
    default:
      break;
  }
  if (is_array_type(t)) {
    Oid elem = array_elem_type(t);
    const auto& arr = *d.as_array();
    out.push_back('[');
    for (size_t i = 0; i < arr.size(); ++i) {
      if (i) out.push_back(',');
      datum_json_text(out, arr[i], elem, zone);
    }
    out.push_back(']');
    return;
  }
  auto composite = find_composite(t);
  if (composite || t == kRecord) {
    // A row: an object of its fields (an anonymous record's named f1, f2, ...).
    const auto& fields = *d.as_array();
    out.push_back('{');
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i) out.push_back(',');
      const bool typed = composite && i < composite->fields.size();
      escape(out, typed ? composite->fields[i].name : "f" + std::to_string(i + 1));
      out.push_back(':');
      datum_json_text(out, fields[i], typed ? composite->fields[i].type.oid : kText, zone);
    }
    out.push_back('}');
    return;
  }
  escape(out, to_text(d, TypeRef{t, -1}));
}

std::string json_text_of(const Datum& d, Oid t, const TimeZone& zone = TimeZone()) {
  std::string s;
  datum_json_text(s, d, t, zone);
  return s;
}

// Key of json_build_object/json_object_agg: its text, as a JSON string.
std::string key_text(const Datum& d, Oid t) {
  if (is_array_type(t) || t == kJson || t == kJsonb)
    throw_error(sqlstate::kInvalidParameterValue,
                "key value must be scalar, not array, composite, or json");
  std::string s;
  if (t == kBool)
    s = d.as_bool() ? "true" : "false";
  else
    s = to_text(d, TypeRef{t, -1});
  return s;
}

Value jb(const Datum& d) {
  return parse(d.as_string(), true);
}
Datum out(const Value& v) {
  return Datum(to_jsonb_text(v));
}

const char* kind_name(const Value& v) {
  switch (v.kind) {
    case Kind::kNull:
      return "null";
    case Kind::kString:
      return "string";
    case Kind::kNumber:
      return "number";
    case Kind::kBool:
      return "boolean";
    case Kind::kArray:
      return "array";
    case Kind::kObject:
      return "object";
  }
  return "null";
}

// ---------------- accessors ----------------

using Args = std::vector<Datum>;
using Types = std::vector<TypeRef>;
#define FN(name) Datum name(const Args& a, const Types& t, FuncContext& ctx)
#define UNUSED_FN_ARGS \
  (void)t;             \
  (void)ctx

const Value* field(const Value& v, std::string_view key) {
  if (v.kind != Kind::kObject) return nullptr;
  const Value* found = nullptr;
  for (const auto& f : v.fields)
    if (f.first == key) found = &f.second;  // json: the last of duplicates
  return found;
}

const Value* element(const Value& v, int64_t i) {
  if (v.kind != Kind::kArray) return nullptr;
  int64_t n = static_cast<int64_t>(v.items.size());
  if (i < 0) i += n;
  if (i < 0 || i >= n) return nullptr;
  return &v.items[static_cast<size_t>(i)];
}

// A path step's integer (strtol with the whole element used), or false.
bool path_index(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = strtoll(s.c_str(), &end, 10);
  if (*end != '\0' || errno != 0 || v > INT32_MAX || v < INT32_MIN) return false;
  *out = v;
  return true;
}

const Value* at_path(const Value& root, const std::vector<Datum>& path) {
  const Value* cur = &root;
  for (const auto& p : path) {
    if (p.is_null()) return nullptr;
    const std::string& k = p.as_string();
    if (cur->kind == Kind::kObject) {
      cur = field(*cur, k);
    } else if (cur->kind == Kind::kArray) {
      int64_t i;
      if (!path_index(k, &i)) return nullptr;
      cur = element(*cur, i);
    } else {
      return nullptr;
    }
    if (!cur) return nullptr;
  }
  return cur;
}

bool is_json(const Types& t) {
  return t[0].oid == kJson;
}

// The result of -> / #>: json keeps its text, jsonb prints the normal form.
Datum as_json_result(const Value* v, bool json) {
  if (!v) return Datum::Null();
  if (json) return Datum(std::string(v->raw));
  return out(*v);
}

// ->> / #>>: a string's contents, NULL for null, else the value's text.
Datum as_text_result(const Value* v, bool json) {
  if (!v || v->kind == Kind::kNull) return Datum::Null();
  if (v->kind == Kind::kString) return Datum(v->s);
  if (json) return Datum(std::string(v->raw));
  return out(*v);
}

Value parse_arg(const Datum& d, const Types& t) {
  return parse(d.as_string(), !is_json(t));
}

FN(op_field) {
  UNUSED_FN_ARGS;
  std::string text = a[0].as_string();
  Value v = parse(text, !is_json(t));
  return as_json_result(field(v, a[1].as_string()), is_json(t));
}
FN(op_field_text) {
  UNUSED_FN_ARGS;
  std::string text = a[0].as_string();
  Value v = parse(text, !is_json(t));
  return as_text_result(field(v, a[1].as_string()), is_json(t));
}
FN(op_elem) {
  UNUSED_FN_ARGS;
  std::string text = a[0].as_string();
  Value v = parse(text, !is_json(t));
  return as_json_result(element(v, a[1].as_int()), is_json(t));
}
FN(op_elem_text) {
  UNUSED_FN_ARGS;
  std::string text = a[0].as_string();
  Value v = parse(text, !is_json(t));
  return as_text_result(element(v, a[1].as_int()), is_json(t));
}
FN(op_path) {
  UNUSED_FN_ARGS;
  std::string text = a[0].as_string();
  Value v = parse(text, !is_json(t));
  return as_json_result(at_path(v, *a[1].as_array()), is_json(t));
}
FN(op_path_text) {
  UNUSED_FN_ARGS;
  std::string text = a[0].as_string();
  Value v = parse(text, !is_json(t));
  return as_text_result(at_path(v, *a[1].as_array()), is_json(t));
}

std::vector<Datum> variadic_path(const Args& a, const Types& t) {
  std::vector<Datum> path;
  for (size_t i = 1; i < a.size(); ++i)
    path.push_back(a[i].is_null() || t[i].oid == kText ? a[i] : Datum(to_text(a[i], t[i])));
  return path;
}

// json[b]_extract_path[_text](from, VARIADIC path text[]): #> and #>> with the path spread out.
FN(f_extract_path) {
  UNUSED_FN_ARGS;
  std::string text = a[0].as_string();
  Value v = parse(text, !is_json(t));
  return as_json_result(at_path(v, variadic_path(a, t)), is_json(t));
}
FN(f_extract_path_text) {
  UNUSED_FN_ARGS;
  std::string text = a[0].as_string();
  Value v = parse(text, !is_json(t));
  return as_text_result(at_path(v, variadic_path(a, t)), is_json(t));
}

FN(op_contains) {
  UNUSED_FN_ARGS;
  return Datum(contains(jb(a[0]), jb(a[1])));
}
FN(op_contained) {
  UNUSED_FN_ARGS;
  return Datum(contains(jb(a[1]), jb(a[0])));
}

bool exists(const Value& v, std::string_view key) {
  if (v.kind == Kind::kObject) return field(v, key) != nullptr;
  if (v.kind == Kind::kArray) {
    for (const auto& e : v.items)
      if (e.kind == Kind::kString && e.s == key) return true;
    return false;
  }
  return v.kind == Kind::kString && v.s == key;
}

FN(op_exists) {
  UNUSED_FN_ARGS;
  return Datum(exists(jb(a[0]), a[1].as_string()));
}
FN(op_exists_any) {
  UNUSED_FN_ARGS;
  Value v = jb(a[0]);
  for (const auto& k : *a[1].as_array())
    if (!k.is_null() && exists(v, k.as_string())) return Datum(true);
  return Datum(false);
}
FN(op_exists_all) {
  UNUSED_FN_ARGS;
  Value v = jb(a[0]);
  for (const auto& k : *a[1].as_array())
    if (!k.is_null() && !exists(v, k.as_string())) return Datum(false);
  return Datum(true);
}

template <int Op>
FN(op_cmp) {
  UNUSED_FN_ARGS;
  int c = compare_text(a[0].as_string(), a[1].as_string());
  switch (Op) {
    case 0:
      return Datum(c == 0);
    case 1:
      return Datum(c != 0);
    case 2:
      return Datum(c < 0);
    case 3:
      return Datum(c > 0);
    case 4:
      return Datum(c <= 0);
    default:
      return Datum(c >= 0);
  }
}

FN(op_concat) {
  UNUSED_FN_ARGS;
  Value l = jb(a[0]), r = jb(a[1]);
  if (l.kind == Kind::kObject && r.kind == Kind::kObject) {
    for (auto& f : r.fields) {
      auto it = std::find_if(l.fields.begin(), l.fields.end(),
                             [&](const auto& x) { return x.first == f.first; });
      if (it != l.fields.end())
        it->second = std::move(f.second);
      else
        l.fields.push_back(std::move(f));
    }
    // Re-normalize the key order.
    return Datum(jsonb_in(to_jsonb_text(l)));
  }
  Value res;
  res.kind = Kind::kArray;
  for (Value* v : {&l, &r}) {
    if (v->kind == Kind::kArray)
      for (auto& e : v->items) res.items.push_back(std::move(e));
    else
      res.items.push_back(std::move(*v));
  }
  return out(res);
}

FN(op_delete_key) {
  UNUSED_FN_ARGS;
  Value v = jb(a[0]);
  const std::string& k = a[1].as_string();
  if (v.is_scalar()) throw_error(sqlstate::kInvalidParameterValue, "cannot delete from scalar");
  if (v.kind == Kind::kObject)
    std::erase_if(v.fields, [&](const auto& f) { return f.first == k; });
  else
    std::erase_if(v.items, [&](const Value& e) { return e.kind == Kind::kString && e.s == k; });
  return out(v);
}
FN(op_delete_keys) {
  UNUSED_FN_ARGS;
  Value v = jb(a[0]);
  if (v.is_scalar()) throw_error(sqlstate::kInvalidParameterValue, "cannot delete from scalar");
  for (const auto& kd : *a[1].as_array()) {
    if (kd.is_null()) continue;
    const std::string& k = kd.as_string();
    if (v.kind == Kind::kObject)
      std::erase_if(v.fields, [&](const auto& f) { return f.first == k; });
    else
      std::erase_if(v.items, [&](const Value& e) { return e.kind == Kind::kString && e.s == k; });
  }
  return out(v);
}
FN(op_delete_index) {
  UNUSED_FN_ARGS;
  Value v = jb(a[0]);
  if (v.is_scalar()) throw_error(sqlstate::kInvalidParameterValue, "cannot delete from scalar");
  if (v.kind == Kind::kObject)
    throw_error(sqlstate::kInvalidParameterValue, "cannot delete from object using integer index");
  int64_t n = static_cast<int64_t>(v.items.size()), i = a[1].as_int();
  if (i < 0) i += n;
  if (i >= 0 && i < n) v.items.erase(v.items.begin() + i);
  return out(v);
}

[[noreturn]] void not_integer(size_t pos, const std::string& s) {
  throw_error(
      sqlstate::kInvalidTextRepresentation,
      "path element at position " + std::to_string(pos + 1) + " is not an integer: \"" + s + "\"");
}

// jsonb_set / jsonb_insert / #-: PostgreSQL's setPath. op: 0 delete, 1 set (replace; add when
// create), 2 insert before, 3 insert after.
void set_path(Value& v, const std::vector<Datum>& path, size_t level, const Value* nv, int op,
              bool create) {
  runtime::check_stack_depth();
  if (path[level].is_null())
    throw_error(sqlstate::kNullValueNotAllowed,
                "path element at position " + std::to_string(level + 1) + " is null");
  const std::string& k = path[level].as_string();
  const bool last = level + 1 == path.size();
  if (v.kind == Kind::kObject) {
    auto it =
        std::find_if(v.fields.begin(), v.fields.end(), [&](const auto& f) { return f.first == k; });
    if (it != v.fields.end()) {
      if (last) {
        if (op == 0) {
          v.fields.erase(it);
        } else if (op == 1) {
          it->second = *nv;
        } else {
          throw SqlError(sqlstate::kInvalidParameterValue, "cannot replace existing key", "",
                         "Try using the function jsonb_set to replace key value.");
        }
      } else {
        set_path(it->second, path, level + 1, nv, op, create);
      }
    } else if (last && (op == 2 || op == 3 || (op == 1 && create))) {
      v.fields.emplace_back(k, *nv);
    }
    return;
  }
  if (v.kind == Kind::kArray) {
    int64_t i;
    if (!path_index(k, &i)) not_integer(level, k);
    int64_t n = static_cast<int64_t>(v.items.size());
    if (i < 0) {
      if (-i > n) {
        if (last && (op == 2 || op == 3 || (op == 1 && create)))
          v.items.insert(v.items.begin(), *nv);
        return;
      }
      i += n;
    }
    if (i >= n) {
      if (last && (op == 2 || op == 3 || (op == 1 && create))) v.items.push_back(*nv);
      return;
    }
    if (!last) {
      set_path(v.items[static_cast<size_t>(i)], path, level + 1, nv, op, create);
      return;
    }
    switch (op) {
      case 0:
        v.items.erase(v.items.begin() + i);
        break;
      case 1:
        v.items[static_cast<size_t>(i)] = *nv;
        break;
      case 2:
        v.items.insert(v.items.begin() + i, *nv);
        break;
      default:
        v.items.insert(v.items.begin() + i + 1, *nv);
        break;
    }
  }
}

FN(op_delete_path) {
  UNUSED_FN_ARGS;
  Value v = jb(a[0]);
  if (v.is_scalar()) throw_error(sqlstate::kInvalidParameterValue, "cannot delete path in scalar");
  const auto& path = *a[1].as_array();
  if (path.empty() || (v.kind == Kind::kArray ? v.items.empty() : v.fields.empty())) return a[0];
  set_path(v, path, 0, nullptr, 0, false);
  return out(v);
}

FN(f_jsonb_set) {
  UNUSED_FN_ARGS;
  Value v = jb(a[0]);
  Value nv = jb(a[2]);
  bool create = a.size() < 4 || a[3].as_bool();
  if (v.is_scalar()) throw_error(sqlstate::kInvalidParameterValue, "cannot set path in scalar");
  const auto& path = *a[1].as_array();
  if (path.empty()) return a[0];
  set_path(v, path, 0, &nv, 1, create);
  return Datum(jsonb_in(to_jsonb_text(v)));
}

FN(f_jsonb_insert) {
  UNUSED_FN_ARGS;
  Value v = jb(a[0]);
  Value nv = jb(a[2]);
  bool after = a.size() > 3 && a[3].as_bool();
  if (v.is_scalar()) throw_error(sqlstate::kInvalidParameterValue, "cannot set path in scalar");
  const auto& path = *a[1].as_array();
  if (path.empty()) return a[0];
  set_path(v, path, 0, &nv, after ? 3 : 2, false);
  return Datum(jsonb_in(to_jsonb_text(v)));
}

FN(f_typeof) {
  UNUSED_FN_ARGS;
  return Datum(std::string(kind_name(parse_arg(a[0], t))));
}

FN(f_array_length) {
  UNUSED_FN_ARGS;
  Value v = parse_arg(a[0], t);
  if (v.kind == Kind::kArray) return Datum(static_cast<int64_t>(v.items.size()));
  throw_error(sqlstate::kInvalidParameterValue, v.kind == Kind::kObject
                                                    ? "cannot get array length of a non-array"
                                                    : "cannot get array length of a scalar");
}

void strip_nulls(Value& v) {
  runtime::check_stack_depth();
  if (v.kind == Kind::kObject) {
    std::erase_if(v.fields, [](const auto& f) { return f.second.kind == Kind::kNull; });
    for (auto& f : v.fields) strip_nulls(f.second);
  } else if (v.kind == Kind::kArray) {
    for (auto& e : v.items) strip_nulls(e);
  }
}

FN(f_strip_nulls) {
  UNUSED_FN_ARGS;
  Value v = jb(a[0]);
  strip_nulls(v);
  return out(v);
}

FN(f_pretty) {
  UNUSED_FN_ARGS;
  return Datum(to_jsonb_text(jb(a[0]), true));
}

FN(f_to_json) {
  return Datum(json_text_of(a[0], t[0].oid, ctx.zone));
}
FN(f_to_jsonb) {
  return out(from_datum(a[0], t[0].oid, ctx.zone));
}

std::string build_object_json(const Args& a, const Types& t, const char* fname,
                              const TimeZone& zone) {
  if (a.size() % 2 != 0)
    throw SqlError(sqlstate::kInvalidParameterValue,
                   "argument list must have even number of elements", "",
                   std::string("The arguments of ") + fname +
                       "() must consist of alternating keys and values.");
  std::string s = "{";
  for (size_t i = 0; i < a.size(); i += 2) {
    if (a[i].is_null()) {
      if (std::string_view(fname) == "jsonb_build_object")
        throw_error(sqlstate::kInvalidParameterValue,
                    "argument " + std::to_string(i + 1) + ": key must not be null");
      throw SqlError(sqlstate::kInvalidParameterValue,
                     "argument " + std::to_string(i + 1) + " cannot be null", "",
                     "Object keys should be text.");
    }
    if (i) s += ", ";
    escape(s, key_text(a[i], t[i].oid));
    s += " : ";
    datum_json_text(s, a[i + 1], t[i + 1].oid, zone);
  }
  s += "}";
  return s;
}

FN(f_json_build_object) {
  return Datum(build_object_json(a, t, "json_build_object", ctx.zone));
}
FN(f_jsonb_build_object) {
  return Datum(jsonb_in(build_object_json(a, t, "jsonb_build_object", ctx.zone)));
}
std::string build_array_json(const Args& a, const Types& t, const TimeZone& zone) {
  std::string s = "[";
  for (size_t i = 0; i < a.size(); ++i) {
    if (i) s += ", ";
    datum_json_text(s, a[i], t[i].oid, zone);
  }
  return s + "]";
}
FN(f_json_build_array) {
  return Datum(build_array_json(a, t, ctx.zone));
}
FN(f_jsonb_build_array) {
  return Datum(jsonb_in(build_array_json(a, t, ctx.zone)));
}

// json_object(text[]) / jsonb_object(text[]): alternating keys and values, all strings.
std::string object_from_array(const std::vector<Datum>& arr, const std::vector<Datum>* values) {
  std::string s = "{";
  size_t n = values ? arr.size() : arr.size() / 2;
  if (!values && arr.size() % 2 != 0)
    throw_error(kArraySubscriptError, "array must have even number of elements");
  if (values && values->size() != arr.size())
    throw_error(kArraySubscriptError, "mismatched array dimensions");
  for (size_t i = 0; i < n; ++i) {
    const Datum& k = values ? arr[i] : arr[2 * i];
    const Datum& v = values ? (*values)[i] : arr[2 * i + 1];
    if (k.is_null())
      throw_error(sqlstate::kNullValueNotAllowed, "null value not allowed for object key");
    if (i) s += ", ";
    escape(s, k.as_string());
    s += " : ";
    if (v.is_null())
      s += "null";
    else
      escape(s, v.as_string());
  }
  return s + "}";
}
FN(f_json_object) {
  UNUSED_FN_ARGS;
  return Datum(object_from_array(*a[0].as_array(), a.size() > 1 ? a[1].as_array().get() : nullptr));
}
FN(f_jsonb_object) {
  UNUSED_FN_ARGS;
  return Datum(jsonb_in(
      object_from_array(*a[0].as_array(), a.size() > 1 ? a[1].as_array().get() : nullptr)));
}

FN(f_pg_typeof) {
  (void)a;
  (void)ctx;
  return Datum(static_cast<int64_t>(t[0].oid));
}

// Set-returning functions, computed as an array for unnest().
template <int Which>  // 0 elements, 1 elements_text, 2 object_keys, 3 each, 4 each_text
FN(f_srf_array) {
  UNUSED_FN_ARGS;
  const bool json = is_json(t);
  if constexpr (Which >= 3) {
    // Two columns (key, value), flattened: k1, v1, k2, v2, ...
    std::string text = a[0].as_string();
    Value v = parse(text, !json);
    if (v.kind != Kind::kObject) {
      const char* fname = json ? (Which == 3 ? "json_each" : "json_each_text")
                               : (Which == 3 ? "jsonb_each" : "jsonb_each_text");
      if (!json)
        throw_error(sqlstate::kInvalidParameterValue,
                    std::string("cannot call ") + fname + " on a non-object");
      throw_error(sqlstate::kInvalidParameterValue, v.kind == Kind::kArray
                                                        ? "cannot deconstruct an array as an object"
                                                        : "cannot deconstruct a scalar");
    }
    auto arr = std::make_shared<std::vector<Datum>>();
    for (const auto& f : v.fields) {
      arr->push_back(Datum(f.first));
      arr->push_back(Which == 4 ? as_text_result(&f.second, json)
                                : as_json_result(&f.second, json));
    }
    return Datum(ArrayPtr(arr));
  }
  const char* fname = Which == 2 ? (json ? "json_object_keys" : "jsonb_object_keys")
                                 : (json ? "json_array_elements" : "jsonb_array_elements");
  std::string text = a[0].as_string();
  Value v = parse(text, !json);
  auto arr = std::make_shared<std::vector<Datum>>();
  if (Which == 2) {
    if (v.kind != Kind::kObject)
      throw_error(sqlstate::kInvalidParameterValue,
                  std::string("cannot call ") + fname + " on " +
                      (v.kind == Kind::kArray ? "an array" : "a scalar"));
    for (const auto& f : v.fields) arr->push_back(Datum(f.first));
  } else {
    if (v.kind != Kind::kArray) {
      if (json)
        throw_error(sqlstate::kInvalidParameterValue,
                    std::string("cannot call ") + fname + " on " +
                        (v.kind == Kind::kObject ? "a non-array" : "a scalar"));
      throw_error(sqlstate::kInvalidParameterValue, v.kind == Kind::kObject
                                                        ? "cannot extract elements from an object"
                                                        : "cannot extract elements from a scalar");
    }
    for (const auto& e : v.items)
      arr->push_back(Which == 1 ? as_text_result(&e, json) : as_json_result(&e, json));
  }
  return Datum(ArrayPtr(arr));
}

// ---------------- aggregates ----------------

struct AggState {
  std::string s;
  bool any = false;
};

AggregateDef make_agg(std::string_view name, const std::vector<Oid>& args) {
  AggregateDef d;
  d.arg_types = args;
  d.strict = false;
  d.init = [] { return std::any(AggState{}); };
  const bool jsonb = name.starts_with("jsonb");
  d.result = jsonb ? kJsonb : kJson;
  if (name == "json_agg" || name == "jsonb_agg") {
    d.name = jsonb ? "jsonb_agg" : "json_agg";
    const Oid t = args[0];
    const bool structured = is_array_type(t) || t == kRecord || find_composite(t) != nullptr;
    d.step = [t, structured](std::any& st, const Args& a) {
      auto& s = std::any_cast<AggState&>(st);
      if (s.any) {
        s.s += ", ";
        if (structured && !a[0].is_null()) s.s += "\n ";
      }
      datum_json_text(s.s, a[0], t);
      s.any = true;
    };
    d.final = [jsonb](std::any& st) {
      auto& s = std::any_cast<AggState&>(st);
      if (!s.any) return Datum::Null();
      std::string j = "[" + s.s + "]";
      return Datum(jsonb ? jsonb_in(j) : j);
    };
  } else {
    d.name = jsonb ? "jsonb_object_agg" : "json_object_agg";
    const Oid kt = args[0], vt = args[1];
    d.step = [kt, vt](std::any& st, const Args& a) {
      auto& s = std::any_cast<AggState&>(st);
      if (a[0].is_null())
        throw_error(sqlstate::kInvalidParameterValue, "field name must not be null");
      s.s += s.any ? ", " : "{ ";
      escape(s.s, key_text(a[0], kt));
      s.s += " : ";
      datum_json_text(s.s, a[1], vt);
      s.any = true;
    };
    d.final = [jsonb](std::any& st) {
      auto& s = std::any_cast<AggState&>(st);
      if (!s.any) return Datum::Null();
      std::string j = s.s + " }";
      return Datum(jsonb ? jsonb_in(j) : j);
    };
  }
  return d;
}

}  // namespace

// ---------------- public ----------------

Value parse(std::string_view text, bool jsonb) {
  return Parser(text, jsonb).parse();
}

std::string to_jsonb_text(const Value& v, bool pretty) {
  std::string s;
  print(s, v, pretty, 0);
  return s;
}

std::string jsonb_in(std::string_view text) {
  return to_jsonb_text(parse(text, true));
}

std::string json_in(std::string_view text) {
  parse(text, false);
  return std::string(text);
}

namespace {
void strip_fraction_zeros(Value& v) {
  runtime::check_stack_depth();
  if (v.kind == Kind::kNumber && v.s.find('.') != std::string::npos) {
    while (v.s.back() == '0') v.s.pop_back();
    if (v.s.back() == '.') v.s.pop_back();
  }
  for (auto& e : v.items) strip_fraction_zeros(e);
  for (auto& f : v.fields) strip_fraction_zeros(f.second);
}
}  // namespace

std::string jsonb_hash_key(std::string_view stored) {
  if (stored.find('.') == std::string_view::npos) return std::string(stored);
  Value v = parse(stored, true);
  strip_fraction_zeros(v);
  return to_jsonb_text(v);
}

Value from_datum(const Datum& d, Oid t, const TimeZone& zone) {
  if (t == kJsonb && !d.is_null()) return parse(d.as_string(), true);
  return parse(json_text_of(d, t, zone), true);
}

int compare(const Value& a, const Value& b) {
  // A top-level scalar is a one-element "raw scalar" array: against an array it compares by
  // element count first, and sorts before a real array of one element.
  if (a.is_scalar() && b.kind == Kind::kArray) return b.items.empty() ? 1 : -1;
  if (a.kind == Kind::kArray && b.is_scalar()) return a.items.empty() ? -1 : 1;
  return compare_inner(a, b);
}

int compare_text(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  return compare(parse(a, true), parse(b, true));
}

bool contains(const Value& a, const Value& b) {
  if (b.is_scalar()) {
    if (a.is_scalar()) return scalar_eq(a, b);
    if (a.kind == Kind::kArray) {
      for (const auto& e : a.items)
        if (scalar_eq(e, b)) return true;
    }
    return false;
  }
  if (a.is_scalar()) return false;  // a raw scalar contains no array or object
  return contains_inner(a, b);
}

Datum cast_jsonb_to(const std::string& stored, Oid target) {
  Value v = parse(stored, true);
  const char* tname = target == kBool      ? "boolean"
                      : target == kNumeric ? "numeric"
                      : target == kInt2    ? "smallint"
                      : target == kInt4    ? "integer"
                      : target == kInt8    ? "bigint"
                      : target == kFloat4  ? "real"
                                           : "double precision";
  const bool want_bool = target == kBool;
  if ((want_bool && v.kind != Kind::kBool) || (!want_bool && v.kind != Kind::kNumber)) {
    const char* k = v.kind == Kind::kObject   ? "object"
                    : v.kind == Kind::kArray  ? "array"
                    : v.kind == Kind::kString ? "string"
                    : v.kind == Kind::kNull   ? "null"
                    : v.kind == Kind::kBool   ? "boolean"
                                              : "numeric";
    throw_error(sqlstate::kInvalidParameterValue,
                std::string("cannot cast jsonb ") + k + " to type " + tname);
  }
  if (want_bool) return Datum(v.b);
  if (target == kFloat4 || target == kFloat8) return from_text(v.s, TypeRef{target, -1});
  bool ok = true;
  Numeric n = internal::numeric_parse(v.s, &ok);
  if (target == kNumeric) return Datum(n);
  return Datum(internal::numeric_to_int(n, target));
}

void register_json(std::vector<FunctionDef>& funcs, std::vector<OperatorDef>& ops,
                   std::vector<AggregateDef>& aggs) {
  (void)aggs;  // per argument type: resolve_json_aggregate
  for (Oid j : {kJson, kJsonb}) {
    ops.push_back({"->", j, kText, j, op_field});
    ops.push_back({"->", j, kInt4, j, op_elem});
    ops.push_back({"->>", j, kText, kText, op_field_text});
    ops.push_back({"->>", j, kInt4, kText, op_elem_text});
    ops.push_back({"#>", j, kTextArray, j, op_path});
    ops.push_back({"#>>", j, kTextArray, kText, op_path_text});
  }
  ops.push_back({"@>", kJsonb, kJsonb, kBool, op_contains});
  ops.push_back({"<@", kJsonb, kJsonb, kBool, op_contained});
  ops.push_back({"?", kJsonb, kText, kBool, op_exists});
  ops.push_back({"?|", kJsonb, kTextArray, kBool, op_exists_any});
  ops.push_back({"?&", kJsonb, kTextArray, kBool, op_exists_all});
  ops.push_back({"||", kJsonb, kJsonb, kJsonb, op_concat});
  ops.push_back({"-", kJsonb, kText, kJsonb, op_delete_key});
  ops.push_back({"-", kJsonb, kTextArray, kJsonb, op_delete_keys});
  ops.push_back({"-", kJsonb, kInt4, kJsonb, op_delete_index});
  ops.push_back({"#-", kJsonb, kTextArray, kJsonb, op_delete_path});
  ops.push_back({"=", kJsonb, kJsonb, kBool, op_cmp<0>});
  ops.push_back({"<>", kJsonb, kJsonb, kBool, op_cmp<1>});
  ops.push_back({"<", kJsonb, kJsonb, kBool, op_cmp<2>});
  ops.push_back({">", kJsonb, kJsonb, kBool, op_cmp<3>});
  ops.push_back({"<=", kJsonb, kJsonb, kBool, op_cmp<4>});
  ops.push_back({">=", kJsonb, kJsonb, kBool, op_cmp<5>});

  auto F = [&](const char* name, std::vector<Oid> args, Oid result, ScalarFn fn, bool strict = true,
               bool variadic = false) {
    funcs.push_back(FunctionDef{name, std::move(args), result, fn, strict, variadic, false});
  };
  F("to_json", {kAny}, kJson, f_to_json);
  F("row_to_json", {kAny}, kJson, f_to_json);  // a composite: an object of its fields
  F("to_jsonb", {kAny}, kJsonb, f_to_jsonb);
  F("json_build_object", {}, kJson, f_json_build_object, false, true);
  F("jsonb_build_object", {}, kJsonb, f_jsonb_build_object, false, true);
  F("json_build_array", {}, kJson, f_json_build_array, false, true);
  F("jsonb_build_array", {}, kJsonb, f_jsonb_build_array, false, true);
  F("json_object", {kTextArray}, kJson, f_json_object);
  F("json_object", {kTextArray, kTextArray}, kJson, f_json_object);
  F("jsonb_object", {kTextArray}, kJsonb, f_jsonb_object);
  F("jsonb_object", {kTextArray, kTextArray}, kJsonb, f_jsonb_object);
  F("jsonb_set", {kJsonb, kTextArray, kJsonb}, kJsonb, f_jsonb_set);
  F("jsonb_set", {kJsonb, kTextArray, kJsonb, kBool}, kJsonb, f_jsonb_set);
  F("jsonb_insert", {kJsonb, kTextArray, kJsonb}, kJsonb, f_jsonb_insert);
  F("jsonb_insert", {kJsonb, kTextArray, kJsonb, kBool}, kJsonb, f_jsonb_insert);
  F("jsonb_typeof", {kJsonb}, kText, f_typeof);
  F("json_typeof", {kJson}, kText, f_typeof);
  F("jsonb_array_length", {kJsonb}, kInt4, f_array_length);
  F("json_array_length", {kJson}, kInt4, f_array_length);
  F("jsonb_strip_nulls", {kJsonb}, kJsonb, f_strip_nulls);
  F("jsonb_pretty", {kJsonb}, kText, f_pretty);
  // The operators' functions under their own names.
  for (Oid j : {kJson, kJsonb}) {
    const bool b = j == kJsonb;
    F(b ? "jsonb_object_field" : "json_object_field", {j, kText}, j, op_field);
    F(b ? "jsonb_object_field_text" : "json_object_field_text", {j, kText}, kText, op_field_text);
    F(b ? "jsonb_array_element" : "json_array_element", {j, kInt4}, j, op_elem);
    F(b ? "jsonb_array_element_text" : "json_array_element_text", {j, kInt4}, kText, op_elem_text);
  }
  F("jsonb_contains", {kJsonb, kJsonb}, kBool, op_contains);
  F("jsonb_contained", {kJsonb, kJsonb}, kBool, op_contained);
  F("jsonb_exists", {kJsonb, kText}, kBool, op_exists);
  F("jsonb_exists_any", {kJsonb, kTextArray}, kBool, op_exists_any);
  F("jsonb_exists_all", {kJsonb, kTextArray}, kBool, op_exists_all);
  F("jsonb_concat", {kJsonb, kJsonb}, kJsonb, op_concat);
  F("jsonb_delete", {kJsonb, kText}, kJsonb, op_delete_key);
  F("jsonb_delete", {kJsonb, kInt4}, kJsonb, op_delete_index);
  F("jsonb_delete_path", {kJsonb, kTextArray}, kJsonb, op_delete_path);
  F("pg_typeof", {kAny}, kRegtype, f_pg_typeof, false);
  F("array_to_json", {kAny}, kJson, f_to_json);
  F("jsonb_extract_path", {kJsonb}, kJsonb, f_extract_path, true, true);
  F("jsonb_extract_path_text", {kJsonb}, kText, f_extract_path_text, true, true);
  F("json_extract_path", {kJson}, kJson, f_extract_path, true, true);
  F("json_extract_path_text", {kJson}, kText, f_extract_path_text, true, true);
}

const AggregateDef* resolve_json_aggregate(std::string_view name, const std::vector<Oid>& args) {
  const bool one = name == "json_agg" || name == "jsonb_agg";
  const bool two = name == "json_object_agg" || name == "jsonb_object_agg";
  if (!(one && args.size() == 1) && !(two && args.size() == 2)) return nullptr;
  static std::mutex mu;
  static std::map<std::pair<std::string, std::vector<Oid>>, std::unique_ptr<const AggregateDef>>
      made;
  std::lock_guard g(mu);
  auto& d = made[{std::string(name), args}];
  if (!d) d = std::make_unique<const AggregateDef>(make_agg(name, args));
  return d.get();
}

const FunctionDef* set_function_as_array(std::string_view name) {
  static const FunctionDef defs[] = {
      {"jsonb_array_elements", {kJsonb}, kJsonbArray, f_srf_array<0>, true},
      {"jsonb_array_elements_text", {kJsonb}, kTextArray, f_srf_array<1>, true},
      {"jsonb_object_keys", {kJsonb}, kTextArray, f_srf_array<2>, true},
      {"json_array_elements", {kJson}, kJsonArray, f_srf_array<0>, true},
      {"json_array_elements_text", {kJson}, kTextArray, f_srf_array<1>, true},
      {"json_object_keys", {kJson}, kTextArray, f_srf_array<2>, true},
      {"jsonb_each", {kJsonb}, kJsonbArray, f_srf_array<3>, true},
      {"jsonb_each_text", {kJsonb}, kTextArray, f_srf_array<4>, true},
      {"json_each", {kJson}, kJsonArray, f_srf_array<3>, true},
      {"json_each_text", {kJson}, kTextArray, f_srf_array<4>, true},
  };
  for (const auto& d : defs)
    if (name == d.name) return &d;
  return nullptr;
}

}  // namespace hf::sql::types::json

namespace hf::sql::types::internal {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace hf::sql::types::internal
