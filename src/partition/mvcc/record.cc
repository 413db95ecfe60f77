// partition/mvcc/record.cc — record encoding and the visibility rule (see record.h).
#include "partition/mvcc/record.h"

#include <algorithm>

#include "storage/keys.h"

namespace hf::mvcc {

namespace {
enum : uint8_t { kFlagCommitted = 1, kFlagDeleted = 2, kFlagIntent = 4, kFlagHistoryMore = 8 };

struct Reader {
  std::string_view s;
  size_t at = 0;
  bool ok = true;
  bool need(size_t n) {
    if (s.size() - at < n || at > s.size()) ok = false;
    return ok;
  }
  uint8_t u8() { return need(1) ? static_cast<uint8_t>(s[at++]) : 0; }
  uint16_t u16() {
    if (!need(2)) return 0;
    auto v = storage::get_u16(s, at);
    at += 2;
    return v;
  }
  uint32_t u32() {
    if (!need(4)) return 0;
    auto v = storage::get_u32(s, at);
    at += 4;
    return v;
  }
  uint64_t u64() {
    if (!need(8)) return 0;
    auto v = storage::get_u64(s, at);
    at += 8;
    return v;
  }
  std::string_view bytes(size_t n) {
    if (!need(n)) return {};
    auto v = s.substr(at, n);
    at += n;
    return v;
  }
};
}  // namespace

bool decode_record(std::string_view buf, Record* out) {
  Reader r{buf};
  uint8_t flags = r.u8();
  out->has_committed = flags & kFlagCommitted;
  out->deleted = flags & kFlagDeleted;
  out->commit_ts = 0;
  out->value = {};
  if (out->has_committed) {
    out->commit_ts = r.u64();
    uint32_t len = r.u32();
    out->value = r.bytes(len);
  }
  uint16_t nh = r.u16();
  out->history.clear();
  out->history.reserve(nh);
  for (uint16_t i = 0; i < nh && r.ok; ++i) out->history.push_back(r.u64());
  out->history_more = false;
  out->history_floor = 0;
  if (flags & kFlagHistoryMore) {
    out->history_floor = r.u64();
    out->history_more = !out->history.empty();
  }
  out->intent_txn = 0;
  out->entries.clear();
  if (flags & kFlagIntent) {
    out->intent_txn = r.u64();
    uint16_t n = r.u16();
    out->entries.reserve(n);
    for (uint16_t i = 0; i < n && r.ok; ++i) {
      IntentEntry e;
      e.sub = r.u32();
      e.cid = r.u32();
      e.deleted = r.u8() != 0;
      uint32_t len = r.u32();
      e.value = r.bytes(len);
      out->entries.push_back(e);
    }
  }
  return r.ok && r.at == buf.size();
}

void encode_record(const Record& r, std::string* out) {
  out->clear();
  size_t size = 1 + 2 + 8 * r.history.size() + 8;
  if (r.has_committed) size += 12 + r.value.size();
  if (r.has_intent()) {
    size += 10;
    for (const auto& e : r.entries) size += 13 + e.value.size();
  }
  out->reserve(size);
  uint8_t flags = 0;
  if (r.has_committed) flags |= kFlagCommitted;
  if (r.has_committed && r.deleted) flags |= kFlagDeleted;
  if (r.has_intent()) flags |= kFlagIntent;
  if (r.history_more && !r.history.empty()) flags |= kFlagHistoryMore;
  out->push_back(static_cast<char>(flags));
  if (r.has_committed) {
    storage::put_u64(*out, r.commit_ts);
    storage::put_u32(*out, static_cast<uint32_t>(r.value.size()));
    out->append(r.value);
  }
  storage::put_u16(*out, static_cast<uint16_t>(r.history.size()));
  for (auto ts : r.history) storage::put_u64(*out, ts);
  if (flags & kFlagHistoryMore) storage::put_u64(*out, r.history_floor);
  if (r.has_intent()) {
    storage::put_u64(*out, r.intent_txn);
    storage::put_u16(*out, static_cast<uint16_t>(r.entries.size()));
    for (const auto& e : r.entries) {
      storage::put_u32(*out, e.sub);
      storage::put_u32(*out, e.cid);
      out->push_back(e.deleted ? 1 : 0);
      storage::put_u32(*out, static_cast<uint32_t>(e.value.size()));
      out->append(e.value);
    }
  }
}

std::string encode_history(bool deleted, std::string_view value) {
  std::string s;
  s.reserve(1 + value.size());
  s.push_back(deleted ? 1 : 0);
  s.append(value);
  return s;
}

bool decode_history(std::string_view buf, bool* deleted, std::string_view* value) {
  if (buf.empty()) return false;
  *deleted = buf[0] != 0;
  *value = buf.substr(1);
  return true;
}

Visibility visible(const Record& r, const ReadView& view, TxnStatusOracle* oracle,
                   TxnId dead_below) {
  Visibility v;
  v.newest = r.newest();
  if (r.has_intent()) {
    if (view.txn != 0 && r.intent_txn == view.txn) {
      // Own writes: the newest entry of an earlier command. Entries of rolled-back
      // subtransactions were removed by rollback_intent.
      for (auto it = r.entries.rbegin(); it != r.entries.rend(); ++it) {
        if (it->cid < view.cid) {
          v.kind = it->deleted ? Visibility::kInvisible : Visibility::kOwn;
          v.deleted = it->deleted;
          v.value = it->value;
          return v;
        }
      }
    } else if (r.intent_txn >= dead_below && oracle != nullptr) {
      auto st = oracle->status(r.intent_txn);
      if (st.state == partition_api::TxnState::kCommitted) {
        // The commit is being resolved: the intent's top entry is the newest version.
        const auto& top = r.entries.back();
        v.newest = {st.commit_ts, top.deleted};
        if (st.commit_ts <= view.read_ts) {
          v.kind = top.deleted ? Visibility::kInvisible : Visibility::kCommitted;
          v.deleted = top.deleted;
          v.value = top.value;
          v.ts = st.commit_ts;
          return v;
        }
      } else if (st.state == partition_api::TxnState::kAborted) {
        v.intent_reported_aborted = true;
      }
    }
  }
  if (r.has_committed && r.commit_ts <= view.read_ts) {
    v.kind = r.deleted ? Visibility::kInvisible : Visibility::kCommitted;
    v.deleted = r.deleted;
    v.value = r.value;
    v.ts = r.commit_ts;
    return v;
  }
  for (auto ts : r.history) {  // newest first
    if (ts <= view.read_ts) {
      v.kind = Visibility::kHistory;
      v.ts = ts;
      return v;
    }
  }
  if (r.history_more) {  // older than every listed version: the store seeks for it
    v.kind = Visibility::kHistoryOlder;
    v.ts = view.read_ts;
    return v;
  }
  v.kind = Visibility::kInvisible;
  return v;
}

void push_intent(Record& r, TxnId txn, SubId sub, CommandId cid, bool deleted,
                 std::string_view value) {
  r.intent_txn = txn;
  if (!r.entries.empty() && r.entries.back().sub == sub && r.entries.back().cid == cid) {
    r.entries.back().deleted = deleted;
    r.entries.back().value = value;
    return;
  }
  // Keep the stack small: an entry is shadowed for every current and later view, and for
  // every rollback that keeps it, by a later entry of a subtransaction <= its own from an
  // earlier command. Only views of commands before that later entry (an old cursor) could
  // still want it; they are rare, so compaction starts only past 8 entries.
  if (r.entries.size() >= 8) {
    std::vector<IntentEntry> kept;
    kept.reserve(r.entries.size());
    for (size_t i = 0; i < r.entries.size(); ++i) {
      bool shadowed = false;
      for (size_t j = i + 1; j < r.entries.size() && !shadowed; ++j) {
        shadowed = r.entries[j].sub <= r.entries[i].sub && r.entries[j].cid < cid;
      }
      if (!shadowed) kept.push_back(r.entries[i]);
    }
    r.entries = std::move(kept);
  }
  r.entries.push_back({sub, cid, deleted, value});
}

bool rollback_intent(Record& r, SubId first) {
  size_t before = r.entries.size();
  std::erase_if(r.entries, [first](const IntentEntry& e) { return e.sub >= first; });
  if (r.entries.empty()) r.intent_txn = 0;
  return r.entries.size() != before;
}

}  // namespace hf::mvcc
