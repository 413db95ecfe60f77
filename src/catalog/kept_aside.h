// catalog/kept_aside.h — a transaction's uncommitted change of a committed catalog object,
// kept aside until it commits (issue 13: DDL is seen by other sessions only once it commits).
//
// Owns: for one kind of object (functions, triggers, roles, a sequence's owner and ACL,
// domains), the objects some transaction changed and has not committed: by oid, the version
// every other session keeps seeing (`committed`) and the changing transaction's (`now`).
// The protocol every kind follows, written once here (KeptAside::keep):
//  - The transaction's first change of an object records both versions and hooks the
//    transaction: its row is written by the transaction itself (before_commit, Hooks::write),
//    so it commits atomically with it and a crash before the commit keeps nothing; at the
//    commit the kind makes `now` everybody's (Hooks::publish), the aside copy goes and the
//    other coordinators are told (Catalog::announce_change). A later change by the same
//    transaction replaces `now`. A rollback, or a ROLLBACK TO a savepoint taken before a
//    change, puts back what the transaction saw before that change.
//  - Every settlement (commit, rollback, ROLLBACK TO) bumps the catalog version and wakes the
//    statements parked in Catalog::wait_settled, as part of publishing or discarding: a
//    settlement that forgot the wake-up left them parked for good.
//  - The calling fiber becomes a viewer of its transaction (Catalog's viewers_), so that the
//    lookups show it `now`; its transaction stops being viewed once it has nothing
//    uncommitted left anywhere in the catalog.
//  - A change of an object that another transaction keeps aside fails with PostgreSQL's
//    "tuple concurrently updated": the caller locks the object first, so it waited for that
//    transaction to end (and only a change made under no lock gets here).
//
// Thread safety: thread-safe. The hooks and on_change run without this module's lock held
// (they may take the catalog's); read()'s function runs under it and must take no lock of the
// catalog's. The hooks run on the transaction's fiber (commit, rollback); keep() never suspends.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <utility>

#include "common/datum.h"
#include "common/error.h"
#include "coord/transaction.h"

namespace hf::catalog {

class Catalog;

// Writes (value nullopt: deletes) row `key` of system keyspace `space` with owner, locking it
// first: what a Hooks::write does, in owner's own commit. MAY SUSPEND.
void write_own_row(coord::Transaction& owner, uint32_t space, const std::string& key,
                   const std::optional<std::string>& value);

template <typename V>
struct Aside {
  uint64_t txn = 0;  // the changing transaction
  V committed{};     // what every other session sees meanwhile
  V now{};           // what that transaction sees
};

// What the protocol asks of the catalog (catalog/kept_aside.cc, a friend of Catalog).
class KeptAsideBase {
 protected:
  explicit KeptAsideBase(Catalog& catalog) : catalog_(catalog) {}
  // The calling fiber sees txn's uncommitted DDL.
  void note_viewer(uint64_t txn);
  // txn's change settled: committed (the others read the catalog again), or undone. gone:
  // the aside went (txn's viewer goes too if it has nothing else uncommitted). Wakes the
  // statements parked in Catalog::wait_settled.
  void settled(uint64_t txn, bool gone, bool committed);
  // The transaction the calling fiber runs DDL for, if any.
  std::optional<uint64_t> viewer() const;
  // A change was recorded: prepared statements bind again (nothing settled yet).
  void bump_version();
  Catalog& catalog_;
};

template <typename V>
class KeptAside : KeptAsideBase {
 public:
  struct Hooks {
    // Writes `now` as the object's row with `owner`, in owner's own commit (before_commit).
    std::function<void(coord::Transaction& owner, Oid oid, const V& now)> write;
    // Makes `now` the committed version for everybody (at the commit, before the aside goes).
    std::function<void(Oid oid, const V& now)> publish;
  };
  // on_change (optional): called whenever the aside of an oid changed (nullptr: it went), for
  // a mirror outside the catalog (sql/types/uncommitted_domains.h) or a version of its own.
  KeptAside(Catalog& catalog, Hooks hooks, std::function<void(Oid, const Aside<V>*)> on_change = {})
      : KeptAsideBase(catalog), hooks_(std::move(hooks)), on_change_(std::move(on_change)) {}

  // Records that owner's transaction makes object oid `now` (what it was: `committed`, used
  // at its first change only), with the hooks described above. Throws 'tuple concurrently
  // updated' when another transaction keeps it aside.
  void keep(Oid oid, V committed, V now, coord::Transaction& owner) {
    const uint64_t txn = owner.id();
    std::optional<V> before;  // the transaction's version before this change (none: its first)
    std::optional<Aside<V>> changed;
    {
      std::unique_lock lk(mu_);
      auto it = asides_.find(oid);
      if (it != asides_.end() && it->second.txn != txn)
        throw SqlError(sqlstate::kInternalError, "tuple concurrently updated");
      if (it == asides_.end()) {
        it = asides_.emplace(oid, Aside<V>{txn, std::move(committed), std::move(now)}).first;
        count_.store(asides_.size(), std::memory_order_release);
      } else {
        before = std::exchange(it->second.now, std::move(now));
      }
      changed = it->second;
    }
    if (on_change_) on_change_(oid, &*changed);
    note_viewer(txn);
    bump_version();
    // Undone newest first: a ROLLBACK TO puts back what the transaction saw before.
    owner.on_rollback([this, oid, txn, before] {
      std::optional<Aside<V>> left;
      {
        std::unique_lock lk(mu_);
        auto it = asides_.find(oid);
        if (it == asides_.end() || it->second.txn != txn) return;
        if (before) {
          it->second.now = *before;
          left = it->second;
        } else {
          asides_.erase(it);
          count_.store(asides_.size(), std::memory_order_release);
        }
      }
      if (on_change_) on_change_(oid, left ? &*left : nullptr);
      settled(txn, !left, false);
    });
    if (before) return;  // the commit hooks of the first change are there already
    // The row goes with the transaction's own commit: a crash never keeps half of it.
    owner.before_commit([this, &owner, oid, txn] {
      auto a = find(oid);
      if (!a || a->txn != txn) return;  // rolled back to a savepoint taken before the change
      hooks_.write(owner, oid, a->now);
    });
    owner.on_commit([this, oid, txn] {
      auto a = find(oid);
      if (!a || a->txn != txn) return;
      hooks_.publish(oid, a->now);
      {
        std::unique_lock lk(mu_);
        auto it = asides_.find(oid);
        if (it != asides_.end() && it->second.txn == txn) asides_.erase(it);
        count_.store(asides_.size(), std::memory_order_release);
      }
      if (on_change_) on_change_(oid, nullptr);
      settled(txn, true, true);
    });
  }

  std::optional<Aside<V>> find(Oid oid) const {
    if (!any()) return std::nullopt;
    std::shared_lock lk(mu_);
    auto it = asides_.find(oid);
    if (it == asides_.end()) return std::nullopt;
    return it->second;
  }
  // What the calling fiber sees of oid: its own transaction's version, or the committed one
  // while another transaction keeps it aside; nullopt: nobody does (the live definition).
  std::optional<V> seen(Oid oid) const {
    auto a = find(oid);
    if (!a) return std::nullopt;
    auto v = viewer();
    return v && *v == a->txn ? a->now : a->committed;
  }
  // Whether anything is kept aside (a lock-free test for the lookups' common case).
  bool any() const { return count_.load(std::memory_order_acquire) != 0; }
  // Whether transaction txn keeps anything aside here.
  bool of_txn(uint64_t txn) const {
    return read([&](const auto& asides) {
      for (const auto& [oid, a] : asides)
        if (a.txn == txn) return true;
      return false;
    });
  }
  // Whether a transaction other than txn keeps object oid aside.
  bool other_than(Oid oid, uint64_t txn) const {
    auto a = find(oid);
    return a && a->txn != txn;
  }
  // fn(const std::map<Oid, Aside<V>>&) under the lock.
  template <typename Fn>
  decltype(auto) read(Fn&& fn) const {
    std::shared_lock lk(mu_);
    return fn(std::as_const(asides_));
  }

 private:
  const Hooks hooks_;
  const std::function<void(Oid, const Aside<V>*)> on_change_;
  mutable std::shared_mutex mu_;
  std::map<Oid, Aside<V>> asides_;  // mu_
  std::atomic<size_t> count_{0};    // asides_.size()
};

}  // namespace hf::catalog
