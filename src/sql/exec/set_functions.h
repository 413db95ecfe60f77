// sql/exec/set_functions.h — the set-returning functions (generate_series, unnest) and
// PostgreSQL's ProjectSet step that runs them from a SELECT's target list.
//
// Owns: producing one call's values one at a time (SetFunctionCursor), for a FROM item and
// for the target list alike; and ProjectSet's lockstep: the calls of one target list advance
// together, the output row count is the longest call's, a call that has run out yields NULL,
// and an input row whose calls all return nothing yields no row (PostgreSQL 10 and later).
// generate_series over integers (start, stop [, step]) and over timestamps (start, stop,
// interval step, added again for each value: a month step keeps day-of-month clamping as
// PostgreSQL does). Promises: a NULL argument gives no values (the functions are strict); errors
// are PostgreSQL's (22023 "step size cannot equal zero"). Values are produced lazily, so a long
// series costs memory only as its rows are kept.
// Thread safety: a cursor belongs to one statement's fiber. Nothing here suspends.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "common/datum.h"
#include "sql/bind/bound.h"
#include "sql/types/timezone.h"

namespace hf::sql::exec {

class SetFunctionCursor {
 public:
  // call: a bound ExprKind::kSrf; args: its arguments, evaluated (a user-defined function's:
  // one array of the values it returned). zone: the session's, in which generate_series over
  // timestamptz steps (a day keeps the local clock time across daylight-saving changes).
  SetFunctionCursor(const bind::Expr& call, const std::vector<Datum>& args,
                    const types::TimeZone& zone = types::TimeZone());
  // The next value; false when the call has no more.
  bool next(Datum& out);

 private:
  enum class Kind : uint8_t { kEmpty, kSeries, kTimestampSeries, kArray } kind_ = Kind::kEmpty;
  int64_t next_value_ = 0, stop_ = 0, step_ = 1;  // kTimestampSeries: step_ is the direction
  Interval interval_step_;
  std::optional<types::TimeZone> series_zone_;  // kTimestampSeries over timestamptz
  ArrayPtr array_;
  size_t array_pos_ = 0;
};

// ProjectSet over one input row: cursors for calls (each call's arguments already
// evaluated), then emit(values) once per output row with the value of each call (NULL once
// it has run out), until every call has run out. check is called before each output row
// (interrupts). Returns the number of output rows.
int64_t project_set(const std::vector<const bind::Expr*>& calls,
                    const std::vector<std::vector<Datum>>& args, const types::TimeZone& zone,
                    const std::function<void()>& check,
                    const std::function<void(const std::vector<Datum>&)>& emit);

}  // namespace hf::sql::exec
