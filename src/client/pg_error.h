// client/pg_error.h — what a libpq client makes of a server's error: the SQLSTATE, its class
// (retry, unsupported, other) and an owning handle for libpq results.
//
// This is client code, for programs that talk to holdfast (or PostgreSQL) over libpq: the
// benchmark driver, demos, tests. It sits beside the server layers and depends on none of
// them (only libpq), so an application could take it as it is.
//
// Promises:
//   - classify_sqlstate: 40001 (serialization_failure, also holdfast's optimistic-commit
//     conflict "OC000") and 40P01 (deadlock_detected) are kRetryable: the transaction had no
//     effect and running it again may succeed. 0A000 (feature_not_supported) is
//     kUnsupported: running it again gives the same answer. Everything else is kOther.
//   - check_result takes ownership of a PGresult and either returns it (a success status) or
//     frees it and throws PgError with the server's SQLSTATE and primary message. A missing
//     result or one without a SQLSTATE (the connection broke, libpq ran out of memory) is
//     reported as 08006 (connection_failure) with libpq's own message.
// Thread safety: plain values and pure functions; a PGconn is used by one thread at a time,
// as libpq requires.
// Blocking: nothing here blocks.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hf::client {

enum class ErrorKind {
  kRetryable,    // 40001, 40P01: nothing happened; run the transaction again
  kUnsupported,  // 0A000: the server will not do this, however often it is asked
  kOther,        // anything else: a bug, a constraint, a broken connection
};

ErrorKind classify_sqlstate(std::string_view sqlstate);
const char* to_string(ErrorKind kind);

// SQLSTATE used when libpq reports a failure without one (lost connection, no result).
inline constexpr const char* kConnectionFailure = "08006";

// A server (or libpq) error as the client sees it.
class PgError : public std::runtime_error {
 public:
  PgError(std::string sqlstate, const std::string& message)
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }
  ErrorKind kind() const { return classify_sqlstate(sqlstate_); }

 private:
  std::string sqlstate_;
};

struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// Owns `result`; returns it when its status is a success (COMMAND_OK, TUPLES_OK, SINGLE_TUPLE,
// COPY_*), otherwise frees it and throws PgError. `conn` supplies the message when libpq
// returned no result at all.
PgResult check_result(PGconn* conn, PGresult* result);

// PQexec + check_result, for statements without parameters (BEGIN, COMMIT, DDL).
PgResult exec_checked(PGconn* conn, const char* sql);

}  // namespace hf::client
