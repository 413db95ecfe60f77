// partition/locks/lock_table_bench.cc — Google Benchmark for the lock table in-process
// (issue 4: "uncontended lock acquire+release per second").
//
// Not built by hf_layer (it skips *_bench.cc). Target line for bench/CMakeLists.txt:
//   add_executable(lock_table_bench ${CMAKE_SOURCE_DIR}/src/partition/locks/lock_table_bench.cc)
//   target_link_libraries(lock_table_bench PRIVATE hf_locks benchmark::benchmark_main)
#include <atomic>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/asio/post.hpp>

#include "partition/locks/lock_table.h"

namespace hf::locks {
namespace {

std::vector<std::string> make_keys(int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back("key" + std::to_string(i));
  return keys;
}

// One FOR UPDATE on a row nobody else touches, then commit (release_all): the common case.
void BM_UncontendedAcquireRelease(benchmark::State& state) {
  static LockTable* table = nullptr;
  if (state.thread_index() == 0) table = new LockTable();
  auto keys = make_keys(1024);
  AcquireRequest r;
  r.mode = row_mode::kUpdate;
  OwnerId owner = static_cast<OwnerId>(state.thread_index() + 1) << 40;
  size_t i = 0;
  for (auto _ : state) {
    r.tag = row_tag(1, static_cast<uint32_t>(state.thread_index()), keys[i++ & 1023]);
    r.owner = ++owner;
    if (table->acquire(r) != AcquireResult::kGranted) state.SkipWithError("not granted");
    table->release_all(r.owner);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    delete table;
    table = nullptr;
  }
}
BENCHMARK(BM_UncontendedAcquireRelease)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

// A transaction locking 10 rows, then committing.
void BM_TenRowsThenCommit(benchmark::State& state) {
  LockTable table;
  auto keys = make_keys(1024);
  AcquireRequest r;
  r.mode = row_mode::kNoKeyUpdate;
  OwnerId owner = 0;
  size_t i = 0;
  for (auto _ : state) {
    r.owner = ++owner;
    for (int k = 0; k < 10; ++k) {
      r.tag = row_tag(1, 0, keys[i++ & 1023]);
      if (table.acquire(r) != AcquireResult::kGranted) state.SkipWithError("not granted");
    }
    table.release_all(r.owner);
  }
  state.SetItemsProcessed(state.iterations() * 10);
}
BENCHMARK(BM_TenRowsThenCommit);

// Shared holders on one key (FOR KEY SHARE from foreign-key checks).
void BM_SharedHoldersOneKey(benchmark::State& state) {
  LockTable table;
  AcquireRequest r;
  r.tag = row_tag(1, 0, "parent");
  r.mode = row_mode::kKeyShare;
  const int holders = static_cast<int>(state.range(0));
  for (int h = 0; h < holders; ++h) {
    r.owner = 1'000'000 + static_cast<OwnerId>(h);
    table.acquire(r);
  }
  OwnerId owner = 0;
  for (auto _ : state) {
    r.owner = ++owner;
    if (table.acquire(r) != AcquireResult::kGranted) state.SkipWithError("not granted");
    table.release_all(r.owner);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SharedHoldersOneKey)->Arg(1)->Arg(16)->Arg(128);

// NOWAIT failing against a held row (SKIP LOCKED job queues probe many locked rows).
void BM_SkipLockedMiss(benchmark::State& state) {
  LockTable table;
  AcquireRequest r;
  r.tag = row_tag(1, 0, "job");
  r.mode = row_mode::kUpdate;
  r.owner = 1;
  table.acquire(r);
  r.owner = 2;
  r.policy = WaitPolicy::kSkipLocked;
  for (auto _ : state) {
    benchmark::DoNotOptimize(table.acquire(r));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SkipLockedMiss);

// One hot row, N fibers on one thread taking FOR UPDATE in turn: hand-offs per second must
// stay flat as N grows (each release wakes exactly one waiter).
void BM_HotRowHandOff(benchmark::State& state) {
  const int fibers = static_cast<int>(state.range(0));
  constexpr int kPerFiber = 200;
  for (auto _ : state) {
    LockTable table;
    boost::asio::io_context io(1);
    for (int f = 0; f < fibers; ++f) {
      runtime::Fiber::spawn(
          io,
          [&table, f] {
            AcquireRequest r;
            r.tag = row_tag(1, 0, "hot");
            r.mode = row_mode::kUpdate;
            for (int i = 0; i < kPerFiber; ++i) {
              r.owner = static_cast<OwnerId>(f) * 1'000'000 + static_cast<OwnerId>(i) + 1;
              table.acquire(r);
              // Yield once while holding, like a statement doing work.
              runtime::Fiber* self = runtime::Fiber::current();
              boost::asio::post(self->io(), [ref = self->shared_from_this()] { ref->resume(); });
              self->suspend();
              table.release_all(r.owner);
            }
          },
          64 * 1024);
    }
    io.run();
  }
  state.SetItemsProcessed(state.iterations() * fibers * kPerFiber);
}
BENCHMARK(BM_HotRowHandOff)->Arg(8)->Arg(32)->Arg(128)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace hf::locks
