#include "saleskit/automation/outbox.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "internal/proto_time.h"
#include "saleskit/status_macros.h"
#include "saleskit/time.h"

namespace saleskit::automation {

Outbox::Draft Outbox::DraftOf(const v1::OutboxEntry& e) {
  Draft d;
  d.id = e.id();
  d.customer_id = e.customer_id();
  d.owner_id = e.owner_id();
  d.source = std::make_shared<const Source>(Source{e.rule(), e.action()});
  d.trigger = std::make_shared<const std::string>(e.trigger());
  d.created_at = internal::FromProto(e.created_at());
  d.available_at = internal::FromProto(e.available_at());
  return d;
}

void Outbox::Record(const Entry& e, v1::OutboxEntry* out) {
  // set_ and clear_ keep a string's memory; an empty value is cleared, so a
  // field of a new message that stays empty allocates nothing.
  out->set_id(e.id);
  out->set_seq(e.seq);
  out->set_customer_id(e.customer_id);
  if (e.source != nullptr) {
    out->set_rule(e.source->rule);
    *out->mutable_action() = e.source->action;
  } else {
    out->clear_rule();
    out->clear_action();
  }
  if (e.owner_id.empty()) {
    out->clear_owner_id();
  } else {
    out->set_owner_id(e.owner_id);
  }
  internal::ToProto(e.created_at, out->mutable_created_at());
  internal::ToProto(e.available_at, out->mutable_available_at());
  out->set_attempts(e.attempts);
  out->set_state(e.state);
  if (e.last_error.empty()) {
    out->clear_last_error();
  } else {
    out->set_last_error(e.last_error);
  }
  if (e.trigger == nullptr) {
    out->clear_trigger();
  } else {
    out->set_trigger(*e.trigger);
  }
}

Outbox::Entry* Outbox::Keep(Draft draft, uint64_t seq) {
  if (ids_.contains(draft.id)) return nullptr;
  Entry& e = entries_[seq];
  static_cast<Draft&>(e) = std::move(draft);
  e.seq = seq;
  ids_.emplace(e.id, &e);
  return &e;
}

bool Outbox::Add(Draft draft) {
  Entry* e = Keep(std::move(draft), next_seq_);
  if (e == nullptr) return false;
  ++next_seq_;
  ++pending_;
  Enqueue(*e);
  return true;
}

bool Outbox::Add(const v1::OutboxEntry& entry) {
  if (ids_.contains(entry.id())) return false;
  return Add(DraftOf(entry));
}

void Outbox::Enqueue(Entry& e) {
  auto& queue = queues_[e.customer_id];
  queue.push_back(&e);
  if (queue.size() == 1) Head(e.customer_id);
}

void Outbox::Head(absl::string_view customer_id) {
  auto it = queues_.find(customer_id);
  if (it == queues_.end()) return;
  if (it->second.empty()) {
    queues_.erase(it);
    return;
  }
  Entry* e = it->second.front();
  waiting_.emplace(std::make_pair(e->available_at, e->seq), e);
}

void Outbox::Unhead(Entry& e) {
  waiting_.erase({e.available_at, e.seq});
  ready_.erase(e.seq);
  e.in_flight = false;
}

void Outbox::Finish(Entry& e, v1::OutboxEntry::State state) {
  auto& queue = queues_.at(e.customer_id);
  const bool head = queue.front() == &e;
  if (head) {
    Unhead(e);
    queue.erase(queue.begin());
  } else {  // acked without being polled
    queue.erase(std::find(queue.begin(), queue.end(), &e));
  }
  e.state = state;
  --pending_;
  finished_.insert(e.seq);
  if (head) Head(e.customer_id);
}

absl::Status Outbox::Restore(std::vector<v1::OutboxEntry> entries, uint64_t next_seq) {
  entries_.clear();
  ids_.clear();
  pending_ = 0;
  queues_.clear();
  waiting_.clear();
  ready_.clear();
  finished_.clear();
  for (const v1::OutboxEntry& record : entries) {
    const uint64_t seq = record.seq();
    Entry* e = seq == 0 || seq >= next_seq || entries_.count(seq) != 0 ? nullptr : Keep(DraftOf(record), seq);
    if (e == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("outbox entry \"", record.id(), "\" (seq ", seq, ") repeats or is out of order"));
    }
    e->attempts = record.attempts();
    e->state = record.state();
    e->last_error = record.last_error();
    if (e->state == v1::OutboxEntry::PENDING) {
      ++pending_;
      Enqueue(*e);
    } else {
      finished_.insert(seq);
    }
  }
  next_seq_ = next_seq;
  return absl::OkStatus();
}

std::vector<v1::OutboxEntry> Outbox::Poll(absl::Time now, size_t limit) {
  std::vector<v1::OutboxEntry> out;
  Poll(now, limit, &out);
  return out;
}

void Outbox::Poll(absl::Time now, size_t limit, std::vector<v1::OutboxEntry>* out) {
  const Micros at = ToMicros(now);
  while (!waiting_.empty() && waiting_.begin()->first.first <= at) {
    ready_.emplace(waiting_.begin()->first.second, waiting_.begin()->second);
    waiting_.erase(waiting_.begin());
  }
  const size_t n = std::min(limit, ready_.size());
  out->resize(n);  // keeps the first n messages, with their memory
  size_t i = 0;
  for (auto it = ready_.begin(); i < n; it = ready_.erase(it), ++i) {
    it->second->in_flight = true;
    Record(*it->second, &(*out)[i]);
  }
}

absl::StatusOr<Outbox::Entry*> Outbox::Lookup(absl::string_view id) {
  auto it = ids_.find(id);
  if (it == ids_.end()) return absl::NotFoundError(absl::StrCat("no outbox entry with id \"", id, "\""));
  return it->second;
}

absl::StatusOr<Outbox::Entry*> Outbox::Ackable(absl::string_view id) {
  absl::StatusOr<Entry*> e = Lookup(id);
  if (e.ok() && (*e)->state == v1::OutboxEntry::DEAD) {
    return absl::FailedPreconditionError(absl::StrCat("outbox entry \"", id, "\" is on the dead-letter list after ",
                                                      (*e)->attempts, " attempts"));
  }
  return e;
}

absl::Status Outbox::Ack(absl::string_view id) {
  SALESKIT_ASSIGN_OR_RETURN(Entry * e, Ackable(id));
  if (e->state == v1::OutboxEntry::PENDING) Finish(*e, v1::OutboxEntry::DONE);
  return absl::OkStatus();
}

absl::Status Outbox::Ack(absl::Span<const std::string> ids) {
  std::vector<Entry*> found;
  found.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    absl::StatusOr<Entry*> e = Ackable(ids[i]);
    if (!e.ok()) {
      return absl::Status(e.status().code(), absl::StrCat("ack ", i + 1, " of ", ids.size(), ": ",
                                                          e.status().message(), "; nothing was acked"));
    }
    found.push_back(*e);
  }
  for (Entry* e : found) {
    if (e->state == v1::OutboxEntry::PENDING) Finish(*e, v1::OutboxEntry::DONE);
  }
  return absl::OkStatus();
}

absl::Status Outbox::Nack(absl::string_view id, absl::string_view error, absl::Time now) {
  SALESKIT_ASSIGN_OR_RETURN(Entry * found, Lookup(id));
  Entry& e = *found;
  if (e.state != v1::OutboxEntry::PENDING) {
    return absl::FailedPreconditionError(
        absl::StrCat("outbox entry \"", id, "\" is ", e.state == v1::OutboxEntry::DONE ? "done" : "dead"));
  }
  ++e.attempts;
  e.last_error = std::string(error);
  if (e.attempts >= options_.max_attempts) {
    Finish(e, v1::OutboxEntry::DEAD);
    return absl::OkStatus();
  }
  absl::Duration wait = options_.retry_base;
  for (uint32_t i = 1; i < e.attempts && wait < options_.retry_max; ++i) wait *= 2;
  const bool head = queues_.at(e.customer_id).front() == &e;
  if (head) Unhead(e);
  e.available_at = ToMicros(now + std::min(wait, options_.retry_max));
  if (head) Head(e.customer_id);
  return absl::OkStatus();
}

std::vector<v1::OutboxEntry> Outbox::Entries(uint64_t after, size_t limit, v1::OutboxEntry::State state) const {
  std::vector<v1::OutboxEntry> out;
  for (auto it = entries_.upper_bound(after); it != entries_.end() && out.size() < limit; ++it) {
    if (state == v1::OutboxEntry::STATE_UNSPECIFIED || it->second.state == state) {
      Record(it->second, &out.emplace_back());
    }
  }
  return out;
}

void Outbox::Trim(uint64_t through) {
  for (auto it = finished_.begin(); it != finished_.end() && *it <= through; it = finished_.erase(it)) {
    auto entry = entries_.find(*it);
    ids_.erase(entry->second.id);
    entries_.erase(entry);
  }
}

void Outbox::EraseCustomers(const absl::flat_hash_set<absl::string_view>& customer_ids) {
  for (absl::string_view customer_id : customer_ids) {
    auto queue = queues_.find(customer_id);
    if (queue == queues_.end()) continue;
    Unhead(*queue->second.front());
    pending_ -= queue->second.size();
    queues_.erase(queue);
  }
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (!customer_ids.contains(it->second.customer_id)) {
      ++it;
      continue;
    }
    ids_.erase(it->second.id);
    finished_.erase(it->first);
    it = entries_.erase(it);
  }
}

}  // namespace saleskit::automation
