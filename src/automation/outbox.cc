#include "saleskit/automation/outbox.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "internal/proto_time.h"
#include "saleskit/time.h"

namespace saleskit::automation {

bool Outbox::Add(v1::OutboxEntry entry) {
  if (ids_.contains(entry.id())) return false;
  const uint64_t seq = next_seq_++;
  entry.set_seq(seq);
  entry.set_state(v1::OutboxEntry::PENDING);
  ids_.emplace(entry.id(), seq);
  pending_.insert(seq);
  entries_.emplace(seq, std::move(entry));
  return true;
}

absl::Status Outbox::Restore(std::vector<v1::OutboxEntry> entries, uint64_t next_seq) {
  entries_.clear();
  ids_.clear();
  pending_.clear();
  in_flight_.clear();
  for (v1::OutboxEntry& e : entries) {
    const uint64_t seq = e.seq();
    if (seq == 0 || seq >= next_seq || entries_.count(seq) != 0 || !ids_.emplace(e.id(), seq).second) {
      return absl::InvalidArgumentError(absl::StrCat("outbox entry \"", e.id(), "\" (seq ", seq, ") repeats or is out of order"));
    }
    if (e.state() == v1::OutboxEntry::PENDING) pending_.insert(seq);
    entries_.emplace(seq, std::move(e));
  }
  next_seq_ = next_seq;
  return absl::OkStatus();
}

std::vector<v1::OutboxEntry> Outbox::Poll(absl::Time now, size_t limit) {
  std::vector<v1::OutboxEntry> out;
  absl::flat_hash_set<absl::string_view> held;  // customers with an earlier entry not deliverable now
  for (uint64_t seq : pending_) {
    if (out.size() >= limit) break;
    const v1::OutboxEntry& e = entries_.at(seq);
    if (held.contains(e.customer_id())) continue;
    if (in_flight_.contains(seq) || internal::FromProto(e.available_at()) > ToMicros(now)) {
      held.insert(e.customer_id());
      continue;
    }
    in_flight_.insert(seq);
    held.insert(e.customer_id());  // one in flight per customer keeps their order
    out.push_back(e);
  }
  return out;
}

absl::Status Outbox::Ack(absl::string_view id) {
  auto it = ids_.find(id);
  if (it == ids_.end()) return absl::NotFoundError(absl::StrCat("no outbox entry with id \"", id, "\""));
  v1::OutboxEntry& e = entries_.at(it->second);
  if (e.state() == v1::OutboxEntry::DONE) return absl::OkStatus();
  if (e.state() == v1::OutboxEntry::DEAD) {
    return absl::FailedPreconditionError(
        absl::StrCat("outbox entry \"", id, "\" is on the dead-letter list after ", e.attempts(), " attempts"));
  }
  e.set_state(v1::OutboxEntry::DONE);
  pending_.erase(e.seq());
  in_flight_.erase(e.seq());
  return absl::OkStatus();
}

absl::Status Outbox::Nack(absl::string_view id, absl::string_view error, absl::Time now) {
  auto it = ids_.find(id);
  if (it == ids_.end()) return absl::NotFoundError(absl::StrCat("no outbox entry with id \"", id, "\""));
  v1::OutboxEntry& e = entries_.at(it->second);
  if (e.state() != v1::OutboxEntry::PENDING) {
    return absl::FailedPreconditionError(absl::StrCat("outbox entry \"", id, "\" is ",
                                                      e.state() == v1::OutboxEntry::DONE ? "done" : "dead"));
  }
  in_flight_.erase(e.seq());
  e.set_attempts(e.attempts() + 1);
  e.set_last_error(std::string(error));
  if (e.attempts() >= options_.max_attempts) {
    e.set_state(v1::OutboxEntry::DEAD);
    pending_.erase(e.seq());
    return absl::OkStatus();
  }
  absl::Duration wait = options_.retry_base;
  for (uint32_t i = 1; i < e.attempts() && wait < options_.retry_max; ++i) wait *= 2;
  internal::ToProto(ToMicros(now + std::min(wait, options_.retry_max)), e.mutable_available_at());
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
  for (auto it = entries_.begin(); it != entries_.end() && it->first <= through;) {
    if (it->second.state() == v1::OutboxEntry::PENDING) {
      ++it;
      continue;
    }
    ids_.erase(it->second.id());
    it = entries_.erase(it);
  }
}

void Outbox::EraseCustomer(absl::string_view customer_id) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.customer_id() != customer_id) {
      ++it;
      continue;
    }
    ids_.erase(it->second.id());
    pending_.erase(it->first);
    in_flight_.erase(it->first);
    it = entries_.erase(it);
  }
}

}  // namespace saleskit::automation
