// sql/exec/routines.h — user-defined functions and triggers (issue 13): CREATE / DROP
// FUNCTION, DO, CREATE / DROP TRIGGER, calling a function from an expression or a FROM item,
// and firing row triggers from the write path.
//
// Owns: the DDL of functions and triggers (checks and PostgreSQL's errors: 42723, 42P13,
// 42883, 42725, 42704, 42710, 42P17), running a LANGUAGE sql body, and the seam to the PL/pgSQL
// interpreter (sql/plpgsql/), which sits above this layer and installs itself with
// set_plpgsql_runtime() when the engine is made.
//
// Design: a function is stored as text (catalog/functions.h) and its body is parsed, bound
// and planned each time it is called, inside the caller's transaction: the statements of
// the body run through exec::run() with the caller's session and coord::Transaction, so
// they see its snapshot, take row locks for it (SELECT ... FOR UPDATE SKIP LOCKED inside a
// function skips what other transactions hold) and are undone with it. Before each
// statement of a VOLATILE function the transaction starts a new statement (a new command id,
// and under READ COMMITTED a new snapshot), as PostgreSQL's CommandCounterIncrement and
// snapshot refresh do; STABLE and IMMUTABLE functions run in the caller's statement.
// Parameters are $n, and by name: a name that is not a column in scope is the parameter
// (bind::ParamNames). A LANGUAGE sql function returns the first row of its last statement
// (scalar; NULL when none) or all of its rows (SETOF / RETURNS TABLE). Errors raised in a
// body get PostgreSQL's CONTEXT line ('SQL function "f" statement 1').
//
// Thread safety: one session fiber. Calls MAY SUSPEND (the body's locks and writes).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "catalog/functions.h"
#include "sql/bind/binder.h"
#include "sql/bind/bound.h"
#include "sql/engine.h"

namespace hf::sql::exec {

struct ExecContext;

// What a procedural body needs from the executor: its SQL statements run in the caller's
// transaction. Owned by the call; used from the session's fiber only.
class RoutineContext {
 public:
  explicit RoutineContext(ExecContext& cx) : cx_(cx) {}
  struct Outcome {
    std::vector<std::string> names;  // result columns (empty: no result)
    std::vector<TypeRef> types;
    std::vector<Row> rows;
    int64_t processed = 0;  // rows returned or affected (PostgreSQL's SPI_processed)
    std::string tag;
  };
  // Parses, binds, plans and runs one statement with parameters `values` of `types`, named
  // by `names`. With new_command, a statement boundary first (see the top of this file).
  // MAY SUSPEND. Throws SqlError as the statement does (positions dropped); an error in
  // parsing or binding gets bind_context as a CONTEXT line (PostgreSQL's 'SQL expression
  // "..."' for the expressions PL/pgSQL prepares), unless it is empty.
  Outcome run(const std::string& sql, const bind::ParamNames& names,
              const std::vector<TypeRef>& types, const std::vector<Datum>& values, bool new_command,
              const std::string& bind_context = {});
  SessionContext& session();
  catalog::Catalog& catalog();
  coord::Transaction& txn();
  void notice(const Error& e);
  // A cancel request or a passed statement_timeout ends the call (loops call it per turn).
  void check_interrupts();

 private:
  // A statement parsed, bound and planned once in this call: a loop's expressions and
  // statements are prepared on its first turn, not on every turn. It holds while the catalog
  // version and the search path are those it was bound under (a DDL statement in the body,
  // or one committed by another session, makes the next use bind again).
  struct Prepared {
    std::vector<RawStatement> stmts;  // owns the parse tree the bound statement points into
    bind::BoundStatement bound;
    uint64_t catalog_version = 0;
    catalog::SearchPath search_path;
  };
  ExecContext& cx_;
  std::unordered_map<std::string, std::shared_ptr<const Prepared>> prepared_;
};

// What a row trigger's function gets (PostgreSQL's TriggerData).
struct TriggerCall {
  const catalog::Trigger* trigger = nullptr;
  const catalog::Table* table = nullptr;
  const char* op = "";           // "INSERT", "UPDATE", "DELETE"
  const Row* old_row = nullptr;  // UPDATE, DELETE
  const Row* new_row = nullptr;  // INSERT, UPDATE
  bool statement_level = false;  // FOR EACH STATEMENT: no NEW or OLD, TG_LEVEL 'STATEMENT'
};

// The PL/pgSQL interpreter, as this layer calls it. rows: the result rows (a scalar
// function returns one row of one value; SETOF: its RETURN NEXT / RETURN QUERY rows).
struct PlpgsqlRuntime {
  // Runs a LANGUAGE plpgsql function. MAY SUSPEND.
  std::function<std::vector<Row>(const catalog::Function& f, const std::vector<Datum>& args,
                                 RoutineContext& rc)>
      call;
  // Checks a body at CREATE FUNCTION (syntax errors as PostgreSQL reports them).
  std::function<void(const catalog::Function& f)> validate;
  // Runs a DO block's code. MAY SUSPEND.
  std::function<void(const std::string& code, RoutineContext& rc)> run_do;
  // Runs a trigger function for one row: the row it returned (NEW or OLD), nullopt for NULL
  // (a BEFORE trigger then skips the row). MAY SUSPEND.
  std::function<std::optional<Row>(const catalog::Function& f, const TriggerCall& call,
                                   RoutineContext& rc)>
      call_trigger;
};
void set_plpgsql_runtime(PlpgsqlRuntime runtime);

// Evaluates a kUserFunc call whose arguments are evaluated: the value (scalar functions).
Datum call_user_function(const bind::Expr& call, std::vector<Datum> args, ExecContext& cx);
// The rows of a kUserFunc call in FROM (each as wide as the function's output columns).
std::vector<Row> user_function_rows(const bind::Expr& call, std::vector<Datum> args,
                                    ExecContext& cx);

// PostgreSQL's after-trigger queue of one statement: AFTER ROW events are queued as the
// statement writes its rows and fired, in the order queued, once its rows are written (before
// its AFTER STATEMENT triggers), so each such trigger sees every change the statement made.
// One queue takes the events of every RowTriggers of the statement (INSERT ... ON CONFLICT
// DO UPDATE queues its inserts and its updates in one order). The queued rows are copies.
class AfterRowQueue {
 public:
  explicit AfterRowQueue(ExecContext& cx) : cx_(cx) {}
  // Fires the queued events in order and empties the queue. MAY SUSPEND.
  void fire();

 private:
  friend class RowTriggers;
  // One changed row and the AFTER triggers it fires (its RowTriggers', which outlive the
  // queue's fire(): both belong to the statement).
  struct Event {
    const std::vector<catalog::TriggerPtr>* triggers;
    const catalog::Table* table;
    uint8_t event;
    std::optional<Row> old_row, new_row;
  };
  ExecContext& cx_;
  std::vector<Event> events_;
};

// The row-level triggers (issue 13) of one table for one kind of change, fired by the
// write path (exec/modify.cc) around each row it writes, in name order, each in the
// caller's transaction: BEFORE triggers at once, AFTER triggers queued on the statement's
// AfterRowQueue. Not fired: COPY and foreign-key actions. MAY SUSPEND.
class RowTriggers {
 public:
  // updated_columns: for UPDATE, the columns its SET list names (UPDATE OF triggers fire only
  // when one of theirs is among them); nullptr: every trigger of the event.
  RowTriggers(const catalog::Table& table, uint8_t event, ExecContext& cx, AfterRowQueue& queue,
              const std::vector<int>* updated_columns = nullptr);
  bool empty() const { return before_.empty() && after_.empty(); }
  // BEFORE triggers: may replace *new_row; false when one returned NULL (skip the row).
  bool before(const Row* old_row, Row* new_row);
  // Queues the AFTER triggers' events for this row.
  void after(const Row* old_row, const Row* new_row);

 private:
  const catalog::Table& table_;
  uint8_t event_;
  ExecContext& cx_;
  AfterRowQueue& queue_;
  std::vector<catalog::TriggerPtr> before_, after_;
};

// The statement-level triggers (FOR EACH STATEMENT) of one INSERT, UPDATE or DELETE on table:
// the BEFORE ones (before = true) fire once before its first row, the AFTER ones once after
// its last, even when it touched no row, as PostgreSQL fires them. updated_columns: as
// RowTriggers'.
void fire_statement_triggers(const catalog::Table& table, uint8_t event, bool before,
                             ExecContext& cx, const std::vector<int>* updated_columns = nullptr);

// CREATE [OR REPLACE] FUNCTION, DROP FUNCTION, DO: the command tag.
std::string create_function(const PgQuery__CreateFunctionStmt* s, ExecContext& cx);
std::string drop_function(const PgQuery__DropStmt* s, ExecContext& cx);
std::string run_do(const PgQuery__DoStmt* s, ExecContext& cx);
// CREATE TRIGGER ... FOR EACH ROW, DROP TRIGGER [IF EXISTS] name ON table.
std::string create_trigger(const PgQuery__CreateTrigStmt* s, ExecContext& cx);
std::string drop_trigger(const PgQuery__DropStmt* s, ExecContext& cx);

// pg_get_function_result / pg_get_function_arguments (psql's \\df): "SETOF integer",
// "TABLE(a integer, b text)"; "x integer, y text DEFAULT 'a'::text".
std::string function_result_text(const catalog::Function& f);
std::string function_arguments_text(const catalog::Function& f);

// "name(integer, text)" as PostgreSQL's "does not exist" messages show a signature
// (func_signature_string); compact: "name(integer,text)" as its HINTs and CONTEXT lines
// show a function (format_procedure).
std::string function_signature(const std::string& name, const std::vector<TypeRef>& types,
                               bool compact = false);

}  // namespace hf::sql::exec
