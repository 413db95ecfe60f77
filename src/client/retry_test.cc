// Unit tests of the retry library that need no server: the SQLSTATE classes, the backoff
// schedule and the retry loop driven by a scripted attempt function.
#include "client/retry.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace hf::client {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(ClassifySqlstate, RetryableUnsupportedAndOther) {
  EXPECT_EQ(classify_sqlstate("40001"), ErrorKind::kRetryable);
  EXPECT_EQ(classify_sqlstate("40P01"), ErrorKind::kRetryable);
  EXPECT_EQ(classify_sqlstate("0A000"), ErrorKind::kUnsupported);
  for (const char* other :
       {"40000", "40002", "40003", "23505", "55P03", "57014", "08006", "XX000", "", "4000"}) {
    EXPECT_EQ(classify_sqlstate(other), ErrorKind::kOther) << other;
  }
  EXPECT_EQ(PgError("40P01", "deadlock detected").kind(), ErrorKind::kRetryable);
  EXPECT_STREQ(to_string(ErrorKind::kUnsupported), "unsupported");
}

TEST(BackoffDelay, DoublesFromTheBaseUpToTheCapWithoutJitterAtMidpoint) {
  RetryPolicy policy;  // seed 001's defaults
  const std::vector<microseconds> expected = {
      milliseconds(100),  milliseconds(200),  milliseconds(400),  milliseconds(800),
      milliseconds(1600), milliseconds(3200), milliseconds(5000), milliseconds(5000)};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(backoff_delay(policy, static_cast<int>(i) + 1, 0.5), expected[i])
        << "retry " << i + 1;
  }
  EXPECT_EQ(backoff_delay(policy, 1000, 0.5), milliseconds(5000));  // no overflow
}

TEST(BackoffDelay, JitterSpansTheBandAndNeverExceedsTheCap) {
  RetryPolicy policy;
  EXPECT_EQ(backoff_delay(policy, 1, 0.0), milliseconds(75));
  EXPECT_EQ(backoff_delay(policy, 1, 1.0), milliseconds(125));
  EXPECT_EQ(backoff_delay(policy, 3, 0.0), milliseconds(300));
  EXPECT_EQ(backoff_delay(policy, 3, 1.0), milliseconds(500));
  EXPECT_EQ(backoff_delay(policy, 7, 0.0), milliseconds(3750));
  EXPECT_EQ(backoff_delay(policy, 7, 1.0), milliseconds(5000));  // 6250 clamped to the cap
  policy.jitter = 0;
  EXPECT_EQ(backoff_delay(policy, 2, 0.0), milliseconds(200));
  EXPECT_EQ(backoff_delay(policy, 2, 1.0), milliseconds(200));
}

TEST(RetryPolicy, RejectsNonsense) {
  RetryPolicy policy;
  EXPECT_NO_THROW(policy.validate());
  policy.jitter = 1.5;
  EXPECT_THROW(policy.validate(), std::invalid_argument);
  policy = {};
  policy.max_retries = -1;
  EXPECT_THROW(policy.validate(), std::invalid_argument);
  policy = {};
  policy.base_delay = std::chrono::seconds(10);
  EXPECT_THROW(Retrier{policy}, std::invalid_argument);
}

// A retrier whose sleeps are recorded instead of slept.
struct Scripted {
  std::vector<microseconds> sleeps;
  Retrier retrier;
  explicit Scripted(RetryPolicy policy = {}, std::uint64_t seed = 42)
      : retrier(policy, seed, [this](microseconds d) { sleeps.push_back(d); }) {}
};

// An attempt function that fails with the given SQLSTATEs, one per call, then succeeds.
std::function<void()> failing_with(std::vector<std::string> states, int* calls) {
  return [states = std::move(states), calls] {
    size_t call = static_cast<size_t>((*calls)++);
    if (call < states.size()) throw PgError(states[call], "scripted " + states[call]);
  };
}

TEST(Retrier, RetriesConflictsWithGrowingJitteredWaitsThenSucceeds) {
  Scripted s;
  int calls = 0;
  RunResult result = s.retrier.run(failing_with({"40001", "40P01", "40001"}, &calls));
  EXPECT_EQ(result.outcome, Outcome::kSucceeded);
  EXPECT_EQ(result.attempts, 4);
  EXPECT_EQ(calls, 4);
  ASSERT_EQ(s.sleeps.size(), 3u);
  const microseconds mid[] = {milliseconds(100), milliseconds(200), milliseconds(400)};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_GE(s.sleeps[i], mid[i] * 3 / 4) << i;
    EXPECT_LE(s.sleeps[i], mid[i] * 5 / 4) << i;
  }
  const RetryCounters& c = s.retrier.counters();
  EXPECT_EQ(c.runs, 1u);
  EXPECT_EQ(c.attempts, 4u);
  EXPECT_EQ(c.conflicts, 3u);
  EXPECT_EQ(c.retries, 3u);
  EXPECT_EQ(c.exhausted, 0u);
}

TEST(Retrier, GivesUpAfterMaxRetries) {
  Scripted s;
  int calls = 0;
  RunResult result = s.retrier.run(failing_with(std::vector<std::string>(50, "40001"), &calls));
  EXPECT_EQ(result.outcome, Outcome::kExhausted);
  EXPECT_EQ(result.attempts, 6);  // the first attempt and five retries
  EXPECT_EQ(result.sqlstate, "40001");
  EXPECT_EQ(s.sleeps.size(), 5u);
  const RetryCounters& c = s.retrier.counters();
  EXPECT_EQ(c.conflicts, 6u);
  EXPECT_EQ(c.retries, 5u);
  EXPECT_EQ(c.exhausted, 1u);
  EXPECT_EQ(c.conflicts, c.retries + c.exhausted);
}

TEST(Retrier, ZeroRetriesMeansOneAttempt) {
  RetryPolicy policy;
  policy.max_retries = 0;
  Scripted s(policy);
  int calls = 0;
  EXPECT_EQ(s.retrier.run(failing_with({"40P01"}, &calls)).outcome, Outcome::kExhausted);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(s.sleeps.empty());
}

TEST(Retrier, UnsupportedAndOtherErrorsAreNotRetried) {
  Scripted s;
  int calls = 0;
  RunResult unsupported = s.retrier.run(failing_with({"0A000"}, &calls));
  EXPECT_EQ(unsupported.outcome, Outcome::kUnsupported);
  EXPECT_EQ(unsupported.attempts, 1);
  EXPECT_EQ(unsupported.sqlstate, "0A000");
  calls = 0;
  RunResult failed = s.retrier.run(failing_with({"40001", "23505"}, &calls));
  EXPECT_EQ(failed.outcome, Outcome::kFailed);
  EXPECT_EQ(failed.attempts, 2);
  EXPECT_EQ(failed.sqlstate, "23505");
  EXPECT_EQ(failed.message, "scripted 23505");
  const RetryCounters& c = s.retrier.counters();
  EXPECT_EQ(c.runs, 2u);
  EXPECT_EQ(c.unsupported, 1u);
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.retries, 1u);
  EXPECT_EQ(s.sleeps.size(), 1u);
}

TEST(Retrier, OtherExceptionsPropagateWithoutRetry) {
  Scripted s;
  int calls = 0;
  EXPECT_THROW(s.retrier.run([&] {
    ++calls;
    throw std::logic_error("application check failed");
  }),
               std::logic_error);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(s.sleeps.empty());
}

TEST(Retrier, SameSeedSameWaits) {
  Scripted a(RetryPolicy{}, 7), b(RetryPolicy{}, 7), c(RetryPolicy{}, 8);
  for (Scripted* s : {&a, &b, &c}) {
    int calls = 0;
    s->retrier.run(failing_with({"40001", "40001", "40001"}, &calls));
  }
  EXPECT_EQ(a.sleeps, b.sleeps);
  EXPECT_NE(a.sleeps, c.sleeps);
}

TEST(RetryCounters, AddUp) {
  RetryCounters x{1, 2, 3, 4, 5, 6, 7}, y{10, 20, 30, 40, 50, 60, 70};
  x += y;
  EXPECT_EQ(x.runs, 11u);
  EXPECT_EQ(x.attempts, 22u);
  EXPECT_EQ(x.conflicts, 33u);
  EXPECT_EQ(x.retries, 44u);
  EXPECT_EQ(x.exhausted, 55u);
  EXPECT_EQ(x.unsupported, 66u);
  EXPECT_EQ(x.failed, 77u);
}

TEST(CheckResult, NullResultIsAConnectionFailure) {
  try {
    check_result(nullptr, nullptr);
    FAIL() << "no exception";
  } catch (const PgError& e) {
    EXPECT_EQ(e.sqlstate(), kConnectionFailure);
    EXPECT_EQ(e.kind(), ErrorKind::kOther);
  }
}

}  // namespace
}  // namespace hf::client
