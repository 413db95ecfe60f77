// partition/mvcc/record_test.cc — the record encoding and the visibility table.
#include "partition/mvcc/record.h"

#include <gtest/gtest.h>

#include <map>

namespace hf::mvcc {
namespace {

using partition_api::TxnState;
using partition_api::TxnStatus;

class FakeOracle : public TxnStatusOracle {
 public:
  TxnStatus status(TxnId txn) override {
    ++calls;
    auto it = states.find(txn);
    return it == states.end() ? TxnStatus{TxnState::kAborted, 0} : it->second;
  }
  std::map<TxnId, TxnStatus> states;
  int calls = 0;
};

Record committed(Timestamp ts, std::string_view v, bool deleted = false) {
  Record r;
  r.has_committed = true;
  r.commit_ts = ts;
  r.value = v;
  r.deleted = deleted;
  return r;
}

TEST(Record, RoundTrip) {
  Record r = committed(42, "hello");
  r.history = {30, 10};
  push_intent(r, 7, 0, 1, false, "v1");
  push_intent(r, 7, 2, 3, true, "");
  std::string buf;
  encode_record(r, &buf);
  Record d;
  ASSERT_TRUE(decode_record(buf, &d));
  EXPECT_TRUE(d.has_committed);
  EXPECT_EQ(d.commit_ts, 42u);
  EXPECT_EQ(d.value, "hello");
  EXPECT_EQ(d.history, (std::vector<Timestamp>{30, 10}));
  EXPECT_EQ(d.intent_txn, 7u);
  ASSERT_EQ(d.entries.size(), 2u);
  EXPECT_EQ(d.entries[0].value, "v1");
  EXPECT_TRUE(d.entries[1].deleted);
  EXPECT_EQ(d.entries[1].sub, 2u);
  EXPECT_FALSE(decode_record(buf.substr(0, buf.size() - 1), &d));
}

TEST(Visibility, CommittedAndHistoryByReadTs) {
  FakeOracle o;
  Record r = committed(20, "new");
  r.history = {10, 5};
  auto v = visible(r, ReadView{25, 0, 0}, &o, 0);
  EXPECT_EQ(v.kind, Visibility::kCommitted);
  EXPECT_EQ(v.value, "new");
  v = visible(r, ReadView{20, 0, 0}, &o, 0);
  EXPECT_EQ(v.kind, Visibility::kCommitted);
  v = visible(r, ReadView{19, 0, 0}, &o, 0);
  EXPECT_EQ(v.kind, Visibility::kHistory);
  EXPECT_EQ(v.ts, 10u);
  v = visible(r, ReadView{7, 0, 0}, &o, 0);
  EXPECT_EQ(v.kind, Visibility::kHistory);
  EXPECT_EQ(v.ts, 5u);
  v = visible(r, ReadView{4, 0, 0}, &o, 0);
  EXPECT_EQ(v.kind, Visibility::kInvisible);
  EXPECT_EQ(v.newest, (partition_api::Version{20, false}));
  Record d = committed(30, "", true);
  EXPECT_EQ(visible(d, ReadView{40, 0, 0}, &o, 0).kind, Visibility::kInvisible);
  EXPECT_EQ(visible(d, ReadView{40, 0, 0}, &o, 0).newest, (partition_api::Version{30, true}));
}

TEST(Visibility, OwnWritesByCommandId) {
  FakeOracle o;
  Record r = committed(10, "base");
  push_intent(r, 7, 0, 2, false, "cmd2");
  push_intent(r, 7, 0, 4, false, "cmd4");
  // The statement that wrote (cid 2) does not see its own write.
  auto v = visible(r, ReadView{100, 7, 2}, &o, 0);
  EXPECT_EQ(v.kind, Visibility::kCommitted);
  EXPECT_EQ(v.value, "base");
  v = visible(r, ReadView{100, 7, 3}, &o, 0);
  EXPECT_EQ(v.kind, Visibility::kOwn);
  EXPECT_EQ(v.value, "cmd2");
  v = visible(r, ReadView{100, 7, 5}, &o, 0);
  EXPECT_EQ(v.value, "cmd4");
  // Same command twice: replaced.
  push_intent(r, 7, 0, 4, true, "");
  EXPECT_EQ(r.entries.size(), 2u);
  EXPECT_EQ(visible(r, ReadView{100, 7, 5}, &o, 0).kind, Visibility::kInvisible);
  EXPECT_EQ(o.calls, 0) << "own intents never ask the oracle";
}

TEST(Visibility, SavepointRollbackRestoresEarlierWrite) {
  FakeOracle o;
  Record r = committed(10, "base");
  push_intent(r, 7, 0, 1, false, "top");
  push_intent(r, 7, 1, 2, false, "sub1");
  push_intent(r, 7, 3, 3, false, "sub3");
  EXPECT_TRUE(rollback_intent(r, 3));
  EXPECT_EQ(visible(r, ReadView{100, 7, 9}, &o, 0).value, "sub1");
  EXPECT_TRUE(rollback_intent(r, 1));
  EXPECT_EQ(visible(r, ReadView{100, 7, 9}, &o, 0).value, "top");
  EXPECT_FALSE(rollback_intent(r, 1));
  EXPECT_TRUE(rollback_intent(r, 0));
  EXPECT_FALSE(r.has_intent());
  EXPECT_EQ(visible(r, ReadView{100, 7, 9}, &o, 0).value, "base");
}

TEST(Visibility, OtherTransactionsIntent) {
  FakeOracle o;
  Record r = committed(10, "base");
  push_intent(r, 8, 0, 1, false, "theirs");
  // pending: ignored
  o.states[8] = {TxnState::kPending, 0};
  auto v = visible(r, ReadView{100, 7, 5}, &o, 0);
  EXPECT_EQ(v.value, "base");
  EXPECT_FALSE(v.intent_reported_aborted);
  // committed at 50, being resolved: visible at read_ts >= 50 only
  o.states[8] = {TxnState::kCommitted, 50};
  v = visible(r, ReadView{100, 7, 5}, &o, 0);
  EXPECT_EQ(v.kind, Visibility::kCommitted);
  EXPECT_EQ(v.value, "theirs");
  EXPECT_EQ(v.ts, 50u);
  EXPECT_EQ(v.newest, (partition_api::Version{50, false}));
  v = visible(r, ReadView{49, 7, 5}, &o, 0);
  EXPECT_EQ(v.value, "base");
  EXPECT_EQ(v.newest, (partition_api::Version{50, false}));
  // aborted / unknown: ignored, flagged for a re-read
  o.states.erase(8);
  v = visible(r, ReadView{100, 7, 5}, &o, 0);
  EXPECT_EQ(v.value, "base");
  EXPECT_TRUE(v.intent_reported_aborted);
  // an intent of an earlier boot is dead without asking
  int calls = o.calls;
  v = visible(r, ReadView{100, 7, 5}, &o, 9);
  EXPECT_EQ(v.value, "base");
  EXPECT_EQ(o.calls, calls);
}

TEST(Visibility, InsertByOtherPendingIsInvisible) {
  FakeOracle o;
  Record r;
  push_intent(r, 8, 0, 1, false, "new row");
  o.states[8] = {TxnState::kPending, 0};
  EXPECT_EQ(visible(r, ReadView{100, 7, 5}, &o, 0).kind, Visibility::kInvisible);
  EXPECT_EQ(visible(r, ReadView{100, 8, 5}, &o, 0).kind, Visibility::kOwn);
  EXPECT_EQ(visible(r, ReadView{100, 8, 1}, &o, 0).kind, Visibility::kInvisible);
}

TEST(Intent, CompactionKeepsWhatRollbackAndCurrentViewsNeed) {
  Record r;
  for (CommandId c = 1; c <= 20; ++c) push_intent(r, 7, 0, c, false, "x");
  EXPECT_LE(r.entries.size(), 9u);
  push_intent(r, 7, 5, 21, false, "in sub 5");
  push_intent(r, 7, 5, 22, false, "in sub 5 again");
  rollback_intent(r, 5);
  ASSERT_TRUE(r.has_intent());
  EXPECT_EQ(r.entries.back().sub, 0u);
  EXPECT_EQ(r.entries.back().cid, 20u);
}

}  // namespace
}  // namespace hf::mvcc
