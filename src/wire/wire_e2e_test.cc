// End-to-end: the wire server in-process over the fake engine, driven by libpq and by raw
// protocol bytes.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "sql/types/timezone.h"
#include "wire/test_support_for_tests.h"

namespace hf::wire {
namespace {

using testing::Pq;
using testing::RawClient;
using testing::TestServer;

class WireE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Pq::get().ok) GTEST_SKIP() << "libpq.so.5 not available";
  }
  Pq& pq = Pq::get();

  PGconn* connect(TestServer& s, const std::string& extra = "") {
    PGconn* c = pq.PQconnectdb(s.conninfo(extra).c_str());
    EXPECT_EQ(pq.PQstatus(c), CONNECTION_OK) << pq.PQerrorMessage(c);
    return c;
  }
  // Runs sql; returns "" and the first value, or the SQLSTATE of the error.
  std::pair<std::string, std::string> exec(PGconn* c, const std::string& sql) {
    PGresult* r = pq.PQexec(c, sql.c_str());
    std::pair<std::string, std::string> out;
    auto st = pq.PQresultStatus(r);
    if (st == PGRES_FATAL_ERROR) {
      const char* code = pq.PQresultErrorField(r, 'C');
      out.first = code ? code : "?";
    } else if (st == PGRES_TUPLES_OK && pq.PQntuples(r) > 0) {
      out.second = pq.PQgetvalue(r, 0, 0);
    }
    pq.PQclear(r);
    return out;
  }
};

TEST_F(WireE2E, StartupReportsParametersAndSimpleQueryWorks) {
  TestServer s;
  PGconn* c = connect(s, "application_name=e2e");
  EXPECT_EQ(pq.PQserverVersion(c), 150018);
  EXPECT_STREQ(pq.PQparameterStatus(c, "server_version"), "15.18 (holdfast 0.1.0)");
  EXPECT_STREQ(pq.PQparameterStatus(c, "client_encoding"), "UTF8");
  EXPECT_STREQ(pq.PQparameterStatus(c, "DateStyle"), "ISO, MDY");
  EXPECT_STREQ(pq.PQparameterStatus(c, "integer_datetimes"), "on");
  EXPECT_STREQ(pq.PQparameterStatus(c, "standard_conforming_strings"), "on");
  // The server's zone is the system's, as initdb picks it.
  EXPECT_EQ(std::string(pq.PQparameterStatus(c, "TimeZone")),
            sql::types::TimeZone::system_default_name());
  EXPECT_STREQ(pq.PQparameterStatus(c, "application_name"), "e2e");
  EXPECT_STREQ(pq.PQparameterStatus(c, "session_authorization"), "tester");
  EXPECT_GT(pq.PQbackendPID(c), 0);

  EXPECT_EQ(exec(c, "SELECT 7"), std::make_pair(std::string(), std::string("7")));
  // Encoding names compare as PostgreSQL's do, all but letters and digits left out: asyncpg
  // sends client_encoding='utf-8' quotes included.
  EXPECT_EQ(exec(c, "SET client_encoding = '''utf-8'''").first, "");
  EXPECT_EQ(exec(c, "SHOW client_encoding"), std::make_pair(std::string(), std::string("UTF8")));
  EXPECT_EQ(exec(c, "SET client_encoding = 'no-such-encoding'").first, "22023");
  EXPECT_EQ(exec(c, "FAIL").first, "22012");
  EXPECT_EQ(pq.PQtransactionStatus(c), PQTRANS_IDLE);
  exec(c, "BEGIN");
  EXPECT_EQ(pq.PQtransactionStatus(c), PQTRANS_INTRANS);
  EXPECT_EQ(exec(c, "FAIL").first, "22012");
  EXPECT_EQ(pq.PQtransactionStatus(c), PQTRANS_INERROR);
  EXPECT_EQ(exec(c, "SELECT 1").first, "25P02");
  exec(c, "ROLLBACK");
  EXPECT_EQ(pq.PQtransactionStatus(c), PQTRANS_IDLE);
  // Several statements in one message: the last result is returned.
  EXPECT_EQ(exec(c, "SELECT 1; SELECT 2").second, "2");
  // SET of a reported parameter sends ParameterStatus.
  exec(c, "SET application_name = 'renamed'");
  EXPECT_STREQ(pq.PQparameterStatus(c, "application_name"), "renamed");
  EXPECT_EQ(exec(c, "SHOW application_name").second, "renamed");
  pq.PQfinish(c);
}

TEST_F(WireE2E, AnInternalErrorIsReportedAsXX000AndEndsTheConnection) {
  TestServer s;
  PGconn* c = connect(s);
  exec(c, "BUG");
  const std::string said = pq.PQerrorMessage(c);
  EXPECT_NE(said.find("FATAL:  a bug in the fake engine"), std::string::npos)
      << "the client learns why, not a bare close: " << said;
  EXPECT_EQ(exec(c, "SELECT 3").second, "") << "the connection is gone";
  pq.PQfinish(c);
  PGconn* d = connect(s);
  EXPECT_EQ(exec(d, "SELECT 4").second, "4") << "the server goes on";
  pq.PQfinish(d);
}

TEST_F(WireE2E, ExtendedQueryWithTextAndBinaryParameters) {
  TestServer s;
  PGconn* c = connect(s);
  Oid types[1] = {23};
  const char* values[1] = {"41"};
  PGresult* r = pq.PQexecParams(c, "SELECT $1::int4", 1, types, values, nullptr, nullptr, 0);
  ASSERT_EQ(pq.PQresultStatus(r), PGRES_TUPLES_OK);
  EXPECT_STREQ(pq.PQgetvalue(r, 0, 0), "41");
  EXPECT_EQ(pq.PQftype(r, 0), 23u);
  pq.PQclear(r);
  // Binary result.
  r = pq.PQexecParams(c, "SELECT $1::int4", 1, types, values, nullptr, nullptr, 1);
  ASSERT_EQ(pq.PQresultStatus(r), PGRES_TUPLES_OK);
  ASSERT_EQ(pq.PQgetlength(r, 0, 0), 4);
  EXPECT_EQ(std::string(pq.PQgetvalue(r, 0, 0), 4), std::string("\0\0\0\x29", 4));
  pq.PQclear(r);
  // Binary parameter.
  const char bin[4] = {0, 0, 1, 0};
  const char* bvalues[1] = {bin};
  int lengths[1] = {4};
  int formats[1] = {1};
  r = pq.PQexecParams(c, "SELECT $1::int4", 1, types, bvalues, lengths, formats, 0);
  ASSERT_EQ(pq.PQresultStatus(r), PGRES_TUPLES_OK) << pq.PQerrorMessage(c);
  EXPECT_STREQ(pq.PQgetvalue(r, 0, 0), "256");
  pq.PQclear(r);
  // NULL parameter.
  const char* nvalues[1] = {nullptr};
  r = pq.PQexecParams(c, "SELECT $1::int4", 1, types, nvalues, nullptr, nullptr, 0);
  EXPECT_TRUE(pq.PQgetisnull(r, 0, 0));
  pq.PQclear(r);
  // Bad text input: an error, the connection stays usable.
  const char* bad[1] = {"x1"};
  r = pq.PQexecParams(c, "SELECT $1::int4", 1, types, bad, nullptr, nullptr, 0);
  EXPECT_EQ(pq.PQresultStatus(r), PGRES_FATAL_ERROR);
  EXPECT_STREQ(pq.PQresultErrorField(r, 'C'), "22P02");
  pq.PQclear(r);
  // Named statement, described.
  r = pq.PQprepare(c, "s1", "SELECT $1::int4", 0, nullptr);
  ASSERT_EQ(pq.PQresultStatus(r), PGRES_COMMAND_OK) << pq.PQerrorMessage(c);
  pq.PQclear(r);
  r = pq.PQdescribePrepared(c, "s1");
  EXPECT_EQ(pq.PQnparams(r), 1);
  EXPECT_EQ(pq.PQparamtype(r, 0), 23u);
  EXPECT_EQ(pq.PQnfields(r), 1);
  pq.PQclear(r);
  const char* v9[1] = {"9"};
  r = pq.PQexecPrepared(c, "s1", 1, v9, nullptr, nullptr, 0);
  EXPECT_STREQ(pq.PQgetvalue(r, 0, 0), "9");
  pq.PQclear(r);
  r = pq.PQprepare(c, "s1", "SELECT 1", 0, nullptr);
  EXPECT_STREQ(pq.PQresultErrorField(r, 'C'), "42P05");
  pq.PQclear(r);
  EXPECT_EQ(exec(c, "SELECT 3").second, "3");
  pq.PQfinish(c);
}

TEST_F(WireE2E, PipelineIsAnsweredInOrderAndAbortsAfterError) {
  TestServer s;
  PGconn* c = connect(s);
  ASSERT_EQ(pq.PQenterPipelineMode(c), 1);
  Oid types[1] = {23};
  const char* v1[1] = {"1"};
  const char* v2[1] = {"2"};
  ASSERT_TRUE(pq.PQsendQueryParams(c, "SELECT $1::int4", 1, types, v1, nullptr, nullptr, 0));
  ASSERT_TRUE(pq.PQsendQueryParams(c, "SELECT $1::int4", 1, types, v2, nullptr, nullptr, 0));
  ASSERT_TRUE(pq.PQsendQueryParams(c, "FAIL", 0, nullptr, nullptr, nullptr, nullptr, 0));
  ASSERT_TRUE(pq.PQsendQueryParams(c, "SELECT $1::int4", 1, types, v1, nullptr, nullptr, 0));
  ASSERT_TRUE(pq.PQpipelineSync(c));
  ASSERT_TRUE(pq.PQsendQueryParams(c, "SELECT $1::int4", 1, types, v2, nullptr, nullptr, 0));
  ASSERT_TRUE(pq.PQpipelineSync(c));
  std::vector<std::string> seen;
  int syncs = 0;
  while (syncs < 2) {
    PGresult* r = pq.PQgetResult(c);
    if (!r) continue;
    auto st = pq.PQresultStatus(r);
    if (st == PGRES_TUPLES_OK) {
      seen.push_back(pq.PQgetvalue(r, 0, 0));
    } else if (st == PGRES_FATAL_ERROR) {
      seen.push_back(std::string("E") + pq.PQresultErrorField(r, 'C'));
    } else if (st == PGRES_PIPELINE_ABORTED) {
      seen.push_back("aborted");
    } else if (st == PGRES_PIPELINE_SYNC) {
      seen.push_back("sync");
      ++syncs;
    }
    pq.PQclear(r);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "2", "E22012", "aborted", "sync", "2", "sync"}));
  ASSERT_EQ(pq.PQexitPipelineMode(c), 1);
  pq.PQfinish(c);
}

TEST_F(WireE2E, CancelRequestEndsRunningStatement) {
  TestServer s;
  PGconn* c = connect(s);
  PGcancel* cancel = pq.PQgetCancel(c);
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    char err[256];
    EXPECT_EQ(pq.PQcancel(cancel, err, sizeof err), 1) << err;
  });
  auto start = std::chrono::steady_clock::now();
  PGresult* r = pq.PQexec(c, "SELECT pg_sleep(10)");
  auto elapsed = std::chrono::steady_clock::now() - start;
  t.join();
  EXPECT_EQ(pq.PQresultStatus(r), PGRES_FATAL_ERROR);
  EXPECT_STREQ(pq.PQresultErrorField(r, 'C'), "57014");
  EXPECT_STREQ(pq.PQresultErrorField(r, 'M'), "canceling statement due to user request");
  EXPECT_LT(elapsed, std::chrono::seconds(3));
  pq.PQclear(r);
  pq.PQfreeCancel(cancel);
  EXPECT_EQ(exec(c, "SELECT 5").second, "5");  // the session goes on
  pq.PQfinish(c);
}

TEST_F(WireE2E, StatementTimeout) {
  TestServer s;
  PGconn* c = connect(s);
  exec(c, "SET statement_timeout = '100ms'");
  auto start = std::chrono::steady_clock::now();
  PGresult* r = pq.PQexec(c, "SELECT pg_sleep(10)");
  EXPECT_STREQ(pq.PQresultErrorField(r, 'M'), "canceling statement due to statement timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  pq.PQclear(r);
  pq.PQfinish(c);
}

TEST_F(WireE2E, TooManyClients) {
  TestServer s(/*max_connections=*/2);
  PGconn* a = connect(s);
  PGconn* b = connect(s);
  PGconn* c = pq.PQconnectdb(s.conninfo().c_str());
  EXPECT_EQ(pq.PQstatus(c), CONNECTION_BAD);
  EXPECT_NE(std::string(pq.PQerrorMessage(c)).find("sorry, too many clients already"),
            std::string::npos)
      << pq.PQerrorMessage(c);
  pq.PQfinish(c);
  pq.PQfinish(a);
  // A slot frees when a client leaves.
  for (int i = 0; i < 100 && s.server->connections() > 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  PGconn* d = connect(s);
  pq.PQfinish(d);
  pq.PQfinish(b);
}

TEST_F(WireE2E, ClosedConnectionAbortsTransaction) {
  TestServer s;
  PGconn* c = connect(s);
  exec(c, "BEGIN");
  exec(c, "WRITE");
  s.txns.log.take();
  pq.PQfinish(c);
  std::vector<std::string> log;
  for (int i = 0; i < 200 && log.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    log = s.txns.log.take();
  }
  EXPECT_EQ(log, (std::vector<std::string>{"abort 1"}));
}

// Waits up to 3 s for the fake transaction manager to log something; returns it.
std::vector<std::string> await_txn_log(TestServer& s) {
  std::vector<std::string> log;
  for (int i = 0; i < 600 && log.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    log = s.txns.log.take();
  }
  return log;
}

TEST_F(WireE2E, ClientKilledWhileWaitingForALockEndsTheWait) {
  // No Terminate: the socket just closes, as when the client is killed. The session is
  // parked in the lock wait and reads nothing; the wire layer's watch must notice.
  TestServer s;
  RawClient c(s.port);
  c.send(RawClient::startup());
  c.until_ready();
  c.send(RawClient::query("BEGIN"));
  c.until_ready();
  auto start = std::chrono::steady_clock::now();
  c.send(RawClient::query("LOCKWAIT 20000"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  s.txns.log.take();  // "begin 1": the fake begins its transaction at LOCKWAIT
  c.close();
  EXPECT_EQ(await_txn_log(s), (std::vector<std::string>{"abort 1"}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(WireE2E, TerminateWhileWaitingForALockEndsTheWait) {
  TestServer s;
  PGconn* c = connect(s);
  exec(c, "BEGIN");
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(pq.PQsendQuery(c, "LOCKWAIT 20000"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  s.txns.log.take();  // "begin 1": the fake begins its transaction at LOCKWAIT
  pq.PQfinish(c);     // Terminate, then close, while the session still waits
  EXPECT_EQ(await_txn_log(s), (std::vector<std::string>{"abort 1"}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(WireRaw, PipelinedDataDoesNotEndALockWait) {
  // Data arriving during the wait (a query sent ahead) is not a hang-up: the wait runs its
  // course and both queries are answered.
  TestServer s;
  RawClient c(s.port);
  c.send(RawClient::startup());
  c.until_ready();
  c.send(RawClient::query("BEGIN"));
  c.until_ready();
  c.send(RawClient::query("LOCKWAIT 300"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  c.send(RawClient::query("SELECT 1"));
  std::string state;
  EXPECT_EQ(c.until_ready(&state), "CZ");
  EXPECT_EQ(c.until_ready(&state), "TDCZ");
  EXPECT_EQ(state, "");
  s.txns.log.take();
  c.send(RawClient::query("COMMIT"));
  EXPECT_EQ(c.until_ready(&state), "CZ");
  EXPECT_EQ(s.txns.log.take(), (std::vector<std::string>{"commit 1"}));
}

TEST_F(WireE2E, IdleInTransactionSessionTimeout) {
  TestServer s;
  PGconn* c = connect(s);
  exec(c, "SET idle_in_transaction_session_timeout = 200");
  // Idle outside a transaction block: nothing happens.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(exec(c, "SELECT 3").second, "3");
  // Busy inside one for longer than the timeout: nothing happens either.
  exec(c, "BEGIN");
  EXPECT_EQ(exec(c, "SLEEP 400").first, "");
  exec(c, "WRITE");
  s.txns.log.take();
  // Idle inside one: FATAL 25P03, the transaction rolls back, the connection closes.
  auto log = await_txn_log(s);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].rfind("abort", 0), 0u) << log[0];
  // The FATAL is the first result (PQexec would return libpq's own "server closed the
  // connection" result after it).
  ASSERT_EQ(pq.PQsendQuery(c, "SELECT 4"), 1);
  PGresult* r = pq.PQgetResult(c);
  ASSERT_NE(r, nullptr) << pq.PQerrorMessage(c);
  EXPECT_STREQ(pq.PQresultErrorField(r, 'C'), "25P03") << pq.PQerrorMessage(c);
  EXPECT_STREQ(pq.PQresultErrorField(r, 'M'),
               "terminating connection due to idle-in-transaction timeout");
  EXPECT_STREQ(pq.PQresultErrorField(r, 'S'), "FATAL");
  pq.PQclear(r);
  while ((r = pq.PQgetResult(c)) != nullptr) pq.PQclear(r);
  EXPECT_EQ(pq.PQstatus(c), CONNECTION_BAD);
  pq.PQfinish(c);
}

TEST(WireRaw, SslRequestIsRefusedThenStartupProceeds) {
  TestServer s;
  RawClient c(s.port);
  std::string ssl;
  MessageWriter(ssl).int32(8).int32(kSslRequestCode);
  c.send(ssl);
  char b;
  ASSERT_TRUE(c.read_byte(b));
  EXPECT_EQ(b, 'N');
  c.send(RawClient::startup());
  std::string types = c.until_ready();
  EXPECT_EQ(types.front(), 'R');
  EXPECT_EQ(types.back(), 'Z');
  EXPECT_NE(types.find('K'), std::string::npos);
  EXPECT_NE(types.find('S'), std::string::npos);
}

TEST(WireRaw, PortalRowLimitAndSkipToSync) {
  TestServer s;
  RawClient c(s.port);
  c.send(RawClient::startup());
  c.until_ready();
  auto parse = [](const std::string& sql) {
    std::string b;
    MessageWriter(b).cstr("").cstr(sql).int16(0);
    return RawClient::msg('P', b);
  };
  auto bind = [] {
    std::string b;
    MessageWriter(b).cstr("").cstr("").int16(0).int16(0).int16(0);
    return RawClient::msg('B', b);
  };
  auto execute = [](int32_t max) {
    std::string b;
    MessageWriter(b).cstr("").int32(max);
    return RawClient::msg('E', b);
  };
  std::string sync = RawClient::msg('S', "");
  // One write: everything pipelined.
  c.send(parse("GEN 5") + bind() + execute(2) + execute(2) + execute(0) + sync);
  EXPECT_EQ(c.until_ready(), "12DDsDDsDCZ");
  // Error in the middle: the rest until Sync is skipped; one ReadyForQuery.
  std::string code;
  c.send(parse("FAIL") + bind() + execute(0) + parse("SELECT 1") + bind() + execute(0) + sync);
  EXPECT_EQ(c.until_ready(&code), "12EZ");
  EXPECT_EQ(code, "22012");
  // Describe of a statement and of a portal; Close.
  std::string d;
  MessageWriter(d).int8('S').cstr("");
  std::string dp;
  MessageWriter(dp).int8('P').cstr("");
  std::string cl;
  MessageWriter(cl).int8('S').cstr("");
  c.send(parse("SELECT 1") + RawClient::msg('D', d) + bind() + RawClient::msg('D', dp) +
         execute(0) + RawClient::msg('C', cl) + sync);
  EXPECT_EQ(c.until_ready(), "1tT2TDC3Z");
  // Empty query.
  c.send(RawClient::query(""));
  EXPECT_EQ(c.until_ready(), "IZ");
  // Function call: not supported, connection stays.
  c.send(RawClient::msg('F', std::string(10, '\0')));
  EXPECT_EQ(c.until_ready(&code), "EZ");
  EXPECT_EQ(code, "0A000");
  // Terminate closes.
  c.send(RawClient::msg('X', ""));
  EXPECT_TRUE(c.closed_by_server());
}

TEST(WireRaw, CancelRequestWithWrongKeyDoesNothing) {
  TestServer s;
  RawClient c(s.port);
  c.send(RawClient::startup());
  char t;
  std::string p;
  int32_t pid = 0, secret = 0;
  while (c.read_message(t, p)) {
    if (t == 'K') {
      MessageReader r(p);
      pid = r.int32();
      secret = r.int32();
    }
    if (t == 'Z') break;
  }
  ASSERT_NE(pid, 0);
  {
    RawClient k(s.port);
    std::string req;
    MessageWriter(req).int32(16).int32(kCancelRequestCode).int32(pid).int32(secret + 1);
    k.send(req);
    EXPECT_TRUE(k.closed_by_server());
  }
  c.send(RawClient::query("SLEEP 300"));
  std::string code;
  EXPECT_EQ(c.until_ready(&code), "CZ");  // not cancelled
}

TEST_F(WireE2E, ThousandConcurrentIdleConnections) {
  testing::raise_fd_limit();
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < 2200) GTEST_SKIP() << "RLIMIT_NOFILE too low: " << rl.rlim_cur;
  TestServer s;
  constexpr int kConns = 1000;
  std::vector<PGconn*> conns;
  for (int i = 0; i < kConns; ++i) {
    PGconn* c = pq.PQconnectdb(s.conninfo().c_str());
    ASSERT_EQ(pq.PQstatus(c), CONNECTION_OK) << i << ": " << pq.PQerrorMessage(c);
    conns.push_back(c);
  }
  EXPECT_EQ(s.services->registry().size(), static_cast<size_t>(kConns));
  // All of them run a query, pipelined across connections.
  for (auto* c : conns) ASSERT_TRUE(pq.PQsendQuery(c, "SELECT 1"));
  int ok = 0;
  for (auto* c : conns) {
    while (PGresult* r = pq.PQgetResult(c)) {
      if (pq.PQresultStatus(r) == PGRES_TUPLES_OK) ++ok;
      pq.PQclear(r);
    }
  }
  EXPECT_EQ(ok, kConns);
  for (auto* c : conns) pq.PQfinish(c);
}

}  // namespace
}  // namespace hf::wire
