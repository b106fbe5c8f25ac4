// A column table for predictive scoring: the rows a model is trained on,
// evaluated on or scores, with each column either numeric or categorical.
//
// Tables come from CSV text (ReadTableCsv) or are built in memory column by
// column (AddNumericColumn / AddCategoricalColumn), so that features computed
// elsewhere (CEL expressions over the store, a host's own arrays) go through
// the same encoder as a file. A Table is a plain value: copyable, and safe to
// read from several threads once built.
#ifndef SALESKIT_SCORE_TABLE_H_
#define SALESKIT_SCORE_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace saleskit {

enum class ColumnKind { kNumeric, kCategorical };

// One column: `numbers` for a numeric column (NaN = missing; never an
// infinity), `strings` for a categorical one (empty = missing).
struct TableColumn {
  std::string name;
  ColumnKind kind = ColumnKind::kNumeric;
  std::vector<double> numbers;
  std::vector<std::string> strings;

  bool is_numeric() const { return kind == ColumnKind::kNumeric; }
  // True when row `row` has no value.
  bool IsMissing(int64_t row) const;
  // The value of row `row` as text: the string, or the number in its
  // shortest round-trip form; "" when missing.
  std::string ValueText(int64_t row) const;
};

class Table {
 public:
  // An empty table; its row count is set by the first column added.
  Table() = default;

  int64_t rows() const { return rows_; }
  const std::vector<TableColumn>& columns() const { return columns_; }
  // The column named `name`, or nullptr.
  const TableColumn* Find(absl::string_view name) const;

  // Where row `row` came from, for error messages: "row 3 (line 5)" for a
  // row read from CSV, "row 3" for one built in memory (rows count from 0).
  std::string RowLabel(int64_t row) const;

  // Adds a numeric column (nullopt = missing). InvalidArgument when the name
  // is empty or taken, the length differs from the table's rows, or a value
  // is NaN or infinite (naming the row and the column).
  absl::Status AddNumericColumn(std::string name, absl::Span<const std::optional<double>> values);
  // Adds a categorical column ("" = missing). InvalidArgument when the name
  // is empty or taken or the length differs from the table's rows.
  absl::Status AddCategoricalColumn(std::string name, std::vector<std::string> values);

  // For readers: the 1-based source line of each row (same length as rows).
  void SetRowLines(std::vector<int64_t> lines) { lines_ = std::move(lines); }

 private:
  absl::Status CheckNewColumn(const std::string& name, size_t size) const;

  int64_t rows_ = 0;
  bool has_rows_ = false;
  std::vector<TableColumn> columns_;
  std::vector<int64_t> lines_;  // empty when built in memory
};

struct TableReadOptions {
  // Columns read as categorical even when every value is a number (ids, zip
  // codes, a 0/1 target read as labels).
  std::vector<std::string> categorical;
  // When non-empty, only these columns are kept (the others are not typed
  // or checked); names not in the header are ignored here, and reported by
  // whatever needs them.
  std::vector<std::string> only;
};

// Reads CSV text (saleskit's CsvReader: a header row, RFC 4180 quoting, ','
// ';' or tab). A column is numeric when every non-empty cell is a number
// (absl::SimpleAtod syntax), otherwise categorical; empty cells are missing.
// InvalidArgument, naming line and column, for: a row with the wrong number of
// cells, an unclosed quote, a duplicate or empty header name, and a numeric
// column holding "nan", "inf" or a number too large for a double (such values
// are bad input, never silently missing). A header with no data rows gives a
// table with 0 rows.
absl::StatusOr<Table> ReadTableCsv(absl::string_view text, const TableReadOptions& options = {});

}  // namespace saleskit

#endif  // SALESKIT_SCORE_TABLE_H_
