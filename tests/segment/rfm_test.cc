#include "saleskit/segment/rfm.h"

#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "saleskit/io/readers.h"
#include "saleskit/time.h"

namespace saleskit {
namespace {

constexpr Micros kDay = int64_t{86400} * 1000000;

v1::Event Purchase(const std::string& customer, const std::string& when, double value,
                   const std::string& type = "purchase") {
  v1::Event e;
  e.set_customer_id(customer);
  e.set_type(type);
  const Micros t = *ParseTimestamp(when);
  e.mutable_occurred_at()->set_seconds(t / 1000000);
  e.mutable_occurred_at()->set_nanos(static_cast<int>(t % 1000000) * 1000);
  e.set_value(value);
  return e;
}

RfmOptions At(const std::string& cutoff) {
  RfmOptions o;
  o.cutoff = *ParseRfmCutoff(cutoff);
  return o;
}

std::string ReadFileOrFail(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int64_t DayOf(Micros t) { return static_cast<int64_t>(std::floor(static_cast<double>(t) / kDay)); }

TEST_CASE("rfm: recency, frequency and monetary of a small example, and its CSV and JSON", "[rfm]") {
  const std::vector<v1::Event> events = {
      Purchase("c1", "2024-01-01T09:00:00Z", 10), Purchase("c1", "2024-01-01T17:00:00Z", 5),
      Purchase("c1", "2024-03-01", 20),           Purchase("c2", "2024-02-15", 100),
      Purchase("c3", "2024-03-10", 0, "email_open"),
      Purchase("c3", "2024-04-01", 50),  // after the cutoff: ignored
      Purchase("c2", "2024-03-31T23:59:00Z", 0, "page_view"),
  };
  auto rows = ComputeRfm(events, At("2024-03-31"));
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 2);
  const RfmRow& c1 = (*rows)[0];
  CHECK(c1.customer_id == "c1");
  CHECK(c1.recency_days == 30);
  CHECK(c1.frequency == 2);  // two purchases on 2024-01-01 are one day
  CHECK(c1.monetary == 35);
  const RfmRow& c2 = (*rows)[1];
  CHECK(c2.recency_days == 45);
  CHECK(c2.frequency == 1);
  CHECK(c2.monetary == 100);
  CHECK(RfmToCsv(*rows) ==
        "customer_id,recency_days,frequency,monetary,r,f,m,segment\n"
        "c1,30,2,35,3,3,1,about to sleep\n"
        "c2,45,1,100,1,1,3,lost\n");
  CHECK(RfmToJson(*rows) ==
        "[{\"customer_id\":\"c1\",\"recency_days\":30,\"frequency\":2,\"monetary\":35,\"r\":3,\"f\":3,\"m\":1,"
        "\"segment\":\"about to sleep\"},"
        "{\"customer_id\":\"c2\",\"recency_days\":45,\"frequency\":1,\"monetary\":100,\"r\":1,\"f\":1,\"m\":3,"
        "\"segment\":\"lost\"}]\n");
  CHECK(RfmToJson({}) == "[]\n");

  // Every event is a purchase with "*": c3's email_open and c2's page_view now count.
  RfmOptions all = At("2024-03-31");
  all.purchase_event = "*";
  auto everything = ComputeRfm(events, all);
  REQUIRE(everything.ok());
  REQUIRE(everything->size() == 3);
  CHECK((*everything)[1].recency_days == 0);
  CHECK((*everything)[1].frequency == 2);
  CHECK((*everything)[2].customer_id == "c3");
  CHECK((*everything)[2].recency_days == 21);

  // A cutoff given as an instant excludes the rest of its day.
  RfmOptions instant;
  instant.cutoff = *ParseRfmCutoff("2024-01-01T12:00:00Z");
  auto early = ComputeRfm(events, instant);
  REQUIRE(early.ok());
  REQUIRE(early->size() == 1);
  CHECK((*early)[0].monetary == 10);
  CHECK((*early)[0].recency_days == 0);
}

TEST_CASE("rfm: purchases that share an id count once, sums print without float noise", "[rfm]") {
  std::vector<v1::Event> events = {Purchase("a", "1997-01-01", 29.33), Purchase("a", "1997-01-18", 29.73),
                                   Purchase("a", "1997-01-18", 29.73)};
  events[1].set_id("order-7");
  events[2].set_id("order-7");
  auto rows = ComputeRfm(events, At("1997-09-30"));
  REQUIRE(rows.ok());
  CHECK((*rows)[0].frequency == 2);
  CHECK(RfmToCsv(*rows) == "customer_id,recency_days,frequency,monetary,r,f,m,segment\na,255,2,59.06,1,1,1,lost\n");
}

TEST_CASE("rfm: CDNOW sample agrees with the lifetimes summary (frequency, recency, T)", "[rfm][cdnow]") {
  const std::string dir = std::string(SALESKIT_SHARED_DATA_DIR) + "/cdnow/";
  // CDNOW_sample.txt: master_id sample_id yyyymmdd cds dollars, whitespace-separated.
  std::vector<v1::Event> events;
  double total_to_cutoff = 0;
  for (absl::string_view line : absl::StrSplit(ReadFileOrFail(dir + "CDNOW_sample.txt"), '\n')) {
    std::vector<absl::string_view> f = absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (f.empty()) continue;
    REQUIRE(f.size() == 5);
    int id;
    double dollars;
    REQUIRE(absl::SimpleAtoi(f[1], &id));
    REQUIRE(absl::SimpleAtod(f[4], &dollars));
    const std::string d(f[2]);
    const std::string date = d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2);
    events.push_back(Purchase(std::to_string(id), date, dollars));
    if (date <= "1997-09-30") total_to_cutoff += dollars;
  }
  REQUIRE(events.size() == 6919);
  const RfmOptions options = At("1997-09-30");
  auto rows = ComputeRfm(events, options);
  REQUIRE(rows.ok());
  std::map<std::string, const RfmRow*> by_id;
  double total = 0;
  for (const RfmRow& r : *rows) {
    by_id[r.customer_id] = &r;
    total += r.monetary;
  }
  CHECK(std::abs(total - total_to_cutoff) < 0.01);

  // cdnow_customers_summary.csv: ID,frequency,recency,T with weeks as the unit,
  // rounded to 2 decimals; frequency counts repeat purchase days.
  const int64_t cutoff_day = DayOf(options.cutoff);
  int checked = 0, mismatches = 0;
  bool header = true;
  for (absl::string_view line : absl::StrSplit(ReadFileOrFail(dir + "cdnow_customers_summary.csv"), '\n')) {
    if (header || line.empty()) {
      header = false;
      continue;
    }
    std::vector<std::string> f = absl::StrSplit(absl::StripSuffix(line, "\r"), ',');
    REQUIRE(f.size() == 4);
    int64_t frequency;
    double recency, t;
    REQUIRE(absl::SimpleAtoi(f[1], &frequency));
    REQUIRE(absl::SimpleAtod(f[2], &recency));
    REQUIRE(absl::SimpleAtod(f[3], &t));
    auto it = by_id.find(f[0]);
    REQUIRE(it != by_id.end());
    const RfmRow& row = *it->second;
    const int64_t first = DayOf(row.first_purchase), last = DayOf(row.last_purchase);
    const bool ok = row.frequency - 1 == frequency && std::abs((last - first) / 7.0 - recency) < 0.005 + 1e-9 &&
                    std::abs((cutoff_day - first) / 7.0 - t) < 0.005 + 1e-9 &&
                    row.recency_days == cutoff_day - last;
    if (!ok && ++mismatches <= 5) {
      UNSCOPED_INFO("customer " << f[0] << ": summary " << frequency << "," << recency << "," << t << " vs rfm "
                                << row.frequency << " days, first day " << first << ", last day " << last);
    }
    ++checked;
  }
  CHECK(mismatches == 0);
  CHECK(checked == 2357);
  CHECK(rows->size() == 2357);  // every sample customer first bought in Q1 1997
}

// A small deterministic generator, so the data is the same on every platform.
struct Lcg {
  uint64_t state;
  uint64_t Next(uint64_t bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % bound;
  }
};

TEST_CASE("rfm: quintile scores are balanced, monotone, and break ties by customer id", "[rfm]") {
  for (int n : {1, 2, 4, 5, 7, 10, 99, 1003}) {
    Lcg rng{static_cast<uint64_t>(n)};
    std::vector<v1::Event> events;
    for (int c = 0; c < n; ++c) {
      const int k = 1 + static_cast<int>(rng.Next(4));
      for (int j = 0; j < k; ++j) {
        char date[16];
        std::snprintf(date, sizeof date, "2024-%02d-%02d", 1 + static_cast<int>(rng.Next(12)),
                      1 + static_cast<int>(rng.Next(28)));
        events.push_back(Purchase("cust" + std::to_string(c), date, static_cast<double>(rng.Next(5)) * 10));
      }
    }
    auto rows = ComputeRfm(events, At("2024-12-31"));
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == static_cast<size_t>(n));
    for (int RfmRow::*score : {&RfmRow::r, &RfmRow::f, &RfmRow::m}) {
      std::map<int, int> count;
      for (const RfmRow& row : *rows) ++count[row.*score];
      for (const auto& [s, c] : count) {
        CHECK(s >= 1);
        CHECK(s <= 5);
        CHECK(c >= n / 5);
        CHECK(c <= (n + 4) / 5);
      }
      if (n >= 5) CHECK(count.size() == 5);
    }
    // Better values never score lower; equal values score in id order.
    int violations = 0;
    for (const RfmRow& a : *rows) {
      for (const RfmRow& b : *rows) {
        violations += a.recency_days < b.recency_days && a.r < b.r;
        violations += a.frequency > b.frequency && a.f < b.f;
        violations += a.monetary > b.monetary && a.m < b.m;
        const bool before = a.customer_id < b.customer_id;
        violations += a.recency_days == b.recency_days && before && a.r > b.r;
        violations += a.frequency == b.frequency && before && a.f > b.f;
        violations += a.monetary == b.monetary && before && a.m > b.m;
      }
    }
    CHECK(violations == 0);
    // Deterministic whatever the input order.
    std::vector<v1::Event> reversed(events.rbegin(), events.rend());
    auto again = ComputeRfm(reversed, At("2024-12-31"));
    REQUIRE(again.ok());
    CHECK(RfmToCsv(*again) == RfmToCsv(*rows));
  }

  // All tied: the scores follow id order, 1 + floor(5 i / n).
  std::vector<v1::Event> tied;
  for (const char* id : {"e", "b", "d", "a", "c", "g", "f"}) tied.push_back(Purchase(id, "2024-06-01", 10));
  auto rows = ComputeRfm(tied, At("2024-12-31"));
  REQUIRE(rows.ok());
  const std::vector<int> expected = {1, 1, 2, 3, 3, 4, 5};  // n = 7
  for (size_t i = 0; i < rows->size(); ++i) {
    CHECK((*rows)[i].customer_id == std::string(1, static_cast<char>('a' + i)));
    CHECK((*rows)[i].r == expected[i]);
    CHECK((*rows)[i].f == expected[i]);
    CHECK((*rows)[i].m == expected[i]);
  }
}

TEST_CASE("rfm: the R x FM segment map", "[rfm]") {
  // The table in rfm.h and docs/rfm.md, rows FM 5..1, columns R 1..5.
  const char* table[5][5] = {
      {"cannot lose", "cannot lose", "loyal", "champions", "champions"},
      {"at risk", "at risk", "loyal", "loyal", "champions"},
      {"at risk", "at risk", "need attention", "potential loyalist", "potential loyalist"},
      {"lost", "hibernating", "about to sleep", "potential loyalist", "potential loyalist"},
      {"lost", "hibernating", "about to sleep", "promising", "new"},
  };
  std::set<std::string> names;
  for (int fm = 1; fm <= 5; ++fm) {
    for (int r = 1; r <= 5; ++r) {
      const std::string name(RfmSegmentName(RfmSegmentOf(r, fm)));
      CHECK(name == table[5 - fm][r - 1]);
      names.insert(name);
    }
  }
  CHECK(names.size() == 11);
  // FM is the mean of F and M, halves rounded up.
  std::vector<v1::Event> events;
  for (int c = 0; c < 10; ++c) {
    // Frequency and money both grow with the id; recency is equal, so r follows id order too.
    for (int d = 0; d <= c; ++d) {
      events.push_back(Purchase("k" + std::to_string(c), "2024-01-0" + std::to_string(1 + d % 9), 1));
    }
  }
  auto rows = ComputeRfm(events, At("2024-12-31"));
  REQUIRE(rows.ok());
  for (const RfmRow& row : *rows) CHECK(row.segment == RfmSegmentOf(row.r, (row.f + row.m + 1) / 2));
  CHECK(RfmSegmentName(rows->back().segment) == "champions");
  CHECK(RfmSegmentName(rows->front().segment) == "lost");
}

TEST_CASE("rfm: bad inputs", "[rfm]") {
  SECTION("no events") {
    auto rows = ComputeRfm({}, At("2024-01-01"));
    CHECK(rows.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(rows.status().message() == "no events");
  }
  SECTION("a cutoff before every purchase") {
    auto rows = ComputeRfm({Purchase("a", "2024-02-01", 1), Purchase("b", "2024-01-15T10:00:00Z", 1)},
                           At("2023-12-31"));
    CHECK(rows.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(rows.status().message()) ==
          "the cutoff 2023-12-31T23:59:59.999999Z is before every purchase (the first is at 2024-01-15T10:00:00Z)");
  }
  SECTION("no event of the purchase type") {
    auto rows = ComputeRfm({Purchase("a", "2024-02-01", 1, "email_open")}, At("2024-12-31"));
    CHECK(rows.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(rows.status().message()).find("no event has type \"purchase\"") != std::string::npos);
  }
  SECTION("a purchase without a customer") {
    auto rows = ComputeRfm({Purchase("a", "2024-02-01", 1), Purchase("", "2024-02-03", 1)}, At("2024-12-31"));
    CHECK(rows.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(rows.status().message()) ==
          "event 2 (purchase at 2024-02-03T00:00:00Z): the customer_id is empty");
  }
  SECTION("a bad cutoff") {
    CHECK_FALSE(ParseRfmCutoff("1997-13-01").ok());
    CHECK_FALSE(ParseRfmCutoff("soon").ok());
    CHECK(*ParseRfmCutoff("1997-09-30") == *ParseTimestamp("1997-10-01") - 1);
    CHECK(*ParseRfmCutoff("1997-09-30T12:00:00Z") == *ParseTimestamp("1997-09-30T12:00:00Z"));
  }
  SECTION("a bad date in the events CSV names the line and field") {
    auto read = ReadRecords<v1::Event>(
        "customer_id,occurred_at,type,value\na,2024-01-01,purchase,3\nb,2024-02-30,purchase,4\n", Format::kCsv);
    REQUIRE(read.ok());
    REQUIRE(read->errors.size() == 1);
    CHECK(read->errors[0].line == 3);
    CHECK(read->errors[0].field == "occurred_at");
  }
}

}  // namespace
}  // namespace saleskit
