#include "saleskit/automation/calendar.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/base/const_init.h"
#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "saleskit/status_macros.h"

namespace saleskit {
namespace automation {
namespace {

constexpr uint8_t kEveryDay = 0x7F;

// Minutes since midnight, or nullopt when `text` is not "HH:MM" with HH <= max_hour.
std::optional<int> ReadHhMm(absl::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (int i : {0, 1, 3, 4}) {
    if (!absl::ascii_isdigit(text[i])) return std::nullopt;
  }
  const int h = (text[0] - '0') * 10 + (text[1] - '0');
  const int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (m > 59) return std::nullopt;
  return h * 60 + m;
}

absl::Status NotATimeOfDay(absl::string_view text, bool closing) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "\"%s\" is not a time of day (expected HH:MM, 00:00 to %s)", absl::CHexEscape(text),
      closing ? "24:00" : "23:59"));
}

absl::Status InField(absl::string_view field, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(field, ": ", s.message()));
}

int SecondOfDay(const absl::CivilSecond& cs) {
  return cs.hour() * 3600 + cs.minute() * 60 + cs.second();
}

bool InWindowAt(int second_of_day, const DailyWindow& w) {
  if (w.start == w.end) return false;
  const int start = w.start * 60, end = w.end * 60;
  if (w.start < w.end) return start <= second_of_day && second_of_day < end;
  return second_of_day >= start || second_of_day < end;
}

// The first instant the local clock shows `cs`: the jump itself when `cs` is
// skipped, the first pass when it is repeated.
absl::Time FirstReached(absl::TimeZone zone, absl::CivilSecond cs) {
  const absl::TimeZone::TimeInfo ti = zone.At(cs);
  return ti.kind == absl::TimeZone::TimeInfo::SKIPPED ? ti.trans : ti.pre;
}

// Days must name at least one real weekday when given.
absl::StatusOr<uint8_t> ReadDays(const google::protobuf::RepeatedField<int>& days,
                                 absl::string_view field) {
  const uint8_t mask = DayMask(days);
  if (mask == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": no weekday (MONDAY to SUNDAY) among the ", days.size(), " given"));
  }
  return mask;
}

}  // namespace

absl::StatusOr<int> ParseTimeOfDay(absl::string_view text) {
  std::optional<int> m = ReadHhMm(text);
  if (!m || *m >= kMinutesPerDay) return NotATimeOfDay(text, false);
  return *m;
}

absl::StatusOr<int> ParseClosingTime(absl::string_view text) {
  std::optional<int> m = ReadHhMm(text);
  if (!m || *m > kMinutesPerDay) return NotATimeOfDay(text, true);
  return *m;
}

absl::StatusOr<absl::TimeZone> LoadZone(absl::string_view name) {
  const auto unknown = [&] {
    return absl::InvalidArgumentError(
        absl::StrFormat("unknown time zone \"%s\"", absl::CHexEscape(name)));
  };
  // Only IANA names: the tz loader would also open file paths and "localtime".
  if (name.empty() || name.size() > 64 || name.front() == '/' || name == "localtime") {
    return unknown();
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '+' && c != '-' && c != '/') return unknown();
  }
  if (name.find("..") != absl::string_view::npos) return unknown();
  // Loading reads and parses the tz file; answers (bounded) are remembered.
  static absl::Mutex mu(absl::kConstInit);
  static auto* zones ABSL_GUARDED_BY(mu) =
      new absl::flat_hash_map<std::string, std::optional<absl::TimeZone>>();
  absl::MutexLock lock(&mu);
  auto it = zones->find(name);
  if (it == zones->end()) {
    absl::TimeZone tz;
    std::optional<absl::TimeZone> loaded;
    if (absl::LoadTimeZone(std::string(name), &tz)) loaded = tz;
    if (zones->size() >= 4096) return loaded ? absl::StatusOr<absl::TimeZone>(*loaded) : unknown();
    it = zones->emplace(std::string(name), loaded).first;
  }
  if (!it->second) return unknown();
  return *it->second;
}

uint8_t DayMask(const google::protobuf::RepeatedField<int>& days) {
  if (days.empty()) return kEveryDay;
  uint8_t mask = 0;
  for (int d : days) {
    if (d >= v1::MONDAY && d <= v1::SUNDAY) mask |= static_cast<uint8_t>(1u << (d - 1));
  }
  return mask;
}

uint8_t WeekdayBit(absl::CivilDay day) {
  // absl::Weekday counts from monday = 0, as v1::Weekday - 1 does.
  return static_cast<uint8_t>(1u << static_cast<int>(absl::GetWeekday(day)));
}

absl::StatusOr<DailyWindow> ParseQuietHours(const v1::QuietHours& hours) {
  if (hours.start().empty() && hours.end().empty()) return DailyWindow{};
  if (hours.start().empty() || hours.end().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "quiet_hours: start and end are set together (only ",
        hours.start().empty() ? "end" : "start", " is set)"));
  }
  DailyWindow w;
  auto start = ParseTimeOfDay(hours.start());
  if (!start.ok()) return InField("quiet_hours.start", start.status());
  auto end = ParseClosingTime(hours.end());
  if (!end.ok()) return InField("quiet_hours.end", end.status());
  w.start = *start;
  w.end = *end % kMinutesPerDay;  // "24:00" is the next midnight: a window up to it wraps to 0
  if (w.start == w.end) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "quiet_hours: start \"%s\" and end \"%s\" are the same time of day (an empty or a "
        "whole-day window); leave both empty for no quiet hours",
        absl::CHexEscape(hours.start()), absl::CHexEscape(hours.end())));
  }
  return w;
}

bool InWindow(absl::Time t, const DailyWindow& w, absl::TimeZone zone) {
  return InWindowAt(SecondOfDay(zone.At(t).cs), w);
}

absl::Time NextOutside(absl::Time t, const DailyWindow& w, absl::TimeZone zone) {
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) return t;
  absl::Time cur = t;
  // Between two offset changes the wall clock runs with real time, so the
  // window ends at its end time; a jump may leave (or re-enter) it earlier.
  // Each pass crosses one offset change; a window spans at most a day.
  for (int pass = 0; pass < 64; ++pass) {
    const absl::TimeZone::CivilInfo ci = zone.At(cur);
    const int sec = SecondOfDay(ci.cs);
    if (!InWindowAt(sec, w)) return cur;
    absl::CivilDay day(ci.cs);
    if (w.end < w.start && sec >= w.start * 60) ++day;  // the part before midnight
    const absl::CivilSecond end_cs = absl::CivilSecond(day) + w.end * 60;
    const absl::Time exit = cur + absl::Seconds(end_cs - ci.cs) - ci.subsecond;
    absl::TimeZone::CivilTransition tr;
    if (!zone.NextTransition(cur, &tr)) return exit;
    const absl::Time jump = zone.At(tr.to).trans;
    if (jump <= cur || exit < jump) return exit;
    cur = jump;
  }
  return cur;
}

absl::StatusOr<WorkWeek> ParseBusinessHours(const v1::BusinessHours& hours) {
  WorkWeek week;
  if (!hours.days().empty()) {
    SALESKIT_ASSIGN_OR_RETURN(week.days, ReadDays(hours.days(), "business_hours.days"));
  }
  if (!hours.start().empty()) {
    auto start = ParseTimeOfDay(hours.start());
    if (!start.ok()) return InField("business_hours.start", start.status());
    week.start = *start;
  }
  if (!hours.end().empty()) {
    auto end = ParseClosingTime(hours.end());
    if (!end.ok()) return InField("business_hours.end", end.status());
    week.end = *end;
  }
  if (week.end <= week.start) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "business_hours: end %02d:%02d is not after start %02d:%02d", week.end / 60, week.end % 60,
        week.start / 60, week.start % 60));
  }
  return week;
}

absl::Time AddBusinessTime(absl::Time start, absl::Duration working_time, const WorkWeek& week,
                           absl::TimeZone zone) {
  if (working_time <= absl::ZeroDuration()) return start;
  if (start == absl::InfiniteFuture() || start == absl::InfinitePast()) return start;
  if ((week.days & kEveryDay) == 0 || week.end <= week.start ||
      working_time == absl::InfiniteDuration()) {
    return absl::InfiniteFuture();
  }
  absl::Duration left = working_time;
  // From the day before: a DST jump could put the previous day's hours past `start`.
  for (absl::CivilDay day = LocalDay(start, zone) - 1;; ++day) {
    if ((week.days & WeekdayBit(day)) == 0) continue;
    const absl::CivilSecond midnight(day);
    const absl::Time open = std::max(start, FirstReached(zone, midnight + week.start * 60));
    const absl::Time close = FirstReached(zone, midnight + week.end * 60);
    if (open >= close) continue;
    if (left <= close - open) return open + left;
    left -= close - open;
  }
}

absl::StatusOr<Schedule> ParseScheduleTrigger(const v1::ScheduleTrigger& trigger) {
  Schedule s;
  SALESKIT_ASSIGN_OR_RETURN(s.days, ReadDays(trigger.days(), "schedule.days"));
  auto at = ParseTimeOfDay(trigger.at());
  if (!at.ok()) return InField("schedule.at", at.status());
  s.minute_of_day = *at;
  return s;
}

absl::Time NextOccurrence(absl::Time after, uint8_t days, int minute_of_day, absl::TimeZone zone) {
  if ((days & kEveryDay) == 0 || after == absl::InfiniteFuture() || after == absl::InfinitePast()) {
    return absl::InfiniteFuture();
  }
  // Firings rise with the day; start a day early in case a jump carried the
  // previous day's firing past `after`. Any non-empty mask matches within a week.
  absl::CivilDay day = LocalDay(after, zone) - 1;
  for (int i = 0; i < 16; ++i, ++day) {
    if ((days & WeekdayBit(day)) == 0) continue;
    const absl::Time fire = FirstReached(zone, absl::CivilSecond(day) + minute_of_day * 60);
    if (fire > after) return fire;
  }
  return absl::InfiniteFuture();
}

absl::CivilDay LocalDay(absl::Time t, absl::TimeZone zone) { return absl::CivilDay(zone.At(t).cs); }

}  // namespace automation
}  // namespace saleskit
