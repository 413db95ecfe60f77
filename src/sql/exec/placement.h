// sql/exec/placement.h — which partition a key goes to: the routing keys the executor hands
// the coordinator (coord/transaction.h routes by the hash of the routing key).
//
// Owns the rule of doc/placement.md: a row key's routing key is the encoding of the table's
// partition-key columns, the first Table::placement_width() columns of the primary key, which
// is a prefix of the row key itself (keys are self-delimiting, column by column); an index
// entry's routing key is the encoding of the index's first Index::placement_width() key
// columns. Rows that share a partition key therefore share a partition, and a key interval
// whose every key starts with one partition-key value lies in one partition.
//
// Promises: pure and thread-safe; never suspends. The coordinator and the partitions never
// decode keys: this module is the only place that knows where a partition key ends.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "catalog/catalog.h"

namespace hf::sql::exec {

// The routing key of a row key of table t (also of t's forwarding entries, which live with
// the row they forward from).
std::string row_routing(const catalog::Table& t, std::string_view row_key);

// Encodes key columns one at a time and remembers where the partition key ends.
// `width` is the number of leading columns that place the key.
class KeyBuilder {
 public:
  explicit KeyBuilder(size_t width) : width_(width) {}
  void add(const Datum& v, Oid type);
  const std::string& key() const { return key_; }
  std::string& mutable_key() { return key_; }
  size_t columns() const { return columns_; }
  // Whether the columns added so far fix the partition (at least `width` of them).
  bool placed() const { return columns_ >= width_; }
  // The routing key; REQUIRES placed().
  std::string routing() const { return key_.substr(0, routing_len_); }

 private:
  size_t width_;
  size_t columns_ = 0;
  size_t routing_len_ = 0;
  std::string key_;
};

}  // namespace hf::sql::exec
