// partition/mvcc/record.h — the MVCC row record and its visibility rule.
//
// One RocksDB key per row (storage/keys.h 'r'): its value is a Record:
//   - the newest committed version: commit_ts, deleted flag, value (absent when the key
//     never committed);
//   - the commit timestamps of the newest kMaxListedHistory older committed versions still
//     kept in the history keyspace ('h' + row key + ~ts), newest first — so a read of a
//     recent version is one Get of a known key and garbage collection deletes known keys —
//     and whether older ones exist beyond the list (history_more). The list is bounded
//     because every write rewrites the record: while an old snapshot holds the GC horizon
//     back, a hot row would otherwise grow by 8 bytes a write and each write would cost
//     O(writes since the snapshot). A read of an unlisted version seeks the history keys
//     (Visibility::kHistoryOlder), as do GC and SSI for them: the rare, old-snapshot path;
//   - an optional intent: the writing TxnId and a small stack of entries
//     {sub, cid, deleted, value}, oldest first. A transaction's writes push (or, for the
//     same sub and command, replace) the top entry; entries of older commands stay so that
//     a statement does not see its own writes; rollback_subtransactions removes entries of
//     rolled-back subtransactions eagerly.
//
// Encoding (little surprises avoided: fixed-width big-endian integers):
//   u8 flags (1 committed, 2 committed-deleted, 4 intent, 8 history beyond the list)
//   [committed] u64 commit_ts, u32 len, value
//   u16 nhistory, u64 ts * nhistory, [flag 8] u64 history_floor
//   [intent] u64 txn, u16 nentries, {u32 sub, u32 cid, u8 deleted, u32 len, value} * n
//
// Record holds string_views into the buffer it was decoded from (or into the caller's
// strings when built for encoding): the buffer must outlive it. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "partition_api/partition.h"

namespace hf::mvcc {

using partition_api::CommandId;
using partition_api::ReadView;
using partition_api::SubId;
using partition_api::Timestamp;
using partition_api::TxnId;
using partition_api::TxnStatusOracle;

// How many older versions a record lists (Record::history).
inline constexpr size_t kMaxListedHistory = 32;

struct IntentEntry {
  SubId sub = 0;
  CommandId cid = 0;
  bool deleted = false;
  std::string_view value;
};

struct Record {
  bool has_committed = false;
  Timestamp commit_ts = 0;
  bool deleted = false;
  std::string_view value;
  std::vector<Timestamp> history;  // older committed versions kept in 'h', newest first
  // History keys older than history.back() exist that the list leaves out (REQUIRES: history
  // is not empty when set), none older than history_floor: garbage collection deleted
  // those, so a seek among the unlisted stops there instead of stepping over their
  // tombstones.
  bool history_more = false;
  Timestamp history_floor = 0;
  TxnId intent_txn = 0;  // 0: no intent
  std::vector<IntentEntry> entries;

  bool has_intent() const { return intent_txn != 0 && !entries.empty(); }
  partition_api::Version newest() const {
    return {has_committed ? commit_ts : 0, has_committed && deleted};
  }
  // Removes the intent entirely.
  void clear_intent() {
    intent_txn = 0;
    entries.clear();
  }
  // True when the record says nothing (no committed version, no history, no intent).
  bool empty() const { return !has_committed && history.empty() && !history_more && !has_intent(); }
};

// Returns false on a malformed buffer.
bool decode_record(std::string_view buf, Record* out);
void encode_record(const Record& r, std::string* out);

// A history value: u8 deleted, value bytes.
std::string encode_history(bool deleted, std::string_view value);
bool decode_history(std::string_view buf, bool* deleted, std::string_view* value);

// What a view sees of a record.
struct Visibility {
  enum Kind : uint8_t {
    kInvisible,     // nothing visible (never existed, deleted, or only newer versions)
    kOwn,           // the view's own uncommitted write: value / deleted in `entry`
    kCommitted,     // the record's committed version (or a committed intent being resolved)
    kHistory,       // read history version history_ts (one Get), visible unless deleted
    kHistoryOlder,  // an unlisted history version: the newest at or below ts (one seek)
  } kind = kInvisible;
  bool deleted = false;
  std::string_view value;
  Timestamp ts = 0;  // commit ts of what is visible (0 for kOwn)
  // The newest committed version, counting an intent whose transaction committed.
  partition_api::Version newest;
  // The oracle called another transaction's intent aborted. A transaction that committed
  // leaves the oracle's table only after its intents were resolved, so a caller that
  // re-reads the record and finds the same intent knows it is dead (see LocalPartition).
  bool intent_reported_aborted = false;
};

// The visibility rule (doc/storage-format.md §Visibility). `oracle` answers for other
// transactions' intents; `dead_below`: intents of TxnIds below it are known dead (earlier
// boots) and the oracle is not asked.
Visibility visible(const Record& r, const ReadView& view, TxnStatusOracle* oracle,
                   TxnId dead_below);

// Pushes a write of (sub, cid) by txn onto the intent stack (replacing a top entry of the
// same sub and cid). REQUIRES: r.intent_txn is 0 or txn.
void push_intent(Record& r, TxnId txn, SubId sub, CommandId cid, bool deleted,
                 std::string_view value);

// Removes the intent entries of subtransactions >= first. Returns true if any was removed.
bool rollback_intent(Record& r, SubId first);

}  // namespace hf::mvcc
