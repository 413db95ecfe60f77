// session/value_io.h — parameter decoding and result encoding for the wire formats
// (0 text, 1 binary), over the SQL layer's type I/O functions. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/datum.h"

namespace hf::session {

std::optional<std::string> encode_value(const Datum& d, const TypeRef& t, int16_t format);
Datum decode_value(std::string_view bytes, const TypeRef& t, int16_t format);
int16_t type_length(Oid oid);

}  // namespace hf::session
