#include "saleskit/store/event_windows.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include "test_util.h"

namespace saleskit {
namespace {

constexpr Micros kHour = int64_t{3600} * 1000000;
constexpr Micros kDay = 24 * kHour;
constexpr Micros kNever = std::numeric_limits<Micros>::max();
using Unit = EventWindow::Unit;

Micros UnitMicros(Unit u) { return u == Unit::kDay ? kDay : kHour; }
int32_t UnitOf(Micros t, Unit u) {
  const Micros m = UnitMicros(u);
  return static_cast<int32_t>(t >= 0 ? t / m : -((-t + m - 1) / m));
}

// The promise, spelled out over raw events: an event is kept for a unit while
// every clock position since its Add had it within the longest window on its
// type in that unit; a column counts the kept events whose bucket is in it.
class ReferenceWindows {
 public:
  struct Event {
    int32_t type;
    uint32_t row;
    Micros at;
    double value;
    bool kept[2];  // by unit: day, hour
  };
  struct Column {
    int32_t type;
    EventWindow window;
  };

  int Require(int32_t type, EventWindow w) {
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].type == type && columns_[i].window == w) return static_cast<int>(i);
    }
    int32_t& k = Kept(type, w.unit);
    k = std::max(k, w.length);
    columns_.push_back({type, w});
    return static_cast<int>(columns_.size() - 1);
  }
  void Add(int32_t type, uint32_t row, Micros at, double value) {
    Event e{type, row, at, value, {false, false}};
    for (Unit u : {Unit::kDay, Unit::kHour}) {
      const int32_t k = Kept(type, u);
      e.kept[Index(u)] = k > 0 && UnitOf(at, u) > UnitOf(now_, u) - k;
    }
    events_.push_back(e);
  }
  void PopLast() { events_.pop_back(); }
  void EraseRow(uint32_t row) {
    events_.erase(std::remove_if(events_.begin(), events_.end(), [row](const Event& e) { return e.row == row; }),
                  events_.end());
  }
  void AdvanceTo(Micros now) {
    const bool day = UnitOf(now, Unit::kDay) != UnitOf(now_, Unit::kDay);
    const bool hour = UnitOf(now, Unit::kHour) != UnitOf(now_, Unit::kHour);
    now_ = now;
    for (Event& e : events_) {
      for (Unit u : {Unit::kDay, Unit::kHour}) {
        if (u == Unit::kDay ? !day : !hour) continue;
        e.kept[Index(u)] = e.kept[Index(u)] && UnitOf(e.at, u) > UnitOf(now, u) - Kept(e.type, u);
      }
    }
    events_.erase(std::remove_if(events_.begin(), events_.end(),
                                 [](const Event& e) { return !e.kept[0] && !e.kept[1]; }),
                  events_.end());
  }
  // The column's count and sum at `t` >= now with no new events.
  std::pair<int32_t, double> At(int column, uint32_t row, Micros t) const {
    const Column& c = columns_[column];
    const int32_t cur = UnitOf(t, c.window.unit);
    int32_t count = 0;
    double sum = 0;
    for (const Event& e : events_) {
      if (e.type != c.type || e.row != row || !e.kept[Index(c.window.unit)]) continue;
      const int32_t u = UnitOf(e.at, c.window.unit);
      if (u > cur - c.window.length && u <= cur) {
        ++count;
        sum += e.value;
      }
    }
    return {count, sum};
  }
  // NextChange by its definition.
  Micros NextChange(int column, uint32_t row) const {
    const Column& c = columns_[column];
    const Micros m = UnitMicros(c.window.unit);
    const int32_t cur = UnitOf(now_, c.window.unit);
    Micros next = kNever;
    for (const Event& e : events_) {
      if (e.type != c.type || e.row != row || !e.kept[Index(c.window.unit)]) continue;
      const int32_t u = UnitOf(e.at, c.window.unit);
      if (u > cur) next = std::min(next, u * m);
      if (u > cur - c.window.length && u <= cur) next = std::min(next, (Micros{u} + c.window.length) * m);
    }
    return next;
  }
  Micros now() const { return now_; }
  size_t column_count() const { return columns_.size(); }
  EventWindow column_window(int column) const { return columns_[column].window; }

 private:
  static int Index(Unit u) { return u == Unit::kDay ? 0 : 1; }
  int32_t& Kept(int32_t type, Unit u) {
    if (static_cast<size_t>(type) >= kept_.size()) kept_.resize(type + 1, {0, 0});
    return kept_[type][Index(u)];
  }
  int32_t Kept(int32_t type, Unit u) const {
    return static_cast<size_t>(type) < kept_.size() ? kept_[type][Index(u)] : 0;
  }

  std::vector<std::array<int32_t, 2>> kept_;
  std::vector<Event> events_;
  std::vector<Column> columns_;
  Micros now_ = 0;
};

void ExpectSame(const EventWindows& w, const ReferenceWindows& ref, size_t rows, const std::string& step) {
  REQUIRE(w.column_count() == ref.column_count());
  for (size_t c = 0; c < ref.column_count(); ++c) {
    for (uint32_t row = 0; row < rows; ++row) {
      const auto [count, sum] = ref.At(static_cast<int>(c), row, ref.now());
      INFO(step << " column " << c << " (" << (ref.column_window(c).unit == Unit::kDay ? "days " : "hours ")
                << ref.column_window(c).length << ") row " << row);
      REQUIRE(w.counts(static_cast<int>(c))[row] == count);
      REQUIRE(w.sums(static_cast<int>(c))[row] == sum);  // values are small dyadic numbers: sums are exact
      REQUIRE(w.NextChange(static_cast<int>(c), row) == ref.NextChange(static_cast<int>(c), row));
    }
  }
}

EventWindow RandomWindow(std::mt19937_64& rng) {
  static constexpr int32_t kDays[] = {1, 2, 3, 7, 30};
  static constexpr int32_t kHours[] = {1, 2, 6, 48};
  if (rng() % 2 == 0) return {Unit::kDay, kDays[rng() % 5]};
  return {Unit::kHour, kHours[rng() % 4]};
}

TEST_CASE("window columns and NextChange agree with a model of raw events", "[store][windows][property]") {
  const int iterations = testing::PropertyIterations(40);
  for (int iter = 0; iter < iterations; ++iter) {
    std::mt19937_64 rng(static_cast<uint64_t>(iter) * 7919 + 17);
    // Near the epoch too, so units are negative for some events and clocks.
    const Micros base = (iter % 3 == 0 ? 2 : 20000) * kDay + static_cast<Micros>(rng() % kDay);
    EventWindows w;
    ReferenceWindows ref;
    size_t rows = 1 + rng() % 4;
    w.Resize(rows);
    w.AdvanceTo(base);
    ref.AdvanceTo(base);
    auto random_time = [&] {
      // Mostly around the clock, some far in the past, some in the future.
      const Micros span = (rng() % 4 == 0 ? 40 : 4) * kDay;
      return ref.now() - span + static_cast<Micros>(rng() % static_cast<uint64_t>(span + 3 * kDay));
    };
    auto random_value = [&] { return rng() % 3 == 0 ? 0.0 : static_cast<double>(rng() % 9) * 0.25; };
    const int32_t types = 3;
    for (int step = 0; step < 150; ++step) {
      const int op = static_cast<int>(rng() % 100);
      std::string what;
      if (op < 8) {
        const int32_t type = static_cast<int32_t>(rng() % types);
        const EventWindow win = RandomWindow(rng);
        REQUIRE(w.Require(type, win) == ref.Require(type, win));
        what = "require";
      } else if (op < 50) {  // a batch, kept or rolled back
        std::vector<EventWindows::Undo> undo;
        const int n = 1 + static_cast<int>(rng() % 6);
        for (int i = 0; i < n; ++i) {
          const int32_t type = static_cast<int32_t>(rng() % types);
          const uint32_t row = static_cast<uint32_t>(rng() % rows);
          const Micros at = random_time();
          const double v = random_value();
          w.Add(type, row, at, v, &undo);
          ref.Add(type, row, at, v);
        }
        if (rng() % 3 == 0) {
          for (auto it = undo.rbegin(); it != undo.rend(); ++it) w.Rollback(*it);
          for (int i = 0; i < n; ++i) ref.PopLast();
          what = "rolled-back batch";
        } else {
          what = "batch";
        }
      } else if (op < 54) {  // a burst past the one-byte counters, sometimes rolled back
        std::vector<EventWindows::Undo> undo;
        const int32_t type = static_cast<int32_t>(rng() % types);
        const uint32_t row = static_cast<uint32_t>(rng() % rows);
        const Micros at = random_time();
        const int n = 250 + static_cast<int>(rng() % 30);
        for (int i = 0; i < n; ++i) {
          w.Add(type, row, at, 1.0, &undo);
          ref.Add(type, row, at, 1.0);
        }
        if (rng() % 2 == 0) {
          const int back = static_cast<int>(rng() % static_cast<uint64_t>(n));
          for (int i = 0; i < back; ++i) {
            if (!undo.empty()) w.Rollback(undo[undo.size() - 1 - i]);  // none when no window reads the type
            ref.PopLast();
          }
        }
        what = "burst";
      } else if (op < 58) {
        const uint32_t row = static_cast<uint32_t>(rng() % rows);
        w.EraseRow(row);
        ref.EraseRow(row);
        what = "erase";
      } else if (op < 60) {
        rows += 1 + rng() % 2;
        w.Resize(rows);
        what = "resize";
      } else if (op < 70 && ref.column_count() > 0) {  // to just before, or exactly at, a NextChange
        const int c = static_cast<int>(rng() % ref.column_count());
        const uint32_t row = static_cast<uint32_t>(rng() % rows);
        const Micros next = w.NextChange(c, row);
        if (next != kNever) {
          const auto before = ref.At(c, row, ref.now());
          const Micros to = rng() % 2 == 0 ? next - 1 : next;
          w.AdvanceTo(to);
          ref.AdvanceTo(to);
          if (to == next - 1) {
            REQUIRE(w.counts(c)[row] == before.first);
            REQUIRE(w.sums(c)[row] == before.second);
          }
        }
        what = "advance to next change";
      } else {  // the clock: forward by an hour or some, a day or days, or back
        const int kind = static_cast<int>(rng() % 10);
        Micros to = ref.now();
        if (kind < 4) to += static_cast<Micros>(rng() % (3 * kHour));
        else if (kind < 7) to += kDay * static_cast<Micros>(1 + rng() % 3) + static_cast<Micros>(rng() % kHour);
        else if (kind < 8) to += kDay * static_cast<Micros>(20 + rng() % 40);
        else to -= static_cast<Micros>(rng() % (5 * kDay));
        w.AdvanceTo(to);
        ref.AdvanceTo(to);
        what = "advance";
      }
      ExpectSame(w, ref, rows, "iteration " + std::to_string(iter) + " step " + std::to_string(step) + " " + what);
    }
    // With time passing alone, nothing changes before NextChange: scan the
    // reference unit by unit up to it.
    for (size_t c = 0; c < ref.column_count(); ++c) {
      const Unit unit = ref.column_window(static_cast<int>(c)).unit;
      for (uint32_t row = 0; row < rows; ++row) {
        const Micros next = w.NextChange(static_cast<int>(c), row);
        if (next == kNever) continue;  // the reference has no bucket to leave or enter either (checked above)
        const auto now = ref.At(static_cast<int>(c), row, ref.now());
        Micros first_change = kNever;
        for (Micros t = (UnitOf(ref.now(), unit) + Micros{1}) * UnitMicros(unit); t <= next; t += UnitMicros(unit)) {
          if (ref.At(static_cast<int>(c), row, t) != now) {
            first_change = t;
            break;
          }
        }
        REQUIRE(first_change >= next);
      }
    }
  }
}

// After a clock move into another unit a sum column holds the in-order sum of its buckets,
// bit for bit, however the events arrived (a shift recomputes only the rows
// whose sums changed: that must not show). Values that are not dyadic
// fractions make the order of additions visible in the last bits.
TEST_CASE("window sums after a clock move are the in-order sums of the buckets, bit for bit",
          "[store][windows][property]") {
  const int iterations = testing::PropertyIterations(10);
  for (int iter = 0; iter < iterations; ++iter) {
    std::mt19937_64 rng(static_cast<uint64_t>(iter) * 31 + 5);
    const size_t rows = 150;
    // `moved` follows the clock day by day and hour by hour (shifts); `rebuilt`
    // gets the same events, and before each comparison goes back and forth
    // over more than its rings hold, which recomputes every sum from the buckets.
    EventWindows moved, rebuilt;
    Micros now = 20000 * kDay + static_cast<Micros>(rng() % kDay);
    std::vector<int> columns;
    for (EventWindows* w : {&moved, &rebuilt}) {
      w->Resize(rows);
      w->AdvanceTo(now);
      columns = {w->Require(0, {Unit::kDay, 7}), w->Require(0, {Unit::kDay, 30}), w->Require(1, {Unit::kHour, 6}),
                 w->Require(1, {Unit::kDay, 3})};
    }
    for (int step = 0; step < 60; ++step) {
      for (int i = 0; i < 200; ++i) {
        const int32_t type = static_cast<int32_t>(rng() % 2);
        const uint32_t row = static_cast<uint32_t>(rng() % 40);  // many events per row
        const Micros at = now - static_cast<Micros>(rng() % (10 * kDay)) + static_cast<Micros>(rng() % kDay);
        const double value = 0.1 * static_cast<double>(1 + rng() % 97);
        moved.Add(type, row, at, value, nullptr);
        rebuilt.Add(type, row, at, value, nullptr);
      }
      const Micros before = now;
      now += step % 3 == 0 ? kDay : static_cast<Micros>(1 + rng() % 5) * kHour;
      moved.AdvanceTo(now);
      rebuilt.AdvanceTo(now - 60 * kDay);
      rebuilt.AdvanceTo(now);
      for (int c : columns) {
        // Between unit boundaries a sum is the running sum of the events added.
        const Unit unit = moved.column_window(c).unit;
        if (UnitOf(before, unit) == UnitOf(now, unit)) continue;
        for (uint32_t row = 0; row < rows; ++row) {
          INFO("iteration " << iter << " step " << step << " column " << c << " row " << row);
          REQUIRE(moved.counts(c)[row] == rebuilt.counts(c)[row]);
          REQUIRE(moved.sums(c)[row] == rebuilt.sums(c)[row]);
        }
      }
    }
  }
}

TEST_CASE("a bucket of hundreds of events leaves the window whole", "[store][windows]") {
  EventWindows w;
  w.Resize(2);
  const Micros now = 20000 * kDay + 10 * kHour;
  w.AdvanceTo(now);
  const int col = w.Require(0, {Unit::kDay, 2});
  for (int i = 0; i < 1000; ++i) w.Add(0, 1, now - kDay, 0.5, nullptr);
  w.Add(0, 1, now, 2.0, nullptr);
  CHECK(w.counts(col)[1] == 1001);
  CHECK(w.sums(col)[1] == 502.0);
  CHECK(w.NextChange(col, 1) == 20001 * kDay);
  w.AdvanceTo(now + kDay);
  CHECK(w.counts(col)[1] == 1);
  CHECK(w.sums(col)[1] == 2.0);
  CHECK(w.NextChange(col, 1) == 20002 * kDay);
  CHECK(w.counts(col)[0] == 0);
  CHECK(w.NextChange(col, 0) == kNever);
}

TEST_CASE("events later than the clock enter the window when it reaches them", "[store][windows]") {
  EventWindows w;
  w.Resize(1);
  const Micros now = 20000 * kDay;
  w.AdvanceTo(now);
  const int hours = w.Require(0, {Unit::kHour, 6});
  const int days = w.Require(0, {Unit::kDay, 7});
  w.Add(0, 0, now + 3 * kDay + 5 * kHour, 1.0, nullptr);
  CHECK(w.counts(days)[0] == 0);
  CHECK(w.NextChange(days, 0) == now + 3 * kDay);
  CHECK(w.NextChange(hours, 0) == now + 3 * kDay + 5 * kHour);
  w.AdvanceTo(now + 3 * kDay + 5 * kHour - 1);
  CHECK(w.counts(days)[0] == 1);
  CHECK(w.counts(hours)[0] == 0);
  w.AdvanceTo(now + 3 * kDay + 5 * kHour);
  CHECK(w.counts(hours)[0] == 1);
  CHECK(w.NextChange(hours, 0) == now + 3 * kDay + 11 * kHour);
  // Back before the event: it is future again, not lost.
  w.AdvanceTo(now);
  CHECK(w.counts(days)[0] == 0);
  CHECK(w.counts(hours)[0] == 0);
  w.AdvanceTo(now + 4 * kDay);
  CHECK(w.counts(days)[0] == 1);
}

TEST_CASE("a days(30) count window costs at most 64 bytes per customer", "[store][windows]") {
  // 100 events per customer per month, the product's memory floor.
  constexpr uint32_t kRows = 2000;
  EventWindows w;
  w.Resize(kRows);
  Micros now = 20000 * kDay;
  w.AdvanceTo(now);
  w.Require(0, {Unit::kDay, 30});
  std::mt19937_64 rng(1);
  std::poisson_distribution<int> per_day(100.0 / 30.44);
  for (int day = 0; day < 90; ++day) {
    now += kDay;
    w.AdvanceTo(now + kDay - 1);
    for (uint32_t row = 0; row < kRows; ++row) {
      for (int n = per_day(rng); n > 0; --n) w.Add(0, row, now + static_cast<Micros>(rng() % kDay), 0, nullptr);
    }
  }
  CHECK(w.MemoryBytes() / kRows <= 64);
}

}  // namespace
}  // namespace saleskit
