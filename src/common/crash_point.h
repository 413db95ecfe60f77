// common/crash_point.h — named places where a test may kill the server, as kill -9 would.
//
// Owns nothing but the check. crash_point("name") kills the process with SIGKILL when the
// environment variable HF_CRASH_POINT is "name" (at its first pass) or "name:N" (at its N-th),
// so a crash test can stop the server between two steps that no timing could separate reliably
// (tests/e2e/ddl_crash.sh). Unset, a call costs one load and one compare of a cached pointer.
// Thread-safe.
#pragma once

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>

namespace hf {

inline void crash_point(const char* name) {
  static const char* const wanted = std::getenv("HF_CRASH_POINT");
  if (wanted == nullptr) return;
  const size_t n = std::strlen(name);
  if (std::strncmp(wanted, name, n) != 0 || (wanted[n] != '\0' && wanted[n] != ':')) return;
  static std::atomic<long> passes{0};
  const long at = wanted[n] == ':' ? std::strtol(wanted + n + 1, nullptr, 10) : 1;
  if (passes.fetch_add(1) + 1 == at) std::raise(SIGKILL);
}

}  // namespace hf
