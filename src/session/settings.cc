#include "session/settings.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string_view>

#include "common/error.h"
#include "sql/types/timezone.h"
#include "sql/types/type_io.h"

namespace hf::session {

namespace {

enum class Kind { kString, kBool, kInt, kReal, kTimeMs, kTimeS, kMemKb, kEnum };

struct Def {
  const char* name;  // display name
  Kind kind;
  const char* default_value;
  bool report = false;
  bool read_only = false;
  const char* enum_values = nullptr;  // comma separated (lower case)
  int64_t min = INT64_MIN, max = INT64_MAX;
  const char* description = "";
};

const std::vector<Def>& defs() {
  // The server's TimeZone, as initdb would pick it (the system's zone).
  static const std::string default_time_zone = sql::types::TimeZone::system_default_name();
  static const std::vector<Def> d = {
      {"application_name", Kind::kString, "", true, false, nullptr, 0, 0,
       "Sets the application name to be reported in statistics and logs."},
      {"bytea_output", Kind::kEnum, "hex", false, false, "escape,hex", 0, 0,
       "Sets the output format for bytea."},
      {"client_connection_check_interval", Kind::kTimeMs, "0", false, false, nullptr, 0, INT32_MAX,
       "Sets the time interval between checks for disconnection while running queries."},
      {"client_encoding", Kind::kString, "UTF8", true, false, nullptr, 0, 0,
       "Sets the client's character set encoding."},
      {"client_min_messages", Kind::kEnum, "notice", false, false,
       "debug5,debug4,debug3,debug2,debug1,log,notice,warning,error", 0, 0,
       "Sets the message levels that are sent to the client."},
      {"DateStyle", Kind::kString, "ISO, MDY", true, false, nullptr, 0, 0,
       "Sets the display format for date and time values."},
      {"deadlock_timeout", Kind::kTimeMs, "1000", false, false, nullptr, 1, INT32_MAX,
       "Sets the time to wait on a lock before checking for deadlock."},
      {"default_transaction_deferrable", Kind::kBool, "off", false, false, nullptr, 0, 0,
       "Sets the default deferrable status of new transactions."},
      {"default_transaction_isolation", Kind::kEnum, "read committed", false, false,
       "serializable,repeatable read,read committed,read uncommitted", 0, 0,
       "Sets the transaction isolation level of each new transaction."},
      {"default_transaction_read_only", Kind::kBool, "off", false, false, nullptr, 0, 0,
       "Sets the default read-only status of new transactions."},
      // PostgreSQL's planner switches: accepted, shown and reset as there (regression scripts
      // and tools set them); holdfast's planner does not consult them.
      {"enable_async_append", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of async append plans."},
      {"enable_bitmapscan", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of bitmap-scan plans."},
      {"enable_gathermerge", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of gather merge plans."},
      {"enable_hashagg", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of hashed aggregation plans."},
      {"enable_hashjoin", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of hash join plans."},
      {"enable_incremental_sort", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of incremental sort steps."},
      {"enable_indexonlyscan", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of index-only-scan plans."},
      {"enable_indexscan", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of index-scan plans."},
      {"enable_material", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of materialization."},
      {"enable_memoize", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of memoization."},
      {"enable_mergejoin", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of merge join plans."},
      {"enable_nestloop", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of nested-loop join plans."},
      {"enable_parallel_append", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of parallel append plans."},
      {"enable_parallel_hash", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of parallel hash plans."},
      {"enable_partition_pruning", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables plan-time and execution-time partition pruning."},
      {"enable_partitionwise_aggregate", Kind::kBool, "off", false, false, nullptr, 0, 0,
       "Enables partitionwise aggregation and grouping."},
      {"enable_partitionwise_join", Kind::kBool, "off", false, false, nullptr, 0, 0,
       "Enables partitionwise join."},
      {"enable_seqscan", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of sequential-scan plans."},
      {"enable_sort", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of explicit sort steps."},
      {"enable_tidscan", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Enables the planner's use of TID scan plans."},
      {"escape_string_warning", Kind::kBool, "on", false, false, nullptr, 0, 0,
       "Warn about backslash escapes in ordinary string literals."},
      {"extra_float_digits", Kind::kInt, "1", false, false, nullptr, -15, 3,
       "Sets the number of digits displayed for floating-point values."},
      {"holdfast.concurrency", Kind::kEnum, "pessimistic", false, false, "pessimistic,optimistic",
       0, 0, "Sets how row locks are taken: pessimistic (PostgreSQL) or optimistic."},
      {"holdfast.occ_validate_reads", Kind::kBool, "off", false, false, nullptr, 0, 0,
       "Makes optimistic transactions validate what they read at commit (serializable)."},
      {"idle_in_transaction_session_timeout", Kind::kTimeMs, "0", false, false, nullptr, 0,
       INT32_MAX, "Sets the maximum allowed idle time between queries, when in a transaction."},
      {"in_hot_standby", Kind::kBool, "off", true, true, nullptr, 0, 0,
       "Shows whether hot standby is currently active."},
      {"integer_datetimes", Kind::kBool, "on", true, true, nullptr, 0, 0,
       "Shows whether datetimes are integer based."},
      {"IntervalStyle", Kind::kEnum, "postgres", true, false,
       "postgres,postgres_verbose,sql_standard,iso_8601", 0, 0,
       "Sets the display format for interval values."},
      {"is_superuser", Kind::kBool, "on", true, true, nullptr, 0, 0,
       "Shows whether the current user is a superuser."},
      {"jit", Kind::kBool, "off", false, false, nullptr, 0, 0, "Allow JIT compilation."},
      {"lc_messages", Kind::kString, "C.UTF-8", false, false, nullptr, 0, 0,
       "Sets the language in which messages are displayed."},
      {"lc_monetary", Kind::kString, "C.UTF-8", false, false, nullptr, 0, 0,
       "Sets the locale for formatting monetary amounts."},
      {"lc_numeric", Kind::kString, "C.UTF-8", false, false, nullptr, 0, 0,
       "Sets the locale for formatting numbers."},
      {"lc_time", Kind::kString, "C.UTF-8", false, false, nullptr, 0, 0,
       "Sets the locale for formatting date and time values."},
      {"lock_timeout", Kind::kTimeMs, "0", false, false, nullptr, 0, INT32_MAX,
       "Sets the maximum allowed duration of any wait for a lock."},
      {"max_connections", Kind::kInt, "100", false, true, nullptr, 1, 262143,
       "Sets the maximum number of concurrent connections."},
      {"max_index_keys", Kind::kInt, "32", false, true, nullptr, 32, 32,
       "Shows the maximum number of index keys."},
      {"max_locks_per_transaction", Kind::kInt, "64", false, true, nullptr, 10, INT32_MAX,
       "Sets the maximum number of locks per transaction."},
      // holdfast stores passwords only as SCRAM-SHA-256 secrets: "md5" is not offered.
      {"password_encryption", Kind::kEnum, "scram-sha-256", false, false, "scram-sha-256", 0, 0,
       "Chooses the algorithm for encrypting passwords."},
      {"max_parallel_workers_per_gather", Kind::kInt, "2", false, false, nullptr, 0, 1024,
       "Sets the maximum number of parallel processes per executor node."},
      {"role", Kind::kString, "none", false, false, nullptr, 0, 0, "Sets the current role."},
      {"row_security", Kind::kBool, "on", false, false, nullptr, 0, 0, "Enable row security."},
      {"search_path", Kind::kString, "\"$user\", public", false, false, nullptr, 0, 0,
       "Sets the schema search order for names that are not schema-qualified."},
      {"server_encoding", Kind::kString, "UTF8", true, true, nullptr, 0, 0,
       "Shows the server (database) character set encoding."},
      {"server_version", Kind::kString, "15.18 (holdfast 0.1.0)", true, true, nullptr, 0, 0,
       "Shows the server version."},
      {"server_version_num", Kind::kInt, "150018", false, true, nullptr, 0, INT32_MAX,
       "Shows the server version as an integer."},
      {"session_authorization", Kind::kString, "", true, true, nullptr, 0, 0,
       "Sets the session user name."},
      {"standard_conforming_strings", Kind::kBool, "on", true, false, nullptr, 0, 0,
       "Causes '...' strings to treat backslashes literally."},
      {"statement_timeout", Kind::kTimeMs, "0", false, false, nullptr, 0, INT32_MAX,
       "Sets the maximum allowed duration of any statement."},
      {"synchronous_commit", Kind::kEnum, "on", false, false,
       "local,remote_write,remote_apply,on,off", 0, 0,
       "Sets the current transaction's synchronization level."},
      {"TimeZone", Kind::kString, default_time_zone.c_str(), true, false, nullptr, 0, 0,
       "Sets the time zone for displaying and interpreting time stamps."},
      {"timezone_abbreviations", Kind::kString, "Default", false, false, nullptr, 0, 0,
       "Selects a file of time zone abbreviations."},
      {"transaction_deferrable", Kind::kBool, "off", false, false, nullptr, 0, 0,
       "Whether to defer a read-only serializable transaction until it can be executed with no "
       "possible serialization failures."},
      {"transaction_isolation", Kind::kEnum, "read committed", false, false,
       "serializable,repeatable read,read committed,read uncommitted", 0, 0,
       "Sets the current transaction's isolation level."},
      {"transaction_read_only", Kind::kBool, "off", false, false, nullptr, 0, 0,
       "Sets the current transaction's read-only status."},
      {"work_mem", Kind::kMemKb, "4096", false, false, nullptr, 64, INT32_MAX,
       "Sets the maximum memory to be used for query workspaces."},
      // More of PostgreSQL's planner, storage and maintenance settings: accepted, checked,
      // shown and reset as there (scripts and tools set them); holdfast does not consult them.
      {"constraint_exclusion", Kind::kEnum, "partition", false, false, "partition,on,off", 0, 0,
       "Enables the planner to use constraints to optimize queries."},
      {"default_statistics_target", Kind::kInt, "100", false, false, nullptr, 1, 10000,
       "Sets the default statistics target."},
      {"default_table_access_method", Kind::kString, "heap", false, false, nullptr, 0, 0,
       "Sets the default table access method for new tables."},
      {"default_tablespace", Kind::kString, "", false, false, nullptr, 0, 0,
       "Sets the default tablespace to create tables and indexes in."},
      {"default_toast_compression", Kind::kEnum, "pglz", false, false, "pglz,lz4", 0, 0,
       "Sets the default compression method for compressible values."},
      {"force_parallel_mode", Kind::kEnum, "off", false, false, "off,on,regress", 0, 0,
       "Forces use of parallel query facilities."},
      {"hash_mem_multiplier", Kind::kReal, "2", false, false, nullptr, 1, 1000,
       "Multiple of work_mem to use for hash tables."},
      {"jit_above_cost", Kind::kReal, "100000", false, false, nullptr, -1, INT64_MAX,
       "Perform JIT compilation if query is more expensive."},
      {"maintenance_work_mem", Kind::kMemKb, "65536", false, false, nullptr, 1024, INT32_MAX,
       "Sets the maximum memory to be used for maintenance operations."},
      {"max_parallel_maintenance_workers", Kind::kInt, "2", false, false, nullptr, 0, 1024,
       "Sets the maximum number of parallel processes per maintenance operation."},
      {"min_parallel_index_scan_size", Kind::kInt, "64", false, false, nullptr, 0, INT32_MAX / 3,
       "Sets the minimum amount of index data for a parallel scan."},
      {"min_parallel_table_scan_size", Kind::kInt, "1024", false, false, nullptr, 0, INT32_MAX / 3,
       "Sets the minimum amount of table data for a parallel scan."},
      {"parallel_setup_cost", Kind::kReal, "1000", false, false, nullptr, 0, INT64_MAX,
       "Sets the planner's estimate of the cost of starting up worker processes for parallel "
       "query."},
      {"parallel_tuple_cost", Kind::kReal, "0.1", false, false, nullptr, 0, INT64_MAX,
       "Sets the planner's estimate of the cost of passing each tuple (row) from worker to "
       "leader backend."},
      {"plan_cache_mode", Kind::kEnum, "auto", false, false,
       "auto,force_generic_plan,force_custom_plan", 0, 0,
       "Controls the planner's selection of custom or generic plan."},
      {"seq_page_cost", Kind::kReal, "1", false, false, nullptr, 0, INT64_MAX,
       "Sets the planner's estimate of the cost of a sequentially fetched disk page."},
      {"vacuum_cost_delay", Kind::kReal, "0", false, false, nullptr, 0, 100,
       "Vacuum cost delay in milliseconds."},
  };
  return d;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The lower-case form of a setting's name, without a copy when it is lower case already (as
// nearly every name the server itself asks for is: Settings::get runs several times per
// statement, so lowering every name was a measurable part of a point select's cost).
std::string_view lower_key(const std::string& name, std::string& storage) {
  for (unsigned char c : name) {
    if (std::tolower(c) != c) return storage = lower(name);
  }
  return name;
}

const Def* find_def(std::string_view key) {
  static const std::map<std::string, const Def*, std::less<>> index = [] {
    std::map<std::string, const Def*, std::less<>> m;
    for (const auto& d : defs()) m[lower(d.name)] = &d;
    return m;
  }();
  auto it = index.find(key);
  return it == index.end() ? nullptr : it->second;
}

[[noreturn]] void unrecognized(const std::string& name) {
  throw SqlError(sqlstate::kUndefinedObject,
                 "unrecognized configuration parameter \"" + name + "\"");
}

[[noreturn]] void invalid_value(const std::string& name, const std::string& value,
                                std::string hint = {}) {
  throw SqlError(sqlstate::kInvalidParameterValue,
                 "invalid value for parameter \"" + name + "\": \"" + value + "\"", {},
                 std::move(hint));
}

// SET ... INTERVAL '1 month' as PostgreSQL's messages quote it: the interval in its output
// form ("INTERVAL '1 mon'"); any other value as given.
std::string interval_setting_text(const std::string& value) {
  const std::string prefix = "INTERVAL '";
  if (value.rfind(prefix, 0) != 0 || value.size() <= prefix.size() || value.back() != '\'')
    return value;
  const TypeRef interval{type_oid::kInterval, -1};
  try {
    const std::string text = value.substr(prefix.size(), value.size() - prefix.size() - 1);
    return prefix + sql::types::to_text(sql::types::from_text(text, interval), interval) + "'";
  } catch (const SqlError&) {
    return value;
  }
}

std::optional<bool> parse_bool(const std::string& v) {
  std::string s = lower(v);
  if (s.empty()) return std::nullopt;
  auto prefix_of = [&](const char* word) { return std::string(word).rfind(s, 0) == 0; };
  if (s == "1") return true;
  if (s == "0") return false;
  if (prefix_of("true") || prefix_of("yes")) return true;
  if (prefix_of("false") || (s.size() >= 2 && prefix_of("off"))) return false;
  if (s.size() >= 2 && prefix_of("on")) return true;
  if (prefix_of("no")) return false;
  return std::nullopt;
}

// Number with an optional unit; returns the value in `base_units` of `unit_table`.
std::optional<int64_t> parse_with_units(const std::string& in,
                                        const std::vector<std::pair<std::string, double>>& units) {
  std::string s = in;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  const char* start = s.c_str() + i;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(start, &end);
  if (end == start || errno != 0 || !std::isfinite(v)) return std::nullopt;
  std::string unit(end);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.front()))) unit.erase(0, 1);
  double mult = 1;
  if (!unit.empty()) {
    bool found = false;
    for (const auto& [name, m] : units) {
      if (unit == name) {
        mult = m;
        found = true;
        break;
      }
    }
    if (!found) return std::nullopt;
  }
  double r = std::rint(v * mult);
  if (r > 9.2e18 || r < -9.2e18) return std::nullopt;
  return static_cast<int64_t>(r);
}

const std::vector<std::pair<std::string, double>> kTimeUnitsMs = {
    {"us", 0.001}, {"ms", 1}, {"s", 1000}, {"min", 60000}, {"h", 3600000}, {"d", 86400000}};
const std::vector<std::pair<std::string, double>> kMemUnitsKb = {
    {"B", 1.0 / 1024}, {"kB", 1}, {"MB", 1024}, {"GB", 1024 * 1024}, {"TB", 1024.0 * 1024 * 1024}};

std::string format_kb(int64_t kb) {
  if (kb == 0) return "0";
  const std::pair<const char*, int64_t> units[] = {
      {"TB", 1024LL * 1024 * 1024}, {"GB", 1024 * 1024}, {"MB", 1024}, {"kB", 1}};
  for (auto& [u, m] : units)
    if (kb % m == 0) return std::to_string(kb / m) + u;
  return std::to_string(kb) + "kB";
}

}  // namespace

std::optional<int64_t> parse_time_ms(const std::string& s) {
  return parse_with_units(s, kTimeUnitsMs);
}

std::string format_time_ms(int64_t ms) {
  if (ms == 0) return "0";
  const std::pair<const char*, int64_t> units[] = {
      {"d", 86400000}, {"h", 3600000}, {"min", 60000}, {"s", 1000}, {"ms", 1}};
  for (auto& [u, m] : units)
    if (ms % m == 0) return std::to_string(ms / m) + u;
  return std::to_string(ms) + "ms";
}

Settings::Settings(const Init& init) {
  for (const auto& d : defs()) {
    std::string key = lower(d.name);
    values_[key] = Value{d.default_value, d.default_value};
  }
  set_default("session_authorization", init.user);
  set_default("max_connections", std::to_string(init.max_connections));
  last_reported_.clear();
  for (auto& [name, value] : reported()) last_reported_[lower(name)] = value;
}

bool Settings::known(const std::string& name) const {
  return values_.count(lower(name)) > 0;
}

std::string Settings::display_name(const std::string& name) const {
  if (const Def* d = find_def(lower(name))) return d->name;
  return lower(name);
}

std::string Settings::get(const std::string& name) const {
  std::string storage;
  std::string_view key = lower_key(name, storage);
  auto it = values_.find(key);
  if (it == values_.end()) unrecognized(name);
  const Def* d = find_def(key);
  if (!d) return it->second.current;
  switch (d->kind) {
    case Kind::kTimeMs:
      return format_time_ms(std::strtoll(it->second.current.c_str(), nullptr, 10));
    case Kind::kMemKb:
      return format_kb(std::strtoll(it->second.current.c_str(), nullptr, 10));
    default:
      return it->second.current;
  }
}

std::string Settings::normalize(const std::string& key, const std::string& value) const {
  const Def* d = find_def(key);
  if (!d) {
    if (key.find('.') == std::string::npos) unrecognized(key);
    return value;  // a custom setting: any string
  }
  if (d->read_only) {
    throw SqlError("55P02", "parameter \"" + key + "\" cannot be changed");
  }
  // PostgreSQL names the parameter's unit after the value ("63 kB is outside ...").
  auto check_range = [&](int64_t v) {
    const char* unit = d->kind == Kind::kMemKb ? " kB" : d->kind == Kind::kTimeMs ? " ms" : "";
    if (v < d->min || v > d->max) {
      throw SqlError(sqlstate::kInvalidParameterValue,
                     std::to_string(v) + unit + " is outside the valid range for parameter \"" +
                         key + "\" (" + std::to_string(d->min) + " .. " + std::to_string(d->max) +
                         ")");
    }
  };
  switch (d->kind) {
    case Kind::kString:
      if (key == "client_encoding") {
        // PostgreSQL compares encoding names with everything but letters and digits left
        // out (clean_encoding_name): asyncpg sends client_encoding='utf-8' with the quotes.
        std::string v;
        for (char c : lower(value)) {
          if (std::isalnum(static_cast<unsigned char>(c))) v.push_back(c);
        }
        if (v != "utf8" && v != "unicode") invalid_value(key, value);
        return "UTF8";
      }
      if (key == "datestyle") {
        // holdfast formats dates as ISO, MDY only; accept what names it.
        std::string v = lower(value);
        if (v.find("iso") == std::string::npos && v.find("mdy") == std::string::npos &&
            v.find("us") == std::string::npos)
          invalid_value(key, value);
        return "ISO, MDY";
      }
      if (key == "timezone") {
        // Kept as SHOW prints it (PostgreSQL's show_timezone): the tz database's spelling of
        // a zone, "<+02>-02" for an offset; that form reads back as the same zone.
        std::string shown, detail;
        if (!sql::types::TimeZone::from_setting(value, &shown, &detail))
          throw SqlError(
              sqlstate::kInvalidParameterValue,
              "invalid value for parameter \"TimeZone\": \"" + interval_setting_text(value) + "\"",
              detail);
        return shown;
      }
      return value;
    case Kind::kBool: {
      auto b = parse_bool(value);
      if (!b) {
        throw SqlError(sqlstate::kInvalidParameterValue,
                       "parameter \"" + key + "\" requires a Boolean value");
      }
      return *b ? "on" : "off";
    }
    case Kind::kInt: {
      auto v = parse_with_units(value, {});
      if (!v) invalid_value(key, value);
      check_range(*v);
      return std::to_string(*v);
    }
    case Kind::kReal: {  // a floating-point setting, shown as PostgreSQL's %g shows it
      char* end = nullptr;
      errno = 0;
      const double v = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0' || errno != 0 || !std::isfinite(v))
        invalid_value(key, value);
      if (v < static_cast<double>(d->min) || v > static_cast<double>(d->max)) {
        const char* unit = key == "vacuum_cost_delay" ? " ms" : "";
        char range[160];
        std::snprintf(range, sizeof range,
                      "%g%s is outside the valid range for parameter \"%s\" (%g .. %g)", v, unit,
                      key.c_str(), static_cast<double>(d->min), static_cast<double>(d->max));
        throw SqlError(sqlstate::kInvalidParameterValue, range);
      }
      char out[64];
      std::snprintf(out, sizeof out, "%g", v);
      return out;
    }
    case Kind::kTimeMs: {
      auto v = parse_with_units(value, kTimeUnitsMs);
      if (!v) {
        invalid_value(key, value,
                      "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", "
                      "and \"d\".");
      }
      check_range(*v);
      return std::to_string(*v);
    }
    case Kind::kTimeS: {
      auto v = parse_with_units(value, kTimeUnitsMs);
      if (!v) invalid_value(key, value);
      return std::to_string(*v);
    }
    case Kind::kMemKb: {
      auto v = parse_with_units(value, kMemUnitsKb);
      if (!v) {
        invalid_value(key, value,
                      "Valid units for this parameter are \"B\", \"kB\", \"MB\", \"GB\", and "
                      "\"TB\".");
      }
      check_range(*v);
      return std::to_string(*v);
    }
    case Kind::kEnum: {
      std::string v = lower(value);
      std::string all = d->enum_values;
      size_t pos = 0;
      while (pos <= all.size()) {
        size_t comma = all.find(',', pos);
        if (comma == std::string::npos) comma = all.size();
        if (all.compare(pos, comma - pos, v) == 0 && !v.empty()) return v;
        pos = comma + 1;
      }
      std::string hint = "Available values: ";
      for (char c : all) hint += c == ',' ? std::string(", ") : std::string(1, c);
      invalid_value(key, value, hint + ".");
    }
  }
  return value;
}

void Settings::assign(const std::string& key, const std::string& value, bool is_local,
                      bool in_txn) {
  auto& slot = values_[key];
  dirty_ = true;
  ++generation_;
  if (in_txn) {
    auto [it, inserted] = undo_.try_emplace(key);
    if (inserted) it->second.start_value = slot.current;
    if (!is_local) it->second.session_value = value;
  }
  slot.current = value;
}

void Settings::assign_internal(const std::string& name, const std::string& value, bool is_local,
                               bool in_txn) {
  assign(lower(name), value, is_local, in_txn);
}

void Settings::set(const std::string& name, const std::string& value, bool is_local, bool in_txn) {
  std::string key = lower(name);
  std::string v = normalize(key, value);
  if (!values_.count(key)) values_[key] = Value{"", ""};  // custom setting
  assign(key, v, is_local, in_txn);
}

void Settings::reset(const std::string& name, bool is_local, bool in_txn) {
  std::string key = lower(name);
  auto it = values_.find(key);
  if (it == values_.end()) {
    if (key.find('.') == std::string::npos) unrecognized(name);
    values_[key] = Value{"", ""};
    it = values_.find(key);
  }
  const Def* d = find_def(key);
  if (d && d->read_only) throw SqlError("55P02", "parameter \"" + key + "\" cannot be changed");
  assign(key, it->second.reset_value, is_local, in_txn);
}

void Settings::reset_all(bool in_txn) {
  for (auto& [key, v] : values_) {
    const Def* d = find_def(key);
    if (d && d->read_only) continue;
    if (key == "transaction_isolation" || key == "transaction_read_only") continue;
    if (key == "role" || key == "session_authorization") continue;  // GUC_NO_RESET_ALL
    assign(key, v.reset_value, false, in_txn);
  }
}

void Settings::set_default(const std::string& name, const std::string& value) {
  std::string key = lower(name);
  auto& slot = values_[key];
  dirty_ = true;
  ++generation_;
  slot.current = value;
  slot.reset_value = value;
}

void Settings::keep_as_default(const std::string& name) {
  auto& slot = values_[lower(name)];
  slot.reset_value = slot.current;
}

void Settings::end_transaction(bool commit) {
  if (!undo_.empty()) dirty_ = true, ++generation_;
  for (auto& [key, u] : undo_) {
    values_[key].current = commit ? u.session_value.value_or(u.start_value) : u.start_value;
  }
  undo_.clear();
}

std::vector<std::pair<std::string, std::string>> Settings::reported() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& d : defs()) {
    if (d.report) out.emplace_back(d.name, get(d.name));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> Settings::take_changes() {
  std::vector<std::pair<std::string, std::string>> out;
  // Called after every statement: only compare when a value may have changed since.
  if (!dirty_) return out;
  dirty_ = false;
  for (auto& [name, value] : reported()) {
    auto& last = last_reported_[lower(name)];
    if (last != value) {
      last = value;
      out.emplace_back(name, value);
    }
  }
  return out;
}

std::vector<std::vector<std::string>> Settings::show_all() const {
  std::vector<std::vector<std::string>> rows;
  for (const auto& [key, v] : values_) {
    const Def* d = find_def(key);
    rows.push_back({d ? d->name : key, get(key), d ? d->description : ""});
  }
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return lower(a[0]) < lower(b[0]); });
  return rows;
}

int64_t Settings::milliseconds(const std::string& name) const {
  std::string storage;
  auto it = values_.find(lower_key(name, storage));
  if (it == values_.end()) return 0;
  return std::strtoll(it->second.current.c_str(), nullptr, 10);
}

}  // namespace hf::session
