// catalog/functions.h — user-defined functions (CREATE FUNCTION) and row triggers (CREATE
// TRIGGER): definitions and storage.
//
// Owns: the definitions of functions written in LANGUAGE sql and LANGUAGE plpgsql, stored as
// one JSON document per function in system keyspace 7 ('hf_functions', key "f" + oid; a
// trigger: key "t" + oid) and
// cached in memory as immutable snapshots (shared_ptr<const Function>). A definition is only
// text and types: the body is parsed and bound by the SQL layer each time the function is
// called (sql/exec/routines.h), so a function may name tables created after it, as in
// PostgreSQL (which checks LANGUAGE sql bodies at creation unless check_function_bodies is
// off; holdfast checks them at the first call).
//
// Promises: functions are identified, as PostgreSQL identifies them, by schema, name and input
// argument types (OUT and TABLE columns are not part of the identity). Each change bumps the
// catalog version so prepared statements that bound a call re-bind.
//
// A function created, replaced or dropped for a transaction (`owner`) is transactional as in
// PostgreSQL (issue 13): until it commits, every other session keeps the committed definition
// (or finds none), and only the fibers that run that transaction (Catalog's viewers) see the
// change; its row is written by the transaction itself (before_commit), so it commits
// atomically with it, and a crash before the commit keeps nothing; the commit publishes it
// to everybody (on_commit), a rollback or a ROLLBACK TO before the change forgets it. The
// caller holds ACCESS EXCLUSIVE on the function's oid (sql/exec/routines.cc) so that a second
// transaction's change of it waits, as PostgreSQL's waits on the pg_proc row or index.
// Triggers created or dropped for a transaction are kept the same way (pg_trigger shows the
// others the committed ones); CREATE / DROP TRIGGER also lock their table against writers, so
// a writer waits for the change and fires the trigger only if it committed.
//
// Thread safety: all methods are thread-safe. create/replace/drop MAY SUSPEND (a commit).
#pragma once

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "catalog/acl.h"
#include "catalog/kept_aside.h"
#include "common/datum.h"
#include "coord/transaction.h"

namespace hf::catalog {

class Catalog;

inline constexpr uint32_t kFunctionsSpace = 7;  // hf_functions

struct FunctionArg {
  std::string name;  // empty: unnamed ($n only)
  TypeRef type;
  // PostgreSQL's proargmodes letters: i(n), o(ut), b (inout), v(ariadic), t(able column).
  char mode = 'i';
  std::string default_expr;  // SQL text of DEFAULT (input arguments only); empty: none
  bool is_input() const { return mode == 'i' || mode == 'b' || mode == 'v'; }
  bool is_output() const { return mode == 'o' || mode == 'b' || mode == 't'; }
};

struct Function {
  Oid oid = 0;
  std::string name;
  Oid namespace_oid = kPublicNamespaceId;  // its schema (pg_proc.pronamespace)
  std::vector<FunctionArg> args;           // in declaration order, all modes
  TypeRef result;            // the declared result (record when several output columns)
  bool returns_set = false;  // SETOF / RETURNS TABLE
  std::string language;      // "sql" or "plpgsql"
  std::string body;
  char volatility = 'v';  // i(mmutable), s(table), v(olatile)
  bool strict = false;    // RETURNS NULL ON NULL INPUT
  Oid owner = kBootstrapSuperuserId;

  std::vector<TypeRef> input_types() const;
  // The output columns (OUT, INOUT, TABLE arguments); empty: one column of type `result`.
  std::vector<const FunctionArg*> output_args() const;
  // Whether it returns a composite type (a table's row type, `returns s.jobs`) without OUT
  // arguments: its body yields the type's fields as columns, a call in FROM expands to them
  // and a call elsewhere makes one composite value of them.
  bool returns_composite() const;
  // The columns a call in FROM yields (name, type): the OUT arguments, else a composite
  // result's fields, else one unnamed column of type `result`.
  std::vector<std::pair<std::string, TypeRef>> result_columns() const;
};
using FunctionPtr = std::shared_ptr<const Function>;

// A trigger (CREATE TRIGGER ... FOR EACH ROW | STATEMENT EXECUTE FUNCTION f()), stored beside
// the functions (key "t" + oid). Identified by table and name.
struct Trigger {
  Oid oid = 0;
  std::string name;
  Oid table = 0;
  Oid function = 0;
  bool before = false;    // BEFORE (else AFTER)
  bool row_level = true;  // FOR EACH ROW (else FOR EACH STATEMENT)
  static constexpr uint8_t kInsert = 1, kDelete = 2, kUpdate = 4;
  uint8_t events = 0;
  std::string when;               // WHEN condition as SQL text over NEW / OLD; empty: always
  std::vector<std::string> args;  // TG_ARGV
  // UPDATE OF c1, c2: an UPDATE fires it only when its SET list names one of these columns
  // (whether or not the value changes), as PostgreSQL's column-specific triggers. Empty: any.
  std::vector<std::string> columns;
};
using TriggerPtr = std::shared_ptr<const Trigger>;

class Functions {
 public:
  explicit Functions(Catalog& catalog);
  // Reads every definition; returns the highest oid seen. MAY SUSPEND.
  Oid load();
  // Every function of that name, in every schema (callers choose by schema or search path).
  std::vector<FunctionPtr> find(std::string_view name) const;
  // The one in schema `ns` with exactly these input types, if any.
  FunctionPtr find_exact(Oid ns, std::string_view name, const std::vector<Oid>& input_types) const;
  // The functions of schema `ns` (DROP SCHEMA), in oid order.
  std::vector<FunctionPtr> in_schema(Oid ns) const;
  FunctionPtr by_oid(Oid oid) const;
  std::vector<FunctionPtr> all() const;
  // Stores a new definition (f.oid assigned when 0) or replaces the one with the same oid;
  // for an owner, uncommitted until it commits (see above).
  FunctionPtr store(Function f, coord::Transaction* owner = nullptr);
  void drop(Oid oid, coord::Transaction* owner = nullptr);
  // The function in schema `ns` with exactly these input types that a transaction other than
  // the caller's created and has not committed; 0: none.
  Oid uncommitted(Oid ns, std::string_view name, const std::vector<Oid>& input_types) const;
  // Whether transaction txn has uncommitted function changes (it still needs its viewer).
  bool changes_pending(uint64_t txn) const;
  // Whether a transaction other than txn created or dropped a trigger of table `table` and
  // has not committed (its commit publishes it after its table lock is gone).
  bool trigger_change_by_other(Oid table, uint64_t txn) const;

  // Triggers of a table, in name order (PostgreSQL fires them so).
  std::vector<TriggerPtr> triggers_of(Oid table) const;
  std::vector<TriggerPtr> all_triggers() const;  // in oid order (pg_trigger)
  TriggerPtr trigger_by_oid(Oid oid) const;
  TriggerPtr store_trigger(Trigger t, coord::Transaction* owner = nullptr);
  void drop_trigger(Oid oid, coord::Transaction* owner = nullptr);

 private:
  void persist(const Function& f, bool deleted);
  void put(FunctionPtr f);
  void erase(Oid oid);
  // Uncommitted changes of functions and triggers (see above): what others see (committed;
  // nullptr: created by the transaction) and what the transaction sees (now; nullptr: dropped).
  template <typename T>
  using Changes = KeptAside<std::shared_ptr<const T>>;
  template <typename T>
  typename Changes<T>::Hooks hooks(std::map<Oid, std::shared_ptr<const T>>& live);
  // The definitions (triggers) the calling fiber sees: the committed ones in `live` with its
  // own transaction's changes in `pending` applied. REQUIRES: mu_ held.
  template <typename T, typename Fn>
  void each_visible_locked(const std::map<Oid, std::shared_ptr<const T>>& live,
                           const Changes<T>& pending, Fn&& fn) const;
  // The definition with that oid the calling fiber sees (nullptr: none). REQUIRES: mu_ held.
  template <typename T>
  std::shared_ptr<const T> visible_locked(const std::map<Oid, std::shared_ptr<const T>>& live,
                                          const Changes<T>& pending, Oid oid) const;

  Catalog& catalog_;
  mutable std::shared_mutex mu_;
  std::map<Oid, FunctionPtr> functions_;  // committed
  std::map<Oid, TriggerPtr> triggers_;    // committed
  Changes<Function> changes_;
  Changes<Trigger> trigger_changes_;
  void persist_trigger(const Trigger& t, bool deleted);
  void put_trigger(TriggerPtr t, bool present);
};

}  // namespace hf::catalog
