#include "bench/driver/pq.h"

#include <cstring>
#include <limits>
#include <stdexcept>

namespace hf::bench {
namespace {

// PostgreSQL's binary timestamps count microseconds from 2000-01-01 00:00:00.
constexpr std::int64_t kPgEpochUnixMicros = 946'684'800'000'000;

std::string big_endian(std::int64_t v, int width) {
  std::string out(static_cast<size_t>(width), '\0');
  auto u = static_cast<std::uint64_t>(v);
  for (int i = width - 1; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(u & 0xff);
    u >>= 8;
  }
  return out;
}

std::int64_t from_big_endian(const char* p, int width) {
  std::uint64_t u = 0;
  for (int i = 0; i < width; ++i) u = (u << 8) | static_cast<unsigned char>(p[i]);
  // Sign-extend narrower integers.
  int shift = 64 - 8 * width;
  return static_cast<std::int64_t>(u << shift) >> shift;
}

bool is_integer_type(Oid type) {
  return type == oid::kInt2 || type == oid::kInt4 || type == oid::kInt8;
}

int integer_width(Oid type) {
  return type == oid::kInt2 ? 2 : type == oid::kInt4 ? 4 : 8;
}

}  // namespace

Encoded encode_param(const Value& value, Oid type) {
  Encoded out;
  switch (value.kind) {
    case Value::Kind::kNull:
      out.is_null = true;
      return out;
    case Value::Kind::kInt:
      if (is_integer_type(type)) {
        int width = integer_width(type);
        std::int64_t lo = width == 2   ? std::numeric_limits<std::int16_t>::min()
                          : width == 4 ? std::numeric_limits<std::int32_t>::min()
                                       : std::numeric_limits<std::int64_t>::min();
        std::int64_t hi = width == 2   ? std::numeric_limits<std::int16_t>::max()
                          : width == 4 ? std::numeric_limits<std::int32_t>::max()
                                       : std::numeric_limits<std::int64_t>::max();
        if (value.number < lo || value.number > hi) {
          throw std::invalid_argument("integer " + std::to_string(value.number) +
                                      " out of range for a parameter of type " +
                                      std::to_string(type));
        }
        out.data = big_endian(value.number, width);
        out.format = 1;
      } else if (type == oid::kBytea || type == oid::kTimestamp || type == oid::kTimestamptz ||
                 type == oid::kBool) {
        throw std::invalid_argument("an integer for a parameter of type " + std::to_string(type));
      } else {
        out.data = std::to_string(value.number);  // text, numeric, unknown: the server parses it
      }
      return out;
    case Value::Kind::kBytes:
      if (type != oid::kBytea) {
        throw std::invalid_argument("bytes for a parameter of type " + std::to_string(type));
      }
      out.data.assign(value.bytes);
      out.format = 1;
      return out;
    case Value::Kind::kText:
      out.data.assign(value.bytes);
      return out;
    case Value::Kind::kTime:
      if (type != oid::kTimestamp && type != oid::kTimestamptz) {
        throw std::invalid_argument("a timestamp for a parameter of type " + std::to_string(type));
      }
      out.data = big_endian(value.number - kPgEpochUnixMicros, 8);
      out.format = 1;
      return out;
  }
  return out;
}

Connection::Connection(const std::string& conninfo) {
  conn_ = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw client::PgError(client::kConnectionFailure, message);
  }
  cancel_ = PQgetCancel(conn_);
  // NOTICEs (DROP TABLE IF EXISTS of a missing table) are not the driver's output.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

Connection::~Connection() {
  if (cancel_) PQfreeCancel(cancel_);
  if (conn_) PQfinish(conn_);
}

const Statement& Connection::prepare(const std::string& name, const std::string& sql) {
  PgResult described;
  try {
    client::check_result(conn_, PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
    described = client::check_result(conn_, PQdescribePrepared(conn_, name.c_str()));
  } catch (const client::PgError& e) {
    // Name the statement: a server that rejects one should say which.
    throw client::PgError(e.sqlstate(),
                          std::string(e.what()) + "\n    preparing " + name + ": " + sql);
  }
  auto statement = std::make_unique<Statement>();
  statement->name = name;
  statement->sql = sql;
  for (int i = 0; i < PQnparams(described.get()); ++i) {
    statement->param_types.push_back(PQparamtype(described.get(), i));
  }
  statements_prepared_.push_back(std::move(statement));
  return *statements_prepared_.back();
}

PgResult Connection::exec(const Statement& statement, const Params& params) {
  const std::vector<Value>& values = params.values();
  if (values.size() != statement.param_types.size()) {
    throw std::invalid_argument(statement.name + ": " + std::to_string(values.size()) +
                                " parameters for " + std::to_string(statement.param_types.size()));
  }
  std::vector<Encoded> encoded;
  encoded.reserve(values.size());
  std::vector<const char*> data(values.size());
  std::vector<int> lengths(values.size()), formats(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    encoded.push_back(encode_param(values[i], statement.param_types[i]));
    data[i] = encoded[i].is_null ? nullptr : encoded[i].data.data();
    lengths[i] = static_cast<int>(encoded[i].data.size());
    formats[i] = encoded[i].format;
  }
  ++statements_;
  return client::check_result(
      conn_, PQexecPrepared(conn_, statement.name.c_str(), static_cast<int>(values.size()),
                            data.data(), lengths.data(), formats.data(), /*resultFormat=*/1));
}

PgResult Connection::exec(const char* sql) {
  ++statements_;
  return client::exec_checked(conn_, sql);
}

void Connection::cancel() {
  char message[256];
  if (cancel_) PQcancel(cancel_, message, sizeof message);
}

std::int64_t get_int(const PGresult* result, int row, int column) {
  const char* p = PQgetvalue(result, row, column);
  if (PQfformat(result, column) == 0) return std::stoll(p);
  int length = PQgetlength(result, row, column);
  if (length != 2 && length != 4 && length != 8) {
    throw std::runtime_error("column " + std::to_string(column) + " is not an integer (" +
                             std::to_string(length) + " bytes)");
  }
  return from_big_endian(p, length);
}

std::string get_bytes(const PGresult* result, int row, int column) {
  const char* p = PQgetvalue(result, row, column);
  if (PQfformat(result, column) == 1) return std::string(p, PQgetlength(result, row, column));
  size_t length = 0;
  unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(p), &length);
  std::string out(reinterpret_cast<char*>(raw), length);
  PQfreemem(raw);
  return out;
}

std::string get_text(const PGresult* result, int row, int column) {
  return std::string(PQgetvalue(result, row, column), PQgetlength(result, row, column));
}

bool is_null(const PGresult* result, int row, int column) {
  return PQgetisnull(result, row, column) != 0;
}

std::int64_t rows_affected(const PGresult* result) {
  const char* tuples = PQcmdTuples(const_cast<PGresult*>(result));
  return tuples && *tuples ? std::stoll(tuples) : 0;
}

}  // namespace hf::bench
