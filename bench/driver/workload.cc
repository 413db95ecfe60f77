#include "bench/driver/workload.h"

#include <stdexcept>

#include "bench/driver/temporal.h"

namespace hf::bench {

void Options::set(const std::string& assignment) {
  size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw std::invalid_argument("expected key=value, got '" + assignment + "'");
  }
  values_[assignment.substr(0, eq)] = assignment.substr(eq + 1);
}

std::int64_t Options::integer(const std::string& key, std::int64_t fallback) {
  used_.insert(key);
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  size_t end = 0;
  std::int64_t v = std::stoll(it->second, &end);
  if (end != it->second.size()) throw std::invalid_argument(key + ": not an integer");
  return v;
}

double Options::real(const std::string& key, double fallback) {
  used_.insert(key);
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  size_t end = 0;
  double v = std::stod(it->second, &end);
  if (end != it->second.size()) throw std::invalid_argument(key + ": not a number");
  return v;
}

std::vector<std::string> Options::unused() const {
  std::vector<std::string> out;
  for (const auto& [key, value] : values_) {
    if (!used_.count(key)) out.push_back(key);
  }
  return out;
}

void CheckReport::problem(const std::string& what) {
  ++problems_total_;
  std::lock_guard lock(mutex_);
  if (examples_.size() < kExamples) examples_.push_back(what);
}

std::vector<std::string> CheckReport::examples() const {
  std::lock_guard lock(mutex_);
  return examples_;
}

nlohmann::json CheckReport::to_json() const {
  return {{"passed", passed()},
          {"checked", checked_.load()},
          {"problems", problems_total_.load()},
          {"examples", examples()}};
}

std::vector<std::string> workload_names() {
  return {"temporal"};
}

std::unique_ptr<Workload> make_workload(const std::string& name, Options& options,
                                        std::uint64_t seed) {
  if (name == "temporal") return std::make_unique<TemporalWorkload>(options, seed);
  throw std::invalid_argument("unknown workload '" + name + "'");
}

}  // namespace hf::bench
