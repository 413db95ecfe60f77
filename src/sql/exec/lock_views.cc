// sql/exec/lock_views.cc — rows of pg_locks and holdfast_lock_stats (see locking.h).
//
// pg_locks shows what PostgreSQL would show:
//   - table locks: locktype 'relation', relation = table oid; fastpath = true for a weak lock
//     the transaction keeps itself (coord FastPathSlot), as PostgreSQL's fast-path locks;
//   - advisory locks: 'advisory', classid/objid = the key's high/low 32 bits, objsubid 1
//     (one bigint key) or 2 (two int keys);
//   - row locks: PostgreSQL keeps granted row locks in the tuples, not in pg_locks, so a
//     holdfast row hold is not listed; a row *waiter* is shown as PostgreSQL shows one: the
//     first waiter holds the 'tuple' lock (granted) and waits for a holder's 'transactionid'
//     in ShareLock; later waiters wait for the 'tuple' lock. holdfast has no ctid, so page
//     and tuple are NULL;
//   - every session in a transaction holds its 'virtualxid'; a transaction that holds row
//     locks also holds its own 'transactionid' (ExclusiveLock), as a PostgreSQL transaction
//     with an xid does.
// holdfast_lock_stats: one row of activity::LockMetrics counters.
#include <chrono>
#include <map>
#include <set>

#include "activity/metrics.h"
#include "sql/exec/locking.h"

namespace hf::sql::exec {

namespace {

constexpr int64_t kDatabaseOid = 5;

Datum oid(int64_t o) {
  return Datum(o);
}

uint64_t u64(const std::string& k) {
  uint64_t v = 0;
  for (unsigned char c : k) v = (v << 8) | c;
  return v;
}

int64_t now_us_2000() {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return us - 946684800LL * 1000000LL;
}

}  // namespace

std::optional<std::vector<Row>> lock_view_rows(const std::string& view, ExecContext& cx) {
  if (view == "holdfast_lock_stats") {
    auto& m = activity::lock_metrics();
    auto v = [](const std::atomic<uint64_t>& c) {
      return Datum(static_cast<int64_t>(c.load(std::memory_order_relaxed)));
    };
    return std::vector<Row>{{v(m.waits), Datum(m.wait_time_us.load() / 1000.0), v(m.timeouts),
                             v(m.nowait_failures), v(m.skipped), v(m.deadlocks), v(m.cancelled),
                             v(m.epq_rechecks), v(m.epq_rescans)}};
  }
  if (view != "pg_locks") return std::nullopt;

  auto& reg = cx.session.registry();
  // The cluster's sessions (issue 12 item 7): a lock held or awaited by another node's
  // session names its pid, and every session in a transaction shows its virtualxid.
  auto sessions = reg.cluster_snapshot();
  std::map<uint64_t, int32_t> pid_of_txn;
  for (const auto& s : sessions)
    if (s.txn_id) pid_of_txn[s.txn_id] = s.pid;
  auto pid_of = [&](uint64_t owner, uint64_t group) -> Datum {
    uint64_t v = group ? group : owner;
    if (v >> 62 == 1) return Datum(static_cast<int64_t>(v & 0xffffffffu));
    auto it = pid_of_txn.find(owner);
    return it == pid_of_txn.end() ? Datum::Null() : Datum(int64_t{it->second});
  };
  auto vxid_of = [&](const Datum& pid) -> Datum {
    if (pid.is_null()) return Datum::Null();
    for (const auto& s : sessions)
      if (s.pid == pid.as_int())
        return Datum(std::to_string(s.pid % 1000) + "/" + std::to_string(s.txn_id & 0xffffffff));
    return Datum::Null();
  };
  std::map<uint32_t, int64_t> oid_of_storage;
  for (const auto& t : cx.catalog.tables()) oid_of_storage[t->storage_id] = t->oid;

  const auto steady_now = runtime::Clock::now();
  const int64_t wall_now = now_us_2000();
  auto waitstart = [&](const coord::LockEntry& e) -> Datum {
    if (e.granted) return Datum::Null();
    auto ago = std::chrono::duration_cast<std::chrono::microseconds>(steady_now - e.wait_start);
    return Datum(wall_now - ago.count());
  };
  // One pg_locks row; nulls where the lock type has no such field.
  auto row = [&](const char* locktype, Datum relation, Datum virtualxid, Datum transactionid,
                 Datum classid, Datum objid, Datum objsubid, Datum pid, const char* mode,
                 bool granted, Datum wait, bool fastpath = false) {
    return Row{Datum(std::string(locktype)),
               oid(kDatabaseOid),
               std::move(relation),
               Datum::Null(),
               Datum::Null(),
               std::move(virtualxid),
               std::move(transactionid),
               std::move(classid),
               std::move(objid),
               std::move(objsubid),
               vxid_of(pid),
               pid,
               Datum(std::string(mode)),
               Datum(granted),
               Datum(fastpath),
               std::move(wait)};
  };
  std::vector<Row> out;
  auto entries = cx.txn.manager().lock_view();
  std::set<uint64_t> row_lockers;  // transactions holding row locks
  for (const auto& e : entries)
    if (e.kind == coord::LockKind::kRow && e.granted) row_lockers.insert(e.owner);

  for (const auto& s : sessions) {
    if (!s.txn_id) continue;
    Datum pid(int64_t{s.pid});
    // PostgreSQL takes a transaction's virtualxid lock through the fast path.
    out.push_back(row("virtualxid", Datum::Null(), vxid_of(pid), Datum::Null(), Datum::Null(),
                      Datum::Null(), Datum::Null(), pid, "ExclusiveLock", true, Datum::Null(),
                      true));
    if (row_lockers.count(s.txn_id))
      out.push_back(row("transactionid", Datum::Null(), Datum::Null(),
                        Datum(static_cast<int64_t>(s.txn_id)), Datum::Null(), Datum::Null(),
                        Datum::Null(), pid, "ExclusiveLock", true, Datum::Null()));
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    Datum pid = pid_of(e.owner, e.group);
    const char* mode = coord::lock_mode_name(e.kind, e.mode);
    switch (e.kind) {
      case coord::LockKind::kTable:
        out.push_back(row("relation", oid(e.a), Datum::Null(), Datum::Null(), Datum::Null(),
                          Datum::Null(), Datum::Null(), pid, mode, e.granted, waitstart(e),
                          e.fastpath));
        break;
      case coord::LockKind::kAdvisory: {
        uint64_t k = u64(e.key);
        out.push_back(row("advisory", Datum::Null(), Datum::Null(), Datum::Null(),
                          oid(static_cast<int64_t>(k >> 32)),
                          oid(static_cast<int64_t>(k & 0xffffffffu)), Datum(int64_t{e.b}), pid,
                          mode, e.granted, waitstart(e)));
        break;
      }
      case coord::LockKind::kTransaction:
        out.push_back(row("transactionid", Datum::Null(), Datum::Null(),
                          Datum(static_cast<int64_t>(u64(e.key))), Datum::Null(), Datum::Null(),
                          Datum::Null(), pid, mode, e.granted, waitstart(e)));
        break;
      case coord::LockKind::kResource:
        // holdfast's lock service (holdfast.resource_locks names the resource and owner).
        out.push_back(row("holdfast_resource", Datum::Null(), Datum::Null(), Datum::Null(),
                          Datum::Null(), Datum::Null(), Datum::Null(), pid, mode, e.granted,
                          waitstart(e)));
        break;
      case coord::LockKind::kRow: {
        if (e.granted) break;  // PostgreSQL keeps row locks in the tuple
        auto it = oid_of_storage.find(e.a);
        Datum rel = it == oid_of_storage.end() ? Datum::Null() : oid(it->second);
        if (!e.first_waiter) {
          out.push_back(row("tuple", rel, Datum::Null(), Datum::Null(), Datum::Null(),
                            Datum::Null(), Datum::Null(), pid, mode, false, waitstart(e)));
          break;
        }
        out.push_back(row("tuple", rel, Datum::Null(), Datum::Null(), Datum::Null(), Datum::Null(),
                          Datum::Null(), pid, mode, true, Datum::Null()));
        // The transaction it waits for: a holder of the same row.
        Datum holder = Datum::Null();
        for (const auto& h : entries) {
          if (h.kind == coord::LockKind::kRow && h.granted && h.a == e.a && h.b == e.b &&
              h.key == e.key && h.owner != e.owner) {
            holder = Datum(static_cast<int64_t>(h.owner));
            break;
          }
        }
        out.push_back(row("transactionid", Datum::Null(), Datum::Null(), holder, Datum::Null(),
                          Datum::Null(), Datum::Null(), pid, "ShareLock", false, waitstart(e)));
        break;
      }
    }
  }
  return out;
}

}  // namespace hf::sql::exec
