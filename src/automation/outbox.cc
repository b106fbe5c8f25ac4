#include "saleskit/automation/outbox.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "internal/proto_time.h"
#include "saleskit/status_macros.h"
#include "saleskit/time.h"

namespace saleskit::automation {

bool Outbox::Add(v1::OutboxEntry entry) {
  if (ids_.contains(entry.id())) return false;
  const uint64_t seq = next_seq_++;
  entry.set_seq(seq);
  entry.set_state(v1::OutboxEntry::PENDING);
  const v1::OutboxEntry& e = entries_.emplace(seq, std::move(entry)).first->second;
  ids_.emplace(e.id(), seq);
  ++pending_;
  Enqueue(seq, e.customer_id());
  return true;
}

void Outbox::Enqueue(uint64_t seq, const std::string& customer_id) {
  auto& queue = queues_[customer_id];
  queue.push_back(seq);
  if (queue.size() == 1) Head(customer_id);
}

void Outbox::Head(const std::string& customer_id) {
  auto it = queues_.find(customer_id);
  if (it == queues_.end()) return;
  if (it->second.empty()) {
    queues_.erase(it);
    return;
  }
  const uint64_t seq = it->second.front();
  waiting_.insert({internal::FromProto(entries_.at(seq).available_at()), seq});
}

void Outbox::Unhead(uint64_t seq) {
  waiting_.erase({internal::FromProto(entries_.at(seq).available_at()), seq});
  ready_.erase(seq);
  in_flight_.erase(seq);
}

void Outbox::Finish(v1::OutboxEntry& e, v1::OutboxEntry::State state) {
  const uint64_t seq = e.seq();
  auto& queue = queues_.at(e.customer_id());
  const bool head = queue.front() == seq;
  if (head) {
    Unhead(seq);
    queue.erase(queue.begin());
  } else {  // acked without being polled
    queue.erase(std::find(queue.begin(), queue.end(), seq));
  }
  e.set_state(state);
  --pending_;
  finished_.insert(seq);
  if (head) Head(e.customer_id());
}

absl::Status Outbox::Restore(std::vector<v1::OutboxEntry> entries, uint64_t next_seq) {
  entries_.clear();
  ids_.clear();
  pending_ = 0;
  queues_.clear();
  waiting_.clear();
  ready_.clear();
  in_flight_.clear();
  finished_.clear();
  for (v1::OutboxEntry& e : entries) {
    const uint64_t seq = e.seq();
    if (seq == 0 || seq >= next_seq || entries_.count(seq) != 0 || ids_.contains(e.id())) {
      return absl::InvalidArgumentError(
          absl::StrCat("outbox entry \"", e.id(), "\" (seq ", seq, ") repeats or is out of order"));
    }
    const v1::OutboxEntry& kept = entries_.emplace(seq, std::move(e)).first->second;
    ids_.emplace(kept.id(), seq);
    if (kept.state() == v1::OutboxEntry::PENDING) {
      ++pending_;
      Enqueue(seq, kept.customer_id());
    } else {
      finished_.insert(seq);
    }
  }
  next_seq_ = next_seq;
  return absl::OkStatus();
}

std::vector<v1::OutboxEntry> Outbox::Poll(absl::Time now, size_t limit) {
  const Micros at = ToMicros(now);
  while (!waiting_.empty() && waiting_.begin()->first <= at) {
    ready_.insert(waiting_.begin()->second);
    waiting_.erase(waiting_.begin());
  }
  std::vector<v1::OutboxEntry> out;
  out.reserve(std::min(limit, ready_.size()));
  for (auto it = ready_.begin(); it != ready_.end() && out.size() < limit; it = ready_.erase(it)) {
    in_flight_.insert(*it);
    out.push_back(entries_.at(*it));
  }
  return out;
}

absl::StatusOr<v1::OutboxEntry*> Outbox::Lookup(absl::string_view id) {
  auto it = ids_.find(id);
  if (it == ids_.end()) return absl::NotFoundError(absl::StrCat("no outbox entry with id \"", id, "\""));
  return &entries_.at(it->second);
}

absl::StatusOr<v1::OutboxEntry*> Outbox::Ackable(absl::string_view id) {
  absl::StatusOr<v1::OutboxEntry*> e = Lookup(id);
  if (e.ok() && (*e)->state() == v1::OutboxEntry::DEAD) {
    return absl::FailedPreconditionError(absl::StrCat("outbox entry \"", id, "\" is on the dead-letter list after ",
                                                      (*e)->attempts(), " attempts"));
  }
  return e;
}

absl::Status Outbox::Ack(absl::string_view id) {
  absl::StatusOr<v1::OutboxEntry*> e = Ackable(id);
  if (!e.ok()) return e.status();
  if ((*e)->state() == v1::OutboxEntry::PENDING) Finish(**e, v1::OutboxEntry::DONE);
  return absl::OkStatus();
}

absl::Status Outbox::Ack(absl::Span<const std::string> ids) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (absl::StatusOr<v1::OutboxEntry*> e = Ackable(ids[i]); !e.ok()) {
      return absl::Status(e.status().code(), absl::StrCat("ack ", i + 1, " of ", ids.size(), ": ",
                                                          e.status().message(), "; nothing was acked"));
    }
  }
  for (const std::string& id : ids) SALESKIT_RETURN_IF_ERROR(Ack(id));  // checked above: cannot fail
  return absl::OkStatus();
}

absl::Status Outbox::Nack(absl::string_view id, absl::string_view error, absl::Time now) {
  SALESKIT_ASSIGN_OR_RETURN(v1::OutboxEntry * found, Lookup(id));
  v1::OutboxEntry& e = *found;
  if (e.state() != v1::OutboxEntry::PENDING) {
    return absl::FailedPreconditionError(absl::StrCat("outbox entry \"", id, "\" is ",
                                                      e.state() == v1::OutboxEntry::DONE ? "done" : "dead"));
  }
  e.set_attempts(e.attempts() + 1);
  e.set_last_error(std::string(error));
  if (e.attempts() >= options_.max_attempts) {
    Finish(e, v1::OutboxEntry::DEAD);
    return absl::OkStatus();
  }
  absl::Duration wait = options_.retry_base;
  for (uint32_t i = 1; i < e.attempts() && wait < options_.retry_max; ++i) wait *= 2;
  const bool head = queues_.at(e.customer_id()).front() == e.seq();
  if (head) Unhead(e.seq());
  internal::ToProto(ToMicros(now + std::min(wait, options_.retry_max)), e.mutable_available_at());
  if (head) Head(e.customer_id());
  return absl::OkStatus();
}

std::vector<v1::OutboxEntry> Outbox::Entries(uint64_t after, size_t limit, v1::OutboxEntry::State state) const {
  std::vector<v1::OutboxEntry> out;
  for (auto it = entries_.upper_bound(after); it != entries_.end() && out.size() < limit; ++it) {
    if (state == v1::OutboxEntry::STATE_UNSPECIFIED || it->second.state() == state) out.push_back(it->second);
  }
  return out;
}

const v1::OutboxEntry* Outbox::Find(absl::string_view id) const {
  auto it = ids_.find(id);
  return it == ids_.end() ? nullptr : &entries_.at(it->second);
}

void Outbox::Trim(uint64_t through) {
  for (auto it = finished_.begin(); it != finished_.end() && *it <= through; it = finished_.erase(it)) {
    auto entry = entries_.find(*it);
    ids_.erase(entry->second.id());
    entries_.erase(entry);
  }
}

void Outbox::EraseCustomer(absl::string_view customer_id) {
  auto queue = queues_.find(customer_id);
  if (queue != queues_.end()) {
    Unhead(queue->second.front());
    pending_ -= queue->second.size();
    queues_.erase(queue);
  }
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.customer_id() != customer_id) {
      ++it;
      continue;
    }
    ids_.erase(it->second.id());
    finished_.erase(it->first);
    it = entries_.erase(it);
  }
}

}  // namespace saleskit::automation
