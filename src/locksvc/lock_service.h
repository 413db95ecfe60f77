// locksvc/lock_service.h — the lock service (issue 11): owner-bound, persistent read-write
// locks on named resources, with fencing tokens and waits that are woken, not polled.
//
// What it owns: the durable state of every resource lock — who holds it, in which mode, how
// many times, the newest WRITE grant's fencing token and the token counter — and of every owner
// (its time-to-live and the resources it holds). Both are rows of system keyspace 4, written
// through coord::Transaction in the CALLER's transaction, so they are replicated and moved with
// the partitions like any table, and a lock taken in a transaction that aborts is not taken:
//   keyspace {4, 0}: resource name -> {"next_token", "holders": [{owner, read, write, token,
//                    since}]}  (read/write: hold counts; token: of the current WRITE grant)
//   keyspace {4, 1}: owner -> {"expires_at" (µs since 2000-01-01, or null), "resources"}
// The waiting happens in the partitions' lock tables: a resource is an object lock
// (partition_api::resource_object) in mode Share (READ) or Exclusive (WRITE), owned by the
// owner's id (owner_id()), routed like any object lock. So a waiter is woken by the release
// that lets it in, in arrival order (the lock table's FIFO), and a cycle of waits — across
// calls, and mixed with row, table and advisory locks in the same waits-for graph — is found by
// the same deadlock detector (40P01; L7). The lock table is memory: recover() takes every
// durable hold again at startup, before the server accepts connections.
//
// Deadlocks: who waits for whom (L7). An owner holds but never waits: what waits is the
// session running a call. So in the node's waits-for graph (partition/locks WaitGraph):
//   * a lock-service wait is the SESSION's: the vertex that waits is the calling session (the
//     one PostgreSQL-style deadlock reports name as "Process N"); the hold it gets is the
//     owner's, and the owner's own holds never block it (upgrade waits only for others);
//   * an owner's holds wait for the sessions ACTING for it: from the start of any call for the
//     owner (lock, try_lock, unlock, unlock_all, downgrade, renew) until the end of the
//     transaction that ran it, the graph has a hard edge owner -> session
//     (Transaction::act_for, WaitGraph::link). That session can still change the owner's
//     holds: a hold it took goes if its transaction aborts, a release it made takes effect at
//     its commit, and anyone else's unlock or the expiry thread waits for the resource row it
//     locked. An owner no live session acts for has no outgoing edge: it is merely held, and
//     its waiters wait until an unlock, its time-to-live, or their own timeout (55P03) — never
//     a deadlock through it.
// A cycle — session -> owner's hold -> acting session -> row / advisory / table / resource
// lock -> ... -> first session — is then a cycle of the one graph, found by the same check as
// row-lock cycles after deadlock_timeout: the checking session gets 40P01, its transaction
// (and with it the holds its calls took) rolls back, and the others proceed. Two owners both
// upgrading (each session waiting for the other owner's READ hold) are such a cycle, found at
// once by the queue rule Q2. In the 40P01 DETAIL a wait blocked by an owner's hold names the
// acting session in the cycle ("Process 11 waits for ExclusiveLock on holdfast resource "r";
// blocked by process 12."), the lock as pg_locks shows it (locktype holdfast_resource; READ is
// ShareLock, WRITE ExclusiveLock). The tie is per owner, not per resource: a session acting
// for an owner in an open transaction ties all of that owner's holds to it (the owner's work
// is in that session), which is conservative but never leaves a real cycle undetected.
//
// The promises:
//   L1. acquire() is all or nothing: it takes the resources in name order (two batches never
//       deadlock on each other), and when one is not available (try) or its wait ends
//       (timeout 55P03, deadlock 40P01, cancel 57014) it gives back what this call took.
//   L2. Reentrant: an owner's holds are counted per mode; release() gives back one hold (a
//       WRITE hold first); READ -> WRITE upgrade waits only for the other readers (two owners
//       that both wait to upgrade are a deadlock: 40P01); downgrade() turns the owner's WRITE
//       holds into READ holds at once.
//   L3. Every new WRITE grant (count 0 -> 1) gets a fencing token that is larger than every
//       token handed out before on this node — including those of grants whose transaction
//       then aborted — across restarts. The tokens come from a node-wide counter that never
//       rolls back: it is reserved in blocks (kTokenBlock) by a transaction of its own
//       (coord/autonomous_update.h, keyspace {4, 2} "tokens"), so a restart continues above
//       every token of the previous run. A resource's row also keeps the floor of its next
//       token ("next_token"), so its tokens keep growing if the resource comes from a node
//       whose counter ran further. (In the cluster the counter must be the resource's
//       partition's, or the timestamp oracle's: doc/cluster.md.)
//   L4. fence_ok(resource, token) is true iff `token` is the token of a WRITE grant that still
//       holds, as of the statement's snapshot, and it takes a FOR SHARE row lock on the
//       resource's row: a newer grant writes that row, so it waits until the fenced
//       transaction ends, and a fenced write cannot commit after a newer grant. (In an
//       optimistic transaction the lock is taken at COMMIT, which fails if the row changed.)
//   L5. In-memory holds follow the durable state: a grant is taken at once and given back if
//       the transaction aborts (Transaction::on_rollback); a release takes effect in memory
//       when its transaction commits (Transaction::on_commit), so a waiter is let in only
//       once the release is durable.
//   L6. An owner's time-to-live (renew()) lapsing releases all its holds, durably, and wakes
//       their waiters (the expiry thread).
//   L7. A cycle of waits through lock-service holds — among service waits, or mixed with row,
//       table and advisory lock waits — is a deadlock (40P01) found by the node's detector,
//       and only then: a wait for an owner that no session acts for (above) is never one.
//
// Thread safety: all methods are thread-safe. acquire() and fence_ok() MAY SUSPEND (lock
// waits); every method that writes MAY SUSPEND on row locks of the service's rows. Errors are
// hf::SqlError with PostgreSQL's SQLSTATEs: 22023 for bad input, 55P03, 40P01, 57014.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "coord/transaction.h"

namespace hf::locksvc {

inline constexpr uint32_t kLockServiceSpace = 4;  // {4, 0} resources, {4, 1} owners

enum class Mode : uint8_t { kRead, kWrite };
// "read" / "write" (any case) -> Mode; throws 22023 otherwise.
Mode parse_mode(const std::string& text);
const char* mode_name(Mode m);

struct Request {
  std::string resource;
  Mode mode = Mode::kRead;
};

// One row of holdfast.resource_locks: a holder's holds of one mode on one resource.
struct Holding {
  std::string resource;
  std::string owner;
  Mode mode = Mode::kRead;
  int64_t count = 0;
  std::optional<int64_t> token;          // WRITE: the grant's fencing token
  int64_t acquired_at_us = 0;            // µs since 2000-01-01 UTC
  std::optional<int64_t> expires_at_us;  // the owner's time-to-live, if any
  std::vector<std::string> waiters;      // owners waiting for the resource now
};

class LockService {
 public:
  explicit LockService(coord::TxnManager& txns);
  ~LockService();
  LockService(const LockService&) = delete;
  LockService& operator=(const LockService&) = delete;

  // Takes every durable hold again in the lock tables (one transaction; MAY SUSPEND) and
  // learns the owners' time-to-live. Call once at startup before serving. Returns the holds.
  size_t recover();
  // Starts / stops the thread that releases the holds of owners whose time-to-live lapsed.
  void start_expiry();
  void stop_expiry();

  // Takes every request for `owner` (L1, L2, L3). wait.policy kNoWait: try (nullopt when not
  // all are available, nothing taken); kBlock: wait until wait.deadline (55P03). Returns the
  // fencing token of each request (nullopt for READ), in the order of `reqs`.
  std::optional<std::vector<std::optional<int64_t>>> acquire(coord::Transaction& t,
                                                             const std::string& owner,
                                                             std::vector<Request> reqs,
                                                             const coord::LockWait& wait);
  // Gives back one hold of each resource (L2); false if the owner held some resource not.
  bool release(coord::Transaction& t, const std::string& owner,
               const std::vector<std::string>& resources);
  // Gives back every hold of the owner and forgets it; returns how many holds.
  int64_t release_all(coord::Transaction& t, const std::string& owner);
  // WRITE -> READ (L2). Throws 22023 when the owner holds no WRITE on the resource.
  void downgrade(coord::Transaction& t, const std::string& owner, const std::string& resource);
  // Sets the owner's time-to-live from now (nullopt: none). Throws 22023 for ttl <= 0.
  void renew(coord::Transaction& t, const std::string& owner,
             std::optional<std::chrono::microseconds> ttl);
  // L4.
  bool fence_ok(coord::Transaction& t, const std::string& resource, int64_t token);
  // Every holding, as of t's snapshot, with who waits (holdfast.resource_locks).
  std::vector<Holding> holdings(coord::Transaction& t);

  // The lock-table owner id of a service owner: 1 << 63 | 1 << 61 | 61 bits of its hash (never
  // a TxnId, a session's owner id or the pruner's).
  static uint64_t owner_id(const std::string& owner);
  // Whether a lock-table owner id is a service owner's (returns it then, else 0).
  static uint64_t owner_id_of(uint64_t lock_owner) {
    constexpr uint64_t kBits = (uint64_t{1} << 63) | (uint64_t{1} << 61);
    return (lock_owner & kBits) == kBits ? lock_owner : 0;
  }

 private:
  struct Holder {
    std::string owner;
    int64_t read = 0, write = 0;
    int64_t token = 0;
    int64_t since_us = 0;
  };
  struct ResourceRow {
    int64_t next_token = 1;
    std::vector<Holder> holders;
  };
  struct OwnerRow {
    std::optional<int64_t> expires_at_us;
    std::vector<std::string> resources;
  };
  // Reads (under a FOR UPDATE row lock when `for_update`) the newest state of a row, with
  // this transaction's own writes of every command so far.
  std::optional<std::string> read_row(coord::Transaction& t, uint32_t index, const std::string& key,
                                      bool for_update);
  void write_row(coord::Transaction& t, uint32_t index, const std::string& key,
                 const std::optional<std::string>& value);
  static ResourceRow parse_resource(const std::string& value);
  ResourceRow load_resource(coord::Transaction& t, const std::string& name);
  void store_resource(coord::Transaction& t, const std::string& name, const ResourceRow& r);
  OwnerRow load_owner(coord::Transaction& t, const std::string& owner);
  void store_owner(coord::Transaction& t, const std::string& owner, const OwnerRow& o);
  // Releases durably the holds `pick` chooses (WRITE count, READ count; clamped to what the
  // owner holds) of owner on resource, reading its row once; the in-memory release follows
  // at commit (L5). Adds the number released to *released. False when nothing was held.
  bool release_holds(coord::Transaction& t, const std::string& owner, const std::string& resource,
                     const std::function<std::pair<int64_t, int64_t>(const Holder&)>& pick,
                     bool keep_owner_row, int64_t* released = nullptr);
  void remember(const std::string& owner);
  // L3: the next token, at least `at_least` (the resource's floor). MAY SUSPEND (a
  // reservation every kTokenBlock tokens).
  int64_t issue_token(int64_t at_least);
  void set_expiry(const std::string& owner, std::optional<int64_t> expires_at_us);
  void expiry_loop();

  coord::TxnManager& txns_;
  std::mutex mu_;  // guards the maps below and the expiry thread's state
  std::unordered_map<uint64_t, std::string> names_;  // owner_id -> owner (for the view)
  std::map<std::string, int64_t> expiry_;            // owner -> expires_at_us
  std::condition_variable expiry_cv_;
  std::thread expiry_thread_;
  bool stopping_ = false;
  std::mutex token_mu_;     // guards the token reservation below (never held across a wait)
  int64_t token_next_ = 0;  // tokens [token_next_, token_limit_) are reserved and unused
  int64_t token_limit_ = 0;
};

// µs since 2000-01-01 UTC now (the time base of timestamps in holdfast).
int64_t now_us();

}  // namespace hf::locksvc
