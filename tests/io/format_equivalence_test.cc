// Property: the same customers written as protobuf, JSON, NDJSON and CSV load
// into identical stores.
#include <map>
#include <random>
#include <string>

#include <catch2/catch.hpp>
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "internal/proto_time.h"
#include "saleskit/io/csv.h"
#include "saleskit/io/readers.h"
#include "saleskit/store/customer_store.h"
#include "test_util.h"

namespace saleskit {
namespace {

constexpr const char* kColumns[] = {"id",         "email",          "first_name",          "company",
                                    "employee_count", "annual_revenue", "lifecycle_stage", "tags",
                                    "do_not_contact", "created_at",   "consent.email",       "consent.email.source",
                                    "attrs.n",    "attrs.s",        "attrs.b",             "attrs.d",
                                    "attrs.t"};

std::string RandomText(std::mt19937_64& rng) {
  // Delimiters, quotes, newlines and non-ASCII: what CSV quoting and JSON escaping must survive.
  static const char* kPieces[] = {"ada", "Grace", ",", "\"", "\n", " ", "ü", "日本", ";", "x", "O'Neil", "\t"};
  std::string out = "v";
  const int n = 1 + static_cast<int>(rng() % 5);
  for (int i = 0; i < n; ++i) out += kPieces[rng() % 12];
  return out;
}

std::vector<v1::Customer> RandomCustomers(std::mt19937_64& rng, int n) {
  std::vector<v1::Customer> out;
  for (int i = 0; i < n; ++i) {
    v1::Customer c;
    c.set_id(absl::StrCat("c", i));
    auto coin = [&] { return rng() % 2 == 0; };
    if (coin()) c.set_email(RandomText(rng));
    if (coin()) c.set_first_name(RandomText(rng));
    if (coin()) c.set_company(RandomText(rng));
    if (coin()) c.set_employee_count(static_cast<int64_t>(rng() % 100000) - 10);
    if (coin()) c.set_annual_revenue(static_cast<double>(rng() % 1000000) / 7.0);
    if (coin()) c.set_lifecycle_stage(static_cast<v1::LifecycleStage>(1 + rng() % 8));
    if (coin()) {
      c.add_tags("t" + std::to_string(rng() % 4));
      c.add_tags("u" + std::to_string(rng() % 4));
    }
    if (coin()) c.set_do_not_contact(coin());
    if (coin()) internal::ToProto(static_cast<Micros>(rng() % 4000000000) * 1000000 + 123456, c.mutable_created_at());
    if (coin()) {
      c.mutable_consent()->mutable_email()->set_status(coin() ? v1::Consent::OPTED_IN : v1::Consent::OPTED_OUT);
      if (coin()) c.mutable_consent()->mutable_email()->set_source(RandomText(rng));
    }
    auto& attrs = *c.mutable_attrs();
    if (coin()) attrs["n"].set_int_value(static_cast<int64_t>(rng()));
    if (coin()) attrs["s"].set_string_value(RandomText(rng));
    if (coin()) attrs["b"].set_bool_value(coin());
    if (coin()) attrs["d"].set_double_value(static_cast<double>(rng() % 1000) / 8.0);
    if (coin()) internal::ToProto(static_cast<Micros>(rng() % 4000000000) * 1000000, attrs["t"].mutable_timestamp_value());
    out.push_back(std::move(c));
  }
  return out;
}

std::string CsvCell(const v1::Customer& c, absl::string_view column) {
  static const char* kStages[] = {"", "subscriber", "lead", "marketing_qualified", "sales_qualified",
                                  "opportunity", "customer", "evangelist", "other"};
  const auto& a = c.attrs();
  if (column == "id") return c.id();
  if (column == "email") return c.has_email() ? c.email() : "";
  if (column == "first_name") return c.has_first_name() ? c.first_name() : "";
  if (column == "company") return c.has_company() ? c.company() : "";
  if (column == "employee_count") return c.has_employee_count() ? absl::StrCat(c.employee_count()) : "";
  if (column == "annual_revenue") return c.has_annual_revenue() ? absl::StrFormat("%.17g", c.annual_revenue()) : "";
  if (column == "lifecycle_stage") return kStages[c.lifecycle_stage()];
  if (column == "tags") return absl::StrJoin(c.tags(), "|");
  if (column == "do_not_contact") return c.has_do_not_contact() ? (c.do_not_contact() ? "true" : "false") : "";
  if (column == "created_at") return c.has_created_at() ? FormatTimestamp(internal::FromProto(c.created_at())) : "";
  if (column == "consent.email") {
    if (!c.consent().has_email()) return "";
    return c.consent().email().status() == v1::Consent::OPTED_IN ? "opted_in" : "opted_out";
  }
  if (column == "consent.email.source") {
    return c.consent().email().has_source() ? c.consent().email().source() : "";
  }
  if (column == "attrs.n") return a.count("n") ? absl::StrCat(a.at("n").int_value()) : "";
  if (column == "attrs.s") return a.count("s") ? a.at("s").string_value() : "";
  if (column == "attrs.b") return a.count("b") ? (a.at("b").bool_value() ? "true" : "false") : "";
  if (column == "attrs.d") return a.count("d") ? absl::StrFormat("%.17g", a.at("d").double_value()) : "";
  if (column == "attrs.t") {
    return a.count("t") ? FormatTimestamp(internal::FromProto(a.at("t").timestamp_value())) : "";
  }
  return "";
}

std::string Dump(const CustomerStore& store) {
  std::map<std::string, std::string> rows;
  for (uint32_t row = 0; row < store.row_capacity(); ++row) {
    if (store.live().Get(row)) rows[std::string(store.IdOf(row))] = ToJson(store.CustomerAt(row));
  }
  std::string out;
  for (const auto& [id, json] : rows) out += json + "\n";
  return out;
}

TEST_CASE("Property: protobuf, JSON, NDJSON and CSV inputs load into identical stores", "[io][property]") {
  const int iterations = testing::PropertyIterations(20);
  ReadOptions csv_options;
  csv_options.attr_types = {{"n", AttrType::kInt}, {"s", AttrType::kString}, {"b", AttrType::kBool},
                            {"d", AttrType::kDouble}, {"t", AttrType::kTimestamp}};
  for (int it = 0; it < iterations; ++it) {
    std::mt19937_64 rng(7000 + it);
    const auto customers = RandomCustomers(rng, 40);
    std::string pb, json = "[", ndjson;
    std::string csv = absl::StrJoin(kColumns, ",") + "\n";
    for (size_t i = 0; i < customers.size(); ++i) {
      AppendDelimited(customers[i], &pb);
      absl::StrAppend(&json, i ? ",\n" : "", ToJson(customers[i]));
      absl::StrAppend(&ndjson, ToJson(customers[i]), "\n");
      for (size_t k = 0; k < std::size(kColumns); ++k) {
        if (k) csv += ',';
        AppendCsvCell(CsvCell(customers[i], kColumns[k]), &csv);
      }
      csv += "\r\n";
    }
    json += "]";
    std::string dumps[4];
    const std::pair<Format, const std::string*> inputs[] = {
        {Format::kProtobuf, &pb}, {Format::kJson, &json}, {Format::kNdjson, &ndjson}, {Format::kCsv, &csv}};
    for (int f = 0; f < 4; ++f) {
      INFO("iteration " << it << ", format " << FormatName(inputs[f].first));
      CustomerStore store;
      auto read = ReadRecords<v1::Customer>(*inputs[f].second, inputs[f].first,
                                            inputs[f].first == Format::kCsv ? csv_options : ReadOptions{});
      REQUIRE(read.ok());
      REQUIRE(read->errors.empty());
      REQUIRE(store.UpsertCustomers(read->batch).ok());
      dumps[f] = Dump(store);
    }
    CHECK(dumps[1] == dumps[0]);
    CHECK(dumps[2] == dumps[0]);
    CHECK(dumps[3] == dumps[0]);
  }
}

}  // namespace
}  // namespace saleskit
