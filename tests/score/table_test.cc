// Tables for predictive scoring: column kinds from CSV, missing values, and
// the bad numbers (NaN, infinities) that must be errors naming where they are.
#include "saleskit/score/table.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace saleskit {
namespace {

using Catch::Matchers::Contains;

TEST_CASE("CSV columns are numeric when every value is a number, else categorical", "[table]") {
  auto table = ReadTableCsv("id;age;job;score\n\"a1\";30;\"admin.\";1.5\n\"a2\";;\"\";-2\nb3;41;student;3e2\n");
  REQUIRE(table.ok());
  CHECK(table->rows() == 3);
  const TableColumn* age = table->Find("age");
  REQUIRE(age != nullptr);
  CHECK(age->is_numeric());
  CHECK(age->numbers[0] == 30);
  CHECK(std::isnan(age->numbers[1]));
  CHECK(age->IsMissing(1));
  CHECK(age->ValueText(2) == "41");
  const TableColumn* job = table->Find("job");
  REQUIRE(job != nullptr);
  CHECK_FALSE(job->is_numeric());
  CHECK(job->IsMissing(1));
  CHECK(job->ValueText(2) == "student");
  CHECK(table->Find("score")->numbers[2] == 300);
  CHECK_FALSE(table->Find("id")->is_numeric());
  CHECK(table->RowLabel(1) == "row 1 (line 3)");
  CHECK(table->Find("nope") == nullptr);
}

TEST_CASE("forced categorical and kept columns", "[table]") {
  TableReadOptions options;
  options.categorical = {"zip"};
  options.only = {"zip", "n", "not_in_header"};
  auto table = ReadTableCsv("zip,n,junk\n01234,1,nan\n99999,2,inf\n", options);
  REQUIRE(table.ok());  // "junk" is not kept, so its bad numbers are not looked at
  CHECK(table->columns().size() == 2);
  CHECK(table->Find("zip")->strings[0] == "01234");
  CHECK(table->Find("n")->is_numeric());
  CHECK(table->Find("junk") == nullptr);
}

TEST_CASE("NaN and infinite values in a numeric CSV column are errors naming line and column", "[table]") {
  for (const char* bad : {"nan", "NaN", "inf", "-Infinity", "1e999"}) {
    auto table = ReadTableCsv(std::string("a,b\n1,2\n3,") + bad + "\n");
    INFO(bad);
    REQUIRE_FALSE(table.ok());
    CHECK(table.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(table.status().message()), Contains("line 3, column \"b\"") && Contains(bad));
  }
  // Among words, "nan" is just another category.
  auto words = ReadTableCsv("name\nNan\nBob\n");
  REQUIRE(words.ok());
  CHECK_FALSE(words->Find("name")->is_numeric());
}

TEST_CASE("NaN and infinite values in an in-memory numeric column are errors naming row and column", "[table]") {
  Table table;
  REQUIRE(table.AddNumericColumn("x", std::vector<std::optional<double>>{1.0, std::nullopt, 3.0}).ok());
  CHECK(table.rows() == 3);
  CHECK(table.Find("x")->IsMissing(1));
  const absl::Status nan = table.AddNumericColumn("y", std::vector<std::optional<double>>{1.0, 2.0, std::nan("")});
  CHECK_THAT(std::string(nan.message()), Contains("row 2, column \"y\"") && Contains("not a finite number"));
  const absl::Status inf = table.AddNumericColumn("z", std::vector<std::optional<double>>{HUGE_VAL, 2.0, 3.0});
  CHECK_THAT(std::string(inf.message()), Contains("row 0, column \"z\""));
  CHECK_THAT(std::string(table.AddCategoricalColumn("c", {"a"}).message()), Contains("has 1 values; the table has 3 rows"));
  CHECK_THAT(std::string(table.AddCategoricalColumn("x", {"a", "b", "c"}).message()), Contains("duplicate column \"x\""));
}

TEST_CASE("malformed CSV is an error naming the line", "[table]") {
  auto short_row = ReadTableCsv("a,b\n1,2\n3\n");
  REQUIRE_FALSE(short_row.ok());
  CHECK_THAT(std::string(short_row.status().message()), Contains("line 3"));
  auto duplicate = ReadTableCsv("a,a\n1,2\n");
  REQUIRE_FALSE(duplicate.ok());
  CHECK_THAT(std::string(duplicate.status().message()), Contains("duplicate column \"a\""));
  CHECK_FALSE(ReadTableCsv("").ok());
  auto header_only = ReadTableCsv("a,b\n");
  REQUIRE(header_only.ok());
  CHECK(header_only->rows() == 0);
}

}  // namespace
}  // namespace saleskit
