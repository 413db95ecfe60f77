// sql/exec/lock_functions.cc — pg_advisory_* and the blocking functions (see locking.h).
//
// Advisory keys: one bigint, or two integers (PostgreSQL's two key spaces, objsubid 1 and 2).
// Session-level locks (pg_advisory_lock, pg_advisory_lock_shared, the try variants) are owned
// by the session and kept until pg_advisory_unlock*, or the session's end; transaction-level
// ones (*_xact_*) by the transaction. A lock held several times needs as many unlocks.
#include <algorithm>
#include <cctype>

#include "common/error.h"
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
  auto info = reg.find(pid);
  if (!info) return out;
  std::vector<uint64_t> owners{kSessionOwnerBit | static_cast<uint32_t>(pid)};
  if (info->txn_id) owners.push_back(info->txn_id);
  for (const auto& b : cx.txn.manager().blockers(owners)) {
    std::optional<int32_t> who;
    if (b.group >> 62 == 1)
      who = static_cast<int32_t>(b.group & 0xffffffffu);
    else if (b.owner >> 62 == 1)
      who = static_cast<int32_t>(b.owner & 0xffffffffu);
    else
      who = reg.pid_of_txn(b.owner);
    if (who && *who != pid && std::find(out.begin(), out.end(), *who) == out.end())
      out.push_back(*who);
  }
  return out;
}

std::optional<Datum> lock_function(const bind::Expr& e, const std::vector<Datum>& args,
                                   ExecContext& cx) {
  const std::string& n = e.name;
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
    // ... and pg_safe_snapshot_blocking_pids(pid): a SERIALIZABLE READ ONLY DEFERRABLE wait.
    if (auto info = cx.session.registry().find(static_cast<int32_t>(int_arg(args[0])));
        info && info->txn_id) {
      for (uint64_t t : cx.txn.manager().safe_snapshot_blockers(info->txn_id)) {
        if (auto who = cx.session.registry().pid_of_txn(t)) blockers.push_back(*who);
      }
    }
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
