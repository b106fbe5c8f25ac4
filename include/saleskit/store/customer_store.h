// CustomerStore: customers, accounts, deals and event aggregates, in memory.
#ifndef SALESKIT_STORE_CUSTOMER_STORE_H_
#define SALESKIT_STORE_CUSTOMER_STORE_H_

#include <array>
#include <functional>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "saleskit/batch.h"
#include "saleskit/store/columns.h"
#include "saleskit/store/event_windows.h"
#include "saleskit/store/string_dictionary.h"
#include "saleskit/time.h"
#include "saleskit/v1/records.pb.h"

namespace saleskit {
namespace internal {
class ArchiveWriter;
class ArchiveReader;
}  // namespace internal

// The standard string fields of a customer, in column order.
enum class StringField : int {
  kAccountId, kEmail, kPhone, kFirstName, kLastName, kTitle, kCompany, kIndustry,
  kCountry, kRegion, kTimezone, kLeadSource, kOwnerId,
};
inline constexpr int kStringFieldCount = 13;
// The record field name of a string column ("account_id", "email", ...).
absl::string_view StringFieldName(StringField f);

// The type a custom attribute has in a store (the type it first had).
enum class AttrType { kBool, kInt, kDouble, kString, kTimestamp, kStringList };
absl::string_view AttrTypeName(AttrType t);

struct StoreOptions {
  // Events with an id are recognised as duplicates while the newest
  // occurred_at seen is less than this much later than the first copy's.
  absl::Duration dedup_horizon = absl::Hours(7 * 24);
};

// Per customer and event type: what the store keeps of the raw events.
struct EventSummary {
  int64_t count = 0;
  double sum = 0;      // sum of `value` (absent values count as 0)
  Micros first = 0;    // earliest occurred_at
  Micros last = 0;     // latest occurred_at
};

// Sizes and memory of a store, for `saleskit stats` and benchmarks.
struct StoreStats {
  size_t customers = 0;
  size_t accounts = 0;
  size_t deals = 0;
  size_t events = 0;             // events counted (duplicates excluded)
  size_t event_types = 0;
  size_t custom_attributes = 0;
  size_t column_bytes = 0;       // typed columns, bitmaps, id index, aggregates
  size_t dictionary_bytes = 0;   // string dictionaries (distinct strings)
};

// What one committed customer, event or account batch changed, so that the engine
// re-evaluates only what reads it. Recorded only while tracking is on
// (CustomerStore::set_track_changes).
struct StoreChanges {
  struct CustomerWrite {
    uint32_t row;
    bool created;      // the record added the customer
    uint64_t fields;   // bit i: field i of saleskit.v1.Customer (descriptor index) written or cleared
    uint32_t attrs_begin, attrs_end;  // range of `attrs`: the attributes written or cleared
  };
  struct EventCount {
    uint32_t row;
    int32_t type;      // event type code (a derived kind counts under its own code)
    bool created;      // the event created its customer
    Micros at;         // when it occurred
  };
  std::vector<CustomerWrite> customers;  // in input order; a row may appear more than once
  std::vector<std::string> attrs;
  std::vector<EventCount> events;        // in input order, one per counted type
  std::vector<std::string> accounts;     // ids of the accounts an account batch wrote

  bool empty() const { return customers.empty() && events.empty() && accounts.empty(); }
  void Clear() {
    customers.clear();
    attrs.clear();
    events.clear();
    accounts.clear();
  }
};

// Names the derived kinds of an event (see v1::EventKindDef): each name it
// passes to `emit` counts the event once more, under that name. Called once
// per counted (non-duplicate) event while a batch applies; must not throw.
using EventClassifier =
    std::function<void(const v1::Event& event, const std::function<void(absl::string_view kind)>& emit)>;

// Customers as typed columns behind dense row ids, plus accounts, deals and
// per-(customer, event type) aggregates.
//
// Strings are dictionary-encoded per column (int32 codes, kNone = absent);
// other fields are typed arrays with validity bitmaps. Row ids are dense and
// reused after erase; `live()` says which rows hold a customer.
//
// Every mutation is atomic per batch: records are validated and applied one
// at a time with an undo journal, and a batch that fails is rolled back, so it
// changes nothing (in OnInvalid::kSkipRecord mode, only the invalid records
// are left out). Not thread-safe: the Engine serialises
// writers and lets readers share a consistent view.
class CustomerStore {
 public:
  explicit CustomerStore(StoreOptions options = {});
  CustomerStore(const CustomerStore&) = delete;
  CustomerStore& operator=(const CustomerStore&) = delete;
  ~CustomerStore();

  // Inserts new customers and merges into existing ones: fields present in
  // the input overwrite, absent fields keep their value, `clear_fields`
  // clears. A custom attribute keeps the type it first had.
  absl::StatusOr<LoadReport> UpsertCustomers(RecordSource<v1::Customer>& source,
                                             const LoadOptions& options = {});
  // Adds events to the aggregates of their customers, de-duplicating by id.
  // Timestamps may arrive in any order.
  absl::StatusOr<LoadReport> IngestEvents(RecordSource<v1::Event>& source,
                                          const LoadOptions& options = {});
  // Inserts or merges accounts and deals (present fields overwrite).
  absl::StatusOr<LoadReport> UpsertAccounts(RecordSource<v1::Account>& source,
                                            const LoadOptions& options = {});
  absl::StatusOr<LoadReport> UpsertDeals(RecordSource<v1::Deal>& source,
                                         const LoadOptions& options = {});
  // The same for batches built in code.
  absl::StatusOr<LoadReport> UpsertCustomers(const Batch<v1::Customer>& batch, const LoadOptions& options = {}) {
    BatchSource<v1::Customer> source(batch);
    return UpsertCustomers(source, options);
  }
  absl::StatusOr<LoadReport> IngestEvents(const Batch<v1::Event>& batch, const LoadOptions& options = {}) {
    BatchSource<v1::Event> source(batch);
    return IngestEvents(source, options);
  }
  absl::StatusOr<LoadReport> UpsertAccounts(const Batch<v1::Account>& batch, const LoadOptions& options = {}) {
    BatchSource<v1::Account> source(batch);
    return UpsertAccounts(source, options);
  }
  absl::StatusOr<LoadReport> UpsertDeals(const Batch<v1::Deal>& batch, const LoadOptions& options = {}) {
    BatchSource<v1::Deal> source(batch);
    return UpsertDeals(source, options);
  }

  // Removes every trace of a customer: fields, dictionary entries only they
  // used, event aggregates, remembered event ids, and their link from deals.
  // NotFound if the id is unknown.
  absl::Status EraseCustomer(absl::string_view id);
  // The same for every id (distinct), all or none: NotFound naming the first
  // unknown id, and nothing is erased. One pass over the remembered event
  // ids and the deals for all of them.
  absl::Status EraseCustomers(absl::Span<const std::string> ids);

  // --- Reading ---
  size_t customer_count() const { return customer_count_; }
  // Rows ever allocated (live or free); every column has at least this many entries.
  size_t row_capacity() const { return row_ids_.size(); }
  const Bitmap& live() const { return live_; }
  std::optional<uint32_t> FindRow(absl::string_view id) const;
  absl::string_view IdOf(uint32_t row) const { return ids_.Get(row_ids_[row]); }
  // The ids of the rows set in `rows` (e.g. a condition's matches), sorted.
  std::vector<std::string> SortedIds(const Bitmap& rows) const;
  // Every customer's {id, row}, in id order.
  std::vector<std::pair<std::string, uint32_t>> RowsById() const;
  // The customer as a record with only the present fields set.
  absl::StatusOr<v1::Customer> GetCustomer(absl::string_view id) const;
  v1::Customer CustomerAt(uint32_t row) const;
  // Event summaries of one customer by type name, in name order.
  std::map<std::string, EventSummary> EventSummaries(uint32_t row) const;
  // One customer's summary of one event type; nullopt when they have none.
  std::optional<EventSummary> EventSummaryOf(uint32_t row, absl::string_view type) const;

  // --- Changes, for incremental consumers ---
  // Whether batches record what they changed (off by default: bulk loads
  // then pay nothing for it).
  void set_track_changes(bool on) { track_changes_ = on; }
  // What the last committed customer, event or account batch changed (empty
  // after a failed batch). The consumer may clear it.
  StoreChanges& changes() { return changes_; }
  // Sets (or with an empty function removes) the classifier of derived event
  // kinds. Events ingested before are not counted under the kinds.
  void set_event_classifier(EventClassifier classifier) { classifier_ = std::move(classifier); }
  // Whether any customer has events of `type` counted (a scan of its counts).
  bool HasEventsOf(absl::string_view type) const;
  // The code of an event type or kind name; nullopt if it was never counted
  // nor read by a window.
  std::optional<int32_t> FindEventType(absl::string_view type) const;
  absl::string_view EventTypeName(int32_t code) const { return event_types_.Get(code); }
  // Rows whose account_id is one of `account_ids`, ascending.
  std::vector<uint32_t> RowsOfAccounts(absl::Span<const std::string> account_ids) const;

  // --- Behaviour windows ---
  // Keeps day (or hour) buckets of `type` for `window` from now on, and a
  // per-customer count and sum column for it; returns the column id (stable
  // for the same type and window). Events ingested before the first window
  // on a type was required are in no window. Call between batches.
  int RequireWindow(absl::string_view type, EventWindow window);
  std::optional<int> FindWindow(absl::string_view type, EventWindow window) const;
  // Whether window column `column` exists and counts `window` on `type`: validates a remembered id.
  bool IsWindow(int column, absl::string_view type, EventWindow window) const {
    return column >= 0 && static_cast<size_t>(column) < windows_.column_count() &&
           windows_.column_window(column) == window && event_types_.Holds(windows_.column_type(column), type);
  }
  // Moves the end of every window to `now` (the engine clock).
  void AdvanceWindowsTo(Micros now) { windows_.AdvanceTo(now); }
  const EventWindows& windows() const { return windows_; }
  const v1::Account* FindAccount(absl::string_view id) const;
  const v1::Deal* FindDeal(absl::string_view id) const;
  const absl::btree_map<std::string, v1::Account>& accounts() const { return accounts_; }
  const absl::btree_map<std::string, v1::Deal>& deals() const { return deals_; }
  StoreStats Stats() const;
  // The latest occurred_at of any event counted so far; nullopt before the first.
  std::optional<Micros> latest_event_time() const {
    return latest_event_ == INT64_MIN ? std::nullopt : std::optional<Micros>(latest_event_);
  }

  // Column access for evaluators.
  const std::vector<int32_t>& string_codes(StringField f) const { return strings_[static_cast<int>(f)].codes; }
  const StringDictionary& string_dictionary(StringField f) const { return *strings_[static_cast<int>(f)].dict; }
  const NumericColumn<int64_t>& employee_count() const { return employee_count_; }
  const NumericColumn<double>& annual_revenue() const { return annual_revenue_; }
  const std::vector<uint8_t>& lifecycle_stage() const { return lifecycle_; }
  // Whether the customer is marked do-not-contact (unset reads as false).
  bool do_not_contact(uint32_t row) const { return do_not_contact_valid_.Get(row) && do_not_contact_.Get(row); }
  // The consent status of channel "email", "sms" or "phone" (any other
  // channel, and no consent recorded, read STATUS_UNSPECIFIED).
  v1::Consent::Status consent_status(uint32_t row, absl::string_view channel) const;
  std::optional<AttrType> attr_type(absl::string_view name) const;
  // One custom attribute as a column: `valid` says which rows have it; the
  // values are in the vector of its type (`ints` holds bools, ints and
  // timestamps in µs since the epoch; `codes` and `lists` are codes in `dict`).
  struct AttrColumn {
    std::string name;
    AttrType type;
    Bitmap valid;
    std::vector<int64_t> ints;    // bool, int, timestamp
    std::vector<double> doubles;
    std::vector<int32_t> codes;   // string
    std::vector<std::vector<int32_t>> lists;  // string list
    std::unique_ptr<StringDictionary> dict;   // string and string list
  };
  // The column of custom attribute `name`; nullptr when no customer ever had
  // it. Valid until the next mutation of the store.
  const AttrColumn* FindAttrColumn(absl::string_view name) const {
    auto it = attr_index_.find(name);
    return it == attr_index_.end() ? nullptr : attrs_[it->second].get();
  }
  // Calls f(const AttrColumn&) for every custom attribute column, in name order.
  template <typename F>
  void ForEachAttrColumn(F f) const {
    for (const auto& [name, index] : attr_index_) f(*attrs_[index]);
  }

  // --- Checkpoints (docs/state.md) ---
  // Writes every column, dictionary, aggregate, window bucket, remembered
  // event id, account and deal as they are (between batches).
  void Save(internal::ArchiveWriter& out) const;
  // Replaces this (empty) store's contents with what Save wrote. DataLoss
  // when the archive is short or inconsistent. The event classifier and
  // change tracking are the caller's to set again.
  absl::Status Load(internal::ArchiveReader& in);

 private:
  template <typename Archive>
  void Persist(Archive& ar);
  struct StringColumn {
    std::unique_ptr<StringDictionary> dict;
    std::vector<int32_t> codes;
  };
  struct ConsentColumns {
    std::vector<uint8_t> status;  // v1::Consent::Status; 0 = absent
    std::vector<int32_t> source;  // code in consent_sources_
    NumericColumn<int64_t> at;
  };
  struct EventColumns {
    std::vector<int64_t> count;
    std::vector<double> sum;
    std::vector<int64_t> first;
    std::vector<int64_t> last;
  };
  struct SeenEvent {
    Micros occurred_at;
    uint32_t row;
  };
  // A customer row's values before a batch changed it. It holds its own
  // dictionary references, so the values stay valid whatever the batch does.
  struct RowImage {
    uint32_t row = 0;
    std::array<int32_t, kStringFieldCount> codes{};
    int64_t employee_count = 0, created_at = 0, updated_at = 0;
    double annual_revenue = 0;
    bool has_employee_count = false, has_annual_revenue = false, has_created_at = false, has_updated_at = false;
    bool has_do_not_contact = false, do_not_contact = false;
    uint8_t lifecycle = 0;
    std::vector<int32_t> tags;
    std::array<uint8_t, 3> consent_status{};
    std::array<int32_t, 3> consent_source{};
    std::array<int64_t, 3> consent_at{};
    std::array<bool, 3> has_consent_at{};
    struct Attr {
      size_t column;
      int64_t i;
      double d;
      int32_t code;
      std::vector<int32_t> list;
    };
    std::vector<Attr> attrs;
  };
  // What a batch changed, so that a rejected batch can be undone after it was
  // applied record by record (one parse instead of validate-then-apply).
  struct Journal {
    std::vector<RowImage> images;                // rows that existed, in first-touch order
    absl::flat_hash_set<uint32_t> imaged;
    struct NewRow {
      uint32_t row;
      bool from_free_list;
    };
    std::vector<NewRow> new_rows;                // rows the batch created, in order
    size_t attr_columns = 0;                     // attrs_.size() when the batch began
    size_t event_columns = 0;                    // events_.size() when the batch began
    struct EventUndo {
      uint32_t type, row;
      int64_t count;
      double sum;
      int64_t first, last;
    };
    std::vector<EventUndo> events;
    struct SeenUndo {
      std::string id;
      std::optional<SeenEvent> before;
    };
    std::vector<SeenUndo> seen;
    std::vector<EventWindows::Undo> windows;
    Micros watermark = 0, latest = 0;
    size_t event_total = 0;
  };

  absl::Status ValidateCustomer(const v1::Customer& c,
                                absl::flat_hash_map<std::string, AttrType>* pending,
                                std::string* field) const;
  void ApplyCustomer(uint32_t row, const v1::Customer& c);
  void BeginBatch();
  void CommitBatch();
  void RollbackBatch();
  // Ends a batch's journal, keeping its buffers (up to a bound) for the next batch.
  void EndBatch();
  // Records row's values in the journal before the batch first changes them.
  void Touch(uint32_t row);
  // Releases every dictionary reference of a row's fields and clears them (not the id).
  void ClearRowValues(uint32_t row);
  // The row of customer `id`, appending a new one if needed (`*added` says which).
  uint32_t FindOrAppendRow(absl::string_view id, bool* added);
  // Makes room for `extra` more rows in every column at once.
  void ReserveRows(size_t extra);
  void ResizeColumns(size_t n);
  static void ResizeAttr(AttrColumn& col, size_t n);
  static void ResizeEvents(EventColumns& cols, size_t n);
  void ClearField(uint32_t row, absl::string_view name);
  void ClearAttr(uint32_t row, AttrColumn& col);
  void SetAttr(uint32_t row, AttrColumn& col, const v1::AttrValue& v);
  AttrColumn& AttrColumnFor(absl::string_view name, AttrType type);
  void ReleaseTags(uint32_t row);
  bool IsDuplicate(absl::string_view event_id) const;
  // The code of an event type, creating its (empty) columns if it is new.
  int32_t EventTypeCode(absl::string_view type);
  // Counts one event under one type (its own or a derived kind).
  void CountEvent(int32_t type, uint32_t row, Micros at, double value, bool created);
  // Records, when tracking, which fields a customer record wrote.
  void RecordWrite(uint32_t row, bool created, const v1::Customer& c);
  Micros DedupCutoff() const;
  void PruneSeenEvents();

  StoreOptions options_;
  StringDictionary ids_;
  std::vector<int32_t> row_ids_;        // row -> code in ids_ (kNone for free rows)
  std::vector<uint32_t> row_of_id_;     // code in ids_ -> row
  std::vector<uint32_t> free_rows_;
  size_t column_size_ = 0;              // entries in every column (>= rows allocated)
  Bitmap live_;
  size_t customer_count_ = 0;

  std::array<StringColumn, kStringFieldCount> strings_;
  NumericColumn<int64_t> employee_count_;
  NumericColumn<double> annual_revenue_;
  std::vector<uint8_t> lifecycle_;      // v1::LifecycleStage; 0 = absent
  NumericColumn<int64_t> created_at_;
  NumericColumn<int64_t> updated_at_;
  Bitmap do_not_contact_valid_;
  Bitmap do_not_contact_;
  StringDictionary tag_dict_;
  std::vector<std::vector<int32_t>> tags_;
  StringDictionary consent_sources_;
  std::array<ConsentColumns, 3> consent_;  // email, sms, phone
  std::vector<std::unique_ptr<AttrColumn>> attrs_;
  absl::btree_map<std::string, size_t> attr_index_;

  StringDictionary event_types_;
  std::vector<std::unique_ptr<EventColumns>> events_;  // by event type code
  EventWindows windows_;
  size_t event_total_ = 0;
  absl::flat_hash_map<std::string, SeenEvent> seen_events_;
  Micros event_watermark_ = INT64_MIN;  // latest occurred_at of events with an id
  Micros latest_event_ = INT64_MIN;
  size_t seen_prune_at_ = 1024;

  std::unique_ptr<Journal> journal_;  // set while a customer or event batch applies
  std::unique_ptr<Journal> spare_journal_;
  bool track_changes_ = false;
  StoreChanges changes_;
  EventClassifier classifier_;

  absl::btree_map<std::string, v1::Account> accounts_;
  absl::flat_hash_map<std::string, AttrType> account_attr_types_;
  absl::btree_map<std::string, v1::Deal> deals_;
};

}  // namespace saleskit

#endif  // SALESKIT_STORE_CUSTOMER_STORE_H_
