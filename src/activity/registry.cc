#include "activity/registry.h"

#include <algorithm>
#include <random>

namespace hf::activity {

void SessionRegistry::set_node(uint32_t node_id) {
  std::lock_guard g(mu_);
  pid_base_ = static_cast<int32_t>(node_id << kNodeShift);
  next_pid_ = pid_base_ + 10000;
}

std::pair<int32_t, int32_t> SessionRegistry::add(runtime::CancelToken* cancel, SessionInfo info) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  int32_t secret = static_cast<int32_t>(rng());
  // mu_ (the pid counter) first, then the pid's shard: the only place that holds both.
  std::lock_guard g(mu_);
  for (;;) {
    int32_t pid = next_pid_++;
    if (next_pid_ > pid_base_ + 4000000) next_pid_ = pid_base_ + 10000;
    Shard& sh = shard(pid);
    std::lock_guard sg(sh.mu);
    if (sh.sessions.count(pid)) continue;
    info.pid = pid;
    sh.sessions[pid] = Entry{secret, cancel, std::move(info)};
    return {pid, secret};
  }
}

void SessionRegistry::remove(int32_t pid) {
  {
    Shard& sh = shard(pid);
    std::lock_guard sg(sh.mu);
    sh.sessions.erase(pid);
  }
  std::lock_guard g(mu_);
  std::erase_if(service_owner_pid_, [&](const auto& kv) { return kv.second == pid; });
}

void SessionRegistry::update(int32_t pid, const SessionInfo& info) {
  Shard& sh = shard(pid);
  std::lock_guard g(sh.mu);
  auto it = sh.sessions.find(pid);
  if (it == sh.sessions.end()) return;
  // The service owner is set by the SQL layer (set_service_owner), not by the session's copy.
  uint64_t service_owner = it->second.info.service_owner;
  it->second.info = info;
  it->second.info.service_owner = service_owner;
}

void SessionRegistry::set_txn(int32_t pid, uint64_t txn_id, bool optimistic) {
  Shard& sh = shard(pid);
  std::lock_guard g(sh.mu);
  auto it = sh.sessions.find(pid);
  if (it != sh.sessions.end()) {
    it->second.info.txn_id = txn_id;
    it->second.info.optimistic = optimistic;
  }
}

void SessionRegistry::set_wait(int32_t pid, const char* wait_event_type, const char* wait_event) {
  Shard& sh = shard(pid);
  std::lock_guard g(sh.mu);
  auto it = sh.sessions.find(pid);
  if (it == sh.sessions.end()) return;
  it->second.info.wait_event_type = wait_event_type;
  it->second.info.wait_event = wait_event;
}

bool SessionRegistry::cancel(int32_t pid, int32_t secret) {
  Shard& sh = shard(pid);
  std::lock_guard g(sh.mu);
  auto it = sh.sessions.find(pid);
  if (it == sh.sessions.end() || it->second.secret != secret) return false;
  it->second.cancel->request(runtime::CancelToken::kUserRequest);
  return true;
}

bool SessionRegistry::signal(int32_t pid, runtime::CancelToken::Kind kind) {
  Shard& sh = shard(pid);
  std::lock_guard g(sh.mu);
  auto it = sh.sessions.find(pid);
  if (it == sh.sessions.end()) return false;
  it->second.cancel->request(kind);
  return true;
}

bool SessionRegistry::signal_in_cluster(int32_t pid, runtime::CancelToken::Kind kind) {
  int32_t base;
  {
    std::lock_guard g(mu_);
    base = pid_base_;
  }
  if (peers_ && node_of(pid) != node_of(base)) return peers_->signal(pid, kind);
  return signal(pid, kind);
}

std::vector<SessionInfo> SessionRegistry::cluster_snapshot() const {
  auto out = snapshot();
  if (peers_) {  // asked without mu_ held: the peers' answers may take a round trip
    auto theirs = peers_->sessions();
    out.insert(out.end(), theirs.begin(), theirs.end());
  }
  return out;
}

std::vector<SessionInfo> SessionRegistry::snapshot() const {
  std::vector<SessionInfo> out;
  for (const Shard& sh : shards_) {
    std::lock_guard g(sh.mu);
    for (auto& [pid, e] : sh.sessions) out.push_back(e.info);
  }
  // In pid order, as one map gave them.
  std::sort(out.begin(), out.end(),
            [](const SessionInfo& a, const SessionInfo& b) { return a.pid < b.pid; });
  return out;
}

std::optional<SessionInfo> SessionRegistry::find(int32_t pid) const {
  const Shard& sh = shard(pid);
  std::lock_guard g(sh.mu);
  auto it = sh.sessions.find(pid);
  if (it == sh.sessions.end()) return std::nullopt;
  return it->second.info;
}

std::optional<int32_t> SessionRegistry::pid_of_txn(uint64_t txn) const {
  for (const Shard& sh : shards_) {
    std::lock_guard g(sh.mu);
    for (auto& [pid, e] : sh.sessions)
      if (e.info.txn_id == txn) return pid;
  }
  return std::nullopt;
}

void SessionRegistry::set_service_owner(int32_t pid, uint64_t owner) {
  Shard& sh = shard(pid);
  std::lock_guard g(sh.mu);
  auto it = sh.sessions.find(pid);
  if (it == sh.sessions.end()) return;
  it->second.info.service_owner = owner;
  service_owner_pid_[owner] = pid;
}

std::optional<int32_t> SessionRegistry::pid_of_service_owner(uint64_t owner) const {
  int32_t pid;
  {
    std::lock_guard g(mu_);
    auto it = service_owner_pid_.find(owner);
    if (it == service_owner_pid_.end()) return std::nullopt;
    pid = it->second;
  }
  const Shard& sh = shard(pid);
  std::lock_guard g(sh.mu);
  if (!sh.sessions.count(pid)) return std::nullopt;
  return pid;
}

size_t SessionRegistry::size() const {
  size_t n = 0;
  for (const Shard& sh : shards_) {
    std::lock_guard g(sh.mu);
    n += sh.sessions.size();
  }
  return n;
}

}  // namespace hf::activity
