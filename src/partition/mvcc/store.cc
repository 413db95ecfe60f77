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

bool prunable(const Record& r, Timestamp h, TxnId dead_below) {
  bool live_intent = r.has_intent() && r.intent_txn >= dead_below;
  return r.has_committed && r.deleted && r.commit_ts <= h && !live_intent;
}

namespace {
std::atomic<uint64_t> store_instances{0};
// The last few records this thread's get() read (MvccStore::remember_read, store.h).
struct RecentRead {
  uint64_t store = 0;  // MvccStore::instance_ (0: empty)
  TxnId txn = 0;
  Timestamp read_ts = 0;
  std::string rk, bytes;
};
constexpr size_t kRecentReads = 4;
// Larger records are read again instead (a thread keeps the memory of what it remembered).
constexpr size_t kRecentReadMaxBytes = 16 << 10;
thread_local std::array<RecentRead, kRecentReads> recent_reads;
thread_local size_t recent_next = 0;
}  // namespace

MvccStore::MvccStore(storage::Engine* engine, uint16_t partition, TxnId dead_below)
    : instance_(++store_instances),
      engine_(engine),
      partition_(partition),
      dead_below_(dead_below) {}

MvccStore::~MvccStore() {
  for (auto& [txn, tb] : buffers_) close_writer(tb);
}

void MvccStore::close_writer(TxnBuffer& tb) {
  if (!tb.writer_open) return;
  tb.writer_open = false;
  engine_->writer_closed();
}

void MvccStore::remember_read(TxnId txn, Timestamp read_ts, const std::string& rk,
                              const std::string& bytes) {
  if (txn == 0 || read_ts == 0 || read_ts == partition_api::kMaxTimestamp ||
      bytes.size() > kRecentReadMaxBytes)
    return;
  RecentRead& r = recent_reads[recent_next];
  recent_next = (recent_next + 1) % kRecentReads;
  r.store = instance_;
  r.txn = txn;
  r.read_ts = read_ts;
  r.rk.assign(rk);
  r.bytes.assign(bytes);
}

bool MvccStore::read_record_for_write(TxnId txn, const std::string& rk, std::string* out) {
  for (RecentRead& r : recent_reads) {
    if (r.store != instance_ || r.txn != txn || r.rk != rk) continue;
    r.store = 0;  // taken (or found stale): never used twice
    if (rk.size() < storage::kKeySpacePrefixLen || rk[0] != storage::kRowPrefix) return false;
    // Under the write lock: nothing of the key's slot resolved above the read's snapshot.
    if (key_resolved_at(rk) > r.read_ts) return false;
    Record rec;
    if (!decode_record(r.bytes, &rec) || rec.has_intent() || !rec.has_committed || rec.deleted)
      return false;
    *out = std::move(r.bytes);
    return true;
  }
  return false;
}

bool MvccStore::recall_read(const ReadView& view, const std::string& rk, std::string* out) {
  if (view.serializable || view.txn == 0 || view.read_ts == 0 ||
      view.read_ts == partition_api::kMaxTimestamp)
    return false;
  for (const RecentRead& r : recent_reads) {
    if (r.store != instance_ || r.txn != view.txn || r.read_ts != view.read_ts || r.rk != rk)
      continue;
    // None of the transaction's intents is in storage here (its buffer holds them all): the
    // stored record cannot hold one the remembered bytes lack.
    TxnBuffer* tb = buffer(view.txn, false);
    if (tb && (tb->unbuffered || tb->spilled || tb->flushed)) return false;
    *out = r.bytes;
    return true;
  }
  return false;
}

std::string MvccStore::row_key(const KeySpace& space, std::string_view key) const {
  return storage::row_key(partition_, space.table_id, space.index_id, key);
}

bool MvccStore::read_visible(const std::string& rk, std::string& buf, const ReadView& view,
                             RowVersion* out, Timestamp* dead_ts, const OwnedIntent* own,
                             bool exists, bool* settled, Timestamp* settled_ts) {
  if (dead_ts) *dead_ts = 0;
  Record r;
  Visibility v;
  bool intent_dead = false;
  for (int attempt = 0;; ++attempt) {
    if (!exists) {
      r = Record{};
    } else if (!decode_record(buf, &r)) {
      corrupt(rk);
    }
    // The view's own buffered intent is the record's intent (store.h, write buffer).
    if (own) attach_intent(r, view.txn, *own);
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
  if (view.serializable && ssi_sink_) report_skipped(rk, r, v, view, intent_dead);
  if (settled) {
    const bool live_intent = r.has_intent() && !intent_dead && r.intent_txn >= dead_below_;
    const Timestamp newest = r.has_committed ? r.commit_ts : 0;
    *settled = !live_intent && newest <= view.read_ts;
    if (settled_ts) *settled_ts = newest;
  }
  if (v.kind == Visibility::kInvisible) {
    // Cheap here (the record is decoded): a candidate for pruning, if the view is at or
    // above the deletion. The prune sink re-checks against the GC horizon.
    if (dead_ts && prunable(r, view.read_ts, dead_below_)) *dead_ts = r.commit_ts;
    return false;
  }
  std::string hist;
  if (v.kind == Visibility::kHistoryOlder) {
    bool found = false;
    scan_history(rk, v.ts, r.history_floor, [&](Timestamp ts, std::string_view value) {
      found = true;
      v.ts = ts;
      hist.assign(value.data(), value.size());
      return false;
    });
    if (!found) return false;  // the row did not exist then
  } else if (v.kind == Visibility::kHistory) {
    if (!engine_->get(storage::history_key(rk, v.ts), &hist)) return false;
  }
  if (v.kind == Visibility::kHistory || v.kind == Visibility::kHistoryOlder) {
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

void MvccStore::scan_history(const std::string& rk, Timestamp at_most, Timestamp at_least,
                             const std::function<bool(Timestamp, std::string_view)>& fn) {
  if (at_most < at_least) return;
  std::string lower = storage::history_key(rk, at_most);
  // Keys sort newest first: versions at or above at_least come before at_least - 1's key.
  std::string upper = at_least > 0 ? storage::history_key(rk, at_least - 1)
                                   : storage::prefix_successor(lower.substr(0, rk.size()));
  // Prefix mode needs the range inside one keyspace prefix (a row key has key bytes).
  auto it = engine_->iterate(lower, upper, rk.size() <= storage::kKeySpacePrefixLen);
  for (it->first(); (*it)->Valid(); (*it)->Next()) {
    auto k = (*it)->key();
    // Keys of longer row keys that start with rk's bytes sort among rk's own: skip them.
    if (k.size() != rk.size() + 8) continue;
    std::string_view ks(k.data(), k.size());
    if (!fn(~storage::get_u64(ks, rk.size()),
            std::string_view((*it)->value().data(), (*it)->value().size())))
      break;
  }
}

void MvccStore::delete_unlisted_history(const std::string& rk, const Record& r,
                                        rocksdb::WriteBatch& batch) {
  if (!r.history_more || r.history.empty()) return;
  scan_history(rk, r.history.back() - 1, r.history_floor, [&](Timestamp ts, std::string_view) {
    batch.Delete(slice(storage::history_key(rk, ts)));
    return true;
  });
}

void MvccStore::trim_unlisted_history(const std::string& rk, Record& r, Timestamp h,
                                      rocksdb::WriteBatch& batch) {
  if (!r.history_more || r.history.empty() || h <= r.history_floor) return;
  Timestamp kept = 0;
  scan_history(rk, std::min(h, r.history.back() - 1), r.history_floor,
               [&](Timestamp ts, std::string_view) {
                 if (kept == 0) {
                   kept = ts;  // the newest at or below the horizon: a snapshot may need it
                 } else {
                   batch.Delete(slice(storage::history_key(rk, ts)));
                 }
                 return true;
               });
  if (kept != 0) r.history_floor = kept;
}

void MvccStore::report_skipped(const std::string& rk, const Record& r, const Visibility& v,
                               const ReadView& view, bool intent_dead) {
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
    if (h <= view.read_ts) return;  // newest first
    ssi_sink_->read_skipped_commit(view.txn, h);
  }
  if (r.history_more) {  // every listed version is after the snapshot: so may unlisted ones be
    scan_history(rk, r.history.back() - 1, std::max(r.history_floor, view.read_ts + 1),
                 [&](Timestamp ts, std::string_view) {
                   ssi_sink_->read_skipped_commit(view.txn, ts);
                   return true;
                 });
  }
}

std::optional<RowVersion> MvccStore::get(const KeySpace& space, const std::string& key,
                                         const ReadView& view) {
  std::string rk = row_key(space, key);
  std::optional<OwnedIntent> own;
  if (view.txn != 0) own = own_intent(view.txn, rk);
  std::string buf;
  bool exists = recall_read(view, rk, &buf);
  if (!exists) {
    exists = engine_->get(rk, &buf);
    if (exists) remember_read(view.txn, view.read_ts, rk, buf);
  }
  if (!exists && !own) return std::nullopt;
  RowVersion row;
  if (!read_visible(rk, buf, view, &row, nullptr, own ? &*own : nullptr, exists))
    return std::nullopt;
  return row;
}

namespace {
// Besides reading, a cursor collects the dead records it steps over for pruning and tracks
// the run of them from its start key: if every record from the start up to some key was
// pruned, that range is known-empty (store.h). With a filter it also tracks the run of
// settled records from its start that were invisible or rejected (store.h, filtered ranges).
class StoreCursor final : public RowCursor {
 public:
  // filtered: the scan has a filter and may make filtered ranges (forward, not SERIALIZABLE,
  // no buffered intents of its own); filtered_ts: the newest commit ts of the filtered ranges
  // begin_watch() skipped.
  StoreCursor(MvccStore* store, std::unique_ptr<MvccStore::ScanWatch> watch, std::string start,
              const ReadView& view, bool reverse,
              std::vector<std::pair<std::string, OwnedIntent>> own, bool filtered,
              Timestamp filtered_ts)
      : store_(store),
        watch_(std::move(watch)),
        start_(std::move(start)),
        view_(view),
        reverse_(reverse),
        own_(std::move(own)),
        f_open_(filtered),
        f_ts_(filtered_ts) {}
  void open(std::unique_ptr<storage::Iter> it) { it_ = std::move(it); }
  ~StoreCursor() override {
    // Prune what this scan stepped over, then claim the pruned run. A destructor must not
    // throw: a failed prune only leaves dead records for a later scan.
    try {
      flush_dead();
    } catch (...) {
      claim_failed_ = true;
      failed_at_ = start_;  // claim nothing
    }
    std::string hi;
    if (!reverse_ && run_len_ > 0) {
      if (claim_failed_) {
        hi = failed_at_;
      } else if (!run_open_) {
        hi = run_hi_;
      }
    }
    // The filtered run still open: it holds every record stepped over (a row returned and
    // not rejected ends it before that row).
    if (f_open_ && pending_) f_end(pending_rk_);
    if (f_open_ && f_stepped_) f_end(f_last_ + '\0');
    store_->end_watch(watch_.get(), start_, hi, f_hi_, f_ts_);
  }

  void reject() override {
    if (!pending_) return;
    pending_ = false;  // the row stays in the filtered run
    f_last_ = std::move(pending_rk_);
    f_stepped_ = true;
  }

  // Rows come from the iterator merged, in key order, with the view's own buffered intents
  // (store.h, write buffer): a key in both is the stored record with our intent attached.
  std::optional<RowVersion> next() override {
    if (!started_) {
      started_ = true;
      if (reverse_) {
        it_->last();
      } else {
        it_->first();
      }
    } else {
      step();
    }
    if (pending_) f_end(pending_rk_);  // the row returned last was not rejected
    while (true) {
      bool from_iter = (*it_)->Valid();
      bool from_own = own_pos_ < own_.size();
      if (!from_iter && !from_own) break;
      if (from_iter && from_own) {
        auto k = (*it_)->key();
        int c = std::string_view(k.data(), k.size()).compare(own_key());
        if (c != 0) (c < 0) != reverse_ ? from_own = false : from_iter = false;
      }
      took_iter_ = from_iter;
      took_own_ = from_own;
      if (from_iter) {
        auto k = (*it_)->key();
        auto val = (*it_)->value();
        rk_.assign(k.data(), k.size());
        buf_.assign(val.data(), val.size());
      } else {
        rk_ = own_key();
        buf_.clear();
      }
      const OwnedIntent* own = from_own ? &own_entry() : nullptr;
      RowVersion row;
      Timestamp dead_ts = 0;
      bool settled = false;
      Timestamp settled_ts = 0;
      const bool vis = store_->read_visible(rk_, buf_, view_, &row, &dead_ts, own, from_iter,
                                            f_open_ ? &settled : nullptr, &settled_ts);
      if (f_open_) {
        if (!settled) {
          f_end(rk_);
        } else {
          f_ts_ = std::max(f_ts_, settled_ts);
          if (vis) {
            pending_ = true;  // in the run once rejected
            pending_rk_ = rk_;
          } else {
            f_last_ = rk_;
            f_stepped_ = true;
          }
        }
      }
      if (vis) {
        end_run(rk_);
        // As get() does (store.h, write-after-read record): a queue's claim scans an index
        // and then rewrites the entry it found. Only the first rows: a long scan would pay a
        // copy per row for a memory of the last few.
        if (from_iter && !own && remembered_ < kRememberRows) {
          ++remembered_;
          store_->remember_read(view_.txn, view_.read_ts, rk_, buf_);
        }
        return row;
      }
      if (dead_ts != 0) {
        if (run_open_) ++run_len_;
        dead_.push_back(rk_);
        dead_seen_.push_back(buf_);
        // Bounded work per call: a long run of dead records is pruned as it goes.
        if (dead_.size() >= kPruneBatch) flush_dead();
      } else {
        end_run(rk_);
      }
      step();
    }
    if (!(*it_)->status().ok()) {
      throw SqlError(sqlstate::kInternalError, "storage scan: " + (*it_)->status().ToString());
    }
    end_run(watch_->hi);  // the run reached the end of the range
    f_end(watch_->hi);
    return std::nullopt;
  }

 private:
  // The run of dead records from the start ends before `rk` (a record that stays).
  void end_run(const std::string& rk) {
    if (!run_open_) return;
    run_open_ = false;
    run_hi_ = rk;
  }
  // The filtered run ends before `rk`.
  void f_end(const std::string& rk) {
    pending_ = false;
    if (!f_open_) return;
    f_open_ = false;
    f_hi_ = rk;
  }
  void flush_dead() {
    if (dead_.empty()) return;
    pruned_.assign(dead_.size(), false);
    store_->report_dead(dead_, MvccStore::SeenRecords{&dead_seen_, view_.read_ts}, &pruned_);
    // dead_[i] is the (reported_ + i)-th dead record; the first run_len_ form the run.
    for (size_t i = 0; i < dead_.size() && !claim_failed_ && reported_ + i < run_len_; ++i) {
      if (!pruned_[i]) {
        claim_failed_ = true;
        failed_at_ = dead_[i];
      }
    }
    reported_ += dead_.size();
    dead_.clear();
    dead_seen_.clear();
  }
  void advance() {
    if (reverse_) {
      (*it_)->Prev();
    } else {
      (*it_)->Next();
    }
  }
  // Past the row last looked at: the iterator, the own intents, or both.
  void step() {
    if (took_iter_ && (*it_)->Valid()) advance();
    if (took_own_) ++own_pos_;
    took_iter_ = took_own_ = false;
  }
  const std::string& own_key() const {
    return own_[reverse_ ? own_.size() - 1 - own_pos_ : own_pos_].first;
  }
  const OwnedIntent& own_entry() const {
    return own_[reverse_ ? own_.size() - 1 - own_pos_ : own_pos_].second;
  }
  MvccStore* store_;
  std::unique_ptr<MvccStore::ScanWatch> watch_;
  std::string start_;  // the row key the iterator starts at (forward)
  std::unique_ptr<storage::Iter> it_;
  ReadView view_;
  bool reverse_;
  std::vector<std::pair<std::string, OwnedIntent>> own_;  // by key, ascending
  size_t own_pos_ = 0;                                    // own rows taken so far
  bool took_iter_ = false, took_own_ = false;             // what the last row came from
  bool started_ = false;
  static constexpr size_t kRememberRows = 4;
  size_t remembered_ = 0;  // rows handed to MvccStore::remember_read
  std::string rk_, buf_;
  std::vector<std::string> dead_;       // row keys of dead records stepped over, not yet reported
  std::vector<std::string> dead_seen_;  // dead_[i]'s record as read (buf_)
  std::vector<bool> pruned_;
  size_t reported_ = 0;        // dead records reported so far
  bool run_open_ = true;       // every record so far was dead
  size_t run_len_ = 0;         // dead records before the first one that stays
  std::string run_hi_;         // that record's key (or the range's end)
  bool claim_failed_ = false;  // a record of the run was not pruned:
  std::string failed_at_;      // the first such
  // The filtered run (store.h, filtered ranges): open while every record from the start was
  // settled and invisible or rejected; f_hi_ is where it ended ("" when it holds nothing).
  bool f_open_ = false;
  std::string f_hi_;
  Timestamp f_ts_ = 0;      // the newest commit ts in it
  bool pending_ = false;    // the row returned last, settled, neither rejected nor passed yet
  std::string pending_rk_;  // its row key
  bool f_stepped_ = false;  // the run holds a record: f_last_, the last one
  std::string f_last_;
};
}  // namespace

std::unique_ptr<RowCursor> MvccStore::scan(const ScanRequest& req) {
  std::string prefix = storage::keyspace_prefix(storage::kRowPrefix, partition_, req.space.table_id,
                                                req.space.index_id);
  auto watch = std::make_unique<ScanWatch>();
  watch->lo = prefix + req.start;
  watch->hi = req.end.empty() ? storage::prefix_successor(prefix) : prefix + req.end;
  std::vector<std::pair<std::string, OwnedIntent>> own;
  if (req.view.txn != 0) own = buffered_range(req.view.txn, watch->lo, watch->hi);
  // Filtered ranges (see store.h): not for a view with buffered intents of its own in the
  // range (it sees them; the ranges do not know them), nor a serializable one (its read
  // reports what it skips), nor a backward scan.
  const bool filtered =
      !req.filter.empty() && !req.reverse && !req.view.serializable && own.empty();
  // The namespace of filter names is the keyspace's: row keys tell keyspaces apart already.
  if (filtered) watch->filter = req.filter;
  Timestamp filtered_ts = 0;
  // The watch is registered before the iterator takes its snapshot (see store.h).
  std::string lower =
      begin_watch(watch.get(), !req.reverse, req.view.read_ts, filtered ? &filtered_ts : nullptr);
  std::string upper = watch->hi;
  if (!upper.empty() && lower > upper) lower = upper;
  auto* w = watch.get();
  auto cursor = std::make_unique<StoreCursor>(this, std::move(watch), lower, req.view, req.reverse,
                                              std::move(own), filtered, filtered_ts);
  cursor->open(engine_->iterate(lower, w->hi, req.reverse, /*fill_cache=*/!req.bulk));
  return cursor;
}

std::string MvccStore::begin_watch(ScanWatch* w, bool forward, Timestamp read_ts,
                                   Timestamp* filtered_ts) {
  std::lock_guard g(ranges_mu_);
  watches_.push_back(w);
  if (!forward) return w->lo;
  auto hi_of = [](const auto& v) -> const std::string& {
    if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) {
      return v;
    } else {
      return v.hi;
    }
  };
  // The range holding k in `ranges` (disjoint, lo -> hi), if any.
  auto holding = [&](const auto& ranges, const std::string& k) {
    auto it = ranges.upper_bound(k);
    if (it == ranges.begin()) return ranges.end();
    --it;  // it->first <= k
    return k < hi_of(it->second) ? it : ranges.end();
  };
  const std::map<std::string, FilteredRange>* mine = nullptr;
  if (filtered_ts) {
    auto f = filtered_.find(w->filter);
    if (f != filtered_.end()) mine = &f->second;
  }
  std::string k = w->lo;
  // Known-empty and filtered ranges may follow each other: skip through both.
  for (bool moved = true; moved;) {
    moved = false;
    if (auto it = holding(empty_, k); it != empty_.end()) {
      k = it->second;
      moved = true;
    }
    if (mine) {
      auto it = holding(*mine, k);
      if (it != mine->end() && it->second.ts <= read_ts) {
        *filtered_ts = std::max(*filtered_ts, it->second.ts);
        k = it->second.hi;
        moved = true;
      }
    }
  }
  return k;
}

void MvccStore::end_watch(ScanWatch* w, const std::string& claim_lo, const std::string& claim_hi,
                          const std::string& filtered_hi, Timestamp filtered_ts) {
  std::lock_guard g(ranges_mu_);
  std::erase(watches_, w);
  if (!w->filter.empty()) {
    std::string hi = filtered_hi;
    if (w->written && w->first_written < hi) hi = w->first_written;
    if (hi > claim_lo) add_filtered(w->filter, claim_lo, hi, filtered_ts);
  }
  if (w->dirty || claim_hi.empty() || claim_hi <= claim_lo) return;
  if (empty_.size() >= 4096) empty_.clear();  // bounded memory; scans re-learn
  // The union of empty ranges that overlap or touch is empty.
  std::string lo = claim_lo, hi = claim_hi;
  auto it = empty_.lower_bound(lo);
  while (it != empty_.end() && it->first <= hi) {
    if (it->second > hi) hi = it->second;
    it = empty_.erase(it);
  }
  if (it != empty_.begin()) {
    auto prev = std::prev(it);
    if (prev->second >= lo) {
      if (hi > prev->second) prev->second = hi;
      return;
    }
  }
  empty_.emplace(std::move(lo), std::move(hi));
}

void MvccStore::note_created(const std::string& rk) {
  std::lock_guard g(ranges_mu_);
  for (ScanWatch* w : watches_) {
    if (w->lo <= rk && (w->hi.empty() || rk < w->hi)) w->dirty = true;
  }
  auto it = empty_.upper_bound(rk);
  if (it == empty_.begin()) return;
  --it;  // it->first <= rk
  if (rk >= it->second) return;
  // Split [lo, hi) around rk: [lo, rk) and [rk + "\0", hi) stay empty.
  std::string hi = std::move(it->second);
  std::string after = rk + '\0';
  if (it->first == rk) {
    empty_.erase(it);
  } else {
    it->second = rk;
  }
  if (after < hi) empty_.emplace(std::move(after), std::move(hi));
}

void MvccStore::forget_cached(Timestamp at_least) {
  auto raise = [at_least](std::atomic<Timestamp>& at) {
    Timestamp cur = at.load(std::memory_order_relaxed);
    while (cur < at_least && !at.compare_exchange_weak(cur, at_least, std::memory_order_release))
      ;
  };
  for (auto& at : resolved_at_) raise(at);
  for (auto& at : resolved_key_at_) raise(at);
  std::lock_guard g(ranges_mu_);
  empty_.clear();
  filtered_.clear();
  for (ScanWatch* w : watches_) {
    w->dirty = true;
    w->written = true;
    w->first_written = w->lo;
  }
}

std::map<std::string, std::string> MvccStore::empty_ranges() const {
  std::lock_guard g(ranges_mu_);
  return empty_;
}

void MvccStore::add_filtered(const std::string& filter, const std::string& lo_in,
                             const std::string& hi_in, Timestamp ts) {
  // Bounded memory: at most kMaxFilters names of at most kMaxFilterName bytes (a filter with
  // a long constant is not worth remembering), kMaxRangesPerFilter ranges each; over a bound
  // the set is dropped and scans learn again. Worst case per partition: 64 x 1,024 ranges of
  // two keys each (~8 MB with 60-byte keys), where a queue needs a handful.
  static constexpr size_t kMaxFilters = 64, kMaxFilterName = 512, kMaxRangesPerFilter = 1024;
  if (filter.size() > kMaxFilterName) return;
  if (filtered_.size() >= kMaxFilters && !filtered_.count(filter)) filtered_.clear();
  auto& ranges = filtered_[filter];
  if (ranges.size() >= kMaxRangesPerFilter) ranges.clear();
  // The union of ranges that overlap or touch holds no row passing the filter for a view at
  // or above the newest of their commit ts.
  std::string lo = lo_in, hi = hi_in;
  auto it = ranges.lower_bound(lo);
  while (it != ranges.end() && it->first <= hi) {
    if (it->second.hi > hi) hi = it->second.hi;
    ts = std::max(ts, it->second.ts);
    it = ranges.erase(it);
  }
  if (it != ranges.begin()) {
    auto prev = std::prev(it);
    if (prev->second.hi >= lo) {
      if (hi > prev->second.hi) prev->second.hi = hi;
      prev->second.ts = std::max(prev->second.ts, ts);
      return;
    }
  }
  ranges.emplace(std::move(lo), FilteredRange{std::move(hi), ts});
}

void MvccStore::cut_filtered(const std::string& rk) {
  for (ScanWatch* w : watches_) {
    if (w->filter.empty() || rk < w->lo || (!w->hi.empty() && rk >= w->hi)) continue;
    if (!w->written || rk < w->first_written) w->first_written = rk;
    w->written = true;
  }
  for (auto& [filter, ranges] : filtered_) {
    auto it = ranges.upper_bound(rk);
    if (it == ranges.begin()) continue;
    --it;  // it->first <= rk
    if (rk >= it->second.hi) continue;
    // Split [lo, hi) around rk: [lo, rk) and [rk + "\0", hi) stay.
    FilteredRange rest{std::move(it->second.hi), it->second.ts};
    if (it->first == rk) {
      ranges.erase(it);
    } else {
      it->second.hi = rk;
    }
    std::string after = rk + '\0';
    if (after < rest.hi) ranges.emplace(std::move(after), std::move(rest));
  }
}

void MvccStore::note_written(const std::vector<std::string>& rks) {
  if (rks.empty()) return;
  std::lock_guard g(ranges_mu_);
  for (const auto& rk : rks) cut_filtered(rk);
}

std::map<std::string, std::pair<std::string, Timestamp>> MvccStore::filtered_ranges(
    const std::string& filter) const {
  std::lock_guard g(ranges_mu_);
  std::map<std::string, std::pair<std::string, Timestamp>> out;
  auto f = filtered_.find(filter);
  if (f != filtered_.end())
    for (const auto& [lo, r] : f->second) out.emplace(lo, std::make_pair(r.hi, r.ts));
  return out;
}

LatestState MvccStore::latest(const KeySpace& space, const std::string& key, TxnId own) {
  LatestState st;
  std::string rk = row_key(space, key);
  std::optional<OwnedIntent> mine;
  if (own != 0) mine = own_intent(own, rk);
  std::string buf;
  bool exists = engine_->get(rk, &buf);
  if (!exists && !mine) return st;
  Record r;
  if (exists && !decode_record(buf, &r)) corrupt(rk);
  if (mine) attach_intent(r, own, *mine);
  auto v = visible(r, ReadView{partition_api::kMaxTimestamp, 0, 0}, oracle_, dead_below_);
  st.newest = v.newest;
  if (v.kind == Visibility::kCommitted) st.value = std::string(v.value);
  if (r.has_intent() && !v.intent_reported_aborted && v.newest == r.newest()) {
    st.intent_txn = r.intent_txn;  // pending (a committed one is reported as newest)
  }
  return st;
}

std::vector<partition_api::Version> MvccStore::latest_versions(
    const KeySpace& space, const std::vector<std::string_view>& keys) {
  std::vector<partition_api::Version> out(keys.size());
  if (keys.empty()) return out;
  std::vector<uint32_t> order(keys.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) { return keys[x] < keys[y]; });
  const std::string prefix = row_key(space, "");
  std::string rk = prefix;
  auto it = engine_->iterate(prefix + std::string(keys[order.front()]),
                             prefix + std::string(keys[order.back()]) + '\0');
  it->first();
  rocksdb::Iterator& i = **it;
  for (uint32_t at : order) {
    rk.resize(prefix.size());
    rk.append(keys[at]);
    rocksdb::Slice target(rk.data(), rk.size());
    // Neighbours are a few Next() apart; a farther key is a Seek.
    for (int steps = 0; i.Valid() && i.key().compare(target) < 0; ++steps) {
      if (steps == 8) {
        i.Seek(target);
        break;
      }
      i.Next();
    }
    if (!i.Valid() || i.key().compare(target) != 0) continue;  // no record: no version
    auto v = i.value();
    Record r;
    if (!decode_record(std::string_view(v.data(), v.size()), &r)) corrupt(rk);
    out[at] = visible(r, ReadView{partition_api::kMaxTimestamp, 0, 0}, oracle_, dead_below_).newest;
  }
  if (!i.status().ok()) throw SqlError(sqlstate::kInternalError, "storage read failed");
  return out;
}

void MvccStore::report_dead(const std::vector<std::string>& rks, const SeenRecords& seen,
                            std::vector<bool>* pruned) {
  if (prune_sink_ && !rks.empty()) prune_sink_(rks, seen, pruned);
}

size_t MvccStore::prune(const std::vector<std::string>& rks, Timestamp h, std::vector<bool>* pruned,
                        const SeenRecords& seen) {
  pruned->assign(rks.size(), false);
  if (h == 0 || rks.empty()) return 0;
  // The stripes of every key, taken in index order (write_intent() takes one at a time, so
  // this cannot deadlock with it) and held until the batch is written. A stripe some writer
  // holds is skipped with its keys: not dead for long, or not at all.
  std::vector<size_t> idx(rks.size());
  std::vector<bool> want(stripes_.size(), false), held(stripes_.size(), false);
  for (size_t i = 0; i < rks.size(); ++i) want[idx[i] = stripe_index(rks[i])] = true;
  for (size_t s = 0; s < stripes_.size(); ++s)
    if (want[s]) held[s] = stripes_[s].try_lock();
  rocksdb::WriteBatch batch;
  size_t n = 0;
  try {
    std::string buf;
    for (size_t i = 0; i < rks.size(); ++i) {
      const std::string& rk = rks[i];
      if (!held[idx[i]]) continue;
      // What the scan read, if nothing can have changed it since (see store.h); else read.
      const bool as_seen = seen.seen && seen.read_ts != 0 &&
                           seen.read_ts != partition_api::kMaxTimestamp &&
                           rk.size() >= storage::kKeySpacePrefixLen &&
                           rk[0] == storage::kRowPrefix && key_resolved_at(rk) <= seen.read_ts;
      if (!as_seen && !engine_->get(rk, &buf)) continue;
      Record r;
      if (!decode_record(as_seen ? (*seen.seen)[i] : buf, &r)) corrupt(rk);
      if (!prunable(r, h, dead_below_)) continue;
      batch.Delete(slice(rk));
      for (auto ts : r.history) batch.Delete(slice(storage::history_key(rk, ts)));
      delete_unlisted_history(rk, r, batch);
      (*pruned)[i] = true;
      ++n;
    }
    // kNoWal: a lost prune only brings the dead record back (store.h, durability).
    if (n > 0) write_batch(batch, storage::Durability::kNoWal);
  } catch (...) {
    for (size_t s = 0; s < stripes_.size(); ++s)
      if (held[s]) stripes_[s].unlock();
    throw;
  }
  for (size_t s = 0; s < stripes_.size(); ++s)
    if (held[s]) stripes_[s].unlock();
  return n;
}

void MvccStore::write_intent(TxnId txn, SubId sub, CommandId cid, const std::string& rk,
                             const std::optional<std::string>& value) {
  buffer(txn, true)->unbuffered = true;
  // Excludes prune() between our read and our write (see the top of store.h).
  std::lock_guard g(stripe(rk));
  std::string buf;
  Record r;
  bool existed = engine_->get(rk, &buf);
  if (existed && !decode_record(buf, &r)) corrupt(rk);
  if (r.has_intent() && r.intent_txn != txn) {
    // We hold the write lock, so the other writer is dead (aborted, or crashed before its
    // commit record). A committed one would still hold the lock until resolved.
    r.clear_intent();
  }
  push_intent(r, txn, sub, cid, !value.has_value(), value ? std::string_view(*value) : "");
  std::string out;
  encode_record(r, &out);
  rocksdb::WriteBatch batch;
  batch.Put(slice(rk), slice(out));
  write_batch(batch, storage::Durability::kWal);
  // After the put: a scan whose iterator missed this record has its watch marked dirty.
  if (!existed) note_created(rk);
  note_written({rk});
}

void MvccStore::resolve_commit(TxnId txn, Timestamp commit_ts, const std::vector<std::string>& rks,
                               rocksdb::WriteBatch& batch, std::vector<std::string>* created,
                               std::vector<std::string>* written) {
  Timestamp h = horizon();
  TxnBuffer* tb = buffer(txn, false);
  std::string buf, out;
  // One key: its record (from the buffer's flushed copy, or read) with txn's intent, resolved.
  auto resolve = [&](const std::string& rk, BufferedKey* bk) {
    if (rk.size() >= storage::kKeySpacePrefixLen && rk[0] == storage::kRowPrefix) {
      // last_resolved_commit(): raised before the write, so before the writer unlocks.
      auto& at = resolved_at_[resolved_slot(storage::get_u32(rk, 3), storage::get_u32(rk, 7))];
      Timestamp cur = at.load(std::memory_order_relaxed);
      while (cur < commit_ts &&
             !at.compare_exchange_weak(cur, commit_ts, std::memory_order_release))
        ;
      // key_resolved_at(): the same, per key slot.
      auto& kat = resolved_key_at_[key_slot(rk)];
      cur = kat.load(std::memory_order_relaxed);
      while (cur < commit_ts &&
             !kat.compare_exchange_weak(cur, commit_ts, std::memory_order_release))
        ;
    }
    Record r;
    if (bk && bk->flushed) {
      // The record as the flush wrote it: no read.
      if (!decode_record(bk->record, &r)) corrupt(rk);
    } else if (bk && !bk->stored.empty()) {
      // The record as this transaction read it, unchanged since (store.h): no read.
      if (!decode_record(bk->stored, &r)) corrupt(rk);
      attach_intent(r, txn, bk->entries);
    } else {
      bool exists = !(bk && bk->new_key) && engine_->get(rk, &buf);
      if (!exists && !bk) return;
      if (exists && !decode_record(buf, &r)) corrupt(rk);
      if (bk) {
        attach_intent(r, txn, bk->entries);
        if (!exists && created) created->push_back(rk);
      }
    }
    if (!r.has_intent() || r.intent_txn != txn) return;
    if (written) written->push_back(rk);
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
      if (keep < r.history.size()) {
        ++keep;
        // The newest version at or below the horizon is listed: everything older goes,
        // the unlisted versions too.
        for (size_t i = keep; i < r.history.size(); ++i) {
          batch.Delete(slice(storage::history_key(rk, r.history[i])));
        }
        delete_unlisted_history(rk, r, batch);
        r.history_more = false;
        r.history_floor = 0;
        r.history.resize(keep);
      } else {
        trim_unlisted_history(rk, r, h, batch);
      }
    }
    if (r.history.size() > kMaxListedHistory) {  // the rest stay stored, unlisted
      // Newly unlisted: every older version is gone, so the oldest dropped one is the floor.
      if (!r.history_more) r.history_floor = r.history.back();
      r.history.resize(kMaxListedHistory);
      r.history_more = true;
    }
    r.clear_intent();
    if (top.deleted && r.history.empty()) {
      batch.Delete(slice(rk));  // inserted and deleted, or nothing older anyone can see
      return;
    }
    r.has_committed = true;
    r.commit_ts = commit_ts;
    r.deleted = top.deleted;
    r.value = top.deleted ? std::string_view() : top.value;
    encode_record(r, &out);
    batch.Put(slice(rk), slice(out));
  };
  if (tb)
    for (auto& [rk, bk] : tb->keys) resolve(rk, &bk);
  for (const auto& rk : rks)
    if (!tb || !tb->keys.count(rk)) resolve(rk, nullptr);
  drop_buffer(txn);
}

// ---- the write buffer ----

MvccStore::TxnBuffer* MvccStore::buffer(TxnId txn, bool create) {
  std::lock_guard g(buf_mu_);
  if (create) {
    auto [it, created] = buffers_.try_emplace(txn);
    if (created && engine_ && engine_->counts_writers()) {  // the WAL's group wait waits for it
      it->second.writer_open = true;
      engine_->writer_opened();
    }
    return &it->second;
  }
  auto it = buffers_.find(txn);
  return it == buffers_.end() ? nullptr : &it->second;
}

std::optional<OwnedIntent> MvccStore::own_intent(TxnId txn, const std::string& rk) {
  TxnBuffer* tb = buffer(txn, false);
  if (!tb || tb->flushed) return std::nullopt;
  auto it = tb->keys.find(rk);
  if (it == tb->keys.end() || it->second.flushed) return std::nullopt;
  return it->second.entries;
}

std::vector<std::pair<std::string, OwnedIntent>> MvccStore::buffered_range(TxnId txn,
                                                                           const std::string& lo,
                                                                           const std::string& hi) {
  std::vector<std::pair<std::string, OwnedIntent>> out;
  TxnBuffer* tb = buffer(txn, false);
  if (!tb || tb->flushed) return out;
  for (auto it = tb->keys.lower_bound(lo); it != tb->keys.end() && (hi.empty() || it->first < hi);
       ++it) {
    if (!it->second.flushed) out.emplace_back(it->first, it->second.entries);
  }
  return out;
}

void MvccStore::attach_intent(Record& r, TxnId txn, const OwnedIntent& own) {
  r.clear_intent();  // another transaction's intent here is dead: we hold the write lock
  r.intent_txn = txn;
  r.entries.reserve(own.size());
  for (const auto& e : own) r.entries.push_back({e.sub, e.cid, e.deleted, e.value});
}

MvccStore::BufferResult MvccStore::buffer_intent(
    TxnId txn, SubId sub, CommandId cid, const std::string& rk,
    const std::optional<std::string>& value, bool new_key,
    const std::function<bool(const std::string&)>& spilled_key, bool unlocked) {
  TxnBuffer* tb = buffer(txn, true);
  if (tb->flushed || (tb->spilled && spilled_key && spilled_key(rk)))
    return BufferResult::kUnbuffered;
  auto [it, inserted] = tb->keys.try_emplace(rk);
  BufferedKey& bk = it->second;
  const size_t bytes_before = tb->bytes;
  if (inserted) {
    tb->bytes += rk.size() + 64;
    bk.new_key = new_key;
    if (!new_key && !unlocked && read_record_for_write(txn, rk, &bk.stored))
      tb->bytes += bk.stored.size();
  }
  // The common cases without the stack machinery below: a key's first write, and a rewrite
  // by the same command (push_intent's replace rule).
  if (bk.entries.empty() || (bk.entries.back().sub == sub && bk.entries.back().cid == cid)) {
    if (bk.entries.empty()) bk.entries.emplace_back();
    OwnedIntentEntry& e = bk.entries.back();
    tb->bytes -= e.value.size();
    e.sub = sub;
    e.cid = cid;
    e.deleted = !value.has_value();
    if (value)
      e.value = *value;
    else
      e.value.clear();
    tb->bytes += e.value.size();
    account(tb, bytes_before);
    return over_limit(tb) ? BufferResult::kSpillNow : BufferResult::kBuffered;
  }
  // record.h's push_intent keeps the stack's rules (replace the same command's entry,
  // compact past 8): run it on a view of the entries, then own the result.
  Record view;
  attach_intent(view, txn, bk.entries);
  size_t before = 0;
  for (const auto& e : bk.entries) before += e.value.size();
  push_intent(view, txn, sub, cid, !value.has_value(), value ? std::string_view(*value) : "");
  OwnedIntent next;
  next.reserve(view.entries.size());
  size_t after = 0;
  for (const auto& e : view.entries) {
    next.push_back({e.sub, e.cid, e.deleted, std::string(e.value)});
    after += e.value.size();
  }
  bk.entries = std::move(next);
  tb->bytes = tb->bytes + after - before;
  account(tb, bytes_before);
  return over_limit(tb) ? BufferResult::kSpillNow : BufferResult::kBuffered;
}

bool MvccStore::over_limit(const TxnBuffer* tb) {
  // The partition's buffers together too: past the budget, the writer that adds to it spills.
  return tb->bytes > kBufferLimit ||
         buffered_bytes_.load(std::memory_order_relaxed) > kPartitionBufferBudget;
}

void MvccStore::account(const TxnBuffer* tb, size_t bytes_before) {
  buffered_bytes_.fetch_add(tb->bytes - bytes_before, std::memory_order_relaxed);
}

std::vector<std::string> MvccStore::buffered_keys(TxnId txn) {
  std::vector<std::string> out;
  TxnBuffer* tb = buffer(txn, false);
  if (!tb) return out;
  out.reserve(tb->keys.size());
  for (const auto& [rk, bk] : tb->keys) out.push_back(rk);
  return out;
}

void MvccStore::flush_buffer(TxnId txn, bool keep, rocksdb::WriteBatch& batch,
                             std::vector<std::string>* created,
                             std::vector<std::pair<std::string, SubId>>* spilled,
                             std::vector<std::string>* written) {
  TxnBuffer* tb = buffer(txn, false);
  if (!tb || tb->flushed) return;
  std::string buf;
  for (auto& [rk, bk] : tb->keys) {
    if (bk.flushed) continue;
    // Excludes prune() between the read and the batch's write (store.h): the record gets
    // our intent, so it is no longer dead once written.
    std::lock_guard g(stripe(rk));
    Record r;
    bool exists = !bk.new_key && engine_->get(rk, &buf);
    if (exists && !decode_record(buf, &r)) corrupt(rk);
    attach_intent(r, txn, bk.entries);
    if (!r.has_intent()) continue;  // every entry rolled back
    std::string out;
    encode_record(r, &out);
    batch.Put(slice(rk), slice(out));
    if (!exists && created) created->push_back(rk);
    if (written) written->push_back(rk);
    if (keep) {
      bk.record = std::move(out);
      bk.flushed = true;
    } else if (spilled) {
      SubId newest = 0;
      for (const auto& e : bk.entries) newest = std::max(newest, e.sub);
      spilled->emplace_back(rk, newest);
    }
  }
  if (keep) {
    tb->flushed = true;
    // Prepared: its writes are in the batch of the synced write that follows (a group
    // commit must not wait for this writer's own sync).
    std::lock_guard g(buf_mu_);
    close_writer(*tb);
  } else {
    tb->keys.clear();
    buffered_bytes_.fetch_sub(tb->bytes, std::memory_order_relaxed);
    tb->bytes = 0;
    tb->spilled = true;
  }
}

bool MvccStore::drop_buffer(TxnId txn) {
  std::lock_guard g(buf_mu_);
  auto it = buffers_.find(txn);
  if (it == buffers_.end()) return false;
  const TxnBuffer& tb = it->second;
  bool stored = tb.flushed || tb.spilled || tb.unbuffered;
  buffered_bytes_.fetch_sub(tb.bytes, std::memory_order_relaxed);
  close_writer(it->second);
  buffers_.erase(it);
  return stored;
}

bool MvccStore::rollback_buffer(TxnId txn, SubId first) {
  TxnBuffer* tb = buffer(txn, false);
  if (!tb) return false;
  if (!tb->flushed) {
    for (auto it = tb->keys.begin(); it != tb->keys.end();) {
      auto& entries = it->second.entries;
      std::erase_if(entries, [first](const OwnedIntentEntry& e) { return e.sub >= first; });
      it = entries.empty() ? tb->keys.erase(it) : std::next(it);
    }
  }
  return tb->flushed || tb->spilled || tb->unbuffered;
}

void MvccStore::note_created(const std::vector<std::string>& rks) {
  for (const auto& rk : rks) note_created(rk);
}

void MvccStore::note_created_range(const std::string& first_rk, const std::string& last_rk) {
  std::lock_guard g(ranges_mu_);
  for (ScanWatch* w : watches_) {
    if (last_rk >= w->lo && (w->hi.empty() || first_rk < w->hi)) w->dirty = true;
  }
  // Ranges [lo, hi) with lo <= last_rk and hi > first_rk meet it: drop them whole (a
  // known-empty range only saves a scan some steps; forgetting one is always safe).
  auto it = empty_.upper_bound(last_rk);
  while (it != empty_.begin()) {
    --it;
    if (it->second <= first_rk) break;  // disjoint ranges: every earlier one ends earlier
    it = empty_.erase(it);
  }
  // The same for filtered ranges, and every filtered watch over the range is cut below it.
  for (ScanWatch* w : watches_) {
    if (w->filter.empty() || last_rk < w->lo || (!w->hi.empty() && first_rk >= w->hi)) continue;
    const std::string& at = first_rk < w->lo ? w->lo : first_rk;
    if (!w->written || at < w->first_written) w->first_written = at;
    w->written = true;
  }
  for (auto& [filter, ranges] : filtered_) {
    auto f = ranges.upper_bound(last_rk);
    while (f != ranges.begin()) {
      --f;
      if (f->second.hi <= first_rk) break;
      f = ranges.erase(f);
    }
  }
}

void MvccStore::load(const KeySpace& space,
                     const std::vector<std::pair<std::string, std::string>>& rows,
                     const LoadSink& put, std::string* first_rk, std::string* last_rk) {
  Record r;
  r.has_committed = true;
  r.commit_ts = partition_api::kFrozenTimestamp;
  std::string rk = row_key(space, "");
  const size_t prefix = rk.size();
  std::string out;
  for (const auto& [key, value] : rows) {
    rk.resize(prefix);
    rk += key;
    r.value = value;
    encode_record(r, &out);
    put(rk, out);
    if (first_rk->empty() || rk < *first_rk) *first_rk = rk;
    if (rk > *last_rk) *last_rk = rk;
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
  if (batch.Count() > 0) write_batch(batch, storage::Durability::kWal);
}

}  // namespace hf::mvcc
