// The outbox: external actions waiting for the host (docs/automation.md).
#ifndef SALESKIT_AUTOMATION_OUTBOX_H_
#define SALESKIT_AUTOMATION_OUTBOX_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "absl/time/time.h"
#include "saleskit/time.h"
#include "saleskit/v1/automation.pb.h"

namespace saleskit::automation {

struct OutboxOptions {
  // A nacked entry is retried after retry_base * 2^(attempts-1), at most
  // retry_max; after max_attempts nacks it goes to the dead-letter list.
  uint32_t max_attempts = 5;
  absl::Duration retry_base = absl::Minutes(1);
  absl::Duration retry_max = absl::Hours(6);
};

// Entries in the order they were decided, delivered at least once: the host
// polls, delivers, and acks or nacks each entry by id (ids are stable, so a
// host that crashes between delivering and acking can recognise a repeat).
//
// Each customer's entries are delivered in order: Poll returns at most one
// entry per customer, and holds a customer's entry back while an earlier one
// of theirs is in flight (polled, not yet acked or nacked) or waiting (quiet
// hours, retry backoff). Which entries are in flight is not state: it is
// forgotten on reopen, when every pending entry is due again. Not
// thread-safe; the Engine serialises calls.
class Outbox {
 public:
  explicit Outbox(OutboxOptions options = {}) : options_(options) {}

  const OutboxOptions& options() const { return options_; }
  void set_options(const OutboxOptions& options) { options_ = options; }

  // What one action of a rule writes into every entry it makes: shared by
  // those entries, not copied into each.
  struct Source {
    std::string rule;
    v1::Action action;
  };
  // A new entry as a decision makes it (v1::OutboxEntry's fields of the same
  // names; owner_id "" is none).
  struct Draft {
    std::string id;
    std::string customer_id;
    std::string owner_id;
    std::shared_ptr<const Source> source;
    std::shared_ptr<const std::string> trigger;  // shared by the entries of one change
    Micros created_at = 0;
    Micros available_at = 0;
  };

  // Adds a pending entry, giving it the next seq. False (nothing added) when
  // an entry with its id exists.
  bool Add(Draft draft);
  // The same from a record (its seq, state, attempts and last error are not read).
  bool Add(const v1::OutboxEntry& entry);
  bool Contains(absl::string_view id) const { return ids_.contains(id); }

  // Up to `limit` entries due at `now`, in seq order (see the class comment);
  // they are in flight until acked or nacked.
  std::vector<v1::OutboxEntry> Poll(absl::Time now, size_t limit);
  // The same into `out` (resized to the entries polled), refilling its
  // messages in place so that their memory is reused.
  void Poll(absl::Time now, size_t limit, std::vector<v1::OutboxEntry>* out);
  // The entry was delivered. Acking a done entry again is OK. NotFound for
  // an unknown id; FailedPrecondition for a dead entry.
  absl::Status Ack(absl::string_view id);
  // Acks every id, all or none: the first id that Ack would refuse (unknown,
  // or dead) is the error, naming it and its position, and nothing is acked.
  absl::Status Ack(absl::Span<const std::string> ids);
  // Delivery failed: retried after a backoff, or dead after max_attempts.
  // NotFound for an unknown id; FailedPrecondition for a done or dead entry.
  absl::Status Nack(absl::string_view id, absl::string_view error, absl::Time now);

  // Every entry with seq > `after` in a state (UNSPECIFIED: any), in seq order, at most `limit`.
  std::vector<v1::OutboxEntry> Entries(uint64_t after, size_t limit,
                                       v1::OutboxEntry::State state = v1::OutboxEntry::STATE_UNSPECIFIED) const;
  size_t pending() const { return pending_; }
  uint64_t last_seq() const { return next_seq_ - 1; }
  // Forgets done and dead entries with seq <= `through`.
  void Trim(uint64_t through);
  // Forgets every entry of a customer, or of every customer in `customer_ids`
  // (one pass over the entries for all of them).
  void EraseCustomer(absl::string_view customer_id) { EraseCustomers({customer_id}); }
  void EraseCustomers(const absl::flat_hash_set<absl::string_view>& customer_ids);
  // Replaces every entry with `entries` (as Entries listed them, seq order)
  // and the next seq with `next_seq`: a checkpoint's restore. Nothing is in
  // flight afterwards. InvalidArgument for a repeated id or seq, or a seq
  // not below `next_seq`.
  absl::Status Restore(std::vector<v1::OutboxEntry> entries, uint64_t next_seq);

 private:
  struct Entry : Draft {
    uint64_t seq = 0;
    uint32_t attempts = 0;
    v1::OutboxEntry::State state = v1::OutboxEntry::PENDING;
    bool in_flight = false;  // polled, not yet acked or nacked
    std::string last_error;
  };
  static Draft DraftOf(const v1::OutboxEntry& e);
  // Writes every field of `out` (no field of what it held before stays).
  static void Record(const Entry& e, v1::OutboxEntry* out);
  // Keeps `draft` as the entry `seq` in `state`; false for a repeated id.
  Entry* Keep(Draft draft, uint64_t seq);

  // The first pending entry of a customer's queue is its head: the only one
  // that may be delivered. Heads wait in waiting_ until due, then in ready_
  // until polled, then in flight until acked or nacked.
  void Enqueue(Entry& e);
  void Unhead(Entry& e);
  void Head(absl::string_view customer_id);
  void Finish(Entry& e, v1::OutboxEntry::State state);
  // The entry with `id`, or NotFound naming it.
  absl::StatusOr<Entry*> Lookup(absl::string_view id);
  // Lookup, and FailedPrecondition for a dead entry: what Ack refuses.
  absl::StatusOr<Entry*> Ackable(absl::string_view id);

  OutboxOptions options_;
  std::map<uint64_t, Entry> entries_;                   // by seq; nodes are stable
  absl::flat_hash_map<absl::string_view, Entry*> ids_;  // keys view the entries' ids
  size_t pending_ = 0;
  // customer -> pending entries, oldest first (mostly one: a queue is made
  // and dropped for every entry of a customer with none pending).
  absl::flat_hash_map<std::string, absl::InlinedVector<Entry*, 2>> queues_;
  absl::btree_map<std::pair<Micros, uint64_t>, Entry*> waiting_;  // heads by (available_at, seq)
  absl::btree_map<uint64_t, Entry*> ready_;                       // due heads, by seq
  absl::btree_set<uint64_t> finished_;  // done and dead, not yet trimmed
  uint64_t next_seq_ = 1;
};

}  // namespace saleskit::automation

#endif  // SALESKIT_AUTOMATION_OUTBOX_H_
