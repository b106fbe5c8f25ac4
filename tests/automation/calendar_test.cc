#include "saleskit/automation/calendar.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace saleskit {
namespace automation {
namespace {

absl::TimeZone Zone(const char* name) {
  auto z = LoadZone(name);
  REQUIRE(z.ok());
  return *z;
}

// The first instant the local clock in `zone` shows the given time.
absl::Time Local(absl::TimeZone zone, int y, int mo, int d, int h, int mi, int s = 0) {
  return zone.At(absl::CivilSecond(y, mo, d, h, mi, s)).pre;
}

std::string Show(absl::Time t, absl::TimeZone zone) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", t, zone);
}

std::string ErrorOf(const absl::Status& s) { return std::string(s.message()); }

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

google::protobuf::RepeatedField<int> Days(std::initializer_list<int> days) {
  google::protobuf::RepeatedField<int> r;
  for (int d : days) r.Add(d);
  return r;
}

TEST_CASE("ParseTimeOfDay reads HH:MM and names bad text", "[calendar]") {
  CHECK(*ParseTimeOfDay("00:00") == 0);
  CHECK(*ParseTimeOfDay("09:30") == 570);
  CHECK(*ParseTimeOfDay("23:59") == 1439);
  for (const char* bad : {"9am", "9:00", "24:00", "12:60", "", "12:3a", "123:00", " 09:00", "09:00 ",
                          "09-00", "-1:00"}) {
    INFO(bad);
    auto m = ParseTimeOfDay(bad);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(Contains(ErrorOf(m.status()), "\"" + std::string(bad) + "\" is not a time of day (expected HH:MM"));
  }
  CHECK(*ParseClosingTime("24:00") == 1440);
  CHECK(*ParseClosingTime("17:00") == 1020);
  CHECK_FALSE(ParseClosingTime("24:01").ok());
  CHECK_FALSE(ParseClosingTime("25:00").ok());
}

TEST_CASE("LoadZone loads IANA zones and refuses unknown names and paths", "[calendar]") {
  auto berlin = LoadZone("Europe/Berlin");
  REQUIRE(berlin.ok());
  CHECK(berlin->name() == "Europe/Berlin");
  CHECK(*LoadZone("Europe/Berlin") == *berlin);  // cached, same zone
  CHECK(LoadZone("UTC").ok());
  auto mars = LoadZone("Mars/Base");
  REQUIRE_FALSE(mars.ok());
  CHECK(mars.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ErrorOf(mars.status()) == "unknown time zone \"Mars/Base\"");
  CHECK_FALSE(LoadZone("Mars/Base").ok());  // a cached refusal too
  for (const char* bad : {"", "localtime", "/etc/localtime", "../../etc/passwd", "Europe/../UTC",
                          "Europe/Berlin "}) {
    INFO(bad);
    CHECK_FALSE(LoadZone(bad).ok());
  }
}

TEST_CASE("DayMask sets one bit per weekday and reads an empty list as every day", "[calendar]") {
  CHECK(DayMask(Days({})) == 0x7F);
  CHECK(DayMask(Days({v1::MONDAY, v1::FRIDAY})) == 0x11);
  CHECK(DayMask(Days({v1::SUNDAY, v1::SUNDAY})) == 0x40);
  CHECK(DayMask(Days({v1::WEEKDAY_UNSPECIFIED})) == 0);
  CHECK(DayMask(Days({v1::WEEKDAY_UNSPECIFIED, v1::SATURDAY, 9})) == 0x20);
  CHECK(WeekdayBit(absl::CivilDay(2026, 11, 23)) == 0x01);  // a Monday
  CHECK(WeekdayBit(absl::CivilDay(2026, 11, 29)) == 0x40);  // a Sunday
}

TEST_CASE("ParseQuietHours reads both-or-neither and refuses equal times", "[calendar]") {
  v1::QuietHours q;
  auto none = ParseQuietHours(q);
  REQUIRE(none.ok());
  CHECK(none->start == none->end);  // the empty window
  CHECK_FALSE(InWindow(absl::UnixEpoch(), *none, absl::UTCTimeZone()));

  q.set_start("20:00");
  q.set_end("08:00");
  auto w = ParseQuietHours(q);
  REQUIRE(w.ok());
  CHECK(w->start == 1200);
  CHECK(w->end == 480);

  q.set_end("24:00");
  q.set_start("22:00");
  w = ParseQuietHours(q);
  REQUIRE(w.ok());
  CHECK(w->start == 1320);
  CHECK(w->end == 0);

  q.set_start("20:00");
  q.set_end("20:00");
  auto same = ParseQuietHours(q);
  REQUIRE_FALSE(same.ok());
  CHECK(Contains(ErrorOf(same.status()), "same time of day"));
  q.set_start("00:00");
  q.set_end("24:00");
  CHECK_FALSE(ParseQuietHours(q).ok());  // the whole day

  q.set_start("7pm");
  q.set_end("08:00");
  auto bad = ParseQuietHours(q);
  REQUIRE_FALSE(bad.ok());
  CHECK(Contains(ErrorOf(bad.status()), "quiet_hours.start: \"7pm\" is not a time of day"));
  q.set_start("20:00");
  q.set_end("8");
  CHECK(Contains(ErrorOf(ParseQuietHours(q).status()), "quiet_hours.end: \"8\""));
  q.clear_end();
  CHECK(Contains(ErrorOf(ParseQuietHours(q).status()), "only start is set"));
}

TEST_CASE("ParseBusinessHours defaults each field and refuses end before start or no days",
          "[calendar]") {
  v1::BusinessHours h;
  auto week = ParseBusinessHours(h);
  REQUIRE(week.ok());
  CHECK(week->days == 0x1F);
  CHECK(week->start == 540);
  CHECK(week->end == 1020);

  h.set_start("17:00");
  h.set_end("09:00");
  auto backwards = ParseBusinessHours(h);
  REQUIRE_FALSE(backwards.ok());
  CHECK(ErrorOf(backwards.status()) == "business_hours: end 09:00 is not after start 17:00");
  h.set_end("17:00");
  CHECK_FALSE(ParseBusinessHours(h).ok());
  h.clear_end();
  CHECK_FALSE(ParseBusinessHours(h).ok());  // start 17:00 against the default end

  h.set_start("nine");
  CHECK(Contains(ErrorOf(ParseBusinessHours(h).status()), "business_hours.start: \"nine\""));

  h.set_start("09:00");
  h.set_end("24:00");
  h.add_days(v1::WEEKDAY_UNSPECIFIED);
  auto no_days = ParseBusinessHours(h);
  REQUIRE_FALSE(no_days.ok());
  CHECK(Contains(ErrorOf(no_days.status()), "business_hours.days: no weekday"));

  h.add_days(v1::SATURDAY);
  week = ParseBusinessHours(h);
  REQUIRE(week.ok());
  CHECK(week->days == 0x20);
  CHECK(week->end == 1440);
}

TEST_CASE("ParseScheduleTrigger needs a time and a real weekday when days are given", "[calendar]") {
  v1::ScheduleTrigger s;
  CHECK(Contains(ErrorOf(ParseScheduleTrigger(s).status()), "schedule.at: \"\""));
  s.set_at("07:15");
  auto every = ParseScheduleTrigger(s);
  REQUIRE(every.ok());
  CHECK(every->days == 0x7F);
  CHECK(every->minute_of_day == 435);
  s.add_days(v1::WEEKDAY_UNSPECIFIED);
  CHECK_FALSE(ParseScheduleTrigger(s).ok());
}

TEST_CASE("Quiet hours that wrap midnight hold from start up to but not including end",
          "[calendar]") {
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  const DailyWindow w{20 * 60, 8 * 60};
  CHECK_FALSE(InWindow(Local(berlin, 2026, 11, 23, 19, 59, 59), w, berlin));
  CHECK_FALSE(InWindow(Local(berlin, 2026, 11, 23, 20, 0) - absl::Microseconds(1), w, berlin));
  CHECK(InWindow(Local(berlin, 2026, 11, 23, 20, 0), w, berlin));
  CHECK(InWindow(Local(berlin, 2026, 11, 23, 23, 59, 59), w, berlin));
  CHECK(InWindow(Local(berlin, 2026, 11, 24, 0, 0), w, berlin));
  CHECK(InWindow(Local(berlin, 2026, 11, 24, 8, 0) - absl::Microseconds(1), w, berlin));
  CHECK_FALSE(InWindow(Local(berlin, 2026, 11, 24, 8, 0), w, berlin));
  CHECK_FALSE(InWindow(Local(berlin, 2026, 11, 24, 12, 0), w, berlin));
  // The same instant is quiet in Berlin (21:00) and not in New York (15:00).
  CHECK_FALSE(InWindow(Local(berlin, 2026, 11, 23, 21, 0), w, Zone("America/New_York")));

  const absl::Time noon = Local(berlin, 2026, 11, 24, 12, 0);
  CHECK(NextOutside(noon, w, berlin) == noon);
  CHECK(Show(NextOutside(Local(berlin, 2026, 11, 23, 20, 0), w, berlin), berlin) ==
        "2026-11-24T08:00:00+01:00");
  CHECK(Show(NextOutside(Local(berlin, 2026, 11, 23, 23, 30), w, berlin), berlin) ==
        "2026-11-24T08:00:00+01:00");
  CHECK(Show(NextOutside(Local(berlin, 2026, 11, 24, 7, 0), w, berlin), berlin) ==
        "2026-11-24T08:00:00+01:00");
  CHECK(NextOutside(Local(berlin, 2026, 11, 24, 8, 0) - absl::Milliseconds(500), w, berlin) ==
        Local(berlin, 2026, 11, 24, 8, 0));
  // A window up to midnight ("22:00"-"24:00" reads as end 0).
  CHECK(Show(NextOutside(Local(berlin, 2026, 11, 23, 23, 0), DailyWindow{22 * 60, 0}, berlin), berlin) ==
        "2026-11-24T00:00:00+01:00");
}

TEST_CASE("NextOutside across DST counts real time and jumps that leave the window",
          "[calendar]") {
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  const absl::TimeZone ny = Zone("America/New_York");
  const DailyWindow night{20 * 60, 8 * 60};
  // Spring forward inside the quiet night: 08:00 CEST is 10 real hours after 21:00 CET.
  const absl::Time sat = Local(berlin, 2026, 3, 28, 21, 0);
  CHECK(Show(NextOutside(sat, night, berlin), berlin) == "2026-03-29T08:00:00+02:00");
  CHECK(NextOutside(sat, night, berlin) - sat == absl::Hours(10));
  // Fall back: 12 real hours.
  const absl::Time oct = Local(berlin, 2026, 10, 24, 21, 0);
  CHECK(NextOutside(oct, night, berlin) - oct == absl::Hours(12));
  // An end time skipped by spring forward: out at the jump (02:00 EST = 03:00 EDT).
  CHECK(Show(NextOutside(Local(ny, 2026, 3, 7, 23, 0), DailyWindow{22 * 60, 2 * 60 + 30}, ny), ny) ==
        "2026-03-08T03:00:00-04:00");
  // Fall back to before the window's start: 01:45 EDT, then 02:00 EDT becomes 01:00 EST.
  const absl::Time edt = absl::FromCivil(absl::CivilSecond(2026, 11, 1, 5, 45, 0), absl::UTCTimeZone());
  CHECK(Show(NextOutside(edt, DailyWindow{90, 180}, ny), absl::UTCTimeZone()) ==
        "2026-11-01T06:00:00+00:00");
}

TEST_CASE("NextOccurrence skips days not in the mask and is strictly after", "[calendar]") {
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  const uint8_t weekdays = 0x1F;
  CHECK(Show(NextOccurrence(Local(berlin, 2026, 11, 20, 10, 0), weekdays, 540, berlin), berlin) ==
        "2026-11-23T09:00:00+01:00");
  CHECK(Show(NextOccurrence(Local(berlin, 2026, 11, 23, 9, 0), weekdays, 540, berlin), berlin) ==
        "2026-11-24T09:00:00+01:00");
  CHECK(Show(NextOccurrence(Local(berlin, 2026, 11, 23, 8, 59, 59), weekdays, 540, berlin), berlin) ==
        "2026-11-23T09:00:00+01:00");
  CHECK(Show(NextOccurrence(Local(berlin, 2026, 11, 23, 9, 0), 0x40, 0, berlin), berlin) ==
        "2026-11-29T00:00:00+01:00");
  CHECK(NextOccurrence(Local(berlin, 2026, 11, 23, 9, 0), 0, 540, berlin) == absl::InfiniteFuture());
}

TEST_CASE("NextOccurrence across Europe/Berlin DST transitions", "[calendar]") {
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  CHECK(Show(NextOccurrence(Local(berlin, 2026, 3, 28, 10, 0), 0x7F, 540, berlin), berlin) ==
        "2026-03-29T09:00:00+02:00");
  CHECK(Show(NextOccurrence(Local(berlin, 2026, 10, 24, 10, 0), 0x7F, 540, berlin), berlin) ==
        "2026-10-25T09:00:00+01:00");
  // 02:30 does not happen on 2026-03-29: it fires at the jump, 03:00 CEST, once.
  const absl::Time spring = NextOccurrence(Local(berlin, 2026, 3, 29, 0, 0), 0x7F, 150, berlin);
  CHECK(Show(spring, berlin) == "2026-03-29T03:00:00+02:00");
  CHECK(Show(NextOccurrence(spring, 0x7F, 150, berlin), berlin) == "2026-03-30T02:30:00+02:00");
  // 02:30 happens twice on 2026-10-25: it fires at the first only.
  const absl::Time fall = NextOccurrence(Local(berlin, 2026, 10, 25, 0, 0), 0x7F, 150, berlin);
  CHECK(Show(fall, berlin) == "2026-10-25T02:30:00+02:00");
  CHECK(Show(NextOccurrence(fall, 0x7F, 150, berlin), berlin) == "2026-10-26T02:30:00+01:00");
  // From inside the repeated hour's second pass, too.
  CHECK(Show(NextOccurrence(fall + absl::Minutes(70), 0x7F, 150, berlin), berlin) ==
        "2026-10-26T02:30:00+01:00");
}

TEST_CASE("NextOccurrence across America/New_York DST transitions", "[calendar]") {
  const absl::TimeZone ny = Zone("America/New_York");
  CHECK(Show(NextOccurrence(Local(ny, 2026, 3, 7, 10, 0), 0x7F, 540, ny), ny) ==
        "2026-03-08T09:00:00-04:00");
  CHECK(Show(NextOccurrence(Local(ny, 2026, 10, 31, 10, 0), 0x7F, 540, ny), ny) ==
        "2026-11-01T09:00:00-05:00");
  const absl::Time spring = NextOccurrence(Local(ny, 2026, 3, 8, 0, 0), 0x7F, 150, ny);
  CHECK(Show(spring, ny) == "2026-03-08T03:00:00-04:00");
  CHECK(Show(NextOccurrence(spring, 0x7F, 150, ny), ny) == "2026-03-09T02:30:00-04:00");
  const absl::Time fall = NextOccurrence(Local(ny, 2026, 11, 1, 0, 0), 0x7F, 90, ny);
  CHECK(Show(fall, ny) == "2026-11-01T01:30:00-04:00");
  CHECK(Show(NextOccurrence(fall, 0x7F, 90, ny), ny) == "2026-11-02T01:30:00-05:00");
}

TEST_CASE("AddBusinessTime counts only working hours", "[calendar]") {
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  const WorkWeek week;  // Mon-Fri 09:00-17:00
  const absl::Duration four = absl::Hours(4);
  CHECK(Show(AddBusinessTime(Local(berlin, 2026, 11, 20, 15, 0), four, week, berlin), berlin) ==
        "2026-11-23T11:00:00+01:00");  // Friday 15:00
  CHECK(Show(AddBusinessTime(Local(berlin, 2026, 11, 21, 10, 0), four, week, berlin), berlin) ==
        "2026-11-23T13:00:00+01:00");  // Saturday
  CHECK(Show(AddBusinessTime(Local(berlin, 2026, 11, 23, 7, 0), four, week, berlin), berlin) ==
        "2026-11-23T13:00:00+01:00");  // before opening
  CHECK(Show(AddBusinessTime(Local(berlin, 2026, 11, 23, 18, 0), four, week, berlin), berlin) ==
        "2026-11-24T13:00:00+01:00");  // after closing
  CHECK(Show(AddBusinessTime(Local(berlin, 2026, 11, 20, 15, 0), absl::Hours(2), week, berlin), berlin) ==
        "2026-11-20T17:00:00+01:00");  // exactly to closing
  CHECK(Show(AddBusinessTime(Local(berlin, 2026, 11, 23, 9, 0), absl::Hours(40), week, berlin), berlin) ==
        "2026-11-27T17:00:00+01:00");  // a whole week
  const absl::Time t = Local(berlin, 2026, 11, 21, 10, 0);
  CHECK(AddBusinessTime(t, absl::ZeroDuration(), week, berlin) == t);
  CHECK(AddBusinessTime(t, four, WorkWeek{0, 540, 1020}, berlin) == absl::InfiniteFuture());
}

TEST_CASE("AddBusinessTime across DST changes counts real elapsed working time", "[calendar]") {
  const absl::TimeZone ny = Zone("America/New_York");
  // Friday 15:00 EST + 4h: the weekend's spring forward moves no working hour.
  CHECK(Show(AddBusinessTime(Local(ny, 2026, 3, 6, 15, 0), absl::Hours(4), WorkWeek{}, ny), ny) ==
        "2026-03-09T11:00:00-04:00");
  // Hours 01:00-05:00 on Sundays and Mondays: Berlin's spring forward leaves 3 real hours on 2026-03-29.
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  const WorkWeek nights{0x41, 60, 300};
  CHECK(Show(AddBusinessTime(Local(berlin, 2026, 3, 29, 1, 0), absl::Hours(4), nights, berlin), berlin) ==
        "2026-03-30T02:00:00+02:00");
  CHECK(Show(AddBusinessTime(Local(berlin, 2026, 3, 29, 1, 0), absl::Hours(3), nights, berlin), berlin) ==
        "2026-03-29T05:00:00+02:00");
}

TEST_CASE("LocalDay is the calendar day in the zone near midnight", "[calendar]") {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::Time late = absl::FromCivil(absl::CivilSecond(2026, 11, 23, 23, 30, 0), utc);
  CHECK(LocalDay(late, utc) == absl::CivilDay(2026, 11, 23));
  CHECK(LocalDay(late, Zone("Europe/Berlin")) == absl::CivilDay(2026, 11, 24));
  CHECK(LocalDay(late, Zone("America/New_York")) == absl::CivilDay(2026, 11, 23));
  const absl::Time early = absl::FromCivil(absl::CivilSecond(2026, 11, 24, 3, 30, 0), utc);
  CHECK(LocalDay(early, Zone("America/New_York")) == absl::CivilDay(2026, 11, 23));
  CHECK(LocalDay(early, Zone("Europe/Berlin")) == absl::CivilDay(2026, 11, 24));
  // Berlin's midnight is 23:00 UTC.
  CHECK(LocalDay(late - absl::Minutes(30), Zone("Europe/Berlin")) == absl::CivilDay(2026, 11, 24));
  CHECK(LocalDay(late - absl::Minutes(30) - absl::Seconds(1), Zone("Europe/Berlin")) ==
        absl::CivilDay(2026, 11, 23));
}

// Random instants in 2026, half of them within a day of one of the zone's transitions.
struct Sampler {
  std::mt19937_64 rng{20261123};
  absl::Time Instant(absl::TimeZone zone) {
    const absl::Time year = absl::FromCivil(absl::CivilSecond(2026, 1, 1, 0, 0, 0), absl::UTCTimeZone());
    std::vector<absl::Time> jumps;
    absl::TimeZone::CivilTransition tr;
    for (absl::Time t = year; jumps.size() < 4 && zone.NextTransition(t, &tr);) {
      t = zone.At(tr.to).trans;
      if (t > year + absl::Hours(24 * 365)) break;
      jumps.push_back(t);
    }
    const int64_t day = 86400;
    if (!jumps.empty() && rng() % 2 == 0) {
      return jumps[rng() % jumps.size()] + absl::Seconds(static_cast<int64_t>(rng() % (2 * day)) - day);
    }
    return year + absl::Seconds(static_cast<int64_t>(rng() % (365 * day)));
  }
  // Minutes of day, biased towards the small hours where DST jumps happen.
  int Minute() { return rng() % 2 == 0 ? static_cast<int>(rng() % 9) * 30 : static_cast<int>(rng() % 1440); }
};

const char* const kZones[] = {"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                              "Asia/Kolkata", "America/St_Johns"};

TEST_CASE("NextOutside is the first instant outside the window (property)", "[calendar]") {
  Sampler s;
  for (int i = 0; i < 300; ++i) {
    const absl::TimeZone zone = Zone(kZones[i % 6]);
    const absl::Time t = s.Instant(zone);
    DailyWindow w{s.Minute(), s.Minute()};
    if (w.start == w.end) w.end = (w.end + 1) % kMinutesPerDay;
    INFO(zone.name() << " t=" << Show(t, zone) << " window " << w.start << "-" << w.end);
    const absl::Time r = NextOutside(t, w, zone);
    REQUIRE(r >= t);
    REQUIRE_FALSE(InWindow(r, w, zone));
    if (r > t) REQUIRE(InWindow(r - absl::Microseconds(1), w, zone));
    for (absl::Time x = t; x < r; x += absl::Minutes(1)) {
      if (!InWindow(x, w, zone)) FAIL("outside earlier, at " << Show(x, zone));
    }
  }
}

TEST_CASE("NextOccurrence is the next firing of the wall clock schedule (property)", "[calendar]") {
  Sampler s;
  for (int i = 0; i < 300; ++i) {
    const absl::TimeZone zone = Zone(kZones[i % 6]);
    const absl::Time t = s.Instant(zone);
    const uint8_t days = static_cast<uint8_t>(s.rng() % 127 + 1);
    const int minute = s.Minute();
    INFO(zone.name() << " t=" << Show(t, zone) << " days " << int{days} << " at " << minute);
    const absl::Time r = NextOccurrence(t, days, minute, zone);
    REQUIRE(r > t);
    // The oracle: a day's schedule fires when the highest local time reached so
    // far first passes it (so a repeated time fires once, a skipped one at the jump).
    absl::Time x = absl::FromUnixSeconds(absl::ToUnixSeconds(t - absl::Hours(24)) / 60 * 60);
    absl::CivilSecond high = zone.At(x).cs;
    absl::Time expected = absl::InfiniteFuture();
    for (; x <= t + absl::Hours(24 * 8); x += absl::Minutes(1)) {
      const absl::CivilSecond local = zone.At(x).cs;
      if (local <= high) continue;
      bool fires = false;
      for (absl::CivilDay d = absl::CivilDay(local) - 1; d <= absl::CivilDay(local); ++d) {
        const absl::CivilSecond at = absl::CivilSecond(d) + minute * 60;
        if ((days & WeekdayBit(d)) != 0 && high < at && at <= local) fires = true;
      }
      high = local;
      if (fires && x > t) {
        expected = x;
        break;
      }
    }
    CHECK(Show(r, zone) == Show(expected, zone));
  }
}

TEST_CASE("AddBusinessTime counts exactly the working minutes and adds up (property)", "[calendar]") {
  Sampler s;
  for (int i = 0; i < 120; ++i) {
    const absl::TimeZone zone = Zone(kZones[i % 6]);
    const absl::Time start = absl::FromUnixSeconds(absl::ToUnixSeconds(s.Instant(zone)) / 60 * 60);
    // Hours clear of the small hours, where every zone here jumps: there the
    // wall clock and the documented first-reached rule agree.
    WorkWeek week;
    week.days = static_cast<uint8_t>(s.rng() % 127 + 1);
    week.start = 5 * 60 + static_cast<int>(s.rng() % (18 * 60));
    week.end = week.start + 1 + static_cast<int>(s.rng() % (24 * 60 - week.start));
    const int daily = week.end - week.start;
    const absl::Duration a = absl::Minutes(1 + static_cast<int64_t>(s.rng() % (2 * daily)));
    const absl::Duration b = absl::Minutes(1 + static_cast<int64_t>(s.rng() % daily));
    INFO(zone.name() << " start=" << Show(start, zone) << " days " << int{week.days} << " "
                     << week.start << "-" << week.end << " a=" << a << " b=" << b);
    const absl::Time r = AddBusinessTime(start, a, week, zone);
    REQUIRE(r > start);
    CHECK(AddBusinessTime(r, b, week, zone) == AddBusinessTime(start, a + b, week, zone));
    int64_t working = 0;
    for (absl::Time x = start; x < r; x += absl::Minutes(1)) {
      const absl::CivilSecond local = zone.At(x).cs;
      const int minute = local.hour() * 60 + local.minute();
      if ((week.days & WeekdayBit(absl::CivilDay(local))) != 0 && week.start <= minute && minute < week.end) {
        ++working;
      }
    }
    CHECK(working == a / absl::Minutes(1));
  }
}

}  // namespace
}  // namespace automation
}  // namespace saleskit
