// session/session.h — one client session: transaction state, settings, prepared statements
// and portals. What the wire layer calls for each protocol message.
//
// A Session lives in its connection's fiber and is used only from it (not thread-safe),
// except for cancel_token() and the SessionInfo snapshot read by the registry, which other
// threads may use. Methods marked MAY SUSPEND park the fiber (locks, commits, COPY input).
//
// Errors: methods throw hf::SqlError for an error that ends the statement; the wire layer
// turns it into an ErrorResponse and, in the extended protocol, discards messages until
// Sync. The session has already moved its transaction to the failed state ('E') inside a
// transaction block, or rolled back an implicit transaction, before the error reaches wire.
// hf::FatalError ends the connection.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/datum.h"
#include "common/error.h"
#include "runtime/fiber.h"
#include "session/notification_hub.h"

namespace hf::session {

// One column of a RowDescription.
struct FieldDesc {
  std::string name;
  Oid table_oid = 0;
  int16_t column = 0;
  Oid type_oid = type_oid::kText;
  int16_t type_len = -1;
  int32_t typmod = -1;
  int16_t format = 0;  // 0 text, 1 binary
};

// Where results go. Implemented by the wire layer, which writes protocol messages.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void row_description(const std::vector<FieldDesc>& fields) = 0;
  // Values already encoded in the format of each field; nullopt is SQL NULL.
  virtual void data_row(const std::vector<std::optional<std::string>>& values) = 0;
  virtual void command_complete(const std::string& tag) = 0;
  virtual void empty_query() = 0;
  virtual void notice(const Error& notice) = 0;
  // COPY ... FROM STDIN: send CopyInResponse, then pull CopyData payloads until CopyDone
  // (nullopt). A CopyFail from the client throws SqlError. MAY SUSPEND.
  virtual void copy_in_start(bool binary, int columns) = 0;
  virtual std::optional<std::string> copy_in_next() = 0;
  // COPY ... TO STDOUT.
  virtual void copy_out_start(bool binary, int columns) = 0;
  virtual void copy_out_data(const std::string& data) = 0;
  virtual void copy_out_done() = 0;
  // The session starts (true) or stops (false) waiting for a lock. While it waits, the wire
  // layer watches the client's connection: a client that goes away (killed, or closed after
  // a Terminate the session cannot read while it waits) gets the session's cancel token
  // requested with kTerminate, so the wait ends at once and the transaction rolls back,
  // releasing its locks. PostgreSQL does this only with client_connection_check_interval set;
  // holdfast always does it for lock waits. Default: no watching.
  virtual void lock_wait(bool waiting) { (void)waiting; }
};

struct StartupParams {
  std::string user;
  std::string database;
  std::string application_name;
  std::vector<std::pair<std::string, std::string>> options;  // other startup parameters
};

struct StatementDescription {
  std::vector<Oid> param_types;
  std::vector<FieldDesc> fields;  // empty: the statement returns no rows (NoData)
};

enum class ExecuteOutcome { kComplete, kSuspended };

class Services;  // session/services.h: what a session needs from the server

class Session {
 public:
  virtual ~Session() = default;

  // ParameterStatus pairs to send after authentication.
  virtual std::vector<std::pair<std::string, std::string>> initial_parameter_status() = 0;
  // ParameterStatus pairs whose values changed since the last call (SET of a GUC_REPORT).
  virtual std::vector<std::pair<std::string, std::string>> take_parameter_changes() = 0;
  virtual int32_t pid() const = 0;
  virtual int32_t secret_key() const = 0;
  // 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block.
  virtual char transaction_status() const = 0;
  virtual runtime::CancelToken& cancel_token() = 0;
  // LISTEN/NOTIFY: notifications delivered to this session and not yet sent to the client,
  // oldest first. The wire layer sends them (NotificationResponse) when the session is
  // outside a transaction block: before ReadyForQuery, and at once while it waits for the
  // client's next message. set_notification_wakeup's function is called from any thread
  // (with the hub's mutex held: it must only schedule work) when a notification arrives.
  virtual std::vector<Notification> take_notifications() { return {}; }
  virtual void set_notification_wakeup(std::function<void()> wake) { (void)wake; }
  // How long the client may leave the session idle before the connection ends with FATAL
  // 25P03 "terminating connection due to idle-in-transaction timeout": the
  // idle_in_transaction_session_timeout setting while in a transaction block ('T' or 'E'),
  // else 0 (no limit). The wire layer asks after each ReadyForQuery.
  virtual int64_t idle_in_transaction_timeout_ms() const { return 0; }

  // Simple query: every statement of the string, each reported to sink; stops at the first
  // error (reported by throwing, as above). MAY SUSPEND.
  virtual void simple_query(const std::string& sql, ResultSink& sink) = 0;

  // Extended query protocol.
  virtual void parse(const std::string& name, const std::string& sql,
                     const std::vector<Oid>& param_types) = 0;
  virtual void bind(const std::string& portal, const std::string& statement,
                    const std::vector<int16_t>& param_formats,
                    const std::vector<std::optional<std::string_view>>& params,
                    const std::vector<int16_t>& result_formats) = 0;
  virtual StatementDescription describe_statement(const std::string& name) = 0;
  virtual std::vector<FieldDesc> describe_portal(const std::string& name) = 0;
  // Runs a portal, sending at most max_rows rows (0: all). kSuspended: PortalSuspended.
  virtual ExecuteOutcome execute(const std::string& portal, int64_t max_rows, ResultSink& sink) = 0;
  virtual void close_statement(const std::string& name) = 0;
  virtual void close_portal(const std::string& name) = 0;
  // Sync: ends an implicit transaction (commit, or rollback after an error). MAY SUSPEND.
  virtual void sync() = 0;
  // The client went away or sent Terminate: roll back, release everything.
  virtual void terminate() = 0;
};

// Creates sessions; thread-safe. Implemented in session/ over the SQL engine.
std::unique_ptr<Session> make_session(Services& services, const StartupParams& params);

}  // namespace hf::session
