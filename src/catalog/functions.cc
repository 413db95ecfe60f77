// catalog/functions.cc — see functions.h.
#include "catalog/functions.h"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "catalog/pending_mark.h"
#include "common/error.h"
#include "sql/types/composite_types.h"

namespace hf::catalog {

namespace {

using json = nlohmann::json;

std::string function_key(Oid oid, char kind = 'f') {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%010u", kind, oid);
  return buf;
}

json trigger_to_json(const Trigger& t) {
  return json{{"oid", t.oid},         {"name", t.name},
              {"table", t.table},     {"function", t.function},
              {"before", t.before},   {"events", t.events},
              {"when", t.when},       {"args", t.args},
              {"columns", t.columns}, {"row_level", t.row_level}};
}

Trigger trigger_from_json(const json& j) {
  Trigger t;
  t.oid = j.at("oid").get<Oid>();
  t.name = j.at("name").get<std::string>();
  t.table = j.at("table").get<Oid>();
  t.function = j.at("function").get<Oid>();
  t.before = j.at("before").get<bool>();
  t.events = j.at("events").get<uint8_t>();
  t.when = j.at("when").get<std::string>();
  t.args = j.at("args").get<std::vector<std::string>>();
  t.columns = j.value("columns", std::vector<std::string>{});  // absent before UPDATE OF
  t.row_level = j.value("row_level", true);  // absent before statement-level triggers
  return t;
}

json type_to_json(const TypeRef& t) {
  return json{{"oid", t.oid}, {"typmod", t.typmod}};
}
TypeRef type_from_json(const json& j) {
  return TypeRef{j.at("oid").get<Oid>(), j.at("typmod").get<int32_t>()};
}

json to_json(const Function& f) {
  json args = json::array();
  for (const auto& a : f.args)
    args.push_back({{"name", a.name},
                    {"type", type_to_json(a.type)},
                    {"mode", std::string(1, a.mode)},
                    {"default", a.default_expr}});
  return json{{"oid", f.oid},
              {"name", f.name},
              {"namespace", f.namespace_oid},
              {"args", args},
              {"result", type_to_json(f.result)},
              {"returns_set", f.returns_set},
              {"language", f.language},
              {"body", f.body},
              {"volatility", std::string(1, f.volatility)},
              {"strict", f.strict},
              {"owner", f.owner}};
}

Function from_json(const json& j) {
  Function f;
  f.oid = j.at("oid").get<Oid>();
  f.name = j.at("name").get<std::string>();
  // Definitions stored before functions had schemas are public's.
  f.namespace_oid = j.value("namespace", kPublicNamespaceId);
  for (const auto& a : j.at("args")) {
    FunctionArg arg;
    arg.name = a.at("name").get<std::string>();
    arg.type = type_from_json(a.at("type"));
    arg.mode = a.at("mode").get<std::string>().at(0);
    arg.default_expr = a.at("default").get<std::string>();
    f.args.push_back(std::move(arg));
  }
  f.result = type_from_json(j.at("result"));
  f.returns_set = j.at("returns_set").get<bool>();
  f.language = j.at("language").get<std::string>();
  f.body = j.at("body").get<std::string>();
  f.volatility = j.at("volatility").get<std::string>().at(0);
  f.strict = j.at("strict").get<bool>();
  f.owner = j.at("owner").get<Oid>();
  return f;
}

json row_json(const Function& f) {
  return to_json(f);
}
json row_json(const Trigger& t) {
  return trigger_to_json(t);
}
}  // namespace

std::vector<TypeRef> Function::input_types() const {
  std::vector<TypeRef> out;
  for (const auto& a : args)
    if (a.is_input()) out.push_back(a.type);
  return out;
}

std::vector<const FunctionArg*> Function::output_args() const {
  std::vector<const FunctionArg*> out;
  for (const auto& a : args)
    if (a.is_output()) out.push_back(&a);
  return out;
}

bool Function::returns_composite() const {
  return output_args().empty() && sql::types::find_composite(result.oid) != nullptr;
}

std::vector<std::pair<std::string, TypeRef>> Function::result_columns() const {
  std::vector<std::pair<std::string, TypeRef>> out;
  for (const auto* o : output_args()) out.emplace_back(o->name, o->type);
  if (!out.empty()) return out;
  if (auto c = sql::types::find_composite(result.oid)) {
    for (const auto& f : c->fields) out.emplace_back(f.name, f.type);
    return out;
  }
  out.emplace_back("", result);
  return out;
}

template <typename T>
typename Functions::Changes<T>::Hooks Functions::hooks(
    std::map<Oid, std::shared_ptr<const T>>& live) {
  return {[](coord::Transaction& owner, Oid oid, const std::shared_ptr<const T>& now) {
            write_own_row(owner, kFunctionsSpace,
                          function_key(oid, std::is_same_v<T, Trigger> ? 't' : 'f'),
                          now ? std::optional(row_json(*now).dump()) : std::nullopt);
          },
          [this, &live](Oid oid, const std::shared_ptr<const T>& now) {
            std::unique_lock lk(mu_);
            if (now)
              live[oid] = now;
            else
              live.erase(oid);
          }};
}

Functions::Functions(Catalog& catalog)
    : catalog_(catalog),
      changes_(catalog, hooks<Function>(functions_)),
      trigger_changes_(catalog, hooks<Trigger>(triggers_)) {}

Oid Functions::load() {
  std::map<Oid, FunctionPtr> loaded;
  std::map<Oid, TriggerPtr> triggers;
  auto txn = catalog_.txns_.begin({});
  txn->start_statement();
  auto cur = txn->scan(coord::KeySpace{kFunctionsSpace, 0}, "", "");
  Oid max_oid = 0;
  while (auto rv = cur->next()) {
    if (!rv->key.empty() && rv->key[0] == 't') {
      auto t = std::make_shared<const Trigger>(trigger_from_json(json::parse(rv->value)));
      max_oid = std::max(max_oid, t->oid);
      triggers[t->oid] = std::move(t);
      continue;
    }
    auto f = std::make_shared<const Function>(from_json(json::parse(rv->value)));
    max_oid = std::max(max_oid, f->oid);
    loaded[f->oid] = std::move(f);
  }
  txn->commit();
  std::unique_lock lk(mu_);
  functions_ = std::move(loaded);
  triggers_ = std::move(triggers);
  return max_oid;
}

template <typename T, typename Fn>
void Functions::each_visible_locked(const std::map<Oid, std::shared_ptr<const T>>& live,
                                    const Changes<T>& changes, Fn&& fn) const {
  if (!changes.any()) {
    for (const auto& [oid, f] : live) fn(f);
    return;
  }
  const auto viewer = catalog_.viewer();
  // Copied out: fn may look at the catalog (never under the changes' lock).
  auto pending = changes.read([](const auto& asides) { return asides; });
  auto mine = [&](const Aside<std::shared_ptr<const T>>& c) { return viewer && c.txn == *viewer; };
  for (const auto& [oid, f] : live) {
    auto c = pending.find(oid);
    if (c == pending.end() || !mine(c->second))
      fn(f);
    else if (c->second.now)
      fn(c->second.now);
  }
  for (const auto& [oid, c] : pending)  // the viewer's own creations
    if (!c.committed && c.now && mine(c) && !live.count(oid)) fn(c.now);
}

template <typename T>
std::shared_ptr<const T> Functions::visible_locked(
    const std::map<Oid, std::shared_ptr<const T>>& live, const Changes<T>& changes, Oid oid) const {
  if (auto seen = changes.seen(oid)) return *seen;
  auto it = live.find(oid);
  return it == live.end() ? nullptr : it->second;
}

std::vector<FunctionPtr> Functions::find(std::string_view name) const {
  std::shared_lock lk(mu_);
  std::vector<FunctionPtr> out;
  each_visible_locked(functions_, changes_, [&](const FunctionPtr& f) {
    if (f->name == name) out.push_back(f);
  });
  std::sort(out.begin(), out.end(),
            [](const FunctionPtr& a, const FunctionPtr& b) { return a->oid < b->oid; });
  return out;
}

namespace {
bool same_identity(const Function& f, Oid ns, std::string_view name,
                   const std::vector<Oid>& input_types) {
  if (f.namespace_oid != ns || f.name != name) return false;
  auto ts = f.input_types();
  if (ts.size() != input_types.size()) return false;
  for (size_t i = 0; i < ts.size(); ++i)
    if (ts[i].oid != input_types[i]) return false;
  return true;
}
}  // namespace

FunctionPtr Functions::find_exact(Oid ns, std::string_view name,
                                  const std::vector<Oid>& input_types) const {
  for (auto& f : find(name))
    if (same_identity(*f, ns, name, input_types)) return f;
  return nullptr;
}

Oid Functions::uncommitted(Oid ns, std::string_view name,
                           const std::vector<Oid>& input_types) const {
  const auto viewer = catalog_.viewer();
  return changes_.read([&](const auto& changes) -> Oid {
    for (const auto& [oid, c] : changes)
      if (!c.committed && c.now && !(viewer && c.txn == *viewer) &&
          same_identity(*c.now, ns, name, input_types))
        return oid;
    return 0;
  });
}

bool Functions::changes_pending(uint64_t txn) const {
  return changes_.of_txn(txn) || trigger_changes_.of_txn(txn);
}

std::vector<FunctionPtr> Functions::in_schema(Oid ns) const {
  std::shared_lock lk(mu_);
  std::vector<FunctionPtr> out;
  each_visible_locked(functions_, changes_, [&](const FunctionPtr& f) {
    if (f->namespace_oid == ns) out.push_back(f);
  });
  std::sort(out.begin(), out.end(),
            [](const FunctionPtr& a, const FunctionPtr& b) { return a->oid < b->oid; });
  return out;
}

FunctionPtr Functions::by_oid(Oid oid) const {
  std::shared_lock lk(mu_);
  return visible_locked(functions_, changes_, oid);
}

std::vector<FunctionPtr> Functions::all() const {
  std::shared_lock lk(mu_);
  std::vector<FunctionPtr> out;
  each_visible_locked(functions_, changes_, [&](const FunctionPtr& f) { out.push_back(f); });
  std::sort(out.begin(), out.end(),
            [](const FunctionPtr& a, const FunctionPtr& b) { return a->oid < b->oid; });
  return out;
}

void Functions::persist(const Function& f, bool deleted) {
  catalog_.write_system_row(kFunctionsSpace, function_key(f.oid),
                            deleted ? std::nullopt : std::optional(to_json(f).dump()));
}

void Functions::put(FunctionPtr f) {
  {
    std::unique_lock lk(mu_);
    functions_[f->oid] = f;
  }
  catalog_.bump();
}

void Functions::erase(Oid oid) {
  {
    std::unique_lock lk(mu_);
    functions_.erase(oid);
  }
  catalog_.bump();
}

FunctionPtr Functions::store(Function f, coord::Transaction* owner) {
  if (f.oid == 0) f.oid = catalog_.allocate_oid();
  auto p = std::make_shared<const Function>(std::move(f));
  if (owner) {
    changes_.keep(p->oid, by_oid(p->oid), p, *owner);
    return p;
  }
  persist(*p, false);
  put(p);
  return p;
}

void Functions::drop(Oid oid, coord::Transaction* owner) {
  FunctionPtr old = by_oid(oid);
  if (!old) return;
  if (owner) {
    changes_.keep(oid, old, nullptr, *owner);
    return;
  }
  persist(*old, true);
  erase(oid);
}

bool Functions::trigger_change_by_other(Oid table, uint64_t txn) const {
  if (!trigger_changes_.any()) return false;
  return trigger_changes_.read([&](const auto& changes) {
    for (const auto& [oid, c] : changes) {
      const TriggerPtr& t = c.now ? c.now : c.committed;
      if (c.txn != txn && t && t->table == table) return true;
    }
    return false;
  });
}

std::vector<TriggerPtr> Functions::triggers_of(Oid table) const {
  std::vector<TriggerPtr> out;
  {
    std::shared_lock lk(mu_);
    each_visible_locked(triggers_, trigger_changes_, [&](const TriggerPtr& t) {
      if (t->table == table) out.push_back(t);
    });
  }
  std::sort(out.begin(), out.end(),
            [](const TriggerPtr& a, const TriggerPtr& b) { return a->name < b->name; });
  return out;
}

std::vector<TriggerPtr> Functions::all_triggers() const {
  std::vector<TriggerPtr> out;
  {
    std::shared_lock lk(mu_);
    each_visible_locked(triggers_, trigger_changes_,
                        [&](const TriggerPtr& t) { out.push_back(t); });
  }
  std::sort(out.begin(), out.end(),
            [](const TriggerPtr& a, const TriggerPtr& b) { return a->oid < b->oid; });
  return out;
}

TriggerPtr Functions::trigger_by_oid(Oid oid) const {
  std::shared_lock lk(mu_);
  return visible_locked(triggers_, trigger_changes_, oid);
}

void Functions::persist_trigger(const Trigger& t, bool deleted) {
  catalog_.write_system_row(kFunctionsSpace, function_key(t.oid, 't'),
                            deleted ? std::nullopt : std::optional(trigger_to_json(t).dump()));
}

void Functions::put_trigger(TriggerPtr t, bool present) {
  {
    std::unique_lock lk(mu_);
    if (present)
      triggers_[t->oid] = t;
    else
      triggers_.erase(t->oid);
  }
  catalog_.bump();
}

TriggerPtr Functions::store_trigger(Trigger t, coord::Transaction* owner) {
  if (t.oid == 0) t.oid = catalog_.allocate_oid();
  auto p = std::make_shared<const Trigger>(std::move(t));
  if (owner) {
    trigger_changes_.keep(p->oid, trigger_by_oid(p->oid), p, *owner);
    return p;
  }
  persist_trigger(*p, false);
  put_trigger(p, true);
  return p;
}

void Functions::drop_trigger(Oid oid, coord::Transaction* owner) {
  TriggerPtr old = trigger_by_oid(oid);
  if (!old) return;
  if (owner) {
    trigger_changes_.keep(oid, old, nullptr, *owner);
    return;
  }
  persist_trigger(*old, true);
  put_trigger(old, false);
}

}  // namespace hf::catalog
