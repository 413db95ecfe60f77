// catalog/kept_aside.cc — what KeptAside asks of the catalog (see kept_aside.h).
#include "catalog/kept_aside.h"

#include "catalog/catalog.h"
#include "catalog/pending_mark.h"

namespace hf::catalog {

void write_own_row(coord::Transaction& owner, uint32_t space, const std::string& key,
                   const std::optional<std::string>& value) {
  const coord::KeySpace ks{space, 0};
  auto r = owner.lock_outcome(ks, key, key, coord::LockWait{});
  if (r.outcome != coord::LockOutcome::kGranted)
    throw SqlError(sqlstate::kObjectInUse, "could not lock a catalog row");
  owner.write(ks, key, key, value);
}

void KeptAsideBase::note_viewer(uint64_t txn) {
  std::lock_guard vl(catalog_.viewers_mu_);
  catalog_.viewers_[viewer_key()] = txn;
}

void KeptAsideBase::bump_version() {
  catalog_.bump();
}

void KeptAsideBase::settled(uint64_t txn, bool gone, bool committed) {
  if (gone) {
    std::unique_lock lk(catalog_.mu_);
    catalog_.forget_viewer_locked(txn);
  }
  if (committed) catalog_.announce_change();  // other coordinators read the committed row
  catalog_.bump();
  catalog_.wake_settled();
}

std::optional<uint64_t> KeptAsideBase::viewer() const {
  return catalog_.viewer();
}

}  // namespace hf::catalog
