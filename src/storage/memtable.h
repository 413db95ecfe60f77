// storage/memtable.h — the memtable representation: where RocksDB keeps writes not yet flushed.
//
// Why our own: the Debian librocksdb (7.8.3) is built with assertions on, and its skip list
// (InlineSkipList) asserts the order of its neighbours at every step of every search and at
// every level of every insert, each a call through MemTable::KeyComparator, the user
// comparator's virtual Compare and a thread-local perf check. A queue claim paid ~47 key
// comparisons per memtable insert, ~9k instructions, a third of its instructions
// (bench/queue_callgrind.sh). This is a plain skip list (one writer, any number of readers)
// whose key comparison is inlined: it knows the key format (a varint32-prefixed internal key:
// user key, then an 8-byte little-endian (sequence << 8 | type) trailer; user keys in byte
// order, equal user keys newest first — RocksDB's InternalKeyComparator over the bytewise
// comparator, which is the only comparator holdfast opens a database with).
//
// Promises: the MemTableRep contract for a single writer (RocksDB serializes memtable inserts
// when allow_concurrent_memtable_write is off, which the factory requires by answering
// IsInsertConcurrentlySupported() false): readers (Get, iterators) run concurrently with the
// insert; a node is fully written before it is published with a release store, readers load
// links with acquire. Nodes live in the memtable's arena (freed with the memtable). A duplicate
// internal key (same user key and sequence) is refused (InsertKey returns false).
// REQUIRES: the database's comparator is rocksdb::BytewiseComparator() and it stores no
// user-defined timestamps.
#pragma once

#include <cstddef>

#include <rocksdb/memtablerep.h>

namespace rocksdb {
// The arena interface a memtable representation allocates from: RocksDB's memory/allocator.h,
// which the library does not install. Declared exactly as the library defines it, so that calls
// go through its vtable (7.8.3: ~Allocator twice, Allocate, AllocateAligned, BlockSize; Arena and
// ConcurrentArena derive from it alone, so their pointers are Allocator pointers). Tests
// implement it to drive the memtable directly.
class Allocator {
 public:
  virtual ~Allocator() {}
  virtual char* Allocate(size_t bytes) = 0;
  virtual char* AllocateAligned(size_t bytes, size_t huge_page_size = 0,
                                Logger* logger = nullptr) = 0;
  virtual size_t BlockSize() const = 0;
};
}  // namespace rocksdb

namespace hf::storage {

// A new factory of the memtable above (the caller owns it; Options keeps it in a shared_ptr).
rocksdb::MemTableRepFactory* new_bytewise_skiplist_factory();

}  // namespace hf::storage
