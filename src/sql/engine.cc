// sql/engine.cc — the Engine of sql/engine.h: parse → bind → plan once per prepare, execute
// many times with parameters (a prepared statement never re-binds; it goes stale when the
// catalog version changes and the session re-prepares it). prepare() locks the relations the
// statement names and binds again when the catalog changed while it waited (issue 13).
#include <algorithm>
#include <atomic>
#include <chrono>

#include "catalog/catalog.h"
#include "common/error.h"
#include "runtime/fiber.h"
#include "sql/bind/binder.h"
#include "sql/engine.h"
#include "sql/exec/deferred_constraints.h"
#include "sql/exec/executor.h"
#include "sql/parse/parser.h"
#include "sql/plan/planner.h"
#include "sql/plpgsql/interpreter.h"
#include "sql/types/type_info.h"

namespace hf::sql {

namespace {

class Prepared : public PreparedStatement {
 public:
  Prepared(RawStatement raw, bind::BoundStatement bound, uint64_t version)
      : raw_(std::move(raw)), bound_(std::move(bound)), version_(version) {
    for (size_t i = 0; i < bound_.names.size(); ++i) {
      ResultColumn c;
      c.name = bound_.names[i];
      c.type = bound_.types[i];
      if (i < bound_.origins.size())
        c.table_oid = bound_.origins[i].first, c.column = bound_.origins[i].second;
      columns_.push_back(std::move(c));
    }
  }
  const std::vector<Oid>& param_types() const override { return bound_.param_types; }
  const std::vector<ResultColumn>& columns() const override { return columns_; }
  const RawStatement& raw() const override { return raw_; }
  bool stale(const catalog::Catalog& catalog) const override {
    // Utility statements read the catalog when they run; only plans over tables go stale.
    return bound_.kind != bind::BoundStatement::Kind::kUtility && catalog.version() != version_;
  }
  const bind::BoundStatement& bound() const { return bound_; }

 private:
  RawStatement raw_;
  bind::BoundStatement bound_;
  uint64_t version_;
  std::vector<ResultColumn> columns_;
};

// Runs the statement to completion when created (inside execute(), while the session's
// context is certainly alive) and hands the rows out in portal-sized pieces: fetch() never
// touches the session context, which the session may rebuild between Bind and Execute.
class MaterializedCursor : public Cursor {
 public:
  MaterializedCursor(const std::shared_ptr<Prepared>& stmt, const std::vector<Datum>& params,
                     SessionContext& ctx, catalog::Catalog& catalog)
      : is_select_(stmt->bound().kind == bind::BoundStatement::Kind::kSelect) {
    result_ = exec::run(stmt->bound(), catalog, ctx, params);
  }

  bool fetch(int64_t max_rows, RowSink& sink) override {
    int64_t sent = 0;
    while (pos_ < result_.rows.size() && (max_rows <= 0 || sent < max_rows)) {
      sink.row(result_.rows[pos_++]);
      ++sent;
    }
    if (pos_ < result_.rows.size()) return false;
    if (result_.stream) {
      // Rows read from the sort's files one at a time: never all in memory.
      Row row;
      while (max_rows <= 0 || sent < max_rows) {
        if (!result_.stream->next(row)) {
          result_.stream.reset();  // closes (and so removes) the temporary files
          break;
        }
        sink.row(row);
        ++sent;
        ++streamed_;
      }
      if (result_.stream) return false;
    }
    if (is_select_) result_.tag = "SELECT " + std::to_string(pos_ + streamed_);
    return true;
  }
  std::string tag() const override { return result_.tag; }

 private:
  bool is_select_;
  exec::Result result_;
  size_t pos_ = 0;
  size_t streamed_ = 0;
};

class EngineImpl : public Engine {
 public:
  EngineImpl(catalog::Catalog& catalog, coord::TxnManager& txns) : catalog_(catalog), txns_(txns) {}

  std::vector<RawStatement> parse(const std::string& sql) override { return parse::parse_sql(sql); }

  std::shared_ptr<PreparedStatement> prepare(const RawStatement& stmt,
                                             const std::vector<Oid>& param_types,
                                             SessionContext& ctx) override {
    if (stmt.kind != StatementKind::kQuery && stmt.kind != StatementKind::kPrepare)
      throw SqlError(sqlstate::kInternalError, "prepare() called for a session statement");
    const auto& ps = parse::parsed(stmt);
    // As PostgreSQL's parse analysis: the relations the statement names are locked once bound
    // (ROW EXCLUSIVE for the target of a write, ACCESS SHARE for the others). A DROP or ALTER
    // TABLE still open in another transaction holds ACCESS EXCLUSIVE: the lock waits for it,
    // and if the catalog changed meanwhile the statement binds again (the table may be gone:
    // "does not exist", or have other columns), as PostgreSQL looks the name up again.
    for (int attempt = 0;; ++attempt) {
      uint64_t version = catalog_.version();
      std::vector<Oid> params = param_types;
      bind::BoundStatement bound =
          bind::bind_statement(catalog_, ps.node, params, exec::session_search_path(catalog_, ctx));
      plan::plan_statement(bound);
      bound.lock_wait_seconds = ps.lock_wait_seconds;
      const auto before = runtime::Clock::now();
      if (!lock_relations(bound, ctx, catalog_))
        return std::make_shared<Prepared>(stmt, std::move(bound), version);
      // A lock that waited: another coordinator's DDL may have ended meanwhile (issue 12).
      if (runtime::Clock::now() - before > std::chrono::milliseconds(2)) catalog_.sync();
      if (catalog_.version() != version && attempt < 8) continue;
      return std::make_shared<Prepared>(stmt, std::move(bound), version);
    }
  }

  // The tables whose rows a SELECT's locking clauses lock, at any level.
  static void rows_locked(const bind::SelectPlan& p, std::vector<Oid>& out) {
    if (p.left) rows_locked(*p.left, out);
    if (p.right) rows_locked(*p.right, out);
    for (const auto& src : p.sources) {
      if (src.lock && src.table) out.push_back(src.table->oid);
      if (src.subquery) rows_locked(*src.subquery, out);
    }
  }

  // Locks what the bound statement names (see prepare); false when it names no user relation.
  static bool lock_relations(const bind::BoundStatement& bound, SessionContext& ctx,
                             catalog::Catalog& catalog) {
    std::vector<Oid> targets;
    if (bound.insert && bound.insert->table) targets.push_back(bound.insert->table->oid);
    if (bound.update && bound.update->table) targets.push_back(bound.update->table->oid);
    if (bound.del && bound.del->table) targets.push_back(bound.del->table->oid);
    if (bound.merge && bound.merge->table) targets.push_back(bound.merge->table->oid);
    if (bound.copy_table && bound.kind == bind::BoundStatement::Kind::kCopyFrom)
      targets.push_back(bound.copy_table->oid);
    // COPY (query) TO: what the query writes and locks.
    if (const auto* q = bound.copy_query.get()) {
      if (q->insert && q->insert->table) targets.push_back(q->insert->table->oid);
      if (q->update && q->update->table) targets.push_back(q->update->table->oid);
      if (q->del && q->del->table) targets.push_back(q->del->table->oid);
    }
    std::vector<Oid> locked;  // by a locking clause: ROW SHARE (sql/exec/select.cc)
    if (bound.select) rows_locked(*bound.select, locked);
    if (bound.copy_query && bound.copy_query->select)
      rows_locked(*bound.copy_query->select, locked);
    bool any = false;
    for (Oid oid : bound.relations) {
      if (oid < catalog::kFirstUserOid) continue;  // the system catalogs: never locked
      if (!any) any = true;
      auto in = [oid](const std::vector<Oid>& v) {
        return std::find(v.begin(), v.end(), oid) != v.end();
      };
      const uint8_t mode = in(targets)  ? coord::table_mode::kRowExclusive
                           : in(locked) ? coord::table_mode::kRowShare
                                        : coord::table_mode::kAccessShare;
      coord::LockWait wait{coord::WaitPolicy::kBlock, ctx.lock_deadline(), &ctx.cancel()};
      coord::Transaction& txn = ctx.transaction();
      txn.lock_table(oid, mode, wait);
      // Granted: a DROP, ALTER or CREATE INDEX that held a conflicting lock has ended, and its
      // commit hooks (which run after its locks went) finish its catalog change now.
      if (!catalog.wait_settled(oid, txn.id(), mode, &ctx.cancel()))
        throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to user request");
    }
    return any;
  }

  std::unique_ptr<Cursor> execute(std::shared_ptr<PreparedStatement> stmt,
                                  std::vector<Datum> params, SessionContext& ctx) override {
    auto p = std::static_pointer_cast<Prepared>(stmt);
    ctx.transaction().start_statement();
    return std::make_unique<MaterializedCursor>(p, params, ctx, catalog_);
  }

  void run_deferred_checks(SessionContext& session) override {
    exec::run_deferred_checks(catalog_, session);
  }

  std::vector<Datum> evaluate_arguments(const RawStatement& stmt, const std::vector<Oid>& types,
                                        SessionContext& ctx) override {
    const auto* ex = parse::parsed(stmt).node->execute_stmt;
    if (ex->n_params != types.size())
      throw SqlError(sqlstate::kSyntaxError,
                     "wrong number of parameters for prepared statement \"" + stmt.name + "\"",
                     "Expected " + std::to_string(types.size()) + " parameters but got " +
                         std::to_string(ex->n_params) + ".");
    if (types.empty()) return {};
    // The arguments are expressions (constants, casts, even subqueries): computed as one
    // SELECT of them, each cast to its parameter's type.
    std::string sql = "SELECT ";
    for (size_t i = 0; i < types.size(); ++i)
      sql += (i ? ", CAST((" : "CAST((") + parse::deparse_expr(ex->params[i]) + ") AS " +
             types::format_type(TypeRef{types[i], -1}) + ")";
    auto raw = parse(sql);
    auto cursor = execute(prepare(raw.at(0), {}, ctx), {}, ctx);
    struct One : RowSink {
      Row got;
      void row(const Row& r) override { got = r; }
    } one;
    cursor->fetch(0, one);
    return one.got;
  }

 private:
  catalog::Catalog& catalog_;
  coord::TxnManager& txns_;
};

}  // namespace

std::unique_ptr<Engine> make_engine(catalog::Catalog& catalog, coord::TxnManager& txns) {
  plpgsql::install();  // LANGUAGE plpgsql and DO (sql/plpgsql/interpreter.h)
  return std::make_unique<EngineImpl>(catalog, txns);
}

}  // namespace hf::sql
