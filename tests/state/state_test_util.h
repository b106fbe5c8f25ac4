// Helpers shared by the state tests: an engine's state as one string, and a
// deterministic stream of inputs.
#ifndef SALESKIT_TESTS_STATE_STATE_TEST_UTIL_H_
#define SALESKIT_TESTS_STATE_STATE_TEST_UTIL_H_

#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"
#include "saleskit/engine.h"

namespace saleskit::testing {

inline std::string DeterministicBytes(const google::protobuf::Message& m) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  return bytes;
}

// Whether a status's message contains `text`.
inline bool Contains(const absl::Status& st, absl::string_view text) {
  return absl::string_view(st.message()).find(text) != absl::string_view::npos;
}

// Everything a host can observe of an engine's state, as one string: the
// clock, every customer and their activity, the change log of every segment,
// every score crossing, segment members and every customer's scores, and
// the automation's outbox (with each entry's state), tasks (and the last
// task seq), audit log and per-rule counts.
inline std::string Fingerprint(Engine& engine) {
  std::string out = absl::StrCat("now ", absl::FormatTime(engine.now()), "\n");
  std::vector<std::string> ids;
  {
    const Engine::Snapshot snap = engine.Read();
    for (auto& [id, row] : snap.store().RowsById()) ids.push_back(id);
  }
  for (const std::string& id : ids) {
    absl::StrAppend(&out, "customer ", id, " ", absl::CEscape(DeterministicBytes(*engine.GetCustomer(id))), " ",
                    absl::CEscape(DeterministicBytes(*engine.GetActivity(id))), "\n");
  }
  for (const SegmentChange& c : engine.SegmentChangesSince(0)) {
    absl::StrAppend(&out, "change ", c.seq, " ", absl::FormatTime(c.at), " ", c.segment, " ", c.customer_id, " ",
                    SegmentChangeKindName(c.kind), "\n");
  }
  for (const v1::ScoreCrossing& c : engine.ScoreCrossingsSince(0)) {
    absl::StrAppend(&out, "crossing ", absl::CEscape(DeterministicBytes(c)), "\n");
  }
  for (const v1::SegmentDef& s : engine.Segments()) {
    absl::StrAppend(&out, "segment ", s.name(), ":");
    const std::vector<std::string> members = *engine.SegmentMembers(s.name());
    for (const std::string& id : members) absl::StrAppend(&out, " ", id);
    absl::StrAppend(&out, "\n");
  }
  for (const v1::OutboxEntry& o : engine.OutboxEntries()) {
    absl::StrAppend(&out, "outbox ", absl::CEscape(DeterministicBytes(o)), "\n");
  }
  for (const v1::Task& t : engine.Tasks()) absl::StrAppend(&out, "task ", absl::CEscape(DeterministicBytes(t)), "\n");
  absl::StrAppend(&out, "last task ", engine.LastTask(), "\n");
  for (const v1::AuditRecord& r : engine.Audit()) {
    absl::StrAppend(&out, "audit ", absl::CEscape(DeterministicBytes(r)), "\n");
  }
  for (const automation::RuleStats& s : engine.RuleStats()) {
    absl::StrAppend(&out, "rule ", s.rule, " ", s.fired, " ", s.skipped, " ", s.applied, " ", s.outbox, " ",
                    s.blocked, "\n");
  }
  for (const v1::ScoreDef& s : engine.Scores()) {
    for (const std::string& id : ids) {
      const ScoreValue v = *engine.GetScore(s.name(), id);
      absl::StrAppend(&out, "score ", s.name(), " ", id, " ", absl::StrFormat("%.17g", v.value), " ", v.grade, "\n");
    }
  }
  return out;
}

// One input of a generated stream.
struct Input {
  enum class Kind { kPlaybook, kCustomers, kEvents, kAdvance } kind;
  v1::Playbook playbook;
  Batch<v1::Customer> customers;
  Batch<v1::Event> events;
  absl::Time advance_to;
};

inline absl::Status Apply(Engine& engine, const Input& in) {
  LoadOptions create;
  create.unknown_customer = UnknownCustomer::kCreate;
  switch (in.kind) {
    case Input::Kind::kPlaybook: return engine.DefinePlaybook(in.playbook);
    case Input::Kind::kCustomers: return engine.UpsertCustomers(in.customers).status();
    case Input::Kind::kEvents: return engine.IngestEvents(in.events, create).status();
    case Input::Kind::kAdvance: return engine.AdvanceTo(in.advance_to);
  }
  return absl::InternalError("unknown input");
}

inline constexpr int64_t kStreamStart = 1767225600;  // 2026-01-01T00:00:00Z

inline EngineOptions StreamEngineOptions() {
  EngineOptions options;
  options.start = absl::FromUnixSeconds(kStreamStart);
  return options;
}

// A playbook (two segments, one reading a 7-day window, and a decaying
// points score with two thresholds, one promoting), then `batches` inputs:
// customer upserts, event batches and clock moves, interleaved. The same
// seed gives the same stream.
inline std::vector<Input> GenerateStream(uint64_t seed, int batches) {
  uint64_t s = seed;
  auto next = [&s]() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  std::vector<Input> stream;
  Input& pb = stream.emplace_back();
  pb.kind = Input::Kind::kPlaybook;
  const bool parsed = google::protobuf::TextFormat::ParseFromString(R"pb(
    segments { name: "saas_big" condition: "customer.industry == 'SaaS' && customer.employee_count >= 50" }
    segments { name: "clicky" condition: "events.count('email_click', days(7)) >= 2" }
    segments { name: "hot" condition: "in_segment('clicky') && score('engagement') >= 30" }
    scores {
      name: "engagement"
      rules { event: "email_click" points: 10 }
      rules { event: "page_view" points: 2 max_per_window: 5 window { seconds: 86400 } }
      rules { condition: "customer.title.contains('VP')" points: 15 }
      decay { half_life { seconds: 259200 } }
      grades { grade: "A" min: 50 }
      grades { grade: "B" min: 20 }
      thresholds { value: 30 name: "mql" promote_to: LIFECYCLE_STAGE_MARKETING_QUALIFIED }
      thresholds { value: 60 name: "sql" }
    }
    owners { id: "ann" }
    owners { id: "bob" }
    pools { name: "reps" strategy: ROUND_ROBIN owners: "ann" owners: "bob" }
    policies { caps { channel: "email" max: 2 window { seconds: 86400 } } quiet_hours { start: "20:00" end: "08:00" } }
    rules { name: "hot_mail" trigger { segment { segment: "hot" on: ENTER } }
            actions { send_email { template_id: "hot" } } }
    rules { name: "route" trigger { score { score: "engagement" threshold: "mql" direction: UP } }
            actions { assign_owner { pool: "reps" } } actions { notify_owner { message: "mql" } }
            actions { create_task { title: "call" due_in_business_hours: 4 } } }
    rules { name: "form" trigger { event { type: "form_fill" } } condition: "customer.employee_count >= 10"
            actions { send_email { template_id: "thanks" } } actions { add_tag: "form" } }
  )pb", &pb.playbook);
  if (!parsed) std::abort();
  static const char* const kIndustries[] = {"SaaS", "Retail", "Finance", "Health"};
  static const char* const kTitles[] = {"VP Sales", "Engineer", "CTO", "VP Marketing", "Analyst"};
  static const char* const kEvents[] = {"email_click", "page_view", "email_open", "form_fill"};
  int64_t now = kStreamStart;
  for (int b = 0; b < batches; ++b) {
    Input& in = stream.emplace_back();
    const uint64_t r = next() % 10;
    if (r < 3) {
      in.kind = Input::Kind::kCustomers;
      for (int i = 0; i < 8; ++i) {
        v1::Customer& c = in.customers.records.emplace_back();
        c.set_id(absl::StrCat("c", next() % 300));
        c.set_industry(kIndustries[next() % 4]);
        c.set_employee_count(static_cast<int64_t>(next() % 200));
        c.set_title(kTitles[next() % 5]);
      }
    } else if (r < 8) {
      in.kind = Input::Kind::kEvents;
      for (int i = 0; i < 12; ++i) {
        v1::Event& e = in.events.records.emplace_back();
        e.set_customer_id(absl::StrCat("c", next() % 300));
        e.set_type(kEvents[next() % 4]);
        e.mutable_occurred_at()->set_seconds(now - static_cast<int64_t>(next() % 86400));
      }
    } else {
      in.kind = Input::Kind::kAdvance;
      now += 600 + static_cast<int64_t>(next() % (12 * 3600));
      in.advance_to = absl::FromUnixSeconds(now);
    }
  }
  return stream;
}

// The fingerprint of an in-memory engine fed the first `count` inputs.
inline std::string InMemoryFingerprint(const std::vector<Input>& stream, size_t count) {
  auto engine = *Engine::Create(StreamEngineOptions());
  for (size_t i = 0; i < count; ++i) {
    const absl::Status st = Apply(*engine, stream[i]);
    if (!st.ok()) return absl::StrCat("input ", i, " failed: ", st.ToString());
  }
  return Fingerprint(*engine);
}

// Removes the files of the state paths handed out, at the test process's
// exit (forked children leave with _exit and remove nothing).
struct TempStateFiles {
  std::vector<std::string> paths;
  static void Remove(const std::string& path) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((path + suffix).c_str());
  }
  ~TempStateFiles() {
    for (const std::string& p : paths) Remove(p);
  }
};

// A fresh path under the temp directory, removed at exit.
inline std::string TempStatePath(const std::string& name) {
  static TempStateFiles files;
  const char* dir = std::getenv("TMPDIR");
  std::string path = absl::StrCat(dir != nullptr ? dir : "/tmp", "/saleskit_state_", ::getpid(), "_", name, ".db");
  TempStateFiles::Remove(path);
  files.paths.push_back(path);
  return path;
}

}  // namespace saleskit::testing

#endif  // SALESKIT_TESTS_STATE_STATE_TEST_UTIL_H_
