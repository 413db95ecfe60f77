#include "bench/driver/runner.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <thread>

namespace hf::bench {
namespace {

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

double rate(std::uint64_t n, double seconds) {
  return seconds > 0 ? n / seconds : 0;
}

nlohmann::json retry_json(const client::RetryCounters& c) {
  return {{"runs", c.runs},       {"attempts", c.attempts},   {"conflicts", c.conflicts},
          {"retries", c.retries}, {"exhausted", c.exhausted}, {"unsupported", c.unsupported},
          {"failed", c.failed}};
}

void print_summary(const nlohmann::json& r, const std::vector<std::string>& kind_order,
                   std::ostream& log) {
  log << std::fixed << std::setprecision(1);
  log << "== " << r["label"].get<std::string>() << ": " << r["clients"] << " clients, "
      << r["seconds"] << " s measured: " << r["units_per_s"].get<double>() << " "
      << r["unit"].get<std::string>() << "/s, " << r["transactions_per_s"].get<double>()
      << " transactions/s, " << r["statements_per_s"].get<double>() << " statements/s\n";
  const auto& lat = r["latency"];
  log << "   " << r["unit"].get<std::string>() << ": " << r["completed"] << " completed, "
      << r["failed"] << " failed; latency ms p50 " << lat["p50_ms"] << " p95 " << lat["p95_ms"]
      << " p99 " << lat["p99_ms"] << " max " << lat["max_ms"] << "\n";
  log << "   " << std::left << std::setw(20) << "kind" << std::right << std::setw(8) << "count"
      << std::setw(10) << "mean ms" << std::setw(10) << "p50" << std::setw(10) << "p95"
      << std::setw(10) << "p99" << std::setw(10) << "max"
      << "\n";
  for (const std::string& name : kind_order) {
    if (!r["kinds"].contains(name)) continue;
    const auto& k = r["kinds"][name];
    log << "   " << std::left << std::setw(20) << name << std::right << std::setw(8) << k["count"]
        << std::setw(10) << k["mean_ms"].get<double>() << std::setw(10) << k["p50_ms"].get<double>()
        << std::setw(10) << k["p95_ms"].get<double>() << std::setw(10) << k["p99_ms"].get<double>()
        << std::setw(10) << k["max_ms"].get<double>() << "\n";
  }
  // Where a unit's time goes: the statements with the most time per unit.
  std::vector<std::pair<double, std::string>> heavy;
  for (const auto& [name, st] : r["statements"].items()) {
    heavy.emplace_back(st["total_ms_per_unit"].get<double>(), name);
  }
  std::sort(heavy.rbegin(), heavy.rend());
  if (!heavy.empty()) {
    std::string unit = r["unit"].get<std::string>();
    if (!unit.empty() && unit.back() == 's') unit.pop_back();  // "workflows" → "workflow"
    log << "   statements with the most time per " << unit << ":\n";
    for (size_t i = 0; i < heavy.size() && i < 8; ++i) {
      const auto& st = r["statements"][heavy[i].second];
      log << "     " << std::left << std::setw(42) << heavy[i].second << std::right << std::setw(8)
          << heavy[i].first << " ms  (mean " << st["mean_ms"].get<double>() << ", p99 "
          << st["p99_ms"].get<double>() << ", " << st["count"] << " runs)\n";
    }
  }
  const auto& retry = r["retry"];
  log << "   retries: " << retry["conflicts"] << " conflicts, " << retry["retries"] << " retries, "
      << retry["exhausted"] << " exhausted, " << retry["unsupported"]
      << " unsupported (whole run)\n";
  if (r["failures"].empty()) {
    log << "   failures: none\n";
  } else {
    log << "   failures (whole run, by step and cause):\n";
    for (const auto& [key, f] : r["failures"].items()) {
      log << "     " << f["count"] << " × " << key << "\n       e.g. "
          << f["example"].get<std::string>() << "\n";
    }
  }
  if (r["check"].is_null()) {
    log << "   consistency check: skipped\n";
  } else {
    const auto& c = r["check"];
    log << "   consistency check: " << (c["passed"].get<bool>() ? "passed" : "FAILED") << " ("
        << c["checked"] << " checks, " << c["problems"] << " problems)\n";
    for (const auto& e : c["examples"]) log << "     " << e.get<std::string>() << "\n";
  }
  log << "   load average: start " << r["loadavg_start"].get<std::string>() << ", end "
      << r["loadavg_end"].get<std::string>() << "\n";
  log.unsetf(std::ios::floatfield);
}

}  // namespace

nlohmann::json run_workload(Workload& workload, const RunSettings& settings, std::ostream& log) {
  const std::string loadavg_start = load_average();
  Connection admin(settings.conninfo);
  workload.before_run(admin);

  std::vector<std::unique_ptr<Connection>> connections;
  std::vector<std::unique_ptr<WorkloadClient>> clients;
  for (int i = 0; i < settings.clients; ++i) {
    connections.push_back(std::make_unique<Connection>(settings.conninfo));
    clients.push_back(workload.make_client(i, *connections.back()));
  }

  using std::chrono::duration_cast;
  auto seconds = [](double s) {
    return duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  const Clock::time_point start = Clock::now() + std::chrono::milliseconds(50);
  const Clock::time_point window_start = start + seconds(settings.warmup);
  const Clock::time_point window_end = window_start + seconds(settings.seconds);
  std::vector<Metrics> metrics;
  for (int i = 0; i <= settings.clients; ++i) {  // the last one is the background's
    metrics.emplace_back(workload.kind_names(), window_start, window_end,
                         workload.statement_names());
  }
  log << "== " << settings.label << ": " << workload.name() << ", " << settings.clients
      << " clients, warm-up " << settings.warmup << " s, measured " << settings.seconds << " s"
      << std::endl;

  std::mutex mutex;
  std::condition_variable finished;
  int running = settings.clients;
  std::vector<std::thread> threads;
  for (int i = 0; i < settings.clients; ++i) {
    threads.emplace_back([&, i] {
      std::this_thread::sleep_until(start);
      while (Clock::now() < window_end) {
        try {
          clients[static_cast<size_t>(i)]->run_one(metrics[static_cast<size_t>(i)]);
        } catch (const std::exception& e) {
          metrics[static_cast<size_t>(i)].failure("client stopped", e.what());
          break;
        }
      }
      std::lock_guard lock(mutex);
      --running;
      finished.notify_all();
    });
  }
  std::atomic<bool> stop_background{false};
  std::thread background([&] {
    try {
      workload.background(settings.conninfo, stop_background, metrics.back());
    } catch (const std::exception& e) {
      metrics.back().failure("background stopped", e.what());
    }
  });

  {
    std::unique_lock lock(mutex);
    if (!finished.wait_until(lock, window_end + seconds(settings.drain_timeout),
                             [&] { return running == 0; })) {
      log << "   " << running << " clients still busy " << settings.drain_timeout
          << " s after the end: cancelling their statements" << std::endl;
      for (auto& c : connections) c->cancel();
      if (!finished.wait_for(lock, std::chrono::seconds(30), [&] { return running == 0; })) {
        log << "   clients did not stop after the cancel: giving up" << std::endl;
        std::_Exit(4);  // the threads are stuck in libpq; nothing sensible is left to do
      }
    }
  }
  for (auto& t : threads) t.join();
  stop_background = true;
  background.join();

  Metrics total(workload.kind_names(), window_start, window_end, workload.statement_names());
  for (const Metrics& m : metrics) total.merge(m);

  nlohmann::json check = nullptr;
  if (settings.check) {
    CheckReport report;
    std::vector<std::thread> checkers;
    for (auto& client : clients) {
      checkers.emplace_back([&report, &client] {
        try {
          client->check(report);
        } catch (const std::exception& e) {
          report.problem(std::string("client check stopped: ") + e.what());
        }
      });
    }
    for (auto& t : checkers) t.join();
    try {
      workload.check(admin, report);
    } catch (const std::exception& e) {
      report.problem(std::string("workload check stopped: ") + e.what());
    }
    check = report.to_json();
  }

  const double window = total.window_seconds();
  nlohmann::json kinds = nlohmann::json::object();
  for (size_t k = 0; k < total.kind_names().size(); ++k) {
    if (total.kind_latency(k).count() > 0) {
      kinds[total.kind_names()[k]] = total.kind_latency(k).summary();
    }
  }
  nlohmann::json statements = nlohmann::json::object();
  for (size_t k = 0; k < total.statement_names().size(); ++k) {
    const LatencySamples& samples = total.statement_latency(k);
    if (samples.count() == 0) continue;
    statements[total.statement_names()[k]] = samples.summary();
    statements[total.statement_names()[k]]["total_ms_per_unit"] =
        total.units() ? std::round(samples.mean_micros() * static_cast<double>(samples.count()) /
                                   static_cast<double>(total.units()) / 10.0) /
                            100.0
                      : 0.0;
  }
  nlohmann::json failures = nlohmann::json::object();
  for (const auto& [key, f] : total.failures()) {
    failures[key] = {{"count", f.count}, {"example", f.example}};
  }
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  nlohmann::json report = {
      {"workload", workload.name()},
      {"label", settings.label},
      {"clients", settings.clients},
      {"seconds", settings.seconds},
      {"warmup_seconds", settings.warmup},
      {"parameters", workload.parameters()},
      {"unit", workload.unit()},
      {"completed", total.units()},
      {"failed", total.units_failed()},
      {"units_per_s", rate(total.units(), window)},
      {"transactions_per_s", rate(total.transactions(), window)},
      {"statements_per_s", rate(total.statements(), window)},
      {"statements_per_unit",
       total.units() ? static_cast<double>(total.statements()) / static_cast<double>(total.units())
                     : 0.0},
      {"latency", total.unit_latency().summary()},
      {"kinds", kinds},
      {"statements", statements},
      {"failures_total", total.failures_total()},
      {"failures", failures},
      {"retry", retry_json(total.retry())},
      {"check", check},
      {"loadavg_start", loadavg_start},
      {"loadavg_end", load_average()},
      {"host", host},
      {"cores", std::thread::hardware_concurrency()},
  };
  print_summary(report, workload.kind_names(), log);
  return report;
}

std::string result_line(const nlohmann::json& r) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2);
  const auto& lat = r["latency"];
  std::string check = r["check"].is_null()               ? "skipped"
                      : r["check"]["passed"].get<bool>() ? "pass"
                                                         : "FAIL";
  out << "RESULT label=" << r["label"].get<std::string>() << " clients=" << r["clients"]
      << " units_per_s=" << r["units_per_s"].get<double>()
      << " tx_per_s=" << r["transactions_per_s"].get<double>()
      << " p50_ms=" << lat["p50_ms"].get<double>() << " p95_ms=" << lat["p95_ms"].get<double>()
      << " p99_ms=" << lat["p99_ms"].get<double>() << " max_ms=" << lat["max_ms"].get<double>()
      << " completed=" << r["completed"] << " failed=" << r["failed"]
      << " failures=" << r["failures_total"] << " conflicts=" << r["retry"]["conflicts"]
      << " retries=" << r["retry"]["retries"] << " exhausted=" << r["retry"]["exhausted"]
      << " check=" << check;
  return out.str();
}

}  // namespace hf::bench
