// partition/leadership.cc — see leadership.h.
#include "partition/leadership.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "partition/local_node.h"
#include "partition/local_partition.h"
#include "replication/replica_group.h"

namespace hf::partition {

Leadership::Leadership(LocalNode& node,
                       std::unordered_map<PartitionId, replication::ReplicaGroup*> groups,
                       std::function<Fence()> fence, std::chrono::milliseconds poll,
                       std::chrono::milliseconds election_timeout)
    : node_(node),
      groups_(std::move(groups)),
      fence_(std::move(fence)),
      poll_(poll),
      lease_(std::chrono::duration_cast<Clock::duration>(election_timeout) * 3 / 4) {
  // G4: a call that meets a lease that ran out waits for a renewal in flight. A leader that
  // lost its group stops serving (W2) when libraft steps it down, one to two election
  // timeouts after it last heard from a majority, which ends the wait sooner; the bound is
  // for renewals that are only slow.
  for (const auto& [p, group] : groups_)
    node_.partition(static_cast<uint32_t>(p)).set_lease_wait(lease_ * kLeaseWaits);
}

Leadership::~Leadership() {
  stop();
}

void Leadership::start() {
  std::lock_guard g(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
  if (lease_ != Clock::duration::zero()) renewer_ = std::thread([this] { renew(); });
}

void Leadership::stop() {
  {
    std::lock_guard g(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (renewer_.joinable()) renewer_.join();
  // The renewals' answers run on the groups' loop threads and touch this object: wait for
  // every one (libraft answers a barrier once it commits or this replica stops leading).
  std::unique_lock l(lease_mu_);
  renewals_done_.wait(l, [this] {
    return std::all_of(leases_.begin(), leases_.end(),
                       [](const auto& e) { return e.second.in_flight == 0; });
  });
}

bool Leadership::stopping() const {
  std::lock_guard g(mu_);
  return stopping_;
}

uint64_t Leadership::takeovers() const {
  std::lock_guard g(mu_);
  return takeovers_;
}

uint64_t Leadership::stops() const {
  std::lock_guard g(mu_);
  return stops_;
}

uint64_t Leadership::renewals() const {
  std::lock_guard l(lease_mu_);
  return renewals_;
}

uint64_t Leadership::lapses() const {
  std::lock_guard l(lease_mu_);
  return lapses_;
}

bool Leadership::transfer(PartitionId p, uint64_t to) {
  auto it = groups_.find(p);
  if (it == groups_.end()) return false;
  replication::ReplicaGroup& group = *it->second;
  {
    std::lock_guard act(act_mu_);
    const replication::ReplicaInfo info = group.info();
    if (info.state == replication::ReplicaInfo::kLeader) handed_off_[p] = info.term;
    node_.stop_serving(static_cast<uint32_t>(p));
    std::lock_guard g(mu_);
    ++stops_;
  }
  const bool ok = group.transfer(static_cast<replication::ReplicaId>(to)).ok();
  if (!ok) {
    std::lock_guard act(act_mu_);
    handed_off_.erase(p);  // still leading: W1 may take it over again (with a new fence)
  }
  return ok;
}

void Leadership::lease_from(PartitionId p, uint64_t term, Clock::time_point asked) {
  std::lock_guard l(lease_mu_);
  Lease& lease = leases_[p];
  // A barrier of another term than the lease's is a takeover's (W1): its lease replaces the
  // earlier term's. Within a term a lease only grows (answers come in log order anyway).
  if (lease.term == term && asked + lease_ <= lease.until) return;
  if (lease.term != term) lease.asked = asked;
  lease.term = term;
  lease.until = asked + lease_;
  lease.lapse_reported = false;
  node_.partition(static_cast<uint32_t>(p)).set_lease(lease.until);
}

void Leadership::run() {
  for (;;) {
    for (const auto& [p, group] : groups_) {
      if (stopping()) return;
      check(p, *group);
    }
    std::unique_lock g(mu_);
    if (cv_.wait_for(g, poll_, [this] { return stopping_; })) return;
  }
}

void Leadership::renew() {
  for (;;) {
    renew_pass(Clock::now());
    std::unique_lock g(mu_);
    if (cv_.wait_for(g, poll_, [this] { return stopping_; })) return;
  }
}

void Leadership::renew_pass(Clock::time_point now) {
  for (const auto& [p, group] : groups_) {
    const uint64_t term = node_.partition(static_cast<uint32_t>(p)).serving_term();
    {
      std::lock_guard l(lease_mu_);
      Lease& lease = leases_[p];
      // Not serving, or W1 has not leased the term it serves in yet: nothing to renew.
      if (term == 0 || lease.term != term) continue;
      if (now >= lease.until && !lease.lapse_reported) {
        lease.lapse_reported = true;
        ++lapses_;
        using std::chrono::duration_cast, std::chrono::milliseconds;
        spdlog::warn(
            "partition {}: leader lease ran out in term {} ({} ms ago; {} renewals in flight, "
            "the newest asked {} ms ago): its calls wait until one commits",
            p, term, duration_cast<milliseconds>(now - lease.until).count(), lease.in_flight,
            duration_cast<milliseconds>(now - lease.asked).count());
      }
      const auto since = now - lease.asked;
      const bool due = lease.in_flight == 0
                           ? since >= lease_ / 3
                           : since >= lease_ / 6 && lease.in_flight < kMaxRenewalsInFlight;
      if (!due) continue;
      lease.asked = now;
      ++lease.in_flight;
    }
    // Answered on the group's loop thread. A barrier committed in the lease's term proves
    // what W3 says from `asked` on, whether or not the partition still serves.
    const bool posted =
        group->barrier_async([this, p = p](replication::Outcome out, unsigned long long in_term,
                                           Clock::time_point asked) {
          std::lock_guard l(lease_mu_);
          Lease& lease = leases_[p];
          --lease.in_flight;
          if (out.ok() && in_term == lease.term && asked + lease_ > lease.until) {
            lease.until = asked + lease_;
            lease.lapse_reported = false;
            node_.partition(static_cast<uint32_t>(p)).set_lease(lease.until);
            ++renewals_;
          }
          renewals_done_.notify_all();
        });
    if (!posted) {
      std::lock_guard l(lease_mu_);
      --leases_[p].in_flight;
      renewals_done_.notify_all();
    }
  }
}

void Leadership::check(PartitionId p, replication::ReplicaGroup& group) {
  std::lock_guard act(act_mu_);
  const uint32_t index = static_cast<uint32_t>(p);
  const uint64_t serving = node_.partition(index).serving_term();
  const replication::ReplicaInfo info = group.info();
  const bool leads = info.state == replication::ReplicaInfo::kLeader;
  if (serving != 0 && (!leads || info.term != serving)) {  // W2
    node_.stop_serving(index);
    std::lock_guard g(mu_);
    ++stops_;
  }
  if (!leads) return;
  if (info.term == serving) return;  // serving: the renewer keeps its lease (W5)
  // Asked before the barrier: every AppendEntries that carries it is sent after this (W3).
  const Clock::time_point asked = Clock::now();
  auto still_leads = [&] {
    const replication::ReplicaInfo after = group.info();
    return after.state == replication::ReplicaInfo::kLeader && after.term == info.term;
  };
  if (auto h = handed_off_.find(p); h != handed_off_.end()) {  // W4
    if (h->second == info.term) return;
    handed_off_.erase(h);
  }
  // W1: everything committed before is applied here once a barrier of this term commits.
  if (!group.barrier().ok() || !still_leads()) return;
  if (lease_ != Clock::duration::zero()) lease_from(p, info.term, asked);
  const Fence f = fence_();
  node_.take_over(index, info.term, f.txn, f.ts);
  std::lock_guard g(mu_);
  ++takeovers_;
}

}  // namespace hf::partition
