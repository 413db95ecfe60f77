// sql/types/composite_visibility.h — which sessions find a relation's row type by its name.
//
// Owns: a predicate per type oid, set by the catalog for the row type of a relation, and for
// a domain, enum or composite type, that a transaction created and has not committed
// (catalog/catalog.h, "Uncommitted creations"): the registries' finds by name (CompositeRegistry
// and, through named_types.h, EnumRegistry and DomainRegistry) skip such a type when its
// predicate says the calling session may not see it, as PostgreSQL's pg_type row of an
// uncommitted type is invisible to the others. By oid it is still found (a value of that type
// came from the creator). Kept apart from composite_types.h so that the catalog and the
// registries alone depend on it.
// Thread-safe; a predicate may take the catalog's locks (never called with this module's
// own lock held).
#pragma once

#include <functional>

#include "common/datum.h"

namespace hf::sql::types {

// visible: whether the calling fiber may find type `oid` by name; empty: everybody may.
void set_name_visibility(Oid oid, std::function<bool()> visible);
// Whether the calling fiber may find type `oid` by name.
bool visible_by_name(Oid oid);

}  // namespace hf::sql::types
