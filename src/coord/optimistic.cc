// coord/optimistic.cc — see optimistic.h.
#include "coord/optimistic.h"

#include <algorithm>

namespace hf::coord {

using partition_api::LockStrength;
using partition_api::Version;

std::string OptimisticSet::id(const partition_api::KeySpace& space, const std::string& key) {
  std::string s = partition_api::be64_key(uint64_t{space.table_id} << 32 | space.index_id);
  s += key;
  return s;
}

void OptimisticSet::note(const partition_api::KeySpace& space, const std::string& key,
                         uint32_t partition, LockStrength strength, partition_api::SubId sub,
                         bool wrote, const std::optional<Version>& expected,
                         partition_api::Timestamp since) {
  auto [it, inserted] = index_.try_emplace(id(space, key), rows_.size());
  if (inserted) {
    rows_.push_back(Row{space, key, partition, strength, sub, wrote, expected, since});
    return;
  }
  Row& r = rows_[it->second];
  r.strength = std::max(r.strength, strength);
  r.sub = std::min(r.sub, sub);
  r.wrote = r.wrote || wrote;
  if (!r.expected && expected && since <= r.since) r.expected = expected;
  r.since = std::min(r.since, since);
}

void OptimisticSet::rollback(partition_api::SubId first) {
  if (std::none_of(rows_.begin(), rows_.end(), [&](const Row& r) { return r.sub >= first; }))
    return;
  std::erase_if(rows_, [&](const Row& r) { return r.sub >= first; });
  index_.clear();
  for (size_t i = 0; i < rows_.size(); ++i) index_.emplace(id(rows_[i].space, rows_[i].key), i);
}

std::vector<std::vector<const OptimisticSet::Row*>> OptimisticSet::by_partition(
    size_t partitions) const {
  std::vector<std::vector<const Row*>> out(partitions);
  for (const Row& r : rows_) out.at(r.partition).push_back(&r);
  return out;
}

bool OptimisticSet::changed(const Row& row, const Version& newest) {
  if (row.strength == LockStrength::kKeyShare && !row.wrote) {
    // FOR KEY SHARE conflicts only with a deletion or a key change (which deletes the key).
    if (!newest.deleted) return false;
    return newest.commit_ts > row.since ||
           (row.expected && row.expected->commit_ts != newest.commit_ts);
  }
  if (row.expected) return *row.expected != newest;
  return newest.commit_ts > row.since;
}

}  // namespace hf::coord
