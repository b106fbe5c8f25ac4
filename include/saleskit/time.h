// Timestamps as saleskit reads and writes them: ISO 8601 text, microseconds
// since the Unix epoch (UTC) in memory.
#ifndef SALESKIT_TIME_H_
#define SALESKIT_TIME_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace saleskit {

// Microseconds since 1970-01-01T00:00:00Z.
using Micros = int64_t;

// Parses ISO 8601: `YYYY-MM-DD` (midnight UTC), or a date and time joined by
// `T` or a space, `hh:mm[:ss[.fraction]]`, then `Z`, `+hh:mm`, `+hhmm`, `+hh`
// or nothing (UTC). Fractions finer than a microsecond are truncated.
// Years 0001-9999. Errors say what is wrong and at which character.
absl::StatusOr<Micros> ParseTimestamp(absl::string_view text);

// Formats as RFC 3339 UTC: `2026-01-01T09:30:00Z`, with `.ffffff` only when
// the value has a sub-second part.
std::string FormatTimestamp(Micros t);

// Lossless conversions to and from absl::Time (saturating at the int64 range).
inline absl::Time ToTime(Micros t) { return absl::FromUnixMicros(t); }
inline Micros ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }

// True when `name` is an IANA time zone the system's tz database knows.
bool IsKnownTimeZone(absl::string_view name);

}  // namespace saleskit

#endif  // SALESKIT_TIME_H_
