// bench/driver/pq.h — the benchmark driver's libpq connection: statements prepared once per
// connection and executed with the extended protocol, parameters encoded as pgx encodes them.
//
// pgx (Temporal's default PostgreSQL driver) prepares each statement once per connection,
// asks the server for the parameter types (Describe) and then sends every parameter in the
// binary format that type has: integers as 2/4/8-byte big-endian, bytea raw, timestamps as
// microseconds since 2000-01-01; text-like types go as text. Connection::prepare does the
// same (PQprepare without types, then PQdescribePrepared), and Params are encoded against the
// described types, so a parameter the server typed int4 is sent as 4 bytes. Results are
// requested in binary, as pgx does; the accessors below decode either format.
//
// Errors: every call that fails throws hf::client::PgError with the server's SQLSTATE.
// Thread safety: a Connection belongs to one thread; cancel_handle() may be used from another
// thread (PQcancel is thread-safe).
// Blocking: exec, prepare and open block the calling thread in libpq.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/pg_error.h"

namespace hf::bench {

using client::PgResult;

// Type OIDs of the parameters and columns the driver encodes or decodes.
namespace oid {
inline constexpr Oid kBool = 16;
inline constexpr Oid kBytea = 17;
inline constexpr Oid kInt8 = 20;
inline constexpr Oid kInt2 = 21;
inline constexpr Oid kInt4 = 23;
inline constexpr Oid kText = 25;
inline constexpr Oid kVarchar = 1043;
inline constexpr Oid kTimestamp = 1114;
inline constexpr Oid kTimestamptz = 1184;
}  // namespace oid

// One bind value as the application holds it; its wire form depends on the parameter's type.
struct Value {
  enum class Kind { kNull, kInt, kBytes, kText, kTime } kind = Kind::kNull;
  std::int64_t number = 0;  // kInt; kTime: microseconds since 1970-01-01 UTC
  std::string_view bytes;   // kBytes, kText (not owned: valid until exec returns)
};

class Params {
 public:
  Params& integer(std::int64_t v) { return add({Value::Kind::kInt, v, {}}); }
  Params& bytes(std::string_view v) { return add({Value::Kind::kBytes, 0, v}); }
  Params& text(std::string_view v) { return add({Value::Kind::kText, 0, v}); }
  Params& time(std::int64_t unix_micros) { return add({Value::Kind::kTime, unix_micros, {}}); }
  Params& null() { return add({}); }
  const std::vector<Value>& values() const { return values_; }

 private:
  Params& add(Value v) {
    values_.push_back(v);
    return *this;
  }
  std::vector<Value> values_;
};

// A value's wire form for a parameter of type `type`: the bytes and 0 (text) or 1 (binary).
// Throws std::invalid_argument when the value cannot be sent as that type (bytes for an
// integer parameter, an integer out of an int2/int4 range).
struct Encoded {
  std::string data;
  int format = 0;
  bool is_null = false;
};
Encoded encode_param(const Value& value, Oid type);

struct Statement {
  std::string name;
  std::string sql;
  std::vector<Oid> param_types;  // as the server described them
};

class Connection {
 public:
  // Connects (throws PgError 08006 with libpq's message when it cannot).
  explicit Connection(const std::string& conninfo);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  PGconn* get() const { return conn_; }

  // Parse once on this connection (unnamed types: the server infers them), then Describe.
  // The Statement lives as long as the Connection.
  const Statement& prepare(const std::string& name, const std::string& sql);

  // Bind + Execute of a prepared statement, binary results.
  PgResult exec(const Statement& statement, const Params& params);
  // A statement without parameters, simple protocol (BEGIN, COMMIT, DDL, checks).
  PgResult exec(const char* sql);

  // Statements executed so far (exec calls, including BEGIN and COMMIT sent by exec(sql)).
  std::uint64_t statements() const { return statements_; }

  // Asks the server to cancel what this connection is running; safe from any thread.
  void cancel();

 private:
  PGconn* conn_ = nullptr;
  PGcancel* cancel_ = nullptr;
  std::vector<std::unique_ptr<Statement>> statements_prepared_;
  std::uint64_t statements_ = 0;
};

// Result accessors; they decode the binary and the text format alike.
std::int64_t get_int(const PGresult* result, int row, int column);
std::string get_bytes(const PGresult* result, int row, int column);
std::string get_text(const PGresult* result, int row, int column);
bool is_null(const PGresult* result, int row, int column);
// PQcmdTuples as a number (rows inserted, updated or deleted).
std::int64_t rows_affected(const PGresult* result);

}  // namespace hf::bench
