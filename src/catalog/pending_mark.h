// catalog/pending_mark.h — an uncommitted creation's mark in its stored definition row
// ("pending": the creating transaction and node; see "Uncommitted creations" in catalog.h).
// Shared by catalog.cc (tables, sequences, schemas) and enums.cc / domains.cc (types);
// viewer_key by functions.cc.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

namespace hf::catalog {

// The calling fiber, or on a plain thread (tests, tools) the thread: the key of Catalog's
// viewers_ (which transaction's uncommitted DDL it sees). Shared with functions.cc.
const void* viewer_key();

// j with the mark of creator c (nothing when c is empty: a committed object).
template <typename Creator>
nlohmann::json with_mark(nlohmann::json j, const std::optional<Creator>& c) {
  if (c) j["pending"] = {{"txn", c->txn}, {"node", c->node}};
  return j;
}

// Notes j's mark, if it has one, as the creator of oid in `pending`.
template <typename Creator>
void note_mark(const nlohmann::json& j, uint32_t oid, std::map<uint32_t, Creator>& pending) {
  if (auto it = j.find("pending"); it != j.end())
    pending[oid] =
        Creator{it->at("txn").template get<uint64_t>(), it->at("node").template get<uint32_t>()};
}

}  // namespace hf::catalog
