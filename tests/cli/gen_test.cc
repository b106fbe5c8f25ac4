#include "cli/gen.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/string_view.h"
#include "saleskit/engine.h"
#include "saleskit/io/csv.h"
#include "saleskit/time.h"

namespace saleskit::cli {
namespace {

using Table = std::vector<std::map<std::string, std::string>>;

// Parses CSV text into rows keyed by column name.
Table ReadTable(absl::string_view text) {
  auto reader = CsvReader::Open(text);
  REQUIRE(reader.ok());
  Table rows;
  std::vector<absl::string_view> cells;
  int64_t line = 0;
  while (true) {
    auto more = reader->Next(&cells, &line);
    REQUIRE(more.ok());
    if (!*more) break;
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < cells.size(); ++i) row[reader->header()[i]] = std::string(cells[i]);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string HeaderOf(const std::string& text) { return text.substr(0, text.find('\n')); }

GenOptions SmallOptions() {
  GenOptions options;
  options.customers = 2000;
  options.days = 90;
  options.start = "2026-01-01";
  options.seed = 42;
  return options;
}

const std::map<std::string, std::string>& SmallFiles() {
  static const auto* files = [] {
    auto result = GenerateInMemory(SmallOptions());
    REQUIRE(result.ok());
    return new std::map<std::string, std::string>(*std::move(result));
  }();
  return *files;
}

TEST_CASE("gen: the same options give the same bytes", "[cli][gen]") {
  auto again = GenerateInMemory(SmallOptions());
  REQUIRE(again.ok());
  CHECK(*again == SmallFiles());
}

// FNV-1a, to pin output bytes without storing them.
uint64_t Fingerprint(const std::map<std::string, std::string>& files) {
  uint64_t h = 1469598103934665603ULL;
  for (const auto& [name, text] : files) {
    for (unsigned char c : name + text) h = (h ^ c) * 1099511628211ULL;
  }
  return h;
}

// The bytes must not depend on the compiler, optimisation level, platform or
// date. If the generator is changed on purpose, update the constant (and
// docs/gen.md if the planted process changed).
TEST_CASE("gen: output bytes are pinned", "[cli][gen]") {
  GenOptions options;
  options.customers = 100;
  options.days = 14;
  options.seed = 7;
  auto files = GenerateInMemory(options);
  REQUIRE(files.ok());
  CHECK(Fingerprint(*files) == 0x11c89e2da8bd0e8fULL);
}

TEST_CASE("gen: a different seed gives different data", "[cli][gen]") {
  GenOptions options = SmallOptions();
  options.seed = 43;
  auto other = GenerateInMemory(options);
  REQUIRE(other.ok());
  for (const auto& [name, text] : *other) {
    INFO(name);
    CHECK(text != SmallFiles().at(name));
  }
}

TEST_CASE("gen: the four files have the loader's headers", "[cli][gen]") {
  const auto& files = SmallFiles();
  REQUIRE(files.size() == 4);
  CHECK(HeaderOf(files.at("accounts.csv")) ==
        "id,name,domain,industry,country,employee_count,annual_revenue,owner_id,created_at");
  CHECK(HeaderOf(files.at("customers.csv")) ==
        "id,account_id,email,phone,first_name,last_name,title,company,industry,country,region,timezone,"
        "employee_count,annual_revenue,lifecycle_stage,lead_source,owner_id,created_at,updated_at,tags,"
        "consent.email,consent.email.source,consent.email.at,do_not_contact,attrs.plan_interest,attrs.seats,"
        "attrs.nps,attrs.trial_started");
  CHECK(HeaderOf(files.at("deals.csv")) ==
        "id,account_id,customer_id,name,stage,amount,currency,close_date,status,owner_id,created_at");
  CHECK(HeaderOf(files.at("events.csv")) == "id,customer_id,type,occurred_at,value,properties.url,properties.campaign");
  CHECK(ReadTable(files.at("customers.csv")).size() == 2000);
}

TEST_CASE("gen: references resolve and events lie in the window, in order", "[cli][gen]") {
  const auto& files = SmallFiles();
  std::set<std::string> accounts, customers;
  for (const auto& row : ReadTable(files.at("accounts.csv"))) accounts.insert(row.at("id"));
  for (const auto& row : ReadTable(files.at("customers.csv"))) {
    customers.insert(row.at("id"));
    CHECK(accounts.count(row.at("account_id")) == 1);
  }
  for (const auto& row : ReadTable(files.at("deals.csv"))) {
    CHECK(customers.count(row.at("customer_id")) == 1);
    CHECK(accounts.count(row.at("account_id")) == 1);
  }
  const Micros start = *ParseTimestamp("2026-01-01");
  const Micros end = *ParseTimestamp("2026-04-01");  // 90 days later
  Micros previous = start;
  std::map<std::string, int> copies;
  const Table events = ReadTable(files.at("events.csv"));
  REQUIRE(events.size() > 5000);
  for (const auto& row : events) {
    INFO(row.at("id"));
    CHECK(customers.count(row.at("customer_id")) == 1);
    auto at = ParseTimestamp(row.at("occurred_at"));
    REQUIRE(at.ok());
    CHECK(FormatTimestamp(*at) == row.at("occurred_at"));
    CHECK(*at >= start);
    CHECK(*at < end);
    CHECK(*at >= previous);
    previous = *at;
    CHECK(row.at("value").empty() == (row.at("type") != "purchase"));
    ++copies[row.at("id")];
  }
  // About 0.5% of events arrive twice with the same id.
  size_t duplicated = 0;
  for (const auto& [id, n] : copies) duplicated += n > 1;
  CHECK(duplicated > copies.size() / 1000);
  CHECK(duplicated < copies.size() / 50);
}

TEST_CASE("gen: converted customers engaged more (the planted signal)", "[cli][gen]") {
  const auto& files = SmallFiles();
  std::set<std::string> converted;
  for (const auto& row : ReadTable(files.at("deals.csv"))) {
    if (row.at("status") == "won") converted.insert(row.at("customer_id"));
  }
  std::vector<std::string> ids;
  for (const auto& row : ReadTable(files.at("customers.csv"))) {
    ids.push_back(row.at("id"));
    const std::string& stage = row.at("lifecycle_stage");
    if (stage == "customer" || stage == "evangelist") converted.insert(row.at("id"));
  }
  std::map<std::string, int> engagement;
  std::set<std::string> seen;
  for (const auto& row : ReadTable(files.at("events.csv"))) {
    if (!seen.insert(row.at("id")).second) continue;  // a duplicate delivery
    const std::string& type = row.at("type");
    if (type == "email_open" || type == "email_click" || type == "page_view" || type == "form_submit" ||
        type == "webinar_attended") {
      ++engagement[row.at("customer_id")];
    }
  }
  double converted_sum = 0, rest_sum = 0;
  size_t converted_n = 0, rest_n = 0;
  for (const std::string& id : ids) {
    if (converted.count(id)) {
      converted_sum += engagement[id];
      ++converted_n;
    } else {
      rest_sum += engagement[id];
      ++rest_n;
    }
  }
  REQUIRE(converted_n >= 40);
  REQUIRE(rest_n >= 1000);
  const double ratio = (converted_sum / converted_n) / (rest_sum / rest_n);
  INFO("converted " << converted_n << " customers, engagement ratio " << ratio);
  CHECK(ratio > 1.5);
}

TEST_CASE("gen: the files load into an engine with nothing rejected", "[cli][gen]") {
  const auto& files = SmallFiles();
  auto engine = Engine::Create();
  REQUIRE(engine.ok());
  LoadOptions options;
  options.on_invalid = OnInvalid::kSkipRecord;
  const std::pair<RecordKind, const char*> order[] = {{RecordKind::kAccounts, "accounts.csv"},
                                                      {RecordKind::kCustomers, "customers.csv"},
                                                      {RecordKind::kDeals, "deals.csv"},
                                                      {RecordKind::kEvents, "events.csv"}};
  for (const auto& [kind, name] : order) {
    INFO(name);
    auto report = (*engine)->Load(kind, files.at(name), Format::kCsv, options);
    REQUIRE(report.ok());
    for (const RecordError& e : report->rejected) INFO(e.ToString());
    CHECK(report->rejected.empty());
    CHECK(report->inserted > 0);
    if (kind == RecordKind::kEvents) CHECK(report->duplicates > 0);
  }
  CHECK((*engine)->customer_count() == 2000);
}

TEST_CASE("gen: invalid options are errors naming the option", "[cli][gen]") {
  GenOptions options = SmallOptions();
  options.customers = 0;
  auto r = GenerateInMemory(options);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(r.status().message().find("customers") != absl::string_view::npos);

  options = SmallOptions();
  options.days = 0;
  r = GenerateInMemory(options);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("days") != absl::string_view::npos);

  options = SmallOptions();
  options.start = "next tuesday";
  r = GenerateInMemory(options);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(r.status().message().find("start") != absl::string_view::npos);

  CHECK(Generate(options, "/nonexistent-dir-is-never-created").code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("gen: Generate writes the four files", "[cli][gen]") {
  GenOptions options = SmallOptions();
  options.customers = 50;
  options.days = 7;
  const std::filesystem::path root = std::filesystem::temp_directory_path() / "saleskit_gen_test";
  std::filesystem::remove_all(root);
  const std::string dir = (root / "nested").string();  // created with its parent
  REQUIRE(Generate(options, dir).ok());
  auto expected = GenerateInMemory(options);
  REQUIRE(expected.ok());
  for (const auto& [name, text] : *expected) {
    std::FILE* f = std::fopen((dir + "/" + name).c_str(), "rb");
    REQUIRE(f != nullptr);
    std::string read;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) read.append(buf, n);
    std::fclose(f);
    INFO(name);
    CHECK(read == text);
  }
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace saleskit::cli
