// sql/types/key_codec.h — order-preserving key encoding for indexes and primary keys.
//
// Owns: a byte encoding where memcmp order == compare() order, column by column, with
// per-column DESC and NULLS FIRST/LAST. Self-delimiting, so composite keys concatenate.
// Numeric keys are normalised (1.0 and 1.00 encode equal); decode returns the normalised value.
// Promises: pure, thread-safe, never suspends.
#pragma once

#include <string>
#include <string_view>

#include "common/datum.h"

namespace hf::sql::types {

void encode_key(std::string& out, const Datum& d, Oid type, bool descending = false,
                bool nulls_first = false);
Datum decode_key(std::string_view& in, Oid type, bool descending = false);  // consumes from in
// Smallest string greater than all strings with this prefix ("" if none).
std::string prefix_successor(std::string_view key);

}  // namespace hf::sql::types
