// coord/autonomous_update.h — a change to one system row that does not roll back with the
// caller's transaction.
//
// What it owns: nothing; it is the one way the layers above write state that must outlive an
// abort of the transaction that needed it — a sequence's reserved range (PostgreSQL's nextval
// never rolls back), the lock service's fencing-token reservation (a token handed out inside
// a transaction that aborts is never handed out again). It runs the change in a transaction of
// its own: FOR UPDATE row lock on the row, the newest committed value, the new value, a synced
// commit. Concurrent callers on the same row therefore apply their changes one after another,
// each seeing the previous one.
//
// Thread safety: thread-safe. MAY SUSPEND (the row lock, the synced commit). Throws
// hf::SqlError 55006 ("could not lock <what>") when the row lock cannot be had (deadlock,
// cancel), after aborting its transaction.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "coord/transaction.h"

namespace hf::coord {

// change(newest value or nullopt) -> the value to store (nullopt deletes the row). Returns
// what was stored.
std::optional<std::string> update_row_autonomously(
    TxnManager& txns, KeySpace ks, const std::string& key, const std::string& what,
    const std::function<std::optional<std::string>(const std::optional<std::string>&)>& change);

}  // namespace hf::coord
