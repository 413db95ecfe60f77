// sql/exec/placement.cc — see placement.h.
#include "sql/exec/placement.h"

#include "sql/types/key_codec.h"

namespace hf::sql::exec {

std::string row_routing(const catalog::Table& t, std::string_view row_key) {
  if (t.primary_key.empty()) return std::string(row_key);  // the hidden row id
  size_t width = t.placement_width();
  if (width >= t.primary_key.size()) return std::string(row_key);
  std::string_view rest = row_key;
  for (size_t i = 0; i < width; ++i) types::decode_key(rest, t.columns[t.primary_key[i]].type.oid);
  return std::string(row_key.substr(0, row_key.size() - rest.size()));
}

void KeyBuilder::add(const Datum& v, Oid type) {
  types::encode_key(key_, v, type);
  if (++columns_ == width_) routing_len_ = key_.size();
}

}  // namespace hf::sql::exec
