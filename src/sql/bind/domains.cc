// sql/bind/domains.cc — domains in bound expressions (see binder.h, domain_check, and
// sql/types/domain_types.h).
#include <pg_query/pg_query.pb-c.h>

#include "sql/bind/binder.h"

namespace hf::sql::bind {

types::DomainTypePtr domain_of_type_name(const PgQuery__TypeName* tn,
                                         const std::vector<Oid>& search_schemas) {
  if (tn == nullptr || tn->n_names == 0 || tn->n_array_bounds > 0) return nullptr;
  auto str = [](const PgQuery__Node* n) -> std::string {
    return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : "";
  };
  const std::string name = str(tn->names[tn->n_names - 1]);
  const std::string schema = tn->n_names >= 2 ? str(tn->names[tn->n_names - 2]) : "";
  if (schema == "pg_catalog") return nullptr;
  return types::domain_types().find(schema, name, search_schemas);
}

ExprPtr domain_check(catalog::Catalog& catalog, const types::DomainTypePtr& d, ExprPtr value) {
  auto constraints = std::make_shared<DomainConstraints>();
  constraints->domain = d;
  // VALUE is a column of a row of one: the checks are bound as a table's CHECK would be.
  catalog::Table row;
  row.name = d->name;
  catalog::Column v;
  v.name = "value";
  v.type = d->base;
  row.columns.push_back(v);
  for (const auto& c : d->checks)
    constraints->checks.push_back(bind_table_expr(catalog, row, c.expr, nullptr));
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kDomainCheck;
  e->type = value->type;
  e->location = value->location;
  e->args.push_back(std::move(value));
  e->domain = std::move(constraints);
  return e;
}

}  // namespace hf::sql::bind
