#include "session/value_io.h"

#include "sql/types/type_info.h"
#include "sql/types/type_io.h"

namespace hf::session {

std::optional<std::string> encode_value(const Datum& d, const TypeRef& t, int16_t format,
                                        const sql::types::TimeZone& zone) {
  if (d.is_null()) return std::nullopt;
  return format == 1 ? sql::types::to_binary(d, t) : sql::types::to_text(d, t, zone);
}

Datum decode_value(std::string_view bytes, const TypeRef& t, int16_t format,
                   const sql::types::TimeZone& zone) {
  TypeRef type = t;
  if (type.oid == type_oid::kInvalid) type.oid = type_oid::kUnknown;
  return format == 1 ? sql::types::from_binary(bytes, type)
                     : sql::types::from_text(bytes, type, zone);
}

int16_t type_length(Oid oid) {
  const auto* info = sql::types::find_type(oid);
  return info ? info->typlen : -1;
}

}  // namespace hf::session
