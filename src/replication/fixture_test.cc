// replication/fixture_test.cc — deterministic tests of the replication layer on libraft's own
// raft_fixture: an in-memory network and disk with simulated time, where the test decides
// who is elected, which links drop messages, who is killed and revived. The fixture drives
// `struct raft` directly; the code under test is what ReplicaGroup runs on its loop thread:
// FsmAdapter (apply/snapshot/restore onto a StateMachine) and the submit_* requests with
// their Outcome mapping.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "replication/raft_c.h"
#include "replication/raft_requests.h"
#include "replication/recording_machine_for_tests.h"
#include "replication/replica_group.h"  // read_info
#include "replication/state_machine.h"

extern "C" {
#include <raft/fixture.h>
}

namespace hf::replication {
namespace {

constexpr unsigned kMaxMs = 20000;  // simulated milliseconds, not wall time

// What became of one request, filled in by its callback.
struct Result {
  std::optional<Outcome> outcome;
  size_t applied_at_done = 0;  // entries the replica's machine had applied at that moment
  LogIndex last_applied_index_at_done = 0;
};
using ResultRef = std::shared_ptr<Result>;

class FixtureCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(raft_fixture_initialize(&f_), 0);
    for (int i = 0; i < 3; ++i) grow();
  }
  void TearDown() override { raft_fixture_close(&f_); }

  // Adds a server (index = its position, id = index + 1, address = the id as text).
  void grow() {
    machines_.push_back(std::make_unique<RecordingMachine>());
    adapters_.push_back(std::make_unique<FsmAdapter>(*machines_.back()));
    ASSERT_EQ(raft_fixture_grow(&f_, adapters_.back()->fsm()), 0);
    adapters_.back()->bind(server(static_cast<unsigned>(adapters_.size() - 1)));
  }
  // Bootstraps every server with the first `voters` servers as voters and starts them.
  void start(unsigned voters = 3) {
    raft_configuration conf;
    ASSERT_EQ(raft_fixture_configuration(&f_, voters, &conf), 0);
    ASSERT_EQ(raft_fixture_bootstrap(&f_, &conf), 0);
    raft_configuration_close(&conf);
    // As ReplicaGroupOptions::pre_vote: a cut-off follower does not depose a live leader.
    for (unsigned i = 0; i < raft_fixture_n(&f_); ++i) raft_set_pre_vote(server(i), true);
    ASSERT_EQ(raft_fixture_start(&f_), 0);
  }
  raft* server(unsigned i) { return raft_fixture_get(&f_, i); }

  OutcomeCallback recorder(unsigned i, const ResultRef& result) {
    return [this, i, result](Outcome out) {
      result->applied_at_done = machines_[i]->size();
      auto history = machines_[i]->history();
      result->last_applied_index_at_done = history.empty() ? 0 : history.back().first;
      result->outcome = std::move(out);
    };
  }
  ResultRef propose(unsigned i, const std::string& entry) {
    auto result = std::make_shared<Result>();
    submit_proposal(server(i), entry, recorder(i, result));
    return result;
  }
  // Proposes entries on server i and steps until every one has an outcome.
  std::vector<ResultRef> propose_all(unsigned i, const std::vector<std::string>& entries) {
    std::vector<ResultRef> results;
    for (const auto& e : entries) results.push_back(propose(i, e));
    EXPECT_TRUE(step_until([&] { return all_done(results); }));
    return results;
  }
  static bool all_done(const std::vector<ResultRef>& results) {
    for (const auto& r : results)
      if (!r->outcome) return false;
    return true;
  }
  bool step_until(std::function<bool()> stop, unsigned max_ms = kMaxMs) {
    return raft_fixture_step_until(
        &f_, [](raft_fixture*, void* arg) { return (*static_cast<std::function<bool()>*>(arg))(); },
        &stop, max_ms);
  }
  bool wait_for(const ResultRef& r) {
    return step_until([&] { return r->outcome.has_value(); });
  }
  bool is_leader(unsigned i) { return raft_state(server(i)) == RAFT_LEADER; }

  static std::vector<std::string> numbered(const std::string& prefix, int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
    return out;
  }

  raft_fixture f_{};  // raft_fixture_initialize leaves parts of it to be zero already
  struct raft_transfer transfer_slot_ {};  // lives until TearDown closes the fixture
  std::vector<std::unique_ptr<RecordingMachine>> machines_;
  std::vector<std::unique_ptr<FsmAdapter>> adapters_;
};

TEST_F(FixtureCluster, ReplicatesEntriesInOrderAndAppliesOnTheLeaderBeforeReporting) {
  start();
  raft_fixture_elect(&f_, 0);
  const auto entries = numbered("e", 20);
  auto results = propose_all(0, entries);
  LogIndex previous = 0;
  for (const auto& r : results) {
    ASSERT_EQ(r->outcome->status, Outcome::kOk) << r->outcome->message;
    EXPECT_GT(r->outcome->index, previous);
    previous = r->outcome->index;
    // Reported only after the leader's machine applied that very entry.
    EXPECT_EQ(r->last_applied_index_at_done, r->outcome->index);
  }
  ASSERT_TRUE(raft_fixture_step_until_applied(&f_, 3, previous, kMaxMs));
  for (const auto& m : machines_) {
    EXPECT_EQ(m->values(), entries);
    EXPECT_EQ(m->history(), machines_[0]->history());  // same indexes everywhere
  }
  // A follower refuses at once and names the leader; nothing is appended.
  const LogIndex before = raft_last_index(server(1));
  auto refused = propose(1, "x");
  ASSERT_TRUE(refused->outcome.has_value());
  EXPECT_EQ(refused->outcome->status, Outcome::kNotLeader);
  EXPECT_EQ(refused->outcome->leader_id, 1u);
  EXPECT_EQ(refused->outcome->leader_address, "1");
  EXPECT_EQ(raft_last_index(server(1)), before);
}

// Entries are framed to 8-byte multiples on the way in (state_machine.h, A3); apply()
// must see exactly the proposed bytes, whatever their length or content.
TEST_F(FixtureCluster, EntriesOfAnyLengthArriveIntact) {
  start();
  raft_fixture_elect(&f_, 0);
  std::vector<std::string> entries;
  for (size_t len = 0; len <= 17; ++len)
    entries.push_back(std::string(len, static_cast<char>('a' + len)));
  entries.push_back(std::string("\0\0\xff\0", 4));
  auto results = propose_all(0, entries);
  for (const auto& r : results) ASSERT_EQ(r->outcome->status, Outcome::kOk);
  ASSERT_TRUE(raft_fixture_step_until_applied(&f_, 3, results.back()->outcome->index, kMaxMs));
  for (const auto& m : machines_) EXPECT_EQ(m->values(), entries);
}

TEST_F(FixtureCluster, ANewLeaderHasEveryEntryCommittedBeforeTheOldOneWasKilled) {
  start();
  raft_fixture_elect(&f_, 0);
  // Server 2 hears nothing from the leader: entries commit on servers 0 and 1 only.
  raft_fixture_saturate(&f_, 0, 2);
  const auto entries = numbered("c", 10);
  for (const auto& r : propose_all(0, entries)) ASSERT_EQ(r->outcome->status, Outcome::kOk);
  EXPECT_EQ(machines_[2]->size(), 0u);
  raft_fixture_kill(&f_, 0);
  raft_fixture_desaturate(&f_, 0, 2);
  ASSERT_TRUE(step_until([&] { return is_leader(1) || is_leader(2); }));
  // Raft's election restriction: only server 1 holds the committed entries, so only it can win.
  ASSERT_TRUE(is_leader(1));
  auto after = propose(1, "after");
  ASSERT_TRUE(wait_for(after));
  ASSERT_EQ(after->outcome->status, Outcome::kOk) << after->outcome->message;
  auto expected = entries;
  expected.push_back("after");
  EXPECT_EQ(machines_[1]->values(), expected);
  ASSERT_TRUE(raft_fixture_step_until_applied(&f_, 2, after->outcome->index, kMaxMs));
  EXPECT_EQ(machines_[2]->values(), expected);
  EXPECT_EQ(machines_[2]->history(), machines_[1]->history());
}

TEST_F(FixtureCluster, APartitionedLeaderCannotCommitAndItsEntriesAreDiscarded) {
  start();
  raft_fixture_elect(&f_, 0);
  auto first = propose_all(0, {"a"});
  ASSERT_EQ(first[0]->outcome->status, Outcome::kOk);
  ASSERT_TRUE(raft_fixture_step_until_applied(&f_, 3, first[0]->outcome->index, kMaxMs));
  for (unsigned other : {1u, 2u}) {
    raft_fixture_saturate(&f_, 0, other);
    raft_fixture_saturate(&f_, other, 0);
  }
  auto lost1 = propose(0, "lost1");
  auto lost2 = propose(0, "lost2");
  ASSERT_TRUE(step_until([&] { return is_leader(1) || is_leader(2); }));
  const unsigned new_leader = is_leader(1) ? 1 : 2;
  // The old leader steps down when it cannot reach a majority; its appended entries'
  // fate is unknown to it.
  ASSERT_TRUE(wait_for(lost1));
  ASSERT_TRUE(wait_for(lost2));
  EXPECT_EQ(lost1->outcome->status, Outcome::kUnknown);
  EXPECT_EQ(lost2->outcome->status, Outcome::kUnknown);
  EXPECT_NE(raft_state(server(0)), RAFT_LEADER);
  auto b = propose(new_leader, "b");
  ASSERT_TRUE(wait_for(b));
  ASSERT_EQ(b->outcome->status, Outcome::kOk) << b->outcome->message;
  for (unsigned other : {1u, 2u}) {
    raft_fixture_desaturate(&f_, 0, other);
    raft_fixture_desaturate(&f_, other, 0);
  }
  ASSERT_TRUE(raft_fixture_step_until_applied(&f_, 3, b->outcome->index, kMaxMs));
  const std::vector<std::string> expected{"a", "b"};
  for (const auto& m : machines_) EXPECT_EQ(m->values(), expected);
  EXPECT_EQ(machines_[0]->history(), machines_[new_leader]->history());
}

// Why kUnknown is not "failed": a leader deposed after replicating an entry but before
// hearing that it did reports kUnknown, and the next leader commits the entry anyway.
TEST_F(FixtureCluster, AnEntryWhoseFateWasUnknownMayStillCommit) {
  start();
  raft_fixture_elect(&f_, 0);
  auto maybe = propose(0, "maybe");
  raft_fixture_depose(&f_);  // followers' AppendEntries results are dropped until it steps down
  ASSERT_TRUE(maybe->outcome.has_value());
  EXPECT_EQ(maybe->outcome->status, Outcome::kUnknown);
  ASSERT_TRUE(step_until([&] { return is_leader(0) || is_leader(1) || is_leader(2); }));
  const unsigned leader = is_leader(0) ? 0 : is_leader(1) ? 1 : 2;
  auto next = propose_all(leader, {"next"});
  ASSERT_EQ(next[0]->outcome->status, Outcome::kOk);
  ASSERT_TRUE(raft_fixture_step_until_applied(&f_, 3, next[0]->outcome->index, kMaxMs));
  for (const auto& m : machines_)
    EXPECT_EQ(m->values(), (std::vector<std::string>{"maybe", "next"}));
}

TEST_F(FixtureCluster, ARevivedReplicaCatchesUpFromTheLog) {
  start();
  raft_fixture_elect(&f_, 0);
  raft_fixture_kill(&f_, 2);
  const auto entries = numbered("r", 30);
  auto results = propose_all(0, entries);
  for (const auto& r : results) ASSERT_EQ(r->outcome->status, Outcome::kOk);
  EXPECT_EQ(machines_[2]->size(), 0u);
  raft_fixture_revive(&f_, 2);
  ASSERT_TRUE(raft_fixture_step_until_applied(&f_, 2, results.back()->outcome->index, kMaxMs));
  EXPECT_EQ(machines_[2]->values(), entries);
  EXPECT_EQ(machines_[2]->restores(), 0);  // replayed from the log, no snapshot needed
}

TEST_F(FixtureCluster, ABehindReplicaIsSentASnapshotAndRestoresIt) {
  for (unsigned i = 0; i < 3; ++i) {
    raft_set_snapshot_threshold(server(i), 8);
    raft_set_snapshot_trailing(server(i), 2);
  }
  start();
  raft_fixture_elect(&f_, 0);
  raft_fixture_kill(&f_, 2);
  const auto entries = numbered("s", 40);
  auto results = propose_all(0, entries);
  for (const auto& r : results) ASSERT_EQ(r->outcome->status, Outcome::kOk);
  // The leader compacted its log: the entries server 2 lacks are gone from it.
  // (libraft takes the snapshot when it applies; the simulated disk stores it later).
  ASSERT_TRUE(step_until([&] { return server(0)->log.snapshot.last_index > 8; }));
  raft_fixture_revive(&f_, 2);
  ASSERT_TRUE(raft_fixture_step_until_applied(&f_, 2, results.back()->outcome->index, kMaxMs));
  EXPECT_GE(machines_[2]->restores(), 1);
  EXPECT_GT(machines_[2]->restored_index(), 0u);
  EXPECT_EQ(machines_[2]->values(), entries);
  EXPECT_EQ(machines_[2]->history(), machines_[0]->history());
  // Entries after the snapshot apply on top of it, in order.
  auto more = propose_all(0, {"t0", "t1"});
  ASSERT_TRUE(raft_fixture_step_until_applied(&f_, 3, more.back()->outcome->index, kMaxMs));
  auto expected = entries;
  expected.insert(expected.end(), {"t0", "t1"});
  for (const auto& m : machines_) EXPECT_EQ(m->values(), expected);
}

TEST_F(FixtureCluster, MembershipAddPromoteAndRemove) {
  start();
  raft_fixture_elect(&f_, 0);
  const auto entries = numbered("m", 5);
  for (const auto& r : propose_all(0, entries)) ASSERT_EQ(r->outcome->status, Outcome::kOk);

  grow();  // server index 3, id 4: pristine, joins by being added
  ASSERT_EQ(raft_start(server(3)), 0);
  auto added = std::make_shared<Result>();
  submit_add(server(0), 4, "4", recorder(0, added));
  ASSERT_TRUE(wait_for(added));
  ASSERT_EQ(added->outcome->status, Outcome::kOk) << added->outcome->message;
  auto promoted = std::make_shared<Result>();
  submit_assign(server(0), 4, Role::kVoter, recorder(0, promoted));
  ASSERT_TRUE(wait_for(promoted));
  ASSERT_EQ(promoted->outcome->status, Outcome::kOk) << promoted->outcome->message;

  auto after = propose_all(0, {"after"});
  ASSERT_EQ(after[0]->outcome->status, Outcome::kOk);
  ASSERT_TRUE(raft_fixture_step_until_applied(&f_, 3, after[0]->outcome->index, kMaxMs));
  auto expected = entries;
  expected.push_back("after");
  EXPECT_EQ(machines_[3]->values(), expected);
  int voters = 0;
  for (const Member& m : read_info(server(0)).configuration) voters += m.role == Role::kVoter;
  EXPECT_EQ(voters, 4);

  // Refusals: a duplicate id on the leader, any change on a follower.
  auto duplicate = std::make_shared<Result>();
  submit_add(server(0), 4, "4bis", recorder(0, duplicate));
  ASSERT_TRUE(duplicate->outcome.has_value());
  EXPECT_EQ(duplicate->outcome->status, Outcome::kRejected);
  auto on_follower = std::make_shared<Result>();
  submit_remove(server(1), 3, recorder(1, on_follower));
  ASSERT_TRUE(on_follower->outcome.has_value());
  EXPECT_EQ(on_follower->outcome->status, Outcome::kNotLeader);
  EXPECT_EQ(on_follower->outcome->leader_id, 1u);

  auto removed = std::make_shared<Result>();
  submit_remove(server(0), 3, recorder(0, removed));
  ASSERT_TRUE(wait_for(removed));
  ASSERT_EQ(removed->outcome->status, Outcome::kOk) << removed->outcome->message;
  std::vector<ReplicaId> ids;
  for (const Member& m : read_info(server(0)).configuration) ids.push_back(m.id);
  EXPECT_EQ(ids, (std::vector<ReplicaId>{1, 2, 4}));
  // The group keeps committing without the removed replica.
  raft_fixture_kill(&f_, 2);
  auto last = propose_all(0, {"without 3"});
  EXPECT_EQ(last[0]->outcome->status, Outcome::kOk);
}

TEST_F(FixtureCluster, LeadershipTransferAndBarrier) {
  start();
  raft_fixture_elect(&f_, 0);
  for (const auto& r : propose_all(0, {"x", "y"})) ASSERT_EQ(r->outcome->status, Outcome::kOk);
  auto fence = std::make_shared<Result>();
  submit_barrier(server(0), recorder(0, fence));
  ASSERT_TRUE(wait_for(fence));
  ASSERT_EQ(fence->outcome->status, Outcome::kOk);
  EXPECT_EQ(machines_[0]->size(), 2u);  // everything before the barrier is applied

  auto bad = std::make_shared<Result>();
  submit_transfer(server(0), &transfer_slot_, 9, recorder(0, bad));
  ASSERT_TRUE(bad->outcome.has_value());
  EXPECT_EQ(bad->outcome->status, Outcome::kRejected);

  auto moved = std::make_shared<Result>();
  submit_transfer(server(0), &transfer_slot_, 2, recorder(0, moved));
  ASSERT_TRUE(wait_for(moved));
  EXPECT_EQ(moved->outcome->status, Outcome::kOk) << moved->outcome->message;
  ASSERT_TRUE(step_until([&] { return is_leader(1); }));
  auto z = propose_all(1, {"z"});
  ASSERT_EQ(z[0]->outcome->status, Outcome::kOk);
  ASSERT_TRUE(raft_fixture_step_until_applied(&f_, 3, z[0]->outcome->index, kMaxMs));
  for (const auto& m : machines_) EXPECT_EQ(m->values(), (std::vector<std::string>{"x", "y", "z"}));
  auto refused = propose(0, "on the old leader");
  ASSERT_TRUE(refused->outcome.has_value());
  EXPECT_EQ(refused->outcome->status, Outcome::kNotLeader);
  EXPECT_EQ(refused->outcome->leader_id, 2u);
}

// Uneven network and disk latencies reorder deliveries and completions; the replicas'
// histories must still be identical.
TEST_F(FixtureCluster, UnevenLatenciesKeepEveryReplicaInTheSameOrder) {
  const unsigned network_ms[] = {5, 40, 120};
  const unsigned disk_ms[] = {30, 2, 60};
  for (unsigned i = 0; i < 3; ++i) {
    raft_fixture_set_network_latency(&f_, i, network_ms[i]);
    raft_fixture_set_disk_latency(&f_, i, disk_ms[i]);
  }
  start();
  raft_fixture_elect(&f_, 0);
  const auto entries = numbered("u", 60);
  std::vector<ResultRef> results;
  // Proposals arrive while earlier ones are still in flight.
  for (const auto& e : entries) {
    results.push_back(propose(0, e));
    raft_fixture_step_n(&f_, 3);
  }
  ASSERT_TRUE(step_until([&] { return all_done(results); }));
  for (const auto& r : results) ASSERT_EQ(r->outcome->status, Outcome::kOk);
  ASSERT_TRUE(raft_fixture_step_until_applied(&f_, 3, results.back()->outcome->index, kMaxMs));
  for (const auto& m : machines_) {
    EXPECT_EQ(m->values(), entries);
    EXPECT_EQ(m->history(), machines_[0]->history());
  }
}

// What the leader lease of partition/leadership.h (W3) rests on, in libraft 0.15: once a
// barrier asked for at time s has committed, no other replica is elected before
// s + election_timeout, even when the leader is cut off at once and a follower's timer is at
// its minimum (a voter refuses votes and pre-votes while it knows a leader, and
// forgets it only when its own election timer runs out). And libraft alone keeps the cut-off
// leader leading past the lease (s + 3/4 election_timeout): it checks its contact with a
// majority once per election timeout, so without the lease it would still serve then.
TEST_F(FixtureCluster, NoOtherLeaderIsElectedWithinAnElectionTimeoutOfACommittedBarrier) {
  start();
  raft_fixture_elect(&f_, 0);
  const raft_time timeout = server(0)->election_timeout;
  // Follower 1's timer at the minimum (the worst case); 2's later, or their votes split forever.
  raft_fixture_set_randomized_election_timeout(&f_, 1, timeout);
  raft_fixture_set_randomized_election_timeout(&f_, 2, timeout + 50);
  for (int round = 0; round < 3; ++round) {  // heartbeats and renewals at different phases
    raft_fixture_step_until_elapsed(&f_, 37);
    auto barrier = std::make_shared<Result>();
    submit_barrier(server(0), recorder(0, barrier));
    ASSERT_TRUE(wait_for(barrier));
    ASSERT_EQ(barrier->outcome->status, Outcome::kOk);
  }
  const raft_time asked = raft_fixture_time(&f_);
  auto last = std::make_shared<Result>();
  submit_barrier(server(0), recorder(0, last));
  ASSERT_TRUE(wait_for(last));
  ASSERT_EQ(last->outcome->status, Outcome::kOk);
  for (unsigned other = 1; other < 3; ++other) {
    raft_fixture_saturate(&f_, 0, other);
    raft_fixture_saturate(&f_, other, 0);
  }
  const raft_time lease_end = asked + timeout * 3 / 4;
  ASSERT_TRUE(step_until([&] { return raft_fixture_time(&f_) >= lease_end; }));
  EXPECT_TRUE(is_leader(0)) << "libraft deposed the cut-off leader within the lease";
  EXPECT_FALSE(is_leader(1) || is_leader(2));
  ASSERT_TRUE(step_until([&] { return is_leader(1) || is_leader(2); }));
  EXPECT_GE(raft_fixture_time(&f_), asked + timeout) << "elected within an election timeout";
}

}  // namespace
}  // namespace hf::replication
