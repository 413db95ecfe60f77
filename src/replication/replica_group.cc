// replication/replica_group.cc — libraft on a libuv loop thread; requests handed in through
// a uv_async_t, outcomes handed back through one-shot completions (contract in the header).
#include "replication/replica_group.h"

#include <pthread.h>
#include <signal.h>

#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include "replication/raft_counts.h"
#include "runtime/fiber.h"

// libraft 0.15 parses "host:port" with strtok (uvIpParse, on every listen and connect), and
// strtok keeps its position in one process-wide variable. This process runs one libuv loop
// thread per Raft group, so two groups connecting at once could read each other's port (a
// connection to the wrong replica) — ThreadSanitizer reported it as a race. Defining strtok
// here makes the executable's definition the one libraft's call binds to (the executable
// comes first in the dynamic linker's lookup order), and it keeps the position per thread,
// which is all uvIpParse needs (it calls strtok twice in a row on its own buffer). This file
// is linked into every binary that runs a ReplicaGroup, the only code that reaches libuv's
// transport. Later libraft releases parse the address without strtok.
extern "C" char* strtok(char* __restrict text, const char* __restrict delimiters) noexcept {
  thread_local char* position = nullptr;
  return strtok_r(text, delimiters, &position);
}

namespace hf::replication {

namespace {

// A value produced once on some thread and awaited once by the thread or fiber that
// created it: a fiber is parked on an Event, a plain thread waits on a condition variable.
// Shared (shared_ptr) by both sides so neither outlives the other's last touch.
template <class T>
class Completion {
 public:
  Completion() {
    if (runtime::Fiber::current() != nullptr) event_ = runtime::Event::create();
  }
  void set(T value) {
    {
      std::lock_guard lock(mu_);
      value_ = std::move(value);
    }
    cv_.notify_all();
    if (event_) event_->complete(runtime::WakeReason::kSignalled);
  }
  // REQUIRES: called by the creator (the same fiber, or a plain thread).
  T wait() {
    if (event_) {
      event_->wait();  // returns after set()'s complete(), which follows the store
      std::lock_guard lock(mu_);
      return std::move(*value_);
    }
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return value_.has_value(); });
    return std::move(*value_);
  }

 private:
  std::shared_ptr<runtime::Event> event_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<T> value_;
};

// Counting raft_io (raft_counts.h): the uv backend's own functions, called by wrappers that
// count first. They are the same static functions for every uv instance, so they are taken
// from the first one; an io whose functions differ (another backend) is left unwrapped.
struct UvIo {
  decltype(raft_io::append) append;
  decltype(raft_io::send) send;
  decltype(raft_io::set_term) set_term;
  decltype(raft_io::set_vote) set_vote;
  decltype(raft_io::snapshot_put) snapshot_put;
};

const UvIo& uv_io(const raft_io& first) {
  static const UvIo io{first.append, first.send, first.set_term, first.set_vote,
                       first.snapshot_put};
  return io;
}

void count_io(raft_io& io) {
  const UvIo& uv = uv_io(io);
  if (io.append != uv.append || io.send != uv.send || io.set_term != uv.set_term ||
      io.set_vote != uv.set_vote || io.snapshot_put != uv.snapshot_put)
    return;
  io.append = [](raft_io* io, raft_io_append* req, const raft_entry entries[], unsigned n,
                 raft_io_append_cb cb) {
    raft_counts().log_appends.fetch_add(1, std::memory_order_relaxed);
    raft_counts().log_entries.fetch_add(n, std::memory_order_relaxed);
    return uv_io(*io).append(io, req, entries, n, cb);
  };
  io.send = [](raft_io* io, raft_io_send* req, const raft_message* m, raft_io_send_cb cb) {
    auto& c = raft_counts();
    switch (m->type) {
      case RAFT_IO_APPEND_ENTRIES:
        (m->append_entries.n_entries ? c.sent_entries : c.sent_heartbeats)
            .fetch_add(1, std::memory_order_relaxed);
        break;
      case RAFT_IO_APPEND_ENTRIES_RESULT:
        c.sent_results.fetch_add(1, std::memory_order_relaxed);
        break;
      default:
        c.sent_other.fetch_add(1, std::memory_order_relaxed);
    }
    return uv_io(*io).send(io, req, m, cb);
  };
  io.set_term = [](raft_io* io, raft_term term) {
    raft_counts().metadata_writes.fetch_add(1, std::memory_order_relaxed);
    return uv_io(*io).set_term(io, term);
  };
  io.set_vote = [](raft_io* io, raft_id id) {
    raft_counts().metadata_writes.fetch_add(1, std::memory_order_relaxed);
    return uv_io(*io).set_vote(io, id);
  };
  io.snapshot_put = [](raft_io* io, unsigned trailing, raft_io_snapshot_put* req,
                       const raft_snapshot* snapshot, raft_io_snapshot_put_cb cb) {
    raft_counts().snapshot_writes.fetch_add(1, std::memory_order_relaxed);
    return uv_io(*io).snapshot_put(io, trailing, req, snapshot, cb);
  };
}

Outcome shutting_down() {
  Outcome out;
  out.status = Outcome::kShuttingDown;
  out.message = "the replica group is shutting down";
  return out;
}

}  // namespace

struct ReplicaGroup::Loop {
  uv_loop_t uv{};
  uv_async_t wake{};
  raft_uv_transport transport{};
  raft_io io{};
  raft instance{};
  struct raft_transfer transfer_slot {};  // submit_transfer's slot; lives as long as `instance`
  bool transport_open = false, io_open = false, raft_open = false;
  bool closing = false;          // set by close_on_loop(); read by every task
  std::function<void()> exited;  // set by stop()'s task: run once the loop has ended
};

ReplicaGroup::ReplicaGroup(ReplicaGroupOptions options, StateMachine& machine)
    : options_(std::move(options)), adapter_(machine) {}

ReplicaGroup::~ReplicaGroup() {
  stop();
}

bool ReplicaGroup::post(std::function<void()> fn) {
  std::lock_guard lock(queue_mu_);
  if (!accepting_) return false;
  queue_.push_back(std::move(fn));
  // Under queue_mu_: close_on_loop() clears accepting_ under it before closing the handle.
  uv_async_send(&loop_->wake);
  return true;
}

void ReplicaGroup::on_wake(uv_async_t* handle) {
  auto* self = static_cast<ReplicaGroup*>(handle->data);
  std::deque<std::function<void()>> tasks;
  {
    std::lock_guard lock(self->queue_mu_);
    tasks.swap(self->queue_);
  }
  for (auto& fn : tasks) fn();
}

// Loop thread. Refuses further work, answers what is queued, then closes libraft (which
// fails a leader's pending requests), its I/O, the transport and the wake handle, in
// libraft's order; uv_run then returns because no handle is left.
void ReplicaGroup::close_on_loop() {
  Loop& l = *loop_;
  l.closing = true;
  std::deque<std::function<void()>> left;
  {
    std::lock_guard lock(queue_mu_);
    accepting_ = false;
    left.swap(queue_);
  }
  for (auto& fn : left) fn();  // they see `closing` and answer kShuttingDown
  if (l.raft_open) {
    l.instance.data = &l;
    raft_close(&l.instance, [](raft* r) { close_transport(static_cast<Loop*>(r->data)); });
  } else {
    close_transport(&l);
  }
}

void ReplicaGroup::close_transport(Loop* l) {
  if (l->io_open) raft_uv_close(&l->io);
  if (l->transport_open) raft_uv_tcp_close(&l->transport);
  uv_close(reinterpret_cast<uv_handle_t*>(&l->wake), nullptr);
}

std::string ReplicaGroup::start() {
  std::lock_guard life(lifecycle_mu_);
  if (started_ || loop_) return "the replica group was already started";
  std::error_code ec;
  std::filesystem::create_directories(options_.data_dir, ec);
  if (ec) return "cannot create " + options_.data_dir + ": " + ec.message();
  loop_ = std::make_unique<Loop>();
  auto ready = std::make_shared<Completion<std::string>>();
  thread_ = std::thread([this, ready] { run_loop([ready](std::string e) { ready->set(e); }); });
  std::string error = ready->wait();
  if (!error.empty()) {
    thread_.join();  // the loop has already ended (run_loop reports a failure last)
    return error;
  }
  started_ = true;
  return {};
}

// Opens libraft on the loop; empty string or why not.
std::string ReplicaGroup::open_on_loop() {
  Loop& l = *loop_;
  const ReplicaGroupOptions& o = options_;
  int rv = raft_uv_tcp_init(&l.transport, &l.uv);
  if (rv != 0) return std::string("raft_uv_tcp_init: ") + raft_strerror(rv);
  l.transport_open = true;
  if ((rv = raft_uv_init(&l.io, &l.uv, o.data_dir.c_str(), &l.transport)) != 0)
    return "raft_uv_init(" + o.data_dir + "): " + l.io.errmsg;
  l.io_open = true;
  count_io(l.io);
  if ((rv = raft_init(&l.instance, &l.io, adapter_.fsm(), o.id, o.address.c_str())) != 0)
    return std::string("raft_init: ") + raft_errmsg(&l.instance);
  l.raft_open = true;
  adapter_.bind(&l.instance);
  raft_set_election_timeout(&l.instance, o.election_timeout_ms);
  raft_set_heartbeat_timeout(&l.instance, o.heartbeat_timeout_ms);
  raft_set_snapshot_threshold(&l.instance, o.snapshot_threshold);
  raft_set_snapshot_trailing(&l.instance, o.snapshot_trailing);
  raft_set_pre_vote(&l.instance, o.pre_vote);
  if (!o.bootstrap.empty()) {
    raft_configuration conf;
    raft_configuration_init(&conf);
    for (const Member& m : o.bootstrap) {
      rv = raft_configuration_add(&conf, m.id, m.address.c_str(), static_cast<int>(m.role));
      if (rv != 0) break;
    }
    // CANTBOOTSTRAP: the directory already holds Raft state, which wins.
    if (rv == 0 && (rv = raft_bootstrap(&l.instance, &conf)) == RAFT_CANTBOOTSTRAP) rv = 0;
    raft_configuration_close(&conf);
    if (rv != 0) return std::string("bootstrap: ") + raft_strerror(rv);
  }
  if ((rv = raft_start(&l.instance)) != 0)
    return std::string("raft_start: ") + raft_errmsg(&l.instance);
  return {};
}

void ReplicaGroup::run_loop(std::function<void(std::string)> started) {
  Loop& l = *loop_;
  // libuv writes to peers' sockets; a peer that closed must give EPIPE on this thread, not
  // a process-killing SIGPIPE (the server ignores SIGPIPE; a test binary does not).
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  int rv = uv_loop_init(&l.uv);
  if (rv != 0) return started(std::string("uv_loop_init: ") + uv_strerror(rv));
  l.wake.data = this;
  uv_async_init(&l.uv, &l.wake, &ReplicaGroup::on_wake);
  {
    std::lock_guard lock(queue_mu_);
    accepting_ = true;
  }
  std::string error = open_on_loop();
  if (error.empty()) {
    started({});
  } else {
    close_on_loop();
  }
  uv_run(&l.uv, UV_RUN_DEFAULT);
  // uv_run returns only when no handle is left, so this cannot be UV_EBUSY unless libraft
  // left a handle open; say so rather than leak silently.
  if ((rv = uv_loop_close(&l.uv)) != 0)
    std::fprintf(stderr, "replication: replica %llu: uv_loop_close: %s\n",
                 static_cast<unsigned long long>(options_.id), uv_strerror(rv));
  if (!error.empty()) return started(error);
  if (l.exited) l.exited();
}

void ReplicaGroup::stop() {
  std::lock_guard life(lifecycle_mu_);
  if (!started_) return;
  started_ = false;
  auto exited = std::make_shared<Completion<bool>>();
  const bool posted = post([this, exited] {
    loop_->exited = [exited] { exited->set(true); };
    close_on_loop();
  });
  if (posted) exited->wait();
  thread_.join();  // the loop has ended; the thread is returning
}

Outcome ReplicaGroup::call(std::function<void(raft*, OutcomeCallback)> request) {
  auto result = std::make_shared<Completion<Outcome>>();
  const bool posted = post([this, result, request = std::move(request)] {
    if (loop_->closing) return result->set(shutting_down());
    request(&loop_->instance, [result](Outcome out) { result->set(std::move(out)); });
  });
  if (!posted) return shutting_down();
  return result->wait();
}

Outcome ReplicaGroup::propose(std::string_view entry) {
  return propose(entry, nullptr);
}

Outcome ReplicaGroup::propose(std::string_view entry, std::function<void()> on_applied) {
  // The bytes are copied once more into libraft's buffer on the loop thread.
  raft_counts().proposals.fetch_add(1, std::memory_order_relaxed);
  return call([bytes = std::string(entry), on_applied = std::move(on_applied)](
                  raft* r, OutcomeCallback done) {
    submit_proposal(r, bytes, [on_applied, done = std::move(done)](Outcome out) {
      if (out.ok() && on_applied) on_applied();
      done(std::move(out));
    });
  });
}

Outcome ReplicaGroup::barrier() {
  raft_counts().barriers.fetch_add(1, std::memory_order_relaxed);
  return call([](raft* r, OutcomeCallback done) { submit_barrier(r, std::move(done)); });
}

bool ReplicaGroup::barrier_async(BarrierDone done) {
  return post([this, done = std::move(done)]() mutable {
    const auto asked = std::chrono::steady_clock::now();
    if (loop_->closing) return done(shutting_down(), 0, asked);
    raft* r = &loop_->instance;
    const unsigned long long term = r->current_term;
    submit_barrier(r, [done = std::move(done), term, asked](Outcome out) {
      done(std::move(out), term, asked);
    });
  });
}

Outcome ReplicaGroup::add(ReplicaId id, const std::string& address) {
  return call([id, address](raft* r, OutcomeCallback done) {
    submit_add(r, id, address, std::move(done));
  });
}

Outcome ReplicaGroup::assign(ReplicaId id, Role role) {
  return call(
      [id, role](raft* r, OutcomeCallback done) { submit_assign(r, id, role, std::move(done)); });
}

Outcome ReplicaGroup::remove(ReplicaId id) {
  return call([id](raft* r, OutcomeCallback done) { submit_remove(r, id, std::move(done)); });
}

Outcome ReplicaGroup::transfer(ReplicaId id) {
  return call([this, id](raft* r, OutcomeCallback done) {
    submit_transfer(r, &loop_->transfer_slot, id, std::move(done));
  });
}

ReplicaInfo ReplicaGroup::info() {
  auto result = std::make_shared<Completion<ReplicaInfo>>();
  const bool posted = post([this, result] {
    ReplicaInfo info;
    if (!loop_->closing) info = read_info(&loop_->instance);
    result->set(std::move(info));
  });
  if (!posted) return {};
  return result->wait();
}

ReplicaInfo read_info(raft* r) {
  ReplicaInfo info;
  info.state = static_cast<ReplicaInfo::State>(raft_state(r));
  info.term = r->current_term;
  raft_id leader = 0;
  const char* address = nullptr;
  raft_leader(r, &leader, &address);
  info.leader_id = leader;
  if (address != nullptr) info.leader_address = address;
  info.commit_index = r->commit_index;
  info.last_applied = raft_last_applied(r);
  info.last_index = raft_last_index(r);
  for (unsigned i = 0; i < r->configuration.n; ++i) {
    const raft_server& s = r->configuration.servers[i];
    info.configuration.push_back(Member{s.id, s.address, static_cast<Role>(s.role)});
  }
  return info;
}

}  // namespace hf::replication
