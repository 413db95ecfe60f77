// partition/partition_log_test.cc — a write as one part per partition (PartitionBatches B1-B3)
// and the direct log that writes it as one RocksDB write.
#include "partition/partition_log.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "storage/engine.h"
#include "storage/keys.h"

namespace hf::partition {
namespace {

std::string row(uint16_t partition, const std::string& key) {
  return storage::row_key(partition, 1001, 0, key);
}

// The operations of a batch as text, in order: "P key=value;" and "D key;".
std::string ops(const rocksdb::WriteBatch& b) {
  struct Printer : rocksdb::WriteBatch::Handler {
    rocksdb::Status PutCF(uint32_t, const rocksdb::Slice& k, const rocksdb::Slice& v) override {
      out += "P " + k.ToString(true) + "=" + v.ToString() + ";";
      return rocksdb::Status::OK();
    }
    rocksdb::Status DeleteCF(uint32_t, const rocksdb::Slice& k) override {
      out += "D " + k.ToString(true) + ";";
      return rocksdb::Status::OK();
    }
    std::string out;
  } p;
  EXPECT_TRUE(b.Iterate(&p).ok());
  return p.out;
}

TEST(PartitionBatches, OnePartPerPartitionInTheOrderFirstNamed) {
  PartitionBatches b;
  rocksdb::WriteBatch& two = b.of(2);
  two.Put(row(2, "a"), "1");
  b.of(0).Put(row(0, "b"), "2");
  b.of(2).Delete(row(2, "c"));  // the same part again
  b.of(0).Put(storage::commit_record_key(0, 9), "record");
  for (int i = 0; i < 50; ++i) b.of(static_cast<uint32_t>(10 + i));  // B1: `two` stays valid
  two.Put(row(2, "d"), "3");
  ASSERT_EQ(b.parts(), 52u);
  EXPECT_EQ(b.partition(0), 2u);
  EXPECT_EQ(b.partition(1), 0u);
  EXPECT_EQ(b.part(0).Count(), 3u);
  EXPECT_EQ(b.part(1).Count(), 2u);
  EXPECT_EQ(b.count(), 5u);
  EXPECT_EQ(b.check(), "");
}

TEST(PartitionBatches, CheckNamesAPartHoldingAnotherPartitionsKey) {
  PartitionBatches b;
  b.of(1).Put(row(1, "mine"), "x");
  b.of(3).Put(row(3, "mine"), "x");
  EXPECT_EQ(b.check(), "");
  b.of(3).Delete(storage::commit_record_key(1, 7));  // partition 1's record in 3's part
  EXPECT_NE(b.check().find("outside partition 3"), std::string::npos) << b.check();
  PartitionBatches meta;
  meta.of(0).Put(storage::meta_key("epoch"), "e");  // node-wide: no partition's
  EXPECT_NE(meta.check(), "");
}

TEST(PartitionBatches, CombinedIsThePartsInOrderAsOneBatch) {
  PartitionBatches one;
  one.of(4).Put(row(4, "a"), "1");
  EXPECT_EQ(&one.combined(), &one.part(0)) << "B3: one part is written as it is";

  PartitionBatches b;
  b.of(1).Put(row(1, "a"), "1");
  b.of(0).Put(row(0, "b"), "2");
  b.of(1).Delete(row(1, "z"));
  b.of(5);  // an empty part adds nothing
  b.of(0).Put(row(0, "c"), "3");
  const std::string expected = ops(b.part(0)) + ops(b.part(1));
  rocksdb::WriteBatch& all = b.combined();
  EXPECT_EQ(all.Count(), 4u);
  EXPECT_EQ(ops(all), expected);
}

class DirectLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("hf_partition_log_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    engine_ = storage::Engine::open(dir_);
  }
  void TearDown() override {
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::unique_ptr<storage::Engine> engine_;
};

TEST_F(DirectLogTest, PartsOfSeveralPartitionsAreOneSyncedWrite) {
  DirectLog log(*engine_);
  engine_->put(row(1, "gone"), "x", storage::Durability::kWal);
  PartitionBatches b;
  b.of(0).Put(row(0, "a"), "A");
  b.of(1).Put(row(1, "b"), "B");
  b.of(1).Delete(row(1, "gone"));
  b.of(2).Put(storage::commit_record_key(2, 5), "R");
  const uint64_t writes = engine_->synced_writes();
  log.write(b, storage::Durability::kSynced);
  EXPECT_EQ(engine_->synced_writes(), writes + 1) << "one synced write for all the parts";
  std::string v;
  EXPECT_TRUE(engine_->get(row(0, "a"), &v));
  EXPECT_EQ(v, "A");
  EXPECT_TRUE(engine_->get(row(1, "b"), &v));
  EXPECT_FALSE(engine_->get(row(1, "gone"), &v));
  EXPECT_TRUE(engine_->get(storage::commit_record_key(2, 5), &v));
  PartitionBatches none;
  log.write(none, storage::Durability::kSynced);
  EXPECT_EQ(engine_->synced_writes(), writes + 1) << "nothing to write: no write";
}

}  // namespace
}  // namespace hf::partition
