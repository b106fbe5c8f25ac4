// The inputs of training from history as the C API and the Python module
// take them: record buffers in any reader format and the options as JSON
// (docs/c_api.md, saleskit_model_train_history). One parser, so that both
// surfaces accept the same keys and give the same messages.
#ifndef SALESKIT_SRC_INTERNAL_HISTORY_INPUT_H_
#define SALESKIT_SRC_INTERNAL_HISTORY_INPUT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "saleskit/io/readers.h"
#include "saleskit/score/history.h"
#include "saleskit/score/predictive.h"

namespace saleskit::internal {

// Parses every record of `data` into `out` (appending). Any record that does
// not parse is an InvalidArgument naming it: "customers: batch rejected,
// nothing applied: 1 invalid record\n  record 2 (line 3), field ...".
template <typename Record>
absl::Status ReadHistoryRecords(absl::string_view what, absl::string_view data, Format format,
                                const ReadOptions& read, std::vector<Record>* out);

struct HistoryTraining {
  HistoryOptions history;
  TrainOptions train;
};

// Parses the options JSON object:
//   {"reference": "2026-01-31T00:00:00Z", "horizon_days": 30,
//    "stage": "marketing_qualified", "stage_event_type": "lifecycle_stage_changed",
//    "won_deal": false, "features": [["visits_30d", "events.count(\"visit\", days(30))"], ...],
//    "playbook": {...saleskit.v1.Playbook JSON...},
//    "test_fraction": 0.2, "seed": 42, "l2": 1.0, "class_weight": "balanced", "min_level_count": 10}
// "features" may also be an object {name: expression} (features in name
// order) or an array of {"name", "expression"} objects. "reference" and
// "features" are required, and a stage or "won_deal": true. InvalidArgument
// naming the key otherwise.
absl::StatusOr<HistoryTraining> ParseHistoryOptionsJson(absl::string_view json);

// The training report of saleskit_model_train:
// {"train_rows":..,"test_rows":..,"encoded_columns":..,"held_out":{...},"warnings":[...]}
std::string TrainReportJson(const TrainResult& result);

}  // namespace saleskit::internal

#endif  // SALESKIT_SRC_INTERNAL_HISTORY_INPUT_H_
