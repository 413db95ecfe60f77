// storage/zero_filled_wal.h — WAL files written into zeros already on disk, so that a commit's
// fdatasync writes only the commit's bytes.
//
// Why: fdatasync must also write the file's metadata when an append grew the file or filled
// blocks that were never written (a new block, or one fallocate() left "unwritten"): on ext4
// that is a second synchronous I/O per commit, measured here at ~160 µs a sync against ~110 µs
// for appends into written zeros. PostgreSQL avoids it by zero-filling each 16 MB WAL segment
// before use; RocksDB's own answer (recycle_log_file_num) is switched off by its sanitizer
// under the default kPointInTimeRecovery, so holdfast does what PostgreSQL does.
//
// What it owns: an Env wrapper whose WAL files (names ending ".log") are zero-filled on disk
// ahead of the writer, kChunk at a time: at creation, and again when an append would run
// past the zeros (then, like a PostgreSQL backend initialising a segment, the append waits for
// the chunk to be written and synced — once per kChunk of WAL).
//
// Its promises:
//   Z1. The bytes RocksDB appends are written where they would be without the wrapper (the
//       file's own descriptor, from offset 0); the zeros go only beyond every byte appended
//       so far, through a second descriptor, and are synced before any append lands in them.
//   Z2. The file's recovery meaning is unchanged: RocksDB's log format reserves record type 0
//       for preallocated regions and its reader skips zero blocks without reporting a
//       corruption, so a crash image — synced records, then zeros — replays every synced
//       record (engine_test: ZeroFilledWalTailRecovers). A closed WAL is cut back to its
//       length by RocksDB's own Close() (ftruncate to the bytes written, as after fallocate).
//   Z3. A failure to zero-fill is not an error: the append goes ahead into a growing file, as
//       without the wrapper (only slower to sync).
// Thread safety: as the wrapped Env and files (RocksDB appends to a WAL from one thread at a
// time).
#pragma once

#include <memory>

#include <rocksdb/env.h>

namespace hf::storage {

// An Env over `base` (not owned; must outlive it) whose WAL files are zero-filled ahead.
std::unique_ptr<rocksdb::Env> make_zero_filled_wal_env(rocksdb::Env* base);

}  // namespace hf::storage
