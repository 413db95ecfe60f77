// partition_rpc/remote_partition.h — partitions on another node (or behind this node's own
// cluster port), reached through the same Partition interface the coordinator uses for local
// ones.
//
// A PartitionChannel is one connection to a node's PartitionServer (partition_server.h) that
// carries the calls of every fiber of this node, each call a request frame matched to its
// answer by call id. A RemotePartition is one partition of that node: every method of
// partition_api::Partition is one call (a scan is one call per batch of rows), so the
// coordinator does not know whether a partition is local.
//
// Promises:
//  - P1 Same answers: a call returns what the partition's own method returned, or throws the
//    SqlError it threw (SQLSTATE, message, detail, hint kept).
//  - P2 Waiting parks the fiber: a call made from a fiber parks it until the answer arrives
//    (MAY SUSPEND, like the local call it stands for); a call from a plain thread blocks it.
//  - P3 Waits stay controllable: a deadline travels as the time left; a CancelToken request
//    while the call waits is sent to the partition's node as a Cancel frame, which cancels the
//    waiting call there (its answer, kCancelled, then arrives as usual); a LockWaitObserver is
//    called on the calling fiber when the partition reports that the wait started and ended.
//  - P4 A lost connection fails every call in flight and every later call with SQLSTATE 08006
//    ("connection to partition server ... lost"): the transaction fails, nothing hangs. The
//    partition's node ends the lost connection's waiting calls (they are cancelled there).
//  - P5 Scans read one fixed picture: the view of a scan is fixed, and later batches ask for
//    the keys after the last one received (partition.proto, Scan), so batches join into one
//    scan; the first batch is fetched when scan() is called (a serializable scan takes its
//    SIREAD range lock then, as a local one does).
//  - P6 Writes are pipelined: write() returns once the request is queued on the connection,
//    without waiting for the partition (one round trip per row would dominate every bulk
//    statement). The partition's node runs it before any later request of this node, so the
//    transaction's later reads, locks and commit see it; if it fails, the transaction's next
//    request to that node fails with its error (so its COMMIT cannot succeed without it).
//    Except a serializable transaction's write (publish): it is a round trip, so its intent is
//    there for readers of every coordinator once write() returns.
//  - P7 Node-level questions are bounded: node_waits() waits at most kNodeQuestionWait for
//    its answer, then throws 08006; call_within()/await_call() give any call such a bound, and
//    ask_at_once() asks several peers with one deadline for all (a deadlock check's gathering,
//    pg_stat_activity's sessions).
//  - P8 (a static cluster's restarted peer, doc/cluster.md §8 B) A lost channel may be
//    reconnected: reconnect() opens a new connection to the same address and raises the
//    channel's generation; every RemotePartition over the channel uses the new connection
//    from then on. Calls that failed stay failed (08006); nothing is sent again. Whether the
//    new life accepts a transaction that used the old one is the server's rule (it refuses
//    TxnIds handed out before its boot: partition_server.h S7).
//  - P9 (a replicated cluster, doc/cluster.md §8 C) A call to a partition that another node
//    now leads is given up: RemotePartitions made with an `abandon_when` (partitions(d, ...))
//    check it every kAbandonCheck while a call waits for its answer, and once it says the
//    partition has another leader the call sends a Cancel frame (the node drops the call's
//    wait if it still runs), forgets the call (its late answer is dropped) and fails with
//    40001 "partition P is not served here" — the refusal LeaderRoutedPartition makes again
//    at the new leader when that is safe (leader_routed.h LR2). Without it a call sent to a
//    leader that stopped (SIGSTOP, a stalled machine: its connection stays up) waited until
//    that node ran again, however soon the others elected a new leader.
// Thread safety: every method may be called concurrently from any fiber or thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "partition_api/partition.h"
#include "partition_api/txn_registry.h"
#include "partition_rpc/frame_connection.h"

namespace hf::partition_rpc {

namespace api = partition_api;

// How long a node-level question to a peer waits for its answer (issue 12 item 7: a peer's
// waits for a deadlock check, its sessions for pg_stat_activity): a peer that does not answer
// by then is left out of that answer rather than stalling it.
inline constexpr std::chrono::milliseconds kNodeQuestionWait{1000};
// How often a waiting call asks whether to give up (P9).
inline constexpr std::chrono::milliseconds kAbandonCheck{100};
// P9: whether a call to partition p (of the channel's node) is to be given up.
using AbandonWhen = std::function<bool(api::PartitionId)>;

class PartitionChannel : public std::enable_shared_from_this<PartitionChannel> {
 public:
  // Connects to a PartitionServer (blocking, from a plain thread or a fiber). Throws SqlError
  // 08001 when it cannot connect.
  static std::shared_ptr<PartitionChannel> connect(const std::string& host, uint16_t port);
  ~PartitionChannel();

  // One call: sends the request and returns the answer (an error answer is returned, not
  // thrown). MAY SUSPEND. cancel/observer: as the local request's (P3); nullptr: none.
  pb::Response call(pb::Request request, runtime::CancelToken* cancel = nullptr,
                    api::LockWaitObserver* observer = nullptr);
  // One call with a bounded wait (issue 12 item 7: node-level questions to a peer that may be
  // stopped): the answer, or nullopt when none came within `wait`. The node may still run the
  // call; its late answer is dropped. Only for calls whose effect may be lost or repeated.
  std::optional<pb::Response> call_within(pb::Request request, std::chrono::milliseconds wait);
  // The same in two steps, so a caller can ask several nodes at once and wait for all of them
  // with one deadline: send_call() sends (throws 08006 when the connection is lost);
  // await_call() returns the answer, or nullopt once `deadline` passed without one. Each sent
  // call is awaited exactly once. MAY SUSPEND.
  struct PendingCall;  // internal: a call's inbox (remote_partition.cc)
  struct SentCall {
    uint64_t id = 0;
    std::shared_ptr<PendingCall> pending;
  };
  SentCall send_call(pb::Request request);
  // `abandon` (P9), when given, is asked every kAbandonCheck while no answer came: once it
  // returns true the call is cancelled at the node and forgotten here, and nullopt returned.
  std::optional<pb::Response> await_call(const SentCall& sent, runtime::Deadline deadline,
                                         runtime::CancelToken* cancel = nullptr,
                                         api::LockWaitObserver* observer = nullptr,
                                         const std::function<bool()>& abandon = {});

  // Sends a request the caller does not wait for (a pipelined write, partition.proto): its
  // failure comes back as the answer to the transaction's next request on this channel.
  // Throws 08006 when the connection is lost.
  void send_pipelined(pb::Request request);

  // The node's description (partitions, commit groups). Throws the node's error.
  pb::NodeDescription describe();

  // The node's partitions, each a RemotePartition over this channel, indexed by partition id
  // as the node numbers them (partitions[i]->id() == i). The channel must outlive them.
  std::vector<std::unique_ptr<api::Partition>> partitions();
  // The same, from a description describe() already returned (no second round trip); their
  // calls are given up when `abandon_when` says so (P9; empty: never).
  std::vector<std::unique_ptr<api::Partition>> partitions(const pb::NodeDescription& d,
                                                          AbandonWhen abandon_when = {});
  // The partitions a cluster node's description lists (the ones it owns, any ids), in its order.
  std::vector<std::unique_ptr<api::Partition>> partitions_listed(const pb::NodeDescription& d);

  std::string address() const { return address_; }

  // P8: whether the connection is lost (every call fails with 08006 until reconnect()).
  bool lost() const;
  // P8: a new connection to the same address, REQUIRES lost(); throws 08001 when it cannot
  // connect (the channel stays lost). Blocking: from a plain thread.
  void reconnect();
  // P8: 1 for the first connection, raised by each reconnect().
  uint64_t generation() const;
  // P8: session lock owners (bit 62 set: a session's advisory locks) holding locks through
  // this connection: noted by the RemotePartitions as locks are granted and released.
  // take_session_owners() returns them and forgets them: once the connection is lost, their
  // locks on that node may be gone (its restart starts with empty lock tables), so the caller
  // ends those sessions.
  void note_session_lock(uint64_t owner, int delta);
  void forget_session_owner(uint64_t owner);
  std::vector<uint64_t> take_session_owners();

  // Calls made so far, by kind ("get", "lock", ...; "write" counts pipelined writes), for the
  // counted figures of doc/cluster.md: round trips per transaction. Any thread.
  std::map<std::string, uint64_t> call_counts() const;

 private:
  PartitionChannel() = default;
  void on_frame(pb::Frame&& frame);
  void on_close(uint64_t generation, const std::string& why);
  // A connected socket to address_ (08001 when it cannot connect).
  boost::asio::ip::tcp::socket open_socket();
  // Starts a connection of `generation` on the socket (its handlers know their generation).
  std::shared_ptr<FrameConnection> start_connection(boost::asio::ip::tcp::socket socket,
                                                    uint64_t generation);
  std::shared_ptr<FrameConnection> connection() const;  // the current one

  std::string address_;
  std::string host_;
  uint16_t port_ = 0;
  boost::asio::io_context io_;
  std::thread io_thread_;

  void count(const pb::Request& request);
  std::array<std::atomic<uint64_t>, 64> calls_by_kind_{};  // by pb::Request::CallCase

  mutable std::mutex mu_;  // guards the six below
  std::shared_ptr<FrameConnection> connection_;
  uint64_t generation_ = 1;
  uint64_t next_call_id_ = 1;
  std::map<uint64_t, std::shared_ptr<PendingCall>> pending_;
  std::string lost_;                            // non-empty: the connection is gone, and why
  std::map<uint64_t, uint64_t> session_locks_;  // owner -> locks granted and not released
};

// Node-level questions to several peers at once (issue 12 item 7, C5): every question is sent
// before any answer is awaited, and all are awaited together until `deadline`, so a stopped
// peer costs one wait in all, not one per peer. out[i] is question i's answer, or nullopt when
// its channel is null (not asked), its connection is lost, or no answer came by the deadline
// (the late answer is dropped). Only for calls whose effect may be lost or repeated.
// MAY SUSPEND; never throws for a peer.
struct PeerQuestion {
  PartitionChannel* channel = nullptr;
  pb::Request request;
};
std::vector<std::optional<pb::Response>> ask_at_once(std::vector<PeerQuestion> questions,
                                                     runtime::Deadline deadline);

}  // namespace hf::partition_rpc

namespace hf::partition_rpc {

// The transaction registry of a partitions' node (partition_api/txn_registry.h), reached over
// the channel its partitions use: every coordinator over those partitions shares it (doc/
// cluster.md §8 milestone A). A call that answers something is a round trip (MAY SUSPEND); the
// ones that answer nothing (begin, drop_snapshot, mark_aborted, forget) are pipelined, so they
// cost no wait and still reach the node before the transaction's next request. The largest
// published timestamp any answer carried is kept, and wait_published() for a timestamp at or
// below it returns without a call. Errors are the node's (40001 from the SSI calls), or 08006
// when the connection is lost. Thread-safe.
class RemoteTxnRegistry final : public api::TxnRegistry {
 public:
  explicit RemoteTxnRegistry(std::shared_ptr<PartitionChannel> channel)
      : channel_(std::move(channel)) {}
  api::TxnStatus status(api::TxnId txn) override;
  TxnIdBlock claim_txn_ids(uint64_t count) override;
  void begin(api::TxnId txn, uint64_t group) override;
  api::Timestamp published() override;
  api::Timestamp take_snapshot(api::TxnId txn) override;
  StatementSnapshot take_statement_snapshot(api::TxnId txn) override;
  void drop_snapshot(api::TxnId txn) override;
  api::Timestamp oldest_snapshot() override;
  api::Timestamp assign_commit(api::TxnId txn) override;
  api::Timestamp reserve_commit() override;
  void complete_commit(api::TxnId txn, api::Timestamp ts, bool committed) override;
  void wait_published(api::Timestamp ts) override;
  void mark_aborted(api::TxnId txn) override;
  void forget(api::TxnId txn) override;
  void drop_keyspaces(uint32_t table_id) override;
  SsiSnapshot ssi_begin(api::TxnId txn, bool read_only, bool deferrable,
                        runtime::CancelToken* cancel) override;
  bool ssi_tracking(api::TxnId txn) override;
  void ssi_after_read(api::TxnId txn, bool visited) override;
  void ssi_write_conflicts(api::TxnId txn, const std::vector<api::TxnId>& readers) override;
  void ssi_precommit(api::TxnId txn) override;
  api::Timestamp ssi_commit(api::TxnId txn, bool wrote) override;
  void ssi_aborted(api::TxnId txn) override;
  std::vector<uint64_t> ssi_safe_snapshot_blocking_groups(uint64_t group) override;
  size_t ssi_tracked() override;
  uint64_t catalog_version() override;
  uint64_t bump_catalog_version() override;
  api::TxnStatus decide(api::TxnId txn) override;
  void ssi_read_skipped(api::TxnId reader, api::TxnId writer, api::Timestamp commit_ts) override;

 private:
  // One call answered with a timestamp (which is also a published one when `published`).
  api::Timestamp ts_call(pb::Request q, bool published);
  void note_published(api::Timestamp ts);  // a published timestamp an answer carried
  pb::Response call(pb::Request q, pb::Response::ResultCase expected,
                    runtime::CancelToken* cancel = nullptr);
  std::shared_ptr<PartitionChannel> channel_;
  std::atomic<api::Timestamp> seen_published_{0};
};

}  // namespace hf::partition_rpc
