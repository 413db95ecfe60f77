// partition_rpc/remote_partition.cc — see remote_partition.h.
#include "partition_rpc/remote_partition.h"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <deque>

#include "common/error.h"
#include "partition_rpc/convert.h"

namespace hf::partition_rpc {

namespace {
constexpr const char* kConnectionFailure = "08006";
constexpr const char* kConnectionRefused = "08001";
// A session's own lock owner (session.cc session_lock_owner: bit 62 | its pid); any other
// owner is a transaction.
constexpr uint64_t kSessionOwnerBit = uint64_t{1} << 62;

// Rows per scan batch: small first (most scans of a statement stop early: LIMIT, EXISTS, a
// unique key), then growing to amortise the round trip.
constexpr uint32_t kFirstScanBatch = 64;
constexpr uint32_t kMaxScanBatch = 4096;
constexpr uint64_t kScanBatchBytes = 1 << 20;
}  // namespace

// One call in flight: the frames that arrived for it (wait progress, then the answer) and how
// its caller waits for them.
struct PartitionChannel::PendingCall {
  std::mutex mu;
  std::deque<pb::Frame> inbox;
  std::shared_ptr<runtime::Event> event;  // a parked fiber's, while inbox is empty
  std::condition_variable cv;             // a plain thread waits here

  void deliver(pb::Frame&& frame) {
    std::shared_ptr<runtime::Event> wake;
    {
      std::lock_guard g(mu);
      inbox.push_back(std::move(frame));
      wake = std::move(event);
    }
    if (wake) wake->complete(runtime::WakeReason::kSignalled);
    cv.notify_all();
  }
};

std::shared_ptr<PartitionChannel> PartitionChannel::connect(const std::string& host,
                                                            uint16_t port) {
  std::shared_ptr<PartitionChannel> ch(new PartitionChannel());
  ch->host_ = host;
  ch->port_ = port;
  ch->address_ = host + ":" + std::to_string(port);
  auto socket = ch->open_socket();
  ch->connection_ = ch->start_connection(std::move(socket), 1);
  // The handlers run on the io thread, which the destructor joins before anything they use
  // goes away: a plain pointer (a strong one could make the io thread run the destructor).
  PartitionChannel* c = ch.get();
  ch->io_thread_ = std::thread([c] {
    auto guard = boost::asio::make_work_guard(c->io_);
    c->io_.run();
  });
  return ch;
}

boost::asio::ip::tcp::socket PartitionChannel::open_socket() {
  boost::asio::ip::tcp::socket socket(io_);
  try {
    boost::asio::ip::tcp::resolver resolver(io_);
    boost::asio::connect(socket, resolver.resolve(host_, std::to_string(port_)));
  } catch (const boost::system::system_error& e) {
    throw SqlError(kConnectionRefused, fmt::format("could not connect to partition server {}: {}",
                                                   address_, e.code().message()));
  }
  return socket;
}

std::shared_ptr<FrameConnection> PartitionChannel::start_connection(
    boost::asio::ip::tcp::socket socket, uint64_t generation) {
  auto conn = std::make_shared<FrameConnection>(std::move(socket));
  PartitionChannel* c = this;
  conn->start([c](pb::Frame&& f) { c->on_frame(std::move(f)); },
              [c, generation](const std::string& why) { c->on_close(generation, why); });
  return conn;
}

std::shared_ptr<FrameConnection> PartitionChannel::connection() const {
  std::lock_guard g(mu_);
  return connection_;
}

bool PartitionChannel::lost() const {
  std::lock_guard g(mu_);
  return !lost_.empty();
}

uint64_t PartitionChannel::generation() const {
  std::lock_guard g(mu_);
  return generation_;
}

void PartitionChannel::reconnect() {
  uint64_t next;
  {
    std::lock_guard g(mu_);
    if (lost_.empty()) return;  // someone else reconnected it
    next = generation_ + 1;
  }
  auto socket = open_socket();
  // The old connection has closed (lost_ is set only by its on_close), so no frame of it
  // arrives any more; its pending calls all failed then.
  auto conn = start_connection(std::move(socket), next);
  std::lock_guard g(mu_);
  connection_ = std::move(conn);
  generation_ = next;
  lost_.clear();
}

void PartitionChannel::note_session_lock(uint64_t owner, int delta) {
  std::lock_guard g(mu_);
  auto& n = session_locks_[owner];
  if (delta > 0) {
    n += static_cast<uint64_t>(delta);
  } else if (n > 0) {
    --n;
  }
  if (n == 0) session_locks_.erase(owner);
}

void PartitionChannel::forget_session_owner(uint64_t owner) {
  std::lock_guard g(mu_);
  session_locks_.erase(owner);
}

std::vector<uint64_t> PartitionChannel::take_session_owners() {
  std::lock_guard g(mu_);
  std::vector<uint64_t> out;
  for (const auto& [owner, n] : session_locks_) out.push_back(owner);
  session_locks_.clear();
  return out;
}

PartitionChannel::~PartitionChannel() {
  if (auto c = connection()) c->close();  // none when connect() failed
  io_.stop();
  if (io_thread_.joinable()) io_thread_.join();
}

void PartitionChannel::on_frame(pb::Frame&& frame) {
  std::shared_ptr<PendingCall> call;
  {
    std::lock_guard g(mu_);
    auto it = pending_.find(frame.call_id());
    if (it == pending_.end()) return;  // an answer to a call nobody waits for any more
    call = it->second;
  }
  call->deliver(std::move(frame));
}

void PartitionChannel::on_close(uint64_t generation, const std::string& why) {
  std::map<uint64_t, std::shared_ptr<PendingCall>> failed;
  {
    std::lock_guard g(mu_);
    if (generation != generation_) return;  // an earlier connection (P8): already failed
    lost_ = why.empty() ? "closed" : why;
    failed.swap(pending_);
  }
  for (auto& [id, call] : failed) {
    pb::Frame f;
    f.set_call_id(id);
    auto* e = f.mutable_response()->mutable_error();
    e->set_sqlstate(kConnectionFailure);
    e->set_message(fmt::format("connection to partition server {} lost: {}", address_, why));
    call->deliver(std::move(f));
  }
}

void PartitionChannel::count(const pb::Request& request) {
  auto kind = static_cast<size_t>(request.call_case());
  if (kind < calls_by_kind_.size()) calls_by_kind_[kind].fetch_add(1, std::memory_order_relaxed);
}

std::map<std::string, uint64_t> PartitionChannel::call_counts() const {
  std::map<std::string, uint64_t> out;
  const auto* oneof = pb::Request::descriptor()->FindOneofByName("call");
  for (int i = 0; i < oneof->field_count(); ++i) {
    const auto* field = oneof->field(i);
    auto kind = static_cast<size_t>(field->number());
    uint64_t n = kind < calls_by_kind_.size() ? calls_by_kind_[kind].load() : 0;
    if (n) out[field->name()] = n;
  }
  return out;
}

pb::Response PartitionChannel::call(pb::Request request, runtime::CancelToken* cancel,
                                    api::LockWaitObserver* observer) {
  return *await_call(send_call(std::move(request)), runtime::Deadline::max(), cancel, observer);
}

std::optional<pb::Response> PartitionChannel::call_within(pb::Request request,
                                                          std::chrono::milliseconds wait) {
  return await_call(send_call(std::move(request)), runtime::Clock::now() + wait);
}

std::vector<std::optional<pb::Response>> ask_at_once(std::vector<PeerQuestion> questions,
                                                     runtime::Deadline deadline) {
  std::vector<PartitionChannel::SentCall> sent(questions.size());
  for (size_t i = 0; i < questions.size(); ++i) {
    if (!questions[i].channel) continue;
    try {
      sent[i] = questions[i].channel->send_call(std::move(questions[i].request));
    } catch (const SqlError&) {
      // Its connection is lost (08006): that node is gone, and so is its answer.
    }
  }
  std::vector<std::optional<pb::Response>> out(questions.size());
  for (size_t i = 0; i < questions.size(); ++i)
    if (sent[i].pending) out[i] = questions[i].channel->await_call(sent[i], deadline);
  return out;
}

PartitionChannel::SentCall PartitionChannel::send_call(pb::Request request) {
  count(request);
  auto pending = std::make_shared<PendingCall>();
  uint64_t id;
  std::shared_ptr<FrameConnection> conn;
  {
    std::lock_guard g(mu_);
    if (!lost_.empty()) {
      throw SqlError(kConnectionFailure,
                     fmt::format("connection to partition server {} lost: {}", address_, lost_));
    }
    id = next_call_id_++;
    pending_.emplace(id, pending);
    conn = connection_;
  }
  pb::Frame out;
  out.set_call_id(id);
  *out.mutable_request() = std::move(request);
  conn->send(out);
  return SentCall{id, std::move(pending)};
}

std::optional<pb::Response> PartitionChannel::await_call(const SentCall& sent,
                                                         runtime::Deadline deadline,
                                                         runtime::CancelToken* cancel,
                                                         api::LockWaitObserver* observer,
                                                         const std::function<bool()>& abandon) {
  const uint64_t id = sent.id;
  const auto& pending = sent.pending;
  // The deadline passed with no answer: the call is forgotten here (its late answer, if one
  // comes, finds no caller and is dropped); the node may still run it.
  auto give_up = [&] {
    std::lock_guard g(mu_);
    pending_.erase(id);
  };
  // Tells the partition's node; its answer (kCancelled, or what came first) follows. After a
  // reconnect (P8) the new connection never heard of this call (it failed with 08006 on the
  // old one): the server ignores a cancel of an unknown call.
  auto send_cancel = [&](runtime::CancelToken::Kind kind) {
    pb::Frame c;
    c.set_call_id(id);
    c.mutable_cancel()->set_kind(static_cast<int32_t>(kind));
    connection()->send(c);
  };
  // P9: a wait with `abandon` wakes every kAbandonCheck to ask it (no time arithmetic near
  // the clock's end: Deadline::max() stays a wait without one).
  auto next_wake = [&] {
    if (!abandon) return deadline;
    return std::min(deadline, runtime::Clock::now() + kAbandonCheck);
  };
  // After a wake with no answer: whether the call is over (the deadline passed, or P9 gives it
  // up), in which case it is forgotten.
  auto over = [&] {
    if (runtime::Clock::now() < deadline && !(abandon && abandon())) return false;
    if (runtime::Clock::now() < deadline) send_cancel(runtime::CancelToken::kUserRequest);
    give_up();
    return true;
  };
  bool cancel_sent = false;
  runtime::Fiber* fiber = runtime::Fiber::current();
  for (;;) {
    pb::Frame in;
    if (fiber) {
      std::shared_ptr<runtime::Event> ev;
      {
        std::lock_guard g(pending->mu);
        if (pending->inbox.empty()) pending->event = ev = runtime::Event::create();
      }
      if (ev) {
        bool watch_cancel = cancel && !cancel_sent;
        if (watch_cancel) cancel->attach(ev);
        auto reason = ev->wait(next_wake());
        if (watch_cancel) cancel->detach();
        if (reason == runtime::WakeReason::kCancelled) {
          cancel_sent = true;
          send_cancel(cancel->pending());
        }
        std::unique_lock g(pending->mu);
        pending->event.reset();
        if (pending->inbox.empty()) {
          if (reason != runtime::WakeReason::kTimeout) continue;
          g.unlock();
          if (over()) return std::nullopt;
          continue;
        }
      }
    } else {
      std::unique_lock g(pending->mu);
      auto arrived = [&] { return !pending->inbox.empty(); };
      const runtime::Deadline wake = next_wake();
      if (wake == runtime::Deadline::max()) {
        pending->cv.wait(g, arrived);
      } else if (!pending->cv.wait_until(g, wake, arrived)) {
        g.unlock();
        if (over()) return std::nullopt;
        continue;
      }
    }
    {
      std::lock_guard g(pending->mu);
      in = std::move(pending->inbox.front());
      pending->inbox.pop_front();
    }
    if (in.has_progress()) {
      if (observer) {
        const auto& p = in.progress();
        if (p.started()) {
          observer->wait_started(static_cast<api::LockKind>(p.kind()), p.first_in_queue());
        } else {
          observer->wait_ended();
        }
      }
      continue;
    }
    {
      std::lock_guard g(mu_);
      pending_.erase(id);
    }
    return std::move(*in.mutable_response());
  }
}

void PartitionChannel::send_pipelined(pb::Request request) {
  pb::Frame out;
  std::shared_ptr<FrameConnection> conn;
  {
    std::lock_guard g(mu_);
    if (!lost_.empty()) {
      throw SqlError(kConnectionFailure,
                     fmt::format("connection to partition server {} lost: {}", address_, lost_));
    }
    out.set_call_id(next_call_id_++);
    conn = connection_;
  }
  request.set_pipelined(true);
  count(request);
  *out.mutable_request() = std::move(request);
  conn->send(out);
}

namespace {

// Throws the partition's error; otherwise checks that the answer is the expected kind.
void check(const pb::Response& r, pb::Response::ResultCase expected) {
  if (r.has_error()) {
    const auto& e = r.error();
    throw SqlError(e.sqlstate(), e.message(), e.detail(), e.hint());
  }
  if (r.result_case() != expected) {
    throw SqlError(sqlstate::kInternalError,
                   fmt::format("partition RPC: answer of kind {} where {} was expected",
                               static_cast<int>(r.result_case()), static_cast<int>(expected)));
  }
}

class RemotePartition;

// Rows of a remote scan, fetched a batch at a time (remote_partition.h P5).
class RemoteCursor : public api::RowCursor {
 public:
  RemoteCursor(RemotePartition& partition, api::ScanRequest req)
      : partition_(partition), req_(std::move(req)) {}
  void fetch();
  std::optional<api::RowVersion> next() override {
    if (rows_.empty() && !done_) fetch();
    if (rows_.empty()) return std::nullopt;
    auto row = std::move(rows_.front());
    rows_.pop_front();
    return row;
  }

 private:
  RemotePartition& partition_;
  api::ScanRequest req_;
  std::deque<api::RowVersion> rows_;
  bool done_ = false;
  uint32_t batch_ = kFirstScanBatch;
};

class RemotePartition : public api::Partition {
 public:
  RemotePartition(PartitionChannel& channel, api::PartitionId id, uint64_t commit_group,
                  AbandonWhen abandon_when = {})
      : channel_(channel), id_(id), commit_group_(commit_group) {
    if (abandon_when) abandon_ = [f = std::move(abandon_when), id] { return f(id); };
  }

  api::PartitionId id() const override { return id_; }
  uint64_t commit_group() const override { return commit_group_; }
  // Across the network: a cluster's partition, replicated or not (the coordinator cannot tell;
  // an unreplicated one costs one needless round trip per lock-only commit participant).
  bool leader_only() const override { return true; }

  // One call to this partition.
  template <typename Fill>
  pb::Response call(pb::Response::ResultCase expected, Fill fill,
                    runtime::CancelToken* cancel = nullptr,
                    api::LockWaitObserver* observer = nullptr) {
    pb::Request req;
    req.set_partition(id_);
    fill(req);
    auto r = channel_.await_call(channel_.send_call(std::move(req)), runtime::Deadline::max(),
                                 cancel, observer, abandon_);
    if (!r) {  // P9: given up, another node leads this partition now
      throw SqlError(sqlstate::kSerializationFailure,
                     "could not serialize access due to a change of partition leader",
                     fmt::format("partition {} is not served here: its node at {} did not answer "
                                 "and another node leads it now",
                                 id_, channel_.address()));
    }
    check(*r, expected);
    return std::move(*r);
  }

  std::optional<api::RowVersion> get(const api::KeySpace& space, const std::string& key,
                                     const api::ReadView& view) override {
    auto r = call(pb::Response::kRow, [&](pb::Request& q) {
      auto* m = q.mutable_get();
      to_pb(space, m->mutable_space());
      m->set_key(key);
      to_pb(view, m->mutable_view());
    });
    if (!r.row().has_row()) return std::nullopt;
    return from_pb(r.row().row());
  }

  std::unique_ptr<api::RowCursor> scan(const api::ScanRequest& req) override {
    auto cursor = std::make_unique<RemoteCursor>(*this, req);
    cursor->fetch();
    return cursor;
  }

  api::LatestState latest(const api::KeySpace& space, const std::string& key,
                          api::TxnId own) override {
    auto r = call(pb::Response::kLatest, [&](pb::Request& q) {
      auto* m = q.mutable_latest();
      to_pb(space, m->mutable_space());
      m->set_key(key);
      m->set_own(own);
    });
    return from_pb(r.latest());
  }

  api::LockResult lock(const api::LockRequest& req) override {
    auto r = call(
        pb::Response::kLock,
        [&](pb::Request& q) { to_pb(req, runtime::Clock::now(), q.mutable_lock()); }, req.cancel,
        req.observer);
    return from_pb(r.lock());
  }

  std::vector<api::LockResult> lock_batch(const std::vector<api::LockRequest>& reqs) override {
    auto now = runtime::Clock::now();
    auto r = call(pb::Response::kLocks, [&](pb::Request& q) {
      auto* m = q.mutable_lock_batch();
      for (const auto& req : reqs) to_pb(req, now, m->add_requests());
    });
    std::vector<api::LockResult> out;
    for (const auto& x : r.locks().results()) out.push_back(from_pb(x));
    return out;
  }

  void unlock_batch(const std::vector<api::LockRequest>& reqs) override {
    auto now = runtime::Clock::now();
    call(pb::Response::kDone, [&](pb::Request& q) {
      auto* m = q.mutable_unlock_batch();
      for (const auto& req : reqs) to_pb(req, now, m->add_requests());
    });
  }

  void write(api::TxnId txn, api::SubId sub, api::CommandId cid, const api::KeySpace& space,
             const std::string& key, const std::optional<std::string>& value, bool publish,
             bool new_key, bool unlocked) override {
    auto fill = [&](pb::Request& q) {
      auto* m = q.mutable_write();
      m->set_txn(txn);
      m->set_sub(sub);
      m->set_cid(cid);
      to_pb(space, m->mutable_space());
      m->set_key(key);
      if (value) m->set_value(*value);
      m->set_publish(publish);
      m->set_new_key(new_key);
      m->set_unlocked(unlocked);
    };
    if (publish) {
      // P6's exception: a serializable intent is on the partition before write() returns, as
      // a local one is. Pipelined, it could arrive after the statement returned, and a
      // serializable reader coming through another coordinator's connection (which nothing
      // orders with this one) could read around it after the writer's SIREAD check: an
      // rw-conflict neither side sees (seen with total-cash over three nodes).
      call(pb::Response::kDone, fill);
      return;
    }
    pb::Request q;  // pipelined (P6)
    q.set_partition(id_);
    fill(q);
    channel_.send_pipelined(std::move(q));
  }

  void rollback_subtransactions(api::TxnId txn, api::SubId first_aborted) override {
    call(pb::Response::kDone, [&](pb::Request& q) {
      auto* m = q.mutable_rollback_subtransactions();
      m->set_txn(txn);
      m->set_first_aborted(first_aborted);
    });
  }

  void prepare(api::TxnId txn) override {
    call(pb::Response::kDone, [&](pb::Request& q) { q.mutable_prepare()->set_txn(txn); });
  }

  void write_commit_record(api::TxnId txn,
                           const std::vector<api::PartitionId>& participants) override {
    call(pb::Response::kDone, [&](pb::Request& q) {
      auto* m = q.mutable_write_commit_record();
      m->set_txn(txn);
      for (auto p : participants) m->add_participants(p);
    });
  }

  void commit(api::TxnId txn, api::Timestamp commit_ts) override {
    call(pb::Response::kDone, [&](pb::Request& q) {
      auto* m = q.mutable_commit();
      m->set_txn(txn);
      m->set_commit_ts(commit_ts);
    });
  }

  void abort(api::TxnId txn) override {
    call(pb::Response::kDone, [&](pb::Request& q) { q.mutable_abort()->set_txn(txn); });
  }

  void commit_one_phase(api::TxnId txn, api::Timestamp commit_ts,
                        const std::vector<api::PartitionId>& with) override {
    call(pb::Response::kDone, [&](pb::Request& q) {
      auto* m = q.mutable_commit_one_phase();
      m->set_txn(txn);
      m->set_commit_ts(commit_ts);
      for (auto p : with) m->add_with(p);
    });
  }

  api::ObjectLockResult lock_object(const api::ObjectLockRequest& req) override {
    auto r = call(
        pb::Response::kObjectLock,
        [&](pb::Request& q) { to_pb(req, runtime::Clock::now(), q.mutable_lock_object()); },
        req.cancel, req.observer);
    auto out = from_pb(r.object_lock());
    // P8: a session's own lock here is lost if this node's life ends; its session is ended then.
    if (out.outcome == api::LockOutcome::kGranted && (req.owner & kSessionOwnerBit))
      channel_.note_session_lock(req.owner, 1);
    return out;
  }

  bool unlock_object(const api::ObjectTag& tag, uint64_t owner, uint8_t mode) override {
    auto r = call(pb::Response::kUnlocked, [&](pb::Request& q) {
      auto* m = q.mutable_unlock_object();
      to_pb(tag, m->mutable_tag());
      m->set_owner(owner);
      m->set_mode(mode);
    });
    bool released = r.unlocked().value();
    if (released && (owner & kSessionOwnerBit)) channel_.note_session_lock(owner, -1);
    return released;
  }

  void link_waits(uint64_t holder, uint64_t actor, bool add) override {
    call(pb::Response::kDone, [&](pb::Request& q) {
      auto* m = q.mutable_link_waits();
      m->set_holder(holder);
      m->set_actor(actor);
      m->set_add(add);
    });
  }
  void release_owner(uint64_t owner) override {
    call(pb::Response::kDone, [&](pb::Request& q) { q.mutable_release_owner()->set_owner(owner); });
    if (owner & kSessionOwnerBit) channel_.forget_session_owner(owner);
  }

  std::vector<api::LockEntry> lock_view() override {
    auto r = call(pb::Response::kLockView, [&](pb::Request& q) { q.mutable_lock_view(); });
    auto now = runtime::Clock::now();
    std::vector<api::LockEntry> out;
    for (const auto& e : r.lock_view().entries()) out.push_back(from_pb(e, now));
    return out;
  }

  // Bounded (kNodeQuestionWait): a deadlock check gathers every peer's waits, and a peer that
  // is stopped (SIGSTOP, a stalled machine) keeps its connection open but never answers.
  api::NodeWaits node_waits() override {
    pb::Request req;
    req.set_partition(id_);
    req.mutable_node_waits();
    auto r = channel_.call_within(std::move(req), kNodeQuestionWait);
    if (!r) {
      throw SqlError(kConnectionFailure,
                     fmt::format("partition server {} did not answer within {} ms",
                                 channel_.address(), kNodeQuestionWait.count()));
    }
    check(*r, pb::Response::kNodeWaits);
    return from_pb(r->node_waits());
  }
  bool reorder_waits(const api::WaitOrder& order) override {
    auto r =
        call(pb::Response::kFlag, [&](pb::Request& q) { to_pb(order, q.mutable_reorder_waits()); });
    return r.flag().value();
  }
  std::vector<api::Blocker> blockers(uint64_t owner) override {
    auto r = call(pb::Response::kBlockers,
                  [&](pb::Request& q) { q.mutable_blockers()->set_owner(owner); });
    std::vector<api::Blocker> out;
    for (const auto& b : r.blockers().blockers()) out.push_back(from_pb(b));
    return out;
  }

  std::vector<api::TxnId> siread_holders(const api::KeySpace& space, const std::string& key,
                                         api::TxnId writer, bool replaces) override {
    auto r = call(pb::Response::kTxns, [&](pb::Request& q) {
      auto* m = q.mutable_siread_holders();
      to_pb(space, m->mutable_space());
      m->set_key(key);
      m->set_writer(writer);
      m->set_replaces(replaces);
    });
    return {r.txns().txns().begin(), r.txns().txns().end()};
  }

  // Pipelined: the registry sends these from its own calls, which another node's partitions
  // may be waiting on (a status question): waiting here for that node could close a cycle.
  void drop_keyspaces(uint32_t table_id) override {
    pb::Request q;
    q.set_partition(id_);
    q.mutable_drop_keyspaces()->set_table_id(table_id);
    channel_.send_pipelined(std::move(q));
  }
  void release_siread(api::TxnId txn) override {
    pb::Request q;
    q.set_partition(id_);
    q.mutable_release_siread()->set_txn(txn);
    channel_.send_pipelined(std::move(q));
  }

 private:
  PartitionChannel& channel_;
  api::PartitionId id_;
  uint64_t commit_group_;
  std::function<bool()> abandon_;  // P9 (empty: never)
};

void RemoteCursor::fetch() {
  auto r = partition_.call(pb::Response::kScanBatch, [&](pb::Request& q) {
    auto* m = q.mutable_scan();
    to_pb(req_.space, m->mutable_space());
    m->set_start(req_.start);
    m->set_end(req_.end);
    to_pb(req_.view, m->mutable_view());
    m->set_reverse(req_.reverse);
    m->set_limit(req_.limit);
    m->set_max_rows(batch_);
    m->set_max_bytes(kScanBatchBytes);
  });
  const auto& batch = r.scan_batch();
  for (const auto& row : batch.rows()) rows_.push_back(from_pb(row));
  done_ = batch.done();
  if (req_.limit) {  // the hint covers the whole scan: what is left of it
    size_t n = static_cast<size_t>(batch.rows_size());
    if (n >= req_.limit) done_ = true;
    req_.limit = n >= req_.limit ? 0 : req_.limit - n;
  }
  if (!done_ && rows_.empty()) {
    throw SqlError(sqlstate::kInternalError, "partition RPC: an empty scan batch before the end");
  }
  if (!rows_.empty()) {
    // The next batch continues after the last key received (partition.proto, Scan).
    if (req_.reverse) {
      req_.end = rows_.back().key;
    } else {
      req_.start = rows_.back().key;
      req_.start.push_back('\0');
    }
  }
  batch_ = std::min(batch_ * 4, kMaxScanBatch);
}

}  // namespace

pb::NodeDescription PartitionChannel::describe() {
  pb::Request req;
  req.mutable_describe();
  auto r = call(std::move(req));
  check(r, pb::Response::kDescription);
  return r.description();
}

std::vector<std::unique_ptr<api::Partition>> PartitionChannel::partitions() {
  return partitions(describe());
}

std::vector<std::unique_ptr<api::Partition>> PartitionChannel::partitions(
    const pb::NodeDescription& d, AbandonWhen abandon_when) {
  if (d.partitions_size() != d.commit_groups_size()) {
    throw SqlError(sqlstate::kInternalError, "partition RPC: malformed node description");
  }
  std::vector<std::unique_ptr<api::Partition>> out;
  for (int i = 0; i < d.partitions_size(); ++i) {
    if (d.partitions(i) != static_cast<uint32_t>(i)) {
      throw SqlError(sqlstate::kInternalError, "partition RPC: partitions out of order");
    }
    out.push_back(std::make_unique<RemotePartition>(*this, d.partitions(i), d.commit_groups(i),
                                                    abandon_when));
  }
  return out;
}

std::vector<std::unique_ptr<api::Partition>> PartitionChannel::partitions_listed(
    const pb::NodeDescription& d) {
  if (d.partitions_size() != d.commit_groups_size()) {
    throw SqlError(sqlstate::kInternalError, "partition RPC: malformed node description");
  }
  std::vector<std::unique_ptr<api::Partition>> out;
  for (int i = 0; i < d.partitions_size(); ++i)
    out.push_back(std::make_unique<RemotePartition>(*this, d.partitions(i), d.commit_groups(i)));
  return out;
}

// ---- RemoteTxnRegistry ----

pb::Response RemoteTxnRegistry::call(pb::Request q, pb::Response::ResultCase expected,
                                     runtime::CancelToken* cancel) {
  auto r = channel_->call(std::move(q), cancel);
  check(r, expected);
  return r;
}

api::Timestamp RemoteTxnRegistry::ts_call(pb::Request q, bool published) {
  api::Timestamp ts = call(std::move(q), pb::Response::kTs).ts().ts();
  if (published) note_published(ts);
  return ts;
}

void RemoteTxnRegistry::note_published(api::Timestamp ts) {
  api::Timestamp seen = seen_published_.load(std::memory_order_relaxed);
  while (seen < ts && !seen_published_.compare_exchange_weak(seen, ts)) {
  }
}

namespace {
api::TxnStatus status_of(const pb::TxnStatusAnswer& r) {
  api::TxnStatus out;
  out.state = static_cast<api::TxnState>(
      std::min<uint32_t>(r.state(), static_cast<uint32_t>(api::TxnState::kAborted)));
  out.commit_ts = r.commit_ts();
  return out;
}
}  // namespace

api::TxnStatus RemoteTxnRegistry::status(api::TxnId txn) {
  pb::Request q;
  q.mutable_registry_status()->set_txn(txn);
  return status_of(call(std::move(q), pb::Response::kTxnStatus).txn_status());
}

api::TxnStatus RemoteTxnRegistry::decide(api::TxnId txn) {
  pb::Request q;
  q.mutable_decide()->set_txn(txn);
  return status_of(call(std::move(q), pb::Response::kTxnStatus).txn_status());
}

void RemoteTxnRegistry::ssi_read_skipped(api::TxnId reader, api::TxnId writer,
                                         api::Timestamp commit_ts) {
  pb::Request q;
  auto* m = q.mutable_ssi_read_skipped();
  m->set_reader(reader);
  m->set_writer(writer);
  m->set_commit_ts(commit_ts);
  call(std::move(q), pb::Response::kDone);
}

api::TxnRegistry::TxnIdBlock RemoteTxnRegistry::claim_txn_ids(uint64_t count) {
  pb::Request q;
  q.mutable_claim_txn_ids()->set_count(count);
  auto r = call(std::move(q), pb::Response::kTxnIdBlock).txn_id_block();
  return {r.first(), r.end()};
}

void RemoteTxnRegistry::begin(api::TxnId txn, uint64_t group) {
  pb::Request q;
  q.mutable_registry_begin()->set_txn(txn);
  q.mutable_registry_begin()->set_group(group);
  channel_->send_pipelined(std::move(q));
}

api::Timestamp RemoteTxnRegistry::published() {
  pb::Request q;
  q.mutable_published();
  return ts_call(std::move(q), true);
}

api::Timestamp RemoteTxnRegistry::take_snapshot(api::TxnId txn) {
  pb::Request q;
  q.mutable_take_snapshot()->set_txn(txn);
  return ts_call(std::move(q), true);
}

RemoteTxnRegistry::StatementSnapshot RemoteTxnRegistry::take_statement_snapshot(api::TxnId txn) {
  pb::Request q;
  q.mutable_take_statement_snapshot()->set_txn(txn);
  pb::Response r = call(std::move(q), pb::Response::kTs);
  note_published(r.ts().ts());
  return {r.ts().ts(), r.ts().catalog_version()};
}

void RemoteTxnRegistry::drop_snapshot(api::TxnId txn) {
  pb::Request q;
  q.mutable_drop_snapshot()->set_txn(txn);
  channel_->send_pipelined(std::move(q));
}

api::Timestamp RemoteTxnRegistry::oldest_snapshot() {
  pb::Request q;
  q.mutable_oldest_snapshot();
  return ts_call(std::move(q), false);
}

api::Timestamp RemoteTxnRegistry::assign_commit(api::TxnId txn) {
  pb::Request q;
  q.mutable_assign_commit()->set_txn(txn);
  return ts_call(std::move(q), false);
}

api::Timestamp RemoteTxnRegistry::reserve_commit() {
  pb::Request q;
  q.mutable_reserve_commit();
  return ts_call(std::move(q), false);
}

void RemoteTxnRegistry::complete_commit(api::TxnId txn, api::Timestamp ts, bool committed) {
  pb::Request q;
  auto* m = q.mutable_complete_commit();
  m->set_txn(txn);
  m->set_commit_ts(ts);
  m->set_committed(committed);
  ts_call(std::move(q), true);  // answers the published timestamp
}

void RemoteTxnRegistry::wait_published(api::Timestamp ts) {
  if (seen_published_.load(std::memory_order_relaxed) >= ts) return;
  pb::Request q;
  q.mutable_wait_published()->set_ts(ts);
  ts_call(std::move(q), true);
}

void RemoteTxnRegistry::mark_aborted(api::TxnId txn) {
  pb::Request q;
  q.mutable_mark_aborted()->set_txn(txn);
  channel_->send_pipelined(std::move(q));
}

void RemoteTxnRegistry::forget(api::TxnId txn) {
  pb::Request q;
  q.mutable_forget()->set_txn(txn);
  channel_->send_pipelined(std::move(q));
}

void RemoteTxnRegistry::drop_keyspaces(uint32_t table_id) {
  pb::Request q;
  q.mutable_registry_drop_keyspaces()->set_table_id(table_id);
  call(std::move(q), pb::Response::kDone);
}

api::TxnRegistry::SsiSnapshot RemoteTxnRegistry::ssi_begin(api::TxnId txn, bool read_only,
                                                           bool deferrable,
                                                           runtime::CancelToken* cancel) {
  pb::Request q;
  auto* m = q.mutable_ssi_begin();
  m->set_txn(txn);
  m->set_read_only(read_only);
  m->set_deferrable(deferrable);
  auto r = call(std::move(q), pb::Response::kSsiSnapshot, cancel).ssi_snapshot();
  return {r.read_ts(), r.tracked(), r.cancelled()};
}

bool RemoteTxnRegistry::ssi_tracking(api::TxnId txn) {
  pb::Request q;
  q.mutable_ssi_tracking()->set_txn(txn);
  return call(std::move(q), pb::Response::kFlag).flag().value();
}

void RemoteTxnRegistry::ssi_after_read(api::TxnId txn, bool visited) {
  pb::Request q;
  q.mutable_ssi_after_read()->set_txn(txn);
  q.mutable_ssi_after_read()->set_visited(visited);
  call(std::move(q), pb::Response::kDone);
}

void RemoteTxnRegistry::ssi_write_conflicts(api::TxnId txn,
                                            const std::vector<api::TxnId>& readers) {
  pb::Request q;
  auto* m = q.mutable_ssi_write_conflicts();
  m->set_txn(txn);
  for (auto r : readers) m->add_readers(r);
  call(std::move(q), pb::Response::kDone);
}

void RemoteTxnRegistry::ssi_precommit(api::TxnId txn) {
  pb::Request q;
  q.mutable_ssi_precommit()->set_txn(txn);
  call(std::move(q), pb::Response::kDone);
}

api::Timestamp RemoteTxnRegistry::ssi_commit(api::TxnId txn, bool wrote) {
  pb::Request q;
  q.mutable_ssi_commit()->set_txn(txn);
  q.mutable_ssi_commit()->set_wrote(wrote);
  return ts_call(std::move(q), false);
}

void RemoteTxnRegistry::ssi_aborted(api::TxnId txn) {
  pb::Request q;
  q.mutable_ssi_aborted()->set_txn(txn);
  call(std::move(q), pb::Response::kDone);
}

std::vector<uint64_t> RemoteTxnRegistry::ssi_safe_snapshot_blocking_groups(uint64_t group) {
  pb::Request q;
  q.mutable_ssi_safe_snapshot_blocking_groups()->set_owner(group);
  auto r = call(std::move(q), pb::Response::kTxns);
  return {r.txns().txns().begin(), r.txns().txns().end()};
}

uint64_t RemoteTxnRegistry::catalog_version() {
  pb::Request q;
  q.mutable_catalog_version();
  return call(std::move(q), pb::Response::kCount).count().count();
}

uint64_t RemoteTxnRegistry::bump_catalog_version() {
  pb::Request q;
  q.mutable_bump_catalog_version();
  return call(std::move(q), pb::Response::kCount).count().count();
}

size_t RemoteTxnRegistry::ssi_tracked() {
  pb::Request q;
  q.mutable_ssi_tracked();
  return call(std::move(q), pb::Response::kCount).count().count();
}

}  // namespace hf::partition_rpc
