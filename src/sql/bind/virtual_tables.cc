// sql/bind/virtual_tables.cc — column definitions of the pg_catalog and information_schema
// relations clients query (psql's \d family, pgbench, drivers). The executor fills their rows
// from the catalog and the session registry (exec/system_views.cc).
#include <map>
#include <mutex>

#include "sql/bind/binder.h"

namespace hf::sql::bind {

namespace {

struct Col {
  const char* name;
  Oid type;
};

struct Def {
  const char* schema;
  const char* name;
  std::vector<Col> cols;
};

const std::vector<Def>& defs() {
  using namespace type_oid;
  // pg_user and pg_shadow have the same columns (pg_user shows no password).
  static const std::vector<Col> user_columns = {
      {"usename", kName},  {"usesysid", kOid},         {"usecreatedb", kBool},
      {"usesuper", kBool}, {"userepl", kBool},         {"usebypassrls", kBool},
      {"passwd", kText},   {"valuntil", kTimestampTz}, {"useconfig", kTextArray}};
  static const std::vector<Def> d = {
      {"pg_catalog",
       "pg_class",
       {{"oid", kOid},
        {"relname", kName},
        {"relnamespace", kOid},
        {"reltype", kOid},
        {"relowner", kOid},
        {"relam", kOid},
        {"relfilenode", kOid},
        {"reltablespace", kOid},
        {"relpages", kInt4},
        {"reltuples", kFloat4},
        {"relhasindex", kBool},
        {"relisshared", kBool},
        {"relpersistence", kChar},
        {"relkind", kChar},
        {"relnatts", kInt2},
        {"relchecks", kInt2},
        {"relhasrules", kBool},
        {"relhastriggers", kBool},
        {"relhassubclass", kBool},
        {"relrowsecurity", kBool},
        {"relforcerowsecurity", kBool},
        {"relispopulated", kBool},
        {"relreplident", kChar},
        {"relispartition", kBool},
        {"reloptions", kTextArray},
        {"relpartbound", kText},
        {"relacl", kTextArray}}},  // aclitem[] in PostgreSQL
      {"pg_catalog",
       "pg_namespace",
       {{"oid", kOid}, {"nspname", kName}, {"nspowner", kOid}, {"nspacl", kTextArray}}},
      {"pg_catalog", "pg_am", {{"oid", kOid}, {"amname", kName}, {"amtype", kChar}}},
      {"pg_catalog",
       "pg_type",
       {{"oid", kOid},
        {"typname", kName},
        {"typnamespace", kOid},
        {"typlen", kInt2},
        {"typbyval", kBool},
        {"typtype", kChar},
        {"typcategory", kChar},
        {"typelem", kOid},
        {"typarray", kOid},
        {"typrelid", kOid},
        {"typbasetype", kOid},
        {"typtypmod", kInt4},
        {"typnotnull", kBool},
        {"typowner", kOid}}},
      {"pg_catalog",
       "pg_attribute",
       {{"attrelid", kOid},
        {"attname", kName},
        {"atttypid", kOid},
        {"attlen", kInt2},
        {"attnum", kInt2},
        {"atttypmod", kInt4},
        {"attnotnull", kBool},
        {"atthasdef", kBool},
        {"attisdropped", kBool},
        {"attidentity", kChar},
        {"attgenerated", kChar},
        {"attcollation", kOid},
        {"attstattarget", kInt4},
        {"attacl", kTextArray}}},  // column privileges: none (aclitem[] in PostgreSQL)
      {"pg_catalog",
       "pg_index",
       {{"indexrelid", kOid},
        {"indrelid", kOid},
        {"indnatts", kInt2},
        {"indisunique", kBool},
        {"indisprimary", kBool},
        {"indisclustered", kBool},
        {"indisvalid", kBool},
        {"indisreplident", kBool},
        {"indkey", kText},
        {"indisexclusion", kBool},
        {"indimmediate", kBool}}},
      {"pg_catalog",
       "pg_constraint",
       {{"oid", kOid},
        {"conname", kName},
        {"connamespace", kOid},
        {"contype", kChar},
        {"conrelid", kOid},
        {"conindid", kOid},
        {"confrelid", kOid},
        {"conislocal", kBool},
        {"confupdtype", kChar},
        {"confdeltype", kChar}}},
      {"pg_catalog",
       "pg_database",
       {{"oid", kOid},
        {"datname", kName},
        {"datdba", kOid},
        {"encoding", kInt4},
        {"datcollate", kName},
        {"datctype", kName},
        {"datistemplate", kBool},
        {"datallowconn", kBool},
        {"datacl", kTextArray},
        {"datlocprovider", kChar},
        {"daticulocale", kText}}},
      {"pg_catalog",
       "pg_settings",
       {{"name", kText},
        {"setting", kText},
        {"unit", kText},
        {"category", kText},
        {"short_desc", kText},
        {"context", kText},
        {"vartype", kText},
        {"source", kText}}},
      {"pg_catalog",
       "pg_roles",
       {{"rolname", kName},
        {"rolsuper", kBool},
        {"rolinherit", kBool},
        {"rolcreaterole", kBool},
        {"rolcreatedb", kBool},
        {"rolcanlogin", kBool},
        {"rolreplication", kBool},
        {"rolconnlimit", kInt4},
        {"rolpassword", kText},
        {"rolvaliduntil", kTimestampTz},
        {"rolbypassrls", kBool},
        {"rolconfig", kTextArray},
        {"oid", kOid}}},
      {"pg_catalog", "pg_user", user_columns},
      {"pg_catalog", "pg_shadow", user_columns},
      {"pg_catalog",
       "pg_authid",
       {{"oid", kOid},
        {"rolname", kName},
        {"rolsuper", kBool},
        {"rolinherit", kBool},
        {"rolcreaterole", kBool},
        {"rolcreatedb", kBool},
        {"rolcanlogin", kBool},
        {"rolreplication", kBool},
        {"rolbypassrls", kBool},
        {"rolconnlimit", kInt4},
        {"rolpassword", kText},
        {"rolvaliduntil", kTimestampTz}}},
      {"pg_catalog",
       "pg_auth_members",
       {{"roleid", kOid}, {"member", kOid}, {"grantor", kOid}, {"admin_option", kBool}}},
      {"pg_catalog",
       "pg_stat_activity",
       {{"datid", kOid},
        {"datname", kName},
        {"pid", kInt4},
        {"usename", kName},
        {"application_name", kText},
        {"backend_start", kTimestampTz},
        {"xact_start", kTimestampTz},
        {"query_start", kTimestampTz},
        {"wait_event_type", kText},
        {"wait_event", kText},
        {"state", kText},
        {"backend_xid", kXid},
        {"query", kText},
        {"backend_type", kText},
        // holdfast's: the running transaction's row-locking mode (issue 10), NULL outside one
        {"holdfast_concurrency", kText}}},
      {"pg_catalog",
       "pg_locks",
       {{"locktype", kText},
        {"database", kOid},
        {"relation", kOid},
        {"page", kInt4},
        {"tuple", kInt2},
        {"virtualxid", kText},
        {"transactionid", kXid},
        {"classid", kOid},
        {"objid", kOid},
        {"objsubid", kInt2},
        {"virtualtransaction", kText},
        {"pid", kInt4},
        {"mode", kText},
        {"granted", kBool},
        {"fastpath", kBool},
        {"waitstart", kTimestampTz}}},
      {"pg_catalog",  // holdfast's lock counters (activity/metrics.h, exec/lock_views.cc)
       "holdfast_lock_stats",
       {{"lock_waits", kInt8},
        {"wait_time_ms", kFloat8},
        {"lock_timeouts", kInt8},
        {"nowait_failures", kInt8},
        {"skipped_rows", kInt8},
        {"deadlocks", kInt8},
        {"cancelled_waits", kInt8},
        {"epq_rechecks", kInt8},
        {"epq_rescans", kInt8}}},
      {"pg_catalog",
       "pg_description",
       {{"objoid", kOid}, {"classoid", kOid}, {"objsubid", kInt4}, {"description", kText}}},
      {"pg_catalog", "pg_inherits", {{"inhrelid", kOid}, {"inhparent", kOid}, {"inhseqno", kInt4}}},
      {"pg_catalog", "pg_partitioned_table", {{"partrelid", kOid}, {"partstrat", kChar}}},
      {"pg_catalog", "pg_tablespace", {{"oid", kOid}, {"spcname", kName}}},
      {"holdfast",  // the lock service's holdings (issue 11, locksvc/lock_service.h)
       "resource_locks",
       {{"resource", kText},
        {"owner", kText},
        {"mode", kText},
        {"count", kInt8},
        {"token", kInt8},
        {"acquired_at", kTimestampTz},
        {"expires_at", kTimestampTz},
        {"waiters", kTextArray}}},
      {"information_schema",
       "tables",
       {{"table_catalog", kName},
        {"table_schema", kName},
        {"table_name", kName},
        {"table_type", kText}}},
      {"information_schema",
       "columns",
       {{"table_catalog", kName},
        {"table_schema", kName},
        {"table_name", kName},
        {"column_name", kName},
        {"ordinal_position", kInt4},
        {"column_default", kText},
        {"is_nullable", kText},
        {"data_type", kText}}},
  };
  return d;
}

}  // namespace

catalog::TablePtr virtual_table(std::string_view schema, std::string_view name) {
  static std::mutex mu;
  static std::map<std::string, catalog::TablePtr> cache;
  for (const auto& d : defs()) {
    if (name != d.name) continue;
    if (!schema.empty() && schema != d.schema) continue;
    if (schema.empty() && std::string_view(d.schema) != "pg_catalog") continue;
    std::lock_guard lk(mu);
    std::string key = std::string(d.schema) + "." + d.name;
    auto& t = cache[key];
    if (!t) {
      auto nt = std::make_shared<catalog::Table>();
      nt->name = d.name;
      for (const auto& c : d.cols)
        nt->columns.push_back(catalog::Column{c.name, TypeRef{c.type, -1}});
      t = nt;
    }
    return t;
  }
  return nullptr;
}

}  // namespace hf::sql::bind
