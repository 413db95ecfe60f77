// sql/types/uncommitted_domains.h — a domain's definition as an uncommitted ALTER DOMAIN left
// it (catalog/domains.cc; issue 13): DomainRegistry's finds return it to the fibers of the
// altering transaction only (`visible`), and the committed definition to every other session,
// as PostgreSQL's type cache shows the others the old constraints until the commit. A mirror
// of the catalog's kept-aside domain changes (catalog/kept_aside.h), which puts the new
// definition into the registry at the commit and clears this.
// Included by the catalog and the domain registry alone. Thread-safe; `visible` may take the
// catalog's locks (never called with this module's lock held).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "sql/types/domain_types.h"

namespace hf::sql::types {

struct UncommittedDomain {
  DomainTypePtr definition;
  uint64_t txn = 0;  // the altering transaction
  std::function<bool()> visible;
};

// Sets (nullopt: clears) the uncommitted definition of domain `oid`.
void set_uncommitted_domain(Oid oid, std::optional<UncommittedDomain> u);
std::optional<UncommittedDomain> uncommitted_domain(Oid oid);

}  // namespace hf::sql::types
