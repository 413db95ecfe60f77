// sql/types/type_info.cc — static pg_type subset, name lookup, typmods and format_type().
#include "sql/types/type_info.h"

#include <string>
#include <vector>

#include "common/error.h"
#include "sql/types/composite_types.h"
#include "sql/types/domain_types.h"
#include "sql/types/enum_types.h"

namespace hf::sql::types {
namespace {

using namespace hf::type_oid;  // NOLINT

// oid, typname, typlen, typcategory, array oid, element oid, by value, preferred.
constexpr TypeInfo kTypes[] = {
    {kBool, "bool", 1, 'B', kBoolArray, 0, true, true},
    {kBytea, "bytea", -1, 'U', kByteaArray, 0, false},
    {kChar, "char", 1, 'Z', 1002, 0, true},
    {kName, "name", 64, 'S', 1003, 0, false},
    {kInt8, "int8", 8, 'N', kInt8Array, 0, true},
    {kInt2, "int2", 2, 'N', kInt2Array, 0, true},
    {kInt2Vector, "int2vector", -1, 'A', 1006, kInt2, false},
    {kInt4, "int4", 4, 'N', kInt4Array, 0, true},
    {kRegproc, "regproc", 4, 'N', 1008, 0, true},
    {kText, "text", -1, 'S', kTextArray, 0, false, true},
    {kOid, "oid", 4, 'N', kOidArray, 0, true, true},
    {kXid, "xid", 4, 'U', 1011, 0, true},
    {kOidVector, "oidvector", -1, 'A', 1013, kOid, false},
    {kJson, "json", -1, 'U', 199, 0, false},
    {kFloat4, "float4", 4, 'N', 1021, 0, true},
    {kFloat8, "float8", 8, 'N', kFloat8Array, 0, true, true},
    {kUnknown, "unknown", -2, 'X', 0, 0, false},
    {kBpchar, "bpchar", -1, 'S', 1014, 0, false},
    {kVarchar, "varchar", -1, 'S', kVarcharArray, 0, false},
    {kDate, "date", 4, 'D', 1182, 0, true},
    {kTime, "time", 8, 'D', 1183, 0, true},
    {kTimestamp, "timestamp", 8, 'D', 1115, 0, true},
    {kTimestampTz, "timestamptz", 8, 'D', 1185, 0, true, true},
    {kInterval, "interval", 16, 'T', 1187, 0, false, true},
    {kNumeric, "numeric", -1, 'N', 1231, 0, false},
    {kRegclass, "regclass", 4, 'N', 2210, 0, true},
    {kRegtype, "regtype", 4, 'N', 2211, 0, true},
    {kRegnamespace, "regnamespace", 4, 'N', 4090, 0, true},
    {kRecord, "record", -1, 'P', 2287, 0, false},
    {kCstring, "cstring", -2, 'P', 1263, 0, false},
    {kAny, "any", 4, 'P', 0, 0, true},
    {kVoid, "void", 4, 'P', 0, 0, true},
    {kUuid, "uuid", 16, 'U', 2951, 0, false},
    {kJsonb, "jsonb", -1, 'U', 3807, 0, false},
    {kBit, "bit", -1, 'V', 1561, 0, false},
    {kVarbit, "varbit", -1, 'V', 1563, 0, false, true},
    // Arrays.
    {kBoolArray, "_bool", -1, 'A', 0, kBool, false},
    {kByteaArray, "_bytea", -1, 'A', 0, kBytea, false},
    {1002, "_char", -1, 'A', 0, kChar, false},
    {1003, "_name", -1, 'A', 0, kName, false},
    {kInt2Array, "_int2", -1, 'A', 0, kInt2, false},
    {kInt4Array, "_int4", -1, 'A', 0, kInt4, false},
    {1008, "_regproc", -1, 'A', 0, kRegproc, false},
    {kTextArray, "_text", -1, 'A', 0, kText, false},
    {1011, "_xid", -1, 'A', 0, kXid, false},
    {1014, "_bpchar", -1, 'A', 0, kBpchar, false},
    {kVarcharArray, "_varchar", -1, 'A', 0, kVarchar, false},
    {kInt8Array, "_int8", -1, 'A', 0, kInt8, false},
    {1021, "_float4", -1, 'A', 0, kFloat4, false},
    {kFloat8Array, "_float8", -1, 'A', 0, kFloat8, false},
    {kOidArray, "_oid", -1, 'A', 0, kOid, false},
    {1115, "_timestamp", -1, 'A', 0, kTimestamp, false},
    {1182, "_date", -1, 'A', 0, kDate, false},
    {1183, "_time", -1, 'A', 0, kTime, false},
    {1185, "_timestamptz", -1, 'A', 0, kTimestampTz, false},
    {1187, "_interval", -1, 'A', 0, kInterval, false},
    {1231, "_numeric", -1, 'A', 0, kNumeric, false},
    {2951, "_uuid", -1, 'A', 0, kUuid, false},
    {199, "_json", -1, 'A', 0, kJson, false},
    {3807, "_jsonb", -1, 'A', 0, kJsonb, false},
    {1561, "_bit", -1, 'A', 0, kBit, false},
    {1563, "_varbit", -1, 'A', 0, kVarbit, false},
    {2210, "_regclass", -1, 'A', 0, kRegclass, false},
    {2211, "_regtype", -1, 'A', 0, kRegtype, false},
    {4090, "_regnamespace", -1, 'A', 0, kRegnamespace, false},
};

struct Alias {
  const char* name;
  Oid oid;
};
constexpr Alias kAliases[] = {
    {"integer", kInt4},
    {"int", kInt4},
    {"serial", kInt4},
    {"serial4", kInt4},
    {"bigint", kInt8},
    {"bigserial", kInt8},
    {"serial8", kInt8},
    {"smallint", kInt2},
    {"smallserial", kInt2},
    {"serial2", kInt2},
    {"character varying", kVarchar},
    {"char varying", kVarchar},
    {"character", kBpchar},
    {"char", kBpchar},  // SQL CHAR means bpchar; the internal "char" type is spelled "\"char\""
    {"\"char\"", kChar},
    {"boolean", kBool},
    {"decimal", kNumeric},
    {"dec", kNumeric},
    {"real", kFloat4},
    {"double precision", kFloat8},
    {"float", kFloat8},
    {"timestamp without time zone", kTimestamp},
    {"timestamp with time zone", kTimestampTz},
    {"time without time zone", kTime},
    {"bit varying", kVarbit},
};

}  // namespace

const TypeInfo* find_type(Oid oid) {
  // Asked for every parameter, column and value a statement encodes: an index by oid over
  // the built-in oids (all below kFirstUserTypeOid) instead of a walk of kTypes. The first
  // entry of an oid wins, as the walk's did.
  static const std::vector<const TypeInfo*> by_oid = [] {
    std::vector<const TypeInfo*> v(kFirstUserTypeOid, nullptr);
    for (const auto& t : kTypes)
      if (t.oid < kFirstUserTypeOid && v[t.oid] == nullptr) v[t.oid] = &t;
    return v;
  }();
  if (oid < kFirstUserTypeOid) return by_oid[oid];  // built in or nothing
  if (const TypeInfo* e = enum_types().type_info(oid)) return e;
  return composite_types().type_info(oid);
}

const TypeInfo* find_type_by_name(std::string_view name) {
  // Trim and drop a "pg_catalog." qualifier.
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  if (name.starts_with("pg_catalog.")) name.remove_prefix(11);
  if (name.size() > 2 && name.ends_with("[]")) {
    const TypeInfo* elem = find_type_by_name(name.substr(0, name.size() - 2));
    if (elem == nullptr || elem->array_oid == 0) return nullptr;
    return find_type(elem->array_oid);
  }
  for (const auto& a : kAliases)
    if (name == a.name) return find_type(a.oid);
  for (const auto& t : kTypes)
    if (name == t.name) return &t;
  return nullptr;
}

std::string format_type(const TypeRef& t) {
  using std::to_string;
  const TypeInfo* info = find_type(t.oid);
  if (info == nullptr) {
    if (auto d = domain_types().find(t.oid)) return d->display_name();
    return "???";
  }
  if (info->elem_oid != 0 && info->category == 'A' && info->name[0] == '_')
    return format_type(TypeRef{info->elem_oid, t.typmod}) + "[]";
  if (info->category == 'E')
    if (auto e = find_enum(t.oid)) return e->display_name();
  if (info->category == 'C')
    if (auto c = find_composite(t.oid)) return c->display_name();
  switch (t.oid) {
    case kInt2:
      return "smallint";
    case kInt4:
      return "integer";
    case kInt8:
      return "bigint";
    case kFloat4:
      return "real";
    case kFloat8:
      return "double precision";
    case kBool:
      return "boolean";
    case kChar:
      return "\"char\"";
    case kVarchar:
      return t.typmod >= 4 ? "character varying(" + to_string(t.typmod - 4) + ")"
                           : "character varying";
    case kBpchar:
      return t.typmod >= 4 ? "character(" + to_string(t.typmod - 4) + ")" : "bpchar";
    case kNumeric:
      if (t.typmod >= 4) {
        int32_t m = t.typmod - 4;
        int32_t p = (m >> 16) & 0xffff;
        int32_t s = ((m & 0x7ff) ^ 1024) - 1024;
        return "numeric(" + to_string(p) + "," + to_string(s) + ")";
      }
      return "numeric";
    case kTimestamp:
      return t.typmod >= 0 ? "timestamp(" + to_string(t.typmod) + ") without time zone"
                           : "timestamp without time zone";
    case kTimestampTz:
      return t.typmod >= 0 ? "timestamp(" + to_string(t.typmod) + ") with time zone"
                           : "timestamp with time zone";
    case kTime:
      return t.typmod >= 0 ? "time(" + to_string(t.typmod) + ") without time zone"
                           : "time without time zone";
    case kBit:
      return t.typmod >= 0 ? "bit(" + to_string(t.typmod) + ")" : "bit";
    case kVarbit:
      return t.typmod >= 0 ? "bit varying(" + to_string(t.typmod) + ")" : "bit varying";
    default:
      return info->name;
  }
}

int32_t make_typmod(Oid oid, const std::vector<int32_t>& mods) {
  if (mods.empty()) return -1;
  auto bad = [](const std::string& msg) { throw SqlError(sqlstate::kInvalidParameterValue, msg); };
  switch (oid) {
    case kVarchar:
    case kBpchar: {
      const char* n = oid == kVarchar ? "varchar" : "char";
      if (mods.size() != 1) bad(std::string("invalid type modifier"));
      if (mods[0] < 1) bad(std::string("length for type ") + n + " must be at least 1");
      if (mods[0] > 10485760) bad(std::string("length for type ") + n + " cannot exceed 10485760");
      return mods[0] + 4;
    }
    case kNumeric: {
      if (mods.size() > 2) bad("invalid NUMERIC type modifier");
      int32_t p = mods[0];
      int32_t s = mods.size() == 2 ? mods[1] : 0;
      if (p < 1 || p > 1000)
        bad("NUMERIC precision " + std::to_string(p) + " must be between 1 and 1000");
      if (s < -1000 || s > 1000)
        bad("NUMERIC scale " + std::to_string(s) + " must be between -1000 and 1000");
      return ((p << 16) | (s & 0x7ff)) + 4;
    }
    case kTimestamp:
    case kTimestampTz:
    case kTime:
      if (mods.size() != 1) bad("invalid type modifier");
      if (mods[0] < 0)
        bad("TIMESTAMP(" + std::to_string(mods[0]) + ") precision must not be negative");
      return mods[0] > 6 ? 6 : mods[0];
    case kBit:
    case kVarbit: {
      const char* n = oid == kBit ? "bit" : "varbit";
      if (mods.size() != 1) bad("invalid type modifier");
      if (mods[0] < 1) bad(std::string("length for type ") + n + " must be at least 1");
      if (mods[0] > 83886080) bad(std::string("length for type ") + n + " cannot exceed 83886080");
      return mods[0];  // the length itself (no VARHDRSZ, as PostgreSQL's bittypmodin)
    }
    default:
      return -1;
  }
}

bool is_array_type(Oid oid) {
  return array_elem_type(oid) != 0;
}

Oid array_elem_type(Oid array_oid) {
  const TypeInfo* t = find_type(array_oid);
  if (t == nullptr || t->category != 'A' || t->name[0] != '_') return 0;
  return t->elem_oid;
}

Oid array_type_of(Oid elem_oid) {
  const TypeInfo* t = find_type(elem_oid);
  return t == nullptr ? 0 : t->array_oid;
}

bool is_string_type(Oid oid) {
  return oid == kText || oid == kVarchar || oid == kBpchar || oid == kName || oid == kUnknown;
}

bool is_integer_type(Oid oid) {
  return oid == kInt2 || oid == kInt4 || oid == kInt8 || oid == kOid;
}

}  // namespace hf::sql::types
