// The outbox: external actions waiting for the host (docs/automation.md).
#ifndef SALESKIT_AUTOMATION_OUTBOX_H_
#define SALESKIT_AUTOMATION_OUTBOX_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

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
// hours, retry backoff). Which
// entries are in flight is not state: it is forgotten on reopen, when every
// pending entry is due again. Not thread-safe; the Engine serialises calls.
class Outbox {
 public:
  explicit Outbox(OutboxOptions options = {}) : options_(options) {}

  const OutboxOptions& options() const { return options_; }
  void set_options(const OutboxOptions& options) { options_ = options; }

  // Adds a pending entry, giving it the next seq. False (nothing added) when
  // an entry with its id exists.
  bool Add(v1::OutboxEntry entry);
  bool Contains(absl::string_view id) const { return ids_.contains(id); }

  // Up to `limit` entries due at `now`, in seq order (see the class comment);
  // they are in flight until acked or nacked.
  std::vector<v1::OutboxEntry> Poll(absl::Time now, size_t limit);
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
  const v1::OutboxEntry* Find(absl::string_view id) const;
  size_t pending() const { return pending_; }
  uint64_t last_seq() const { return next_seq_ - 1; }
  // Forgets done and dead entries with seq <= `through`.
  void Trim(uint64_t through);
  // Forgets every entry of a customer.
  void EraseCustomer(absl::string_view customer_id);
  // Replaces every entry with `entries` (as Entries listed them, seq order)
  // and the next seq with `next_seq`: a checkpoint's restore. Nothing is in
  // flight afterwards. InvalidArgument for a repeated id or seq, or a seq
  // not below `next_seq`.
  absl::Status Restore(std::vector<v1::OutboxEntry> entries, uint64_t next_seq);

 private:
  // The first pending entry of a customer's queue is its head: the only one
  // that may be delivered. Heads wait in waiting_ until due, then in ready_
  // until polled, then in flight until acked or nacked.
  void Enqueue(uint64_t seq, const std::string& customer_id);
  void Unhead(uint64_t seq);
  void Head(const std::string& customer_id);
  void Finish(v1::OutboxEntry& e, v1::OutboxEntry::State state);
  // The entry with `id`, or NotFound naming it.
  absl::StatusOr<v1::OutboxEntry*> Lookup(absl::string_view id);
  // Lookup, and FailedPrecondition for a dead entry: what Ack refuses.
  absl::StatusOr<v1::OutboxEntry*> Ackable(absl::string_view id);

  OutboxOptions options_;
  std::map<uint64_t, v1::OutboxEntry> entries_;   // by seq
  absl::flat_hash_map<absl::string_view, uint64_t> ids_;  // views of the ids in entries_ (nodes are stable)
  size_t pending_ = 0;
  // customer -> pending seqs, oldest first (mostly one: a queue is made and
  // dropped for every entry of a customer with none pending).
  absl::flat_hash_map<std::string, absl::InlinedVector<uint64_t, 2>> queues_;
  absl::btree_set<std::pair<Micros, uint64_t>> waiting_;           // heads by (available_at, seq)
  absl::btree_set<uint64_t> ready_;                                // due heads, by seq
  absl::flat_hash_set<uint64_t> in_flight_;
  absl::btree_set<uint64_t> finished_;  // done and dead, not yet trimmed
  uint64_t next_seq_ = 1;
};

}  // namespace saleskit::automation

#endif  // SALESKIT_AUTOMATION_OUTBOX_H_
