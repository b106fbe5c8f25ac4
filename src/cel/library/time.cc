// Timestamps and durations: timestamp() and duration() conversions, string()
// and int() of them, their arithmetic with range checks, and the accessors
// (getFullYear, getHours, ...) with an optional time zone. Comparisons are
// the core's (cel::Compare orders timestamps and durations).
//
// Ranges, as the CEL language definition has them: a timestamp lies in
// [0001-01-01T00:00:00Z, 9999-12-31T23:59:59.999999999Z]; a duration is a
// whole number of nanoseconds that fits an int64 (about +-292 years). Every
// result outside them is an error, never a saturated or wrapped value.
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "cel/internal/library.h"
#include "saleskit/cel/functions.h"
#include "saleskit/cel/value.h"
#include "saleskit/status_macros.h"
#include "saleskit/time.h"

namespace saleskit::cel::internal {
namespace {

using int128 = __int128;

constexpr int64_t kNanosPerSecond = 1000000000;
// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z in Unix nanoseconds.
constexpr int128 kMinTimestampNanos = int128{-62135596800} * kNanosPerSecond;
constexpr int128 kMaxTimestampNanos = int128{253402300799} * kNanosPerSecond + 999999999;
constexpr int128 kMinDurationNanos = INT64_MIN;
constexpr int128 kMaxDurationNanos = INT64_MAX;

// Exact nanoseconds of a duration (sub-nanosecond ticks truncated). Infinite
// durations come out far beyond every range below, so they fail range checks.
int128 Nanos(absl::Duration d) {
  absl::Duration rem;
  const int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &rem);
  return int128{seconds} * kNanosPerSecond + absl::ToInt64Nanoseconds(rem);
}

int128 UnixNanos(absl::Time t) { return Nanos(t - absl::UnixEpoch()); }

// Floor division, so negative nanoseconds split into (seconds, 0..999999999).
absl::Time TimeFromUnixNanos(int128 nanos) {
  int128 seconds = nanos / kNanosPerSecond;
  int128 rem = nanos % kNanosPerSecond;
  if (rem < 0) {
    rem += kNanosPerSecond;
    --seconds;
  }
  return absl::UnixEpoch() + absl::Seconds(static_cast<int64_t>(seconds)) +
         absl::Nanoseconds(static_cast<int64_t>(rem));
}

bool TimestampInRange(int128 nanos) {
  return nanos >= kMinTimestampNanos && nanos <= kMaxTimestampNanos;
}
bool DurationInRange(int128 nanos) {
  return nanos >= kMinDurationNanos && nanos <= kMaxDurationNanos;
}

Value TimestampOutOfRange() {
  return Value::Error(absl::OutOfRangeError(
      "timestamp out of range (0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z)"));
}
Value DurationOutOfRange() {
  return Value::Error(absl::OutOfRangeError("duration out of range (about +-292 years)"));
}

Value TimestampOrError(int128 nanos) {
  if (!TimestampInRange(nanos)) return TimestampOutOfRange();
  return Value::Timestamp(TimeFromUnixNanos(nanos));
}
Value DurationOrError(int128 nanos) {
  if (!DurationInRange(nanos)) return DurationOutOfRange();
  return Value::Duration(absl::Nanoseconds(static_cast<int64_t>(nanos)));
}

// Nine digits of nanoseconds with the trailing zeros dropped, after a '.';
// nothing for zero.
void AppendFraction(int64_t nanos, std::string* out) {
  if (nanos == 0) return;
  char digits[10];
  absl::SNPrintF(digits, sizeof(digits), "%09d", nanos);
  int len = 9;
  while (len > 0 && digits[len - 1] == '0') --len;
  out->push_back('.');
  out->append(digits, len);
}

// ---------------------------------------------------------------------------
// Parsing

// The value of `n` decimal digits at s[i], or -1 if they are not all digits.
int ReadDigits(absl::string_view s, size_t i, size_t n) {
  if (i + n > s.size()) return -1;
  int v = 0;
  for (size_t k = i; k < i + n; ++k) {
    if (!absl::ascii_isdigit(s[k])) return -1;
    v = v * 10 + (s[k] - '0');
  }
  return v;
}

absl::Status NotRfc3339(absl::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat(
      "timestamp('", text, "'): not an RFC 3339 timestamp such as 2009-02-13T23:31:30Z"));
}

// RFC 3339: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), with at most
// nanosecond precision. A well-formed year outside 0001..9999 is a range error.
absl::StatusOr<int128> ParseTimestampNanos(absl::string_view text) {
  size_t year_digits = 0;
  while (year_digits < text.size() && absl::ascii_isdigit(text[year_digits])) ++year_digits;
  if (year_digits < 4) return NotRfc3339(text);
  // Years of more than four digits parse (so the error can say "range"), but
  // only their length matters.
  const int year = year_digits == 4 ? ReadDigits(text, 0, 4) : 0;
  const absl::string_view rest = text.substr(year_digits);
  // "-MM-DDTHH:MM:SS" is 15 characters.
  if (rest.size() < 15 || rest[0] != '-' || rest[3] != '-' || rest[6] != 'T' || rest[9] != ':' ||
      rest[12] != ':') {
    return NotRfc3339(text);
  }
  const int month = ReadDigits(rest, 1, 2), day = ReadDigits(rest, 4, 2);
  const int hour = ReadDigits(rest, 7, 2), minute = ReadDigits(rest, 10, 2);
  const int second = ReadDigits(rest, 13, 2);
  if (month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 59) {
    return NotRfc3339(text);
  }
  size_t i = 15;
  int64_t nanos = 0;
  if (i < rest.size() && rest[i] == '.') {
    ++i;
    int digits = 0;
    while (i < rest.size() && absl::ascii_isdigit(rest[i])) {
      if (++digits > 9) return NotRfc3339(text);
      nanos = nanos * 10 + (rest[i] - '0');
      ++i;
    }
    if (digits == 0) return NotRfc3339(text);
    for (int k = digits; k < 9; ++k) nanos *= 10;
  }
  int offset_seconds = 0;
  if (i < rest.size() && rest[i] == 'Z') {
    ++i;
  } else if (i < rest.size() && (rest[i] == '+' || rest[i] == '-')) {
    const int oh = ReadDigits(rest, i + 1, 2), om = ReadDigits(rest, i + 4, 2);
    if (oh < 0 || om < 0 || rest[i + 3] != ':' || oh > 23 || om > 59) return NotRfc3339(text);
    offset_seconds = (oh * 3600 + om * 60) * (rest[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return NotRfc3339(text);
  }
  if (i != rest.size()) return NotRfc3339(text);
  // Day 31 of a 30-day month is malformed, not a day in the next month.
  const int check_year = year == 0 ? 2000 : year;  // any leap year will do for 0
  if (absl::CivilDay(check_year, month, day).day() != day) return NotRfc3339(text);
  if (year_digits != 4 || year == 0) {
    return absl::OutOfRangeError(absl::StrCat("timestamp('", text, "'): year out of range"));
  }
  const absl::Time civil =
      absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second), absl::UTCTimeZone());
  return UnixNanos(civil) - int128{offset_seconds} * kNanosPerSecond + nanos;
}

absl::Status NotADuration(absl::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat(
      "duration('", text, "'): not a duration such as \"1h2m3.5s\", \"-1.5h\" or \"100ms\""));
}

// Go's time.ParseDuration: an optional sign, then one or more decimal numbers
// each with a unit (ns, us, µs, ms, s, m, h); "0" alone is zero. Exact to the
// nanosecond (further digits are dropped).
absl::StatusOr<int128> ParseDurationNanos(absl::string_view text) {
  absl::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return NotADuration(text);
  // Past 2^63 nanoseconds nothing fits; stop accumulating well before int128 overflows.
  constexpr int128 kLimit = int128{1} << 64;
  int128 total = 0;
  while (!s.empty()) {
    int128 whole = 0;
    size_t i = 0;
    bool any_digit = false;
    bool too_big = false;
    for (; i < s.size() && absl::ascii_isdigit(s[i]); ++i) {
      any_digit = true;
      whole = whole * 10 + (s[i] - '0');
      if (whole > kLimit) too_big = true, whole = kLimit;
    }
    int128 fraction = 0, scale = 1;
    if (i < s.size() && s[i] == '.') {
      for (++i; i < s.size() && absl::ascii_isdigit(s[i]); ++i) {
        any_digit = true;
        if (scale < int128{1000000000000000000}) {  // 18 digits: beyond any unit's precision
          fraction = fraction * 10 + (s[i] - '0');
          scale *= 10;
        }
      }
    }
    if (!any_digit) return NotADuration(text);
    s.remove_prefix(i);
    size_t unit_len = 0;
    while (unit_len < s.size() && s[unit_len] != '.' && !absl::ascii_isdigit(s[unit_len])) {
      ++unit_len;
    }
    const absl::string_view unit = s.substr(0, unit_len);
    int128 per_unit;
    if (unit == "ns") {
      per_unit = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {  // µs (micro sign, mu)
      per_unit = 1000;
    } else if (unit == "ms") {
      per_unit = 1000000;
    } else if (unit == "s") {
      per_unit = kNanosPerSecond;
    } else if (unit == "m") {
      per_unit = 60 * int128{kNanosPerSecond};
    } else if (unit == "h") {
      per_unit = 3600 * int128{kNanosPerSecond};
    } else {
      return NotADuration(text);
    }
    s.remove_prefix(unit_len);
    if (too_big) return absl::OutOfRangeError(absl::StrCat("duration('", text, "'): out of range"));
    total += whole * per_unit + fraction * per_unit / scale;
    if (total > kLimit) {
      return absl::OutOfRangeError(absl::StrCat("duration('", text, "'): out of range"));
    }
  }
  const int128 nanos = negative ? -total : total;
  if (!DurationInRange(nanos)) {
    return absl::OutOfRangeError(
        absl::StrCat("duration('", text, "'): out of range (about +-292 years)"));
  }
  return nanos;
}

// A time zone argument: an IANA name ("America/Los_Angeles", "UTC") or a
// fixed offset "+05:30", "-08:00" (the sign may be left out: "02:00").
absl::StatusOr<absl::TimeZone> ParseTimeZone(absl::string_view name) {
  if (name.find(':') != absl::string_view::npos) {
    absl::string_view s = name;
    int sign = 1;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
      sign = s[0] == '-' ? -1 : 1;
      s.remove_prefix(1);
    }
    const size_t colon = s.find(':');
    const int hours = colon >= 1 && colon <= 2 ? ReadDigits(s, 0, colon) : -1;
    const int minutes = s.size() == colon + 3 ? ReadDigits(s, colon + 1, 2) : -1;
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid time zone offset '", name, "' (expected e.g. +05:30 or -08:00)"));
    }
    return absl::FixedTimeZone(sign * (hours * 3600 + minutes * 60));
  }
  if (name == "UTC") return absl::UTCTimeZone();
  absl::TimeZone tz;
  // IsKnownTimeZone refuses file paths, which the tz loader would also open.
  if (!IsKnownTimeZone(name) || !absl::LoadTimeZone(std::string(name), &tz)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown time zone '", name, "'"));
  }
  return tz;
}

// ---------------------------------------------------------------------------
// Conversions

Value TimestampFromString(absl::Span<const Value> args, const Activation&) {
  auto nanos = ParseTimestampNanos(args[0].string_value());
  if (!nanos.ok()) return Value::Error(nanos.status());
  return TimestampOrError(*nanos);
}

Value TimestampFromInt(absl::Span<const Value> args, const Activation&) {
  return TimestampOrError(int128{args[0].int_value()} * kNanosPerSecond);
}

Value Identity(absl::Span<const Value> args, const Activation&) { return args[0]; }

Value DurationFromString(absl::Span<const Value> args, const Activation&) {
  auto nanos = ParseDurationNanos(args[0].string_value());
  if (!nanos.ok()) return Value::Error(nanos.status());
  return DurationOrError(*nanos);
}

Value TimestampToString(absl::Span<const Value> args, const Activation&) {
  return Value::String(internal::FormatTimestamp(args[0].timestamp_value()));
}

Value DurationToString(absl::Span<const Value> args, const Activation&) {
  return Value::String(internal::FormatDuration(args[0].duration_value()));
}

Value TimestampToInt(absl::Span<const Value> args, const Activation&) {
  // Whole seconds, rounded down (as Go's Time.Unix).
  return Value::Int(absl::ToUnixSeconds(args[0].timestamp_value()));
}

// ---------------------------------------------------------------------------
// Arithmetic

Value AddTimestampDuration(absl::Span<const Value> args, const Activation&) {
  return TimestampOrError(UnixNanos(args[0].timestamp_value()) + Nanos(args[1].duration_value()));
}

Value AddDurationTimestamp(absl::Span<const Value> args, const Activation&) {
  return TimestampOrError(Nanos(args[0].duration_value()) + UnixNanos(args[1].timestamp_value()));
}

Value AddDurations(absl::Span<const Value> args, const Activation&) {
  return DurationOrError(Nanos(args[0].duration_value()) + Nanos(args[1].duration_value()));
}

Value SubtractTimestampDuration(absl::Span<const Value> args, const Activation&) {
  return TimestampOrError(UnixNanos(args[0].timestamp_value()) - Nanos(args[1].duration_value()));
}

Value SubtractTimestamps(absl::Span<const Value> args, const Activation&) {
  return DurationOrError(UnixNanos(args[0].timestamp_value()) -
                         UnixNanos(args[1].timestamp_value()));
}

Value SubtractDurations(absl::Span<const Value> args, const Activation&) {
  return DurationOrError(Nanos(args[0].duration_value()) - Nanos(args[1].duration_value()));
}

// ---------------------------------------------------------------------------
// Accessors

enum class TimeField {
  kFullYear, kMonth, kDayOfYear, kDate, kDayOfMonth, kDayOfWeek,
  kHours, kMinutes, kSeconds, kMilliseconds,
};

int64_t FieldOf(TimeField field, const absl::TimeZone::CivilInfo& ci) {
  const absl::CivilDay day(ci.cs);
  switch (field) {
    case TimeField::kFullYear: return ci.cs.year();
    case TimeField::kMonth: return ci.cs.month() - 1;                // 0 = January
    case TimeField::kDayOfYear: return absl::GetYearDay(day) - 1;    // 0-based
    case TimeField::kDate: return ci.cs.day();                       // 1-based
    case TimeField::kDayOfMonth: return ci.cs.day() - 1;             // 0-based
    case TimeField::kDayOfWeek:                                      // 0 = Sunday
      return (static_cast<int>(absl::GetWeekday(day)) + 1) % 7;      // absl: 0 = Monday
    case TimeField::kHours: return ci.cs.hour();
    case TimeField::kMinutes: return ci.cs.minute();
    case TimeField::kSeconds: return ci.cs.second();
    case TimeField::kMilliseconds: return absl::ToInt64Milliseconds(ci.subsecond);
  }
  return 0;
}

template <TimeField F>
Value TimestampFieldUtc(absl::Span<const Value> args, const Activation&) {
  return Value::Int(FieldOf(F, absl::UTCTimeZone().At(args[0].timestamp_value())));
}

template <TimeField F>
Value TimestampFieldInZone(absl::Span<const Value> args, const Activation&) {
  auto tz = ParseTimeZone(args[1].string_value());
  if (!tz.ok()) return Value::Error(tz.status());
  return Value::Int(FieldOf(F, tz->At(args[0].timestamp_value())));
}

// Durations convert to whole units (truncated toward zero), except
// milliseconds, which is the millisecond part of the fraction of a second.
Value DurationHours(absl::Span<const Value> args, const Activation&) {
  return Value::Int(static_cast<int64_t>(Nanos(args[0].duration_value()) /
                                         (int128{3600} * kNanosPerSecond)));
}
Value DurationMinutes(absl::Span<const Value> args, const Activation&) {
  return Value::Int(static_cast<int64_t>(Nanos(args[0].duration_value()) /
                                         (int128{60} * kNanosPerSecond)));
}
Value DurationSeconds(absl::Span<const Value> args, const Activation&) {
  return Value::Int(static_cast<int64_t>(Nanos(args[0].duration_value()) / kNanosPerSecond));
}
Value DurationMilliseconds(absl::Span<const Value> args, const Activation&) {
  return Value::Int(static_cast<int64_t>(Nanos(args[0].duration_value()) / 1000000 % 1000));
}

}  // namespace

std::string FormatTimestamp(absl::Time t) {
  const int128 nanos = UnixNanos(t);
  int128 seconds = nanos / kNanosPerSecond, rem = nanos % kNanosPerSecond;
  if (rem < 0) rem += kNanosPerSecond, --seconds;
  const absl::CivilSecond cs = absl::ToCivilSecond(
      absl::FromUnixSeconds(static_cast<int64_t>(seconds)), absl::UTCTimeZone());
  std::string out = absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d", cs.year(), cs.month(),
                                    cs.day(), cs.hour(), cs.minute(), cs.second());
  AppendFraction(static_cast<int64_t>(rem), &out);
  out.push_back('Z');
  return out;
}

std::string FormatDuration(absl::Duration d) {
  const int128 nanos = Nanos(d);
  const int128 magnitude = nanos < 0 ? -nanos : nanos;
  std::string out = nanos < 0 ? "-" : "";
  // At most ~1.6e29 (kint64max seconds): print through two 64-bit halves.
  const int128 seconds = magnitude / kNanosPerSecond;
  const uint64_t low = static_cast<uint64_t>(seconds % int128{10000000000000000000u});
  const uint64_t high = static_cast<uint64_t>(seconds / int128{10000000000000000000u});
  if (high > 0) {
    absl::StrAppend(&out, high, absl::StrFormat("%019d", low));
  } else {
    absl::StrAppend(&out, low);
  }
  AppendFraction(static_cast<int64_t>(magnitude % kNanosPerSecond), &out);
  out.push_back('s');
  return out;
}

absl::Status RegisterTimeFunctions(FunctionRegistry* r) {
  struct Decl {
    const char* id;
    const char* function;
    bool receiver;
    const char* signature;
    FunctionImpl impl;
  };
  using F = TimeField;
  static constexpr Decl kDecls[] = {
      // Conversions.
      {"string_to_timestamp", "timestamp", false, "(string) -> timestamp", &TimestampFromString},
      {"int64_to_timestamp", "timestamp", false, "(int) -> timestamp", &TimestampFromInt},
      {"timestamp_to_timestamp", "timestamp", false, "(timestamp) -> timestamp", &Identity},
      {"string_to_duration", "duration", false, "(string) -> duration", &DurationFromString},
      {"duration_to_duration", "duration", false, "(duration) -> duration", &Identity},
      {"timestamp_to_string", "string", false, "(timestamp) -> string", &TimestampToString},
      {"duration_to_string", "string", false, "(duration) -> string", &DurationToString},
      {"timestamp_to_int64", "int", false, "(timestamp) -> int", &TimestampToInt},
      // Arithmetic.
      {"add_timestamp_duration", "_+_", false, "(timestamp, duration) -> timestamp",
       &AddTimestampDuration},
      {"add_duration_timestamp", "_+_", false, "(duration, timestamp) -> timestamp",
       &AddDurationTimestamp},
      {"add_duration_duration", "_+_", false, "(duration, duration) -> duration", &AddDurations},
      {"subtract_timestamp_duration", "_-_", false, "(timestamp, duration) -> timestamp",
       &SubtractTimestampDuration},
      {"subtract_timestamp_timestamp", "_-_", false, "(timestamp, timestamp) -> duration",
       &SubtractTimestamps},
      {"subtract_duration_duration", "_-_", false, "(duration, duration) -> duration",
       &SubtractDurations},
      // Timestamp accessors, in UTC or in the given zone.
      {"timestamp_to_year", "getFullYear", true, "(timestamp) -> int",
       &TimestampFieldUtc<F::kFullYear>},
      {"timestamp_to_year_with_tz", "getFullYear", true, "(timestamp, string) -> int",
       &TimestampFieldInZone<F::kFullYear>},
      {"timestamp_to_month", "getMonth", true, "(timestamp) -> int",
       &TimestampFieldUtc<F::kMonth>},
      {"timestamp_to_month_with_tz", "getMonth", true, "(timestamp, string) -> int",
       &TimestampFieldInZone<F::kMonth>},
      {"timestamp_to_day_of_year", "getDayOfYear", true, "(timestamp) -> int",
       &TimestampFieldUtc<F::kDayOfYear>},
      {"timestamp_to_day_of_year_with_tz", "getDayOfYear", true, "(timestamp, string) -> int",
       &TimestampFieldInZone<F::kDayOfYear>},
      {"timestamp_to_day_of_month_1_based", "getDate", true, "(timestamp) -> int",
       &TimestampFieldUtc<F::kDate>},
      {"timestamp_to_day_of_month_1_based_with_tz", "getDate", true, "(timestamp, string) -> int",
       &TimestampFieldInZone<F::kDate>},
      {"timestamp_to_day_of_month", "getDayOfMonth", true, "(timestamp) -> int",
       &TimestampFieldUtc<F::kDayOfMonth>},
      {"timestamp_to_day_of_month_with_tz", "getDayOfMonth", true, "(timestamp, string) -> int",
       &TimestampFieldInZone<F::kDayOfMonth>},
      {"timestamp_to_day_of_week", "getDayOfWeek", true, "(timestamp) -> int",
       &TimestampFieldUtc<F::kDayOfWeek>},
      {"timestamp_to_day_of_week_with_tz", "getDayOfWeek", true, "(timestamp, string) -> int",
       &TimestampFieldInZone<F::kDayOfWeek>},
      {"timestamp_to_hours", "getHours", true, "(timestamp) -> int",
       &TimestampFieldUtc<F::kHours>},
      {"timestamp_to_hours_with_tz", "getHours", true, "(timestamp, string) -> int",
       &TimestampFieldInZone<F::kHours>},
      {"timestamp_to_minutes", "getMinutes", true, "(timestamp) -> int",
       &TimestampFieldUtc<F::kMinutes>},
      {"timestamp_to_minutes_with_tz", "getMinutes", true, "(timestamp, string) -> int",
       &TimestampFieldInZone<F::kMinutes>},
      {"timestamp_to_seconds", "getSeconds", true, "(timestamp) -> int",
       &TimestampFieldUtc<F::kSeconds>},
      {"timestamp_to_seconds_with_tz", "getSeconds", true, "(timestamp, string) -> int",
       &TimestampFieldInZone<F::kSeconds>},
      {"timestamp_to_milliseconds", "getMilliseconds", true, "(timestamp) -> int",
       &TimestampFieldUtc<F::kMilliseconds>},
      {"timestamp_to_milliseconds_with_tz", "getMilliseconds", true, "(timestamp, string) -> int",
       &TimestampFieldInZone<F::kMilliseconds>},
      // Duration accessors.
      {"duration_to_hours", "getHours", true, "(duration) -> int", &DurationHours},
      {"duration_to_minutes", "getMinutes", true, "(duration) -> int", &DurationMinutes},
      {"duration_to_seconds", "getSeconds", true, "(duration) -> int", &DurationSeconds},
      {"duration_to_milliseconds", "getMilliseconds", true, "(duration) -> int",
       &DurationMilliseconds},
  };
  for (const Decl& d : kDecls) {
    SALESKIT_RETURN_IF_ERROR(r->Add(d.id, d.function, d.receiver, d.signature, d.impl));
  }
  return absl::OkStatus();
}

}  // namespace saleskit::cel::internal
