// client/retry.h — run a unit of work against the server and run it again when the server
// says it may succeed next time: exponential backoff with jitter, seed 001's defaults.
//
// Owns: the retry policy, the backoff schedule, the retry loop and its counters.
//
// The contract:
//   - An attempt is one call of the caller's function (run) or one BEGIN … body … COMMIT
//     (run_transaction). An attempt that throws PgError is classified by its SQLSTATE
//     (client/pg_error.h):
//       kRetryable (40001, 40P01): a conflict. If fewer than policy.max_retries retries have
//         been made, sleep backoff_delay(policy, n, u) for the n-th retry and attempt again;
//         otherwise give up with Outcome::kExhausted.
//       kUnsupported (0A000): Outcome::kUnsupported at once, no retry.
//       kOther: Outcome::kFailed at once, no retry.
//     An attempt that returns normally ends the run with Outcome::kSucceeded.
//   - The n-th retry (n = 1, 2, …) waits min(max_delay, base_delay · 2^(n-1)) scaled by a
//     factor drawn uniformly from [1 - jitter, 1 + jitter], and never more than max_delay.
//     Defaults: 5 retries, 100 ms base, 5 s cap, 25 % jitter, so the waits are about
//     100, 200, 400, 800, 1600 ms.
//   - run_transaction sends policy.begin ("BEGIN" unless changed, e.g. to
//     "BEGIN ISOLATION LEVEL SERIALIZABLE"), calls body, then COMMIT. When the body or
//     COMMIT fails, the transaction is rolled back (ROLLBACK is sent only if the connection
//     is still inside a transaction) before the error is classified. A COMMIT that the server
//     turns into a ROLLBACK (the body swallowed an error) is Outcome::kFailed with SQLSTATE
//     25P02. Exceptions other than PgError are not the retrier's business: the transaction
//     is rolled back and the exception propagates; counters still count the attempt.
//   - Counters: runs, attempts, conflicts (attempts that failed with a retryable SQLSTATE),
//     retries (attempts made after a conflict), exhausted (runs that gave up on a conflict),
//     unsupported and failed (runs that ended that way). conflicts == retries + exhausted.
//
// Thread safety: a Retrier belongs to one thread at a time (its random generator and
// counters are not synchronised); give each client thread its own and add the counters up
// with RetryCounters::operator+=. backoff_delay and the policy are plain values.
// Blocking: run and run_transaction block the calling thread in libpq and in the sleep
// between attempts (this is client code on ordinary threads, not a server fiber).
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <string>

#include "client/pg_error.h"

namespace hf::client {

struct RetryPolicy {
  int max_retries = 5;
  std::chrono::microseconds base_delay = std::chrono::milliseconds(100);
  std::chrono::microseconds max_delay = std::chrono::seconds(5);
  double jitter = 0.25;  // fraction of the delay, in [0, 1]
  std::string begin = "BEGIN";

  // Throws std::invalid_argument for a negative retry count or delay, a base above the cap,
  // or a jitter outside [0, 1].
  void validate() const;
};

// The wait before retry number `retry` (1-based). `unit` in [0, 1] picks the point in the
// jitter band: 0 is the shortest wait, 0.5 the unjittered one, 1 the longest.
std::chrono::microseconds backoff_delay(const RetryPolicy& policy, int retry, double unit);

enum class Outcome {
  kSucceeded,    // an attempt returned (and, for a transaction, committed)
  kExhausted,    // every attempt ended in a conflict; max_retries retries were made
  kUnsupported,  // 0A000
  kFailed,       // any other error
};
const char* to_string(Outcome outcome);

struct RunResult {
  Outcome outcome = Outcome::kSucceeded;
  int attempts = 0;
  std::string sqlstate;  // of the last error; empty when the run succeeded at once
  std::string message;
  bool ok() const { return outcome == Outcome::kSucceeded; }
};

struct RetryCounters {
  std::uint64_t runs = 0;
  std::uint64_t attempts = 0;
  std::uint64_t conflicts = 0;
  std::uint64_t retries = 0;
  std::uint64_t exhausted = 0;
  std::uint64_t unsupported = 0;
  std::uint64_t failed = 0;
  RetryCounters& operator+=(const RetryCounters& other);
};

class Retrier {
 public:
  using Sleep = std::function<void(std::chrono::microseconds)>;

  // `seed` makes the jitter reproducible; `sleep` defaults to std::this_thread::sleep_for
  // (tests pass a recorder). Validates the policy.
  explicit Retrier(RetryPolicy policy = {}, std::uint64_t seed = std::random_device{}(),
                   Sleep sleep = {});

  // Calls `attempt` until it returns or the policy says stop (see the contract above).
  RunResult run(const std::function<void()>& attempt);

  // BEGIN; body(conn); COMMIT — retried as a whole.
  RunResult run_transaction(PGconn* conn, const std::function<void(PGconn*)>& body);

  const RetryPolicy& policy() const { return policy_; }
  const RetryCounters& counters() const { return counters_; }

 private:
  RetryPolicy policy_;
  std::mt19937_64 random_;
  Sleep sleep_;
  RetryCounters counters_;
};

}  // namespace hf::client
