// sql/sql_test_util.h — an in-process harness for end-to-end SQL tests: a real local node
// (RocksDB partitions) and transaction manager, a catalog, the engine, and a fake
// SessionContext in autocommit mode (each exec() runs in its own transaction). Also a runner
// for sqllogictest-style files (DuckDB style):
//
//   statement ok | statement error [SQLSTATE [message]]
//   <sql, one or more lines, ended by a blank line>
//
//   query [anything]
//   <sql>
//   ----
//   <expected rows, columns separated by single spaces, NULL for null>
//
// Test-only; used from one thread.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "activity/registry.h"
#include "catalog/catalog.h"
#include "coord/txn_manager.h"
#include "partition/local_node.h"
#include "partition_api/counting_partition_for_tests.h"
#include "sql/engine.h"
#include "sql/types/type_io.h"

namespace hf::sql::testing {

class FakeSession : public SessionContext {
 public:
  coord::Transaction& transaction() override { return *txn; }
  std::string get_setting(const std::string& name) override {
    auto it = settings.find(name);
    if (it == settings.end())
      throw SqlError(sqlstate::kUndefinedObject,
                     "unrecognized configuration parameter \"" + name + "\"");
    return it->second;
  }
  void set_setting(const std::string& name, const std::string& value, bool) override {
    settings[name] = value;
  }
  int32_t backend_pid() const override { return 4242; }
  runtime::CancelToken& cancel() override { return cancel_token; }
  activity::SessionRegistry& registry() override { return reg; }
  void notice(const Error& n) override { notices.push_back(n.message); }
  int64_t transaction_start_us() const override { return 0; }
  int64_t statement_start_us() const override { return 0; }
  runtime::Deadline lock_deadline() const override { return runtime::Deadline::max(); }
  runtime::Deadline statement_deadline() const override { return stmt_deadline; }
  void copy_in_start(bool, int) override {}
  std::optional<std::string> copy_in_next() override {
    if (copy_pos >= copy_chunks.size()) return std::nullopt;
    return copy_chunks[copy_pos++];
  }
  void copy_out_start(bool, int) override {}
  void copy_out_data(const std::string&) override {}
  void copy_out_done() override {}
  uint64_t session_lock_owner() const override { return 1; }
  Oid current_user_id() const override { return user; }
  Oid session_user_id() const override { return user; }
  uint64_t temp_namespace() const override { return temp_ns; }

  std::unique_ptr<coord::Transaction> txn;
  uint64_t temp_ns = 0;  // the temporary tables statements see (0: none)
  Oid user = 10;         // the role statements run as (10: the bootstrap superuser)
  std::map<std::string, std::string> settings{{"application_name", ""}, {"TimeZone", "UTC"}};
  runtime::CancelToken cancel_token;
  runtime::Deadline stmt_deadline = runtime::Deadline::max();  // statement_timeout's
  activity::SessionRegistry reg;
  std::vector<std::string> notices;
  std::vector<std::string> copy_chunks;
  size_t copy_pos = 0;
};

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // text form, "NULL" for null
  std::string tag;
};

class SqlHarness {
 public:
  // counting: every partition is wrapped in a CountingPartition (counters()).
  explicit SqlHarness(const std::string& dir, bool counting = false)
      : dir_(dir), counting_(counting) {
    std::filesystem::remove_all(dir_);
    open();
  }
  ~SqlHarness() {
    close();
    std::filesystem::remove_all(dir_);
  }
  void open() {
    node_ = partition::open_local_node(dir_, 4);
    auto c = node_->clock();
    auto parts = node_->partitions();
    counters_.clear();
    if (counting_)
      for (auto& p : parts) {
        counters_.push_back(std::make_unique<partition_api::CountingPartition>(p));
        p = counters_.back().get();
      }
    txns_ = coord::make_txn_manager(parts, {c.start_ts, c.first_txn_id, c.last_txn_id});
    node_->attach(&txns_->status_oracle(), [m = txns_.get()] { return m->oldest_snapshot(); });
    catalog_ = std::make_unique<catalog::Catalog>(*txns_, 4);
    catalog_->load();
    engine_ = make_engine(*catalog_, *txns_);
  }
  void close() {
    engine_.reset();
    catalog_.reset();
    txns_.reset();
    counters_.clear();
    node_.reset();
  }
  void restart() {
    close();
    open();
  }

  // Runs every statement of sql in its own transaction; returns the last result.
  QueryResult exec(const std::string& sql, const std::vector<Datum>& params = {}) {
    QueryResult out;
    for (auto& raw : engine_->parse(sql)) {
      if (raw.kind != StatementKind::kQuery) continue;
      session_.txn = txns_->begin({});
      try {
        auto p = engine_->prepare(raw, {}, session_);
        auto cur = engine_->execute(p, params, session_);
        struct Sink : RowSink {
          QueryResult* r;
          const std::vector<ResultColumn>* cols;
          void row(const Row& row) override {
            std::vector<std::string> v;
            for (size_t i = 0; i < row.size(); ++i)
              v.push_back(row[i].is_null() ? "NULL" : types::to_text(row[i], (*cols)[i].type));
            r->rows.push_back(std::move(v));
          }
        } sink;
        out = QueryResult{};
        sink.r = &out;
        sink.cols = &p->columns();
        for (auto& c : p->columns()) out.columns.push_back(c.name);
        while (!cur->fetch(0, sink)) {
        }
        out.tag = cur->tag();
        session_.txn->commit();
      } catch (...) {
        session_.txn->abort();
        session_.txn.reset();
        throw;
      }
      session_.txn.reset();
    }
    return out;
  }

  FakeSession& session() { return session_; }
  catalog::Catalog& catalog() { return *catalog_; }
  coord::TxnManager& txns() { return *txns_; }
  Engine& engine() { return *engine_; }
  partition::LocalNode& node() { return *node_; }
  // The partitions' call counters (empty unless constructed with counting = true).
  std::vector<std::unique_ptr<partition_api::CountingPartition>>& counters() { return counters_; }

 private:
  std::string dir_;
  bool counting_ = false;
  std::vector<std::unique_ptr<partition_api::CountingPartition>> counters_;
  std::unique_ptr<partition::LocalNode> node_;
  std::unique_ptr<coord::LocalTxnManager> txns_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<Engine> engine_;
  FakeSession session_;
};

// Runs a sqllogictest-style file; returns a description of each failure (empty: passed).
inline std::vector<std::string> run_logic_file(SqlHarness& h, const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::vector<std::string> failures;
  size_t i = 0;
  auto read_block = [&](bool stop_at_dashes) {
    std::string sql;
    while (i < lines.size() && !lines[i].empty() && !(stop_at_dashes && lines[i] == "----"))
      sql += lines[i++] + "\n";
    return sql;
  };
  while (i < lines.size()) {
    std::string line = lines[i];
    if (line.empty() || line[0] == '#') {
      ++i;
      continue;
    }
    size_t at = i + 1;
    if (line.rfind("statement", 0) == 0) {
      ++i;
      std::string sql = read_block(false);
      bool expect_ok = line.find("ok") != std::string::npos;
      std::string want_state = expect_ok ? "" : (line.size() > 16 ? line.substr(16) : "");
      // "statement error SQLSTATE message text": the message must match too.
      std::string want_message;
      if (size_t sp = want_state.find(' '); sp != std::string::npos) {
        want_message = want_state.substr(sp + 1);
        want_state.resize(sp);
      }
      try {
        h.exec(sql);
        if (!expect_ok)
          failures.push_back(path + ":" + std::to_string(at) + ": expected an error: " + sql);
      } catch (const SqlError& e) {
        if (expect_ok)
          failures.push_back(path + ":" + std::to_string(at) + ": " + e.error().sqlstate + " " +
                             e.error().message);
        else if ((!want_state.empty() && want_state != e.error().sqlstate) ||
                 (!want_message.empty() && want_message != e.error().message))
          failures.push_back(path + ":" + std::to_string(at) + ": wanted " + want_state + " " +
                             want_message + ", got " + e.error().sqlstate + " " +
                             e.error().message);
      }
      continue;
    }
    if (line.rfind("query", 0) == 0) {
      ++i;
      std::string sql = read_block(true);
      std::vector<std::string> expected;
      if (i < lines.size() && lines[i] == "----") {
        ++i;
        while (i < lines.size() && !lines[i].empty()) expected.push_back(lines[i++]);
      }
      try {
        auto r = h.exec(sql);
        std::vector<std::string> got;
        for (auto& row : r.rows) {
          std::string s;
          for (size_t c = 0; c < row.size(); ++c) s += (c ? " " : "") + row[c];
          got.push_back(s);
        }
        if (got != expected) {
          std::string msg = path + ":" + std::to_string(at) + ": " + sql + "got:\n";
          for (auto& g : got) msg += "  " + g + "\n";
          msg += "expected:\n";
          for (auto& e : expected) msg += "  " + e + "\n";
          failures.push_back(msg);
        }
      } catch (const SqlError& e) {
        failures.push_back(path + ":" + std::to_string(at) + ": " + e.error().sqlstate + " " +
                           e.error().message);
      }
      continue;
    }
    ++i;
  }
  return failures;
}

}  // namespace hf::sql::testing
