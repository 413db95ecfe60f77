// partition/siread_locks.cc — see siread_locks.h.
#include "partition/siread_locks.h"

#include <algorithm>

namespace hf::partition {

using partition_api::KeySpace;
using partition_api::TxnId;

void SireadLocks::lock_key(TxnId txn, const KeySpace& space, const std::string& key,
                           partition_api::Timestamp read_ts) {
  std::lock_guard g(mu_);
  SpaceId sid = space_id(space);
  auto& tl = txns_[txn];
  if (tl.whole.count(sid)) return;
  auto& sp = spaces_[sid];
  if (!sp.keys[key].emplace(txn, read_ts).second) return;
  auto& held = tl.by_space[sid];
  held.push_back(Held{false, key, {}});
  if (held.size() > kMaxLocksPerSpace) promote(txn, sid, tl);
}

void SireadLocks::lock_range(TxnId txn, const KeySpace& space, const std::string& start,
                             const std::string& end) {
  std::lock_guard g(mu_);
  SpaceId sid = space_id(space);
  auto& tl = txns_[txn];
  if (tl.whole.count(sid)) return;
  if (start.empty() && end.empty()) {
    promote(txn, sid, tl);
    return;
  }
  auto& sp = spaces_[sid];
  auto [lo, hi] = sp.ranges.equal_range(start);
  for (auto it = lo; it != hi; ++it) {
    if (it->second.txn == txn && it->second.end == end) return;  // already held
  }
  sp.ranges.emplace(start, Range{end, txn});
  auto& held = tl.by_space[sid];
  held.push_back(Held{true, start, end});
  if (held.size() > kMaxLocksPerSpace) promote(txn, sid, tl);
}

void SireadLocks::promote(TxnId txn, SpaceId sid, TxnLocks& tl) {
  auto it = tl.by_space.find(sid);
  if (it != tl.by_space.end()) {
    drop_held(txn, sid, it->second);
    tl.by_space.erase(it);
  }
  tl.whole.insert(sid);
  spaces_[sid].whole.insert(txn);
}

void SireadLocks::drop_held(TxnId txn, SpaceId sid, const std::vector<Held>& held) {
  auto sit = spaces_.find(sid);
  if (sit == spaces_.end()) return;
  Space& sp = sit->second;
  for (const auto& h : held) {
    if (!h.range) {
      auto k = sp.keys.find(h.a);
      if (k == sp.keys.end()) continue;
      k->second.erase(txn);
      if (k->second.empty()) sp.keys.erase(k);
    } else {
      auto [lo, hi] = sp.ranges.equal_range(h.a);
      for (auto r = lo; r != hi; ++r) {
        if (r->second.txn == txn && r->second.end == h.b) {
          sp.ranges.erase(r);
          break;
        }
      }
    }
  }
}

std::vector<TxnId> SireadLocks::holders(const KeySpace& space, const std::string& key, TxnId except,
                                        partition_api::Timestamp overwritten_ts) const {
  std::vector<TxnId> out;
  std::lock_guard g(mu_);
  auto sit = spaces_.find(space_id(space));
  if (sit == spaces_.end()) return out;
  const Space& sp = sit->second;
  auto add = [&](TxnId t) {
    if (t != except) out.push_back(t);
  };
  if (auto k = sp.keys.find(key); k != sp.keys.end()) {
    for (const auto& [t, read_ts] : k->second) {
      if (overwritten_ts == 0 || read_ts >= overwritten_ts) add(t);
    }
  }
  for (auto r = sp.ranges.begin(); r != sp.ranges.end() && r->first <= key; ++r) {
    if (r->second.end.empty() || key < r->second.end) add(r->second.txn);
  }
  for (TxnId t : sp.whole) add(t);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void SireadLocks::release(TxnId txn) {
  std::lock_guard g(mu_);
  auto it = txns_.find(txn);
  if (it == txns_.end()) return;
  for (const auto& [sid, held] : it->second.by_space) drop_held(txn, sid, held);
  for (SpaceId sid : it->second.whole) {
    auto sit = spaces_.find(sid);
    if (sit != spaces_.end()) sit->second.whole.erase(txn);
  }
  std::set<SpaceId> touched;
  for (const auto& [sid, held] : it->second.by_space) touched.insert(sid);
  touched.insert(it->second.whole.begin(), it->second.whole.end());
  for (SpaceId sid : touched) {
    auto sit = spaces_.find(sid);
    if (sit != spaces_.end() && sit->second.whole.empty() && sit->second.keys.empty() &&
        sit->second.ranges.empty())
      spaces_.erase(sit);
  }
  txns_.erase(it);
}

size_t SireadLocks::lock_count() const {
  std::lock_guard g(mu_);
  size_t n = 0;
  for (const auto& [sid, sp] : spaces_) {
    n += sp.whole.size() + sp.ranges.size();
    for (const auto& [k, s] : sp.keys) n += s.size();
  }
  return n;
}

}  // namespace hf::partition
