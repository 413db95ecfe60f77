// coord/autonomous_update.cc — see autonomous_update.h.
#include "coord/autonomous_update.h"

#include "common/error.h"

namespace hf::coord {

std::optional<std::string> update_row_autonomously(
    TxnManager& txns, KeySpace ks, const std::string& key, const std::string& what,
    const std::function<std::optional<std::string>(const std::optional<std::string>&)>& change) {
  auto txn = txns.begin({});
  txn->start_statement();
  auto r = txn->lock(ks, key, key, LockStrength::kUpdate, LockWait{}, std::nullopt);
  if (r.outcome != LockOutcome::kGranted && r.outcome != LockOutcome::kVersionMismatch) {
    txn->abort();
    throw SqlError(sqlstate::kObjectInUse, "could not lock " + what);
  }
  auto value = change(txn->latest(ks, key, key).value);
  txn->write(ks, key, key, value);
  txn->commit();
  return value;
}

}  // namespace hf::coord
