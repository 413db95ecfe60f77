// Unit tests of the benchmark driver's parts that need no server: parameter encoding as pgx
// does it, percentiles, the measurement window, -D options, shard hashing and the statement
// texts' parameter numbering.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <set>

#include "bench/driver/metrics.h"
#include "bench/driver/pq.h"
#include "bench/driver/temporal.h"
#include "bench/driver/workload.h"

namespace hf::bench {
namespace {

TEST(EncodeParam, IntegersFollowTheDescribedType) {
  Encoded e = encode_param(Value{Value::Kind::kInt, 0x01020304, {}}, oid::kInt4);
  EXPECT_EQ(e.format, 1);
  EXPECT_EQ(e.data, std::string("\x01\x02\x03\x04", 4));
  e = encode_param(Value{Value::Kind::kInt, -2, {}}, oid::kInt8);
  EXPECT_EQ(e.data, std::string(7, '\xff') + "\xfe");
  e = encode_param(Value{Value::Kind::kInt, 7233, {}}, oid::kInt2);
  EXPECT_EQ(e.data, std::string("\x1c\x41", 2));
  EXPECT_THROW(encode_param(Value{Value::Kind::kInt, 40000, {}}, oid::kInt2),
               std::invalid_argument);
  EXPECT_THROW(encode_param(Value{Value::Kind::kInt, 1LL << 40, {}}, oid::kInt4),
               std::invalid_argument);
  e = encode_param(Value{Value::Kind::kInt, 42, {}}, oid::kText);  // text: the server parses it
  EXPECT_EQ(e.format, 0);
  EXPECT_EQ(e.data, "42");
  EXPECT_THROW(encode_param(Value{Value::Kind::kInt, 1, {}}, oid::kBytea), std::invalid_argument);
}

TEST(EncodeParam, BytesTextTimeAndNull) {
  Encoded e = encode_param(Value{Value::Kind::kBytes, 0, std::string_view("\0\1", 2)}, oid::kBytea);
  EXPECT_EQ(e.format, 1);
  EXPECT_EQ(e.data, std::string("\0\1", 2));
  EXPECT_THROW(encode_param(Value{Value::Kind::kBytes, 0, "x"}, oid::kVarchar),
               std::invalid_argument);
  e = encode_param(Value{Value::Kind::kText, 0, "wf-1"}, oid::kVarchar);
  EXPECT_EQ(e.format, 0);
  EXPECT_EQ(e.data, "wf-1");
  // 2000-01-01 00:00:01 UTC is 1 s after PostgreSQL's epoch.
  e = encode_param(Value{Value::Kind::kTime, 946'684'801'000'000, {}}, oid::kTimestamp);
  EXPECT_EQ(e.format, 1);
  EXPECT_EQ(e.data, std::string("\0\0\0\0\0\x0f\x42\x40", 8));
  EXPECT_THROW(encode_param(Value{Value::Kind::kTime, 0, {}}, oid::kInt8), std::invalid_argument);
  EXPECT_TRUE(encode_param(Value{}, oid::kInt4).is_null);
}

TEST(LatencySamples, NearestRankPercentiles) {
  LatencySamples s;
  EXPECT_EQ(s.percentile_micros(99), 0);
  for (int i = 100; i >= 1; --i) s.add_micros(i);
  EXPECT_EQ(s.percentile_micros(50), 50);
  EXPECT_EQ(s.percentile_micros(95), 95);
  EXPECT_EQ(s.percentile_micros(99), 99);
  EXPECT_EQ(s.percentile_micros(100), 100);
  EXPECT_EQ(s.max_micros(), 100);
  EXPECT_DOUBLE_EQ(s.mean_micros(), 50.5);
  LatencySamples t;
  t.add_micros(1000);
  s.merge(t);
  EXPECT_EQ(s.max_micros(), 1000);
  EXPECT_EQ(s.summary()["p99_ms"].get<double>(), 0.1);  // 101 samples: rank 100 is 100 us
}

TEST(Metrics, CountsOnlyInsideTheWindowButFailuresAlways) {
  Clock::time_point t0 = Clock::now();
  Metrics m({"a", "b"}, t0 + std::chrono::seconds(1), t0 + std::chrono::seconds(3));
  m.unit_done(t0, t0 + std::chrono::milliseconds(500));  // warm-up
  m.unit_done(t0, t0 + std::chrono::seconds(2));
  m.unit_done(t0, t0 + std::chrono::seconds(3));  // drain: the window is half-open
  m.kind_done(1, t0 + std::chrono::seconds(2), t0 + std::chrono::milliseconds(2100), 1, 6);
  m.kind_done(0, t0, t0 + std::chrono::milliseconds(10), 1, 2);
  m.failure("x 40001 exhausted", "first");
  m.failure("x 40001 exhausted", "second");
  EXPECT_EQ(m.units(), 1u);
  EXPECT_EQ(m.unit_latency().percentile_micros(50), 2'000'000);
  EXPECT_EQ(m.transactions(), 1u);
  EXPECT_EQ(m.statements(), 6u);
  EXPECT_EQ(m.kind_latency(0).count(), 0u);
  EXPECT_EQ(m.kind_latency(1).count(), 1u);
  EXPECT_EQ(m.failures().at("x 40001 exhausted").count, 2u);
  EXPECT_EQ(m.failures().at("x 40001 exhausted").example, "first");
  EXPECT_DOUBLE_EQ(m.window_seconds(), 2.0);

  Metrics other({"a", "b"}, t0 + std::chrono::seconds(1), t0 + std::chrono::seconds(3));
  other.unit_done(t0, t0 + std::chrono::seconds(1));
  other.failure("y", "z");
  other.retry().conflicts = 3;
  m.merge(other);
  EXPECT_EQ(m.units(), 2u);
  EXPECT_EQ(m.failures_total(), 3u);
  EXPECT_EQ(m.retry().conflicts, 3u);
}

TEST(Options, ParsesAndReportsUnusedKeys) {
  Options o;
  o.set("shards=16");
  o.set("shrads=4");
  EXPECT_THROW(o.set("noequals"), std::invalid_argument);
  EXPECT_EQ(o.integer("shards", 512), 16);
  EXPECT_EQ(o.integer("renew_every", 100), 100);
  EXPECT_EQ(o.unused(), std::vector<std::string>{"shrads"});
  o.set("bad=12x");
  EXPECT_THROW(o.integer("bad", 0), std::invalid_argument);
}

TEST(Temporal, ShardOfIsFnv1aModuloShardsPlusOne) {
  // FNV-1a 32 of "a" is 0xe40c292c = 3826002220.
  EXPECT_EQ(TemporalWorkload::shard_of("a", 1000), 221);
  std::vector<int> hits(513);
  for (int i = 0; i < 20000; ++i) {
    int shard = TemporalWorkload::shard_of("hf-bench-0-" + std::to_string(i), 512);
    ASSERT_GE(shard, 1);
    ASSERT_LE(shard, 512);
    ++hits[static_cast<size_t>(shard)];
  }
  for (int shard = 1; shard <= 512; ++shard)
    EXPECT_GT(hits[static_cast<size_t>(shard)], 0) << shard;
}

// sqlx numbers every `:name` occurrence in order; a slip would leave a gap, a repeat or a
// named parameter behind.
TEST(Temporal, StatementsUseDollarParametersNumberedInOrder) {
  std::set<std::string> names;
  for (const auto& [name, sql] : TemporalWorkload::statements()) {
    EXPECT_TRUE(names.insert(name).second) << name;
    // (std::regex trips GCC 12's -Wmaybe-uninitialized under ASan, so scan by hand.)
    std::vector<int> order;
    for (size_t i = 0; i + 1 < sql.size(); ++i) {
      char next = sql[i + 1];
      EXPECT_FALSE(sql[i] == ':' && (std::islower(static_cast<unsigned char>(next)) || next == '_'))
          << name << ": named parameter at " << i;
      if (sql[i] == '$' && std::isdigit(static_cast<unsigned char>(next))) {
        order.push_back(std::atoi(sql.c_str() + i + 1));
      }
    }
    ASSERT_FALSE(order.empty()) << name;
    int highest = 0;
    for (int n : order) {
      // Positional parameters may repeat (the membership upsert reuses $1..$8) but each new
      // one is the next number.
      EXPECT_LE(n, highest + 1) << name;
      highest = std::max(highest, n);
    }
  }
  EXPECT_EQ(TemporalWorkload::statements().size(), 32u);
  EXPECT_EQ(TemporalWorkload::schema().size(), 22u);
}

}  // namespace
}  // namespace hf::bench
