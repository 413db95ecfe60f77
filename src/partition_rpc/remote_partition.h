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
// Thread safety: every method may be called concurrently from any fiber or thread.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "partition_api/partition.h"
#include "partition_rpc/frame_connection.h"

namespace hf::partition_rpc {

namespace api = partition_api;

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

  // Sends a request the caller does not wait for (a pipelined write, partition.proto): its
  // failure comes back as the answer to the transaction's next request on this channel.
  // Throws 08006 when the connection is lost.
  void send_pipelined(pb::Request request);

  // The node's description (partitions, commit groups, clock). With `coordinator` (the
  // caller's cluster address) the partitions' node also attaches to that coordinator
  // (partition.proto, Describe). Throws the node's error.
  pb::NodeDescription describe(const std::string& coordinator = {});

  // The node's partitions, each a RemotePartition over this channel, indexed by partition id
  // as the node numbers them (partitions[i]->id() == i). The channel must outlive them.
  std::vector<std::unique_ptr<api::Partition>> partitions();
  // The same, from a description describe() already returned (no second round trip).
  std::vector<std::unique_ptr<api::Partition>> partitions(const pb::NodeDescription& d);

  std::string address() const { return address_; }

  // Calls made so far, by kind ("get", "lock", ...; "write" counts pipelined writes), for the
  // counted figures of doc/cluster.md: round trips per transaction. Any thread.
  std::map<std::string, uint64_t> call_counts() const;

 private:
  struct PendingCall;
  PartitionChannel() = default;
  void on_frame(pb::Frame&& frame);
  void on_close(const std::string& why);

  std::string address_;
  boost::asio::io_context io_;
  std::thread io_thread_;
  std::shared_ptr<FrameConnection> connection_;

  void count(const pb::Request& request);
  std::array<std::atomic<uint64_t>, 64> calls_by_kind_{};  // by pb::Request::CallCase

  std::mutex mu_;  // guards the three below
  uint64_t next_call_id_ = 1;
  std::map<uint64_t, std::shared_ptr<PendingCall>> pending_;
  std::string lost_;  // non-empty: the connection is gone, and why
};

}  // namespace hf::partition_rpc

namespace hf::partition_rpc {

// The coordinator of a partitions' node's transactions, on another node (issue 12): what the
// node's partitions ask their coordinator — whether a transaction committed, the SSI conflicts
// their serializable reads skipped, the GC horizon — becomes calls over a channel to it.
// status() MAY SUSPEND (a fiber parks; a plain thread blocks) and throws 08006 when the
// coordinator cannot be reached (the read that asked fails: it cannot know what it sees).
// SSI reports wait for the coordinator's acknowledgement (one round trip, only when a
// serializable read skips a write), so a read never returns before its coordinator knows of
// the conflict. gc_horizon() answers 0 (collect nothing) when the coordinator cannot be
// reached. Thread-safe.
class CoordinatorLink : public api::TxnStatusOracle, public api::SsiConflictSink {
 public:
  explicit CoordinatorLink(std::shared_ptr<PartitionChannel> channel)
      : channel_(std::move(channel)) {}
  api::TxnStatus status(api::TxnId txn) override;
  void read_skipped_intent(api::TxnId reader, api::TxnId writer) override;
  void read_skipped_commit(api::TxnId reader, api::Timestamp commit_ts) override;
  api::Timestamp gc_horizon();
  std::string address() const { return channel_->address(); }

 private:
  std::shared_ptr<PartitionChannel> channel_;
};

}  // namespace hf::partition_rpc
