// Memory of behaviour windows per customer and tracked window, at the product's
// volume (100 events per customer per month, for two years), for the compact
// EventWindows and, as a peer in the same run, the design it replaced (a vector
// of 16-byte day buckets per customer and type, copied here verbatim except
// that it skips the undo snapshot when no undo is asked for).
//
//   windows_memory_bench [customers=100000] [days=730]
//
// The requirement: at most 64 bytes per customer for a days(30) count window.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "saleskit/store/event_windows.h"

namespace saleskit {
namespace legacy {

constexpr Micros kMicrosPerHour = int64_t{3600} * 1000000;
constexpr Micros kMicrosPerDay = 24 * kMicrosPerHour;

int32_t FloorDiv(Micros t, Micros unit) {
  Micros q = t / unit;
  if (t % unit != 0 && t < 0) --q;
  return static_cast<int32_t>(q);
}

Micros UnitMicros(EventWindow::Unit u) { return u == EventWindow::Unit::kDay ? kMicrosPerDay : kMicrosPerHour; }

// The previous EventWindows (commit 1b7a3c0), undo support elided.
class EventWindows {
 public:
  struct Bucket {
    int32_t unit;
    int32_t count;
    double sum;
  };
  using Buckets = std::vector<Bucket>;

  int Require(int32_t type, EventWindow window) {
    if (static_cast<size_t>(type) >= types_.size()) types_.resize(type + 1);
    if (types_[type] == nullptr) types_[type] = std::make_unique<TypeBuckets>();
    TypeBuckets& tb = *types_[type];
    if (window.unit == EventWindow::Unit::kDay) {
      tb.days = std::max(tb.days, window.length);
      tb.by_day.resize(rows_);
    } else {
      tb.hours = std::max(tb.hours, window.length);
      tb.by_hour.resize(rows_);
    }
    Column col{type, window, std::vector<int32_t>(rows_, 0), std::vector<double>(rows_, 0.0)};
    Recompute(col);
    columns_.push_back(std::move(col));
    return static_cast<int>(columns_.size() - 1);
  }
  void Resize(size_t rows) {
    rows_ = rows;
    for (auto& tb : types_) {
      if (tb == nullptr) continue;
      if (tb->days > 0) tb->by_day.resize(rows);
      if (tb->hours > 0) tb->by_hour.resize(rows);
    }
    for (Column& c : columns_) {
      c.count.resize(rows, 0);
      c.sum.resize(rows, 0.0);
    }
  }
  void Add(int32_t type, uint32_t row, Micros at, double value) {
    if (static_cast<size_t>(type) >= types_.size() || types_[type] == nullptr) return;
    TypeBuckets& tb = *types_[type];
    auto add = [&](std::vector<Buckets>& lists, int32_t kept, EventWindow::Unit unit) {
      if (kept == 0) return;
      const int32_t at_unit = FloorDiv(at, UnitMicros(unit));
      const int32_t oldest = CurrentUnit(unit) - kept + 1;
      if (at_unit < oldest) return;
      Buckets& b = lists[row];
      Prune(b, oldest);
      auto it = std::lower_bound(b.begin(), b.end(), at_unit, [](const Bucket& x, int32_t v) { return x.unit < v; });
      if (it == b.end() || it->unit != at_unit) it = b.insert(it, Bucket{at_unit, 0, 0.0});
      ++it->count;
      it->sum += value;
    };
    add(tb.by_day, tb.days, EventWindow::Unit::kDay);
    add(tb.by_hour, tb.hours, EventWindow::Unit::kHour);
    for (Column& c : columns_) {
      if (c.type != type) continue;
      const int32_t at_unit = FloorDiv(at, UnitMicros(c.window.unit));
      const int32_t cur = CurrentUnit(c.window.unit);
      if (at_unit > cur || at_unit <= cur - c.window.length) continue;
      ++c.count[row];
      c.sum[row] += value;
    }
  }
  void AdvanceTo(Micros now) {
    const int32_t day = CurrentUnit(EventWindow::Unit::kDay);
    const int32_t hour = CurrentUnit(EventWindow::Unit::kHour);
    now_ = now;
    const bool day_changed = CurrentUnit(EventWindow::Unit::kDay) != day;
    const bool hour_changed = CurrentUnit(EventWindow::Unit::kHour) != hour;
    if (!hour_changed) return;
    for (Column& c : columns_) {
      if (c.window.unit == EventWindow::Unit::kHour || day_changed) Recompute(c);
    }
    for (auto& tb : types_) {
      if (tb == nullptr) continue;
      if (day_changed && tb->days > 0) {
        for (Buckets& b : tb->by_day) Prune(b, CurrentUnit(EventWindow::Unit::kDay) - tb->days + 1);
      }
      if (tb->hours > 0) {
        for (Buckets& b : tb->by_hour) Prune(b, CurrentUnit(EventWindow::Unit::kHour) - tb->hours + 1);
      }
    }
  }
  const std::vector<int32_t>& counts(int column) const { return columns_[column].count; }
  const std::vector<double>& sums(int column) const { return columns_[column].sum; }
  size_t MemoryBytes() const {
    size_t n = 0;
    for (const auto& tb : types_) {
      if (tb == nullptr) continue;
      for (const Buckets& b : tb->by_day) n += sizeof(Buckets) + b.capacity() * sizeof(Bucket);
      for (const Buckets& b : tb->by_hour) n += sizeof(Buckets) + b.capacity() * sizeof(Bucket);
    }
    for (const Column& c : columns_) {
      n += c.count.capacity() * sizeof(int32_t) + c.sum.capacity() * sizeof(double);
    }
    return n;
  }

 private:
  struct TypeBuckets {
    int32_t days = 0, hours = 0;
    std::vector<Buckets> by_day, by_hour;
  };
  struct Column {
    int32_t type;
    EventWindow window;
    std::vector<int32_t> count;
    std::vector<double> sum;
  };
  int32_t CurrentUnit(EventWindow::Unit unit) const { return FloorDiv(now_, UnitMicros(unit)); }
  void Prune(Buckets& b, int32_t oldest) const {
    size_t drop = 0;
    while (drop < b.size() && b[drop].unit < oldest) ++drop;
    if (drop > 0) b.erase(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(drop));
  }
  void Recompute(Column& col) {
    const TypeBuckets& tb = *types_[col.type];
    const bool daily = col.window.unit == EventWindow::Unit::kDay;
    const std::vector<Buckets>& lists = daily ? tb.by_day : tb.by_hour;
    const int32_t cur = CurrentUnit(col.window.unit);
    const int32_t first = cur - col.window.length + 1;
    for (size_t row = 0; row < rows_; ++row) {
      int32_t count = 0;
      double sum = 0;
      for (const Bucket& b : lists[row]) {
        if (b.unit < first) continue;
        if (b.unit > cur) break;
        count += b.count;
        sum += b.sum;
      }
      col.count[row] = count;
      col.sum[row] = sum;
    }
  }

  std::vector<std::unique_ptr<TypeBuckets>> types_;
  std::vector<Column> columns_;
  size_t rows_ = 0;
  Micros now_ = 0;
};

}  // namespace legacy

namespace {

struct Config {
  std::string name;
  std::vector<EventWindow> windows;  // all on one event type
  bool values;                       // events carry amounts (sum windows read them)
};

struct Result {
  double new_bytes, old_bytes;  // per customer per tracked window
  bool identical;
  double new_seconds, old_seconds;
};

Result Run(const Config& config, uint32_t customers, int days) {
  constexpr Micros kDay = legacy::kMicrosPerDay;
  EventWindows compact;
  legacy::EventWindows old;
  compact.Resize(customers);
  old.Resize(customers);
  const Micros start = Micros{19000} * kDay;  // 2022-01-08
  compact.AdvanceTo(start);
  old.AdvanceTo(start);
  for (const EventWindow& w : config.windows) {
    compact.Require(0, w);
    old.Require(0, w);
  }
  std::mt19937_64 rng(42);
  std::poisson_distribution<int> per_day(100.0 / 30.44);  // 100 a month
  std::vector<Micros> times;
  std::vector<double> values;
  double new_seconds = 0, old_seconds = 0;
  for (int day = 0; day < days; ++day) {
    const Micros begin = start + day * kDay;
    // The day's events, customer by customer in time order, with the clock at the day's end.
    struct Event {
      uint32_t row;
      Micros at;
      double value;
    };
    std::vector<Event> events;
    for (uint32_t row = 0; row < customers; ++row) {
      times.clear();
      for (int n = per_day(rng); n > 0; --n) times.push_back(begin + static_cast<Micros>(rng() % kDay));
      std::sort(times.begin(), times.end());
      for (Micros t : times) events.push_back({row, t, config.values ? static_cast<double>(1 + rng() % 200) : 0.0});
    }
    auto t0 = std::chrono::steady_clock::now();
    compact.AdvanceTo(begin + kDay - 1);
    for (const Event& e : events) compact.Add(0, e.row, e.at, e.value, nullptr);
    auto t1 = std::chrono::steady_clock::now();
    old.AdvanceTo(begin + kDay - 1);
    for (const Event& e : events) old.Add(0, e.row, e.at, e.value);
    auto t2 = std::chrono::steady_clock::now();
    new_seconds += std::chrono::duration<double>(t1 - t0).count();
    old_seconds += std::chrono::duration<double>(t2 - t1).count();
  }
  bool identical = true;
  for (size_t c = 0; c < config.windows.size(); ++c) {
    identical = identical && compact.counts(static_cast<int>(c)) == old.counts(static_cast<int>(c)) &&
                compact.sums(static_cast<int>(c)) == old.sums(static_cast<int>(c));
  }
  const double per = static_cast<double>(customers) * static_cast<double>(config.windows.size());
  return {static_cast<double>(compact.MemoryBytes()) / per, static_cast<double>(old.MemoryBytes()) / per, identical,
          new_seconds, old_seconds};
}

}  // namespace
}  // namespace saleskit

int main(int argc, char** argv) {
  using saleskit::EventWindow;
  const uint32_t customers = argc > 1 ? static_cast<uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 100000;
  const int days = argc > 2 ? std::atoi(argv[2]) : 730;
  const EventWindow d7{EventWindow::Unit::kDay, 7}, d30{EventWindow::Unit::kDay, 30};
  const EventWindow d90{EventWindow::Unit::kDay, 90}, h48{EventWindow::Unit::kHour, 48};
  const std::vector<saleskit::Config> configs = {
      {"days(30) count", {d30}, false},   {"days(7) count", {d7}, false},
      {"days(90) count", {d90}, false},   {"hours(48) count", {h48}, false},
      {"days(7)+days(30) count", {d7, d30}, false}, {"days(30) with values (sum)", {d30}, true},
  };
  std::printf("windows_memory_bench: %u customers, %d days, Poisson(100/30.44) events per customer per day\n",
              customers, days);
  std::printf("bytes per customer per tracked window, from MemoryBytes() at the end\n\n");
  std::printf("%-28s %10s %10s %8s %10s %9s %9s\n", "configuration", "compact", "old", "old/new", "same cols",
              "compact s", "old s");
  double floor_bytes = 0;
  for (const saleskit::Config& c : configs) {
    const saleskit::Result r = saleskit::Run(c, customers, days);
    if (c.name == "days(30) count") floor_bytes = r.new_bytes;
    std::printf("%-28s %10.1f %10.1f %7.1fx %10s %9.2f %9.2f\n", c.name.c_str(), r.new_bytes, r.old_bytes,
                r.old_bytes / r.new_bytes, r.identical ? "yes" : "NO", r.new_seconds, r.old_seconds);
    std::fflush(stdout);
  }
  const bool met = floor_bytes <= 64.0;
  std::printf("\nfloor: days(30) count window %.1f B per customer, limit 64 B: %s\n", floor_bytes,
              met ? "MET" : "NOT MET");
  return met ? 0 : 1;
}
