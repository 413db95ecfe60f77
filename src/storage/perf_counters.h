// storage/perf_counters.h — RocksDB's per-thread perf counters (its perf context), which the
// library keeps on by default (kEnableCount): every point read then pays for about a hundred
// thread-local lookups in the shared library (~1,500 instructions, 3% of a prepared point
// select, bench/results/cpu-read-20261206T112801Z.txt). Nothing in the server reads them; the
// tests that count with them (engine_test, local_partition_test) turn them on themselves.
// Thread-local: affects the calling thread only. Never suspends.
#pragma once

namespace hf::storage {

// Turns RocksDB's perf counters off on the calling thread.
void disable_perf_counters_on_this_thread();

}  // namespace hf::storage
