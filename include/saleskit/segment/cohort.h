// Acquisition cohort tables: customers grouped by the period (day, ISO week,
// month, quarter; UTC) of their first event, and what each cohort did in the
// periods after it. See docs/cohorts.md.
#ifndef SALESKIT_SEGMENT_COHORT_H_
#define SALESKIT_SEGMENT_COHORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "saleskit/batch.h"
#include "saleskit/time.h"
#include "saleskit/v1/records.pb.h"

namespace saleskit {

// Calendar periods in UTC. Weeks are ISO 8601 weeks (Monday to Sunday), labelled
// by their ISO week-numbering year, so 2021-01-03 (a Sunday) is in 2020-W53.
enum class CohortPeriod { kDay, kWeek, kMonth, kQuarter };

enum class CohortMetric {
  kRetention,   // share of the cohort with an (activity) event in period cohort+k
  kConversion,  // share of the cohort with a `convert_to` event at or before the end of period cohort+k
  kRevenue,     // sum of event values in period cohort+k divided by the cohort size
};

// "day", "week", "month", "quarter"; errors name the valid values.
absl::StatusOr<CohortPeriod> ParseCohortPeriod(absl::string_view name);
absl::string_view CohortPeriodName(CohortPeriod period);
// "retention", "conversion", "revenue"; errors name the valid values.
absl::StatusOr<CohortMetric> ParseCohortMetric(absl::string_view name);
absl::string_view CohortMetricName(CohortMetric metric);

// The index of the period holding `t`: consecutive periods have consecutive
// indices (days and weeks count from the Unix epoch, months and quarters from year 0).
int64_t PeriodIndex(CohortPeriod period, Micros t);
// A period's label: `1997-01-31` (day), `1997-W05` (ISO week), `1997-01` (month), `1997-Q1` (quarter).
std::string PeriodLabel(CohortPeriod period, int64_t index);

struct CohortOptions {
  CohortPeriod period = CohortPeriod::kMonth;
  int periods = 12;  // columns p0..p(periods-1); at least 1
  CohortMetric metric = CohortMetric::kRetention;
  // A customer's cohort is the period of their first event of this type (any
  // type when empty); customers without one are in no cohort.
  std::string cohort_event;
  // Retention and revenue count only events of this type (any type when empty).
  std::string activity_event;
  // Conversion: the event type that counts as converting. Required for conversion.
  std::string convert_to;
  // Revenue: each cell is the sum over periods cohort+0 .. cohort+k.
  bool cumulative = false;
};

// One cohort: the customers whose cohort period is `cohort`.
struct CohortRow {
  int64_t cohort = 0;  // PeriodIndex
  std::string label;   // PeriodLabel
  int64_t size = 0;    // customers in the cohort
  // values[k] for period cohort+k; nullopt past the end of the data.
  std::vector<std::optional<double>> values;
};

// A cohort table, one row per non-empty cohort in period order.
//
// "Past the end of the data": let L be the period of the latest event in the
// input (of any type, after de-duplication). Cell k of cohort c is nullopt
// exactly when c + k > L, i.e. when period c+k starts after the period of the
// last event. A period that the data ends inside (c + k == L) is reported as
// it stands, partial.
struct CohortTable {
  CohortPeriod period = CohortPeriod::kMonth;
  CohortMetric metric = CohortMetric::kRetention;
  int periods = 0;
  int64_t last_period = 0;  // L above
  std::vector<CohortRow> rows;
};

// Builds the table from every record of `events`, in one pass; memory is
// O(events) for the compact (customer, time, flags, value) of each event.
//
// Events with an `id` are counted once per id (the first one read wins; the
// id alone is the identity); events without an id are all counted,
// duplicates included. An absent value counts as 0.
//
// Errors (InvalidArgument): bad options (periods < 1, conversion without
// convert_to, an option that does not apply to the metric); records that
// failed to parse or lack customer_id or occurred_at, each named by record,
// line and field (as BatchRejected); no events at all.
absl::StatusOr<CohortTable> BuildCohortTable(RecordSource<v1::Event>& events, const CohortOptions& options);
absl::StatusOr<CohortTable> BuildCohortTable(absl::Span<const v1::Event> events, const CohortOptions& options);

// CSV: header `cohort,size,p0,...,pK-1`, one line per row; a cell past the end
// of the data is empty. Values are the shortest decimals that read back as the
// same double (so at least as precise as 6 significant digits), never in
// exponent notation.
std::string CohortTableToCsv(const CohortTable& table);
// JSON: [{"cohort":"1997-01","size":7846,"values":[1,0.1,null]}, ...] on one line.
std::string CohortTableToJson(const CohortTable& table);
// A value as written by both writers.
std::string FormatCohortValue(double value);

}  // namespace saleskit

#endif  // SALESKIT_SEGMENT_COHORT_H_
