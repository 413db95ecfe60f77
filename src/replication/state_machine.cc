// replication/state_machine.cc — raft_fsm callbacks onto a StateMachine (contract in the
// header). libraft 0.15, raft_fsm version 1: snapshot buffers are allocated with
// raft_malloc and freed by libraft; a restored buffer becomes ours on success.
#include "replication/state_machine.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

namespace hf::replication {

namespace {

constexpr size_t kIndexPrefixBytes = 8;

[[noreturn]] void fatal(const char* what, LogIndex index, const char* detail) {
  std::fprintf(stderr, "replication: fatal: %s at index %llu: %s\n", what,
               static_cast<unsigned long long>(index), detail);
  std::abort();
}

void encode_index(LogIndex index, unsigned char* out) {
  for (size_t i = 0; i < kIndexPrefixBytes; ++i)
    out[i] = static_cast<unsigned char>(index >> (8 * i));
}

LogIndex decode_index(const unsigned char* in) {
  LogIndex index = 0;
  for (size_t i = 0; i < kIndexPrefixBytes; ++i) index |= static_cast<LogIndex>(in[i]) << (8 * i);
  return index;
}

}  // namespace

FsmAdapter::FsmAdapter(StateMachine& machine) : machine_(machine) {
  fsm_.version = 1;
  fsm_.data = this;
  fsm_.apply = &FsmAdapter::apply_callback;
  fsm_.snapshot = &FsmAdapter::snapshot_callback;
  fsm_.restore = &FsmAdapter::restore_callback;
}

int FsmAdapter::apply_callback(raft_fsm* fsm, const raft_buffer* buf, void** result) {
  auto* self = static_cast<FsmAdapter*>(fsm->data);
  if (self->raft_ == nullptr) fatal("apply", 0, "FsmAdapter::bind was not called");
  // replicationApply sets last_applied only after this callback returns.
  const LogIndex index = self->raft_->last_applied + 1;
  if (index <= self->last_index_) fatal("apply out of order", index, "index did not increase");
  try {
    self->machine_.apply(index, std::string_view(static_cast<const char*>(buf->base), buf->len));
  } catch (const std::exception& e) {
    fatal("StateMachine::apply threw", index, e.what());
  } catch (...) {
    fatal("StateMachine::apply threw", index, "unknown exception");
  }
  self->last_index_ = index;
  *result = nullptr;
  return 0;
}

int FsmAdapter::snapshot_callback(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n_bufs) {
  auto* self = static_cast<FsmAdapter*>(fsm->data);
  std::string state;
  try {
    state = self->machine_.snapshot();
  } catch (const std::exception& e) {
    // A failed snapshot is not fatal: libraft keeps the log and tries again later.
    std::fprintf(stderr, "replication: snapshot failed at index %llu: %s\n",
                 static_cast<unsigned long long>(self->last_index_), e.what());
    return RAFT_IOERR;
  }
  auto* array = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
  auto* bytes = static_cast<unsigned char*>(raft_malloc(kIndexPrefixBytes + state.size()));
  if (array == nullptr || bytes == nullptr) {
    raft_free(array);
    raft_free(bytes);
    return RAFT_NOMEM;
  }
  encode_index(self->last_index_, bytes);
  if (!state.empty()) std::memcpy(bytes + kIndexPrefixBytes, state.data(), state.size());
  array[0].base = bytes;
  array[0].len = kIndexPrefixBytes + state.size();
  *bufs = array;
  *n_bufs = 1;
  return 0;
}

int FsmAdapter::restore_callback(raft_fsm* fsm, raft_buffer* buf) {
  auto* self = static_cast<FsmAdapter*>(fsm->data);
  if (buf->len < kIndexPrefixBytes) return RAFT_MALFORMED;  // libraft keeps ownership
  const auto* bytes = static_cast<const unsigned char*>(buf->base);
  const LogIndex index = decode_index(bytes);
  try {
    self->machine_.restore(
        index, std::string_view(reinterpret_cast<const char*>(bytes) + kIndexPrefixBytes,
                                buf->len - kIndexPrefixBytes));
  } catch (const std::exception& e) {
    fatal("StateMachine::restore threw", index, e.what());
  }
  self->last_index_ = index;
  raft_free(buf->base);  // on success the buffer is ours (snapshotRestore does not free it)
  return 0;
}

}  // namespace hf::replication
