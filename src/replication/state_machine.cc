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

constexpr size_t kWord = 8;

[[noreturn]] void fatal(const char* what, LogIndex index, const char* detail) {
  std::fprintf(stderr, "replication: fatal: %s at index %llu: %s\n", what,
               static_cast<unsigned long long>(index), detail);
  std::abort();
}

void put_u64(std::uint64_t n, unsigned char* out) {
  for (size_t i = 0; i < kWord; ++i) out[i] = static_cast<unsigned char>(n >> (8 * i));
}

std::uint64_t get_u64(const unsigned char* in) {
  std::uint64_t n = 0;
  for (size_t i = 0; i < kWord; ++i) n |= static_cast<std::uint64_t>(in[i]) << (8 * i);
  return n;
}

// [length][bytes][zeros up to a multiple of 8], after `header_words` words the caller fills;
// raft_malloc'd (nullptr base when out of memory).
raft_buffer frame(std::string_view bytes, size_t header_words) {
  const size_t head = (header_words + 1) * kWord;
  const size_t len = head + (bytes.size() + kWord - 1) / kWord * kWord;
  raft_buffer buf{raft_malloc(len), len};
  if (buf.base == nullptr) return buf;
  auto* out = static_cast<unsigned char*>(buf.base);
  std::memset(out, 0, len);
  put_u64(bytes.size(), out + header_words * kWord);
  if (!bytes.empty()) std::memcpy(out + head, bytes.data(), bytes.size());
  return buf;
}

// The bytes frame() wrapped, or false if `buf` is not such a frame.
bool unframe(const raft_buffer& buf, size_t header_words, std::string_view* bytes) {
  const size_t head = (header_words + 1) * kWord;
  if (buf.len < head) return false;
  const auto* in = static_cast<const unsigned char*>(buf.base);
  const std::uint64_t len = get_u64(in + header_words * kWord);
  if (len > buf.len - head) return false;
  *bytes = std::string_view(reinterpret_cast<const char*>(in) + head, len);
  return true;
}

}  // namespace

raft_buffer FsmAdapter::encode_entry(std::string_view entry) {
  return frame(entry, 0);
}

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
  std::string_view entry;
  if (!unframe(*buf, 0, &entry)) fatal("apply", index, "the entry is not framed by encode_entry");
  try {
    self->machine_.apply(index, entry);
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
  // [index][length][state][padding]: the index tells restore() where the snapshot stands.
  auto* array = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
  raft_buffer framed = frame(state, 1);
  if (array == nullptr || framed.base == nullptr) {
    raft_free(array);
    raft_free(framed.base);
    return RAFT_NOMEM;
  }
  put_u64(self->last_index_, static_cast<unsigned char*>(framed.base));
  array[0] = framed;
  *bufs = array;
  *n_bufs = 1;
  return 0;
}

int FsmAdapter::restore_callback(raft_fsm* fsm, raft_buffer* buf) {
  auto* self = static_cast<FsmAdapter*>(fsm->data);
  std::string_view state;
  if (!unframe(*buf, 1, &state)) return RAFT_MALFORMED;  // libraft keeps ownership
  const LogIndex index = get_u64(static_cast<const unsigned char*>(buf->base));
  try {
    self->machine_.restore(index, state);
  } catch (const std::exception& e) {
    fatal("StateMachine::restore threw", index, e.what());
  }
  self->last_index_ = index;
  raft_free(buf->base);  // on success the buffer is ours (snapshotRestore does not free it)
  return 0;
}

}  // namespace hf::replication
