// session/settings.h — one session's configuration parameters (GUCs), as PostgreSQL 15 shows
// them: a fixed table of known settings with PostgreSQL's defaults and display forms, plus
// custom "prefix.name" settings, with transaction scoping (SET LOCAL, rollback undoes SET).
//
// Owns: the values only; the session decides when transactions begin and end. Used from the
// session's fiber only (not thread-safe). Never suspends. Errors are SqlError with
// PostgreSQL's SQLSTATE and text (42704 unknown, 22023 bad value, 55P02 read-only).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hf::session {

class Settings {
 public:
  struct Init {
    std::string user;
    int max_connections = 10000;
  };
  explicit Settings(const Init& init);

  // Whether name is a known (or already defined custom) setting.
  bool known(const std::string& name) const;
  // The name PostgreSQL displays ("DateStyle" for "datestyle"); the name itself if custom.
  std::string display_name(const std::string& name) const;
  // Display value (SHOW, current_setting). Throws 42704 if unknown.
  std::string get(const std::string& name) const;
  // SET [LOCAL] name = value: validates and normalises; is_local applies only until the
  // transaction ends. Throws 42704 / 22023 / 55P02.
  void set(const std::string& name, const std::string& value, bool is_local, bool in_txn);
  // SET name TO DEFAULT / RESET name.
  void reset(const std::string& name, bool is_local, bool in_txn);
  void reset_all(bool in_txn);
  // Sets a value from the startup packet or the server (no transaction scoping, becomes the
  // value RESET returns to).
  void set_default(const std::string& name, const std::string& value);
  // The value set() just gave `name` becomes the one RESET returns to (startup options,
  // which set() validates and converts first).
  void keep_as_default(const std::string& name);

  // Sets a value without validation or the read-only check, with SET's transaction scoping:
  // for values the session derives itself (is_superuser, session_authorization).
  void assign_internal(const std::string& name, const std::string& value, bool is_local,
                       bool in_txn);

  // Transaction end: commit keeps session-level SETs and drops SET LOCAL; abort undoes all.
  void end_transaction(bool commit);

  // Values of reported settings (GUC_REPORT) changed since the last call.
  std::vector<std::pair<std::string, std::string>> take_changes();
  std::vector<std::pair<std::string, std::string>> reported() const;
  // SHOW ALL rows: name, setting, description, sorted by name.
  std::vector<std::vector<std::string>> show_all() const;

  // Milliseconds of a time setting (statement_timeout, ...); 0 = disabled.
  int64_t milliseconds(const std::string& name) const;

  // Changes whenever a value may have changed (SET, RESET, a transaction's end undoing or
  // keeping SETs): what the session derives from settings on every statement (the time
  // zone, the transaction defaults, the timeouts) is derived again only when it moved.
  uint64_t generation() const { return generation_; }

 private:
  struct Value {
    std::string current;
    std::string reset_value;
  };
  struct TxnUndo {
    std::string start_value;
    std::optional<std::string> session_value;
  };
  std::string normalize(const std::string& key, const std::string& value) const;
  void assign(const std::string& key, const std::string& value, bool is_local, bool in_txn);

  std::map<std::string, Value, std::less<>> values_;  // key: lower-case name
  std::map<std::string, TxnUndo> undo_;
  std::map<std::string, std::string> last_reported_;
  bool dirty_ = true;  // a value may have changed since take_changes() last looked
  uint64_t generation_ = 0;
};

// Parses "5s", "100ms", "1min", "250" (ms) into milliseconds; nullopt if malformed.
std::optional<int64_t> parse_time_ms(const std::string& s);
// PostgreSQL's display of a millisecond value: "0", "100ms", "5s", "1min", "1h", "1d".
std::string format_time_ms(int64_t ms);

}  // namespace hf::session
