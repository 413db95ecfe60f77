// session/fake_engine_for_tests.h — a tiny sql::Engine and coord::TxnManager for the
// session and wire tests (header-only; not part of any library).
//
// Statements (one per ';'-separated piece, case-insensitive keywords):
//   BEGIN / START TRANSACTION [ISOLATION LEVEL x] [READ ONLY], COMMIT / END [AND CHAIN],
//   ROLLBACK / ABORT, ROLLBACK TO [SAVEPOINT] x, SAVEPOINT x, RELEASE [SAVEPOINT] x,
//   SET [LOCAL] x = v | TO v | TO DEFAULT, RESET x|ALL, SHOW x|ALL, DISCARD ALL, DEALLOCATE x,
//   SELECT <int>            one int4 column "?column?"
//   SELECT $1 / SELECT $1::int4   echoes the parameter (text / int4)
//   GEN <n>                 n rows of one int8 column "g" (1..n)
//   FAIL                    throws 22012 division by zero when executed
//   BUG                     throws std::logic_error (not an SqlError) when executed
//   SYNTAX ERROR            parse throws 42601
//   SELECT pg_sleep(<s>) / SLEEP <ms>   waits on the session's cancel token
//   WRITE                   takes the transaction, "INSERT 0 1"
//   LOCKWAIT <ms>           takes the transaction and waits like a row lock wait (the
//                           session's LockWaitObserver is told), on the cancel token
// The transaction manager logs begin/commit/abort/savepoint calls.
#pragma once

#include <algorithm>
#include <cctype>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "coord/transaction.h"
#include "sql/engine.h"

namespace hf::testing {

class TxnLog {
 public:
  void add(std::string s) {
    std::lock_guard g(mu_);
    log_.push_back(std::move(s));
  }
  std::vector<std::string> take() {
    std::lock_guard g(mu_);
    auto out = std::move(log_);
    log_.clear();
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> log_;
};

class FakeTransaction : public coord::Transaction {
 public:
  FakeTransaction(TxnLog& log, coord::TxnId id, coord::BeginOptions o, coord::TxnManager* m)
      : log_(log), id_(id), opts_(o), m_(m) {}
  coord::TxnId id() const override { return id_; }
  coord::LockSession* lock_session() const { return opts_.session; }
  coord::Isolation isolation() const override { return opts_.isolation; }
  bool read_only() const override { return opts_.read_only; }
  void start_statement() override {}
  coord::ReadView view() const override { return {}; }
  std::optional<coord::RowVersion> get(const coord::KeySpace&, const std::string&,
                                       const std::string&) override {
    return std::nullopt;
  }
  std::unique_ptr<coord::RowCursor> scan(const coord::KeySpace&, const std::string&,
                                         const std::string&, bool,
                                         const std::optional<std::string>&) override {
    return nullptr;
  }
  coord::LatestState latest(const coord::KeySpace&, const std::string&,
                            const std::string&) override {
    return {};
  }
  coord::LockResult lock(const coord::KeySpace&, const std::string&, const std::string&,
                         coord::LockStrength, const coord::LockWait&,
                         std::optional<coord::Version>) override {
    return {};
  }
  void write(const coord::KeySpace&, const std::string&, const std::string&,
             const std::optional<std::string>&, bool) override {
    log_.add("write " + std::to_string(id_));
  }
  coord::SubId begin_subtransaction() override {
    ++next_sub_;
    log_.add("sub " + std::to_string(next_sub_));
    return next_sub_;
  }
  void rollback_to(coord::SubId sub) override { log_.add("rollback_to " + std::to_string(sub)); }
  void release(coord::SubId sub) override { log_.add("release " + std::to_string(sub)); }
  void commit() override { log_.add("commit " + std::to_string(id_)); }
  void abort() override { log_.add("abort " + std::to_string(id_)); }
  bool lock_table(uint32_t oid, uint8_t mode, const coord::LockWait&) override {
    log_.add("lock_table " + std::to_string(oid) + " " + std::to_string(mode));
    return true;
  }
  bool lock_advisory(const coord::ObjectTag&, bool, const coord::LockWait&, bool) override {
    return true;
  }
  bool unlock_advisory(const coord::ObjectTag&, bool) override { return true; }
  void unlock_all_advisory() override {}
  coord::TxnManager& manager() override { return *m_; }

 private:
  TxnLog& log_;
  coord::TxnId id_;
  coord::BeginOptions opts_;
  coord::TxnManager* m_;
  coord::SubId next_sub_ = 0;
};

class FakeTxnManager : public coord::TxnManager {
 public:
  std::unique_ptr<coord::Transaction> begin(const coord::BeginOptions& o) override {
    coord::TxnId id;
    {
      std::lock_guard g(mu_);
      id = ++next_;
    }
    log.add("begin " + std::to_string(id) +
            (o.isolation == coord::Isolation::kRepeatableRead ? " rr"
             : o.isolation == coord::Isolation::kSerializable ? " ser"
                                                              : "") +
            (o.read_only ? " ro" : ""));
    return std::make_unique<FakeTransaction>(log, id, o, this);
  }
  coord::Timestamp published() const override { return 0; }
  uint32_t partition_count() const override { return 1; }
  void release_owner(uint64_t) override {}
  std::vector<coord::LockEntry> lock_view() override { return {}; }
  std::vector<coord::Blocker> blockers(const std::vector<uint64_t>&) override { return {}; }
  TxnLog log;

 private:
  std::mutex mu_;
  coord::TxnId next_ = 0;
};

inline std::string fake_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

inline std::string fake_trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

class FakePrepared : public sql::PreparedStatement {
 public:
  FakePrepared(sql::RawStatement raw, std::vector<Oid> params, std::vector<sql::ResultColumn> cols)
      : raw_(std::move(raw)), params_(std::move(params)), cols_(std::move(cols)) {}
  const std::vector<Oid>& param_types() const override { return params_; }
  const std::vector<sql::ResultColumn>& columns() const override { return cols_; }
  const sql::RawStatement& raw() const override { return raw_; }
  bool stale(const catalog::Catalog&) const override { return false; }

 private:
  sql::RawStatement raw_;
  std::vector<Oid> params_;
  std::vector<sql::ResultColumn> cols_;
};

class FakeCursor : public sql::Cursor {
 public:
  FakeCursor(std::vector<Row> rows, std::string tag)
      : rows_(std::move(rows)), tag_(std::move(tag)) {}
  bool fetch(int64_t max_rows, sql::RowSink& sink) override {
    int64_t n = 0;
    while (pos_ < rows_.size() && (max_rows <= 0 || n < max_rows)) {
      sink.row(rows_[pos_++]);
      ++n;
    }
    return pos_ >= rows_.size();
  }
  std::string tag() const override { return tag_; }

 private:
  std::vector<Row> rows_;
  size_t pos_ = 0;
  std::string tag_;
};

class FakeEngine : public sql::Engine {
 public:
  std::vector<sql::RawStatement> parse(const std::string& sql) override {
    std::vector<sql::RawStatement> out;
    std::string piece;
    std::vector<std::string> pieces;
    for (char c : sql) {
      if (c == ';') {
        pieces.push_back(piece);
        piece.clear();
      } else {
        piece.push_back(c);
      }
    }
    pieces.push_back(piece);
    for (auto& p : pieces) {
      std::string text = fake_trim(p);
      if (text.empty()) continue;
      out.push_back(parse_one(text));
    }
    return out;
  }

  std::shared_ptr<sql::PreparedStatement> prepare(const sql::RawStatement& stmt,
                                                  const std::vector<Oid>& param_types,
                                                  sql::SessionContext&) override {
    std::string l = fake_lower(stmt.text);
    std::vector<sql::ResultColumn> cols;
    std::vector<Oid> params;
    if (l.rfind("select $1", 0) == 0) {
      Oid t = l.find("::int") != std::string::npos ? type_oid::kInt4 : type_oid::kText;
      if (!param_types.empty() && param_types[0] != 0) t = param_types[0];
      params.push_back(t);
      cols.push_back({"?column?", TypeRef{t, -1}});
    } else if (l.rfind("select pg_sleep", 0) == 0) {
      cols.push_back({"pg_sleep", TypeRef{type_oid::kText, -1}});
    } else if (l.rfind("select", 0) == 0) {
      cols.push_back({"?column?", TypeRef{type_oid::kInt4, -1}});
    } else if (l.rfind("gen", 0) == 0) {
      cols.push_back({"g", TypeRef{type_oid::kInt8, -1}});
    } else if (l == "fail" || l == "bug" || l.rfind("sleep", 0) == 0 || l == "write" ||
               l.rfind("lockwait", 0) == 0) {
    } else {
      throw SqlError(sqlstate::kUndefinedTable, "relation \"" + l + "\" does not exist");
    }
    return std::make_shared<FakePrepared>(stmt, params, cols);
  }

  std::vector<Datum> evaluate_arguments(const sql::RawStatement&, const std::vector<Oid>&,
                                        sql::SessionContext&) override {
    throw SqlError(sqlstate::kFeatureNotSupported, "EXECUTE is not supported by the fake engine");
  }
  std::unique_ptr<sql::Cursor> execute(std::shared_ptr<sql::PreparedStatement> stmt,
                                       std::vector<Datum> params,
                                       sql::SessionContext& ctx) override {
    std::string l = fake_lower(stmt->raw().text);
    if (l == "fail") throw SqlError(sqlstate::kDivisionByZero, "division by zero");
    if (l == "bug") throw std::logic_error("a bug in the fake engine");
    if (l == "write") {
      ctx.transaction().write({}, "", "", std::string("x"));
      return std::make_unique<FakeCursor>(std::vector<Row>{}, "INSERT 0 1");
    }
    if (l.rfind("lockwait", 0) == 0) {
      auto* txn = dynamic_cast<FakeTransaction*>(&ctx.transaction());
      coord::LockSession* ls = txn ? txn->lock_session() : nullptr;
      partition_api::LockWaitObserver* obs = ls ? ls->wait_observer() : nullptr;
      auto deadline = runtime::Clock::now() + std::chrono::milliseconds(std::stoll(l.substr(8)));
      if (obs) obs->wait_started(partition_api::LockKind::kRow, true);
      bool slept = runtime::sleep_until(deadline, &ctx.cancel());
      if (obs) obs->wait_ended();
      if (!slept)
        throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to user request");
      return std::make_unique<FakeCursor>(std::vector<Row>{}, "LOCKWAIT");
    }
    if (l.rfind("select pg_sleep(", 0) == 0 || l.rfind("sleep", 0) == 0) {
      double secs =
          l[0] == 's' && l[1] == 'l' ? std::stod(l.substr(5)) / 1000.0 : std::stod(l.substr(16));
      auto deadline =
          runtime::Clock::now() + std::chrono::microseconds(static_cast<int64_t>(secs * 1e6));
      if (!runtime::sleep_until(deadline, &ctx.cancel())) {
        if (ctx.cancel().take() == runtime::CancelToken::kStatementTimeout)
          throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to statement timeout");
        throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to user request");
      }
      std::vector<Row> rows;
      if (l[0] == 's' && l[1] == 'e') rows.push_back(Row{Datum(std::string())});
      return std::make_unique<FakeCursor>(std::move(rows), rows.empty() ? "SLEEP" : "SELECT 1");
    }
    if (l.rfind("select $1", 0) == 0) {
      return std::make_unique<FakeCursor>(std::vector<Row>{Row{params.at(0)}}, "SELECT 1");
    }
    if (l.rfind("select", 0) == 0) {
      int64_t v = std::stoll(l.substr(6));
      return std::make_unique<FakeCursor>(std::vector<Row>{Row{Datum(v)}}, "SELECT 1");
    }
    if (l.rfind("gen", 0) == 0) {
      int64_t n = std::stoll(l.substr(3));
      std::vector<Row> rows;
      for (int64_t i = 1; i <= n; ++i) rows.push_back(Row{Datum(i)});
      return std::make_unique<FakeCursor>(std::move(rows), "SELECT " + std::to_string(n));
    }
    throw SqlError(sqlstate::kInternalError, "fake engine cannot run " + l);
  }

 private:
  static std::vector<std::string> words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> w;
    std::string x;
    while (in >> x) w.push_back(x);
    return w;
  }

  sql::RawStatement parse_one(const std::string& text) {
    using K = sql::StatementKind;
    sql::RawStatement r;
    r.text = text;
    std::string l = fake_lower(text);
    auto w = words(l);
    auto orig = words(text);
    const std::string& first = w[0];
    if (first == "syntax") {
      Error e{sqlstate::kSyntaxError, "syntax error at or near \"SYNTAX\""};
      e.position = 1;
      throw SqlError(e);
    }
    if (first == "begin" || first == "start") {
      r.kind = K::kBegin;
      r.tag = first == "begin" ? "BEGIN" : "START TRANSACTION";
      auto pos = l.find("isolation level ");
      if (pos != std::string::npos) {
        std::string rest = l.substr(pos + 16);
        for (const char* lvl : {"serializable", "repeatable read", "read committed"})
          if (rest.rfind(lvl, 0) == 0) r.isolation = lvl;
      }
      if (l.find("read only") != std::string::npos) r.read_only = true;
    } else if (first == "commit" || first == "end") {
      r.kind = K::kCommit;
      r.chain = l.find("and chain") != std::string::npos;
      r.tag = "COMMIT";
    } else if ((first == "rollback" || first == "abort") && w.size() >= 3 && w[1] == "to") {
      r.kind = K::kRollbackTo;
      r.name = w.back();
      r.tag = "ROLLBACK";
    } else if (first == "rollback" || first == "abort") {
      r.kind = K::kRollback;
      r.chain = l.find("and chain") != std::string::npos;
      r.tag = "ROLLBACK";
    } else if (first == "savepoint") {
      r.kind = K::kSavepoint;
      r.name = w.at(1);
      r.tag = "SAVEPOINT";
    } else if (first == "release") {
      r.kind = K::kRelease;
      r.name = w.back();
      r.tag = "RELEASE";
    } else if (first == "set") {
      r.kind = K::kSet;
      r.tag = "SET";
      size_t i = 1;
      if (w.size() > 1 && w[1] == "local") {
        r.is_local = true;
        i = 2;
      } else if (w.size() > 1 && w[1] == "session" && w.size() > 2 && w[2] != "characteristics") {
        i = 2;
      }
      if (w.size() > i && w[i] == "transaction") {
        r.set_transaction = true;
        auto pos = l.find("isolation level ");
        if (pos != std::string::npos) {
          std::string rest = l.substr(pos + 16);
          for (const char* lvl : {"serializable", "repeatable read", "read committed"})
            if (rest.rfind(lvl, 0) == 0) r.isolation = lvl;
        }
        if (l.find("read only") != std::string::npos) r.read_only = true;
        return r;
      }
      // name = value | name to value
      std::string rest = text.substr(text.find(orig.at(i)));
      size_t eq = rest.find('=');
      size_t to = fake_lower(rest).find(" to ");
      size_t cut = eq != std::string::npos ? eq : to;
      std::string name = fake_trim(rest.substr(0, cut));
      std::string value = fake_trim(rest.substr(cut + (eq != std::string::npos ? 1 : 4)));
      r.name = name;
      if (fake_lower(value) != "default") {
        if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'')
          value = value.substr(1, value.size() - 2);
        r.values.push_back(value);
      }
    } else if (first == "reset") {
      r.kind = K::kReset;
      r.name = orig.at(1);
      r.tag = "RESET";
    } else if (first == "show") {
      r.kind = K::kShow;
      r.name = fake_trim(text.substr(5));
      r.tag = "SHOW";
    } else if (first == "discard") {
      r.kind = K::kDiscard;
      r.name = w.size() > 1 ? w[1] : "all";
      r.tag = "DISCARD ALL";
    } else if (first == "deallocate") {
      r.kind = K::kDeallocate;
      r.name = w.size() > 1 && w[1] != "all" ? orig.back() : "";
    } else {
      r.kind = K::kQuery;
    }
    return r;
  }
};

}  // namespace hf::testing
