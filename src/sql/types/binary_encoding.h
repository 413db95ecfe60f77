// sql/types/binary_encoding.h — bytea digests and text encodings: PostgreSQL's sha224() and
// sha256() (computed with OpenSSL), encode(bytea, format) and decode(text, format) for the
// formats 'hex', 'base64' and 'escape'.
//
// Promises PostgreSQL 15's output byte for byte (base64 lines of 76 characters, escape's \ooo
// octal for bytes PostgreSQL escapes) and its errors (22023 with its messages).
// Pure functions over their arguments; thread-safe; never suspend.
#pragma once

#include <string>
#include <string_view>

namespace hf::sql::types {

// Raw digests (28 and 32 bytes).
std::string sha224(std::string_view data);
std::string sha256(std::string_view data);
// encode(data, format) / decode(text, format). Throws 22023 'unrecognized encoding: "x"'.
std::string encode_bytes(std::string_view data, std::string_view format);
std::string decode_bytes(std::string_view text, std::string_view format);

}  // namespace hf::sql::types
