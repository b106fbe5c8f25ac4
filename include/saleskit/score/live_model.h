// A predictive model bound to an engine: its features' CEL expressions
// (recorded when it was trained from history, score/history.h) compiled
// against the engine's customers, so that every customer can be scored at the
// engine clock (docs/predictive.md, "Scoring live customers").
//
// Batch scoring reads the store column by column in blocks of rows: a
// feature that is a string field or the lifecycle stage is a lookup of its
// dictionary code, a numeric field or an event window count or sum is a
// multiply-add, and any other expression is evaluated row by row (correct,
// slower). The result equals scoring a table of the same feature values with
// Predict() (up to the order of floating-point additions).
#ifndef SALESKIT_SCORE_LIVE_MODEL_H_
#define SALESKIT_SCORE_LIVE_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "saleskit/score/predictive.h"
#include "saleskit/store/customer_store.h"

namespace saleskit {

class Expression;
namespace cel {
class SegmentMembership;
}

class LiveModel {
 public:
  // The expressions must be the model's features' (in features() order),
  // compiled by the engine the model will score (Engine::BindModel does this).
  LiveModel(PredictiveModel model, std::vector<std::shared_ptr<const Expression>> features);
  ~LiveModel();
  const PredictiveModel& model() const { return model_; }

  // P(positive) for every store row (NaN for rows without a customer), into
  // `*out` (resized; its memory is reused from call to call).
  void ScoreAll(const CustomerStore& store, absl::Time now, const cel::SegmentMembership* segments,
                std::vector<double>* out) const;
  // The features of one customer as a one-row Table (for Explain).
  absl::StatusOr<Table> FeatureRow(const CustomerStore& store, uint32_t row, absl::Time now,
                                   const cel::SegmentMembership* segments) const;
  // How many features are read column-wise (the rest row by row).
  int columnar_features() const;

 private:
  struct Reader;
  PredictiveModel model_;
  std::vector<std::shared_ptr<const Expression>> expressions_;
  std::vector<std::unique_ptr<Reader>> readers_;  // one per feature
};

}  // namespace saleskit

#endif  // SALESKIT_SCORE_LIVE_MODEL_H_
