#include "saleskit/score/table.h"

#include <cmath>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "internal/json.h"
#include "saleskit/io/csv.h"
#include "saleskit/status_macros.h"

namespace saleskit {

bool TableColumn::IsMissing(int64_t row) const {
  return is_numeric() ? std::isnan(numbers[static_cast<size_t>(row)]) : strings[static_cast<size_t>(row)].empty();
}

std::string TableColumn::ValueText(int64_t row) const {
  if (!is_numeric()) return strings[static_cast<size_t>(row)];
  const double v = numbers[static_cast<size_t>(row)];
  if (std::isnan(v)) return "";
  std::string out;
  internal::AppendJsonNumber(v, &out);
  return out;
}

const TableColumn* Table::Find(absl::string_view name) const {
  for (const TableColumn& c : columns_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string Table::RowLabel(int64_t row) const {
  if (row >= 0 && static_cast<size_t>(row) < lines_.size()) {
    return absl::StrCat("row ", row, " (line ", lines_[static_cast<size_t>(row)], ")");
  }
  return absl::StrCat("row ", row);
}

absl::Status Table::CheckNewColumn(const std::string& name, size_t size) const {
  if (name.empty()) return absl::InvalidArgumentError("a column needs a name");
  if (Find(name) != nullptr) return absl::InvalidArgumentError(absl::StrCat("duplicate column \"", name, "\""));
  if (has_rows_ && static_cast<int64_t>(size) != rows_) {
    return absl::InvalidArgumentError(
        absl::StrCat("column \"", name, "\" has ", size, " values; the table has ", rows_, " rows"));
  }
  return absl::OkStatus();
}

absl::Status Table::AddNumericColumn(std::string name, absl::Span<const std::optional<double>> values) {
  SALESKIT_RETURN_IF_ERROR(CheckNewColumn(name, values.size()));
  TableColumn column;
  column.kind = ColumnKind::kNumeric;
  column.numbers.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].has_value() && !std::isfinite(*values[i])) {
      return absl::InvalidArgumentError(absl::StrCat(RowLabel(static_cast<int64_t>(i)), ", column \"", name, "\": ",
                                                     *values[i], " is not a finite number"));
    }
    column.numbers.push_back(values[i].value_or(std::numeric_limits<double>::quiet_NaN()));
  }
  column.name = std::move(name);
  rows_ = static_cast<int64_t>(values.size());
  has_rows_ = true;
  columns_.push_back(std::move(column));
  return absl::OkStatus();
}

absl::Status Table::AddCategoricalColumn(std::string name, std::vector<std::string> values) {
  SALESKIT_RETURN_IF_ERROR(CheckNewColumn(name, values.size()));
  TableColumn column;
  column.kind = ColumnKind::kCategorical;
  column.strings = std::move(values);
  column.name = std::move(name);
  rows_ = static_cast<int64_t>(column.strings.size());
  has_rows_ = true;
  columns_.push_back(std::move(column));
  return absl::OkStatus();
}

absl::StatusOr<Table> ReadTableCsv(absl::string_view text, const TableReadOptions& options) {
  SALESKIT_ASSIGN_OR_RETURN(CsvReader reader, CsvReader::Open(text));
  const std::vector<std::string> header = reader.header();
  absl::flat_hash_set<std::string> seen;
  for (size_t j = 0; j < header.size(); ++j) {
    if (header[j].empty()) {
      return absl::InvalidArgumentError(absl::StrCat("line 1: header cell ", j + 1, " is empty; every column needs a name"));
    }
    if (!seen.insert(header[j]).second) {
      return absl::InvalidArgumentError(absl::StrCat("line 1: duplicate column \"", header[j], "\""));
    }
  }
  const absl::flat_hash_set<std::string> only(options.only.begin(), options.only.end());
  const absl::flat_hash_set<std::string> forced(options.categorical.begin(), options.categorical.end());
  std::vector<size_t> kept;
  for (size_t j = 0; j < header.size(); ++j) {
    if (only.empty() || only.contains(header[j])) kept.push_back(j);
  }
  // Cells are copied once; the kind of each column is decided after all rows are read.
  std::vector<std::vector<std::string>> cells(kept.size());
  std::vector<int64_t> lines;
  std::vector<absl::string_view> row;
  int64_t line = 0;
  while (true) {
    absl::StatusOr<bool> more = reader.Next(&row, &line);
    if (!more.ok()) return more.status();
    if (!*more) break;
    for (size_t k = 0; k < kept.size(); ++k) cells[k].emplace_back(row[kept[k]]);
    lines.push_back(line);
  }
  Table table;
  for (size_t k = 0; k < kept.size(); ++k) {
    const std::string& name = header[kept[k]];
    std::vector<std::string>& column = cells[k];
    // Numeric when every non-empty cell parses; only then are "nan" and
    // "inf" errors (in a column of words they are just more words).
    bool numeric = !forced.contains(name);
    std::vector<std::optional<double>> numbers;
    if (numeric) numbers.reserve(column.size());
    for (size_t i = 0; numeric && i < column.size(); ++i) {
      double v;
      if (column[i].empty()) {
        numbers.emplace_back();
      } else if (absl::SimpleAtod(column[i], &v)) {
        numbers.push_back(v);
      } else {
        numeric = false;
      }
    }
    for (size_t i = 0; numeric && i < numbers.size(); ++i) {
      if (numbers[i].has_value() && !std::isfinite(*numbers[i])) {
        return absl::InvalidArgumentError(absl::StrCat(
            "line ", lines[i], ", column \"", name, "\": \"", column[i],
            "\" is not a finite number (leave the cell empty for a missing value)"));
      }
    }
    if (numeric) {
      SALESKIT_RETURN_IF_ERROR(table.AddNumericColumn(name, numbers));
    } else {
      SALESKIT_RETURN_IF_ERROR(table.AddCategoricalColumn(name, std::move(column)));
    }
  }
  table.SetRowLines(std::move(lines));
  return table;
}

}  // namespace saleskit
