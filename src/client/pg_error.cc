#include "client/pg_error.h"

namespace hf::client {

ErrorKind classify_sqlstate(std::string_view sqlstate) {
  if (sqlstate == "40001" || sqlstate == "40P01") return ErrorKind::kRetryable;
  if (sqlstate == "0A000") return ErrorKind::kUnsupported;
  return ErrorKind::kOther;
}

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kRetryable:
      return "retryable";
    case ErrorKind::kUnsupported:
      return "unsupported";
    case ErrorKind::kOther:
      break;
  }
  return "other";
}

PgResult check_result(PGconn* conn, PGresult* raw) {
  PgResult result(raw);
  if (!result) {
    throw PgError(kConnectionFailure, conn ? PQerrorMessage(conn) : "no connection");
  }
  switch (PQresultStatus(result.get())) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_SINGLE_TUPLE:
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
    case PGRES_COPY_BOTH:
    case PGRES_EMPTY_QUERY:
      return result;
    default:
      break;
  }
  const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY);
  std::string message = primary ? primary : PQresultErrorMessage(result.get());
  if (!state || !*state) {
    // libpq's own failures (connection lost mid-statement) carry no SQLSTATE.
    throw PgError(kConnectionFailure, message.empty() && conn ? PQerrorMessage(conn) : message);
  }
  throw PgError(state, message);
}

PgResult exec_checked(PGconn* conn, const char* sql) {
  return check_result(conn, PQexec(conn, sql));
}

}  // namespace hf::client
