// partition/raft_log.cc — see raft_log.h.
#include "partition/raft_log.h"

#include <limits>
#include <string>
#include <utility>

#include "common/error.h"
#include "replication/partition_machine.h"
#include "replication/replica_group.h"

namespace hf::partition {

namespace {
// PostgreSQL's transaction_resolution_unknown: the write may or may not have taken effect.
constexpr const char* kResolutionUnknown = "08007";

std::string where(const replication::Outcome& out) {
  std::string s = replication::outcome_status_name(out.status);
  if (!out.message.empty()) s += ": " + out.message;
  if (out.leader_id != 0)
    s += " (leader: replica " + std::to_string(out.leader_id) + " at " + out.leader_address + ")";
  return s;
}
}  // namespace

RaftLog::RaftLog(std::unordered_map<PartitionId, replication::ReplicaGroup*> groups)
    : groups_(std::move(groups)) {}

void RaftLog::write(PartitionBatches& parts, storage::Durability, const WriteHooks& hooks) {
  // The one part with operations (L1: a write is one group's, never split).
  const rocksdb::WriteBatch* batch = nullptr;
  PartitionId partition = 0;
  for (size_t i = 0; i < parts.parts(); ++i) {
    if (parts.part(i).Count() == 0) continue;
    if (batch != nullptr)
      throw SqlError(sqlstate::kInternalError,
                     "a write spanning partitions " + std::to_string(partition) + " and " +
                         std::to_string(parts.partition(i)) +
                         " cannot be one Raft entry: a commit across groups must be two-phase");
    batch = &parts.part(i);
    partition = parts.partition(i);
  }
  if (batch == nullptr) {  // L3: nothing to propose
    if (hooks.readable) hooks.readable();
    if (hooks.on_durable) hooks.on_durable();
    return;
  }
  auto it = groups_.find(partition);
  if (it == groups_.end() || partition > std::numeric_limits<replication::PartitionNumber>::max())
    throw SqlError(sqlstate::kInternalError,
                   "partition " + std::to_string(partition) + " has no Raft group on this node");
  const auto number = static_cast<replication::PartitionNumber>(partition);
  std::string entry = replication::PartitionMachine::encode_entry(*batch);
  // Every replica's apply() makes this check and applies a refused entry as a no-op (M3):
  // refused here, it can never be a kOk that wrote nothing.
  if (std::string why = replication::PartitionMachine::check_entry(entry, number); !why.empty())
    throw SqlError(sqlstate::kInternalError, "partition " + std::to_string(partition) +
                                                 ": a write its replicas would refuse: " + why);
  std::function<void()> on_applied;
  if (hooks.readable || hooks.on_durable) {
    // Runs on the loop thread before propose() returns: `hooks` is still alive.
    on_applied = [&hooks] {
      if (hooks.readable) hooks.readable();
      if (hooks.on_durable) hooks.on_durable();
    };
  }
  const replication::Outcome out = it->second->propose(entry, std::move(on_applied));
  if (out.ok()) {
    applied_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  failed_.fetch_add(1, std::memory_order_relaxed);
  const std::string what = "partition " + std::to_string(partition) + ": " + where(out);
  switch (out.status) {
    case replication::Outcome::kNotLeader:
    case replication::Outcome::kShuttingDown:
      throw SqlError(sqlstate::kSerializationFailure,
                     "could not serialize access due to a change of partition leader",
                     "the write was not replicated (" + what + ")");
    case replication::Outcome::kUnknown:
      throw SqlError(kResolutionUnknown,
                     "partition leadership was lost while a write was being replicated",
                     "the write may or may not take effect (" + what + ")");
    case replication::Outcome::kOk:
    case replication::Outcome::kRejected:
      break;
  }
  throw SqlError(sqlstate::kInternalError, "the write was refused by its Raft group", what);
}

}  // namespace hf::partition
