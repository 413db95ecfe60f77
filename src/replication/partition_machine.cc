// replication/partition_machine.cc — a partition's keys in the node's RocksDB as a Raft state
// machine (contract in the header).
#include "replication/partition_machine.h"

#include <stdexcept>
#include <utility>

#include "storage/keys.h"

namespace hf::replication {

namespace {

// The keyspaces whose keys carry the partition id right after the prefix byte
// (storage::partition_of_key).
constexpr char kPartitionPrefixes[] = {storage::kRowPrefix, storage::kHistoryPrefix,
                                       storage::kLoadMarkerPrefix, storage::kCommitRecordPrefix};

std::string range_lower(char prefix, PartitionNumber partition) {
  return storage::partition_prefix(prefix, partition);
}

std::string_view view(const rocksdb::Slice& s) {
  return {s.data(), s.size()};
}

// Accepts Put and Delete of the partition's keys in the default column family; anything
// else makes the batch invalid (the first reason is kept).
class EntryChecker final : public rocksdb::WriteBatch::Handler {
 public:
  explicit EntryChecker(PartitionNumber partition) : partition_(partition) {}

  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice&) override {
    return check(cf, key, "Put");
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return check(cf, key, "Delete");
  }
  rocksdb::Status PutEntityCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return refuse("a PutEntity");
  }
  rocksdb::Status SingleDeleteCF(uint32_t, const rocksdb::Slice&) override {
    return refuse("a SingleDelete");
  }
  rocksdb::Status DeleteRangeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return refuse("a DeleteRange");
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return refuse("a Merge");
  }
  rocksdb::Status PutBlobIndexCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return refuse("a blob index");
  }
  void LogData(const rocksdb::Slice&) override { refuse("log data").PermitUncheckedError(); }
  rocksdb::Status MarkBeginPrepare(bool) override { return refuse("a 2PC marker"); }
  rocksdb::Status MarkEndPrepare(const rocksdb::Slice&) override { return refuse("a 2PC marker"); }
  rocksdb::Status MarkNoop(bool) override { return refuse("a 2PC marker"); }
  rocksdb::Status MarkRollback(const rocksdb::Slice&) override { return refuse("a 2PC marker"); }
  rocksdb::Status MarkCommit(const rocksdb::Slice&) override { return refuse("a 2PC marker"); }
  rocksdb::Status MarkCommitWithTimestamp(const rocksdb::Slice&, const rocksdb::Slice&) override {
    return refuse("a 2PC marker");
  }
  bool Continue() override { return why_.empty(); }

  const std::string& why() const { return why_; }

 private:
  rocksdb::Status check(uint32_t cf, const rocksdb::Slice& key, const char* op) {
    if (cf != 0) return fail(std::string(op) + " in column family " + std::to_string(cf));
    if (!PartitionMachine::owns_key(view(key), partition_))
      return fail(std::string(op) + " of a key outside partition " + std::to_string(partition_));
    return rocksdb::Status::OK();
  }
  // An operation the machine does not apply.
  rocksdb::Status refuse(const char* what) { return fail(std::string("the batch holds ") + what); }
  rocksdb::Status fail(std::string why) {
    if (why_.empty()) why_ = std::move(why);
    return rocksdb::Status::InvalidArgument(why_);
  }

  PartitionNumber partition_;
  std::string why_;
};

// Adds every Put of a snapshot batch to `out`; anything else is a corrupt snapshot.
class SnapshotCopier final : public rocksdb::WriteBatch::Handler {
 public:
  SnapshotCopier(PartitionNumber partition, rocksdb::WriteBatch& out)
      : partition_(partition), out_(out) {}
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    if (cf != 0 || !PartitionMachine::owns_key(view(key), partition_))
      return rocksdb::Status::Corruption("snapshot key outside the partition");
    return out_.Put(key, value);
  }

 private:
  PartitionNumber partition_;
  rocksdb::WriteBatch& out_;
};

}  // namespace

PartitionMachine::PartitionMachine(storage::Engine& engine, PartitionNumber partition)
    : engine_(engine), partition_(partition), applied_key_(applied_index_key(partition)) {
  std::string value;
  if (engine_.get(applied_key_, &value)) {
    if (value.size() != 8) throw std::runtime_error("partition applied index is not 8 bytes");
    applied_.store(storage::get_u64(value), std::memory_order_release);
  }
  seen_ = applied_.load(std::memory_order_relaxed);
}

std::string PartitionMachine::applied_index_key(PartitionNumber partition) {
  std::string name = "raft-applied/";
  storage::put_u16(name, partition);
  return storage::meta_key(name);
}

bool PartitionMachine::owns_key(std::string_view key, PartitionNumber partition) {
  return storage::partition_of_key(key) == partition;
}

std::string PartitionMachine::encode_entry(const rocksdb::WriteBatch& batch) {
  std::string entry(1, static_cast<char>(kWriteBatch));
  entry += batch.Data();
  return entry;
}

std::string PartitionMachine::check_entry(std::string_view entry, PartitionNumber partition) {
  if (entry.empty()) return "the entry is empty";
  if (static_cast<std::uint8_t>(entry[0]) != kWriteBatch)
    return "unknown entry kind " + std::to_string(static_cast<std::uint8_t>(entry[0]));
  // WriteBatch's constructor checks nothing; Iterate() checks the header, every record's
  // framing and the record count, and stops at the handler's first refusal.
  if (entry.size() - 1 < 12) return "the write batch is truncated";  // RocksDB's header
  rocksdb::WriteBatch batch{std::string(entry.substr(1))};
  EntryChecker checker(partition);
  rocksdb::Status s = batch.Iterate(&checker);
  if (!checker.why().empty()) return checker.why();
  if (!s.ok()) return "malformed write batch: " + s.ToString();
  return {};
}

void PartitionMachine::apply(LogIndex index, std::string_view entry) {
  seen_ = index;
  if (index <= applied_.load(std::memory_order_relaxed)) {  // M2: replayed after a restart
    skipped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const std::string why = check_entry(entry, partition_);
  rocksdb::WriteBatch batch;
  if (why.empty()) {
    batch = rocksdb::WriteBatch(std::string(entry.substr(1)));
  } else {  // M3: the index is used up, nothing else is written
    refused_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(refusal_mu_);
    last_refusal_ = {index, why};
  }
  std::string value;
  storage::put_u64(value, index);
  batch.Put(applied_key_, value);
  engine_.write(batch, storage::Durability::kWal);  // why not synced: the header
  applied_.store(index, std::memory_order_release);
  if (why.empty()) applied_entries_.fetch_add(1, std::memory_order_relaxed);
}

std::string PartitionMachine::snapshot() {
  if (seen_ < applied_.load(std::memory_order_relaxed))  // M5: replaying what it holds
    throw std::runtime_error("the partition holds a later state than index " +
                             std::to_string(seen_) + " (replaying its log)");
  return range();
}

std::string PartitionMachine::range() const {
  rocksdb::WriteBatch batch;
  for (char prefix : kPartitionPrefixes) {
    std::string lo = range_lower(prefix, partition_);
    auto it = engine_.iterate(lo, storage::prefix_successor(lo), /*total_order=*/true);
    for (it->first(); (*it)->Valid(); (*it)->Next()) batch.Put((*it)->key(), (*it)->value());
    if (!(*it)->status().ok())
      throw std::runtime_error("partition snapshot: " + (*it)->status().ToString());
  }
  return batch.Data();
}

void PartitionMachine::delete_range(rocksdb::WriteBatch& batch) {
  // Deletes key by key: RocksDB's DeleteRange does not mix with the engine's memtable insert
  // hints (storage/engine.h).
  for (char prefix : kPartitionPrefixes) {
    std::string lo = range_lower(prefix, partition_);
    auto it = engine_.iterate(lo, storage::prefix_successor(lo), /*total_order=*/true);
    for (it->first(); (*it)->Valid(); (*it)->Next()) batch.Delete((*it)->key());
    if (!(*it)->status().ok())
      throw std::runtime_error("partition range: " + (*it)->status().ToString());
  }
}

void PartitionMachine::restore(LogIndex index, std::string_view snapshot) {
  seen_ = index;
  if (index <= applied_.load(std::memory_order_relaxed)) {  // M5
    skipped_restores_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  rocksdb::WriteBatch batch;
  delete_range(batch);
  rocksdb::WriteBatch state{std::string(snapshot)};
  SnapshotCopier copier(partition_, batch);
  rocksdb::Status s = state.Iterate(&copier);
  // A snapshot comes from snapshot() on some replica: a bad one is a bug, and FsmAdapter
  // aborts rather than let this replica diverge.
  if (!s.ok()) throw std::runtime_error("partition snapshot is corrupt: " + s.ToString());
  std::string value;
  storage::put_u64(value, index);
  batch.Put(applied_key_, value);
  engine_.write(batch, storage::Durability::kWal);
  applied_.store(index, std::memory_order_release);
  restores_.fetch_add(1, std::memory_order_relaxed);
}

void PartitionMachine::clear() {
  rocksdb::WriteBatch batch;
  delete_range(batch);
  batch.Delete(applied_key_);
  engine_.write(batch, storage::Durability::kSynced);
  applied_.store(0, std::memory_order_release);
}

PartitionMachine::Refusal PartitionMachine::last_refusal() const {
  std::lock_guard lock(refusal_mu_);
  return last_refusal_;
}

}  // namespace hf::replication
