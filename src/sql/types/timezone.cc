// sql/types/timezone.cc — AT TIME ZONE: named zones from the system's tz database (through
// cctz, which reads /usr/share/zoneinfo or $TZDIR), PostgreSQL's default time zone
// abbreviations and POSIX offsets, resolved in PostgreSQL's order (timestamp_zone()).
// Thread-safe: cctz caches loaded zones behind its own lock; the case-insensitive name cache
// here has a mutex.
#include <dirent.h>
#include <strings.h>

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include <chrono>
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

// A POSIX offset ("+05", "UTC+3", "-05:30"): hours west of Greenwich, so "+05" is UTC-5.
std::optional<int32_t> posix_offset(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && isalpha(static_cast<unsigned char>(s[i]))) ++i;
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

// A zone: a fixed offset (seconds east) or a tz database zone.
struct Zone {
  std::optional<int32_t> fixed;
  cctz::time_zone tz;
};

Zone resolve_zone(const std::string& name) {
  std::string lower = name;
  for (auto& c : lower) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  for (const auto& a : kAbbreviations)
    if (lower == a.name) return Zone{a.offset, {}};
  if (auto tz = named_zone(name)) return Zone{std::nullopt, *tz};
  if (auto off = posix_offset(name)) return Zone{*off, {}};
  throw_error(sqlstate::kInvalidParameterValue, "time zone \"" + name + "\" not recognized");
}

bool finite(int64_t ts) {
  return ts != kTsNegInfinity && ts != kTsPosInfinity;
}

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

int64_t timestamptz_at_zone(int64_t ts, const std::string& zone) {
  Zone z = resolve_zone(zone);
  if (!finite(ts)) return ts;
  int64_t offset = 0;
  if (z.fixed) {
    offset = *z.fixed;
  } else {
    auto tp =
        std::chrono::time_point_cast<cctz::seconds>(std::chrono::system_clock::from_time_t(0)) +
        cctz::seconds(floor_div(ts, kUsecsPerSec) + kUnixEpochInPgSeconds);
    offset = z.tz.lookup(tp).offset;
  }
  return ts + offset * kUsecsPerSec;
}

int64_t timestamp_at_zone(int64_t local, const std::string& zone) {
  Zone z = resolve_zone(zone);
  if (!finite(local)) return local;
  if (z.fixed) return local - int64_t{*z.fixed} * kUsecsPerSec;
  const int64_t secs = floor_div(local, kUsecsPerSec);
  const int64_t micros = local - secs * kUsecsPerSec;
  const cctz::civil_second cs = cctz::civil_second(2000, 1, 1, 0, 0, 0) + secs;
  const auto cl = z.tz.lookup(cs);
  // PostgreSQL: a local time skipped by a spring-forward transition takes the offset before
  // it; one repeated by a fall-back transition the offset after it.
  const auto tp = cl.kind == cctz::time_zone::civil_lookup::REPEATED ? cl.post : cl.pre;
  const int64_t unix_secs = tp.time_since_epoch().count();
  return (unix_secs - kUnixEpochInPgSeconds) * kUsecsPerSec + micros;
}

}  // namespace hf::sql::types::internal
