// sql/types/datetime.cc — calendar math and ISO text I/O for date, time, timestamp[tz] and
// interval, as PostgreSQL 15 does with DateStyle ISO, MDY; timestamptz in a given TimeZone
// (timezone.h): local time and offset out, unzoned input read as local time.
#include <strings.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "sql/types/internal.h"
#include "sql/types/timezone.h"

namespace hf::sql::types::internal {

namespace {
constexpr int64_t kUnixToPgDays = 10957;  // 1970-01-01 → 2000-01-01

int64_t parse_timestamp_in(std::string_view s, const TimeZone& zone, bool tz);
std::string local_timestamp_to_string(int64_t us, const std::string& offset);

// The day (since 2000-01-01) a timestamp falls on.
int64_t floor_days(int64_t us) {
  return us / kUsecsPerDay - (us % kUsecsPerDay < 0 ? 1 : 0);
}

[[noreturn]] void bad_datetime(const char* type, std::string_view s) {
  throw_error(sqlstate::kInvalidDatetimeFormat, std::string("invalid input syntax for type ") +
                                                    type + ": \"" + std::string(s) + "\"");
}
[[noreturn]] void field_overflow(std::string_view s) {
  throw_error(sqlstate::kDatetimeFieldOverflow,
              "date/time field value out of range: \"" + std::string(s) + "\"");
}

struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool eof() const { return i >= s.size(); }
  char peek() const { return eof() ? '\0' : s[i]; }
  void skip_space() {
    while (!eof() && isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  bool digits(int64_t* v, int* n) {
    *v = 0;
    *n = 0;
    while (!eof() && isdigit(static_cast<unsigned char>(s[i]))) {
      if (*n < 18) *v = *v * 10 + (s[i] - '0');
      ++*n;
      ++i;
    }
    return *n > 0;
  }
};

bool ieq(std::string_view a, const char* b) {
  return a.size() == strlen(b) && strncasecmp(a.data(), b, a.size()) == 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Parses a date at the cursor: YYYY-MM-DD, YYYYMMDD or M/D/Y (MDY). Returns false on syntax.
bool parse_date_part(Cursor& c, int64_t* y, int64_t* m, int64_t* d) {
  int64_t a;
  int na;
  if (!c.digits(&a, &na)) return false;
  if (c.peek() == '-' || c.peek() == '/' || c.peek() == '.') {
    char sep = c.peek();
    ++c.i;
    int64_t b, e;
    int nb, ne;
    if (!c.digits(&b, &nb)) {
      // Month names are not supported.
      return false;
    }
    if (c.peek() != sep) return false;
    ++c.i;
    if (!c.digits(&e, &ne)) return false;
    if (na >= 3 || sep == '-') {  // Y-M-D
      *y = a, *m = b, *d = e;
      if (na < 3 && sep == '-') {
        // D-M-Y forms are ambiguous; PostgreSQL with MDY reads 2-digit-first as M-D-Y.
        *y = e, *m = a, *d = b;
        if (ne <= 2) *y += *y < 70 ? 2000 : 1900;
      }
    } else {  // M/D/Y
      *m = a, *d = b, *y = e;
      if (ne <= 2) *y += *y < 70 ? 2000 : 1900;
    }
    return true;
  }
  if (na == 8) {
    *y = a / 10000, *m = a / 100 % 100, *d = a % 100;
    return true;
  }
  return false;
}

// hh:mm[:ss[.ffffff]] → micros. Returns false on syntax. overflow: not a time of day (or
// more microseconds than an int64 holds: too_big, and then *us is 0).
bool parse_time_part(Cursor& c, int64_t* us, bool* overflow, bool* too_big = nullptr) {
  int64_t h, m, sec = 0;
  int n;
  if (!c.digits(&h, &n)) return false;
  if (c.peek() != ':') return false;
  ++c.i;
  if (!c.digits(&m, &n)) return false;
  int64_t frac = 0;
  if (c.peek() == ':') {
    ++c.i;
    if (!c.digits(&sec, &n)) return false;
    if (c.peek() == '.') {
      ++c.i;
      int digits = 0;
      int64_t f = 0;
      bool round_up = false;
      while (!c.eof() && isdigit(static_cast<unsigned char>(c.peek()))) {
        if (digits < 6)
          f = f * 10 + (c.peek() - '0');
        else if (digits == 6)
          round_up = c.peek() >= '5';
        ++digits;
        ++c.i;
      }
      for (int k = digits; k < 6; ++k) f *= 10;
      frac = f + (round_up ? 1 : 0);
    }
  }
  *overflow = h > 24 || m > 59 || sec > 60 || (h == 24 && (m > 0 || sec > 0 || frac > 0));
  int128 total = static_cast<int128>(h) * kUsecsPerHour + static_cast<int128>(m) * kUsecsPerMinute +
                 static_cast<int128>(sec) * kUsecsPerSec + frac;
  bool big = total > INT64_MAX;
  if (too_big) *too_big = big;
  *overflow |= big;
  *us = big ? 0 : static_cast<int64_t>(total);
  return true;
}

// Optional timezone suffix: Z, UTC, GMT, +hh, +hh:mm, +hhmm. Returns offset seconds east;
// *given (when asked) says whether there was a suffix.
bool parse_tz(Cursor& c, int64_t* offset_secs, bool* given = nullptr) {
  c.skip_space();
  *offset_secs = 0;
  if (given) *given = !c.eof();
  if (c.eof()) return true;
  std::string_view rest = c.s.substr(c.i);
  if (ieq(rest, "z") || ieq(rest, "utc") || ieq(rest, "gmt") || ieq(rest, "+00") ||
      ieq(rest, "zulu")) {
    c.i = c.s.size();
    return true;
  }
  char sign = c.peek();
  if (sign != '+' && sign != '-') return false;
  ++c.i;
  int64_t h, m = 0, s = 0;
  int n;
  if (!c.digits(&h, &n)) return false;
  if (n == 4) {
    m = h % 100;
    h /= 100;
  } else if (c.peek() == ':') {
    ++c.i;
    if (!c.digits(&m, &n)) return false;
    if (c.peek() == ':') {
      ++c.i;
      if (!c.digits(&s, &n)) return false;
    }
  }
  if (h > 15 || m > 59 || s > 59) return false;
  *offset_secs = (h * 3600 + m * 60 + s) * (sign == '-' ? -1 : 1);
  return true;
}

}  // namespace

bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}
int days_in_month(int64_t y, unsigned m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468 - kUnixToPgDays;
}

void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468 + kUnixToPgDays;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

int64_t now_us() {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return us - kUnixToPgDays * kUsecsPerDay;
}

// Date input. Accepts a trailing time (ignored) like PostgreSQL's date_in.
static bool parse_date_core(std::string_view t, const char* type, int64_t* days,
                            std::string_view orig) {
  Cursor c{t};
  int64_t y, m, d;
  if (!parse_date_part(c, &y, &m, &d)) return false;
  c.skip_space();
  bool bc = false;
  std::string_view rest = c.s.substr(c.i);
  if (rest.size() >= 2 && ieq(rest.substr(rest.size() - 2), "bc")) {
    bc = true;
    rest = trim(rest.substr(0, rest.size() - 2));
    c = Cursor{rest};
  } else if (rest.size() >= 2 && ieq(rest.substr(rest.size() - 2), "ad")) {
    rest = trim(rest.substr(0, rest.size() - 2));
    c = Cursor{rest};
  }
  if (m < 1 || m > 12 || d < 1 || y == 0 || y > 5874897) field_overflow(orig);
  if (bc) y = 1 - y;
  if (d > days_in_month(y, static_cast<unsigned>(m))) field_overflow(orig);
  *days = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

int64_t parse_date(std::string_view s, const TimeZone& zone) {
  std::string_view t = trim(s);
  if (ieq(t, "infinity") || ieq(t, "+infinity")) return kDatePosInfinity;
  if (ieq(t, "-infinity")) return kDateNegInfinity;
  if (ieq(t, "epoch")) return -kUnixToPgDays;
  int64_t now_days = floor_days(zone.to_local(now_us()));  // today in the session's zone
  if (ieq(t, "today") || ieq(t, "now")) return now_days;
  if (ieq(t, "tomorrow")) return now_days + 1;
  if (ieq(t, "yesterday")) return now_days - 1;
  // Split off a time part, which date input ignores (but must be well formed).
  size_t sp = t.find_first_of(" T");
  std::string_view date_part = t, time_part;
  if (sp != std::string_view::npos && isdigit(static_cast<unsigned char>(t[0]))) {
    std::string_view after = trim(t.substr(sp + 1));
    if (!after.empty() && isdigit(static_cast<unsigned char>(after[0])) &&
        after.find(':') != std::string_view::npos) {
      date_part = t.substr(0, sp);
      time_part = after;
    }
  }
  int64_t days;
  if (!parse_date_core(date_part, "date", &days, s)) bad_datetime("date", s);
  return days;
}

int64_t parse_time(std::string_view s) {
  std::string_view t = trim(s);
  Cursor c{t};
  // A leading date is allowed and ignored.
  size_t sp = t.find(' ');
  if (sp != std::string_view::npos && t.find('-') < sp) c.i = sp + 1;
  if (ieq(t, "allballs")) return 0;
  int64_t us;
  bool ovf;
  if (!parse_time_part(c, &us, &ovf)) bad_datetime("time without time zone", s);
  c.skip_space();
  if (!c.eof()) {
    int64_t off;
    if (!parse_tz(c, &off) || !c.eof()) bad_datetime("time without time zone", s);
  }
  if (ovf) field_overflow(s);
  return us;
}

int64_t parse_timestamp(std::string_view s, bool tz) {
  return parse_timestamp_in(s, TimeZone(), tz);
}

int64_t parse_timestamptz(std::string_view s, const TimeZone& zone) {
  return parse_timestamp_in(s, zone, true);
}

int64_t parse_local_timestamp(std::string_view s, const TimeZone& zone) {
  return parse_timestamp_in(s, zone, false);
}

namespace {

// timestamp input (tz false: 'now' and 'today' are those of `zone`) or timestamptz input (a
// time without an explicit offset is local time in `zone`).
int64_t parse_timestamp_in(std::string_view s, const TimeZone& zone, bool tz) {
  const char* type = tz ? "timestamp with time zone" : "timestamp without time zone";
  std::string_view t = trim(s);
  if (ieq(t, "infinity") || ieq(t, "+infinity")) return kTsPosInfinity;
  if (ieq(t, "-infinity")) return kTsNegInfinity;
  if (ieq(t, "epoch")) return -kUnixToPgDays * kUsecsPerDay;
  if (ieq(t, "now")) return tz ? now_us() : zone.to_local(now_us());
  // today, tomorrow, yesterday: midnights of the session's zone.
  int64_t today = floor_days(zone.to_local(now_us())) * kUsecsPerDay;
  auto local = [&](int64_t l) { return tz ? zone.to_utc(l) : l; };
  if (ieq(t, "today")) return local(today);
  if (ieq(t, "tomorrow")) return local(today + kUsecsPerDay);
  if (ieq(t, "yesterday")) return local(today - kUsecsPerDay);
  Cursor c{t};
  int64_t y, m, d;
  if (!parse_date_part(c, &y, &m, &d)) bad_datetime(type, s);
  int64_t us = 0;
  bool ovf = false;
  if (c.peek() == 'T' || c.peek() == 't' || c.peek() == ' ') {
    size_t save = c.i;
    ++c.i;
    c.skip_space();
    if (!c.eof() && isdigit(static_cast<unsigned char>(c.peek()))) {
      if (!parse_time_part(c, &us, &ovf)) bad_datetime(type, s);
    } else {
      c.i = save;
    }
  }
  c.skip_space();
  bool bc = false;
  int64_t off = 0;
  std::string_view rest = c.s.substr(c.i);
  if (rest.size() >= 2 && ieq(rest.substr(rest.size() - 2), "bc")) {
    bc = true;
    rest = trim(rest.substr(0, rest.size() - 2));
  } else if (rest.size() >= 2 && ieq(rest.substr(rest.size() - 2), "ad")) {
    rest = trim(rest.substr(0, rest.size() - 2));
  }
  Cursor tzc{rest};
  bool zoned = false;
  // A zone named after the time ("... America/New_York", "... EST"): its local time (a
  // timestamp ignores it, as PostgreSQL's does).
  std::optional<TimeZone> named;
  if (!parse_tz(tzc, &off, &zoned) || !tzc.eof()) {
    const std::string name(trim(rest));
    named = zone_named_in_input(name);
    if (!named && isalpha(static_cast<unsigned char>(name[0])) &&
        name.find('/') != std::string::npos) {
      // PostgreSQL reads a word with a slash as a zone name (lower-cased in its message).
      std::string lowered = name;
      for (auto& ch : lowered) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
      throw_error(sqlstate::kInvalidParameterValue, "time zone \"" + lowered + "\" not recognized");
    }
    if (!named) bad_datetime(type, s);
    zoned = true;
  }
  // A year that does not fit PostgreSQL's int field is a field overflow there; bounding it
  // also keeps the day arithmetic below from overflowing (a fuzzer found
  // '6666...2011-03-27'::timestamp).
  if (m < 1 || m > 12 || d < 1 || y == 0 || y > INT32_MAX || ovf) field_overflow(s);
  if (bc) y = 1 - y;
  if (d > days_in_month(y, static_cast<unsigned>(m))) field_overflow(s);
  int64_t days = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  int128 r = static_cast<int128>(days) * kUsecsPerDay + us;
  if (tz && zoned && !named) r -= static_cast<int128>(off) * kUsecsPerSec;
  if (r < kMinTimestamp || r >= kEndTimestamp)
    throw_error(sqlstate::kDatetimeFieldOverflow,
                "timestamp out of range: \"" + std::string(s) + "\"");
  if (tz && (!zoned || named)) {
    r = (named ? *named : zone).to_utc(static_cast<int64_t>(r));
    if (r < kMinTimestamp || r >= kEndTimestamp)
      throw_error(sqlstate::kDatetimeFieldOverflow,
                  "timestamp out of range: \"" + std::string(s) + "\"");
  }
  return static_cast<int64_t>(r);
}

}  // namespace

int64_t date_to_timestamp(int64_t days) {
  if (days == kDatePosInfinity) return kTsPosInfinity;
  if (days == kDateNegInfinity) return kTsNegInfinity;
  if (days < kMinTimestamp / kUsecsPerDay || days >= kEndTimestamp / kUsecsPerDay)
    throw_error(sqlstate::kDatetimeFieldOverflow, "date out of range for timestamp");
  return days * kUsecsPerDay;
}

std::string date_to_string(int64_t days) {
  if (days == kDatePosInfinity) return "infinity";
  if (days == kDateNegInfinity) return "-infinity";
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  char buf[48];
  if (y > 0)
    snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  else
    snprintf(buf, sizeof buf, "%04lld-%02u-%02u BC", static_cast<long long>(1 - y), m, d);
  return buf;
}

static void append_seconds(std::string& out, int64_t sec, int64_t frac) {
  char buf[32];
  snprintf(buf, sizeof buf, "%02lld", static_cast<long long>(sec));
  out += buf;
  if (frac != 0) {
    snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
    std::string f(buf);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
}

std::string time_to_string(int64_t us) {
  char buf[32];
  int64_t h = us / kUsecsPerHour;
  us -= h * kUsecsPerHour;
  int64_t m = us / kUsecsPerMinute;
  us -= m * kUsecsPerMinute;
  snprintf(buf, sizeof buf, "%02lld:%02lld:", static_cast<long long>(h), static_cast<long long>(m));
  std::string out = buf;
  append_seconds(out, us / kUsecsPerSec, us % kUsecsPerSec);
  return out;
}

std::string timestamp_to_string(int64_t us, bool tz) {
  return tz ? timestamptz_to_string(us, TimeZone()) : local_timestamp_to_string(us, {});
}

std::string timestamptz_to_string(int64_t us, const TimeZone& zone) {
  if (us == kTsPosInfinity || us == kTsNegInfinity) return timestamp_to_string(us, false);
  return local_timestamp_to_string(zone.to_local(us), format_utc_offset(zone.utc_offset(us)));
}

namespace {

// A wall-clock time as PostgreSQL's ISO output prints it, with the offset (empty for
// timestamp) after the time and before " BC".
std::string local_timestamp_to_string(int64_t us, const std::string& offset) {
  if (us == kTsPosInfinity) return "infinity";
  if (us == kTsNegInfinity) return "-infinity";
  int64_t days = us / kUsecsPerDay;
  int64_t rem = us % kUsecsPerDay;
  if (rem < 0) {
    rem += kUsecsPerDay;
    --days;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  char buf[48];
  snprintf(buf, sizeof buf, "%04lld-%02u-%02u ", static_cast<long long>(y > 0 ? y : 1 - y), m, d);
  std::string out = buf;
  out += time_to_string(rem);
  out += offset;
  if (y <= 0) out += " BC";
  return out;
}

}  // namespace

std::string interval_to_string(const Interval& iv) {
  int32_t year = iv.months / 12, mon = iv.months % 12, mday = iv.days;
  int64_t t = iv.micros;
  int64_t hour = t / kUsecsPerHour;
  t -= hour * kUsecsPerHour;
  int64_t min = t / kUsecsPerMinute;
  t -= min * kUsecsPerMinute;
  int64_t sec = t / kUsecsPerSec;
  int64_t fsec = t - sec * kUsecsPerSec;
  std::string out;
  bool is_zero = true, is_before = false;
  auto add = [&](int64_t value, const char* units) {
    if (value == 0) return;
    if (!is_zero) out += ' ';
    if (is_before && value > 0) out += '+';
    out += std::to_string(value);
    out += ' ';
    out += units;
    if (value != 1) out += 's';
    is_before = value < 0;
    is_zero = false;
  };
  add(year, "year");
  add(mon, "mon");
  add(mday, "day");
  if (is_zero || hour != 0 || min != 0 || sec != 0 || fsec != 0) {
    bool minus = hour < 0 || min < 0 || sec < 0 || fsec < 0;
    char buf[48];
    snprintf(buf, sizeof buf, "%s%s%02lld:%02lld:", is_zero ? "" : " ",
             minus ? "-" : (is_before ? "+" : ""), static_cast<long long>(std::llabs(hour)),
             static_cast<long long>(std::llabs(min)));
    out += buf;
    append_seconds(out, std::llabs(sec), std::llabs(fsec));
  }
  return out;
}

Interval parse_interval(std::string_view s) {
  auto bad = [&]() { bad_datetime("interval", s); };
  std::string_view t = trim(s);
  Interval r;
  // long double: an int64's worth of microseconds must be exact ('9223372036854775807 us').
  long double months = 0, days = 0, micros = 0;
  if (t.empty()) bad();
  // ISO 8601 format with designators: P1Y2M3DT4H5M6S.
  if (t[0] == 'P' || t[0] == 'p') {
    Cursor c{t.substr(1)};
    bool in_time = false;
    while (!c.eof()) {
      if (c.peek() == 'T' || c.peek() == 't') {
        in_time = true;
        ++c.i;
        continue;
      }
      size_t st = c.i;
      if (c.peek() == '-' || c.peek() == '+') ++c.i;
      while (!c.eof() && (isdigit(static_cast<unsigned char>(c.peek())) || c.peek() == '.')) ++c.i;
      if (c.i == st || c.eof()) bad();
      long double v = std::strtold(std::string(c.s.substr(st, c.i - st)).c_str(), nullptr);
      char u = static_cast<char>(toupper(c.peek()));
      ++c.i;
      if (!in_time) {
        if (u == 'Y')
          months += v * 12;
        else if (u == 'M')
          months += v;
        else if (u == 'W')
          days += v * 7;
        else if (u == 'D')
          days += v;
        else
          bad();
      } else {
        if (u == 'H')
          micros += v * kUsecsPerHour;
        else if (u == 'M')
          micros += v * kUsecsPerMinute;
        else if (u == 'S')
          micros += v * kUsecsPerSec;
        else
          bad();
      }
    }
  } else {
    Cursor c{t};
    if (c.peek() == '@') ++c.i;
    bool ago = false, any = false;
    while (true) {
      c.skip_space();
      if (c.eof()) break;
      std::string_view rest = c.s.substr(c.i);
      if (ieq(rest, "ago")) {
        ago = true;
        c.i = c.s.size();
        break;
      }
      // Number (possibly signed, fractional) or a time hh:mm[:ss].
      size_t st = c.i;
      bool neg = false;
      if (c.peek() == '-' || c.peek() == '+') {
        neg = c.peek() == '-';
        ++c.i;
      }
      size_t numst = c.i;
      while (!c.eof() && (isdigit(static_cast<unsigned char>(c.peek())) || c.peek() == '.')) ++c.i;
      if (c.i == numst) bad();
      if (c.peek() == ':') {
        Cursor tc{c.s.substr(numst)};
        int64_t us;
        bool ovf, too_big;
        if (!parse_time_part(tc, &us, &ovf, &too_big)) bad();
        if (too_big)
          throw_error("22015", "interval field value out of range: \"" + std::string(s) + "\"");
        c.i = numst + tc.i;
        micros += neg ? -static_cast<long double>(us) : static_cast<long double>(us);
        any = true;
        continue;
      }
      long double v = std::strtold(std::string(c.s.substr(st, c.i - st)).c_str(), nullptr);
      c.skip_space();
      size_t ust = c.i;
      while (!c.eof() && isalpha(static_cast<unsigned char>(c.peek()))) ++c.i;
      std::string unit(c.s.substr(ust, c.i - ust));
      for (auto& ch : unit) ch = static_cast<char>(tolower(ch));
      any = true;
      if (unit.empty() || unit == "s" || unit == "sec" || unit == "secs" || unit == "second" ||
          unit == "seconds")
        micros += v * kUsecsPerSec;
      else if (unit == "m" || unit == "min" || unit == "mins" || unit == "minute" ||
               unit == "minutes")
        micros += v * kUsecsPerMinute;
      else if (unit == "h" || unit == "hr" || unit == "hrs" || unit == "hour" || unit == "hours")
        micros += v * kUsecsPerHour;
      else if (unit == "d" || unit == "day" || unit == "days")
        days += v;
      else if (unit == "w" || unit == "week" || unit == "weeks")
        days += v * 7;
      else if (unit == "mon" || unit == "mons" || unit == "month" || unit == "months")
        months += v;
      else if (unit == "y" || unit == "yr" || unit == "yrs" || unit == "year" || unit == "years")
        months += v * 12;
      else if (unit == "decade" || unit == "decades")
        months += v * 120;
      else if (unit == "century" || unit == "centuries")
        months += v * 1200;
      else if (unit == "millennium" || unit == "millennia")
        months += v * 12000;
      else if (unit == "ms" || unit == "msec" || unit == "msecs" || unit == "millisecond" ||
               unit == "milliseconds")
        micros += v * 1000;
      else if (unit == "us" || unit == "usec" || unit == "usecs" || unit == "microsecond" ||
               unit == "microseconds")
        micros += v;
      else
        bad();
    }
    if (!any) bad();
    if (ago) {
      months = -months;
      days = -days;
      micros = -micros;
    }
  }
  // Spill fractional months into days (30 per month) and fractional days into time.
  long double whole_months = std::trunc(months);
  days += (months - whole_months) * 30;
  long double whole_days = std::trunc(days);
  micros = std::round(micros + (days - whole_days) * kUsecsPerDay);
  if (!(whole_months >= INT32_MIN && whole_months <= INT32_MAX && whole_days >= INT32_MIN &&
        whole_days <= INT32_MAX && micros >= static_cast<long double>(INT64_MIN) &&
        micros <= static_cast<long double>(INT64_MAX)))
    throw_error(sqlstate::kDatetimeFieldOverflow, "interval out of range");
  r.months = static_cast<int32_t>(whole_months);
  r.days = static_cast<int32_t>(whole_days);
  r.micros = static_cast<int64_t>(micros);
  return r;
}

int64_t timestamp_add_interval(int64_t ts, const Interval& iv, bool subtract) {
  if (ts == kTsPosInfinity || ts == kTsNegInfinity) return ts;
  auto out_of_range = [] {
    throw_error(sqlstate::kDatetimeFieldOverflow, "timestamp out of range");
  };
  // Wide enough that negating INT32_MIN / INT64_MIN and the products below cannot overflow.
  int128 months = subtract ? -static_cast<int128>(iv.months) : iv.months;
  int128 days = subtract ? -static_cast<int128>(iv.days) : iv.days;
  int128 micros = subtract ? -static_cast<int128>(iv.micros) : iv.micros;
  if (months != 0) {
    int64_t d = ts / kUsecsPerDay, rem = ts % kUsecsPerDay;
    if (rem < 0) {
      rem += kUsecsPerDay;
      --d;
    }
    int64_t y;
    unsigned m, dd;
    civil_from_days(d, &y, &m, &dd);
    int128 total = static_cast<int128>(y) * 12 + (m - 1) + months;
    int128 ny = total >= 0 ? total / 12 : -((-total + 11) / 12);
    // Years far outside timestamps' range would overflow the day arithmetic below.
    if (ny < -1000000 || ny > 1000000) out_of_range();
    unsigned nm = static_cast<unsigned>(total - ny * 12) + 1;
    unsigned maxd = static_cast<unsigned>(days_in_month(static_cast<int64_t>(ny), nm));
    if (dd > maxd) dd = maxd;
    int128 moved =
        static_cast<int128>(days_from_civil(static_cast<int64_t>(ny), nm, dd)) * kUsecsPerDay + rem;
    if (moved < kMinTimestamp || moved >= kEndTimestamp) out_of_range();
    ts = static_cast<int64_t>(moved);
  }
  int128 r = static_cast<int128>(ts) + days * kUsecsPerDay + micros;
  if (r < kMinTimestamp || r >= kEndTimestamp) out_of_range();
  return static_cast<int64_t>(r);
}

Interval timestamp_diff(int64_t a, int64_t b) {
  if (a == kTsPosInfinity || a == kTsNegInfinity || b == kTsPosInfinity || b == kTsNegInfinity)
    throw_error(sqlstate::kDatetimeFieldOverflow, "cannot subtract infinite timestamps");
  Interval r;
  int64_t t;
  if (__builtin_sub_overflow(a, b, &t))
    throw_error(sqlstate::kDatetimeFieldOverflow, "interval out of range");
  r.days = static_cast<int32_t>(t / kUsecsPerDay);
  r.micros = t - static_cast<int64_t>(r.days) * kUsecsPerDay;
  return r;
}

int128 interval_span(const Interval& iv) {
  int128 days = static_cast<int128>(iv.months) * 30 + iv.days;
  return days * kUsecsPerDay + iv.micros;
}

}  // namespace hf::sql::types::internal
