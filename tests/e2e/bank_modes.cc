// tests/e2e/bank_modes.cc — bank transfers in every concurrency mode and isolation level
// (issue 10): N client threads, each through the retry library (src/client/retry.h), move
// money between a few accounts (so conflicts are frequent) and log each transfer with a
// unique id in the same transaction. After each run the checks are exact:
//   - the total of all balances never changes;
//   - the log holds exactly the transfers the clients saw commit (none lost, none twice);
//   - every account's balance = its opening balance + what the log says came in - went out.
// Modes: pessimistic (SELECT ... FOR UPDATE of both rows in id order, then UPDATE),
// optimistic (the same SQL in BEGIN OPTIMISTIC), and mixed (half the clients each).
// Levels: READ COMMITTED, REPEATABLE READ, SERIALIZABLE. Prints one line per run:
// transfers/s, conflicts, retries, exhausted. Exit 0 when every check held, 1 otherwise.
//
//   hf_bank_modes "host=127.0.0.1 port=P user=postgres dbname=postgres" [seconds] [clients]
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "client/retry.h"

namespace {

constexpr int kAccounts = 10;
constexpr long kOpening = 1000;

PGconn* connect(const std::string& dsn) {
  PGconn* c = PQconnectdb(dsn.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::fprintf(stderr, "connect: %s", PQerrorMessage(c));
    std::exit(1);
  }
  return c;
}

// Runs sql; throws PgError on failure (the retry library classifies it).
void exec(PGconn* c, const std::string& sql) {
  hf::client::exec_checked(c, sql.c_str());
}

std::string scalar(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
    std::fprintf(stderr, "%s: %s", sql.c_str(), PQerrorMessage(c));
    std::exit(1);
  }
  std::string v = PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0);
  PQclear(r);
  return v;
}

struct RunSpec {
  const char* mode;  // pessimistic, optimistic, mixed
  const char* level;
};

bool run_one(const std::string& dsn, const RunSpec& spec, double seconds, int clients) {
  PGconn* admin = connect(dsn);
  PQsetNoticeProcessor(
      admin, [](void*, const char*) {}, nullptr);  // DROP ... IF EXISTS
  exec(admin, "DROP TABLE IF EXISTS bank_accounts");
  exec(admin, "DROP TABLE IF EXISTS bank_log");
  exec(admin, "CREATE TABLE bank_accounts (id int PRIMARY KEY, balance bigint NOT NULL)");
  exec(admin,
       "CREATE TABLE bank_log (id bigint PRIMARY KEY, src int NOT NULL, dst int NOT NULL, "
       "amount bigint NOT NULL)");
  exec(admin, "INSERT INTO bank_accounts SELECT g, " + std::to_string(kOpening) +
                  " FROM generate_series(1, " + std::to_string(kAccounts) + ") g");

  std::atomic<bool> stop{false};
  std::vector<hf::client::RetryCounters> counters(clients);
  std::vector<std::vector<long long>> committed(clients);  // transfer ids seen committed
  std::vector<std::string> failures(clients);
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      PGconn* c = connect(dsn);
      bool optimistic = std::string(spec.mode) == "optimistic" ||
                        (std::string(spec.mode) == "mixed" && i % 2 == 1);
      hf::client::RetryPolicy policy;
      policy.base_delay = std::chrono::milliseconds(2);  // short runs: short backoff
      policy.max_delay = std::chrono::milliseconds(100);
      policy.max_retries = 10;
      policy.begin = std::string("BEGIN ") + (optimistic ? "OPTIMISTIC " : "") +
                     "ISOLATION LEVEL " + spec.level;
      hf::client::Retrier retrier(policy, 1234 + i);
      std::mt19937_64 rnd(i);
      long long seq = 0;
      while (!stop.load()) {
        int a = static_cast<int>(rnd() % kAccounts) + 1;
        int b = static_cast<int>(rnd() % (kAccounts - 1)) + 1;
        if (b >= a) ++b;
        long amount = static_cast<long>(rnd() % 50) + 1;
        long long id = static_cast<long long>(i) * 100000000LL + ++seq;
        auto res = retrier.run_transaction(c, [&](PGconn* conn) {
          int lo = std::min(a, b), hi = std::max(a, b);
          exec(conn, "SELECT balance FROM bank_accounts WHERE id IN (" + std::to_string(lo) + ", " +
                         std::to_string(hi) + ") ORDER BY id FOR UPDATE");
          exec(conn, "UPDATE bank_accounts SET balance = balance - " + std::to_string(amount) +
                         " WHERE id = " + std::to_string(a));
          exec(conn, "UPDATE bank_accounts SET balance = balance + " + std::to_string(amount) +
                         " WHERE id = " + std::to_string(b));
          exec(conn, "INSERT INTO bank_log VALUES (" + std::to_string(id) + ", " +
                         std::to_string(a) + ", " + std::to_string(b) + ", " +
                         std::to_string(amount) + ")");
        });
        if (res.ok()) {
          committed[i].push_back(id);
        } else if (res.outcome != hf::client::Outcome::kExhausted) {
          failures[i] = res.sqlstate + " " + res.message;
          break;
        }
      }
      counters[i] = retrier.counters();
      PQfinish(c);
    });
  }
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  hf::client::RetryCounters total;
  size_t transfers = 0;
  for (int i = 0; i < clients; ++i) {
    total += counters[i];
    transfers += committed[i].size();
  }
  bool ok = true;
  auto check = [&](bool cond, const std::string& what) {
    if (!cond) {
      std::printf("  FAIL %s\n", what.c_str());
      ok = false;
    }
  };
  for (int i = 0; i < clients; ++i) check(failures[i].empty(), "client error: " + failures[i]);
  std::string sum = scalar(admin, "SELECT sum(balance) FROM bank_accounts");
  check(sum == std::to_string(kOpening * kAccounts), "total is " + sum);
  std::string logged = scalar(admin, "SELECT count(*) FROM bank_log");
  check(logged == std::to_string(transfers),
        "log holds " + logged + " transfers, clients saw " + std::to_string(transfers) + " commit");
  // Every committed id is in the log (and the counts match, so nothing else is).
  size_t found = 0;
  for (int i = 0; i < clients; ++i) {
    if (committed[i].empty()) continue;
    std::string lo = std::to_string(committed[i].front()), hi = std::to_string(committed[i].back());
    std::string n =
        scalar(admin, "SELECT count(*) FROM bank_log WHERE id BETWEEN " + lo + " AND " + hi);
    found += std::stoull(n);
  }
  check(found == transfers, "log ids of committed transfers: " + std::to_string(found));
  std::string mismatched = scalar(
      admin, "SELECT count(*) FROM bank_accounts a WHERE balance <> " + std::to_string(kOpening) +
                 " + COALESCE((SELECT sum(amount) FROM bank_log WHERE dst = a.id), 0)"
                 " - COALESCE((SELECT sum(amount) FROM bank_log WHERE src = a.id), 0)");
  check(mismatched == "0", mismatched + " accounts disagree with the log");
  std::printf("%-12s %-16s %8.0f transfers/s %7llu conflicts %7llu retries %5llu exhausted  %s\n",
              spec.mode, spec.level, transfers / secs,
              static_cast<unsigned long long>(total.conflicts),
              static_cast<unsigned long long>(total.retries),
              static_cast<unsigned long long>(total.exhausted), ok ? "ok" : "FAILED");
  std::fflush(stdout);
  exec(admin, "DROP TABLE bank_accounts");
  exec(admin, "DROP TABLE bank_log");
  PQfinish(admin);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DSN [seconds] [clients]\n", argv[0]);
    return 2;
  }
  std::string dsn = argv[1];
  double seconds = argc > 2 ? std::atof(argv[2]) : 3;
  int clients = argc > 3 ? std::atoi(argv[3]) : 16;
  std::printf("%d clients, %d accounts, %.0f s per run, retries up to 10 (2 ms base backoff)\n",
              clients, kAccounts, seconds);
  bool ok = true;
  for (const char* mode : {"pessimistic", "optimistic", "mixed"}) {
    for (const char* level : {"READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"}) {
      ok = run_one(dsn, RunSpec{mode, level}, seconds, clients) && ok;
    }
  }
  return ok ? 0 : 1;
}
