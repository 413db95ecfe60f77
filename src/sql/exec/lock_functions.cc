// sql/exec/lock_functions.cc — pg_advisory_* and the blocking functions (see locking.h).
//
// Advisory keys: one bigint, or two integers (PostgreSQL's two key spaces, objsubid 1 and 2).
// Session-level locks (pg_advisory_lock, pg_advisory_lock_shared, the try variants) are owned
// by the session and kept until pg_advisory_unlock*, or the session's end; transaction-level
// ones (*_xact_*) by the transaction. A lock held several times needs as many unlocks.
#include <algorithm>
#include <cctype>

#include "common/error.h"
#include "locksvc/lock_service.h"
#include "sql/exec/locking.h"

namespace hf::sql::exec {

namespace {

constexpr uint64_t kSessionOwnerBit = uint64_t{1} << 62;  // session owner ids: 1 << 62 | pid

bool any_null(const std::vector<Datum>& args) {
  return std::any_of(args.begin(), args.end(), [](const Datum& d) { return d.is_null(); });
}

// An integer argument; parameters whose type was never inferred arrive as text.
int64_t int_arg(const Datum& d) {
  if (std::holds_alternative<std::string>(d.v)) return std::stoll(d.as_string());
  if (std::holds_alternative<double>(d.v)) return static_cast<int64_t>(d.as_double());
  return d.as_int();
}

coord::ObjectTag advisory_tag(const std::vector<Datum>& args) {
  if (args.size() >= 2)
    return partition_api::advisory_object(static_cast<int32_t>(int_arg(args[0])),
                                          static_cast<int32_t>(int_arg(args[1])));
  return partition_api::advisory_object(int_arg(args.at(0)));
}

bool starts_with(const std::string& s, const char* p) {
  return s.rfind(p, 0) == 0;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::vector<int32_t> blocking_pids(int32_t pid, ExecContext& cx) {
  std::vector<int32_t> out;
  auto& reg = cx.session.registry();
  // Every lock request carries its session's lock group, derived from the pid, so the waits
  // of a session on another node of the cluster (pids are unique there: set_node) are found
  // by its group alone; a session of this node also by its transaction and service owner.
  std::vector<uint64_t> owners{kSessionOwnerBit | static_cast<uint32_t>(pid)};
  if (auto info = reg.find(pid)) {
    if (info->txn_id) owners.push_back(info->txn_id);
    if (info->service_owner) owners.push_back(info->service_owner);
  }
  for (const auto& b : cx.txn.manager().blockers(owners)) {
    std::optional<int32_t> who;
    if (b.group >> 62 == 1)
      who = static_cast<int32_t>(b.group & 0xffffffffu);
    else if (b.owner >> 62 == 1)
      who = static_cast<int32_t>(b.owner & 0xffffffffu);
    else if (b.owner == locksvc::LockService::owner_id_of(b.owner))
      who = reg.pid_of_service_owner(b.owner);  // a lock-service owner: who acts for it
    else
      who = reg.pid_of_txn(b.owner);
    if (who && *who != pid && std::find(out.begin(), out.end(), *who) == out.end())
      out.push_back(*who);
  }
  return out;
}

namespace {

// ---- the lock service's functions (issue 11; locksvc/lock_service.h) ----

std::vector<std::string> text_array(const Datum& d, const char* what) {
  std::vector<std::string> out;
  if (d.is_null())
    throw SqlError(sqlstate::kInvalidParameterValue, std::string(what) + " must not be NULL");
  for (const auto& x : *std::get<ArrayPtr>(d.v)) {
    if (x.is_null())
      throw SqlError(sqlstate::kInvalidParameterValue,
                     std::string(what) + " must not contain NULL");
    out.push_back(x.as_string());
  }
  return out;
}

std::string text_arg(const std::vector<Datum>& args, size_t i, const char* what) {
  if (i >= args.size() || args[i].is_null())
    throw SqlError(sqlstate::kInvalidParameterValue, std::string(what) + " must not be NULL");
  return args[i].as_string();
}

// An interval as microseconds (a month is 30 days, as PostgreSQL's interval arithmetic).
int64_t interval_micros(const Datum& d) {
  const auto& iv = std::get<Interval>(d.v);
  return iv.micros + (int64_t{iv.days} + int64_t{iv.months} * 30) * 86400LL * 1000000;
}

Datum tokens_datum(const std::vector<std::optional<int64_t>>& tokens) {
  auto v = std::make_shared<std::vector<Datum>>();
  for (const auto& t : tokens) v->push_back(t ? Datum(*t) : Datum::Null());
  return Datum(ArrayPtr(v));
}

std::optional<Datum> lock_service_function(const std::string& n, const std::vector<Datum>& args,
                                           ExecContext& cx) {
  locksvc::LockService* svc = cx.session.lock_service();
  if (svc == nullptr)
    throw SqlError(sqlstate::kFeatureNotSupported, "the lock service is not running");
  coord::Transaction& t = cx.txn;
  // This session now acts for the owner: pg_blocking_pids shows its waits and holds.
  if ((n == "holdfast.lock" || n == "holdfast.try_lock") && !args.empty() && !args[0].is_null())
    cx.session.registry().set_service_owner(cx.session.backend_pid(),
                                            locksvc::LockService::owner_id(args[0].as_string()));
  if (n == "holdfast.lock" || n == "holdfast.try_lock") {
    if (args.size() < 3 || args.size() > 4)
      throw SqlError(sqlstate::kUndefinedFunction,
                     "function " + n + " takes (owner text, resources text[], modes text[]" +
                         (n == "holdfast.lock" ? std::string(", wait interval)") : ")"));
    std::string owner = text_arg(args, 0, "owner");
    auto resources = text_array(args[1], "resources");
    auto modes = text_array(args[2], "modes");
    if (modes.size() != resources.size() && modes.size() != 1)
      throw SqlError(sqlstate::kInvalidParameterValue,
                     "modes must name one mode, or one mode per resource");
    std::vector<locksvc::Request> reqs;
    for (size_t i = 0; i < resources.size(); ++i)
      reqs.push_back({resources[i], locksvc::parse_mode(modes.size() == 1 ? modes[0] : modes[i])});
    coord::LockWait w = lock_wait(
        cx, n == "holdfast.try_lock" ? coord::WaitPolicy::kNoWait : coord::WaitPolicy::kBlock);
    if (n == "holdfast.lock" && args.size() == 4 && !args[3].is_null()) {
      int64_t us = interval_micros(args[3]);
      if (us < 0) throw SqlError(sqlstate::kInvalidParameterValue, "wait must not be negative");
      w.deadline = std::min(w.deadline, runtime::Clock::now() + std::chrono::microseconds(us));
    }
    auto tokens = svc->acquire(t, owner, std::move(reqs), w);
    if (!tokens) return Datum::Null();  // try_lock: not all available, nothing taken
    return tokens_datum(*tokens);
  }
  if (n == "holdfast.unlock") {
    if (args.size() != 2)
      throw SqlError(sqlstate::kUndefinedFunction,
                     "function holdfast.unlock takes (owner text, resources text[])");
    return Datum(svc->release(t, text_arg(args, 0, "owner"), text_array(args[1], "resources")));
  }
  if (n == "holdfast.unlock_all") {
    if (args.size() != 1)
      throw SqlError(sqlstate::kUndefinedFunction,
                     "function holdfast.unlock_all takes (owner text)");
    return Datum(svc->release_all(t, text_arg(args, 0, "owner")));
  }
  if (n == "holdfast.downgrade") {
    if (args.size() != 2)
      throw SqlError(sqlstate::kUndefinedFunction,
                     "function holdfast.downgrade takes (owner text, resource text)");
    svc->downgrade(t, text_arg(args, 0, "owner"), text_arg(args, 1, "resource"));
    return Datum::Null();
  }
  if (n == "holdfast.renew") {
    if (args.size() != 2)
      throw SqlError(sqlstate::kUndefinedFunction,
                     "function holdfast.renew takes (owner text, ttl interval)");
    std::optional<std::chrono::microseconds> ttl;
    if (!args[1].is_null()) ttl = std::chrono::microseconds(interval_micros(args[1]));
    svc->renew(t, text_arg(args, 0, "owner"), ttl);
    return Datum::Null();
  }
  if (n == "holdfast.fence_ok") {
    if (args.size() != 2)
      throw SqlError(sqlstate::kUndefinedFunction,
                     "function holdfast.fence_ok takes (resource text, token bigint)");
    if (args[0].is_null() || args[1].is_null()) return Datum::Null();
    return Datum(svc->fence_ok(t, args[0].as_string(), args[1].as_int()));
  }
  return std::nullopt;
}

}  // namespace

std::vector<Row> resource_lock_rows(ExecContext& cx) {
  std::vector<Row> out;
  locksvc::LockService* svc = cx.session.lock_service();
  if (svc == nullptr) return out;
  for (auto& h : svc->holdings(cx.txn)) {
    Datum waiters = Datum::Null();
    if (!h.waiters.empty()) {
      auto v = std::make_shared<std::vector<Datum>>();
      for (auto& w : h.waiters) v->push_back(Datum(w));
      waiters = Datum(ArrayPtr(v));
    }
    out.push_back({Datum(h.resource), Datum(h.owner), Datum(locksvc::mode_name(h.mode)),
                   Datum(h.count), h.token ? Datum(*h.token) : Datum::Null(),
                   Datum(h.acquired_at_us),
                   h.expires_at_us ? Datum(*h.expires_at_us) : Datum::Null(), waiters});
  }
  return out;
}

std::optional<Datum> lock_function(const bind::Expr& e, const std::vector<Datum>& args,
                                   ExecContext& cx) {
  const std::string& n = e.name;
  if (n.rfind("holdfast.", 0) == 0) return lock_service_function(n, args, cx);
  if (n == "pg_blocking_pids") {
    if (args.empty() || args[0].is_null()) return Datum::Null();
    auto pids = blocking_pids(static_cast<int32_t>(int_arg(args[0])), cx);
    auto v = std::make_shared<std::vector<Datum>>(pids.size());
    for (size_t i = 0; i < pids.size(); ++i) (*v)[i].v = static_cast<int64_t>(pids[i]);
    return Datum(ArrayPtr(v));
  }
  if (n == "pg_isolation_test_session_is_blocked") {
    // PostgreSQL 15: blocked iff one of pg_blocking_pids(pid) or
    // pg_safe_snapshot_blocking_pids(pid) is among the interesting pids.
    if (args.size() < 2 || args[0].is_null() || args[1].is_null()) return Datum::Null();
    auto blockers = blocking_pids(static_cast<int32_t>(int_arg(args[0])), cx);
    // ... and pg_safe_snapshot_blocking_pids(pid): a SERIALIZABLE READ ONLY DEFERRABLE wait,
    // asked by the session's lock group, so sessions of other nodes are found too.
    uint64_t group = kSessionOwnerBit | static_cast<uint32_t>(int_arg(args[0]));
    for (uint64_t g : cx.txn.manager().safe_snapshot_blocking_groups(group))
      if (g >> 62 == 1) blockers.push_back(static_cast<int32_t>(g & 0xffffffffu));
    std::vector<int64_t> interesting;
    if (std::holds_alternative<std::string>(args[1].v)) {
      // An untyped '{1,2}' literal that reached us as text.
      const std::string& t = args[1].as_string();
      size_t i = 0;
      while (i < t.size()) {
        size_t j = i;
        while (j < t.size() && (std::isdigit(static_cast<unsigned char>(t[j])) || t[j] == '-')) ++j;
        if (j > i) interesting.push_back(std::stoll(t.substr(i, j - i)));
        i = j + 1;
      }
    } else {
      for (const Datum& d : *args[1].as_array())
        if (!d.is_null()) interesting.push_back(int_arg(d));
    }
    for (int64_t p : interesting)
      if (std::find(blockers.begin(), blockers.end(), static_cast<int32_t>(p)) != blockers.end())
        return Datum(true);
    return Datum(false);
  }
  if (n == "pg_advisory_unlock_all") {
    cx.txn.unlock_all_advisory();
    return Datum::Null();
  }
  const bool is_try = starts_with(n, "pg_try_advisory_");
  if (!is_try && !starts_with(n, "pg_advisory_")) return std::nullopt;
  const bool shared = ends_with(n, "_shared");
  if (any_null(args) || args.empty()) return Datum::Null();  // strict functions
  coord::ObjectTag tag = advisory_tag(args);
  if (starts_with(n, "pg_advisory_unlock")) {
    if (cx.txn.unlock_advisory(tag, shared)) return Datum(true);
    Error w;
    w.severity = "WARNING";
    w.sqlstate = sqlstate::kWarning;
    w.message =
        std::string("you don't own a lock of type ") + (shared ? "ShareLock" : "ExclusiveLock");
    cx.session.notice(w);
    return Datum(false);
  }
  const bool xact = n.find("_xact_") != std::string::npos;
  auto wait = lock_wait(cx, is_try ? coord::WaitPolicy::kNoWait : coord::WaitPolicy::kBlock);
  bool got = cx.txn.lock_advisory(tag, shared, wait, /*session_level=*/!xact);
  if (is_try) return Datum(got);
  return Datum::Null();  // void
}

}  // namespace hf::sql::exec
