// sql/types/row_codec.h — compact row value encoding for storage.
//
// Owns: the stored byte format of a row's column values (a column count, a null bitmap, then
// each non-null value in a compact per-type form). Promises: pure, thread-safe, never suspends.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/datum.h"

namespace hf::sql::types {

std::string encode_row(const Row& row, const std::vector<TypeRef>& types);
// A stored row with fewer columns than types (ADD COLUMN later) yields NULLs for the missing
// trailing columns (the caller may fill a default). `types` must describe every stored column
// (keep dropped columns' types); throws XX000 on corrupt input or a row wider than `types`.
Row decode_row(std::string_view bytes, const std::vector<TypeRef>& types);
// The same encoding made self-describing, for rows that live only in a temporary file
// (external sort runs): each value carries its in-memory kind, so any Datum, whatever the
// plan says its type is, reads back exactly as it was written (float4 keeps its double).
std::string encode_spill_row(const Row& row);
Row decode_spill_row(std::string_view bytes);
// Number of columns stored in an encoded row.
size_t stored_column_count(std::string_view bytes);

}  // namespace hf::sql::types
