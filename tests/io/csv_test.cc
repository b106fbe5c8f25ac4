#include "saleskit/io/csv.h"

#include <catch2/catch.hpp>

namespace saleskit {
namespace {

std::vector<std::vector<std::string>> ReadAll(absl::string_view text, std::vector<std::string>* errors = nullptr) {
  auto reader = CsvReader::Open(text);
  REQUIRE(reader.ok());
  std::vector<std::vector<std::string>> rows;
  std::vector<absl::string_view> cells;
  int64_t line;
  while (true) {
    auto more = reader->Next(&cells, &line);
    if (!more.ok()) {
      if (errors) errors->emplace_back(more.status().message());
      continue;
    }
    if (!*more) break;
    rows.emplace_back(cells.begin(), cells.end());
  }
  return rows;
}

TEST_CASE("CSV delimiter is detected from the header", "[io][csv]") {
  CHECK(CsvReader::Open("a,b,c\n")->delimiter() == ',');
  CHECK(CsvReader::Open("a;b;c\n")->delimiter() == ';');
  CHECK(CsvReader::Open("a\tb\tc\n")->delimiter() == '\t');
  CHECK(CsvReader::Open("\"a,x\";b\n")->delimiter() == ';');  // quoted commas do not count
}

TEST_CASE("CSV follows RFC 4180 quoting", "[io][csv]") {
  auto rows = ReadAll("id,note\r\n1,\"hello, \"\"world\"\"\"\r\n2,\"two\nlines\"\n\n3,\n");
  REQUIRE(rows.size() == 3);
  CHECK(rows[0][1] == "hello, \"world\"");
  CHECK(rows[1][1] == "two\nlines");
  CHECK(rows[2][1].empty());
}

TEST_CASE("CSV rows with the wrong cell count are errors naming the line", "[io][csv][bad-input]") {
  std::vector<std::string> errors;
  auto rows = ReadAll("a,b\n1,2\n1,2,3\n\"x\ny\"\n4,5\n", &errors);
  CHECK(rows.size() == 2);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0] == "line 3: the row has 3 cells, the header has 2");
  CHECK(errors[1] == "line 4: the row has 1 cells, the header has 2");
}

TEST_CASE("An unclosed quote stops reading with its line", "[io][csv][bad-input]") {
  auto reader = CsvReader::Open("a,b\n1,2\n3,\"never closed\n4,5\n");
  REQUIRE(reader.ok());
  std::vector<absl::string_view> cells;
  int64_t line;
  REQUIRE(*reader->Next(&cells, &line));
  auto bad = reader->Next(&cells, &line);
  REQUIRE_FALSE(bad.ok());
  CHECK(std::string(bad.status().message()).find("line 3: unclosed quote") != std::string::npos);
  CHECK_FALSE(CsvReader::Open("").ok());
}

TEST_CASE("AppendCsvCell quotes only when needed and round-trips", "[io][csv]") {
  std::string out;
  AppendCsvCell("plain", &out);
  out += ',';
  AppendCsvCell("a,\"b\"\nc", &out);
  CHECK(out == "plain,\"a,\"\"b\"\"\nc\"");
  auto rows = ReadAll("x,y\n" + out + "\n");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0][1] == "a,\"b\"\nc");
}

}  // namespace
}  // namespace saleskit

namespace saleskit {
namespace {

TEST_CASE("Many cells with escaped quotes in one row keep their own text", "[io][csv]") {
  // Each "" cell is unescaped into its own buffer; growing the buffers must not move earlier ones.
  std::string header = "c0", row = "\"a\"\"0\"";
  for (int i = 1; i < 40; ++i) {
    header += ",c" + std::to_string(i);
    row += ",\"a\"\"" + std::to_string(i) + "\"";
  }
  auto rows = ReadAll(header + "\n" + row + "\n");
  REQUIRE(rows.size() == 1);
  for (int i = 0; i < 40; ++i) CHECK(rows[0][i] == "a\"" + std::to_string(i));
}

}  // namespace
}  // namespace saleskit
