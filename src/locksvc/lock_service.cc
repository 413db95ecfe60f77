// locksvc/lock_service.cc — see lock_service.h.
#include "locksvc/lock_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "coord/autonomous_update.h"

namespace hf::locksvc {

using json = nlohmann::json;
using coord::KeySpace;
using coord::LockStrength;
using coord::LockWait;
using coord::table_mode::kExclusive;
using coord::table_mode::kShare;

namespace {

constexpr uint32_t kResources = 0, kOwners = 1, kCounters = 2;
// Fencing tokens reserved at a time (one synced commit each): a restart skips at most this many.
constexpr int64_t kTokenBlock = 1024;

[[noreturn]] void bad_input(const std::string& message) {
  throw SqlError(sqlstate::kInvalidParameterValue, message);
}

uint8_t table_mode_of(Mode m) {
  return m == Mode::kWrite ? kExclusive : kShare;
}

// Row locks on the service's own rows: wait as long as it takes (the holders are short
// transactions of the service or a fenced writer), but stop on cancel / statement timeout.
LockWait row_wait(const LockWait& w) {
  return LockWait{coord::WaitPolicy::kBlock, runtime::Deadline::max(), w.cancel};
}

}  // namespace

int64_t now_us() {
  using namespace std::chrono;
  constexpr int64_t kEpoch2000 = 946684800LL * 1000000;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count() - kEpoch2000;
}

Mode parse_mode(const std::string& text) {
  std::string m = text;
  for (auto& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (m == "read") return Mode::kRead;
  if (m == "write") return Mode::kWrite;
  bad_input("invalid lock mode \"" + text + "\": expected \"read\" or \"write\"");
}

const char* mode_name(Mode m) {
  return m == Mode::kWrite ? "write" : "read";
}

uint64_t LockService::owner_id(const std::string& owner) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64
  for (unsigned char c : owner) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return (uint64_t{1} << 63) | (uint64_t{1} << 61) | (h & ((uint64_t{1} << 61) - 1));
}

LockService::LockService(coord::TxnManager& txns) : txns_(txns) {}

LockService::~LockService() {
  stop_expiry();
}

// ---- rows ----

std::optional<std::string> LockService::read_row(coord::Transaction& t, uint32_t index,
                                                 const std::string& key, bool for_update) {
  KeySpace space{kLockServiceSpace, index};
  if (for_update) {
    auto r =
        t.lock(space, key, key, LockStrength::kNoKeyUpdate, row_wait(LockWait{}), std::nullopt);
    if (r.outcome == coord::LockOutcome::kWouldBlock)
      throw SqlError(sqlstate::kLockNotAvailable, "could not lock the lock service's row");
  }
  auto row = t.get_latest(space, key, key);
  if (row) return row->value;
  return std::nullopt;
}

void LockService::write_row(coord::Transaction& t, uint32_t index, const std::string& key,
                            const std::optional<std::string>& value) {
  t.write(KeySpace{kLockServiceSpace, index}, key, key, value);
}

LockService::ResourceRow LockService::parse_resource(const std::string& value) {
  ResourceRow r;
  json j = json::parse(value);
  r.next_token = j.value("next_token", int64_t{1});
  for (const auto& h : j["holders"])
    r.holders.push_back(Holder{h.at("owner"), h.value("read", int64_t{0}),
                               h.value("write", int64_t{0}), h.value("token", int64_t{0}),
                               h.value("since", int64_t{0})});
  return r;
}

LockService::ResourceRow LockService::load_resource(coord::Transaction& t,
                                                    const std::string& name) {
  auto v = read_row(t, kResources, name, true);
  return v ? parse_resource(*v) : ResourceRow{};
}

void LockService::store_resource(coord::Transaction& t, const std::string& name,
                                 const ResourceRow& r) {
  // The row stays when nobody holds the resource: its token counter must never go back (L3).
  json j{{"next_token", r.next_token}, {"holders", json::array()}};
  for (const auto& h : r.holders)
    j["holders"].push_back({{"owner", h.owner},
                            {"read", h.read},
                            {"write", h.write},
                            {"token", h.token},
                            {"since", h.since_us}});
  write_row(t, kResources, name, j.dump());
}

LockService::OwnerRow LockService::load_owner(coord::Transaction& t, const std::string& owner) {
  OwnerRow o;
  auto v = read_row(t, kOwners, owner, true);
  if (!v) return o;
  json j = json::parse(*v);
  if (j.contains("expires_at") && !j["expires_at"].is_null())
    o.expires_at_us = j["expires_at"].get<int64_t>();
  for (const auto& r : j["resources"]) o.resources.push_back(r);
  return o;
}

void LockService::store_owner(coord::Transaction& t, const std::string& owner, const OwnerRow& o) {
  if (o.resources.empty() && !o.expires_at_us) {
    write_row(t, kOwners, owner, std::nullopt);
    return;
  }
  json j{{"resources", o.resources}};
  j["expires_at"] = o.expires_at_us ? json(*o.expires_at_us) : json(nullptr);
  write_row(t, kOwners, owner, j.dump());
}

void LockService::remember(const std::string& owner) {
  std::lock_guard g(mu_);
  names_.emplace(owner_id(owner), owner);
}

int64_t LockService::issue_token(int64_t at_least) {
  for (;;) {
    {
      std::lock_guard g(token_mu_);
      int64_t token = std::max(token_next_, at_least);
      if (token < token_limit_) {
        token_next_ = token + 1;
        return token;
      }
    }
    // Reserve the next block above everything reserved before (this run's and earlier runs')
    // and above the floor. Concurrent reservations each get a block of their own.
    int64_t base = 0;
    auto stored = coord::update_row_autonomously(
        txns_, KeySpace{kLockServiceSpace, kCounters}, "tokens", "fencing token counter",
        [&](const std::optional<std::string>& cur) {
          base = std::max<int64_t>(cur ? std::stoll(*cur) : 1, at_least);
          return std::optional<std::string>(std::to_string(base + kTokenBlock));
        });
    std::lock_guard g(token_mu_);
    const int64_t limit = std::stoll(*stored);
    if (limit > token_limit_) {
      token_next_ = std::max(token_next_, base);
      token_limit_ = limit;
    }
  }
}

// ---- acquire / release ----

std::optional<std::vector<std::optional<int64_t>>> LockService::acquire(coord::Transaction& t,
                                                                        const std::string& owner,
                                                                        std::vector<Request> reqs,
                                                                        const LockWait& wait) {
  if (owner.empty()) bad_input("lock owner must not be empty");
  if (reqs.empty()) bad_input("no resources to lock");
  for (const auto& r : reqs)
    if (r.resource.empty()) bad_input("resource names must not be empty");
  // Name order, one request per resource (WRITE if any asks for it): L1.
  std::vector<Request> sorted = reqs;
  std::sort(sorted.begin(), sorted.end(),
            [](const Request& a, const Request& b) { return a.resource < b.resource; });
  std::vector<Request> unique;
  for (auto& r : sorted) {
    if (!unique.empty() && unique.back().resource == r.resource) {
      if (r.mode == Mode::kWrite) unique.back().mode = Mode::kWrite;
      continue;
    }
    unique.push_back(r);
  }
  const uint64_t id = owner_id(owner);
  remember(owner);
  t.act_for(id);  // L7: from now until the transaction ends, waits for the owner wait for us
  std::vector<std::pair<coord::ObjectTag, uint8_t>> taken;
  auto give_back = [&] {
    for (auto it = taken.rbegin(); it != taken.rend(); ++it)
      t.unlock_resource(it->first, id, it->second);
    taken.clear();
  };
  for (const auto& r : unique) {
    auto tag = partition_api::resource_object(r.resource);
    uint8_t m = table_mode_of(r.mode);
    bool granted = false;
    try {
      granted = t.lock_resource(tag, m, wait, id);
    } catch (const SqlError& e) {
      give_back();
      if (e.error().sqlstate == sqlstate::kLockNotAvailable)
        throw SqlError(sqlstate::kLockNotAvailable, "could not obtain lock on resource \"" +
                                                        r.resource + "\" for owner \"" + owner +
                                                        "\" in time");
      throw;
    }
    if (!granted) {
      give_back();
      return std::nullopt;
    }
    taken.emplace_back(std::move(tag), m);
  }
  // L5: the holds go if this transaction (or the savepoint around the call) rolls back.
  t.on_rollback([&t, id, taken] {
    for (auto it = taken.rbegin(); it != taken.rend(); ++it)
      t.unlock_resource(it->first, id, it->second);
  });
  // Durable state: resources in name order, then the owner.
  std::map<std::string, int64_t> tokens;
  const int64_t now = now_us();
  for (const auto& r : unique) {
    ResourceRow row = load_resource(t, r.resource);
    auto h = std::find_if(row.holders.begin(), row.holders.end(),
                          [&](const Holder& x) { return x.owner == owner; });
    if (h == row.holders.end()) {
      row.holders.push_back(Holder{owner, 0, 0, 0, now});
      h = row.holders.end() - 1;
    }
    if (r.mode == Mode::kWrite) {
      if (h->write == 0) {  // L3: a new WRITE grant
        h->token = issue_token(row.next_token);
        row.next_token = h->token + 1;
      }
      ++h->write;
      tokens[r.resource] = h->token;
    } else {
      ++h->read;
    }
    store_resource(t, r.resource, row);
  }
  OwnerRow o = load_owner(t, owner);
  for (const auto& r : unique)
    if (std::find(o.resources.begin(), o.resources.end(), r.resource) == o.resources.end())
      o.resources.push_back(r.resource);
  store_owner(t, owner, o);
  std::vector<std::optional<int64_t>> out;
  out.reserve(reqs.size());
  for (const auto& r : reqs) {
    auto it = tokens.find(r.resource);
    out.push_back(r.mode == Mode::kWrite && it != tokens.end() ? std::optional(it->second)
                                                               : std::nullopt);
  }
  return out;
}

bool LockService::release_holds(
    coord::Transaction& t, const std::string& owner, const std::string& resource,
    const std::function<std::pair<int64_t, int64_t>(const Holder&)>& pick, bool keep_owner_row,
    int64_t* released) {
  ResourceRow row = load_resource(t, resource);
  auto h = std::find_if(row.holders.begin(), row.holders.end(),
                        [&](const Holder& x) { return x.owner == owner; });
  if (h == row.holders.end()) return false;
  auto [n_write, n_read] = pick(*h);
  n_write = std::min(n_write, h->write);
  n_read = std::min(n_read, h->read);
  if (n_write + n_read == 0) return false;
  h->write -= n_write;
  h->read -= n_read;
  const bool gone = h->write == 0 && h->read == 0;
  if (gone) row.holders.erase(h);
  store_resource(t, resource, row);
  if (gone && keep_owner_row) {
    OwnerRow o = load_owner(t, owner);
    std::erase(o.resources, resource);
    store_owner(t, owner, o);
  }
  if (released) *released += n_write + n_read;
  // L5: the lock table lets waiters in once the release is durable.
  const uint64_t id = owner_id(owner);
  auto tag = partition_api::resource_object(resource);
  t.on_commit([&t, id, tag, n_write, n_read] {
    for (int64_t i = 0; i < n_write; ++i) t.unlock_resource(tag, id, kExclusive);
    for (int64_t i = 0; i < n_read; ++i) t.unlock_resource(tag, id, kShare);
  });
  return true;
}

bool LockService::release(coord::Transaction& t, const std::string& owner,
                          const std::vector<std::string>& resources) {
  if (owner.empty()) bad_input("lock owner must not be empty");
  t.act_for(owner_id(owner));  // L7
  std::vector<std::string> names = resources;
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  bool all = true;
  // One hold of each, a WRITE hold first (L2).
  auto one = [](const Holder& h) {
    return h.write > 0 ? std::pair<int64_t, int64_t>{1, 0} : std::pair<int64_t, int64_t>{0, 1};
  };
  for (const auto& name : names) all = release_holds(t, owner, name, one, true) && all;
  return all;
}

int64_t LockService::release_all(coord::Transaction& t, const std::string& owner) {
  if (owner.empty()) bad_input("lock owner must not be empty");
  t.act_for(owner_id(owner));  // L7
  OwnerRow o = load_owner(t, owner);
  std::vector<std::string> names = o.resources;
  std::sort(names.begin(), names.end());
  int64_t released = 0;
  auto all = [](const Holder& h) { return std::pair<int64_t, int64_t>{h.write, h.read}; };
  for (const auto& name : names) release_holds(t, owner, name, all, false, &released);
  store_owner(t, owner, OwnerRow{});
  t.on_commit([this, owner] { set_expiry(owner, std::nullopt); });
  return released;
}

void LockService::downgrade(coord::Transaction& t, const std::string& owner,
                            const std::string& resource) {
  if (owner.empty()) bad_input("lock owner must not be empty");
  t.act_for(owner_id(owner));  // L7
  ResourceRow row = load_resource(t, resource);
  auto h = std::find_if(row.holders.begin(), row.holders.end(),
                        [&](const Holder& x) { return x.owner == owner; });
  if (h == row.holders.end() || h->write == 0)
    bad_input("owner \"" + owner + "\" holds no WRITE lock on resource \"" + resource + "\"");
  const uint64_t id = owner_id(owner);
  auto tag = partition_api::resource_object(resource);
  const int64_t n = h->write;
  // READ holds at once (compatible with our own WRITE, ahead of any waiter); the WRITE holds
  // go when the downgrade commits (L5), which lets waiting readers in.
  LockWait nowait{coord::WaitPolicy::kNoWait, runtime::Deadline::max(), nullptr};
  for (int64_t i = 0; i < n; ++i) {
    if (!t.lock_resource(tag, kShare, nowait, id, /*overtake=*/true))
      throw SqlError(sqlstate::kInternalError, "downgrade could not take its READ hold");
  }
  t.on_rollback([&t, tag, id, n] {
    for (int64_t i = 0; i < n; ++i) t.unlock_resource(tag, id, kShare);
  });
  t.on_commit([&t, tag, id, n] {
    for (int64_t i = 0; i < n; ++i) t.unlock_resource(tag, id, kExclusive);
  });
  h->read += n;
  h->write = 0;
  store_resource(t, resource, row);
}

void LockService::renew(coord::Transaction& t, const std::string& owner,
                        std::optional<std::chrono::microseconds> ttl) {
  if (owner.empty()) bad_input("lock owner must not be empty");
  if (ttl && ttl->count() <= 0) bad_input("time-to-live must be positive");
  t.act_for(owner_id(owner));  // L7
  OwnerRow o = load_owner(t, owner);
  o.expires_at_us = ttl ? std::optional(now_us() + ttl->count()) : std::nullopt;
  store_owner(t, owner, o);
  remember(owner);
  t.on_commit([this, owner, at = o.expires_at_us] { set_expiry(owner, at); });
}

bool LockService::fence_ok(coord::Transaction& t, const std::string& resource, int64_t token) {
  KeySpace space{kLockServiceSpace, kResources};
  auto seen = t.get(space, resource, resource);
  std::optional<std::string> value = seen ? std::optional(seen->value) : std::nullopt;
  std::optional<coord::Version> expected;
  if (seen && !seen->own_write) expected = coord::Version{seen->visible_ts, false};
  // L4: FOR SHARE on the resource's row; a grant made since our snapshot is what counts.
  auto r = t.lock(space, resource, resource, LockStrength::kShare, row_wait(LockWait{}), expected);
  if (r.outcome == coord::LockOutcome::kVersionMismatch)
    value = r.newest.deleted ? std::nullopt : r.value;
  if (!value) return false;
  for (const auto& h : parse_resource(*value).holders)
    if (h.write > 0 && h.token == token) return true;
  return false;
}

std::vector<Holding> LockService::holdings(coord::Transaction& t) {
  std::map<std::string, std::optional<int64_t>> expires;
  auto oc = t.scan(KeySpace{kLockServiceSpace, kOwners}, "", "");
  while (auto r = oc->next()) {
    json j = json::parse(r->value);
    if (j.contains("expires_at") && !j["expires_at"].is_null())
      expires[r->key] = j["expires_at"].get<int64_t>();
  }
  std::map<std::string, std::vector<std::string>> waiting;
  {
    auto view = t.manager().lock_view();
    std::lock_guard g(mu_);
    for (const auto& e : view) {
      if (e.kind != coord::LockKind::kResource || e.granted) continue;
      auto it = names_.find(e.owner);
      waiting[e.key].push_back(it == names_.end() ? std::to_string(e.owner) : it->second);
    }
  }
  std::vector<Holding> out;
  auto rc = t.scan(KeySpace{kLockServiceSpace, kResources}, "", "");
  while (auto r = rc->next()) {
    for (const auto& h : parse_resource(r->value).holders) {
      for (Mode m : {Mode::kWrite, Mode::kRead}) {
        int64_t n = m == Mode::kWrite ? h.write : h.read;
        if (n == 0) continue;
        Holding x;
        x.resource = r->key;
        x.owner = h.owner;
        x.mode = m;
        x.count = n;
        if (m == Mode::kWrite) x.token = h.token;
        x.acquired_at_us = h.since_us;
        if (auto e = expires.find(h.owner); e != expires.end()) x.expires_at_us = e->second;
        if (auto w = waiting.find(r->key); w != waiting.end()) x.waiters = w->second;
        out.push_back(std::move(x));
      }
    }
  }
  return out;
}

// ---- recovery and time-to-live ----

size_t LockService::recover() {
  auto t = txns_.begin(coord::BeginOptions{});
  t->start_statement();
  size_t holds = 0;
  LockWait nowait{coord::WaitPolicy::kNoWait, runtime::Deadline::max(), nullptr};
  auto rc = t->scan(KeySpace{kLockServiceSpace, kResources}, "", "");
  while (auto r = rc->next()) {
    auto tag = partition_api::resource_object(r->key);
    for (const auto& h : parse_resource(r->value).holders) {
      remember(h.owner);
      uint64_t id = owner_id(h.owner);
      for (int64_t i = 0; i < h.write; ++i, ++holds)
        if (!t->lock_resource(tag, kExclusive, nowait, id))
          spdlog::error("lock service: could not restore WRITE of {} on {}", h.owner, r->key);
      for (int64_t i = 0; i < h.read; ++i, ++holds)
        if (!t->lock_resource(tag, kShare, nowait, id))
          spdlog::error("lock service: could not restore READ of {} on {}", h.owner, r->key);
    }
  }
  auto oc = t->scan(KeySpace{kLockServiceSpace, kOwners}, "", "");
  while (auto r = oc->next()) {
    json j = json::parse(r->value);
    remember(r->key);
    if (j.contains("expires_at") && !j["expires_at"].is_null())
      set_expiry(r->key, j["expires_at"].get<int64_t>());
  }
  t->commit();
  return holds;
}

void LockService::set_expiry(const std::string& owner, std::optional<int64_t> expires_at_us) {
  std::lock_guard g(mu_);
  if (expires_at_us)
    expiry_[owner] = *expires_at_us;
  else
    expiry_.erase(owner);
  expiry_cv_.notify_all();
}

void LockService::start_expiry() {
  std::lock_guard g(mu_);
  if (expiry_thread_.joinable()) return;
  stopping_ = false;
  expiry_thread_ = std::thread([this] { expiry_loop(); });
}

void LockService::stop_expiry() {
  {
    std::lock_guard g(mu_);
    stopping_ = true;
    expiry_cv_.notify_all();
  }
  if (expiry_thread_.joinable()) expiry_thread_.join();
}

void LockService::expiry_loop() {
  std::unique_lock g(mu_);
  while (!stopping_) {
    // The earliest expiry, or sleep until one is set.
    std::optional<int64_t> next;
    for (const auto& [owner, at] : expiry_) next = next ? std::min(*next, at) : at;
    if (!next) {
      expiry_cv_.wait(g);
      continue;
    }
    int64_t wait_us = *next - now_us();
    if (wait_us > 0) {
      expiry_cv_.wait_for(g, std::chrono::microseconds(wait_us));
      continue;
    }
    std::vector<std::string> due;
    for (const auto& [owner, at] : expiry_)
      if (at <= now_us()) due.push_back(owner);
    g.unlock();
    for (const auto& owner : due) {
      try {
        auto t = txns_.begin(coord::BeginOptions{});
        t->start_statement();
        OwnerRow o = load_owner(*t, owner);
        if (o.expires_at_us && *o.expires_at_us <= now_us()) {
          int64_t n = release_all(*t, owner);  // L6; its on_commit forgets the expiry
          t->commit();
          spdlog::info("lock service: owner \"{}\" expired, {} holds released", owner, n);
        } else {
          t->commit();
          set_expiry(owner, o.expires_at_us);  // renewed meanwhile (or gone)
        }
      } catch (const std::exception& e) {
        spdlog::warn("lock service: expiring owner \"{}\" failed ({}); retrying", owner, e.what());
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    g.lock();
  }
}

}  // namespace hf::locksvc
