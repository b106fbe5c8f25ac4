#include "saleskit/time.h"

#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"

namespace saleskit {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

class Scanner {
 public:
  explicit Scanner(absl::string_view s) : s_(s) {}
  size_t pos() const { return pos_; }
  bool done() const { return pos_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[pos_]; }
  bool Consume(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  // Reads exactly `n` decimal digits.
  bool Digits(int n, int64_t* out) {
    if (pos_ + n > s_.size()) return false;
    int64_t v = 0;
    for (int i = 0; i < n; ++i) {
      const char c = s_[pos_ + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    pos_ += n;
    *out = v;
    return true;
  }

 private:
  absl::string_view s_;
  size_t pos_ = 0;
};

absl::Status Bad(absl::string_view text, size_t pos, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "invalid timestamp \"%s\": %s at character %d (expected ISO 8601 such as "
      "2026-01-31 or 2026-01-31T09:30:00Z)",
      text, what, pos + 1));
}

// An offset or a leap second can carry a time past the ends of 0001-9999.
absl::StatusOr<Micros> InRange(absl::string_view text, int64_t micros) {
  constexpr int64_t kMin = -62135596800LL * 1000000;            // 0001-01-01T00:00:00Z
  constexpr int64_t kMax = 253402300800LL * 1000000 - 1;        // 9999-12-31T23:59:59.999999Z
  if (micros < kMin || micros > kMax) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "invalid timestamp \"%s\": outside 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z", text));
  }
  return micros;
}

}  // namespace

absl::StatusOr<Micros> ParseTimestamp(absl::string_view text) {
  Scanner s(text);
  int64_t year, month, day;
  if (!s.Digits(4, &year)) return Bad(text, s.pos(), "expected a 4-digit year");
  if (!s.Consume('-')) return Bad(text, s.pos(), "expected '-'");
  if (!s.Digits(2, &month)) return Bad(text, s.pos(), "expected a 2-digit month");
  if (!s.Consume('-')) return Bad(text, s.pos(), "expected '-'");
  if (!s.Digits(2, &day)) return Bad(text, s.pos(), "expected a 2-digit day");
  if (year < 1) return Bad(text, 0, "year out of range (0001-9999)");
  if (month < 1 || month > 12) return Bad(text, 5, "month out of range");
  if (day < 1 || day > DaysInMonth(year, static_cast<int>(month))) {
    return Bad(text, 8, "day out of range");
  }
  int64_t micros = DaysFromCivil(year, month, day) * 86400 * 1000000;
  if (s.done()) return InRange(text, micros);

  if (!s.Consume('T') && !s.Consume('t') && !s.Consume(' ')) {
    return Bad(text, s.pos(), "expected 'T' or end of text after the date");
  }
  int64_t hh, mm, ss = 0;
  if (!s.Digits(2, &hh) || hh > 23) return Bad(text, s.pos(), "expected an hour 00-23");
  if (!s.Consume(':')) return Bad(text, s.pos(), "expected ':'");
  if (!s.Digits(2, &mm) || mm > 59) return Bad(text, s.pos(), "expected minutes 00-59");
  int64_t frac = 0;
  if (s.Consume(':')) {
    // 60 is accepted for a leap second (at 23:59 only) and folded into the next minute.
    if (!s.Digits(2, &ss) || ss > 60 || (ss == 60 && (hh != 23 || mm != 59))) {
      return Bad(text, s.pos(), "expected seconds 00-59 (60 only at 23:59)");
    }
    if (s.Consume('.') || s.Consume(',')) {
      int digits = 0;
      int64_t d;
      while (!s.done() && s.peek() >= '0' && s.peek() <= '9') {
        s.Digits(1, &d);
        if (digits < 6) frac = frac * 10 + d;
        ++digits;
      }
      if (digits == 0) return Bad(text, s.pos(), "expected fraction digits");
      for (int i = digits; i < 6; ++i) frac *= 10;
    }
  }
  micros += ((hh * 60 + mm) * 60 + ss) * 1000000 + frac;
  if (s.done()) return InRange(text, micros);
  if (s.Consume('Z') || s.Consume('z')) {
    if (!s.done()) return Bad(text, s.pos(), "unexpected text after 'Z'");
    return InRange(text, micros);
  }
  const char sign = s.peek();
  if (sign != '+' && sign != '-') {
    return Bad(text, s.pos(), "expected 'Z', an offset such as +02:00, or end of text");
  }
  s.Consume(sign);
  int64_t oh, om = 0;
  if (!s.Digits(2, &oh) || oh > 23) return Bad(text, s.pos(), "expected offset hours");
  if (s.Consume(':')) {
    if (!s.Digits(2, &om) || om > 59) return Bad(text, s.pos(), "expected offset minutes");
  } else if (!s.done()) {
    if (!s.Digits(2, &om) || om > 59) return Bad(text, s.pos(), "expected offset minutes");
  }
  if (!s.done()) return Bad(text, s.pos(), "unexpected text after the offset");
  const int64_t offset = (oh * 60 + om) * 60 * 1000000;
  return InRange(text, sign == '+' ? micros - offset : micros + offset);
}

std::string FormatTimestamp(Micros t) {
  int64_t days = t >= 0 ? t / 86400000000 : -((-t + 86400000000 - 1) / 86400000000);
  int64_t rem = t - days * 86400000000;
  // civil_from_days (H. Hinnant).
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp + (mp < 10 ? 3 : -9);
  const int64_t y = yoe + era * 400 + (m <= 2);
  const int64_t secs = rem / 1000000, us = rem % 1000000;
  if (y < 0 || y > 9999) {  // rare: the general formatter
    return us == 0 ? absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, secs / 3600, secs / 60 % 60, secs % 60)
                   : absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", y, m, d, secs / 3600, secs / 60 % 60,
                                     secs % 60, us);
  }
  // Written digit by digit: this names every trigger, so it is on the hot path.
  char buf[27];
  auto put = [&](int at, int64_t value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) buf[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, y, 4), buf[4] = '-', put(5, m, 2), buf[7] = '-', put(8, d, 2), buf[10] = 'T';
  put(11, secs / 3600, 2), buf[13] = ':', put(14, secs / 60 % 60, 2), buf[16] = ':', put(17, secs % 60, 2);
  if (us == 0) {
    buf[19] = 'Z';
    return std::string(buf, 20);
  }
  buf[19] = '.', put(20, us, 6), buf[26] = 'Z';
  return std::string(buf, 27);
}

bool IsKnownTimeZone(absl::string_view name) {
  // Only IANA names: the tz loader would also open absolute or relative file
  // paths ("/etc/localtime", "../x", "file:...") and "localtime".
  if (name.empty() || name.front() == '/' || name == "localtime" || name.size() > 64) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '+' && c != '-' && c != '/') return false;
  }
  // Loading a zone reads the tz database from disk: remember the answers.
  static absl::Mutex mu(absl::kConstInit);
  static auto* known ABSL_GUARDED_BY(mu) = new absl::flat_hash_map<std::string, bool>();
  absl::MutexLock lock(&mu);
  auto it = known->find(name);
  if (it != known->end()) return it->second;
  absl::TimeZone tz;
  const bool ok = !name.empty() && absl::LoadTimeZone(std::string(name), &tz);
  if (known->size() < 4096) known->emplace(std::string(name), ok);  // bounded
  return ok;
}

}  // namespace saleskit
