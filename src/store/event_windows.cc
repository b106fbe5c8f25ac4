#include "saleskit/store/event_windows.h"

#include <algorithm>

namespace saleskit {
namespace {

constexpr Micros kMicrosPerHour = int64_t{3600} * 1000000;
constexpr Micros kMicrosPerDay = 24 * kMicrosPerHour;

int32_t FloorDiv(Micros t, Micros unit) {
  Micros q = t / unit;
  if (t % unit != 0 && t < 0) --q;
  return static_cast<int32_t>(q);
}

Micros UnitMicros(EventWindow::Unit u) { return u == EventWindow::Unit::kDay ? kMicrosPerDay : kMicrosPerHour; }

}  // namespace

Micros EventWindow::length_micros() const { return length * UnitMicros(unit); }

int32_t EventWindows::CurrentUnit(EventWindow::Unit unit) const { return FloorDiv(now_, UnitMicros(unit)); }

void EventWindows::Prune(Buckets& b, int32_t oldest) const {
  size_t drop = 0;
  while (drop < b.size() && b[drop].unit < oldest) ++drop;
  if (drop > 0) b.erase(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(drop));
}

std::optional<int> EventWindows::Find(int32_t type, EventWindow window) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].type == type && columns_[i].window == window) return static_cast<int>(i);
  }
  return std::nullopt;
}

int EventWindows::Require(int32_t type, EventWindow window) {
  if (std::optional<int> existing = Find(type, window)) return *existing;
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

void EventWindows::Resize(size_t rows) {
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

void EventWindows::Add(int32_t type, uint32_t row, Micros at, double value, std::vector<Undo>* undo) {
  if (static_cast<size_t>(type) >= types_.size() || types_[type] == nullptr) return;
  TypeBuckets& tb = *types_[type];
  Undo u{type, row, {}, {}, {}, value};
  auto add = [&](std::vector<Buckets>& lists, int32_t kept, EventWindow::Unit unit, Buckets* saved) {
    if (kept == 0) return;
    const int32_t at_unit = FloorDiv(at, UnitMicros(unit));
    const int32_t oldest = CurrentUnit(unit) - kept + 1;
    if (at_unit < oldest) return;  // older than any window on this type can reach
    Buckets& b = lists[row];
    *saved = b;
    Prune(b, oldest);
    auto it = std::lower_bound(b.begin(), b.end(), at_unit,
                               [](const Bucket& x, int32_t v) { return x.unit < v; });
    if (it == b.end() || it->unit != at_unit) it = b.insert(it, Bucket{at_unit, 0, 0.0});
    ++it->count;
    it->sum += value;
  };
  add(tb.by_day, tb.days, EventWindow::Unit::kDay, &u.days);
  add(tb.by_hour, tb.hours, EventWindow::Unit::kHour, &u.hours);
  for (size_t i = 0; i < columns_.size(); ++i) {
    Column& c = columns_[i];
    if (c.type != type) continue;
    const int32_t at_unit = FloorDiv(at, UnitMicros(c.window.unit));
    const int32_t cur = CurrentUnit(c.window.unit);
    if (at_unit > cur || at_unit <= cur - c.window.length) continue;
    ++c.count[row];
    c.sum[row] += value;
    u.columns.push_back(static_cast<int>(i));
  }
  if (undo != nullptr) undo->push_back(std::move(u));
}

void EventWindows::Rollback(const Undo& u) {
  TypeBuckets& tb = *types_[u.type];
  if (tb.days > 0) tb.by_day[u.row] = u.days;
  if (tb.hours > 0) tb.by_hour[u.row] = u.hours;
  for (int i : u.columns) {
    --columns_[i].count[u.row];
    columns_[i].sum[u.row] -= u.value;
  }
}

void EventWindows::EraseRow(uint32_t row) {
  for (auto& tb : types_) {
    if (tb == nullptr) continue;
    if (tb->days > 0) Buckets().swap(tb->by_day[row]);
    if (tb->hours > 0) Buckets().swap(tb->by_hour[row]);
  }
  for (Column& c : columns_) {
    c.count[row] = 0;
    c.sum[row] = 0;
  }
}

void EventWindows::Recompute(Column& col) {
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

void EventWindows::AdvanceTo(Micros now) {
  const int32_t day = CurrentUnit(EventWindow::Unit::kDay);
  const int32_t hour = CurrentUnit(EventWindow::Unit::kHour);
  now_ = now;
  const bool day_changed = CurrentUnit(EventWindow::Unit::kDay) != day;
  const bool hour_changed = CurrentUnit(EventWindow::Unit::kHour) != hour;
  if (!hour_changed) return;
  for (Column& c : columns_) {
    if (c.window.unit == EventWindow::Unit::kHour || day_changed) Recompute(c);
  }
  // Buckets no window can reach any more go, bounding memory per customer.
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

size_t EventWindows::MemoryBytes() const {
  size_t n = 0;
  for (const auto& tb : types_) {
    if (tb == nullptr) continue;
    for (const Buckets& b : tb->by_day) n += sizeof(Buckets) + b.capacity() * sizeof(Bucket);
    for (const Buckets& b : tb->by_hour) n += sizeof(Buckets) + b.capacity() * sizeof(Bucket);
  }
  for (const Column& c : columns_) n += c.count.capacity() * sizeof(int32_t) + c.sum.capacity() * sizeof(double);
  return n;
}

}  // namespace saleskit
