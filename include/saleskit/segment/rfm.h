// RFM: recency, frequency and monetary value of each customer's purchases at a
// cutoff, scored 1-5 by quintile and named by the customary R x FM segments.
// docs/rfm.md describes the method with an example.
//
// Definitions (all days are UTC calendar days):
// - Purchases are the events whose type is `RfmOptions::purchase_event`
//   ("purchase" by default; "*" takes every event), at or before the cutoff.
//   Events after the cutoff are ignored. Events that share a non-empty `id`
//   count once (the first in input order).
// - recency_days = day of the cutoff - day of the customer's last purchase.
// - frequency    = number of distinct days with a purchase.
// - monetary     = sum of the purchases' `value` (an absent value counts as 0).
// Customers without a purchase at or before the cutoff have no row.
//
// Scoring. For each of R, F and M the n customers are put in rank order from
// worst to best: R by recency_days descending (longest ago first), F by
// frequency ascending, M by monetary ascending; equal values are ordered by
// customer id (byte-wise ascending). The customer at 0-based position i gets
//     score = 1 + floor(5 * i / n),
// so every score 1..5 holds floor(n/5) or ceil(n/5) customers (for n >= 5), and
// 5 is always best: the most recent, the most frequent, the biggest spenders.
// FM = (F + M + 1) / 2 in integer division (the mean of F and M, halves up).
//
// Segments, by R (columns) and FM (rows):
//
//   FM \ R |  1           2            3               4                   5
//   -------+--------------------------------------------------------------------------
//     5    | cannot lose  cannot lose  loyal           champions           champions
//     4    | at risk      at risk      loyal           loyal               champions
//     3    | at risk      at risk      need attention  potential loyalist  potential loyalist
//     2    | lost         hibernating  about to sleep  potential loyalist  potential loyalist
//     1    | lost         hibernating  about to sleep  promising           new
//
// Everything here is deterministic: the same events and options give the same
// rows (sorted by customer id) and the same bytes from the writers.
#ifndef SALESKIT_SEGMENT_RFM_H_
#define SALESKIT_SEGMENT_RFM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "saleskit/time.h"
#include "saleskit/v1/records.pb.h"

namespace saleskit {

struct RfmOptions {
  // Purchases at or before this instant count; recency is measured to its UTC day.
  Micros cutoff = 0;
  // The event type that is a purchase; "*" makes every event a purchase.
  std::string purchase_event = "purchase";
};

enum class RfmSegment {
  kChampions,
  kLoyal,
  kPotentialLoyalist,
  kNew,
  kPromising,
  kNeedAttention,
  kAboutToSleep,
  kAtRisk,
  kCannotLose,
  kHibernating,
  kLost,
};

// "champions", "loyal", "potential loyalist", "new", "promising", "need attention",
// "about to sleep", "at risk", "cannot lose", "hibernating", "lost".
absl::string_view RfmSegmentName(RfmSegment segment);

// The segment of an R score and an FM score, each 1..5 (see the table above).
RfmSegment RfmSegmentOf(int r, int fm);

struct RfmRow {
  std::string customer_id;
  int64_t recency_days = 0;
  int64_t frequency = 0;
  double monetary = 0;
  int r = 0;
  int f = 0;
  int m = 0;
  RfmSegment segment = RfmSegment::kLost;
  // The first and last purchase counted (not written by the writers).
  Micros first_purchase = 0;
  Micros last_purchase = 0;
};

// A cutoff as the CLI takes it: `YYYY-MM-DD` means the end of that UTC day
// (23:59:59.999999), so purchases on the day count; any other ISO 8601 time
// (see ParseTimestamp) is that instant.
absl::StatusOr<Micros> ParseRfmCutoff(absl::string_view text);

// One row per customer with a purchase at or before the cutoff, sorted by
// customer id. InvalidArgument when `events` is empty, when none is a purchase,
// or when the cutoff is before every purchase (the message gives the first).
// O(E + n log n) time for E events and n customers.
absl::StatusOr<std::vector<RfmRow>> ComputeRfm(absl::Span<const v1::Event> events, const RfmOptions& options);

// CSV with the header `customer_id,recency_days,frequency,monetary,r,f,m,segment`;
// monetary with up to 15 significant digits (so 29.33 + 29.73 prints 59.06).
std::string RfmToCsv(absl::Span<const RfmRow> rows);
// A JSON array on one line, of objects with the same keys as the CSV columns
// (monetary null if not finite), then a newline.
std::string RfmToJson(absl::Span<const RfmRow> rows);

}  // namespace saleskit

#endif  // SALESKIT_SEGMENT_RFM_H_
