// Training data from a CRM's own history: what each customer looked like at
// a reference time, and whether they converted within a horizon after it
// (docs/predictive.md, "Training from history").
//
// Point in time: the features are CEL expressions evaluated in a fresh engine
// that has seen only the events dated at or before the reference time, with
// its clock at the reference time. Nothing dated later (events, deals, stage
// changes) can reach a feature; only the outcome reads it. Customer and
// account records are taken as given: pass them as they were at the
// reference time (a field that changes with the outcome, such as the
// lifecycle stage, would leak it).
#ifndef SALESKIT_SCORE_HISTORY_H_
#define SALESKIT_SCORE_HISTORY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "saleskit/score/predictive.h"
#include "saleskit/score/table.h"
#include "saleskit/v1/playbook.pb.h"
#include "saleskit/v1/records.pb.h"

namespace saleskit {

struct HistoryRecords {
  std::vector<v1::Customer> customers;
  std::vector<v1::Account> accounts;
  std::vector<v1::Event> events;
  std::vector<v1::Deal> deals;
};

// A feature: a name (the table column) and a CEL expression about the
// customer (docs/cel.md) giving a number, bool, string or enum.
struct HistoryFeature {
  std::string name;
  std::string expression;
};

struct HistoryOptions {
  absl::Time reference;   // features as of this instant
  absl::Duration horizon = absl::Hours(24 * 30);  // the outcome window: (reference, reference + horizon]
  // The outcome, either or both:
  // - reaching `stage` or a later one, recorded as an event of type
  //   `stage_event_type` whose property "stage" names the stage reached
  //   ("marketing_qualified" or "LIFECYCLE_STAGE_MARKETING_QUALIFIED");
  v1::LifecycleStage stage = v1::LIFECYCLE_STAGE_UNSPECIFIED;
  std::string stage_event_type = "lifecycle_stage_changed";
  // - a won deal closed in the window (the deal's customer, or every
  //   customer of its account).
  bool won_deal = false;
  std::vector<HistoryFeature> features;
  // Event kinds, segments and scores the features may read.
  v1::Playbook playbook;
};

// The name of the outcome column ("yes"/"no") and of the id column.
inline constexpr char kHistoryOutcomeColumn[] = "outcome";
inline constexpr char kHistoryIdColumn[] = "customer_id";

// One row per customer who existed at the reference time (created_at unset
// or not later) and had not converted by then, in id order: customer_id,
// the features, outcome. A feature that errs or is null for a customer is
// missing there; numbers and bools make a numeric column, strings and enums a
// categorical one. InvalidArgument for: no outcome chosen, a non-positive
// horizon, no features, a feature name that is empty, taken or reserved, a
// feature that does not compile (naming it), one mixing numbers and strings,
// a reference time after all data (no event or deal later than it: no
// outcome can be observed), and no customer eligible.
absl::StatusOr<Table> BuildHistoryTable(const HistoryRecords& records, const HistoryOptions& options);

// BuildHistoryTable, then TrainPredictive with target "outcome", positive
// "yes" and customer_id excluded. The model remembers each feature's
// expression (ScoreFeature.expression), so Engine::Predict can score live
// customers with it.
absl::StatusOr<TrainResult> TrainFromHistory(const HistoryRecords& records, const HistoryOptions& options,
                                             TrainOptions train = {});

}  // namespace saleskit

#endif  // SALESKIT_SCORE_HISTORY_H_
