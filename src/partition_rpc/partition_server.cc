// partition_rpc/partition_server.cc — see partition_server.h.
#include "partition_rpc/partition_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <map>
#include <optional>

#include "common/error.h"
#include "partition_rpc/convert.h"
#include "partition_rpc/frame_connection.h"

namespace hf::partition_rpc {

namespace {

// Sends a waiting call's progress to its caller (S4).
class ProgressForwarder : public api::LockWaitObserver {
 public:
  ProgressForwarder(std::shared_ptr<FrameConnection> conn, uint64_t call_id)
      : conn_(std::move(conn)), call_id_(call_id) {}
  void wait_started(api::LockKind kind, bool first_in_queue) override {
    pb::Frame f;
    f.set_call_id(call_id_);
    auto* p = f.mutable_progress();
    p->set_started(true);
    p->set_kind(static_cast<uint32_t>(kind));
    p->set_first_in_queue(first_in_queue);
    conn_->send(f);
  }
  void wait_ended() override {
    pb::Frame f;
    f.set_call_id(call_id_);
    f.mutable_progress()->set_started(false);
    conn_->send(f);
  }

 private:
  std::shared_ptr<FrameConnection> conn_;
  uint64_t call_id_;
};

// One batch of a scan (partition.proto, Scan).
void scan_batch(api::Partition& p, const pb::Scan& m, pb::ScanBatch* out) {
  api::ScanRequest req;
  req.space = from_pb(m.space());
  req.start = m.start();
  req.end = m.end();
  req.view = from_pb(m.view());
  req.reverse = m.reverse();
  req.limit = m.limit();
  auto cursor = p.scan(req);
  uint32_t max_rows = std::max<uint32_t>(m.max_rows(), 1);
  uint64_t bytes = 0;
  for (;;) {
    if (static_cast<uint32_t>(out->rows_size()) >= max_rows || bytes >= m.max_bytes()) return;
    auto row = cursor->next();
    if (!row) break;
    bytes += row->key.size() + row->value.size();
    to_pb(*row, out->add_rows());
  }
  out->set_done(true);
}

// A call to the node's transaction registry (partition.proto), not to a partition.
bool is_registry_call(const pb::Request& q) {
  return (q.call_case() >= pb::Request::kClaimTxnIds &&
          q.call_case() <= pb::Request::kSsiReadSkipped) ||
         q.call_case() == pb::Request::kTakeStatementSnapshot;
}

// Runs a registry call. MAY SUSPEND (wait_published, ssi_begin).
void registry_call(api::TxnRegistry& g, const pb::Request& q, runtime::CancelToken* cancel,
                   pb::Response* r) {
  switch (q.call_case()) {
    case pb::Request::kClaimTxnIds: {
      auto b = g.claim_txn_ids(q.claim_txn_ids().count());
      r->mutable_txn_id_block()->set_first(b.first);
      r->mutable_txn_id_block()->set_end(b.end);
      return;
    }
    case pb::Request::kRegistryBegin:
      g.begin(q.registry_begin().txn(), q.registry_begin().group());
      break;
    case pb::Request::kPublished:
      r->mutable_ts()->set_ts(g.published());
      return;
    case pb::Request::kTakeSnapshot:
      r->mutable_ts()->set_ts(g.take_snapshot(q.take_snapshot().txn()));
      return;
    case pb::Request::kTakeStatementSnapshot: {
      auto s = g.take_statement_snapshot(q.take_statement_snapshot().txn());
      r->mutable_ts()->set_ts(s.ts);
      r->mutable_ts()->set_catalog_version(s.catalog_version);
      return;
    }
    case pb::Request::kDropSnapshot:
      g.drop_snapshot(q.drop_snapshot().txn());
      break;
    case pb::Request::kOldestSnapshot:
      r->mutable_ts()->set_ts(g.oldest_snapshot());
      return;
    case pb::Request::kAssignCommit:
      r->mutable_ts()->set_ts(g.assign_commit(q.assign_commit().txn()));
      return;
    case pb::Request::kReserveCommit:
      r->mutable_ts()->set_ts(g.reserve_commit());
      return;
    case pb::Request::kCompleteCommit: {
      const auto& m = q.complete_commit();
      g.complete_commit(m.txn(), m.commit_ts(), m.committed());
      r->mutable_ts()->set_ts(g.published());
      return;
    }
    case pb::Request::kWaitPublished:
      g.wait_published(q.wait_published().ts());
      r->mutable_ts()->set_ts(g.published());
      return;
    case pb::Request::kMarkAborted:
      g.mark_aborted(q.mark_aborted().txn());
      break;
    case pb::Request::kForget:
      g.forget(q.forget().txn());
      break;
    case pb::Request::kRegistryDropKeyspaces:
      g.drop_keyspaces(q.registry_drop_keyspaces().table_id());
      break;
    case pb::Request::kSsiBegin: {
      const auto& m = q.ssi_begin();
      auto snap = g.ssi_begin(m.txn(), m.read_only(), m.deferrable(), cancel);
      auto* out = r->mutable_ssi_snapshot();
      out->set_read_ts(snap.read_ts);
      out->set_tracked(snap.tracked);
      out->set_cancelled(snap.cancelled);
      return;
    }
    case pb::Request::kSsiTracking:
      r->mutable_flag()->set_value(g.ssi_tracking(q.ssi_tracking().txn()));
      return;
    case pb::Request::kSsiAfterRead:
      g.ssi_after_read(q.ssi_after_read().txn(), q.ssi_after_read().visited());
      break;
    case pb::Request::kSsiWriteConflicts: {
      const auto& m = q.ssi_write_conflicts();
      g.ssi_write_conflicts(m.txn(), {m.readers().begin(), m.readers().end()});
      break;
    }
    case pb::Request::kSsiPrecommit:
      g.ssi_precommit(q.ssi_precommit().txn());
      break;
    case pb::Request::kSsiCommit:
      r->mutable_ts()->set_ts(g.ssi_commit(q.ssi_commit().txn(), q.ssi_commit().wrote()));
      return;
    case pb::Request::kSsiAborted:
      g.ssi_aborted(q.ssi_aborted().txn());
      break;
    case pb::Request::kSsiSafeSnapshotBlockingGroups: {
      auto* out = r->mutable_txns();  // set even when empty
      for (auto t :
           g.ssi_safe_snapshot_blocking_groups(q.ssi_safe_snapshot_blocking_groups().owner()))
        out->add_txns(t);
      return;
    }
    case pb::Request::kSsiTracked:
      r->mutable_count()->set_count(g.ssi_tracked());
      return;
    case pb::Request::kCatalogVersion:
      r->mutable_count()->set_count(g.catalog_version());
      return;
    case pb::Request::kBumpCatalogVersion:
      r->mutable_count()->set_count(g.bump_catalog_version());
      return;
    case pb::Request::kSsiReadSkipped: {
      const auto& m = q.ssi_read_skipped();
      g.ssi_read_skipped(m.reader(), m.writer(), m.commit_ts());
      break;
    }
    case pb::Request::kDecide:
    case pb::Request::kRegistryStatus: {
      auto st = q.has_decide() ? g.decide(q.decide().txn()) : g.status(q.registry_status().txn());
      r->mutable_txn_status()->set_state(static_cast<uint32_t>(st.state));
      r->mutable_txn_status()->set_commit_ts(st.commit_ts);
      return;
    }
    default:
      throw ProtocolError("partition RPC: not a registry call");
  }
  r->mutable_done();
}

// Runs one request against the partition it names. MAY SUSPEND.
pb::Response execute(const std::vector<api::Partition*>& partitions, const NodeServices& services,
                     const pb::Request& q, runtime::CancelToken* cancel,
                     api::LockWaitObserver* observer) {
  pb::Response r;
  bool cluster = services.node_id != 0;
  if (q.call_case() == pb::Request::kDescribe) {
    auto* d = r.mutable_description();
    for (auto* p : partitions) {
      if (cluster && !services.replicated && services.owners.at(p->id()) != services.node_id)
        continue;
      d->add_partitions(p->id());
      uint64_t group = services.replicated ? 0 : p->commit_group();
      d->add_commit_groups(cluster && group ? uint64_t{services.node_id} << 32 | group : group);
    }
    if (cluster) {
      d->set_node_id(services.node_id);
      for (uint32_t o : services.owners) d->add_partition_owners(o);
    }
    return r;
  }
  if (q.call_case() == pb::Request::kNodeSessions) {
    auto* out = r.mutable_sessions();
    if (services.sessions)
      for (const auto& s : services.sessions()) to_pb(s, out->add_sessions());
    return r;
  }
  if (q.call_case() == pb::Request::kSignalBackend) {
    const auto& m = q.signal_backend();
    auto kind = m.kind() == runtime::CancelToken::kTerminate ? runtime::CancelToken::kTerminate
                                                             : runtime::CancelToken::kUserRequest;
    r.mutable_flag()->set_value(services.signal_backend && services.signal_backend(m.pid(), kind));
    return r;
  }
  if (is_registry_call(q)) {
    if (!services.registry) throw ProtocolError("partition RPC: this node keeps no registry");
    registry_call(*services.registry, q, cancel, &r);
    return r;
  }
  if (q.partition() >= partitions.size()) {
    throw ProtocolError(fmt::format("partition RPC: no partition {} on this node", q.partition()));
  }
  if (cluster && !services.replicated && services.owners.at(q.partition()) != services.node_id) {
    throw SqlError(sqlstate::kInternalError,
                   fmt::format("partition {} is owned by node {}, not by node {}", q.partition(),
                               services.owners.at(q.partition()), services.node_id));
  }
  api::Partition& p = *partitions[q.partition()];
  auto now = runtime::Clock::now();
  switch (q.call_case()) {
    case pb::Request::kGet: {
      auto row = p.get(from_pb(q.get().space()), q.get().key(), from_pb(q.get().view()));
      auto* out = r.mutable_row();
      if (row) to_pb(*row, out->mutable_row());
      break;
    }
    case pb::Request::kScan:
      scan_batch(p, q.scan(), r.mutable_scan_batch());
      break;
    case pb::Request::kLatest:
      to_pb(p.latest(from_pb(q.latest().space()), q.latest().key(), q.latest().own()),
            r.mutable_latest());
      break;
    case pb::Request::kLock:
      to_pb(p.lock(from_pb(q.lock(), now, cancel, observer)), r.mutable_lock());
      break;
    case pb::Request::kLockBatch: {
      std::vector<api::LockRequest> reqs;
      for (const auto& m : q.lock_batch().requests())
        reqs.push_back(from_pb(m, now, nullptr, nullptr));
      auto* out = r.mutable_locks();
      for (const auto& x : p.lock_batch(reqs)) to_pb(x, out->add_results());
      break;
    }
    case pb::Request::kUnlockBatch: {
      std::vector<api::LockRequest> reqs;
      for (const auto& m : q.unlock_batch().requests())
        reqs.push_back(from_pb(m, now, nullptr, nullptr));
      p.unlock_batch(reqs);
      r.mutable_done();
      break;
    }
    case pb::Request::kWrite: {
      const auto& m = q.write();
      std::optional<std::string> value;
      if (m.has_value()) value = m.value();
      p.write(m.txn(), m.sub(), m.cid(), from_pb(m.space()), m.key(), value, m.publish(),
              m.new_key(), m.unlocked());
      r.mutable_done();
      break;
    }
    case pb::Request::kRollbackSubtransactions:
      p.rollback_subtransactions(q.rollback_subtransactions().txn(),
                                 q.rollback_subtransactions().first_aborted());
      r.mutable_done();
      break;
    case pb::Request::kPrepare:
      p.prepare(q.prepare().txn());
      r.mutable_done();
      break;
    case pb::Request::kWriteCommitRecord: {
      const auto& m = q.write_commit_record();
      p.write_commit_record(m.txn(), {m.participants().begin(), m.participants().end()});
      r.mutable_done();
      break;
    }
    case pb::Request::kCommit:
      p.commit(q.commit().txn(), q.commit().commit_ts());
      r.mutable_done();
      break;
    case pb::Request::kAbort:
      p.abort(q.abort().txn());
      r.mutable_done();
      break;
    case pb::Request::kCommitOnePhase: {
      const auto& m = q.commit_one_phase();
      p.commit_one_phase(m.txn(), m.commit_ts(), {m.with().begin(), m.with().end()});
      r.mutable_done();
      break;
    }
    case pb::Request::kLockObject:
      to_pb(p.lock_object(from_pb(q.lock_object(), now, cancel, observer)),
            r.mutable_object_lock());
      break;
    case pb::Request::kUnlockObject: {
      const auto& m = q.unlock_object();
      bool dropped = p.unlock_object(from_pb(m.tag()), m.owner(),
                                     static_cast<uint8_t>(std::min<uint32_t>(m.mode(), 0xff)));
      r.mutable_unlocked()->set_value(dropped);
      break;
    }
    case pb::Request::kReleaseOwner:
      p.release_owner(q.release_owner().owner());
      r.mutable_done();
      break;
    case pb::Request::kLinkWaits:
      p.link_waits(q.link_waits().holder(), q.link_waits().actor(), q.link_waits().add());
      r.mutable_done();
      break;
    case pb::Request::kLockView: {
      auto* out = r.mutable_lock_view();
      for (const auto& e : p.lock_view()) to_pb(e, runtime::Clock::now(), out->add_entries());
      break;
    }
    case pb::Request::kNodeWaits:
      to_pb(p.node_waits(), r.mutable_node_waits());
      break;
    case pb::Request::kReorderWaits:
      r.mutable_flag()->set_value(p.reorder_waits(from_pb(q.reorder_waits())));
      break;
    case pb::Request::kBlockers: {
      auto* out = r.mutable_blockers();
      for (const auto& b : p.blockers(q.blockers().owner())) to_pb(b, out->add_blockers());
      break;
    }
    case pb::Request::kSireadHolders: {
      const auto& m = q.siread_holders();
      auto* out = r.mutable_txns();
      for (auto t : p.siread_holders(from_pb(m.space()), m.key(), m.writer(), m.replaces())) {
        out->add_txns(t);
      }
      break;
    }
    case pb::Request::kReleaseSiread:
      p.release_siread(q.release_siread().txn());
      r.mutable_done();
      break;
    case pb::Request::kDropKeyspaces:
      p.drop_keyspaces(q.drop_keyspaces().table_id());
      r.mutable_done();
      break;
    default:
      throw ProtocolError("partition RPC: a request without a call");
  }
  return r;
}

// Calls that never suspend and do no synced write run on the io thread as they arrive: a
// fiber and two thread hops would cost more than the call (a read, a batch of lock grants).
// The rest (a lock that may wait, the commit protocol's durable writes) get a fiber each.
bool runs_inline(const pb::Request& q) {
  switch (q.call_case()) {
    case pb::Request::kGet:
    case pb::Request::kScan:
    case pb::Request::kLatest:
    case pb::Request::kLockBatch:
    case pb::Request::kUnlockBatch:
    case pb::Request::kUnlockObject:
    case pb::Request::kReleaseOwner:
    case pb::Request::kLockView:
    case pb::Request::kBlockers:
    case pb::Request::kNodeWaits:
    case pb::Request::kReorderWaits:
    case pb::Request::kSireadHolders:
    case pb::Request::kReleaseSiread:
    case pb::Request::kDescribe:
    case pb::Request::kNodeSessions:
    case pb::Request::kSignalBackend:
      return true;
    default:  // registry calls: all but the two that may wait
      return is_registry_call(q) && q.call_case() != pb::Request::kWaitPublished &&
             q.call_case() != pb::Request::kSsiBegin;
  }
}

// The transaction a request acts for (0: none), for the failures of pipelined writes.
uint64_t txn_of(const pb::Request& q) {
  switch (q.call_case()) {
    case pb::Request::kGet:
      return q.get().view().txn();
    case pb::Request::kScan:
      return q.scan().view().txn();
    case pb::Request::kLatest:
      return q.latest().own();
    case pb::Request::kLock:
      return q.lock().txn();
    case pb::Request::kLockBatch:
      return q.lock_batch().requests().empty() ? 0 : q.lock_batch().requests(0).txn();
    case pb::Request::kUnlockBatch:
      return q.unlock_batch().requests().empty() ? 0 : q.unlock_batch().requests(0).txn();
    case pb::Request::kWrite:
      return q.write().txn();
    case pb::Request::kRollbackSubtransactions:
      return q.rollback_subtransactions().txn();
    case pb::Request::kPrepare:
      return q.prepare().txn();
    case pb::Request::kWriteCommitRecord:
      return q.write_commit_record().txn();
    case pb::Request::kCommit:
      return q.commit().txn();
    case pb::Request::kAbort:
      return q.abort().txn();
    case pb::Request::kCommitOnePhase:
      return q.commit_one_phase().txn();
    case pb::Request::kLockObject:
      return q.lock_object().owner();
    case pb::Request::kSireadHolders:
      return q.siread_holders().writer();
    default:
      return 0;
  }
}

// Runs fn; what it threw, as the caller is told it (S1): the partition's SqlError as it was,
// anything else as XX000. nullopt: it returned.
template <typename Fn>
std::optional<Error> failure_of(Fn&& fn) {
  try {
    fn();
    return std::nullopt;
  } catch (const SqlError& e) {
    return e.error();
  } catch (const std::exception& e) {
    return Error{sqlstate::kInternalError, e.what()};
  }
}

void set_error(pb::Response* r, const Error& e) {
  auto* out = r->mutable_error();
  out->set_sqlstate(e.sqlstate);
  out->set_message(e.message);
  out->set_detail(e.detail);
  out->set_hint(e.hint);
}

}  // namespace

// One accepted connection: its calls in flight, each with its own cancel token.
class ServedConnection : public std::enable_shared_from_this<ServedConnection> {
 public:
  ServedConnection(std::shared_ptr<FrameConnection> conn,
                   const std::vector<api::Partition*>& partitions, const NodeServices& services)
      : conn_(std::move(conn)), partitions_(partitions), services_(services) {}

  // On the connection's io thread, in arrival order.
  void on_frame(pb::Frame&& frame) {
    if (frame.has_cancel()) {
      std::lock_guard g(mu_);
      auto it = running_.find(frame.call_id());
      if (it != running_.end()) {
        it->second->request(
            static_cast<runtime::CancelToken::Kind>(std::clamp(frame.cancel().kind(), 1, 3)));
      }
      return;
    }
    if (!frame.has_request()) return;  // answers and progress only travel the other way
    const pb::Request& q = frame.request();
    if (refuse_earlier_life(frame.call_id(), q)) return;
    if (services_.decide) note_partition_work(q);
    if (settle_failed_write(frame.call_id(), q)) return;
    if (q.pipelined()) return run_pipelined(frame.call_id(), q);
    if (runs_inline(q)) return serve(frame.call_id(), q, nullptr);
    if (q.call_case() == pb::Request::kLock && lock_at_once(frame.call_id(), q)) return;
    auto token = std::make_shared<runtime::CancelToken>();
    {
      std::lock_guard g(mu_);
      if (closed_) return;
      running_[frame.call_id()] = token;
    }
    auto request = std::make_shared<pb::Frame>(std::move(frame));
    runtime::Fiber::spawn(runtime::Runtime::instance()->next_context(),
                          [self = shared_from_this(), request, token] {
                            self->serve(request->call_id(), request->request(), token.get());
                          });
  }

  void on_close(bool server_stopping) {
    {
      std::lock_guard g(mu_);
      closed_ = true;
      for (auto& [id, token] : running_) token->request(runtime::CancelToken::kTerminate);  // S3
    }
    // S5: the coordinator is gone; once its calls still running here have ended, its
    // transactions end too (not when the server itself is stopping: nothing is served then).
    if (server_stopping || (!services_.registry && !services_.decide)) return;
    runtime::Fiber::spawn(runtime::Runtime::instance()->next_context(),
                          [self = shared_from_this()] { self->settle_orphans(); });
  }

  void close() { conn_->close(); }

 private:
  // A transaction whose pipelined write failed: what failed, and in which subtransaction.
  struct FailedWrite {
    Error error;
    uint32_t sub = 0;
  };

  // A pipelined request runs here, now, so every later request of the connection sees it; it
  // is answered only when it fails (partition.proto, Request.pipelined). None suspends.
  void run_pipelined(uint64_t call_id, const pb::Request& q) {
    bool write = q.call_case() == pb::Request::kWrite;
    switch (q.call_case()) {
      case pb::Request::kWrite:
      case pb::Request::kRegistryBegin:
      case pb::Request::kDropSnapshot:
      case pb::Request::kMarkAborted:
      case pb::Request::kForget:
      case pb::Request::kReleaseSiread:
      case pb::Request::kDropKeyspaces:
        break;
      default:
        return answer_error(call_id, Error{sqlstate::kInternalError,
                                           "partition RPC: this call may not be pipelined"});
    }
    if (auto err = failure_of([&] { execute(partitions_, services_, q, nullptr, nullptr); })) {
      if (write) failed_writes_[q.write().txn()] = FailedWrite{*err, q.write().sub()};
      answer_error(call_id, *err);
    } else if (!write) {
      std::lock_guard g(mu_);
      note_commit_step(q, pb::Response{});
    }
  }

  // S7: a transaction that began before this node's life (true: answered with 40001; a
  // pipelined request's answer goes nowhere, and the transaction's next call is refused too).
  bool refuse_earlier_life(uint64_t call_id, const pb::Request& q) {
    if (services_.txn_fence == 0) return false;
    if (q.call_case() == pb::Request::kCommit || q.call_case() == pb::Request::kAbort) return false;
    uint64_t txn = txn_of(q);
    if (txn == 0 || txn >= services_.txn_fence) return false;
    answer_error(call_id,
                 Error{"40001",
                       "could not serialize access due to a restart of cluster node " +
                           std::to_string(services_.node_id),
                       "The transaction's locks and writes on that node's partitions were lost "
                       "with its previous life.",
                       "The transaction might succeed if retried."});
    return true;
  }

  // A request of a transaction whose pipelined write failed gets that failure as its answer
  // (true: answered). abort() and a rollback past the failed write's subtransaction clear it
  // and run as usual.
  bool settle_failed_write(uint64_t call_id, const pb::Request& q) {
    if (failed_writes_.empty()) return false;
    uint64_t txn = txn_of(q);
    auto it = txn ? failed_writes_.find(txn) : failed_writes_.end();
    if (it == failed_writes_.end()) return false;
    if (q.call_case() == pb::Request::kAbort ||
        (q.call_case() == pb::Request::kRollbackSubtransactions &&
         q.rollback_subtransactions().first_aborted() <= it->second.sub && it->second.sub != 0)) {
      failed_writes_.erase(it);
      return false;
    }
    answer_error(call_id, it->second.error);
    return true;
  }

  // A row lock that needs no wait is answered here, as lock_batch answers it (the same answer
  // lock() gives without waiting); one that must wait goes to a fiber (false).
  bool lock_at_once(uint64_t call_id, const pb::Request& q) {
    if (q.partition() >= partitions_.size()) return false;
    pb::Frame answer;
    answer.set_call_id(call_id);
    bool answered = true;
    auto err = failure_of([&] {
      auto results = partitions_[q.partition()]->lock_batch(
          {from_pb(q.lock(), runtime::Clock::now(), nullptr, nullptr)});
      if (results.empty()) {
        answered = false;
        return;
      }
      to_pb(results.front(), answer.mutable_response()->mutable_lock());
    });
    if (!answered) return false;
    if (err) set_error(answer.mutable_response(), *err);
    conn_->send(answer);
    return true;
  }

  void answer_error(uint64_t call_id, const Error& e) {
    pb::Frame answer;
    answer.set_call_id(call_id);
    set_error(answer.mutable_response(), e);
    conn_->send(answer);
  }

  void serve(uint64_t call_id, const pb::Request& q, runtime::CancelToken* cancel) {
    pb::Frame answer;
    answer.set_call_id(call_id);
    ProgressForwarder observer(conn_, call_id);
    if (auto err = failure_of([&] {
          *answer.mutable_response() = execute(partitions_, services_, q, cancel, &observer);
        })) {
      answer.mutable_response()->Clear();
      set_error(answer.mutable_response(), *err);
    }
    {
      std::lock_guard g(mu_);
      running_.erase(call_id);
      if (!answer.response().has_error()) note_commit_step(q, answer.response());
    }
    conn_->send(answer);
  }

  // What S5 needs to end a lost coordinator's transactions (REQUIRES: mu_ held): the ones it
  // began and has not forgotten, with their sessions' lock groups; its open commit
  // reservations, and which of them a one-phase commit made durable.
  void note_commit_step(const pb::Request& q, const pb::Response& r) {
    switch (q.call_case()) {
      case pb::Request::kRegistryBegin:
        begun_[q.registry_begin().txn()] = q.registry_begin().group();
        if (q.registry_begin().group() != 0) groups_.insert(q.registry_begin().group());
        break;
      case pb::Request::kForget:
        begun_.erase(q.forget().txn());
        break;
      case pb::Request::kReserveCommit:
        reserved_[r.ts().ts()] = 0;
        break;
      case pb::Request::kCommitOnePhase:
        if (auto it = reserved_.find(q.commit_one_phase().commit_ts()); it != reserved_.end())
          it->second = q.commit_one_phase().txn();
        break;
      case pb::Request::kCompleteCommit:
        reserved_.erase(q.complete_commit().commit_ts());
        break;
      default:
        break;
    }
  }

  // S5. A transaction that passed its commit point (the registry has it committed, or its
  // one-phase write is durable) is finished: its writes resolved, its locks released. Any
  // other is aborted. The sessions' own locks (session advisory locks) go too. Without this a
  // dead SQL node's locks would be held until the storage node restarts, and an open
  // reservation would hold the published timestamp back for every coordinator.
  void settle_orphans() {
    for (;;) {  // the lost coordinator's calls still running here end first (S3 cancelled them)
      {
        std::lock_guard g(mu_);
        if (running_.empty()) break;
      }
      runtime::sleep_until(runtime::Clock::now() + std::chrono::milliseconds(5));
    }
    if (!services_.registry) return settle_as_decided();
    std::map<api::TxnId, uint64_t> begun;
    std::map<api::Timestamp, api::TxnId> reserved;
    std::set<uint64_t> groups;
    {
      std::lock_guard g(mu_);
      begun.swap(begun_);
      reserved.swap(reserved_);
      groups.swap(groups_);
    }
    api::TxnRegistry& registry = *services_.registry;
    size_t committed = 0, aborted = 0;
    auto each_partition = [&](const auto& fn) {
      for (api::Partition* p : partitions_) {
        if (auto err = failure_of([&] { fn(*p); }))
          spdlog::warn("partition server: ending a lost coordinator's work: {}", err->message);
      }
    };
    for (auto [ts, txn] : reserved) registry.complete_commit(txn, ts, txn != 0);
    for (auto [txn, group] : begun) {
      auto st = registry.decide(txn);  // committed stays committed; anything else aborts (R5)
      if (st.state == api::TxnState::kCommitted) {
        each_partition([&](api::Partition& p) { p.commit(txn, st.commit_ts); });
        ++committed;
        // Other nodes may still hold its intents and will ask (S6): it stays committed.
        if (services_.partitions_elsewhere) continue;
      } else {
        each_partition([&](api::Partition& p) { p.abort(txn); });
        registry.ssi_aborted(txn);
        ++aborted;
      }
      registry.forget(txn);
    }
    for (uint64_t group : groups)
      each_partition([&](api::Partition& p) { p.release_owner(group); });
    if (!begun.empty() || !reserved.empty()) {
      spdlog::warn(
          "partition server: a coordinator connection was lost: {} of its transactions finished, "
          "{} aborted, {} commit reservations closed",
          committed, aborted, reserved.size());
    }
  }

  // S6: what this connection's coordinator left on this node's partitions, noted as requests
  // arrive (io thread): the partitions each transaction locked or wrote and has not yet
  // committed or aborted, the one-phase commits made here, and every lock owner it named
  // (transactions and session groups).
  void note_partition_work(const pb::Request& q) {
    uint32_t p = q.partition();
    std::lock_guard g(mu_);
    switch (q.call_case()) {
      case pb::Request::kLock:
      case pb::Request::kLockBatch:
      case pb::Request::kWrite:
      case pb::Request::kPrepare:
      case pb::Request::kWriteCommitRecord:
        if (uint64_t txn = txn_of(q)) unfinished_[txn].insert(p);
        break;
      case pb::Request::kLockObject: {
        // A session's own locks (advisory ones) have bit 62 set (session.cc,
        // session_lock_owner); any other owner is a transaction, whose end releases them.
        uint64_t owner = q.lock_object().owner();
        if (owner & kSessionOwnerBit) {
          owners_.insert(owner);
        } else {
          unfinished_[owner].insert(p);
        }
        break;
      }
      case pb::Request::kReleaseOwner:  // a session ended (or unlocked all)
        owners_.erase(q.release_owner().owner());
        break;
      case pb::Request::kCommit:
      case pb::Request::kAbort: {
        auto it = unfinished_.find(txn_of(q));
        if (it != unfinished_.end() && it->second.erase(p) && it->second.empty())
          unfinished_.erase(it);
        break;
      }
      case pb::Request::kCommitOnePhase:  // its commit point, here: the locks stay till commit
        one_phase_[q.commit_one_phase().txn()] = q.commit_one_phase().commit_ts();
        break;
      default:
        break;
    }
  }

  static constexpr uint64_t kSessionOwnerBit = uint64_t{1} << 62;

  // S6, in a fiber once the connection's calls still running have returned.
  void settle_as_decided() {
    std::map<api::TxnId, std::set<uint32_t>> unfinished;
    std::map<api::TxnId, api::Timestamp> one_phase;
    std::set<uint64_t> owners;
    {
      std::lock_guard g(mu_);
      unfinished.swap(unfinished_);
      one_phase.swap(one_phase_);
      owners.swap(owners_);
    }
    size_t committed = 0, aborted = 0, undecided = 0;
    auto on = [&](uint32_t p, const auto& fn) {
      if (auto err = failure_of([&] { fn(*partitions_.at(p)); }))
        spdlog::warn("partition server: ending a lost coordinator's work: {}", err->message);
    };
    for (const auto& [txn, parts] : unfinished) {
      api::TxnStatus st;
      if (auto it = one_phase.find(txn); it != one_phase.end()) {
        // Its one synced write here was its commit point (all its writes are in this node's
        // commit group): it committed whatever the registry heard.
        st = {api::TxnState::kCommitted, it->second};
      } else if (auto err = failure_of([&] { st = services_.decide(txn); })) {
        // Without the registry nobody may decide: aborting could undo a commit.
        spdlog::error(
            "partition server: a coordinator connection was lost and the registry cannot "
            "decide its transaction {}: its intents and locks stay ({})",
            txn, err->message);
        ++undecided;
        continue;
      }
      for (uint32_t p : parts) {
        if (st.state == api::TxnState::kCommitted) {
          on(p, [&](api::Partition& x) { x.commit(txn, st.commit_ts); });
        } else {
          on(p, [&](api::Partition& x) { x.abort(txn); });
        }
      }
      ++(st.state == api::TxnState::kCommitted ? committed : aborted);
    }
    for (uint64_t owner : owners) {
      for (uint32_t p = 0; p < partitions_.size(); ++p) {
        if (services_.owners.empty() || services_.replicated ||
            services_.owners[p] == services_.node_id)
          on(p, [&](api::Partition& x) { x.release_owner(owner); });
      }
    }
    if (!unfinished.empty() || !owners.empty()) {
      spdlog::warn(
          "partition server: a coordinator connection was lost: as the registry decided, {} of "
          "its transactions here finished, {} aborted ({} undecided); {} lock owners released",
          committed, aborted, undecided, owners.size());
    }
  }

  std::shared_ptr<FrameConnection> conn_;
  // Copies, not references into the server: S5/S6 run in a fiber that may outlive it.
  const std::vector<api::Partition*> partitions_;
  const NodeServices services_;
  std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<runtime::CancelToken>> running_;
  bool closed_ = false;
  std::map<api::TxnId, uint64_t> begun_;                 // mu_: see note_commit_step
  std::map<api::Timestamp, api::TxnId> reserved_;        // mu_
  std::set<uint64_t> groups_;                            // mu_
  std::map<api::TxnId, std::set<uint32_t>> unfinished_;  // mu_: see note_partition_work
  std::map<api::TxnId, api::Timestamp> one_phase_;       // mu_: committed here, not released
  std::set<uint64_t> owners_;                            // mu_
  std::map<uint64_t, FailedWrite> failed_writes_;        // by transaction; io thread only
};

PartitionServer::PartitionServer(std::vector<api::Partition*> partitions, NodeServices services)
    : partitions_(std::move(partitions)), services_(std::move(services)) {}

PartitionServer::~PartitionServer() {
  stop();
}

uint16_t PartitionServer::start(const std::string& host, uint16_t port) {
  namespace ip = boost::asio::ip;
  ip::tcp::endpoint ep(ip::make_address(host), port);
  acceptor_ = std::make_unique<ip::tcp::acceptor>(io_);
  acceptor_->open(ep.protocol());
  acceptor_->set_option(ip::tcp::acceptor::reuse_address(true));
  acceptor_->bind(ep);
  acceptor_->listen();
  uint16_t bound = acceptor_->local_endpoint().port();
  accept_next();
  io_thread_ = std::thread([this] {
    auto guard = boost::asio::make_work_guard(io_);
    io_.run();
  });
  return bound;
}

void PartitionServer::accept_next() {
  acceptor_->async_accept([this](boost::system::error_code ec, boost::asio::ip::tcp::socket s) {
    if (ec) {
      if (ec != boost::asio::error::operation_aborted) {
        spdlog::warn("partition server: accept failed: {}", ec.message());
      }
      return;
    }
    auto conn = std::make_shared<FrameConnection>(std::move(s));
    auto served = std::make_shared<ServedConnection>(conn, partitions_, services_);
    {
      std::lock_guard g(mu_);
      connections_.insert(served);
    }
    conn->start([served](pb::Frame&& f) { served->on_frame(std::move(f)); },
                [this, served](const std::string& why) {
                  served->on_close(stopping_.load());
                  std::lock_guard g(mu_);
                  connections_.erase(served);
                });
    accept_next();
  });
}

void PartitionServer::stop() {
  if (!io_thread_.joinable()) return;
  stopping_.store(true);
  boost::asio::post(io_, [this] {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    std::lock_guard g(mu_);
    for (const auto& c : connections_) c->close();
  });
  // Let the connections' close handlers run, then stop the loop.
  boost::asio::post(io_, [this] { boost::asio::post(io_, [this] { io_.stop(); }); });
  io_thread_.join();
  std::lock_guard g(mu_);
  connections_.clear();
}

}  // namespace hf::partition_rpc
