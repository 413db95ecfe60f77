// sql/types/type_info.h — the catalog of built-in SQL types holdfast supports.
//
// Owns: a static table of PostgreSQL types (pg_type subset) keyed by OID and by SQL name, the
// typmod encoding for varchar(n)/char(n)/numeric(p,s) and PostgreSQL's format_type() display.
// Promises: pure functions over immutable static data; thread-safe; never suspends.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/datum.h"

namespace hf::sql::types {

struct TypeInfo {
  Oid oid;
  const char* name;  // pg_type.typname, e.g. "int4"
  int16_t typlen;    // -1 for varlena, -2 for cstring
  char category;     // pg_type.typcategory ('N' numeric, 'S' string, 'B' bool, 'D' datetime...)
  Oid array_oid;     // 0 if none
  Oid elem_oid;      // 0 unless this is an array type
  bool by_value;
  bool preferred = false;  // pg_type.typispreferred
};

// nullptr if unknown.
const TypeInfo* find_type(Oid oid);
// Accepts SQL names (lowercase): integer, int, int4, bigint, smallint, text, varchar,
// character varying, char, character, bpchar, boolean, bool, numeric, decimal, real, float4,
// double precision, float8, float, bytea, uuid, date, timestamp, timestamp without time zone,
// timestamptz, timestamp with time zone, interval, time, oid, name, json, jsonb, regclass,
// serial (→int4), bigserial (→int8), smallserial (→int2), and "<name>[]" for arrays.
const TypeInfo* find_type_by_name(std::string_view name);
// PostgreSQL's format_type(): "integer", "character varying(10)", "numeric(10,2)",
// "timestamp without time zone", "integer[]".
std::string format_type(const TypeRef& t);
// varchar(n)/char(n) -> n+4, numeric(p,s) -> ((p<<16)|s)+4, numeric(p) -> (p<<16)+4;
// -1 if none. Throws SqlError 22023 for out-of-range modifiers like PostgreSQL.
int32_t make_typmod(Oid oid, const std::vector<int32_t>& mods);

// Helpers.
bool is_array_type(Oid oid);
Oid array_elem_type(Oid array_oid);  // 0 if not an array
Oid array_type_of(Oid elem_oid);     // 0 if none
bool is_string_type(Oid oid);        // text, varchar, bpchar, name, unknown
bool is_integer_type(Oid oid);       // int2, int4, int8, oid

}  // namespace hf::sql::types
