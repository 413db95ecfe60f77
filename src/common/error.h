// common/error.h — the one error type that crosses layers.
//
// An Error carries PostgreSQL's SQLSTATE and message text, word for word, plus the optional
// DETAIL and HINT fields that clients print. Lower layers report expected outcomes as enum
// values (a lock request that would block, a version mismatch); an error that ends the
// statement is thrown as SqlError and caught at the session boundary, which turns it into
// an ErrorResponse. Thread safety: plain values, no shared state.
#pragma once

#include <exception>
#include <string>
#include <utility>

namespace hf {

// SQLSTATE codes used across layers (PostgreSQL's errcodes.txt names, shortened).
namespace sqlstate {
inline constexpr const char* kSuccessfulCompletion = "00000";
inline constexpr const char* kWarning = "01000";
inline constexpr const char* kFeatureNotSupported = "0A000";
inline constexpr const char* kCardinalityViolation = "21000";
inline constexpr const char* kDataException = "22000";
inline constexpr const char* kStringDataRightTruncation = "22001";
inline constexpr const char* kNumericValueOutOfRange = "22003";
inline constexpr const char* kNullValueNotAllowed = "22004";
inline constexpr const char* kInvalidDatetimeFormat = "22007";
inline constexpr const char* kDatetimeFieldOverflow = "22008";
inline constexpr const char* kDivisionByZero = "22012";
inline constexpr const char* kInvalidTextRepresentation = "22P02";
inline constexpr const char* kInvalidBinaryRepresentation = "22P03";
inline constexpr const char* kInvalidParameterValue = "22023";
inline constexpr const char* kIntegrityConstraintViolation = "23000";
inline constexpr const char* kNotNullViolation = "23502";
inline constexpr const char* kForeignKeyViolation = "23503";
inline constexpr const char* kUniqueViolation = "23505";
inline constexpr const char* kCheckViolation = "23514";
inline constexpr const char* kInvalidCursorState = "24000";
inline constexpr const char* kActiveSqlTransaction = "25001";
inline constexpr const char* kReadOnlySqlTransaction = "25006";
inline constexpr const char* kNoActiveSqlTransaction = "25P01";
inline constexpr const char* kInFailedSqlTransaction = "25P02";
inline constexpr const char* kInvalidSqlStatementName = "26000";
inline constexpr const char* kInvalidTransactionState = "25000";
inline constexpr const char* kInvalidAuthorizationSpecification = "28000";
inline constexpr const char* kInvalidPassword = "28P01";
inline constexpr const char* kInvalidCursorName = "34000";
inline constexpr const char* kSerializationFailure = "40001";
inline constexpr const char* kDeadlockDetected = "40P01";
inline constexpr const char* kSyntaxError = "42601";
inline constexpr const char* kInvalidName = "42602";
inline constexpr const char* kDependentObjectsStillExist = "2BP01";
inline constexpr const char* kUndefinedColumn = "42703";
inline constexpr const char* kUndefinedFunction = "42883";
inline constexpr const char* kUndefinedTable = "42P01";
inline constexpr const char* kUndefinedObject = "42704";
inline constexpr const char* kDuplicateTable = "42P07";
inline constexpr const char* kDuplicateObject = "42710";
inline constexpr const char* kDuplicateColumn = "42701";
inline constexpr const char* kAmbiguousColumn = "42702";
inline constexpr const char* kDatatypeMismatch = "42804";
inline constexpr const char* kGroupingError = "42803";
inline constexpr const char* kWrongObjectType = "42809";
inline constexpr const char* kInvalidColumnReference = "42P10";
inline constexpr const char* kUndefinedParameter = "42P02";
inline constexpr const char* kIndeterminateDatatype = "42P18";
inline constexpr const char* kInvalidSchemaName = "3F000";
inline constexpr const char* kProtocolViolation = "08P01";
inline constexpr const char* kTooManyConnections = "53300";
inline constexpr const char* kOutOfMemory = "53200";
inline constexpr const char* kProgramLimitExceeded = "54000";
inline constexpr const char* kStatementTooComplex = "54001";
inline constexpr const char* kLockNotAvailable = "55P03";
inline constexpr const char* kObjectInUse = "55006";
inline constexpr const char* kQueryCanceled = "57014";
inline constexpr const char* kAdminShutdown = "57P01";
inline constexpr const char* kInsufficientPrivilege = "42501";
inline constexpr const char* kInternalError = "XX000";
}  // namespace sqlstate

struct Error {
  std::string sqlstate = sqlstate::kInternalError;
  std::string message;
  std::string detail;   // empty: not sent
  std::string hint;     // empty: not sent
  int position = 0;     // 1-based character position in the query text; 0: not sent
  std::string context;  // CONTEXT: where it happened (e.g. a foreign key action's statement)
  std::string severity = "ERROR";
  // The object an integrity error is about (PostgreSQL's ErrorResponse fields s, t, c, n),
  // which drivers expose (psycopg's diag.constraint_name, pgjdbc's getConstraint); empty: not
  // sent.
  std::string schema_name;
  std::string table_name;
  std::string column_name;
  std::string constraint_name;
  // An error inside a statement the server ran for a function (PL/pgSQL's embedded SQL): that
  // statement's text and the 1-based position in it (ErrorResponse fields q and p; psql shows
  // them as LINE and QUERY). 0 / empty: not sent.
  int internal_position = 0;
  std::string internal_query;
};

// Thrown to end the current statement; caught by the session, which reports it.
class SqlError : public std::exception {
 public:
  explicit SqlError(Error e) : error_(std::move(e)) {}
  SqlError(std::string sqlstate, std::string message, std::string detail = {},
           std::string hint = {})
      : error_{std::move(sqlstate), std::move(message), std::move(detail), std::move(hint)} {}
  const char* what() const noexcept override { return error_.message.c_str(); }
  const Error& error() const { return error_; }
  Error& error() { return error_; }

 private:
  Error error_;
};

// Thrown when the connection must end (FATAL): protocol violations, terminate_backend.
class FatalError : public SqlError {
 public:
  using SqlError::SqlError;
};

}  // namespace hf
