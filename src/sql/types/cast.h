// sql/types/cast.h — casts between supported types (PostgreSQL pg_cast rules).
//
// Owns: which casts exist in which context, performing them, and common-type resolution for
// UNION/CASE/COALESCE/VALUES. Promises: pure, thread-safe, never suspends.
#pragma once

#include <vector>

#include "common/datum.h"
#include "sql/types/timezone.h"

namespace hf::sql::types {

enum class CastContext { kImplicit, kAssignment, kExplicit };

// PostgreSQL's pg_cast rules for the supported types (plus I/O conversion casts to/from text
// in assignment/explicit context, and unknown → anything).
bool can_cast(Oid from, Oid to, CastContext ctx);
// Throws like PG (22003, 22P02 from text, 22001 for varchar(n) in assignment; explicit
// varchar(n) truncates). Null in → null out.
Datum cast(const Datum& d, const TypeRef& from, const TypeRef& to);
// As cast(), choosing assignment vs explicit semantics for typmod (truncation vs 22001).
// The casts that involve timestamptz (to and from text, timestamp, date, time) take the
// local time of `zone`, the session's TimeZone (callers without a session: UTC).
Datum cast(const Datum& d, const TypeRef& from, const TypeRef& to, CastContext ctx,
           const TimeZone& zone = TimeZone());
// UNION/CASE/COALESCE resolution (PG's select_common_type rules, unknown → text); throws
// 42804 "... types %s and %s cannot be matched".
Oid common_type(const std::vector<Oid>& types);
// As above with the construct name in the message ("UNION", "CASE", "COALESCE", "VALUES").
Oid common_type(const std::vector<Oid>& types, const char* context);

}  // namespace hf::sql::types
