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
// CLIENTS connections each take the lock on one of RESOURCES resources (default 1: all
// contend; more: a random one each time), release it at once, and loop for SECONDS. Prints:
//   KIND CLIENTS RESOURCES acquisitions/s handoff_p50_ms handoff_p99_ms
// where a hand-off is the time from the moment a holder sends its release to the moment the
// next holder of the same resource has its lock (measured only with RESOURCES = 1).
//
// One thread drives every connection with libpq's asynchronous calls and poll(): on a 2-core
// machine shared with the server, 256 client threads would measure the client's scheduling as
// much as the server's hand-off.
#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Client {
  PGconn* conn = nullptr;
  std::string owner;
  std::mt19937 rnd;
  int resource = 0;
  bool locking = false;             // the query in flight is the lock (else the unlock)
  Clock::time_point sleep_until{};  // polling: no query in flight until then
  bool sleeping = false;
};

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
  if (kind != "service" && kind != "advisory" && kind != "polling") {
    std::fprintf(stderr, "unknown kind %s\n", kind.c_str());
    return 2;
  }
  std::vector<Client> cs(static_cast<size_t>(clients));
  for (int i = 0; i < clients; ++i) {
    Client& c = cs[static_cast<size_t>(i)];
    c.conn = PQconnectdb(dsn.c_str());
    if (PQstatus(c.conn) != CONNECTION_OK) {
      std::fprintf(stderr, "connect: %s", PQerrorMessage(c.conn));
      return 1;
    }
    c.owner = "bench-" + std::to_string(i);
    c.rnd.seed(static_cast<unsigned>(i));
    // An earlier run on the same server may have left holds: its last holder, and a waiter
    // granted while its client was closing. Release them until none is left for a while.
    if (i == 0 && kind != "advisory") {
      int quiet = 0;
      for (int round = 0; round < 50 && quiet < 3; ++round) {
        PGresult* r = PQexec(c.conn,
                             "SELECT holdfast.unlock_all(owner) FROM (SELECT DISTINCT owner FROM "
                             "holdfast.resource_locks WHERE owner LIKE 'bench-%') o");
        const bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
        const int released = ok ? PQntuples(r) : 0;
        PQclear(r);
        if (!ok) {
          std::fprintf(stderr, "unlock_all: %s", PQerrorMessage(c.conn));
          return 1;
        }
        quiet = released == 0 ? quiet + 1 : 0;
        if (quiet < 3) ::usleep(100 * 1000);
      }
    }
  }
  auto send_lock = [&](Client& c) {
    c.resource = resources == 1 ? 0 : static_cast<int>(c.rnd() % static_cast<unsigned>(resources));
    std::string sql;
    if (kind == "advisory")
      sql = "SELECT pg_advisory_lock(" + std::to_string(c.resource) + ")";
    else
      sql = std::string("SELECT holdfast.") + (kind == "polling" ? "try_lock" : "lock") + "('" +
            c.owner + "', ARRAY['bench-r" + std::to_string(c.resource) + "'], ARRAY['write'])";
    c.locking = true;
    return PQsendQuery(c.conn, sql.c_str()) == 1;
  };
  auto send_unlock = [&](Client& c) {
    std::string sql = kind == "advisory"
                          ? "SELECT pg_advisory_unlock(" + std::to_string(c.resource) + ")"
                          : "SELECT holdfast.unlock('" + c.owner + "', ARRAY['bench-r" +
                                std::to_string(c.resource) + "'])";
    c.locking = false;
    return PQsendQuery(c.conn, sql.c_str()) == 1;
  };
  for (auto& c : cs)
    if (!send_lock(c)) return 1;

  const auto t0 = Clock::now();
  const auto t_end =
      t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  long acquisitions = 0;
  Clock::time_point release_sent{};  // the latest release sent (one resource)
  bool any_release = false;
  std::vector<double> handoffs_ms;
  std::vector<pollfd> fds(cs.size());
  while (Clock::now() < t_end) {
    int timeout_ms = 100;
    for (size_t i = 0; i < cs.size(); ++i) {
      fds[i] = pollfd{PQsocket(cs[i].conn), static_cast<short>(cs[i].sleeping ? 0 : POLLIN), 0};
      if (cs[i].sleeping) {
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(cs[i].sleep_until - Clock::now());
        timeout_ms = std::max(0, std::min(timeout_ms, static_cast<int>(left.count()) + 1));
      }
    }
    if (poll(fds.data(), fds.size(), timeout_ms) < 0) return 1;
    const auto now = Clock::now();
    for (size_t i = 0; i < cs.size(); ++i) {
      Client& c = cs[i];
      if (c.sleeping) {
        if (now >= c.sleep_until) {
          c.sleeping = false;
          if (!send_lock(c)) return 1;
        }
        continue;
      }
      if (!(fds[i].revents & (POLLIN | POLLERR | POLLHUP))) continue;
      if (!PQconsumeInput(c.conn)) {
        std::fprintf(stderr, "%s", PQerrorMessage(c.conn));
        return 1;
      }
      if (PQisBusy(c.conn)) continue;
      bool good = true, got_value = false;
      while (PGresult* r = PQgetResult(c.conn)) {
        auto st = PQresultStatus(r);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
          std::fprintf(stderr, "%s", PQresultErrorMessage(r));
          good = false;
        } else if (st == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
          got_value = true;
        }
        PQclear(r);
      }
      if (!good) return 1;
      const auto done = Clock::now();
      if (c.locking) {
        if (kind == "polling" && !got_value) {  // a miss: seed 004 sleeps a second
          c.sleeping = true;
          c.sleep_until = done + std::chrono::seconds(1);
          continue;
        }
        if (resources == 1 && any_release)
          handoffs_ms.push_back(
              std::chrono::duration<double, std::milli>(done - release_sent).count());
        ++acquisitions;
        release_sent = Clock::now();
        any_release = true;
        if (!send_unlock(c)) return 1;
      } else if (!send_lock(c)) {
        return 1;
      }
    }
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  for (auto& c : cs) PQfinish(c.conn);
  std::sort(handoffs_ms.begin(), handoffs_ms.end());
  auto pct = [&](double p) {
    if (handoffs_ms.empty()) return -1.0;
    return handoffs_ms[std::min(handoffs_ms.size() - 1,
                                static_cast<size_t>(p * static_cast<double>(handoffs_ms.size())))];
  };
  std::printf("%s %d %d %.1f %.3f %.3f\n", kind.c_str(), clients, resources,
              static_cast<double>(acquisitions) / secs, pct(0.5), pct(0.99));
  return 0;
}
