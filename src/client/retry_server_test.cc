// The retry library against a real server (holdfast or PostgreSQL 15). Skipped unless
// HF_CLIENT_TEST_DSN names one; tests/e2e/client_retry.sh starts a server and sets it.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include "client/retry.h"

namespace hf::client {
namespace {

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using Conn = std::unique_ptr<PGconn, PgConnDeleter>;

class RetryServer : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dsn = std::getenv("HF_CLIENT_TEST_DSN");
    if (!dsn || !*dsn) GTEST_SKIP() << "HF_CLIENT_TEST_DSN is not set";
    dsn_ = dsn;
    a_ = connect();
    b_ = connect();
    exec_checked(a_.get(), "DROP TABLE IF EXISTS hf_client_retry");
    exec_checked(a_.get(), "CREATE TABLE hf_client_retry (id int PRIMARY KEY, v int NOT NULL)");
    exec_checked(a_.get(), "INSERT INTO hf_client_retry VALUES (1, 0), (2, 0)");
  }
  void TearDown() override {
    if (a_) PQclear(PQexec(a_.get(), "DROP TABLE IF EXISTS hf_client_retry"));
  }

  Conn connect() {
    Conn conn(PQconnectdb(dsn_.c_str()));
    if (PQstatus(conn.get()) != CONNECTION_OK) {
      throw std::runtime_error(std::string("connect: ") + PQerrorMessage(conn.get()));
    }
    return conn;
  }
  static int value(PGconn* conn, int id) {
    std::string sql = "SELECT v FROM hf_client_retry WHERE id = " + std::to_string(id);
    PgResult r = exec_checked(conn, sql.c_str());
    return std::atoi(PQgetvalue(r.get(), 0, 0));
  }
  static RetryPolicy fast_policy() {
    RetryPolicy policy;
    policy.base_delay = std::chrono::milliseconds(1);
    policy.max_delay = std::chrono::milliseconds(20);
    return policy;
  }

  std::string dsn_;
  Conn a_, b_;
};

// First attempt: a REPEATABLE READ snapshot, then another session updates the row and
// commits, then our UPDATE fails with 40001. The retry starts a new snapshot and commits.
TEST_F(RetryServer, SerializationFailureIsRetriedAndCommits) {
  RetryPolicy policy = fast_policy();
  policy.begin = "BEGIN ISOLATION LEVEL REPEATABLE READ";
  Retrier retrier(policy, 1);
  int attempt = 0;
  RunResult result = retrier.run_transaction(a_.get(), [&](PGconn* conn) {
    ++attempt;
    value(conn, 1);  // takes the snapshot
    if (attempt == 1) exec_checked(b_.get(), "UPDATE hf_client_retry SET v = v + 100 WHERE id = 1");
    exec_checked(conn, "UPDATE hf_client_retry SET v = v + 1 WHERE id = 1");
  });
  EXPECT_EQ(result.outcome, Outcome::kSucceeded) << result.sqlstate << " " << result.message;
  EXPECT_EQ(result.attempts, 2);
  EXPECT_EQ(result.sqlstate, "40001");
  EXPECT_EQ(retrier.counters().conflicts, 1u);
  EXPECT_EQ(retrier.counters().retries, 1u);
  EXPECT_EQ(value(a_.get(), 1), 101);
  EXPECT_EQ(PQtransactionStatus(a_.get()), PQTRANS_IDLE);
}

// Two transactions lock rows 1 and 2 in opposite orders; the server breaks the deadlock with
// 40P01 and the victim's retry commits, so both increments land.
TEST_F(RetryServer, DeadlockVictimIsRetried) {
  Retrier ra(fast_policy(), 1), rb(fast_policy(), 2);
  std::atomic<int> locked_first{0};
  auto body = [&](int first, int second) {
    return [&, first, second](PGconn* conn) {
      exec_checked(
          conn,
          ("UPDATE hf_client_retry SET v = v + 1 WHERE id = " + std::to_string(first)).c_str());
      ++locked_first;
      while (locked_first.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      exec_checked(
          conn,
          ("UPDATE hf_client_retry SET v = v + 1 WHERE id = " + std::to_string(second)).c_str());
    };
  };
  RunResult result_b;
  std::thread other([&] { result_b = rb.run_transaction(b_.get(), body(2, 1)); });
  RunResult result_a = ra.run_transaction(a_.get(), body(1, 2));
  other.join();
  EXPECT_TRUE(result_a.ok()) << result_a.sqlstate << " " << result_a.message;
  EXPECT_TRUE(result_b.ok()) << result_b.sqlstate << " " << result_b.message;
  EXPECT_EQ(ra.counters().conflicts + rb.counters().conflicts, 1u);
  EXPECT_EQ(value(a_.get(), 1), 2);
  EXPECT_EQ(value(a_.get(), 2), 2);
}

TEST_F(RetryServer, FeatureNotSupportedIsUnsupportedAndNotRetried) {
  Retrier retrier(fast_policy(), 1);
  int attempts = 0;
  RunResult result = retrier.run_transaction(a_.get(), [&](PGconn* conn) {
    ++attempts;
    exec_checked(conn, "SELECT count(*) FROM hf_client_retry FOR UPDATE");
  });
  EXPECT_EQ(result.outcome, Outcome::kUnsupported);
  EXPECT_EQ(result.sqlstate, "0A000");
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(PQtransactionStatus(a_.get()), PQTRANS_IDLE);
}

TEST_F(RetryServer, OtherErrorsRollBackAndAreNotRetried) {
  Retrier retrier(fast_policy(), 1);
  RunResult result = retrier.run_transaction(a_.get(), [&](PGconn* conn) {
    exec_checked(conn, "UPDATE hf_client_retry SET v = 7 WHERE id = 2");
    exec_checked(conn, "INSERT INTO hf_client_retry VALUES (1, 0)");
  });
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.sqlstate, "23505");
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(value(a_.get(), 2), 0);  // the UPDATE before the error was rolled back

  // A body that swallows its error: the server answers COMMIT with ROLLBACK.
  result = retrier.run_transaction(a_.get(), [&](PGconn* conn) {
    PQclear(PQexec(conn, "UPDATE hf_client_retry SET v = 1 / 0 WHERE id = 2"));
  });
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.sqlstate, "25P02");
  EXPECT_EQ(PQtransactionStatus(a_.get()), PQTRANS_IDLE);
}

TEST_F(RetryServer, ApplicationExceptionRollsBackAndPropagates) {
  Retrier retrier(fast_policy(), 1);
  EXPECT_THROW(retrier.run_transaction(a_.get(),
                                       [&](PGconn* conn) {
                                         exec_checked(
                                             conn, "UPDATE hf_client_retry SET v = 9 WHERE id = 1");
                                         throw std::logic_error("check failed");
                                       }),
               std::logic_error);
  EXPECT_EQ(PQtransactionStatus(a_.get()), PQTRANS_IDLE);
  EXPECT_EQ(value(a_.get(), 1), 0);
}

}  // namespace
}  // namespace hf::client
