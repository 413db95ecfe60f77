// partition_rpc/convert.cc — see convert.h.
#include "partition_rpc/convert.h"

#include <fmt/format.h>

namespace hf::partition_rpc {

namespace {

// An enumeration from the wire: its numeric value, checked against the last enumerator.
template <typename E>
E enum_from(uint32_t v, E last, const char* what) {
  if (v > static_cast<uint32_t>(last)) {
    throw ProtocolError(fmt::format("partition RPC: {} {} is out of range", what, v));
  }
  return static_cast<E>(v);
}

api::LockKind kind_from(uint32_t v) {
  return enum_from(v, api::LockKind::kResource, "lock kind");
}
api::LockOutcome outcome_from(uint32_t v) {
  return enum_from(v, api::LockOutcome::kMemoryExceeded, "lock outcome");
}
api::WaitPolicy policy_from(uint32_t v) {
  return enum_from(v, api::WaitPolicy::kSkipLocked, "wait policy");
}
uint8_t byte_from(uint32_t v, const char* what) {
  if (v > 0xff) throw ProtocolError(fmt::format("partition RPC: {} {} is out of range", what, v));
  return static_cast<uint8_t>(v);
}

// The wait bounds of a request: time left instead of a deadline (clocks differ by machine).
void wait_to_pb(runtime::Deadline deadline, api::LockWaitObserver* observer,
                std::chrono::milliseconds deadlock_timeout, runtime::Clock::time_point now,
                pb::WaitControl* out) {
  if (deadline != runtime::Deadline::max()) {
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now).count();
    out->set_timeout_us(left < 0 ? 0 : left);
  }
  out->set_observed(observer != nullptr);
  out->set_deadlock_timeout_ms(static_cast<uint32_t>(deadlock_timeout.count()));
}

runtime::Deadline deadline_from(const pb::WaitControl& in, runtime::Clock::time_point now) {
  if (!in.has_timeout_us()) return runtime::Deadline::max();
  return now + std::chrono::microseconds(in.timeout_us() < 0 ? 0 : in.timeout_us());
}

}  // namespace

void to_pb(const api::KeySpace& in, pb::KeySpace* out) {
  out->set_table_id(in.table_id);
  out->set_index_id(in.index_id);
}
api::KeySpace from_pb(const pb::KeySpace& in) {
  return {in.table_id(), in.index_id()};
}

void to_pb(const api::Version& in, pb::Version* out) {
  out->set_commit_ts(in.commit_ts);
  out->set_deleted(in.deleted);
}
api::Version from_pb(const pb::Version& in) {
  return {in.commit_ts(), in.deleted()};
}

void to_pb(const api::ReadView& in, pb::ReadView* out) {
  out->set_read_ts(in.read_ts);
  out->set_txn(in.txn);
  out->set_cid(in.cid);
  out->set_serializable(in.serializable);
}
api::ReadView from_pb(const pb::ReadView& in) {
  return {in.read_ts(), in.txn(), in.cid(), in.serializable()};
}

void to_pb(const api::RowVersion& in, pb::RowVersion* out) {
  out->set_key(in.key);
  out->set_value(in.value);
  to_pb(in.newest, out->mutable_newest());
  out->set_visible_ts(in.visible_ts);
  out->set_own_write(in.own_write);
}
api::RowVersion from_pb(const pb::RowVersion& in) {
  return {in.key(), in.value(), from_pb(in.newest()), in.visible_ts(), in.own_write()};
}

void to_pb(const api::LatestState& in, pb::LatestState* out) {
  to_pb(in.newest, out->mutable_newest());
  if (in.value) out->set_value(*in.value);
  out->set_intent_txn(in.intent_txn);
}
api::LatestState from_pb(const pb::LatestState& in) {
  api::LatestState out;
  out.newest = from_pb(in.newest());
  if (in.has_value()) out.value = in.value();
  out.intent_txn = in.intent_txn();
  return out;
}

void to_pb(const api::ObjectTag& in, pb::ObjectTag* out) {
  out->set_kind(static_cast<uint32_t>(in.kind));
  out->set_a(in.a);
  out->set_b(in.b);
  out->set_key(in.key);
}
api::ObjectTag from_pb(const pb::ObjectTag& in) {
  return {kind_from(in.kind()), in.a(), in.b(), in.key()};
}

void to_pb(const api::DeadlockEdge& in, pb::DeadlockEdge* out) {
  out->set_waiter(in.waiter);
  out->set_kind(static_cast<uint32_t>(in.kind));
  out->set_a(in.a);
  out->set_b(in.b);
  out->set_key(in.key);
  out->set_mode(in.mode);
  out->set_blocker(in.blocker);
  out->set_blocker_owner(in.blocker_owner);
}
api::DeadlockEdge from_pb(const pb::DeadlockEdge& in) {
  return {in.waiter(),  kind_from(in.kind()),
          in.a(),       in.b(),
          in.key(),     byte_from(in.mode(), "lock mode"),
          in.blocker(), in.blocker_owner()};
}

void to_pb(const api::LockResult& in, pb::LockResult* out) {
  out->set_outcome(static_cast<uint32_t>(in.outcome));
  to_pb(in.newest, out->mutable_newest());
  if (in.value) out->set_value(*in.value);
  for (auto b : in.blockers) out->add_blockers(b);
  for (const auto& e : in.deadlock) to_pb(e, out->add_deadlock());
}
api::LockResult from_pb(const pb::LockResult& in) {
  api::LockResult out;
  out.outcome = outcome_from(in.outcome());
  out.newest = from_pb(in.newest());
  if (in.has_value()) out.value = in.value();
  out.blockers.assign(in.blockers().begin(), in.blockers().end());
  for (const auto& e : in.deadlock()) out.deadlock.push_back(from_pb(e));
  return out;
}

void to_pb(const api::ObjectLockResult& in, pb::ObjectLockResult* out) {
  out->set_outcome(static_cast<uint32_t>(in.outcome));
  for (const auto& e : in.deadlock) to_pb(e, out->add_deadlock());
}
api::ObjectLockResult from_pb(const pb::ObjectLockResult& in) {
  api::ObjectLockResult out;
  out.outcome = outcome_from(in.outcome());
  for (const auto& e : in.deadlock()) out.deadlock.push_back(from_pb(e));
  return out;
}

void to_pb(const api::Blocker& in, pb::Blocker* out) {
  out->set_owner(in.owner);
  out->set_group(in.group);
}
api::Blocker from_pb(const pb::Blocker& in) {
  return {in.owner(), in.group()};
}

void to_pb(const api::NodeWaits& in, pb::NodeWaits* out) {
  for (const auto& l : in.locks) {
    auto* o = out->add_locks();
    to_pb(l.tag, o->mutable_tag());
    for (const auto& held : l.holds) {
      auto* h = o->add_holds();
      h->set_vertex(held.vertex);
      h->set_owner(held.owner);
      h->set_mode(held.mode);
    }
    for (const auto& q : l.queue) {
      auto* w = o->add_queue();
      w->set_vertex(q.vertex);
      w->set_hold_vertex(q.hold_vertex);
      w->set_mode(q.mode);
      w->set_wait_id(q.wait_id);
    }
  }
  for (const auto& [holder, actor] : in.links) {
    auto* k = out->add_links();
    k->set_holder(holder);
    k->set_actor(actor);
  }
}

api::NodeWaits from_pb(const pb::NodeWaits& in) {
  api::NodeWaits out;
  for (const auto& l : in.locks()) {
    api::NodeWaits::Lock o;
    o.tag = from_pb(l.tag());
    for (const auto& h : l.holds())
      o.holds.push_back({h.vertex(), h.owner(), static_cast<uint8_t>(h.mode())});
    for (const auto& w : l.queue())
      o.queue.push_back(api::NodeWaits::Queued{w.vertex(), w.hold_vertex(),
                                               static_cast<uint8_t>(w.mode()), w.wait_id()});
    out.locks.push_back(std::move(o));
  }
  for (const auto& k : in.links()) out.links.emplace_back(k.holder(), k.actor());
  return out;
}

void to_pb(const api::WaitOrder& in, pb::WaitOrder* out) {
  to_pb(in.tag, out->mutable_tag());
  for (const auto& [vertex, wait_id] : in.waits) {
    auto* w = out->add_waits();
    w->set_vertex(vertex);
    w->set_wait_id(wait_id);
  }
}

api::WaitOrder from_pb(const pb::WaitOrder& in) {
  api::WaitOrder out{from_pb(in.tag()), {}};
  for (const auto& w : in.waits()) out.waits.emplace_back(w.vertex(), w.wait_id());
  return out;
}

void to_pb(const api::LockEntry& in, runtime::Clock::time_point now, pb::LockEntry* out) {
  out->set_kind(static_cast<uint32_t>(in.kind));
  out->set_a(in.a);
  out->set_b(in.b);
  out->set_key(in.key);
  out->set_owner(in.owner);
  out->set_group(in.group);
  out->set_mode(in.mode);
  out->set_granted(in.granted);
  out->set_first_waiter(in.first_waiter);
  if (!in.granted) {
    out->set_waiting_us(
        std::chrono::duration_cast<std::chrono::microseconds>(now - in.wait_start).count());
  }
}
api::LockEntry from_pb(const pb::LockEntry& in, runtime::Clock::time_point now) {
  api::LockEntry out;
  out.kind = kind_from(in.kind());
  out.a = in.a();
  out.b = in.b();
  out.key = in.key();
  out.owner = in.owner();
  out.group = in.group();
  out.mode = byte_from(in.mode(), "lock mode");
  out.granted = in.granted();
  out.first_waiter = in.first_waiter();
  if (!out.granted) out.wait_start = now - std::chrono::microseconds(in.waiting_us());
  return out;
}

void to_pb(const api::LockRequest& in, runtime::Clock::time_point now, pb::LockRequest* out) {
  to_pb(in.space, out->mutable_space());
  out->set_key(in.key);
  out->set_txn(in.txn);
  out->set_sub(in.sub);
  out->set_strength(static_cast<uint32_t>(in.strength));
  out->set_policy(static_cast<uint32_t>(in.policy));
  if (in.expected) to_pb(*in.expected, out->mutable_expected());
  out->set_seen_at(in.seen_at);
  out->set_group(in.group);
  wait_to_pb(in.deadline, in.observer, in.deadlock_timeout, now, out->mutable_wait());
  out->set_overtake_compatible(in.overtake_compatible);
}
api::LockRequest from_pb(const pb::LockRequest& in, runtime::Clock::time_point now,
                         runtime::CancelToken* cancel, api::LockWaitObserver* observer) {
  api::LockRequest out;
  out.space = from_pb(in.space());
  out.key = in.key();
  out.txn = in.txn();
  out.sub = in.sub();
  out.strength = enum_from(in.strength(), api::LockStrength::kUpdate, "lock strength");
  out.policy = policy_from(in.policy());
  if (in.has_expected()) out.expected = from_pb(in.expected());
  out.seen_at = in.seen_at();
  out.deadline = deadline_from(in.wait(), now);
  out.cancel = cancel;
  out.group = in.group();
  out.deadlock_timeout = std::chrono::milliseconds(in.wait().deadlock_timeout_ms());
  out.observer = in.wait().observed() ? observer : nullptr;
  out.overtake_compatible = in.overtake_compatible();
  return out;
}

void to_pb(const api::ObjectLockRequest& in, runtime::Clock::time_point now,
           pb::ObjectLockRequest* out) {
  to_pb(in.tag, out->mutable_tag());
  out->set_mode(in.mode);
  out->set_owner(in.owner);
  out->set_group(in.group);
  out->set_sub(in.sub);
  out->set_policy(static_cast<uint32_t>(in.policy));
  wait_to_pb(in.deadline, in.observer, in.deadlock_timeout, now, out->mutable_wait());
  out->set_overtake_compatible(in.overtake_compatible);
  out->set_waiter(in.waiter);
}
api::ObjectLockRequest from_pb(const pb::ObjectLockRequest& in, runtime::Clock::time_point now,
                               runtime::CancelToken* cancel, api::LockWaitObserver* observer) {
  api::ObjectLockRequest out;
  out.tag = from_pb(in.tag());
  out.mode = byte_from(in.mode(), "lock mode");
  out.owner = in.owner();
  out.group = in.group();
  out.sub = in.sub();
  out.policy = policy_from(in.policy());
  out.deadline = deadline_from(in.wait(), now);
  out.cancel = cancel;
  out.deadlock_timeout = std::chrono::milliseconds(in.wait().deadlock_timeout_ms());
  out.observer = in.wait().observed() ? observer : nullptr;
  out.overtake_compatible = in.overtake_compatible();
  out.waiter = in.waiter();
  return out;
}

void to_pb(const activity::SessionInfo& in, pb::Session* out) {
  out->set_pid(in.pid);
  out->set_user(in.user);
  out->set_database(in.database);
  out->set_application_name(in.application_name);
  out->set_state(in.state);
  out->set_query(in.query);
  out->set_wait_event_type(in.wait_event_type);
  out->set_wait_event(in.wait_event);
  out->set_backend_start_us(in.backend_start_us);
  out->set_xact_start_us(in.xact_start_us);
  out->set_query_start_us(in.query_start_us);
  out->set_txn_id(in.txn_id);
  out->set_optimistic(in.optimistic);
  out->set_service_owner(in.service_owner);
}

activity::SessionInfo from_pb(const pb::Session& in) {
  activity::SessionInfo out;
  out.pid = in.pid();
  out.user = in.user();
  out.database = in.database();
  out.application_name = in.application_name();
  out.state = in.state();
  out.query = in.query();
  out.wait_event_type = in.wait_event_type();
  out.wait_event = in.wait_event();
  out.backend_start_us = in.backend_start_us();
  out.xact_start_us = in.xact_start_us();
  out.query_start_us = in.query_start_us();
  out.txn_id = in.txn_id();
  out.optimistic = in.optimistic();
  out.service_owner = in.service_owner();
  return out;
}

}  // namespace hf::partition_rpc
