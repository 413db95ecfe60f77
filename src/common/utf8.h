// common/utf8.h — the server encoding's validity check (UTF8, PostgreSQL's pg_verify_mbstr).
//
// Owns check_utf8: what PostgreSQL accepts as UTF-8 and the 22021 error it gives otherwise,
// for the parser (every query string a client sends) and the conversion functions
// (convert_from) alike. Pure; thread-safe.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "common/error.h"

namespace hf {

// The length of the UTF-8 sequence lead byte c starts (1 for a byte that starts none).
inline size_t utf8_char_len(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 1;
}

// Bytes as PostgreSQL's encoding errors list them: "0xe2 0x82 0xac".
inline std::string hex_byte_list(std::string_view bytes) {
  std::string out;
  for (size_t k = 0; k < bytes.size(); ++k) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "%s0x%02x", k ? " " : "", static_cast<unsigned char>(bytes[k]));
    out += hex;
  }
  return out;
}

// PostgreSQL verifies every string a client sends against the server encoding (UTF8 here)
// before anything reads it (pg_verify_mbstr): a NUL, a stray continuation byte, an overlong or
// surrogate form or a cut-off character is 22021, reported with the bytes of the character as
// its first byte announces it. Names from a query end up in the catalog's JSON, which
// refuses invalid UTF-8, so the check must come first.
inline void check_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    const size_t len = utf8_char_len(c);
    bool ok = c != 0 && i + len <= s.size();
    if (ok && len == 1) ok = c < 0x80;
    if (ok && len > 1) {
      unsigned char lo = 0x80, hi = 0xbf;  // the second byte's range (pg_utf8_islegal)
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
      ok = c >= 0xc2 && c <= 0xf4 && b(i + 1) >= lo && b(i + 1) <= hi;
      for (size_t k = 2; ok && k < len; ++k) ok = b(i + k) >= 0x80 && b(i + k) <= 0xbf;
    }
    if (!ok)
      throw SqlError(
          "22021",  // character_not_in_repertoire
          "invalid byte sequence for encoding \"UTF8\": " + hex_byte_list(s.substr(i, len)));
    i += len;
  }
}

}  // namespace hf
