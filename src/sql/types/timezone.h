// sql/types/timezone.h — the session time zone (PostgreSQL's TimeZone setting).
//
// Owns: what a TimeZone setting value means (a tz database zone in any case, a number of
// hours or an INTERVAL east of Greenwich, a POSIX offset such as "UTC+3" or "+02:30") and
// the conversions between instants (timestamptz) and local wall-clock time in that zone,
// with PostgreSQL's rules for local times that a daylight-saving transition skips or repeats.
// The zone travels explicitly — FuncContext::zone, the zone parameters of to_text /
// from_text / cast — never through thread-local state (a session's fiber may run on another
// thread after it suspends). Promises: a TimeZone is a small immutable value, cheap to copy
// and safe to share between threads (cctz's zones are); timezone.cc implements it beside
// AT TIME ZONE's resolution, sharing the tz database lookup.
#pragma once

#include <cctz/time_zone.h>

#include <cstdint>
#include <optional>
#include <string>

namespace hf::sql::types {

class TimeZone {
 public:
  TimeZone() = default;  // UTC
  static TimeZone of_offset(int32_t seconds_east);
  static TimeZone of_tz(const cctz::time_zone& tz);

  // The zone a TimeZone setting value names, as PostgreSQL 15's check_timezone reads it;
  // nullopt when it names none (*detail, when given, then says why if PostgreSQL does: an
  // interval with days, an offset of a week or more). display: what SHOW TimeZone prints for it
  // (the tz database's spelling of a zone name, "<+02>-02" for a numeric offset, else the value as
  // given).
  static std::optional<TimeZone> from_setting(const std::string& value, std::string* display,
                                              std::string* detail = nullptr);
  // The zone the server starts with, as initdb picks it: $TZ when it names a zone, else the
  // zone /etc/localtime links to, else "GMT". Its SHOW spelling.
  static std::string system_default_name();

  // Seconds east of Greenwich at the instant utc_us (microseconds since 2000-01-01 UTC).
  int32_t utc_offset(int64_t utc_us) const;
  // The wall-clock time at an instant (infinities stay infinite).
  int64_t to_local(int64_t utc_us) const;
  // The instant of a wall-clock time: a time skipped by a spring-forward transition takes the
  // offset before it, one repeated by a fall-back transition the offset after it (PostgreSQL's
  // DetermineTimeZoneOffset). Infinities stay infinite.
  int64_t to_utc(int64_t local_us) const;
  // The zone's abbreviation at an instant ("EST", "CEST", "+0530" style for zones without
  // one), as to_char's TZ prints it.
  std::string abbreviation(int64_t utc_us) const;

 private:
  std::optional<int32_t> fixed_ = 0;  // seconds east, for offsets; nullopt: tz_
  cctz::time_zone tz_;
};

// The UTC offset as PostgreSQL appends it to a timestamptz: "+05", "-04:30", "-04:56:02".
std::string format_utc_offset(int32_t seconds_east);

}  // namespace hf::sql::types
