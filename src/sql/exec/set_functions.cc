// sql/exec/set_functions.cc — see set_functions.h.
#include "sql/exec/set_functions.h"

#include <memory>

#include "common/error.h"
#include "sql/types/composite_types.h"
#include "sql/types/functions.h"
#include "sql/types/json.h"
#include "sql/types/type_io.h"

namespace hf::sql::exec {

namespace {

// json[b]_to_recordset's values (binder.cc bind_json_to_recordset: args after the first name
// the columns and carry their types): per object of the array, each column's member
// converted from its text (a string's contents, another value's JSON text) to the column's
// type; a missing member or JSON null is NULL.
// A member's text as a field's input reads it: a string's contents, another value's JSON.
std::string member_text(const types::json::Value& member, bool json_field) {
  if (member.kind == types::json::Value::Kind::kString && !json_field) return member.s;
  if (!member.raw.empty()) return std::string(member.raw);
  return types::json::to_jsonb_text(member);
}

// A one-dimensional JSON array as a value of array type `type`.
Datum json_array_value(const types::json::Value& array, const TypeRef& type, const char* fname) {
  const TypeRef elem{types::array_elem_type(type.oid), type.typmod};
  const bool json_elem = elem.oid == type_oid::kJson || elem.oid == type_oid::kJsonb;
  auto values = std::make_shared<std::vector<Datum>>();
  for (const auto& item : array.items) {
    if (item.kind == types::json::Value::Kind::kArray)
      throw SqlError(sqlstate::kFeatureNotSupported,
                     std::string(fname) + " of a multidimensional array is not supported");
    if (item.kind == types::json::Value::Kind::kNull) {
      values->push_back(Datum::Null());
      continue;
    }
    values->push_back(types::from_text(member_text(item, json_elem), elem));
  }
  return Datum(ArrayPtr(std::move(values)));
}

ArrayPtr json_records(const bind::Expr& call, const Datum& doc) {
  const bool jsonb = call.args[0]->type.oid == type_oid::kJsonb;
  const bool populate = call.name == "json_populate_recordset";
  const char* fname = populate ? (jsonb ? "jsonb_populate_recordset" : "json_populate_recordset")
                      : jsonb  ? "jsonb_to_recordset"
                               : "json_to_recordset";
  const std::string& text = doc.as_string();
  types::json::Value v = types::json::parse(text, jsonb);
  // PostgreSQL's messages: json's parser says what it found, jsonb's check does not.
  if (v.kind != types::json::Value::Kind::kArray)
    throw SqlError(sqlstate::kInvalidParameterValue,
                   std::string("cannot call ") + fname +
                       (jsonb                                         ? " on a non-array"
                        : v.kind == types::json::Value::Kind::kObject ? " on an object"
                                                                      : " on a scalar"));
  auto out = std::make_shared<std::vector<Datum>>();
  for (const auto& item : v.items) {
    if (item.kind != types::json::Value::Kind::kObject)
      throw SqlError(sqlstate::kInvalidParameterValue,
                     std::string("argument of ") + fname + " must be an array of objects");
    for (size_t c = 1; c < call.args.size(); ++c) {
      const bind::Expr& column = *call.args[c];
      const std::string& name = column.value.as_string();
      const types::json::Value* member = nullptr;
      for (const auto& [key, value] : item.fields)
        if (key == name) member = &value;  // the last of duplicate keys, as PostgreSQL
      if (!member || member->kind == types::json::Value::Kind::kNull) {
        out->push_back(Datum::Null());
        continue;
      }
      const bool json_column =
          column.type.oid == type_oid::kJson || column.type.oid == type_oid::kJsonb;
      if (member->kind == types::json::Value::Kind::kArray &&
          types::is_array_type(column.type.oid)) {
        // A JSON array into an array column: element by element (PostgreSQL's populate_array).
        out->push_back(json_array_value(*member, column.type, fname));
        continue;
      }
      out->push_back(types::from_text(member_text(*member, json_column), column.type));
    }
  }
  return out;
}

}  // namespace

SetFunctionCursor::SetFunctionCursor(const bind::Expr& call, const std::vector<Datum>& args,
                                     const types::TimeZone& zone) {
  if (call.routine) {  // a user-defined function's values, computed by the caller
    kind_ = Kind::kArray;
    array_ = args.at(0).as_array();
    return;
  }
  for (const auto& a : args)
    if (a.is_null()) return;  // strict: no values
  if (call.name == "json_to_recordset") {
    // The rows' values, row after row (the FROM item takes them a row's width at a time).
    kind_ = Kind::kArray;
    array_ = json_records(call, args[0]);
    return;
  }
  if (call.name == "json_populate_recordset") {
    // One composite value (sql/types/composite_types.h) per record.
    ArrayPtr values = json_records(call, args[0]);
    const size_t width = call.args.size() - 1;
    auto records = std::make_shared<std::vector<Datum>>();
    for (size_t at = 0; width > 0 && at + width <= values->size(); at += width)
      records->push_back(Datum(ArrayPtr(
          std::make_shared<std::vector<Datum>>(values->begin() + static_cast<long>(at),
                                               values->begin() + static_cast<long>(at + width)))));
    kind_ = Kind::kArray;
    array_ = std::move(records);
    return;
  }
  if (call.name == "_pg_expandarray") {
    // (x, n): each element with its position from 1, as composite values.
    auto records = std::make_shared<std::vector<Datum>>();
    const auto& items = *args[0].as_array();
    for (size_t i = 0; i < items.size(); ++i)
      records->push_back(types::make_composite({items[i], Datum(static_cast<int64_t>(i + 1))}));
    kind_ = Kind::kArray;
    array_ = std::move(records);
    return;
  }
  if (call.name == "unnest_pairs") {
    // jsonb_each and its kin in a target list: the (key, value) pairs as composite values.
    auto records = std::make_shared<std::vector<Datum>>();
    const auto& items = *args[0].as_array();
    for (size_t i = 0; i + 1 < items.size(); i += 2)
      records->push_back(types::make_composite({items[i], items[i + 1]}));
    kind_ = Kind::kArray;
    array_ = std::move(records);
    return;
  }
  if (call.name == "unnest") {
    kind_ = Kind::kArray;
    array_ = args[0].as_array();
    return;
  }
  if (call.type.oid == type_oid::kTimestamp || call.type.oid == type_oid::kTimestampTz) {
    next_value_ = args[0].as_int();
    stop_ = args[1].as_int();
    interval_step_ = args[2].as_interval();
    if (call.type.oid == type_oid::kTimestampTz) series_zone_ = zone;
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
      const int64_t after =
          series_zone_
              ? types::timestamptz_plus_interval(next_value_, interval_step_, *series_zone_)
              : types::timestamp_plus_interval(next_value_, interval_step_);
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
                    const std::vector<std::vector<Datum>>& args, const types::TimeZone& zone,
                    const std::function<void()>& check,
                    const std::function<void(const std::vector<Datum>&)>& emit) {
  std::vector<SetFunctionCursor> cursors;
  cursors.reserve(calls.size());
  for (size_t i = 0; i < calls.size(); ++i) cursors.emplace_back(*calls[i], args[i], zone);
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
