// partition_api/counting_partition_for_tests.h — a Partition that forwards every call to
// another and counts the data calls it forwards, so a test can check which partitions a
// statement visited ("a scan bound on the partition key touches exactly one partition").
// Test-only. Counters are atomics: safe from any thread, like the Partition it wraps.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "partition_api/partition.h"

namespace hf::partition_api {

class CountingPartition : public Partition {
 public:
  explicit CountingPartition(Partition* inner) : inner_(inner) {}

  std::atomic<uint64_t> gets{0}, scans{0}, latests{0}, locks{0}, writes{0};
  uint64_t reads() const { return gets + scans + latests; }
  void reset() { gets = scans = latests = locks = writes = 0; }

  PartitionId id() const override { return inner_->id(); }
  std::optional<RowVersion> get(const KeySpace& space, const std::string& key,
                                const ReadView& view) override {
    ++gets;
    return inner_->get(space, key, view);
  }
  std::unique_ptr<RowCursor> scan(const ScanRequest& req) override {
    ++scans;
    return inner_->scan(req);
  }
  LatestState latest(const KeySpace& space, const std::string& key, TxnId own) override {
    ++latests;
    return inner_->latest(space, key, own);
  }
  LockResult lock(const LockRequest& req) override {
    ++locks;
    return inner_->lock(req);
  }
  void write(TxnId txn, SubId sub, CommandId cid, const KeySpace& space, const std::string& key,
             const std::optional<std::string>& value, bool publish, bool new_key,
             bool unlocked) override {
    ++writes;
    inner_->write(txn, sub, cid, space, key, value, publish, new_key, unlocked);
  }
  bool load(TxnId txn, SubId sub, const KeySpace& space,
            const std::vector<std::pair<std::string, std::string>>& rows) override {
    writes += rows.size();
    return inner_->load(txn, sub, space, rows);
  }
  void finish_loads(TxnId txn) override { inner_->finish_loads(txn); }
  void drop_keyspaces(uint32_t table_id) override { inner_->drop_keyspaces(table_id); }
  void rollback_subtransactions(TxnId txn, SubId first_aborted) override {
    inner_->rollback_subtransactions(txn, first_aborted);
  }
  void prepare(TxnId txn) override { inner_->prepare(txn); }
  void write_commit_record(TxnId txn, const std::vector<PartitionId>& participants) override {
    inner_->write_commit_record(txn, participants);
  }
  void commit(TxnId txn, Timestamp commit_ts) override { inner_->commit(txn, commit_ts); }
  void abort(TxnId txn) override { inner_->abort(txn); }
  void commit_one_phase(TxnId txn, Timestamp commit_ts,
                        const std::vector<PartitionId>& with) override {
    inner_->commit_one_phase(txn, commit_ts, with);
  }
  uint64_t commit_group() const override { return inner_->commit_group(); }
  bool in_process() const override { return inner_->in_process(); }
  bool leader_only() const override { return inner_->leader_only(); }
  ObjectLockResult lock_object(const ObjectLockRequest& req) override {
    return inner_->lock_object(req);
  }
  bool unlock_object(const ObjectTag& tag, uint64_t owner, uint8_t mode) override {
    return inner_->unlock_object(tag, owner, mode);
  }
  void release_owner(uint64_t owner) override { inner_->release_owner(owner); }
  std::vector<LockEntry> lock_view() override { return inner_->lock_view(); }
  std::vector<Blocker> blockers(uint64_t owner) override { return inner_->blockers(owner); }
  std::vector<TxnId> siread_holders(const KeySpace& space, const std::string& key, TxnId writer,
                                    bool replaces) override {
    return inner_->siread_holders(space, key, writer, replaces);
  }
  void release_siread(TxnId txn) override { inner_->release_siread(txn); }

 private:
  Partition* inner_;
};

}  // namespace hf::partition_api
