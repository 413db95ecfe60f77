// sql/exec/system_views.cc — rows of the pg_catalog / information_schema relations defined in
// bind/virtual_tables.cc, generated from the catalog and the session registry (the
// information_schema views about columns, constraints, schemas and sequences:
// exec/information_schema.cc). Indexes, the primary key's included, are relations of their
// own as in PostgreSQL: pg_class, pg_index (PostgreSQL 15's columns) and pg_attribute rows,
// and CREATE INDEX text for pg_get_indexdef and pg_indexes (index_definition).
#include <algorithm>
#include <cstring>

#include "catalog/functions.h"
#include "catalog/roles.h"
#include "common/error.h"
#include "sql/bind/binder.h"
#include "sql/exec/exec_internal.h"
#include "sql/exec/locking.h"
#include "sql/exec/partitions.h"
#include "sql/types/bit_string.h"
#include "sql/types/enum_types.h"
#include "sql/types/functions.h"
#include "sql/types/io_procs.h"
#include "sql/types/type_info.h"

namespace hf::sql::exec {

namespace {

constexpr Oid kPgCatalogNs = 11;
constexpr Oid kPublicNs = 2200;
constexpr Oid kInfoSchemaNs = 13000;
constexpr Oid kBtreeAm = 403;
constexpr Oid kHeapAm = 2;
constexpr Oid kSuperuser = 10;

Datum ch(char c) {
  return Datum(std::string(1, c));
}
Datum oid(Oid o) {
  return Datum(static_cast<int64_t>(o));
}
Datum null() {
  return Datum::Null();
}

constexpr Oid kDefaultCollation = 100;
constexpr Oid kCCollation = 950;
constexpr Oid kPosixCollation = 951;

// pg_type.typcollation: text-like types sort by the database's default collation, name by C.
Oid type_collation(Oid type) {
  if (type == type_oid::kName) return kCCollation;
  if (type == type_oid::kText || type == type_oid::kVarchar || type == type_oid::kBpchar)
    return kDefaultCollation;
  return 0;
}

// The default btree operator class of a type (pg_opclass oids of PostgreSQL 15); 0 when
// holdfast does not know it.
Oid btree_opclass(Oid type) {
  switch (type) {
    case type_oid::kInt4:
      return 1978;
    case type_oid::kInt2:
      return 1979;
    case type_oid::kOid:
      return 1981;
    case type_oid::kDate:
      return 3122;
    case type_oid::kFloat8:
      return 3123;
    case type_oid::kInt8:
      return 3124;
    case type_oid::kNumeric:
      return 3125;
    case type_oid::kText:
    case type_oid::kVarchar:  // varchar is indexed with text's class
      return 3126;
    case type_oid::kTimestampTz:
      return 3127;
    case type_oid::kTimestamp:
      return 3128;
    case type_oid::kBool:
      return 10003;
    case type_oid::kBpchar:
      return 10004;
    case type_oid::kBytea:
      return 10006;
    case type_oid::kChar:
      return 10007;
    case type_oid::kFloat4:
      return 10012;
    case type_oid::kInterval:
      return 10022;
    case type_oid::kName:
      return 10028;
    case type_oid::kTime:
      return 10038;
    case type_oid::kUuid:
      return 10065;
    default:
      return 0;
  }
}

// pg_attribute.attstorage as PostgreSQL's types declare it: fixed-width values are plain,
// numeric is main, other variable-width values extended.
char storage_of(const types::TypeInfo* ti) {
  if (!ti || ti->typlen != -1) return 'p';
  return ti->oid == type_oid::kNumeric ? 'm' : 'x';
}

}  // namespace

// A column default as pg_get_expr(adbin, adrelid) prints it. The catalog keeps the DEFAULT
// clause's text; PostgreSQL stores the expression coerced to the column's type, so a string
// literal comes back with a cast to that type ('x'::text). Other expressions print as written.
// The type of bit strings in a cast is printed "bit" (quoted: bare bit would mean bit(1)).
std::string column_default_text(const catalog::Column& c) {
  const std::string& e = c.default_expr;
  // A bit-string literal (b'0101', x'1f') is a constant of type bit, in any column.
  const bool bit_literal = e.size() >= 3 && std::strchr("bBxX", e[0]) && e[1] == '\'' &&
                           e.back() == '\'' && e.find('\'', 2) == e.size() - 1;
  if (bit_literal) {
    try {
      return "'" + types::parse_bit_string(e[0] + e.substr(2, e.size() - 3)) + "'::\"bit\"";
    } catch (const SqlError&) {
      return e;
    }
  }
  bool one_literal = e.size() >= 2 && e.front() == '\'' && e.back() == '\'';
  for (size_t i = 1; one_literal && i + 1 < e.size(); ++i)
    if (e[i] == '\'') {
      if (e[i + 1] != '\'') one_literal = false;
      ++i;  // a doubled quote inside the literal
    }
  if (!one_literal) return e;
  if (c.type.oid == type_oid::kBit) return e + "::\"bit\"";
  return e + "::" + types::format_type(TypeRef{c.type.oid, -1});
}

// A sequence's type (pg_sequence.seqtypid): what its bounds say, bigint unless AS smallint or
// AS integer narrowed them.
Oid sequence_type(const catalog::Sequence& sq) {
  if (sq.max_value == INT16_MAX || sq.min_value == INT16_MIN) return type_oid::kInt2;
  if (sq.max_value == INT32_MAX || sq.min_value == INT32_MIN) return type_oid::kInt4;
  return type_oid::kInt8;
}

namespace {

// The unique index of the referenced table a foreign key relies on (pg_constraint.conindid):
// the primary key's, or a unique index without predicate or expressions, on the referenced
// columns in any order (PostgreSQL's transformFkeyCheckAttrs). 0 when none matches.
Oid referenced_key_index(catalog::Catalog& catalog, const catalog::ForeignKey& f) {
  auto ref = catalog.table_by_oid(f.ref_table);
  if (!ref) return 0;
  auto same_set = [&](std::vector<int> a) {
    std::vector<int> b = f.ref_columns;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    return a == b;
  };
  if (!ref->primary_key.empty() && same_set(ref->primary_key)) return ref->pkey_oid;
  for (const auto& i : ref->indexes)
    if (i.unique && i.predicate.empty() && i.exprs.empty() && same_set(i.columns)) return i.oid;
  return 0;
}

// relhastriggers / pg_tables.hastriggers: the table's own triggers, and the foreign keys'
// (PostgreSQL implements both ends of a foreign key with triggers).
bool has_triggers(catalog::Catalog& catalog, const std::vector<catalog::TablePtr>& tables,
                  const catalog::Table& t) {
  if (!t.foreign_keys.empty() || !catalog.functions().triggers_of(t.oid).empty()) return true;
  for (const auto& other : tables)
    for (const auto& f : other->foreign_keys)
      if (f.ref_table == t.oid) return true;
  return false;
}

// One column of an index as PostgreSQL describes it: its pg_attribute name (the column's, or
// for an expression the function's name or "expr", numbered when taken: "expr1"), its type
// and its text in pg_get_indexdef (an expression other than a function call in parentheses).
struct IndexKey {
  std::string name;
  TypeRef type;
  std::string text, pretty_text;
  std::string order;  // " DESC", " NULLS FIRST", ...: in the whole definition only
};

std::vector<IndexKey> index_keys(catalog::Catalog& catalog, const catalog::Table& t,
                                 const std::vector<int>& columns,
                                 const std::vector<std::string>& exprs,
                                 const std::vector<int>& include,
                                 const std::vector<int>& options = {}) {
  std::vector<IndexKey> keys;
  size_t next_expr = 0;
  std::vector<int> all = columns;
  all.insert(all.end(), include.begin(), include.end());
  for (int c : all) {
    IndexKey k;
    if (c >= 0) {
      k.name = t.columns[c].name;
      k.type = t.columns[c].type;
      k.text = k.pretty_text = types::quote_identifier(k.name);
    } else {
      const std::string& e = next_expr < exprs.size() ? exprs[next_expr++] : std::string();
      bool call = false;
      k.name = "expr";
      k.type = TypeRef{0, -1};
      try {
        auto bound = bind::bind_table_expr(catalog, t, e, nullptr);
        k.type = bound->type;
        call = bound->kind == bind::ExprKind::kFunc && bound->fn;
        if (call) k.name = bound->fn->name;
      } catch (const SqlError&) {
        // The stored text no longer binds: described as written, of unknown type.
      }
      k.text = expression_definition(catalog, t, e, false);
      k.pretty_text = expression_definition(catalog, t, e, true);
      if (!call) {
        k.text = "(" + k.text + ")";
        k.pretty_text = "(" + k.pretty_text + ")";
      }
    }
    // PostgreSQL's ChooseIndexColumnNames: a name already taken gets the first free number.
    auto taken = [&](const std::string& n) {
      for (const auto& other : keys)
        if (other.name == n) return true;
      return false;
    };
    if (taken(k.name)) {
      int n = 1;
      while (taken(k.name + std::to_string(n))) ++n;
      k.name += std::to_string(n);
    }
    // pg_get_indexdef names a key's order when it is not the default (ASC, NULLS LAST).
    const int option = keys.size() < options.size() ? options[keys.size()] : 0;
    const bool desc = option & catalog::Index::kDescending;
    const bool nulls_first = option & catalog::Index::kNullsFirst;
    std::string order = desc ? " DESC" : "";
    if (desc && !nulls_first) order += " NULLS LAST";
    if (!desc && nulls_first) order += " NULLS FIRST";
    k.order = order;
    keys.push_back(std::move(k));
  }
  return keys;
}

}  // namespace

std::optional<std::string> index_definition(catalog::Catalog& catalog, Oid index, int column,
                                            bool pretty, SessionContext* session) {
  for (const auto& t : catalog.tables()) {
    const catalog::Index* idx = nullptr;
    catalog::Index pkey;  // the primary key, described as the index it is in PostgreSQL
    if (t->pkey_oid == index && !t->primary_key.empty()) {
      pkey.name = t->pkey_name;
      pkey.unique = true;
      pkey.columns = t->primary_key;
      idx = &pkey;
    } else {
      for (const auto& i : t->indexes)
        if (i.oid == index) idx = &i;
    }
    if (!idx) continue;
    std::vector<std::string> keys;
    for (const auto& k :
         index_keys(catalog, *t, idx->columns, idx->exprs, idx->include, idx->options))
      keys.push_back((pretty ? k.pretty_text : k.text) + (column > 0 ? "" : k.order));
    if (column > 0) {
      if (size_t(column) > keys.size()) return std::string();
      return keys[column - 1];
    }
    auto list = [&](size_t from, size_t to) {
      std::string r;
      for (size_t i = from; i < to; ++i) r += (i > from ? ", " : "") + keys[i];
      return r;
    };
    const size_t nkeys = idx->columns.size();
    // Pretty, the table is named as regclass prints it (qualified only when not visible).
    const std::string table_name =
        pretty && session ? regclass_text(catalog, *session, t->oid)
                          : types::quote_identifier(catalog.schema_name(t->namespace_oid)) + "." +
                                types::quote_identifier(t->name);
    std::string def = std::string("CREATE ") + (idx->unique ? "UNIQUE " : "") + "INDEX " +
                      types::quote_identifier(idx->name) + " ON " + table_name + " USING btree (" +
                      list(0, nkeys) + ")";
    if (!idx->include.empty()) def += " INCLUDE (" + list(nkeys, keys.size()) + ")";
    // PostgreSQL parenthesises the predicate unless asked for the pretty form (psql's \d).
    if (!idx->predicate.empty())
      def += pretty ? " WHERE " + idx->predicate : " WHERE (" + idx->predicate + ")";
    return def;
  }
  return std::nullopt;
}

// pg_trigger.tgtype as PostgreSQL encodes it: ROW 1, BEFORE 2, INSERT 4, DELETE 8, UPDATE 16.
int64_t trigger_type_bits(const catalog::Trigger& t) {
  int64_t bits = (t.row_level ? 1 : 0) | (t.before ? 2 : 0);
  if (t.events & catalog::Trigger::kInsert) bits |= 4;
  if (t.events & catalog::Trigger::kDelete) bits |= 8;
  if (t.events & catalog::Trigger::kUpdate) bits |= 16;
  return bits;
}

std::optional<std::string> trigger_definition(catalog::Catalog& catalog, Oid trigger, bool pretty,
                                              SessionContext& session) {
  auto t = catalog.functions().trigger_by_oid(trigger);
  auto table = t ? catalog.table_by_oid(t->table) : nullptr;
  if (!table) return std::nullopt;
  std::string def =
      "CREATE TRIGGER " + types::quote_identifier(t->name) + (t->before ? " BEFORE" : " AFTER");
  // PostgreSQL's order: INSERT, DELETE, UPDATE [OF columns].
  bool first = true;
  auto event = [&](uint8_t bit, const char* word) {
    if (!(t->events & bit)) return;
    def += std::string(first ? " " : " OR ") + word;
    first = false;
  };
  event(catalog::Trigger::kInsert, "INSERT");
  event(catalog::Trigger::kDelete, "DELETE");
  event(catalog::Trigger::kUpdate, "UPDATE");
  for (size_t i = 0; i < t->columns.size(); ++i)
    def += (i ? ", " : " OF ") + types::quote_identifier(t->columns[i]);
  def += " ON " + (pretty ? regclass_text(catalog, session, table->oid)
                          : types::quote_identifier(catalog.schema_name(table->namespace_oid)) +
                                "." + types::quote_identifier(table->name));
  def += t->row_level ? " FOR EACH ROW" : " FOR EACH STATEMENT";
  // The condition as written; PostgreSQL's deparser parenthesises it once more unless pretty.
  if (!t->when.empty()) def += pretty ? " WHEN (" + t->when + ")" : " WHEN ((" + t->when + "))";
  def += " EXECUTE FUNCTION " + regproc_text(catalog, session, t->function) + "(";
  for (size_t i = 0; i < t->args.size(); ++i) {
    std::string quoted = "'";
    for (char c : t->args[i]) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    def += (i ? ", " : "") + quoted + "'";
  }
  return def + ")";
}

std::vector<Row> system_view_rows(const std::string& name, ExecContext& cx) {
  if (name == "holdfast.resource_locks") return resource_lock_rows(cx);  // exec/locking.h
  std::vector<Row> out;
  auto tables = cx.catalog.tables();
  std::string view = name.substr(name.find('.') + 1);
  bool info = name.rfind("information_schema.", 0) == 0;
  auto database = [&]() {
    auto i = cx.session.registry().find(cx.session.backend_pid());
    return i && !i->database.empty() ? i->database : std::string("postgres");
  };
  if (info && view == "views") {
    for (const auto& t : tables) {
      if (!t->is_view()) continue;
      const char* updatable = bind::view_update_refusal(cx.catalog, *t).empty() ? "YES" : "NO";
      out.push_back({Datum(database()), Datum(cx.catalog.schema_name(t->namespace_oid)),
                     Datum(t->name), Datum(view_definition(cx.catalog, *t, false)),
                     Datum(t->check_option == 'c'   ? "CASCADED"
                           : t->check_option == 'l' ? "LOCAL"
                                                    : "NONE"),
                     Datum(updatable), Datum(updatable), Datum("NO"), Datum("NO"), Datum("NO")});
    }
    return out;
  }
  auto schema_of = [&](const catalog::Table& t) {
    return Datum(cx.catalog.schema_name(t.namespace_oid));
  };
  auto owner_of = [&](const catalog::Table& t) {
    return Datum(cx.catalog.roles().name_of(t.owner));
  };
  auto has_indexes = [](const catalog::Table& t) {
    return !t.primary_key.empty() || !t.indexes.empty();
  };
  if (view == "pg_views") {
    for (const auto& t : tables)
      if (t->is_view())
        out.push_back({schema_of(*t), Datum(t->name), owner_of(*t),
                       Datum(view_definition(cx.catalog, *t, false))});
    return out;
  }
  if (view == "pg_matviews") {
    for (const auto& t : tables)
      if (t->materialized)
        out.push_back({schema_of(*t), Datum(t->name), owner_of(*t), null(), Datum(has_indexes(*t)),
                       Datum(t->populated), Datum(view_definition(cx.catalog, *t, false))});
    return out;
  }
  if (view == "pg_tables") {
    for (const auto& t : tables)
      if (!t->view_query.size())  // tables and partitioned tables (relkind r, p)
        out.push_back({schema_of(*t), Datum(t->name), owner_of(*t), null(), Datum(has_indexes(*t)),
                       Datum(false), Datum(has_triggers(cx.catalog, tables, *t)),
                       Datum(t->row_security)});
    return out;
  }
  if (view == "pg_indexes") {
    for (const auto& t : tables) {
      if (!t->view_query.empty() && !t->materialized) continue;
      std::vector<std::pair<Oid, std::string>> indexes;
      if (!t->primary_key.empty()) indexes.emplace_back(t->pkey_oid, t->pkey_name);
      for (const auto& i : t->indexes) indexes.emplace_back(i.oid, i.name);
      for (const auto& [index, index_name] : indexes)
        out.push_back({schema_of(*t), Datum(t->name), Datum(index_name), null(),
                       Datum(index_definition(cx.catalog, index, 0, false).value_or(""))});
    }
    return out;
  }
  if (info)  // exec/information_schema.cc
    if (auto rows = information_schema_rows(view, cx)) return std::move(*rows);
  const auto& roles = cx.catalog.roles();
  // An ACL as aclitem[] prints it (NULL: the default ACL).
  auto acl_datum = [&](const std::optional<catalog::Acl>& acl) {
    if (!acl) return null();
    auto v = std::make_shared<std::vector<Datum>>();
    for (const auto& item : *acl)
      v->push_back(
          Datum(catalog::acl_item_text(item, [&](Oid role) { return roles.name_of(role); })));
    return Datum(ArrayPtr(v));
  };
  if (view == "pg_class") {
    // reloptions: the placement of rows and index entries (holdfast.partition_key, catalog.h),
    // so psql's \d+ shows it as "Options:".
    auto partition_option = [](const catalog::Table& t, const std::vector<int>& key,
                               size_t width) -> Datum {
      std::string v = "holdfast.partition_key=";
      for (size_t k = 0; k < width && k < key.size(); ++k)
        v += (k ? ", " : "") + (key[k] >= 0 ? t.columns[key[k]].name : std::string("expr"));
      return Datum(ArrayPtr(std::make_shared<std::vector<Datum>>(std::vector<Datum>{Datum(v)})));
    };
    // persistence: 'p', or 't' for a temporary table and its indexes (catalog.h).
    auto rel = [&](Oid o, const std::string& n, char kind, int natts, bool hasindex, Oid owner,
                   const std::optional<catalog::Acl>& acl, Datum reloptions = Datum::Null(),
                   char persistence = 'p', int checks = 0, Oid ns = kPublicNs,
                   bool row_security = false, bool force_row_security = false) {
      // The last two, reloftype and reltoastrelid: no typed tables, no TOAST tables. reltype:
      // a relation's row type has the relation's oid (sql/types/composite_types.h).
      out.push_back({oid(o), Datum(n), oid(ns),
                     oid(kind == 'r' || kind == 'v' || kind == 'm' ? o : 0), oid(owner),
                     oid(kind == 'i'                  ? kBtreeAm
                         : kind == 'r' || kind == 'm' ? kHeapAm
                                                      : 0),
                     oid(o), oid(0),
                     // No statistics: a table as PostgreSQL shows one never vacuumed or
                     // analyzed (0 pages, -1 tuples), an index as one just built on an empty
                     // table (its metapage, 0 tuples).
                     Datum(int64_t{kind == 'i' ? 1 : 0}), Datum(kind == 'i' ? 0.0 : -1.0),
                     Datum(hasindex), Datum(false), ch(persistence), ch(kind),
                     Datum(int64_t{natts}), Datum(int64_t{checks}), Datum(false), Datum(false),
                     Datum(false), Datum(row_security), Datum(force_row_security), Datum(true),
                     ch('d'), Datum(false), reloptions, null(), acl_datum(acl), oid(0), oid(0)});
    };
    for (const auto& t : tables) {
      const char persistence = t->temp_namespace != 0 ? 't' : 'p';
      if (t->is_view()) {
        Datum options = Datum::Null();
        if (t->check_option)
          options = Datum(ArrayPtr(std::make_shared<std::vector<Datum>>(std::vector<Datum>{
              Datum(t->check_option == 'c' ? "check_option=cascaded" : "check_option=local")})));
        rel(t->oid, t->name, 'v', static_cast<int>(t->columns.size()), false, t->owner, t->acl,
            options, persistence, 0, t->namespace_oid);
        continue;
      }
      rel(t->oid, t->name, t->relkind(), static_cast<int>(t->columns.size()),
          !t->primary_key.empty() || !t->indexes.empty(), t->owner, t->acl,
          // A partitioned table stores no rows: nothing to place.
          t->primary_key.empty() || t->is_partitioned()
              ? Datum::Null()
              : partition_option(*t, t->primary_key, t->placement_width()),
          persistence, static_cast<int>(t->checks.size()), t->namespace_oid, t->row_security,
          t->force_row_security);
      out.back()[17] = Datum(has_triggers(cx.catalog, tables, *t));
      // Partitioned tables (catalog.h): relhassubclass, relispartition, relpartbound (the
      // bound as pg_get_expr prints it: the catalog keeps no node trees).
      if (t->is_partitioned()) out.back()[18] = Datum(!cx.catalog.partitions_of(t->oid).empty());
      if (t->partition_parent != 0) {
        out.back()[23] = Datum(true);
        if (auto parent = cx.catalog.table_by_oid(t->partition_parent))
          out.back()[25] = Datum(partition_bound_text(*parent, t->partition_bound));
      }
      if (!t->primary_key.empty())
        rel(t->pkey_oid, t->pkey_name, 'i', static_cast<int>(t->primary_key.size()), false,
            t->owner, std::nullopt, Datum::Null(), persistence, 0, t->namespace_oid);
      for (const auto& i : t->indexes)
        rel(i.oid, i.name, 'i', static_cast<int>(i.columns.size()), false, t->owner, std::nullopt,
            i.columns.size() > 1 ? partition_option(*t, i.columns, i.placement_width())
                                 : Datum::Null(),
            persistence, 0, t->namespace_oid);
    }
    for (const auto& s : cx.catalog.sequences())
      if (s.name.rfind("hf_rowid_", 0) != 0)
        rel(s.oid, s.name, 'S', 3, false, s.owner, s.acl, Datum::Null(), 'p', 0, s.namespace_oid);
    return out;
  }
  if (view == "pg_namespace") {
    out.push_back({oid(kPgCatalogNs), Datum("pg_catalog"), oid(kSuperuser), null()});
    out.push_back({oid(kPublicNs), Datum("public"), oid(catalog::kDatabaseOwnerRoleId),
                   acl_datum(roles.public_schema_acl())});
    out.push_back({oid(kInfoSchemaNs), Datum("information_schema"), oid(kSuperuser), null()});
    for (const auto& sc : cx.catalog.schemas())  // CREATE SCHEMA's
      if (sc.oid != kPublicNs) out.push_back({oid(sc.oid), Datum(sc.name), oid(sc.owner), null()});
    return out;
  }
  if (view == "pg_proc") {
    constexpr Oid kSqlLanguage = 14, kPlpgsqlLanguage = 13573;  // PostgreSQL 15's pg_language
    for (const auto& f : cx.catalog.functions().all()) {
      std::string argtypes;
      int64_t nargs = 0, ndefaults = 0;
      std::vector<Datum> argnames, modes, alltypes;
      bool all_in = true, any_name = false;
      for (const auto& a : f->args) {
        argnames.push_back(Datum(a.name));
        any_name |= !a.name.empty();
        modes.push_back(ch(a.mode));
        alltypes.push_back(oid(a.type.oid));
        all_in &= a.mode == 'i';
        if (!a.is_input()) continue;
        argtypes += (nargs++ ? " " : "") + std::to_string(a.type.oid);
        if (!a.default_expr.empty()) ++ndefaults;
      }
      auto array = [](std::vector<Datum> items) {
        return Datum(ArrayPtr(std::make_shared<const std::vector<Datum>>(std::move(items))));
      };
      out.push_back({oid(f->oid), Datum(f->name), oid(f->namespace_oid), oid(f->owner),
                     oid(f->language == "sql" ? kSqlLanguage : kPlpgsqlLanguage), ch('f'),
                     Datum(false), Datum(f->strict), Datum(f->returns_set), ch(f->volatility),
                     Datum(nargs), Datum(ndefaults), oid(f->result.oid), Datum(argtypes),
                     any_name ? array(std::move(argnames)) : null(), Datum(f->body),
                     all_in ? null() : array(std::move(modes)),
                     all_in ? null() : array(std::move(alltypes))});
    }
    return out;
  }
  if (view == "pg_am") {
    out.push_back({oid(kHeapAm), Datum("heap"), ch('t')});
    out.push_back({oid(kBtreeAm), Datum("btree"), ch('i')});
    return out;
  }
  if (view == "pg_type") {
    for (Oid o = 1; o < 5000; ++o) {
      const auto* ti = types::find_type(o);
      if (!ti) continue;
      // typtype: pseudo-types (record, void, any, ...: category P) are 'p', as drivers
      // expect (pgjdbc lists a record-returning function's OUT arguments only then).
      out.push_back({oid(ti->oid), Datum(ti->name), oid(kPgCatalogNs), Datum(int64_t{ti->typlen}),
                     Datum(ti->by_value),
                     ch(ti->category == 'P' || ti->oid == type_oid::kUnknown ? 'p' : 'b'),
                     ch(ti->category), oid(ti->elem_oid), oid(ti->array_oid), oid(0), oid(0),
                     Datum(int64_t{-1}), Datum(false), oid(kSuperuser),
                     oid(type_collation(ti->oid)), null()});
    }
    // Enum types (typtype 'e') and their arrays.
    for (const auto& e : cx.catalog.enums()) {
      out.push_back({oid(e->oid), Datum(e->name), oid(e->namespace_oid), Datum(int64_t{4}),
                     Datum(true), ch('e'), ch('E'), oid(0), oid(e->array_oid), oid(0), oid(0),
                     Datum(int64_t{-1}), Datum(false), oid(e->owner), oid(0), null()});
      out.push_back({oid(e->array_oid), Datum("_" + e->name), oid(e->namespace_oid),
                     Datum(int64_t{-1}), Datum(false), ch('b'), ch('A'), oid(e->oid), oid(0),
                     oid(0), oid(0), Datum(int64_t{-1}), Datum(false), oid(e->owner), oid(0),
                     null()});
    }
    // Domains (typtype 'd': typbasetype, typtypmod, typnotnull, typdefault) and their arrays.
    const size_t before_domains = out.size();
    for (const auto& d : types::domain_types().all()) {
      const auto* base = types::find_type(d->base.oid);
      out.push_back({oid(d->oid), Datum(d->name), oid(d->namespace_oid),
                     Datum(int64_t{base ? base->typlen : -1}), Datum(base && base->by_value),
                     ch('d'), ch(base ? base->category : 'U'), oid(0), oid(d->array_oid), oid(0),
                     oid(d->base.oid), Datum(int64_t{d->base.typmod}), Datum(d->not_null),
                     oid(d->owner), oid(type_collation(d->base.oid)), null()});
      out.push_back({oid(d->array_oid), Datum("_" + d->name), oid(d->namespace_oid),
                     Datum(int64_t{-1}), Datum(false), ch('b'), ch('A'), oid(d->oid), oid(0),
                     oid(0), oid(0), Datum(int64_t{-1}), Datum(false), oid(d->owner),
                     oid(type_collation(d->base.oid)), null()});
    }
    // typinput, typoutput, typreceive, typsend: PostgreSQL's I/O functions of the type (a
    // domain's are its base type's); typdefault: a domain's default.
    for (size_t i = 0; i < out.size(); ++i) {
      auto& row = out[i];
      Oid type = static_cast<Oid>(row[0].as_int());
      auto domain = i >= before_domains ? types::domain_types().find(type) : nullptr;
      if (domain) type = domain->base.oid;
      const auto procs = types::io_procs_of(type);
      for (Oid p : {procs.input, procs.output, procs.receive, procs.send})
        row.push_back(Datum(static_cast<int64_t>(p)));
      if (domain && !domain->default_expr.empty()) {
        catalog::Column c;
        c.default_expr = domain->default_expr;
        c.type = domain->base;
        row.push_back(Datum(column_default_text(c)));
      } else {
        row.push_back(null());
      }
    }
    return out;
  }
  if (view == "pg_enum") {
    for (const auto& e : cx.catalog.enums())
      for (const auto& l : e->labels)
        out.push_back({oid(l.oid), oid(e->oid), Datum(l.sort_order), Datum(l.label)});
    return out;
  }
  if (view == "pg_attribute") {
    for (const auto& t : tables)
      for (size_t i = 0; i < t->columns.size(); ++i) {
        const auto& c = t->columns[i];
        const auto* ti = types::find_type(c.type.oid);
        out.push_back({oid(t->oid), Datum(c.name), oid(c.domain ? c.domain : c.type.oid),
                       Datum(int64_t{ti ? ti->typlen : -1}), Datum(int64_t(i + 1)),
                       Datum(int64_t{c.domain ? -1 : c.type.typmod}), Datum(c.not_null),
                       Datum(!c.default_expr.empty() || !c.generated_expr.empty()), Datum(false),
                       ch(c.identity_always ? 'a' : '\0'), ch('\0'),
                       oid(type_collation(c.type.oid)), Datum(int64_t{-1}), null(),
                       ch(storage_of(ti)), Datum(std::string())});
        if (out.back()[9].as_string() == std::string(1, '\0')) out.back()[9] = Datum(std::string());
        // attgenerated: 's' for a stored generated column (its expression is its pg_attrdef).
        out.back()[10] = Datum(std::string(c.generated_expr.empty() ? "" : "s"));
      }
    // An index's attributes, as PostgreSQL's index_create names them: a key column's name, or
    // "expr" ("expr1", ...) for an expression, whose type holdfast does not keep (0).
    auto index_attributes = [&](Oid index, const catalog::Table& t, const std::vector<int>& keys,
                                const std::vector<std::string>& exprs,
                                const std::vector<int>& include) {
      const auto described = index_keys(cx.catalog, t, keys, exprs, include);
      for (size_t i = 0; i < described.size(); ++i) {
        const TypeRef type = described[i].type;
        const auto* ti = types::find_type(type.oid);
        out.push_back({oid(index), Datum(described[i].name), oid(type.oid),
                       Datum(int64_t{ti ? ti->typlen : -1}), Datum(int64_t(i + 1)),
                       Datum(int64_t{type.typmod}), Datum(false), Datum(false), Datum(false),
                       Datum(std::string()), Datum(std::string()), oid(type_collation(type.oid)),
                       Datum(int64_t{-1}), null(), ch(storage_of(ti)), Datum(std::string())});
      }
    };
    for (const auto& t : tables) {
      if (!t->primary_key.empty()) index_attributes(t->pkey_oid, *t, t->primary_key, {}, {});
      for (const auto& i : t->indexes) index_attributes(i.oid, *t, i.columns, i.exprs, i.include);
    }
    return out;
  }
  if (view == "pg_attrdef") {
    // holdfast gives defaults no object of their own: oid 0.
    for (const auto& t : tables)
      for (size_t i = 0; i < t->columns.size(); ++i)
        if (!t->columns[i].default_expr.empty())
          out.push_back({oid(0), oid(t->oid), Datum(int64_t(i + 1)),
                         Datum(column_default_text(t->columns[i]))});
        else if (!t->columns[i].generated_expr.empty())
          out.push_back(
              {oid(0), oid(t->oid), Datum(int64_t(i + 1)), Datum(t->columns[i].generated_expr)});
    return out;
  }
  if (view == "pg_collation") {
    out.push_back({oid(kDefaultCollation), Datum("default"), oid(kPgCatalogNs), oid(kSuperuser),
                   ch('d'), Datum(true), Datum(int64_t{-1}), null(), null()});
    out.push_back({oid(kCCollation), Datum("C"), oid(kPgCatalogNs), oid(kSuperuser), ch('c'),
                   Datum(true), Datum(int64_t{-1}), Datum("C"), Datum("C")});
    out.push_back({oid(kPosixCollation), Datum("POSIX"), oid(kPgCatalogNs), oid(kSuperuser),
                   ch('c'), Datum(true), Datum(int64_t{-1}), Datum("POSIX"), Datum("POSIX")});
    return out;
  }
  if (view == "pg_index") {
    // One row per index, the primary key's included. indkey: the key columns then the
    // INCLUDE columns (1-based; 0 for an expression); indcollation, indclass and indoption
    // describe the key columns only. Every index is a valid, live, immediate btree.
    auto int_vector = [](const std::vector<int64_t>& items) {
      auto v = std::make_shared<std::vector<Datum>>();
      for (int64_t i : items) v->emplace_back(i);
      return Datum(ArrayPtr(v));
    };
    auto index_row = [&](const catalog::Table& t, Oid index, const std::vector<int>& keys,
                         const std::vector<int>& include, bool unique, bool primary,
                         const std::vector<std::string>& exprs, const std::string& predicate,
                         const std::vector<int>& key_options) {
      std::vector<int64_t> attnums, collations, opclasses, options;
      for (size_t k = 0; k < keys.size(); ++k) {
        const int c = keys[k];
        attnums.push_back(c >= 0 ? c + 1 : 0);
        const Oid type = c >= 0 ? t.columns[c].type.oid : 0;
        collations.push_back(type_collation(type));
        opclasses.push_back(btree_opclass(type));
        options.push_back(k < key_options.size() ? key_options[k] : 0);
      }
      for (int c : include) attnums.push_back(c + 1);
      std::string exprs_text;
      for (const auto& x : exprs) exprs_text += (exprs_text.empty() ? "" : ", ") + x;
      out.push_back({oid(index),
                     oid(t.oid),
                     Datum(int64_t(keys.size() + include.size())),
                     Datum(int64_t(keys.size())),
                     Datum(unique),
                     Datum(false),
                     Datum(primary),
                     Datum(false),
                     Datum(true),
                     Datum(false),
                     Datum(true),
                     Datum(false),
                     Datum(true),
                     Datum(true),
                     Datum(false),
                     int_vector(attnums),
                     int_vector(collations),
                     int_vector(opclasses),
                     int_vector(options),
                     exprs_text.empty() ? null() : Datum(exprs_text),
                     predicate.empty() ? null() : Datum(predicate)});
    };
    for (const auto& t : tables) {
      if (!t->primary_key.empty())
        index_row(*t, t->pkey_oid, t->primary_key, {}, true, true, {}, "", {});
      for (const auto& i : t->indexes)
        index_row(*t, i.oid, i.columns, i.include, i.unique, false, i.exprs, i.predicate,
                  i.options);
    }
    return out;
  }
  if (view == "pg_depend") {
    // A serial column's sequence depends on it automatically ('a'), an identity column's
    // internally ('i'): psql's \d on a sequence prints "Owned by:" from these.
    constexpr Oid kPgClass = 1259;
    for (const auto& t : tables)
      for (size_t i = 0; i < t->columns.size(); ++i)
        if (t->columns[i].sequence != 0)
          out.push_back({oid(kPgClass), oid(t->columns[i].sequence), Datum(int64_t{0}),
                         oid(kPgClass), oid(t->oid), Datum(int64_t(i + 1)),
                         ch(t->columns[i].identity_always ? 'i' : 'a')});
    return out;
  }
  if (view == "pg_sequence") {
    // holdfast's sequences never cycle and cache one value; their type is read back from
    // their bounds (AS smallint / integer set them, see exec/ddl.cc).
    for (const auto& sq : cx.catalog.sequences())
      if (sq.name.rfind("hf_rowid_", 0) != 0)
        out.push_back({oid(sq.oid), oid(sequence_type(sq)), Datum(sq.start), Datum(sq.increment),
                       Datum(sq.max_value), Datum(sq.min_value), Datum(int64_t{1}), Datum(false)});
    return out;
  }
  if (view == "pg_constraint") {
    // conkey/confkey: 1-based column numbers.
    auto attnums = [](const std::vector<int>& cols) {
      std::vector<Datum> items;
      for (int c : cols) items.emplace_back(int64_t{c >= 0 ? c + 1 : 0});
      return Datum(ArrayPtr(std::make_shared<const std::vector<Datum>>(std::move(items))));
    };
    // Constraints are valid, never inherited from a partitioned parent; only foreign keys
    // can be deferrable.
    auto con = [&](Oid o, const std::string& name, char type, Oid rel, Oid index, Oid ref,
                   char on_update, char on_delete, Datum key, Datum ref_key,
                   bool deferrable = false, bool deferred = false) {
      out.push_back({oid(o), Datum(name), oid(kPublicNs), ch(type), oid(rel), oid(index), oid(ref),
                     Datum(true), ch(on_update), ch(on_delete), Datum(deferrable), Datum(deferred),
                     Datum(true), oid(0), std::move(key), std::move(ref_key)});
    };
    for (const auto& t : tables) {
      if (!t->primary_key.empty())
        con(t->pkey_oid, t->pkey_name, 'p', t->oid, t->pkey_oid, 0, ' ', ' ',
            attnums(t->primary_key), null());
      for (const auto& i : t->indexes)
        if (i.constraint)
          con(i.oid, i.name, 'u', t->oid, i.oid, 0, ' ', ' ', attnums(i.columns), null());
      for (const auto& f : t->foreign_keys)
        con(f.oid, f.name, 'f', t->oid, referenced_key_index(cx.catalog, f), f.ref_table,
            f.on_update, f.on_delete, attnums(f.columns), attnums(f.ref_columns), f.deferrable,
            f.initially_deferred);
      for (const auto& c : t->checks)
        con(c.oid, c.name, 'c', t->oid, 0, 0, ' ', ' ', null(), null());
    }
    for (auto& row : out) row.push_back(oid(0));  // contypid
    // A domain's CHECK constraints: conrelid 0, contypid the domain.
    for (const auto& d : types::domain_types().all())
      for (const auto& c : d->checks) {
        con(c.oid, c.name, 'c', 0, 0, 0, ' ', ' ', null(), null());
        out.back()[2] = oid(d->namespace_oid);
        out.back().push_back(oid(d->oid));
      }
    return out;
  }
  if (view == "pg_database") {
    for (const char* d : {"postgres", "template0", "template1"}) {
      std::string dn = d;
      out.push_back({oid(dn == "postgres"    ? 5
                         : dn == "template0" ? 4
                                             : 1),
                     Datum(dn), oid(kSuperuser), Datum(int64_t{6}), Datum("C.UTF-8"),
                     Datum("C.UTF-8"), Datum(dn != "postgres"), Datum(dn != "template0"),
                     acl_datum(roles.database_acl(dn)), ch('c'), null()});
    }
    std::string cur = database();
    if (cur != "postgres" && cur != "template0" && cur != "template1")
      out.push_back({oid(16384), Datum(cur), oid(kSuperuser), Datum(int64_t{6}), Datum("C.UTF-8"),
                     Datum("C.UTF-8"), Datum(false), Datum(true),
                     acl_datum(roles.database_acl(cur)), ch('c'), null()});
    return out;
  }
  if (view == "pg_settings") {
    for (const char* n :
         {"server_version", "server_version_num", "client_encoding", "DateStyle", "TimeZone",
          "statement_timeout", "lock_timeout", "deadlock_timeout", "default_transaction_isolation",
          "transaction_isolation", "application_name", "search_path", "max_connections",
          "max_index_keys", "standard_conforming_strings", "integer_datetimes"}) {
      std::string v;
      try {
        v = cx.session.get_setting(n);
      } catch (const SqlError&) {
        continue;
      }
      out.push_back({Datum(n), Datum(v), null(), null(), null(), Datum("user"), Datum("string"),
                     Datum("default")});
    }
    return out;
  }
  if (view == "pg_roles" || view == "pg_authid" || view == "pg_user" || view == "pg_shadow") {
    auto rolconfig = [](const catalog::Role& r) {
      if (r.config.empty()) return null();
      std::vector<Datum> items;
      for (const auto& [name, value] : r.config) items.emplace_back(name + "=" + value);
      return Datum(ArrayPtr(std::make_shared<const std::vector<Datum>>(std::move(items))));
    };
    // pg_roles and pg_user hide passwords; pg_authid and pg_shadow (superusers only, see
    // exec/privileges.h) show the stored SCRAM secrets.
    const bool secrets = view == "pg_authid" || view == "pg_shadow";
    for (const auto& r : roles.all()) {
      Datum valid = r.valid_until ? Datum(*r.valid_until) : null();
      Datum password = secrets ? (r.password ? Datum(*r.password) : null()) : Datum("********");
      if (view == "pg_roles")
        out.push_back({Datum(r.name), Datum(r.superuser), Datum(r.inherit), Datum(r.create_role),
                       Datum(r.create_db), Datum(r.can_login), Datum(r.replication),
                       Datum(int64_t{r.connection_limit}), password, valid, Datum(r.bypass_rls),
                       rolconfig(r), oid(r.oid)});
      else if (view == "pg_authid")
        out.push_back({oid(r.oid), Datum(r.name), Datum(r.superuser), Datum(r.inherit),
                       Datum(r.create_role), Datum(r.create_db), Datum(r.can_login),
                       Datum(r.replication), Datum(r.bypass_rls),
                       Datum(int64_t{r.connection_limit}), password, valid});
      else if (r.can_login)  // pg_user, pg_shadow: roles that can log in
        out.push_back({Datum(r.name), oid(r.oid), Datum(r.create_db), Datum(r.superuser),
                       Datum(r.replication), Datum(r.bypass_rls), password, valid, rolconfig(r)});
    }
    return out;
  }
  if (view == "pg_auth_members") {
    for (const auto& r : roles.all())
      for (const auto& m : r.member_of)
        out.push_back({oid(m.role), oid(r.oid), oid(m.grantor), Datum(m.admin_option)});
    return out;
  }
  if (view == "pg_prepared_statements") {
    // holdfast binds a prepared statement once and runs that plan at every execution: each
    // one counts as a generic plan.
    for (const auto& p : cx.session.prepared_statements()) {
      auto types = std::make_shared<std::vector<Datum>>();
      for (Oid t : p.parameter_types) types->push_back(oid(t));
      out.push_back({Datum(p.name), Datum(p.statement), Datum(p.prepare_time_us),
                     Datum(ArrayPtr(types)), Datum(p.from_sql), Datum(p.executions),
                     Datum(int64_t{0})});
    }
    return out;
  }
  if (view == "pg_stat_activity") {
    // Every reachable node's sessions (issue 12 item 7; a node that does not answer within
    // kNodeQuestionWait is left out): pids name their nodes, so the rows never collide.
    for (const auto& s : cx.session.registry().cluster_snapshot()) {
      auto ts = [](int64_t us) { return us == 0 ? null() : Datum(us); };
      out.push_back({oid(5), Datum(s.database), Datum(int64_t{s.pid}), Datum(s.user),
                     Datum(s.application_name), ts(s.backend_start_us), ts(s.xact_start_us),
                     ts(s.query_start_us),
                     s.wait_event_type.empty() ? null() : Datum(s.wait_event_type),
                     s.wait_event.empty() ? null() : Datum(s.wait_event), Datum(s.state),
                     s.txn_id ? Datum(static_cast<int64_t>(s.txn_id)) : null(), Datum(s.query),
                     Datum("client backend"),
                     s.txn_id ? Datum(s.optimistic ? "optimistic" : "pessimistic") : null()});
    }
    return out;
  }
  if (auto rows = lock_view_rows(view, cx)) return std::move(*rows);  // exec/locking.h
  if (view == "pg_inherits") {  // partitions only: there is no table inheritance
    for (const auto& t : tables)
      if (t->partition_parent != 0)
        out.push_back({oid(t->oid), oid(t->partition_parent), Datum(int64_t{1}), Datum(false)});
    return out;
  }
  if (view == "pg_partitioned_table") {
    for (const auto& t : tables) {
      if (!t->is_partitioned()) continue;
      Oid default_partition = 0;
      for (const auto& part : cx.catalog.partitions_of(t->oid))
        if (part->partition_bound.kind == catalog::PartitionBound::kDefault)
          default_partition = part->oid;
      out.push_back({oid(t->oid), ch(t->partition_strategy),
                     Datum(static_cast<int64_t>(t->partition_key.size())), oid(default_partition)});
    }
    return out;
  }
  if (view == "pg_trigger") {
    for (const auto& t : cx.catalog.functions().all_triggers()) {
      auto table = cx.catalog.table_by_oid(t->table);
      if (!table) continue;
      // tgattr: UPDATE OF's column numbers; tgargs: the arguments, each NUL-terminated.
      auto attrs = std::make_shared<std::vector<Datum>>();
      for (const auto& c : t->columns)
        if (int i = table->find_column(c); i >= 0) attrs->push_back(Datum(int64_t{i + 1}));
      std::string args;
      for (const auto& a : t->args) args += a + '\0';
      out.push_back({oid(t->oid), oid(t->table), oid(0), Datum(t->name), oid(t->function),
                     Datum(trigger_type_bits(*t)), ch('O'), Datum(false), oid(0), oid(0), oid(0),
                     Datum(false), Datum(false), Datum(static_cast<int64_t>(t->args.size())),
                     Datum(ArrayPtr(attrs)), Datum(args), t->when.empty() ? null() : Datum(t->when),
                     null(), null()});
    }
    return out;
  }
  if (view == "pg_description") {
    // COMMENT ON TABLE / VIEW / MATERIALIZED VIEW (objsubid 0) and COLUMN (its number), of
    // class pg_class.
    constexpr Oid kPgClass = 1259;
    for (const auto& t : tables) {
      if (!t->comment.empty())
        out.push_back({oid(t->oid), oid(kPgClass), Datum(int64_t{0}), Datum(t->comment)});
      for (size_t i = 0; i < t->columns.size(); ++i)
        if (!t->columns[i].comment.empty())
          out.push_back(
              {oid(t->oid), oid(kPgClass), Datum(int64_t(i + 1)), Datum(t->columns[i].comment)});
    }
    return out;
  }
  // pg_tablespace, pg_policy, pg_statistic_ext, pg_publication,
  // pg_publication_namespace, pg_publication_rel: empty.
  if (view == "pg_tablespace") {
    out.push_back({oid(1663), Datum("pg_default")});
    out.push_back({oid(1664), Datum("pg_global")});
  }
  return out;
}

}  // namespace hf::sql::exec
