// partition/mvcc/store.cc — reads at a view, intents, resolution (see store.h).
#include "partition/mvcc/store.h"

#include "common/error.h"
#include "storage/keys.h"

namespace hf::mvcc {

namespace {
[[noreturn]] void corrupt(const std::string& rk) {
  throw SqlError(sqlstate::kInternalError,
                 "corrupt row record (" + std::to_string(rk.size()) + "-byte key)");
}
rocksdb::Slice slice(std::string_view s) {
  return {s.data(), s.size()};
}
}  // namespace

MvccStore::MvccStore(storage::Engine* engine, uint16_t partition, TxnId dead_below)
    : engine_(engine), partition_(partition), dead_below_(dead_below) {}

std::string MvccStore::row_key(const KeySpace& space, std::string_view key) const {
  return storage::row_key(partition_, space.table_id, space.index_id, key);
}

bool MvccStore::read_visible(const std::string& rk, std::string& buf, const ReadView& view,
                             RowVersion* out) {
  Record r;
  Visibility v;
  bool intent_dead = false;
  for (int attempt = 0;; ++attempt) {
    if (!decode_record(buf, &r)) corrupt(rk);
    v = visible(r, view, oracle_, dead_below_);
    if (!v.intent_reported_aborted || attempt == 1) break;
    // The oracle forgets a committed transaction only after its intents are resolved: if
    // the intent is still there on a second read, its transaction really is dead.
    TxnId was = r.intent_txn;
    if (!engine_->get(rk, &buf)) return false;
    Record again;
    if (!decode_record(buf, &again)) corrupt(rk);
    if (again.intent_txn == was) {
      r = std::move(again);
      v = visible(r, ReadView{view.read_ts, view.txn, view.cid}, nullptr, dead_below_);
      // nullptr oracle: the intent is skipped as not ours (view.txn != was here).
      intent_dead = true;
      break;
    }
  }
  if (view.serializable && ssi_sink_) report_skipped(r, v, view, intent_dead);
  if (v.kind == Visibility::kInvisible) return false;
  std::string hist;
  if (v.kind == Visibility::kHistory) {
    if (!engine_->get(storage::history_key(rk, v.ts), &hist)) return false;
    bool deleted = false;
    std::string_view value;
    if (!decode_history(hist, &deleted, &value)) corrupt(rk);
    if (deleted) return false;
    v.value = value;
  }
  out->key.assign(rk, storage::kKeySpacePrefixLen);
  out->value.assign(v.value.data(), v.value.size());
  out->newest = v.newest;
  out->visible_ts = v.kind == Visibility::kOwn ? 0 : v.ts;
  out->own_write = v.kind == Visibility::kOwn;
  return true;
}

void MvccStore::report_skipped(const Record& r, const Visibility& v, const ReadView& view,
                               bool intent_dead) {
  // Every write the snapshot cannot see is a rw-antidependency reader -> writer (SSI's
  // "conflict out"): a pending intent, or a version committed after the snapshot.
  if (r.has_intent() && r.intent_txn != view.txn && !intent_dead) {
    if (v.newest.commit_ts > r.newest().commit_ts) {
      if (v.newest.commit_ts > view.read_ts) {
        ssi_sink_->read_skipped_commit(view.txn, v.newest.commit_ts);
      }
    } else if (!v.intent_reported_aborted) {
      ssi_sink_->read_skipped_intent(view.txn, r.intent_txn);
    }
  }
  if (r.has_committed && r.commit_ts > view.read_ts) {
    ssi_sink_->read_skipped_commit(view.txn, r.commit_ts);
  }
  for (Timestamp h : r.history) {
    if (h <= view.read_ts) break;  // newest first
    ssi_sink_->read_skipped_commit(view.txn, h);
  }
}

std::optional<RowVersion> MvccStore::get(const KeySpace& space, const std::string& key,
                                         const ReadView& view) {
  std::string rk = row_key(space, key);
  std::string buf;
  if (!engine_->get(rk, &buf)) return std::nullopt;
  RowVersion row;
  if (!read_visible(rk, buf, view, &row)) return std::nullopt;
  return row;
}

namespace {
class StoreCursor final : public RowCursor {
 public:
  StoreCursor(MvccStore* store, std::unique_ptr<storage::Iter> it, const ReadView& view,
              bool reverse)
      : store_(store), it_(std::move(it)), view_(view), reverse_(reverse) {}

  std::optional<RowVersion> next() override {
    if (!started_) {
      started_ = true;
      if (reverse_) {
        it_->last();
      } else {
        it_->first();
      }
    } else if ((*it_)->Valid()) {
      advance();
    }
    while ((*it_)->Valid()) {
      auto k = (*it_)->key();
      auto val = (*it_)->value();
      rk_.assign(k.data(), k.size());
      buf_.assign(val.data(), val.size());
      RowVersion row;
      if (store_->read_visible(rk_, buf_, view_, &row)) return row;
      advance();
    }
    if (!(*it_)->status().ok()) {
      throw SqlError(sqlstate::kInternalError, "storage scan: " + (*it_)->status().ToString());
    }
    return std::nullopt;
  }

 private:
  void advance() {
    if (reverse_) {
      (*it_)->Prev();
    } else {
      (*it_)->Next();
    }
  }
  MvccStore* store_;
  std::unique_ptr<storage::Iter> it_;
  ReadView view_;
  bool reverse_;
  bool started_ = false;
  std::string rk_, buf_;
};
}  // namespace

std::unique_ptr<RowCursor> MvccStore::scan(const ScanRequest& req) {
  std::string prefix = storage::keyspace_prefix(storage::kRowPrefix, partition_, req.space.table_id,
                                                req.space.index_id);
  std::string lower = prefix + req.start;
  std::string upper = req.end.empty() ? storage::prefix_successor(prefix) : prefix + req.end;
  auto it = engine_->iterate(std::move(lower), std::move(upper), req.reverse);
  return std::make_unique<StoreCursor>(this, std::move(it), req.view, req.reverse);
}

LatestState MvccStore::latest(const KeySpace& space, const std::string& key) {
  LatestState st;
  std::string rk = row_key(space, key);
  std::string buf;
  if (!engine_->get(rk, &buf)) return st;
  Record r;
  if (!decode_record(buf, &r)) corrupt(rk);
  auto v = visible(r, ReadView{partition_api::kMaxTimestamp, 0, 0}, oracle_, dead_below_);
  st.newest = v.newest;
  if (v.kind == Visibility::kCommitted) st.value = std::string(v.value);
  if (r.has_intent() && !v.intent_reported_aborted && v.newest == r.newest()) {
    st.intent_txn = r.intent_txn;  // pending (a committed one is reported as newest)
  }
  return st;
}

void MvccStore::write_intent(TxnId txn, SubId sub, CommandId cid, const std::string& rk,
                             const std::optional<std::string>& value) {
  std::string buf;
  Record r;
  if (engine_->get(rk, &buf) && !decode_record(buf, &r)) corrupt(rk);
  if (r.has_intent() && r.intent_txn != txn) {
    // We hold the write lock, so the other writer is dead (aborted, or crashed before its
    // commit record). A committed one would still hold the lock until resolved.
    r.clear_intent();
  }
  push_intent(r, txn, sub, cid, !value.has_value(), value ? std::string_view(*value) : "");
  std::string out;
  encode_record(r, &out);
  engine_->put(rk, out, storage::Durability::kWal);
}

void MvccStore::resolve_commit(TxnId txn, Timestamp commit_ts, const std::vector<std::string>& rks,
                               rocksdb::WriteBatch& batch) {
  Timestamp h = horizon();
  std::string buf, out;
  for (const auto& rk : rks) {
    if (!engine_->get(rk, &buf)) continue;
    Record r;
    if (!decode_record(buf, &r)) corrupt(rk);
    if (!r.has_intent() || r.intent_txn != txn) continue;
    const IntentEntry top = r.entries.back();
    if (r.has_committed) {
      batch.Put(slice(storage::history_key(rk, r.commit_ts)),
                slice(encode_history(r.deleted, r.value)));
      r.history.insert(r.history.begin(), r.commit_ts);
    }
    // Keep every version newer than the horizon and the newest one at or below it; a
    // snapshot at or above the horizon never needs an older one.
    if (h != 0) {
      size_t keep = 0;
      while (keep < r.history.size() && r.history[keep] > h) ++keep;
      if (keep < r.history.size()) ++keep;
      for (size_t i = keep; i < r.history.size(); ++i) {
        batch.Delete(slice(storage::history_key(rk, r.history[i])));
      }
      r.history.resize(keep);
    }
    r.clear_intent();
    if (top.deleted && r.history.empty()) {
      batch.Delete(slice(rk));  // inserted and deleted, or nothing older anyone can see
      continue;
    }
    r.has_committed = true;
    r.commit_ts = commit_ts;
    r.deleted = top.deleted;
    r.value = top.deleted ? std::string_view() : top.value;
    encode_record(r, &out);
    batch.Put(slice(rk), slice(out));
  }
}

void MvccStore::resolve_abort(TxnId txn, const std::vector<std::string>& rks,
                              rocksdb::WriteBatch& batch) {
  std::string buf, out;
  for (const auto& rk : rks) {
    if (!engine_->get(rk, &buf)) continue;
    Record r;
    if (!decode_record(buf, &r)) corrupt(rk);
    if (!r.has_intent() || r.intent_txn != txn) continue;
    r.clear_intent();
    if (r.empty()) {
      batch.Delete(slice(rk));
    } else {
      encode_record(r, &out);
      batch.Put(slice(rk), slice(out));
    }
  }
}

void MvccStore::rollback(TxnId txn, SubId first, const std::vector<std::string>& rks) {
  rocksdb::WriteBatch batch;
  std::string buf, out;
  for (const auto& rk : rks) {
    if (!engine_->get(rk, &buf)) continue;
    Record r;
    if (!decode_record(buf, &r)) corrupt(rk);
    if (!r.has_intent() || r.intent_txn != txn) continue;
    if (!rollback_intent(r, first)) continue;
    if (r.empty()) {
      batch.Delete(slice(rk));
    } else {
      encode_record(r, &out);
      batch.Put(slice(rk), slice(out));
    }
  }
  if (batch.Count() > 0) engine_->write(batch, storage::Durability::kWal);
}

}  // namespace hf::mvcc
