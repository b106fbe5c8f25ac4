// Checkpoints of the automation runner (docs/state.md). The outbox, tasks
// and audit log go through their protos (v1::OutboxEntry, v1::Task,
// v1::AuditRecord), the representation hosts read, so that the runner's
// internal storage of them can change without changing the file format.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "saleskit/automation/runner.h"
#include "state/internal/archive.h"

namespace saleskit::automation {
namespace {

constexpr uint32_t kBegin = 0x52554e31;  // "RUN1"
constexpr uint32_t kEnd = 0x52554e32;

template <typename Archive>
void PersistStats(Archive& ar, RuleStats& s) {
  ar.Str(s.rule);
  ar.Pod(s.fired);
  ar.Pod(s.skipped);
  ar.Pod(s.applied);
  ar.Pod(s.outbox);
  ar.Pod(s.blocked);
}

}  // namespace

// The maps and lists the runner keeps by value, both directions. A member
// added to Runner that outlives a cascade must be added here.
template <typename Archive>
void Runner::PersistPlain(Archive& ar) {
  Runner& r = *this;
  ar.Pod(r.segment_cursor_);
  ar.Pod(r.crossing_cursor_);
  ar.Pod(r.change_counter_);
  ar.Map(r.shadows_, [&ar](std::string& field, std::vector<std::string>& values) {
    ar.Str(field);
    ar.Seq(values, [&ar](std::string& v) { ar.Str(v); });
  });
  ar.Seq(r.shadow_fields_, [&ar](std::string& f) { ar.Str(f); });
  ar.Vec(r.stage_shadow_);
  ar.Map(r.owner_load_, [&ar](std::string& owner, int64_t& load) {
    ar.Str(owner);
    ar.Pod(load);
  });
  auto times = [&ar](auto& map) {
    ar.Map(map, [&ar](uint64_t& key, Micros& at) {
      ar.Pod(key);
      ar.Pod(at);
    });
  };
  times(r.armed_);
  times(r.date_fired_);
  times(r.last_event_);
  ar.Seq(r.zones_, [&ar](std::string& z) { ar.Str(z); });
  ar.Map(r.zone_index_, [&ar](std::string& zone, int& index) {
    ar.Str(zone);
    ar.Pod(index);
  });
  ar.Map(r.recent_, [&ar](uint32_t& row, std::vector<std::pair<Micros, std::string>>& sent) {
    ar.Pod(row);
    ar.Seq(sent, [&ar](std::pair<Micros, std::string>& s) {
      ar.Pod(s.first);
      ar.Str(s.second);
    });
  });
  ar.Map(r.round_robin_, [&ar](std::string& pool, int& next) {
    ar.Str(pool);
    ar.Pod(next);
  });
  ar.Map(r.weighted_, [&ar](std::string& pool, std::vector<double>& weights) {
    ar.Str(pool);
    ar.Vec(weights);
  });
  ar.Map(r.owner_available_, [&ar](std::string& owner, bool& available) {
    ar.Str(owner);
    ar.Pod(available);
  });
  ar.Seq(r.stats_, [&ar](RuleStats& s) { PersistStats(ar, s); });
}

void Runner::Save(internal::ArchiveWriter& out) const {
  out.Section(kBegin);
  const uint8_t has_rules = rules_ != nullptr;
  out.Pod(has_rules);
  out.Pod(outbox_.last_seq());
  const std::vector<v1::OutboxEntry> outbox = outbox_.Entries(0, SIZE_MAX);
  out.Seq(outbox, [&out](v1::OutboxEntry& e) { out.Msg(e); });
  const std::vector<v1::Task> tasks = Tasks();
  out.Seq(tasks, [&out](v1::Task& t) { out.Msg(t); });
  out.Pod(last_task_seq());
  out.Pod(last_audit_seq());
  const std::vector<v1::AuditRecord> audit = Audit(0, SIZE_MAX);
  out.Seq(audit, [&out](v1::AuditRecord& a) { out.Msg(a); });
  const_cast<Runner*>(this)->PersistPlain(out);
  // The timer queue, soonest first.
  auto timers = timers_;
  out.Pod(static_cast<uint64_t>(timers.size()));
  for (; !timers.empty(); timers.pop()) out.Pod(timers.top());
  out.Section(kEnd);
}

absl::Status Runner::Load(internal::ArchiveReader& in, std::shared_ptr<const RuleSet> rules, uint32_t format) {
  in.Section(kBegin);
  uint8_t has_rules = 0;
  in.Pod(has_rules);
  if (in.ok() && (has_rules != 0) != (rules != nullptr)) in.Fail("the runner's rules do not match the playbook's");
  rules_ = std::move(rules);
  versions_.clear();
  if (rules_ != nullptr) versions_[++version_] = rules_;
  uint64_t outbox_last = 0;
  in.Pod(outbox_last);
  std::vector<v1::OutboxEntry> outbox;
  in.Seq(outbox, [&in](v1::OutboxEntry& e) { in.Msg(e); });
  std::vector<v1::Task> tasks;
  in.Seq(tasks, [&in](v1::Task& t) { in.Msg(t); });
  uint64_t tasks_last = 0;
  if (format >= 2) in.Pod(tasks_last);
  uint64_t audit_last = 0;
  in.Pod(audit_last);
  std::vector<v1::AuditRecord> audit;
  in.Seq(audit, [&in](v1::AuditRecord& a) { in.Msg(a); });
  PersistPlain(in);
  uint64_t timers = 0;
  in.Pod(timers);
  timers_ = {};
  for (uint64_t i = 0; i < timers && in.ok(); ++i) {
    Timer t{};
    in.Pod(t);
    timers_.push(t);
  }
  in.Section(kEnd);
  const size_t rule_count = rules_ != nullptr ? static_cast<size_t>(rules_->definition().rules_size()) : 0;
  if (in.ok() && stats_.size() != rule_count) in.Fail("the runner's rule counts do not match the playbook's rules");
  if (!in.ok()) return in.status();

  absl::Status st = outbox_.Restore(std::move(outbox), outbox_last + 1);
  if (!st.ok()) return absl::DataLossError(absl::StrCat("the checkpoint's outbox: ", st.message()));
  if (format < 2) {  // its tasks have no seq: numbered in order
    for (v1::Task& t : tasks) t.set_seq(++tasks_last);
  }
  for (size_t i = 0; i < tasks.size(); ++i) {
    const uint64_t seq = tasks[i].seq();
    if (seq == 0 || seq > tasks_last || (i > 0 && seq <= tasks[i - 1].seq())) {
      return absl::DataLossError(absl::StrCat("the checkpoint's task seq ", seq, " is out of order"));
    }
  }
  tasks_ = std::move(tasks);
  next_task_seq_ = tasks_last + 1;
  // Audit records keep their seqs (trimmed ones leave gaps) and are kept as
  // the protos they were: the rule sets they name are not in the checkpoint.
  audit_.clear();
  for (v1::AuditRecord& a : audit) {
    if ((!audit_.empty() && a.seq() <= audit_.back().seq) || a.seq() == 0 || a.seq() > audit_last) {
      return absl::DataLossError(absl::StrCat("the checkpoint's audit record seq ", a.seq(), " is out of order"));
    }
    AuditEntry& entry = audit_.emplace_back();
    entry.seq = a.seq();
    entry.version = version_;
    entry.customer_id = a.customer_id();
    entry.restored = std::make_shared<const v1::AuditRecord>(std::move(a));
  }
  next_audit_seq_ = audit_last + 1;
  return absl::OkStatus();
}

}  // namespace saleskit::automation
