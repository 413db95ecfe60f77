// session/session.cc — Session over sql::Engine: PostgreSQL's transaction-block state
// machine (xact.c's TBLOCK_* states reduced to what a client can observe), settings,
// prepared statements and portals, statement_timeout, and pg_stat_activity updates.
//
// States: no block (an implicit transaction may be open: one per simple-query string, or
// from the first extended-protocol message until Sync), an explicit block (BEGIN ... COMMIT),
// and a failed explicit block ('E': everything but ROLLBACK / ROLLBACK TO / COMMIT gets
// 25P02). The coordinator transaction is started lazily, when a statement needs one.
// The session calls Transaction::start_statement() before preparing each query.
// COMMIT first runs the deferred constraints' pending checks (Engine::run_deferred_checks; a
// statement that is its own transaction runs them before its completion is sent), and a
// failure there rolls the transaction back; SAVEPOINT / ROLLBACK TO keep and restore their state.
#include <algorithm>
#include <chrono>
#include <map>
#include <unordered_map>

#include "activity/metrics.h"
#include "catalog/catalog.h"
#include "catalog/roles.h"
#include "session/listen_notify.h"
#include "session/services.h"
#include "session/session.h"
#include "session/settings.h"
#include "session/value_io.h"
#include "sql/engine.h"
#include "sql/exec/deferred_constraints.h"
#include "sql/exec/executor.h"
#include "sql/types/composite_types.h"
#include "sql/types/functions.h"

namespace hf::session {

namespace {

int64_t now_us_since_2000() {
  using namespace std::chrono;
  int64_t unix_us = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  return unix_us - 946684800LL * 1000000;
}

Error warning(const char* sqlstate, std::string msg) {
  Error e;
  e.sqlstate = sqlstate;
  e.message = std::move(msg);
  e.severity = "WARNING";
  return e;
}

[[noreturn]] void throw_in_failed_block() {
  throw SqlError(sqlstate::kInFailedSqlTransaction,
                 "current transaction is aborted, commands ignored until end of transaction "
                 "block");
}

bool is_exit_statement(sql::StatementKind k) {
  return k == sql::StatementKind::kRollback || k == sql::StatementKind::kRollbackTo ||
         k == sql::StatementKind::kCommit;
}

// Past the parser, positions in errors count bytes of the query text (the parse tree's
// locations); PostgreSQL's count characters (parser_errposition's pg_mbstrlen_with_len), and
// psql places its caret by them. (The parser's own errors already count characters.)
void position_in_characters(SqlError& e, std::string_view sql) {
  int& pos = e.error().position;
  if (pos <= 1 || static_cast<size_t>(pos - 1) > sql.size()) return;
  int chars = 0;
  for (size_t i = 0; i < static_cast<size_t>(pos - 1); ++i)
    if ((static_cast<unsigned char>(sql[i]) & 0xC0) != 0x80) ++chars;
  pos = chars + 1;
}

bool is_transaction_control(sql::StatementKind k) {
  using K = sql::StatementKind;
  return k == K::kBegin || k == K::kCommit || k == K::kRollback || k == K::kSavepoint ||
         k == K::kRelease || k == K::kRollbackTo;
}

std::optional<coord::Isolation> parse_isolation(const std::string& s) {
  if (s.empty()) return std::nullopt;
  if (s == "serializable") return coord::Isolation::kSerializable;
  if (s == "repeatable read") return coord::Isolation::kRepeatableRead;
  return coord::Isolation::kReadCommitted;  // read committed, read uncommitted
}

const char* isolation_name(coord::Isolation i) {
  switch (i) {
    case coord::Isolation::kSerializable:
      return "serializable";
    case coord::Isolation::kRepeatableRead:
      return "repeatable read";
    default:
      return "read committed";
  }
}

FieldDesc text_field(const std::string& name) {
  FieldDesc f;
  f.name = name;
  f.type_oid = type_oid::kText;
  f.type_len = -1;
  return f;
}

struct Prepared {
  sql::RawStatement raw;
  std::vector<Oid> requested_types;              // as the client gave them
  std::shared_ptr<sql::PreparedStatement> stmt;  // null for session commands
  bool from_sql = false;                         // PREPARE, not the protocol's Parse
  std::string source_text;  // the client's whole query string (pg_prepared_statements)
  int64_t prepare_time_us = now_us_since_2000();
  int64_t executions = 0;  // Binds and EXECUTEs (pg_prepared_statements.generic_plans)
};

struct Portal {
  std::shared_ptr<Prepared> prepared;
  std::shared_ptr<sql::PreparedStatement> stmt;
  std::vector<Datum> params;
  std::vector<int16_t> result_formats;  // one per column (expanded)
  std::unique_ptr<sql::Cursor> cursor;
  bool done = false;
  std::string tag;
  // Bind began the statement (Transaction::begin_statement): Execute runs it on that snapshot.
  bool began = false;
};

// The session is also its transactions' LockSession (coord/transaction.h): it gives every
// lock request its group (session_lock_owner()) and deadlock_timeout, shows waits in
// pg_stat_activity (wait_event_type 'Lock') and counts them (activity/metrics.h), and at
// its end releases its session-level advisory locks (TxnManager::release_owner).

// The startup packet's "options" (libpq's PGOPTIONS): a command line of "-c name=value" and
// "--name=value" switches, split at unescaped whitespace (a backslash escapes the next
// character), as PostgreSQL's pg_split_opts and process_postgres_switches read it.
std::vector<std::pair<std::string, std::string>> split_startup_options(const std::string& text) {
  std::vector<std::string> args;
  std::string cur;
  bool in_arg = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_arg) args.push_back(std::move(cur)), cur.clear(), in_arg = false;
      continue;
    }
    if (c == '\\' && i + 1 < text.size()) c = text[++i];
    cur.push_back(c), in_arg = true;
  }
  if (in_arg) args.push_back(std::move(cur));
  std::vector<std::pair<std::string, std::string>> out;
  auto setting = [&](std::string arg, const std::string& as_given) {
    size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      if (as_given.rfind("--", 0) == 0)
        throw SqlError(sqlstate::kSyntaxError, "--" + arg + " requires a value");
      throw SqlError(sqlstate::kSyntaxError, "-c " + arg + " requires a value");
    }
    std::string name = arg.substr(0, eq);
    for (auto& ch : name)
      if (ch == '-') ch = '_';
    out.emplace_back(std::move(name), arg.substr(eq + 1));
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-c" && i + 1 < args.size()) {
      setting(args[++i], a);
    } else if (a.rfind("-c", 0) == 0 && a.size() > 2) {
      setting(a.substr(2), a);
    } else if (a.rfind("--", 0) == 0 && a.size() > 2) {
      setting(a.substr(2), a);
    } else {
      Error e;
      e.sqlstate = sqlstate::kSyntaxError;
      e.message = "invalid command-line argument for server process: " + a;
      e.hint = "Try \"postgres --help\" for more information.";
      throw SqlError(std::move(e));
    }
  }
  return out;
}

class SessionImpl final : public Session,
                          public sql::SessionContext,
                          public coord::LockSession,
                          public partition_api::LockWaitObserver {
 public:
  SessionImpl(Services& services, const StartupParams& params)
      : services_(services),
        engine_(services.engine()),
        params_(params),
        settings_(Settings::Init{params.user, services.config().max_connections}) {
    if (!params.application_name.empty())
      settings_.set_default("application_name", params.application_name);
    settings_.set_default("is_superuser", role_is_superuser(params.user) ? "on" : "off");
    // ALTER DATABASE ... SET, then ALTER ROLE ... SET (rolconfig): startup options override
    // them, as in PostgreSQL. A value that no longer parses is skipped (PostgreSQL warns).
    std::vector<std::pair<std::string, std::string>> defaults;
    if (services_.has_catalog())
      defaults = services_.catalog().roles().database_config(params.database);
    if (auto role = role_named(params.user))
      defaults.insert(defaults.end(), role->config.begin(), role->config.end());
    {
      for (const auto& [name, value] : defaults) {
        if (is_role_setting(name)) continue;
        try {
          settings_.set(name, value, false, false);
          settings_.keep_as_default(name);
        } catch (const SqlError&) {
        }
      }
    }
    std::vector<std::pair<std::string, std::string>> startup = params.options;
    for (const auto& [name, value] : params.options)
      if (name == "options") {
        try {
          for (auto& kv : split_startup_options(value)) startup.push_back(std::move(kv));
        } catch (const SqlError& e) {
          throw FatalError(e.error());
        }
      }
    for (const auto& [name, value] : startup) {
      // Startup options that name settings (client_encoding, DateStyle, TimeZone,
      // extra_float_digits, ...) become the session's defaults, as in PostgreSQL.
      if (name == "options" || name == "replication") continue;
      try {
        if (is_role_setting(name)) {  // checked as SET ROLE / SET SESSION AUTHORIZATION are
          set_role_setting(name, {value}, false, false);
          keep_role_defaults();
          continue;
        }
        settings_.set(name, value, false, false);
        settings_.keep_as_default(name);
      } catch (const SqlError& e) {
        throw FatalError(e.error());
      }
    }
    settings_.take_changes();
    info_.user = params.user;
    info_.database = params.database;
    info_.application_name = settings_.get("application_name");
    info_.backend_start_us = now_us_since_2000();
    auto [pid, secret] = services_.registry().add(&cancel_, info_);
    pid_ = pid;
    secret_ = secret;
    info_.pid = pid;
    notifications_ = std::make_unique<SessionNotifications>(services_.notifications(), pid_);
    if (services_.has_catalog()) temp_namespace_ = services_.catalog().new_temp_namespace();
  }

  ~SessionImpl() override {
    terminate();
    services_.registry().remove(pid_);
  }

  // ---- Session ----

  std::vector<std::pair<std::string, std::string>> initial_parameter_status() override {
    return settings_.reported();
  }
  std::vector<std::pair<std::string, std::string>> take_parameter_changes() override {
    return settings_.take_changes();
  }
  int32_t pid() const override { return pid_; }
  int32_t secret_key() const override { return secret_; }
  char transaction_status() const override {
    if (in_block_) return failed_ ? 'E' : 'T';
    return 'I';
  }
  runtime::CancelToken& cancel_token() override { return cancel_; }
  std::vector<Notification> take_notifications() override {
    return notifications_->take_delivered();
  }
  void set_notification_wakeup(std::function<void()> wake) override {
    notifications_->set_wakeup(std::move(wake));
  }
  int64_t idle_in_transaction_timeout_ms() const override {
    if (transaction_status() == 'I') return 0;
    return statement_settings().idle_in_transaction_timeout_ms;
  }

  void simple_query(const std::string& sql, ResultSink& sink) override {
    StatementScope scope(*this, sql, &sink);
    try {
      statements_.erase("");
      portals_.erase("");
      std::vector<sql::RawStatement> stmts = engine_.parse(sql);
      if (stmts.empty()) {
        sink.empty_query();
        finish_xact_command();
        return;
      }
      for (size_t i = 0; i < stmts.size(); ++i) {
        // Several statements in one string share one implicit transaction (PostgreSQL's
        // implicit transaction block) unless BEGIN makes it explicit.
        if (stmts.size() > 1 && !in_block_) implicit_block_ = true;
        const bool last = i + 1 == stmts.size();
        try {
          run_simple_statement(stmts[i], sink);
        } catch (SqlError& e) {
          position_in_characters(e, sql);
          throw;
        }
        if (last) implicit_block_ = false;
        if (last || is_transaction_control(stmts[i].kind)) finish_xact_command();
      }
      implicit_block_ = false;
    } catch (const SqlError&) {
      on_error();
      throw;
    }
  }

  void parse(const std::string& name, const std::string& sql,
             const std::vector<Oid>& param_types) override {
    StatementScope scope(*this, sql, nullptr);
    try {
      if (!name.empty() && statements_.count(name)) {
        throw SqlError("42P05", "prepared statement \"" + name + "\" already exists");
      }
      std::vector<sql::RawStatement> stmts = engine_.parse(sql);
      if (stmts.size() > 1) {
        throw SqlError(sqlstate::kSyntaxError,
                       "cannot insert multiple commands into a prepared statement");
      }
      auto p = std::make_shared<Prepared>();
      p->raw = stmts.empty() ? sql::RawStatement{sql::StatementKind::kEmpty} : stmts[0];
      p->requested_types = param_types;
      p->source_text = sql;
      if (in_block_ && failed_ && !is_exit_statement(p->raw.kind)) throw_in_failed_block();
      if (p->raw.kind == sql::StatementKind::kQuery) {
        begin_statement();
        try {
          p->stmt = engine_.prepare(p->raw, param_types, *this);
        } catch (SqlError& e) {
          position_in_characters(e, sql);
          throw;
        }
      }
      statements_[name] = std::move(p);
    } catch (const SqlError&) {
      on_error();
      throw;
    }
  }

  void bind(const std::string& portal_name, const std::string& statement,
            const std::vector<int16_t>& param_formats,
            const std::vector<std::optional<std::string_view>>& params,
            const std::vector<int16_t>& result_formats) override {
    try {
      auto it = statements_.find(statement);
      if (it == statements_.end()) throw_no_statement(statement);
      std::shared_ptr<Prepared> p = it->second;
      if (in_block_ && failed_ && !is_exit_statement(p->raw.kind)) throw_in_failed_block();
      ++p->executions;
      if (!portal_name.empty() && portals_.count(portal_name)) {
        throw SqlError("42P03", "portal \"" + portal_name + "\" already exists");
      }
      // The statement starts here, as PostgreSQL's portal does: its snapshot (which Execute
      // keeps) and the catalog it binds against, new definitions of another node included.
      bool began = false;
      if (p->stmt) {
        begin_statement();
        began = true;
      }
      if (p->stmt && services_.has_catalog() && p->stmt->stale(services_.catalog())) {
        p->stmt = engine_.prepare(p->raw, p->requested_types, *this);
      }
      static const std::vector<Oid> kNoTypes;  // a statement without a plan takes none
      const std::vector<Oid>& types = p->stmt ? p->stmt->param_types() : kNoTypes;
      if (params.size() != types.size()) {
        throw SqlError(sqlstate::kProtocolViolation,
                       "bind message supplies " + std::to_string(params.size()) +
                           " parameters, but prepared statement \"" + statement + "\" requires " +
                           std::to_string(types.size()));
      }
      if (param_formats.size() > 1 && param_formats.size() != params.size()) {
        throw SqlError(sqlstate::kProtocolViolation,
                       "bind message has " + std::to_string(param_formats.size()) +
                           " parameter formats but " + std::to_string(params.size()) +
                           " parameters");
      }
      size_t ncols = p->stmt ? p->stmt->columns().size() : result_columns_of(p->raw).size();
      if (result_formats.size() > 1 && result_formats.size() != ncols) {
        throw SqlError(sqlstate::kProtocolViolation,
                       "bind message has " + std::to_string(result_formats.size()) +
                           " result formats but query has " + std::to_string(ncols) + " columns");
      }
      auto portal = std::make_shared<Portal>();
      portal->prepared = p;
      portal->stmt = p->stmt;
      portal->began = began;
      portal->params.reserve(params.size());
      portal->result_formats.reserve(ncols);
      for (size_t i = 0; i < params.size(); ++i) {
        int16_t fmt = param_formats.empty()       ? 0
                      : param_formats.size() == 1 ? param_formats[0]
                                                  : param_formats[i];
        if (fmt != 0 && fmt != 1) {
          throw SqlError(sqlstate::kProtocolViolation,
                         "unsupported format code: " + std::to_string(fmt));
        }
        if (!params[i]) {
          portal->params.push_back(Datum::Null());
          continue;
        }
        try {
          portal->params.push_back(
              decode_value(*params[i], TypeRef{types[i], -1}, fmt, time_zone()));
        } catch (SqlError& e) {
          if (fmt == 1 && e.error().sqlstate == sqlstate::kInvalidBinaryRepresentation) {
            e.error().message =
                "incorrect binary data format in bind parameter " + std::to_string(i + 1);
          }
          throw;
        }
      }
      for (size_t i = 0; i < ncols; ++i) {
        int16_t fmt = result_formats.empty()       ? 0
                      : result_formats.size() == 1 ? result_formats[0]
                                                   : result_formats[i];
        if (fmt != 0 && fmt != 1) {
          throw SqlError(sqlstate::kProtocolViolation,
                         "unsupported format code: " + std::to_string(fmt));
        }
        portal->result_formats.push_back(fmt);
      }
      portals_[portal_name] = std::move(portal);
    } catch (const SqlError&) {
      on_error();
      throw;
    }
  }

  StatementDescription describe_statement(const std::string& name) override {
    try {
      auto it = statements_.find(name);
      if (it == statements_.end()) throw_no_statement(name);
      const Prepared& p = *it->second;
      StatementDescription d;
      if (p.stmt) {
        d.param_types = p.stmt->param_types();
        d.fields = fields_of(p.stmt->columns(), {});
      } else {
        d.fields = result_columns_of(p.raw);
      }
      return d;
    } catch (const SqlError&) {
      on_error();
      throw;
    }
  }

  std::vector<FieldDesc> describe_portal(const std::string& name) override {
    try {
      Portal& portal = find_portal(name);
      if (portal.stmt) return fields_of(portal.stmt->columns(), portal.result_formats);
      auto fields = result_columns_of(portal.prepared->raw);
      for (size_t i = 0; i < fields.size() && i < portal.result_formats.size(); ++i)
        fields[i].format = portal.result_formats[i];
      return fields;
    } catch (const SqlError&) {
      on_error();
      throw;
    }
  }

  ExecuteOutcome execute(const std::string& portal_name, int64_t max_rows,
                         ResultSink& sink) override {
    // Held by reference count: a COMMIT/ROLLBACK executed from this portal ends the
    // transaction, which drops every portal, this one included.
    std::shared_ptr<Portal> keep;
    try {
      keep = find_portal_ref(portal_name);
    } catch (const SqlError&) {
      on_error();
      throw;
    }
    const std::shared_ptr<Prepared> keep_prepared = keep->prepared;
    Portal& portal = *keep;
    StatementScope scope(*this, portal.prepared->raw.text, &sink);
    try {
      const sql::RawStatement& raw = portal.prepared->raw;
      if (in_block_ && failed_ && !is_exit_statement(raw.kind)) throw_in_failed_block();
      if (!portal.stmt) {
        if (raw.kind == sql::StatementKind::kEmpty) {
          sink.empty_query();
          return ExecuteOutcome::kComplete;
        }
        if (portal.done) {
          sink.command_complete(portal.tag);
          return ExecuteOutcome::kComplete;
        }
        run_utility(raw, sink, portal.result_formats, /*send_row_description=*/false);
        portal.done = true;
        portal.tag = raw.tag;
        if (is_transaction_control(raw.kind)) finish_xact_command();
        return ExecuteOutcome::kComplete;
      }
      if (portal.done) {
        sink.command_complete(portal.tag);
        return ExecuteOutcome::kComplete;
      }
      if (!portal.cursor) {
        if (!portal.began) begin_statement();
        portal.began = false;
        portal.cursor = engine_.execute(portal.stmt, portal.params, *this);
      }
      EncodingSink rows(*this, sink, portal.stmt->columns(), portal.result_formats);
      bool complete = portal.cursor->fetch(max_rows, rows);
      check_cancel();
      if (!complete) return ExecuteOutcome::kSuspended;
      portal.done = true;
      portal.tag = portal.cursor->tag();
      portal.cursor.reset();
      sink.command_complete(portal.tag);
      return ExecuteOutcome::kComplete;
    } catch (const SqlError&) {
      on_error();
      throw;
    }
  }

  void close_statement(const std::string& name) override { statements_.erase(name); }
  void close_portal(const std::string& name) override { portals_.erase(name); }

  void sync() override {
    try {
      if (!in_block_) {
        implicit_block_ = false;
        end_transaction(/*commit=*/true);
      }
    } catch (const SqlError&) {
      on_error();
      update_info_idle();
      throw;
    }
    update_info_idle();
  }

  void terminate() override {
    portals_.clear();
    if (txn_) {
      try {
        txn_->abort();
      } catch (...) {
      }
      txn_.reset();
    }
    try {
      services_.txns().release_owner(session_lock_owner());  // session advisory locks
    } catch (...) {
    }
    if (notifications_) notifications_->aborted();
    in_block_ = failed_ = implicit_block_ = false;
    savepoints_.clear();
    drop_temp_tables();
  }

  // ---- sql::SessionContext ----

  void notify(const std::string& channel, const std::string& payload) override {
    notifications_->notify(channel, payload);
  }
  std::vector<std::string> listening_channels() const override {
    return notifications_->channels();
  }
  uint64_t temp_namespace() const override { return temp_namespace_; }

  coord::Transaction& transaction() override {
    ensure_txn();
    return *txn_;
  }
  std::string get_setting(const std::string& name) override {
    std::string key = name;
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key == "transaction_isolation") {
      if (txn_) return isolation_name(txn_->isolation());
      if (next_isolation_) return isolation_name(*next_isolation_);
      return settings_.get("default_transaction_isolation");
    }
    if (key == "holdfast.concurrency") {
      // Inside a transaction: its mode (BEGIN OPTIMISTIC / PESSIMISTIC may differ).
      if (txn_) return txn_->optimistic() ? "optimistic" : "pessimistic";
      if (next_optimistic_) return *next_optimistic_ ? "optimistic" : "pessimistic";
    }
    if (key == "transaction_read_only") {
      if (txn_) return txn_->sql_read_only() ? "on" : "off";
      if (next_read_only_) return *next_read_only_ ? "on" : "off";
      return settings_.get("default_transaction_read_only");
    }
    return settings_.get(name);
  }
  // set_config's value is the setting's text as is (PostgreSQL's set_config_by_name): a
  // search_path of 'a, b' is two schemas, '' none.
  void set_setting(const std::string& name, const std::string& value, bool is_local) override {
    apply_set(name, {value}, is_local, /*quote_names=*/false);
  }
  int32_t backend_pid() const override { return pid_; }
  runtime::CancelToken& cancel() override { return cancel_; }
  SessionRegistry& registry() override { return services_.registry(); }
  void notice(const Error& n) override {
    if (sink_) send_notice(*sink_, n);
  }
  int64_t transaction_start_us() const override {
    return xact_start_us_ ? xact_start_us_ : stmt_start_us_;
  }
  int64_t statement_start_us() const override { return stmt_start_us_; }
  std::vector<PreparedStatementInfo> prepared_statements() const override {
    std::vector<PreparedStatementInfo> out;
    for (const auto& [name, p] : statements_) {
      if (name.empty()) continue;  // the unnamed statement is not listed
      PreparedStatementInfo info;
      info.name = name;
      info.statement = p->source_text;
      info.prepare_time_us = p->prepare_time_us;
      info.parameter_types = p->stmt ? p->stmt->param_types() : p->requested_types;
      info.from_sql = p->from_sql;
      info.executions = p->executions;
      out.push_back(std::move(info));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
  }
  sql::types::TimeZone time_zone() const override {
    // Resolved again only when the setting changed (SET, RESET, a rolled-back SET); not even
    // read while no setting changed (several calls per statement).
    if (zone_generation_ == settings_.generation()) return zone_;
    zone_generation_ = settings_.generation();
    std::string name = settings_.get("timezone");
    if (name != zone_setting_) {
      std::string shown;
      zone_ = sql::types::TimeZone::from_setting(name, &shown).value_or(sql::types::TimeZone());
      zone_setting_ = std::move(name);
    }
    return zone_;
  }
  runtime::Deadline lock_deadline() const override { return lock_deadline_; }
  runtime::Deadline statement_deadline() const override { return statement_deadline_; }
  void copy_in_start(bool binary, int columns) override {
    need_sink().copy_in_start(binary, columns);
  }
  std::optional<std::string> copy_in_next() override { return need_sink().copy_in_next(); }
  void copy_out_start(bool binary, int columns) override {
    need_sink().copy_out_start(binary, columns);
  }
  void copy_out_data(const std::string& data) override { need_sink().copy_out_data(data); }
  void copy_out_done() override { need_sink().copy_out_done(); }
  uint64_t session_lock_owner() const override {
    return (uint64_t{1} << 62) | static_cast<uint32_t>(pid_);
  }

  bool in_transaction_block() const override { return in_block_ || implicit_block_; }
  Oid current_user_id() const override {
    refresh_user_ids();
    return user_ids_.current;
  }
  Oid session_user_id() const override {
    refresh_user_ids();
    return user_ids_.session;
  }
  locksvc::LockService* lock_service() override { return services_.lock_service(); }

  // ---- coord::LockSession ----
  uint64_t lock_group() const override { return session_lock_owner(); }
  std::chrono::milliseconds deadlock_timeout() override {
    return std::chrono::milliseconds(
        std::max<int64_t>(1, statement_settings().deadlock_timeout_ms));
  }
  partition_api::LockWaitObserver* wait_observer() override { return this; }
  runtime::CancelToken* wait_cancel() override { return &cancel_; }
  void lock_failed(coord::LockOutcome o, coord::WaitPolicy policy) override {
    auto& m = activity::lock_metrics();
    switch (o) {
      case coord::LockOutcome::kWouldBlock:
        activity::bump(policy == coord::WaitPolicy::kSkipLocked ? m.skipped : m.nowait_failures);
        break;
      case coord::LockOutcome::kTimeout:
        activity::bump(m.timeouts);
        break;
      case coord::LockOutcome::kDeadlock:
        activity::bump(m.deadlocks);
        break;
      case coord::LockOutcome::kCancelled:
        activity::bump(m.cancelled);
        break;
      default:
        break;
    }
  }
  int32_t pid_of(uint64_t vertex) override {
    if ((vertex >> 62) == 1) return static_cast<int32_t>(vertex & 0xffffffffu);
    return services_.registry().pid_of_txn(vertex).value_or(0);
  }
  uint64_t txn_of(uint64_t vertex) override {
    if ((vertex >> 62) != 1) return vertex;
    auto info = services_.registry().find(pid_of(vertex));
    return info ? info->txn_id : 0;
  }

  // ---- partition_api::LockWaitObserver ----
  void wait_started(partition_api::LockKind kind, bool first_in_queue) override {
    const char* ev = "transactionid";
    switch (kind) {
      case partition_api::LockKind::kRow:
        // PostgreSQL's first waiter waits on the holder's transaction, later ones on the
        // tuple lock.
        ev = first_in_queue ? "transactionid" : "tuple";
        break;
      case partition_api::LockKind::kTable:
        ev = "relation";
        break;
      case partition_api::LockKind::kAdvisory:
        ev = "advisory";
        break;
      case partition_api::LockKind::kTransaction:
        break;
      case partition_api::LockKind::kResource:
        ev = "holdfast_resource";
        break;
    }
    info_.wait_event_type = "Lock";
    info_.wait_event = ev;
    wait_started_at_ = runtime::Clock::now();
    activity::bump(activity::lock_metrics().waits);
    services_.registry().set_wait(pid_, "Lock", ev);
    if (sink_) sink_->lock_wait(true);
  }
  void wait_ended() override {
    info_.wait_event_type.clear();
    info_.wait_event.clear();
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(runtime::Clock::now() -
                                                                    wait_started_at_)
                  .count();
    activity::bump(activity::lock_metrics().wait_time_us, static_cast<uint64_t>(us));
    services_.registry().set_wait(pid_, "", "");
    if (sink_) sink_->lock_wait(false);
  }

 private:
  // Encodes rows in the portal's result formats; checks for cancellation between rows.
  class EncodingSink : public sql::RowSink {
   public:
    EncodingSink(SessionImpl& s, ResultSink& out, const std::vector<sql::ResultColumn>& cols,
                 const std::vector<int16_t>& formats)
        : s_(s), out_(out), cols_(cols), formats_(formats), zone_(s.time_zone()) {}
    void row(const Row& row) override {
      s_.check_cancel();
      values_.clear();
      for (size_t i = 0; i < row.size(); ++i) {
        TypeRef t = i < cols_.size() ? cols_[i].type : TypeRef{type_oid::kText, -1};
        int16_t fmt = i < formats_.size() ? formats_[i] : 0;
        // regclass prints as a name (regclassout reads the catalog, which type_io cannot).
        if (t.oid == type_oid::kRegclass && fmt == 0 && !row[i].is_null() &&
            s_.services_.has_catalog())
          values_.push_back(sql::exec::regclass_text(s_.services_.catalog(), s_,
                                                     static_cast<Oid>(row[i].as_int())));
        else if (t.oid == type_oid::kRegnamespace && fmt == 0 && !row[i].is_null() &&
                 s_.services_.has_catalog())
          values_.push_back(sql::exec::regnamespace_text(s_.services_.catalog(),
                                                         static_cast<Oid>(row[i].as_int())));
        else if (t.oid == type_oid::kRegproc && fmt == 0 && !row[i].is_null() &&
                 s_.services_.has_catalog())
          values_.push_back(sql::exec::regproc_text(s_.services_.catalog(), s_,
                                                    static_cast<Oid>(row[i].as_int())));
        else
          values_.push_back(encode_value(row[i], t, fmt, zone_));
      }
      out_.data_row(values_);
    }

   private:
    SessionImpl& s_;
    ResultSink& out_;
    const std::vector<sql::ResultColumn>& cols_;
    const std::vector<int16_t>& formats_;
    const sql::types::TimeZone zone_;  // timestamptz's text form (the session's TimeZone)
    std::vector<std::optional<std::string>> values_;
  };

  // Marks a statement active for its duration: pg_stat_activity, statement_timeout timer,
  // pending cancel requests cleared (a cancel that arrived while idle is ignored, as in
  // PostgreSQL).
  class StatementScope {
   public:
    StatementScope(SessionImpl& s, const std::string& query, ResultSink* sink)
        : s_(s), prev_sink_(s.sink_) {
      if (s_.cancel_.pending() != runtime::CancelToken::kTerminate) s_.cancel_.take();
      if (sink) s_.sink_ = sink;
      s_.stmt_start_us_ = now_us_since_2000();
      static const char* const kActive = "active";
      s_.info_.state = kActive;
      s_.info_.query = query;
      s_.info_.query_start_us = s_.stmt_start_us_;
      const StatementSettings& settings = s_.statement_settings();
      s_.info_.application_name = settings.application_name;
      s_.publish_info(kActive);
      auto now = runtime::Clock::now();
      runtime::Deadline stmt_deadline = runtime::Deadline::max();
      int64_t st = settings.statement_timeout_ms;
      if (st > 0) {
        stmt_deadline = now + std::chrono::milliseconds(st);
        if (runtime::Fiber* f = runtime::Fiber::current()) {
          timer_ = std::make_unique<boost::asio::steady_timer>(f->io(), stmt_deadline);
          // The flag, not the timer's error code, says whether the statement is still
          // running: a handler already queued when the statement ended must not cancel the
          // next one (or touch a session that is gone). Both run on this fiber's thread.
          armed_ = std::make_shared<bool>(true);
          runtime::CancelToken* token = &s_.cancel_;
          timer_->async_wait([token, armed = armed_](const boost::system::error_code& ec) {
            if (!ec && *armed) token->request(runtime::CancelToken::kStatementTimeout);
          });
        }
      }
      // With the statement timer armed, statement_timeout ends a lock wait through the
      // cancel token (57014 "statement timeout"), so the lock deadline is lock_timeout's
      // alone (55P03 "lock timeout"): the two never race at the same instant.
      s_.lock_deadline_ = timer_ ? runtime::Deadline::max() : stmt_deadline;
      s_.statement_deadline_ = stmt_deadline;
      int64_t lt = settings.lock_timeout_ms;
      if (lt > 0)
        s_.lock_deadline_ = std::min(s_.lock_deadline_, now + std::chrono::milliseconds(lt));
    }
    ~StatementScope() {
      s_.statement_deadline_ = runtime::Deadline::max();
      if (armed_) *armed_ = false;
      if (timer_) timer_->cancel();
      s_.sink_ = prev_sink_;
      // A snapshot a statement took and did not use (a utility statement) is not kept for
      // whatever runs next.
      if (s_.txn_) s_.txn_->end_statement();
      s_.update_info_idle();
    }

   private:
    SessionImpl& s_;
    ResultSink* prev_sink_;
    std::unique_ptr<boost::asio::steady_timer> timer_;
    std::shared_ptr<bool> armed_;
  };

  void check_cancel() {
    switch (cancel_.pending()) {
      case runtime::CancelToken::kNone:
        return;
      case runtime::CancelToken::kTerminate: {
        Error e;
        e.sqlstate = sqlstate::kAdminShutdown;
        e.message = "terminating connection due to administrator command";
        e.severity = "FATAL";
        throw FatalError(e);
      }
      case runtime::CancelToken::kStatementTimeout:
        cancel_.take();
        throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to statement timeout");
      default:
        cancel_.take();
        throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to user request");
    }
  }

  // Sends a NOTICE/WARNING/... to the client unless client_min_messages filters it out
  // (PostgreSQL's is_log_level_output for the client: INFO always goes, the others when
  // their level is at least client_min_messages, LOG ranking below NOTICE).
  void send_notice(ResultSink& sink, const Error& n) {
    if (client_wants(n.severity)) sink.notice(n);
  }
  bool client_wants(const std::string& severity) const {
    auto rank = [](std::string_view level) {
      if (level == "debug5") return 10;
      if (level == "debug4") return 11;
      if (level == "debug3") return 12;
      if (level == "debug2") return 13;
      if (level == "debug1" || level == "debug" || level == "DEBUG") return 14;
      if (level == "log" || level == "LOG") return 15;
      if (level == "warning" || level == "WARNING") return 19;
      if (level == "error" || level == "ERROR") return 21;
      return 18;  // notice, and a notice without a severity
    };
    if (severity == "INFO") return true;
    return rank(severity) >= rank(settings_.get("client_min_messages"));
  }

  ResultSink& need_sink() {
    if (!sink_) throw SqlError(sqlstate::kInternalError, "no client connection for COPY");
    return *sink_;
  }

  [[noreturn]] void throw_no_statement(const std::string& name) {
    if (name.empty())
      throw SqlError(sqlstate::kInvalidSqlStatementName,
                     "unnamed prepared statement does not exist");
    throw SqlError(sqlstate::kInvalidSqlStatementName,
                   "prepared statement \"" + name + "\" does not exist");
  }

  std::shared_ptr<Portal> find_portal_ref(const std::string& name) {
    auto it = portals_.find(name);
    if (it == portals_.end())
      throw SqlError(sqlstate::kInvalidCursorName, "portal \"" + name + "\" does not exist");
    return it->second;
  }
  Portal& find_portal(const std::string& name) { return *find_portal_ref(name); }

  std::vector<FieldDesc> fields_of(const std::vector<sql::ResultColumn>& cols,
                                   const std::vector<int16_t>& formats) {
    std::vector<FieldDesc> out;
    out.reserve(cols.size());
    for (size_t i = 0; i < cols.size(); ++i) {
      FieldDesc f;
      f.name = cols[i].name;
      f.table_oid = cols[i].table_oid;
      f.column = cols[i].column;
      f.type_oid = cols[i].type.oid;
      // An anonymous record's row type lives only in this process: clients see "record", as
      // PostgreSQL sends them (sql/types/composite_types.h, bless()).
      if (f.type_oid >= sql::types::kFirstRecordTypeOid) f.type_oid = type_oid::kRecord;
      f.typmod = cols[i].type.typmod;
      f.type_len = type_length(cols[i].type.oid);
      f.format = i < formats.size() ? formats[i] : 0;
      out.push_back(std::move(f));
    }
    return out;
  }

  // The result shape of a session command (SHOW), empty for the others.
  std::vector<FieldDesc> result_columns_of(const sql::RawStatement& raw) {
    if (raw.kind != sql::StatementKind::kShow) return {};
    if (raw.name == "all" || raw.name == "ALL")
      return {text_field("name"), text_field("setting"), text_field("description")};
    std::string key = raw.name;
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key == "transaction_isolation") return {text_field("transaction_isolation")};
    if (key == "transaction isolation level") return {text_field("transaction_isolation")};
    return {text_field(settings_.display_name(raw.name))};
  }

  void ensure_txn() {
    if (txn_) return;
    coord::BeginOptions opts;
    const StatementSettings& defaults = statement_settings();
    opts.isolation = next_isolation_.value_or(defaults.isolation);
    opts.read_only = next_read_only_.value_or(defaults.read_only);
    opts.deferrable = next_deferrable_.value_or(defaults.deferrable);
    // A READ ONLY transaction may write the session's temporary tables (PostgreSQL's rule).
    // With any, it runs read-write below the SQL layer, which refuses every write of a
    // permanent table (Transaction::sql_read_only); without, the coordinator's read-only mode
    // (and SERIALIZABLE's read-only optimisations, DEFERRABLE's safe snapshot) stays.
    const bool sql_only_read_only =
        opts.read_only && !opts.deferrable && !session_temp_tables().empty();
    if (sql_only_read_only) opts.read_only = false;
    opts.session = this;
    opts.optimistic = next_optimistic_.value_or(defaults.optimistic);
    opts.validate_reads = defaults.validate_reads;
    txn_ = services_.txns().begin(opts);
    if (sql_only_read_only) txn_->set_sql_read_only(true);
    if (!xact_start_us_) xact_start_us_ = stmt_start_us_ ? stmt_start_us_ : now_us_since_2000();
    info_.xact_start_us = xact_start_us_;
    info_.txn_id = txn_->id();
    info_.optimistic = opts.optimistic;
    services_.registry().set_txn(pid_, info_.txn_id, info_.optimistic);
  }

  void begin_statement() {
    ensure_txn();
    std::optional<uint64_t> catalog_version = txn_->begin_statement();
    // Another coordinator's catalog change (issue 12) is read before this statement binds.
    if (services_.has_catalog()) services_.catalog().sync(catalog_version);
  }

  // Commits the implicit transaction after a statement that is not inside a block
  // (PostgreSQL's finish_xact_command with the implicit block ended by the last statement).
  void finish_xact_command() {
    if (in_block_ || implicit_block_) return;
    end_transaction(/*commit=*/true);
  }

  void end_transaction(bool commit) {
    portals_.clear();
    std::unique_ptr<coord::Transaction> txn = std::move(txn_);
    const bool was_failed = failed_;
    in_block_ = failed_ = implicit_block_ = false;
    savepoints_.clear();
    next_isolation_.reset();
    next_read_only_.reset();
    next_deferrable_.reset();
    next_optimistic_.reset();
    xact_start_us_ = 0;
    info_.xact_start_us = 0;
    info_.txn_id = 0;
    if (!(commit && !was_failed)) {
      notifications_->aborted();
      if (txn) txn->abort();
      settings_.end_transaction(false);
      return;
    }
    // LISTEN/NOTIFY: the hub's ticket is taken before the commit, so that notifications are
    // delivered in commit-timestamp order (session/notification_hub.h).
    notifications_->begin_commit();
    if (txn) {
      try {
        // Deferred constraints' checks run as the transaction's last statement.
        // (transaction() must find it again meanwhile.)
        txn_ = std::move(txn);
        try {
          engine_.run_deferred_checks(*this);
        } catch (...) {
          txn = std::move(txn_);
          throw;
        }
        txn = std::move(txn_);
        apply_on_commit_actions(*txn);
        txn->commit();
      } catch (...) {
        notifications_->aborted();
        txn->abort();  // a failed commit has aborted already; ON COMMIT actions have not
        settings_.end_transaction(false);
        throw;
      }
    }
    uint64_t ts = txn ? txn->commit_timestamp() : 0;
    if (ts == 0 && notifications_->has_pending()) ts = services_.txns().published();
    notifications_->committed(ts);
    settings_.end_transaction(true);
  }

  // After an error: a block becomes failed (its transaction aborted at once unless a
  // savepoint can still roll back to a good state); an implicit transaction rolls back.
  void on_error() {
    if (in_block_) {
      failed_ = true;
      for (auto& [name, portal] : portals_) portal->cursor.reset();
      if (savepoints_.empty() && txn_) {
        try {
          txn_->abort();
        } catch (...) {
        }
        txn_.reset();
        info_.txn_id = 0;
      }
      return;
    }
    implicit_block_ = false;
    try {
      end_transaction(/*commit=*/false);
    } catch (...) {
    }
  }

  void update_info_idle() {
    const char* state = !in_block_ ? "idle"
                        : failed_  ? "idle in transaction (aborted)"
                                   : "idle in transaction";
    // Sync after a statement in a block (every statement of the extended protocol) finds the
    // state its statement's end already published: nothing to copy, no shared lock to take.
    if (published_.state == state && published_.xact_start_us == info_.xact_start_us &&
        published_.txn_id == info_.txn_id && published_.optimistic == info_.optimistic &&
        published_.query_start_us == info_.query_start_us)
      return;
    info_.state = state;
    publish_info(state);
  }

  // Copies info_ to the registry (pg_stat_activity). `state` is the literal info_.state holds.
  // Of info_, only the state and these scalars change without being published at once: the
  // query and application_name change with a statement's start (published there), the wait
  // events through set_wait.
  void publish_info(const char* state) {
    services_.registry().update(pid_, info_);
    published_ = {state, info_.xact_start_us, info_.txn_id, info_.optimistic, info_.query_start_us};
  }

  void run_simple_statement(const sql::RawStatement& raw, ResultSink& sink) {
    if (in_block_ && failed_ && !is_exit_statement(raw.kind)) throw_in_failed_block();
    if (raw.kind == sql::StatementKind::kEmpty) {
      sink.empty_query();
      return;
    }
    if (raw.kind != sql::StatementKind::kQuery) {
      run_utility(raw, sink, {}, /*send_row_description=*/true);
      return;
    }
    begin_statement();
    auto stmt = engine_.prepare(raw, {}, *this);
    const auto& cols = stmt->columns();
    std::vector<int16_t> formats(cols.size(), 0);
    if (!cols.empty()) sink.row_description(fields_of(cols, formats));
    auto cursor = engine_.execute(stmt, {}, *this);
    EncodingSink rows(*this, sink, cols, formats);
    cursor->fetch(0, rows);
    check_cancel();
    // A statement that is its own transaction commits before its completion is sent
    // (PostgreSQL's finish_xact_command before EndCommand): a deferred check's 23503 then
    // replaces the command tag.
    if (!in_block_ && !implicit_block_) engine_.run_deferred_checks(*this);
    sink.command_complete(cursor->tag());
  }

  void apply_set(const std::string& name, const std::vector<std::string>& values, bool is_local,
                 bool quote_names = true) {
    std::string key = name;
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool in_txn = true;  // every SET runs inside some transaction (implicit or not)
    if (is_role_setting(key)) {
      set_role_setting(key, values, is_local, in_txn);
      return;
    }
    if (key == "transaction_isolation" || key == "transaction_read_only") {
      if (values.empty()) return;
      if (key == "transaction_isolation") {
        settings_.set("default_transaction_isolation", values[0], false, false);  // validate
        settings_.reset("default_transaction_isolation", false, false);
        next_isolation_ = parse_isolation(values[0]);
      } else {
        next_read_only_ = settings_.get("default_transaction_read_only") == "on";
        Settings probe(Settings::Init{});
        probe.set("default_transaction_read_only", values[0], false, false);
        next_read_only_ = probe.get("default_transaction_read_only") == "on";
      }
      return;
    }
    if (values.empty()) {
      settings_.reset(name, is_local, in_txn);
      return;
    }
    // A list setting of names (PostgreSQL's GUC_LIST_QUOTE: search_path) keeps each item as
    // a name: quoted where it needs quotes, so SET search_path = "MySchema" finds MySchema.
    const bool list_of_names = quote_names && (key == "search_path" || key == "temp_tablespaces");
    std::string joined;
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) joined += ", ";
      joined += list_of_names ? sql::types::quote_identifier(values[i]) : values[i];
    }
    settings_.set(name, joined, is_local, in_txn);
  }

  // Session commands (BEGIN, SET, SHOW, ...). Sends their rows and CommandComplete.
  void run_utility(const sql::RawStatement& raw, ResultSink& sink,
                   const std::vector<int16_t>& formats, bool send_row_description) {
    using K = sql::StatementKind;
    std::string tag = raw.tag;
    switch (raw.kind) {
      case K::kBegin:
        if (in_block_) {
          send_notice(sink, warning(sqlstate::kActiveSqlTransaction,
                                    "there is already a transaction in progress"));
        } else {
          in_block_ = true;
          implicit_block_ = false;
          if (!xact_start_us_) xact_start_us_ = stmt_start_us_;
          info_.xact_start_us = xact_start_us_;
          if (!txn_) {
            if (auto iso = parse_isolation(raw.isolation)) next_isolation_ = iso;
            if (raw.read_only) next_read_only_ = raw.read_only;
            if (raw.deferrable) next_deferrable_ = raw.deferrable;
            if (raw.optimistic) next_optimistic_ = raw.optimistic;
          }
        }
        if (tag.empty()) tag = "BEGIN";
        break;
      case K::kCommit: {
        const bool failed = in_block_ && failed_;
        if (!in_block_) {
          if (raw.chain && !implicit_block_) {
            throw SqlError(sqlstate::kNoActiveSqlTransaction,
                           "COMMIT AND CHAIN can only be used in transaction blocks");
          }
          send_notice(sink, warning(sqlstate::kNoActiveSqlTransaction,
                                    "there is no transaction in progress"));
        }
        std::optional<coord::Isolation> iso;
        std::optional<bool> ro;
        if (txn_) {
          iso = txn_->isolation();
          ro = txn_->sql_read_only();
        } else {
          iso = next_isolation_;
          ro = next_read_only_;
        }
        const bool chain = raw.chain && in_block_;
        end_transaction(/*commit=*/!failed);
        if (chain) {
          in_block_ = true;
          next_isolation_ = iso;
          next_read_only_ = ro;
          xact_start_us_ = now_us_since_2000();
        }
        tag = failed ? "ROLLBACK" : "COMMIT";
        break;
      }
      case K::kRollback: {
        if (!in_block_) {
          if (raw.chain && !implicit_block_) {
            throw SqlError(sqlstate::kNoActiveSqlTransaction,
                           "ROLLBACK AND CHAIN can only be used in transaction blocks");
          }
          send_notice(sink, warning(sqlstate::kNoActiveSqlTransaction,
                                    "there is no transaction in progress"));
        }
        const bool chain = raw.chain && in_block_;
        auto iso = txn_ ? std::optional(txn_->isolation()) : next_isolation_;
        auto ro = txn_ ? std::optional(txn_->sql_read_only()) : next_read_only_;
        end_transaction(/*commit=*/false);
        if (chain) {
          in_block_ = true;
          next_isolation_ = iso;
          next_read_only_ = ro;
          xact_start_us_ = now_us_since_2000();
        }
        tag = "ROLLBACK";
        break;
      }
      case K::kSavepoint: {
        if (!in_block_) {
          throw SqlError(sqlstate::kNoActiveSqlTransaction,
                         "SAVEPOINT can only be used in transaction blocks");
        }
        ensure_txn();
        // SET CONSTRAINTS' choices and the pending deferred checks as they are now, for
        // ROLLBACK TO (PostgreSQL's AfterTriggerBeginSubXact).
        std::shared_ptr<sql::DeferredConstraints> deferred_state;
        if (deferred_constraints && deferred_constraints->txn == txn_->id())
          deferred_state = std::make_shared<sql::DeferredConstraints>(*deferred_constraints);
        savepoints_.push_back({raw.name, txn_->begin_subtransaction(), notifications_->mark(),
                               std::move(deferred_state), txn_->sql_read_only()});
        if (tag.empty()) tag = "SAVEPOINT";
        break;
      }
      case K::kRelease: {
        if (!in_block_) {
          throw SqlError(sqlstate::kNoActiveSqlTransaction,
                         "RELEASE SAVEPOINT can only be used in transaction blocks");
        }
        size_t idx = find_savepoint(raw.name);
        for (size_t i = savepoints_.size(); i-- > idx;) txn_->release(savepoints_[i].sub);
        // A SET TRANSACTION READ ONLY inside the released savepoints ends with them, as the
        // setting is PostgreSQL's transaction-local GUC of the subtransaction.
        txn_->set_sql_read_only(savepoints_[idx].sql_read_only);
        savepoints_.resize(idx);
        if (tag.empty()) tag = "RELEASE";
        break;
      }
      case K::kRollbackTo: {
        if (!in_block_) {
          throw SqlError(sqlstate::kNoActiveSqlTransaction,
                         "ROLLBACK TO SAVEPOINT can only be used in transaction blocks");
        }
        size_t idx = find_savepoint(raw.name);
        txn_->rollback_to(savepoints_[idx].sub);
        txn_->set_sql_read_only(savepoints_[idx].sql_read_only);
        notifications_->rollback_to(savepoints_[idx].notify_mark);
        deferred_constraints =
            savepoints_[idx].deferred_state
                ? std::make_shared<sql::DeferredConstraints>(*savepoints_[idx].deferred_state)
                : nullptr;
        savepoints_.resize(idx + 1);
        failed_ = false;
        if (tag.empty()) tag = "ROLLBACK";
        break;
      }
      case K::kSet:
        if (raw.set_transaction) {
          if (auto iso = parse_isolation(raw.isolation)) {
            if (raw.session_characteristics) {
              settings_.set("default_transaction_isolation", raw.isolation, false, true);
            } else {
              if (txn_) {
                throw SqlError(sqlstate::kActiveSqlTransaction,
                               "SET TRANSACTION ISOLATION LEVEL must be called before any query");
              }
              next_isolation_ = iso;
            }
          }
          if (raw.read_only) {
            if (raw.session_characteristics) {
              settings_.set("default_transaction_read_only", *raw.read_only ? "on" : "off", false,
                            true);
            } else if (txn_) {
              // The transaction has begun: READ ONLY takes effect at once; back to READ WRITE
              // only in the top level before any query (PostgreSQL's check_transaction_read_only;
              // here the transaction begins with its first query or savepoint).
              if (!*raw.read_only && txn_->sql_read_only())
                throw SqlError(sqlstate::kActiveSqlTransaction,
                               savepoints_.empty()
                                   ? "transaction read-write mode must be set before any query"
                                   : "cannot set transaction read-write mode inside a read-only "
                                     "transaction");
              txn_->set_sql_read_only(*raw.read_only);
            } else {
              next_read_only_ = raw.read_only;
            }
          }
        } else {
          if (raw.is_local && !in_block_ && !implicit_block_) {
            send_notice(sink, warning(sqlstate::kNoActiveSqlTransaction,
                                      "SET LOCAL can only be used in transaction blocks"));
          }
          apply_set(raw.name, raw.values, raw.is_local);
        }
        if (tag.empty()) tag = "SET";
        break;
      case K::kReset:
        if (raw.name.empty() || raw.name == "all" || raw.name == "ALL") {
          settings_.reset_all(true);
        } else {
          apply_set(raw.name, {}, false);
        }
        if (tag.empty()) tag = "RESET";
        break;
      case K::kShow: {
        auto fields = result_columns_of(raw);
        for (size_t i = 0; i < fields.size() && i < formats.size(); ++i)
          fields[i].format = formats[i];
        std::vector<std::vector<std::string>> rows;
        if (fields.size() == 3) {
          rows = settings_.show_all();
        } else {
          std::string key = raw.name;
          for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          if (key == "transaction isolation level") key = "transaction_isolation";
          rows.push_back({get_setting(key)});
        }
        if (send_row_description) sink.row_description(fields);
        std::vector<std::optional<std::string>> values;
        for (auto& r : rows) {
          values.assign(r.begin(), r.end());
          sink.data_row(values);
        }
        if (tag.empty()) tag = "SHOW";
        break;
      }
      case K::kDiscard:
        if (in_block_ && (raw.name.empty() || raw.name == "all" || raw.name == "ALL")) {
          throw SqlError(sqlstate::kActiveSqlTransaction,
                         "DISCARD ALL cannot run inside a transaction block");
        }
        if (raw.name.empty() || raw.name == "all" || raw.name == "ALL") {
          // SET SESSION AUTHORIZATION DEFAULT; RESET ALL; ... (RESET ALL keeps the role).
          set_role_setting("session_authorization", {}, false, true);
          settings_.reset_all(true);
          statements_.clear();
          portals_.clear();
          notifications_->unlisten("");  // UNLISTEN *, at the commit of this statement
        }
        if (raw.name.empty() || raw.name == "all" || raw.name == "ALL" || raw.name == "temp")
          drop_temp_tables();
        if (tag.empty()) tag = "DISCARD ALL";
        break;
      case K::kPrepare: {
        // SQL-level PREPARE shares the protocol's namespace of named statements.
        if (statements_.count(raw.name))
          throw SqlError("42P05", "prepared statement \"" + raw.name + "\" already exists");
        begin_statement();
        auto p = std::make_shared<Prepared>();
        p->raw = raw;
        p->from_sql = true;
        p->source_text = info_.query;
        p->stmt = engine_.prepare(raw, {}, *this);
        statements_[raw.name] = std::move(p);
        break;
      }
      case K::kExecute: {
        auto it = statements_.find(raw.name);
        if (it == statements_.end() || raw.name.empty()) throw_no_statement(raw.name);
        std::shared_ptr<Prepared> p = it->second;
        if (!p->stmt)
          throw SqlError(sqlstate::kFeatureNotSupported,
                         "EXECUTE of a session command is not supported");
        ++p->executions;
        begin_statement();
        if (services_.has_catalog() && p->stmt->stale(services_.catalog()))
          p->stmt = engine_.prepare(p->raw, p->requested_types, *this);
        std::vector<Datum> args = engine_.evaluate_arguments(raw, p->stmt->param_types(), *this);
        const auto& cols = p->stmt->columns();
        std::vector<int16_t> fmts =
            formats.size() == cols.size()
                ? formats
                : std::vector<int16_t>(cols.size(), formats.size() == 1 ? formats[0] : int16_t{0});
        if (send_row_description && !cols.empty()) sink.row_description(fields_of(cols, fmts));
        auto cursor = engine_.execute(p->stmt, std::move(args), *this);
        EncodingSink rows(*this, sink, cols, fmts);
        cursor->fetch(0, rows);
        check_cancel();
        tag = cursor->tag();
        break;
      }
      case K::kDeallocate:
        if (raw.name.empty()) {
          statements_.clear();
          if (tag.empty()) tag = "DEALLOCATE ALL";
        } else {
          if (!statements_.erase(raw.name)) {
            throw SqlError(sqlstate::kInvalidSqlStatementName,
                           "prepared statement \"" + raw.name + "\" does not exist");
          }
          if (tag.empty()) tag = "DEALLOCATE";
        }
        break;
      case K::kListen:
        notifications_->listen(raw.name);
        break;
      case K::kUnlisten:
        notifications_->unlisten(raw.name);
        break;
      case K::kNotify:
        notifications_->notify(raw.name, raw.values.empty() ? std::string() : raw.values[0]);
        break;
      default:
        throw SqlError(sqlstate::kInternalError, "unexpected session command");
    }
    sink.command_complete(tag);
  }

  // ---- temporary tables (catalog/catalog.h) ----

  // The session's end and DISCARD TEMP / ALL: every temporary table goes (each drop commits
  // on its own; a crash before it is cleaned up by Catalog::load at the next start).
  void drop_temp_tables() {
    if (!services_.has_catalog()) return;
    for (const auto& t : services_.catalog().temp_tables(temp_namespace_)) {
      try {
        services_.catalog().drop_table(t->oid);
      } catch (...) {
      }
    }
  }

  // The session's temporary tables, looked up again only after DDL: a commit or a BEGIN
  // without temporary tables costs no catalog scan.
  const std::vector<catalog::TablePtr>& session_temp_tables() {
    if (!services_.has_catalog()) return temp_tables_;
    catalog::Catalog& cat = services_.catalog();
    if (cat.version() != temp_tables_version_) {
      temp_tables_version_ = cat.version();
      temp_tables_ = cat.temp_tables(temp_namespace_);
    }
    return temp_tables_;
  }

  // PostgreSQL's PreCommit_on_commit_actions, inside the committing transaction: ON COMMIT
  // DROP tables are dropped, ON COMMIT DELETE ROWS tables that hold rows are emptied (given
  // new storage, as TRUNCATE does); a failed commit undoes both.
  void apply_on_commit_actions(coord::Transaction& txn) {
    if (!services_.has_catalog()) return;
    catalog::Catalog& cat = services_.catalog();
    const std::vector<catalog::TablePtr> tables = session_temp_tables();
    for (const auto& t : tables) {
      if (t->on_commit == catalog::Table::kDrop) {
        cat.drop_table(t->oid, &txn);
      } else if (t->on_commit == catalog::Table::kDeleteRows) {
        txn.start_statement();  // sees every write of the transaction so far
        if (!txn.scan(coord::KeySpace{t->storage_id, 0}, "", "")->next()) continue;
        catalog::Table emptied = *t;
        emptied.storage_id = cat.allocate_storage_id();
        cat.replace_table(std::move(emptied), &txn);
      }
    }
  }

  size_t find_savepoint(const std::string& name) {
    for (size_t i = savepoints_.size(); i-- > 0;)
      if (savepoints_[i].name == name) return i;
    throw SqlError("3B001", "savepoint \"" + name + "\" does not exist");
  }

  // ---- roles: current_user and session_user ----
  //
  // Kept as PostgreSQL keeps them, in the settings "session_authorization" (the session
  // user's name) and "role" ("none", or the role SET ROLE chose), so that SET LOCAL, RESET and
  // a rollback of the transaction that changed them behave as for any setting; is_superuser
  // (reported to the client) follows the current user. The oids are looked up again when the
  // names or the roles change.

  static bool is_role_setting(const std::string& key) {
    return key == "role" || key == "session_authorization";
  }

  std::optional<catalog::Role> role_named(const std::string& name) const {
    if (!services_.has_catalog()) return std::nullopt;
    return services_.catalog().roles().find(name);
  }

  bool role_is_superuser(const std::string& name) const {
    if (!services_.has_catalog()) return true;  // tests without a catalog: as postgres
    auto r = role_named(name);
    return r && r->superuser;
  }

  // SET ROLE / SET SESSION AUTHORIZATION (values empty: DEFAULT or RESET), with PostgreSQL's
  // checks: the session user must be a member of the role; only a session that authenticated
  // as a superuser may change its session user.
  void set_role_setting(const std::string& key, const std::vector<std::string>& values,
                        bool is_local, bool in_txn) {
    std::string value = values.empty() ? std::string() : values[0];
    std::optional<catalog::Role> role;
    if (key == "role") {
      if (value.empty() || value == "none") {
        settings_.reset("role", is_local, in_txn);
      } else {
        role = role_named(value);
        if (services_.has_catalog()) {
          if (!role)
            throw SqlError(sqlstate::kInvalidParameterValue,
                           "role \"" + value + "\" does not exist");
          if (!services_.catalog().roles().is_member_of(session_user_id(), role->oid))
            throw SqlError(sqlstate::kInsufficientPrivilege,
                           "permission denied to set role \"" + value + "\"");
        }
        settings_.set("role", value, is_local, in_txn);
      }
    } else {
      if (value.empty()) value = params_.user;  // DEFAULT: the authenticated user
      role = role_named(value);
      if (services_.has_catalog()) {
        if (!role)
          throw SqlError(sqlstate::kInvalidParameterValue, "role \"" + value + "\" does not exist");
        if (value != params_.user && !role_is_superuser(params_.user))
          throw SqlError(sqlstate::kInsufficientPrivilege,
                         "permission denied to set session authorization");
      }
      settings_.assign_internal("session_authorization", value, is_local, in_txn);
      settings_.reset("role", is_local, in_txn);
    }
    refresh_user_ids();
    std::string current = settings_.get("role");
    if (current == "none") current = settings_.get("session_authorization");
    settings_.assign_internal("is_superuser", role_is_superuser(current) ? "on" : "off", is_local,
                              in_txn);
  }

  // Startup options (-c role=x) become what RESET returns to.
  void keep_role_defaults() {
    for (const char* n : {"role", "session_authorization", "is_superuser"})
      settings_.keep_as_default(n);
  }

  void refresh_user_ids() const {
    uint64_t version = services_.has_catalog() ? services_.catalog().roles().version() : 0;
    // Neither the two settings nor the roles changed: nothing to read (several calls per
    // statement, each a privilege check).
    if (user_ids_.valid && version == user_ids_.version &&
        user_ids_.generation == settings_.generation())
      return;
    user_ids_.generation = settings_.generation();
    std::string auth = settings_.get("session_authorization");
    std::string role = settings_.get("role");
    if (user_ids_.valid && version == user_ids_.version && auth == user_ids_.auth &&
        role == user_ids_.role)
      return;
    auto oid_of = [&](const std::string& name) -> Oid {
      if (!services_.has_catalog()) return catalog::kBootstrapSuperuserId;
      auto r = role_named(name);
      // A role dropped while in use holds no privileges but PUBLIC's.
      return r ? r->oid : catalog::kPublicRoleId;
    };
    user_ids_.session = oid_of(auth);
    user_ids_.current = role == "none" ? user_ids_.session : oid_of(role);
    user_ids_.auth = std::move(auth);
    user_ids_.role = std::move(role);
    user_ids_.version = version;
    user_ids_.valid = true;
  }

  struct UserIds {
    bool valid = false;
    uint64_t version = 0;
    uint64_t generation = 0;  // settings_.generation() auth and role were read at
    std::string auth, role;
    Oid session = catalog::kBootstrapSuperuserId;
    Oid current = catalog::kBootstrapSuperuserId;
  };
  mutable UserIds user_ids_;
  // time_zone()'s cache: the TimeZone setting it last resolved, and its zone.
  mutable std::string zone_setting_ = "UTC";
  mutable sql::types::TimeZone zone_;
  mutable uint64_t zone_generation_ = ~uint64_t{0};  // settings_.generation() it was read at

  // What every statement and transaction reads of the settings, read again only when a
  // setting changed (Settings::generation()): looking the names up on every statement was a
  // fifth of a prepared point select's instructions.
  struct StatementSettings {
    uint64_t generation = ~uint64_t{0};
    coord::Isolation isolation = coord::Isolation::kReadCommitted;
    bool read_only = false, deferrable = false, optimistic = false, validate_reads = false;
    int64_t statement_timeout_ms = 0, lock_timeout_ms = 0;
    int64_t deadlock_timeout_ms = 0;             // asked at every lock request
    int64_t idle_in_transaction_timeout_ms = 0;  // asked after every message in a block
    std::string application_name;
  };
  const StatementSettings& statement_settings() const {
    if (statement_settings_.generation == settings_.generation()) return statement_settings_;
    StatementSettings& h = statement_settings_;
    h.generation = settings_.generation();
    h.isolation = parse_isolation(settings_.get("default_transaction_isolation"))
                      .value_or(coord::Isolation::kReadCommitted);
    h.read_only = settings_.get("default_transaction_read_only") == "on";
    h.deferrable = settings_.get("default_transaction_deferrable") == "on";
    h.optimistic = settings_.get("holdfast.concurrency") == "optimistic";
    h.validate_reads = settings_.get("holdfast.occ_validate_reads") == "on";
    h.statement_timeout_ms = settings_.milliseconds("statement_timeout");
    h.lock_timeout_ms = settings_.milliseconds("lock_timeout");
    h.deadlock_timeout_ms = settings_.milliseconds("deadlock_timeout");
    h.idle_in_transaction_timeout_ms =
        settings_.milliseconds("idle_in_transaction_session_timeout");
    h.application_name = settings_.get("application_name");
    return h;
  }
  mutable StatementSettings statement_settings_;

  struct Savepoint {
    std::string name;
    coord::SubId sub;
    SessionNotifications::Mark notify_mark;  // LISTEN/NOTIFY queued before it
    // Deferred constraints' state when it was made (null: none yet); ROLLBACK TO restores it.
    std::shared_ptr<sql::DeferredConstraints> deferred_state;
    bool sql_read_only = false;  // SET TRANSACTION READ ONLY's state when it was made
  };

  Services& services_;
  sql::Engine& engine_;
  StartupParams params_;
  Settings settings_;
  int32_t pid_ = 0;
  int32_t secret_ = 0;
  runtime::CancelToken cancel_;
  SessionInfo info_;
  // What publish_info last gave the registry of what update_info_idle may change (state: the
  // literal, compared by address; nullptr: nothing published yet).
  struct Published {
    const char* state = nullptr;
    int64_t xact_start_us = 0;
    uint64_t txn_id = 0;
    bool optimistic = false;
    int64_t query_start_us = 0;
  } published_;
  ResultSink* sink_ = nullptr;

  std::unique_ptr<coord::Transaction> txn_;
  bool in_block_ = false;
  bool failed_ = false;
  bool implicit_block_ = false;
  std::vector<Savepoint> savepoints_;
  std::optional<coord::Isolation> next_isolation_;
  std::optional<bool> next_read_only_;
  std::optional<bool> next_deferrable_;
  std::optional<bool> next_optimistic_;  // BEGIN OPTIMISTIC / PESSIMISTIC (issue 10)  // BEGIN ...
                                         // DEFERRABLE (SERIALIZABLE READ ONLY)
  int64_t xact_start_us_ = 0;
  int64_t stmt_start_us_ = 0;
  runtime::Deadline lock_deadline_ = runtime::Deadline::max();
  runtime::Deadline statement_deadline_ = runtime::Deadline::max();  // statement_timeout's
  runtime::Clock::time_point wait_started_at_{};

  // Hashed: Bind finds its statement here for every execution, and drivers' names share long
  // prefixes; prepared_statements() sorts what it lists.
  std::unordered_map<std::string, std::shared_ptr<Prepared>> statements_;
  std::map<std::string, std::shared_ptr<Portal>> portals_;
  std::unique_ptr<SessionNotifications> notifications_;  // LISTEN/NOTIFY (listen_notify.h)
  uint64_t temp_namespace_ = 0;  // of this session's temporary tables (catalog/catalog.h)
  std::vector<catalog::TablePtr> temp_tables_;  // as of catalog version temp_tables_version_
  uint64_t temp_tables_version_ = 0;
};

}  // namespace

std::unique_ptr<Session> make_session(Services& services, const StartupParams& params) {
  if (!services.has_engine()) {
    throw FatalError(
        Error{sqlstate::kInternalError, "the server has no SQL engine", {}, {}, 0, "FATAL"});
  }
  return std::make_unique<SessionImpl>(services, params);
}

}  // namespace hf::session
