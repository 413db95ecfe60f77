// session/value_io.h — parameter decoding and result encoding for the wire formats
// (0 text, 1 binary), over the SQL layer's type I/O functions. timestamptz's text form
// follows the session's TimeZone (passed in); its binary form does not. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/datum.h"
#include "sql/types/timezone.h"

namespace hf::session {

std::optional<std::string> encode_value(const Datum& d, const TypeRef& t, int16_t format,
                                        const sql::types::TimeZone& zone);
Datum decode_value(std::string_view bytes, const TypeRef& t, int16_t format,
                   const sql::types::TimeZone& zone);
int16_t type_length(Oid oid);

}  // namespace hf::session
