// sql/types/binary_encoding.cc — see binary_encoding.h.
#include "sql/types/binary_encoding.h"

#include <openssl/evp.h>

#include <cctype>
#include <cstdint>

#include "common/error.h"
#include "common/utf8.h"
#include "sql/types/internal.h"

namespace hf::sql::types {

namespace {

std::string digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1)
    throw SqlError(sqlstate::kInternalError, "could not compute digest");
  return std::string(reinterpret_cast<const char*>(out), len);
}

[[noreturn]] void invalid(const std::string& message) {
  throw SqlError(sqlstate::kInvalidParameterValue, message);
}

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The UTF-8 character starting at s[i] (for messages that quote one).
std::string char_at(std::string_view s, size_t i) {
  size_t n = 1;
  const auto c = static_cast<uint8_t>(s[i]);
  if (c >= 0xf0)
    n = 4;
  else if (c >= 0xe0)
    n = 3;
  else if (c >= 0xc0)
    n = 2;
  return std::string(s.substr(i, n));
}

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string hex_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (blank(s[i])) {
      ++i;
      continue;
    }
    int hi = hex_value(s[i]);
    if (hi < 0) invalid("invalid hexadecimal digit: \"" + char_at(s, i) + "\"");
    if (i + 1 >= s.size()) invalid("invalid hexadecimal data: odd number of digits");
    int lo = hex_value(s[i + 1]);
    if (lo < 0) invalid("invalid hexadecimal digit: \"" + char_at(s, i + 1) + "\"");
    out.push_back(static_cast<char>(hi << 4 | lo));
    i += 2;
  }
  return out;
}

std::string base64_encode(std::string_view s) {
  std::string out;
  size_t line = 0;
  for (size_t i = 0; i < s.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(s[i]) << 16;
    if (i + 1 < s.size()) v |= static_cast<uint8_t>(s[i + 1]) << 8;
    if (i + 2 < s.size()) v |= static_cast<uint8_t>(s[i + 2]);
    // PostgreSQL breaks lines after 76 characters.
    if (line >= 76) {
      out.push_back('\n');
      line = 0;
    }
    out.push_back(kBase64[(v >> 18) & 63]);
    out.push_back(kBase64[(v >> 12) & 63]);
    out.push_back(i + 1 < s.size() ? kBase64[(v >> 6) & 63] : '=');
    out.push_back(i + 2 < s.size() ? kBase64[v & 63] : '=');
    line += 4;
  }
  return out;
}

std::string base64_decode(std::string_view s) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0, pad = 0;
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (blank(c)) continue;
    if (c == '=') {
      ++pad;
      ++chars;
      continue;
    }
    const char* p = c ? std::char_traits<char>::find(kBase64, 64, c) : nullptr;
    if (p == nullptr || pad > 0)
      invalid("invalid symbol \"" + char_at(s, i) + "\" found while decoding base64 sequence");
    acc = acc << 6 | static_cast<uint32_t>(p - kBase64);
    bits += 6;
    ++chars;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (chars % 4 != 0 || pad > 2)
    throw SqlError(sqlstate::kInvalidParameterValue, "invalid base64 end sequence", "",
                   "Input data is missing padding, is truncated, or is otherwise corrupted.");
  return out;
}

// escape: a zero byte or a byte with the high bit set as \ooo, a backslash doubled.
std::string escape_encode(std::string_view s) {
  std::string out;
  for (char ch : s) {
    auto c = static_cast<uint8_t>(ch);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == 0 || c >= 0x80) {
      out.push_back('\\');
      out.push_back(static_cast<char>('0' + (c >> 6)));
      out.push_back(static_cast<char>('0' + ((c >> 3) & 7)));
      out.push_back(static_cast<char>('0' + (c & 7)));
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

std::string escape_decode(std::string_view s) {
  std::string out;
  auto octal = [](char c) { return c >= '0' && c <= '7'; };
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '\\') {
      out.push_back(s[i++]);
    } else if (i + 1 < s.size() && s[i + 1] == '\\') {
      out.push_back('\\');
      i += 2;
    } else if (i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && octal(s[i + 2]) &&
               octal(s[i + 3])) {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 | (s[i + 3] - '0')));
      i += 4;
    } else {
      throw SqlError(sqlstate::kInvalidTextRepresentation, "invalid input syntax for type bytea");
    }
  }
  return out;
}

}  // namespace

std::string sha224(std::string_view data) {
  return digest(EVP_sha224(), data);
}

std::string sha256(std::string_view data) {
  return digest(EVP_sha256(), data);
}

std::string sha384(std::string_view data) {
  return digest(EVP_sha384(), data);
}

std::string sha512(std::string_view data) {
  return digest(EVP_sha512(), data);
}

namespace {

enum class Encoding { kUtf8, kLatin1, kSqlAscii };

// An encoding name as PostgreSQL's pg_char_to_encoding reads it (clean_encoding_name: only
// letters and digits count, case ignored).
Encoding encoding_named(std::string_view name, const char* role) {
  std::string clean;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)))
      clean += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (clean == "utf8" || clean == "unicode") return Encoding::kUtf8;
  if (clean == "latin1" || clean == "iso88591") return Encoding::kLatin1;
  if (clean == "sqlascii") return Encoding::kSqlAscii;
  static const char* const kOthers[] = {
      "eucjp",   "euccn",    "euckr",    "euctw",       "eucjis2004", "muleinternal", "latin2",
      "latin3",  "latin4",   "latin5",   "latin6",      "latin7",     "latin8",       "latin9",
      "latin10", "win1256",  "win1258",  "win866",      "win874",     "koi8r",        "win1251",
      "win1252", "iso88595", "iso88596", "iso88597",    "iso88598",   "win1250",      "win1253",
      "win1254", "win1255",  "win1257",  "koi8u",       "sjis",       "big5",         "gbk",
      "uhc",     "gb18030",  "johab",    "shiftjis2004"};
  for (const char* other : kOthers)
    if (clean == other)
      throw SqlError(sqlstate::kFeatureNotSupported,
                     "conversion with encoding \"" + std::string(name) + "\" is not supported");
  throw SqlError(sqlstate::kInvalidParameterValue,
                 std::string("invalid ") + role + " encoding name \"" + std::string(name) + "\"");
}

const char* encoding_label(Encoding e) {
  return e == Encoding::kUtf8 ? "UTF8" : e == Encoding::kLatin1 ? "LATIN1" : "SQL_ASCII";
}

}  // namespace

std::string convert_encoding(std::string_view bytes, std::string_view from_name,
                             std::string_view to_name) {
  const Encoding from = encoding_named(from_name, "source");
  const Encoding to = encoding_named(to_name, "destination");
  // To UTF8 first (SQL_ASCII's bytes are taken as they are, and must then be valid UTF8).
  std::string utf8;
  if (from == Encoding::kLatin1) {
    for (char ch : bytes) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == 0) throw SqlError("22021", "invalid byte sequence for encoding \"LATIN1\": 0x00");
      internal::append_utf8(utf8, c);
    }
  } else {
    utf8.assign(bytes);
    if (to != Encoding::kSqlAscii || from == Encoding::kUtf8) check_utf8(utf8);
  }
  if (to != Encoding::kLatin1) return utf8;
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    const size_t len = utf8_char_len(c);  // check_utf8 above: a whole, valid sequence
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
    for (size_t k = 1; k < len; ++k)
      cp = cp << 6 | (static_cast<unsigned char>(utf8[i + k]) & 0x3f);
    if (cp > 0xff)
      throw SqlError("22P05", "character with byte sequence " + hex_byte_list(utf8.substr(i, len)) +
                                  " in encoding \"UTF8\" has no equivalent in encoding \"" +
                                  encoding_label(to) + "\"");
    out += static_cast<char>(cp);
    i += len;
  }
  return out;
}

// Format names compare without regard to case, as PostgreSQL's pg_strcasecmp.
std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<uint8_t>(c)));
  return out;
}

std::string encode_bytes(std::string_view data, std::string_view given_format) {
  const std::string format = lower(given_format);
  if (format == "hex") {
    std::string out;
    out.reserve(data.size() * 2);
    for (char ch : data) {
      out.push_back(kHexDigits[static_cast<uint8_t>(ch) >> 4]);
      out.push_back(kHexDigits[static_cast<uint8_t>(ch) & 15]);
    }
    return out;
  }
  if (format == "base64") return base64_encode(data);
  if (format == "escape") return escape_encode(data);
  invalid("unrecognized encoding: \"" + std::string(given_format) + "\"");
}

std::string decode_bytes(std::string_view text, std::string_view given_format) {
  const std::string format = lower(given_format);
  if (format == "hex") return hex_decode(text);
  if (format == "base64") return base64_decode(text);
  if (format == "escape") return escape_decode(text);
  invalid("unrecognized encoding: \"" + std::string(given_format) + "\"");
}

}  // namespace hf::sql::types
