// common/datum.h — one SQL value, as the executor and the codecs see it.
//
// A Datum is a tagged value; its SQL type (a PostgreSQL type OID and typmod) travels beside
// it in the plan, not inside it, as in PostgreSQL. The representation per type:
//   NULL                       std::monostate
//   bool                       bool
//   int2, int4, int8, oid      int64_t
//   date                       int64_t   days since 2000-01-01 (PostgreSQL's epoch)
//   timestamp, timestamptz     int64_t   microseconds since 2000-01-01 00:00 (UTC for tz)
//   time                       int64_t   microseconds since midnight
//   float4, float8             double
//   text, varchar, bpchar,
//   name, bytea, unknown       std::string (bytes; bytea raw, not hex)
//   numeric                    Numeric
//   interval                   Interval
//   uuid                       Uuid
//   arrays, records            ArrayPtr (element type from the plan)
// Datums are plain values: copyable, no shared mutable state (arrays are shared immutable).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace hf {

using Oid = uint32_t;

// PostgreSQL type OIDs (pg_type.dat) that holdfast knows.
namespace type_oid {
inline constexpr Oid kInvalid = 0;
inline constexpr Oid kBool = 16;
inline constexpr Oid kBytea = 17;
inline constexpr Oid kChar = 18;
inline constexpr Oid kName = 19;
inline constexpr Oid kInt8 = 20;
inline constexpr Oid kInt2 = 21;
inline constexpr Oid kInt2Vector = 22;
inline constexpr Oid kInt4 = 23;
inline constexpr Oid kRegproc = 24;
inline constexpr Oid kText = 25;
inline constexpr Oid kOid = 26;
inline constexpr Oid kXid = 28;
inline constexpr Oid kOidVector = 30;
inline constexpr Oid kJson = 114;
inline constexpr Oid kFloat4 = 700;
inline constexpr Oid kFloat8 = 701;
inline constexpr Oid kUnknown = 705;
inline constexpr Oid kBoolArray = 1000;
inline constexpr Oid kInt2Array = 1005;
inline constexpr Oid kInt4Array = 1007;
inline constexpr Oid kTextArray = 1009;
inline constexpr Oid kByteaArray = 1001;
inline constexpr Oid kInt8Array = 1016;
inline constexpr Oid kFloat8Array = 1022;
inline constexpr Oid kOidArray = 1028;
inline constexpr Oid kVarcharArray = 1015;
inline constexpr Oid kBpchar = 1042;
inline constexpr Oid kVarchar = 1043;
inline constexpr Oid kDate = 1082;
inline constexpr Oid kTime = 1083;
inline constexpr Oid kTimestamp = 1114;
inline constexpr Oid kTimestampTz = 1184;
inline constexpr Oid kInterval = 1186;
inline constexpr Oid kNumeric = 1700;
inline constexpr Oid kBit = 1560;     // bit(n): a string of '0'/'1' (sql/types/bit_string.h)
inline constexpr Oid kVarbit = 1562;  // bit varying(n)
inline constexpr Oid kRegclass = 2205;
inline constexpr Oid kRegtype = 2206;
inline constexpr Oid kRegnamespace = 4089;
inline constexpr Oid kRecord = 2249;
inline constexpr Oid kCstring = 2275;
inline constexpr Oid kAny = 2276;
inline constexpr Oid kVoid = 2278;
inline constexpr Oid kUuid = 2950;
inline constexpr Oid kJsonb = 3802;
}  // namespace type_oid

// numeric: a fixed-point decimal, value = unscaled / 10^scale. 38 significant digits.
struct Numeric {
  __int128 unscaled = 0;
  int32_t scale = 0;
  bool nan = false;
  friend bool operator==(const Numeric&, const Numeric&) = default;
};

struct Interval {
  int64_t micros = 0;
  int32_t days = 0;
  int32_t months = 0;
  friend bool operator==(const Interval&, const Interval&) = default;
};

struct Uuid {
  std::array<uint8_t, 16> bytes{};
  friend bool operator==(const Uuid&, const Uuid&) = default;
};

struct Datum;
using ArrayPtr = std::shared_ptr<const std::vector<Datum>>;

struct Datum {
  using Value = std::variant<std::monostate, bool, int64_t, double, std::string, Numeric, Interval,
                             Uuid, ArrayPtr>;
  Value v;

  Datum() = default;
  Datum(bool b) : v(b) {}                      // NOLINT
  Datum(int64_t i) : v(i) {}                   // NOLINT
  Datum(int i) : v(int64_t{i}) {}              // NOLINT
  Datum(double d) : v(d) {}                    // NOLINT
  Datum(std::string s) : v(std::move(s)) {}    // NOLINT
  Datum(const char* s) : v(std::string(s)) {}  // NOLINT
  Datum(Numeric n) : v(n) {}                   // NOLINT
  Datum(Interval i) : v(i) {}                  // NOLINT
  Datum(Uuid u) : v(u) {}                      // NOLINT
  Datum(ArrayPtr a) : v(std::move(a)) {}       // NOLINT

  static Datum Null() { return Datum(); }
  bool is_null() const { return std::holds_alternative<std::monostate>(v); }
  bool as_bool() const { return std::get<bool>(v); }
  int64_t as_int() const { return std::get<int64_t>(v); }
  double as_double() const { return std::get<double>(v); }
  const std::string& as_string() const { return std::get<std::string>(v); }
  const Numeric& as_numeric() const { return std::get<Numeric>(v); }
  const Interval& as_interval() const { return std::get<Interval>(v); }
  const Uuid& as_uuid() const { return std::get<Uuid>(v); }
  const ArrayPtr& as_array() const { return std::get<ArrayPtr>(v); }
};

using Row = std::vector<Datum>;

// A SQL type as the plan carries it.
struct TypeRef {
  Oid oid = type_oid::kUnknown;
  int32_t typmod = -1;  // varchar(n)/char(n): n + 4, numeric(p,s): ((p << 16) | s) + 4
  friend bool operator==(const TypeRef&, const TypeRef&) = default;
};

}  // namespace hf
