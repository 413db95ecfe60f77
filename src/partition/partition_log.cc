// partition/partition_log.cc — see partition_log.h.
#include "partition/partition_log.h"

#include <chrono>
#include <exception>

#include "common/wait_stats.h"
#include "runtime/fiber.h"
#include "storage/keys.h"

namespace hf::partition {

namespace {
// RocksDB's write batch header: sequence u64 then count u32, little-endian (the format
// rocksdb::WriteBatch(std::string rep) takes; replication/partition_machine.cc relies on it too).
constexpr size_t kBatchHeader = 12;
constexpr size_t kBatchCountAt = 8;

// Says which key of a batch lies outside `partition`'s range (empty when none).
class RangeChecker final : public rocksdb::WriteBatch::Handler {
 public:
  explicit RangeChecker(PartitionBatches::PartitionId partition) : partition_(partition) {}
  rocksdb::Status PutCF(uint32_t, const rocksdb::Slice& key, const rocksdb::Slice&) override {
    return check(key);
  }
  rocksdb::Status DeleteCF(uint32_t, const rocksdb::Slice& key) override { return check(key); }
  rocksdb::Status SingleDeleteCF(uint32_t, const rocksdb::Slice& key) override {
    return check(key);
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice& key, const rocksdb::Slice&) override {
    return check(key);
  }
  rocksdb::Status DeleteRangeCF(uint32_t, const rocksdb::Slice& lo,
                                const rocksdb::Slice& hi) override {
    rocksdb::Status s = check(lo);
    return s.ok() ? check(hi) : s;
  }
  bool Continue() override { return why.empty(); }
  std::string why;

 private:
  rocksdb::Status check(const rocksdb::Slice& key) {
    if (storage::partition_of_key(std::string_view(key.data(), key.size())) == partition_)
      return rocksdb::Status::OK();
    why = "a key outside partition " + std::to_string(partition_) + " in its part";
    return rocksdb::Status::InvalidArgument(why);
  }
  PartitionBatches::PartitionId partition_;
};
}  // namespace

rocksdb::WriteBatch& PartitionBatches::of(PartitionId p) {
  if (!has_first_) {
    has_first_ = true;
    first_id_ = p;
    return first_;
  }
  if (first_id_ == p) return first_;
  for (auto& [id, batch] : more_)
    if (id == p) return *batch;
  more_.emplace_back(p, std::make_unique<rocksdb::WriteBatch>());
  return *more_.back().second;
}

uint32_t PartitionBatches::count() const {
  uint32_t n = 0;
  for (size_t i = 0; i < parts(); ++i) n += part(i).Count();
  return n;
}

std::string PartitionBatches::check() const {
  for (size_t i = 0; i < parts(); ++i) {
    RangeChecker checker(partition(i));
    rocksdb::Status s = part(i).Iterate(&checker);
    if (!checker.why.empty()) return checker.why;
    if (!s.ok()) return "partition " + std::to_string(partition(i)) + ": " + s.ToString();
  }
  return {};
}

rocksdb::WriteBatch& PartitionBatches::combined() {
  if (parts() == 1) return first_;
  if (parts() == 0) return combined_;
  std::string rep = first_.Data();
  uint32_t n = first_.Count();
  for (const auto& [id, batch] : more_) {
    rep.append(batch->Data(), kBatchHeader, std::string::npos);
    n += batch->Count();
  }
  for (size_t i = 0; i < 4; ++i) rep[kBatchCountAt + i] = static_cast<char>(n >> (8 * i));
  combined_ = rocksdb::WriteBatch(std::move(rep));
  return combined_;
}

namespace {
// L3 for a write that is readable and durable at once (synced on this thread, or unsynced).
void run_both(const WriteHooks& hooks) {
  if (hooks.readable) hooks.readable();
  if (hooks.on_durable) hooks.on_durable();
}
}  // namespace

void DirectLog::write(PartitionBatches& parts, storage::Durability d, const WriteHooks& hooks) {
  if (parts.count() == 0) {
    run_both(hooks);
    return;
  }
  rocksdb::WriteBatch& batch = parts.combined();
  if (d == storage::Durability::kSynced) {
    synced(batch, hooks);
    return;
  }
  // An unsynced write is a memtable insert plus a WAL append: a few microseconds, so it runs
  // inline (a pool hop would cost more than the write). It never waits for a group commit's
  // fsync (storage::Engine syncs outside RocksDB's write queue), but it does wait out a
  // RocksDB write stall. A stall that starts right after the check delays this one write.
  if (engine_.write_stalled()) {
    runtime::run_blocking([&] { engine_.write(batch, d); });
  } else {
    engine_.write(batch, d);
  }
  run_both(hooks);
}

void DirectLog::synced(rocksdb::WriteBatch& batch, const WriteHooks& hooks) {
  if (runtime::Fiber::current() == nullptr) {  // a plain thread (recovery, tests) may block
    engine_.write(batch, storage::Durability::kSynced);
    run_both(hooks);
    return;
  }
  // The fsync runs on this fiber's own thread only when no other fiber is ready to run
  // anywhere (nobody waits behind it) and the WAL's syncs are neither under way nor recently
  // shared (storage::Engine::write_and_sync_if_idle): a lone commit then skips the wake-up of
  // the sync thread and the wake-up back (~0.07 ms of a ~0.3 ms commit here).
  if (!engine_.write_stalled() && runtime::Fiber::ready_count() <= 1) {
    if (engine_.write_and_sync_if_idle(batch)) {
      run_both(hooks);
      return;
    }
  } else if (engine_.write_stalled()) {
    runtime::run_blocking([&] { engine_.append_synced(batch); });
  } else {
    engine_.append_synced(batch);
  }
  if (hooks.readable) hooks.readable();
  // Appended; the engine's sync thread makes it durable in the next group commit while this
  // fiber is parked and its executor serves others. (Before: a blocking-pool thread per
  // commit ran the write and waited for the group's fsync; under 32 Temporal clients those
  // wake-ups preempted the executors ~6,000 times a second each.) on_durable runs in the
  // sync thread's callback, before this fiber is woken: what it publishes does not wait for
  // this fiber's turn in its executor's run queue.
  auto durable = runtime::Event::create();
  std::exception_ptr failure;
  const auto appended = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point answered;  // written before complete(), read after wait()
  engine_.sync_then([&failure, &answered, &hooks, durable](std::exception_ptr e) {
    failure = std::move(e);
    answered = std::chrono::steady_clock::now();
    if (!failure && hooks.on_durable) hooks.on_durable();
    // Urgent: what is left of the commit is short (the answer to the client), and a client
    // waiting for it adds no load meanwhile; behind the executor's queue it waited 1-4 ms.
    durable->complete(runtime::WakeReason::kSignalled, runtime::Fiber::Priority::kUrgent);
  });
  durable->wait();
  auto& stats = wait_stats();
  add_wait(stats.sync_us, stats.sync_n, appended, answered);
  add_wait(stats.wake_us, stats.wake_n, answered);
  if (failure) std::rethrow_exception(failure);
}

}  // namespace hf::partition
