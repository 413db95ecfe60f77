// coord/local_node_fixture_for_tests.h — a gtest fixture with one real LocalNode (8 partitions
// in a fresh RocksDB folder per test) and a LocalTxnManager over it, wired as the server wires
// them (status oracle and GC horizon attached). Test binaries that include it link hf_partition.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

#include "coord/txn_manager.h"
#include "partition/local_node.h"

namespace hf::coord {

class LocalNodeFixture : public ::testing::Test {
 protected:
  // prefix names the test binary in the temporary folder's name.
  explicit LocalNodeFixture(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(test.begin(), test.end(), '/', '_');  // a parameterized test's "Name/1"
    dir_ = (std::filesystem::temp_directory_path() /
            (prefix_ + std::to_string(::getpid()) + "_" + test))
               .string();
    std::filesystem::remove_all(dir_);
    node_ = partition::open_local_node(dir_, 8);
    use_partitions(node_->partitions());
  }
  // (Re)builds the transaction manager over `parts` (the node's partitions, or wrappers of
  // them, or remote ones) and attaches it to the node as the server does.
  void use_partitions(std::vector<partition_api::Partition*> parts) {
    txns_.reset();
    auto c = node_->clock();
    txns_ = make_txn_manager(std::move(parts), {c.start_ts, c.first_txn_id, c.last_txn_id});
    node_->attach(
        &txns_->status_oracle(), [m = txns_.get()] { return m->oldest_snapshot(); },
        &txns_->ssi_sink());
  }
  void TearDown() override {
    txns_.reset();
    node_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string prefix_;
  std::string dir_;
  std::unique_ptr<partition::LocalNode> node_;
  std::unique_ptr<LocalTxnManager> txns_;
};

}  // namespace hf::coord
