// sql/types/json.h — json (oid 114) and jsonb (oid 3802): the value model, PostgreSQL 15's
// parser and printer, and the json operators, functions and aggregates.
//
// Owns: parsing JSON text as PostgreSQL's pg_parse_json does (its tokens, its error DETAIL
// and CONTEXT lines: 22P02 "invalid input syntax for type json", 22P05 for \u0000 in jsonb,
// 54001 when nesting exhausts the stack); jsonb's normal form, which is also how a jsonb datum
// is stored (its text: keys sorted by length then bytes, the last of duplicate keys kept,
// numbers as numeric prints them, ": " and ", " separators); jsonb's btree order
// (compareJsonbContainers: object > array > boolean > number > string > null), containment
// (@>, <@) and existence (?, ?|, ?&); and the builtin functions, operators and aggregates of
// json and jsonb, which functions.cc adds to its registry through register_json().
// Promises: a json datum keeps its input text verbatim (validated); a jsonb datum always holds
// the normal form, so two equal jsonb values have equal bytes. Pure functions; thread-safe;
// nothing here suspends. Every recursive function calls runtime::check_stack_depth().
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/datum.h"
#include "sql/types/functions.h"

namespace hf::sql::types::json {

struct Value {
  enum class Kind : uint8_t { kNull, kString, kNumber, kBool, kArray, kObject };
  Kind kind = Kind::kNull;
  bool b = false;
  std::string s;             // a string's contents (unescaped) or a number's text
  std::vector<Value> items;  // an array's elements
  std::vector<std::pair<std::string, Value>> fields;  // an object's keys and values
  std::string_view raw;  // json (not jsonb) parses: this value's text in the input

  bool is_scalar() const { return kind != Kind::kArray && kind != Kind::kObject; }
};

// Parses JSON text. jsonb: de-escapes strings (\u0000 is an error), normalizes numbers as
// numeric does and objects as jsonb does. !jsonb: keeps keys in input order with duplicates
// (json's semantics) and sets raw spans, which point into text. Throws SqlError as PostgreSQL.
Value parse(std::string_view text, bool jsonb);

// The normal (stored) text of a jsonb value; pretty = jsonb_pretty's layout.
std::string to_jsonb_text(const Value& v, bool pretty = false);

// Input functions: jsonb's normal form of text; json's text unchanged after validation.
std::string jsonb_in(std::string_view text);
std::string json_in(std::string_view text);

// A jsonb value from any SQL value of type t (to_jsonb's rules: numbers stay numbers, json
// and jsonb are parsed, arrays become arrays, timestamps ISO 8601 strings, the rest strings).
// timestamptz values as text in `zone` (the session's TimeZone).
Value from_datum(const Datum& d, Oid t, const TimeZone& zone = TimeZone());

// A stored jsonb datum's form for hashing (GROUP BY, DISTINCT): equal values (1.0 and 1.00)
// give equal keys.
std::string jsonb_hash_key(std::string_view stored);

// jsonb's btree order (-1, 0, 1) and containment (a @> b).
int compare(const Value& a, const Value& b);
int compare_text(std::string_view a, std::string_view b);  // two stored jsonb datums
bool contains(const Value& a, const Value& b);

// jsonb cast to bool/numeric/int2/int4/int8/float4/float8 (PostgreSQL's "cannot cast jsonb
// string to type integer" when the kinds differ).
Datum cast_jsonb_to(const std::string& stored, Oid target);

// Adds json's and jsonb's operators, functions and aggregates to the registry.
void register_json(std::vector<FunctionDef>& funcs, std::vector<OperatorDef>& ops,
                   std::vector<AggregateDef>& aggs);

// json_agg/jsonb_agg/json_object_agg/jsonb_object_agg for actual argument types (their step
// must know the value's type); nullptr when name is none of them or the arity is wrong.
const AggregateDef* resolve_json_aggregate(std::string_view name, const std::vector<Oid>& args);

// The set-returning functions jsonb_array_elements[_text], jsonb_object_keys, jsonb_each[_text]
// and their json_ forms run as unnest() over the array this function computes: its name is the
// SRF's, its result the array type (jsonb[], json[] or text[]); the *_each ones (two columns,
// key and value; FROM only) flatten each pair into two elements. nullptr for other names.
const FunctionDef* set_function_as_array(std::string_view name);

}  // namespace hf::sql::types::json
