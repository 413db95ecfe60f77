// sql/types/timezone_test.cc — AT TIME ZONE: tz database zones (any case), transitions,
// abbreviations, POSIX offsets, PostgreSQL's error for an unknown zone.
#include <gtest/gtest.h>

#include "common/error.h"
#include "sql/types/internal.h"

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

}  // namespace
}  // namespace hf::sql::types::internal
