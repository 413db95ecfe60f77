// sql/types/internal.h — helpers shared by the type modules (not a public contract).
//
// Numeric arithmetic on the fixed 38-digit representation, date/time calendar math and the
// error constructors that carry PostgreSQL's exact messages. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/datum.h"
#include "common/error.h"
#include "common/utf8.h"

namespace hf::sql::types {
class TimeZone;  // timezone.h
}

namespace hf::sql::types::internal {

using int128 = __int128;

[[noreturn]] void throw_error(const char* sqlstate, std::string msg, std::string detail = {});
[[noreturn]] void invalid_syntax(const char* type_name, std::string_view s);  // 22P02
[[noreturn]] void int_out_of_range(Oid type);  // "integer out of range" etc.
[[noreturn]] void division_by_zero();

// Integer arithmetic with PostgreSQL's overflow errors for the given result type.
int64_t check_int_range(int128 v, Oid type);
int64_t int_add(int64_t a, int64_t b, Oid type);
int64_t int_sub(int64_t a, int64_t b, Oid type);
int64_t int_mul(int64_t a, int64_t b, Oid type);
int64_t int_div(int64_t a, int64_t b, Oid type);
int64_t int_mod(int64_t a, int64_t b);

// ---- numeric ----
inline constexpr int kNumericMaxDigits = 38;
int128 pow10(int n);        // n in [0, 38]
int digit_count(int128 v);  // digits in |v|, 0 for 0
Numeric numeric_from_int(int64_t v);
Numeric numeric_parse(std::string_view s, bool* ok);  // ok=false on syntax error; throws 22003
std::string numeric_to_string(const Numeric& n);
Numeric numeric_round(const Numeric& n, int scale);  // half away from zero; scale may be < 0
Numeric numeric_trunc(const Numeric& n, int scale);
Numeric numeric_add(const Numeric& a, const Numeric& b);
Numeric numeric_sub(const Numeric& a, const Numeric& b);
Numeric numeric_mul(const Numeric& a, const Numeric& b);
Numeric numeric_div(const Numeric& a, const Numeric& b);  // PG select_div_scale
Numeric numeric_div_scale(const Numeric& a, const Numeric& b, int rscale);
Numeric numeric_mod(const Numeric& a, const Numeric& b);
Numeric numeric_neg(const Numeric& a);
Numeric numeric_abs(const Numeric& a);
int numeric_cmp(const Numeric& a, const Numeric& b);  // NaN greatest, NaN == NaN
Numeric numeric_normalize(const Numeric& a);          // strip trailing fractional zeros
double numeric_to_double(const Numeric& n);
Numeric numeric_from_double(double d, bool float4);  // throws for NaN/Inf like PG
int64_t numeric_to_int(const Numeric& n, Oid type);  // rounds; 22003 "integer out of range"
Numeric numeric_apply_typmod(const Numeric& n, int32_t typmod);
[[noreturn]] void numeric_overflow();
int32_t numeric_typmod_precision(int32_t typmod);
int32_t numeric_typmod_scale(int32_t typmod);

// ---- float ----
std::string float_to_string(double d, bool float4);
double float_parse(std::string_view s, bool float4);  // throws 22P02 / 22003
double check_float(double r, bool inf_ok, bool zero_ok, bool float4);

// ---- date/time (PostgreSQL epoch 2000-01-01) ----
inline constexpr int64_t kUsecsPerDay = 86400000000LL;
inline constexpr int64_t kUsecsPerHour = 3600000000LL;
inline constexpr int64_t kUsecsPerMinute = 60000000LL;
inline constexpr int64_t kUsecsPerSec = 1000000LL;
inline constexpr int64_t kDateNegInfinity = INT32_MIN;
inline constexpr int64_t kDatePosInfinity = INT32_MAX;
inline constexpr int64_t kTsNegInfinity = INT64_MIN;
inline constexpr int64_t kTsPosInfinity = INT64_MAX;

int64_t days_from_civil(int64_t y, unsigned m, unsigned d);  // days since 2000-01-01
void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d);
bool is_leap(int64_t y);
int days_in_month(int64_t y, unsigned m);
// 22007/22008; 'today' and 'now' are the date in `zone`.
int64_t parse_date(std::string_view s, const TimeZone& zone);
int64_t parse_timestamp(std::string_view s, bool tz);  // micros; timestamptz: UTC if unzoned
// timestamptz input: a time without an explicit zone is local time in `zone`.
int64_t parse_timestamptz(std::string_view s, const TimeZone& zone);
// timestamp input whose 'now', 'today', ... are the local times of `zone`.
int64_t parse_local_timestamp(std::string_view s, const TimeZone& zone);
int64_t parse_time(std::string_view s);
Interval parse_interval(std::string_view s);
std::string date_to_string(int64_t days);
std::string timestamp_to_string(int64_t us, bool tz);  // tz: as timestamptz in UTC
// timestamptz output in `zone`: the local time, then its offset ("-05", "+05:30").
std::string timestamptz_to_string(int64_t us, const TimeZone& zone);
std::string time_to_string(int64_t us);
std::string interval_to_string(const Interval& iv);
int64_t timestamp_add_interval(int64_t ts, const Interval& iv, bool subtract);
// AT TIME ZONE with a zone name (timezone.cc): PostgreSQL's abbreviations, the tz database
// (any case), POSIX offsets ("+05" is UTC-5); 22023 "time zone ... not recognized".
// timestamptz → the local timestamp there; a local timestamp there → timestamptz.
// AT TIME ZONE's zone (and date_trunc's third argument): an abbreviation, a tz database
// zone or a POSIX offset; 22023 'time zone "x" not recognized'.
TimeZone resolve_zone(const std::string& name);
int64_t timestamptz_at_zone(int64_t ts, const std::string& zone);
int64_t timestamp_at_zone(int64_t local, const std::string& zone);
// A zone named at the end of timestamptz input: an abbreviation or a tz database zone (any
// case); nullopt for anything else.
std::optional<TimeZone> zone_named_in_input(const std::string& name);
// PostgreSQL's range of timestamps: [4714-11-24 00:00 BC, 294277-01-01 00:00).
inline constexpr int64_t kMinTimestamp = -211813488000000000LL;
inline constexpr int64_t kEndTimestamp = 9223371331200000000LL;
// A date as the timestamp of its midnight: infinities stay infinite; a date past the range of
// timestamps is 22008 "date out of range for timestamp".
int64_t date_to_timestamp(int64_t days);
Interval timestamp_diff(int64_t a, int64_t b);
int128 interval_span(const Interval& iv);  // comparison key
int64_t now_us();                          // wall clock, PostgreSQL epoch

// Regular expressions (regex.cc). PCRE2's syntax approximates PostgreSQL's ARE for the
// common subset; errors raise 2201B "invalid regular expression: ..."; a match that exceeds
// PCRE2's backtracking or heap limit raises 2201B "... regular expression is too complex".
bool regex_match_pg(const std::string& s, const std::string& pattern, bool icase);
// PostgreSQL's regexp functions over their SQL arguments (text values, the optional ones
// present or not; NULLs are the callers' business). flags: PostgreSQL's option letters.
Datum regexp_match_pg(const std::vector<Datum>& args);    // (s, pattern [, flags]): text[]
Datum regexp_matches_pg(const std::vector<Datum>& args);  // every match: an array of text[]
// regexp_split_to_array and _to_table: fname names the one called in its "global" refusal.
Datum regexp_split_pg(const std::vector<Datum>& args, const char* fname);
Datum regexp_count_pg(const std::vector<Datum>& args);  // (s, pattern [, start [, flags]])
Datum regexp_instr_pg(const std::vector<Datum>& args);  // (s, pattern [, start [, N [, endoption
                                                        //   [, flags [, subexpr]]]]])
// (source, pattern, replacement, start [, N [, flags]]): PostgreSQL 15's forms with a start.
Datum regexp_replace_pg(const std::vector<Datum>& args);
// substring(s from pattern): the first group's text, or the whole match; NULL without one.
Datum regexp_substring_pg(const std::string& s, const std::string& pattern);
// similar_to_escape(pattern [, escape]): a SIMILAR TO pattern as a regular expression;
// escape nullptr is the default, a backslash; "" is none.
std::string similar_to_escape_pg(const std::string& pattern, const std::string* escape);
Datum regexp_like_pg(const std::vector<Datum>& args);    // (s, pattern [, flags])
Datum regexp_substr_pg(const std::vector<Datum>& args);  // (s, pattern [, start [, N [, flags
                                                         //   [, subexpr]]]])
// flags: 'g' replace all, 'i' case-insensitive; \\1..\\9 and \\& in the replacement.
std::string regex_replace_pg(const std::string& s, const std::string& pattern,
                             const std::string& replacement, const std::string& flags);

// UTF-8 character count and helpers.
size_t utf8_length(std::string_view s);
size_t utf8_prefix_bytes(std::string_view s, size_t nchars);  // bytes in first nchars chars

// utf8_char_len: common/utf8.h.

// Appends code point cp (at most 0x10FFFF, not a surrogate: callers check) as UTF-8.
void append_utf8(std::string& out, uint32_t cp);

// The type a Datum's representation alone implies (Datum::Value's alternative `index`):
// what a value is encoded as where no declared type says otherwise (row_codec's tagged spill
// form, an anonymous record's field in key_codec). 0 for NULL, arrays and records, and any
// other alternative: each caller decides what those mean.
Oid representation_type(size_t index);

}  // namespace hf::sql::types::internal
