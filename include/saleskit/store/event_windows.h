// Behaviour windows: per customer and event type, counts and sums of events in
// whole UTC day (or hour) buckets, and per-customer columns for the windows
// that compiled conditions read.
#ifndef SALESKIT_STORE_EVENT_WINDOWS_H_
#define SALESKIT_STORE_EVENT_WINDOWS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "saleskit/time.h"

namespace saleskit {

// A window of whole UTC days or hours ending with the current one: a window of
// N days at time t covers the days day(t) - N + 1 .. day(t).
struct EventWindow {
  enum class Unit : uint8_t { kDay, kHour };
  Unit unit = Unit::kDay;
  int32_t length = 1;  // in units, >= 1

  bool operator==(const EventWindow& o) const { return unit == o.unit && length == o.length; }
  // The window's length as a duration.
  Micros length_micros() const;
};

// Bucketed event history and window columns for every event type that some
// window reads.
//
// What is kept: per type and unit (day, hour), the buckets of the last K units
// up to the clock, K being the longest window on that type and unit, plus the
// buckets of events later than the clock (they enter the windows when the clock
// reaches them). A bucket older than the K units before the clock is dropped
// for good, even if the clock later moves back. Buckets are kept only from the
// moment a window on their type is first required: events ingested before that
// are in the running totals of the customer store but in no window.
//
// Memory: per row, type and unit, a ring of K one-byte counts (exact counts of
// 255 and more go to a side table), plus a ring of K doubles only once some
// event of the type had a non-zero value; per row and window a 4-byte count and
// an 8-byte sum column; buckets later than the clock in side maps (about 100
// bytes each: they are rare). A days(30) count window costs 42 bytes per
// customer, whatever the event volume; with sums, 282.
//
// Time: Add is O(windows on the type); AdvanceTo by one unit is O(rows x
// windows) for counts (the leaving bucket is subtracted, the entering one
// added), plus a rescan of the ring for the sum columns of the rows whose sums
// changed since the last move (so sums are exactly the in-order sum of the
// bucket sums). Larger or backward
// moves rebuild the rings, O(rows x K). Not thread-safe (owned by CustomerStore).
class EventWindows {
 public:
  // What one Add changed, to undo it if its batch is rolled back.
  struct Undo {
    int32_t type;
    uint32_t row;
    Micros at;
    double value;
    double day_sum, hour_sum;  // the sums of the event's buckets before it, restored bit for bit
  };

  // Keeps buckets for `type` long enough for `window`, and a count and sum
  // column for it (filled from the buckets already kept). Returns the
  // column's id; the same window on the same type always has the same id.
  int Require(int32_t type, EventWindow window);
  // The column id of a required window, or nullopt.
  std::optional<int> Find(int32_t type, EventWindow window) const;

  void Resize(size_t rows);
  // Counts an event; `undo` (if not null) receives what to restore.
  void Add(int32_t type, uint32_t row, Micros at, double value, std::vector<Undo>* undo);
  // Undoes an Add. Undos are applied newest first, with no AdvanceTo or
  // Require since their Adds (a batch's rollback).
  void Rollback(const Undo& undo);
  // Forgets everything about a row.
  void EraseRow(uint32_t row);
  // Moves the window end to `now` (windows end with the UTC day or hour of
  // `now`). Columns change when the day or hour changes; time may also move
  // backwards (a store's clock follows its host).
  void AdvanceTo(Micros now);
  Micros now() const { return now_; }

  // The earliest instant after now() at which the column's count or sum for
  // `row` may change with time passing alone (no new events, no clock moving
  // back): the start of the unit in which the oldest bucket now in the window
  // has left it, or the start of the unit of the row's earliest bucket later
  // than the clock, whichever is first. INT64_MAX when there is neither. The
  // values are the same until then; at that instant they usually change (not
  // when a leaving bucket and an entering one happen to cancel out).
  // O(window length + log(future buckets)).
  Micros NextChange(int column, uint32_t row) const;

  // Columns: events of the window's type whose bucket is in the window.
  const std::vector<int32_t>& counts(int column) const { return columns_[column].count; }
  const std::vector<double>& sums(int column) const { return columns_[column].sum; }
  size_t column_count() const { return columns_.size(); }
  int32_t column_type(int column) const { return columns_[column].type; }
  EventWindow column_window(int column) const { return columns_[column].window; }
  // Every byte allocated: vector capacities, tree nodes at their allocation
  // size, hash tables at their slot and control bytes.
  size_t MemoryBytes() const;

  // Writes (ArchiveWriter) or restores (ArchiveReader) every bucket and
  // column as they are, for checkpoints (docs/state.md).
  template <typename Archive>
  void Persist(Archive& ar);

 private:
  struct FutureBucket {
    int32_t count = 0;
    double sum = 0;
  };
  // The buckets of one type in one unit. Slot of unit u for row r:
  // r * length + (u mod length); the slots hold the units
  // current - length + 1 .. current.
  struct Ring {
    int32_t length = 0;               // K, units kept; 0: no window in this unit
    std::vector<uint8_t> counts;      // rows x K; kBig: the count is in `big`
    std::vector<double> sums;         // rows x K, or empty while every value was 0
    absl::flat_hash_map<uint64_t, int32_t> big;     // (row, unit) -> count >= kBig
    std::map<std::pair<uint32_t, int32_t>, FutureBucket> future;  // (row, unit) later than the clock
    std::set<std::pair<int32_t, uint32_t>> due;  // the same buckets as (unit, row): soonest first
    std::vector<int> columns;        // the columns on this ring
    // Rows whose column sums may differ from the in-order sum of their
    // buckets (added to since the last recompute, or a bucket left or
    // entered): the rows a shift recomputes. One bit per row.
    std::vector<uint64_t> stale;

    size_t Slot(uint32_t row, int32_t unit) const;
    int32_t Count(uint32_t row, int32_t unit) const;
    void SetCount(uint32_t row, int32_t unit, int32_t count);
    void Clear(uint32_t row, int32_t unit);
    void AllocateSums();
  };
  struct TypeRings {
    Ring day, hour;
  };
  struct Column {
    int32_t type;
    EventWindow window;
    std::vector<int32_t> count;
    std::vector<double> sum;
  };

  int32_t CurrentUnit(EventWindow::Unit unit) const;
  Ring& RingOf(int32_t type, EventWindow::Unit unit) {
    return unit == EventWindow::Unit::kDay ? types_[type]->day : types_[type]->hour;
  }
  const Ring& RingOf(int32_t type, EventWindow::Unit unit) const {
    return unit == EventWindow::Unit::kDay ? types_[type]->day : types_[type]->hour;
  }
  void Grow(Ring& ring, int32_t length, int32_t cur);
  void Shift(Ring& ring, int32_t from, int32_t to);
  void Rebuild(Ring& ring, int32_t from, int32_t to);
  void EnterFuture(Ring& ring, int32_t cur, bool add_to_columns);
  void RecomputeCounts(const Ring& ring, Column& col, int32_t cur);
  void RecomputeSums(const Ring& ring, Column& col, int32_t cur);
  void RecomputeStaleSums(const Ring& ring, Column& col, int32_t cur);

  std::vector<std::unique_ptr<TypeRings>> types_;  // by event type code; null: none kept
  std::vector<Column> columns_;
  size_t rows_ = 0;
  Micros now_ = 0;
};

}  // namespace saleskit

#endif  // SALESKIT_STORE_EVENT_WINDOWS_H_
