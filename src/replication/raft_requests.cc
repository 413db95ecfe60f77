// replication/raft_requests.cc — libraft requests and their outcomes (contract in the
// header). Each request struct libraft needs lives in a heap Pending until its callback.
#include "replication/raft_requests.h"

#include <cstring>
#include <memory>

namespace hf::replication {

namespace {

struct Pending {
  raft* instance = nullptr;
  OutcomeCallback done;
  // The request struct libraft holds for this request (which one depends on the call;
  // a transfer's lives in the caller's slot).
  struct raft_apply apply {};
  struct raft_barrier barrier {};
  raft_change change{};
};

Outcome with_leader(raft* r, Outcome::Status status, std::string message) {
  Outcome out;
  out.status = status;
  out.message = std::move(message);
  raft_id id = 0;
  const char* address = nullptr;
  raft_leader(r, &id, &address);
  out.leader_id = id;
  if (address != nullptr) out.leader_address = address;
  return out;
}

// An immediate refusal from a raft_* call: nothing was appended.
Outcome refused(raft* r, int rv) {
  if (rv == RAFT_NOTLEADER) return with_leader(r, Outcome::kNotLeader, raft_strerror(rv));
  return with_leader(r, Outcome::kRejected, raft_strerror(rv));
}

// A failure reported by a callback after the request was accepted.
Outcome failed_later(raft* r, int status) {
  // LEADERSHIPLOST: the entry is in this replica's log but may or may not commit.
  if (status == RAFT_LEADERSHIPLOST)
    return with_leader(r, Outcome::kUnknown, raft_strerror(status));
  // Anything else (e.g. a promotion whose catch-up failed) did not change the log.
  return with_leader(r, Outcome::kRejected, raft_strerror(status));
}

void finish(Pending* p, Outcome out) {
  std::unique_ptr<Pending> owned(p);
  auto done = std::move(owned->done);
  owned.reset();
  done(std::move(out));
}

void on_applied(struct raft_apply* req, int status, void*) {
  auto* p = static_cast<Pending*>(req->data);
  if (status != 0) return finish(p, failed_later(p->instance, status));
  Outcome out;
  out.index = req->index;
  finish(p, std::move(out));
}

void on_barrier(struct raft_barrier* req, int status) {
  auto* p = static_cast<Pending*>(req->data);
  if (status != 0) return finish(p, failed_later(p->instance, status));
  Outcome out;
  out.index = req->index;
  finish(p, std::move(out));
}

void on_change(raft_change* req, int status) {
  auto* p = static_cast<Pending*>(req->data);
  if (status != 0) return finish(p, failed_later(p->instance, status));
  finish(p, Outcome{});
}

void on_transfer(struct raft_transfer* req) {
  auto* p = static_cast<Pending*>(req->data);
  // Closing aborts a transfer through this callback too; leadership went nowhere.
  if (raft_state(p->instance) == RAFT_UNAVAILABLE)
    return finish(p, with_leader(p->instance, Outcome::kUnknown,
                                 "the replica closed before the leadership transfer completed"));
  if (raft_state(p->instance) == RAFT_LEADER)
    return finish(p, with_leader(p->instance, Outcome::kUnknown,
                                 "leadership transfer did not complete in time"));
  finish(p, with_leader(p->instance, Outcome::kOk, ""));
}

// Runs `call` (a raft_* request) for `p`; on an immediate refusal completes it at once.
template <class Call>
void submit(Pending* p, Call call) {
  const int rv = call();
  if (rv != 0) finish(p, refused(p->instance, rv));
}

Pending* make_pending(raft* r, OutcomeCallback done) {
  auto* p = new Pending;
  p->instance = r;
  p->done = std::move(done);
  return p;
}

}  // namespace

const char* outcome_status_name(Outcome::Status s) {
  switch (s) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kNotLeader:
      return "not leader";
    case Outcome::kRejected:
      return "rejected";
    case Outcome::kUnknown:
      return "unknown (leadership lost before commit)";
    case Outcome::kShuttingDown:
      return "shutting down";
  }
  return "?";
}

void submit_proposal(raft* r, std::string_view entry, OutcomeCallback done) {
  Pending* p = make_pending(r, std::move(done));
  p->apply.data = p;
  // libraft takes ownership of the raft_malloc'd buffer when raft_apply succeeds.
  raft_buffer buf = FsmAdapter::encode_entry(entry);
  if (buf.base == nullptr) return finish(p, refused(r, RAFT_NOMEM));
  const int rv = raft_apply(r, &p->apply, &buf, 1, &on_applied);
  if (rv != 0) {
    raft_free(buf.base);
    finish(p, refused(r, rv));
  }
}

void submit_barrier(raft* r, OutcomeCallback done) {
  Pending* p = make_pending(r, std::move(done));
  p->barrier.data = p;
  submit(p, [&] { return raft_barrier(r, &p->barrier, &on_barrier); });
}

void submit_add(raft* r, ReplicaId id, const std::string& address, OutcomeCallback done) {
  Pending* p = make_pending(r, std::move(done));
  p->change.data = p;
  submit(p, [&] { return raft_add(r, &p->change, id, address.c_str(), &on_change); });
}

void submit_assign(raft* r, ReplicaId id, Role role, OutcomeCallback done) {
  Pending* p = make_pending(r, std::move(done));
  p->change.data = p;
  submit(p, [&] { return raft_assign(r, &p->change, id, static_cast<int>(role), &on_change); });
}

void submit_remove(raft* r, ReplicaId id, OutcomeCallback done) {
  Pending* p = make_pending(r, std::move(done));
  p->change.data = p;
  submit(p, [&] { return raft_remove(r, &p->change, id, &on_change); });
}

void submit_transfer(raft* r, struct raft_transfer* slot, ReplicaId id, OutcomeCallback done) {
  Pending* p = make_pending(r, std::move(done));
  if (r->transfer != nullptr) {  // the slot is in use: do not touch it
    return finish(p, with_leader(r, Outcome::kRejected, "a leadership transfer is in progress"));
  }
  *slot = {};
  slot->data = p;
  submit(p, [&] { return raft_transfer(r, slot, id, &on_transfer); });
}

}  // namespace hf::replication
