// sql/types/composite_types.cc — see composite_types.h.
#include "sql/types/composite_types.h"

#include <cctype>
#include <functional>
#include <map>
#include <mutex>

#include "sql/types/composite_visibility.h"
#include "sql/types/type_io.h"

namespace hf::sql::types {

namespace {
constexpr Oid kPublicNamespaceOid = 2200;  // pg_namespace's public

std::mutex visibility_mu;
std::map<Oid, std::function<bool()>>& visibility() {  // visibility_mu
  static auto* m = new std::map<Oid, std::function<bool()>>;
  return *m;
}
}  // namespace

void set_name_visibility(Oid oid, std::function<bool()> visible) {
  std::lock_guard g(visibility_mu);
  if (visible)
    visibility()[oid] = std::move(visible);
  else
    visibility().erase(oid);
}

bool visible_by_name(Oid oid) {
  std::function<bool()> visible;
  {
    std::lock_guard g(visibility_mu);
    auto& m = visibility();
    if (m.empty()) return true;
    auto it = m.find(oid);
    if (it == m.end()) return true;
    visible = it->second;
  }
  return visible();
}

std::string CompositeType::display_name() const {
  if (namespace_oid == kPublicNamespaceOid || schema_name.empty() || temp_namespace != 0)
    return name;
  return schema_name + "." + name;
}

void CompositeRegistry::put(CompositeTypePtr t) {
  std::unique_lock lk(mu_);
  auto row = [&](Oid oid, std::string name, TypeInfo info) {
    auto& r = rows_[oid];
    // find_type() callers read a row without the lock: a row is never written once made; a
    // renamed type gets a new row and the old one is kept.
    if (r && r->name == name && r->info.array_oid == info.array_oid) return;
    if (r) retired_.push_back(std::move(r));
    r = std::make_unique<Row>(Row{std::move(name), {}});
    info.name = r->name.c_str();
    r->info = info;
  };
  // pg_type: a composite is a varlena of category 'C'; its array a varlena of category 'A'.
  row(t->oid, t->name, TypeInfo{t->oid, nullptr, -1, 'C', t->array_oid, 0, false});
  if (t->array_oid != 0) {
    row(t->array_oid, "_" + t->name, TypeInfo{t->array_oid, nullptr, -1, 'A', 0, t->oid, false});
    array_to_elem_[t->array_oid] = t->oid;
  }
  by_oid_[t->oid] = std::move(t);
}

void CompositeRegistry::erase(Oid oid, const CompositeType* only_if) {
  std::unique_lock lk(mu_);
  auto it = by_oid_.find(oid);
  if (it == by_oid_.end() || (only_if != nullptr && it->second.get() != only_if)) return;
  array_to_elem_.erase(it->second->array_oid);
  by_oid_.erase(it);
}

CompositeTypePtr CompositeRegistry::find(Oid oid) const {
  std::shared_lock lk(mu_);
  auto it = by_oid_.find(oid);
  return it == by_oid_.end() ? nullptr : it->second;
}

CompositeTypePtr CompositeRegistry::find(std::string_view schema, std::string_view name,
                                         const std::vector<Oid>& search_schemas) const {
  std::shared_lock lk(mu_);
  if (!schema.empty()) {
    for (const auto& [oid, t] : by_oid_)
      if (t->temp_namespace == 0 && t->schema_name == schema && t->name == name &&
          visible_by_name(oid))
        return t;
    return nullptr;
  }
  for (Oid ns : search_schemas)
    for (const auto& [oid, t] : by_oid_)
      if (t->temp_namespace == 0 && t->namespace_oid == ns && t->name == name &&
          visible_by_name(oid))
        return t;
  return nullptr;
}

Oid CompositeRegistry::bless(const std::vector<CompositeField>& fields) {
  std::string signature;
  for (const auto& f : fields)
    signature += std::to_string(f.name.size()) + ":" + f.name + ":" + std::to_string(f.type.oid) +
                 ":" + std::to_string(f.type.typmod) + ";";
  {
    std::shared_lock lk(mu_);
    auto it = blessed_.find(signature);
    if (it != blessed_.end()) return it->second;
  }
  auto t = std::make_shared<CompositeType>();
  t->name = "record";
  t->anonymous = true;
  t->fields = fields;
  Oid oid;
  {
    std::unique_lock lk(mu_);
    auto it = blessed_.find(signature);
    if (it != blessed_.end()) return it->second;
    oid = next_record_oid_++;
    blessed_[signature] = oid;
  }
  t->oid = oid;
  put(std::move(t));
  return oid;
}

const TypeInfo* CompositeRegistry::type_info(Oid oid) const {
  std::shared_lock lk(mu_);
  if (by_oid_.find(oid) == by_oid_.end() && array_to_elem_.find(oid) == array_to_elem_.end())
    return nullptr;
  auto it = rows_.find(oid);
  return it == rows_.end() ? nullptr : &it->second->info;
}

CompositeRegistry& composite_types() {
  static CompositeRegistry registry;
  return registry;
}

Datum make_composite(std::vector<Datum> fields) {
  return Datum(ArrayPtr(std::make_shared<const std::vector<Datum>>(std::move(fields))));
}

std::string composite_to_text(const std::vector<Datum>& fields,
                              const std::vector<CompositeField>& types, const TimeZone& zone) {
  std::string out = "(";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    if (fields[i].is_null()) continue;
    // An anonymous record's fields (no types) print by their representation.
    std::string s =
        to_text(fields[i], i < types.size() ? types[i].type : TypeRef{type_oid::kAny, -1}, zone);
    bool quote = s.empty();
    for (char c : s)
      quote = quote || c == '"' || c == '\\' || c == '(' || c == ')' || c == ',' ||
              std::isspace(static_cast<unsigned char>(c)) != 0;
    if (!quote) {
      out += s;
      continue;
    }
    out.push_back('"');
    for (char c : s) {
      if (c == '"' || c == '\\') out.push_back(c);  // record_out doubles them
      out.push_back(c);
    }
    out.push_back('"');
  }
  return out + ")";
}

}  // namespace hf::sql::types
