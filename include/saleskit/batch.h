// Batches of records moving into the engine, and the errors that name them.
#ifndef SALESKIT_BATCH_H_
#define SALESKIT_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace saleskit {

// What is wrong with one record of a batch.
struct RecordError {
  size_t index = 0;        // 0-based position in the batch
  int64_t line = 0;        // see Batch::lines; 0 when unknown
  bool binary = false;     // `line` is a byte offset
  std::string field;       // e.g. "timezone", "attrs.plan"; empty for the whole record
  std::string message;

  // "record 3 (line 4), field \"timezone\": unknown time zone \"Mars/Base\"".
  std::string ToString() const;
};

// Records parsed from one input, with where each one came from: `indices[i]`
// is record i's 0-based position in the input (records that failed to parse
// leave gaps) and `lines[i]` its 1-based line in text input, or its byte
// offset in binary input (`binary` is then true). Both are empty for records
// built in code, where position i is record i.
template <typename Record>
struct Batch {
  std::vector<Record> records;
  std::vector<size_t> indices;
  std::vector<int64_t> lines;
  bool binary = false;

  void Add(Record r, size_t index, int64_t line) {
    records.push_back(std::move(r));
    indices.push_back(index);
    lines.push_back(line);
  }
  size_t IndexOf(size_t i) const { return i < indices.size() ? indices[i] : i; }
  int64_t LineOf(size_t i) const { return i < lines.size() ? lines[i] : 0; }
  // An error about record i, located in its input.
  RecordError ErrorAt(size_t i, std::string field, std::string message) const {
    return RecordError{IndexOf(i), LineOf(i), binary, std::move(field), std::move(message)};
  }
};

// Where a record was found in its input; see Batch.
struct RecordPosition {
  size_t index = 0;
  int64_t line = 0;
};

// A batch of records read one at a time. Parsers implement it over their
// input so a batch never needs to be held in memory as records; the store
// validates and applies each record as it is read (rolling the batch back if
// it must be rejected).
template <typename Record>
class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // The next record that parsed, or nullptr at the end (or after a fatal
  // error). The record is valid until the next call.
  virtual const Record* Next(RecordPosition* position) = 0;
  // Records that failed to parse so far, in input order.
  virtual const std::vector<RecordError>& parse_errors() const = 0;
  // Not OK when reading had to stop (e.g. an unclosed quote, truncated bytes).
  virtual absl::Status status() const = 0;
  // Positions are byte offsets rather than lines.
  virtual bool binary() const { return false; }
  // An upper bound of the records to come, cheap to compute, or 0 if unknown.
  virtual size_t size_hint() const { return 0; }
};

// A RecordSource over the records of a Batch.
template <typename Record>
class BatchSource final : public RecordSource<Record> {
 public:
  explicit BatchSource(const Batch<Record>& batch) : batch_(batch) {}
  const Record* Next(RecordPosition* position) override {
    if (next_ >= batch_.records.size()) return nullptr;
    *position = RecordPosition{batch_.IndexOf(next_), batch_.LineOf(next_)};
    return &batch_.records[next_++];
  }
  const std::vector<RecordError>& parse_errors() const override { return no_errors_; }
  absl::Status status() const override { return absl::OkStatus(); }
  bool binary() const override { return batch_.binary; }
  size_t size_hint() const override { return batch_.records.size(); }

 private:
  const Batch<Record>& batch_;
  size_t next_ = 0;
  std::vector<RecordError> no_errors_;
};

// How a batch with invalid records is handled.
enum class OnInvalid {
  kRejectBatch,  // any invalid record rejects the whole batch; nothing is applied
  kSkipRecord,   // valid records are applied; invalid ones are listed in the report
};

// What to do with an event whose customer_id is not in the store.
enum class UnknownCustomer {
  kError,   // an invalid record
  kSkip,    // counted in LoadReport::skipped_unknown_customer, not applied
  kCreate,  // creates a customer with only the id
};

struct LoadOptions {
  OnInvalid on_invalid = OnInvalid::kRejectBatch;
  UnknownCustomer unknown_customer = UnknownCustomer::kError;
};

// What a load did. In kRejectBatch mode an invalid batch returns an error
// status instead, and nothing is applied.
struct LoadReport {
  size_t received = 0;                  // records in the batch
  size_t inserted = 0;                  // new records (customers, accounts, deals; events applied)
  size_t updated = 0;                   // existing records merged
  size_t duplicates = 0;                // events recognised by id and not counted again
  size_t skipped_unknown_customer = 0;  // events skipped under UnknownCustomer::kSkip
  size_t created_customers = 0;         // customers created under UnknownCustomer::kCreate
  std::vector<RecordError> rejected;    // invalid records (kSkipRecord only)

  LoadReport& operator+=(const LoadReport& other);
};

// An InvalidArgument status for a rejected batch listing the first errors.
absl::Status BatchRejected(absl::Span<const RecordError> errors);

}  // namespace saleskit

#endif  // SALESKIT_BATCH_H_
