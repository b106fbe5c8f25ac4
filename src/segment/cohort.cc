#include "saleskit/segment/cohort.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "internal/proto_time.h"
#include "saleskit/status_macros.h"

namespace saleskit {
namespace {

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;
// Bounds the table's memory (rows x periods cells) against a mistyped --periods.
constexpr int kMaxPeriods = 100000;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

const absl::CivilDay kEpoch(1970, 1, 1);

// Which of the options' event types an event is.
enum : uint8_t { kCohortEvent = 1, kActivityEvent = 2, kConvertEvent = 4 };

// What the table needs of one event.
struct CompactEvent {
  uint32_t customer;
  uint8_t flags;
  int64_t period;
  double value;
};

absl::Status ValidateOptions(const CohortOptions& o) {
  if (o.periods < 1 || o.periods > kMaxPeriods) {
    return absl::InvalidArgumentError(
        absl::StrCat("periods must be between 1 and ", kMaxPeriods, ", got ", o.periods));
  }
  if (o.metric == CohortMetric::kConversion && o.convert_to.empty()) {
    return absl::InvalidArgumentError(
        "the conversion metric needs convert_to: the event type that counts as converting");
  }
  if (o.metric != CohortMetric::kConversion && !o.convert_to.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("convert_to applies only to the conversion metric, not ",
                                                   CohortMetricName(o.metric)));
  }
  if (o.metric == CohortMetric::kConversion && !o.activity_event.empty()) {
    return absl::InvalidArgumentError("activity_event applies only to the retention and revenue metrics");
  }
  if (o.metric != CohortMetric::kRevenue && o.cumulative) {
    return absl::InvalidArgumentError(absl::StrCat("cumulative applies only to the revenue metric, not ",
                                                   CohortMetricName(o.metric)));
  }
  return absl::OkStatus();
}

// A RecordSource over a span of events built in code.
class SpanSource final : public RecordSource<v1::Event> {
 public:
  explicit SpanSource(absl::Span<const v1::Event> events) : events_(events) {}
  const v1::Event* Next(RecordPosition* position) override {
    if (next_ >= events_.size()) return nullptr;
    *position = RecordPosition{next_, 0};
    return &events_[next_++];
  }
  const std::vector<RecordError>& parse_errors() const override { return no_errors_; }
  absl::Status status() const override { return absl::OkStatus(); }
  size_t size_hint() const override { return events_.size(); }

 private:
  absl::Span<const v1::Event> events_;
  size_t next_ = 0;
  std::vector<RecordError> no_errors_;
};

}  // namespace

absl::StatusOr<CohortPeriod> ParseCohortPeriod(absl::string_view name) {
  if (name == "day") return CohortPeriod::kDay;
  if (name == "week") return CohortPeriod::kWeek;
  if (name == "month") return CohortPeriod::kMonth;
  if (name == "quarter") return CohortPeriod::kQuarter;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown period \"", name, "\": expected day, week, month or quarter"));
}

absl::string_view CohortPeriodName(CohortPeriod period) {
  switch (period) {
    case CohortPeriod::kDay: return "day";
    case CohortPeriod::kWeek: return "week";
    case CohortPeriod::kMonth: return "month";
    case CohortPeriod::kQuarter: return "quarter";
  }
  return "?";
}

absl::StatusOr<CohortMetric> ParseCohortMetric(absl::string_view name) {
  if (name == "retention") return CohortMetric::kRetention;
  if (name == "conversion") return CohortMetric::kConversion;
  if (name == "revenue") return CohortMetric::kRevenue;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown metric \"", name, "\": expected retention, conversion or revenue"));
}

absl::string_view CohortMetricName(CohortMetric metric) {
  switch (metric) {
    case CohortMetric::kRetention: return "retention";
    case CohortMetric::kConversion: return "conversion";
    case CohortMetric::kRevenue: return "revenue";
  }
  return "?";
}

int64_t PeriodIndex(CohortPeriod period, Micros t) {
  const int64_t day = FloorDiv(t, kMicrosPerDay);
  switch (period) {
    case CohortPeriod::kDay: return day;
    // 1970-01-01 was a Thursday: the week of Monday 1969-12-29 is week 0.
    case CohortPeriod::kWeek: return FloorDiv(day + 3, 7);
    case CohortPeriod::kMonth:
    case CohortPeriod::kQuarter: {
      const absl::CivilDay d = kEpoch + day;
      const int64_t month = static_cast<int64_t>(d.year()) * 12 + (d.month() - 1);
      return period == CohortPeriod::kMonth ? month : FloorDiv(month, 3);
    }
  }
  return 0;
}

std::string PeriodLabel(CohortPeriod period, int64_t index) {
  switch (period) {
    case CohortPeriod::kDay: {
      const absl::CivilDay d = kEpoch + index;
      return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
    }
    case CohortPeriod::kWeek: {
      // An ISO week belongs to the year of its Thursday: Monday is day 7w-3, Thursday day 7w.
      const absl::CivilDay thursday = kEpoch + index * 7;
      const int week = (absl::GetYearDay(thursday) - 1) / 7 + 1;
      return absl::StrFormat("%04d-W%02d", thursday.year(), week);
    }
    case CohortPeriod::kMonth:
      return absl::StrFormat("%04d-%02d", FloorDiv(index, 12), index - FloorDiv(index, 12) * 12 + 1);
    case CohortPeriod::kQuarter:
      return absl::StrFormat("%04d-Q%d", FloorDiv(index, 4), index - FloorDiv(index, 4) * 4 + 1);
  }
  return "";
}

absl::StatusOr<CohortTable> BuildCohortTable(RecordSource<v1::Event>& events, const CohortOptions& options) {
  SALESKIT_RETURN_IF_ERROR(ValidateOptions(options));

  // One pass over the records: validate, de-duplicate by id, keep what the table needs.
  absl::flat_hash_map<std::string, uint32_t> customer_of;
  absl::flat_hash_set<std::string> seen_ids;
  std::vector<CompactEvent> compact;
  compact.reserve(events.size_hint());
  std::vector<RecordError> errors;
  RecordPosition pos;
  while (const v1::Event* e = events.Next(&pos)) {
    auto reject = [&](const char* field, std::string message) {
      errors.push_back(RecordError{pos.index, pos.line, events.binary(), field, std::move(message)});
    };
    if (e->customer_id().empty()) {
      reject("customer_id", "missing customer_id");
      continue;
    }
    if (!e->has_occurred_at()) {
      reject("occurred_at", "missing occurred_at");
      continue;
    }
    if (!internal::IsValidTimestamp(e->occurred_at())) {
      reject("occurred_at", "timestamp out of range");
      continue;
    }
    if (e->has_id() && !seen_ids.insert(e->id()).second) continue;  // a duplicate
    const auto [it, inserted] =
        customer_of.try_emplace(e->customer_id(), static_cast<uint32_t>(customer_of.size()));
    uint8_t flags = 0;
    if (options.cohort_event.empty() || e->type() == options.cohort_event) flags |= kCohortEvent;
    if (options.activity_event.empty() || e->type() == options.activity_event) flags |= kActivityEvent;
    if (!options.convert_to.empty() && e->type() == options.convert_to) flags |= kConvertEvent;
    compact.push_back(CompactEvent{it->second, flags,
                                   PeriodIndex(options.period, internal::FromProto(e->occurred_at())),
                                   e->has_value() ? e->value() : 0.0});
  }
  SALESKIT_RETURN_IF_ERROR(events.status());
  errors.insert(errors.end(), events.parse_errors().begin(), events.parse_errors().end());
  if (!errors.empty()) {
    std::stable_sort(errors.begin(), errors.end(),
                     [](const RecordError& a, const RecordError& b) { return a.index < b.index; });
    return BatchRejected(errors);
  }
  if (compact.empty()) return absl::InvalidArgumentError("no events: the input holds no event records");

  // Each customer's cohort period and first conversion period.
  constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
  const size_t n = customer_of.size();
  std::vector<int64_t> cohort(n, kNever), converted(n, kNever);
  int64_t last = std::numeric_limits<int64_t>::min();
  for (const CompactEvent& e : compact) {
    last = std::max(last, e.period);
    if (e.flags & kCohortEvent) cohort[e.customer] = std::min(cohort[e.customer], e.period);
    if (e.flags & kConvertEvent) converted[e.customer] = std::min(converted[e.customer], e.period);
  }
  std::vector<int64_t> cohorts;
  for (int64_t c : cohort) {
    if (c != kNever) cohorts.push_back(c);
  }
  std::sort(cohorts.begin(), cohorts.end());
  cohorts.erase(std::unique(cohorts.begin(), cohorts.end()), cohorts.end());
  std::vector<int32_t> row_of(n, -1);
  std::vector<int64_t> sizes(cohorts.size(), 0);
  for (size_t c = 0; c < n; ++c) {
    if (cohort[c] == kNever) continue;
    row_of[c] = static_cast<int32_t>(std::lower_bound(cohorts.begin(), cohorts.end(), cohort[c]) - cohorts.begin());
    ++sizes[row_of[c]];
  }

  const int64_t k_count = options.periods;
  std::vector<double> cells(cohorts.size() * k_count, 0.0);
  auto offset = [&](uint32_t customer, int64_t period) { return period - cohort[customer]; };
  bool accumulate = false;
  switch (options.metric) {
    case CohortMetric::kRetention: {
      // A customer counts once per period however many events they had in it.
      std::vector<std::pair<uint32_t, int64_t>> active;
      for (const CompactEvent& e : compact) {
        if (!(e.flags & kActivityEvent) || row_of[e.customer] < 0) continue;
        const int64_t k = offset(e.customer, e.period);
        if (k >= 0 && k < k_count) active.emplace_back(e.customer, k);
      }
      std::sort(active.begin(), active.end());
      active.erase(std::unique(active.begin(), active.end()), active.end());
      for (const auto& [customer, k] : active) cells[row_of[customer] * k_count + k] += 1;
      break;
    }
    case CohortMetric::kConversion:
      // Converting before the cohort period (possible with cohort_event) counts from p0.
      for (size_t c = 0; c < n; ++c) {
        if (row_of[c] < 0 || converted[c] == kNever) continue;
        const int64_t k = std::max<int64_t>(0, converted[c] - cohort[c]);
        if (k < k_count) cells[row_of[c] * k_count + k] += 1;
      }
      accumulate = true;
      break;
    case CohortMetric::kRevenue:
      for (const CompactEvent& e : compact) {
        if (!(e.flags & kActivityEvent) || row_of[e.customer] < 0) continue;
        const int64_t k = offset(e.customer, e.period);
        if (k >= 0 && k < k_count) cells[row_of[e.customer] * k_count + k] += e.value;
      }
      accumulate = options.cumulative;
      break;
  }

  CohortTable table;
  table.period = options.period;
  table.metric = options.metric;
  table.periods = options.periods;
  table.last_period = last;
  table.rows.reserve(cohorts.size());
  for (size_t r = 0; r < cohorts.size(); ++r) {
    CohortRow row;
    row.cohort = cohorts[r];
    row.label = PeriodLabel(options.period, cohorts[r]);
    row.size = sizes[r];
    row.values.resize(k_count);
    double sum = 0;
    for (int64_t k = 0; k < k_count; ++k) {
      if (row.cohort + k > last) break;  // past the end of the data
      const double cell = cells[r * k_count + k];
      sum = accumulate ? sum + cell : cell;
      row.values[k] = sum / static_cast<double>(row.size);
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

absl::StatusOr<CohortTable> BuildCohortTable(absl::Span<const v1::Event> events, const CohortOptions& options) {
  SpanSource source(events);
  return BuildCohortTable(source, options);
}

std::string FormatCohortValue(double value) {
  if (value == 0 || !std::isfinite(value)) return value == 0 ? "0" : "null";
  // The fewest significant digits that read back as the same double.
  char buf[64];
  int digits = 1;
  for (; digits < 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*e", digits - 1, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  std::snprintf(buf, sizeof buf, "%.*e", digits - 1, value);
  const int exponent = std::atoi(std::strchr(buf, 'e') + 1);
  return absl::StrFormat("%.*f", std::max(0, digits - 1 - exponent), value);
}

std::string CohortTableToCsv(const CohortTable& table) {
  std::string out = "cohort,size";
  for (int k = 0; k < table.periods; ++k) absl::StrAppend(&out, ",p", k);
  out += "\n";
  for (const CohortRow& row : table.rows) {
    absl::StrAppend(&out, row.label, ",", row.size);
    for (const auto& v : row.values) {
      out += ",";
      if (v) out += FormatCohortValue(*v);
    }
    out += "\n";
  }
  return out;
}

std::string CohortTableToJson(const CohortTable& table) {
  std::string out = "[";
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const CohortRow& row = table.rows[r];
    absl::StrAppend(&out, r == 0 ? "" : ",", "{\"cohort\":\"", row.label, "\",\"size\":", row.size, ",\"values\":[");
    for (size_t k = 0; k < row.values.size(); ++k) {
      if (k > 0) out += ",";
      out += row.values[k] ? FormatCohortValue(*row.values[k]) : "null";
    }
    out += "]}";
  }
  out += "]\n";
  return out;
}

}  // namespace saleskit
