// hf_bench — the benchmark driver: a workload of requirements.md §5 against any server that
// speaks the PostgreSQL protocol (holdfast or PostgreSQL 15), so one script can run both.
//
//   hf_bench --port P [--workload temporal] [--clients 8] [--seconds 20] [--warmup 5]
//            [-D shards=512 ...] [--setup-only | --no-setup] [--no-check]
//            [--json FILE] [--label NAME] [--list-statements]
//
// By default it creates the workload's schema and data (dropping its tables first), runs the
// clients, checks consistency and prints a summary and a "RESULT ..." line. Exit status: 0 when
// the run finished and the check passed, 1 when the check failed, 2 for bad arguments, 3 when
// setup or a client's connection or statement preparation failed (the server rejected
// something: the message says which statement).
#include <fstream>
#include <iostream>
#include <random>

#include <CLI/CLI.hpp>

#include "bench/driver/runner.h"
#include "bench/driver/temporal.h"

int main(int argc, char** argv) {
  using namespace hf::bench;
  CLI::App app{"hf_bench: benchmark workloads against holdfast or PostgreSQL"};
  std::string host = "127.0.0.1", user = "postgres", dbname = "postgres",
              workload_name = "temporal";
  int port = 5432;
  RunSettings settings;
  settings.label = "server";
  std::vector<std::string> defines;
  bool setup_only = false, no_setup = false, no_check = false, list_statements = false;
  std::string json_path;
  std::uint64_t seed = std::random_device{}();
  hf::client::RetryPolicy policy;
  double retry_base_ms = 100, retry_cap_ms = 5000;

  app.add_option("--host", host, "server host");
  app.add_option("--port", port, "server port");
  app.add_option("--user", user, "user name");
  app.add_option("--dbname", dbname, "database");
  app.add_option("--workload", workload_name, "workload: temporal");
  app.add_option("--clients", settings.clients, "client threads (one connection each)")
      ->check(CLI::Range(1, 10000));
  app.add_option("--seconds", settings.seconds, "measured seconds")->check(CLI::PositiveNumber);
  app.add_option("--warmup", settings.warmup, "warm-up seconds (not measured)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--drain-timeout", settings.drain_timeout,
                 "seconds to let clients finish their unit after the end before cancelling");
  app.add_option("-D,--define", defines, "workload parameter key=value (repeatable)");
  app.add_option("--seed", seed, "random seed (default: random)");
  app.add_option("--label", settings.label, "the target's name in the report");
  app.add_option("--json", json_path, "write the report as JSON to this file");
  app.add_flag("--setup-only", setup_only, "create schema and data, do not run");
  app.add_flag("--no-setup", no_setup, "use the existing schema and data");
  app.add_flag("--no-check", no_check, "skip the consistency check");
  app.add_flag("--list-statements", list_statements, "print the workload's statements and exit");
  app.add_option("--max-retries", policy.max_retries, "retries on 40001/40P01 (default 5)");
  app.add_option("--retry-base-ms", retry_base_ms, "first backoff (default 100 ms)");
  app.add_option("--retry-cap-ms", retry_cap_ms, "backoff cap (default 5000 ms)");
  app.add_option("--retry-jitter", policy.jitter, "backoff jitter fraction (default 0.25)");
  CLI11_PARSE(app, argc, argv);

  if (list_statements) {
    for (const auto& [name, sql] : TemporalWorkload::statements()) {
      std::cout << "-- " << name << "\n" << sql << "\n;\n";
    }
    return 0;
  }
  settings.check = !no_check;
  settings.conninfo = "host=" + host + " port=" + std::to_string(port) + " user=" + user +
                      " dbname=" + dbname + " application_name=hf_bench";
  policy.base_delay = std::chrono::microseconds(static_cast<std::int64_t>(retry_base_ms * 1000));
  policy.max_delay = std::chrono::microseconds(static_cast<std::int64_t>(retry_cap_ms * 1000));

  std::unique_ptr<Workload> workload;
  try {
    policy.validate();
    Options options;
    for (const std::string& d : defines) options.set(d);
    workload = make_workload(workload_name, options, seed);
    if (auto* temporal = dynamic_cast<TemporalWorkload*>(workload.get())) {
      temporal->set_retry_policy(policy);
    }
    if (auto unused = options.unused(); !unused.empty()) {
      std::cerr << "hf_bench: unknown parameter -D " << unused.front() << "=..." << std::endl;
      return 2;
    }
  } catch (const std::exception& e) {
    std::cerr << "hf_bench: " << e.what() << std::endl;
    return 2;
  }

  nlohmann::json report;
  try {
    if (!no_setup) {
      Connection admin(settings.conninfo);
      std::cout << "== " << settings.label << ": setting up " << workload->name() << std::endl;
      workload->setup(admin);
    }
    if (setup_only) return 0;
    report = run_workload(*workload, settings, std::cout);
  } catch (const hf::client::PgError& e) {
    std::cerr << "hf_bench: " << settings.label << ": SQLSTATE " << e.sqlstate() << ": " << e.what()
              << std::endl;
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "hf_bench: " << settings.label << ": " << e.what() << std::endl;
    return 3;
  }
  report["seed"] = seed;
  if (!json_path.empty()) {
    std::ofstream out(json_path);
    out << report.dump(2) << "\n";
  }
  std::cout << result_line(report) << std::endl;
  return report["check"].is_null() || report["check"]["passed"].get<bool>() ? 0 : 1;
}
