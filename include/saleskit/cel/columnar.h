// The columnar back end: a customer condition evaluated over every customer
// of a store at once, reading the store's columns (dictionary codes,
// validity bitmaps, window columns) 64 rows per machine word.
//
// CEL's three-valued logic is kept exactly: every node yields two bitmaps,
// the rows where it is true and the rows where it is false; a row in neither
// is an error (e.g. comparing a never-set field), which absorbs into && and ||
// exactly as the row evaluator does. Nodes that cannot be vectorised (string
// functions, comprehensions, ...) run the row evaluator for each live row, so
// every condition can be planned; the result always equals the row
// evaluator's (property-tested).
#ifndef SALESKIT_CEL_COLUMNAR_H_
#define SALESKIT_CEL_COLUMNAR_H_

#include <memory>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "saleskit/cel/customer.h"
#include "saleskit/cel/program.h"
#include "saleskit/store/columns.h"
#include "saleskit/store/customer_store.h"

namespace saleskit::cel {

class ColumnarNode;  // internal

// Immutable after planning; Evaluate may run concurrently on unchanging stores.
class ColumnarCondition {
 public:
  // Plans a checked customer condition (from CompileCustomerCondition).
  static std::unique_ptr<ColumnarCondition> Plan(std::shared_ptr<const Program> program);
  ~ColumnarCondition();

  struct Result {
    Bitmap matched;    // the condition is true
    Bitmap unmatched;  // the condition is false; live rows in neither are errors
  };
  // Evaluates over every live row of `store` at `now`. The store must keep
  // the program's windows (CustomerStore::RequireWindow); in_segment() reads
  // `segments` (every row an error without them).
  Result Evaluate(const CustomerStore& store, absl::Time now, const SegmentMembership* segments = nullptr) const;

  // Evaluates several conditions over every live row block by block (8192
  // rows), so that the columns they share are read from memory once, not once
  // per condition. (*results)[i] receives conditions[i]'s result. A
  // condition may read, through in_segment() and `segments`, the result
  // bitmaps of the conditions before it: each block is finished for every
  // condition in order before the next block starts.
  static void EvaluateAll(absl::Span<const ColumnarCondition* const> conditions, const CustomerStore& store,
                          absl::Time now, const SegmentMembership* segments, std::vector<Result>* results);

  // Decides one live row with the same plan (the compiled row path: column
  // reads, no CEL values built): true, false, or nullopt for an error. Only
  // the nodes that run the row evaluator allocate.
  std::optional<bool> EvaluateRow(const CustomerStore& store, uint32_t row, absl::Time now,
                                  const SegmentMembership* segments = nullptr) const;

  // Nodes planned as column scans and nodes that run the row evaluator.
  int vectorised_nodes() const { return vectorised_; }
  int fallback_nodes() const { return fallback_; }

 private:
  ColumnarCondition() = default;
  std::shared_ptr<const Program> program_;
  std::unique_ptr<ColumnarNode> root_;
  int vectorised_ = 0;
  int fallback_ = 0;
  int scratch_levels_ = 0;  // nesting depth of && / ||: bitmap scratch per level
};

}  // namespace saleskit::cel

#endif  // SALESKIT_CEL_COLUMNAR_H_
