// sql/types/timezone.cc — time zones: AT TIME ZONE's zone names (the system's tz database
// through cctz, which reads /usr/share/zoneinfo or $TZDIR, PostgreSQL's default time zone
// abbreviations and POSIX offsets, resolved in PostgreSQL's order, timestamp_zone()) and the
// session's TimeZone setting (timezone.h, PostgreSQL's check_timezone order); both share the
// tz database lookup and the local-time conversions below.
// Thread-safe: cctz caches loaded zones behind its own lock; the case-insensitive name cache
// here has a mutex.
#include "sql/types/timezone.h"

#include <dirent.h>
#include <strings.h>
#include <unistd.h>

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "sql/types/internal.h"

namespace hf::sql::types::internal {

namespace {

constexpr int64_t kUnixEpochInPgSeconds = 946684800;  // 2000-01-01 - 1970-01-01

// PostgreSQL's "Default" timezone_abbreviations entries that are fixed offsets (seconds east)
// and most used; it has more.
struct Abbreviation {
  const char* name;
  int32_t offset;
};
constexpr Abbreviation kAbbreviations[] = {
    {"utc", 0},          {"gmt", 0},          {"z", 0},           {"zulu", 0},
    {"ut", 0},           {"est", -5 * 3600},  {"edt", -4 * 3600}, {"cst", -6 * 3600},
    {"cdt", -5 * 3600},  {"mst", -7 * 3600},  {"mdt", -6 * 3600}, {"pst", -8 * 3600},
    {"pdt", -7 * 3600},  {"hst", -10 * 3600}, {"cet", 3600},      {"cest", 2 * 3600},
    {"bst", 3600},       {"ist", 2 * 3600},   {"msk", 3 * 3600},  {"jst", 9 * 3600},
    {"aest", 10 * 3600}, {"nzst", 12 * 3600},
};

// A POSIX offset ("+05", "UTC+3", "-05:30", "<+02>-02" with its abbreviation quoted): hours
// west of Greenwich, so "+05" is UTC-5.
std::optional<int32_t> posix_offset(const std::string& s) {
  size_t i = 0;
  if (!s.empty() && s[0] == '<') {
    const size_t close = s.find('>');
    if (close == std::string::npos || close < 4 || close + 1 == s.size()) return std::nullopt;
    i = close + 1;
  } else {
    while (i < s.size() && isalpha(static_cast<unsigned char>(s[i]))) ++i;
  }
  if (i != 0 && i < 3) return std::nullopt;
  int sign = 1;
  bool signed_ = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) sign = s[i++] == '-' ? -1 : 1, signed_ = true;
  if (i == 0 && !signed_) return std::nullopt;
  int32_t parts[3] = {0, 0, 0};
  for (int p = 0; p < 3; ++p) {
    if (p > 0) {
      if (i == s.size()) break;
      if (s[i++] != ':') return std::nullopt;
    }
    size_t start = i;
    while (i < s.size() && isdigit(static_cast<unsigned char>(s[i])) && i - start < 2)
      parts[p] = parts[p] * 10 + (s[i++] - '0');
    if (i == start) return std::nullopt;
  }
  if (i != s.size() || parts[0] > 24 || parts[1] > 59 || parts[2] > 59) return std::nullopt;
  return -sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
}

std::string zone_directory() {
  const char* dir = std::getenv("TZDIR");
  return dir && *dir ? dir : "/usr/share/zoneinfo";
}

// The tz database's spelling of name, matched case-insensitively one path component at a
// time, as PostgreSQL's pg_tzset does; nullopt when no file matches.
std::optional<std::string> zone_file_name(const std::string& name) {
  if (name.empty() || name[0] == '/' || name.find("..") != std::string::npos) return std::nullopt;
  std::string dir = zone_directory(), found;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    std::string part = name.substr(start, slash == std::string::npos ? slash : slash - start);
    DIR* d = opendir((dir + (found.empty() ? "" : "/" + found)).c_str());
    if (!d) return std::nullopt;
    std::string match;
    while (dirent* e = readdir(d))
      if (strcasecmp(e->d_name, part.c_str()) == 0) {
        match = e->d_name;
        break;
      }
    closedir(d);
    if (match.empty()) return std::nullopt;
    found += (found.empty() ? "" : "/") + match;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return found;
}

// A zone of the tz database by name (any case); nullopt when there is none.
std::optional<cctz::time_zone> named_zone(const std::string& name) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::optional<std::string>> spelled;
  std::optional<std::string> file;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = spelled.find(name);
    if (it != spelled.end()) {
      file = it->second;
    } else {
      file = zone_file_name(name);
      if (spelled.size() < 4096) spelled.emplace(name, file);
    }
  }
  cctz::time_zone tz;
  if (!file || !cctz::load_time_zone(*file, &tz)) return std::nullopt;
  return tz;
}

// An abbreviation or a tz database zone (any case).
std::optional<TimeZone> abbreviation_or_named_zone(const std::string& name) {
  std::string lower = name;
  for (auto& c : lower) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  for (const auto& a : kAbbreviations)
    if (lower == a.name) return TimeZone::of_offset(a.offset);
  if (auto tz = named_zone(name)) return TimeZone::of_tz(*tz);
  return std::nullopt;
}

bool finite(int64_t ts) {
  return ts != kTsNegInfinity && ts != kTsPosInfinity;
}

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

cctz::time_point<cctz::seconds> instant(int64_t utc_us) {
  return std::chrono::time_point_cast<cctz::seconds>(std::chrono::system_clock::from_time_t(0)) +
         cctz::seconds(floor_div(utc_us, kUsecsPerSec) + kUnixEpochInPgSeconds);
}

// An offset's magnitude as PostgreSQL prints it: "05", "05:30", "04:56:02".
std::string offset_digits(int32_t seconds) {
  const int32_t a = seconds < 0 ? -seconds : seconds;
  char buf[32];
  if (a % 3600 == 0)
    snprintf(buf, sizeof buf, "%02d", a / 3600);
  else if (a % 60 == 0)
    snprintf(buf, sizeof buf, "%02d:%02d", a / 3600, a / 60 % 60);
  else
    snprintf(buf, sizeof buf, "%02d:%02d:%02d", a / 3600, a / 60 % 60, a % 60);
  return buf;
}

// PostgreSQL's name for a zone of a fixed offset (pg_tzset_offset): "<+02>-02", "<-07>+07",
// "<+05:30>-05:30" — the offset east, then the POSIX offset west.
std::string offset_zone_name(int32_t east) {
  const std::string o = offset_digits(east);
  return east < 0 ? "<-" + o + ">+" + o : "<+" + o + ">-" + o;
}

// The largest offset a numeric or INTERVAL setting may give: PostgreSQL's pg_tzset_offset
// builds a POSIX zone string, whose hours must stay below 24 * 7.
constexpr int32_t kMaxOffsetSeconds = 24 * 3600 * 7 - 1;

}  // namespace

std::optional<TimeZone> zone_named_in_input(const std::string& name) {
  if (name.empty() || !isalpha(static_cast<unsigned char>(name[0]))) return std::nullopt;
  return abbreviation_or_named_zone(name);
}

// AT TIME ZONE's zone: an abbreviation, a tz database zone or a POSIX offset.
TimeZone resolve_zone(const std::string& name) {
  if (auto zone = abbreviation_or_named_zone(name)) return *zone;
  if (auto off = posix_offset(name)) return TimeZone::of_offset(*off);
  throw_error(sqlstate::kInvalidParameterValue, "time zone \"" + name + "\" not recognized");
}

int64_t timestamptz_at_zone(int64_t ts, const std::string& zone) {
  return resolve_zone(zone).to_local(ts);
}

int64_t timestamp_at_zone(int64_t local, const std::string& zone) {
  return resolve_zone(zone).to_utc(local);
}

}  // namespace hf::sql::types::internal

namespace hf::sql::types {

using namespace internal;  // NOLINT: the helpers above

TimeZone TimeZone::of_offset(int32_t seconds_east) {
  TimeZone z;
  z.fixed_ = seconds_east;
  return z;
}

TimeZone TimeZone::of_tz(const cctz::time_zone& tz) {
  TimeZone z;
  z.fixed_.reset();
  z.tz_ = tz;
  return z;
}

std::optional<TimeZone> TimeZone::from_setting(const std::string& value, std::string* display,
                                               std::string* detail) {
  if (value.empty()) return std::nullopt;
  // SET TIME ZONE INTERVAL '...': the parser hands over "INTERVAL '<interval text>'"; hours,
  // minutes and seconds east.
  if (strncasecmp(value.c_str(), "interval", 8) == 0) {
    size_t open = value.find('\'', 8), close = value.rfind('\'');
    if (open == std::string::npos || close <= open) return std::nullopt;
    for (size_t i = 8; i < open; ++i)
      if (!isspace(static_cast<unsigned char>(value[i]))) return std::nullopt;
    Interval iv;
    try {
      iv = parse_interval(value.substr(open + 1, close - open - 1));
    } catch (const SqlError&) {
      return std::nullopt;
    }
    if (iv.months != 0 || iv.days != 0) {
      if (detail)
        *detail = iv.months != 0 ? "Cannot specify months in time zone interval."
                                 : "Cannot specify days in time zone interval.";
      return std::nullopt;
    }
    if (iv.micros % kUsecsPerSec != 0) return std::nullopt;
    if (std::llabs(iv.micros / kUsecsPerSec) > kMaxOffsetSeconds) {
      if (detail) *detail = "UTC timezone offset is out of range.";
      return std::nullopt;
    }
    const auto east = static_cast<int32_t>(iv.micros / kUsecsPerSec);
    *display = offset_zone_name(east);
    return of_offset(east);
  }
  // A number: hours east of Greenwich ("-7", "+02", "5.5").
  {
    char* end = nullptr;
    const double hours = std::strtod(value.c_str(), &end);
    if (end != value.c_str() && *end == '\0') {
      if (!std::isfinite(hours) || std::fabs(hours * 3600) > kMaxOffsetSeconds) {
        if (detail) *detail = "UTC timezone offset is out of range.";
        return std::nullopt;
      }
      const auto east = static_cast<int32_t>(std::lround(hours * 3600));
      *display = offset_zone_name(east);
      return of_offset(east);
    }
  }
  // A zone of the tz database, in any case; SHOW spells it as the database does.
  if (auto file = zone_file_name(value)) {
    cctz::time_zone tz;
    if (cctz::load_time_zone(*file, &tz)) {
      *display = *file;
      return of_tz(tz);
    }
  }
  // A POSIX offset without daylight-saving rules ("UTC+3", "+02:30": hours west).
  if (auto off = posix_offset(value)) {
    *display = value;
    return of_offset(*off);
  }
  return std::nullopt;
}

std::string TimeZone::system_default_name() {
  std::string display;
  if (const char* tz = std::getenv("TZ"); tz && *tz && from_setting(tz, &display)) return display;
  char link[4096];
  const ssize_t n = readlink("/etc/localtime", link, sizeof link - 1);
  if (n > 0) {
    link[n] = '\0';
    const std::string target = link;
    const size_t at = target.find("zoneinfo/");
    if (at != std::string::npos && from_setting(target.substr(at + 9), &display)) return display;
  }
  return "GMT";
}

int32_t TimeZone::utc_offset(int64_t utc_us) const {
  if (fixed_) return *fixed_;
  return tz_.lookup(instant(utc_us)).offset;
}

int64_t TimeZone::to_local(int64_t utc_us) const {
  if (!finite(utc_us)) return utc_us;
  return utc_us + int64_t{utc_offset(utc_us)} * kUsecsPerSec;
}

int64_t TimeZone::to_utc(int64_t local_us) const {
  if (!finite(local_us)) return local_us;
  if (fixed_) return local_us - int64_t{*fixed_} * kUsecsPerSec;
  const int64_t secs = floor_div(local_us, kUsecsPerSec);
  const int64_t micros = local_us - secs * kUsecsPerSec;
  const cctz::civil_second cs = cctz::civil_second(2000, 1, 1, 0, 0, 0) + secs;
  const auto cl = tz_.lookup(cs);
  // PostgreSQL: a local time skipped by a spring-forward transition takes the offset before
  // it; one repeated by a fall-back transition the offset after it.
  const auto tp = cl.kind == cctz::time_zone::civil_lookup::REPEATED ? cl.post : cl.pre;
  const int64_t unix_secs = tp.time_since_epoch().count();
  return (unix_secs - kUnixEpochInPgSeconds) * kUsecsPerSec + micros;
}

std::string TimeZone::abbreviation(int64_t utc_us) const {
  if (fixed_) return format_utc_offset(*fixed_);
  return tz_.lookup(instant(utc_us)).abbr;
}

std::string format_utc_offset(int32_t east) {
  return (east < 0 ? "-" : "+") + offset_digits(east);
}

}  // namespace hf::sql::types
