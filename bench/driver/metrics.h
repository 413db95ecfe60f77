// bench/driver/metrics.h — what one client measured, and the sum over clients.
//
// A unit is what a workload counts (a workflow, a transfer, a booking); a kind is one of its
// transactions or statement groups (the workload names them). Units and kinds count only when
// they end inside the measurement window [window_start, window_end): warm-up and drain are
// left out. Failures and retry counters cover the whole run (warm-up and drain too), so a
// statement the server rejects shows up however early it happens.
//
// Thread safety: a Metrics belongs to one client thread; merge() after the threads joined.
// Blocking: none.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/retry.h"

namespace hf::bench {

using Clock = std::chrono::steady_clock;

// Latencies in microseconds; percentiles by the nearest-rank method.
class LatencySamples {
 public:
  void add(Clock::duration d) {
    samples_.push_back(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
  }
  void add_micros(std::int64_t us) { samples_.push_back(us); }
  void merge(const LatencySamples& other);
  size_t count() const { return samples_.size(); }
  // The smallest sample with at least `p` percent of the samples at or below it (0 < p <= 100);
  // 0 when there are none.
  std::int64_t percentile_micros(double p) const;
  std::int64_t max_micros() const;
  double mean_micros() const;
  // {"count", "mean_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms"}
  nlohmann::json summary() const;

 private:
  mutable std::vector<std::int64_t> samples_;
  mutable bool sorted_ = false;
  void sort() const;
};

struct Failure {
  std::uint64_t count = 0;
  std::string example;  // the first message seen
};

class Metrics {
 public:
  // `statement_names`: the workload's prepared statements, for per-statement latencies
  // (may be empty).
  Metrics(std::vector<std::string> kind_names, Clock::time_point window_start,
          Clock::time_point window_end, std::vector<std::string> statement_names = {});

  bool in_window(Clock::time_point t) const { return t >= window_start_ && t < window_end_; }

  void unit_done(Clock::time_point start, Clock::time_point end);
  void unit_failed(Clock::time_point end);
  // A transaction or statement group of kind `kind` (an index into kind_names) that
  // succeeded; `transactions` is how many BEGIN…COMMIT it held, `statements` how many
  // statements (without BEGIN/COMMIT).
  void kind_done(size_t kind, Clock::time_point start, Clock::time_point end, int transactions,
                 int statements);
  // One execution of statement `statement` (an index into statement_names) that succeeded.
  void statement_done(size_t statement, Clock::time_point start, Clock::time_point end) {
    if (in_window(end)) statement_latency_.at(statement).add(end - start);
  }
  // A failure, keyed by what failed and why (e.g. "wft1_started 40001 exhausted" or
  // "start check:range_id"); counted whenever it happens.
  void failure(const std::string& key, const std::string& message);

  client::RetryCounters& retry() { return retry_; }

  void merge(const Metrics& other);

  std::uint64_t units() const { return units_; }
  std::uint64_t units_failed() const { return units_failed_; }
  std::uint64_t transactions() const { return transactions_; }
  std::uint64_t statements() const { return statements_; }
  std::uint64_t failures_total() const;
  const LatencySamples& unit_latency() const { return unit_latency_; }
  const std::vector<std::string>& kind_names() const { return kind_names_; }
  const LatencySamples& kind_latency(size_t kind) const { return kind_latency_[kind]; }
  const std::vector<std::string>& statement_names() const { return statement_names_; }
  const LatencySamples& statement_latency(size_t s) const { return statement_latency_[s]; }
  const std::map<std::string, Failure>& failures() const { return failures_; }
  double window_seconds() const;

 private:
  std::vector<std::string> kind_names_;
  Clock::time_point window_start_, window_end_;
  std::uint64_t units_ = 0, units_failed_ = 0, transactions_ = 0, statements_ = 0;
  LatencySamples unit_latency_;
  std::vector<LatencySamples> kind_latency_;
  std::vector<std::string> statement_names_;
  std::vector<LatencySamples> statement_latency_;
  std::map<std::string, Failure> failures_;
  client::RetryCounters retry_;
};

}  // namespace hf::bench
