// replication/partition_machine_test.cc — PartitionMachine (a partition's keys in a node's
// RocksDB as a Raft state machine): its promises M1-M5 called directly; then three replicas,
// each with its own storage::Engine in a temporary directory, under libraft's deterministic
// raft_fixture (failover, catch-up by snapshot, refused entries); then the same over real
// ReplicaGroups (libuv, TCP on loopback, fsync on), with a replica stopped and restarted from
// its directories. Replicas are compared by their range() bytes (snapshot()'s): the whole
// range, key by key.
#include "replication/partition_machine.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "replication/loopback_for_tests.h"
#include "replication/raft_c.h"
#include "replication/raft_requests.h"
#include "replication/replica_group.h"
#include "storage/keys.h"

extern "C" {
#include <raft/fixture.h>
}

namespace hf::replication {
namespace {

constexpr PartitionNumber kPartition = 3;
constexpr PartitionNumber kOther = 8;  // another partition of the same node

// A directory under /tmp, removed with everything in it when destroyed.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/hf-partition-machine-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::unique_ptr<storage::Engine> open_engine(const std::string& dir) {
  storage::EngineOptions o;
  o.block_cache_bytes = 8 << 20;
  o.write_buffer_bytes = 4 << 20;
  return storage::Engine::open(dir, o);
}

std::string row(PartitionNumber p, int k) {
  return storage::row_key(p, 1, 0, "k" + std::to_string(k));
}

// Batch number n of a deterministic stream: puts and deletes of rows, history versions and
// load markers of `p`, overwriting and deleting what earlier batches wrote.
rocksdb::WriteBatch batch_number(int n, PartitionNumber p = kPartition) {
  rocksdb::WriteBatch b;
  for (int j = 0; j < 4; ++j) {
    const std::string rk = row(p, (n * 7 + j * 3) % 40);
    if ((n + j) % 5 == 0) {
      b.Delete(rk);
    } else {
      b.Put(rk, "v" + std::to_string(n) + "." + std::to_string(j));
      b.Put(storage::history_key(rk, static_cast<uint64_t>(n)), "h" + std::to_string(n));
    }
  }
  const std::string marker = storage::keyspace_prefix(storage::kLoadMarkerPrefix, p, 2, n % 3);
  if (n % 4 == 0) b.Put(marker, std::to_string(n));
  if (n % 4 == 2) b.Delete(marker);
  return b;
}

std::string entry_number(int n) {
  return PartitionMachine::encode_entry(batch_number(n));
}

// The snapshot of a machine that applied entries first..last of the stream directly.
std::string expected_range(int first, int last) {
  TempDir dir;
  auto engine = open_engine(dir.path());
  PartitionMachine m(*engine, kPartition);
  for (int n = first; n <= last; ++n) m.apply(static_cast<LogIndex>(n + 1), entry_number(n));
  return m.range();
}

size_t keys_in(const std::string& snapshot) {
  return rocksdb::WriteBatch(snapshot).Count();
}

// Whether two range() results are the same bytes (said briefly: they are long).
testing::AssertionResult same_range(const std::string& a, const std::string& b) {
  if (a == b) return testing::AssertionSuccess();
  return testing::AssertionFailure()
         << "ranges differ: " << keys_in(a) << " keys (" << a.size() << " bytes) vs " << keys_in(b)
         << " keys (" << b.size() << " bytes)";
}

// --- the machine alone ---------------------------------------------------------------------

TEST(PartitionMachine, ChecksEntriesAndAppliesEachAtomicallyWithItsIndex) {
  TempDir dir;
  auto engine = open_engine(dir.path());
  PartitionMachine m(*engine, kPartition);
  EXPECT_EQ(m.applied_index(), 0u);

  rocksdb::WriteBatch good;
  good.Put(row(kPartition, 1), "one");
  good.Put(storage::keyspace_prefix(storage::kLoadMarkerPrefix, kPartition, 9, 0), "m");
  // The commit record of a transaction this partition anchors is in its range.
  good.Put(storage::commit_record_key(kPartition, 41), "c");
  EXPECT_EQ(PartitionMachine::check_entry(PartitionMachine::encode_entry(good), kPartition), "");

  rocksdb::WriteBatch foreign;
  foreign.Put(row(kPartition, 2), "mine");
  foreign.Put(row(kOther, 2), "not mine");
  rocksdb::WriteBatch commit_record;  // anchored by another partition: not this one's
  commit_record.Put(storage::commit_record_key(kOther, 42), "c");
  rocksdb::WriteBatch meta;  // node metadata: no partition's
  meta.Put(storage::meta_key("epoch"), "e");
  rocksdb::WriteBatch merge;
  merge.Merge(row(kPartition, 3), "x");
  rocksdb::WriteBatch single_delete;
  single_delete.SingleDelete(row(kPartition, 3));
  rocksdb::WriteBatch log_data;
  log_data.PutLogData("note");
  std::string miscounted = PartitionMachine::encode_entry(good);
  miscounted[1 + 8] = 5;  // the record count in RocksDB's header
  std::string unknown_kind = PartitionMachine::encode_entry(good);
  unknown_kind[0] = 2;
  const std::vector<std::string> bad{
      PartitionMachine::encode_entry(foreign),
      PartitionMachine::encode_entry(commit_record),
      PartitionMachine::encode_entry(meta),
      PartitionMachine::encode_entry(merge),
      PartitionMachine::encode_entry(single_delete),
      PartitionMachine::encode_entry(log_data),
      miscounted,
      unknown_kind,
      std::string(1, PartitionMachine::kWriteBatch),
      std::string(),
  };
  for (const auto& e : bad)
    EXPECT_NE(PartitionMachine::check_entry(e, kPartition), "") << testing::PrintToString(e);
  EXPECT_NE(PartitionMachine::check_entry(PartitionMachine::encode_entry(foreign), kPartition)
                .find("outside partition 3"),
            std::string::npos);
  EXPECT_NE(PartitionMachine::check_entry(PartitionMachine::encode_entry(commit_record), kPartition)
                .find("outside partition 3"),
            std::string::npos);
  // ... and it is the other partition's.
  EXPECT_EQ(PartitionMachine::check_entry(PartitionMachine::encode_entry(commit_record), kOther),
            "");

  m.apply(1, PartitionMachine::encode_entry(good));
  LogIndex index = 1;
  for (const auto& e : bad) m.apply(++index, e);
  EXPECT_EQ(m.applied_index(), index);
  EXPECT_EQ(m.applied_entries(), 1u);
  EXPECT_EQ(m.refused(), bad.size());
  EXPECT_EQ(m.last_refusal().index, index);
  std::string v;
  EXPECT_TRUE(engine->get(row(kPartition, 1), &v));
  EXPECT_EQ(v, "one");
  EXPECT_TRUE(engine->get(storage::commit_record_key(kPartition, 41), &v));
  // M3: nothing of a refused batch, not even its own-partition half.
  EXPECT_FALSE(engine->get(row(kPartition, 2), &v));
  EXPECT_FALSE(engine->get(row(kOther, 2), &v));
  EXPECT_FALSE(engine->get(storage::commit_record_key(kOther, 42), &v));
  EXPECT_FALSE(engine->get(storage::meta_key("epoch"), &v));
  // M4: the partition's snapshot carries its commit records.
  EXPECT_NE(m.range().find(storage::commit_record_key(kPartition, 41)), std::string::npos);
  // M1: the applied index is durable state in the engine.
  ASSERT_TRUE(engine->get(PartitionMachine::applied_index_key(kPartition), &v));
  EXPECT_EQ(storage::get_u64(v), index);
}

TEST(PartitionMachine, ReplayedEntriesAtOrBelowTheDurableIndexAreSkipped) {
  TempDir dir;
  {
    auto engine = open_engine(dir.path());
    PartitionMachine m(*engine, kPartition);
    for (int n = 0; n < 10; ++n) m.apply(static_cast<LogIndex>(n + 1), entry_number(n));
  }
  auto engine = open_engine(dir.path());  // the node restarts
  PartitionMachine m(*engine, kPartition);
  EXPECT_EQ(m.applied_index(), 10u);
  const std::string before = m.range();
  EXPECT_EQ(before, expected_range(0, 9));
  // libraft re-applies its log after a restart; entries 1..10 must change nothing, even
  // though re-applying the older ones would undo what later ones wrote.
  for (int n = 0; n < 10; ++n) {
    m.apply(static_cast<LogIndex>(n + 1), entry_number(n));
    // Until the replay reaches what the engine holds, the state is not the one at index n + 1.
    if (n + 1 < 10) {
      EXPECT_THROW(m.snapshot(), std::runtime_error) << n;
    }
  }
  EXPECT_TRUE(same_range(m.snapshot(), before));
  EXPECT_EQ(m.skipped(), 10u);
  EXPECT_EQ(m.applied_entries(), 0u);
  EXPECT_TRUE(same_range(m.range(), before));
  m.apply(11, entry_number(10));
  EXPECT_TRUE(same_range(m.range(), expected_range(0, 10)));
}

TEST(PartitionMachine, SnapshotAndRestoreCoverOnePartitionOnly) {
  TempDir a_dir, b_dir;
  auto a = open_engine(a_dir.path());
  auto b = open_engine(b_dir.path());
  PartitionMachine source(*a, kPartition), source_other(*a, kOther);
  PartitionMachine target(*b, kPartition), target_other(*b, kOther);
  for (int n = 0; n < 20; ++n) {
    source.apply(static_cast<LogIndex>(n + 1), entry_number(n));
    source_other.apply(static_cast<LogIndex>(n + 1),
                       PartitionMachine::encode_entry(batch_number(n + 100, kOther)));
  }
  const std::string snapshot = source.snapshot();
  EXPECT_EQ(snapshot, expected_range(0, 19));
  EXPECT_GT(keys_in(snapshot), 20u);
  // The target holds stale keys of the partition (one the snapshot lacks) and keys of another
  // partition that must survive the restore.
  target.apply(1, entry_number(50));
  rocksdb::WriteBatch stale;
  stale.Put(row(kPartition, 999), "stale");
  target.apply(2, PartitionMachine::encode_entry(stale));
  target_other.apply(1, PartitionMachine::encode_entry(batch_number(7, kOther)));
  const std::string other_before = target_other.range();

  target.restore(20, snapshot);
  EXPECT_TRUE(same_range(target.range(), snapshot));
  EXPECT_EQ(target.applied_index(), 20u);
  EXPECT_EQ(target.restores(), 1u);
  EXPECT_TRUE(same_range(target_other.range(), other_before));
  std::string v;
  EXPECT_FALSE(b->get(row(kPartition, 999), &v));
  // M5: a snapshot at or below the applied index changes nothing.
  target.restore(5, expected_range(0, 4));
  EXPECT_TRUE(same_range(target.range(), snapshot));
  EXPECT_EQ(target.skipped_restores(), 1u);
  // A corrupt snapshot is refused loudly (FsmAdapter then aborts).
  rocksdb::WriteBatch foreign;
  foreign.Put(row(kOther, 1), "x");
  EXPECT_THROW(target.restore(30, foreign.Data()), std::runtime_error);
  EXPECT_TRUE(same_range(target.range(), snapshot));

  target.clear();
  EXPECT_EQ(keys_in(target.range()), 0u);
  EXPECT_EQ(PartitionMachine(*b, kPartition).applied_index(), 0u);
  EXPECT_TRUE(same_range(target_other.range(), other_before));
}

// --- three replicas under raft_fixture -----------------------------------------------------

constexpr unsigned kMaxMs = 20000;  // simulated milliseconds

class PartitionFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(raft_fixture_initialize(&f_), 0);
    for (unsigned i = 0; i < 3; ++i) {
      dirs_.push_back(std::make_unique<TempDir>());
      engines_.push_back(open_engine(dirs_.back()->path()));
      machines_.push_back(std::make_unique<PartitionMachine>(*engines_.back(), kPartition));
      adapters_.push_back(std::make_unique<FsmAdapter>(*machines_.back()));
      ASSERT_EQ(raft_fixture_grow(&f_, adapters_.back()->fsm()), 0);
      adapters_.back()->bind(server(i));
    }
  }
  void TearDown() override { raft_fixture_close(&f_); }

  void start() {
    raft_configuration conf;
    ASSERT_EQ(raft_fixture_configuration(&f_, 3, &conf), 0);
    ASSERT_EQ(raft_fixture_bootstrap(&f_, &conf), 0);
    raft_configuration_close(&conf);
    for (unsigned i = 0; i < 3; ++i) raft_set_pre_vote(server(i), true);
    ASSERT_EQ(raft_fixture_start(&f_), 0);
  }
  raft* server(unsigned i) { return raft_fixture_get(&f_, i); }
  bool is_leader(unsigned i) { return raft_state(server(i)) == RAFT_LEADER; }
  bool step_until(std::function<bool()> stop) {
    return raft_fixture_step_until(
        &f_, [](raft_fixture*, void* arg) { return (*static_cast<std::function<bool()>*>(arg))(); },
        &stop, kMaxMs);
  }
  // Proposes the entries on server i; steps until each has an outcome; returns the last
  // index (0 if any was not kOk, which fails the test).
  LogIndex propose_all(unsigned i, const std::vector<std::string>& entries) {
    auto outcomes = std::make_shared<std::vector<std::optional<Outcome>>>(entries.size());
    for (size_t k = 0; k < entries.size(); ++k)
      submit_proposal(server(i), entries[k], [outcomes, k](Outcome o) { (*outcomes)[k] = o; });
    EXPECT_TRUE(step_until([&] {
      for (const auto& o : *outcomes)
        if (!o) return false;
      return true;
    }));
    LogIndex last = 0;
    for (const auto& o : *outcomes) {
      EXPECT_TRUE(o && o->ok()) << (o ? o->message : "no outcome");
      if (!o || !o->ok()) return 0;
      last = o->index;
    }
    return last;
  }
  static std::vector<std::string> stream(int first, int last) {
    std::vector<std::string> out;
    for (int n = first; n <= last; ++n) out.push_back(entry_number(n));
    return out;
  }
  bool all_applied(LogIndex index) {
    return raft_fixture_step_until_applied(&f_, raft_fixture_n(&f_), index, kMaxMs);
  }
  // Snapshot every `threshold` entries; keep `trailing` entries in the log after one, except
  // on server `restarted`, which keeps none (restart() says why).
  void set_snapshots(unsigned threshold, unsigned trailing, unsigned restarted = 3) {
    for (unsigned i = 0; i < 3; ++i) {
      raft_set_snapshot_threshold(server(i), threshold);
      raft_set_snapshot_trailing(server(i), i == restarted ? 0 : trailing);
    }
  }
  // Restarts server i as a process restart would: kills it, lets its in-flight disk writes
  // finish (a killed server gets no ticks or messages, so it starts no new ones), closes its
  // raft instance, machine and engine, then opens the engine from its directory and starts a new
  // raft instance on the same simulated disk (its log, term, vote and snapshots) with a new machine
  // and adapter. Not revived: the caller does that. `while_down` runs while the engine is closed.
  // REQUIRES snapshot trailing 0: libraft 0.15's simulated disk keeps every entry when a snapshot
  // is stored with trailing entries, yet loads them as if they began right after the snapshot
  // (fixture.c, ioMethodLoad), which renumbers the restarted log.
  void restart(unsigned i, const std::function<void()>& while_down = {}) {
    raft_fixture_kill(&f_, i);
    raft_fixture_step_until_elapsed(&f_, 2000);
    raft* r = server(i);
    const unsigned election = r->election_timeout, heartbeat = r->heartbeat_timeout;
    const unsigned install = r->install_snapshot_timeout;
    const unsigned threshold = r->snapshot.threshold, trailing = r->snapshot.trailing;
    bool closed = false;
    r->data = &closed;
    raft_close(r, [](raft* c) { *static_cast<bool*>(c->data) = true; });
    ASSERT_TRUE(closed);  // the fixture's I/O closes at once
    raft_io* io = r->io;
    machines_[i].reset();
    engines_[i].reset();
    if (while_down) while_down();
    engines_[i] = open_engine(dirs_[i]->path());
    machines_[i] = std::make_unique<PartitionMachine>(*engines_[i], kPartition);
    adapters_[i] = std::make_unique<FsmAdapter>(*machines_[i]);
    const std::string address = std::to_string(i + 1);
    ASSERT_EQ(raft_init(r, io, adapters_[i]->fsm(), i + 1, address.c_str()), 0);
    adapters_[i]->bind(r);
    raft_set_election_timeout(r, election);
    raft_set_heartbeat_timeout(r, heartbeat);
    raft_set_install_snapshot_timeout(r, install);
    raft_set_snapshot_threshold(r, threshold);
    raft_set_snapshot_trailing(r, trailing);
    raft_set_pre_vote(r, true);
    ASSERT_EQ(raft_start(r), 0);
  }

  raft_fixture f_{};
  std::vector<std::unique_ptr<TempDir>> dirs_;
  std::vector<std::unique_ptr<storage::Engine>> engines_;
  std::vector<std::unique_ptr<PartitionMachine>> machines_;
  std::vector<std::unique_ptr<FsmAdapter>> adapters_;
};

TEST_F(PartitionFixture, ThreeEnginesEndWithIdenticalRanges) {
  start();
  raft_fixture_elect(&f_, 0);
  const LogIndex last = propose_all(0, stream(0, 29));
  ASSERT_GT(last, 0u);
  ASSERT_TRUE(all_applied(last));
  const std::string expected = expected_range(0, 29);
  for (unsigned i = 0; i < 3; ++i) {
    EXPECT_TRUE(same_range(machines_[i]->range(), expected)) << "replica " << i;
    EXPECT_EQ(machines_[i]->applied_entries(), 30u);
    EXPECT_EQ(machines_[i]->applied_index(), last);
  }
}

TEST_F(PartitionFixture, AfterTheLeaderCrashesTheNewLeaderContinuesAndAllConverge) {
  start();
  raft_fixture_elect(&f_, 0);
  ASSERT_GT(propose_all(0, stream(0, 9)), 0u);
  raft_fixture_kill(&f_, 0);
  ASSERT_TRUE(step_until([&] { return is_leader(1) || is_leader(2); }));
  const unsigned leader = is_leader(1) ? 1 : 2;
  const LogIndex last = propose_all(leader, stream(10, 24));
  ASSERT_GT(last, 0u);
  raft_fixture_revive(&f_, 0);  // the old leader comes back as a follower and catches up
  ASSERT_TRUE(all_applied(last));
  const std::string expected = expected_range(0, 24);
  for (unsigned i = 0; i < 3; ++i) EXPECT_TRUE(same_range(machines_[i]->range(), expected)) << i;
}

TEST_F(PartitionFixture, AFarBehindReplicaIsSentASnapshotAndEndsIdentical) {
  set_snapshots(8, 2);
  start();
  raft_fixture_elect(&f_, 0);
  raft_fixture_kill(&f_, 2);
  // While it is away its engine gains a key of the partition that no entry wrote: only a
  // restore that replaces the whole range removes it.
  rocksdb::WriteBatch stray;
  stray.Put(row(kPartition, 777), "stray");
  engines_[2]->write(stray, storage::Durability::kWal);
  const LogIndex last = propose_all(0, stream(0, 39));
  ASSERT_GT(last, 0u);
  ASSERT_TRUE(step_until([&] { return server(0)->log.snapshot.last_index > 8; }));
  raft_fixture_revive(&f_, 2);
  ASSERT_TRUE(all_applied(last));
  EXPECT_GE(machines_[2]->restores(), 1u);
  EXPECT_LT(machines_[2]->applied_entries(), 40u);  // the snapshot stood in for the rest
  const std::string expected = expected_range(0, 39);
  for (unsigned i = 0; i < 3; ++i) EXPECT_TRUE(same_range(machines_[i]->range(), expected)) << i;
  // Entries after the snapshot apply on top of it.
  const LogIndex more = propose_all(0, stream(40, 44));
  ASSERT_TRUE(all_applied(more));
  for (unsigned i = 0; i < 3; ++i)
    EXPECT_TRUE(same_range(machines_[i]->range(), expected_range(0, 44)));
}

// A leader cut off from both followers keeps accepting proposals it cannot commit; they must
// never reach its engine, and once it rejoins its range is the new leader's.
TEST_F(PartitionFixture, ACutOffLeadersUncommittedBatchesNeverReachItsEngine) {
  start();
  raft_fixture_elect(&f_, 0);
  ASSERT_TRUE(all_applied(propose_all(0, stream(0, 4))));
  for (unsigned other : {1u, 2u}) {
    raft_fixture_saturate(&f_, 0, other);
    raft_fixture_saturate(&f_, other, 0);
  }
  rocksdb::WriteBatch lost;
  lost.Put(row(kPartition, 600), "never committed");
  std::optional<Outcome> lost_outcome;
  submit_proposal(server(0), PartitionMachine::encode_entry(lost),
                  [&](Outcome o) { lost_outcome = o; });
  ASSERT_TRUE(step_until([&] { return is_leader(1) || is_leader(2); }));
  const unsigned leader = is_leader(1) ? 1 : 2;
  ASSERT_TRUE(step_until([&] { return lost_outcome.has_value(); }));
  EXPECT_EQ(lost_outcome->status, Outcome::kUnknown);
  const LogIndex last = propose_all(leader, stream(5, 9));
  ASSERT_GT(last, 0u);
  for (unsigned other : {1u, 2u}) {
    raft_fixture_desaturate(&f_, 0, other);
    raft_fixture_desaturate(&f_, other, 0);
  }
  ASSERT_TRUE(all_applied(last));
  const std::string expected = expected_range(0, 9);
  for (unsigned i = 0; i < 3; ++i) {
    EXPECT_TRUE(same_range(machines_[i]->range(), expected)) << i;
    std::string v;
    EXPECT_FALSE(engines_[i]->get(row(kPartition, 600), &v)) << i;
  }
}

// Uneven network and disk latencies, proposals arriving while earlier ones are in flight: the
// three engines still end with the same range, the one the log's order gives.
TEST_F(PartitionFixture, UnevenLatenciesStillGiveIdenticalEngines) {
  const unsigned network_ms[] = {5, 40, 120};
  const unsigned disk_ms[] = {30, 2, 60};
  for (unsigned i = 0; i < 3; ++i) {
    raft_fixture_set_network_latency(&f_, i, network_ms[i]);
    raft_fixture_set_disk_latency(&f_, i, disk_ms[i]);
  }
  set_snapshots(16, 4);
  start();
  raft_fixture_elect(&f_, 0);
  auto done = std::make_shared<std::vector<std::optional<Outcome>>>(60);
  for (int n = 0; n < 60; ++n) {
    submit_proposal(server(0), entry_number(n),
                    [done, n](Outcome o) { (*done)[static_cast<size_t>(n)] = o; });
    raft_fixture_step_n(&f_, 3);
  }
  ASSERT_TRUE(step_until([&] {
    for (const auto& o : *done)
      if (!o) return false;
    return true;
  }));
  for (const auto& o : *done) ASSERT_TRUE(o->ok()) << o->message;
  ASSERT_TRUE(all_applied(done->back()->index));
  const std::string expected = expected_range(0, 59);
  for (unsigned i = 0; i < 3; ++i) EXPECT_TRUE(same_range(machines_[i]->range(), expected)) << i;
}

TEST_F(PartitionFixture, AnEntryTouchingAnotherPartitionIsRefusedIdenticallyEverywhere) {
  start();
  raft_fixture_elect(&f_, 0);
  rocksdb::WriteBatch half;  // one key of its own, one of another partition
  half.Put(row(kPartition, 500), "own half");
  half.Put(row(kOther, 500), "foreign half");
  rocksdb::WriteBatch commit_record;  // anchored by another partition
  commit_record.Put(storage::commit_record_key(kOther, 7), "c");
  std::vector<std::string> entries = stream(0, 4);
  entries.push_back(PartitionMachine::encode_entry(half));
  entries.push_back(PartitionMachine::encode_entry(commit_record));
  for (const auto& e : stream(5, 9)) entries.push_back(e);
  const LogIndex last = propose_all(0, entries);
  ASSERT_GT(last, 0u);
  ASSERT_TRUE(all_applied(last));
  const auto refusal = machines_[0]->last_refusal();
  EXPECT_NE(refusal.reason, "");
  const std::string expected = expected_range(0, 9);
  for (unsigned i = 0; i < 3; ++i) {
    EXPECT_EQ(machines_[i]->refused(), 2u) << i;
    EXPECT_EQ(machines_[i]->last_refusal().index, refusal.index) << i;
    EXPECT_EQ(machines_[i]->last_refusal().reason, refusal.reason) << i;
    EXPECT_EQ(machines_[i]->applied_index(), last) << i;
    EXPECT_TRUE(same_range(machines_[i]->range(), expected)) << i;
    std::string v;
    EXPECT_FALSE(engines_[i]->get(row(kOther, 500), &v));
    EXPECT_FALSE(engines_[i]->get(storage::commit_record_key(kOther, 7), &v));
  }
}

TEST_F(PartitionFixture, TheAnchorsCommitRecordIsWrittenAndDeletedThroughItsGroup) {
  // The two-phase commit on the anchor (doc/cluster.md §4, sites 3 and 4): its intents and
  // the commit record in one entry, then the resolution with the record's deletion.
  start();
  raft_fixture_elect(&f_, 0);
  rocksdb::WriteBatch commit_point;
  commit_point.Put(row(kPartition, 700), "intent");
  commit_point.Put(storage::commit_record_key(kPartition, 77), "record");
  LogIndex at = propose_all(0, {PartitionMachine::encode_entry(commit_point)});
  ASSERT_GT(at, 0u);
  ASSERT_TRUE(all_applied(at));
  for (unsigned i = 0; i < 3; ++i) {
    std::string v;
    EXPECT_TRUE(engines_[i]->get(storage::commit_record_key(kPartition, 77), &v)) << i;
    EXPECT_EQ(v, "record") << i;
  }
  rocksdb::WriteBatch resolution;
  resolution.Put(row(kPartition, 700), "version");
  resolution.Delete(storage::commit_record_key(kPartition, 77));
  at = propose_all(0, {PartitionMachine::encode_entry(resolution)});
  ASSERT_GT(at, 0u);
  ASSERT_TRUE(all_applied(at));
  for (unsigned i = 0; i < 3; ++i) {
    std::string v;
    EXPECT_FALSE(engines_[i]->get(storage::commit_record_key(kPartition, 77), &v)) << i;
    EXPECT_TRUE(engines_[i]->get(row(kPartition, 700), &v)) << i;
    EXPECT_EQ(v, "version") << i;
    EXPECT_EQ(machines_[i]->refused(), 0u) << i;
    EXPECT_TRUE(same_range(machines_[i]->range(), machines_[0]->range())) << i;
  }
}

TEST_F(PartitionFixture, ARestartedReplicaReplaysItsLogWithoutApplyingAnythingTwice) {
  set_snapshots(8, 64, /*restarted=*/2);  // the leader keeps the entries it will need to send
  start();
  raft_fixture_elect(&f_, 0);
  ASSERT_TRUE(all_applied(propose_all(0, stream(0, 19))));
  // It restarts from a snapshot + log (the simulated disk stores a snapshot a little later).
  ASSERT_TRUE(step_until([&] { return server(2)->log.snapshot.last_index > 8; }));
  ASSERT_TRUE(all_applied(propose_all(0, stream(20, 22))));  // in the log after the snapshot
  const LogIndex had = machines_[2]->applied_index();
  ASSERT_LT(server(2)->log.snapshot.last_index, had);
  restart(2);
  EXPECT_EQ(machines_[2]->applied_index(), had);  // read back from its engine
  const LogIndex last = propose_all(0, stream(23, 32));
  raft_fixture_revive(&f_, 2);
  ASSERT_TRUE(all_applied(last));
  // libraft restored its snapshot (at or below what the engine held: skipped, M5) and
  // replayed the log after it (skipped up to the engine's index, M2); only the ten entries
  // proposed while it was away were applied.
  EXPECT_EQ(machines_[2]->skipped_restores(), 1u);
  EXPECT_EQ(machines_[2]->restores(), 0u);
  EXPECT_GT(machines_[2]->skipped(), 0u);
  EXPECT_EQ(machines_[2]->applied_entries(), 10u);
  const std::string expected = expected_range(0, 32);
  for (unsigned i = 0; i < 3; ++i) EXPECT_TRUE(same_range(machines_[i]->range(), expected)) << i;
}

// The durability argument of the header: apply() does not fsync RocksDB, so a power loss may
// take the engine back to an earlier applied index; libraft's snapshot and log bring it back.
TEST_F(PartitionFixture, AReplicaWhoseEngineLostItsUnsyncedTailRecoversFromRaft) {
  set_snapshots(8, 64, /*restarted=*/1);
  start();
  raft_fixture_elect(&f_, 0);
  ASSERT_TRUE(all_applied(propose_all(0, stream(0, 5))));
  // The engine as a power loss would leave it: only what was applied up to here (a copy of
  // its closed directory, put back in its place later).
  const std::string copy = dirs_[1]->path() + "-as-of-entry-6";
  const LogIndex copied_at = machines_[1]->applied_index();
  restart(1, [&] { std::filesystem::copy(dirs_[1]->path(), copy); });
  raft_fixture_revive(&f_, 1);
  ASSERT_TRUE(all_applied(propose_all(0, stream(6, 29))));
  ASSERT_TRUE(step_until([&] { return server(1)->log.snapshot.last_index > copied_at + 8; }));
  restart(1, [&] {
    std::filesystem::remove_all(dirs_[1]->path());
    std::filesystem::rename(copy, dirs_[1]->path());
    EXPECT_EQ(PartitionMachine(*open_engine(dirs_[1]->path()), kPartition).applied_index(),
              copied_at);
  });
  // libraft's newest snapshot is above the engine's index: restored at start (M4).
  EXPECT_EQ(machines_[1]->restores(), 1u);
  EXPECT_EQ(machines_[1]->applied_index(), server(1)->log.snapshot.last_index);
  const LogIndex last = propose_all(0, stream(30, 34));
  raft_fixture_revive(&f_, 1);
  ASSERT_TRUE(all_applied(last));
  const std::string expected = expected_range(0, 34);
  for (unsigned i = 0; i < 3; ++i) EXPECT_TRUE(same_range(machines_[i]->range(), expected)) << i;
}

// --- three ReplicaGroups over TCP ----------------------------------------------------------

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// One node's replica of the partition: its engine, machine and group.
struct Node {
  std::unique_ptr<storage::Engine> engine;
  std::unique_ptr<PartitionMachine> machine;
  std::unique_ptr<ReplicaGroup> group;
};

TEST(PartitionGroupsOverTcp, ProposedBatchesReachEveryEngineAndARestartedReplicaCatchesUp) {
  TempDir root;
  const auto ports = free_ports(3);
  std::vector<Member> members;
  for (int i = 0; i < 3; ++i)
    members.push_back(Member{static_cast<ReplicaId>(i + 1), "127.0.0.1:" + std::to_string(ports[i]),
                             Role::kVoter});
  std::vector<Node> nodes(3);
  auto start = [&](int i) {
    const std::string dir = root.path() + "/node-" + std::to_string(i + 1);
    nodes[i].engine = open_engine(dir + "-rocksdb");
    nodes[i].machine = std::make_unique<PartitionMachine>(*nodes[i].engine, kPartition);
    ReplicaGroupOptions o;
    o.id = members[i].id;
    o.address = members[i].address;
    o.data_dir = dir + "-raft";
    o.bootstrap = members;
    o.election_timeout_ms = 300;
    o.heartbeat_timeout_ms = 50;
    // The restarted replica finds snapshots in its directory; the leader keeps the entries it
    // missed in its log (a replica further behind gets a snapshot: the fixture tests that).
    o.snapshot_threshold = 64;
    o.snapshot_trailing = 512;
    nodes[i].group = std::make_unique<ReplicaGroup>(o, *nodes[i].machine);
    ASSERT_EQ(nodes[i].group->start(), "");
  };
  auto stop = [&](int i) {  // group first: its loop thread applies to the machine
    nodes[i].group.reset();
    nodes[i].machine.reset();
    nodes[i].engine.reset();
  };
  auto leader = [&] {
    int found = -1;
    wait_until(
        [&] {
          for (int i = 0; i < 3; ++i)
            if (nodes[i].group && nodes[i].group->info().state == ReplicaInfo::kLeader)
              return (found = i) >= 0;
          return false;
        },
        5s);
    return found;
  };
  // Entries first..last, from 4 threads at once; the order they commit in is the log's.
  auto propose = [&](int at, int first, int last) {
    std::atomic<int> next{first}, failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        for (int n; (n = next.fetch_add(1)) <= last;)
          if (!nodes[at].group->propose(entry_number(n)).ok()) failed.fetch_add(1);
      });
    for (auto& t : threads) t.join();
    return failed.load();
  };
  // Whether the replicas in `which` applied everything the leader had applied when asked
  // (the leader applies an entry before its propose() returns); says where each stands if not.
  auto converged = [&](int leader_at, std::vector<int> which) {
    const LogIndex target = nodes[leader_at].machine->applied_index();
    const bool done = wait_until(
        [&] {
          for (int i : which)
            if (nodes[i].machine->applied_index() < target) return false;
          return true;
        },
        10s);
    if (!done) {
      for (int i = 0; i < 3; ++i) {
        if (!nodes[i].group) continue;
        const ReplicaInfo info = nodes[i].group->info();
        ADD_FAILURE() << "replica " << i << ": state " << info.state << " term " << info.term
                      << " commit " << info.commit_index << " last applied " << info.last_applied
                      << " last index " << info.last_index << ", machine at "
                      << nodes[i].machine->applied_index() << "; the leader was at " << target;
      }
    }
    return done;
  };

  for (int i = 0; i < 3; ++i) start(i);
  int l = leader();
  ASSERT_GE(l, 0) << "no leader elected";
  ASSERT_EQ(propose(l, 0, 199), 0);
  ASSERT_TRUE(converged(l, {0, 1, 2}));
  const std::string first = nodes[l].machine->range();
  EXPECT_GT(keys_in(first), 40u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(same_range(nodes[i].machine->range(), first)) << i;

  // A follower stops (group, machine and engine closed); the others go on; it restarts from
  // its directories: libraft restores its newest snapshot and replays its log, which the
  // machine skips up to its durable applied index (M2, M5), then it catches up.
  const int follower = (l + 1) % 3;
  const LogIndex follower_had = nodes[follower].machine->applied_index();
  stop(follower);
  ASSERT_EQ(propose(l, 200, 299), 0);
  EXPECT_EQ(PartitionMachine(
                *open_engine(root.path() + "/node-" + std::to_string(follower + 1) + "-rocksdb"),
                kPartition)
                .applied_index(),
            follower_had);  // durable in the engine
  start(follower);
  ASSERT_TRUE(converged(l, {follower}));
  const std::string second = nodes[l].machine->range();
  EXPECT_TRUE(same_range(nodes[follower].machine->range(), second));
  // Not applied twice: only the entries proposed while it was down were applied.
  EXPECT_EQ(nodes[follower].machine->applied_entries(), 100u);
  EXPECT_GT(nodes[follower].machine->skipped() + nodes[follower].machine->skipped_restores(), 0u);
  EXPECT_EQ(nodes[follower].machine->restores(), 0u);
  const int third = 3 - l - follower;
  ASSERT_TRUE(converged(l, {third}));
  EXPECT_TRUE(same_range(nodes[third].machine->range(), second));
  for (int i = 0; i < 3; ++i) stop(i);
}

}  // namespace
}  // namespace hf::replication
