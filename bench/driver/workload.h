// bench/driver/workload.h — what a benchmark workload gives the driver.
//
// A workload (Temporal's persistence today; the SKIP LOCKED queue, the hot row, bank transfers
// and seat booking of requirements.md §5 later) is a class that
//   - creates its schema and initial data (setup),
//   - reads what its clients need before they start (before_run),
//   - makes one client per connection (make_client), whose run_one() does one unit of work
//     (a workflow, a transfer, a booking) and records it in the client's Metrics,
//   - may run a background thread with its own connection (heartbeats and the like),
//   - checks afterwards that what its clients committed is what the database holds (each
//     client its own part, then the workload as a whole), reporting problems, never crashing.
// The runner (bench/driver/runner.h) owns threads, connections, timing and reporting, so a new
// workload is one more class and one more line in make_workload().
//
// Thread safety: a Workload is shared by all client threads; whatever state it shares with
// them it synchronises itself. A WorkloadClient belongs to one thread.
// Blocking: everything that talks to the server blocks its thread in libpq.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/driver/metrics.h"
#include "bench/driver/pq.h"

namespace hf::bench {

// -D key=value workload parameters. Reading a key marks it used; unused() lists the keys no
// workload asked for (a misspelled parameter is an error, not a silent default).
class Options {
 public:
  void set(const std::string& assignment);  // "key=value"; throws std::invalid_argument
  std::int64_t integer(const std::string& key, std::int64_t fallback);
  double real(const std::string& key, double fallback);
  std::vector<std::string> unused() const;

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> used_;
};

// Problems found by the consistency check. Thread-safe: clients check in parallel.
class CheckReport {
 public:
  void checked(std::uint64_t n = 1) { checked_ += n; }
  void problem(const std::string& what);
  bool passed() const { return problems_total_ == 0; }
  nlohmann::json to_json() const;
  std::uint64_t problems_total() const { return problems_total_; }
  std::vector<std::string> examples() const;

 private:
  static constexpr size_t kExamples = 20;
  std::atomic<std::uint64_t> checked_{0};
  std::atomic<std::uint64_t> problems_total_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> examples_;
};

class WorkloadClient {
 public:
  virtual ~WorkloadClient() = default;
  // One unit of work, recorded in `metrics`. A unit that fails (an error after retries, a
  // failed application check) is counted there and the call returns; it throws only when the
  // client cannot go on (its connection is gone).
  virtual void run_one(Metrics& metrics) = 0;
  // After every client stopped: check what this client did against the database.
  virtual void check(CheckReport& report) = 0;
};

class Workload {
 public:
  virtual ~Workload() = default;
  virtual std::string name() const = 0;
  virtual std::string unit() const = 0;                     // plural noun: "workflows"
  virtual std::vector<std::string> kind_names() const = 0;  // the kinds its Metrics record
  // Its prepared statements' names, if its clients record per-statement latencies.
  virtual std::vector<std::string> statement_names() const { return {}; }
  // Drops and creates its tables, then loads initial data.
  virtual void setup(Connection& admin) = 0;
  // Reads what clients need (caches, baselines for the check). Called once per run.
  virtual void before_run(Connection& admin) = 0;
  // A client over `conn` (which it may keep; it prepares its statements here). `index` is
  // 0..clients-1 and seeds its randomness.
  virtual std::unique_ptr<WorkloadClient> make_client(int index, Connection& conn) = 0;
  // Optional background load on its own connection until `stop`; records into `metrics`.
  virtual void background(const std::string& conninfo, const std::atomic<bool>& stop,
                          Metrics& metrics) {}
  // After the clients' checks: the checks over the whole database.
  virtual void check(Connection& admin, CheckReport& report) = 0;
  // Its parameters, for the report.
  virtual nlohmann::json parameters() const = 0;
};

// "temporal" → TemporalWorkload. Throws std::invalid_argument for an unknown name.
std::unique_ptr<Workload> make_workload(const std::string& name, Options& options,
                                        std::uint64_t seed);
std::vector<std::string> workload_names();

}  // namespace hf::bench
