// sql/types/type_io.cc — text and binary I/O per type (PostgreSQL typinput/typoutput/
// typsend/typreceive). Arrays are one-dimensional with lower bound 1.
#include "sql/types/type_io.h"

#include <strings.h>

#include <cmath>
#include <cstring>

#include "sql/types/binary_encoding.h"
#include "sql/types/bit_string.h"
#include "sql/types/composite_types.h"
#include "sql/types/domain_types.h"
#include "sql/types/enum_types.h"
#include "sql/types/internal.h"
#include "sql/types/json.h"
#include "sql/types/type_info.h"

namespace hf::sql::types {

using namespace hf::type_oid;  // NOLINT
using namespace internal;      // NOLINT

namespace {

const char* sql_type_name(Oid oid) {
  switch (oid) {
    case kInt2:
      return "smallint";
    case kInt4:
      return "integer";
    case kInt8:
      return "bigint";
    case kOid:
      return "oid";
    case kFloat4:
      return "real";
    case kFloat8:
      return "double precision";
    case kBool:
      return "boolean";
    case kNumeric:
      return "numeric";
    case kUuid:
      return "uuid";
    case kBytea:
      return "bytea";
    default:
      return "unknown";
  }
}

int64_t parse_int(std::string_view s, Oid type) {
  const char* tname = sql_type_name(type);
  size_t i = 0, n = s.size();
  while (i < n && isspace(static_cast<unsigned char>(s[i]))) ++i;
  bool neg = false;
  if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  size_t start = i;
  __int128 v = 0;
  bool big = false;
  while (i < n && s[i] >= '0' && s[i] <= '9') {
    v = v * 10 + (s[i] - '0');
    if (v > (static_cast<__int128>(1) << 80)) big = true, v = static_cast<__int128>(1) << 80;
    ++i;
  }
  if (i == start) invalid_syntax(tname, s);
  while (i < n && isspace(static_cast<unsigned char>(s[i]))) ++i;
  if (i != n) invalid_syntax(tname, s);
  if (neg) v = -v;
  __int128 lo, hi;
  switch (type) {
    case kInt2:
      lo = INT16_MIN, hi = INT16_MAX;
      break;
    case kInt4:
      lo = INT32_MIN, hi = INT32_MAX;
      break;
    case kOid:
      lo = INT32_MIN, hi = UINT32_MAX;
      break;
    default:
      lo = INT64_MIN, hi = INT64_MAX;
  }
  if (big || v < lo || v > hi)
    throw_error(sqlstate::kNumericValueOutOfRange,
                "value \"" + std::string(s) + "\" is out of range for type " + tname);
  if (type == kOid && v < 0) v += static_cast<__int128>(UINT32_MAX) + 1;  // oidin wraps
  return static_cast<int64_t>(v);
}

bool parse_bool(std::string_view s, bool* out) {
  while (!s.empty() && isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return false;
  auto prefix_of = [&](const char* word, size_t min_len) {
    return s.size() >= min_len && s.size() <= strlen(word) &&
           strncasecmp(s.data(), word, s.size()) == 0;
  };
  if (prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2) || s == "1") {
    *out = true;
    return true;
  }
  if (prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || s == "0") {
    *out = false;
    return true;
  }
  return false;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// byteain: "\\x" then hex digits, or the escape format (both decoded as decode() does).
std::string parse_bytea(std::string_view s) {
  if (s.size() >= 2 && s[0] == '\\' && s[1] == 'x') return decode_bytes(s.substr(2), "hex");
  return decode_bytes(s, "escape");
}

Uuid parse_uuid(std::string_view s) {
  Uuid u;
  size_t i = 0;
  bool braces = !s.empty() && s[0] == '{';
  if (braces) ++i;
  for (int b = 0; b < 16; ++b) {
    if (i + 1 >= s.size()) invalid_syntax("uuid", s);
    int hi = hexval(s[i]), lo = hexval(s[i + 1]);
    if (hi < 0 || lo < 0) invalid_syntax("uuid", s);
    u.bytes[b] = static_cast<uint8_t>(hi * 16 + lo);
    i += 2;
    if (i < s.size() && s[i] == '-' && b % 2 == 1 && b < 15) ++i;
  }
  if (braces) {
    if (i >= s.size() || s[i] != '}') invalid_syntax("uuid", s);
    ++i;
  }
  if (i != s.size()) invalid_syntax("uuid", s);
  return u;
}

std::string uuid_to_string(const Uuid& u) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int b = 0; b < 16; ++b) {
    if (b == 4 || b == 6 || b == 8 || b == 10) out.push_back('-');
    out.push_back(kHex[u.bytes[b] >> 4]);
    out.push_back(kHex[u.bytes[b] & 15]);
  }
  return out;
}

bool array_elem_needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  if (strcasecmp(s.c_str(), "null") == 0) return true;
  for (char c : s)
    if (c == '"' || c == '\\' || c == '{' || c == '}' || c == ',' ||
        isspace(static_cast<unsigned char>(c)))
      return true;
  return false;
}

[[noreturn]] void malformed_array(std::string_view s, const char* detail) {
  throw_error(sqlstate::kInvalidTextRepresentation,
              "malformed array literal: \"" + std::string(s) + "\"", detail);
}

Datum parse_array(std::string_view s, const TypeRef& t, const TimeZone& zone) {
  Oid elem = array_elem_type(t.oid);
  TypeRef et{elem, t.typmod};
  size_t i = 0;
  auto skip = [&] {
    while (i < s.size() && isspace(static_cast<unsigned char>(s[i]))) ++i;
  };
  skip();
  if (i >= s.size() || s[i] != '{')
    malformed_array(s, "Array value must start with \"{\" or dimension information.");
  ++i;
  auto out = std::make_shared<std::vector<Datum>>();
  skip();
  if (i < s.size() && s[i] == '}') {
    ++i;
    skip();
    if (i != s.size()) malformed_array(s, "Junk after closing right brace.");
    return Datum(ArrayPtr(out));
  }
  while (true) {
    skip();
    if (i >= s.size()) malformed_array(s, "Unexpected end of input.");
    if (s[i] == '{') malformed_array(s, "Multidimensional arrays are not supported.");
    std::string elem_text;
    bool quoted = false;
    if (s[i] == '"') {
      quoted = true;
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        elem_text.push_back(s[i++]);
      }
      if (i >= s.size()) malformed_array(s, "Unexpected end of input.");
      ++i;
      skip();
    } else {
      while (i < s.size() && s[i] != ',' && s[i] != '}') {
        if (s[i] == '"') malformed_array(s, "Unexpected array element.");
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        elem_text.push_back(s[i++]);
      }
      while (!elem_text.empty() && isspace(static_cast<unsigned char>(elem_text.back())))
        elem_text.pop_back();
      if (elem_text.empty()) malformed_array(s, "Unexpected \",\" character.");
    }
    if (!quoted && strcasecmp(elem_text.c_str(), "null") == 0)
      out->push_back(Datum::Null());
    else
      out->push_back(from_text(elem_text, et, zone));
    if (i >= s.size()) malformed_array(s, "Unexpected end of input.");
    if (s[i] == ',') {
      ++i;
      continue;
    }
    if (s[i] == '}') {
      ++i;
      skip();
      if (i != s.size()) malformed_array(s, "Junk after closing right brace.");
      break;
    }
    malformed_array(s, "Unexpected array element.");
  }
  return Datum(ArrayPtr(out));
}

void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

struct Reader {
  std::string_view s;
  size_t i = 0;
  uint64_t be(int bytes) {
    if (i + bytes > s.size())
      throw_error(sqlstate::kInvalidBinaryRepresentation, "insufficient data left in message");
    uint64_t v = 0;
    for (int k = 0; k < bytes; ++k) v = (v << 8) | static_cast<uint8_t>(s[i++]);
    return v;
  }
  std::string_view take(size_t n) {
    if (i + n > s.size())
      throw_error(sqlstate::kInvalidBinaryRepresentation, "insufficient data left in message");
    auto r = s.substr(i, n);
    i += n;
    return r;
  }
  void done() {
    if (i != s.size())
      throw_error(sqlstate::kInvalidBinaryRepresentation,
                  "incorrect binary data format in bind parameter");
  }
};

std::string numeric_send(const Numeric& n) {
  std::string out;
  if (n.nan) {
    put_be(out, 0, 2);
    put_be(out, 0, 2);
    put_be(out, 0xC000, 2);
    put_be(out, 0, 2);
    return out;
  }
  std::string txt = numeric_to_string(numeric_abs(n));
  size_t dot = txt.find('.');
  std::string ip = dot == std::string::npos ? txt : txt.substr(0, dot);
  std::string fp = dot == std::string::npos ? "" : txt.substr(dot + 1);
  if (ip == "0") ip.clear();
  while (ip.size() % 4) ip.insert(0, "0");
  while (fp.size() % 4) fp.push_back('0');
  std::vector<int> groups;
  int weight = static_cast<int>(ip.size() / 4) - 1;
  for (size_t k = 0; k < ip.size(); k += 4) groups.push_back(std::stoi(ip.substr(k, 4)));
  for (size_t k = 0; k < fp.size(); k += 4) groups.push_back(std::stoi(fp.substr(k, 4)));
  size_t first = 0;
  while (first < groups.size() && groups[first] == 0) {
    ++first;
    --weight;
  }
  size_t last = groups.size();
  while (last > first && groups[last - 1] == 0) --last;
  if (first == last) weight = 0;
  put_be(out, last - first, 2);
  put_be(out, static_cast<uint16_t>(static_cast<int16_t>(weight)), 2);
  put_be(out, n.unscaled < 0 ? 0x4000 : 0, 2);
  put_be(out, static_cast<uint16_t>(n.scale < 0 ? 0 : n.scale), 2);
  for (size_t k = first; k < last; ++k) put_be(out, groups[k], 2);
  return out;
}

Numeric numeric_recv(Reader& r) {
  int ndigits = static_cast<int16_t>(r.be(2));
  int weight = static_cast<int16_t>(r.be(2));
  uint16_t sign = static_cast<uint16_t>(r.be(2));
  int dscale = static_cast<int16_t>(r.be(2));
  if (sign == 0xC000) return Numeric{0, 0, true};
  if ((sign != 0 && sign != 0x4000) || ndigits < 0 || dscale < 0)
    throw_error(sqlstate::kInvalidBinaryRepresentation,
                "invalid sign in external \"numeric\" value");
  std::string digits;
  for (int k = 0; k < ndigits; ++k) {
    unsigned d = static_cast<uint16_t>(r.be(2));
    if (d >= 10000)
      throw_error(sqlstate::kInvalidBinaryRepresentation,
                  "invalid digit in external \"numeric\" value");
    char buf[8];
    snprintf(buf, sizeof buf, "%04u", d);
    digits += buf;
  }
  // value = 0.digits * 10^(4*(weight+1))
  std::string txt = sign == 0x4000 ? "-0." : "0.";
  txt += digits.empty() ? "0" : digits;
  txt += "e" + std::to_string(4 * (weight + 1));
  bool ok;
  Numeric n = numeric_parse(txt, &ok);
  return numeric_round(n, dscale);
}

}  // namespace

Datum apply_typmod(const Datum& d, const TypeRef& t, bool explicit_cast) {
  if (d.is_null() || t.typmod < 0) return d;
  switch (t.oid) {
    case kBit:
    case kVarbit:
      return Datum(fit_bit_string(d.as_string(), t, explicit_cast));
    case kVarchar:
    case kBpchar: {
      if (t.typmod < 4) return d;
      size_t maxlen = static_cast<size_t>(t.typmod - 4);
      const std::string& s = d.as_string();
      size_t len = utf8_length(s);
      if (len > maxlen) {
        size_t cut = utf8_prefix_bytes(s, maxlen);
        if (!explicit_cast) {
          for (size_t k = cut; k < s.size(); ++k)
            if (s[k] != ' ')
              throw_error(sqlstate::kStringDataRightTruncation,
                          std::string("value too long for type ") +
                              (t.oid == kVarchar ? "character varying(" : "character(") +
                              std::to_string(maxlen) + ")");
        }
        return Datum(s.substr(0, cut));
      }
      if (t.oid == kBpchar && len < maxlen) return Datum(s + std::string(maxlen - len, ' '));
      return d;
    }
    case kNumeric:
      return Datum(numeric_apply_typmod(d.as_numeric(), t.typmod));
    case kTimestamp:
    case kTimestampTz:
    case kTime: {
      int64_t v = d.as_int();
      if (v == kTsPosInfinity || v == kTsNegInfinity || t.typmod >= 6) return d;
      int64_t unit = 1;
      for (int k = t.typmod; k < 6; ++k) unit *= 10;
      int64_t q = v / unit, r = v % unit;
      if (r < 0) r += unit, --q;
      if (r * 2 >= unit) ++q;
      return Datum(q * unit);
    }
    default:
      if (is_array_type(t.oid)) {
        Oid elem = array_elem_type(t.oid);
        auto out = std::make_shared<std::vector<Datum>>();
        for (const Datum& e : *d.as_array())
          out->push_back(apply_typmod(e, TypeRef{elem, t.typmod}, explicit_cast));
        return Datum(ArrayPtr(out));
      }
      return d;
  }
}

std::string to_text(const Datum& d, const TypeRef& t, const TimeZone& zone) {
  switch (t.oid) {
    case kBool:
      return d.as_bool() ? "t" : "f";
    case kRegtype:  // regtypeout: the type's name, or its number when there is no such type
      if (d.as_int() == 0) return "-";  // InvalidOid, as every reg* output prints it
      if (find_type(static_cast<Oid>(d.as_int())) != nullptr ||
          domain_types().find(static_cast<Oid>(d.as_int())) != nullptr)
        return format_type(TypeRef{static_cast<Oid>(d.as_int()), -1});
      return std::to_string(d.as_int());
    case kRegclass:
    case kRegnamespace:
    case kRegproc:
      if (d.as_int() == 0) return "-";
      return std::to_string(d.as_int());
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid:
    case kXid:
      return std::to_string(d.as_int());
    case kChar: {  // charout: a byte with its high bit set prints as \ooo
      const std::string& v = d.as_string();
      if (v.empty() || !(static_cast<unsigned char>(v[0]) & 0x80)) return v.substr(0, 1);
      const auto b = static_cast<unsigned char>(v[0]);
      return std::string{'\\', static_cast<char>('0' + (b >> 6)),
                         static_cast<char>('0' + ((b >> 3) & 7)), static_cast<char>('0' + (b & 7))};
    }
    case kInt2Vector:  // int2vectorout / oidvectorout: the elements separated by spaces
    case kOidVector: {
      std::string out;
      for (const Datum& e : *d.as_array()) {
        if (!out.empty()) out.push_back(' ');
        out += std::to_string(e.as_int());
      }
      return out;
    }
    case kFloat4:
      return float_to_string(d.as_double(), true);
    case kFloat8:
      return float_to_string(d.as_double(), false);
    case kNumeric:
      return numeric_to_string(d.as_numeric());
    case kBytea: {
      static const char* kHex = "0123456789abcdef";
      const std::string& s = d.as_string();
      std::string out = "\\x";
      out.reserve(2 + s.size() * 2);
      for (unsigned char c : s) {
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      }
      return out;
    }
    case kDate:
      return date_to_string(d.as_int());
    case kTime:
      return time_to_string(d.as_int());
    case kTimestamp:
      return timestamp_to_string(d.as_int(), false);
    case kTimestampTz:
      return timestamptz_to_string(d.as_int(), zone);
    case kInterval:
      return interval_to_string(d.as_interval());
    case kUuid:
      return uuid_to_string(d.as_uuid());
    case kVoid:  // PostgreSQL's void_out
      return "";
    case kBit:
    case kVarbit:
      return d.as_string();
    default:
      break;
  }
  if (auto c = find_composite(t.oid)) return composite_to_text(*d.as_array(), c->fields, zone);
  if (t.oid == kRecord) return composite_to_text(*d.as_array(), {}, zone);
  if (is_array_type(t.oid)) {
    Oid elem = array_elem_type(t.oid);
    std::string out = "{";
    bool first = true;
    for (const Datum& e : *d.as_array()) {
      if (!first) out.push_back(',');
      first = false;
      if (e.is_null()) {
        out += "NULL";
        continue;
      }
      std::string s = to_text(e, TypeRef{elem, -1}, zone);
      if (array_elem_needs_quotes(s)) {
        out.push_back('"');
        for (char c : s) {
          if (c == '"' || c == '\\') out.push_back('\\');
          out.push_back(c);
        }
        out.push_back('"');
      } else {
        out += s;
      }
    }
    out.push_back('}');
    return out;
  }
  if (std::holds_alternative<std::string>(d.v)) return d.as_string();
  if (std::holds_alternative<int64_t>(d.v)) return std::to_string(d.as_int());
  if (std::holds_alternative<bool>(d.v)) return d.as_bool() ? "t" : "f";
  if (std::holds_alternative<double>(d.v)) return float_to_string(d.as_double(), false);
  // Values typed only by a pseudo-type (anyelement/anyarray): print by representation.
  if (std::holds_alternative<Numeric>(d.v)) return numeric_to_string(d.as_numeric());
  if (std::holds_alternative<Interval>(d.v)) return interval_to_string(d.as_interval());
  if (std::holds_alternative<Uuid>(d.v)) return uuid_to_string(d.as_uuid());
  if (std::holds_alternative<ArrayPtr>(d.v)) {
    std::string out = "{";
    bool first = true;
    for (const Datum& e : *d.as_array()) {
      if (!first) out.push_back(',');
      first = false;
      out += e.is_null() ? std::string("NULL") : to_text(e, TypeRef{kAny, -1}, zone);
    }
    return out + "}";
  }
  throw_error(sqlstate::kFeatureNotSupported, "no output function for type " + format_type(t));
}

Datum from_text(std::string_view s, const TypeRef& t, const TimeZone& zone) {
  switch (t.oid) {
    case kBool: {
      bool b;
      if (!parse_bool(s, &b)) invalid_syntax("boolean", s);
      return Datum(b);
    }
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid:
    case kRegclass:
    case kRegtype:
    case kRegnamespace:
    case kRegproc:
      if (s == "-") return Datum(int64_t{0});  // InvalidOid, as the reg* inputs read it
      [[fallthrough]];
    case kXid:
      return Datum(parse_int(s, t.oid == kInt2 || t.oid == kInt4 || t.oid == kInt8 ? t.oid : kOid));
    case kFloat4:
      return Datum(float_parse(s, true));
    case kFloat8:
      return Datum(float_parse(s, false));
    case kNumeric: {
      bool ok;
      Numeric n = numeric_parse(s, &ok);
      if (!ok) invalid_syntax("numeric", s);
      return apply_typmod(Datum(n), t);
    }
    case kText:
    case kUnknown:
    case kCstring:
      return Datum(std::string(s));
    case kJson:
      return Datum(json::json_in(s));
    case kJsonb:
      return Datum(json::jsonb_in(s));
    case kVarchar:
    case kBpchar:
      return apply_typmod(Datum(std::string(s)), t);
    case kName: {
      std::string v(s);
      if (v.size() > 63) v.resize(utf8_prefix_bytes(v.substr(0, 63), 63));
      return Datum(std::move(v));
    }
    case kChar:  // charin: a backslash and three octal digits are that byte; NUL is empty
      if (s.size() == 4 && s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' &&
          s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
        const int v = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');
        return Datum((v & 0xFF) == 0 ? std::string() : std::string(1, static_cast<char>(v & 0xFF)));
      }
      return Datum(std::string(s.substr(0, 1)));
    case kBytea:
      return Datum(parse_bytea(s));
    case kBit:
    case kVarbit:
      return Datum(fit_bit_string(parse_bit_string(s), t, false));
    case kUuid:
      return Datum(parse_uuid(s));
    case kDate:
      return Datum(parse_date(s, zone));
    case kTime:
      return apply_typmod(Datum(parse_time(s)), t);
    case kTimestamp:
      return apply_typmod(Datum(parse_local_timestamp(s, zone)), t);
    case kTimestampTz:
      return apply_typmod(Datum(parse_timestamptz(s, zone)), t);
    case kInterval:
      return Datum(parse_interval(s));
    case kInt2Vector:  // int2vectorin / oidvectorin: integers separated by spaces
    case kOidVector: {
      auto items = std::make_shared<std::vector<Datum>>();
      size_t i = 0;
      while (i < s.size()) {
        if (s[i] == ' ') {
          ++i;
          continue;
        }
        size_t end = s.find(' ', i);
        if (end == std::string_view::npos) end = s.size();
        items->emplace_back(parse_int(s.substr(i, end - i), t.oid == kInt2Vector ? kInt2 : kOid));
        i = end;
      }
      return Datum(ArrayPtr(items));
    }
    default:
      break;
  }
  if (t.oid >= kFirstUserTypeOid)
    if (auto e = find_enum(t.oid)) return enum_from_text(*e, s);
  if (is_array_type(t.oid)) return parse_array(s, t, zone);
  throw_error(sqlstate::kFeatureNotSupported, "no input function for type " + format_type(t));
}

std::string to_binary(const Datum& d, const TypeRef& t) {
  std::string out;
  switch (t.oid) {
    case kVoid:  // PostgreSQL's void_send: no bytes
      return out;
    case kBool:
      out.push_back(d.as_bool() ? 1 : 0);
      return out;
    case kInt2:
      put_be(out, static_cast<uint64_t>(d.as_int()), 2);
      return out;
    case kInt4:
    case kOid:
    case kRegclass:
    case kRegtype:
    case kRegnamespace:
    case kRegproc:
    case kXid:
    case kDate:
      put_be(out, static_cast<uint64_t>(d.as_int()), 4);
      return out;
    case kInt8:
    case kTime:
    case kTimestamp:
    case kTimestampTz:
      put_be(out, static_cast<uint64_t>(d.as_int()), 8);
      return out;
    case kFloat4: {
      float f = static_cast<float>(d.as_double());
      uint32_t u;
      memcpy(&u, &f, 4);
      put_be(out, u, 4);
      return out;
    }
    case kFloat8: {
      double f = d.as_double();
      uint64_t u;
      memcpy(&u, &f, 8);
      put_be(out, u, 8);
      return out;
    }
    case kNumeric:
      return numeric_send(d.as_numeric());
    case kInterval: {
      const Interval& iv = d.as_interval();
      put_be(out, static_cast<uint64_t>(iv.micros), 8);
      put_be(out, static_cast<uint32_t>(iv.days), 4);
      put_be(out, static_cast<uint32_t>(iv.months), 4);
      return out;
    }
    case kUuid:
      return std::string(reinterpret_cast<const char*>(d.as_uuid().bytes.data()), 16);
    case kJsonb:
      return "\x01" + d.as_string();
    case kBit:
    case kVarbit:
      return bit_string_to_binary(d.as_string());
    default:
      break;
  }
  // int2vector / oidvector send as one-dimensional arrays of their element, indexed from 0.
  const bool vector = t.oid == kInt2Vector || t.oid == kOidVector;
  if (vector || is_array_type(t.oid)) {
    Oid elem = vector ? (t.oid == kInt2Vector ? kInt2 : kOid) : array_elem_type(t.oid);
    const auto& arr = *d.as_array();
    bool has_null = false;
    for (const Datum& e : arr) has_null |= e.is_null();
    put_be(out, arr.empty() ? 0 : 1, 4);
    put_be(out, has_null ? 1 : 0, 4);
    put_be(out, elem, 4);
    if (!arr.empty()) {
      put_be(out, arr.size(), 4);
      put_be(out, vector ? 0 : 1, 4);
    }
    for (const Datum& e : arr) {
      if (e.is_null()) {
        put_be(out, 0xffffffffu, 4);
        continue;
      }
      std::string b = to_binary(e, TypeRef{elem, -1});
      put_be(out, b.size(), 4);
      out += b;
    }
    return out;
  }
  if (std::holds_alternative<std::string>(d.v)) return d.as_string();
  return to_text(d, t);
}

Datum from_binary(std::string_view s, const TypeRef& t) {
  Reader r{s};
  Datum d;
  switch (t.oid) {
    case kBool:
      d = Datum(r.be(1) != 0);
      break;
    case kInt2:
      d = Datum(static_cast<int64_t>(static_cast<int16_t>(r.be(2))));
      break;
    case kInt4:
    case kDate:
      d = Datum(static_cast<int64_t>(static_cast<int32_t>(r.be(4))));
      break;
    case kOid:
    case kRegclass:
    case kRegtype:
    case kRegnamespace:
    case kRegproc:
    case kXid:
      d = Datum(static_cast<int64_t>(static_cast<uint32_t>(r.be(4))));
      break;
    case kInt8:
    case kTime:
    case kTimestamp:
    case kTimestampTz:
      d = Datum(static_cast<int64_t>(r.be(8)));
      break;
    case kFloat4: {
      uint32_t u = static_cast<uint32_t>(r.be(4));
      float f;
      memcpy(&f, &u, 4);
      d = Datum(static_cast<double>(f));
      break;
    }
    case kFloat8: {
      uint64_t u = r.be(8);
      double f;
      memcpy(&f, &u, 8);
      d = Datum(f);
      break;
    }
    case kNumeric:
      d = apply_typmod(Datum(numeric_recv(r)), t);
      break;
    case kInterval: {
      Interval iv;
      iv.micros = static_cast<int64_t>(r.be(8));
      iv.days = static_cast<int32_t>(r.be(4));
      iv.months = static_cast<int32_t>(r.be(4));
      d = Datum(iv);
      break;
    }
    case kUuid: {
      Uuid u;
      auto b = r.take(16);
      memcpy(u.bytes.data(), b.data(), 16);
      d = Datum(u);
      break;
    }
    case kJsonb: {
      if (r.be(1) != 1)
        throw_error(sqlstate::kInvalidBinaryRepresentation, "unsupported jsonb version number");
      d = Datum(json::jsonb_in(r.take(s.size() - 1)));
      break;
    }
    case kVarchar:
    case kBpchar:
      return apply_typmod(Datum(std::string(s)), t);
    case kBit:
    case kVarbit:
      return Datum(fit_bit_string(bit_string_from_binary(s), t, false));
    default:
      if (is_array_type(t.oid)) {
        Oid elem = array_elem_type(t.oid);
        int32_t ndim = static_cast<int32_t>(r.be(4));
        r.be(4);  // has-null flag
        Oid got = static_cast<Oid>(r.be(4));
        if (ndim < 0 || ndim > 1)
          throw_error(sqlstate::kFeatureNotSupported, "multidimensional arrays are not supported");
        if (got != elem)
          throw_error(sqlstate::kDatatypeMismatch,
                      "binary data has array element type " + std::to_string(got) +
                          " instead of expected " + std::to_string(elem));
        auto out = std::make_shared<std::vector<Datum>>();
        if (ndim == 1) {
          int32_t n = static_cast<int32_t>(r.be(4));
          r.be(4);  // lower bound
          for (int32_t k = 0; k < n; ++k) {
            int32_t len = static_cast<int32_t>(r.be(4));
            if (len < 0) {
              out->push_back(Datum::Null());
              continue;
            }
            out->push_back(from_binary(r.take(static_cast<size_t>(len)), TypeRef{elem, t.typmod}));
          }
        }
        d = Datum(ArrayPtr(out));
        break;
      }
      if (t.oid >= kFirstUserTypeOid)
        if (auto e = find_enum(t.oid)) return enum_from_text(*e, s);  // enum_recv: the label
      return Datum(std::string(s));
  }
  r.done();
  return d;
}

}  // namespace hf::sql::types
