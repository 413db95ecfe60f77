// partition/local_node.cc — opening a node: storage, boot epoch, recovery, partitions.
#include "partition/local_node.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "common/error.h"
#include "partition/local_partition.h"
#include "storage/engine.h"
#include "storage/keys.h"

namespace hf::partition {

namespace {
constexpr int kEpochShift = 40;

// Calls fn(row key, record) for every row record of partition p that carries an intent.
template <typename Fn>
void each_intent(storage::Engine& engine, uint32_t p, Fn&& fn) {
  std::string prefix(1, storage::kRowPrefix);
  storage::put_u16(prefix, static_cast<uint16_t>(p));
  auto it = engine.iterate(prefix, storage::prefix_successor(prefix), true);
  mvcc::Record r;
  for (it->first(); (*it)->Valid(); (*it)->Next()) {
    auto v = (*it)->value();
    if (mvcc::decode_record(std::string_view(v.data(), v.size()), &r) && r.intent_txn != 0)
      fn(std::string((*it)->key().data(), (*it)->key().size()), r);
  }
}

// Calls fn(txn, key, value) for every commit record in partition p's range.
template <typename Fn>
void each_commit_record(storage::Engine& engine, uint32_t p, Fn&& fn) {
  std::string lo =
      storage::partition_prefix(storage::kCommitRecordPrefix, static_cast<uint16_t>(p));
  auto it = engine.iterate(lo, storage::prefix_successor(lo), true);
  for (it->first(); (*it)->Valid(); (*it)->Next()) {
    auto k = (*it)->key();
    auto v = (*it)->value();
    std::string_view key(k.data(), k.size());
    if (key.size() != storage::kCommitRecordKeyLen) continue;
    fn(storage::get_u64(key, 3), key, std::string_view(v.data(), v.size()));
  }
}

// Format 1 (storage/keys.h kStorageFormat) kept commit records under the node-wide
// ['t'][txn]; adds to `batch` their move to ['t'][anchor][txn], the anchor being the first
// participant the record names (the coordinator writes it on writers.front()). Returns how
// many. Throws on a record it cannot read (nothing written).
size_t convert_format_1(storage::Engine& engine, uint32_t partitions, rocksdb::WriteBatch& batch) {
  std::string lo(1, storage::kCommitRecordPrefix);
  auto it = engine.iterate(lo, storage::prefix_successor(lo), true);
  size_t moved = 0;
  for (it->first(); (*it)->Valid(); (*it)->Next()) {
    auto k = (*it)->key();
    auto v = (*it)->value();
    if (k.size() != 1 + 8) continue;
    std::string_view value(v.data(), v.size());
    std::vector<PartitionId> participants;
    std::vector<std::string> keys;
    bool listed = false;
    if (!LocalPartition::decode_commit_record(value, &participants, &listed, &keys) ||
        participants.empty() || participants.front() >= partitions) {
      throw SqlError(sqlstate::kInternalError,
                     "cannot convert the data directory from storage format 1: a commit record "
                     "names no partition of this node");
    }
    TxnId txn = storage::get_u64(std::string_view(k.data(), k.size()), 1);
    batch.Delete(k);
    batch.Put(storage::commit_record_key(static_cast<uint16_t>(participants.front()), txn),
              rocksdb::Slice(value.data(), value.size()));
    ++moved;
  }
  return moved;
}

// Resolves one committed transaction found at recovery: its intents become versions at ts,
// each participant's in its own part; the record's deletion goes to its anchor's part.
void recover_commit(storage::Engine& engine, std::vector<std::unique_ptr<LocalPartition>>& parts,
                    TxnId txn, uint32_t anchor, std::string_view record_key, std::string_view value,
                    Timestamp ts, PartitionBatches& batches) {
  std::vector<PartitionId> participants;
  std::vector<std::string> keys;
  bool listed = false;
  if (!LocalPartition::decode_commit_record(value, &participants, &listed, &keys)) {
    throw SqlError(sqlstate::kInternalError, "corrupt commit record");
  }
  for (auto p : participants) {
    if (p >= parts.size()) {
      throw SqlError(sqlstate::kInternalError, "commit record names partition " +
                                                   std::to_string(p) + " but the node has " +
                                                   std::to_string(parts.size()));
    }
    std::vector<std::string> mine;
    if (listed) {
      for (const auto& k : keys) {
        if (k.size() >= 3 && storage::get_u16(k, 1) == p) mine.push_back(k);
      }
    } else {
      // Too many keys to list: find this transaction's intents in the partition.
      each_intent(engine, p, [&](std::string rk, const mvcc::Record& r) {
        if (r.intent_txn == txn) mine.push_back(std::move(rk));
      });
    }
    parts[p]->store().resolve_commit(txn, ts, mine, batches.of(p));
  }
  batches.of(anchor).Delete(rocksdb::Slice(record_key.data(), record_key.size()));
}
}  // namespace

size_t default_max_lock_memory() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  size_t physical = pages > 0 && page > 0 ? static_cast<size_t>(pages) * page : 0;
  size_t cap = size_t{1} << 30;
  return physical ? std::min(cap, std::max(physical / 8, size_t{64} << 20)) : cap;
}

LocalNode::~LocalNode() {
  partitions_.clear();  // lock tables unregister from the graph first
  wait_graph_.reset();
  lock_memory_.reset();
  engine_.reset();
}

std::vector<partition_api::Partition*> LocalNode::partitions() const {
  std::vector<partition_api::Partition*> out;
  out.reserve(partitions_.size());
  for (const auto& p : partitions_) out.push_back(p.get());
  return out;
}

std::vector<std::pair<uint32_t, locks::LockInfo>> LocalNode::lock_dump() const {
  std::vector<std::pair<uint32_t, locks::LockInfo>> out;
  for (uint32_t i = 0; i < partitions_.size(); ++i) {
    for (auto& l : partitions_[i]->lock_table().dump()) out.emplace_back(i, std::move(l));
  }
  return out;
}

RecoveredClock LocalNode::clock() const {
  RecoveredClock c;
  c.start_ts = epoch_ << kEpochShift;
  c.first_txn_id = (epoch_ << kEpochShift) + 1;
  c.last_txn_id = (epoch_ + 1) << kEpochShift;
  return c;
}

void LocalNode::attach(partition_api::TxnStatusOracle* oracle,
                       std::function<partition_api::Timestamp()> gc_horizon,
                       partition_api::SsiConflictSink* ssi) {
  oracle_ = oracle;
  for (auto& p : partitions_) {
    p->set_oracle(oracle);
    p->set_ssi_sink(ssi);
    p->set_gc_horizon(gc_horizon);
  }
}

void LocalNode::gate() {
  for (auto& p : partitions_) p->gate();
}

void LocalNode::stop_serving(uint32_t p) {
  partitions_.at(p)->stop_serving();
}

LocalNode::TakenOver LocalNode::take_over(uint32_t p, uint64_t term, partition_api::TxnId fence,
                                          partition_api::Timestamp ts) {
  LocalPartition& part = *partitions_.at(p);
  part.stop_serving();
  TakenOver out;
  part.store().forget_cached(ts);  // T1
  // T2: every hold and wait in the table is of an earlier term of this replica. A waiter of
  // one granted by these releases is refused when it wakes (G3).
  std::vector<locks::OwnerId> owners;
  for (const locks::LockInfo& l : part.lock_table().dump())
    if (l.granted) owners.push_back(l.owner);
  std::sort(owners.begin(), owners.end());
  owners.erase(std::unique(owners.begin(), owners.end()), owners.end());
  for (locks::OwnerId o : owners) part.lock_table().release_all(o);
  out.released = owners.size();
  // T3: the intents' write locks.
  std::map<partition_api::TxnId, bool> live;  // txn -> not aborted
  each_intent(*engine_, p, [&](std::string rk, const mvcc::Record& r) {
    auto [it, fresh] = live.try_emplace(r.intent_txn, false);
    if (fresh)
      it->second = r.intent_txn >= part.store().dead_below() &&
                   (oracle_ == nullptr ||
                    oracle_->status(r.intent_txn).state != partition_api::TxnState::kAborted);
    if (!it->second || rk.size() < storage::kKeySpacePrefixLen) return;
    part.adopt_stored_intent(r.intent_txn, rk);  // its resolution here finds it
    locks::AcquireRequest ar;
    ar.tag = locks::row_tag(storage::get_u32(rk, 3), storage::get_u32(rk, 7),
                            rk.substr(storage::kKeySpacePrefixLen));
    ar.mode = static_cast<locks::Mode>(partition_api::LockStrength::kUpdate);
    ar.owner = r.intent_txn;
    ar.policy = locks::WaitPolicy::kNoWait;
    if (part.lock_table().acquire(ar) == locks::AcquireResult::kGranted) ++out.rebuilt;
  });
  // The commit records it anchors: deleted by their transaction's resolution here.
  each_commit_record(*engine_, p,
                     [&](partition_api::TxnId txn, std::string_view, std::string_view) {
                       part.adopt_commit_record(txn);
                     });
  part.begin_serving(term, fence);  // T4
  return out;
}

std::unique_ptr<LocalNode> open_local_node(const std::string& data_dir, uint32_t partitions,
                                           size_t max_lock_memory, Recovery recovery) {
  if (partitions == 0 || partitions > 65535) {
    throw SqlError(sqlstate::kInvalidParameterValue, "partition count must be 1..65535");
  }
  std::filesystem::create_directories(data_dir);
  std::unique_ptr<LocalNode> node(new LocalNode());
  node->engine_ = storage::Engine::open(data_dir);
  auto& engine = *node->engine_;

  // Boot epoch: TxnIds and timestamps of this boot live in [epoch << 40, (epoch + 1) << 40).
  std::string buf;
  uint64_t epoch = 0;
  const bool used = engine.get(storage::meta_key("epoch"), &buf);  // opened before
  if (used && buf.size() == 8) epoch = storage::get_u64(buf);
  ++epoch;
  std::string ev;
  storage::put_u64(ev, epoch);
  std::string pc;
  if (engine.get(storage::meta_key("partitions"), &buf)) {
    if (buf.size() != 4 || storage::get_u32(buf) != partitions) {
      throw SqlError(sqlstate::kInvalidParameterValue,
                     "data directory was written with " +
                         std::to_string(buf.size() == 4 ? storage::get_u32(buf) : 0) +
                         " partitions, not " + std::to_string(partitions));
    }
  }
  storage::put_u32(pc, partitions);
  // The storage format: a folder of a later format is refused; one of format 1 (no `format`
  // key, but used: it has an epoch) is converted here, atomically with the new format key.
  uint32_t format = storage::kStorageFormat;
  if (engine.get(storage::meta_key("format"), &buf)) {
    format = buf.size() == 4 ? storage::get_u32(buf) : 0;
  } else if (used) {
    format = 1;
  }
  if (format != storage::kStorageFormat && format != 1) {
    throw SqlError(sqlstate::kInvalidParameterValue,
                   "data directory " + data_dir + " has storage format " + std::to_string(format) +
                       ", which this holdfast cannot read (it reads format " +
                       std::to_string(storage::kStorageFormat) + " and converts format 1)");
  }
  std::string fv;
  storage::put_u32(fv, storage::kStorageFormat);
  {
    rocksdb::WriteBatch b;
    if (format == 1) node->converted_records_ = convert_format_1(engine, partitions, b);
    b.Put(storage::meta_key("epoch"), ev);
    b.Put(storage::meta_key("partitions"), pc);
    b.Put(storage::meta_key("format"), fv);
    engine.write(b, storage::Durability::kSynced);
  }
  node->converted_from_format_1_ = format == 1;
  node->epoch_ = epoch;
  // By registry: the TxnIds in this node's storage are the registry's, from its epoch range,
  // whatever this node's boot count is; none is dead until the registry says so.
  const bool by_epoch = recovery == Recovery::kBootEpoch;
  TxnId dead_below = by_epoch ? epoch << kEpochShift : 0;

  node->wait_graph_ = std::make_unique<locks::WaitGraph>();
  node->lock_memory_ = std::make_unique<locks::LockMemory>(
      max_lock_memory ? max_lock_memory : default_max_lock_memory());
  for (uint32_t i = 0; i < partitions; ++i) {
    node->partitions_.push_back(std::make_unique<LocalPartition>(
        i, &engine, node->wait_graph_.get(), dead_below, node->lock_memory_.get()));
  }

  // Recovery: every commit record is a committed transaction whose resolution may not have
  // reached the WAL. Resolve at this boot's first timestamp (above all earlier boots'). Each
  // partition's records are in its own range (its anchored transactions).
  Timestamp ts = node->clock().start_ts;
  PartitionBatches batches;  // one part per partition, one synced write
  if (by_epoch) {
    for (uint32_t p = 0; p < partitions; ++p) {
      each_commit_record(engine, p, [&](TxnId txn, std::string_view key, std::string_view value) {
        recover_commit(engine, node->partitions_, txn, p, key, value, ts, batches);
        ++node->recovered_commits_;
      });
    }
  }
  if (batches.count() > 0) engine.write(batches.combined(), storage::Durability::kSynced);
  // Bulk loads of transactions that never committed (partition_api Partition::load).
  for (auto& p : node->partitions_) p->drop_interrupted_loads();

  // Partitions are addressed by id for commit records.
  auto* siblings = new std::vector<LocalPartition*>();
  for (auto& p : node->partitions_) siblings->push_back(p.get());
  node->siblings_.reset(siblings);
  for (auto& p : node->partitions_) p->set_siblings(node->siblings_.get());
  return node;
}

LocalNode::Settled LocalNode::settle_by_registry(
    const std::function<partition_api::TxnStatus(partition_api::TxnId)>& decide,
    const std::vector<uint32_t>& owned) {
  auto& engine = *engine_;
  // txn -> partition -> its intents' row keys; and the commit records.
  std::map<TxnId, std::map<uint32_t, std::vector<std::string>>> intents;
  struct Record {
    TxnId txn;
    uint32_t anchor;
    std::string key;
  };
  std::vector<Record> records;
  for (uint32_t p = 0; p < partitions_.size(); ++p) {
    each_commit_record(engine, p, [&](TxnId txn, std::string_view key, std::string_view) {
      records.push_back({txn, p, std::string(key)});
    });
  }
  for (uint32_t p : owned) {
    if (p >= partitions_.size()) continue;
    each_intent(engine, p, [&](std::string rk, const mvcc::Record& r) {
      intents[r.intent_txn][p].push_back(std::move(rk));
    });
  }
  // Every decision first (the registry may be unreachable: then nothing is written), then
  // one batch.
  std::map<TxnId, partition_api::TxnStatus> decided;
  for (const auto& [txn, by_partition] : intents) decided[txn] = decide(txn);
  for (const auto& r : records)
    if (!decided.count(r.txn)) decided[r.txn] = decide(r.txn);
  Settled out;
  PartitionBatches batches;  // one part per partition, one synced write
  for (const auto& [txn, st] : decided) {
    bool committed = st.state == partition_api::TxnState::kCommitted;
    auto found = intents.find(txn);
    if (found != intents.end()) {
      for (const auto& [p, keys] : found->second) {
        if (committed) {
          partitions_[p]->store().resolve_commit(txn, st.commit_ts, keys, batches.of(p));
        } else {
          partitions_[p]->store().resolve_abort(txn, keys, batches.of(p));
        }
      }
    }
    ++(committed ? out.committed : out.aborted);
  }
  for (const auto& r : records) {
    batches.of(r.anchor).Delete(r.key);
    ++out.records;
  }
  if (batches.count() > 0) engine.write(batches.combined(), storage::Durability::kSynced);
  return out;
}

void LocalNode::set_log(PartitionLog* log) {
  for (auto& p : partitions_) p->set_log(log);
}

void LocalNode::set_peer_waits(partition_api::PeerWaits* peers, std::chrono::milliseconds budget) {
  if (!peers || peers->peers() == 0) return;
  auto gather = [peers](runtime::Deadline deadline, const std::vector<bool>& ask) {
    // A peer that cannot be asked (gone) or has not answered by the deadline (a stopped
    // node): its waits are unknown, so no cycle through them is found by this check; one
    // without them is found as before.
    std::vector<locks::NodeWaits> out;
    auto answers = peers->gather(deadline, ask);
    for (uint32_t i = 0; i < answers.size(); ++i) {
      if (!answers[i]) continue;
      out.push_back(from_api(*answers[i]));
      out.back().from = i;
    }
    return out;
  };
  auto reorder = [peers](uint32_t from, const locks::WaitOrder& order) {
    if (from < peers->peers()) peers->reorder(from, to_api(order));
  };
  wait_graph_->set_peers(std::move(gather), std::move(reorder), budget);
}

}  // namespace hf::partition
