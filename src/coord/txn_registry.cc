// coord/txn_registry.cc — the in-process TxnRegistry (partition_api/txn_registry.h): the
// timestamp oracle, the transaction table, the registered snapshots and the SSI graph of every
// coordinator over one node's partitions. See txn_manager.h (make_txn_registry).
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "common/error.h"
#include "coord/ssi.h"
#include "coord/txn_manager.h"

namespace hf::coord {

namespace {

using partition_api::Partition;
using partition_api::TxnState;
using partition_api::TxnStatus;

class RegistryImpl final : public LocalTxnRegistry {
 public:
  RegistryImpl(std::vector<Partition*> parts, const TxnManagerOptions& o)
      : parts_(std::move(parts)),
        next_txn_(o.first_txn_id),
        last_txn_(o.last_txn_id),
        published_(o.start_ts),
        last_assigned_(o.start_ts),
        ssi_([this](TxnId t) {
          // A partition on a node that is gone (08006) lost its SIREAD locks with it.
          for (Partition* p : parts_) ignore_lost_node([&] { p->release_siread(t); });
        }) {}

  TxnIdBlock claim_txn_ids(uint64_t count) override {
    std::lock_guard g(ids_mu_);
    if (next_txn_ >= last_txn_) {
      throw SqlError(sqlstate::kProgramLimitExceeded, "transaction ids exhausted; restart");
    }
    TxnIdBlock b{next_txn_, next_txn_ + std::min(count, last_txn_ - next_txn_)};
    next_txn_ = b.end;
    return b;
  }
  void begin(TxnId txn, uint64_t group) override {
    std::lock_guard g(mu_);
    txns_.emplace(txn, Entry{}).first->second.group = group;
  }
  Timestamp published() override { return published_.load(std::memory_order_acquire); }

  TxnStatus status(TxnId txn) override {
    std::lock_guard g(mu_);
    auto it = txns_.find(txn);
    if (it == txns_.end()) return {TxnState::kAborted, 0};
    return {it->second.state, it->second.commit_ts};
  }

  Timestamp take_snapshot(TxnId txn) override {
    std::lock_guard g(mu_);
    auto& e = txns_[txn];
    if (e.has_snapshot) snapshots_.erase(snapshots_.find(e.snapshot));
    e.snapshot = published_.load(std::memory_order_relaxed);
    e.has_snapshot = true;
    snapshots_.insert(e.snapshot);
    return e.snapshot;
  }
  void drop_snapshot(TxnId txn) override {
    std::lock_guard g(mu_);
    auto it = txns_.find(txn);
    if (it == txns_.end() || !it->second.has_snapshot) return;
    snapshots_.erase(snapshots_.find(it->second.snapshot));
    it->second.has_snapshot = false;
  }
  Timestamp oldest_snapshot() override {
    std::lock_guard g(mu_);
    return snapshots_.empty() ? published_.load(std::memory_order_relaxed) : *snapshots_.begin();
  }

  Timestamp assign_commit(TxnId txn) override {
    std::lock_guard g(mu_);
    auto& e = txns_[txn];
    if (e.decided) throw_decided_abort();  // R5
    Timestamp ts = ++last_assigned_;
    e.state = TxnState::kCommitted;
    e.commit_ts = ts;
    advance_published();
    return ts;
  }
  Timestamp reserve_commit() override {
    std::lock_guard g(mu_);
    Timestamp ts = ++last_assigned_;
    reserved_.insert(ts);
    return ts;
  }
  void complete_commit(TxnId txn, Timestamp ts, bool committed) override {
    std::vector<std::function<void()>> ready;
    {
      std::lock_guard g(mu_);
      close_reservation(txn, ts, committed);
      ready = take_published_callbacks();
    }
    for (auto& fn : ready) fn();
  }
  void complete_commit_then(TxnId txn, Timestamp ts,
                            std::function<void()> once_published) override {
    std::vector<std::function<void()>> ready;
    {
      std::lock_guard g(mu_);
      publish_callbacks_.emplace(ts, std::move(once_published));
      close_reservation(txn, ts, true);
      ready = take_published_callbacks();
    }
    for (auto& fn : ready) fn();
  }
  void wait_published(Timestamp ts) override {
    if (published_.load(std::memory_order_acquire) >= ts) return;
    auto w = std::make_shared<PublishWaiter>();
    if (runtime::Fiber::current() != nullptr) w->event = runtime::Event::create();
    {
      std::lock_guard g(mu_);
      if (published_.load(std::memory_order_relaxed) >= ts) return;
      publish_waiters_.emplace(ts, w);
    }
    if (w->event) {
      while (w->event->wait() != runtime::WakeReason::kSignalled) {
      }
      return;
    }
    std::unique_lock g(w->mu);
    w->cv.wait(g, [&] { return w->done; });
  }
  void mark_aborted(TxnId txn) override {
    std::lock_guard g(mu_);
    auto it = txns_.find(txn);
    if (it != txns_.end()) it->second.state = TxnState::kAborted;
  }
  void forget(TxnId txn) override {
    std::vector<uint32_t> ready;
    {
      std::lock_guard g(mu_);
      auto it = txns_.find(txn);
      if (it == txns_.end()) return;
      if (it->second.has_snapshot) snapshots_.erase(snapshots_.find(it->second.snapshot));
      txns_.erase(it);
      if (!pending_drops_.empty()) ready = take_ready_drops();
    }
    send_drops(ready);
  }
  // Deferred until no transaction that had a snapshot when it was asked is left: a
  // statement that bound the table before its DROP or TRUNCATE committed, then waited for the
  // table lock, still reads the old keyspace (PostgreSQL would read the new one; here the old
  // rows must at least stay whole until it ends). Asked again at every transaction's end.
  void drop_keyspaces(uint32_t table_id) override {
    std::vector<uint32_t> ready;
    {
      std::lock_guard g(mu_);
      pending_drops_.emplace_back(table_id, published_.load(std::memory_order_relaxed));
      ready = take_ready_drops();
    }
    send_drops(ready);
  }

  SsiSnapshot ssi_begin(TxnId txn, bool read_only, bool deferrable,
                        runtime::CancelToken* cancel) override {
    auto s = ssi_.begin(
        txn, read_only, deferrable, [&] { return take_snapshot(txn); }, [&] { drop_snapshot(txn); },
        cancel);
    return {s.read_ts, s.tracked, s.cancelled};
  }
  bool ssi_tracking(TxnId txn) override { return ssi_.tracking(txn); }
  void ssi_after_read(TxnId txn, bool visited) override { ssi_.after_read(txn, visited); }
  void ssi_write_conflicts(TxnId txn, const std::vector<TxnId>& readers) override {
    ssi_.write_conflicts(txn, readers);
  }
  void ssi_precommit(TxnId txn) override { ssi_.precommit(txn); }
  Timestamp ssi_commit(TxnId txn, bool wrote) override {
    {
      std::lock_guard g(mu_);
      auto it = txns_.find(txn);
      if (it != txns_.end() && it->second.decided) throw_decided_abort();  // R5
    }
    Timestamp ts = 0;
    if (wrote) {
      ssi_.commit(txn, true, [&] { return ts = assign_commit(txn); });
    } else {
      ssi_.commit(txn, false, {});
    }
    return ts;
  }
  void ssi_aborted(TxnId txn) override { ssi_.aborted(txn); }
  std::vector<uint64_t> ssi_safe_snapshot_blocking_groups(uint64_t group) override {
    std::vector<uint64_t> out;
    if (group == 0) return out;
    TxnId waiter = 0;
    {
      std::lock_guard g(mu_);
      for (const auto& [id, e] : txns_)
        if (e.group == group) waiter = id;
    }
    if (waiter == 0) return out;
    std::vector<TxnId> blockers = ssi_.safe_snapshot_blockers(waiter);
    std::lock_guard g(mu_);
    for (TxnId t : blockers) {
      auto it = txns_.find(t);
      if (it != txns_.end() && it->second.group != 0) out.push_back(it->second.group);
    }
    return out;
  }
  size_t ssi_tracked() override { return ssi_.size(); }
  uint64_t catalog_version() override { return catalog_version_.load(std::memory_order_acquire); }
  uint64_t bump_catalog_version() override {
    return catalog_version_.fetch_add(1, std::memory_order_acq_rel) + 1;
  }
  partition_api::SsiConflictSink& ssi_sink() override { return ssi_; }

  TxnStatus decide(TxnId txn) override {
    std::lock_guard g(mu_);
    // An unknown txn is recorded too: its coordinator may still begin it here (a frame on
    // another connection), and begin() must then find it aborted.
    auto& e = txns_[txn];
    if (e.state == TxnState::kCommitted) return {TxnState::kCommitted, e.commit_ts};
    e.state = TxnState::kAborted;
    e.decided = true;
    return {TxnState::kAborted, 0};
  }
  void ssi_read_skipped(TxnId reader, TxnId writer, Timestamp commit_ts) override {
    if (writer != 0) {
      ssi_.read_skipped_intent(reader, writer);
    } else {
      ssi_.read_skipped_commit(reader, commit_ts);
    }
  }

 private:
  struct Entry {
    TxnState state = TxnState::kPending;
    Timestamp commit_ts = 0;
    uint64_t group = 0;  // the session's lock group
    bool has_snapshot = false;
    Timestamp snapshot = 0;
    bool decided = false;  // decide() aborted it: it never commits (R5)
  };
  [[noreturn]] static void throw_decided_abort() {
    throw SqlError(sqlstate::kSerializationFailure,
                   "could not serialize access: a partition's node lost this transaction's "
                   "coordinator and the transaction registry aborted it");
  }
  template <typename Fn>
  static void ignore_lost_node(Fn&& fn) {
    try {
      fn();
    } catch (const SqlError& e) {
      if (e.error().sqlstate != "08006") throw;
    }
  }
  // A committer waiting for its timestamp to be published: a fiber's event, or a plain
  // thread's condition variable.
  struct PublishWaiter {
    std::shared_ptr<runtime::Event> event;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
  };
  // REQUIRES: mu_ held.
  void close_reservation(TxnId txn, Timestamp ts, bool committed) {
    reserved_.erase(ts);
    if (committed) {
      auto& e = txns_[txn];
      e.state = TxnState::kCommitted;
      e.commit_ts = ts;
    }
    advance_published();
  }
  // REQUIRES: mu_ held. The complete_commit_then() callbacks whose ts is published, in
  // timestamp order; the caller runs them after it let go of mu_.
  std::vector<std::function<void()>> take_published_callbacks() {
    std::vector<std::function<void()>> ready;
    const Timestamp p = published_.load(std::memory_order_relaxed);
    while (!publish_callbacks_.empty() && publish_callbacks_.begin()->first <= p) {
      ready.push_back(std::move(publish_callbacks_.begin()->second));
      publish_callbacks_.erase(publish_callbacks_.begin());
    }
    return ready;
  }
  // REQUIRES: mu_ held. Publishes up to the first open reservation; wakes who waited for it.
  void advance_published() {
    Timestamp p = reserved_.empty() ? last_assigned_ : *reserved_.begin() - 1;
    if (p <= published_.load(std::memory_order_relaxed)) return;
    published_.store(p, std::memory_order_release);
    while (!publish_waiters_.empty() && publish_waiters_.begin()->first <= p) {
      auto w = std::move(publish_waiters_.begin()->second);
      publish_waiters_.erase(publish_waiters_.begin());
      if (w->event) {
        w->event->complete(runtime::WakeReason::kSignalled);
      } else {
        std::lock_guard wg(w->mu);
        w->done = true;
        w->cv.notify_all();
      }
    }
  }
  // The pending drops no live snapshot predates. REQUIRES: mu_ held.
  std::vector<uint32_t> take_ready_drops() {
    std::vector<uint32_t> ready;
    std::erase_if(pending_drops_, [&](const auto& d) {
      if (!snapshots_.empty() && *snapshots_.begin() <= d.second) return false;
      ready.push_back(d.first);
      return true;
    });
    return ready;
  }
  void send_drops(const std::vector<uint32_t>& ready) {
    for (uint32_t id : ready)
      for (Partition* p : parts_) ignore_lost_node([&] { p->drop_keyspaces(id); });
  }

  std::vector<Partition*> parts_;
  std::mutex ids_mu_;
  TxnId next_txn_;  // ids_mu_
  TxnId last_txn_;
  std::atomic<Timestamp> published_;
  std::mutex mu_;                 // guards txns_, snapshots_, and ordering of published_ updates
  Timestamp last_assigned_;       // guarded by mu_
  std::set<Timestamp> reserved_;  // open reservations (mu_)
  std::multimap<Timestamp, std::shared_ptr<PublishWaiter>> publish_waiters_;  // mu_
  // complete_commit_then() callbacks whose ts is not published yet (mu_).
  std::multimap<Timestamp, std::function<void()>> publish_callbacks_;
  std::unordered_map<TxnId, Entry> txns_;
  std::multiset<Timestamp> snapshots_;
  // drop_keyspaces() not sent yet: (table id, the published timestamp when it was asked).
  std::vector<std::pair<uint32_t, Timestamp>> pending_drops_;
  std::atomic<uint64_t> catalog_version_{1};
  SsiGraph ssi_;  // last: its release callback uses parts_
};

}  // namespace

std::unique_ptr<LocalTxnRegistry> make_txn_registry(std::vector<Partition*> partitions,
                                                    const TxnManagerOptions& opts) {
  return std::make_unique<RegistryImpl>(std::move(partitions), opts);
}

}  // namespace hf::coord
