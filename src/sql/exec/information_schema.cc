// sql/exec/information_schema.cc — rows of the information_schema views about columns,
// constraints, schemas and sequences (columns in bind/virtual_tables.cc), with PostgreSQL
// 15's values: the standard's spelling of types, PostgreSQL's names for NOT NULL constraints
// (listed as CHECK constraints "<schema oid>_<table oid>_<attnum>_not_null"), and what its
// views derive from pg_constraint and pg_depend derived here from the catalog.
//
// What differs from PostgreSQL: every object is listed (no privilege filter: PostgreSQL shows
// only what the current user owns or has some privilege on); a column of an identity BY
// DEFAULT is indistinguishable from a serial one in the catalog and shows as is_identity NO;
// the columns a CHECK constraint uses (constraint_column_usage) are the identifiers of its
// text that name the table's columns.
#include <algorithm>
#include <cctype>

#include "catalog/roles.h"
#include "sql/bind/binder.h"
#include "sql/exec/exec_internal.h"
#include "sql/types/enum_types.h"
#include "sql/types/type_info.h"

namespace hf::sql::exec {

namespace {

Datum null() {
  return Datum::Null();
}
Datum yes_no(bool b) {
  return Datum(b ? "YES" : "NO");
}
Datum number(int64_t n) {
  return Datum(n);
}

// The standard's numeric facets of a column's type (PostgreSQL's _pg_numeric_precision,
// _pg_numeric_precision_radix, _pg_numeric_scale, _pg_datetime_precision,
// _pg_char_max_length, _pg_char_octet_length).
struct TypeFacets {
  Datum char_max_length = null(), char_octet_length = null(), precision = null(), radix = null(),
        scale = null(), datetime_precision = null();
};

TypeFacets facets_of(TypeRef t) {
  using namespace type_oid;
  TypeFacets f;
  switch (t.oid) {
    case kInt2:
    case kInt4:
    case kInt8:
      f.precision = number(t.oid == kInt2 ? 16 : t.oid == kInt4 ? 32 : 64);
      f.radix = number(2);
      f.scale = number(0);
      break;
    case kFloat4:
    case kFloat8:
      f.precision = number(t.oid == kFloat4 ? 24 : 53);
      f.radix = number(2);
      break;
    case kNumeric:
      f.radix = number(10);
      if (t.typmod >= 4) {
        f.precision = number(((t.typmod - 4) >> 16) & 0xffff);
        f.scale = number((t.typmod - 4) & 0xffff);
      }
      break;
    case kVarchar:
    case kBpchar:
    case kText:
      // The longest value in bytes: four bytes a character in UTF-8, or a varlena's limit.
      if (t.oid != kText && t.typmod >= 4) {
        f.char_max_length = number(t.typmod - 4);
        f.char_octet_length = number(int64_t{t.typmod - 4} * 4);
      } else {
        f.char_octet_length = number(1073741824);
      }
      break;
    case kDate:
      f.datetime_precision = number(0);
      break;
    case kTime:
    case kTimestamp:
    case kTimestampTz:
    case kInterval:
      f.datetime_precision = number(t.typmod >= 0 ? t.typmod & 0xffff : 6);
      break;
    default:
      break;
  }
  return f;
}

// data_type as the standard names it: user-defined types (enums) and arrays by kind, other
// types by their SQL name without modifiers.
std::string standard_type_name(Oid type) {
  if (types::find_enum(type)) return "USER-DEFINED";
  if (types::is_array_type(type)) return "ARRAY";
  if (type == type_oid::kBpchar) return "character";  // format_type without a typmod
  return types::format_type(TypeRef{type, -1});
}

// The schema and pg_type name of a type (udt_schema, udt_name).
std::pair<std::string, std::string> udt_of(Oid type) {
  if (auto e = types::find_enum(type)) return {e->schema_name, e->name};
  const auto* ti = types::find_type(type);
  return {"pg_catalog", ti ? std::string(ti->name) : std::to_string(type)};
}

// The identifiers of an expression's SQL text outside string literals and quoted names that
// are not function names (followed by "("): the columns a CHECK expression may use.
std::vector<std::string> identifiers_of(const std::string& text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\'') {  // a literal: skip to its closing quote ('' stays inside)
      for (++i; i < text.size(); ++i)
        if (text[i] == '\'' && (i + 1 >= text.size() || text[++i] != '\'')) break;
      continue;
    }
    if (c == '"') {  // a quoted name: the text between the quotes, "" being one quote
      std::string name;
      for (++i; i < text.size(); ++i) {
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            name.push_back('"');
            ++i;
            continue;
          }
          ++i;
          break;
        }
        name.push_back(text[i]);
      }
      out.push_back(name);
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t end = i;
      while (end < text.size() &&
             (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_'))
        ++end;
      size_t next = end;
      while (next < text.size() && text[next] == ' ') ++next;
      if (next >= text.size() || text[next] != '(') {
        std::string name = text.substr(i, end - i);
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        out.push_back(name);
      }
      i = end;
      continue;
    }
    ++i;
  }
  return out;
}

// The constraint a foreign key's referenced columns belong to: the parent's primary key or
// the unique index whose columns they are (in any order). Its name (empty when it is a plain
// unique index, not a constraint), and its key columns in order.
struct ReferencedKey {
  std::string constraint;
  std::vector<int> columns;
};

std::optional<ReferencedKey> referenced_key(const catalog::Table& parent,
                                            const std::vector<int>& ref_columns) {
  auto same_set = [&](const std::vector<int>& cols) {
    if (cols.size() != ref_columns.size()) return false;
    for (int c : ref_columns)
      if (std::find(cols.begin(), cols.end(), c) == cols.end()) return false;
    return true;
  };
  if (!parent.primary_key.empty() && same_set(parent.primary_key))
    return ReferencedKey{parent.pkey_name, parent.primary_key};
  for (const auto& i : parent.indexes)
    if (i.unique && i.predicate.empty() && same_set(i.columns))
      return ReferencedKey{i.constraint ? i.name : std::string(), i.columns};
  return std::nullopt;
}

// A generated column's expression as pg_get_expr prints it without pretty-printing: an
// operator expression in parentheses, a column or a function call as is.
std::string generation_expression(const std::string& text) {
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ' ' && depth == 0) return "(" + text + ")";
  }
  return text;
}

}  // namespace

std::optional<std::vector<Row>> information_schema_rows(const std::string& view, ExecContext& cx) {
  std::vector<Row> out;
  const auto tables = cx.catalog.tables();
  const Datum database = [&]() {
    auto i = cx.session.registry().find(cx.session.backend_pid());
    return Datum(i && !i->database.empty() ? i->database : std::string("postgres"));
  }();
  auto schema_of = [&](Oid ns) { return Datum(cx.catalog.schema_name(ns)); };
  // Ordinary and partitioned tables: the relations with constraints.
  auto has_constraints = [](const catalog::Table& t) { return t.view_query.empty(); };

  if (view == "tables") {
    for (const auto& t : tables) {
      if (t->materialized) continue;  // not in information_schema, as in PostgreSQL
      const bool temp = t->temp_namespace != 0;
      const bool insertable = !t->is_view() || bind::view_update_refusal(cx.catalog, *t).empty();
      out.push_back({database, schema_of(t->namespace_oid), Datum(t->name),
                     Datum(t->is_view() ? "VIEW"
                           : temp       ? "LOCAL TEMPORARY"
                                        : "BASE TABLE"),
                     null(), null(), null(), null(), null(), yes_no(insertable), Datum("NO"),
                     temp ? Datum("PRESERVE") : null()});
    }
    return out;
  }
  if (view == "columns") {
    for (const auto& t : tables) {
      if (t->materialized) continue;  // not in information_schema, as in PostgreSQL
      const Datum updatable =
          yes_no(!t->is_view() || bind::view_update_refusal(cx.catalog, *t).empty());
      for (size_t i = 0; i < t->columns.size(); ++i) {
        const auto& c = t->columns[i];
        const auto f = facets_of(c.type);
        const auto [udt_schema, udt_name] = udt_of(c.type.oid);
        const bool identity = c.sequence != 0 && c.identity_always;
        const bool generated = !c.generated_expr.empty();
        std::optional<catalog::Sequence> seq;
        if (identity) seq = cx.catalog.sequence_by_oid(c.sequence);
        auto seq_value = [&](int64_t catalog::Sequence::*field) {
          return seq ? Datum(std::to_string((*seq).*field)) : null();
        };
        Datum column_default = null();
        if (!identity && !generated && !c.default_expr.empty())
          column_default = Datum(column_default_text(c));
        out.push_back({database,
                       schema_of(t->namespace_oid),
                       Datum(t->name),
                       Datum(c.name),
                       number(int64_t(i + 1)),
                       column_default,
                       yes_no(!c.not_null),
                       Datum(standard_type_name(c.type.oid)),
                       f.char_max_length,
                       f.char_octet_length,
                       f.precision,
                       f.radix,
                       f.scale,
                       f.datetime_precision,
                       null(),  // interval_type
                       null(),  // interval_precision
                       null(),
                       null(),
                       null(),  // character_set_*
                       null(),
                       null(),
                       null(),  // collation_*: only a non-default collation is named
                       null(),
                       null(),
                       null(),  // domain_*
                       database,
                       Datum(udt_schema),
                       Datum(udt_name),
                       null(),
                       null(),
                       null(),  // scope_*
                       null(),  // maximum_cardinality
                       Datum(std::to_string(i + 1)),
                       Datum("NO"),
                       yes_no(identity),
                       identity ? Datum("ALWAYS") : null(),
                       seq_value(&catalog::Sequence::start),
                       seq_value(&catalog::Sequence::increment),
                       seq_value(&catalog::Sequence::max_value),
                       seq_value(&catalog::Sequence::min_value),
                       Datum("NO"),  // identity_cycle: sequences never cycle
                       Datum(generated ? "ALWAYS" : "NEVER"),
                       generated ? Datum(generation_expression(c.generated_expr)) : null(),
                       updatable});
      }
    }
    return out;
  }
  if (view == "table_constraints") {
    auto row = [&](const catalog::Table& t, const std::string& name, const char* type,
                   bool deferrable, bool deferred, Datum nulls_distinct) {
      out.push_back({database, schema_of(t.namespace_oid), Datum(name), database,
                     schema_of(t.namespace_oid), Datum(t.name), Datum(type), yes_no(deferrable),
                     yes_no(deferred), Datum("YES"), std::move(nulls_distinct)});
    };
    for (const auto& t : tables) {
      if (!has_constraints(*t)) continue;
      for (const auto& c : t->checks) row(*t, c.name, "CHECK", false, false, null());
      for (const auto& f : t->foreign_keys)
        row(*t, f.name, "FOREIGN KEY", f.deferrable, f.initially_deferred, null());
      if (!t->primary_key.empty()) row(*t, t->pkey_name, "PRIMARY KEY", false, false, null());
      for (const auto& i : t->indexes)
        if (i.constraint) row(*t, i.name, "UNIQUE", false, false, Datum("YES"));
      // PostgreSQL 15 lists each NOT NULL column as a CHECK constraint named from oids.
      for (size_t i = 0; i < t->columns.size(); ++i)
        if (t->columns[i].not_null)
          row(*t,
              std::to_string(t->namespace_oid) + "_" + std::to_string(t->oid) + "_" +
                  std::to_string(i + 1) + "_not_null",
              "CHECK", false, false, null());
    }
    return out;
  }
  if (view == "check_constraints") {
    for (const auto& t : tables) {
      if (!has_constraints(*t)) continue;
      for (const auto& c : t->checks)
        out.push_back({database, schema_of(t->namespace_oid), Datum(c.name),
                       Datum("(" + expression_definition(cx.catalog, *t, c.expr, false) + ")")});
      for (size_t i = 0; i < t->columns.size(); ++i)
        if (t->columns[i].not_null)
          out.push_back({database, schema_of(t->namespace_oid),
                         Datum(std::to_string(t->namespace_oid) + "_" + std::to_string(t->oid) +
                               "_" + std::to_string(i + 1) + "_not_null"),
                         Datum(types::quote_identifier(t->columns[i].name) + " IS NOT NULL")});
    }
    return out;
  }
  if (view == "key_column_usage") {
    auto rows = [&](const catalog::Table& t, const std::string& name, const std::vector<int>& cols,
                    const std::vector<int>* ref_key, const std::vector<int>* ref_cols) {
      for (size_t k = 0; k < cols.size(); ++k) {
        Datum position = null();
        if (ref_key) {  // the referenced column's place in the referenced key
          auto at = std::find(ref_key->begin(), ref_key->end(), (*ref_cols)[k]);
          position = number(int64_t(at - ref_key->begin()) + 1);
        }
        out.push_back({database, schema_of(t.namespace_oid), Datum(name), database,
                       schema_of(t.namespace_oid), Datum(t.name), Datum(t.columns[cols[k]].name),
                       number(int64_t(k + 1)), position});
      }
    };
    for (const auto& t : tables) {
      if (!has_constraints(*t)) continue;
      if (!t->primary_key.empty()) rows(*t, t->pkey_name, t->primary_key, nullptr, nullptr);
      for (const auto& i : t->indexes)
        if (i.constraint) rows(*t, i.name, i.columns, nullptr, nullptr);
      for (const auto& f : t->foreign_keys) {
        auto parent = cx.catalog.table_by_oid(f.ref_table);
        auto key = parent ? referenced_key(*parent, f.ref_columns) : std::nullopt;
        rows(*t, f.name, f.columns, key ? &key->columns : nullptr, &f.ref_columns);
      }
    }
    return out;
  }
  if (view == "referential_constraints") {
    for (const auto& t : tables)
      for (const auto& f : t->foreign_keys) {
        auto parent = cx.catalog.table_by_oid(f.ref_table);
        auto key = parent ? referenced_key(*parent, f.ref_columns) : std::nullopt;
        const bool named = key && !key->constraint.empty();
        out.push_back({database, schema_of(t->namespace_oid), Datum(f.name),
                       named ? database : null(), named ? schema_of(parent->namespace_oid) : null(),
                       named ? Datum(key->constraint) : null(), Datum("NONE"),
                       Datum(catalog::ForeignKey::action_name(f.on_update)),
                       Datum(catalog::ForeignKey::action_name(f.on_delete))});
      }
    return out;
  }
  if (view == "constraint_column_usage") {
    // The columns each constraint uses: a key's own columns, a foreign key's referenced ones
    // (under the referenced table), the columns a CHECK expression names.
    auto rows = [&](const catalog::Table& owner, const std::string& name, const catalog::Table& t,
                    const std::vector<int>& cols) {
      for (int c : cols)
        out.push_back({database, schema_of(t.namespace_oid), Datum(t.name),
                       Datum(t.columns[c].name), database, schema_of(owner.namespace_oid),
                       Datum(name)});
    };
    for (const auto& t : tables) {
      if (!has_constraints(*t)) continue;
      for (const auto& c : t->checks) {
        std::vector<int> used;
        for (const auto& id : identifiers_of(c.expr)) {
          int col = t->find_column(id);
          if (col >= 0 && std::find(used.begin(), used.end(), col) == used.end())
            used.push_back(col);
        }
        rows(*t, c.name, *t, used);
      }
      if (!t->primary_key.empty()) rows(*t, t->pkey_name, *t, t->primary_key);
      for (const auto& i : t->indexes)
        if (i.constraint) rows(*t, i.name, *t, i.columns);
      for (const auto& f : t->foreign_keys)
        if (auto parent = cx.catalog.table_by_oid(f.ref_table))
          rows(*t, f.name, *parent, f.ref_columns);
    }
    return out;
  }
  if (view == "schemata") {
    const auto& roles = cx.catalog.roles();
    auto row = [&](const std::string& name, Oid owner) {
      out.push_back(
          {database, Datum(name), Datum(roles.name_of(owner)), null(), null(), null(), null()});
    };
    row("pg_catalog", catalog::kBootstrapSuperuserId);
    row("information_schema", catalog::kBootstrapSuperuserId);
    bool has_public = false;
    for (const auto& sc : cx.catalog.schemas()) {
      has_public |= sc.oid == catalog::kPublicNamespaceId;
      row(sc.name,
          sc.oid == catalog::kPublicNamespaceId ? catalog::kDatabaseOwnerRoleId : sc.owner);
    }
    if (!has_public) row("public", catalog::kDatabaseOwnerRoleId);
    return out;
  }
  if (view == "sequences") {
    for (const auto& sq : cx.catalog.sequences()) {
      if (sq.name.rfind("hf_rowid_", 0) == 0) continue;  // a table's hidden row ids
      // An identity column's sequence is internal to it (PostgreSQL's deptype 'i').
      bool identity = false;
      if (auto t = cx.catalog.table_by_oid(sq.owner_table))
        for (const auto& c : t->columns) identity |= c.sequence == sq.oid && c.identity_always;
      if (identity) continue;
      const Oid type = sequence_type(sq);
      out.push_back({database, schema_of(sq.namespace_oid), Datum(sq.name),
                     Datum(types::format_type(TypeRef{type, -1})),
                     number(type == type_oid::kInt2   ? 16
                            : type == type_oid::kInt4 ? 32
                                                      : 64),
                     number(2), number(0), Datum(std::to_string(sq.start)),
                     Datum(std::to_string(sq.min_value)), Datum(std::to_string(sq.max_value)),
                     Datum(std::to_string(sq.increment)), Datum("NO")});
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace hf::sql::exec
