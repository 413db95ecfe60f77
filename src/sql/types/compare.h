// sql/types/compare.h — total order, equality and hashing of Datums of one type.
//
// Owns: the comparison semantics used by ORDER BY, indexes, DISTINCT, GROUP BY and joins.
// Text compares bytewise (C collation); float NaN sorts above all numbers and equals itself
// (as in PostgreSQL); numeric compares by value (1.0 = 1.00). NULLs are the caller's job.
// Promises: pure, thread-safe, no allocation on the integer path, never suspends.
#pragma once

#include <cstdint>

#include "common/datum.h"

namespace hf::sql::types {

int compare(const Datum& a, const Datum& b, Oid type);  // <0, 0, >0
bool equal(const Datum& a, const Datum& b, Oid type);
uint64_t hash(const Datum& d, Oid type);  // consistent with equal()

}  // namespace hf::sql::types
