// storage/keys.h — every RocksDB key prefix holdfast writes, in one place (on-disk format;
// doc/storage-format.md explains each).
//
//   'r' row record   ['r'][partition u16][table u32][index u32][key bytes]
//                    → mvcc::Record (newest committed version + optional intent)
//   'h' history      ['h'][partition u16][table u32][index u32][key bytes][~commit_ts u64]
//                    → older committed versions, newest first per key
//   't' commit rec.  ['t'][partition u16][txn u64] → committed transaction's participants and
//                    keys; the partition is the transaction's anchor, which writes and deletes
//                    it, so it lies in that partition's range like its rows
//   'm' meta         ['m'][name]     → node metadata (boot epoch, partition count, format)
//   'l' load marker  ['l'][partition u16][table u32][index u32] → txn u64: a transaction
//                    bulk-loaded rows of that keyspace here and has not committed (deleted
//                    atomically with its commit point; recovery deletes the rows of any left)
// All integers are big-endian so that byte order is numeric order. Pure functions,
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hf::storage {

inline constexpr char kRowPrefix = 'r';
inline constexpr char kHistoryPrefix = 'h';
inline constexpr char kCommitRecordPrefix = 't';
inline constexpr char kMetaPrefix = 'm';
inline constexpr char kLoadMarkerPrefix = 'l';

// Length of [prefix][partition][table][index]: the prefix bloom filters' unit.
inline constexpr size_t kKeySpacePrefixLen = 1 + 2 + 4 + 4;
// Length of a commit record's key: [prefix][partition][txn].
inline constexpr size_t kCommitRecordKeyLen = 1 + 2 + 8;

// The storage format this build writes (meta key `format`, u32), checked at open
// (partition/local_node.cc). 1: no `format` key, commit records ['t'][txn] (node-wide); a
// format-1 folder is converted at open. 2: commit records ['t'][partition][txn].
inline constexpr uint32_t kStorageFormat = 2;

inline void put_u16(std::string& s, uint16_t v) {
  s.push_back(static_cast<char>(v >> 8));
  s.push_back(static_cast<char>(v));
}
inline void put_u32(std::string& s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>(v >> (8 * i)));
}
inline void put_u64(std::string& s, uint64_t v) {
  for (int i = 7; i >= 0; --i) s.push_back(static_cast<char>(v >> (8 * i)));
}
inline uint64_t get_u64(std::string_view s, size_t at = 0) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}
inline uint32_t get_u32(std::string_view s, size_t at = 0) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}
inline uint16_t get_u16(std::string_view s, size_t at = 0) {
  return static_cast<uint16_t>((static_cast<unsigned char>(s[at]) << 8) |
                               static_cast<unsigned char>(s[at + 1]));
}

// [prefix][partition][table][index]
inline std::string keyspace_prefix(char prefix, uint16_t partition, uint32_t table,
                                   uint32_t index) {
  std::string s;
  s.reserve(kKeySpacePrefixLen + 32);
  s.push_back(prefix);
  put_u16(s, partition);
  put_u32(s, table);
  put_u32(s, index);
  return s;
}

inline std::string row_key(uint16_t partition, uint32_t table, uint32_t index,
                           std::string_view key) {
  std::string s = keyspace_prefix(kRowPrefix, partition, table, index);
  s.append(key);
  return s;
}

// History keys sort newest first per key: ~commit_ts. REQUIRES: the row key `rk` is the
// 'r' key of the same row (its prefix byte is swapped).
inline std::string history_key(std::string_view rk, uint64_t commit_ts) {
  std::string s(rk);
  s[0] = kHistoryPrefix;
  put_u64(s, ~commit_ts);
  return s;
}

// The commit record of txn, held by its anchor partition.
inline std::string commit_record_key(uint16_t partition, uint64_t txn) {
  std::string s;
  s.reserve(kCommitRecordKeyLen);
  s.push_back(kCommitRecordPrefix);
  put_u16(s, partition);
  put_u64(s, txn);
  return s;
}

// [prefix][partition]: every key of that keyspace kind in the partition.
inline std::string partition_prefix(char prefix, uint16_t partition) {
  std::string s(1, prefix);
  put_u16(s, partition);
  return s;
}

// The partition whose range holds `key`: the partition id of a row record, history version,
// load marker or commit record; none for node metadata (and anything unknown).
inline std::optional<uint16_t> partition_of_key(std::string_view key) {
  if (key.size() < 3) return std::nullopt;
  switch (key[0]) {
    case kRowPrefix:
    case kHistoryPrefix:
    case kLoadMarkerPrefix:
    case kCommitRecordPrefix:
      return get_u16(key, 1);
    default:
      return std::nullopt;
  }
}

inline std::string meta_key(std::string_view name) {
  std::string s(1, kMetaPrefix);
  s.append(name);
  return s;
}

// The smallest key greater than every key starting with p ("" if none: p is all 0xff).
inline std::string prefix_successor(std::string p) {
  while (!p.empty()) {
    auto c = static_cast<unsigned char>(p.back());
    if (c != 0xff) {
      p.back() = static_cast<char>(c + 1);
      return p;
    }
    p.pop_back();
  }
  return p;
}

}  // namespace hf::storage
