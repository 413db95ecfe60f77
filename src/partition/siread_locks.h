// partition/siread_locks.h — one partition's SIREAD ("predicate") locks for SERIALIZABLE.
//
// A serializable read leaves a SIREAD lock on what it read so that a later write by a
// concurrent transaction is seen as a rw-antidependency (PostgreSQL's SSI, README-SSI). They
// never block anyone. Granularity per keyspace (a table's rows or one index):
//   - a key: get() of that key, found or not (a later insert of the key conflicts);
//   - a key range [start, end): a bounded scan (an insert into the range conflicts);
//   - the whole keyspace: an unbounded scan (PostgreSQL's relation lock after a seq scan).
// A key lock remembers the reader's snapshot, so a writer replacing a newer version than the
// reader saw does not count it (see holders()).
// Memory is bounded per transaction and keyspace: past kMaxLocksPerSpace key/range locks, a
// transaction's locks in that keyspace are promoted to one whole-keyspace lock (PostgreSQL
// promotes tuple -> page -> relation the same way). Locks stay until release(txn): the
// coordinator releases them only when no overlapping transaction can need them.
// Thread-safe (one mutex); never suspends; never calls out.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "partition_api/partition.h"

namespace hf::partition {

class SireadLocks {
 public:
  static constexpr size_t kMaxLocksPerSpace = 512;

  // read_ts: the reader's snapshot (which version of the key it saw).
  void lock_key(partition_api::TxnId txn, const partition_api::KeySpace& space,
                const std::string& key, partition_api::Timestamp read_ts = 0);
  // Empty start and end: the whole keyspace.
  void lock_range(partition_api::TxnId txn, const partition_api::KeySpace& space,
                  const std::string& start, const std::string& end);
  // Holders other than `except` of a lock covering (space, key), each once. `overwritten_ts`:
  // the commit timestamp of the live version the writer replaces (0: none, an insert). A key
  // lock taken by a snapshot older than that version is on a version already overwritten,
  // as PostgreSQL's tuple lock is on the tuple version read: its rw-conflict went to the
  // version's writer, not to this one. Range and keyspace locks always count.
  std::vector<partition_api::TxnId> holders(const partition_api::KeySpace& space,
                                            const std::string& key, partition_api::TxnId except,
                                            partition_api::Timestamp overwritten_ts = 0) const;
  void release(partition_api::TxnId txn);
  size_t lock_count() const;  // for tests

 private:
  using SpaceId = uint64_t;
  static SpaceId space_id(const partition_api::KeySpace& s) {
    return uint64_t{s.table_id} << 32 | s.index_id;
  }
  struct Range {
    std::string end;  // exclusive; empty: unbounded
    partition_api::TxnId txn;
  };
  struct Space {
    std::set<partition_api::TxnId> whole;
    std::map<std::string, std::map<partition_api::TxnId, partition_api::Timestamp>> keys;
    std::multimap<std::string, Range> ranges;  // by start
  };
  struct Held {  // one key or range lock of a transaction, for release
    bool range = false;
    std::string a, b;
  };
  struct TxnLocks {
    std::unordered_map<SpaceId, std::vector<Held>> by_space;
    std::set<SpaceId> whole;
  };
  void promote(partition_api::TxnId txn, SpaceId sid, TxnLocks& tl);
  void drop_held(partition_api::TxnId txn, SpaceId sid, const std::vector<Held>& held);

  mutable std::mutex mu_;
  std::unordered_map<SpaceId, Space> spaces_;
  std::unordered_map<partition_api::TxnId, TxnLocks> txns_;
};

}  // namespace hf::partition
