// sql/types/functions.h — builtin pure functions, operators and aggregates.
//
// Owns: a static registry of scalar functions, operators and aggregates with PostgreSQL's
// signatures and overload resolution. Functions are plain function pointers (no
// std::function on the scalar hot path). Promises: the registry is immutable after static
// initialisation; resolve_* are thread-safe; functions never suspend.
#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "common/datum.h"
#include "sql/types/timezone.h"

namespace hf::sql::types {

struct FuncContext {
  int64_t statement_start_us = 0;    // since 2000-01-01 UTC (PostgreSQL epoch)
  int64_t transaction_start_us = 0;  // since 2000-01-01 UTC
  // The session's TimeZone: timestamptz text I/O, its casts to and from local types,
  // date_trunc, extract, to_char, age and calendar arithmetic follow it (timezone.h).
  TimeZone zone;
};

// args are already cast to the declared argument types (polymorphic ones keep their actual
// type); arg_types are those types (actual ones for polymorphic/variadic positions, which
// concat/greatest/array functions need). A strict function is never called with a NULL.
// May throw SqlError; never suspends.
using ScalarFn = Datum (*)(const std::vector<Datum>& args, const std::vector<TypeRef>& arg_types,
                           FuncContext& ctx);

struct FunctionDef {
  const char* name;
  std::vector<Oid> arg_types;  // declared types; kAny / kAnyElementOid / kAnyArrayOid = polymorphic
  Oid result;  // polymorphic (kAnyElementOid/kAnyArrayOid): use function_result_type()
  ScalarFn fn;
  bool strict;                // NULL in → NULL out
  bool variadic_any = false;  // extra args of any type accepted after arg_types
  bool volatile_ = false;     // random(), gen_random_uuid(), clock_timestamp()
};

// Resolution follows PostgreSQL's func_select_candidate in spirit: exact match, then implicit
// casts (unknown literals adapt), best match by preferred types. Returns nullptr if none.
// The caller casts each argument to def->arg_types[i] (when not polymorphic) before calling
// fn. Non-volatile functions with constant arguments may be folded by the planner.
const FunctionDef* resolve_function(std::string_view name, const std::vector<Oid>& arg_types);

// regexp_matches and regexp_split_to_table (2 or 3 text arguments) as the scalar function that
// computes the array of their rows' values, which the binder unnests; nullptr for any other
// name or argument count. regexp_matches's rows are text[]: its array holds text[] values.
const FunctionDef* regexp_set_function_as_array(std::string_view name, size_t nargs);

struct OperatorDef {
  const char* name;
  Oid left;  // 0 for prefix
  Oid right;
  Oid result;
  ScalarFn fn;  // args: {left, right} or {right} for prefix; strict
};

// + - * / % ^ = <> != < > <= >= || ~~(LIKE) !~~ ~~*(ILIKE) !~~* ~ ~* !~ !~* (regex),
// unary - and +, @, for the supported types. left = 0 for prefix operators.
// The caller casts operands to def->left/right before calling fn.
const OperatorDef* resolve_operator(std::string_view op, Oid left, Oid right);

// Array subscripting, array[index] (not a named operator in PostgreSQL, so resolve_operator
// never returns it): left is the array (any array type, int2vector, oidvector), right the
// int4 index; the element, or NULL when the index is outside the array. int2vector and
// oidvector count from 0, other arrays from 1.
const OperatorDef& array_subscript_operator();

struct AggregateDef {
  const char* name;
  std::vector<Oid> arg_types;  // empty for count(*); kAny for count(any); array_agg: anynonarray
  Oid result;  // min/max are declared per type; array_agg: kAnyArrayOid (aggregate_result_type)
  std::function<std::any()> init;
  std::function<void(std::any& state, const std::vector<Datum>& args)> step;
  std::function<Datum(std::any& state)> final;
  bool strict = true;  // NULL args are skipped (step not called)
};

// count(*) (arg_types empty), count(any), sum (sum(int2/int4)→int8, sum(int8)→numeric,
// sum(numeric)→numeric, sum(float)→float), avg (int/numeric→numeric, float→float8), min,
// max, bool_and, bool_or, every, string_agg(text,text)/(bytea,bytea), array_agg; sum/avg of
// interval. The executor owns the state (one std::any per group); init/step/final are
// thread-compatible (no shared state).
const AggregateDef* resolve_aggregate(std::string_view name, const std::vector<Oid>& arg_types);

// Result type of a resolved function/aggregate given actual argument types (resolves kAny).
Oid function_result_type(const FunctionDef& f, const std::vector<Oid>& arg_types);
Oid aggregate_result_type(const AggregateDef& a, const std::vector<Oid>& arg_types);

// Result type of a resolved operator (resolves anyarray/anyelement for array operators).
Oid operator_result_type(const OperatorDef& o, Oid left, Oid right);

// The type a polymorphic declared type (anyelement, anyarray, anynonarray, anyenum) stands
// for, given the declared and actual argument types: the first actual anyelement-like type,
// else the element type of the first actual anyarray, text when every one is unknown
// (PostgreSQL's rule for unknown literals); anyarray is that type's array type.
Oid resolve_polymorphic(Oid declared, const std::vector<Oid>& decl, const std::vector<Oid>& actual);

// Polymorphic pseudo-types used in declared signatures (PostgreSQL's OIDs).
inline constexpr Oid kAnyArrayOid = 2277;
inline constexpr Oid kAnyElementOid = 2283;
inline constexpr Oid kAnyNonArrayOid = 2776;
// anyenum: any enum type (sql/types/enum_types.h); the operand's own type is passed to fn.
inline constexpr Oid kAnyEnumOid = 3500;

// LIKE matching (bytewise; escape '\\' by default). Exposed for the executor's fast paths.
// timestamp + interval, as the + operator computes it (22008 when out of range).
int64_t timestamp_plus_interval(int64_t ts, const Interval& iv);
// timestamptz + interval in `zone`: months and days move the local clock (a day across a
// daylight-saving change keeps the wall-clock time), the rest is elapsed time (PostgreSQL's
// timestamptz_pl_interval).
int64_t timestamptz_plus_interval(int64_t ts, const Interval& iv, const TimeZone& zone,
                                  bool subtract = false);

bool like_match(std::string_view s, std::string_view pattern, bool case_insensitive = false);

// PostgreSQL's quote_identifier without its keyword list: a name of lower-case letters,
// digits and underscores not starting with a digit stays bare; any other is double-quoted
// with its double quotes doubled (quote_ident(), and every name the catalog functions print).
std::string quote_identifier(const std::string& name);

}  // namespace hf::sql::types
