// tests/fuzz/fuzz_env.h — the in-process server the fuzz targets run their inputs against.
//
// Owns, once per process: a one-thread runtime, a local node (RocksDB partitions) in a
// private temporary directory ($TMPDIR/hf-fuzz-PID), the transaction manager, the catalog,
// the SQL engine, the session services and a wire server listening on an ephemeral loopback
// port. It is made on first use and torn down at exit() (libFuzzer exits from inside its
// loop; the replay program after the last file), which also removes the directory.
//
// Promises: run_in_fiber() runs a function in a fiber of the runtime and waits for it;
// reset() drops every table and sequence the previous input created, so each input starts
// from an empty database (the same way in a campaign and in the replay under ctest, which
// keeps crash inputs reproducible).
//
// Thread safety: used from the fuzzer's thread only. run_in_fiber() blocks that thread while
// the fiber runs (the fiber MAY SUSPEND; the runtime thread resumes it). Test-only code.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "session/services.h"

namespace hf::fuzz {

class FuzzEnv {
 public:
  static FuzzEnv& instance();

  // Runs fn inside a fiber on the runtime and waits for it. An exception from fn is
  // rethrown here.
  void run_in_fiber(const std::function<void()>& fn);
  // Drops every table and sequence (the catalog is left as a fresh server's).
  void reset();
  session::Services& services();
  uint16_t port() const;

  ~FuzzEnv();
  struct Impl;

 private:
  FuzzEnv();
  std::unique_ptr<Impl> impl_;
};

}  // namespace hf::fuzz
