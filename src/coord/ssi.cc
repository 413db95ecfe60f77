// coord/ssi.cc — see ssi.h. The rules follow PostgreSQL's predicate.c (names in comments),
// re-expressed over TxnIds and commit timestamps.
#include "coord/ssi.h"

#include <algorithm>
#include <limits>

#include "common/error.h"
#include "runtime/fiber.h"

namespace hf::coord {

struct SsiGraph::Sxact {
  TxnId id = 0;
  bool declared_ro = false;
  bool read_only = false;  // declared, or committed without writing
  bool doomed = false, prepared = false, committed = false, rolled_back = false;
  bool conflict_out = false;  // committed with a conflict out to an earlier commit
  bool ro_safe = false, ro_unsafe = false, partially_cleared = false, did_write = false;
  uint64_t last_commit_before_snapshot = 0, prepare_seq = 0, commit_seq = 0;
  uint64_t earliest_out_conflict_commit = 0;
  Timestamp read_ts = 0, commit_ts = 0;
  std::set<Sxact*> in;      // readers R with R -rw-> this
  std::set<Sxact*> out;     // writers W with this -rw-> W
  std::set<Sxact*> unsafe;  // read-only: concurrent read-write ones; read-write: read-only ones
  std::string fail_reason;  // a failure found during a read, raised by after_read()
  std::shared_ptr<runtime::Event> waiter;  // READ ONLY DEFERRABLE waiting for safety
  bool active() const { return !committed && !rolled_back; }
};

namespace {
[[noreturn]] void fail(const std::string& reason) {
  throw SqlError(sqlstate::kSerializationFailure,
                 "could not serialize access due to read/write dependencies among transactions",
                 "Reason code: " + reason, "The transaction might succeed if retried.");
}
}  // namespace

SsiGraph::SsiGraph(std::function<void(TxnId)> release_locks)
    : release_locks_(std::move(release_locks)) {}

SsiGraph::~SsiGraph() = default;

SsiGraph::Sxact* SsiGraph::find(TxnId txn) {
  auto it = sxacts_.find(txn);
  return it == sxacts_.end() ? nullptr : it->second.get();
}

size_t SsiGraph::size() const {
  std::lock_guard g(mu_);
  return sxacts_.size();
}

std::vector<SsiGraph::TxnId> SsiGraph::safe_snapshot_blockers(TxnId txn) const {
  std::vector<TxnId> out;
  std::lock_guard g(mu_);
  auto it = sxacts_.find(txn);
  if (it == sxacts_.end() || !it->second->waiter) return out;
  for (const Sxact* o : it->second->unsafe) out.push_back(o->id);
  return out;
}

void SsiGraph::release_all(const std::vector<TxnId>& ids) {
  if (!release_locks_) return;
  for (TxnId t : ids) release_locks_(t);
}

// GetSerializableTransactionSnapshotInt / GetSafeSnapshot.
SsiGraph::Snapshot SsiGraph::begin(TxnId txn, bool read_only, bool deferrable,
                                   const std::function<Timestamp()>& take,
                                   const std::function<void()>& release_snapshot,
                                   runtime::CancelToken* cancel) {
  for (;;) {
    std::shared_ptr<runtime::Event> ev;
    Snapshot snap;
    {
      std::lock_guard g(mu_);
      snap.read_ts = take();
      // A read-only transaction with no concurrent read-write serializable one can never be
      // part of a dangerous structure: it opts out.
      if (read_only && writable_ == 0) return snap;
      auto s = std::make_unique<Sxact>();
      s->id = txn;
      s->declared_ro = s->read_only = read_only;
      s->read_ts = snap.read_ts;
      s->last_commit_before_snapshot = last_seq_;
      if (read_only) {
        for (auto& [id, o] : sxacts_) {
          if (!o->committed && !o->doomed && !o->read_only) {
            s->unsafe.insert(o.get());
            o->unsafe.insert(s.get());
          }
        }
        if (s->unsafe.empty()) return snap;
        if (deferrable && runtime::Fiber::current() != nullptr) {
          s->waiter = runtime::Event::create();
          ev = s->waiter;
        }
      } else {
        ++writable_;
      }
      sxacts_[txn] = std::move(s);
      snap.tracked = true;
      if (!ev) return snap;
    }
    if (cancel) {
      cancel->attach(ev);
      if (cancel->pending() != runtime::CancelToken::kNone) {
        ev->complete(runtime::WakeReason::kCancelled);
      }
    }
    bool cancelled = ev->wait() == runtime::WakeReason::kCancelled;
    if (cancel) cancel->detach();
    std::vector<TxnId> rel;
    bool safe = false;
    {
      std::lock_guard g(mu_);
      Sxact* s = find(txn);
      if (s == nullptr) return Snapshot{snap.read_ts, false};
      s->waiter.reset();
      safe = !s->ro_unsafe;
      drop_read_only(s, &rel);
    }
    release_all(rel);
    if (cancelled) return Snapshot{snap.read_ts, false, true};
    if (safe) return Snapshot{snap.read_ts, false};
    if (release_snapshot) release_snapshot();  // unsafe: try again with a new snapshot
  }
}

bool SsiGraph::tracking(TxnId txn) {
  std::vector<TxnId> rel;
  {
    std::lock_guard g(mu_);
    Sxact* s = find(txn);
    if (s == nullptr) return false;
    if (!s->ro_safe || !s->active()) return true;
    // ReleasePredicateLocks(isReadOnlySafe): the rest of the transaction needs no SSI.
    drop_read_only(s, &rel);
  }
  release_all(rel);
  return false;
}

void SsiGraph::drop_read_only(Sxact* s, std::vector<TxnId>* release) {
  s->rolled_back = true;
  for (Sxact* o : s->unsafe) o->unsafe.erase(s);
  s->unsafe.clear();
  remove(s, release);
  clear_old(release);
}

void SsiGraph::after_read(TxnId txn, bool visited) {
  std::lock_guard g(mu_);
  Sxact* s = find(txn);
  if (s == nullptr) return;
  if (!s->fail_reason.empty()) {
    std::string r = std::move(s->fail_reason);
    s->fail_reason.clear();
    fail(r);
  }
  if (visited && s->doomed && s->active()) {
    fail("Canceled on identification as a pivot, during conflict out checking.");
  }
}

void SsiGraph::read_skipped_intent(TxnId reader, TxnId writer) {
  std::lock_guard g(mu_);
  Sxact* me = find(reader);
  Sxact* w = find(writer);
  if (me == nullptr || w == nullptr || !me->active()) return;
  if (w->committed && w->commit_ts != 0 && w->commit_ts <= me->read_ts) return;  // visible
  read_conflict(me, w);
}

void SsiGraph::read_skipped_commit(TxnId reader, Timestamp commit_ts) {
  std::lock_guard g(mu_);
  Sxact* me = find(reader);
  if (me == nullptr || !me->active() || commit_ts <= me->read_ts) return;
  auto it = by_commit_ts_.find(commit_ts);
  if (it == by_commit_ts_.end()) return;  // not a serializable transaction
  read_conflict(me, it->second);
}

// CheckForSerializableConflictOut, once the writer is known to be concurrent.
void SsiGraph::read_conflict(Sxact* me, Sxact* w) {
  if (!me->fail_reason.empty()) return;
  if (me->doomed) {
    me->fail_reason = "Canceled on identification as a pivot, during conflict out checking.";
    return;
  }
  if (w == me || w->doomed) return;
  // A read-only reader of a committed writer without a conflict out to an earlier commit
  // appears to run first: no conflict.
  if (me->read_only && w->committed &&
      (!w->conflict_out || me->last_commit_before_snapshot < w->earliest_out_conflict_commit))
    return;
  if (me->out.count(w)) return;
  std::string r = flag_rw(me, w, me);
  if (!r.empty()) me->fail_reason = r;
}

// FlagRWConflict + OnConflict_CheckForSerializationFailure.
std::string SsiGraph::flag_rw(Sxact* reader, Sxact* writer, Sxact* me) {
  bool failure = writer->committed && writer->conflict_out;
  // reader -> writer -> t2, t2 committed (prepared) first.
  if (!failure) {
    for (Sxact* t2 : writer->out) {
      if (t2->prepared && (!reader->committed || t2->prepare_seq <= reader->commit_seq) &&
          (!writer->committed || t2->prepare_seq <= writer->commit_seq) &&
          (!reader->read_only || t2->prepare_seq <= reader->last_commit_before_snapshot)) {
        failure = true;
        break;
      }
    }
  }
  // t0 -> reader -> writer, writer committed (prepared) first.
  if (!failure && writer->prepared && !reader->read_only) {
    for (Sxact* t0 : reader->in) {
      if (!t0->doomed && (!t0->committed || t0->commit_seq >= writer->prepare_seq) &&
          (!t0->read_only || t0->last_commit_before_snapshot >= writer->prepare_seq)) {
        failure = true;
        break;
      }
    }
  }
  if (failure) {
    if (me == writer) return "Canceled on identification as a pivot, during write.";
    if (writer->prepared) {
      return "Canceled on conflict out to pivot " + std::to_string(writer->id) + ", during read.";
    }
    writer->doomed = true;
  }
  reader->out.insert(writer);
  writer->in.insert(reader);
  return {};
}

// CheckForSerializableConflictIn.
void SsiGraph::write_conflicts(TxnId txn, const std::vector<TxnId>& readers) {
  std::lock_guard g(mu_);
  Sxact* me = find(txn);
  if (me == nullptr) return;
  if (me->doomed) fail("Canceled on identification as a pivot, during conflict in checking.");
  me->did_write = true;
  for (TxnId rid : readers) {
    Sxact* r = find(rid);
    if (r == nullptr || r == me || r->doomed) continue;
    // A reader that committed before our snapshot is not concurrent.
    if (r->committed && r->commit_seq <= me->last_commit_before_snapshot) continue;
    if (r->out.count(me)) continue;
    std::string reason = flag_rw(r, me, me);
    if (!reason.empty()) fail(reason);
  }
}

// PreCommit_CheckForSerializationFailure.
void SsiGraph::precommit(TxnId txn) {
  std::lock_guard g(mu_);
  Sxact* me = find(txn);
  if (me == nullptr) return;
  if (me->doomed) fail("Canceled on identification as a pivot, during commit attempt.");
  for (Sxact* near : me->in) {
    if (near->committed || near->doomed) continue;
    for (Sxact* far : near->in) {
      if (far == me || (!far->committed && !far->read_only && !far->doomed)) {
        // Kill the pivot (progress on retry), unless it is already past its own check.
        if (near->prepared) {
          fail("Canceled on commit attempt with conflict in from prepared pivot.");
        }
        near->doomed = true;
        break;
      }
    }
  }
  me->prepare_seq = ++last_seq_;
  me->prepared = true;
}

// ReleasePredicateLocks(isCommit = true).
void SsiGraph::commit(TxnId txn, bool wrote, const std::function<Timestamp()>& assign) {
  std::vector<TxnId> rel;
  {
    std::lock_guard g(mu_);
    Timestamp ts = assign ? assign() : 0;
    Sxact* me = find(txn);
    if (me == nullptr) return;
    me->committed = true;
    me->commit_seq = ++last_seq_;
    if (wrote) me->did_write = true;
    if (!me->did_write) me->read_only = true;
    if (ts != 0) {
      me->commit_ts = ts;
      by_commit_ts_[ts] = me;
    }
    if (!me->declared_ro) {
      if (--writable_ == 0) can_partial_clear_through_ = last_seq_;
    } else {
      for (Sxact* o : me->unsafe) o->unsafe.erase(me);
      me->unsafe.clear();
    }
    for (Sxact* w : std::vector<Sxact*>(me->out.begin(), me->out.end())) {
      if (!me->read_only && w->committed) {
        if (!me->conflict_out || w->prepare_seq < me->earliest_out_conflict_commit)
          me->earliest_out_conflict_commit = w->prepare_seq;
        me->conflict_out = true;
      }
      if (w->committed || w->last_commit_before_snapshot >= last_seq_) {
        me->out.erase(w);
        w->in.erase(me);
      }
    }
    for (Sxact* r : std::vector<Sxact*>(me->in.begin(), me->in.end())) {
      if (r->committed || r->read_only) {
        me->in.erase(r);
        r->out.erase(me);
      }
    }
    if (!me->declared_ro) finish_possible_unsafe(me, true);
    clear_old(&rel);
  }
  release_all(rel);
}

// ReleasePredicateLocks(isCommit = false).
void SsiGraph::aborted(TxnId txn) {
  std::vector<TxnId> rel;
  {
    std::lock_guard g(mu_);
    Sxact* me = find(txn);
    if (me == nullptr) return;
    me->doomed = me->rolled_back = true;
    me->prepared = false;
    if (!me->declared_ro) {
      if (--writable_ == 0) can_partial_clear_through_ = last_seq_;
      finish_possible_unsafe(me, false);
    } else {
      for (Sxact* o : me->unsafe) o->unsafe.erase(me);
      me->unsafe.clear();
    }
    remove(me, &rel);
    clear_old(&rel);
  }
  release_all(rel);
}

// A read-write transaction ends: the read-only ones it might have made unsafe learn whether
// it did (a conflict out to a commit before their snapshot) or not.
void SsiGraph::finish_possible_unsafe(Sxact* me, bool commit) {
  for (Sxact* ro : std::vector<Sxact*>(me->unsafe.begin(), me->unsafe.end())) {
    if (commit && me->did_write && me->conflict_out &&
        me->earliest_out_conflict_commit <= ro->last_commit_before_snapshot) {
      ro->ro_unsafe = true;  // FlagSxactUnsafe
      for (Sxact* o : ro->unsafe) {
        if (o != me) o->unsafe.erase(ro);
      }
      ro->unsafe.clear();
    } else {
      ro->unsafe.erase(me);
      if (ro->unsafe.empty()) ro->ro_safe = true;
    }
    if (ro->waiter && (ro->ro_safe || ro->ro_unsafe))
      ro->waiter->complete(runtime::WakeReason::kSignalled);
  }
  me->unsafe.clear();
}

void SsiGraph::remove(Sxact* s, std::vector<TxnId>* release) {
  for (Sxact* w : s->out) w->in.erase(s);
  for (Sxact* r : s->in) r->out.erase(s);
  for (Sxact* o : s->unsafe) o->unsafe.erase(s);
  if (s->waiter) s->waiter->complete(runtime::WakeReason::kSignalled);
  if (s->commit_ts != 0) by_commit_ts_.erase(s->commit_ts);
  release->push_back(s->id);
  sxacts_.erase(s->id);
}

// ClearOldPredicateLocks: a committed transaction that every active one's snapshot follows
// is of no interest any more; once no read-write transaction is active, the SIREAD locks and
// conflicts in of those committed before can go too.
void SsiGraph::clear_old(std::vector<TxnId>* release) {
  uint64_t oldest = std::numeric_limits<uint64_t>::max();
  for (auto& [id, s] : sxacts_) {
    if (s->active()) oldest = std::min(oldest, s->last_commit_before_snapshot);
  }
  std::vector<Sxact*> done;
  for (auto& [id, s] : sxacts_) {
    if (s->committed) done.push_back(s.get());
  }
  for (Sxact* s : done) {
    if (s->commit_seq <= oldest) {
      remove(s, release);
    } else if (s->commit_seq <= can_partial_clear_through_ && !s->partially_cleared) {
      if (s->read_only) {
        remove(s, release);
      } else {
        s->partially_cleared = true;
        release->push_back(s->id);
        for (Sxact* r : s->in) r->out.erase(s);
        s->in.clear();
      }
    }
  }
}

}  // namespace hf::coord
