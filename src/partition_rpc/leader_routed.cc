// partition_rpc/leader_routed.cc — see leader_routed.h.
#include "partition_rpc/leader_routed.h"

#include <thread>
#include <utility>

#include "common/error.h"
#include "runtime/fiber.h"

namespace hf::partition_rpc {

namespace api = partition_api;

namespace {

// How the partition layer words a refusal (partition/local_partition.cc G1/G2,
// partition/raft_log.cc L1): the message is the same, the detail says which.
constexpr const char* kLeaderChange =
    "could not serialize access due to a change of partition leader";

enum class Refusal { kOther, kNotServed, kFenced };

Refusal refusal_of(const SqlError& e) {
  const Error& er = e.error();
  if (er.sqlstate == "08006") return Refusal::kNotServed;  // the target's node is gone
  if (er.sqlstate != sqlstate::kSerializationFailure || er.message != kLeaderChange)
    return Refusal::kOther;
  if (er.detail.find("took over partition") != std::string::npos) return Refusal::kFenced;
  if (er.detail.find("is not served here") != std::string::npos ||
      er.detail.find("the write was not replicated") != std::string::npos ||
      er.detail.find("no leader of partition") != std::string::npos)
    return Refusal::kNotServed;
  return Refusal::kOther;
}

// A bound on the transactions remembered (a transaction that never ends here, e.g. a table
// lock released elsewhere, would otherwise stay): past it the set starts again, which only
// makes later refusals of those transactions retryable — the fence still refuses them (G2).
constexpr size_t kMaxTouched = size_t{1} << 20;

}  // namespace

LeaderRoutedPartition::LeaderRoutedPartition(Options o) : o_(std::move(o)) {}

uint64_t LeaderRoutedPartition::retries() const {
  std::lock_guard g(mu_);
  return retries_;
}

api::Partition& LeaderRoutedPartition::target(uint32_t& node) {
  node = o_.leader ? o_.leader() : 0;
  if (node != 0 && node == o_.self && o_.local != nullptr) return *o_.local;
  if (node != 0)
    if (auto it = o_.remote.find(node); it != o_.remote.end() && it->second) return *it->second;
  throw SqlError(sqlstate::kSerializationFailure, kLeaderChange,
                 "no leader of partition " + std::to_string(o_.id) + " is known to node " +
                     std::to_string(o_.self));
}

namespace {
// A session's lock owner (1 << 62 | pid), not a transaction: never pinned (LR5).
bool is_transaction(uint64_t owner) {
  return owner != 0 && owner < (uint64_t{1} << 62);
}
}  // namespace

bool LeaderRoutedPartition::mark(uint64_t owner) {
  if (owner == 0) return true;
  std::lock_guard g(mu_);
  if (touched_.size() >= kMaxTouched) touched_.clear();
  return touched_.emplace(owner, 0).second;
}

bool LeaderRoutedPartition::marked(uint64_t owner) const {
  if (owner == 0) return false;
  std::lock_guard g(mu_);
  return touched_.count(owner) != 0;
}

void LeaderRoutedPartition::pin(uint64_t owner, uint32_t node, Retry retry, bool first) {
  if (!is_transaction(owner) || retry == Retry::kAlways) return;
  std::lock_guard g(mu_);
  auto it = touched_.find(owner);
  if (it == touched_.end()) return;  // a read of a transaction that left nothing here
  if (first) {
    it->second = node;  // its first state-leaving call goes here (again, when retried)
    return;
  }
  if (it->second != 0 && it->second != node)
    throw SqlError(sqlstate::kSerializationFailure, kLeaderChange,
                   "transaction " + std::to_string(owner) + " reached partition " +
                       std::to_string(o_.id) + " at node " + std::to_string(it->second) +
                       ", and its group's leader is now node " + std::to_string(node) +
                       ": what it did there may be lost");
}

void LeaderRoutedPartition::forget(uint64_t owner) {
  if (owner == 0) return;
  std::lock_guard g(mu_);
  touched_.erase(owner);
}

bool LeaderRoutedPartition::retryable(uint64_t owner, Retry retry, bool first) const {
  switch (retry) {
    case Retry::kNever:
      return false;
    case Retry::kRead:
      return !marked(owner);
    case Retry::kFirst:
      return first;
    case Retry::kAlways:
      return true;
  }
  return false;
}

void LeaderRoutedPartition::pause() {
  constexpr auto kPause = std::chrono::milliseconds(50);
  if (runtime::Fiber::current() != nullptr)
    runtime::sleep_until(runtime::Clock::now() + kPause);
  else
    std::this_thread::sleep_for(kPause);
  std::lock_guard g(mu_);
  ++retries_;
}

template <class F>
auto LeaderRoutedPartition::routed(uint64_t owner, Retry retry, F&& fn)
    -> decltype(fn(std::declval<api::Partition&>())) {
  // Whether this is the owner's first state-leaving call here (decided once, before the first
  // attempt: a later attempt is the same call).
  const bool first = retry == Retry::kFirst ? mark(owner) : false;
  const auto until = std::chrono::steady_clock::now() + o_.retry_for;
  for (;;) {
    uint32_t node = 0;
    try {
      api::Partition& at = target(node);
      pin(owner, node, retry, first);  // LR5
      return fn(at);
    } catch (const SqlError& e) {
      const Refusal r = refusal_of(e);
      if (r == Refusal::kFenced && o_.fenced) o_.fenced();  // LR3
      if (r != Refusal::kNotServed || !retryable(owner, retry, first) ||
          std::chrono::steady_clock::now() >= until)
        throw;
    }
    pause();
  }
}

namespace {

// A scan at the current leader, made again at the next one when its first row has not been
// delivered yet (LR2: the scan is a read).
class RoutedCursor final : public api::RowCursor {
 public:
  RoutedCursor(LeaderRoutedPartition& p, const api::ScanRequest& req,
               LeaderRoutedPartition::Retry r)
      : p_(p), req_(req), retry_(r) {}
  std::optional<api::RowVersion> next() override {
    if (started_) return cursor_->next();
    return p_.routed(req_.view.txn, retry_, [&](api::Partition& at) {
      cursor_ = at.scan(req_);
      auto row = cursor_->next();
      started_ = true;
      return row;
    });
  }
  void reject() override {
    if (cursor_) cursor_->reject();
  }

 private:
  LeaderRoutedPartition& p_;
  const api::ScanRequest req_;
  const LeaderRoutedPartition::Retry retry_;
  std::unique_ptr<api::RowCursor> cursor_;
  bool started_ = false;
};

}  // namespace

std::optional<api::RowVersion> LeaderRoutedPartition::get(const api::KeySpace& space,
                                                          const std::string& key,
                                                          const api::ReadView& view) {
  return routed(view.txn, Retry::kRead, [&](api::Partition& p) { return p.get(space, key, view); });
}

std::unique_ptr<api::RowCursor> LeaderRoutedPartition::scan(const api::ScanRequest& req) {
  return std::make_unique<RoutedCursor>(*this, req, Retry::kRead);
}

api::LatestState LeaderRoutedPartition::latest(const api::KeySpace& space, const std::string& key,
                                               api::TxnId own) {
  return routed(own, Retry::kRead, [&](api::Partition& p) { return p.latest(space, key, own); });
}

api::LockResult LeaderRoutedPartition::lock(const api::LockRequest& req) {
  return routed(req.txn, Retry::kFirst, [&](api::Partition& p) { return p.lock(req); });
}

std::vector<api::LockResult> LeaderRoutedPartition::lock_batch(
    const std::vector<api::LockRequest>& reqs) {
  if (reqs.empty()) return {};
  return routed(reqs.front().txn, Retry::kFirst,
                [&](api::Partition& p) { return p.lock_batch(reqs); });
}

bool LeaderRoutedPartition::row_lock_taken(const api::LockRequest& req) {
  return routed(0, Retry::kNever, [&](api::Partition& p) { return p.row_lock_taken(req); });
}

void LeaderRoutedPartition::unlock_batch(const std::vector<api::LockRequest>& reqs) {
  routed(0, Retry::kNever, [&](api::Partition& p) { p.unlock_batch(reqs); });
}

void LeaderRoutedPartition::write(api::TxnId txn, api::SubId sub, api::CommandId cid,
                                  const api::KeySpace& space, const std::string& key,
                                  const std::optional<std::string>& value, bool publish,
                                  bool new_key, bool unlocked) {
  routed(txn, Retry::kFirst, [&](api::Partition& p) {
    p.write(txn, sub, cid, space, key, value, publish, new_key, unlocked);
  });
}

bool LeaderRoutedPartition::load(api::TxnId txn, api::SubId sub, const api::KeySpace& space,
                                 const std::vector<std::pair<std::string, std::string>>& rows) {
  return routed(txn, Retry::kFirst,
                [&](api::Partition& p) { return p.load(txn, sub, space, rows); });
}

void LeaderRoutedPartition::finish_loads(api::TxnId txn) {
  routed(txn, Retry::kNever, [&](api::Partition& p) { p.finish_loads(txn); });
}

void LeaderRoutedPartition::drop_keyspaces(uint32_t table_id) {
  routed(0, Retry::kAlways, [&](api::Partition& p) { p.drop_keyspaces(table_id); });
}

void LeaderRoutedPartition::rollback_subtransactions(api::TxnId txn, api::SubId first_aborted) {
  routed(txn, Retry::kFirst,
         [&](api::Partition& p) { p.rollback_subtransactions(txn, first_aborted); });
}

void LeaderRoutedPartition::prepare(api::TxnId txn) {
  routed(txn, Retry::kFirst, [&](api::Partition& p) { p.prepare(txn); });
}

void LeaderRoutedPartition::write_commit_record(api::TxnId txn,
                                                const std::vector<api::PartitionId>& participants) {
  routed(txn, Retry::kFirst, [&](api::Partition& p) { p.write_commit_record(txn, participants); });
}

void LeaderRoutedPartition::commit(api::TxnId txn, api::Timestamp commit_ts) {
  routed(txn, Retry::kAlways, [&](api::Partition& p) { p.commit(txn, commit_ts); });
  forget(txn);
}

void LeaderRoutedPartition::abort(api::TxnId txn) {
  routed(txn, Retry::kAlways, [&](api::Partition& p) { p.abort(txn); });
  forget(txn);
}

void LeaderRoutedPartition::commit_one_phase(api::TxnId txn, api::Timestamp commit_ts,
                                             const std::vector<api::PartitionId>& with) {
  routed(txn, Retry::kFirst, [&](api::Partition& p) { p.commit_one_phase(txn, commit_ts, with); });
}

void LeaderRoutedPartition::commit_one_phase_then(api::TxnId txn, api::Timestamp commit_ts,
                                                  const std::vector<api::PartitionId>& with,
                                                  const std::function<void()>& on_durable) {
  routed(txn, Retry::kFirst,
         [&](api::Partition& p) { p.commit_one_phase_then(txn, commit_ts, with, on_durable); });
}

api::ObjectLockResult LeaderRoutedPartition::lock_object(const api::ObjectLockRequest& req) {
  return routed(req.owner, Retry::kFirst, [&](api::Partition& p) { return p.lock_object(req); });
}

bool LeaderRoutedPartition::unlock_object(const api::ObjectTag& tag, uint64_t owner, uint8_t mode) {
  return routed(owner, Retry::kNever,
                [&](api::Partition& p) { return p.unlock_object(tag, owner, mode); });
}

void LeaderRoutedPartition::release_owner(uint64_t owner) {
  routed(owner, Retry::kAlways, [&](api::Partition& p) { p.release_owner(owner); });
  forget(owner);
}

std::vector<api::LockEntry> LeaderRoutedPartition::lock_view() {
  return routed(0, Retry::kRead, [&](api::Partition& p) { return p.lock_view(); });
}

std::vector<api::Blocker> LeaderRoutedPartition::blockers(uint64_t owner) {
  return routed(0, Retry::kRead, [&](api::Partition& p) { return p.blockers(owner); });
}

void LeaderRoutedPartition::link_waits(uint64_t holder, uint64_t actor, bool add) {
  routed(0, Retry::kNever, [&](api::Partition& p) { p.link_waits(holder, actor, add); });
}

api::NodeWaits LeaderRoutedPartition::node_waits() {
  return routed(0, Retry::kNever, [&](api::Partition& p) { return p.node_waits(); });
}

bool LeaderRoutedPartition::reorder_waits(const api::WaitOrder& order) {
  return routed(0, Retry::kNever, [&](api::Partition& p) { return p.reorder_waits(order); });
}

std::vector<api::TxnId> LeaderRoutedPartition::siread_holders(const api::KeySpace& space,
                                                              const std::string& key,
                                                              api::TxnId writer, bool replaces) {
  return routed(writer, Retry::kRead,
                [&](api::Partition& p) { return p.siread_holders(space, key, writer, replaces); });
}

void LeaderRoutedPartition::release_siread(api::TxnId txn) {
  routed(0, Retry::kAlways, [&](api::Partition& p) { p.release_siread(txn); });
}

}  // namespace hf::partition_rpc
