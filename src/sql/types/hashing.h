// sql/types/hashing.h — PostgreSQL's 64-bit seeded hash of a value (its "extended" hash
// support functions), bit for bit.
//
// Owns: Bob Jenkins' lookup3 hash as PostgreSQL's src/common/hashfn.c applies it
// (hash_bytes_extended, hash_bytes_uint32_extended), each type's extended hash function
// (hashint4extended, hashtextextended, uuid_hash_extended, ...) and the combination PostgreSQL
// uses to place a row in a hash partition (compute_partition_hash_value).
//
// Promises: for the types hash_value_extended accepts, the result is the one PostgreSQL 15
// computes on a little-endian machine, so a row lands in the hash partition PostgreSQL would
// put it in and the SQL-callable hash functions print PostgreSQL's numbers. Equal values of
// one type hash equally (int2/int4/int8 alike, as PostgreSQL's integer_ops family; bpchar
// without its trailing blanks; float +0 and -0, and every NaN; numeric whatever its scale).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/datum.h"

namespace hf::sql::types {

// hash_bytes_extended: `len` bytes with a 64-bit seed (0: unseeded).
uint64_t hash_bytes_extended(const uint8_t* bytes, size_t len, uint64_t seed);
// hash_bytes_uint32_extended: one 32-bit value, as hash_bytes_extended of its 4 bytes.
uint64_t hash_uint32_extended(uint32_t value, uint64_t seed);

// Whether values of `type` have an extended hash function here (the hash-partitionable
// types): bool, "char", int2/int4/int8, oid, date, time, timestamp[tz], float4/float8,
// text, varchar, bpchar, name, bytea, uuid, numeric.
bool has_extended_hash(Oid type);

// The type's extended hash function applied to a non-NULL value. REQUIRES:
// has_extended_hash(type.oid), !value.is_null().
uint64_t hash_value_extended(const Datum& value, const TypeRef& type, uint64_t seed);

// PostgreSQL's HASH_PARTITION_SEED and compute_partition_hash_value: the key columns' hashes
// combined in key order, NULLs skipped. The row belongs to the partition whose remainder is
// this value modulo its modulus.
inline constexpr uint64_t kHashPartitionSeed = 0x7A5B22367996DCFDull;
uint64_t partition_hash(const std::vector<Datum>& key, const std::vector<TypeRef>& types);

}  // namespace hf::sql::types
