// locksvc/lock_service_test.cc — the lock service over a real local node: its promises L1-L7
// (lock_service.h), with waits interleaved on fibers in a fixed order, and a restart (the node
// reopened from its folder) for durability and tokens. L7's waits run in transactions of two
// fake sessions (TestSession), as the SQL functions do.
#include "locksvc/lock_service.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <thread>

#include "common/error.h"
#include "coord/local_node_fixture_for_tests.h"

namespace hf::locksvc {
namespace {

using coord::LockWait;
using coord::WaitPolicy;

class LockServiceTest : public coord::LocalNodeFixture {
 protected:
  LockServiceTest() : LocalNodeFixture("hf_locksvc_") {}
  void SetUp() override {
    LocalNodeFixture::SetUp();
    svc_ = std::make_unique<LockService>(*txns_);
  }
  void TearDown() override {
    svc_.reset();
    LocalNodeFixture::TearDown();
  }
  // Runs f in its own committed transaction.
  template <typename F>
  auto in_txn(F&& f) {
    auto t = txns_->begin(coord::BeginOptions{});
    t->start_statement();
    if constexpr (std::is_void_v<decltype(f(*t))>) {
      f(*t);
      t->commit();
    } else {
      auto r = f(*t);
      t->commit();
      return r;
    }
  }
  std::optional<std::vector<std::optional<int64_t>>> try_lock(const std::string& owner,
                                                              std::vector<Request> reqs) {
    return in_txn([&](coord::Transaction& t) {
      return svc_->acquire(t, owner, reqs, LockWait{WaitPolicy::kNoWait, {}, nullptr});
    });
  }
  std::vector<Holding> holdings() {
    return in_txn([&](coord::Transaction& t) { return svc_->holdings(t); });
  }
  // The held (owner, mode, count) of a resource, as text: "a:write:2 b:read:1".
  std::string held(const std::string& resource) {
    std::string s;
    for (const auto& h : holdings())
      if (h.resource == resource)
        s += (s.empty() ? "" : " ") + h.owner + ":" + mode_name(h.mode) + ":" +
             std::to_string(h.count);
    return s;
  }
  static Request W(const std::string& r) { return Request{r, Mode::kWrite}; }
  static Request R(const std::string& r) { return Request{r, Mode::kRead}; }
  std::unique_ptr<LockService> svc_;
};

TEST_F(LockServiceTest, ReentrantHoldsAreCountedAndReleasedOneAtATime) {  // L2
  auto a1 = try_lock("a", {W("r")});
  ASSERT_TRUE(a1);
  auto a2 = try_lock("a", {W("r")});
  ASSERT_TRUE(a2);
  EXPECT_EQ((*a1)[0], (*a2)[0]) << "a reentrant WRITE is the same grant, with its token";
  EXPECT_EQ(held("r"), "a:write:2");
  EXPECT_FALSE(try_lock("b", {R("r")})) << "WRITE excludes other owners";
  EXPECT_TRUE(in_txn([&](coord::Transaction& t) { return svc_->release(t, "a", {"r"}); }));
  EXPECT_EQ(held("r"), "a:write:1");
  EXPECT_FALSE(try_lock("b", {R("r")}));
  in_txn([&](coord::Transaction& t) { svc_->release(t, "a", {"r"}); });
  EXPECT_EQ(held("r"), "");
  EXPECT_TRUE(try_lock("b", {R("r")}));
  EXPECT_TRUE(try_lock("c", {R("r")})) << "READ is shared";
  EXPECT_FALSE(in_txn([&](coord::Transaction& t) { return svc_->release(t, "a", {"r"}); }))
      << "a holds nothing any more";
}

TEST_F(LockServiceTest, BatchTryIsAllOrNothing) {  // L1
  ASSERT_TRUE(try_lock("a", {W("r2")}));
  EXPECT_FALSE(try_lock("b", {W("r1"), W("r2"), R("r3")}));
  EXPECT_EQ(held("r1"), "");
  EXPECT_EQ(held("r3"), "");
  EXPECT_TRUE(try_lock("c", {W("r1"), W("r3")})) << "b's failed batch left nothing behind";
}

TEST_F(LockServiceTest, BadInputIs22023) {
  auto err = [&](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const SqlError& e) {
      return e.error().sqlstate;
    }
    return "";
  };
  EXPECT_EQ(err([&] { try_lock("", {W("r")}); }), "22023");
  EXPECT_EQ(err([&] { try_lock("a", {}); }), "22023");
  EXPECT_EQ(err([&] { try_lock("a", {W("")}); }), "22023");
  EXPECT_EQ(err([&] { parse_mode("exclusive"); }), "22023");
  EXPECT_EQ(
      err([&] { in_txn([&](coord::Transaction& t) { svc_->downgrade(t, "a", "nothing"); }); }),
      "22023");
  EXPECT_EQ(
      err([&] {
        in_txn([&](coord::Transaction& t) { svc_->renew(t, "a", std::chrono::microseconds(0)); });
      }),
      "22023");
}

TEST_F(LockServiceTest, ALockTakenInATransactionThatAbortsIsNotTaken) {  // L5
  {
    auto t = txns_->begin(coord::BeginOptions{});
    t->start_statement();
    ASSERT_TRUE(svc_->acquire(*t, "a", {W("r")}, LockWait{WaitPolicy::kNoWait, {}, nullptr}));
    EXPECT_FALSE(try_lock("b", {W("r")})) << "held while the transaction runs";
    t->abort();
  }
  EXPECT_EQ(held("r"), "");
  EXPECT_TRUE(try_lock("b", {W("r")}));
}

TEST_F(LockServiceTest, DowngradeLetsReadersIn) {  // L2
  ASSERT_TRUE(try_lock("a", {W("r")}));
  EXPECT_FALSE(try_lock("b", {R("r")}));
  in_txn([&](coord::Transaction& t) { svc_->downgrade(t, "a", "r"); });
  EXPECT_EQ(held("r"), "a:read:1");
  EXPECT_TRUE(try_lock("b", {R("r")}));
  EXPECT_FALSE(try_lock("c", {W("r")}));
}

TEST_F(LockServiceTest, FencingTokensGrowAndOnlyTheNewestHeldGrantPasses) {  // L3, L4
  auto a = try_lock("a", {W("shard-7")});
  ASSERT_TRUE(a && (*a)[0]);
  int64_t ta = *(*a)[0];
  auto fence = [&](int64_t token) {
    return in_txn([&](coord::Transaction& t) { return svc_->fence_ok(t, "shard-7", token); });
  };
  EXPECT_TRUE(fence(ta));
  in_txn([&](coord::Transaction& t) { svc_->release_all(t, "a"); });
  EXPECT_FALSE(fence(ta)) << "released: the token no longer holds";
  auto b = try_lock("b", {W("shard-7")});
  ASSERT_TRUE(b && (*b)[0]);
  int64_t tb = *(*b)[0];
  EXPECT_GT(tb, ta);
  EXPECT_FALSE(fence(ta)) << "a stale owner's token";
  EXPECT_TRUE(fence(tb));
}

TEST_F(LockServiceTest, ATokenOfAGrantWhoseTransactionAbortedIsNeverHandedOutAgain) {  // L3
  int64_t aborted_token = 0;
  {
    auto t = txns_->begin(coord::BeginOptions{});
    t->start_statement();
    auto a = svc_->acquire(*t, "a", {W("r")}, LockWait{WaitPolicy::kNoWait, {}, nullptr});
    ASSERT_TRUE(a && (*a)[0]);
    aborted_token = *(*a)[0];
    t->abort();  // the client may still keep the token it was shown
  }
  auto b = try_lock("b", {W("r")});
  ASSERT_TRUE(b && (*b)[0]);
  EXPECT_GT(*(*b)[0], aborted_token) << "the resource's row rolled back; the counter did not";
  EXPECT_FALSE(in_txn([&](coord::Transaction& t) { return svc_->fence_ok(t, "r", aborted_token); }))
      << "the aborted grant's token fences nothing";
}

TEST_F(LockServiceTest, HoldsAndTokensSurviveARestart) {  // L3, recovery
  auto a = try_lock("job-1", {W("tbl"), R("db")});
  ASSERT_TRUE(a);
  int64_t token = *(*a)[0];
  {  // a grant that aborts just before the restart: its token was shown, never stored
    auto t = txns_->begin(coord::BeginOptions{});
    t->start_statement();
    auto x = svc_->acquire(*t, "job-x", {W("other")}, LockWait{WaitPolicy::kNoWait, {}, nullptr});
    ASSERT_TRUE(x && (*x)[0]);
    token = std::max(token, *(*x)[0]);
    t->abort();
  }
  // Restart: the service, the coordinator and the node go; the node reopens its folder.
  svc_.reset();
  txns_.reset();
  node_.reset();
  node_ = partition::open_local_node(dir_, 8);
  auto c = node_->clock();
  txns_ = coord::make_txn_manager(node_->partitions(), {c.start_ts, c.first_txn_id, c.last_txn_id});
  node_->attach(
      &txns_->status_oracle(), [m = txns_.get()] { return m->oldest_snapshot(); },
      &txns_->ssi_sink());
  svc_ = std::make_unique<LockService>(*txns_);
  EXPECT_EQ(svc_->recover(), 2u);
  EXPECT_FALSE(try_lock("job-2", {R("tbl")})) << "the WRITE hold came back";
  EXPECT_TRUE(try_lock("job-2", {R("db")}));
  EXPECT_EQ(held("tbl"), "job-1:write:1");
  in_txn([&](coord::Transaction& t) { svc_->release_all(t, "job-1"); });
  auto b = try_lock("job-3", {W("tbl")});
  ASSERT_TRUE(b);
  EXPECT_GT(*(*b)[0], token) << "tokens never go back, across restarts";
  auto o = try_lock("job-4", {W("other")});
  ASSERT_TRUE(o);
  EXPECT_GT(*(*o)[0], token) << "nor repeat an aborted grant's token after a restart";
}

TEST_F(LockServiceTest, TimeToLiveReleasesEverythingAndWakesWaiters) {  // L6
  ASSERT_TRUE(try_lock("a", {W("r1"), R("r2")}));
  in_txn([&](coord::Transaction& t) { svc_->renew(t, "a", std::chrono::milliseconds(200)); });
  svc_->start_expiry();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!held("r1").empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(held("r1"), "");
  EXPECT_EQ(held("r2"), "");
  EXPECT_TRUE(try_lock("b", {W("r1"), W("r2")}));
  svc_->stop_expiry();
}

TEST_F(LockServiceTest, AWaiterIsWokenByTheReleaseInArrivalOrder) {  // wake-up, L5
  ASSERT_TRUE(try_lock("a", {W("r")}));
  runtime::asio::io_context io;
  auto guard = runtime::asio::make_work_guard(io);
  std::vector<std::string> events;
  int done = 0;
  auto finish = [&] {
    if (++done == 3) guard.reset();
  };
  auto waiter = [&](const std::string& owner, int delay_ms) {
    runtime::Fiber::spawn(io, [&, owner, delay_ms] {
      runtime::sleep_until(runtime::Clock::now() + std::chrono::milliseconds(delay_ms));
      events.push_back(owner + " waits");
      auto t = txns_->begin(coord::BeginOptions{});
      t->start_statement();
      auto got = svc_->acquire(*t, owner, {W("r")}, LockWait{});
      events.push_back(owner + (got ? " granted" : " not granted"));
      t->commit();
      // Give the next one its turn.
      auto u = txns_->begin(coord::BeginOptions{});
      u->start_statement();
      svc_->release(*u, owner, {"r"});
      u->commit();
      finish();
    });
  };
  waiter("b", 0);
  waiter("c", 20);
  runtime::Fiber::spawn(io, [&] {
    runtime::sleep_until(runtime::Clock::now() + std::chrono::milliseconds(60));
    events.push_back("a releases");
    auto t = txns_->begin(coord::BeginOptions{});
    t->start_statement();
    svc_->release(*t, "a", {"r"});
    t->commit();
    finish();
  });
  io.run();
  EXPECT_EQ(events, (std::vector<std::string>{"b waits", "c waits", "a releases", "b granted",
                                              "c granted"}));
}

TEST_F(LockServiceTest, TwoOwnersUpgradingTheSameResourceDeadlock) {  // L2
  ASSERT_TRUE(try_lock("a", {R("r")}));
  ASSERT_TRUE(try_lock("b", {R("r")}));
  runtime::asio::io_context io;
  auto guard = runtime::asio::make_work_guard(io);
  std::vector<std::string> outcomes;
  int done = 0;
  auto upgrade = [&](const std::string& owner, int delay_ms) {
    runtime::Fiber::spawn(io, [&, owner, delay_ms] {
      runtime::sleep_until(runtime::Clock::now() + std::chrono::milliseconds(delay_ms));
      auto t = txns_->begin(coord::BeginOptions{});
      t->start_statement();
      try {
        svc_->acquire(*t, owner, {W("r")}, LockWait{});
        outcomes.push_back(owner + " upgraded");
        t->commit();
      } catch (const SqlError& e) {
        outcomes.push_back(owner + " " + e.error().sqlstate);
        t->abort();
        // The victim gives up its READ, so the other can upgrade.
        auto u = txns_->begin(coord::BeginOptions{});
        u->start_statement();
        svc_->release(*u, owner, {"r"});
        u->commit();
      }
      if (++done == 2) guard.reset();
    });
  };
  upgrade("a", 0);
  upgrade("b", 20);
  io.run();
  ASSERT_EQ(outcomes.size(), 2u);
  std::sort(outcomes.begin(), outcomes.end());
  const bool a_won = outcomes == std::vector<std::string>{"a upgraded", "b 40P01"};
  const bool b_won = outcomes == std::vector<std::string>{"a 40P01", "b upgraded"};
  EXPECT_TRUE(a_won || b_won) << outcomes[0] << ", " << outcomes[1];
}

// A session as the lock tables see it: its vertex (1 << 62 | pid), its deadlock_timeout.
class TestSession final : public coord::LockSession {
 public:
  TestSession(int32_t pid, std::chrono::milliseconds deadlock_timeout)
      : pid_(pid), deadlock_timeout_(deadlock_timeout) {}
  uint64_t lock_group() const override { return uint64_t{1} << 62 | static_cast<uint32_t>(pid_); }
  std::chrono::milliseconds deadlock_timeout() override { return deadlock_timeout_; }
  partition_api::LockWaitObserver* wait_observer() override { return nullptr; }
  void lock_failed(coord::LockOutcome, coord::WaitPolicy) override {}
  int32_t pid_of(uint64_t vertex) override {
    return (vertex >> 62) == 1 ? static_cast<int32_t>(vertex & 0xffffffffu) : 0;
  }
  uint64_t txn_of(uint64_t) override { return 0; }

 private:
  int32_t pid_;
  std::chrono::milliseconds deadlock_timeout_;
};

// Session 1 holds a row and waits (for owner a) for r, which owner b holds; session 2 took r
// for b in its open transaction and then waits for session 1's row (L7). `b_committed`: b's
// transaction committed before session 2's row wait began, so nobody acts for b any more.
// Returns what each session's wait ended with ("granted", a SQLSTATE), and session 1's
// 40P01 DETAIL.
struct MixedCycleOutcome {
  std::string session1, session2, detail;
};
class LockServiceCycleTest : public LockServiceTest {
 protected:
  MixedCycleOutcome run(bool b_committed) {
    TestSession s1(1, std::chrono::milliseconds(50)), s2(2, std::chrono::seconds(30));
    const coord::KeySpace rows{99, 0};
    MixedCycleOutcome out;
    runtime::asio::io_context io;
    auto guard = runtime::asio::make_work_guard(io);
    int done = 0;
    auto finish = [&] {
      if (++done == 2) guard.reset();
    };
    auto after = [](int ms) {
      runtime::sleep_until(runtime::Clock::now() + std::chrono::milliseconds(ms));
    };
    runtime::Fiber::spawn(io, [&] {  // session 1
      coord::BeginOptions o;
      o.session = &s1;
      auto t = txns_->begin(o);
      t->start_statement();
      t->lock(rows, "k", "k", coord::LockStrength::kUpdate, LockWait{}, std::nullopt);
      after(20);
      try {
        // The limit only ends a wait no deadlock check ends: with a cycle it is far beyond
        // session 1's deadlock_timeout (50 ms), so a slow machine (a sanitizer build under
        // load) still sees the check first; without one it is what the wait ends with.
        const auto limit = b_committed ? std::chrono::milliseconds(400) : std::chrono::seconds(10);
        LockWait w{WaitPolicy::kBlock, runtime::Clock::now() + limit, nullptr};
        svc_->acquire(*t, "a", {W("r")}, w);
        out.session1 = "granted";
        t->commit();
      } catch (const SqlError& e) {
        out.session1 = e.error().sqlstate;
        out.detail = e.error().detail;
        t->abort();
      }
      finish();
    });
    runtime::Fiber::spawn(io, [&] {  // session 2
      coord::BeginOptions o;
      o.session = &s2;
      auto t = txns_->begin(o);
      t->start_statement();
      svc_->acquire(*t, "b", {W("r")}, LockWait{});
      if (b_committed) {
        t->commit();
        t = txns_->begin(o);
        t->start_statement();
      }
      after(40);
      try {
        t->lock(rows, "k", "k", coord::LockStrength::kUpdate, LockWait{}, std::nullopt);
        out.session2 = "granted";
        t->commit();
      } catch (const SqlError& e) {
        out.session2 = e.error().sqlstate;
        t->abort();
      }
      finish();
    });
    io.run();
    return out;
  }
};

TEST_F(LockServiceCycleTest, ARowWaitAndAServiceWaitInACycleAreADeadlock) {  // L7
  auto out = run(/*b_committed=*/false);
  EXPECT_EQ(out.session1, "40P01") << "session 1's deadlock_timeout ends first: the victim";
  EXPECT_EQ(out.session2, "granted") << "session 1's abort let go of its row";
  EXPECT_NE(out.detail.find("Process 1 waits for ExclusiveLock on holdfast resource \"r\"; "
                            "blocked by process 2."),
            std::string::npos)
      << out.detail;
  EXPECT_NE(out.detail.find("; blocked by process 1."), std::string::npos) << out.detail;
  EXPECT_EQ(held("r"), "b:write:1");
}

TEST_F(LockServiceCycleTest, AnOwnerNoSessionActsForIsNotACycle) {  // L7
  auto out = run(/*b_committed=*/true);
  EXPECT_EQ(out.session1, "55P03") << "b is merely held: session 1 waits until its limit";
  EXPECT_EQ(out.session2, "granted");
  EXPECT_EQ(held("r"), "b:write:1");
}

}  // namespace
}  // namespace hf::locksvc
