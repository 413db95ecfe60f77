// sql/exec/partitions.cc — see partitions.h.
#include "sql/exec/partitions.h"

#include <algorithm>
#include <map>

#include "common/error.h"
#include "sql/bind/binder.h"
#include "sql/parse/parser.h"
#include "sql/types/compare.h"
#include "sql/types/hashing.h"
#include "sql/types/type_info.h"
#include "sql/types/type_io.h"

namespace hf::sql::exec {

using catalog::PartitionBound;
using RangeDatum = catalog::PartitionBound::RangeDatum;

// A partition's bound with its values converted to the key columns' types.
struct ParsedPartition {
  catalog::TablePtr table;
  char kind = 0;
  std::vector<Datum> values;  // kList (NULL: the list holds NULL)
  struct Bound {
    char kind = RangeDatum::kValue;
    Datum value;
  };
  std::vector<Bound> from, to;         // kRange
  int32_t modulus = 0, remainder = 0;  // kHash
};

struct PartitionCache {
  std::map<Oid, std::vector<ParsedPartition>> parts;  // by parent oid
  std::map<Oid, std::vector<catalog::TablePtr>> leaves;
};

namespace {

PartitionCache& cache(ExecContext& cx) {
  if (!cx.partitions) cx.partitions = std::make_shared<PartitionCache>();
  return *cx.partitions;
}

ParsedPartition parse_partition(const catalog::Table& parent, catalog::TablePtr part) {
  ParsedPartition p;
  const PartitionBound& b = part->partition_bound;
  p.kind = b.kind;
  p.modulus = b.modulus;
  p.remainder = b.remainder;
  const TypeRef& first = parent.columns[parent.partition_key[0]].type;
  for (const auto& v : b.values) p.values.push_back(v ? types::from_text(*v, first) : Datum());
  for (auto* side : {&b.from, &b.to}) {
    auto& out = side == &b.from ? p.from : p.to;
    for (size_t i = 0; i < side->size(); ++i) {
      ParsedPartition::Bound pb;
      pb.kind = (*side)[i].kind;
      if (pb.kind == RangeDatum::kValue)
        pb.value =
            types::from_text((*side)[i].text, parent.columns[parent.partition_key.at(i)].type);
      out.push_back(std::move(pb));
    }
  }
  p.table = std::move(part);
  return p;
}

const std::vector<ParsedPartition>& partitions(const catalog::Table& parent, ExecContext& cx) {
  auto& c = cache(cx);
  auto it = c.parts.find(parent.oid);
  if (it != c.parts.end()) return it->second;
  std::vector<ParsedPartition> v;
  for (auto& t : cx.catalog.partitions_of(parent.oid)) v.push_back(parse_partition(parent, t));
  return c.parts.emplace(parent.oid, std::move(v)).first->second;
}

// A range key (values, NULL-free) against one side of a range bound: <0, 0, >0.
int compare_to_bound(const catalog::Table& parent, const std::vector<Datum>& key,
                     const std::vector<ParsedPartition::Bound>& bound) {
  for (size_t i = 0; i < bound.size() && i < key.size(); ++i) {
    if (bound[i].kind == RangeDatum::kMinValue) return 1;
    if (bound[i].kind == RangeDatum::kMaxValue) return -1;
    int c =
        types::compare(key[i], bound[i].value, parent.columns[parent.partition_key[i]].type.oid);
    if (c != 0) return c;
  }
  return 0;
}

// Two range bounds (PostgreSQL's partition_rbound_cmp without the lower/upper tie rule: a
// lower bound equal to an upper bound does not overlap it).
int compare_bounds(const catalog::Table& parent, const std::vector<ParsedPartition::Bound>& a,
                   const std::vector<ParsedPartition::Bound>& b) {
  auto rank = [](char k) {
    return k == RangeDatum::kMinValue ? 0 : k == RangeDatum::kValue ? 1 : 2;
  };
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    int ra = rank(a[i].kind), rb = rank(b[i].kind);
    if (ra != rb) return ra < rb ? -1 : 1;
    if (ra != 1) return 0;  // MINVALUE / MAXVALUE: the columns after it do not matter
    int c =
        types::compare(a[i].value, b[i].value, parent.columns[parent.partition_key[i]].type.oid);
    if (c != 0) return c;
  }
  return 0;
}

// PostgreSQL's hash of a row's partition key (sql/types/hashing.h).
uint64_t key_hash(const catalog::Table& parent, const std::vector<Datum>& key) {
  std::vector<TypeRef> types;
  for (int c : parent.partition_key) types.push_back(parent.columns[c].type);
  return types::partition_hash(key, types);
}

bool hash_takes(const ParsedPartition& p, uint64_t hash) {
  return hash % static_cast<uint64_t>(p.modulus) == static_cast<uint64_t>(p.remainder);
}

bool takes(const catalog::Table& parent, const ParsedPartition& p, const std::vector<Datum>& key) {
  if (p.kind == PartitionBound::kHash) return hash_takes(p, key_hash(parent, key));
  if (p.kind == PartitionBound::kList) {
    const Oid type = parent.columns[parent.partition_key[0]].type.oid;
    for (const auto& v : p.values) {
      if (v.is_null() != key[0].is_null()) continue;
      if (v.is_null() || types::equal(v, key[0], type)) return true;
    }
    return false;
  }
  if (p.kind == PartitionBound::kRange) {
    for (const auto& k : key)
      if (k.is_null()) return false;  // a NULL in a range key goes to the default partition
    return compare_to_bound(parent, key, p.from) >= 0 && compare_to_bound(parent, key, p.to) < 0;
  }
  return false;
}

std::vector<Datum> key_of(const catalog::Table& parent, const Row& row) {
  std::vector<Datum> key;
  for (int c : parent.partition_key) key.push_back(row[c]);
  return key;
}

// The partition of `parent` (one level) that takes key: a bound's, else the default; null.
const ParsedPartition* choose(const catalog::Table& parent, const std::vector<Datum>& key,
                              ExecContext& cx) {
  if (parent.partition_strategy == PartitionBound::kHash) {  // one hash for every partition
    const uint64_t hash = key_hash(parent, key);
    for (const auto& p : partitions(parent, cx))
      if (hash_takes(p, hash)) return &p;
    return nullptr;
  }
  const ParsedPartition* dflt = nullptr;
  for (const auto& p : partitions(parent, cx)) {
    if (p.kind == PartitionBound::kDefault)
      dflt = &p;
    else if (takes(parent, p, key))
      return &p;
  }
  return dflt;
}

std::string quote_literal(const std::string& s) {
  std::string out = "'";
  for (char ch : s) {
    if (ch == '\'') out += '\'';
    out += ch;
  }
  return out + "'";
}

// A bound value as PostgreSQL's get_const_expr prints it without a type label.
std::string value_text(const std::optional<std::string>& text, Oid type) {
  if (!text) return "NULL";
  switch (type) {
    case type_oid::kInt2:
    case type_oid::kInt4:
    case type_oid::kInt8:
    case type_oid::kOid:
    case type_oid::kFloat4:
    case type_oid::kFloat8:
    case type_oid::kNumeric:
      if (!text->empty() && (*text)[0] != '-' && (*text)[0] != 'N' && (*text)[0] != 'I')
        return *text;
      return quote_literal(*text);
    case type_oid::kBool:
      return *text == "t" ? "true" : "false";
    default:
      return quote_literal(*text);
  }
}

std::string column_name_list(const catalog::Table& parent) {
  std::string s;
  for (size_t i = 0; i < parent.partition_key.size(); ++i) {
    if (i) s += ", ";
    s += parent.columns[parent.partition_key[i]].name;
  }
  return s;
}

[[noreturn]] void bound_error(const char* state, std::string msg, int location,
                              std::string detail = {}) {
  Error e;
  e.sqlstate = state;
  e.message = std::move(msg);
  e.detail = std::move(detail);
  if (location >= 0) e.position = location + 1;
  throw SqlError(std::move(e));
}

constexpr const char* kInvalidObjectDefinition = "42P17";
constexpr const char* kInvalidTableDefinition = "42P16";

// Where a FOR VALUES item starts in the statement (PostgreSQL's exprLocation); -1: unknown.
int datum_location(const PgQuery__Node* n) {
  switch (n->node_case) {
    case PG_QUERY__NODE__NODE_A_CONST:
      return n->a_const->location;
    case PG_QUERY__NODE__NODE_COLUMN_REF:
      return n->column_ref->location;
    case PG_QUERY__NODE__NODE_TYPE_CAST:
      return n->type_cast->arg ? datum_location(n->type_cast->arg) : n->type_cast->location;
    case PG_QUERY__NODE__NODE_A_EXPR:
      return n->a_expr->location;
    case PG_QUERY__NODE__NODE_FUNC_CALL:
      return n->func_call->location;
    default:
      return -1;
  }
}

// A FOR VALUES expression converted to the key column's type, as text.
std::optional<std::string> bound_value(const PgQuery__Node* n, const catalog::Column& col,
                                       ExecContext& cx) {
  catalog::Table no_columns;
  auto e = bind::bind_table_expr(cx.catalog, no_columns, parse::deparse_expr(n), &col.type);
  Datum v = eval(*e, Row{}, cx);
  if (v.is_null()) return std::nullopt;
  // Kept in UTC: a timestamptz bound keeps its offset ("+00"), the instant it was read as in
  // the creating session's zone, whatever zone a later reader has.
  return types::to_text(v, col.type);
}

std::vector<RangeDatum> range_side(const catalog::Table& parent, PgQuery__Node** items, size_t n,
                                   const char* which, ExecContext& cx) {
  if (n != parent.partition_key.size())
    bound_error(kInvalidTableDefinition,
                std::string(which) + " must specify exactly one value per partitioning column", -1);
  std::vector<RangeDatum> out;
  for (size_t i = 0; i < n; ++i) {
    RangeDatum d;
    const PgQuery__Node* item = items[i];
    if (item->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && item->column_ref->n_fields == 1 &&
        item->column_ref->fields[0]->node_case == PG_QUERY__NODE__NODE_STRING) {
      const std::string name = item->column_ref->fields[0]->string->sval;
      if (name == "minvalue")
        d.kind = RangeDatum::kMinValue;
      else if (name == "maxvalue")
        d.kind = RangeDatum::kMaxValue;
    }
    if (d.kind == RangeDatum::kValue) {
      auto v = bound_value(item, parent.columns[parent.partition_key[i]], cx);
      if (!v) bound_error("22004", "cannot specify NULL in range bound", -1);
      d.text = *v;
    }
    out.push_back(std::move(d));
  }
  // After MINVALUE every column must be MINVALUE (MAXVALUE likewise), as PostgreSQL's
  // validateInfiniteBounds requires.
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i - 1].kind == RangeDatum::kMaxValue && out[i].kind != RangeDatum::kMaxValue)
      bound_error("42P16", "every bound following MAXVALUE must also be MAXVALUE", -1);
    if (out[i - 1].kind == RangeDatum::kMinValue && out[i].kind != RangeDatum::kMinValue)
      bound_error("42P16", "every bound following MINVALUE must also be MINVALUE", -1);
  }
  return out;
}

std::string range_side_text(const catalog::Table& parent, const std::vector<RangeDatum>& side) {
  std::string s = "(";
  for (size_t i = 0; i < side.size(); ++i) {
    if (i) s += ", ";
    if (side[i].kind == RangeDatum::kMinValue)
      s += "MINVALUE";
    else if (side[i].kind == RangeDatum::kMaxValue)
      s += "MAXVALUE";
    else
      s += value_text(side[i].text, parent.columns[parent.partition_key[i]].type.oid);
  }
  return s + ")";
}

// FOR VALUES WITH (MODULUS m, REMAINDER r), checked as PostgreSQL's transformPartitionBound
// and check_new_partition_bound check it: every modulus divides the next larger one among the
// partitions ordered by (modulus, remainder), so that each remainder class of the greatest
// modulus belongs to at most one partition, and the new partition's classes are free.
PartitionBound hash_bound(const catalog::Table& parent, const PgQuery__PartitionBoundSpec* spec,
                          const std::string& part_name, ExecContext& cx) {
  if (spec->modulus <= 0)
    bound_error(kInvalidTableDefinition,
                "modulus for hash partition must be an integer value greater than zero", -1);
  if (spec->remainder < 0)
    bound_error(kInvalidTableDefinition,
                "remainder for hash partition must be an integer value greater than or equal to "
                "zero",
                -1);
  if (spec->remainder >= spec->modulus)
    bound_error(kInvalidTableDefinition, "remainder for hash partition must be less than modulus",
                -1);
  PartitionBound b;
  b.kind = PartitionBound::kHash;
  b.modulus = spec->modulus;
  b.remainder = spec->remainder;
  std::vector<const ParsedPartition*> sorted;
  for (const auto& p : partitions(parent, cx))
    if (p.kind == PartitionBound::kHash) sorted.push_back(&p);
  if (sorted.empty()) return b;
  auto before = [](const ParsedPartition* p, int32_t m, int32_t r) {
    return p->modulus < m || (p->modulus == m && p->remainder < r);
  };
  std::sort(sorted.begin(), sorted.end(), [&](const ParsedPartition* x, const ParsedPartition* y) {
    return before(x, y->modulus, y->remainder);
  });
  auto factor_error = [&](const char* relation, int32_t other, const ParsedPartition& p) {
    bound_error(kInvalidObjectDefinition,
                "every hash partition modulus must be a factor of the next larger modulus", -1,
                "The new modulus " + std::to_string(b.modulus) + " is " + relation + " " +
                    std::to_string(other) + ", the modulus of existing partition \"" +
                    p.table->name + "\".");
  };
  // The last partition at or before (modulus, remainder), and the one after it.
  size_t after = 0;
  while (after < sorted.size() &&
         (before(sorted[after], b.modulus, b.remainder) ||
          (sorted[after]->modulus == b.modulus && sorted[after]->remainder == b.remainder)))
    ++after;
  if (after > 0 && b.modulus % sorted[after - 1]->modulus != 0)
    factor_error("not divisible by", sorted[after - 1]->modulus, *sorted[after - 1]);
  if (after < sorted.size() && sorted[after]->modulus % b.modulus != 0)
    factor_error("not a factor of", sorted[after]->modulus, *sorted[after]);
  // The remainder classes of the greatest modulus the new partition would take.
  int32_t greatest = 0;
  for (const auto* p : sorted) greatest = std::max(greatest, p->modulus);
  for (int64_t r = b.remainder % greatest; r < greatest; r += b.modulus)
    for (const auto* p : sorted)
      if (r % p->modulus == p->remainder)
        bound_error(
            kInvalidObjectDefinition,
            "partition \"" + part_name + "\" would overlap partition \"" + p->table->name + "\"",
            spec->location);
  return b;
}

}  // namespace

const std::vector<catalog::TablePtr>& leaf_partitions(const catalog::Table& parent,
                                                      ExecContext& cx) {
  auto& c = cache(cx);
  auto it = c.leaves.find(parent.oid);
  if (it != c.leaves.end()) return it->second;
  std::vector<catalog::TablePtr> out;
  for (const auto& p : partitions(parent, cx)) {
    if (p.table->is_partitioned()) {
      const auto& below = leaf_partitions(*p.table, cx);
      out.insert(out.end(), below.begin(), below.end());
    } else {
      out.push_back(p.table);
    }
  }
  return cache(cx).leaves.emplace(parent.oid, std::move(out)).first->second;
}

std::vector<catalog::TablePtr> partitions_for_key(const catalog::Table& parent,
                                                  const std::vector<Datum>& key, ExecContext& cx) {
  for (const auto& v : key)
    if (v.is_null()) return {};
  const ParsedPartition* p = choose(parent, key, cx);
  if (!p) return {};
  if (p->table->is_partitioned()) return leaf_partitions(*p->table, cx);
  return {p->table};
}

const catalog::Table& route_row(const catalog::Table& parent, const Row& row, ExecContext& cx) {
  const catalog::Table* level = &parent;
  while (level->is_partitioned()) {
    auto key = key_of(*level, row);
    const ParsedPartition* p = choose(*level, key, cx);
    if (!p) {
      std::string values;
      for (size_t i = 0; i < key.size(); ++i) {
        if (i) values += ", ";
        values += key[i].is_null()
                      ? "null"
                      : types::to_text(key[i], level->columns[level->partition_key[i]].type,
                                       cx.fctx.zone);
      }
      Error e;
      e.sqlstate = sqlstate::kCheckViolation;
      e.message = "no partition of relation \"" + level->name + "\" found for row";
      e.detail = "Partition key of the failing row contains (" + column_name_list(*level) +
                 ") = (" + values + ").";
      throw SqlError(std::move(e));
    }
    level = p->table.get();
  }
  return *level;
}

bool row_fits_partition(const catalog::Table& parent, const catalog::Table& part, const Row& row,
                        ExecContext& cx) {
  auto key = key_of(parent, row);
  if (part.partition_bound.kind == PartitionBound::kDefault) {
    for (const auto& p : partitions(parent, cx))
      if (p.table->oid != part.oid && p.kind != PartitionBound::kDefault && takes(parent, p, key))
        return false;
    return true;
  }
  for (const auto& p : partitions(parent, cx))  // parsed once per statement
    if (p.table->oid == part.oid) return takes(parent, p, key);
  // Not a partition yet (ATTACH PARTITION checking its rows).
  ParsedPartition p = parse_partition(parent, std::make_shared<catalog::Table>(part));
  return takes(parent, p, key);
}

bool row_in_partition(const catalog::Table& part, const Row& row, ExecContext& cx) {
  catalog::TablePtr holder;  // keeps `level` alive above the first level
  for (const catalog::Table* level = &part; level->partition_parent != 0;) {
    auto parent = cx.catalog.table_by_oid(level->partition_parent);
    if (!parent) return true;  // the parent is gone (DETACH in flight): nothing to check
    if (!row_fits_partition(*parent, *level, row, cx)) return false;
    holder = std::move(parent);
    level = holder.get();
  }
  return true;
}

catalog::PartitionBound make_partition_bound(const catalog::Table& parent,
                                             const PgQuery__PartitionBoundSpec* spec,
                                             const std::string& part_name, ExecContext& cx) {
  PartitionBound b;
  const int location = spec->location;
  const std::string strategy = spec->strategy ? spec->strategy : "";
  if (spec->is_default) {
    if (parent.partition_strategy == PartitionBound::kHash)
      bound_error(kInvalidTableDefinition,
                  "a hash-partitioned table may not have a default partition", -1);
    b.kind = PartitionBound::kDefault;
    for (const auto& p : partitions(parent, cx))
      if (p.kind == PartitionBound::kDefault)
        bound_error(kInvalidObjectDefinition,
                    "partition \"" + part_name + "\" conflicts with existing default partition \"" +
                        p.table->name + "\"",
                    location);
    return b;
  }
  const char want = parent.partition_strategy;
  const char given = strategy.empty() ? 0 : strategy[0];
  if (given != want) {
    const char* what = want == 'l' ? "list" : want == 'h' ? "hash" : "range";
    bound_error(kInvalidTableDefinition,
                std::string("invalid bound specification for a ") + what + " partition", location);
  }
  if (want == PartitionBound::kHash) return hash_bound(parent, spec, part_name, cx);
  if (want == PartitionBound::kList) {
    b.kind = PartitionBound::kList;
    const auto& col = parent.columns[parent.partition_key[0]];
    for (size_t i = 0; i < spec->n_listdatums; ++i) {
      auto v = bound_value(spec->listdatums[i], col, cx);
      // As PostgreSQL: the first listed value an existing partition takes is the overlap.
      const std::vector<Datum> key{v ? types::from_text(*v, col.type) : Datum()};
      for (const auto& p : partitions(parent, cx))
        if (p.kind == PartitionBound::kList && takes(parent, p, key))
          bound_error(
              kInvalidObjectDefinition,
              "partition \"" + part_name + "\" would overlap partition \"" + p.table->name + "\"",
              datum_location(spec->listdatums[i]));
      bool dup = false;
      for (const auto& have : b.values) dup = dup || have == v;
      if (!dup) b.values.push_back(std::move(v));
    }
    return b;
  }
  b.kind = PartitionBound::kRange;
  b.from = range_side(parent, spec->lowerdatums, spec->n_lowerdatums, "FROM", cx);
  b.to = range_side(parent, spec->upperdatums, spec->n_upperdatums, "TO", cx);
  // Range errors point at the lower bound, as PostgreSQL's do.
  const int lower_location = spec->n_lowerdatums ? datum_location(spec->lowerdatums[0]) : location;
  catalog::Table shell;
  shell.partition_bound = b;
  ParsedPartition mine = parse_partition(parent, std::make_shared<catalog::Table>(shell));
  if (compare_bounds(parent, mine.from, mine.to) >= 0)
    bound_error(kInvalidObjectDefinition,
                "empty range bound specified for partition \"" + part_name + "\"", lower_location,
                "Specified lower bound " + range_side_text(parent, b.from) +
                    " is greater than or equal to upper bound " + range_side_text(parent, b.to) +
                    ".");
  for (const auto& p : partitions(parent, cx)) {
    if (p.kind != PartitionBound::kRange) continue;
    if (compare_bounds(parent, mine.from, p.to) < 0 && compare_bounds(parent, p.from, mine.to) < 0)
      bound_error(
          kInvalidObjectDefinition,
          "partition \"" + part_name + "\" would overlap partition \"" + p.table->name + "\"",
          lower_location);
  }
  return b;
}

void check_default_partition(const catalog::Table& parent, const catalog::Table& part,
                             ExecContext& cx) {
  if (part.partition_bound.kind == PartitionBound::kDefault) return;
  for (const auto& p : partitions(parent, cx)) {
    if (p.kind != PartitionBound::kDefault || p.table->oid == part.oid) continue;
    scan_table(*p.table, bind::TableAccess{}, Row{}, cx, [&](StoredRow& r) {
      if (row_fits_partition(parent, part, r.row, cx))
        throw SqlError(sqlstate::kCheckViolation,
                       "updated partition constraint for default partition \"" + p.table->name +
                           "\" would be violated by some row");
      return true;
    });
  }
}

namespace {

// A bound value as a constant of the key column's type in an expression (get_const_expr
// with its type label): int4 bare (a negative one quoted and labelled), bool bare, the rest
// quoted and labelled.
std::string labelled_const(const std::string& text, const TypeRef& type) {
  if (type.oid == type_oid::kInt4 && !text.empty() && text[0] != '-') return text;
  if (type.oid == type_oid::kBool) return text == "t" ? "true" : "false";
  return quote_literal(text) + "::" + types::format_type(type);
}

}  // namespace

std::optional<std::string> partition_constraint_text(const catalog::Table& parent,
                                                     const catalog::Table& part) {
  if (parent.partition_parent != 0) return std::nullopt;
  const PartitionBound& b = part.partition_bound;
  if (b.kind == PartitionBound::kHash)
    return "satisfies_hash_partition('" + std::to_string(parent.oid) + "'::oid, " +
           std::to_string(b.modulus) + ", " + std::to_string(b.remainder) + ", " +
           column_name_list(parent) + ")";
  if (b.kind == PartitionBound::kList) {
    const auto& col = parent.columns[parent.partition_key[0]];
    std::vector<std::string> values;
    bool has_null = false;
    for (const auto& v : b.values) {
      if (v)
        values.push_back(labelled_const(*v, col.type));
      else
        has_null = true;
    }
    std::string cmp;
    if (values.size() == 1) {
      cmp = "(" + col.name + " = " + values[0] + ")";
    } else if (!values.empty()) {
      cmp = "(" + col.name + " = ANY (ARRAY[";
      for (size_t i = 0; i < values.size(); ++i) cmp += (i ? ", " : "") + values[i];
      cmp += "]))";
    }
    if (has_null)
      return cmp.empty() ? "(" + col.name + " IS NULL)"
                         : "((" + col.name + " IS NULL) OR " + cmp + ")";
    return "((" + col.name + " IS NOT NULL) AND " + cmp + ")";
  }
  if (b.kind == PartitionBound::kRange && parent.partition_key.size() == 1) {
    const auto& col = parent.columns[parent.partition_key[0]];
    std::string s = "((" + col.name + " IS NOT NULL)";
    if (b.from[0].kind == RangeDatum::kValue)
      s += " AND (" + col.name + " >= " + labelled_const(b.from[0].text, col.type) + ")";
    if (b.to[0].kind == RangeDatum::kValue)
      s += " AND (" + col.name + " < " + labelled_const(b.to[0].text, col.type) + ")";
    return s + ")";
  }
  return std::nullopt;
}

std::string partition_key_text(const catalog::Table& t) {
  const char* strategy = t.partition_strategy == PartitionBound::kList   ? "LIST"
                         : t.partition_strategy == PartitionBound::kHash ? "HASH"
                                                                         : "RANGE";
  return std::string(strategy) + " (" + column_name_list(t) + ")";
}

std::string partition_bound_text(const catalog::Table& parent, const catalog::PartitionBound& b) {
  if (b.kind == PartitionBound::kDefault) return "DEFAULT";
  if (b.kind == PartitionBound::kHash)
    return "FOR VALUES WITH (modulus " + std::to_string(b.modulus) + ", remainder " +
           std::to_string(b.remainder) + ")";
  if (b.kind == PartitionBound::kList) {
    std::string s = "FOR VALUES IN (";
    const Oid type = parent.columns[parent.partition_key[0]].type.oid;
    for (size_t i = 0; i < b.values.size(); ++i) {
      if (i) s += ", ";
      s += value_text(b.values[i], type);
    }
    return s + ")";
  }
  return "FOR VALUES FROM " + range_side_text(parent, b.from) + " TO " +
         range_side_text(parent, b.to);
}

}  // namespace hf::sql::exec
