#include "saleskit/batch.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace saleskit {

std::string RecordError::ToString() const {
  std::string out = absl::StrCat("record ", index + 1);
  if (line > 0) absl::StrAppend(&out, binary ? " (byte " : " (line ", line, ")");
  if (!field.empty()) absl::StrAppend(&out, ", field \"", field, "\"");
  absl::StrAppend(&out, ": ", message);
  return out;
}

LoadReport& LoadReport::operator+=(const LoadReport& o) {
  received += o.received;
  inserted += o.inserted;
  updated += o.updated;
  duplicates += o.duplicates;
  skipped_unknown_customer += o.skipped_unknown_customer;
  created_customers += o.created_customers;
  rejected.insert(rejected.end(), o.rejected.begin(), o.rejected.end());
  return *this;
}

absl::Status BatchRejected(absl::Span<const RecordError> errors) {
  constexpr size_t kShown = 10;
  std::string msg = absl::StrFormat("batch rejected, nothing applied: %d invalid record%s",
                                    errors.size(), errors.size() == 1 ? "" : "s");
  for (size_t i = 0; i < errors.size() && i < kShown; ++i) {
    absl::StrAppend(&msg, "\n  ", errors[i].ToString());
  }
  if (errors.size() > kShown) absl::StrAppend(&msg, "\n  ... and ", errors.size() - kShown, " more");
  return absl::InvalidArgumentError(msg);
}

}  // namespace saleskit
