// conn_storm.cc — hf_conn_storm: opens N client connections at once with libpq's non-blocking
// API, keeps them all idle, then has every one of them run `SELECT 1` at the same time, and
// reports how long each phase took and the server's memory (RSS from /proc/PID/status,
// summed over the server process and its direct children so PostgreSQL's backends count too).
//
//   hf_conn_storm [--host H] [--port P] [--user U] [--db D] [-n N] [--rounds R]
//                 [--server-pid PID] [--idle-seconds S]
//
// Exit status 0 when every connection connected and every query returned 1, else 1.
// One thread, poll(2) over all sockets: the client itself is not the bottleneck at N=1000.
#include <libpq-fe.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <dirent.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Reads "Key:   123 kB" from /proc/PID/status; 0 when absent.
long StatusKb(int pid, const char* key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const size_t klen = std::strlen(key);
  while (std::getline(in, line)) {
    if (line.compare(0, klen, key) == 0 && line.size() > klen && line[klen] == ':') {
      return std::atol(line.c_str() + klen + 1);
    }
  }
  return 0;
}

int ParentOf(int pid) {
  return static_cast<int>(StatusKb(pid, "PPid"));
}

// RSS (kB) of pid plus that of its direct children, and how many processes that was.
std::pair<long, int> TreeRssKb(int pid) {
  long kb = StatusKb(pid, "VmRSS");
  int procs = 1;
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      const int child = std::atoi(e->d_name);
      if (child > 0 && ParentOf(child) == pid) {
        kb += StatusKb(child, "VmRSS");
        ++procs;
      }
    }
    closedir(d);
  }
  return {kb, procs};
}

void ReportRss(int pid, const char* when) {
  if (pid <= 0) return;
  auto [kb, procs] = TreeRssKb(pid);
  std::printf("server RSS %-8s %8.1f MiB (%d process%s; main process peak VmHWM %.1f MiB)\n", when,
              kb / 1024.0, procs, procs == 1 ? "" : "es", StatusKb(pid, "VmHWM") / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", port = "5433", user = "postgres", db = "postgres";
  int n = 1000, rounds = 3, server_pid = 0, idle_seconds = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const char* v = argv[i + 1];
    if (a == "--host")
      host = v;
    else if (a == "--port")
      port = v;
    else if (a == "--user")
      user = v;
    else if (a == "--db")
      db = v;
    else if (a == "-n")
      n = std::atoi(v);
    else if (a == "--rounds")
      rounds = std::atoi(v);
    else if (a == "--server-pid")
      server_pid = std::atoi(v);
    else if (a == "--idle-seconds")
      idle_seconds = std::atoi(v);
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  // N sockets plus stdio: make sure the descriptor limit allows it.
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < static_cast<rlim_t>(n) + 64) {
    rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, static_cast<rlim_t>(n) + 64);
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  ReportRss(server_pid, "before");

  // Phase 1: connect all N at once.
  const std::string conninfo =
      "host=" + host + " port=" + port + " user=" + user + " dbname=" + db + " connect_timeout=60";
  std::vector<PGconn*> conns(n, nullptr);
  std::vector<PostgresPollingStatusType> state(n, PGRES_POLLING_WRITING);
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) conns[i] = PQconnectStart(conninfo.c_str());
  int pending = n, failed = 0;
  for (int i = 0; i < n; ++i) {
    if (conns[i] == nullptr || PQstatus(conns[i]) == CONNECTION_BAD) {
      state[i] = PGRES_POLLING_FAILED;
      --pending;
      ++failed;
    }
  }
  while (pending > 0 && SecondsSince(t0) < 120) {
    std::vector<pollfd> fds;
    std::vector<int> who;
    for (int i = 0; i < n; ++i) {
      if (state[i] == PGRES_POLLING_READING || state[i] == PGRES_POLLING_WRITING) {
        fds.push_back({PQsocket(conns[i]),
                       static_cast<short>(state[i] == PGRES_POLLING_READING ? POLLIN : POLLOUT),
                       0});
        who.push_back(i);
      }
    }
    if (poll(fds.data(), fds.size(), 1000) < 0) break;
    for (size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      const int i = who[k];
      state[i] = PQconnectPoll(conns[i]);
      if (state[i] == PGRES_POLLING_OK || state[i] == PGRES_POLLING_FAILED) {
        --pending;
        if (state[i] == PGRES_POLLING_FAILED) {
          if (failed++ < 3) std::fprintf(stderr, "connect failed: %s", PQerrorMessage(conns[i]));
        }
      }
    }
  }
  failed += pending;  // timed out
  std::printf("connect  %d connections in %.2f s (%d failed)\n", n, SecondsSince(t0), failed);
  std::this_thread::sleep_for(std::chrono::seconds(idle_seconds));
  ReportRss(server_pid, "idle");

  // Phase 2: every connection runs SELECT 1 at once, `rounds` times.
  int bad_results = 0;
  for (int r = 0; r < rounds; ++r) {
    auto t1 = Clock::now();
    std::vector<int> busy;
    for (int i = 0; i < n; ++i) {
      if (state[i] != PGRES_POLLING_OK) continue;
      if (PQsendQuery(conns[i], "SELECT 1")) {
        busy.push_back(i);
      } else {
        ++bad_results;
      }
    }
    std::vector<bool> done(n, false);
    size_t left = busy.size();
    while (left > 0 && SecondsSince(t1) < 120) {
      std::vector<pollfd> fds;
      std::vector<int> who;
      for (int i : busy) {
        if (!done[i]) {
          PQflush(conns[i]);
          fds.push_back({PQsocket(conns[i]), POLLIN, 0});
          who.push_back(i);
        }
      }
      if (poll(fds.data(), fds.size(), 1000) < 0) break;
      for (size_t k = 0; k < fds.size(); ++k) {
        if (fds[k].revents == 0) continue;
        const int i = who[k];
        if (!PQconsumeInput(conns[i])) {
          done[i] = true;
          --left;
          ++bad_results;
          continue;
        }
        while (!PQisBusy(conns[i])) {
          PGresult* res = PQgetResult(conns[i]);
          if (res == nullptr) {
            done[i] = true;
            --left;
            break;
          }
          if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
              std::strcmp(PQgetvalue(res, 0, 0), "1") != 0) {
            if (bad_results++ < 3)
              std::fprintf(stderr, "bad result: %s", PQresultErrorMessage(res));
          }
          PQclear(res);
        }
      }
    }
    bad_results += static_cast<int>(left);
    std::printf("select   round %d: %zu x SELECT 1 in %.3f s\n", r + 1, busy.size(),
                SecondsSince(t1));
    ReportRss(server_pid, "busy");
  }
  for (PGconn* c : conns) {
    if (c != nullptr) PQfinish(c);
  }
  const bool ok = failed == 0 && bad_results == 0;
  std::printf("%s: %d connections, %d failed, %d bad results\n", ok ? "ok" : "FAILED", n, failed,
              bad_results);
  return ok ? 0 : 1;
}
