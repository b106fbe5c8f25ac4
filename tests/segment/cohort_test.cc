#include "saleskit/segment/cohort.h"

#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "catch2/catch.hpp"
#include "saleskit/io/readers.h"

namespace saleskit {
namespace {

Micros At(const char* text) { return *ParseTimestamp(text); }

absl::StatusOr<CohortTable> FromCsv(const std::string& csv, const CohortOptions& options) {
  auto source = OpenSource<v1::Event>(csv, Format::kCsv);
  if (!source.ok()) return source.status();
  return BuildCohortTable(**source, options);
}

CohortOptions Monthly(CohortMetric metric, int periods) {
  CohortOptions o;
  o.period = CohortPeriod::kMonth;
  o.metric = metric;
  o.periods = periods;
  return o;
}

TEST_CASE("cohort labels: ISO weeks belong to the year of their Thursday", "[cohort]") {
  auto week = [](const char* t) { return PeriodLabel(CohortPeriod::kWeek, PeriodIndex(CohortPeriod::kWeek, At(t))); };
  CHECK(week("2021-01-03") == "2020-W53");  // a Sunday
  CHECK(week("2021-01-04") == "2021-W01");  // the next Monday
  CHECK(week("2019-12-30") == "2020-W01");
  CHECK(week("2008-12-29") == "2009-W01");
  CHECK(week("2010-01-03T23:59:59Z") == "2009-W53");
  CHECK(week("1997-01-31") == "1997-W05");
  CHECK(week("1969-12-29") == "1970-W01");  // before the epoch
  CHECK(week("1969-12-28T23:59:59Z") == "1969-W52");
  // Monday starts the week: Sunday and the following Monday are consecutive periods.
  CHECK(PeriodIndex(CohortPeriod::kWeek, At("2024-03-11")) == PeriodIndex(CohortPeriod::kWeek, At("2024-03-10")) + 1);
  CHECK(PeriodIndex(CohortPeriod::kWeek, At("2024-03-17T23:59:59Z")) ==
        PeriodIndex(CohortPeriod::kWeek, At("2024-03-11")));
}

TEST_CASE("cohort labels: every day 1965-2035 agrees with strftime (%Y-%m-%d, %G-W%V, months, quarters)",
          "[cohort]") {
  for (int64_t day = -1826; day < 24107; ++day) {
    const time_t secs = static_cast<time_t>(day) * 86400 + 43200;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char date[32], iso[32];
    std::strftime(date, sizeof date, "%Y-%m-%d", &tm);
    std::strftime(iso, sizeof iso, "%G-W%V", &tm);
    const Micros t = static_cast<Micros>(secs) * 1000000;
    INFO(date);
    REQUIRE(PeriodLabel(CohortPeriod::kDay, PeriodIndex(CohortPeriod::kDay, t)) == date);
    REQUIRE(PeriodLabel(CohortPeriod::kWeek, PeriodIndex(CohortPeriod::kWeek, t)) == iso);
    REQUIRE(PeriodLabel(CohortPeriod::kMonth, PeriodIndex(CohortPeriod::kMonth, t)) == std::string(date, 7));
    REQUIRE(PeriodLabel(CohortPeriod::kQuarter, PeriodIndex(CohortPeriod::kQuarter, t)) ==
            absl::StrCat(std::string(date, 4), "-Q", tm.tm_mon / 3 + 1));
  }
}

TEST_CASE("cohort labels: quarters and months at their edges", "[cohort]") {
  auto quarter = [](const char* t) {
    return PeriodLabel(CohortPeriod::kQuarter, PeriodIndex(CohortPeriod::kQuarter, At(t)));
  };
  CHECK(quarter("1997-03-31T23:59:59Z") == "1997-Q1");
  CHECK(quarter("1997-04-01") == "1997-Q2");
  CHECK(quarter("1997-12-31T23:59:59Z") == "1997-Q4");
  CHECK(quarter("1998-01-01") == "1998-Q1");
  CHECK(quarter("1969-12-31") == "1969-Q4");
  CHECK(PeriodLabel(CohortPeriod::kMonth, PeriodIndex(CohortPeriod::kMonth, At("1997-01-31T23:59:59Z"))) == "1997-01");
  CHECK(PeriodLabel(CohortPeriod::kDay, PeriodIndex(CohortPeriod::kDay, At("1997-01-31T23:59:59Z"))) == "1997-01-31");
  // UTC: an offset moves the event to the UTC day.
  CHECK(PeriodLabel(CohortPeriod::kDay, PeriodIndex(CohortPeriod::kDay, At("1997-02-01T01:00:00+02:00"))) ==
        "1997-01-31");
}

TEST_CASE("cohort values are written exactly, never in exponent notation", "[cohort]") {
  CHECK(FormatCohortValue(0) == "0");
  CHECK(FormatCohortValue(1) == "1");
  CHECK(FormatCohortValue(0.5) == "0.5");
  CHECK(FormatCohortValue(0.1) == "0.1");
  CHECK(FormatCohortValue(1.0 / 3) == "0.3333333333333333");
  CHECK(FormatCohortValue(1e-7) == "0.0000001");
  CHECK(FormatCohortValue(12345.5) == "12345.5");
  CHECK(FormatCohortValue(1e21) == "1000000000000000000000");
  for (double v : {2.0 / 7, 123.456789, 1e-9 / 3, 98765.4321}) CHECK(std::stod(FormatCohortValue(v)) == v);
}

// c1 joins in January and comes back in February; c2 visits once in January;
// c3 joins in February, the month of the last event.
constexpr char kSmall[] =
    "customer_id,occurred_at,type,value\n"
    "c1,2024-01-05T10:00:00Z,purchase,10\n"
    "c2,2024-01-20,visit,\n"
    "c1,2024-02-10,purchase,5\n"
    "c3,2024-02-01,purchase,7\n";

TEST_CASE("cohort table: cells past the end of the data are empty in CSV and null in JSON", "[cohort]") {
  auto table = FromCsv(kSmall, Monthly(CohortMetric::kRetention, 3));
  REQUIRE(table.ok());
  CHECK(CohortTableToCsv(*table) == "cohort,size,p0,p1,p2\n2024-01,2,1,0.5,\n2024-02,1,1,,\n");
  CHECK(CohortTableToJson(*table) ==
        "[{\"cohort\":\"2024-01\",\"size\":2,\"values\":[1,0.5,null]},"
        "{\"cohort\":\"2024-02\",\"size\":1,\"values\":[1,null,null]}]\n");
  // The last period is February: a table of one period has no empty cell.
  auto one = FromCsv(kSmall, Monthly(CohortMetric::kRetention, 1));
  REQUIRE(one.ok());
  CHECK(CohortTableToCsv(*one) == "cohort,size,p0\n2024-01,2,1\n2024-02,1,1\n");
}

TEST_CASE("cohort table: revenue per cohort customer, per period or cumulative", "[cohort]") {
  auto revenue = FromCsv(kSmall, Monthly(CohortMetric::kRevenue, 3));
  REQUIRE(revenue.ok());
  CHECK(CohortTableToCsv(*revenue) == "cohort,size,p0,p1,p2\n2024-01,2,5,2.5,\n2024-02,1,7,,\n");
  CohortOptions cumulative = Monthly(CohortMetric::kRevenue, 3);
  cumulative.cumulative = true;
  auto total = FromCsv(kSmall, cumulative);
  REQUIRE(total.ok());
  CHECK(CohortTableToCsv(*total) == "cohort,size,p0,p1,p2\n2024-01,2,5,7.5,\n2024-02,1,7,,\n");
}

TEST_CASE("cohort table: cohort, activity and conversion event types", "[cohort]") {
  // Cohorts by first purchase: c2 never purchased and is in no cohort.
  CohortOptions by_purchase = Monthly(CohortMetric::kRetention, 2);
  by_purchase.cohort_event = "purchase";
  auto t = FromCsv(kSmall, by_purchase);
  REQUIRE(t.ok());
  CHECK(CohortTableToCsv(*t) == "cohort,size,p0,p1\n2024-01,1,1,1\n2024-02,1,1,\n");
  // Retention counting only visits.
  CohortOptions visits = Monthly(CohortMetric::kRetention, 2);
  visits.activity_event = "visit";
  t = FromCsv(kSmall, visits);
  REQUIRE(t.ok());
  CHECK(CohortTableToCsv(*t) == "cohort,size,p0,p1\n2024-01,2,0.5,0\n2024-02,1,0,\n");
  // Conversion is cumulative; converting before joining the cohort counts from p0.
  CohortOptions convert = Monthly(CohortMetric::kConversion, 2);
  convert.convert_to = "visit";
  convert.cohort_event = "purchase";
  const std::string csv = absl::StrCat(kSmall, "c3,2024-01-31,visit,\nc1,2024-02-20,visit,\n");
  t = FromCsv(csv, convert);
  REQUIRE(t.ok());
  CHECK(CohortTableToCsv(*t) == "cohort,size,p0,p1\n2024-01,1,0,1\n2024-02,1,1,\n");
}

TEST_CASE("cohort table: events with an id count once, rows without one all count", "[cohort]") {
  const std::string csv =
      "customer_id,occurred_at,type,value,id,properties.sku\n"
      "c1,2024-01-05,purchase,10,e1,a\n"
      "c1,2024-01-05,purchase,10,e1,a\n"
      "c1,2024-01-06,purchase,4,,b\n"
      "c1,2024-01-06,purchase,4,,b\n";
  auto t = FromCsv(csv, Monthly(CohortMetric::kRevenue, 1));
  REQUIRE(t.ok());
  CHECK(CohortTableToCsv(*t) == "cohort,size,p0\n2024-01,1,18\n");
}

TEST_CASE("cohort table: bad options and bad input say what is wrong", "[cohort]") {
  auto periods = FromCsv(kSmall, Monthly(CohortMetric::kRetention, 0));
  REQUIRE_FALSE(periods.ok());
  CHECK(std::string(periods.status().message()).find("periods must be between 1 and") != std::string::npos);
  auto conversion = FromCsv(kSmall, Monthly(CohortMetric::kConversion, 3));
  REQUIRE_FALSE(conversion.ok());
  CHECK(std::string(conversion.status().message()).find("conversion metric needs convert_to") != std::string::npos);
  CHECK(ParseCohortPeriod("fortnight").status().message() ==
        "unknown period \"fortnight\": expected day, week, month or quarter");
  CHECK(ParseCohortMetric("ltv").status().message() ==
        "unknown metric \"ltv\": expected retention, conversion or revenue");
  auto empty = FromCsv("customer_id,occurred_at,type,value\n", Monthly(CohortMetric::kRetention, 3));
  REQUIRE_FALSE(empty.ok());
  CHECK(std::string(empty.status().message()).find("no events") != std::string::npos);
  CHECK_FALSE(BuildCohortTable(absl::Span<const v1::Event>(), Monthly(CohortMetric::kRetention, 3)).ok());
  auto bad = FromCsv(
      "customer_id,occurred_at,type,value\nc1,,purchase,1\nc2,2024-01-01,purchase,lots\n,2024-01-01,purchase,1\n",
      Monthly(CohortMetric::kRetention, 3));
  REQUIRE_FALSE(bad.ok());
  const std::string message(bad.status().message());
  INFO(message);
  CHECK(message.find("3 invalid records") != std::string::npos);
  CHECK(message.find("(line 2), field \"occurred_at\": missing occurred_at") != std::string::npos);
  CHECK(message.find("(line 3), field \"value\"") != std::string::npos);
  CHECK(message.find("(line 4), field \"customer_id\": missing customer_id") != std::string::npos);
}

// ------------------------------------------------------------------ CDNOW

struct Purchase {
  std::string customer;
  int year, month, day;
  int cds;
  double dollars;
  std::string dollars_text;
};

std::vector<Purchase> ReadCdnow() {
  std::ifstream in(absl::StrCat(SALESKIT_SHARED_DATA_DIR, "/cdnow/CDNOW_master.txt"));
  REQUIRE(in);
  std::vector<Purchase> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> f = absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (f.empty()) continue;
    REQUIRE(f.size() == 4);
    REQUIRE(f[1].size() == 8);
    Purchase p;
    p.customer = f[0];
    p.year = std::stoi(f[1].substr(0, 4));
    p.month = std::stoi(f[1].substr(4, 2));
    p.day = std::stoi(f[1].substr(6, 2));
    p.cds = std::stoi(f[2]);
    REQUIRE(absl::SimpleAtod(f[3], &p.dollars));
    p.dollars_text = f[3];
    out.push_back(p);
  }
  return out;
}

// Each purchase of 3 or more CDs is a "bulk_purchase", the rest "purchase".
std::string CdnowEventsCsv(const std::vector<Purchase>& purchases) {
  std::string csv = "customer_id,occurred_at,type,value\n";
  for (const Purchase& p : purchases) {
    absl::StrAppend(&csv, p.customer, ",", absl::StrFormat("%04d-%02d-%02d", p.year, p.month, p.day), ",",
                    p.cds >= 3 ? "bulk_purchase" : "purchase", ",", p.dollars_text, "\n");
  }
  return csv;
}

TEST_CASE("cohort table: CDNOW monthly retention, revenue and conversion match a direct count", "[cohort][cdnow]") {
  const std::vector<Purchase> purchases = ReadCdnow();
  REQUIRE(purchases.size() == 69659);
  const std::string csv = CdnowEventsCsv(purchases);

  // The direct computation: months numbered year*12+month, straight from the dates.
  std::map<std::string, int> first_month, first_bulk;
  int last_month = 0;
  for (const Purchase& p : purchases) {
    const int m = p.year * 12 + p.month - 1;
    last_month = std::max(last_month, m);
    auto it = first_month.find(p.customer);
    if (it == first_month.end() || m < it->second) first_month[p.customer] = m;
    if (p.cds >= 3) {
      auto b = first_bulk.find(p.customer);
      if (b == first_bulk.end() || m < b->second) first_bulk[p.customer] = m;
    }
  }
  REQUIRE(first_month.size() == 23570);
  std::map<int, int> size;
  for (const auto& [c, m] : first_month) ++size[m];
  REQUIRE(size.size() == 3);  // Q1 1997 acquisitions only
  constexpr int K = 20;       // 18 months of data: some cells are past the end
  std::map<int, std::vector<std::set<std::string>>> active;
  std::map<int, std::vector<double>> dollars;
  for (const auto& [m, n] : size) {
    active[m].resize(K);
    dollars[m].assign(K, 0.0);
  }
  for (const Purchase& p : purchases) {
    const int cohort = first_month[p.customer];
    const int k = p.year * 12 + p.month - 1 - cohort;
    if (k >= K) continue;
    active[cohort][k].insert(p.customer);
    dollars[cohort][k] += p.dollars;
  }
  auto label = [](int m) { return absl::StrFormat("%04d-%02d", m / 12, m % 12 + 1); };

  for (CohortMetric metric : {CohortMetric::kRetention, CohortMetric::kRevenue, CohortMetric::kConversion}) {
    for (bool cumulative : {false, true}) {
      if (cumulative && metric != CohortMetric::kRevenue) continue;
      CohortOptions options = Monthly(metric, K);
      options.cumulative = cumulative;
      if (metric == CohortMetric::kConversion) options.convert_to = "bulk_purchase";
      auto table = FromCsv(csv, options);
      REQUIRE(table.ok());
      INFO(CohortMetricName(metric) << (cumulative ? " cumulative" : ""));
      REQUIRE(table->rows.size() == size.size());
      size_t r = 0;
      for (const auto& [m, n] : size) {
        const CohortRow& row = table->rows[r++];
        CHECK(row.label == label(m));
        CHECK(row.size == n);
        REQUIRE(row.values.size() == K);
        double running = 0;
        for (int k = 0; k < K; ++k) {
          INFO(row.label << " p" << k);
          if (m + k > last_month) {
            CHECK_FALSE(row.values[k].has_value());
            continue;
          }
          REQUIRE(row.values[k].has_value());
          double expected = 0;
          if (metric == CohortMetric::kRetention) {
            expected = static_cast<double>(active[m][k].size()) / n;
          } else if (metric == CohortMetric::kRevenue) {
            running = cumulative ? running + dollars[m][k] : dollars[m][k];
            expected = running / n;
          } else {
            int converted = 0;
            for (const auto& [c, b] : first_bulk) converted += first_month[c] == m && b <= m + k;
            expected = static_cast<double>(converted) / n;
          }
          CHECK(*row.values[k] == Approx(expected).epsilon(1e-12));
        }
      }
    }
  }
}

TEST_CASE("cohort table: CDNOW sizes by quarter, and retention p0 is 1", "[cohort][cdnow]") {
  const std::string csv = CdnowEventsCsv(ReadCdnow());
  CohortOptions options;
  options.period = CohortPeriod::kQuarter;
  options.periods = 8;
  auto table = FromCsv(csv, options);
  REQUIRE(table.ok());
  CHECK(CohortTableToCsv(*table).substr(0, 45) == "cohort,size,p0,p1,p2,p3,p4,p5,p6,p7\n1997-Q1,2");
  REQUIRE(table->rows.size() == 1);
  CHECK(table->rows[0].size == 23570);
  CHECK(*table->rows[0].values[0] == 1.0);
  CHECK(table->rows[0].values[5].has_value());  // 1998-Q2, the last quarter of data
  CHECK_FALSE(table->rows[0].values[6].has_value());
}

}  // namespace
}  // namespace saleskit
