// sql/exec/set_functions.cc — see set_functions.h.
#include "sql/exec/set_functions.h"

#include <memory>

#include "common/error.h"
#include "sql/types/functions.h"

namespace hf::sql::exec {

SetFunctionCursor::SetFunctionCursor(const bind::Expr& call, const std::vector<Datum>& args) {
  if (call.routine) {  // a user-defined function's values, computed by the caller
    kind_ = Kind::kArray;
    array_ = args.at(0).as_array();
    return;
  }
  for (const auto& a : args)
    if (a.is_null()) return;  // strict: no values
  if (call.name == "unnest") {
    kind_ = Kind::kArray;
    array_ = args[0].as_array();
    return;
  }
  if (call.type.oid == type_oid::kTimestamp || call.type.oid == type_oid::kTimestampTz) {
    next_value_ = args[0].as_int();
    stop_ = args[1].as_int();
    interval_step_ = args[2].as_interval();
    // The step's sign as PostgreSQL's interval comparison sees it (a month is 30 days).
    const __int128 span = static_cast<__int128>(interval_step_.months) * 30 * 86400000000LL +
                          static_cast<__int128>(interval_step_.days) * 86400000000LL +
                          interval_step_.micros;
    if (span == 0) throw SqlError(sqlstate::kInvalidParameterValue, "step size cannot equal zero");
    step_ = span > 0 ? 1 : -1;
    if (step_ > 0 ? next_value_ <= stop_ : next_value_ >= stop_) kind_ = Kind::kTimestampSeries;
    return;
  }
  // generate_series(start, stop [, step])
  if (call.type.oid == type_oid::kNumeric)
    throw SqlError(sqlstate::kFeatureNotSupported, "generate_series(numeric) is not supported");
  next_value_ = args[0].as_int();
  stop_ = args[1].as_int();
  step_ = args.size() > 2 ? args[2].as_int() : 1;
  if (step_ == 0) throw SqlError(sqlstate::kInvalidParameterValue, "step size cannot equal zero");
  if (step_ > 0 ? next_value_ <= stop_ : next_value_ >= stop_) kind_ = Kind::kSeries;
}

bool SetFunctionCursor::next(Datum& out) {
  switch (kind_) {
    case Kind::kEmpty:
      return false;
    case Kind::kArray:
      if (!array_ || array_pos_ >= array_->size()) return false;
      out = (*array_)[array_pos_++];
      return true;
    case Kind::kTimestampSeries: {
      out = Datum(next_value_);
      const int64_t after = types::timestamp_plus_interval(next_value_, interval_step_);
      if (step_ > 0 ? after > stop_ : after < stop_)
        kind_ = Kind::kEmpty;
      else
        next_value_ = after;
      return true;
    }
    case Kind::kSeries: {
      out = Datum(next_value_);
      // That was the last value when the next step passes stop (or overflows).
      int64_t after = 0;
      if (__builtin_add_overflow(next_value_, step_, &after) ||
          (step_ > 0 ? after > stop_ : after < stop_))
        kind_ = Kind::kEmpty;
      else
        next_value_ = after;
      return true;
    }
  }
  return false;
}

int64_t project_set(const std::vector<const bind::Expr*>& calls,
                    const std::vector<std::vector<Datum>>& args, const std::function<void()>& check,
                    const std::function<void(const std::vector<Datum>&)>& emit) {
  std::vector<SetFunctionCursor> cursors;
  cursors.reserve(calls.size());
  for (size_t i = 0; i < calls.size(); ++i) cursors.emplace_back(*calls[i], args[i]);
  std::vector<Datum> values(calls.size());
  int64_t rows = 0;
  for (;;) {
    bool any = false;
    for (size_t i = 0; i < cursors.size(); ++i) {
      if (cursors[i].next(values[i]))
        any = true;
      else
        values[i] = Datum::Null();
    }
    if (!any) return rows;
    check();
    emit(values);
    ++rows;
  }
}

}  // namespace hf::sql::exec
