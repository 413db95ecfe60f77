// replication/recording_machine_for_tests.h — a StateMachine for the replication tests: it
// records every applied entry with its index, so tests can compare replicas' histories
// entry by entry. Its snapshot is the whole history, so a restored replica's history
// still starts at the first entry. Thread-safe (a mutex): the uv tests read it from the
// test thread while the loop thread applies. Never suspends.
#pragma once

#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "replication/state_machine.h"

namespace hf::replication {

class RecordingMachine : public StateMachine {
 public:
  void apply(LogIndex index, std::string_view entry) override {
    std::lock_guard lock(mu_);
    history_.emplace_back(index, std::string(entry));
  }

  std::string snapshot() override {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto& [index, bytes] : history_) {
      append_number(out, index);
      append_number(out, bytes.size());
      out += bytes;
    }
    return out;
  }

  void restore(LogIndex index, std::string_view snapshot) override {
    std::lock_guard lock(mu_);
    history_.clear();
    size_t at = 0;
    while (at < snapshot.size()) {
      const LogIndex entry_index = read_number(snapshot, at);
      const size_t len = read_number(snapshot, at);
      if (at + len > snapshot.size()) throw std::runtime_error("truncated snapshot");
      history_.emplace_back(entry_index, std::string(snapshot.substr(at, len)));
      at += len;
    }
    ++restores_;
    restored_index_ = index;
  }

  // The applied entries' bytes, in apply order.
  std::vector<std::string> values() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& entry : history_) out.push_back(entry.second);
    return out;
  }
  std::vector<std::pair<LogIndex, std::string>> history() const {
    std::lock_guard lock(mu_);
    return history_;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return history_.size();
  }
  int restores() const {
    std::lock_guard lock(mu_);
    return restores_;
  }
  LogIndex restored_index() const {
    std::lock_guard lock(mu_);
    return restored_index_;
  }

 private:
  static void append_number(std::string& out, uint64_t n) {
    char bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(n >> (8 * i));
    out.append(bytes, 8);
  }
  static uint64_t read_number(std::string_view in, size_t& at) {
    if (at + 8 > in.size()) throw std::runtime_error("truncated snapshot");
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i)
      n |= static_cast<uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
    at += 8;
    return n;
  }

  mutable std::mutex mu_;
  std::vector<std::pair<LogIndex, std::string>> history_;
  int restores_ = 0;
  LogIndex restored_index_ = 0;
};

}  // namespace hf::replication
