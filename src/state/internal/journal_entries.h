// Engine inputs as journal entries and back (src/state/engine_state.cc).
#ifndef SALESKIT_SRC_STATE_INTERNAL_JOURNAL_ENTRIES_H_
#define SALESKIT_SRC_STATE_INTERNAL_JOURNAL_ENTRIES_H_

#include <vector>

#include "absl/types/span.h"
#include "saleskit/batch.h"
#include "saleskit/v1/state.pb.h"

namespace saleskit::internal {

void ToEntry(absl::Span<const v1::Customer> records, const LoadOptions& options, v1::JournalEntry* entry);
void ToEntry(absl::Span<const v1::Event> records, const LoadOptions& options, v1::JournalEntry* entry);
void ToEntry(absl::Span<const v1::Account> records, const LoadOptions& options, v1::JournalEntry* entry);
void ToEntry(absl::Span<const v1::Deal> records, const LoadOptions& options, v1::JournalEntry* entry);
LoadOptions FromProto(const v1::BatchOptions& options);

// A RecordSource that keeps a copy of every record it hands out: the parsed
// records of a Load, journaled instead of the raw text.
template <typename Record>
class RecordingSource final : public RecordSource<Record> {
 public:
  explicit RecordingSource(RecordSource<Record>& source) : source_(source) {}
  const Record* Next(RecordPosition* position) override {
    const Record* r = source_.Next(position);
    if (r != nullptr) records_.push_back(*r);
    return r;
  }
  const std::vector<RecordError>& parse_errors() const override { return source_.parse_errors(); }
  absl::Status status() const override { return source_.status(); }
  bool binary() const override { return source_.binary(); }
  size_t size_hint() const override { return source_.size_hint(); }
  const std::vector<Record>& records() const { return records_; }

 private:
  RecordSource<Record>& source_;
  std::vector<Record> records_;
};

}  // namespace saleskit::internal

#endif  // SALESKIT_SRC_STATE_INTERNAL_JOURNAL_ENTRIES_H_
