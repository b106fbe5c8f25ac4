// Behaviour windows: per customer and event type, counts and sums of events in
// whole UTC day (or hour) buckets, and per-customer columns for the windows
// that compiled conditions read.
#ifndef SALESKIT_STORE_EVENT_WINDOWS_H_
#define SALESKIT_STORE_EVENT_WINDOWS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

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
// window reads. Memory per customer and type is bounded by the longest window
// on that type, whatever the event volume.
//
// Buckets are kept only from the moment a window on their type is first
// required: events ingested before that are in the running totals of the
// customer store but in no window. Not thread-safe (owned by CustomerStore).
class EventWindows {
 public:
  struct Bucket {
    int32_t unit;  // days (or hours) since the Unix epoch
    int32_t count;
    double sum;
  };
  using Buckets = std::vector<Bucket>;  // ascending by unit

  // What one Add changed, to undo it if its batch is rolled back.
  struct Undo {
    int32_t type;
    uint32_t row;
    Buckets days, hours;  // the lists before the change
    std::vector<int> columns;  // window columns that counted the event
    double value;
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
  void Rollback(const Undo& undo);
  // Forgets everything about a row.
  void EraseRow(uint32_t row);
  // Moves the window end to `now` (windows end with the UTC day or hour of
  // `now`). Columns are recomputed when the day or hour changes; time may
  // also move backwards (a store's clock follows its host).
  void AdvanceTo(Micros now);
  Micros now() const { return now_; }

  // Columns: events of the window's type whose bucket is in the window.
  const std::vector<int32_t>& counts(int column) const { return columns_[column].count; }
  const std::vector<double>& sums(int column) const { return columns_[column].sum; }
  size_t column_count() const { return columns_.size(); }
  int32_t column_type(int column) const { return columns_[column].type; }
  EventWindow column_window(int column) const { return columns_[column].window; }
  size_t MemoryBytes() const;

 private:
  struct TypeBuckets {
    int32_t days = 0, hours = 0;   // ring lengths kept, in units
    std::vector<Buckets> by_day;   // per row (empty when days == 0)
    std::vector<Buckets> by_hour;  // per row (empty when hours == 0)
  };
  struct Column {
    int32_t type;
    EventWindow window;
    std::vector<int32_t> count;
    std::vector<double> sum;
  };
  int32_t CurrentUnit(EventWindow::Unit unit) const;
  void Recompute(Column& col);
  void Prune(Buckets& b, int32_t oldest) const;

  std::vector<std::unique_ptr<TypeBuckets>> types_;  // by event type code; null: none kept
  std::vector<Column> columns_;
  size_t rows_ = 0;
  Micros now_ = 0;
};

}  // namespace saleskit

#endif  // SALESKIT_STORE_EVENT_WINDOWS_H_
