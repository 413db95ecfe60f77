// bench/lockservice/lock_bench.cc — the lock service's hand-off and throughput (issue 11),
// driven over libpq; bench/lockservice.sh runs it against holdfast and PostgreSQL 15.
//
//   hf_lock_bench DSN KIND CLIENTS SECONDS [RESOURCES]
// KIND:
//   service    holdfast.lock(owner, ARRAY[r], ARRAY['write']) then holdfast.unlock: a waiter is
//              woken by the release
//   advisory   pg_advisory_lock(k) then pg_advisory_unlock(k) (session level; PostgreSQL's
//              in-memory locks, gone with the session)
//   polling    seed 004's design: holdfast.try_lock in a loop, sleeping 1 s after a miss
// CLIENTS threads each take the lock on one of RESOURCES resources (default 1: all contend;
// more: a random one each time), release it at once, and loop for SECONDS. Prints one line:
//   KIND CLIENTS RESOURCES acquisitions/s handoff_p50_ms handoff_p99_ms
// where a hand-off is the time from the moment a holder starts its release to the moment the
// next holder of the same resource has its lock (measured only with RESOURCES = 1).
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

bool ok(PGconn* c, const std::string& sql, std::string* value = nullptr) {
  PGresult* r = PQexec(c, sql.c_str());
  bool good = PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK;
  if (good && value) *value = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "";
  if (!good) std::fprintf(stderr, "%s: %s", sql.c_str(), PQerrorMessage(c));
  PQclear(r);
  return good;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s DSN service|advisory|polling CLIENTS SECONDS [RESOURCES]\n",
                 argv[0]);
    return 2;
  }
  const std::string dsn = argv[1], kind = argv[2];
  const int clients = std::atoi(argv[3]);
  const double seconds = std::atof(argv[4]);
  const int resources = argc > 5 ? std::atoi(argv[5]) : 1;
  std::atomic<bool> stop{false};
  std::atomic<long> acquisitions{0};
  std::atomic<int> ready{0};
  // The start of the latest release (ns since epoch of Clock), for the hand-off time.
  std::atomic<int64_t> release_started{0};
  std::mutex mu;
  std::vector<double> handoffs_ms;
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      PGconn* c = PQconnectdb(dsn.c_str());
      if (PQstatus(c) != CONNECTION_OK) {
        std::fprintf(stderr, "connect: %s", PQerrorMessage(c));
        std::exit(1);
      }
      std::string owner = "bench-" + std::to_string(i);
      std::mt19937 rnd(i);
      std::vector<double> mine;
      ++ready;
      while (ready < clients) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      while (!stop) {
        int r = resources == 1 ? 0 : static_cast<int>(rnd() % resources);
        std::string res = "bench-r" + std::to_string(r);
        std::string lock, unlock;
        if (kind == "advisory") {
          lock = "SELECT pg_advisory_lock(" + std::to_string(r) + ")";
          unlock = "SELECT pg_advisory_unlock(" + std::to_string(r) + ")";
        } else {
          lock = std::string("SELECT holdfast.") + (kind == "polling" ? "try_lock" : "lock") +
                 "('" + owner + "', ARRAY['" + res + "'], ARRAY['write'])";
          unlock = "SELECT holdfast.unlock('" + owner + "', ARRAY['" + res + "'])";
        }
        std::string got;
        if (!ok(c, lock, &got)) break;
        if (kind == "polling" && got.empty()) {
          std::this_thread::sleep_for(std::chrono::seconds(1));
          continue;
        }
        auto now = Clock::now().time_since_epoch().count();
        int64_t rel = release_started.load();
        if (resources == 1 && rel != 0) mine.push_back((now - rel) / 1e6);
        ++acquisitions;
        release_started = Clock::now().time_since_epoch().count();
        if (!ok(c, unlock)) break;
      }
      PQfinish(c);
      std::lock_guard g(mu);
      handoffs_ms.insert(handoffs_ms.end(), mine.begin(), mine.end());
    });
  }
  while (ready < clients) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto t0 = Clock::now();
  long a0 = acquisitions;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  long a1 = acquisitions;
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  stop = true;
  for (auto& t : threads) t.join();
  std::sort(handoffs_ms.begin(), handoffs_ms.end());
  auto pct = [&](double p) {
    if (handoffs_ms.empty()) return -1.0;
    return handoffs_ms[std::min(handoffs_ms.size() - 1,
                                static_cast<size_t>(p * handoffs_ms.size()))];
  };
  std::printf("%s %d %d %.1f %.3f %.3f\n", kind.c_str(), clients, resources, (a1 - a0) / secs,
              pct(0.5), pct(0.99));
  return 0;
}
