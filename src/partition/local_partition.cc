// partition/local_partition.cc — see local_partition.h.
#include "partition/local_partition.h"

#include <algorithm>
#include <chrono>

#include "common/error.h"
#include "common/wait_stats.h"
#include "runtime/fiber.h"
#include "storage/keys.h"

namespace hf::partition {

namespace {
rocksdb::Slice slice(std::string_view s) {
  return {s.data(), s.size()};
}

LockOutcome map_result(locks::AcquireResult r) {
  switch (r) {
    case locks::AcquireResult::kGranted:
      return LockOutcome::kGranted;
    case locks::AcquireResult::kWouldBlock:
      return LockOutcome::kWouldBlock;
    case locks::AcquireResult::kTimeout:
      return LockOutcome::kTimeout;
    case locks::AcquireResult::kDeadlock:
      return LockOutcome::kDeadlock;
    case locks::AcquireResult::kCancelled:
      return LockOutcome::kCancelled;
    case locks::AcquireResult::kMemoryExceeded:
      return LockOutcome::kMemoryExceeded;
  }
  return LockOutcome::kCancelled;
}

locks::WaitPolicy map_policy(WaitPolicy p) {
  return p == WaitPolicy::kBlock    ? locks::WaitPolicy::kBlock
         : p == WaitPolicy::kNoWait ? locks::WaitPolicy::kNoWait
                                    : locks::WaitPolicy::kSkipLocked;
}

locks::LockTag to_lock_tag(const ObjectTag& t) {
  return locks::LockTag{static_cast<locks::LockKind>(t.kind), t.a, t.b, t.key};
}
ObjectTag to_object_tag(const locks::LockTag& t) {
  return ObjectTag{static_cast<LockKind>(t.kind), t.a, t.b, t.key};
}

// Forwards the lock table's wait notices to the seam's observer.
struct ObserverAdapter final : locks::WaitObserver {
  explicit ObserverAdapter(LockWaitObserver* o) : to(o) {}
  void wait_started(locks::LockKind kind, bool first) override {
    to->wait_started(static_cast<LockKind>(kind), first);
  }
  void wait_ended() override { to->wait_ended(); }
  LockWaitObserver* to;
};

std::vector<DeadlockEdge> map_report(std::vector<locks::DeadlockEdge> in) {
  std::vector<DeadlockEdge> out;
  out.reserve(in.size());
  for (auto& e : in) {
    out.push_back(DeadlockEdge{e.waiter, static_cast<LockKind>(e.tag.kind), e.tag.a, e.tag.b,
                               std::move(e.tag.key), e.mode, e.blocker, e.blocker_owner});
  }
  return out;
}
}  // namespace

LocalPartition::LocalPartition(PartitionId id, storage::Engine* engine, locks::WaitGraph* graph,
                               TxnId dead_below, locks::LockMemory* lock_memory)
    : id_(id),
      store_(engine, static_cast<uint16_t>(id), dead_below),
      locks_(graph, SIZE_MAX, nullptr, lock_memory),
      direct_log_(std::make_unique<DirectLog>(*engine)),
      log_(direct_log_.get()) {
  // The store's own writes (intents, savepoint rollbacks, pruning) go through the log too.
  store_.set_batch_writer([this](rocksdb::WriteBatch& batch, storage::Durability d) {
    PartitionBatches parts;
    parts.of(id_) = std::move(batch);
    log_->write(parts, d);
  });
  store_.set_prune_sink([this](const std::vector<std::string>& rks,
                               const mvcc::MvccStore::SeenRecords& seen,
                               std::vector<bool>* pruned) { prune_dead(rks, pruned, seen); });
}

LocalPartition::~LocalPartition() = default;

void LocalPartition::unsynced_write(const std::function<void()>& fn) {
  // An unsynced write is a memtable insert plus a WAL append: a few microseconds, so it runs
  // inline (a pool hop would cost more than the write). It never waits for a group commit's
  // fsync (storage::Engine syncs outside RocksDB's write queue), but it does wait out a
  // RocksDB write stall, which must park the fiber, not its executor: then it goes to the
  // blocking pool. A stall that starts right after the check delays this one write.
  if (store_.engine().write_stalled()) {
    runtime::run_blocking(fn);
  } else {
    fn();
  }
}

void LocalPartition::set_log(PartitionLog* log) {
  log_ = log ? log : direct_log_.get();
}

size_t LocalPartition::prune_dead(const std::vector<std::string>& rks,
                                  std::vector<bool>* pruned_out,
                                  const mvcc::MvccStore::SeenRecords& seen) {
  if (pruned_out) pruned_out->assign(rks.size(), false);
  std::unique_lock g(prune_mu_, std::try_to_lock);
  if (!g.owns_lock() || store_.engine().write_stalled()) return 0;
  Timestamp h = store_.horizon();
  if (h == 0) return 0;
  // The row locks exclude a transaction that locked a row and may act on what it read there
  // (store.h's invariant: only the lock holder modifies a record). Update mode conflicts with
  // every row lock; NOWAIT: a busy row is skipped, never waited for. They are held until the
  // one batch that removes the records is written.
  std::vector<std::string> locked;
  std::vector<std::string> locked_seen;  // seen: the scan's bytes of locked[j]
  std::vector<size_t> at;                // locked[j] is rks[at[j]]
  std::vector<locks::LockTag> tags;
  for (size_t i = 0; i < rks.size(); ++i) {
    const std::string& rk = rks[i];
    if (rk.size() < storage::kKeySpacePrefixLen || rk[0] != storage::kRowPrefix) continue;
    locks::AcquireRequest ar;
    ar.tag = locks::row_tag(storage::get_u32(rk, 3), storage::get_u32(rk, 7),
                            rk.substr(storage::kKeySpacePrefixLen));
    ar.mode = locks::row_mode::kUpdate;
    ar.owner = kPruneOwner;
    ar.policy = locks::WaitPolicy::kNoWait;
    if (locks_.acquire(ar) != locks::AcquireResult::kGranted) continue;
    tags.push_back(std::move(ar.tag));
    locked.push_back(rk);
    if (seen.seen) locked_seen.push_back((*seen.seen)[i]);
    at.push_back(i);
  }
  auto release = [&] {
    for (const auto& t : tags) locks_.release(t, kPruneOwner, locks::row_mode::kUpdate);
  };
  std::vector<bool> done;
  size_t pruned = 0;
  try {
    // Under the row locks: store_.prune may decide from what the scan read (store.h).
    pruned = store_.prune(
        locked, h, &done,
        mvcc::MvccStore::SeenRecords{seen.seen ? &locked_seen : nullptr, seen.read_ts});
  } catch (...) {
    release();
    throw;
  }
  release();
  if (pruned_out)
    for (size_t j = 0; j < locked.size(); ++j)
      if (done[j]) (*pruned_out)[at[j]] = true;
  return pruned;
}

std::optional<RowVersion> LocalPartition::get(const KeySpace& space, const std::string& key,
                                              const ReadView& view) {
  admit(view.txn);
  // The SIREAD lock first: a writer that comes after the read must find it.
  if (view.serializable && view.txn != 0) siread_.lock_key(view.txn, space, key, view.read_ts);
  return store_.get(space, key, view);
}

std::unique_ptr<RowCursor> LocalPartition::scan(const ScanRequest& req) {
  admit(req.view.txn);
  if (req.view.serializable && req.view.txn != 0) {
    siread_.lock_range(req.view.txn, req.space, req.start, req.end);
  }
  return store_.scan(req);
}

std::vector<TxnId> LocalPartition::siread_holders(const KeySpace& space, const std::string& key,
                                                  TxnId writer, bool replaces) {
  admit(writer);
  if (!replaces) return siread_.holders(space, key, writer);
  // The live version the write replaces (a deleted one is not replaced: an insert).
  LatestState st = store_.latest(space, key);
  Timestamp overwritten = st.newest.deleted ? 0 : st.newest.commit_ts;
  return siread_.holders(space, key, writer, overwritten);
}

void LocalPartition::release_siread(TxnId txn) {
  siread_.release(txn);
}

LatestState LocalPartition::latest(const KeySpace& space, const std::string& key, TxnId own) {
  admit(own);
  return store_.latest(space, key, own);
}

void LocalPartition::gate() {
  term_.store(0, std::memory_order_release);
  gated_.store(true, std::memory_order_release);
}

void LocalPartition::stop_serving() {
  term_.store(0, std::memory_order_release);
}

void LocalPartition::begin_serving(uint64_t term, TxnId fence) {
  fence_.store(fence, std::memory_order_release);
  term_.store(term, std::memory_order_release);
}

namespace {

[[noreturn]] void refuse_not_served(PartitionId id) {
  throw SqlError(sqlstate::kSerializationFailure,
                 "could not serialize access due to a change of partition leader",
                 "partition " + std::to_string(id) +
                     " is not served here: this replica does not lead its Raft group");
}

bool lease_ran_out(std::chrono::steady_clock::rep until,
                   std::chrono::steady_clock::time_point now) {
  return until != std::chrono::steady_clock::time_point::max().time_since_epoch().count() &&
         now.time_since_epoch().count() >= until;
}

}  // namespace

void LocalPartition::await_lease(uint64_t term) const {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point give_up =
      Clock::now() + Clock::duration(lease_wait_.load(std::memory_order_acquire));
  for (;;) {
    // Served only while this replica still serves in `term` and a renewal of that term
    // extended the lease past now (leadership.h W3: no other leader can exist before then).
    if (term_.load(std::memory_order_acquire) != term) refuse_not_served(id_);
    const Clock::time_point now = Clock::now();
    if (!lease_ran_out(lease_until_.load(std::memory_order_acquire), now)) return;
    if (now >= give_up)
      throw SqlError(sqlstate::kSerializationFailure,
                     "could not serialize access due to a change of partition leader",
                     "partition " + std::to_string(id_) +
                         ": this replica's leader lease ran out (it has not heard from a "
                         "majority of its Raft group recently)");
    // Renewals are asked every few tens of milliseconds while one is late (W5).
    runtime::sleep_until(std::min(give_up, now + std::chrono::milliseconds(5)));
  }
}

uint64_t LocalPartition::admit(TxnId txn, uint64_t term) const {
  if (!gated_.load(std::memory_order_acquire)) return 0;
  const uint64_t now = term_.load(std::memory_order_acquire);
  if (now == 0 || (term != 0 && now != term)) refuse_not_served(id_);
  // G4: read the clock only when leased.
  if (lease_ran_out(lease_until_.load(std::memory_order_acquire), std::chrono::steady_clock::now()))
    await_lease(now);
  // Only transaction owners are fenced: a session's owner (1 << 62 | pid) is above any TxnId.
  if (txn != 0 && txn < fence_.load(std::memory_order_acquire))
    throw SqlError(sqlstate::kSerializationFailure,
                   "could not serialize access due to a change of partition leader",
                   "transaction " + std::to_string(txn) +
                       " began before this replica took over partition " + std::to_string(id_) +
                       ": locks and buffered writes it held at the previous leader may be lost");
  return now;
}

LockResult LocalPartition::lock(const LockRequest& req) {
  const uint64_t term = admit(req.txn);
  locks::AcquireRequest ar;
  ar.tag = locks::row_tag(req.space.table_id, req.space.index_id, req.key);
  ar.mode = static_cast<locks::Mode>(req.strength);
  ar.owner = req.txn;
  ar.sub = req.sub;
  ar.policy = map_policy(req.policy);
  ar.deadline = req.deadline;
  ar.cancel = req.cancel;
  ar.group = req.group;
  ar.deadlock_timeout = req.deadlock_timeout;
  ar.overtake_compatible = req.overtake_compatible;
  std::optional<ObserverAdapter> adapter;
  if (req.observer) ar.observer = &adapter.emplace(req.observer);
  LockResult res;
  res.outcome = map_result(locks_.acquire(ar));
  // A grant after a wait across a change of leader is not answered: the hold is of a term
  // that is over (its transaction's abort releases it).
  if (res.outcome == LockOutcome::kGranted) admit(req.txn, term);
  if (res.outcome != LockOutcome::kGranted) {
    if (res.outcome == LockOutcome::kWouldBlock) res.blockers = locks_.blockers(req.txn);
    if (res.outcome == LockOutcome::kDeadlock)
      res.deadlock = map_report(locks_.take_deadlock_report(req.txn));
    return res;
  }
  // The caller ignores the version: no read (a point lookup, the lock's main cost).
  if (req.outcome_only && !req.expected) return res;
  // Under the lock: the newest committed version (a committed intent still being resolved
  // counts as the newest; our own intent does not).
  LatestState st = store_.latest(req.space, req.key);
  res.newest = st.newest;
  if (req.expected && *req.expected != st.newest) {
    res.outcome = LockOutcome::kVersionMismatch;
    res.value = std::move(st.value);
  }
  return res;
}

std::vector<LockResult> LocalPartition::lock_batch(const std::vector<LockRequest>& reqs) {
  std::vector<LockResult> out;
  if (reqs.empty()) return out;
  const LockRequest& first = reqs.front();
  admit(first.txn);
  std::vector<locks::RowAsk> asks;
  asks.reserve(reqs.size());
  for (const LockRequest& r : reqs) {
    asks.push_back(locks::RowAsk{r.space.table_id, r.space.index_id, r.key,
                                 static_cast<locks::Mode>(r.strength), map_policy(r.policy)});
  }
  std::vector<locks::AcquireResult> answers;
  answers.reserve(reqs.size());
  size_t n = locks_.acquire_rows(first.txn, first.group, first.sub, first.overtake_compatible, asks,
                                 &answers);
  out.reserve(n);
  // As lock(): under the lock, the newest committed version of each granted row. It is the
  // version the caller read when the row was read at seen_at, nothing of its keyspace has
  // been resolved here since, and the lock conflicts with a writer's (all but KEY SHARE):
  // a later writer would still hold its lock (mvcc/store.h, last_resolved_commit()). Other
  // rows are read again, with one storage iterator for the batch when they share a keyspace.
  auto unchanged = [&](const LockRequest& r) {
    return r.expected && r.seen_at != 0 && r.strength != LockStrength::kKeyShare &&
           store_.last_resolved_commit(r.space) <= r.seen_at;
  };
  std::vector<std::string_view> reread;
  std::vector<bool> known(n, false);  // decided once: the watermark may move meanwhile
  bool one_space = true;
  for (size_t i = 0; i < n; ++i) {
    if (answers[i] != locks::AcquireResult::kGranted) continue;
    known[i] = unchanged(reqs[i]);
    if (known[i]) continue;
    reread.push_back(reqs[i].key);
    one_space = one_space && reqs[i].space == first.space;
  }
  std::vector<Version> newest;
  if (one_space && reread.size() == 1) {
    newest.push_back(store_.latest(first.space, std::string(reread[0])).newest);  // a point read
  } else if (one_space) {
    newest = store_.latest_versions(first.space, reread);
  }
  size_t next = 0;
  for (size_t i = 0; i < n; ++i) {
    const LockRequest& req = reqs[i];
    LockResult res;
    res.outcome = map_result(answers[i]);
    if (res.outcome == LockOutcome::kWouldBlock) res.blockers = locks_.blockers(req.txn);
    if (res.outcome == LockOutcome::kGranted) {
      if (known[i]) {
        res.newest = *req.expected;
      } else {
        res.newest = one_space ? newest[next++] : store_.latest(req.space, req.key).newest;
      }
      if (req.expected && *req.expected != res.newest) {
        LatestState st = store_.latest(req.space, req.key);  // the value, for EvalPlanQual
        res.newest = st.newest;
        res.outcome = LockOutcome::kVersionMismatch;
        res.value = std::move(st.value);
        // The caller re-checks this row before any later one is locked: take those back.
        for (size_t j = i + 1; j < n; ++j) {
          if (answers[j] == locks::AcquireResult::kGranted)
            locks_.release(
                locks::row_tag(reqs[j].space.table_id, reqs[j].space.index_id, reqs[j].key),
                reqs[j].txn, static_cast<locks::Mode>(reqs[j].strength));
        }
        n = i + 1;
      }
    }
    out.push_back(std::move(res));
  }
  return out;
}

bool LocalPartition::row_lock_taken(const LockRequest& req) {
  admit(req.txn);
  return locks_.row_held_by_other(req.space.table_id, req.space.index_id, req.key, req.txn,
                                  req.group, static_cast<locks::Mode>(req.strength));
}

void LocalPartition::unlock_batch(const std::vector<LockRequest>& reqs) {
  for (const LockRequest& r : reqs) {
    locks_.release(locks::row_tag(r.space.table_id, r.space.index_id, r.key), r.txn,
                   static_cast<locks::Mode>(r.strength));
  }
}

void LocalPartition::write(TxnId txn, SubId sub, CommandId cid, const KeySpace& space,
                           const std::string& key, const std::optional<std::string>& value,
                           bool publish, bool new_key, bool unlocked) {
  admit(txn);
  std::string rk = store_.row_key(space, key);
  // After a spill, a key whose intent went to storage then is written there again (asked
  // only of transactions whose buffer spilled).
  auto spilled = [&](const std::string& k) {
    std::lock_guard g(mu_);
    auto it = txns_.find(txn);
    return it != txns_.end() && it->second.keys.count(k) > 0;
  };
  auto buffered = publish
                      ? mvcc::MvccStore::BufferResult::kUnbuffered
                      : store_.buffer_intent(txn, sub, cid, rk, value, new_key, spilled, unlocked);
  if (buffered == mvcc::MvccStore::BufferResult::kBuffered) return;  // the buffer knows it
  if (unlocked) {
    // No lock yet: the intent may not reach storage, where another writer may hold the key.
    if (buffered == mvcc::MvccStore::BufferResult::kUnbuffered)
      throw SqlError(sqlstate::kInternalError, "optimistic write after prepare");
    if (store_.buffer_bytes(txn) > kOptimisticBufferLimit) {
      throw SqlError(sqlstate::kOutOfMemory, "out of memory",
                     "An optimistic transaction keeps its writes in memory until COMMIT, at most " +
                         std::to_string(kOptimisticBufferLimit >> 20) + " MB per partition.",
                     "Write less per transaction, or use holdfast.concurrency = 'pessimistic'.");
    }
    return;
  }
  if (buffered == mvcc::MvccStore::BufferResult::kSpillNow) {
    flush_intents(txn, /*keep=*/false);
    return;
  }
  unsynced_write([&] { store_.write_intent(txn, sub, cid, rk, value); });
  std::lock_guard g(mu_);
  auto& s = txns_[txn].keys[rk];
  s = std::max(s, sub);
}

void LocalPartition::adopt_stored_intent(TxnId txn, const std::string& rk) {
  std::lock_guard g(mu_);
  txns_[txn].keys.try_emplace(rk, 0);
}

void LocalPartition::adopt_commit_record(TxnId txn) {
  std::lock_guard g(mu_);
  txns_[txn].has_commit_record = true;
}

std::vector<std::string> LocalPartition::written_keys(TxnId txn) {
  std::vector<std::string> out = stored_keys(txn);
  std::vector<std::string> buffered = store_.buffered_keys(txn);
  out.insert(out.end(), std::make_move_iterator(buffered.begin()),
             std::make_move_iterator(buffered.end()));
  return out;
}

std::vector<std::string> LocalPartition::stored_keys(TxnId txn) const {
  std::vector<std::string> out;
  std::lock_guard g(mu_);
  auto it = txns_.find(txn);
  if (it == txns_.end()) return out;
  out.reserve(it->second.keys.size());
  for (const auto& [k, s] : it->second.keys) out.push_back(k);
  // In key order: a batch of neighbouring keys costs RocksDB's memtable less to insert.
  std::sort(out.begin(), out.end());
  return out;
}

namespace {
std::string load_marker_key(PartitionId p, const KeySpace& space) {
  return storage::keyspace_prefix(storage::kLoadMarkerPrefix, static_cast<uint16_t>(p),
                                  space.table_id, space.index_id);
}
}  // namespace

bool LocalPartition::load(TxnId txn, SubId sub, const KeySpace& space,
                          const std::vector<std::pair<std::string, std::string>>& rows) {
  admit(txn);
  TxnWrites::Load* l = nullptr;  // only txn's own fiber touches it; map nodes do not move
  bool first = false;
  {
    std::lock_guard g(mu_);
    auto& loaded = txns_[txn].loaded;
    for (auto& x : loaded)
      if (x.space == space) l = &x;
    if (!l) {
      l = &loaded.emplace_back();
      l->space = space;
      l->sub = sub;
      first = true;
    }
  }
  if (first) {
    // Durable before any row can be: a file is in storage the moment it is added.
    PartitionBatches marker;
    std::string v;
    storage::put_u64(v, txn);
    marker.of(id_).Put(slice(load_marker_key(id_, space)), slice(v));
    log_->write(marker, storage::Durability::kSynced);
  }
  if (rows.empty()) return true;
  bool ordered = l->in_order && (l->last_key.empty() || rows.front().first > l->last_key);
  size_t bytes = rows.front().first.size() + rows.front().second.size();
  for (size_t i = 1; i < rows.size(); ++i) {
    ordered = ordered && rows[i - 1].first < rows[i].first;
    bytes += rows[i].first.size() + rows[i].second.size();
  }
  std::string first_rk, last_rk;
  if (!ordered) {
    // Out of order: what the file holds goes to storage now, the rest through the memtable.
    l->in_order = false;
    finish_file(*l);
  } else {
    l->last_key = rows.back().first;
    if (l->file || bytes >= kFileLoadMinBytes) {
      if (!l->file) l->file = store_.engine().begin_file_load();
      storage::Engine::FileLoad& f = *l->file;
      store_.load(
          space, rows, [&](const std::string& rk, const std::string& rec) { f.put(rk, rec); },
          &first_rk, &last_rk);
      if (l->file_first_rk.empty()) l->file_first_rk = first_rk;
      l->file_last_rk = last_rk;
      return true;
    }
  }
  PartitionBatches parts;
  rocksdb::WriteBatch& batch = parts.of(id_);
  store_.load(
      space, rows,
      [&](const std::string& rk, const std::string& rec) { batch.Put(slice(rk), slice(rec)); },
      &first_rk, &last_rk);
  log_->write(parts, storage::Durability::kWal);
  store_.note_created_range(first_rk, last_rk);
  return true;
}

void LocalPartition::finish_file(TxnWrites::Load& l) {
  if (!l.file) return;
  std::unique_ptr<storage::Engine::FileLoad> f = std::move(l.file);
  if (f->entries() > 0) {
    runtime::run_blocking([&] { f->finish(); });
    store_.note_created_range(l.file_first_rk, l.file_last_rk);
  }
  l.file_first_rk.clear();
  l.file_last_rk.clear();
}

void LocalPartition::finish_loads(TxnId txn) {
  admit(txn);
  std::vector<TxnWrites::Load*> open;
  {
    std::lock_guard g(mu_);
    auto it = txns_.find(txn);
    if (it == txns_.end()) return;
    for (auto& l : it->second.loaded)
      if (l.file) open.push_back(&l);
  }
  for (TxnWrites::Load* l : open) finish_file(*l);
}

void LocalPartition::delete_loaded(const std::vector<KeySpace>& spaces) {
  if (spaces.empty()) return;
  // Key by key, not RocksDB's DeleteRange: range tombstones and the memtable's insert hints
  // (storage/engine.cc) do not mix in RocksDB 7 (an assertion in the skiplist's insert). An
  // aborted load is rare; this is one pass over what it wrote, off the fiber's thread.
  storage::Engine& engine = store_.engine();
  runtime::run_blocking([&] {
    for (const KeySpace& space : spaces) {
      for (char prefix : {storage::kRowPrefix, storage::kHistoryPrefix}) {
        std::string lo = storage::keyspace_prefix(prefix, static_cast<uint16_t>(id_),
                                                  space.table_id, space.index_id);
        auto it = engine.iterate(lo, storage::prefix_successor(lo));
        PartitionBatches parts;
        for (it->first(); (*it)->Valid(); (*it)->Next()) {
          parts.of(id_).Delete((*it)->key());
          if (parts.count() >= 4096) {
            log_->write(parts, storage::Durability::kNoWal);
            parts.clear();
          }
        }
        log_->write(parts, storage::Durability::kNoWal);
      }
      // Last: while the marker stays, recovery would delete the rows again.
      PartitionBatches marker;
      marker.of(id_).Delete(slice(load_marker_key(id_, space)));
      log_->write(marker, storage::Durability::kNoWal);
    }
  });
}

void LocalPartition::drop_keyspaces(uint32_t table_id) {
  if (table_id == 0xffffffffu) return;  // no end key to name (never handed out)
  storage::Engine& engine = store_.engine();
  engine.drop_table(table_id);  // node-wide: the other partitions' calls find it done
  const auto p = static_cast<uint16_t>(id_);
  // Only a large table's rows are worth a compaction of their own (the rest go with the
  // compactions that come anyway).
  engine.compact_soon(storage::keyspace_prefix(storage::kRowPrefix, p, table_id, 0),
                      storage::keyspace_prefix(storage::kRowPrefix, p, table_id + 1, 0),
                      uint64_t{16} << 20);
}

bool LocalPartition::has_load_markers(TxnId txn) const {
  std::lock_guard g(mu_);
  auto it = txns_.find(txn);
  return it != txns_.end() && !it->second.loaded.empty();
}

void LocalPartition::delete_load_markers(TxnId txn, rocksdb::WriteBatch& batch) {
  std::lock_guard g(mu_);
  auto it = txns_.find(txn);
  if (it == txns_.end()) return;
  for (const auto& l : it->second.loaded) batch.Delete(slice(load_marker_key(id_, l.space)));
}

size_t LocalPartition::drop_interrupted_loads() {
  std::string lo(1, storage::kLoadMarkerPrefix);
  storage::put_u16(lo, static_cast<uint16_t>(id_));
  std::vector<KeySpace> spaces;
  {
    auto it = store_.engine().iterate(lo, storage::prefix_successor(lo), /*total_order=*/true);
    for (it->first(); (*it)->Valid(); (*it)->Next()) {
      std::string_view k((*it)->key().data(), (*it)->key().size());
      if (k.size() != storage::kKeySpacePrefixLen) continue;
      spaces.push_back({storage::get_u32(k, 3), storage::get_u32(k, 7)});
    }
  }
  delete_loaded(spaces);
  return spaces.size();
}

void LocalPartition::rollback_subtransactions(TxnId txn, SubId first_aborted) {
  admit(txn);
  std::vector<std::string> keys;
  std::vector<KeySpace> unloaded;
  {
    std::lock_guard g(mu_);
    auto it = txns_.find(txn);
    if (it != txns_.end()) {
      for (auto& [k, s] : it->second.keys) {
        if (s >= first_aborted) {
          keys.push_back(k);
          s = first_aborted > 0 ? first_aborted - 1 : 0;  // what remains is older
        }
      }
      std::erase_if(it->second.loaded, [&](const auto& l) {
        if (l.sub < first_aborted) return false;
        unloaded.push_back(l.space);  // an unfinished file goes with it
        return true;
      });
    }
  }
  delete_loaded(unloaded);
  // Buffered intents go in memory; only intents already in storage need a write.
  bool stored = store_.rollback_buffer(txn, first_aborted);
  if (!keys.empty() && stored)
    runtime::run_blocking([&] { store_.rollback(txn, first_aborted, keys); });
  locks_.release_subtransactions(txn, first_aborted);
}

void LocalPartition::flush_intents(TxnId txn, bool keep) {
  PartitionBatches parts;
  rocksdb::WriteBatch& batch = parts.of(id_);
  std::vector<std::string> created, written;
  std::vector<std::pair<std::string, SubId>> spilled;
  store_.flush_buffer(txn, keep, batch, &created, keep ? nullptr : &spilled, &written);
  if (!spilled.empty()) {
    // Spilled keys are storage intents from now on: this partition tracks them.
    std::lock_guard g(mu_);
    auto& keys = txns_[txn].keys;
    for (auto& [k, s] : spilled) keys[std::move(k)] = s;
  }
  if (batch.Count() == 0) return;
  log_->write(parts, storage::Durability::kWal);
  store_.note_created(created);
  store_.note_written(written);
}

void LocalPartition::prepare(TxnId txn) {
  admit(txn);  // G5: for a transaction that only locked here, this is the whole call
  if (!store_.has_buffer(txn)) return;
  // The buffered intents go to the WAL (kWal) in one batch; the commit record's fsync, on
  // this node's one WAL, makes them durable with it.
  flush_intents(txn, /*keep=*/true);
}

std::string LocalPartition::encode_commit_record(const std::vector<PartitionId>& participants,
                                                 const std::vector<std::string>* keys) {
  std::string s;
  s.push_back(1);  // committed
  storage::put_u16(s, static_cast<uint16_t>(participants.size()));
  for (auto p : participants) storage::put_u32(s, p);
  if (keys == nullptr) {
    storage::put_u32(s, 0xffffffffu);
    return s;
  }
  storage::put_u32(s, static_cast<uint32_t>(keys->size()));
  for (const auto& k : *keys) {
    storage::put_u32(s, static_cast<uint32_t>(k.size()));
    s.append(k);
  }
  return s;
}

bool LocalPartition::decode_commit_record(std::string_view buf,
                                          std::vector<PartitionId>* participants, bool* keys_listed,
                                          std::vector<std::string>* keys) {
  size_t at = 0;
  auto need = [&](size_t n) { return buf.size() >= at + n; };
  if (!need(3) || buf[0] != 1) return false;
  at = 1;
  uint16_t n = storage::get_u16(buf, at);
  at += 2;
  for (uint16_t i = 0; i < n; ++i) {
    if (!need(4)) return false;
    participants->push_back(storage::get_u32(buf, at));
    at += 4;
  }
  if (!need(4)) return false;
  uint32_t nk = storage::get_u32(buf, at);
  at += 4;
  *keys_listed = nk != 0xffffffffu;
  if (!*keys_listed) return at == buf.size();
  for (uint32_t i = 0; i < nk; ++i) {
    if (!need(4)) return false;
    uint32_t len = storage::get_u32(buf, at);
    at += 4;
    if (!need(len)) return false;
    keys->emplace_back(buf.substr(at, len));
    at += len;
  }
  return at == buf.size();
}

void LocalPartition::write_commit_record(TxnId txn, const std::vector<PartitionId>& participants) {
  admit(txn);
  // Loaded files are in storage before the commit point (the coordinator saw to it already).
  finish_loads(txn);
  for (auto p : participants)
    if (siblings_ && p < siblings_->size()) (*siblings_)[p]->finish_loads(txn);
  std::vector<std::string> keys;
  bool listed = siblings_ != nullptr;
  for (auto p : participants) {
    if (!listed) break;
    if (p >= siblings_->size()) {
      listed = false;
      break;
    }
    auto k = (*siblings_)[p]->written_keys(txn);
    if (keys.size() + k.size() > kMaxListedKeys) {
      listed = false;
      break;
    }
    for (auto& x : k) keys.push_back(std::move(x));
  }
  std::string value = encode_commit_record(participants, listed ? &keys : nullptr);
  // In this partition's range (the anchor's), like the intents it commits.
  std::string key = storage::commit_record_key(static_cast<uint16_t>(id_), txn);
  // This partition's buffered intents travel in the same synced write (its prepare), and
  // the load markers of every participant on this node (load()): committed atomically. Each
  // partition's part is its own (partition_log.h): the anchor's intents and record, each
  // other participant's marker Deletes.
  PartitionBatches parts;
  rocksdb::WriteBatch& mine = parts.of(id_);
  std::vector<std::string> created, written;
  store_.flush_buffer(txn, /*keep=*/true, mine, &created, nullptr, &written);
  mine.Put(slice(key), slice(value));
  for (auto p : participants) {
    if (!siblings_ || p >= siblings_->size()) continue;
    LocalPartition& participant = *(*siblings_)[p];
    if (participant.has_load_markers(txn)) participant.delete_load_markers(txn, parts.of(p));
  }
  if (!siblings_) delete_load_markers(txn, mine);
  log_->write(parts, storage::Durability::kSynced);
  store_.note_created(created);
  store_.note_written(written);
  std::lock_guard g(mu_);
  txns_[txn].has_commit_record = true;
}

LocalPartition::TxnWrites LocalPartition::take(TxnId txn) {
  std::lock_guard g(mu_);
  auto it = txns_.find(txn);
  if (it == txns_.end()) return {};
  TxnWrites w = std::move(it->second);
  txns_.erase(it);
  return w;
}

void LocalPartition::commit(TxnId txn, Timestamp commit_ts) {
  TxnWrites w = take(txn);
  if (!w.keys.empty() || w.has_commit_record || store_.has_buffer(txn)) {
    std::vector<std::string> keys;
    keys.reserve(w.keys.size());
    for (auto& [k, s] : w.keys) keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    PartitionBatches parts;
    rocksdb::WriteBatch& batch = parts.of(id_);
    std::vector<std::string> created, written;
    store_.resolve_commit(txn, commit_ts, keys, batch, &created, &written);
    if (w.has_commit_record)
      batch.Delete(slice(storage::commit_record_key(static_cast<uint16_t>(id_), txn)));
    log_->write(parts, storage::Durability::kWal);
    store_.note_created(created);
    store_.note_written(written);
  } else {
    store_.drop_buffer(txn);
  }
  locks_.release_all(txn);
}

void LocalPartition::commit_one_phase(TxnId txn, Timestamp commit_ts,
                                      const std::vector<PartitionId>& with) {
  commit_one_phase_then(txn, commit_ts, with, [] {});
}

void LocalPartition::commit_one_phase_then(TxnId txn, Timestamp commit_ts,
                                           const std::vector<PartitionId>& with,
                                           const std::function<void()>& on_durable) {
  admit(txn);
  std::vector<LocalPartition*> parts{this};
  for (PartitionId p : with) {
    if (!siblings_ || p >= siblings_->size())
      throw SqlError(sqlstate::kInternalError, "one-phase commit with a partition of another node");
    if (p == id_) continue;
    parts.push_back((*siblings_)[p]);
    parts.back()->admit(txn);  // each sibling serves here (G1-G4) or the commit does not happen
  }
  // One part per participant (partition_log.h), written as one synced write: atomic across
  // them, one fsync.
  PartitionBatches batches;
  std::vector<std::vector<std::string>> created(parts.size()), written(parts.size());
  for (LocalPartition* part : parts) part->finish_loads(txn);  // the coordinator did; cheap
  for (size_t i = 0; i < parts.size(); ++i) {
    std::vector<std::string> keys = parts[i]->stored_keys(txn);  // and the buffer's
    rocksdb::WriteBatch& batch = batches.of(parts[i]->id_);
    parts[i]->store_.resolve_commit(txn, commit_ts, keys, batch, &created[i], &written[i]);
    // Bulk-loaded rows: their markers go in the commit's batch (and the sync makes the
    // rows, earlier in the WAL, durable with it).
    parts[i]->delete_load_markers(txn, batch);
  }
  // The created and written records are reported once the batch is appended (readable),
  // before on_durable may publish commit_ts: a scan at a snapshot that sees this commit must
  // not skip them as a known-empty or filtered range (mvcc/store.h).
  auto readable = [&] {
    for (size_t i = 0; i < parts.size(); ++i) {
      parts[i]->store_.note_created(created[i]);
      parts[i]->store_.note_written(written[i]);
    }
  };
  // Resolved: commit() only unlocks from now on. Before on_durable, which may call it (the
  // coordinator releases the locks from the thread that publishes commit_ts); not before the
  // write succeeded (abort() needs the keys of intents in storage).
  auto durable = [&] {
    for (LocalPartition* part : parts) {
      std::lock_guard g(part->mu_);
      auto it = part->txns_.find(txn);
      if (it != part->txns_.end()) it->second.keys.clear();
    }
    on_durable();
  };
  // An empty write (nothing to resolve) runs both hooks at once (partition_log.h, L3).
  log_->write(batches, storage::Durability::kSynced, {readable, durable});
}

void LocalPartition::abort(TxnId txn) {
  TxnWrites w = take(txn);
  std::vector<KeySpace> unloaded;
  for (const auto& l : w.loaded) unloaded.push_back(l.space);
  delete_loaded(unloaded);
  // Buffered intents vanish with the buffer; only intents in storage need a write.
  if (store_.drop_buffer(txn) && !w.keys.empty()) {
    std::vector<std::string> keys;
    keys.reserve(w.keys.size());
    for (auto& [k, s] : w.keys) keys.push_back(k);
    PartitionBatches parts;
    store_.resolve_abort(txn, keys, parts.of(id_));
    log_->write(parts, storage::Durability::kNoWal);
  }
  locks_.release_all(txn);
}

ObjectLockResult LocalPartition::lock_object(const ObjectLockRequest& req) {
  admit(req.owner);
  locks::AcquireRequest ar;
  ar.tag = to_lock_tag(req.tag);
  ar.mode = req.mode;
  ar.owner = req.owner;
  ar.group = req.group;
  ar.sub = req.sub;
  ar.policy = map_policy(req.policy);
  ar.deadline = req.deadline;
  ar.cancel = req.cancel;
  ar.deadlock_timeout = req.deadlock_timeout;
  ar.overtake_compatible = req.overtake_compatible;
  ar.waiter = req.waiter;
  std::optional<ObserverAdapter> adapter;
  if (req.observer) ar.observer = &adapter.emplace(req.observer);
  ObjectLockResult res;
  res.outcome = map_result(locks_.acquire(ar));
  if (res.outcome == LockOutcome::kDeadlock)
    res.deadlock = map_report(locks_.take_deadlock_report(req.owner));
  return res;
}

void LocalPartition::link_waits(uint64_t holder, uint64_t actor, bool add) {
  if (add)
    locks_.graph().link(holder, actor);
  else
    locks_.graph().unlink(holder, actor);
}

NodeWaits LocalPartition::node_waits() {
  return to_api(locks_.graph().export_waits());
}

bool LocalPartition::reorder_waits(const WaitOrder& order) {
  return locks_.graph().reorder(locks::WaitOrder{to_lock_tag(order.tag), order.waits});
}

WaitOrder to_api(const locks::WaitOrder& o) {
  return WaitOrder{to_object_tag(o.tag), o.waits};
}

NodeWaits to_api(const locks::NodeWaits& w) {
  NodeWaits out;
  out.links = w.links;
  out.locks.reserve(w.locks.size());
  for (const auto& l : w.locks) {
    NodeWaits::Lock o{to_object_tag(l.tag), {}, {}};
    for (const auto& h : l.holds)
      o.holds.push_back(NodeWaits::Lock::Held{h.vertex, h.owner, h.mode});
    for (const auto& q : l.queue)
      o.queue.push_back(NodeWaits::Queued{q.vertex, q.hold_vertex, q.mode, q.wait_id});
    out.locks.push_back(std::move(o));
  }
  return out;
}

locks::NodeWaits from_api(const NodeWaits& w) {
  locks::NodeWaits out;
  out.links = w.links;
  out.locks.reserve(w.locks.size());
  for (const auto& l : w.locks) {
    locks::NodeWaits::Lock o{to_lock_tag(l.tag), {}, {}};
    for (const auto& h : l.holds) o.holds.push_back(locks::HeldBy{h.vertex, h.owner, h.mode});
    for (const auto& q : l.queue)
      o.queue.push_back(locks::NodeWaits::Queued{q.vertex, q.hold_vertex, q.mode, q.wait_id});
    out.locks.push_back(std::move(o));
  }
  return out;
}

bool LocalPartition::unlock_object(const ObjectTag& tag, uint64_t owner, uint8_t mode) {
  return locks_.release(to_lock_tag(tag), owner, mode);
}

void LocalPartition::release_owner(uint64_t owner) {
  locks_.release_all(owner);
}

std::vector<LockEntry> LocalPartition::lock_view() {
  std::vector<LockEntry> out;
  for (auto& i : locks_.dump()) {
    out.push_back(LockEntry{static_cast<LockKind>(i.tag.kind), i.tag.a, i.tag.b,
                            std::move(i.tag.key), i.owner, i.group, i.mode, i.granted,
                            i.first_waiter, i.wait_start});
  }
  return out;
}

std::vector<Blocker> LocalPartition::blockers(uint64_t owner) {
  std::vector<Blocker> out;
  for (const auto& i : locks_.blocking(owner)) out.push_back(Blocker{i.owner, i.group});
  return out;
}

}  // namespace hf::partition
