// sql/types/binary_encoding.h — bytea digests and text encodings: PostgreSQL's sha224(),
// sha256(), sha384() and sha512() (computed with OpenSSL), encode(bytea, format) and
// decode(text, format) for the formats 'hex', 'base64' and 'escape', and convert_to /
// convert_from / convert between the server's UTF8 and UTF8, LATIN1 or SQL_ASCII bytes.
//
// Promises PostgreSQL 15's output byte for byte (base64 lines of 76 characters, escape's \ooo
// octal for bytes PostgreSQL escapes) and its errors (22023 with its messages).
// Pure functions over their arguments; thread-safe; never suspend.
#pragma once

#include <string>
#include <string_view>

namespace hf::sql::types {

// Raw digests (28, 32, 48 and 64 bytes).
std::string sha224(std::string_view data);
std::string sha256(std::string_view data);
std::string sha384(std::string_view data);
std::string sha512(std::string_view data);
// encode(data, format) / decode(text, format). Throws 22023 'unrecognized encoding: "x"'.
std::string encode_bytes(std::string_view data, std::string_view format);
std::string decode_bytes(std::string_view text, std::string_view format);

// convert(bytes, from, to): bytes in encoding `from` as bytes in encoding `to`, names as
// PostgreSQL reads them (case, '-' and '_' ignored: 'utf-8', 'Latin1', 'ISO_8859_1').
// Supported: UTF8, LATIN1, SQL_ASCII. Throws PostgreSQL's errors: 22023 for a name it does
// not know ('invalid source encoding name "x"'), 22021 for bytes invalid in `from`, 22P05
// for a character `to` cannot hold; 0A000 for an encoding PostgreSQL has and holdfast not.
std::string convert_encoding(std::string_view bytes, std::string_view from, std::string_view to);

}  // namespace hf::sql::types
