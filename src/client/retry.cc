#include "client/retry.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <thread>

namespace hf::client {

void RetryPolicy::validate() const {
  if (max_retries < 0) throw std::invalid_argument("max_retries must not be negative");
  if (base_delay.count() < 0 || max_delay.count() < 0) {
    throw std::invalid_argument("retry delays must not be negative");
  }
  if (base_delay > max_delay) throw std::invalid_argument("base_delay must not exceed max_delay");
  if (!(jitter >= 0.0 && jitter <= 1.0)) throw std::invalid_argument("jitter must be in [0, 1]");
}

std::chrono::microseconds backoff_delay(const RetryPolicy& policy, int retry, double unit) {
  const double cap = static_cast<double>(policy.max_delay.count());
  // Doubling in floating point saturates at the cap instead of overflowing for large retries.
  double delay = static_cast<double>(policy.base_delay.count());
  for (int i = 1; i < retry && delay > 0 && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  unit = std::clamp(unit, 0.0, 1.0);
  delay *= 1.0 + policy.jitter * (2.0 * unit - 1.0);
  return std::chrono::microseconds(
      static_cast<std::int64_t>(std::llround(std::clamp(delay, 0.0, cap))));
}

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSucceeded:
      return "succeeded";
    case Outcome::kExhausted:
      return "exhausted";
    case Outcome::kUnsupported:
      return "unsupported";
    case Outcome::kFailed:
      break;
  }
  return "failed";
}

RetryCounters& RetryCounters::operator+=(const RetryCounters& other) {
  runs += other.runs;
  attempts += other.attempts;
  conflicts += other.conflicts;
  retries += other.retries;
  exhausted += other.exhausted;
  unsupported += other.unsupported;
  failed += other.failed;
  return *this;
}

Retrier::Retrier(RetryPolicy policy, std::uint64_t seed, Sleep sleep)
    : policy_(std::move(policy)), random_(seed), sleep_(std::move(sleep)) {
  policy_.validate();
  if (!sleep_) sleep_ = [](std::chrono::microseconds d) { std::this_thread::sleep_for(d); };
}

RunResult Retrier::run(const std::function<void()>& attempt) {
  RunResult result;
  ++counters_.runs;
  for (int retry = 0;; ++retry) {
    ++result.attempts;
    ++counters_.attempts;
    try {
      attempt();
      result.outcome = Outcome::kSucceeded;
      return result;
    } catch (const PgError& e) {
      result.sqlstate = e.sqlstate();
      result.message = e.what();
      switch (e.kind()) {
        case ErrorKind::kRetryable:
          ++counters_.conflicts;
          break;
        case ErrorKind::kUnsupported:
          ++counters_.unsupported;
          result.outcome = Outcome::kUnsupported;
          return result;
        case ErrorKind::kOther:
          ++counters_.failed;
          result.outcome = Outcome::kFailed;
          return result;
      }
    }
    if (retry >= policy_.max_retries) {
      ++counters_.exhausted;
      result.outcome = Outcome::kExhausted;
      return result;
    }
    ++counters_.retries;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    sleep_(backoff_delay(policy_, retry + 1, unit(random_)));
  }
}

namespace {

// Ends whatever transaction the connection is in after a failed attempt. A broken
// connection has nothing to roll back; its failure was already reported by the attempt.
void roll_back(PGconn* conn) {
  PGTransactionStatusType status = PQtransactionStatus(conn);
  if (status == PQTRANS_INTRANS || status == PQTRANS_INERROR) PQclear(PQexec(conn, "ROLLBACK"));
}

}  // namespace

RunResult Retrier::run_transaction(PGconn* conn, const std::function<void(PGconn*)>& body) {
  return run([&] {
    try {
      exec_checked(conn, policy_.begin.c_str());
      body(conn);
      PgResult commit = exec_checked(conn, "COMMIT");
      if (std::string_view(PQcmdStatus(commit.get())) == "ROLLBACK") {
        throw PgError("25P02", "COMMIT rolled back the transaction: an earlier statement failed");
      }
    } catch (...) {
      roll_back(conn);
      throw;
    }
  });
}

}  // namespace hf::client
