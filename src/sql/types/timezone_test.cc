// sql/types/timezone_test.cc — AT TIME ZONE: tz database zones (any case), transitions,
// abbreviations, POSIX offsets, PostgreSQL's error for an unknown zone; the session's
// TimeZone setting (what it accepts, how SHOW spells it) and timestamptz text I/O in a zone.
#include <gtest/gtest.h>

#include "common/error.h"
#include "sql/types/internal.h"
#include "sql/types/timezone.h"

namespace hf::sql::types::internal {
namespace {

int64_t ts(const char* text) {
  return parse_timestamp(text, false);
}
std::string local(int64_t v) {
  return timestamp_to_string(v, false);
}

TEST(TimeZone, InstantToLocalTimeFollowsDaylightSaving) {
  EXPECT_EQ(local(timestamptz_at_zone(ts("2020-07-01 12:00:00"), "America/New_York")),
            "2020-07-01 08:00:00");
  EXPECT_EQ(local(timestamptz_at_zone(ts("2020-01-01 12:00:00"), "America/New_York")),
            "2020-01-01 07:00:00");
  EXPECT_EQ(local(timestamptz_at_zone(ts("2020-07-01 12:00:00"), "asia/KOLKATA")),
            "2020-07-01 17:30:00");
  EXPECT_EQ(local(timestamptz_at_zone(ts("1960-07-01 12:00:00.25"), "Europe/London")),
            "1960-07-01 13:00:00.25");
}

TEST(TimeZone, LocalTimeInGapTakesOffsetBeforeAndInOverlapOffsetAfter) {
  // 02:30 does not exist on 2020-03-08 in New York: read with EST (-5).
  EXPECT_EQ(local(timestamp_at_zone(ts("2020-03-08 02:30:00"), "America/New_York")),
            "2020-03-08 07:30:00");
  // 01:30 happens twice on 2020-11-01: the second one, EST (-5).
  EXPECT_EQ(local(timestamp_at_zone(ts("2020-11-01 01:30:00"), "America/New_York")),
            "2020-11-01 06:30:00");
  EXPECT_EQ(local(timestamp_at_zone(ts("2020-07-01 12:00:00"), "Europe/Berlin")),
            "2020-07-01 10:00:00");
}

TEST(TimeZone, AbbreviationsAndPosixOffsets) {
  const int64_t noon = ts("2020-07-01 12:00:00");
  EXPECT_EQ(local(timestamptz_at_zone(noon, "utc")), "2020-07-01 12:00:00");
  EXPECT_EQ(local(timestamptz_at_zone(noon, "PST")), "2020-07-01 04:00:00");
  EXPECT_EQ(local(timestamptz_at_zone(noon, "+05")), "2020-07-01 07:00:00");
  EXPECT_EQ(local(timestamptz_at_zone(noon, "-05:30")), "2020-07-01 17:30:00");
  EXPECT_EQ(local(timestamptz_at_zone(noon, "UTC+3")), "2020-07-01 09:00:00");
  EXPECT_EQ(timestamptz_at_zone(kTsPosInfinity, "Europe/Berlin"), kTsPosInfinity);
}

TEST(TimeZone, UnknownZoneIsPostgresError) {
  for (const char* bad : {"Nowhere/Foo", "", "../etc/passwd", "/etc/localtime", "America"}) {
    try {
      timestamptz_at_zone(0, bad);
      FAIL() << bad;
    } catch (const SqlError& e) {
      EXPECT_EQ(e.error().sqlstate, "22023");
      EXPECT_EQ(e.error().message, std::string("time zone \"") + bad + "\" not recognized");
    }
  }
}

std::string shown_as(const std::string& value) {
  std::string shown;
  return TimeZone::from_setting(value, &shown) ? shown : "<invalid>";
}

TEST(TimeZone, SettingAcceptsWhatPostgresAcceptsAndShowsItsSpelling) {
  EXPECT_EQ(shown_as("america/new_york"), "America/New_York");
  EXPECT_EQ(shown_as("PST8PDT"), "PST8PDT");
  EXPECT_EQ(shown_as("+02"), "<+02>-02");  // a number: hours east
  EXPECT_EQ(shown_as("-7"), "<-07>+07");
  EXPECT_EQ(shown_as("5.5"), "<+05:30>-05:30");
  EXPECT_EQ(shown_as("INTERVAL '+02:00'"), "<+02>-02");
  EXPECT_EQ(shown_as("<+02>-02"), "<+02>-02");  // SHOW's form reads back
  EXPECT_EQ(shown_as("UTC+3"), "UTC+3");        // POSIX: hours west
  EXPECT_EQ(shown_as("Foo/Bar"), "<invalid>");
  EXPECT_EQ(shown_as(""), "<invalid>");
  EXPECT_EQ(shown_as("PST"), "<invalid>");  // abbreviations are for AT TIME ZONE only
  std::string shown, detail;
  EXPECT_FALSE(TimeZone::from_setting("INTERVAL '1 day'", &shown, &detail));
  EXPECT_EQ(detail, "Cannot specify days in time zone interval.");
}

TEST(TimeZone, TimestamptzTextFollowsTheZone) {
  std::string shown;
  const TimeZone ny = *TimeZone::from_setting("America/New_York", &shown);
  const TimeZone kolkata = *TimeZone::from_setting("Asia/Kolkata", &shown);
  const TimeZone west = *TimeZone::from_setting("UTC+3", &shown);
  const int64_t t = parse_timestamptz("2024-03-10 07:00+00", TimeZone());
  EXPECT_EQ(timestamptz_to_string(t, ny), "2024-03-10 03:00:00-04");
  EXPECT_EQ(timestamptz_to_string(t, kolkata), "2024-03-10 12:30:00+05:30");
  EXPECT_EQ(timestamptz_to_string(t, west), "2024-03-10 04:00:00-03");
  EXPECT_EQ(timestamptz_to_string(parse_timestamptz("1800-07-01 00:00", ny), ny),
            "1800-07-01 00:00:00-04:56:02");
  // unzoned input is local time; a skipped local time takes the offset before the change
  EXPECT_EQ(parse_timestamptz("2024-03-10 03:00", ny), t);
  EXPECT_EQ(timestamptz_to_string(parse_timestamptz("2024-03-10 02:30", ny), ny),
            "2024-03-10 03:30:00-04");
  EXPECT_EQ(timestamptz_to_string(kTsPosInfinity, ny), "infinity");
}

}  // namespace
}  // namespace hf::sql::types::internal
