#include "bench/driver/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hf::bench {

void LatencySamples::merge(const LatencySamples& other) {
  samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
  sorted_ = false;
}

void LatencySamples::sort() const {
  if (!sorted_) std::sort(samples_.begin(), samples_.end());
  sorted_ = true;
}

std::int64_t LatencySamples::percentile_micros(double p) const {
  if (samples_.empty()) return 0;
  sort();
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(samples_.size())));
  rank = std::clamp<size_t>(rank, 1, samples_.size());
  return samples_[rank - 1];
}

std::int64_t LatencySamples::max_micros() const {
  return samples_.empty() ? 0 : *std::max_element(samples_.begin(), samples_.end());
}

double LatencySamples::mean_micros() const {
  if (samples_.empty()) return 0;
  return static_cast<double>(std::accumulate(samples_.begin(), samples_.end(), std::int64_t{0})) /
         static_cast<double>(samples_.size());
}

nlohmann::json LatencySamples::summary() const {
  auto ms = [](double us) { return std::round(us / 10.0) / 100.0; };  // 0.01 ms resolution
  return {{"count", count()},
          {"mean_ms", ms(mean_micros())},
          {"p50_ms", ms(static_cast<double>(percentile_micros(50)))},
          {"p95_ms", ms(static_cast<double>(percentile_micros(95)))},
          {"p99_ms", ms(static_cast<double>(percentile_micros(99)))},
          {"max_ms", ms(static_cast<double>(max_micros()))}};
}

Metrics::Metrics(std::vector<std::string> kind_names, Clock::time_point window_start,
                 Clock::time_point window_end, std::vector<std::string> statement_names)
    : kind_names_(std::move(kind_names)),
      window_start_(window_start),
      window_end_(window_end),
      kind_latency_(kind_names_.size()),
      statement_names_(std::move(statement_names)),
      statement_latency_(statement_names_.size()) {}

void Metrics::unit_done(Clock::time_point start, Clock::time_point end) {
  if (!in_window(end)) return;
  ++units_;
  unit_latency_.add(end - start);
}

void Metrics::unit_failed(Clock::time_point end) {
  if (in_window(end)) ++units_failed_;
}

void Metrics::kind_done(size_t kind, Clock::time_point start, Clock::time_point end,
                        int transactions, int statements) {
  if (!in_window(end)) return;
  kind_latency_.at(kind).add(end - start);
  transactions_ += static_cast<std::uint64_t>(transactions);
  statements_ += static_cast<std::uint64_t>(statements);
}

void Metrics::failure(const std::string& key, const std::string& message) {
  Failure& f = failures_[key];
  if (f.count++ == 0) f.example = message;
}

std::uint64_t Metrics::failures_total() const {
  std::uint64_t total = 0;
  for (const auto& [key, f] : failures_) total += f.count;
  return total;
}

double Metrics::window_seconds() const {
  return std::chrono::duration<double>(window_end_ - window_start_).count();
}

void Metrics::merge(const Metrics& other) {
  units_ += other.units_;
  units_failed_ += other.units_failed_;
  transactions_ += other.transactions_;
  statements_ += other.statements_;
  unit_latency_.merge(other.unit_latency_);
  for (size_t k = 0; k < kind_latency_.size() && k < other.kind_latency_.size(); ++k) {
    kind_latency_[k].merge(other.kind_latency_[k]);
  }
  for (size_t k = 0; k < statement_latency_.size() && k < other.statement_latency_.size(); ++k) {
    statement_latency_[k].merge(other.statement_latency_[k]);
  }
  for (const auto& [key, f] : other.failures_) {
    Failure& mine = failures_[key];
    if (mine.count == 0) mine.example = f.example;
    mine.count += f.count;
  }
  retry_ += other.retry_;
}

}  // namespace hf::bench
