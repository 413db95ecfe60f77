#include "session/session.h"

#include <gtest/gtest.h>

#include <future>

#include "session/fake_engine_for_tests.h"
#include "session/services.h"
#include "session/settings.h"

namespace hf::session {
namespace {

using testing::FakeEngine;
using testing::FakeTxnManager;

// Records what the session sends, one line per message.
class RecordingSink : public ResultSink {
 public:
  std::vector<std::string> out;
  void row_description(const std::vector<FieldDesc>& fields) override {
    std::string s = "T";
    for (auto& f : fields) s += " " + f.name + ":" + std::to_string(f.type_oid);
    out.push_back(s);
  }
  void data_row(const std::vector<std::optional<std::string>>& values) override {
    std::string s = "D";
    for (auto& v : values) s += " " + (v ? *v : std::string("NULL"));
    out.push_back(s);
  }
  void command_complete(const std::string& tag) override { out.push_back("C " + tag); }
  void empty_query() override { out.push_back("I"); }
  void notice(const Error& n) override {
    out.push_back("N " + n.severity + " " + n.sqlstate + " " + n.message);
  }
  void copy_in_start(bool, int) override {}
  std::optional<std::string> copy_in_next() override { return std::nullopt; }
  void copy_out_start(bool, int) override {}
  void copy_out_data(const std::string&) override {}
  void copy_out_done() override {}
};

class SessionTest : public ::testing::Test {
 protected:
  FakeTxnManager txns;
  FakeEngine engine;
  Services services{txns, nullptr, engine, ServerConfig{}};
  std::unique_ptr<Session> s = make_session(services, StartupParams{"alice", "db", "app", {}});
  RecordingSink sink;

  // Runs a simple query; returns the SQLSTATE of its error or "".
  std::string q(const std::string& sql) {
    try {
      s->simple_query(sql, sink);
      return "";
    } catch (const SqlError& e) {
      last_error = e.error();
      return e.error().sqlstate;
    }
  }
  std::vector<std::string> log() { return txns.log.take(); }
  std::vector<std::string> sent() {
    auto o = std::move(sink.out);
    sink.out.clear();
    return o;
  }
  Error last_error;
};

using V = std::vector<std::string>;

TEST_F(SessionTest, SelectSendsRowsAndCommitsImplicitTransaction) {
  EXPECT_EQ(q("SELECT 42"), "");
  EXPECT_EQ(sent(), (V{"T ?column?:23", "D 42", "C SELECT 1"}));
  EXPECT_EQ(log(), (V{"begin 1", "commit 1"}));
  EXPECT_EQ(s->transaction_status(), 'I');
}

TEST_F(SessionTest, SeveralStatementsShareOneImplicitTransaction) {
  EXPECT_EQ(q("SELECT 1; SELECT 2; WRITE"), "");
  EXPECT_EQ(log(), (V{"begin 1", "write 1", "commit 1"}));
  EXPECT_EQ(s->transaction_status(), 'I');
}

TEST_F(SessionTest, ErrorInImplicitBlockRollsBackAndStops) {
  EXPECT_EQ(q("WRITE; FAIL; SELECT 2"), "22012");
  EXPECT_EQ(log(), (V{"begin 1", "write 1", "abort 1"}));
  EXPECT_EQ(sent(), (V{"C INSERT 0 1"}));
  EXPECT_EQ(s->transaction_status(), 'I');
}

TEST_F(SessionTest, CommitInsideStringEndsImplicitTransaction) {
  EXPECT_EQ(q("WRITE; COMMIT; WRITE"), "");
  EXPECT_EQ(log(), (V{"begin 1", "write 1", "commit 1", "begin 2", "write 2", "commit 2"}));
  auto out = sent();
  EXPECT_EQ(out[1], "N WARNING 25P01 there is no transaction in progress");
}

TEST_F(SessionTest, BeginInsideStringMakesExplicitBlock) {
  EXPECT_EQ(q("WRITE; BEGIN; WRITE"), "");
  EXPECT_EQ(s->transaction_status(), 'T');
  EXPECT_EQ(log(), (V{"begin 1", "write 1", "write 1"}));
  EXPECT_EQ(q("COMMIT"), "");
  EXPECT_EQ(log(), (V{"commit 1"}));
  EXPECT_EQ(s->transaction_status(), 'I');
}

TEST_F(SessionTest, FailedBlockRejectsUntilRollback) {
  EXPECT_EQ(q("BEGIN"), "");
  EXPECT_EQ(s->transaction_status(), 'T');
  EXPECT_EQ(q("WRITE"), "");
  EXPECT_EQ(q("FAIL"), "22012");
  EXPECT_EQ(s->transaction_status(), 'E');
  EXPECT_EQ(q("SELECT 1"), "25P02");
  EXPECT_EQ(last_error.message,
            "current transaction is aborted, commands ignored until end of transaction block");
  EXPECT_EQ(q("SAVEPOINT x"), "25P02");
  EXPECT_EQ(s->transaction_status(), 'E');
  sent();
  EXPECT_EQ(q("COMMIT"), "");
  EXPECT_EQ(sent(), (V{"C ROLLBACK"}));
  EXPECT_EQ(s->transaction_status(), 'I');
  EXPECT_EQ(log(), (V{"begin 1", "write 1", "abort 1"}));
}

TEST_F(SessionTest, NestedBeginWarnsAndStrayCommitWarns) {
  q("BEGIN");
  sent();
  q("BEGIN");
  EXPECT_EQ(sent(), (V{"N WARNING 25001 there is already a transaction in progress", "C BEGIN"}));
  q("COMMIT");
  sent();
  q("COMMIT");
  EXPECT_EQ(sent(), (V{"N WARNING 25P01 there is no transaction in progress", "C COMMIT"}));
  q("ROLLBACK");
  EXPECT_EQ(sent(), (V{"N WARNING 25P01 there is no transaction in progress", "C ROLLBACK"}));
}

TEST_F(SessionTest, SavepointNamesMapToLatestSubtransaction) {
  EXPECT_EQ(q("SAVEPOINT a"), "25P01");
  EXPECT_EQ(last_error.message, "SAVEPOINT can only be used in transaction blocks");
  q("BEGIN");
  q("SAVEPOINT a");
  q("SAVEPOINT b");
  q("SAVEPOINT a");
  log();
  EXPECT_EQ(q("ROLLBACK TO a"), "");
  EXPECT_EQ(log(), (V{"rollback_to 3"}));
  EXPECT_EQ(q("RELEASE a"), "");
  EXPECT_EQ(log(), (V{"release 3"}));
  EXPECT_EQ(q("ROLLBACK TO SAVEPOINT a"), "");
  EXPECT_EQ(log(), (V{"rollback_to 1"}));  // b was after a: gone too
  EXPECT_EQ(q("RELEASE b"), "3B001");
  EXPECT_EQ(last_error.message, "savepoint \"b\" does not exist");
  EXPECT_EQ(s->transaction_status(), 'E');
  EXPECT_EQ(q("ROLLBACK TO a"), "");
  EXPECT_EQ(s->transaction_status(), 'T');
  EXPECT_EQ(q("FAIL"), "22012");
  EXPECT_EQ(s->transaction_status(), 'E');
  EXPECT_EQ(q("ROLLBACK TO a"), "");
  EXPECT_EQ(s->transaction_status(), 'T');
  EXPECT_EQ(q("WRITE"), "");
  q("COMMIT");
  auto l = log();
  EXPECT_EQ(l.back(), "commit 1");
}

TEST_F(SessionTest, BeginIsolationLevelAndReadOnly) {
  q("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  q("WRITE");
  q("SHOW transaction_isolation");
  q("COMMIT");
  EXPECT_EQ(log()[0], "begin 1 rr ro");
  auto out = sent();
  EXPECT_NE(std::find(out.begin(), out.end(), "D repeatable read"), out.end());
}

TEST_F(SessionTest, ExtendedProtocolImplicitTransactionUntilSync) {
  s->parse("", "WRITE", {});
  s->bind("", "", {}, {}, {});
  EXPECT_EQ(s->execute("", 0, sink), ExecuteOutcome::kComplete);
  s->parse("", "WRITE", {});
  s->bind("", "", {}, {}, {});
  s->execute("", 0, sink);
  EXPECT_EQ(log(), (V{"begin 1", "write 1", "write 1"}));
  s->sync();
  EXPECT_EQ(log(), (V{"commit 1"}));
}

TEST_F(SessionTest, ExtendedErrorAbortsImplicitTransaction) {
  s->parse("s1", "WRITE", {});
  s->bind("", "s1", {}, {}, {});
  s->execute("", 0, sink);
  s->parse("s2", "FAIL", {});
  s->bind("", "s2", {}, {}, {});
  EXPECT_THROW(s->execute("", 0, sink), SqlError);
  EXPECT_EQ(log(), (V{"begin 1", "write 1", "abort 1"}));
  s->sync();
  EXPECT_EQ(s->transaction_status(), 'I');
  // Named statements survive; the unnamed portal is gone at transaction end.
  EXPECT_THROW(s->execute("", 0, sink), SqlError);
  s->bind("p", "s1", {}, {}, {});
  EXPECT_EQ(s->execute("p", 0, sink), ExecuteOutcome::kComplete);
  s->sync();
}

TEST_F(SessionTest, ExtendedBeginViaParse) {
  s->parse("", "BEGIN", {});
  s->bind("", "", {}, {}, {});
  s->execute("", 0, sink);
  s->sync();
  EXPECT_EQ(s->transaction_status(), 'T');
  s->parse("", "FAIL", {});
  s->bind("", "", {}, {}, {});
  EXPECT_THROW(s->execute("", 0, sink), SqlError);
  s->sync();
  EXPECT_EQ(s->transaction_status(), 'E');
  try {
    s->parse("", "SELECT 1", {});
    FAIL();
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "25P02");
  }
  s->parse("", "ROLLBACK", {});
  s->bind("", "", {}, {}, {});
  s->execute("", 0, sink);
  s->sync();
  EXPECT_EQ(s->transaction_status(), 'I');
}

TEST_F(SessionTest, PortalRowLimitSuspends) {
  s->parse("", "GEN 5", {});
  s->bind("", "", {}, {}, {});
  sent();
  EXPECT_EQ(s->execute("", 2, sink), ExecuteOutcome::kSuspended);
  EXPECT_EQ(s->execute("", 2, sink), ExecuteOutcome::kSuspended);
  EXPECT_EQ(s->execute("", 2, sink), ExecuteOutcome::kComplete);
  EXPECT_EQ(sent(), (V{"D 1", "D 2", "D 3", "D 4", "D 5", "C SELECT 5"}));
  s->sync();
}

TEST_F(SessionTest, BindChecksParameterCountAndDescribes) {
  s->parse("e", "SELECT $1::int4", {});
  auto d = s->describe_statement("e");
  ASSERT_EQ(d.param_types.size(), 1u);
  EXPECT_EQ(d.param_types[0], type_oid::kInt4);
  ASSERT_EQ(d.fields.size(), 1u);
  try {
    s->bind("", "e", {}, {}, {});
    FAIL();
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "08P01");
    EXPECT_EQ(e.error().message,
              "bind message supplies 0 parameters, but prepared statement \"e\" requires 1");
  }
  s->sync();
  try {
    s->describe_statement("nope");
    FAIL();
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "26000");
  }
}

TEST_F(SessionTest, SetShowResetAndTransactionScoping) {
  EXPECT_EQ(q("SET statement_timeout = '5s'"), "");
  sent();
  q("SHOW statement_timeout");
  EXPECT_EQ(sent(), (V{"T statement_timeout:25", "D 5s", "C SHOW"}));
  q("SHOW datestyle");
  EXPECT_EQ(sent(), (V{"T DateStyle:25", "D ISO, MDY", "C SHOW"}));
  EXPECT_EQ(q("SET nosuch = 1"), "42704");
  EXPECT_EQ(last_error.message, "unrecognized configuration parameter \"nosuch\"");
  EXPECT_EQ(q("SHOW nosuch"), "42704");
  EXPECT_EQ(q("SET my.custom = 'x'"), "");
  q("BEGIN");
  q("SET LOCAL statement_timeout = 100");
  q("SET lock_timeout = '1min'");
  q("COMMIT");
  sent();
  q("SHOW statement_timeout");
  q("SHOW lock_timeout");
  q("SHOW my.custom");
  EXPECT_EQ(sent(), (V{"T statement_timeout:25", "D 5s", "C SHOW", "T lock_timeout:25", "D 1min",
                       "C SHOW", "T my.custom:25", "D x", "C SHOW"}));
  q("BEGIN");
  q("SET lock_timeout = 0");
  q("ROLLBACK");
  sent();
  q("SHOW lock_timeout");
  EXPECT_EQ(sent()[1], "D 1min");
  q("RESET lock_timeout");
  sent();
  q("SHOW lock_timeout");
  EXPECT_EQ(sent()[1], "D 0");
  EXPECT_EQ(q("SET server_version = '1'"), "55P02");
  EXPECT_EQ(q("SET extra_float_digits = 9"), "22023");
}

TEST_F(SessionTest, ReportsParameterChanges) {
  auto initial = s->initial_parameter_status();
  std::map<std::string, std::string> m(initial.begin(), initial.end());
  EXPECT_EQ(m["server_version"], "15.18 (holdfast 0.1.0)");
  EXPECT_EQ(m["application_name"], "app");
  EXPECT_EQ(m["session_authorization"], "alice");
  EXPECT_EQ(m["integer_datetimes"], "on");
  EXPECT_TRUE(s->take_parameter_changes().empty());
  q("SET application_name = 'other'");
  EXPECT_EQ(s->take_parameter_changes(),
            (std::vector<std::pair<std::string, std::string>>{{"application_name", "other"}}));
}

TEST_F(SessionTest, RegistryShowsActivity) {
  auto info = services.registry().find(s->pid());
  ASSERT_TRUE(info);
  EXPECT_EQ(info->user, "alice");
  EXPECT_EQ(info->state, "idle");
  q("BEGIN");
  EXPECT_EQ(services.registry().find(s->pid())->state, "idle in transaction");
  q("FAIL");
  EXPECT_EQ(services.registry().find(s->pid())->state, "idle in transaction (aborted)");
  EXPECT_EQ(services.registry().find(s->pid())->query, "FAIL");
  q("ROLLBACK");
  EXPECT_EQ(services.registry().find(s->pid())->state, "idle");
}

// Sync publishes only what changed since the statement's end (session.cc update_info_idle):
// the end of an implicit transaction (its id and start time gone, the state unchanged) and a
// failed block still reach pg_stat_activity.
TEST_F(SessionTest, RegistryFollowsExtendedProtocolSync) {
  auto reg = [&] { return *services.registry().find(s->pid()); };
  s->parse("", "WRITE", {});
  s->bind("", "", {}, {}, {});
  s->execute("", 0, sink);
  EXPECT_EQ(reg().state, "idle");
  EXPECT_NE(reg().txn_id, 0u);
  EXPECT_NE(reg().xact_start_us, 0);
  s->sync();
  EXPECT_EQ(reg().state, "idle");
  EXPECT_EQ(reg().txn_id, 0u);
  EXPECT_EQ(reg().xact_start_us, 0);
  q("BEGIN");
  s->parse("", "WRITE", {});
  s->bind("", "", {}, {}, {});
  s->execute("", 0, sink);
  s->sync();
  EXPECT_EQ(reg().state, "idle in transaction");
  EXPECT_EQ(reg().query, "WRITE");
  EXPECT_NE(reg().xact_start_us, 0);
  s->parse("", "FAIL", {});
  s->bind("", "", {}, {}, {});
  EXPECT_THROW(s->execute("", 0, sink), SqlError);
  s->sync();
  EXPECT_EQ(reg().state, "idle in transaction (aborted)");
  EXPECT_EQ(reg().query, "FAIL");
  q("ROLLBACK");
  s->sync();
  EXPECT_EQ(reg().state, "idle");
  EXPECT_EQ(reg().txn_id, 0u);
  EXPECT_EQ(reg().xact_start_us, 0);
}

TEST_F(SessionTest, TerminateAbortsOpenTransaction) {
  q("BEGIN");
  q("WRITE");
  log();
  s->terminate();
  EXPECT_EQ(log(), (V{"abort 1"}));
}

TEST_F(SessionTest, EmptyQuery) {
  q("");
  q(" ; ");
  EXPECT_EQ(sent(), (V{"I", "I"}));
}

// Runs fn inside a fiber of a one-thread runtime and waits for it.
void in_fiber(runtime::Runtime& rt, std::function<void()> fn) {
  std::promise<void> done;
  runtime::Fiber::spawn(rt.context(0), [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

TEST_F(SessionTest, StatementTimeoutCancelsWait) {
  runtime::Runtime rt(1, 2);
  rt.start();
  in_fiber(rt, [&] {
    q("SET statement_timeout = 50");
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(q("SLEEP 10000"), "57014");
    EXPECT_EQ(last_error.message, "canceling statement due to statement timeout");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_EQ(q("SLEEP 1"), "");  // the next statement is not cancelled
  });
  rt.stop();
}

TEST_F(SessionTest, CancelRequestEndsWait) {
  runtime::Runtime rt(1, 2);
  rt.start();
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(services.registry().cancel(s->pid(), s->secret_key() + 1));
    EXPECT_TRUE(services.registry().cancel(s->pid(), s->secret_key()));
  });
  in_fiber(rt, [&] {
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(q("SELECT pg_sleep(10)"), "57014");
    EXPECT_EQ(last_error.message, "canceling statement due to user request");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  });
  canceller.join();
  rt.stop();
}

TEST(SettingsTest, TimeUnits) {
  EXPECT_EQ(parse_time_ms("5s"), 5000);
  EXPECT_EQ(parse_time_ms("100ms"), 100);
  EXPECT_EQ(parse_time_ms("1min"), 60000);
  EXPECT_EQ(parse_time_ms("250"), 250);
  EXPECT_EQ(parse_time_ms(" 2 h "), 7200000);
  EXPECT_EQ(parse_time_ms("5x"), std::nullopt);
  EXPECT_EQ(format_time_ms(0), "0");
  EXPECT_EQ(format_time_ms(1000), "1s");
  EXPECT_EQ(format_time_ms(1500), "1500ms");
  EXPECT_EQ(format_time_ms(120000), "2min");
}

TEST(SettingsTest, ValuesAndErrors) {
  Settings s(Settings::Init{"bob", 100});
  EXPECT_EQ(s.get("deadlock_timeout"), "1s");
  EXPECT_EQ(s.get("work_mem"), "4MB");
  EXPECT_EQ(s.get("server_version_num"), "150018");
  EXPECT_EQ(s.get("max_connections"), "100");
  s.set("standard_conforming_strings", "true", false, false);
  EXPECT_EQ(s.get("standard_conforming_strings"), "on");
  try {
    s.set("statement_timeout", "5x", false, false);
    FAIL();
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "22023");
    EXPECT_EQ(e.error().message, "invalid value for parameter \"statement_timeout\": \"5x\"");
  }
  try {
    s.set("holdfast.concurrency", "sometimes", false, false);
    FAIL();
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().hint, "Available values: pessimistic, optimistic.");
  }
  s.set("holdfast.concurrency", "OPTIMISTIC", false, false);
  EXPECT_EQ(s.get("holdfast.concurrency"), "optimistic");
  try {
    s.set("enable_seqscan", "maybe", false, false);
    FAIL();
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().message, "parameter \"enable_seqscan\" requires a Boolean value");
  }
}

TEST_F(SessionTest, ClientMinMessagesFiltersNoticesAndWarnings) {
  EXPECT_EQ(q("ROLLBACK"), "");
  EXPECT_EQ(sent(), (V{"N WARNING 25P01 there is no transaction in progress", "C ROLLBACK"}));
  EXPECT_EQ(q("SET client_min_messages = warning"), "");
  sent();
  EXPECT_EQ(q("ROLLBACK"), "");  // a WARNING still goes at 'warning'
  EXPECT_EQ(sent(), (V{"N WARNING 25P01 there is no transaction in progress", "C ROLLBACK"}));
  EXPECT_EQ(q("SET client_min_messages = error"), "");
  sent();
  EXPECT_EQ(q("ROLLBACK"), "");  // ... and not at 'error'
  EXPECT_EQ(sent(), (V{"C ROLLBACK"}));
  EXPECT_EQ(q("SET client_min_messages = debug1"), "");
  sent();
  EXPECT_EQ(q("ROLLBACK"), "");
  EXPECT_EQ(sent(), (V{"N WARNING 25P01 there is no transaction in progress", "C ROLLBACK"}));
}

TEST_F(SessionTest, IdleInTransactionTimeoutAppliesOnlyInsideABlock) {
  EXPECT_EQ(q("SET idle_in_transaction_session_timeout = '2s'"), "");
  EXPECT_EQ(s->idle_in_transaction_timeout_ms(), 0);  // idle outside a block: no limit
  EXPECT_EQ(q("BEGIN"), "");
  EXPECT_EQ(s->idle_in_transaction_timeout_ms(), 2000);
  EXPECT_EQ(q("FAIL"), "22012");
  EXPECT_EQ(s->idle_in_transaction_timeout_ms(), 2000);  // failed block ('E') too
  EXPECT_EQ(q("ROLLBACK"), "");
  EXPECT_EQ(s->idle_in_transaction_timeout_ms(), 0);
}

// libpq's PGOPTIONS arrive as the startup parameter "options": a command line of -c and --
// switches whose settings become the session's defaults (RESET returns to them).
TEST_F(SessionTest, StartupOptionsSetDefaults) {
  StartupParams p{"alice", "db", "app", {}};
  p.options = {
      {"options",
       "-c statement_timeout=5s --lock-timeout=2s  -cextra_float_digits=2 -c my.note=a\\ b"}};
  auto s2 = make_session(services, p);
  auto show = [&](const std::string& name) {
    RecordingSink out;
    s2->simple_query("SHOW " + name, out);
    return out.out.at(1);
  };
  EXPECT_EQ(show("statement_timeout"), "D 5s");
  EXPECT_EQ(show("lock_timeout"), "D 2s");
  EXPECT_EQ(show("extra_float_digits"), "D 2");
  EXPECT_EQ(show("my.note"), "D a b");
  RecordingSink out;
  s2->simple_query("SET lock_timeout = 0; RESET lock_timeout", out);
  EXPECT_EQ(show("lock_timeout"), "D 2s");

  p.options = {{"options", "-x"}};
  try {
    make_session(services, p);
    ADD_FAILURE() << "expected a fatal error";
  } catch (const FatalError& e) {
    EXPECT_EQ(e.error().message, "invalid command-line argument for server process: -x");
  }
  p.options = {{"options", "-c statement_timeout"}};
  EXPECT_THROW(make_session(services, p), FatalError);
}

}  // namespace
}  // namespace hf::session
