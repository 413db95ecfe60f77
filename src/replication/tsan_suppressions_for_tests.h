// replication/tsan_suppressions_for_tests.h — the ThreadSanitizer suppressions of a test binary
// that runs ReplicaGroups (libuv loops). It DEFINES __tsan_default_suppressions: include it in
// exactly one source file of a test binary. Test code only.
//
// ThreadSanitizer checks file descriptors as memory: libuv's thread pool, which every loop
// in the process shares, opens libraft's segment files and may reuse the number of a
// socket another loop thread is just removing from its epoll set (epoll_ctl DEL). Both
// accesses are inside uninstrumented libuv, ordered by libuv itself; this layer never
// touches a descriptor. The same holds for RocksDB closing a directory descriptor on the
// test's thread (closedir, when a test opens an engine while loops run) whose number a loop
// thread had used for a socket or a segment file just before. Only reports with an
// epoll_ctl or closedir frame are suppressed.
#pragma once

#if defined(HF_TSAN)
extern "C" const char* __tsan_default_suppressions() {
  return "race:epoll_ctl\n"
         "race:closedir\n";
}
#endif
