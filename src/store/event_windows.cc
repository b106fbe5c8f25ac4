#include "saleskit/store/event_windows.h"

#include <algorithm>
#include <limits>

#include "state/internal/archive.h"

namespace saleskit {
namespace {

constexpr Micros kMicrosPerHour = int64_t{3600} * 1000000;
constexpr Micros kMicrosPerDay = 24 * kMicrosPerHour;
// A ring byte holding this means the exact count (>= kBig) is in the side table.
constexpr uint8_t kBig = 255;

int32_t FloorDiv(Micros t, Micros unit) {
  Micros q = t / unit;
  if (t % unit != 0 && t < 0) --q;
  return static_cast<int32_t>(q);
}

Micros UnitMicros(EventWindow::Unit u) { return u == EventWindow::Unit::kDay ? kMicrosPerDay : kMicrosPerHour; }

int32_t Mod(int32_t u, int32_t k) {
  const int32_t m = u % k;
  return m < 0 ? m + k : m;
}

uint64_t BigKey(uint32_t row, int32_t unit) { return (uint64_t{row} << 32) | static_cast<uint32_t>(unit); }

// Resizes `v` to exactly `n` entries without std::vector's doubling slack
// (the store already grows its row count by a quarter at a time).
template <typename T>
void ResizeExact(std::vector<T>& v, size_t n) {
  v.reserve(n);
  v.resize(n, T{});
}

}  // namespace

Micros EventWindow::length_micros() const { return length * UnitMicros(unit); }

// ---------------------------------------------------------------- ring

size_t EventWindows::Ring::Slot(uint32_t row, int32_t unit) const {
  return size_t{row} * static_cast<size_t>(length) + static_cast<size_t>(Mod(unit, length));
}

int32_t EventWindows::Ring::Count(uint32_t row, int32_t unit) const {
  const uint8_t c = counts[Slot(row, unit)];
  return c == kBig ? big.at(BigKey(row, unit)) : c;
}

void EventWindows::Ring::SetCount(uint32_t row, int32_t unit, int32_t count) {
  uint8_t& c = counts[Slot(row, unit)];
  if (count >= kBig) {
    c = kBig;
    big[BigKey(row, unit)] = count;
    return;
  }
  if (c == kBig) big.erase(BigKey(row, unit));
  c = static_cast<uint8_t>(count);
}

void EventWindows::Ring::Clear(uint32_t row, int32_t unit) {
  const size_t s = Slot(row, unit);
  if (counts[s] == kBig) big.erase(BigKey(row, unit));
  counts[s] = 0;
  if (!sums.empty()) sums[s] = 0;
}

void EventWindows::Ring::AllocateSums() {
  if (sums.empty()) sums.assign(counts.size(), 0.0);
}

// ---------------------------------------------------------------- windows

int32_t EventWindows::CurrentUnit(EventWindow::Unit unit) const { return FloorDiv(now_, UnitMicros(unit)); }

std::optional<int> EventWindows::Find(int32_t type, EventWindow window) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].type == type && columns_[i].window == window) return static_cast<int>(i);
  }
  return std::nullopt;
}

void EventWindows::Grow(Ring& ring, int32_t length, int32_t cur) {
  Ring grown;
  grown.length = length;
  grown.counts.assign(rows_ * static_cast<size_t>(length), 0);
  if (!ring.sums.empty()) grown.sums.assign(grown.counts.size(), 0.0);
  // Slots follow absolute units, so each kept bucket moves to its new slot.
  for (int32_t u = cur - ring.length + 1; ring.length > 0 && u <= cur; ++u) {
    for (uint32_t row = 0; row < rows_; ++row) {
      const size_t from = ring.Slot(row, u), to = grown.Slot(row, u);
      grown.counts[to] = ring.counts[from];
      if (!ring.sums.empty()) grown.sums[to] = ring.sums[from];
    }
  }
  ring.length = length;
  ring.counts = std::move(grown.counts);
  ring.sums = std::move(grown.sums);
  ring.stale.resize((rows_ + 63) / 64, 0);
}

int EventWindows::Require(int32_t type, EventWindow window) {
  if (std::optional<int> existing = Find(type, window)) return *existing;
  if (static_cast<size_t>(type) >= types_.size()) types_.resize(type + 1);
  if (types_[type] == nullptr) types_[type] = std::make_unique<TypeRings>();
  Ring& ring = RingOf(type, window.unit);
  const int32_t cur = CurrentUnit(window.unit);
  if (ring.length < window.length) Grow(ring, window.length, cur);
  Column col{type, window, std::vector<int32_t>(rows_, 0), std::vector<double>(rows_, 0.0)};
  RecomputeCounts(ring, col, cur);
  RecomputeSums(ring, col, cur);
  columns_.push_back(std::move(col));
  const int id = static_cast<int>(columns_.size() - 1);
  ring.columns.push_back(id);
  return id;
}

void EventWindows::Resize(size_t rows) {
  // Dropped rows first forget their side entries.
  for (size_t row = rows; row < rows_; ++row) EraseRow(static_cast<uint32_t>(row));
  rows_ = rows;
  for (auto& tr : types_) {
    if (tr == nullptr) continue;
    for (Ring* ring : {&tr->day, &tr->hour}) {
      if (ring->length == 0) continue;
      const size_t k = static_cast<size_t>(ring->length);
      ResizeExact(ring->counts, rows * k);
      if (!ring->sums.empty()) ResizeExact(ring->sums, rows * k);
      ResizeExact(ring->stale, (rows + 63) / 64);
      if (rows % 64 != 0) ring->stale.back() &= (uint64_t{1} << (rows % 64)) - 1;  // no bits past the rows
    }
  }
  for (Column& c : columns_) {
    ResizeExact(c.count, rows);
    ResizeExact(c.sum, rows);
  }
}

void EventWindows::Add(int32_t type, uint32_t row, Micros at, double value, std::vector<Undo>* undo) {
  if (static_cast<size_t>(type) >= types_.size() || types_[type] == nullptr) return;
  TypeRings& tr = *types_[type];
  Undo u{type, row, at, value, 0.0, 0.0};
  auto add = [&](Ring& ring, EventWindow::Unit unit, double* saved) {
    if (ring.length == 0) return;
    const int32_t at_unit = FloorDiv(at, UnitMicros(unit));
    const int32_t cur = CurrentUnit(unit);
    if (at_unit <= cur - ring.length) return;  // older than any window on this type can reach
    if (value != 0) ring.AllocateSums();
    if (at_unit > cur) {
      auto [it, inserted] = ring.future.try_emplace({row, at_unit});
      if (inserted) ring.due.insert({at_unit, row});
      *saved = it->second.sum;
      ++it->second.count;
      it->second.sum += value;
      return;
    }
    ring.SetCount(row, at_unit, ring.Count(row, at_unit) + 1);
    if (!ring.sums.empty()) {
      double& s = ring.sums[ring.Slot(row, at_unit)];
      *saved = s;
      s += value;
    }
    ring.stale[row / 64] |= uint64_t{1} << (row % 64);  // the running sums were added to out of order
    for (int i : ring.columns) {
      Column& c = columns_[i];
      if (at_unit <= cur - c.window.length) continue;
      ++c.count[row];
      c.sum[row] += value;
    }
  };
  add(tr.day, EventWindow::Unit::kDay, &u.day_sum);
  add(tr.hour, EventWindow::Unit::kHour, &u.hour_sum);
  if (undo != nullptr) undo->push_back(u);
}

void EventWindows::Rollback(const Undo& u) {
  TypeRings& tr = *types_[u.type];
  auto undo = [&](Ring& ring, EventWindow::Unit unit, double saved) {
    if (ring.length == 0) return;
    const int32_t at_unit = FloorDiv(u.at, UnitMicros(unit));
    const int32_t cur = CurrentUnit(unit);
    if (at_unit <= cur - ring.length) return;
    if (at_unit > cur) {
      auto it = ring.future.find({u.row, at_unit});
      it->second.sum = saved;
      if (--it->second.count == 0) {
        ring.future.erase(it);
        ring.due.erase({at_unit, u.row});
      }
      return;
    }
    ring.SetCount(u.row, at_unit, ring.Count(u.row, at_unit) - 1);
    if (!ring.sums.empty()) ring.sums[ring.Slot(u.row, at_unit)] = saved;
    for (int i : ring.columns) {
      Column& c = columns_[i];
      if (at_unit <= cur - c.window.length) continue;
      --c.count[u.row];
      c.sum[u.row] -= u.value;
    }
  };
  undo(tr.day, EventWindow::Unit::kDay, u.day_sum);
  undo(tr.hour, EventWindow::Unit::kHour, u.hour_sum);
}

void EventWindows::EraseRow(uint32_t row) {
  for (auto& tr : types_) {
    if (tr == nullptr) continue;
    for (Ring* ring : {&tr->day, &tr->hour}) {
      if (ring->length == 0) continue;
      const size_t first = size_t{row} * static_cast<size_t>(ring->length);
      if (!ring->big.empty()) {
        absl::erase_if(ring->big, [row](const auto& kv) { return static_cast<uint32_t>(kv.first >> 32) == row; });
      }
      std::fill_n(ring->counts.begin() + static_cast<std::ptrdiff_t>(first), ring->length, uint8_t{0});
      if (!ring->sums.empty()) {
        std::fill_n(ring->sums.begin() + static_cast<std::ptrdiff_t>(first), ring->length, 0.0);
      }
      auto first_future = ring->future.lower_bound({row, std::numeric_limits<int32_t>::min()});
      auto end_future = ring->future.upper_bound({row, std::numeric_limits<int32_t>::max()});
      for (auto it = first_future; it != end_future; ++it) ring->due.erase({it->first.second, row});
      ring->future.erase(first_future, end_future);
    }
  }
  for (Column& c : columns_) {
    c.count[row] = 0;
    c.sum[row] = 0;
  }
}

void EventWindows::RecomputeCounts(const Ring& ring, Column& col, int32_t cur) {
  const int32_t k = ring.length, n = col.window.length;
  const size_t first = static_cast<size_t>(Mod(cur - n + 1, k));
  for (uint32_t row = 0; row < rows_; ++row) {
    const uint8_t* r = ring.counts.data() + size_t{row} * static_cast<size_t>(k);
    int32_t count = 0;
    bool big = false;
    size_t s = first;
    for (int32_t i = 0; i < n; ++i) {
      count += r[s];
      big |= r[s] == kBig;
      if (++s == static_cast<size_t>(k)) s = 0;
    }
    if (big) {  // rare: redo with the exact counts
      count = 0;
      for (int32_t u = cur - n + 1; u <= cur; ++u) count += ring.Count(row, u);
    }
    col.count[row] = count;
  }
}

// Sums are the bucket sums added oldest first, as a fresh sum over the kept
// events' buckets would be: no drift from adding and subtracting day by day.
void EventWindows::RecomputeSums(const Ring& ring, Column& col, int32_t cur) {
  if (ring.sums.empty()) {  // every value so far was 0
    std::fill(col.sum.begin(), col.sum.end(), 0.0);
    return;
  }
  const int32_t k = ring.length, n = col.window.length;
  const size_t first = static_cast<size_t>(Mod(cur - n + 1, k));
  for (uint32_t row = 0; row < rows_; ++row) {
    const double* r = ring.sums.data() + size_t{row} * static_cast<size_t>(k);
    double sum = 0;
    size_t s = first;
    for (int32_t i = 0; i < n; ++i) {
      sum += r[s];
      if (++s == static_cast<size_t>(k)) s = 0;
    }
    col.sum[row] = sum;
  }
}

// RecomputeSums for the rows in `ring.stale` only. A row outside it had no
// event added and no non-empty bucket leave or enter since its sums were
// last recomputed: its sums are still the in-order sums of its buckets (the
// buckets that left or entered held 0.0, and x + 0.0 == x for every sum,
// which is never -0.0), so recomputing them would give the same bits.
void EventWindows::RecomputeStaleSums(const Ring& ring, Column& col, int32_t cur) {
  if (ring.sums.empty()) {
    std::fill(col.sum.begin(), col.sum.end(), 0.0);
    return;
  }
  const int32_t k = ring.length, n = col.window.length;
  const size_t first = static_cast<size_t>(Mod(cur - n + 1, k));
  for (size_t w = 0; w < ring.stale.size(); ++w) {
    for (uint64_t bits = ring.stale[w]; bits != 0; bits &= bits - 1) {
      const size_t row = w * 64 + static_cast<size_t>(__builtin_ctzll(bits));
      const double* r = ring.sums.data() + row * static_cast<size_t>(k);
      double sum = 0;
      size_t s = first;
      for (int32_t i = 0; i < n; ++i) {
        sum += r[s];
        if (++s == static_cast<size_t>(k)) s = 0;
      }
      col.sum[row] = sum;
    }
  }
}

// Moves future buckets the clock has reached into the ring (or drops those it
// has passed by more than the ring's length).
void EventWindows::EnterFuture(Ring& ring, int32_t cur, bool add_to_columns) {
  while (!ring.due.empty() && ring.due.begin()->first <= cur) {
    const auto [unit, row] = *ring.due.begin();
    auto it = ring.future.find({row, unit});
    if (unit > cur - ring.length) {
      ring.stale[row / 64] |= uint64_t{1} << (row % 64);
      ring.SetCount(row, unit, ring.Count(row, unit) + it->second.count);
      if (!ring.sums.empty()) ring.sums[ring.Slot(row, unit)] += it->second.sum;
      for (size_t i = 0; add_to_columns && i < ring.columns.size(); ++i) {
        Column& c = columns_[ring.columns[i]];
        if (unit > cur - c.window.length) c.count[row] += it->second.count;
      }
    }
    ring.future.erase(it);
    ring.due.erase(ring.due.begin());
  }
}

// The ring follows the clock from unit `from` to unit `to`.
void EventWindows::Shift(Ring& ring, int32_t from, int32_t to) {
  const int32_t k = ring.length;
  if (to <= from || to - from >= k) {
    Rebuild(ring, from, to);
    return;
  }
  // Forward by less than the ring: subtract what leaves each window, clear
  // the slots of the units that leave the ring (they become the new units).
  for (int i : ring.columns) {
    Column& c = columns_[i];
    const int32_t n = c.window.length;
    const int32_t lo = from - n + 1, hi = std::min(from, to - n);
    for (int32_t u = lo; u <= hi; ++u) {
      const size_t s = static_cast<size_t>(Mod(u, k));
      for (uint32_t row = 0; row < rows_; ++row) {
        const uint8_t x = ring.counts[size_t{row} * static_cast<size_t>(k) + s];
        if (x == 0) continue;
        c.count[row] -= x == kBig ? ring.Count(row, u) : x;
        ring.stale[row / 64] |= uint64_t{1} << (row % 64);
      }
    }
  }
  for (int32_t u = from - k + 1; u <= to - k; ++u) {
    const size_t s = static_cast<size_t>(Mod(u, k));
    for (uint32_t row = 0; row < rows_; ++row) {
      const size_t at = size_t{row} * static_cast<size_t>(k) + s;
      if (ring.counts[at] == kBig) ring.big.erase(BigKey(row, u));
      ring.counts[at] = 0;
      if (!ring.sums.empty()) ring.sums[at] = 0;
    }
  }
  EnterFuture(ring, to, /*add_to_columns=*/true);
  for (int i : ring.columns) RecomputeStaleSums(ring, columns_[i], to);
  std::fill(ring.stale.begin(), ring.stale.end(), 0);
}

// Backwards, or forward by the ring's length or more: buckets past the new
// clock go back to the future side map, those before the ring are dropped,
// and the columns are recomputed.
void EventWindows::Rebuild(Ring& ring, int32_t from, int32_t to) {
  const int32_t k = ring.length;
  for (int32_t u = from - k + 1; u <= from; ++u) {
    if (u > to - k && u <= to) continue;  // stays, in the same slot
    for (uint32_t row = 0; row < rows_; ++row) {
      const size_t at = ring.Slot(row, u);
      if (ring.counts[at] == 0) continue;
      if (u > to) {
        ring.future[{row, u}] = FutureBucket{ring.Count(row, u), ring.sums.empty() ? 0.0 : ring.sums[at]};
        ring.due.insert({u, row});
      }
      ring.Clear(row, u);
    }
  }
  EnterFuture(ring, to, /*add_to_columns=*/false);
  for (int i : ring.columns) {
    RecomputeCounts(ring, columns_[i], to);
    RecomputeSums(ring, columns_[i], to);
  }
  std::fill(ring.stale.begin(), ring.stale.end(), 0);
}

void EventWindows::AdvanceTo(Micros now) {
  const int32_t day = CurrentUnit(EventWindow::Unit::kDay);
  const int32_t hour = CurrentUnit(EventWindow::Unit::kHour);
  now_ = now;
  const int32_t new_day = CurrentUnit(EventWindow::Unit::kDay);
  const int32_t new_hour = CurrentUnit(EventWindow::Unit::kHour);
  if (new_hour == hour) return;
  for (auto& tr : types_) {
    if (tr == nullptr) continue;
    if (new_day != day && tr->day.length > 0) Shift(tr->day, day, new_day);
    if (tr->hour.length > 0) Shift(tr->hour, hour, new_hour);
  }
}

Micros EventWindows::NextChange(int column, uint32_t row) const {
  const Column& c = columns_[column];
  const Ring& ring = RingOf(c.type, c.window.unit);
  const Micros unit = UnitMicros(c.window.unit);
  const int32_t cur = CurrentUnit(c.window.unit);
  Micros next = std::numeric_limits<Micros>::max();
  for (int32_t u = cur - c.window.length + 1; u <= cur; ++u) {
    if (ring.counts[ring.Slot(row, u)] != 0) {
      next = (Micros{u} + c.window.length) * unit;  // the unit in which it has left
      break;
    }
  }
  auto it = ring.future.lower_bound({row, std::numeric_limits<int32_t>::min()});
  if (it != ring.future.end() && it->first.first == row) next = std::min(next, Micros{it->first.second} * unit);
  return next;
}

size_t EventWindows::MemoryBytes() const {
  // Tree nodes: the red-black header (colour and three links) and the value.
  constexpr size_t kFutureNode = 4 * sizeof(void*) + sizeof(std::pair<const std::pair<uint32_t, int32_t>, FutureBucket>);
  constexpr size_t kDueNode = 4 * sizeof(void*) + sizeof(std::pair<int32_t, uint32_t>);
  size_t n = types_.capacity() * sizeof(types_[0]) + columns_.capacity() * sizeof(Column);
  for (const auto& tr : types_) {
    if (tr == nullptr) continue;
    n += sizeof(TypeRings);
    for (const Ring* ring : {&tr->day, &tr->hour}) {
      n += ring->counts.capacity() + ring->sums.capacity() * sizeof(double) +
           ring->columns.capacity() * sizeof(int) + ring->future.size() * kFutureNode + ring->due.size() * kDueNode;
      // Slots plus one control byte per slot and a group of cloned control bytes.
      if (ring->big.capacity() > 0) {
        n += ring->big.capacity() * (sizeof(std::pair<const uint64_t, int32_t>) + 1) + 16;
      }
    }
  }
  for (const Column& c : columns_) n += c.count.capacity() * sizeof(int32_t) + c.sum.capacity() * sizeof(double);
  return n;
}

template <typename Archive>
void EventWindows::Persist(Archive& ar) {
  auto ring = [&ar](Ring& r) {
    ar.Pod(r.length);
    ar.Vec(r.counts);
    ar.Vec(r.sums);
    ar.Map(r.big, [&ar](uint64_t& k, int32_t& v) {
      ar.Pod(k);
      ar.Pod(v);
    });
    ar.Map(r.future, [&ar](std::pair<uint32_t, int32_t>& k, FutureBucket& v) {
      ar.Pod(k);
      ar.Pod(v);
    });
    ar.PodSet(r.due);
    ar.Vec(r.columns);
    ar.Vec(r.stale);
  };
  ar.Seq(types_, [&](std::unique_ptr<TypeRings>& t) {
    uint8_t present = t != nullptr;
    ar.Pod(present);
    if (!present) return;
    if constexpr (Archive::kLoading) t = std::make_unique<TypeRings>();
    ring(t->day);
    ring(t->hour);
  });
  ar.Seq(columns_, [&ar](Column& c) {
    ar.Pod(c.type);
    ar.Pod(c.window);
    ar.Vec(c.count);
    ar.Vec(c.sum);
  });
  ar.Pod(rows_);
  ar.Pod(now_);
}
template void EventWindows::Persist(internal::ArchiveWriter&);
template void EventWindows::Persist(internal::ArchiveReader&);

}  // namespace saleskit
