// partition_rpc/convert.h — the plain values of partition_api/partition.h to and from their
// protobuf messages (partition.proto), field for field.
//
// Promises: from_pb(to_pb(x)) == x for every value the interface carries, except what cannot
// cross a process boundary: a deadline becomes the time left (WaitControl.timeout_us) and is
// rebuilt against the receiver's steady clock; a CancelToken stays with the caller (the RPC
// layer forwards its requests as Cancel frames; the receiver passes its own token for the
// call) and a LockWaitObserver becomes the flag `observed` (progress comes back as frames).
// Enumerations travel as their numeric values; an out-of-range number from the wire throws
// ProtocolError. Thread safety: pure functions.
#pragma once

#include <stdexcept>

#include "activity/registry.h"
#include "partition_api/partition.h"
#include "partition_rpc/partition.pb.h"

namespace hf::partition_rpc {

namespace api = partition_api;

// A message from a peer that does not make sense (an unknown enum value, a missing part).
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void to_pb(const api::KeySpace& in, pb::KeySpace* out);
api::KeySpace from_pb(const pb::KeySpace& in);
void to_pb(const api::Version& in, pb::Version* out);
api::Version from_pb(const pb::Version& in);
void to_pb(const api::ReadView& in, pb::ReadView* out);
api::ReadView from_pb(const pb::ReadView& in);
void to_pb(const api::RowVersion& in, pb::RowVersion* out);
api::RowVersion from_pb(const pb::RowVersion& in);
void to_pb(const api::LatestState& in, pb::LatestState* out);
api::LatestState from_pb(const pb::LatestState& in);
void to_pb(const api::ObjectTag& in, pb::ObjectTag* out);
api::ObjectTag from_pb(const pb::ObjectTag& in);
void to_pb(const api::DeadlockEdge& in, pb::DeadlockEdge* out);
api::DeadlockEdge from_pb(const pb::DeadlockEdge& in);
void to_pb(const api::LockResult& in, pb::LockResult* out);
api::LockResult from_pb(const pb::LockResult& in);
void to_pb(const api::ObjectLockResult& in, pb::ObjectLockResult* out);
api::ObjectLockResult from_pb(const pb::ObjectLockResult& in);
void to_pb(const api::Blocker& in, pb::Blocker* out);
api::Blocker from_pb(const pb::Blocker& in);
void to_pb(const api::NodeWaits& in, pb::NodeWaits* out);
api::NodeWaits from_pb(const pb::NodeWaits& in);
void to_pb(const activity::SessionInfo& in, pb::Session* out);
activity::SessionInfo from_pb(const pb::Session& in);
void to_pb(const api::WaitOrder& in, pb::WaitOrder* out);
api::WaitOrder from_pb(const pb::WaitOrder& in);
// now: the sender's steady clock, to send how long a waiter has waited; the receiver rebuilds
// wait_start against its own clock.
void to_pb(const api::LockEntry& in, runtime::Clock::time_point now, pb::LockEntry* out);
api::LockEntry from_pb(const pb::LockEntry& in, runtime::Clock::time_point now);

// Requests with a wait: the deadline and observer become a WaitControl; the receiving side
// supplies its own token (always) and observer (used when the flag is on).
void to_pb(const api::LockRequest& in, runtime::Clock::time_point now, pb::LockRequest* out);
api::LockRequest from_pb(const pb::LockRequest& in, runtime::Clock::time_point now,
                         runtime::CancelToken* cancel, api::LockWaitObserver* observer);
void to_pb(const api::ObjectLockRequest& in, runtime::Clock::time_point now,
           pb::ObjectLockRequest* out);
api::ObjectLockRequest from_pb(const pb::ObjectLockRequest& in, runtime::Clock::time_point now,
                               runtime::CancelToken* cancel, api::LockWaitObserver* observer);

}  // namespace hf::partition_rpc
