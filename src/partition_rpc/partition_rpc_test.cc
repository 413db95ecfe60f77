// partition_rpc_test.cc — the coordinator over partitions reached through the RPC layer: a
// real LocalNode behind a PartitionServer on loopback, a PartitionChannel to it, and the
// transaction manager built over the RemotePartitions (remote_partition.h P1-P5,
// partition_server.h S1-S4).
#include <gtest/gtest.h>

#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <iostream>

#include "common/error.h"
#include "coord/local_node_fixture_for_tests.h"
#include "partition_api/counting_partition_for_tests.h"
#include "partition_rpc/cluster_node.h"
#include "partition_rpc/partition_server.h"
#include "partition_rpc/remote_partition.h"
#include "storage/engine.h"

namespace hf::partition_rpc {
namespace {

using api::KeySpace;
using api::LockOutcome;
using api::LockStrength;

const KeySpace kT{1001, 0};

// Counts the observer calls a waiting lock makes on the caller's side.
struct CountingObserver : api::LockWaitObserver {
  int started = 0, ended = 0;
  void wait_started(api::LockKind, bool) override { ++started; }
  void wait_ended() override { ++ended; }
};

class PartitionRpcTest : public coord::LocalNodeFixture {
 protected:
  PartitionRpcTest() : LocalNodeFixture("hf_rpc_") {}

  void SetUp() override {
    LocalNodeFixture::SetUp();
    runtime_ = std::make_unique<runtime::Runtime>(2, 4);
    runtime_->start();
    server_ = std::make_unique<PartitionServer>(node_->partitions());
    uint16_t port = server_->start("127.0.0.1", 0);
    channel_ = PartitionChannel::connect("127.0.0.1", port);
    remote_ = channel_->partitions();
    std::vector<api::Partition*> parts;
    for (auto& p : remote_) parts.push_back(p.get());
    ASSERT_EQ(parts.size(), node_->partitions().size());
    use_partitions(parts);  // the coordinator over the remote partitions
  }
  void TearDown() override {
    txns_.reset();
    remote_.clear();
    channel_.reset();
    server_.reset();
    runtime_->stop();
    LocalNodeFixture::TearDown();
  }

  // A transaction holding key's row lock (FOR UPDATE), left open.
  std::unique_ptr<coord::Transaction> hold(const std::string& key) {
    auto t = txns_->begin({});
    t->start_statement();
    auto got = t->lock(kT, key, key, LockStrength::kUpdate, coord::LockWait{}, std::nullopt);
    EXPECT_EQ(got.outcome, LockOutcome::kGranted);
    return t;
  }

  // A lock request of transaction txn for row "k", as the coordinator would send it.
  static api::LockRequest row_k_request(api::TxnId txn) {
    api::LockRequest req;
    req.space = kT;
    req.key = "k";
    req.txn = txn;
    return req;
  }

  void put(const std::string& key, const std::string& value) {
    auto t = hold(key);
    t->write(kT, key, key, value);
    t->commit();
  }

  api::Partition& remote_of(const std::string& key) { return *remote_[txns_->route(key)]; }

  std::unique_ptr<runtime::Runtime> runtime_;
  std::unique_ptr<PartitionServer> server_;
  std::shared_ptr<PartitionChannel> channel_;
  std::vector<std::unique_ptr<api::Partition>> remote_;
};

TEST_F(PartitionRpcTest, TransactionsReadWriteAndScanThroughTheWire) {
  // Enough rows that a scan of one partition takes several growing batches (64, 256, ...).
  const int n = 3000;
  for (int i = 0; i < n; i += 100) {
    auto t = txns_->begin({});
    t->start_statement();
    for (int j = i; j < i + 100; ++j) {
      char key[16];
      std::snprintf(key, sizeof key, "k%05d", j);
      ASSERT_EQ(
          t->lock(kT, key, key, LockStrength::kUpdate, coord::LockWait{}, std::nullopt).outcome,
          LockOutcome::kGranted);
      t->write(kT, key, key, "v" + std::to_string(j));
    }
    t->commit();
  }
  auto t = txns_->begin({});
  t->start_statement();
  auto row = t->get(kT, "k00042", "k00042");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->value, "v42");
  EXPECT_FALSE(t->get(kT, "nope", "nope"));
  auto cursor = t->scan(kT, "", "");
  int seen = 0;
  std::string last;
  while (auto r = cursor->next()) {
    EXPECT_LT(last, r->key) << "the merged scan is in key order across batches";
    last = r->key;
    ++seen;
  }
  EXPECT_EQ(seen, n);
  // A reverse scan of one partition, straight through the interface, joins its batches too.
  api::ScanRequest req;
  req.space = kT;
  req.view = api::ReadView{txns_->published(), 0, 0};
  req.reverse = true;
  auto& p = *remote_[0];
  auto c = p.scan(req);
  int in_partition = 0;
  std::string prev = "\xff";
  while (auto r = c->next()) {
    EXPECT_GT(prev, r->key);
    prev = r->key;
    ++in_partition;
  }
  EXPECT_GT(in_partition, 64 + 256) << "several batches were needed";
  t->commit();
  auto counts = channel_->call_counts();
  EXPECT_EQ(counts["write"], static_cast<uint64_t>(n)) << "one pipelined write per row";
  EXPECT_GE(counts["scan"], 8u + 3u) << "a batch per partition at least, several for one";
  EXPECT_EQ(counts.count("describe"), 1u);
}

TEST_F(PartitionRpcTest, ALockWaitParksTheFiberAndReportsProgressUntilTheHolderCommits) {
  put("k", "v0");
  auto holder = hold("k");
  holder->write(kT, "k", "k", "v1");

  runtime::asio::io_context io;
  auto guard = runtime::asio::make_work_guard(io);
  CountingObserver observer;
  api::LockResult waited;
  std::atomic<bool> waiting{false};
  runtime::Fiber::spawn(io, [&] {
    auto req = row_k_request(99999);
    req.strength = LockStrength::kUpdate;
    req.observer = &observer;
    req.expected = api::Version{1, false};
    waiting = true;
    waited = remote_of("k").lock(req);
    remote_of("k").abort(99999);
    guard.reset();
  });
  std::thread client([&] { io.run(); });
  while (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // The waiter shows in the partition's lock view (through the wire) before the holder ends.
  bool seen_waiting = false;
  for (int i = 0; i < 500 && !seen_waiting; ++i) {
    for (const auto& e : remote_of("k").lock_view())
      seen_waiting |= (e.owner == 99999 && !e.granted);
    if (!seen_waiting) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_TRUE(seen_waiting);
  holder->commit();
  client.join();
  EXPECT_EQ(waited.outcome, LockOutcome::kVersionMismatch) << "granted, at the holder's version";
  EXPECT_EQ(waited.value, "v1");
  EXPECT_EQ(observer.started, 1);
  EXPECT_EQ(observer.ended, 1);
}

TEST_F(PartitionRpcTest, CancellingAWaitingCallCancelsItOnThePartitionsNode) {
  put("k", "v0");
  auto holder = hold("k");

  runtime::asio::io_context io;
  auto guard = runtime::asio::make_work_guard(io);
  runtime::CancelToken cancel;
  api::LockResult waited;
  std::atomic<bool> waiting{false};
  runtime::Fiber::spawn(io, [&] {
    auto req = row_k_request(99998);
    req.cancel = &cancel;
    waiting = true;
    waited = remote_of("k").lock(req);
    remote_of("k").abort(99998);
    guard.reset();
  });
  std::thread client([&] { io.run(); });
  while (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  cancel.request(runtime::CancelToken::kUserRequest);
  client.join();
  EXPECT_EQ(waited.outcome, LockOutcome::kCancelled);
  for (const auto& e : remote_of("k").lock_view()) EXPECT_NE(e.owner, 99998u) << "no wait is left";
  holder->commit();
}

// P9: a call waiting at a node that no longer leads the partition (in the replicated
// cluster: a leader stopped by SIGSTOP keeps its connection and answers nothing, while the
// others elect a new leader) is given up once `abandon_when` says another node leads it: it
// fails with the refusal LeaderRoutedPartition retries at the new leader, and its wait at the
// node is cancelled. Without P9 the call waited until the holder ended (here a watchdog's
// commit after 3 s; in the cluster, until the stopped node ran again).
TEST_F(PartitionRpcTest, AWaitingCallIsGivenUpOnceAnotherNodeLeadsThePartition) {
  put("k", "v0");
  auto holder = hold("k");
  std::atomic<bool> moved{false};
  auto abandonable =
      channel_->partitions(channel_->describe(), [&](api::PartitionId) { return moved.load(); });
  api::Partition& at = *abandonable[txns_->route("k")];
  std::atomic<bool> ended{false};
  std::thread watchdog([&] {
    for (int i = 0; i < 300 && !ended; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!ended) holder->commit();
  });
  auto wait_and_move = [&](api::TxnId txn) {
    std::thread mover([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      moved = true;
    });
    std::string state, detail;
    try {
      at.lock(row_k_request(txn));
    } catch (const SqlError& e) {
      state = e.error().sqlstate;
      detail = e.error().detail;
    }
    mover.join();
    moved = false;
    remote_of("k").abort(txn);  // a wait granted after the watchdog's commit holds nothing on
    EXPECT_EQ(state, "40001");
    EXPECT_NE(detail.find("is not served here"), std::string::npos) << detail;
  };
  // From a fiber (the coordinator's sessions) and from a plain thread.
  runtime::asio::io_context io;
  auto guard = runtime::asio::make_work_guard(io);
  runtime::Fiber::spawn(io, [&] {
    wait_and_move(99996);
    guard.reset();
  });
  io.run();
  wait_and_move(99995);
  ended = true;
  watchdog.join();
  // The node dropped both waits (the Cancel frames reached it).
  bool left = true;
  for (int i = 0; i < 100 && left; ++i) {
    left = false;
    for (const auto& e : remote_of("k").lock_view()) left |= e.owner == 99996 || e.owner == 99995;
    if (left) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(left) << "a given-up wait is still queued at the partition's node";
  holder->abort();
}

TEST_F(PartitionRpcTest, ADeadlineTravelsAsTimeLeft) {
  put("k", "v0");
  auto holder = hold("k");
  auto req = row_k_request(99997);
  req.deadline = runtime::Clock::now() + std::chrono::milliseconds(100);
  // From a plain thread: the call blocks it (P2); the partition's node times the wait out.
  auto started = runtime::Clock::now();
  auto got = remote_of("k").lock(req);
  EXPECT_EQ(got.outcome, LockOutcome::kTimeout);
  EXPECT_GE(runtime::Clock::now() - started, std::chrono::milliseconds(90));
  req.policy = api::WaitPolicy::kNoWait;
  req.deadline = runtime::Deadline::max();
  got = remote_of("k").lock(req);
  EXPECT_EQ(got.outcome, LockOutcome::kWouldBlock);
  remote_of("k").abort(99997);
  holder->commit();
}

// A partition whose write of key "poison" fails, as a write over the optimistic buffer's cap or
// a storage error would.
struct FailingWritePartition : api::CountingPartition {
  using CountingPartition::CountingPartition;
  void write(api::TxnId txn, api::SubId sub, api::CommandId cid, const KeySpace& space,
             const std::string& key, const std::optional<std::string>& value, bool publish,
             bool new_key, bool unlocked) override {
    if (key == "poison") throw SqlError("53200", "out of memory", "poisoned write");
    CountingPartition::write(txn, sub, cid, space, key, value, publish, new_key, unlocked);
  }
};

TEST_F(PartitionRpcTest, AFailedPipelinedWriteFailsTheTransactionsLaterRequests) {  // P6
  std::vector<std::unique_ptr<FailingWritePartition>> wrapped;
  std::vector<api::Partition*> parts;
  for (auto* p : node_->partitions()) {
    wrapped.push_back(std::make_unique<FailingWritePartition>(p));
    parts.push_back(wrapped.back().get());
  }
  PartitionServer server(parts);
  auto channel = PartitionChannel::connect("127.0.0.1", server.start("127.0.0.1", 0));
  auto remote = channel->partitions();
  api::Partition& p = *remote[0];
  const api::TxnId bad = 777001, good = 777002;
  p.write(good, 0, 0, kT, "fine", "v", false, true);
  p.write(bad, 1, 0, kT, "poison", "v", false, true);  // returns: pipelined
  try {
    p.prepare(bad);
    ADD_FAILURE() << "the transaction's next request must fail with its write's error";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "53200");
    EXPECT_EQ(e.error().detail, "poisoned write");
  }
  EXPECT_EQ(wrapped[0]->writes, 1u) << "the failed write never reached storage";
  EXPECT_THROW(p.latest(kT, "x", bad), SqlError) << "and every later one";
  // Rolling back the subtransaction that wrote clears it, as a savepoint rollback would.
  p.rollback_subtransactions(bad, 1);
  EXPECT_NO_THROW(p.latest(kT, "x", bad));
  p.write(bad, 0, 0, kT, "poison", "v", false, true);
  EXPECT_THROW(p.commit_one_phase(bad, txns_->published() + 1), SqlError);
  p.abort(bad);  // abort clears it too
  EXPECT_NO_THROW(p.latest(kT, "x", bad));
  // Other transactions never saw it; the good write is there for its own reads.
  auto mine = p.latest(kT, "fine", good);
  EXPECT_EQ(mine.intent_txn, good);
  p.abort(good);
  remote.clear();
  channel.reset();
  server.stop();
}

// A dropped table's keyspaces reach the partitions' node: its engine records the table as
// dropped (and frees its rows at compaction), as a local drop does.
TEST_F(PartitionRpcTest, KeyspaceDropsReachThePartitionsNode) {
  put("a", "1");
  const size_t before = node_->engine().dropped_tables();
  // Pipelined (the registry sends them from its own calls): the next round trip finds them done.
  for (auto& p : remote_) p->drop_keyspaces(kT.table_id);
  channel_->describe();
  EXPECT_EQ(node_->engine().dropped_tables(), before + 1);
  EXPECT_EQ(channel_->call_counts()["drop_keyspaces"], remote_.size());
}

TEST_F(PartitionRpcTest, ErrorsComeBackAsTheyWereThrown) {
  pb::Request bad;
  bad.set_partition(1000);
  bad.mutable_prepare()->set_txn(1);
  auto r = channel_->call(bad);
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().sqlstate(), "XX000");
  EXPECT_NE(r.error().message().find("no partition 1000"), std::string::npos);
  pb::Request empty;  // no call at all
  r = channel_->call(empty);
  ASSERT_TRUE(r.has_error());
  EXPECT_NE(r.error().message().find("without a call"), std::string::npos);
}

TEST_F(PartitionRpcTest, ALostConnectionFailsTheCallsInFlightAndLaterOnes) {
  put("k", "v0");
  auto holder = hold("k");
  std::string error;
  std::thread waiter([&] {
    auto req = row_k_request(99996);
    try {
      remote_of("k").lock(req);
    } catch (const SqlError& e) {
      error = e.error().sqlstate;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server_->stop();  // the node "dies": its connections close
  waiter.join();
  EXPECT_EQ(error, "08006");
  try {
    remote_of("k").latest(kT, "k");
    ADD_FAILURE() << "a call on a lost connection must fail";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "08006");
  }
  // S3: the lost connection's waiting call was cancelled where it waited.
  bool left = false;
  for (int i = 0; i < 500; ++i) {
    left = false;
    for (const auto& e : node_->partitions()[txns_->route("k")]->lock_view())
      left |= e.owner == 99996 && !e.granted;
    if (!left) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_FALSE(left);
  node_->partitions()[txns_->route("k")]->abort(99996);
  holder.reset();  // its abort cannot reach the partition any more: it must not throw
  txns_.reset();
}

// Several coordinators over one node (doc/cluster.md §8 milestone A): the node serves its
// partitions and its transaction registry; each coordinator is a manager over its own channel,
// its RemotePartitions and a RemoteTxnRegistry, as `holdfast --partitions-at` builds it.
// A row of kT written under its row lock, and read back ("<none>" when there is none): the
// several-coordinator fixtures' two moves.
void put(coord::Transaction& t, const std::string& key, const std::string& value) {
  ASSERT_EQ(t.lock(kT, key, key, LockStrength::kUpdate, coord::LockWait{}, std::nullopt).outcome,
            LockOutcome::kGranted);
  t.write(kT, key, key, value);
}
std::string read(coord::Transaction& t, const std::string& key) {
  auto row = t.get(kT, key, key);
  return row ? row->value : "<none>";
}

class SeveralCoordinatorsTest : public coord::LocalNodeFixture {
 protected:
  SeveralCoordinatorsTest() : LocalNodeFixture("hf_rpc_multi_") {}

  struct Coordinator {
    std::shared_ptr<PartitionChannel> channel;
    std::vector<std::unique_ptr<api::Partition>> partitions;
    std::unique_ptr<coord::LocalTxnManager> txns;
  };

  void SetUp() override {
    LocalNodeFixture::SetUp();
    txns_.reset();
    runtime_ = std::make_unique<runtime::Runtime>(2, 4);
    runtime_->start();
    auto c = node_->clock();
    registry_ =
        coord::make_txn_registry(node_->partitions(), {c.start_ts, c.first_txn_id, c.last_txn_id});
    node_->attach(
        registry_.get(), [r = registry_.get()] { return r->oldest_snapshot(); },
        &registry_->ssi_sink());
    NodeServices services;
    services.registry = registry_.get();
    server_ = std::make_unique<PartitionServer>(node_->partitions(), services);
    uint16_t port = server_->start("127.0.0.1", 0);
    for (auto& co : coordinators_) {
      co.channel = PartitionChannel::connect("127.0.0.1", port);
      co.partitions = co.channel->partitions();
      std::vector<api::Partition*> parts;
      for (auto& p : co.partitions) parts.push_back(p.get());
      co.txns = coord::make_txn_manager(parts, std::make_shared<RemoteTxnRegistry>(co.channel));
    }
  }
  void TearDown() override {
    for (auto& co : coordinators_) co = Coordinator{};
    server_.reset();
    runtime_->stop();
    registry_.reset();
    LocalNodeFixture::TearDown();
  }

  coord::LocalTxnManager& a() { return *coordinators_[0].txns; }
  coord::LocalTxnManager& b() { return *coordinators_[1].txns; }

  std::unique_ptr<runtime::Runtime> runtime_;
  std::shared_ptr<coord::LocalTxnRegistry> registry_;
  std::unique_ptr<PartitionServer> server_;
  std::array<Coordinator, 2> coordinators_;
};

TEST_F(SeveralCoordinatorsTest, TxnIdsNeverOverlapAndACommitIsSeenByTheOtherCoordinatorAtOnce) {
  auto t1 = a().begin({});
  auto t2 = b().begin({});
  EXPECT_NE(t1->id(), t2->id());
  t1->abort();
  t2->abort();
  // C2: a snapshot taken on B after A's COMMIT returned sees it, for a one-phase commit (one
  // key) and a two-phase one (keys in several partitions).
  for (int round = 0; round < 20; ++round) {
    std::string v = "v" + std::to_string(round);
    auto w = a().begin({});
    w->start_statement();
    put(*w, "k", v);
    if (round % 2) {
      for (int i = 0; i < 8; ++i) put(*w, "spread" + std::to_string(i), v);
    }
    w->commit();
    auto r = b().begin({});
    r->start_statement();
    EXPECT_EQ(read(*r, "k"), v) << "round " << round;
    if (round % 2) {
      EXPECT_EQ(read(*r, "spread7"), v) << "round " << round;
    }
    r->commit();
  }
}

TEST_F(SeveralCoordinatorsTest, ARowLockHeldThroughOneCoordinatorBlocksTheOther) {
  auto holder = a().begin({});
  holder->start_statement();
  put(*holder, "k", "new");
  auto other = b().begin({});
  other->start_statement();
  EXPECT_EQ(read(*other, "k"), "<none>");  // the pending intent is not visible
  coord::LockWait nowait;
  nowait.policy = api::WaitPolicy::kNoWait;
  EXPECT_EQ(other->lock(kT, "k", "k", LockStrength::kShare, nowait, std::nullopt).outcome,
            LockOutcome::kWouldBlock);
  other->abort();
  holder->commit();
  auto after = b().begin({});
  after->start_statement();
  EXPECT_EQ(after->lock(kT, "k", "k", LockStrength::kShare, nowait, std::nullopt).outcome,
            LockOutcome::kGranted);
  EXPECT_EQ(read(*after, "k"), "new");
  after->commit();
}

TEST_F(SeveralCoordinatorsTest, WriteSkewAcrossCoordinatorsFailsOneSerializableTransaction) {
  {
    auto t = a().begin({});
    t->start_statement();
    put(*t, "x", "1");
    put(*t, "y", "1");
    t->commit();
  }
  coord::BeginOptions ser;
  ser.isolation = coord::Isolation::kSerializable;
  auto t1 = a().begin(ser);
  auto t2 = b().begin(ser);
  t1->start_statement();
  t2->start_statement();
  // Each reads both rows, then writes the one the other read (the classic write skew).
  EXPECT_EQ(read(*t1, "x") + read(*t1, "y"), "11");
  EXPECT_EQ(read(*t2, "x") + read(*t2, "y"), "11");
  int failed = 0;
  auto step = [&](coord::Transaction& t, const std::string& key) {
    try {
      t.start_statement();
      put(t, key, "0");
      t.commit();
    } catch (const SqlError& e) {
      EXPECT_EQ(e.error().sqlstate, "40001");
      ++failed;
      t.abort();
    }
  };
  step(*t1, "x");
  step(*t2, "y");
  EXPECT_EQ(failed, 1) << "exactly one of the two must fail with 40001";
  EXPECT_EQ(registry_->ssi_tracked(), 0u);
}

// Two cluster nodes in one process, wired as holdfast --peers wires them (server/main.cc):
// 4 partitions each opened, partition p owned by node (p mod 2) + 1; node 1 hosts the registry;
// each node's coordinator uses its own partitions directly and the other's over the network.
class ClusterNodesTest : public ::testing::Test {
 protected:
  static constexpr uint32_t kPartitions = 4;
  struct Node {
    std::string dir;
    std::unique_ptr<partition::LocalNode> local;
    std::unique_ptr<PartitionServer> server;
    uint16_t port = 0;
    std::shared_ptr<PartitionChannel> to_peer;
    std::vector<std::unique_ptr<api::Partition>> remote;
    std::vector<api::Partition*> parts;
    std::unique_ptr<ClusterWaits> waits;  // the peer's waits for this node's deadlock checks
    std::unique_ptr<coord::LocalTxnManager> txns;
  };

  void SetUp() override {
    runtime_ = std::make_unique<runtime::Runtime>(2, 4);
    runtime_->start();
    peers_ = {Peer{1, "127.0.0.1", 0}, Peer{2, "127.0.0.1", 0}};
    owners_ = partition_owners(kPartitions, peers_);
    for (uint32_t i = 0; i < 2; ++i) {
      auto& n = nodes_[i];
      n.dir = (std::filesystem::temp_directory_path() /
               ("hf_rpc_cluster_" + std::to_string(::getpid()) + "_" + std::to_string(i + 1)))
                  .string();
      std::filesystem::remove_all(n.dir);
      n.local = partition::open_local_node(n.dir, kPartitions);
    }
    // Node 2 serves first (its partitions ask node 1's registry through the link), node 1
    // reaches it, builds the registry over every partition and serves; node 2 reaches node 1.
    auto& n2 = nodes_[1];
    n2.local->attach(
        &link_, [this] { return link_.horizon(); }, &link_);
    NodeServices s2;
    s2.node_id = 2;
    s2.owners = owners_;
    s2.decide = [this](api::TxnId t) { return link_.decide(t); };
    n2.server = std::make_unique<PartitionServer>(n2.local->partitions(), s2);
    n2.port = n2.server->start("127.0.0.1", 0);
    auto& n1 = nodes_[0];
    connect(n1, n2.port, 1);
    auto c = n1.local->clock();
    registry_ = coord::make_txn_registry(n1.parts, {c.start_ts, c.first_txn_id, c.last_txn_id});
    n1.local->attach(
        registry_.get(), [r = registry_.get()] { return r->oldest_snapshot(); },
        &registry_->ssi_sink());
    NodeServices s1;
    s1.node_id = 1;
    s1.owners = owners_;
    s1.registry = registry_.get();
    s1.partitions_elsewhere = true;
    n1.server = std::make_unique<PartitionServer>(n1.local->partitions(), s1);
    n1.port = n1.server->start("127.0.0.1", 0);
    connect(n2, n1.port, 2);
    // C5: each node's deadlock check reads the other's waits (as holdfast --peers sets up).
    for (auto* n : {&n1, &n2}) {
      n->waits = std::make_unique<ClusterWaits>(
          std::vector<ClusterWaits::Node>{{n->to_peer, n->remote.front().get()}});
      n->local->set_peer_waits(n->waits.get(), kNodeQuestionWait);
    }
    auto remote_registry = std::make_shared<RemoteTxnRegistry>(n2.to_peer);
    link_.set(remote_registry);
    n1.txns = coord::make_txn_manager(n1.parts, registry_);
    n2.txns = coord::make_txn_manager(n2.parts, remote_registry);
  }
  // This node's partitions local, the peer's (at port) remote.
  void connect(Node& n, uint16_t port, uint32_t me) {
    n.parts.assign(kPartitions, nullptr);
    for (uint32_t p = 0; p < kPartitions; ++p)
      if (owners_[p] == me) n.parts[p] = n.local->partitions()[p];
    n.to_peer = PartitionChannel::connect("127.0.0.1", port);
    auto d = n.to_peer->describe();
    ASSERT_EQ(d.node_id(), 3 - me);
    ASSERT_EQ(d.partition_owners_size(), static_cast<int>(kPartitions));
    for (auto& p : n.to_peer->partitions_listed(d)) {
      ASSERT_EQ(n.parts[p->id()], nullptr);
      n.parts[p->id()] = p.get();
      n.remote.push_back(std::move(p));
    }
  }
  void TearDown() override {
    for (auto& n : nodes_) {
      n.txns.reset();
      n.waits.reset();
      n.remote.clear();
      n.to_peer.reset();
    }
    for (auto& n : nodes_) n.server.reset();
    runtime_->stop();
    registry_.reset();
    for (auto& n : nodes_) {
      n.local.reset();
      std::filesystem::remove_all(n.dir);
    }
  }

  coord::LocalTxnManager& on(int node) { return *nodes_[node - 1].txns; }
  // C5: a hard cycle with one edge on each node; how long the victim's wait took.
  std::chrono::nanoseconds hard_cycle_across_nodes(const std::string& prefix,
                                                   std::chrono::milliseconds deadlock_timeout);
  // A coordinator of its own (a bare channel's partitions of node 2) begins txn, locks key
  // and writes value there, and prepares: the intent is in node 2's storage.
  void prepare_on_node2(std::vector<std::unique_ptr<api::Partition>>& parts, api::TxnId txn,
                        const std::string& key, const std::string& value) {
    api::Partition* of = nullptr;
    for (auto& p : parts)
      if (p->id() == on(1).route(key)) of = p.get();
    ASSERT_NE(of, nullptr) << key << " is not node 2's";
    registry_->begin(txn, 0);
    api::LockRequest req;
    req.space = kT;
    req.key = key;
    req.txn = txn;
    ASSERT_EQ(of->lock(req).outcome, LockOutcome::kGranted);
    of->write(txn, 0, 0, kT, key, value);
    of->prepare(txn);  // a round trip: the pipelined write is there
  }
  // A key whose partition node `owner` owns.
  std::string key_on(int owner, const std::string& prefix) {
    for (int i = 0;; ++i) {
      std::string k = prefix + std::to_string(i);
      if (owners_[on(1).route(k)] == static_cast<uint32_t>(owner)) return k;
    }
  }

  std::unique_ptr<runtime::Runtime> runtime_;
  std::vector<Peer> peers_;
  std::vector<uint32_t> owners_;
  RegistryLink link_;
  std::shared_ptr<coord::LocalTxnRegistry> registry_;
  std::array<Node, 2> nodes_;
};

TEST_F(ClusterNodesTest, EachNodeOwnsItsPartitionsAndRefusesTheOthers) {
  EXPECT_EQ(owners_, (std::vector<uint32_t>{1, 2, 1, 2}));
  EXPECT_EQ(describe_owners(owners_), "0:node 1, 1:node 2, 2:node 1, 3:node 2");
  // Node 2's partitions, seen from node 1, are in a commit group of node 2's own.
  EXPECT_EQ(nodes_[0].parts[1]->commit_group(), nodes_[0].parts[3]->commit_group());
  EXPECT_NE(nodes_[0].parts[1]->commit_group(), nodes_[0].parts[0]->commit_group());
  pb::Request q;
  q.set_partition(0);  // node 1's, asked of node 2
  q.mutable_abort()->set_txn(1);
  auto r = nodes_[0].to_peer->call(q);
  ASSERT_TRUE(r.has_error());
  EXPECT_NE(r.error().message().find("owned by node 1"), std::string::npos);
  EXPECT_THROW(parse_peers("2=127.0.0.1:1"), std::runtime_error);  // node 1 is required
  EXPECT_EQ(parse_peers("2=h:2,1=h:1").front().id, 1u);
}

TEST_F(ClusterNodesTest, CommitsOnEitherNodeAreSeenByTheOtherAcrossLocalAndRemotePartitions) {
  for (int round = 0; round < 10; ++round) {
    int writer = 1 + round % 2, reader = 3 - writer;
    std::string v = "v" + std::to_string(round);
    auto w = on(writer).begin({});
    w->start_statement();
    put(*w, key_on(1, "a"), v);
    if (round % 4 >= 2) {
      put(*w, key_on(2, "b"), v);  // two nodes: two-phase
    }
    w->commit();
    auto r = on(reader).begin({});
    r->start_statement();
    EXPECT_EQ(read(*r, key_on(1, "a")), v) << "round " << round;
    if (round % 4 >= 2) {
      EXPECT_EQ(read(*r, key_on(2, "b")), v) << "round " << round;
    }
    r->commit();
  }
  // A row lock held on node 2's partition by node 1's coordinator blocks node 2's.
  auto holder = on(1).begin({});
  holder->start_statement();
  put(*holder, key_on(2, "c"), "held");
  auto other = on(2).begin({});
  other->start_statement();
  coord::LockWait nowait;
  nowait.policy = api::WaitPolicy::kNoWait;
  EXPECT_EQ(
      other->lock(kT, key_on(2, "c"), key_on(2, "c"), LockStrength::kShare, nowait, std::nullopt)
          .outcome,
      LockOutcome::kWouldBlock);
  other->abort();
  holder->commit();
}

// S6 and R5: a coordinator (a third node, here a bare channel) dies with a committed
// transaction and a pending one on node 2's partitions: node 2 commits the first and aborts
// the second as node 1's registry decides, and the registry never lets the second commit.
TEST_F(ClusterNodesTest, APartitionNodeEndsALostCoordinatorsTransactionsAsTheRegistryDecides) {
  std::string kc = key_on(2, "committed"), kp = key_on(2, "pending");
  auto ids = registry_->claim_txn_ids(2);
  api::TxnId committed = ids.first, pending = ids.first + 1;
  api::Timestamp ts = 0;
  {
    auto ch = PartitionChannel::connect("127.0.0.1", nodes_[1].port);
    auto parts = ch->partitions_listed(ch->describe());
    for (auto [txn, key] : {std::pair{committed, kc}, std::pair{pending, kp}})
      prepare_on_node2(parts, txn, key, "lost-" + std::to_string(txn));
    ts = registry_->assign_commit(committed);  // its commit point; then its coordinator dies
  }
  // Node 1's coordinator gets both rows once node 2 has ended the lost connection's work.
  coord::LockWait nowait;
  nowait.policy = api::WaitPolicy::kNoWait;
  auto deadline = runtime::Clock::now() + std::chrono::seconds(5);
  for (;;) {
    auto t = on(1).begin({});
    t->start_statement();
    bool got = t->lock(kT, kc, kc, LockStrength::kUpdate, nowait, std::nullopt).outcome ==
                   LockOutcome::kGranted &&
               t->lock(kT, kp, kp, LockStrength::kUpdate, nowait, std::nullopt).outcome ==
                   LockOutcome::kGranted;
    if (got) {
      EXPECT_EQ(read(*t, kc), "lost-" + std::to_string(committed)) << "a committed write lost";
      EXPECT_EQ(read(*t, kp), "<none>") << "an undecided write survived";
      t->commit();
      break;
    }
    t->abort();
    ASSERT_LT(runtime::Clock::now(), deadline) << "the lost coordinator's locks stayed";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(registry_->status(committed).state, api::TxnState::kCommitted);
  EXPECT_EQ(registry_->status(committed).commit_ts, ts);
  EXPECT_EQ(registry_->status(pending).state, api::TxnState::kAborted);
  try {
    registry_->assign_commit(pending);
    ADD_FAILURE() << "a transaction the registry aborted committed";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "40001");
  }
  EXPECT_EQ(registry_->decide(committed).state, api::TxnState::kCommitted);
}

// doc/cluster.md §8 B, restarting a node (local_node.h Recovery::kByRegistry, S7, P8): node 2
// dies (its server stops, its memory goes) with a committed and a pending transaction's
// prepared intents in its storage, while a transaction of node 1 holds a row lock there. Its
// new life settles the intents as node 1's registry decides (the committed one at the
// registry's timestamp, so it is visible), refuses node 1's old transaction (40001: its lock
// was lost), and node 1's channel reconnects so its new transactions work there again.
TEST_F(ClusterNodesTest,
       ARestartedNodeSettlesItsIntentsByTheRegistryAndRefusesEarlierTransactions) {
  std::string kc = key_on(2, "committed"), kp = key_on(2, "pending"), kh = key_on(2, "held");
  auto ids = registry_->claim_txn_ids(2);
  api::TxnId committed = ids.first, pending = ids.first + 1;
  auto old = on(1).begin({});
  old->start_statement();
  coord::LockWait nowait;
  nowait.policy = api::WaitPolicy::kNoWait;
  ASSERT_EQ(old->lock(kT, kh, kh, LockStrength::kUpdate, nowait, std::nullopt).outcome,
            LockOutcome::kGranted);
  auto ch = PartitionChannel::connect("127.0.0.1", nodes_[1].port);  // a third coordinator
  auto parts = ch->partitions_listed(ch->describe());
  for (auto [txn, key] : {std::pair{committed, kc}, std::pair{pending, kp}})
    prepare_on_node2(parts, txn, key, "v" + std::to_string(txn));  // in node 2's storage
  api::Timestamp ts = registry_->assign_commit(committed);         // its commit point

  // Node 2 dies: its server stops (no S6: nothing is settled by the living process) and its
  // partitions' memory (lock tables) goes; its storage stays.
  auto& n2 = nodes_[1];
  uint16_t port = n2.port;
  n2.txns.reset();
  n2.server.reset();
  n2.waits.reset();
  parts.clear();
  ch.reset();
  n2.local.reset();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!nodes_[0].to_peer->lost()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "node 1 did not see node 2 go";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  // Its new life: the registry settles what the old one left, then it serves on its port.
  n2.local = partition::open_local_node(n2.dir, kPartitions, 0, partition::Recovery::kByRegistry);
  EXPECT_EQ(n2.local->boot_epoch(), 2u);
  n2.local->attach(
      &link_, [this] { return link_.horizon(); }, &link_);
  std::vector<uint32_t> mine;
  for (uint32_t p = 0; p < kPartitions; ++p)
    if (owners_[p] == 2) mine.push_back(p);
  auto settled =
      n2.local->settle_by_registry([this](api::TxnId t) { return link_.decide(t); }, mine);
  EXPECT_EQ(settled.committed, 1u);
  EXPECT_EQ(settled.aborted, 1u);
  NodeServices s2;
  s2.node_id = 2;
  s2.owners = owners_;
  s2.decide = [this](api::TxnId t) { return link_.decide(t); };
  s2.txn_fence = registry_->claim_txn_ids(1).first;
  n2.server = std::make_unique<PartitionServer>(n2.local->partitions(), s2);
  ASSERT_EQ(n2.server->start("127.0.0.1", port), port);
  EXPECT_EQ(nodes_[0].to_peer->generation(), 1u);
  nodes_[0].to_peer->reconnect();
  EXPECT_EQ(nodes_[0].to_peer->generation(), 2u);
  EXPECT_FALSE(nodes_[0].to_peer->lost());

  // Node 1's transaction from before the restart: its lock there is gone, so it is refused.
  try {
    old->lock(kT, kc, kc, LockStrength::kShare, nowait, std::nullopt);
    ADD_FAILURE() << "a transaction begun before node 2's restart used its new life";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "40001") << e.error().message;
  }
  old->abort();
  // New transactions (a new TxnId block) see the settled state and lock the lost lock's row.
  on(1).renew_txn_ids();
  auto t = on(1).begin({});
  t->start_statement();
  EXPECT_EQ(t->lock(kT, kh, kh, LockStrength::kUpdate, nowait, std::nullopt).outcome,
            LockOutcome::kGranted);
  EXPECT_EQ(read(*t, kc), "v" + std::to_string(committed)) << "a committed write lost";
  EXPECT_EQ(read(*t, kp), "<none>") << "an undecided write survived";
  t->commit();
  EXPECT_EQ(registry_->status(committed).commit_ts, ts);
  try {
    registry_->assign_commit(pending);
    ADD_FAILURE() << "a transaction the restarted node's recovery aborted committed";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "40001");
  }
}

// C5 (doc/cluster.md §4): a cycle whose two edges sit on two nodes. T1 holds a row of node
// 1 and waits for one of node 2; T2 holds that one and waits for T1's on node 1. Neither
// node's own graph has the cycle; T2's check (the shorter deadlock_timeout, on node 1) finds
// it in the union with node 2's waits and makes T2 the victim, with both edges for the DETAIL.
// Returns how long T2's wait took.
std::chrono::nanoseconds ClusterNodesTest::hard_cycle_across_nodes(
    const std::string& prefix, std::chrono::milliseconds deadlock_timeout) {
  std::string ka = key_on(1, prefix + "-a"), kb = key_on(2, prefix + "-b");
  auto& on1 = on(1);
  // Each call goes through a channel, so every wait runs on its partition's node.
  auto via = [&](const std::string& key) -> api::Partition& {
    int owner = static_cast<int>(owners_[on1.route(key)]);
    for (auto& p : nodes_[owner == 1 ? 1 : 0].remote)
      if (p->id() == on1.route(key)) return *p;
    throw std::logic_error("no remote partition for the key");
  };
  auto ids = registry_->claim_txn_ids(2);
  api::TxnId t1 = ids.first, t2 = ids.first + 1;
  auto request = [&](api::TxnId txn, const std::string& key, std::chrono::milliseconds dt) {
    api::LockRequest req;
    req.space = kT;
    req.key = key;
    req.txn = txn;
    req.deadlock_timeout = dt;
    req.deadline = runtime::Clock::now() + std::chrono::seconds(5);
    return req;
  };
  EXPECT_EQ(via(ka).lock(request(t1, ka, std::chrono::seconds(10))).outcome, LockOutcome::kGranted);
  EXPECT_EQ(via(kb).lock(request(t2, kb, std::chrono::seconds(10))).outcome, LockOutcome::kGranted);
  api::LockResult t1_got;
  std::thread t1_waits([&] { t1_got = via(kb).lock(request(t1, kb, std::chrono::seconds(10))); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto started = runtime::Clock::now();
  api::LockResult t2_got = via(ka).lock(request(t2, ka, deadlock_timeout));
  auto took = runtime::Clock::now() - started;
  std::cout << "C5: the cycle across two nodes failed its checker "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms after its wait began (deadlock_timeout " << deadlock_timeout.count()
            << " ms)\n";
  EXPECT_EQ(t2_got.outcome, LockOutcome::kDeadlock) << "the cycle across nodes was not found";
  EXPECT_GE(took, deadlock_timeout);
  if (t2_got.deadlock.size() == 2u) {
    EXPECT_EQ(t2_got.deadlock[0].waiter, t2);
    EXPECT_EQ(t2_got.deadlock[0].key, ka);
    EXPECT_EQ(t2_got.deadlock[0].blocker, t1);
    EXPECT_EQ(t2_got.deadlock[1].waiter, t1);
    EXPECT_EQ(t2_got.deadlock[1].key, kb);
    EXPECT_EQ(t2_got.deadlock[1].blocker, t2);
  } else {
    ADD_FAILURE() << "the DETAIL needs both edges, got " << t2_got.deadlock.size();
  }
  // The victim gives up its row: the other waiter gets it.
  via(kb).abort(t2);
  via(ka).abort(t2);
  t1_waits.join();
  EXPECT_EQ(t1_got.outcome, LockOutcome::kGranted);
  via(ka).abort(t1);
  via(kb).abort(t1);
  return took;
}

TEST_F(ClusterNodesTest, ADeadlockWhoseEdgesSitOnTwoNodesIsFoundByTheWaiterThatChecks) {
  constexpr auto kDeadlockTimeout = std::chrono::milliseconds(200);
  auto took = hard_cycle_across_nodes("dl", kDeadlockTimeout);
  EXPECT_LT(took, kDeadlockTimeout + kNodeQuestionWait) << "C5's bound";
}

// C5 with a stopped third node (it accepted the connection and answers nothing): node 1's
// check asks both peers at once, leaves the silent one out when 4/5 of its budget have passed,
// and confirms with node 2 alone, so the cycle of nodes 1 and 2 is still found within
// deadlock_timeout + one budget (before W1: + 2 budgets, one a gathering).
TEST_F(ClusterNodesTest, ASilentPeerCostsADeadlockCheckOneBudgetNotOneAGathering) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  auto silent_channel = PartitionChannel::connect("127.0.0.1", silent.local_endpoint().port());
  pb::NodeDescription d;
  d.add_partitions(0);
  d.add_commit_groups(0);
  auto silent_partitions = silent_channel->partitions_listed(d);
  auto& n1 = nodes_[0];
  // The silent node first: were the peers asked one after another, node 2 would be asked
  // only after it had been waited for.
  ClusterWaits three_peers(
      {{silent_channel, silent_partitions[0].get()}, {n1.to_peer, n1.remote.front().get()}});
  n1.local->set_peer_waits(&three_peers, kNodeQuestionWait);
  constexpr auto kDeadlockTimeout = std::chrono::milliseconds(200);
  auto took = hard_cycle_across_nodes("dl-stopped", kDeadlockTimeout);
  EXPECT_GE(took, kDeadlockTimeout + kNodeQuestionWait * 4 / 5)
      << "the first gathering waits for the silent peer until 4/5 of the budget";
  EXPECT_LT(took, kDeadlockTimeout + kNodeQuestionWait)
      << "C5's bound: the confirmation does not wait for the peer that was silent";
  n1.local->set_peer_waits(n1.waits.get(), kNodeQuestionWait);
}

// C5, soft: PostgreSQL's deadlock-soft with table a1 on node 1 and a2 on node 2. d1 and d2
// hold ACCESS SHARE on a1 and a2, e1 and e2 queue ACCESS EXCLUSIVE, d1 queues behind e2 on a2
// and d2 behind e1 on a1: a cycle of two queue-order edges across the nodes. d2's check (on
// node 1) breaks it as PostgreSQL does, by putting d1 ahead of e2 in node 2's queue.
TEST_F(ClusterNodesTest, ASoftDeadlockAcrossNodesIsBrokenByRearrangingThePeersQueue) {
  // Partition 0 is node 1's, partition 1 node 2's; each reached over a channel.
  api::Partition* on_node1 = nullptr;
  api::Partition* on_node2 = nullptr;
  for (auto& p : nodes_[1].remote)
    if (p->id() == 0) on_node1 = p.get();
  for (auto& p : nodes_[0].remote)
    if (p->id() == 1) on_node2 = p.get();
  ASSERT_TRUE(on_node1 && on_node2);
  const api::ObjectTag a1 = api::table_object(501), a2 = api::table_object(502);
  auto ids = registry_->claim_txn_ids(4);
  const api::TxnId d1 = ids.first, d2 = d1 + 1, e1 = d1 + 2, e2 = d1 + 3;
  auto lock = [](api::Partition* p, api::ObjectTag tag, api::TxnId who, uint8_t mode,
                 std::chrono::milliseconds dt) {
    api::ObjectLockRequest req;
    req.tag = tag;
    req.mode = mode;
    req.owner = who;
    req.deadlock_timeout = dt;
    req.deadline = runtime::Clock::now() + std::chrono::seconds(5);
    return p->lock_object(req).outcome;
  };
  constexpr uint8_t kAccessShare = 1, kAccessExclusive = 8;
  const auto kLong = std::chrono::seconds(10);
  ASSERT_EQ(lock(on_node1, a1, d1, kAccessShare, kLong), LockOutcome::kGranted);
  ASSERT_EQ(lock(on_node2, a2, d2, kAccessShare, kLong), LockOutcome::kGranted);
  std::atomic<int> done{0};
  LockOutcome got_e1{}, got_e2{}, got_d1{}, got_d2{};
  auto waits_in = [](api::Partition* p, api::TxnId who) {
    for (int i = 0; i < 500; ++i) {
      for (const auto& e : p->lock_view())
        if (e.owner == who && !e.granted) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  };
  std::thread te1([&] { got_e1 = lock(on_node1, a1, e1, kAccessExclusive, kLong), ++done; });
  ASSERT_TRUE(waits_in(on_node1, e1));
  std::thread te2([&] { got_e2 = lock(on_node2, a2, e2, kAccessExclusive, kLong), ++done; });
  ASSERT_TRUE(waits_in(on_node2, e2));
  auto d1_started = runtime::Clock::now();
  std::atomic<int64_t> d1_took_ms{-1};
  std::thread td1([&] {
    got_d1 = lock(on_node2, a2, d1, kAccessShare, kLong);
    d1_took_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(runtime::Clock::now() - d1_started)
            .count();
    ++done;
  });
  ASSERT_TRUE(waits_in(on_node2, d1));
  constexpr auto kDeadlockTimeout = std::chrono::milliseconds(100);
  std::thread td2([&] { got_d2 = lock(on_node1, a1, d2, kAccessShare, kDeadlockTimeout), ++done; });
  // d1 gets a2 once d2's check (after its deadlock_timeout) has rearranged node 2's queue.
  td1.join();
  EXPECT_EQ(got_d1, LockOutcome::kGranted) << "the soft deadlock across nodes was not broken";
  EXPECT_LT(d1_took_ms.load(), 1000 + kDeadlockTimeout.count()) << "C5's bound";
  EXPECT_EQ(done.load(), 1) << "only d1 went ahead";
  // Then as in PostgreSQL's expected output: d1 commits, e1 gets a1, commits; d2 gets a1 ...
  on_node1->release_owner(d1);
  on_node2->release_owner(d1);
  te1.join();
  EXPECT_EQ(got_e1, LockOutcome::kGranted);
  on_node1->release_owner(e1);
  td2.join();
  EXPECT_EQ(got_d2, LockOutcome::kGranted);
  on_node1->release_owner(d2);
  on_node2->release_owner(d2);
  te2.join();
  EXPECT_EQ(got_e2, LockOutcome::kGranted);
  on_node2->release_owner(e2);
}

// Issue 12 item 7: a node's SQL sessions seen and signalled from another node (node_sessions,
// signal_backend; cluster_node.h V1), and node-level questions bounded in time, so a stopped
// peer (it keeps its connection open and never answers) leaves them incomplete, not stalled.
class NodeSessionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runtime_ = std::make_unique<runtime::Runtime>(2, 4);
    runtime_->start();
    node2_.set_node(2);
    NodeServices s;
    s.sessions = [this] { return node2_.snapshot(); };
    s.signal_backend = [this](int32_t pid, runtime::CancelToken::Kind k) {
      return node2_.signal(pid, k);
    };
    server_ = std::make_unique<PartitionServer>(std::vector<api::Partition*>{}, s);
    channel_ = PartitionChannel::connect("127.0.0.1", server_->start("127.0.0.1", 0));
    // A peer that accepted the connection (the kernel's backlog does) and never answers.
    silent_ = std::make_unique<boost::asio::ip::tcp::acceptor>(
        io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    silent_channel_ = PartitionChannel::connect("127.0.0.1", silent_->local_endpoint().port());
  }
  void TearDown() override {
    channel_.reset();
    silent_channel_.reset();
    server_.reset();
    runtime_->stop();
  }

  std::unique_ptr<runtime::Runtime> runtime_;
  activity::SessionRegistry node2_;
  std::unique_ptr<PartitionServer> server_;
  std::shared_ptr<PartitionChannel> channel_;
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> silent_;
  std::shared_ptr<PartitionChannel> silent_channel_;
};

TEST_F(NodeSessionsTest, APeersSessionsAreSeenAndItsPidsSignalledOnTheirNode) {
  runtime::CancelToken token2;
  activity::SessionInfo info;
  info.state = "active";
  info.query = "select pg_sleep(10)";
  info.txn_id = 77;
  auto [pid2, secret2] = node2_.add(&token2, info);
  (void)secret2;

  activity::SessionRegistry node1;
  node1.set_node(1);
  ClusterSessions peers({{2, channel_}}, std::chrono::milliseconds(1000));
  node1.set_peers(&peers);
  runtime::CancelToken token1;
  auto [pid1, secret1] = node1.add(&token1, activity::SessionInfo{});
  (void)secret1;

  auto all = node1.cluster_snapshot();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].pid, pid1);
  EXPECT_EQ(all[1].pid, pid2);
  EXPECT_EQ(all[1].query, "select pg_sleep(10)");
  EXPECT_EQ(all[1].state, "active");
  EXPECT_EQ(all[1].txn_id, 77u);
  EXPECT_EQ(node1.snapshot().size(), 1u) << "snapshot() stays this node's";

  EXPECT_TRUE(node1.signal_in_cluster(pid2, runtime::CancelToken::kUserRequest));
  EXPECT_EQ(token2.pending(), runtime::CancelToken::kUserRequest);
  EXPECT_EQ(token1.pending(), runtime::CancelToken::kNone);
  EXPECT_TRUE(node1.signal_in_cluster(pid2, runtime::CancelToken::kTerminate));
  EXPECT_EQ(token2.pending(), runtime::CancelToken::kTerminate);
  EXPECT_FALSE(node1.signal_in_cluster(pid2 + 1, runtime::CancelToken::kUserRequest))
      << "no such session on node 2";
  EXPECT_FALSE(node1.signal_in_cluster((3 << 22) + 10000, runtime::CancelToken::kUserRequest))
      << "node 3 is not a peer";
  EXPECT_TRUE(node1.signal_in_cluster(pid1, runtime::CancelToken::kUserRequest));
  EXPECT_EQ(token1.pending(), runtime::CancelToken::kUserRequest) << "its own pid: local";
}

TEST_F(NodeSessionsTest, APeerThatDoesNotAnswerIsLeftOutAfterTheWait) {
  runtime::CancelToken token2;
  auto [pid2, secret2] = node2_.add(&token2, activity::SessionInfo{});
  (void)secret2;
  constexpr auto kWait = std::chrono::milliseconds(200);
  ClusterSessions peers({{3, silent_channel_}, {2, channel_}}, kWait);
  auto start = runtime::Clock::now();
  auto got = peers.sessions();
  auto took = runtime::Clock::now() - start;
  ASSERT_EQ(got.size(), 1u) << "node 2 answers, node 3 is left out";
  EXPECT_EQ(got[0].pid, pid2);
  EXPECT_GE(took, kWait);
  EXPECT_LT(took, 3 * kWait) << "one wait for all peers, not one each";
  start = runtime::Clock::now();
  EXPECT_FALSE(peers.signal((3 << 22) + 10000, runtime::CancelToken::kUserRequest));
  EXPECT_LT(runtime::Clock::now() - start, 3 * kWait);

  // One node_waits() call is bounded by kNodeQuestionWait (P7); a deadlock check's gathering
  // asks all peers at once instead (ClusterWaits, ASilentPeerCostsADeadlockCheckOneBudget...).
  pb::NodeDescription d;
  d.add_partitions(0);
  d.add_commit_groups(0);
  auto silent_partitions = silent_channel_->partitions_listed(d);
  start = runtime::Clock::now();
  try {
    silent_partitions[0]->node_waits();
    ADD_FAILURE() << "a peer that never answers must not answer node_waits";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "08006");
  }
  took = runtime::Clock::now() - start;
  EXPECT_GE(took, kNodeQuestionWait);
  EXPECT_LT(took, 2 * kNodeQuestionWait);
  // A late answer finds no caller; the channel still works for later calls (none pending).
  EXPECT_FALSE(silent_channel_->call_within(pb::Request{}, std::chrono::milliseconds(10)));
}

}  // namespace
}  // namespace hf::partition_rpc
