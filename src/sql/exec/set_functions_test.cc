// sql/exec/set_functions_test.cc — set-returning functions and the ProjectSet lockstep.
#include "sql/exec/set_functions.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>

#include "common/error.h"
#include "sql/types/type_io.h"

namespace hf::sql::exec {
namespace {

bind::Expr series_call(Oid type = type_oid::kInt4) {
  bind::Expr e;
  e.kind = bind::ExprKind::kSrf;
  e.name = "generate_series";
  e.type = TypeRef{type, -1};
  return e;
}

bind::Expr unnest_call() {
  bind::Expr e;
  e.kind = bind::ExprKind::kSrf;
  e.name = "unnest";
  e.type = TypeRef{type_oid::kInt4, -1};
  return e;
}

std::vector<int64_t> values_of(SetFunctionCursor& c) {
  std::vector<int64_t> out;
  Datum d;
  while (c.next(d)) out.push_back(d.as_int());
  return out;
}

TEST(SetFunctions, SeriesUpDownAndEmpty) {
  auto call = series_call();
  SetFunctionCursor up(call, {Datum(int64_t{1}), Datum(int64_t{4})});
  EXPECT_EQ(values_of(up), (std::vector<int64_t>{1, 2, 3, 4}));
  SetFunctionCursor down(call, {Datum(int64_t{5}), Datum(int64_t{1}), Datum(int64_t{-2})});
  EXPECT_EQ(values_of(down), (std::vector<int64_t>{5, 3, 1}));
  SetFunctionCursor none(call, {Datum(int64_t{1}), Datum(int64_t{0})});
  EXPECT_TRUE(values_of(none).empty());
  SetFunctionCursor null_arg(call, {Datum(int64_t{1}), Datum::Null()});
  EXPECT_TRUE(values_of(null_arg).empty());
}

TEST(SetFunctions, SeriesStopsAtTheEndOfTheRangeWithoutOverflow) {
  auto call = series_call(type_oid::kInt8);
  const int64_t max = std::numeric_limits<int64_t>::max();
  SetFunctionCursor c(call, {Datum(max - 1), Datum(max)});
  EXPECT_EQ(values_of(c), (std::vector<int64_t>{max - 1, max}));
  const int64_t min = std::numeric_limits<int64_t>::min();
  SetFunctionCursor d(call, {Datum(min + 2), Datum(min), Datum(int64_t{-2})});
  EXPECT_EQ(values_of(d), (std::vector<int64_t>{min + 2, min}));
}

TEST(SetFunctions, TimestampSeriesAddsTheStepAgainForEachValue) {
  auto call = series_call(type_oid::kTimestamp);
  const TypeRef ts{type_oid::kTimestamp, -1}, iv{type_oid::kInterval, -1};
  SetFunctionCursor months(call,
                           {types::from_text("2020-01-30", ts), types::from_text("2020-04-01", ts),
                            types::from_text("1 month", iv)});
  std::vector<std::string> got;
  Datum d;
  while (months.next(d)) got.push_back(types::to_text(d, ts));
  EXPECT_EQ(got, (std::vector<std::string>{"2020-01-30 00:00:00", "2020-02-29 00:00:00",
                                           "2020-03-29 00:00:00"}));
  SetFunctionCursor back(
      call, {types::from_text("2020-01-01 00:00", ts), types::from_text("2019-12-31 23:00", ts),
             types::from_text("-30 minutes", iv)});
  got.clear();
  while (back.next(d)) got.push_back(types::to_text(d, ts));
  EXPECT_EQ(got, (std::vector<std::string>{"2020-01-01 00:00:00", "2019-12-31 23:30:00",
                                           "2019-12-31 23:00:00"}));
  EXPECT_THROW(
      SetFunctionCursor(call, {types::from_text("2020-01-01", ts),
                               types::from_text("2020-01-02", ts), types::from_text("0 days", iv)}),
      SqlError);
}

TEST(SetFunctions, TimestamptzSeriesStepsDaysOnTheLocalClockOfTheZone) {
  auto call = series_call(type_oid::kTimestampTz);
  const TypeRef tstz{type_oid::kTimestampTz, -1}, iv{type_oid::kInterval, -1};
  std::string shown;
  const types::TimeZone ny = *types::TimeZone::from_setting("America/New_York", &shown);
  SetFunctionCursor days(
      call,
      {types::from_text("2024-03-09 12:00", tstz, ny),
       types::from_text("2024-03-11 12:00", tstz, ny), types::from_text("1 day", iv)},
      ny);
  std::vector<std::string> got;
  Datum d;
  while (days.next(d)) got.push_back(types::to_text(d, tstz, ny));
  EXPECT_EQ(got, (std::vector<std::string>{"2024-03-09 12:00:00-05", "2024-03-10 12:00:00-04",
                                           "2024-03-11 12:00:00-04"}));
}

TEST(SetFunctions, ZeroStepIsPostgresError) {
  auto call = series_call();
  try {
    SetFunctionCursor c(call, {Datum(int64_t{1}), Datum(int64_t{3}), Datum(int64_t{0})});
    FAIL() << "no error";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "22023");
    EXPECT_EQ(e.error().message, "step size cannot equal zero");
  }
}

TEST(SetFunctions, ProjectSetRunsCallsInLockstepPaddingWithNull) {
  auto series = series_call();
  auto unnest = unnest_call();
  auto array = std::make_shared<const std::vector<Datum>>(
      std::vector<Datum>{Datum(int64_t{10}), Datum(int64_t{20}), Datum(int64_t{30})});
  std::vector<const bind::Expr*> calls{&series, &unnest};
  std::vector<std::vector<Datum>> args{{Datum(int64_t{1}), Datum(int64_t{2})}, {Datum(array)}};
  std::vector<std::vector<Datum>> rows;
  int checks = 0;
  int64_t n = project_set(
      calls, args, types::TimeZone(), [&] { ++checks; },
      [&](const std::vector<Datum>& v) { rows.push_back(v); });
  ASSERT_EQ(n, 3);
  EXPECT_EQ(checks, 3);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][0].as_int(), 1);
  EXPECT_EQ(rows[0][1].as_int(), 10);
  EXPECT_EQ(rows[1][0].as_int(), 2);
  EXPECT_EQ(rows[1][1].as_int(), 20);
  EXPECT_TRUE(rows[2][0].is_null());
  EXPECT_EQ(rows[2][1].as_int(), 30);
}

TEST(SetFunctions, ProjectSetGivesNoRowWhenEveryCallIsEmpty) {
  auto series = series_call();
  std::vector<const bind::Expr*> calls{&series, &series};
  std::vector<std::vector<Datum>> args{{Datum(int64_t{1}), Datum(int64_t{0})},
                                       {Datum::Null(), Datum(int64_t{3})}};
  int64_t n = project_set(
      calls, args, types::TimeZone(), [] {}, [](const std::vector<Datum>&) { FAIL() << "a row"; });
  EXPECT_EQ(n, 0);
}

}  // namespace
}  // namespace hf::sql::exec
