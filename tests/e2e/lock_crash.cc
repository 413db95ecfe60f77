// tests/e2e/lock_crash.cc — the lock service across kill -9 (issue 11): batches are wholly
// held or wholly absent after a crash, and fencing tokens never go backwards.
//
//   hf_lock_crash load DSN SECONDS LOG   16 clients take batches of 1-5 of 20 resources
//                                        (WRITE or READ) for fresh owners, with holdfast.lock
//                                        and a 2 s wait, and give some back; before sending a
//                                        batch a client appends "batch OWNER r1:w r2:r ..." to
//                                        LOG, and after a reply "token RESOURCE N" for each
//                                        WRITE token. Runs until SECONDS pass or the server
//                                        dies (the script kills it).
//   hf_lock_crash check DSN LOG          after the restart: every owner in
//                                        holdfast.resource_locks holds exactly the batch LOG
//                                        says it asked for, in those modes; a new WRITE grant on
//                                        every resource gets a token above every token LOG saw.
// Exit 0 when the check holds (load: always 0), 1 otherwise, printing what broke.
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kResources = 20;

std::string resource(int i) {
  return "crash-r" + std::to_string(i);
}

int load(const std::string& dsn, double seconds, const std::string& log_path) {
  std::mutex log_mu;
  std::ofstream log(log_path, std::ios::app);
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 16; ++c) {
    clients.emplace_back([&, c] {
      PGconn* conn = PQconnectdb(dsn.c_str());
      std::mt19937_64 rnd(c * 7919 + std::chrono::steady_clock::now().time_since_epoch().count());
      for (int n = 0; !stop && PQstatus(conn) == CONNECTION_OK; ++n) {
        std::string owner = "crash-" + std::to_string(c) + "-" + std::to_string(n) + "-" +
                            std::to_string(rnd() % 1000000);
        std::set<int> picked;
        int k = 1 + static_cast<int>(rnd() % 5);
        while (static_cast<int>(picked.size()) < k)
          picked.insert(static_cast<int>(rnd() % kResources));
        std::string names, modes, line = "batch " + owner;
        std::vector<std::pair<std::string, bool>> batch;
        for (int r : picked) {
          bool write = rnd() % 3 != 0;
          batch.emplace_back(resource(r), write);
          names += (names.empty() ? "" : ",") + ("'" + resource(r) + "'");
          modes += (modes.empty() ? "" : ",") + std::string(write ? "'write'" : "'read'");
          line += " " + resource(r) + (write ? ":w" : ":r");
        }
        {
          std::lock_guard g(log_mu);
          log << line << "\n" << std::flush;
        }
        std::string sql = "SELECT holdfast.lock('" + owner + "', ARRAY[" + names + "], ARRAY[" +
                          modes + "], '2s')::text";
        PGresult* res = PQexec(conn, sql.c_str());
        if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
          // "{7,NULL,12}": one token (or NULL for READ) per resource, in the batch's order.
          std::string arr = PQgetvalue(res, 0, 0);
          std::vector<std::string> items;
          std::string cur;
          for (char ch : arr.substr(1, arr.size() - 2)) {
            if (ch == ',') {
              items.push_back(cur);
              cur.clear();
            } else {
              cur += ch;
            }
          }
          items.push_back(cur);
          std::lock_guard g(log_mu);
          for (size_t i = 0; i < items.size() && i < batch.size(); ++i)
            if (items[i] != "NULL") log << "token " << batch[i].first << " " << items[i] << "\n";
          log << std::flush;
        }
        PQclear(res);
        // Give back most batches soon (so others get in), keep some for the crash.
        if (rnd() % 4 != 0) {
          PGresult* u = PQexec(conn, ("SELECT holdfast.unlock_all('" + owner + "')").c_str());
          PQclear(u);
        }
      }
      PQfinish(conn);
    });
  }
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop = true;
  for (auto& t : clients) t.join();
  return 0;
}

int check(const std::string& dsn, const std::string& log_path) {
  std::map<std::string, std::map<std::string, char>> asked;  // owner -> resource -> w/r
  std::map<std::string, long long> max_token;
  std::ifstream log(log_path);
  std::string line;
  size_t batches = 0;
  while (std::getline(log, line)) {
    std::istringstream in(line);
    std::string kind;
    in >> kind;
    if (kind == "batch") {
      std::string owner, item;
      in >> owner;
      ++batches;
      while (in >> item) asked[owner][item.substr(0, item.size() - 2)] = item.back();
    } else if (kind == "token") {
      std::string r;
      long long t = 0;
      in >> r >> t;
      max_token[r] = std::max(max_token[r], t);
    }
  }
  PGconn* conn = PQconnectdb(dsn.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::printf("FAIL: cannot connect: %s", PQerrorMessage(conn));
    return 1;
  }
  int failures = 0;
  PGresult* res = PQexec(conn,
                         "SELECT owner, resource, mode FROM holdfast.resource_locks "
                         "WHERE owner LIKE 'crash-%' ORDER BY owner, resource");
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    std::printf("FAIL: %s", PQerrorMessage(conn));
    return 1;
  }
  std::map<std::string, std::map<std::string, char>> held;
  for (int i = 0; i < PQntuples(res); ++i)
    held[PQgetvalue(res, i, 0)][PQgetvalue(res, i, 1)] =
        std::string(PQgetvalue(res, i, 2)) == "write" ? 'w' : 'r';
  PQclear(res);
  for (const auto& [owner, got] : held) {
    auto it = asked.find(owner);
    if (it == asked.end()) {
      std::printf("FAIL: owner %s holds locks it never asked for\n", owner.c_str());
      ++failures;
    } else if (it->second != got) {
      std::printf("FAIL: owner %s holds %zu of the %zu resources of its batch (or other modes)\n",
                  owner.c_str(), got.size(), it->second.size());
      ++failures;
    }
  }
  // Tokens: free everything, then one new WRITE grant per resource.
  for (const auto& [owner, got] : held) {
    PGresult* u = PQexec(conn, ("SELECT holdfast.unlock_all('" + owner + "')").c_str());
    PQclear(u);
  }
  int below = 0;
  for (int r = 0; r < kResources; ++r) {
    std::string sql = "SELECT t FROM unnest(holdfast.lock('crash-check', ARRAY['" + resource(r) +
                      "'], ARRAY['write'], '5s')) t";
    PGresult* t = PQexec(conn, sql.c_str());
    if (PQresultStatus(t) != PGRES_TUPLES_OK || PQntuples(t) != 1) {
      std::printf("FAIL: new grant on %s: %s", resource(r).c_str(), PQerrorMessage(conn));
      ++failures;
    } else if (std::atoll(PQgetvalue(t, 0, 0)) <= max_token[resource(r)]) {
      std::printf("FAIL: %s token %s after a crash, %lld was handed out before\n",
                  resource(r).c_str(), PQgetvalue(t, 0, 0), max_token[resource(r)]);
      ++below;
    }
    PQclear(t);
  }
  PGresult* u = PQexec(conn, "SELECT holdfast.unlock_all('crash-check')");
  PQclear(u);
  PQfinish(conn);
  std::printf(
      "%zu batches sent, %zu owners holding after the restart, all whole: %s; tokens "
      "above every earlier one on %d of %d resources\n",
      batches, held.size(), failures == 0 ? "yes" : "NO", kResources - below, kResources);
  return failures + below == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "load" && argc == 5) return load(argv[2], std::atof(argv[3]), argv[4]);
  if (mode == "check" && argc == 4) return check(argv[2], argv[3]);
  std::fprintf(stderr, "usage: %s load DSN SECONDS LOG | check DSN LOG\n", argv[0]);
  return 2;
}
