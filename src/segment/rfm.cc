#include "saleskit/segment/rfm.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "internal/json.h"
#include "internal/proto_time.h"
#include "saleskit/io/csv.h"

namespace saleskit {
namespace {

constexpr Micros kMicrosPerDay = int64_t{86400} * 1000000;

// The UTC day number of an instant (day 0 is 1970-01-01), rounding down.
int64_t DayOf(Micros t) { return t >= 0 ? t / kMicrosPerDay : -((-t + kMicrosPerDay - 1) / kMicrosPerDay); }

struct Purchases {
  std::vector<int64_t> days;
  double monetary = 0;
  Micros first = 0;
  Micros last = 0;
};

// Writes score 1 + floor(5 * i / n) at each customer's position i in the order
// that `worse` defines (ties by customer id), into `score`.
template <typename Worse>
void ScoreByRank(std::vector<RfmRow>& rows, Worse worse, int RfmRow::*score) {
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Rows are sorted by id, so index order is id order.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (worse(rows[a], rows[b])) return true;
    if (worse(rows[b], rows[a])) return false;
    return a < b;
  });
  const uint64_t n = rows.size();
  for (uint64_t i = 0; i < n; ++i) rows[order[i]].*score = 1 + static_cast<int>(5 * i / n);
}

// 15 significant digits hide the rounding of sums of decimal amounts.
std::string FormatMoney(double v) { return absl::StrFormat("%.15g", v); }

}  // namespace

absl::string_view RfmSegmentName(RfmSegment segment) {
  switch (segment) {
    case RfmSegment::kChampions: return "champions";
    case RfmSegment::kLoyal: return "loyal";
    case RfmSegment::kPotentialLoyalist: return "potential loyalist";
    case RfmSegment::kNew: return "new";
    case RfmSegment::kPromising: return "promising";
    case RfmSegment::kNeedAttention: return "need attention";
    case RfmSegment::kAboutToSleep: return "about to sleep";
    case RfmSegment::kAtRisk: return "at risk";
    case RfmSegment::kCannotLose: return "cannot lose";
    case RfmSegment::kHibernating: return "hibernating";
    case RfmSegment::kLost: return "lost";
  }
  return "lost";
}

RfmSegment RfmSegmentOf(int r, int fm) {
  using S = RfmSegment;
  // kMap[5 - fm][r - 1]: rows FM 5..1, columns R 1..5, as the table in rfm.h.
  static constexpr S kMap[5][5] = {
      {S::kCannotLose, S::kCannotLose, S::kLoyal, S::kChampions, S::kChampions},
      {S::kAtRisk, S::kAtRisk, S::kLoyal, S::kLoyal, S::kChampions},
      {S::kAtRisk, S::kAtRisk, S::kNeedAttention, S::kPotentialLoyalist, S::kPotentialLoyalist},
      {S::kLost, S::kHibernating, S::kAboutToSleep, S::kPotentialLoyalist, S::kPotentialLoyalist},
      {S::kLost, S::kHibernating, S::kAboutToSleep, S::kPromising, S::kNew},
  };
  r = std::clamp(r, 1, 5);
  fm = std::clamp(fm, 1, 5);
  return kMap[5 - fm][r - 1];
}

absl::StatusOr<Micros> ParseRfmCutoff(absl::string_view text) {
  auto t = ParseTimestamp(text);
  if (!t.ok()) return t.status();
  // A bare date is the whole day: its purchases count.
  if (text.size() == 10) return *t + kMicrosPerDay - 1;
  return *t;
}

absl::StatusOr<std::vector<RfmRow>> ComputeRfm(absl::Span<const v1::Event> events, const RfmOptions& options) {
  if (events.empty()) return absl::InvalidArgumentError("no events");
  const bool every_event = options.purchase_event == "*";
  absl::flat_hash_map<std::string, Purchases> by_customer;
  absl::flat_hash_set<std::string> seen_ids;
  size_t purchases = 0;
  Micros first_purchase = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const v1::Event& e = events[i];
    if (!every_event && e.type() != options.purchase_event) continue;
    if (e.customer_id().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("event ", i + 1, " (", e.type(), " at ",
                                                     FormatTimestamp(internal::FromProto(e.occurred_at())),
                                                     "): the customer_id is empty"));
    }
    const Micros t = internal::FromProto(e.occurred_at());
    if (purchases++ == 0 || t < first_purchase) first_purchase = t;
    if (t > options.cutoff) continue;
    if (e.has_id() && !e.id().empty() && !seen_ids.insert(e.id()).second) continue;
    Purchases& p = by_customer[e.customer_id()];
    if (p.days.empty() || t < p.first) p.first = t;
    if (p.days.empty() || t > p.last) p.last = t;
    p.days.push_back(DayOf(t));
    p.monetary += e.value();
  }
  if (purchases == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no purchases: no event has type \"", options.purchase_event, "\" (choose one with --purchase-event)"));
  }
  if (by_customer.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("the cutoff ", FormatTimestamp(options.cutoff),
                                                   " is before every purchase (the first is at ",
                                                   FormatTimestamp(first_purchase), ")"));
  }
  std::vector<RfmRow> rows;
  rows.reserve(by_customer.size());
  const int64_t cutoff_day = DayOf(options.cutoff);
  for (auto& [id, p] : by_customer) {
    RfmRow row;
    row.customer_id = id;
    std::sort(p.days.begin(), p.days.end());
    row.frequency = std::unique(p.days.begin(), p.days.end()) - p.days.begin();
    row.recency_days = cutoff_day - DayOf(p.last);
    row.monetary = p.monetary;
    row.first_purchase = p.first;
    row.last_purchase = p.last;
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const RfmRow& a, const RfmRow& b) { return a.customer_id < b.customer_id; });
  ScoreByRank(rows, [](const RfmRow& a, const RfmRow& b) { return a.recency_days > b.recency_days; }, &RfmRow::r);
  ScoreByRank(rows, [](const RfmRow& a, const RfmRow& b) { return a.frequency < b.frequency; }, &RfmRow::f);
  ScoreByRank(rows, [](const RfmRow& a, const RfmRow& b) { return a.monetary < b.monetary; }, &RfmRow::m);
  for (RfmRow& row : rows) row.segment = RfmSegmentOf(row.r, (row.f + row.m + 1) / 2);
  return rows;
}

std::string RfmToCsv(absl::Span<const RfmRow> rows) {
  std::string out = "customer_id,recency_days,frequency,monetary,r,f,m,segment\n";
  for (const RfmRow& row : rows) {
    AppendCsvCell(row.customer_id, &out);
    absl::StrAppend(&out, ",", row.recency_days, ",", row.frequency, ",", FormatMoney(row.monetary), ",", row.r, ",",
                    row.f, ",", row.m, ",", RfmSegmentName(row.segment), "\n");
  }
  return out;
}

std::string RfmToJson(absl::Span<const RfmRow> rows) {
  std::string out = "[";
  for (size_t i = 0; i < rows.size(); ++i) {
    const RfmRow& row = rows[i];
    out.append(i == 0 ? "{\"customer_id\":" : ",{\"customer_id\":");
    saleskit::internal::AppendJsonString(row.customer_id, &out);
    const std::string monetary = std::isfinite(row.monetary) ? FormatMoney(row.monetary) : "null";
    absl::StrAppend(&out, ",\"recency_days\":", row.recency_days, ",\"frequency\":", row.frequency,
                    ",\"monetary\":", monetary, ",\"r\":", row.r, ",\"f\":", row.f, ",\"m\":", row.m,
                    ",\"segment\":\"", RfmSegmentName(row.segment), "\"}");
  }
  out.append("]\n");
  return out;
}

}  // namespace saleskit
