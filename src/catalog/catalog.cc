// catalog/catalog.cc — see catalog.h.
#include "catalog/catalog.h"

#include "sql/types/composite_types.h"
#include "sql/types/composite_visibility.h"

#include <cctype>
#include <set>

#include <nlohmann/json.hpp>

#include "catalog/functions.h"
#include "catalog/pending_mark.h"
#include "catalog/roles.h"
#include "common/error.h"
#include "coord/autonomous_update.h"
#include "runtime/fiber.h"
#include "sql/types/uncommitted_domains.h"

namespace hf::catalog {

using json = nlohmann::json;

int Table::find_column(std::string_view n) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == n) return static_cast<int>(i);
  return -1;
}

const Index* Table::find_index(std::string_view n) const {
  for (const auto& i : indexes)
    if (i.name == n) return &i;
  return nullptr;
}

namespace {

// The sequence as `viewer` sees it: with its own uncommitted owner and ACL.
Sequence seen_by(const KeptAside<SequenceOwnership>& ownership, Sequence s,
                 const std::optional<uint64_t>& viewer) {
  if (!viewer) return s;
  if (auto o = ownership.find(s.oid); o && o->txn == *viewer) {
    s.owner = o->now.owner;
    s.acl = o->now.acl;
  }
  return s;
}

// Whether a and b differ in their owner and ACL alone.
bool same_but_ownership(Sequence a, const Sequence& b) {
  a.owner = b.owner;
  a.acl = b.acl;
  return a.oid == b.oid && a.name == b.name && a.start == b.start && a.increment == b.increment &&
         a.min_value == b.min_value && a.max_value == b.max_value &&
         a.owner_table == b.owner_table && a.namespace_oid == b.namespace_oid;
}

std::string be_key(char tag, uint64_t v) {
  std::string k;
  if (tag) k.push_back(tag);
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>((v >> (i * 8)) & 0xff));
  return k;
}

// A transaction's hf_ddl_commits row (catalog.h, "Durability"): 'c', node, txn.
std::string ddl_marker_prefix(uint32_t node) {
  std::string k(1, 'c');
  for (int i = 3; i >= 0; --i) k.push_back(static_cast<char>((node >> (i * 8)) & 0xff));
  return k;
}
std::string ddl_marker_key(uint32_t node, uint64_t txn) {
  return ddl_marker_prefix(node) + be_key(0, txn);
}

json to_json(const Table& t) {
  json j;
  j["oid"] = t.oid;
  j["storage_id"] = t.storage_id;
  j["name"] = t.name;
  j["pk"] = t.primary_key;
  j["pkey_name"] = t.pkey_name;
  j["pkey_oid"] = t.pkey_oid;
  j["rowid_sequence"] = t.rowid_sequence;
  j["next_index_id"] = t.next_index_id;
  j["partition_columns"] = t.partition_columns;
  j["columns"] = json::array();
  for (const auto& c : t.columns) {
    j["columns"].push_back({{"name", c.name},
                            {"oid", c.type.oid},
                            {"typmod", c.type.typmod},
                            {"not_null", c.not_null},
                            {"default", c.default_expr},
                            {"sequence", c.sequence},
                            {"identity_always", c.identity_always}});
    if (!c.generated_expr.empty()) j["columns"].back()["generated"] = c.generated_expr;
    if (!c.comment.empty()) j["columns"].back()["comment"] = c.comment;
    if (c.domain != 0) j["columns"].back()["domain"] = c.domain;
  }
  if (!t.comment.empty()) j["comment"] = t.comment;
  j["indexes"] = json::array();
  for (const auto& i : t.indexes) {
    j["indexes"].push_back({{"id", i.id},
                            {"oid", i.oid},
                            {"name", i.name},
                            {"unique", i.unique},
                            {"constraint", i.constraint},
                            {"columns", i.columns},
                            {"exprs", i.exprs},
                            {"include", i.include},
                            {"partition_columns", i.partition_columns},
                            {"predicate", i.predicate}});
    if (!i.options.empty()) j["indexes"].back()["options"] = i.options;
  }
  j["checks"] = json::array();
  for (const auto& c : t.checks)
    j["checks"].push_back({{"name", c.name}, {"expr", c.expr}, {"oid", c.oid}});
  j["fks"] = json::array();
  for (const auto& f : t.foreign_keys)
    j["fks"].push_back({{"name", f.name},
                        {"oid", f.oid},
                        {"columns", f.columns},
                        {"ref_table", f.ref_table},
                        {"ref_columns", f.ref_columns},
                        {"on_delete", std::string(1, f.on_delete)},
                        {"on_update", std::string(1, f.on_update)},
                        {"deferrable", f.deferrable},
                        {"initially_deferred", f.initially_deferred}});
  j["owner"] = t.owner;
  if (t.acl) j["acl"] = acl_to_json(*t.acl);
  if (t.namespace_oid != kPublicNamespaceId) j["namespace"] = t.namespace_oid;
  if (t.temp_namespace != 0) {
    j["temp_namespace"] = t.temp_namespace;
    j["on_commit"] = std::string(1, t.on_commit);
  }
  if (!t.view_query.empty()) {
    j["view_query"] = t.view_query;
    j["view_depends"] = t.view_depends;
  }
  if (t.check_option) j["check_option"] = std::string(1, t.check_option);
  if (t.row_security) j["row_security"] = true;
  if (t.force_row_security) j["force_row_security"] = true;
  if (t.materialized) {
    j["materialized"] = true;
    j["populated"] = t.populated;
  }
  if (t.partition_strategy) {
    j["partition_strategy"] = std::string(1, t.partition_strategy);
    j["partition_key"] = t.partition_key;
  }
  if (t.partition_parent != 0) {
    const PartitionBound& b = t.partition_bound;
    json bound{{"kind", std::string(1, b.kind)}};
    json values = json::array();
    for (const auto& v : b.values) values.push_back(v ? json(*v) : json(nullptr));
    bound["values"] = values;
    for (const auto* side : {&b.from, &b.to}) {
      json arr = json::array();
      for (const auto& d : *side) arr.push_back({std::string(1, d.kind), d.text});
      bound[side == &b.from ? "from" : "to"] = arr;
    }
    if (b.kind == PartitionBound::kHash) {
      bound["modulus"] = b.modulus;
      bound["remainder"] = b.remainder;
    }
    j["partition_parent"] = t.partition_parent;
    j["partition_bound"] = bound;
  }
  return j;
}

Table table_from_json(const json& j) {
  Table t;
  t.oid = j.at("oid");
  t.storage_id = j.at("storage_id");
  t.name = j.at("name");
  t.primary_key = j.at("pk").get<std::vector<int>>();
  t.pkey_name = j.value("pkey_name", "");
  t.pkey_oid = j.value("pkey_oid", 0u);
  t.rowid_sequence = j.value("rowid_sequence", 0u);
  t.next_index_id = j.value("next_index_id", 1u);
  // Absent: a table from before partition keys, placed by its whole key.
  t.partition_columns = j.value("partition_columns", 0u);
  for (const auto& c : j.at("columns")) {
    Column col;
    col.name = c.at("name");
    col.type = TypeRef{c.at("oid").get<Oid>(), c.at("typmod").get<int32_t>()};
    col.not_null = c.value("not_null", false);
    col.default_expr = c.value("default", "");
    col.sequence = c.value("sequence", 0u);
    col.identity_always = c.value("identity_always", false);
    col.generated_expr = c.value("generated", std::string());
    col.comment = c.value("comment", std::string());
    col.domain = c.value("domain", Oid{0});
    t.columns.push_back(std::move(col));
  }
  for (const auto& i : j.at("indexes")) {
    Index idx;
    idx.id = i.at("id");
    idx.oid = i.value("oid", 0u);
    idx.name = i.at("name");
    idx.unique = i.value("unique", false);
    idx.constraint = i.value("constraint", false);
    idx.columns = i.at("columns").get<std::vector<int>>();
    idx.exprs = i.at("exprs").get<std::vector<std::string>>();
    idx.include = i.at("include").get<std::vector<int>>();
    idx.partition_columns = i.value("partition_columns", 0u);
    idx.predicate = i.value("predicate", "");
    if (i.contains("options")) idx.options = i.at("options").get<std::vector<int>>();
    t.indexes.push_back(std::move(idx));
  }
  for (const auto& c : j.at("checks"))
    t.checks.push_back({c.at("name"), c.at("expr"), c.value("oid", Oid{0})});
  for (const auto& f : j.at("fks")) {
    ForeignKey fk;
    fk.name = f.at("name");
    fk.oid = f.value("oid", Oid{0});
    fk.columns = f.at("columns").get<std::vector<int>>();
    fk.ref_table = f.at("ref_table");
    fk.ref_columns = f.at("ref_columns").get<std::vector<int>>();
    fk.on_delete = f.value("on_delete", std::string(1, ForeignKey::kNoAction)).at(0);
    fk.on_update = f.value("on_update", std::string(1, ForeignKey::kNoAction)).at(0);
    fk.deferrable = f.value("deferrable", false);
    fk.initially_deferred = f.value("initially_deferred", false);
    t.foreign_keys.push_back(std::move(fk));
  }
  t.owner = j.value("owner", kBootstrapSuperuserId);
  if (j.contains("acl")) t.acl = acl_from_json(j["acl"]);
  t.temp_namespace = j.value("temp_namespace", uint64_t{0});
  t.namespace_oid = j.value("namespace", kPublicNamespaceId);
  t.on_commit = j.value("on_commit", std::string(1, Table::kPreserveRows)).at(0);
  t.view_query = j.value("view_query", "");
  t.comment = j.value("comment", "");
  if (j.contains("view_depends")) t.view_depends = j["view_depends"].get<std::vector<Oid>>();
  t.materialized = j.value("materialized", false);
  if (j.contains("check_option")) t.check_option = j["check_option"].get<std::string>().at(0);
  t.row_security = j.value("row_security", false);
  t.force_row_security = j.value("force_row_security", false);
  t.populated = j.value("populated", true);
  if (j.contains("partition_strategy")) {
    t.partition_strategy = j["partition_strategy"].get<std::string>().at(0);
    t.partition_key = j.at("partition_key").get<std::vector<int>>();
  }
  if (j.contains("partition_parent")) {
    t.partition_parent = j["partition_parent"];
    const json& bound = j.at("partition_bound");
    PartitionBound& b = t.partition_bound;
    b.kind = bound.at("kind").get<std::string>().at(0);
    for (const auto& v : bound.at("values"))
      b.values.push_back(v.is_null() ? std::nullopt : std::optional<std::string>(v));
    for (auto* side : {&b.from, &b.to})
      for (const auto& d : bound.at(side == &b.from ? "from" : "to"))
        side->push_back({d.at(0).get<std::string>().at(0), d.at(1).get<std::string>()});
    b.modulus = bound.value("modulus", 0);
    b.remainder = bound.value("remainder", 0);
  }
  return t;
}

json seq_to_json(const Sequence& s) {
  return {{"oid", s.oid},           {"name", s.name},
          {"start", s.start},       {"increment", s.increment},
          {"min", s.min_value},     {"max", s.max_value},
          {"owner", s.owner_table}, {"owner_role", s.owner}};
}

json seq_to_json_with_acl(const Sequence& s) {
  json j = seq_to_json(s);
  if (s.acl) j["acl"] = acl_to_json(*s.acl);
  if (s.namespace_oid != kPublicNamespaceId) j["namespace"] = s.namespace_oid;
  return j;
}

Sequence seq_from_json(const json& j) {
  Sequence s;
  s.oid = j.at("oid");
  s.name = j.at("name");
  s.start = j.at("start");
  s.increment = j.at("increment");
  s.min_value = j.at("min");
  s.max_value = j.at("max");
  s.owner_table = j.value("owner", 0u);
  s.owner = j.value("owner_role", kBootstrapSuperuserId);
  if (j.contains("acl")) s.acl = acl_from_json(j["acl"]);
  s.namespace_oid = j.value("namespace", kPublicNamespaceId);
  return s;
}

json schema_to_json(const Schema& s) {
  return {{"oid", s.oid}, {"name", s.name}, {"owner", s.owner}};
}

Schema schema_from_json(const json& j) {
  return {j.at("oid").get<Oid>(), j.at("name").get<std::string>(),
          j.value("owner", kBootstrapSuperuserId)};
}

const Schema kPublicSchema{kPublicNamespaceId, "public", kDatabaseOwnerRoleId};

constexpr int64_t kSequenceCache = 32;
constexpr int64_t kRowidSequenceCache = 65536;

}  // namespace

Catalog::Catalog(coord::TxnManager& txns, uint32_t partitions)
    : txns_(txns),
      partitions_(partitions),
      seq_ownership_(*this,
                     {[this](coord::Transaction& owner, Oid oid, const SequenceOwnership& o) {
                        auto now = current_sequence(oid);
                        if (!now) return;
                        now->owner = o.owner;
                        now->acl = o.acl;
                        write_own_row(owner, kSequencesSpace, be_key('d', oid),
                                      seq_to_json_with_acl(*now).dump());
                      },
                      [this](Oid oid, const SequenceOwnership& o) {
                        std::unique_lock lk(mu_);
                        if (auto sq = sequences_.find(oid); sq != sequences_.end()) {
                          sq->second.owner = o.owner;
                          sq->second.acl = o.acl;
                        }
                      }}),
      domain_changes_(*this, domain_change_hooks(), mirror_domain_change()),
      roles_(std::make_unique<Roles>(*this)),
      functions_(std::make_unique<Functions>(*this)) {}
Catalog::~Catalog() {
  // The registry is process-wide; take this catalog's types out of it (see enum_types.h).
  for (const auto& [oid, c] : pending_) sql::types::set_name_visibility(oid, nullptr);
  for (const auto& [oid, t] : enums_) sql::types::enum_types().erase(oid, t.get());
  for (const auto& [oid, t] : domains_) sql::types::domain_types().erase(oid, t.get());
  for (const auto& [oid, t] : row_types_) {
    sql::types::set_name_visibility(oid, nullptr);
    sql::types::composite_types().erase(oid, t.get());
  }
}

void Catalog::publish_row_type(const TablePtr& t) {
  auto type = std::make_shared<sql::types::CompositeType>();
  type->oid = t->oid;
  type->namespace_oid = t->namespace_oid;
  type->schema_name = schema_name(t->namespace_oid);
  type->name = t->name;
  type->temp_namespace = t->temp_namespace;
  for (const auto& c : t->columns) type->fields.push_back({c.name, c.type});
  sql::types::CompositeTypePtr p = std::move(type);
  // A creation not committed: by name only for its creator (composite_visibility.h).
  if (t->temp_namespace == 0 && creator_of(t->oid)) hide_name_until_committed(t->oid);
  std::lock_guard lk(row_types_mu_);
  row_types_[t->oid] = p;
  sql::types::composite_types().put(p);
}

void Catalog::hide_name_until_committed(Oid oid) {
  sql::types::set_name_visibility(oid, [this, oid] {
    std::shared_lock lk(mu_);
    return visible_locked(oid, viewer());
  });
}

void Catalog::retract_row_type(Oid oid) {
  sql::types::set_name_visibility(oid, nullptr);
  std::lock_guard lk(row_types_mu_);
  auto it = row_types_.find(oid);
  if (it == row_types_.end()) return;
  sql::types::composite_types().erase(oid, it->second.get());
  row_types_.erase(it);
}

void Catalog::bump() {
  version_.fetch_add(1, std::memory_order_acq_rel);
}

void Catalog::write_system_row(uint32_t space, const std::string& key,
                               const std::optional<std::string>& value) {
  coord::update_row_autonomously(txns_, coord::KeySpace{space, 0}, key, "catalog row",
                                 [&](const std::optional<std::string>&) { return value; });
  announce_change();
}

void Catalog::announce_change() {
  // Other coordinators read their catalog again before their next statement (sync); this one
  // has the change already, unless another one's came in between.
  uint64_t now = txns_.bump_catalog_version();
  uint64_t before = now - 1;
  synced_.compare_exchange_strong(before, now, std::memory_order_acq_rel);
}

void Catalog::set_node(uint32_t node_id) {
  node_id_ = node_id;
  next_temp_namespace_.store((uint64_t{node_id} << kTempNamespaceNodeShift) + 1);
}

bool Catalog::temp_namespace_is_ours(uint64_t ns) const {
  return ns >> kTempNamespaceNodeShift == node_id_;
}

std::optional<std::string> Catalog::read_system_row(uint32_t space, const std::string& key) {
  auto txn = txns_.begin({});
  txn->start_statement();
  auto rv = txn->get(coord::KeySpace{space, 0}, key, key);
  txn->commit();
  if (!rv) return std::nullopt;
  return rv->value;
}

void Catalog::load() {
  read_definitions(/*boot=*/true);
}

// Another coordinator changed the catalog since this one read it (issue 12: several SQL nodes
// over one node's partitions): read every definition again. A statement binds after this, so
// it sees every catalog change committed before it started, wherever it was made.
void Catalog::sync(std::optional<uint64_t> known) {
  uint64_t shared = known ? *known : txns_.catalog_version();
  if (shared == synced_.load(std::memory_order_acquire)) return;
  std::lock_guard g(sync_mu_);
  if (shared == synced_.load(std::memory_order_acquire)) return;
  read_definitions(/*boot=*/false);
  synced_.store(shared, std::memory_order_release);
}

void Catalog::read_definitions(bool boot) {
  // Read first: a change committed while this reads bumps past it, and the next sync reads
  // again.
  if (boot) synced_.store(txns_.catalog_version(), std::memory_order_release);
  auto txn = txns_.begin({});
  txn->start_statement();
  std::map<Oid, TablePtr> tables;
  std::map<Oid, Sequence> seqs;
  std::map<Oid, Schema> schemas;
  std::map<Oid, Creator> pending;  // uncommitted creations (see catalog.h)
  std::map<Oid, Changed> changed;  // uncommitted changes of committed tables (see catalog.h)
  auto note_pending = [&](Oid oid, const json& j) { note_mark(j, oid, pending); };
  Oid max_oid = kFirstUserOid;
  auto note_oids = [&](const Table& t) {
    max_oid = std::max({max_oid, t.oid, t.storage_id, t.pkey_oid});
    for (const auto& i : t.indexes) max_oid = std::max(max_oid, i.oid);
    for (const auto& c : t.checks) max_oid = std::max(max_oid, c.oid);
    for (const auto& f : t.foreign_keys) max_oid = std::max(max_oid, f.oid);
  };
  {
    auto cur = txn->scan(coord::KeySpace{kTablesSpace, 0}, "", "");
    while (auto rv = cur->next()) {
      json j = json::parse(rv->value);
      if (auto c = j.find("changed"); c != j.end()) {
        Changed ch{Creator{c->at("txn").get<uint64_t>(), c->at("node").get<uint32_t>()},
                   std::make_shared<const Table>(table_from_json(c->at("committed"))),
                   c->at("mode").get<uint8_t>()};
        note_oids(*ch.committed);
        const Oid oid = ch.committed->oid;
        changed[oid] = std::move(ch);
        if (j.value("dropped", false)) continue;  // a tombstone: dropped, not committed
      }
      Table t = table_from_json(j);
      note_pending(t.oid, j);
      note_oids(t);
      tables[t.oid] = std::make_shared<const Table>(std::move(t));
    }
  }
  {
    auto cur = txn->scan(coord::KeySpace{kSequencesSpace, 0}, "d", "e");
    while (auto rv = cur->next()) {
      json j = json::parse(rv->value);
      Sequence s = seq_from_json(j);
      note_pending(s.oid, j);
      max_oid = std::max(max_oid, s.oid);
      seqs[s.oid] = s;
    }
  }
  {
    auto cur = txn->scan(coord::KeySpace{kNamespacesSpace, 0}, "", "");
    while (auto rv = cur->next()) {
      json j = json::parse(rv->value);
      Schema sc = schema_from_json(j);
      note_pending(sc.oid, j);
      max_oid = std::max(max_oid, sc.oid);
      schemas[sc.oid] = sc;
    }
  }
  // This node's transactions that committed DDL whose marks may not all be settled.
  std::set<uint64_t> ddl_committed;
  std::vector<std::string> ddl_markers;
  if (boot) {
    const std::string from = ddl_marker_prefix(node_id_);
    auto cur =
        txn->scan(coord::KeySpace{kDdlCommitsSpace, 0}, from, ddl_marker_prefix(node_id_ + 1));
    while (auto rv = cur->next()) {
      if (rv->key.size() != from.size() + 8 || rv->key.compare(0, from.size(), from) != 0) continue;
      uint64_t id = 0;
      for (size_t i = from.size(); i < rv->key.size(); ++i)
        id = id << 8 | static_cast<unsigned char>(rv->key[i]);
      ddl_committed.insert(id);
      ddl_markers.push_back(rv->key);
    }
  }
  // Every id below the durable reservation may have been handed out before a restart.
  if (auto hw = txn->get(coord::KeySpace{kSequencesSpace, 0}, "o", "o"))
    max_oid = std::max<Oid>(max_oid, static_cast<Oid>(std::stoul(hw->value)));
  txn->commit();
  max_oid = std::max(max_oid, roles_->load());
  max_oid = std::max(max_oid, functions_->load());
  max_oid = std::max(max_oid, load_enums(schemas, pending));
  if (boot) {
    std::lock_guard g(reserve_mu_);
    next_oid_ = max_oid + 1;  // the next allocation claims a new block from here
    reserved_ = next_oid_;
  }
  std::vector<Oid> leftover_temp;
  struct Leftover {
    Oid oid = 0;
    uint64_t txn = 0;
    bool committed = false;  // its transaction's hf_ddl_commits row is there
    uint32_t storage = 0;    // a change's keyspace that is garbage now (0: none)
  };
  std::vector<Leftover> leftover_uncommitted;
  std::vector<Leftover> leftover_changes;
  {
    std::unique_lock lk(mu_);
    // This coordinator's own marks are known here first (stored just after they are set,
    // forgotten just before they are stored without): what it holds wins over what it read.
    if (!boot) {
      std::erase_if(pending, [&](const auto& kv) { return kv.second.node == node_id_; });
      std::erase_if(changed, [&](const auto& kv) { return kv.second.by.node == node_id_; });
      for (const auto& kv : pending_)
        if (kv.second.node == node_id_) pending.insert(kv);
      for (const auto& kv : changed_)
        if (kv.second.by.node == node_id_) changed.insert(kv);
    }
    tables_ = std::move(tables);
    // A sequence's cached values stay (its block is this coordinator's); a dropped one's go.
    std::erase_if(seq_state_, [&](const auto& kv) { return !seqs.count(kv.first); });
    sequences_ = std::move(seqs);
    schemas_ = std::move(schemas);
    pending_ = std::move(pending);
    changed_ = std::move(changed);
    // A drop not committed is this coordinator's own (see defer_drop): it stays.
    std::erase_if(dropping_, [&](const auto& kv) {
      return !sequences_.count(kv.first) && !schemas_.count(kv.first);
    });
    // Changes of this node's committed tables left by the previous run: those of a
    // transaction that committed stay (the storage they replaced is garbage), the others'
    // committed definitions come back (the storage they made is garbage).
    if (boot)
      for (const auto& [oid, ch] : changed_)
        if (ch.by.node == node_id_) {
          auto it = tables_.find(oid);
          const uint32_t now = it == tables_.end() ? 0 : it->second->storage_id;
          const uint32_t before = ch.committed->storage_id;
          Leftover l{oid, ch.by.txn, ddl_committed.count(ch.by.txn) > 0, 0};
          if (l.committed) {
            if (now != before) l.storage = before;
          } else {
            if (now != 0 && now != before) l.storage = now;
            tables_[oid] = ch.committed;
          }
          leftover_changes.push_back(l);
        }
    for (const auto& [oid, t] : tables_)
      if (boot && t->temp_namespace != 0 && temp_namespace_is_ours(t->temp_namespace))
        leftover_temp.push_back(oid);
    // Creations of this node left by the previous run: those of a transaction that committed
    // stay, the others (the creator's id is no longer running anywhere) never were.
    if (boot)
      for (const auto& [oid, c] : pending_)
        if (c.node == node_id_)
          leftover_uncommitted.push_back({oid, c.txn, ddl_committed.count(c.txn) > 0, 0});
    bump();
  }
  {
    std::vector<Oid> hidden;  // uncommitted creations: types found by name by their creator only
    {
      std::shared_lock lk(mu_);
      for (const auto& [oid, c] : pending_) hidden.push_back(oid);
    }
    for (Oid oid : hidden) hide_name_until_committed(oid);
  }
  std::set<Oid> relations;
  for (const auto& t : this->tables()) {
    publish_row_type(t);
    relations.insert(t->oid);
  }
  // A relation gone since the last load (another coordinator dropped it or rolled back its
  // creation) takes its row type with it, as drop_table does on the node that dropped it.
  std::vector<Oid> gone;
  {
    std::lock_guard lk(row_types_mu_);
    for (const auto& [oid, type] : row_types_)
      if (!type->standalone && !relations.count(oid)) gone.push_back(oid);
  }
  for (Oid oid : gone) retract_row_type(oid);
  // Temporary tables of sessions that ended with the previous run (a crash, kill -9 or a
  // shutdown before their sessions could drop them) die with it.
  for (Oid oid : leftover_temp) drop_table(oid);
  for (const Leftover& l : leftover_uncommitted) settle_created(l.oid, l.txn, l.committed);
  for (const Leftover& l : leftover_changes) {
    forget_change(l.oid, l.txn);
    if (l.storage) txns_.drop_keyspaces(l.storage);
  }
  // Every mark they vouched for is settled.
  for (const std::string& key : ddl_markers) write_system_row(kDdlCommitsSpace, key, std::nullopt);
}

void Catalog::note_ddl(coord::Transaction& owner) {
  // A read-only transaction writes nothing: its DDL (temporary objects only) dies with a crash
  // anyway (load() drops what temporary tables and their sequences left).
  if (owner.read_only()) return;
  const uint64_t txn = owner.id();
  {
    std::lock_guard g(markers_mu_);
    if (!marker_hooked_.insert(txn).second) return;
  }
  auto forget = [this, txn] {
    std::lock_guard g(markers_mu_);
    marker_hooked_.erase(txn);
  };
  // A ROLLBACK TO before this DDL forgets it too: a later DDL hooks again (the row is written
  // twice then, harmlessly).
  owner.on_rollback(forget);
  owner.before_commit([this, &owner, txn, forget] {
    const std::string mine = ddl_marker_key(node_id_, txn);
    std::vector<std::string> gone;  // rows of transactions whose marks are settled
    {
      std::lock_guard g(markers_mu_);
      gone.swap(settled_markers_);
    }
    auto requeue = [this](const std::vector<std::string>& keys) {
      std::lock_guard g(markers_mu_);
      settled_markers_.insert(settled_markers_.end(), keys.begin(), keys.end());
    };
    const coord::KeySpace ks{kDdlCommitsSpace, 0};
    auto put = [&](const std::string& key, const std::optional<std::string>& value) {
      auto r = owner.lock_outcome(ks, key, key, coord::LockWait{});
      if (r.outcome != coord::LockOutcome::kGranted)
        throw SqlError(sqlstate::kObjectInUse, "could not lock the catalog's commit record");
      owner.write(ks, key, key, value);
    };
    try {
      put(mine, std::string());
      for (const std::string& key : gone) put(key, std::nullopt);
    } catch (...) {
      requeue(gone);
      throw;
    }
    owner.on_rollback([requeue, gone] { requeue(gone); });
    // After the settlements the DDL registered (hooks run in order): the row is not needed.
    owner.on_commit([this, mine, forget] {
      forget();
      std::lock_guard g(markers_mu_);
      settled_markers_.push_back(mine);
    });
  });
}

// ---- uncommitted creations (see catalog.h) ----

const void* viewer_key() {
  static thread_local char thread_tag;
  if (auto* f = runtime::Fiber::current()) return f;
  return &thread_tag;
}

std::optional<uint64_t> Catalog::viewer() const {
  std::lock_guard lk(viewers_mu_);
  auto it = viewers_.find(viewer_key());
  if (it == viewers_.end()) return std::nullopt;
  return it->second;
}

bool Catalog::visible_locked(Oid oid, const std::optional<uint64_t>& viewer) const {
  if (!dropping_.empty())
    if (auto d = dropping_.find(oid);
        d != dropping_.end() && viewer && d->second.txn == *viewer && d->second.node == node_id_)
      return false;  // dropped by the viewer's own transaction
  auto it = pending_.find(oid);
  if (it == pending_.end()) return true;
  return viewer && it->second.txn == *viewer && it->second.node == node_id_;
}

std::optional<Catalog::Creator> Catalog::creator_of(Oid oid) const {
  std::shared_lock lk(mu_);
  auto it = pending_.find(oid);
  if (it == pending_.end()) return std::nullopt;
  return it->second;
}

void Catalog::mark_created(Oid oid, coord::Transaction& owner) {
  const uint64_t txn = owner.id();
  note_ddl(owner);
  // A second CREATE of the name waits on this (sql/exec/ddl.cc); the oid is new, so this never
  // waits.
  owner.lock_table(oid, coord::table_mode::kAccessExclusive, coord::LockWait{});
  {
    std::unique_lock lk(mu_);
    pending_[oid] = Creator{txn, node_id_};
  }
  {
    std::lock_guard lk(viewers_mu_);
    viewers_[viewer_key()] = txn;
  }
  // Registered before the DDL's own undo, so it runs after it (undos run newest first).
  owner.on_rollback([this, oid, txn] { settle_created(oid, txn, false); });
  owner.on_commit([this, oid, txn] { settle_created(oid, txn, true); });
}

void Catalog::settle_created(Oid oid, uint64_t txn, bool committed) {
  TablePtr table;
  std::optional<Sequence> seq;
  std::optional<Schema> schema;
  {
    std::lock_guard ddl(ddl_mu_);
    {
      std::unique_lock lk(mu_);
      auto it = pending_.find(oid);
      if (it == pending_.end() || it->second.txn != txn || it->second.node != node_id_) return;
      pending_.erase(it);
      sql::types::set_name_visibility(oid, nullptr);  // visible to all, or about to go
      if (auto t = tables_.find(oid); t != tables_.end()) table = t->second;
      if (auto q = sequences_.find(oid); q != sequences_.end()) seq = q->second;
      if (auto c = schemas_.find(oid); c != schemas_.end()) schema = c->second;
      // The transaction's last mark (a ROLLBACK TO may leave others): it need see none.
      forget_viewer_locked(txn);
    }
    if (committed) {  // stored again without the mark
      if (table) persist_table(*table, false);
      if (seq) persist_sequence_def(*seq, false);
      if (schema) persist_schema(*schema, false);
      if (!table && !seq && !schema) persist_type_row(oid);
    }
    bump();
  }
  wake_settled();
  if (committed) return;
  // What the undo of the creation left (none, unless it failed).
  if (table) drop_table(oid);
  if (seq) drop_sequence(oid);
  if (schema) drop_schema(oid);
  if (!table && !seq && !schema) {  // a type (each drop does nothing to an oid not its kind)
    drop_domain(oid);
    drop_enum(oid);
    drop_composite(oid);
  }
}

Oid Catalog::uncommitted_relation(std::string_view name, uint64_t temp_namespace, Oid ns) const {
  std::shared_lock lk(mu_);
  if (pending_.empty() && changed_.empty()) return 0;
  auto v = viewer();
  for (const auto& [oid, c] : pending_) {
    if (visible_locked(oid, v)) continue;
    if (auto it = tables_.find(oid); it != tables_.end()) {
      const Table& t = *it->second;
      bool in_schema = temp_namespace != 0 ? t.temp_namespace == temp_namespace
                                           : t.temp_namespace == 0 && t.namespace_oid == ns;
      if (in_schema &&
          (t.name == name || (t.pkey_name == name && !t.primary_key.empty()) || t.find_index(name)))
        return oid;
    }
    if (auto it = sequences_.find(oid); it != sequences_.end() && temp_namespace == 0 &&
                                        it->second.namespace_oid == ns && it->second.name == name)
      return oid;
  }
  // A name another transaction's uncommitted change gives a committed table (RENAME, CREATE
  // INDEX) and its committed definition does not have.
  auto names = [&](const Table& t) {
    return t.temp_namespace == 0 && t.namespace_oid == ns &&
           (t.name == name || (t.pkey_name == name && !t.primary_key.empty()) ||
            t.find_index(name));
  };
  if (temp_namespace == 0)
    for (const auto& [oid, ch] : changed_) {
      if (v && ch.by.txn == *v && ch.by.node == node_id_) continue;
      auto it = tables_.find(oid);
      if (it != tables_.end() && names(*it->second) && !names(*ch.committed)) return oid;
    }
  return 0;
}

Oid Catalog::uncommitted_schema(std::string_view name) const {
  std::shared_lock lk(mu_);
  if (pending_.empty()) return 0;
  auto v = viewer();
  for (const auto& [oid, c] : pending_)
    if (auto it = schemas_.find(oid);
        it != schemas_.end() && it->second.name == name && !visible_locked(oid, v))
      return oid;
  return 0;
}

void Catalog::forget_viewer_locked(uint64_t txn) {
  auto of_txn = [&](const Creator& c) { return c.txn == txn && c.node == node_id_; };
  for (const auto& [oid, c] : pending_)
    if (of_txn(c)) return;
  for (const auto& [oid, ch] : changed_)
    if (of_txn(ch.by)) return;
  for (const auto& [oid, by] : dropping_)
    if (of_txn(by)) return;
  if (functions_->changes_pending(txn) || roles_->changes_pending(txn) ||
      seq_ownership_.of_txn(txn) || domain_changes_.of_txn(txn))
    return;
  std::lock_guard vl(viewers_mu_);
  std::erase_if(viewers_, [&](const auto& kv) { return kv.second == txn; });
}

void Catalog::track_change(Oid oid, const TablePtr& committed, coord::Transaction& owner) {
  if (committed->temp_namespace != 0) return;
  const uint64_t txn = owner.id();
  {
    std::unique_lock lk(mu_);
    if (pending_.count(oid) || changed_.count(oid)) return;
    // The lock the change holds: what a statement must conflict with to wait for it. A change
    // under no lock of its own (COMMENT) blocks nobody.
    uint8_t mode = coord::table_mode::kShareUpdateExclusive;
    if (auto h = held_.find(oid); h != held_.end())
      for (const Held& x : h->second)
        if (x.by.txn == txn && x.by.node == node_id_) mode = std::max(mode, x.mode);
    changed_[oid] = Changed{Creator{txn, node_id_}, committed, mode};
    std::lock_guard vl(viewers_mu_);
    viewers_[viewer_key()] = txn;
  }
  note_ddl(owner);
  // Registered before the change's own undo, so it runs after it (undos run newest first).
  owner.on_rollback([this, oid, txn] { forget_change(oid, txn); });
  owner.on_commit([this, oid, txn] { forget_change(oid, txn); });
}

void Catalog::forget_change(Oid oid, uint64_t txn) {
  {
    std::lock_guard ddl(ddl_mu_);
    TablePtr now;
    TablePtr committed;
    {
      std::unique_lock lk(mu_);
      auto it = changed_.find(oid);
      if (it == changed_.end() || it->second.by.txn != txn || it->second.by.node != node_id_)
        return;
      committed = it->second.committed;
      changed_.erase(it);
      if (auto t = tables_.find(oid); t != tables_.end()) now = t->second;
      forget_viewer_locked(txn);
      // Bumped with the change's end: a statement that waited for its lock and finds it
      // settled binds again (sql/engine.cc), even before the row below is stored.
      bump();
    }
    // Stored without the mark; a dropped table's tombstone goes.
    if (now)
      persist_table(*now, false);
    else
      persist_table(*committed, true);
    bump();  // a statement that waited for the change's lock binds again (sql/engine.cc)
  }
  wake_settled();
}

void Catalog::note_lock(Oid oid, uint8_t mode, coord::Transaction& owner) {
  const uint64_t txn = owner.id();
  {
    std::unique_lock lk(mu_);
    auto& held = held_[oid];
    for (Held& h : held)
      if (h.by.txn == txn && h.by.node == node_id_) {
        h.mode = std::max(h.mode, mode);
        return;
      }
    held.push_back(Held{Creator{txn, node_id_}, mode});
  }
  auto settle = [this, oid, txn] {
    {
      std::unique_lock lk(mu_);
      auto it = held_.find(oid);
      if (it == held_.end()) return;
      std::erase_if(it->second,
                    [&](const Held& h) { return h.by.txn == txn && h.by.node == node_id_; });
      if (it->second.empty()) held_.erase(it);
    }
    wake_settled();
  };
  // Registered before the undos of the DDL that follows, so it runs after them.
  owner.on_rollback(settle);
  owner.on_commit(settle);
}

namespace {
// PostgreSQL's table lock conflict table (coord::table_mode, 1..8).
bool modes_conflict(uint8_t a, uint8_t b) {
  static constexpr uint16_t kConflicts[9] = {
      0,
      1 << 8,                                               // ACCESS SHARE
      1 << 7 | 1 << 8,                                      // ROW SHARE
      1 << 5 | 1 << 6 | 1 << 7 | 1 << 8,                    // ROW EXCLUSIVE
      1 << 4 | 1 << 5 | 1 << 6 | 1 << 7 | 1 << 8,           // SHARE UPDATE EXCLUSIVE
      1 << 3 | 1 << 4 | 1 << 6 | 1 << 7 | 1 << 8,           // SHARE
      1 << 3 | 1 << 4 | 1 << 5 | 1 << 6 | 1 << 7 | 1 << 8,  // SHARE ROW EXCLUSIVE
      0x1fc,                                                // EXCLUSIVE: ROW SHARE and up
      0x1fe,                                                // ACCESS EXCLUSIVE: all
  };
  return a <= 8 && b <= 8 && (kConflicts[a] >> b & 1);
}
}  // namespace

bool Catalog::in_flight(Oid oid, uint64_t txn, uint8_t mode) const {
  return conflicting_change(oid, txn, mode, nullptr);
}

bool Catalog::conflicting_change(Oid oid, uint64_t txn, uint8_t mode, bool* remote) const {
  std::shared_lock lk(mu_);
  auto other = [&](const Creator& c) { return c.txn != txn || c.node != node_id_; };
  auto found = [&](const Creator& c) {
    if (remote) *remote = c.node != node_id_;
    return true;
  };
  if (auto it = held_.find(oid); it != held_.end())
    for (const Held& h : it->second)
      if (other(h.by) && modes_conflict(h.mode, mode)) return found(h.by);
  if (auto it = changed_.find(oid);
      it != changed_.end() && other(it->second.by) && modes_conflict(it->second.mode, mode))
    return found(it->second.by);
  // A creation holds ACCESS EXCLUSIVE on its new oid until it ends; so does a drop.
  if (auto it = pending_.find(oid); it != pending_.end() && other(it->second))
    return found(it->second);
  if (auto it = dropping_.find(oid); it != dropping_.end() && other(it->second))
    return found(it->second);
  // A role's change (catalog/roles.h) is this node's; its transaction holds ACCESS EXCLUSIVE.
  if (roles_->changed_by_other(oid, txn)) return found(Creator{0, node_id_});
  // A sequence's new owner holds ACCESS EXCLUSIVE, a GRANT or REVOKE on it SHARE UPDATE
  // EXCLUSIVE (sql/exec/role_stmts.cc): the next GRANT waits, nextval() does not.
  if (auto o = seq_ownership_.find(oid);
      o && o->txn != txn &&
      modes_conflict(o->now.new_owner ? coord::table_mode::kAccessExclusive
                                      : coord::table_mode::kShareUpdateExclusive,
                     mode))
    return found(Creator{0, node_id_});
  // A trigger change holds at least SHARE ROW EXCLUSIVE on its table: the table's writers
  // wait for its publication, so that they fire the trigger only if it committed.
  if (modes_conflict(coord::table_mode::kShareRowExclusive, mode) &&
      functions_->trigger_change_by_other(oid, txn))
    return found(Creator{0, node_id_});
  return false;
}

void Catalog::wake_settled() {
  std::vector<std::shared_ptr<runtime::Event>> waiters;
  {
    std::lock_guard g(settle_mu_);
    waiters.swap(settle_waiters_);
  }
  for (auto& ev : waiters) ev->complete(runtime::WakeReason::kSignalled);
}

bool Catalog::wait_settled(Oid oid, uint64_t txn, uint8_t mode, runtime::CancelToken* cancel) {
  if (!conflicting_change(oid, txn, mode, nullptr)) return true;  // every statement's case
  for (;;) {
    std::shared_ptr<runtime::Event> ev;
    bool remote = false;
    {
      // Checked and registered under settle_mu_: a settlement after the check wakes it.
      std::lock_guard g(settle_mu_);
      if (!conflicting_change(oid, txn, mode, &remote)) return true;
      ev = runtime::Event::create();
      settle_waiters_.push_back(ev);
    }
    // Another coordinator's change settles there: its end reaches this one by reading the
    // catalog again, every few milliseconds.
    const runtime::Deadline until =
        remote ? runtime::Clock::now() + std::chrono::milliseconds(2) : runtime::Deadline::max();
    if (cancel) cancel->attach(ev);
    const runtime::WakeReason r = ev->wait(until);
    if (cancel) cancel->detach();
    if (r != runtime::WakeReason::kSignalled) {
      std::lock_guard g(settle_mu_);
      std::erase(settle_waiters_, ev);
    }
    if (r == runtime::WakeReason::kCancelled) return false;
    if (remote) sync();
  }
}

TablePtr Catalog::current_table(Oid oid) const {
  std::shared_lock lk(mu_);
  auto it = tables_.find(oid);
  return it == tables_.end() ? nullptr : it->second;
}

std::optional<Sequence> Catalog::current_sequence(Oid oid) const {
  std::shared_lock lk(mu_);
  auto it = sequences_.find(oid);
  if (it == sequences_.end()) return std::nullopt;
  return it->second;
}

// Every table the calling fiber sees, in oid order, until fn returns true (then true): the
// committed ones, its own transaction's creations, and the tables another transaction dropped
// and has not committed. Without marks or drops this is the plain map walk of a lookup.
template <typename Fn>
bool Catalog::scan_tables_locked(Fn&& fn) const {
  if (pending_.empty() && changed_.empty()) {
    for (const auto& [oid, t] : tables_)
      if (fn(t)) return true;
    return false;
  }
  auto v = viewer();
  std::map<Oid, const TablePtr*> seen;
  for (const auto& [oid, t] : tables_)
    if (visible_locked(oid, v)) seen[oid] = &t;
  for (const auto& [oid, ch] : changed_)  // the others see the committed definition
    if (!(v && ch.by.txn == *v && ch.by.node == node_id_)) seen[oid] = &ch.committed;
  for (const auto& [oid, t] : seen)
    if (fn(*t)) return true;
  return false;
}

TablePtr Catalog::find_table(std::string_view name, uint64_t temp_namespace) const {
  return find_table(name, SearchPath{temp_namespace});
}

TablePtr Catalog::find_table(std::string_view name, const SearchPath& path) const {
  if (auto t = find_temp_table(name, path.temp_namespace)) return t;
  for (Oid ns : path.schemas)
    if (auto t = find_table_in(ns, name)) return t;
  return nullptr;
}

TablePtr Catalog::find_table_in(Oid ns, std::string_view name) const {
  std::shared_lock lk(mu_);
  TablePtr found;
  scan_tables_locked([&](const TablePtr& t) {
    if (t->temp_namespace == 0 && t->namespace_oid == ns && t->name == name) found = t;
    return found != nullptr;
  });
  return found;
}

TablePtr Catalog::find_table(std::string_view schema, std::string_view name,
                             const SearchPath& path) const {
  if (schema.empty()) return find_table(name, path);
  if (schema == "pg_temp") return find_temp_table(name, path.temp_namespace);
  auto sc = find_schema(schema);
  return sc ? find_table_in(sc->oid, name) : nullptr;
}

TablePtr Catalog::find_temp_table(std::string_view name, uint64_t temp_namespace) const {
  if (temp_namespace == 0) return nullptr;
  std::shared_lock lk(mu_);
  for (const auto& [oid, t] : tables_)
    if (t->temp_namespace == temp_namespace && t->name == name) return t;
  return nullptr;
}

std::vector<TablePtr> Catalog::temp_tables(uint64_t temp_namespace) const {
  std::vector<TablePtr> out;
  if (temp_namespace == 0) return out;
  std::shared_lock lk(mu_);
  for (const auto& [oid, t] : tables_)
    if (t->temp_namespace == temp_namespace) out.push_back(t);
  return out;
}

TablePtr Catalog::table_by_oid(Oid oid) const {
  std::shared_lock lk(mu_);
  auto v = viewer_locked();
  if (auto ch = changed_.find(oid);
      ch != changed_.end() && !(v && ch->second.by.txn == *v && ch->second.by.node == node_id_))
    return ch->second.committed;
  auto it = tables_.find(oid);
  return it == tables_.end() || !visible_locked(oid, v) ? nullptr : it->second;
}

TablePtr Catalog::table_by_index_name(std::string_view n, uint64_t temp_namespace) const {
  return table_by_index_name("", n, SearchPath{temp_namespace});
}

TablePtr Catalog::table_by_index_name(std::string_view schema, std::string_view n,
                                      const SearchPath& path) const {
  auto has_index = [&](const Table& t) {
    return (t.pkey_name == n && !t.primary_key.empty()) || t.find_index(n);
  };
  // The schemas to search, in order; kTempSchema stands for the session's temporary tables.
  constexpr Oid kTempSchema = 0;
  std::vector<Oid> order;
  if (schema.empty()) {
    order.push_back(kTempSchema);
    order.insert(order.end(), path.schemas.begin(), path.schemas.end());
  } else if (schema == "pg_temp") {
    order.push_back(kTempSchema);
  } else if (auto sc = find_schema(schema)) {
    order.push_back(sc->oid);
  }
  std::shared_lock lk(mu_);
  TablePtr found;
  for (Oid ns : order) {
    scan_tables_locked([&](const TablePtr& t) {
      bool in_schema = ns == kTempSchema
                           ? path.temp_namespace != 0 && t->temp_namespace == path.temp_namespace
                           : t->temp_namespace == 0 && t->namespace_oid == ns;
      if (in_schema && has_index(*t)) found = t;
      return found != nullptr;
    });
    if (found) return found;
  }
  return nullptr;
}

std::vector<TablePtr> Catalog::tables() const {
  std::shared_lock lk(mu_);
  std::vector<TablePtr> out;
  scan_tables_locked([&](const TablePtr& t) {
    out.push_back(t);
    return false;
  });
  return out;
}

std::vector<TablePtr> Catalog::partitions_of(Oid parent) const {
  std::shared_lock lk(mu_);
  std::vector<TablePtr> out;
  scan_tables_locked([&](const TablePtr& t) {
    if (t->partition_parent == parent) out.push_back(t);
    return false;
  });
  return out;
}

std::optional<Sequence> Catalog::find_sequence_in(Oid ns, std::string_view name) const {
  std::shared_lock lk(mu_);
  // viewer_locked() looks up no viewer while only a sequence's ownership is uncommitted.
  auto v = seq_ownership_.any() ? viewer() : viewer_locked();
  for (const auto& [oid, s] : sequences_)
    if (s.name == name && s.namespace_oid == ns && visible_locked(oid, v))
      return seen_by(seq_ownership_, s, v);
  return std::nullopt;
}

std::optional<Sequence> Catalog::find_sequence(std::string_view schema, std::string_view name,
                                               const SearchPath& path) const {
  if (!schema.empty()) {
    auto sc = find_schema(schema);
    return sc ? find_sequence_in(sc->oid, name) : std::nullopt;
  }
  for (Oid ns : path.schemas)
    if (auto s = find_sequence_in(ns, name)) return s;
  return std::nullopt;
}

std::optional<Sequence> Catalog::sequence_by_oid(Oid oid) const {
  std::shared_lock lk(mu_);
  // viewer_locked() looks up no viewer while only a sequence's ownership is uncommitted.
  auto v = seq_ownership_.any() ? viewer() : viewer_locked();
  auto it = sequences_.find(oid);
  if (it == sequences_.end() || !visible_locked(oid, v)) return std::nullopt;
  return seen_by(seq_ownership_, it->second, v);
}

std::vector<Sequence> Catalog::sequences() const {
  std::shared_lock lk(mu_);
  std::vector<Sequence> out;
  // viewer_locked() looks up no viewer while only a sequence's ownership is uncommitted.
  auto v = seq_ownership_.any() ? viewer() : viewer_locked();
  for (const auto& [oid, s] : sequences_)
    if (visible_locked(oid, v)) out.push_back(seen_by(seq_ownership_, s, v));
  return out;
}

bool Catalog::relation_exists(std::string_view name, uint64_t temp_namespace, Oid ns) const {
  if (find_sequence_in(ns, name)) return true;
  if (temp_namespace == 0) {
    if (find_table_in(ns, name)) return true;
    auto t = table_by_index_name("", name, SearchPath{0, {ns}});
    return t != nullptr;
  }
  if (find_temp_table(name, temp_namespace)) return true;
  auto t = table_by_index_name("pg_temp", name, SearchPath{temp_namespace, {}});
  return t != nullptr;
}

std::optional<Schema> Catalog::find_schema(std::string_view name) const {
  if (name == kPublicSchema.name) return kPublicSchema;
  std::shared_lock lk(mu_);
  auto v = viewer_locked();
  for (const auto& [oid, sc] : schemas_)
    if (sc.name == name && visible_locked(oid, v)) return sc;
  return std::nullopt;
}

std::optional<Schema> Catalog::schema_by_oid(Oid oid) const {
  if (oid == kPublicNamespaceId) return kPublicSchema;
  std::shared_lock lk(mu_);
  auto it = schemas_.find(oid);
  if (it == schemas_.end() || !visible_locked(oid, viewer_locked())) return std::nullopt;
  return it->second;
}

std::vector<Schema> Catalog::schemas() const {
  std::vector<Schema> out{kPublicSchema};
  std::shared_lock lk(mu_);
  auto v = viewer_locked();
  for (const auto& [oid, sc] : schemas_)
    if (visible_locked(oid, v)) out.push_back(sc);
  return out;
}

std::string Catalog::schema_name(Oid ns) const {
  auto sc = schema_by_oid(ns);
  return sc ? sc->name : std::to_string(ns);
}

std::vector<TablePtr> Catalog::tables_in(Oid ns) const {
  std::vector<TablePtr> out;
  std::shared_lock lk(mu_);
  scan_tables_locked([&](const TablePtr& t) {
    if (t->temp_namespace == 0 && t->namespace_oid == ns) out.push_back(t);
    return false;
  });
  return out;
}

std::vector<Sequence> Catalog::sequences_in(Oid ns) const {
  std::vector<Sequence> out;
  std::shared_lock lk(mu_);
  // viewer_locked() looks up no viewer while only a sequence's ownership is uncommitted.
  auto v = seq_ownership_.any() ? viewer() : viewer_locked();
  for (const auto& [oid, sq] : sequences_)
    if (sq.namespace_oid == ns && sq.owner_table == 0 && visible_locked(oid, v))
      out.push_back(seen_by(seq_ownership_, sq, v));
  return out;
}

std::vector<std::string> parse_search_path(std::string_view setting) {
  std::vector<std::string> out;
  size_t i = 0;
  auto blank = [&](size_t k) { return k < setting.size() && std::isspace(uint8_t(setting[k])); };
  while (i < setting.size()) {
    while (blank(i)) ++i;
    if (i >= setting.size()) break;
    std::string name;
    if (setting[i] == '"') {
      for (++i; i < setting.size(); ++i) {
        if (setting[i] == '"') {
          if (i + 1 < setting.size() && setting[i + 1] == '"') {
            name.push_back('"');
            ++i;
            continue;
          }
          ++i;
          break;
        }
        name.push_back(setting[i]);
      }
    } else {
      while (i < setting.size() && setting[i] != ',' && !blank(i))
        name.push_back(static_cast<char>(std::tolower(uint8_t(setting[i++]))));
    }
    out.push_back(std::move(name));
    while (blank(i)) ++i;
    if (i < setting.size() && setting[i] == ',') ++i;
  }
  return out;
}

SearchPath Catalog::resolve_search_path(std::string_view setting, std::string_view user,
                                        uint64_t temp_namespace) const {
  SearchPath path{temp_namespace, {}};
  for (const auto& name : parse_search_path(setting)) {
    auto sc = find_schema(name == "$user" ? user : std::string_view(name));
    if (sc && std::find(path.schemas.begin(), path.schemas.end(), sc->oid) == path.schemas.end())
      path.schemas.push_back(sc->oid);
  }
  return path;
}

// Ids are claimed in blocks under the lock of the durable reservation row (key "o" of
// hf_sequences): a block starts at the larger of this coordinator's next id and the
// reservation, so coordinators sharing the catalog (issue 12) never hand out the same id.
Oid Catalog::allocate_oid() {
  constexpr Oid kBlock = 1000;
  std::lock_guard g(reserve_mu_);
  if (next_oid_ >= reserved_) {
    Oid start = next_oid_;
    coord::update_row_autonomously(
        txns_, coord::KeySpace{kSequencesSpace, 0}, "o", "catalog row",
        [&](const std::optional<std::string>& cur) {
          if (cur) start = std::max<Oid>(start, static_cast<Oid>(std::stoul(*cur)));
          return std::optional<std::string>(std::to_string(start + kBlock));
        });
    next_oid_ = start;
    reserved_ = start + kBlock;
  }
  return next_oid_++;
}
uint32_t Catalog::allocate_storage_id() {
  return allocate_oid();
}

void Catalog::persist_table(const Table& t, bool deleted) {
  std::string key = be_key(0, t.oid);
  std::optional<Changed> ch;
  {
    std::shared_lock lk(mu_);
    if (auto it = changed_.find(t.oid); it != changed_.end()) ch = it->second;
  }
  if (ch) {  // an uncommitted change of a committed table (see catalog.h)
    json j = deleted ? json{{"dropped", true}} : to_json(t);
    j["changed"] = {{"txn", ch->by.txn},
                    {"node", ch->by.node},
                    {"mode", ch->mode},
                    {"committed", to_json(*ch->committed)}};
    write_system_row(kTablesSpace, key, j.dump());
  } else if (deleted) {
    write_system_row(kTablesSpace, key, std::nullopt);
  } else {
    write_system_row(kTablesSpace, key, with_mark(to_json(t), creator_of(t.oid)).dump());
  }
}

void Catalog::persist_schema(const Schema& s, bool deleted) {
  std::optional<std::string> value;
  if (!deleted) value = with_mark(schema_to_json(s), creator_of(s.oid)).dump();
  write_system_row(kNamespacesSpace, be_key(0, s.oid), value);
}

Oid Catalog::create_schema(Schema s, coord::Transaction* owner) {
  {
    std::lock_guard ddl(ddl_mu_);
    if (s.oid == 0) s.oid = allocate_oid();
    if (owner) mark_created(s.oid, *owner);
    persist_schema(s, false);
    {
      std::unique_lock lk(mu_);
      schemas_[s.oid] = s;
    }
    bump();
  }
  if (owner) owner->on_rollback([this, oid = s.oid] { drop_schema(oid); });
  return s.oid;
}

void Catalog::drop_schema(Oid oid, coord::Transaction* owner) {
  if (defer_drop(oid, owner, kNamespacesSpace, {be_key(0, oid)})) return;
  std::optional<Schema> old;
  {
    std::lock_guard ddl(ddl_mu_);
    {
      std::shared_lock lk(mu_);
      auto it = schemas_.find(oid);
      if (it == schemas_.end()) return;
      old = it->second;
    }
    persist_schema(*old, true);
    {
      std::unique_lock lk(mu_);
      schemas_.erase(oid);
    }
    bump();
  }
  if (owner) owner->on_rollback([this, sc = *old] { create_schema(sc); });
}

void Catalog::persist_sequence_def(const Sequence& s, bool deleted) {
  if (deleted) {
    write_system_row(kSequencesSpace, be_key('d', s.oid), std::nullopt);
    write_system_row(kSequencesSpace, be_key('v', s.oid), std::nullopt);
  } else {
    write_system_row(kSequencesSpace, be_key('d', s.oid),
                     with_mark(seq_to_json_with_acl(s), creator_of(s.oid)).dump());
  }
}

TablePtr Catalog::create_table(Table t, coord::Transaction* owner) {
  TablePtr p;
  {
    std::lock_guard ddl(ddl_mu_);
    if (t.oid == 0) t.oid = allocate_oid();
    // A temporary table is its session's alone from the start (and load() drops it).
    if (owner && t.temp_namespace == 0) mark_created(t.oid, *owner);
    if (t.storage_id == 0) {
      t.storage_id = allocate_storage_id();
      if (owner) owner->note_new_keyspace(t.storage_id);  // coord/transaction.h, bulk loading
    }
    persist_table(t, false);
    p = std::make_shared<const Table>(std::move(t));
    {
      std::unique_lock lk(mu_);
      tables_[p->oid] = p;
    }
    publish_row_type(p);
    bump();
  }
  if (owner) owner->on_rollback([this, oid = p->oid] { drop_table(oid); });
  return p;
}

TablePtr Catalog::replace_table(Table t, coord::Transaction* owner) {
  TablePtr p, old;
  {
    std::lock_guard ddl(ddl_mu_);
    old = current_table(t.oid);
    if (owner && old) track_change(old->oid, old, *owner);
    persist_table(t, false);
    p = std::make_shared<const Table>(std::move(t));
    {
      std::unique_lock lk(mu_);
      tables_[p->oid] = p;
    }
    publish_row_type(p);
    bump();
  }
  if (owner && old) owner->on_rollback([this, old] { replace_table(*old); });
  // TRUNCATE and rewrites give the table a new keyspace (coord/transaction.h, bulk loading);
  // the one it had is garbage once that commits. Without an owner this is final at once (an
  // undo: the storage being replaced was new).
  if (old && old->storage_id != p->storage_id) {
    if (owner) owner->note_new_keyspace(p->storage_id);
    release_storage(old->storage_id, owner);
  }
  return p;
}

void Catalog::drop_table(Oid oid, coord::Transaction* owner) {
  TablePtr t;
  std::vector<std::pair<Sequence, std::optional<std::string>>> owned;  // with their marks
  std::vector<Oid> deferred;
  {
    std::lock_guard ddl(ddl_mu_);
    t = current_table(oid);
    if (!t) return;
    // Other sessions keep seeing a committed permanent table until the drop commits.
    if (owner) track_change(oid, t, *owner);
    persist_table(*t, true);
    {
      std::unique_lock lk(mu_);
      tables_.erase(oid);
      for (const auto& [soid, s] : sequences_)
        if (s.owner_table == oid) owned.emplace_back(s, std::nullopt);
    }
    retract_row_type(oid);
    // A committed table's sequences stay for the others until the drop commits (defer_drop,
    // below: it may wait for a lock, so not under the DDL lock).
    if (owner)
      std::erase_if(owned, [&](const auto& o) {
        if (creator_of(o.first.oid)) return false;
        deferred.push_back(o.first.oid);
        return true;
      });
    for (auto& [s, mark] : owned) {
      if (owner) mark = read_system_row(kSequencesSpace, be_key('v', s.oid));
      persist_sequence_def(s, true);
      std::unique_lock lk(mu_);
      sequences_.erase(s.oid);
      seq_state_.erase(s.oid);
    }
    bump();
  }
  for (Oid s : deferred) defer_drop(s, owner, kSequencesSpace, {be_key('d', s), be_key('v', s)});
  if (owner)
    owner->on_rollback([this, t, owned] {
      for (const auto& [s, mark] : owned) restore_sequence(s, mark);
      replace_table(*t);
    });
  release_storage(t->storage_id, owner);  // without an owner: autonomous, or a CREATE's undo
}

bool Catalog::defer_drop(Oid oid, coord::Transaction* owner, uint32_t space,
                         std::vector<std::string> keys) {
  if (!owner || creator_of(oid)) return false;
  const uint64_t txn = owner->id();
  // As PostgreSQL's DROP: ACCESS EXCLUSIVE until the end (a nextval() waits for it).
  owner->lock_table(oid, coord::table_mode::kAccessExclusive, coord::LockWait{});
  note_lock(oid, coord::table_mode::kAccessExclusive, *owner);
  bool composite = false;  // a standalone composite type (CREATE TYPE ... AS (...))
  {
    std::lock_guard lk(row_types_mu_);
    auto it = row_types_.find(oid);
    composite = it != row_types_.end() && it->second->standalone;
  }
  bool type = composite;
  {
    std::unique_lock lk(mu_);
    type = type || domains_.count(oid) || enums_.count(oid);
    if (!sequences_.count(oid) && !schemas_.count(oid) && !type) return true;  // dropped already
    dropping_[oid] = Creator{txn, node_id_};
    std::lock_guard vl(viewers_mu_);
    viewers_[viewer_key()] = txn;
  }
  // A type's name is no longer found by the dropper (the registries ask visible_locked).
  if (type) hide_name_until_committed(oid);
  bump();
  auto mine = [this, oid, txn] {
    std::shared_lock lk(mu_);
    auto it = dropping_.find(oid);
    return it != dropping_.end() && it->second.txn == txn && it->second.node == node_id_;
  };
  // The rows go with the transaction's own commit: a crash never keeps half of it.
  owner->before_commit([owner, space, keys, mine] {
    if (!mine()) return;  // rolled back to a savepoint taken before the drop
    const coord::KeySpace ks{space, 0};
    for (const std::string& key : keys) {
      auto r = owner->lock_outcome(ks, key, key, coord::LockWait{});
      if (r.outcome != coord::LockOutcome::kGranted)
        throw SqlError(sqlstate::kObjectInUse, "could not lock a catalog row");
      owner->write(ks, key, key, std::nullopt);
    }
  });
  auto end = [this, oid, txn, type](bool committed) {
    sql::types::DomainTypePtr domain;
    {
      std::unique_lock lk(mu_);
      auto it = dropping_.find(oid);
      if (it == dropping_.end() || it->second.txn != txn || it->second.node != node_id_) return;
      dropping_.erase(it);
      if (committed) {
        sequences_.erase(oid);
        seq_state_.erase(oid);
        schemas_.erase(oid);
        if (auto d = domains_.find(oid); d != domains_.end()) {
          domain = d->second;
          domains_.erase(d);
        }
        enums_.erase(oid);
      }
      forget_viewer_locked(txn);
    }
    if (type) {  // out of the registries (its row went with the commit), or found again
      sql::types::set_name_visibility(oid, nullptr);
      if (committed) {
        if (domain) sql::types::domain_types().erase(oid, domain.get());
        sql::types::enum_types().erase(oid);
        retract_row_type(oid);
      }
    }
    if (committed) announce_change();
    bump();
    wake_settled();
  };
  owner->on_commit([end] { end(true); });
  owner->on_rollback([end] { end(false); });
  return true;
}

void Catalog::release_storage(uint32_t storage_id, coord::Transaction* owner) {
  if (owner)
    owner->on_commit([this, storage_id] { txns_.drop_keyspaces(storage_id); });
  else
    txns_.drop_keyspaces(storage_id);
}

Oid Catalog::create_sequence(Sequence s, coord::Transaction* owner) {
  {
    std::lock_guard ddl(ddl_mu_);
    if (s.oid == 0) s.oid = allocate_oid();
    if (owner) mark_created(s.oid, *owner);
    persist_sequence_def(s, false);
    {
      std::unique_lock lk(mu_);
      sequences_[s.oid] = s;
    }
    bump();
  }
  if (owner) owner->on_rollback([this, oid = s.oid] { drop_sequence(oid); });
  return s.oid;
}

void Catalog::drop_sequence(Oid oid, coord::Transaction* owner) {
  if (defer_drop(oid, owner, kSequencesSpace, {be_key('d', oid), be_key('v', oid)})) return;
  std::optional<Sequence> s;
  std::optional<std::string> mark;
  {
    std::lock_guard ddl(ddl_mu_);
    s = current_sequence(oid);
    if (!s) return;
    if (owner) mark = read_system_row(kSequencesSpace, be_key('v', oid));
    persist_sequence_def(*s, true);
    {
      std::unique_lock lk(mu_);
      sequences_.erase(oid);
      seq_state_.erase(oid);
    }
    bump();
  }
  if (owner) owner->on_rollback([this, seq = *s, mark] { restore_sequence(seq, mark); });
}

void Catalog::replace_sequence(Sequence s, coord::Transaction* owner) {
  // Records owner's new owner and ACL of committed sequence s.oid (seq_ownership_).
  auto change_ownership = [this](const Sequence& s, coord::Transaction& owner) {
    auto committed = current_sequence(s.oid);
    auto before = seq_ownership_.find(s.oid);
    const bool new_owner = (before && before->txn == owner.id() && before->now.new_owner) ||
                           (committed && committed->owner != s.owner);
    seq_ownership_.keep(s.oid, {}, SequenceOwnership{s.owner, s.acl, new_owner}, owner);
  };
  if (owner && !creator_of(s.oid)) {
    auto committed = current_sequence(s.oid);
    if (!committed) return;
    if (same_but_ownership(s, *committed)) return change_ownership(s, *owner);
    // Another change (OWNED BY) is seen at once; the transaction's own owner and ACL stay
    // its own until it commits.
    auto mine = seq_ownership_.find(s.oid);
    if (mine && mine->txn == owner->id()) {
      change_ownership(s, *owner);
      s.owner = committed->owner;
      s.acl = committed->acl;
    }
  }
  std::optional<Sequence> old;
  {
    std::lock_guard ddl(ddl_mu_);
    old = current_sequence(s.oid);
    if (!old) return;
    persist_sequence_def(s, false);
    std::unique_lock lk(mu_);
    sequences_[s.oid] = s;
    // A new increment (ALTER SEQUENCE ... INCREMENT BY) applies from the last value handed
    // out, as PostgreSQL's: the next one is last + the new increment.
    auto st = seq_state_.find(s.oid);
    if (old->increment != s.increment && st != seq_state_.end() && st->second) {
      std::lock_guard sl(st->second->mu);
      if (st->second->loaded) st->second->next += s.increment - old->increment;
    }
  }
  bump();
  if (owner) owner->on_rollback([this, prev = *old] { replace_sequence(prev); });
}

void Catalog::restore_sequence(const Sequence& s, const std::optional<std::string>& mark) {
  std::lock_guard ddl(ddl_mu_);
  persist_sequence_def(s, false);
  if (mark) write_system_row(kSequencesSpace, be_key('v', s.oid), *mark);
  {
    std::unique_lock lk(mu_);
    sequences_[s.oid] = s;
    seq_state_.erase(s.oid);
  }
  bump();
}

// A value may be handed out only once a high-water mark beyond it is durable, so a restart
// never repeats it. The mark is persisted outside the sequence's mutex (the commit MAY
// SUSPEND the fiber; a std::mutex held across it could block the executor thread), and with
// max() semantics so racing refills never lower it.
int64_t Catalog::nextval(Oid seq) {
  Sequence def;
  SeqState* st = nullptr;
  {
    std::unique_lock lk(mu_);
    auto it = sequences_.find(seq);
    if (it == sequences_.end())
      throw SqlError(sqlstate::kUndefinedTable, "sequence does not exist");
    def = it->second;
    auto& p = seq_state_[seq];
    if (!p) p = std::make_unique<SeqState>();
    st = p.get();
  }
  bool up = def.increment > 0;
  auto covered = [&](int64_t v, int64_t limit) { return up ? v < limit : v > limit; };
  bool need_load = false;
  {
    std::lock_guard lk(st->mu);
    need_load = !st->loaded;
  }
  if (need_load) {
    auto v = read_system_row(kSequencesSpace, be_key('v', seq));
    std::lock_guard lk(st->mu);
    if (!st->loaded) {
      st->next = v ? std::stoll(*v) : def.start;
      st->limit = st->next;
      if (v) st->stored = st->next;
      st->loaded = true;
    }
  }
  int64_t v = 0;
  int64_t persist = 0;
  bool must_persist = false;
  {
    std::lock_guard lk(st->mu);
    v = st->next;
    st->next += def.increment;
    if (!covered(v, st->limit)) {
      must_persist = true;
      // Hidden row-id sequences (no user sees their values) reserve far more at a time: the
      // reservation is a synced commit, and a COPY into a table without a primary key would
      // otherwise pay one fsync per 32 rows.
      // With other coordinators (issue 12) a user's sequence caches nothing, as PostgreSQL's
      // CACHE 1: nextval on any node gives the next value, in order.
      int64_t cache = def.name.starts_with("hf_rowid_") ? kRowidSequenceCache
                      : txns_.shares_partitions()       ? 1
                                                        : kSequenceCache;
      persist = v + def.increment * cache;
    }
  }
  auto check_range = [&] {
    if (v > def.max_value || v < def.min_value)
      throw SqlError("2200H", std::string("nextval: reached ") + (up ? "maximum" : "minimum") +
                                  " value of sequence \"" + def.name + "\" (" +
                                  std::to_string(up ? def.max_value : def.min_value) + ")");
  };
  check_range();
  if (must_persist) {
    // The reservation commits on its own: nextval never rolls back (PostgreSQL's neither).
    // A reservation another coordinator wrote past v (issue 12: several coordinators share
    // the catalog) means v is in its block: this one's block starts where that one ends.
    int64_t from = v;
    int64_t cache = persist - v;
    coord::update_row_autonomously(txns_, coord::KeySpace{kSequencesSpace, 0}, be_key('v', seq),
                                   "sequence \"" + def.name + "\"",
                                   [&](const std::optional<std::string>& cur) {
                                     from = v;
                                     persist = v + cache;
                                     if (cur) {
                                       int64_t was = std::stoll(*cur);
                                       std::lock_guard lk(st->mu);
                                       bool foreign = st->stored != was;
                                       if (foreign && (up ? was > v : was < v))
                                         from = was, persist = was + cache;
                                       if (up ? was > persist : was < persist) persist = was;
                                     }
                                     std::lock_guard lk(st->mu);
                                     st->stored = persist;
                                     return std::optional<std::string>(std::to_string(persist));
                                   });
    std::lock_guard lk(st->mu);
    if (from != v) {  // the values from `from` on are this coordinator's now
      v = from;
      st->next = v + def.increment;
      st->limit = persist;
    } else if (up ? persist > st->limit : persist < st->limit) {
      st->limit = persist;
    }
  }
  if (must_persist) check_range();
  return v;
}

void Catalog::setval(Oid seq, int64_t value, bool is_called) {
  SeqState* st = nullptr;
  int64_t inc = 1;
  {
    std::unique_lock lk(mu_);
    auto it = sequences_.find(seq);
    if (it == sequences_.end())
      throw SqlError(sqlstate::kUndefinedTable, "sequence does not exist");
    inc = it->second.increment;
    auto& p = seq_state_[seq];
    if (!p) p = std::make_unique<SeqState>();
    st = p.get();
  }
  int64_t next = is_called ? value + inc : value;
  write_system_row(kSequencesSpace, be_key('v', seq),
                   std::to_string(next));  // may suspend: no mutex held
  std::lock_guard lk(st->mu);
  st->next = next;
  st->limit = next;
  st->loaded = true;
}

}  // namespace hf::catalog
