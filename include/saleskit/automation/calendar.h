// Calendar arithmetic for the automation runner: times of day, weekday sets,
// quiet hours, business hours and schedules in IANA time zones.
//
// Everything here is a pure function of its arguments: nothing reads the wall
// clock, and the same inputs give the same instants on every machine with the
// same tz database. All functions are thread-safe.
//
// DST, once for all: "local time" is the civil time of an instant in a zone.
// On a spring-forward day some local times never happen (skipped); on a
// fall-back day some happen twice (repeated). Each function below says which
// instant it picks in those cases. Durations are always real elapsed time.
#ifndef SALESKIT_AUTOMATION_CALENDAR_H_
#define SALESKIT_AUTOMATION_CALENDAR_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_field.h"
#include "saleskit/v1/playbook.pb.h"

namespace saleskit {
namespace automation {

constexpr int kMinutesPerDay = 24 * 60;

// "HH:MM" (24-hour, exactly two digits each, 00:00 to 23:59) to minutes since
// midnight. The error names the text: `"9am" is not a time of day (expected HH:MM)`.
absl::StatusOr<int> ParseTimeOfDay(absl::string_view text);

// As ParseTimeOfDay, and also "24:00" (= 1440), for the end of a window that
// runs to midnight.
absl::StatusOr<int> ParseClosingTime(absl::string_view text);

// An IANA zone by name ("Europe/Berlin", "UTC"). File paths and "localtime"
// are refused, so the result never depends on the host's configuration.
// Loaded zones are cached (process-wide, thread-safe); unknown names give
// InvalidArgument `unknown time zone "Mars/Base"`.
absl::StatusOr<absl::TimeZone> LoadZone(absl::string_view name);

// Bit (1 << (d - 1)) per v1::Weekday d (MONDAY = 1 .. SUNDAY = 7); values
// outside 1..7 (WEEKDAY_UNSPECIFIED) are ignored. An empty list is every day
// (0x7F); a non-empty list of only ignored values is 0 (no day), which the
// Parse* functions below reject.
uint8_t DayMask(const google::protobuf::RepeatedField<int>& days);

// The DayMask bit of a civil day's weekday.
uint8_t WeekdayBit(absl::CivilDay day);

// A daily window [start, end) of local minutes, 0 <= start, end <= 1440.
// Unlike a plain "end <= start wraps" rule, equal ends mean empty, not whole
// day: no window here ever covers the whole day, so NextOutside always ends.
// end < start wraps midnight ("20:00"-"08:00" is 20:00 to 08:00 the next
// morning); start == end is the empty window, never inside (so a
// default-constructed window means "no quiet hours").
struct DailyWindow {
  int start = 0;
  int end = 0;
};

// Reads policies' quiet hours: both times set or both empty (the empty
// window). start is HH:MM, end HH:MM or "24:00" (read as end 0: up to the
// next midnight); equal times are refused
// (neither "never quiet" nor "always quiet" is what a host means by them).
// Errors name the field: `quiet_hours.start: "7pm" is not a time of day ...`.
absl::StatusOr<DailyWindow> ParseQuietHours(const v1::QuietHours& hours);

// Whether the local time of `t` in `zone` lies in the window. Only the local
// wall clock matters: during a repeated hour both passes are judged alike.
bool InWindow(absl::Time t, const DailyWindow& w, absl::TimeZone zone);

// The first instant >= t whose local time is outside the window: t itself
// when t is outside. Usually the window's end that day, in real time; when a
// DST jump moves the wall clock out of the window (a skipped end, or a
// fall-back to before the start), the instant of that jump. Never earlier
// than t; InfiniteFuture only for an infinite t.
absl::Time NextOutside(absl::Time t, const DailyWindow& w, absl::TimeZone zone);

// Working hours: the DayMask of working days and [start, end) in local minutes.
struct WorkWeek {
  uint8_t days = 0x1F;  // Monday to Friday
  int start = 9 * 60;
  int end = 17 * 60;
};

// Reads an owner's business hours. Each unset field takes its default (days
// Monday to Friday, start 09:00, end 17:00), so the empty message is the
// default WorkWeek. end ("HH:MM" or "24:00") must be after start; days that
// are all WEEKDAY_UNSPECIFIED are refused. Errors name the field.
absl::StatusOr<WorkWeek> ParseBusinessHours(const v1::BusinessHours& hours);

// `start` plus `working_time` of working time in `zone`: time outside working
// hours (other days, before opening, after closing) does not count. Working
// time is real elapsed time between the instants a working day first reaches
// its start and its end local time (a skipped time counts from the jump), so
// a DST jump inside working hours shortens or lengthens that day. A result
// landing exactly on a closing time is that closing time, not the next
// opening. working_time <= 0 gives start; a week with no working time
// (days == 0 or end <= start) or an infinite working_time gives InfiniteFuture.
absl::Time AddBusinessTime(absl::Time start, absl::Duration working_time, const WorkWeek& week,
                           absl::TimeZone zone);

// A ScheduleTrigger read: the DayMask of its days and its time of day.
struct Schedule {
  uint8_t days = 0x7F;
  int minute_of_day = 0;
};

// Reads a schedule trigger: `at` is required HH:MM; empty days = every day;
// days that are all WEEKDAY_UNSPECIFIED are refused.
absl::StatusOr<Schedule> ParseScheduleTrigger(const v1::ScheduleTrigger& trigger);

// The first instant strictly after `after` whose local time in `zone` is
// `minute_of_day` (0..1439) on a day in `days` (a DayMask). A local time
// skipped by a DST jump fires at the jump (the first instant after the gap,
// still on that day's firing); a repeated one fires once, at its first pass.
// So a schedule fires exactly once per matching local day. days == 0 (or an
// infinite `after`) gives InfiniteFuture.
absl::Time NextOccurrence(absl::Time after, uint8_t days, int minute_of_day, absl::TimeZone zone);

// The local calendar day of t in zone, for once-per-day keys.
absl::CivilDay LocalDay(absl::Time t, absl::TimeZone zone);

}  // namespace automation
}  // namespace saleskit

#endif  // SALESKIT_AUTOMATION_CALENDAR_H_
