// sql/engine.h — the SQL layer as the session sees it: parse, prepare, execute.
//
// The session (session/) owns transaction-block state, settings, prepared statements and
// portals; the SQL layer turns text into plans and runs them against a coord::Transaction.
// The split: statements that only change session state (BEGIN/COMMIT/ROLLBACK/SAVEPOINT/
// RELEASE, SET/RESET/SHOW, DISCARD, DEALLOCATE, PREPARE/EXECUTE) are recognised by
// RawStatement::kind and carried out by the session using the parsed fields below;
// everything else is prepared and executed here.
//
// Thread safety: Engine is shared by all sessions and thread-safe. A PreparedStatement is
// immutable once built and may be shared. A Cursor belongs to one session's fiber.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "activity/registry.h"
#include "common/datum.h"
#include "common/error.h"
#include "coord/transaction.h"
#include "runtime/fiber.h"
#include "sql/types/timezone.h"

namespace hf::catalog {
class Catalog;
}

namespace hf::locksvc {
class LockService;
}

namespace hf::sql {

// One column of a result.
struct ResultColumn {
  std::string name;
  TypeRef type;
  Oid table_oid = 0;   // source table, 0 if none
  int16_t column = 0;  // attribute number in that table, 0 if none
};

enum class StatementKind : uint8_t {
  kQuery,       // SELECT, VALUES, INSERT/UPDATE/DELETE (with or without RETURNING), DDL, COPY...
  kBegin,       // BEGIN / START TRANSACTION [isolation] [READ ONLY|WRITE]
  kCommit,      // COMMIT / END (and COMMIT AND CHAIN: chain = true)
  kRollback,    // ROLLBACK / ABORT
  kSavepoint,   // SAVEPOINT name
  kRelease,     // RELEASE [SAVEPOINT] name
  kRollbackTo,  // ROLLBACK TO [SAVEPOINT] name
  kSet,         // SET [LOCAL|SESSION] name = value / TO DEFAULT, SET TRANSACTION ...
  kReset,       // RESET name / RESET ALL
  kShow,        // SHOW name / SHOW ALL
  kDiscard,     // DISCARD ALL/PLANS/...
  kDeallocate,  // DEALLOCATE [PREPARE] name|ALL
  kPrepare,     // PREPARE name [(types)] AS statement: Engine::prepare() binds it
  kExecute,     // EXECUTE name [(arguments)]: Engine::evaluate_arguments() computes them
  kEmpty,       // an empty query
  kListen,      // LISTEN channel (name)
  kUnlisten,    // UNLISTEN channel | * (name; empty: *)
  kNotify,      // NOTIFY channel [, 'payload'] (name; values[0]: the payload, if given)
};

// A statement as split and parsed, before binding. The session-state fields are filled for
// the corresponding kinds.
struct RawStatement {
  StatementKind kind = StatementKind::kQuery;
  std::string text;  // this statement's text (without the other statements of the string)
  std::shared_ptr<const void> tree;  // parse tree owned by the SQL layer (opaque here)
  // kBegin / kSet with SET TRANSACTION: isolation level name ("read committed", ...), empty if
  // not given; read_only: nullopt if not given.
  std::string isolation;
  std::optional<bool> read_only;
  std::optional<bool> deferrable;  // DEFERRABLE / NOT DEFERRABLE; nullopt if not given
  // kBegin: BEGIN OPTIMISTIC (true) / BEGIN PESSIMISTIC (false); nullopt if not given.
  std::optional<bool> optimistic;
  bool chain = false;  // COMMIT/ROLLBACK AND CHAIN
  std::string name;    // savepoint, setting, prepared statement name (DEALLOCATE: "" = ALL)
  std::vector<std::string> values;  // SET values, each already as text; empty: DEFAULT
  bool is_local = false;            // SET LOCAL
  bool set_transaction = false;     // SET TRANSACTION / SET SESSION CHARACTERISTICS
  bool session_characteristics = false;
  // Command tag PostgreSQL reports for it when it is not a query (e.g. "BEGIN", "SET").
  std::string tag;
};

// What the SQL layer needs from the session while it executes.
struct DeferredConstraints;  // sql/exec/deferred_constraints.h

class SessionContext {
 public:
  virtual ~SessionContext() = default;
  // The current transaction's deferred foreign-key checks and SET CONSTRAINTS choices, kept
  // by the executor (it starts afresh when the transaction id changes); Engine::
  // run_deferred_checks() runs them at COMMIT.
  std::shared_ptr<DeferredConstraints> deferred_constraints;
  // The current transaction; the session starts an implicit one if none is open.
  virtual coord::Transaction& transaction() = 0;
  virtual std::string get_setting(const std::string& name) = 0;  // throws 42704 if unknown
  virtual void set_setting(const std::string& name, const std::string& value, bool is_local) = 0;
  virtual int32_t backend_pid() const = 0;
  virtual runtime::CancelToken& cancel() = 0;
  virtual activity::SessionRegistry& registry() = 0;
  virtual void notice(const Error& notice) = 0;
  // Time the current transaction and statement started (microseconds since 2000-01-01 UTC).
  virtual int64_t transaction_start_us() const = 0;
  virtual int64_t statement_start_us() const = 0;
  // Deadline for lock waits of the current statement (lock_timeout / statement_timeout).
  virtual runtime::Deadline lock_deadline() const = 0;
  // When statement_timeout ends the current statement (max: never). Long loops compare the
  // clock with it themselves: the timer that sets the cancel token runs on the statement's
  // own thread and cannot fire while the statement keeps that thread busy.
  virtual runtime::Deadline statement_deadline() const { return runtime::Deadline::max(); }
  // COPY FROM STDIN: pull the next CopyData payload (nullopt at CopyDone). MAY SUSPEND.
  virtual void copy_in_start(bool binary, int columns) = 0;
  virtual std::optional<std::string> copy_in_next() = 0;
  virtual void copy_out_start(bool binary, int columns) = 0;
  virtual void copy_out_data(const std::string& data) = 0;
  virtual void copy_out_done() = 0;
  // Session-level lock owner id (advisory session locks) and the session's in-transaction
  // state, for functions that need them.
  virtual uint64_t session_lock_owner() const = 0;
  // Added (issue 4): inside BEGIN ... COMMIT or an implicit block of several statements
  // (PostgreSQL's IsTransactionBlock; LOCK TABLE requires it).
  virtual bool in_transaction_block() const { return true; }
  // Added (issue 9): the role whose privileges statements run with (current_user, changed by
  // SET ROLE) and the session's user (session_user, changed only by SET SESSION
  // AUTHORIZATION). Default: the bootstrap superuser, oid 10.
  virtual Oid current_user_id() const { return 10; }
  virtual Oid session_user_id() const { return 10; }
  // Added (issue 11): the server's lock service (holdfast.lock and friends); null when the
  // server runs without one (tests): those functions then fail with 0A000.
  virtual locksvc::LockService* lock_service() { return nullptr; }
  // Added (issue 13): pg_notify(channel, payload) queues a notification for the commit of the
  // current transaction (the checks and the 22023 errors are the session's, as for NOTIFY);
  // pg_listening_channels() lists the channels the session listens on (committed LISTENs).
  virtual void notify(const std::string& channel, const std::string& payload) {
    (void)channel, (void)payload;
    throw SqlError(sqlstate::kFeatureNotSupported, "NOTIFY is not supported");
  }
  virtual std::vector<std::string> listening_channels() const { return {}; }
  // Added (issue 13): the namespace of the session's temporary tables
  // (catalog::Table::temp_namespace); name lookups find them first. 0: the session has none.
  virtual uint64_t temp_namespace() const { return 0; }
  // Added (issue 13): the session's named prepared statements, SQL PREPARE's and the
  // protocol's (Parse with a name), for pg_prepared_statements.
  struct PreparedStatementInfo {
    std::string name;
    std::string statement;        // the text as the client sent it
    int64_t prepare_time_us = 0;  // since 2000-01-01 UTC
    std::vector<Oid> parameter_types;
    bool from_sql = false;   // PREPARE (true) or the protocol's Parse (false)
    int64_t executions = 0;  // each one runs the plan bound at PREPARE (a generic plan)
  };
  virtual std::vector<PreparedStatementInfo> prepared_statements() const { return {}; }
  // The session's TimeZone setting, resolved (sql/types/timezone.h): a statement reads it
  // once as it starts (FuncContext::zone). Default: UTC.
  virtual types::TimeZone time_zone() const { return {}; }
};

// A statement bound against the catalog: parameter types inferred, result shape known.
class PreparedStatement {
 public:
  virtual ~PreparedStatement() = default;
  virtual const std::vector<Oid>& param_types() const = 0;
  virtual const std::vector<ResultColumn>& columns() const = 0;  // empty: no rows
  virtual const RawStatement& raw() const = 0;
  // Whether the catalog changed since binding (the session re-prepares then).
  virtual bool stale(const catalog::Catalog& catalog) const = 0;
};

// Receives the rows of an execution.
class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual void row(const Row& row) = 0;
};

// A running statement (a portal's execution state).
class Cursor {
 public:
  virtual ~Cursor() = default;
  // Sends up to max_rows rows (0: all) to sink. Returns true when the statement is complete
  // (then tag() is valid), false when suspended with more rows to come. MAY SUSPEND.
  virtual bool fetch(int64_t max_rows, RowSink& sink) = 0;
  virtual std::string tag() const = 0;  // "SELECT 3", "INSERT 0 1", "UPDATE 2", ...
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Splits and parses a query string (simple query: several statements; Parse: at most one).
  // Throws SqlError 42601 with PostgreSQL's message and position on a syntax error.
  virtual std::vector<RawStatement> parse(const std::string& sql) = 0;
  // Binds a kQuery statement, or the statement of a kPrepare (with the types it names).
  // param_types: types the client gave (0 = infer).
  virtual std::shared_ptr<PreparedStatement> prepare(const RawStatement& stmt,
                                                     const std::vector<Oid>& param_types,
                                                     SessionContext& ctx) = 0;
  // Starts executing with parameter values (already converted to Datums of param_types()).
  virtual std::unique_ptr<Cursor> execute(std::shared_ptr<PreparedStatement> stmt,
                                          std::vector<Datum> params, SessionContext& ctx) = 0;
  // The arguments of a kExecute, computed and converted to the prepared statement's types.
  // Throws 42601 when their number differs. MAY SUSPEND (an argument may be a subquery).
  virtual std::vector<Datum> evaluate_arguments(const RawStatement& execute,
                                                const std::vector<Oid>& types,
                                                SessionContext& ctx) = 0;
  // COMMIT, before the transaction commits: the checks of deferred constraints still
  // pending (23503 fails the commit). MAY SUSPEND.
  virtual void run_deferred_checks(SessionContext& session) { (void)session; }
};

// Process-wide limits of statement execution (doc/memory.md). Set once at startup, before
// sessions run; thread-safe.
struct ExecutionLimits {
  // Cap on what one statement may hold in memory in materialisations that cannot spill
  // (hash tables, materialised rows and results): past it, 53200.
  int64_t statement_memory_bytes = 1024LL * 1024 * 1024;
  // Where sorts larger than work_mem write their runs (empty: the system's temporary
  // directory). The files are unnamed (O_TMPFILE) or unlinked at once, so nothing is left
  // behind by an error or a crash.
  std::string temp_directory;
};
void set_execution_limits(ExecutionLimits limits);
ExecutionLimits execution_limits();
// "1GB", "512MB", "64kB", "1024B", or a plain number of kilobytes (PostgreSQL's memory
// units, 1024-based), in bytes. nullopt: not a size.
std::optional<int64_t> parse_memory_size(std::string_view text);

std::unique_ptr<Engine> make_engine(catalog::Catalog& catalog, coord::TxnManager& txns);

}  // namespace hf::sql
