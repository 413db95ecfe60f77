// partition/mvcc/store.h — one partition's MVCC rows on the shared storage::Engine.
//
// MvccStore reads rows at a ReadView (record.h's visibility rule; no RocksDB snapshots),
// and turns a transaction's writes into intents and intents into versions. It does NOT
// lock: the caller (LocalPartition) guarantees that only the transaction holding a row's
// write lock modifies that row's record, so each read-modify-write is race-free. Readers
// may run concurrently with anything: every record write is one atomic RocksDB Put.
//
// Durability choices (doc/storage-format.md §Durability):
//   - intents and savepoint rollbacks: kWal, unsynced. The commit record's synced write
//     later flushes the WAL up to it, so a committed transaction's intents are durable.
//     kNoWal would lose a committed transaction's values on a crash (recovery resolves
//     intents; it needs them in the WAL).
//   - resolution at commit: kWal (the commit record is the durable truth; recovery redoes it).
//   - abort: kNoWal — a lost abort leaves a dead intent of a transaction without commit
//     record, which every reader ignores and the next writer drops.
//   - pruning: kNoWal. A lost prune (a crash before the memtable is flushed) only brings
//     back a dead record and its history keys, pruned again later. A write after the prune
//     that re-creates the key is in the WAL, after it, and replaces the record; history keys
//     of the old record that come back are older than every version the new record lists
//     (or its history floor), so no read, GC or SSI check reaches them. (The WAL append was
//     a fifth of a prune's cost; pruned at most once per claim in a queue.)
//
// Pruning of dead records (PostgreSQL's on-access heap pruning / index kill bits): a record
// is DEAD when its newest committed version is a deletion with commit_ts <= the GC horizon
// and it has no live intent. Every view at or above the horizon (every present and future
// reader) sees nothing there, exactly as if the record were absent, and no snapshot below
// the horizon exists; so the record and its history keys can go. Scan cursors note the dead
// records they step over and hand them, in batches, to the prune sink (LocalPartition, which
// excludes lock holders with a try-lock in its lock table) when the cursor is destroyed or
// has collected kPruneBatch keys. prune() re-reads the record and deletes it only if it is
// still dead, under a per-key stripe mutex that write_intent() also takes for its
// read-modify-write: a record without intent changes only through write_intent(), so the
// re-check stays true until the delete is written, whichever writer (locked or not) comes.
//
// Known-empty ranges: pruning leaves RocksDB tombstones that every iterator still steps over
// until compaction, so a queue drained from its front would still be scanned from its start.
// A forward scan that pruned every record from its start key up to some key K records
// [start, K) as holding no record; later scans starting inside that range seek to K. Only
// write_intent() creates records (recovery runs before any scan), and it reports a record it
// creates to the registry, which (a) shrinks any known-empty range around it and (b) marks
// dirty every scan watching that key; a scan registers its watch BEFORE it opens its
// iterator and claims a range only if its watch stayed clean, so a record created after the
// iterator's snapshot (which the scan could not see) never ends up inside a claimed range.
//
// Filtered ranges (issue 13: a queue's claim `WHERE state = 'queued' ORDER BY id LIMIT 1 FOR
// UPDATE SKIP LOCKED` stepped over every done row on every claim). A scan may carry the name
// of a row filter its caller applies (ScanRequest::filter: the same name means the same
// predicate over the stored value, deterministic); the caller tells the cursor which returned
// rows failed it (RowCursor::reject). A forward scan whose every record from its start up to
// some key K was either a rejected row or invisible, each SETTLED (no live intent, newest
// committed version at or below the view's read_ts), records [start, K) for that filter with
// the newest commit ts T among them: a view with read_ts >= T sees in that range exactly what
// the scan saw, unless a record in it is written afterwards. Every write that can change what
// such a view sees reports its key (note_written): an intent put in storage (write_intent,
// flush_buffer) and a resolution that makes a buffered intent a version without an intent
// record first (resolve_commit), after the write is applied and before the commit ts can be
// published. The report cuts every filtered range around the key and lowers the watch's
// first_written, so a scan whose iterator missed the write claims only below it. Later
// scans with the same filter, at read_ts >= T, without buffered intents of their own and not
// SERIALIZABLE, start at K. Intents never make a record settled, so an uncommitted or
// unresolved write is never inside a range; aborts and savepoint rollbacks only restore a
// record a range could not cover, and pruning removes only records nobody sees.
//
// The write buffer. Most transactions' intents never need to be seen by anybody else before
// they commit: a row is written only under its NoKeyUpdate/Update lock, so no other writer
// touches it, and plain readers ignore uncommitted intents anyway. So buffer_intent() keeps a
// transaction's intents in memory, per transaction, where only that transaction's own reads
// (get, scan, latest with its TxnId) see them, merged with the stored records. They reach
// storage in one batch: flush_buffer() at prepare / in the commit record's synced batch (as
// intent records, so recovery works unchanged), and resolution then works from the buffer
// instead of reading every record again. A write of a SERIALIZABLE transaction is not
// buffered (write_intent() at once): concurrent serializable readers must see the intent to
// report the rw-conflict (PostgreSQL's conflict-out). A buffer past kBufferLimit bytes, or
// one that grows the partition's buffers past kPartitionBufferBudget, spills: its intents are
// written out as intent records and the memory is freed; later writes buffer again, except
// of keys already spilled (their intent is in storage: write_intent() updates it there). A buffered
// record is created in storage only by its flush, which reports it to the known-empty ranges then
// (note_created()). Buffers are touched only by their own transaction's fiber; buf_mu_ guards the
// map of them.
//
// Thread-safe (see above). Never suspends.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <rocksdb/write_batch.h>

#include "partition/mvcc/record.h"
#include "partition_api/partition.h"
#include "runtime/fiber.h"
#include "storage/engine.h"

namespace hf::mvcc {

using partition_api::KeySpace;
using partition_api::LatestState;
using partition_api::RowCursor;
using partition_api::RowVersion;
using partition_api::ScanRequest;

// A cursor reports the dead records it steps over in batches of at most this many.
inline constexpr size_t kPruneBatch = 128;
// Bytes of buffered intents per transaction and partition before its buffer spills, and of
// all transactions' buffers in one partition before the writer that adds to them spills.
inline constexpr size_t kBufferLimit = 32 << 20;
inline constexpr size_t kPartitionBufferBudget = 128 << 20;

// One buffered intent entry (record.h's IntentEntry, owning its value).
struct OwnedIntentEntry {
  SubId sub = 0;
  CommandId cid = 0;
  bool deleted = false;
  std::string value;
};
using OwnedIntent = std::vector<OwnedIntentEntry>;  // oldest first

// True when `r` is dead at GC horizon h (see the top of this file). Intents of earlier boots
// (TxnId < dead_below) are dead and do not count.
bool prunable(const Record& r, Timestamp h, TxnId dead_below);

// What a scan read at the dead records it reports: seen[i] is the record at rks[i] as read
// by a scan at a snapshot of read_ts (MvccStore::prune() may decide from it instead of reading
// again).
struct SeenRecords {
  const std::vector<std::string>* seen = nullptr;
  Timestamp read_ts = 0;
};

class MvccStore {
 public:
  using SeenRecords = mvcc::SeenRecords;
  // Receives row keys of records a scan found dead at its own view (the sink re-checks
  // against the GC horizon, via prune()) and sets (*pruned)[i] when rks[i] was removed.
  // Called on the scanning thread.
  using PruneSink = std::function<void(const std::vector<std::string>& rks, const SeenRecords& seen,
                                       std::vector<bool>* pruned)>;
  // A scan's registration in the known-empty range registry (see the top of this file).
  struct ScanWatch {
    std::string lo, hi;  // the scan's row key range [lo, hi) (hi "": unbounded)
    bool dirty = false;  // a record was created in it since the watch began
    // Filtered ranges (see the top of this file): the scan's filter ("": none) and the
    // smallest key written in [lo, hi) since the watch began ("": none).
    std::string filter;
    std::string first_written;
    bool written = false;
  };

  // dead_below: TxnIds below it belong to earlier boots (never asked about; dead).
  MvccStore(storage::Engine* engine, uint16_t partition, TxnId dead_below);
  ~MvccStore();  // the buffers left uncount as open writers
  MvccStore(const MvccStore&) = delete;
  MvccStore& operator=(const MvccStore&) = delete;

  void set_oracle(TxnStatusOracle* oracle) { oracle_ = oracle; }
  void set_gc_horizon(std::function<Timestamp()> f) { gc_horizon_ = std::move(f); }
  void set_prune_sink(PruneSink f) { prune_sink_ = std::move(f); }
  // Writes a batch of this partition's keys (every key in its range) at a durability level.
  // write_intent(), rollback() and prune() write through it; unset, straight to the engine.
  // LocalPartition sets its PartitionLog here (partition/partition_log.h), so that every
  // write of the partition can become a proposal of its group (doc/cluster.md §4).
  using BatchWriter = std::function<void(rocksdb::WriteBatch& batch, storage::Durability d)>;
  void set_batch_writer(BatchWriter f) { batch_writer_ = std::move(f); }
  // The GC horizon: the oldest read timestamp anybody may still read at (0: unknown, no GC).
  Timestamp horizon() const { return gc_horizon_ ? gc_horizon_() : 0; }
  // SERIALIZABLE: reads with ReadView::serializable report the writes they skip here.
  void set_ssi_sink(partition_api::SsiConflictSink* sink) { ssi_sink_ = sink; }

  std::string row_key(const KeySpace& space, std::string_view key) const;

  // Reads see the view's own buffered intents (view.txn).
  std::optional<RowVersion> get(const KeySpace& space, const std::string& key,
                                const ReadView& view);
  std::unique_ptr<RowCursor> scan(const ScanRequest& req);
  // own: the asking transaction; its buffered intent counts as an intent (intent_txn).
  LatestState latest(const KeySpace& space, const std::string& key, TxnId own = 0);
  // Added (issue 8): the newest committed version of several keys of one keyspace (any
  // order), as latest(space, key).newest each, through one storage iterator stepping from
  // key to key in key order instead of a point lookup each (a bulk FOR UPDATE checks a
  // batch of rows, mostly neighbours, at once).
  std::vector<partition_api::Version> latest_versions(const KeySpace& space,
                                                      const std::vector<std::string_view>& keys);
  // Added (issue 8): a commit timestamp at or above that of every transaction whose writes
  // to `space` this store has resolved (resolve_commit, before the write is applied and the
  // writer's locks go). A row of `space` read at a snapshot with read_ts >= this, and locked
  // in a mode that conflicts with a writer's lock, still has the newest committed version the
  // read saw: any later writer would still hold its lock. Conservative: keyspaces share 256
  // slots by hash.
  Timestamp last_resolved_commit(const KeySpace& space) const {
    return resolved_at_[resolved_slot(space.table_id, space.index_id)].load(
        std::memory_order_acquire);
  }

  // ---- the write buffer (see the top of this file) ----
  enum class BufferResult : uint8_t {
    kBuffered,   // kept in memory
    kSpillNow,   // kept, and the buffer is over its limit: the caller spills it now
    kUnbuffered  // not kept (flushed by prepare, or a key spilled before): use write_intent()
  };
  // REQUIRES: txn holds the row's write lock, or `unlocked` (an optimistic write).
  // new_key: no version of rk was ever stored (flush and resolution need not read one).
  // spilled_key (asked only after this buffer spilled): whether rk's intent is in storage
  // already; then kUnbuffered, and the caller updates it there with write_intent().
  // A key's first write under its lock may keep the record as txn's own get() read it
  // (the write-after-read record below): resolution then need not read it again.
  BufferResult buffer_intent(TxnId txn, SubId sub, CommandId cid, const std::string& rk,
                             const std::optional<std::string>& value, bool new_key = false,
                             const std::function<bool(const std::string&)>& spilled_key = {},
                             bool unlocked = false);
  // Adds txn's buffered intents to `batch` as intent records (read-modify-write of each
  // stored record) and appends to *created the keys whose records the batch creates (pass
  // them to note_created() once the batch is written). keep: the buffer stays, marked
  // flushed, for resolution (prepare); otherwise it is freed and every later write of txn in
  // this partition goes to storage (spill). Idempotent for a flushed buffer.
  // spilled (keep false): the keys flushed, each with the newest subtransaction that wrote it.
  // *written (optional) gets every record key the batch writes (for note_written()).
  void flush_buffer(TxnId txn, bool keep, rocksdb::WriteBatch& batch,
                    std::vector<std::string>* created,
                    std::vector<std::pair<std::string, SubId>>* spilled = nullptr,
                    std::vector<std::string>* written = nullptr);
  // The keys in txn's buffer, in key order; whether txn has one.
  std::vector<std::string> buffered_keys(TxnId txn);
  bool has_buffer(TxnId txn) { return buffer(txn, false) != nullptr; }
  // The bytes txn's buffer holds (0: none).
  size_t buffer_bytes(TxnId txn) {
    TxnBuffer* tb = buffer(txn, false);
    return tb ? tb->bytes : 0;
  }
  // Forgets txn's buffer. Returns true when any of txn's intents may be in storage (the
  // buffer was flushed or spilled, or txn wrote unbuffered): then resolve_abort() has work.
  bool drop_buffer(TxnId txn);
  // Removes buffered entries of subtransactions >= first. Returns true when any of txn's
  // intents may be in storage (see drop_buffer()).
  bool rollback_buffer(TxnId txn, SubId first);
  // Reports records created by a written batch (see known-empty ranges).
  void note_created(const std::vector<std::string>& rks);
  // Reports records a written batch changed (see filtered ranges): after the write is applied,
  // before a commit it resolves can be published.
  void note_written(const std::vector<std::string>& rks);
  // Reports records created anywhere in [first_rk, last_rk] (a load()): every watch over
  // that range is marked dirty and every known-empty range meeting it is forgotten.
  void note_created_range(const std::string& first_rk, const std::string& last_rk);
  // Added (issue 8): hands `put` the records of bulk-loaded rows (Partition::load), in the
  // rows' order: each a committed version at kFrozenTimestamp, without history or intent,
  // to be written blind. *first_rk / *last_rk: the smallest and largest row key (for
  // note_created_range() once they are written). REQUIRES: rows is not empty; no record
  // exists at any of the keys.
  using LoadSink = std::function<void(const std::string& rk, const std::string& record)>;
  void load(const KeySpace& space, const std::vector<std::pair<std::string, std::string>>& rows,
            const LoadSink& put, std::string* first_rk, std::string* last_rk);

  // Writes an intent of txn on row key rk (a row_key()). REQUIRES: txn holds the row's
  // write lock. Drops a dead intent of another transaction found there.
  void write_intent(TxnId txn, SubId sub, CommandId cid, const std::string& rk,
                    const std::optional<std::string>& value);
  // Adds to `batch` the resolution at commit_ts of txn's intents in its buffer and on the
  // given row keys of storage intents (the previous committed version moves to history;
  // history no snapshot needs is deleted). Keys without an intent of txn are skipped
  // (idempotent). Buffered keys resolve from the buffer (flushed: no read; else the stored
  // record is read and *created gets the keys the batch creates); the buffer is freed.
  // *written (optional) gets every record key the batch writes (for note_written()).
  void resolve_commit(TxnId txn, Timestamp commit_ts, const std::vector<std::string>& rks,
                      rocksdb::WriteBatch& batch, std::vector<std::string>* created = nullptr,
                      std::vector<std::string>* written = nullptr);
  // Adds to `batch` the removal of txn's intents on the keys.
  void resolve_abort(TxnId txn, const std::vector<std::string>& rks, rocksdb::WriteBatch& batch);
  // Removes intent entries of subtransactions >= first on the keys; writes kWal.
  void rollback(TxnId txn, SubId first, const std::vector<std::string>& rks);

  // Shared by get/scan: decodes `buf` (the record at rk) and fills `out` if visible.
  // `buf` may be re-read (a reported-aborted intent is re-checked once). When nothing is
  // visible and `dead_ts` is given, it is set to the commit ts of the record's deletion if
  // the record is a pruning candidate (newest committed version a deletion at or below the
  // view's read ts, no live intent), else 0.
  // own: the view's buffered intent on rk, attached to the record as its intent; with
  // exists=false there is no stored record (buf is ignored).
  // settled (optional): set to whether the record holds no live intent and its newest
  // committed version is at or below the view's read_ts (see filtered ranges), and then
  // *settled_ts to that version's commit ts (0: none).
  bool read_visible(const std::string& rk, std::string& buf, const ReadView& view, RowVersion* out,
                    Timestamp* dead_ts = nullptr, const OwnedIntent* own = nullptr,
                    bool exists = true, bool* settled = nullptr, Timestamp* settled_ts = nullptr);
  // Copies of txn's unflushed buffered intents with lo <= rk < hi (hi "": unbounded), by key.
  std::vector<std::pair<std::string, OwnedIntent>> buffered_range(TxnId txn, const std::string& lo,
                                                                  const std::string& hi);

  // Removes, in one write, the records at rks (and their history keys) that are dead at
  // horizon h (each re-read here); (*pruned)[i] tells whether rks[i] went. REQUIRES: h is at
  // most the GC horizon; the caller excludes the rows' lock holders (a lock holder may have
  // acted on a record's state). A record not dead, gone, or in a stripe a writer holds is
  // skipped, not waited for. Returns how many went.
  // seen (optional, rks' records as a scan read them): a record is decided from what the scan
  // read, without reading it again, while nothing of its key slot was resolved above the
  // scan's snapshot (key_resolved_at() <= seen.read_ts, checked under the caller's row
  // locks): the same argument as the write-after-read record's below. Under the row lock,
  // the record can have changed since only by a resolution (which raised the slot above the
  // snapshot first: one at or below it was written before the snapshot was taken, so the scan
  // saw it), by an intent whose writer aborted (which restores the record), or by another
  // prune (the record is gone; deleting it and its history keys again changes nothing: a
  // record created there since is a write, so under a lock, then resolved or aborted).
  size_t prune(const std::vector<std::string>& rks, Timestamp h, std::vector<bool>* pruned,
               const SeenRecords& seen = {});
  // One record (tests).
  bool prune(const std::string& rk, Timestamp h) {
    std::vector<bool> pruned;
    return prune(std::vector<std::string>{rk}, h, &pruned) == 1;
  }
  // Hands `rks` to the prune sink, if any; (*pruned)[i]: rks[i] was removed.
  void report_dead(const std::vector<std::string>& rks, const SeenRecords& seen,
                   std::vector<bool>* pruned);

  // Registers w (its lo, hi, filter set) and returns the key a forward scan should seek to:
  // w->lo, or past the known-empty ranges and (filtered: w->filter set, filtered_ts given) the
  // filtered ranges of w->filter usable at read_ts that hold w->lo; *filtered_ts is then the
  // newest commit ts of those. REQUIRES: called before the scan's iterator is opened;
  // end_watch() later.
  std::string begin_watch(ScanWatch* w, bool forward, Timestamp read_ts = 0,
                          Timestamp* filtered_ts = nullptr);
  // Unregisters w; if claim_hi > claim_lo and no record was created in w's range since
  // begin_watch(), records [claim_lo, claim_hi) as known-empty. REQUIRES: the scan saw, from
  // claim_lo on, only records it then removed, up to claim_hi. If filtered_hi > claim_lo,
  // records [claim_lo, filtered_hi) (cut below w->first_written) as a filtered range of
  // w->filter with newest commit ts filtered_ts. REQUIRES: every record from claim_lo up to
  // filtered_hi was settled and invisible or rejected (see filtered ranges).
  void end_watch(ScanWatch* w, const std::string& claim_lo, const std::string& claim_hi,
                 const std::string& filtered_hi = {}, Timestamp filtered_ts = 0);
  // A replica that starts to lead its partition's Raft group (doc/cluster.md §4 (e)): what
  // this store remembers of the range in memory was not told of the entries the replica
  // applied as a follower (PartitionMachine writes the engine only), so it is dropped:
  // known-empty and filtered ranges are forgotten, every scan under way has its watch marked
  // dirty and written from its start (it claims nothing), and the resolution watermarks
  // (last_resolved_commit(), key_resolved_at()) are raised to at_least — a timestamp at or
  // above every commit timestamp handed out so far — so no read remembered before (the
  // write-after-read record, a lock's version check) is taken as still current.
  void forget_cached(Timestamp at_least);
  // The known-empty ranges (tests).
  std::map<std::string, std::string> empty_ranges() const;
  // The filtered ranges of one filter, lo -> {hi, newest commit ts} (tests).
  std::map<std::string, std::pair<std::string, Timestamp>> filtered_ranges(
      const std::string& filter) const;

  storage::Engine& engine() { return *engine_; }
  uint16_t partition() const { return partition_; }
  TxnId dead_below() const { return dead_below_; }

 private:
  // Serializes write_intent() and prune() on one record (keys hashed to stripes). A fiber
  // mutex: the holder writes through the batch writer, which on a replicated partition parks
  // its fiber until the write is committed in its Raft group (partition/raft_log.h); a
  // std::mutex there let another fiber of the same executor block the thread the holder
  // needs to resume on (a cluster with every executor so blocked stopped: the SKIP LOCKED
  // queue on 3 replicated nodes hung within a second).
  size_t stripe_index(const std::string& rk) const {
    return std::hash<std::string>{}(rk) % stripes_.size();
  }
  runtime::FiberMutex& stripe(const std::string& rk) { return stripes_[stripe_index(rk)]; }

  // write_intent() created the record at rk (see known-empty ranges).
  void note_created(const std::string& rk);
  struct TxnBuffer;
  // Whether the buffer, or all buffers of this partition, are past their limits.
  bool over_limit(const TxnBuffer* tb);
  // Adds tb's growth since it held bytes_before bytes to buffered_bytes_.
  void account(const TxnBuffer* tb, size_t bytes_before);

  struct BufferedKey {
    OwnedIntent entries;
    bool flushed = false;  // in storage as an intent record, `record` below
    bool new_key = false;  // no version of the key was ever stored: nothing to read
    std::string record;    // flushed: the record as written (intent included)
    // Not flushed: the record as stored when the key was first written, known unchanged
    // since (read_record_for_write()); empty: resolution reads it.
    std::string stored;
  };
  struct TxnBuffer {
    std::map<std::string, BufferedKey> keys;  // by row key
    size_t bytes = 0;
    bool flushed = false;     // every key is in storage (prepare); kept for resolution
    bool spilled = false;     // spilled once: some of txn's intents are in storage (the caller
                              // writes a key spilled before through write_intent())
    bool unbuffered = false;  // some write of txn went to storage directly
    // Counted as an open writer by the engine (storage::Engine::writer_opened): from the
    // buffer's creation until its writes go to a commit's write (prepare, resolution) or away.
    bool writer_open = false;
  };
  // Ends tb's count as an open writer (once). REQUIRES buf_mu_ held or tb private to the caller.
  void close_writer(TxnBuffer& tb);
  // txn's buffer (created when `create`), or nullptr. The map is guarded by buf_mu_; a
  // buffer itself is used only by its own transaction's fiber (map nodes do not move).
  TxnBuffer* buffer(TxnId txn, bool create);
  // txn's unflushed buffered intent on rk, copied; nullopt if none.
  std::optional<OwnedIntent> own_intent(TxnId txn, const std::string& rk);
  // The intent record for rk: the stored record `stored` (exists: it is there) with its
  // intent replaced by `own` (a dead intent of another transaction is dropped).
  static void attach_intent(Record& r, TxnId txn, const OwnedIntent& own);
  void report_skipped(const std::string& rk, const Record& r, const Visibility& v,
                      const ReadView& view, bool intent_dead);
  // Visits the history versions of row rk committed in [at_least, at_most], newest first,
  // until fn returns false (one seek; record.h: versions older than the listed ones).
  void scan_history(const std::string& rk, Timestamp at_most, Timestamp at_least,
                    const std::function<bool(Timestamp, std::string_view)>& fn);
  // Deletes (into batch) r's history versions that its list leaves out (history_more).
  void delete_unlisted_history(const std::string& rk, const Record& r, rocksdb::WriteBatch& batch);
  // GC of the unlisted versions while every listed one is newer than the horizon h: keeps
  // the newest unlisted version at or below h, deletes the older ones down to the floor and
  // raises the floor to the kept one (the work is what became garbage since the last time).
  void trim_unlisted_history(const std::string& rk, Record& r, Timestamp h,
                             rocksdb::WriteBatch& batch);

  // The write-after-read record. An UPDATE reads its row (get) before it locks and writes
  // it; resolution then read the record a second time. get() keeps the bytes it read, per
  // thread, for the last few keys; a buffered first write of such a key under its lock takes
  // them when they are provably still the stored record: the get read at snapshot S, the
  // record then had no intent and a live committed version, and nothing in the key's
  // slot was resolved above S since (key_resolved_at() <= S, checked under the write lock). Any
  // later change of the record is either a resolution — which raises the slot above S first, since
  // a commit at or below S was written before S was taken (one phase), or had its intent in the
  // record since before its timestamp was assigned (two phase: then the read saw that intent) — or
  // an intent of a writer that then aborted (which restores the record), or a prune (only of a dead
  // record: a deletion, resolved). Misses (another thread, an older read) just read again. Scan
  // cursors remember the first rows they return too (an iterator opened after S reads as a get
  // after S does). A get at the same snapshot S by the same transaction (a join reading the row its
  // CTE just read) reuses the bytes instead of reading again (recall_read): what a view sees in a
  // record read at any time after S was taken is the same, except the transaction's own
  // intents in storage, so only while it has none in this partition (its buffer holds them
  // all; buffered ones are attached as always). Not for SERIALIZABLE views (a read reports
  // the writes it skips in the record as it is now).
  bool recall_read(const ReadView& view, const std::string& rk, std::string* out);

 public:
  void remember_read(TxnId txn, Timestamp read_ts, const std::string& rk, const std::string& bytes);

 private:
  bool read_record_for_write(TxnId txn, const std::string& rk, std::string* out);
  const uint64_t instance_;  // tells stores apart in the per-thread read memory

  storage::Engine* engine_;
  uint16_t partition_;
  TxnId dead_below_;
  TxnStatusOracle* oracle_ = nullptr;
  std::function<Timestamp()> gc_horizon_;
  PruneSink prune_sink_;
  BatchWriter batch_writer_;
  void write_batch(rocksdb::WriteBatch& batch, storage::Durability d) {
    if (batch_writer_) {
      batch_writer_(batch, d);
    } else {
      engine_->write(batch, d);
    }
  }
  std::array<runtime::FiberMutex, 64> stripes_;
  mutable std::mutex ranges_mu_;              // guards empty_ and watches_
  std::map<std::string, std::string> empty_;  // lo -> hi: no record in [lo, hi); disjoint
  std::vector<ScanWatch*> watches_;           // scans under way
  // Filtered ranges per filter name: lo -> {hi, newest commit ts}; disjoint per filter.
  struct FilteredRange {
    std::string hi;
    Timestamp ts = 0;
  };
  std::unordered_map<std::string, std::map<std::string, FilteredRange>> filtered_;
  // Cuts every filtered range around rk and lowers the filtered watches' first_written
  // (ranges_mu_ held).
  void cut_filtered(const std::string& rk);
  // Records [lo, hi) as a filtered range of `filter` (ranges_mu_ held).
  void add_filtered(const std::string& filter, const std::string& lo, const std::string& hi,
                    Timestamp ts);
  partition_api::SsiConflictSink* ssi_sink_ = nullptr;
  std::mutex buf_mu_;  // guards buffers_ (the map, not the buffers)
  std::unordered_map<TxnId, TxnBuffer> buffers_;
  // last_resolved_commit() per keyspace slot.
  static size_t resolved_slot(uint32_t table, uint32_t index) {
    return ((table * 0x9E3779B1u) ^ (index * 0x85EBCA6Bu)) >> 24;
  }
  std::array<std::atomic<Timestamp>, 256> resolved_at_{};
  // The same per row key slot (keys hashed to 4,096 slots): a commit at or above that of every
  // resolution of a key in the slot, raised before its write. The write-after-read record and
  // prune() check it: a queue resolves in the same keyspace all the time, but seldom in the
  // slot of the one key a reader is about to rewrite or prune.
  static size_t key_slot(const std::string& rk) { return std::hash<std::string>{}(rk)&4095; }
  Timestamp key_resolved_at(const std::string& rk) const {
    return resolved_key_at_[key_slot(rk)].load(std::memory_order_acquire);
  }
  std::array<std::atomic<Timestamp>, 4096> resolved_key_at_{};
  std::atomic<size_t> buffered_bytes_{0};  // the bytes of every buffer of this partition
};

}  // namespace hf::mvcc
