// The automation runner through the Engine: triggers, actions, routing,
// policies, the outbox and the audit log.
#include <map>
#include <random>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "saleskit/engine.h"
#include "saleskit/io/playbook_text.h"
#include "saleskit/io/readers.h"
#include "state/state_test_util.h"
#include "test_util.h"

namespace saleskit {
namespace {

absl::Time At(const char* rfc3339) {
  absl::Time t;
  std::string err;
  REQUIRE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err));
  return t;
}

v1::Playbook Parse(const std::string& text) {
  v1::Playbook p;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &p));
  return p;
}

std::unique_ptr<Engine> NewEngine(const char* start = "2026-11-02T12:00:00Z") {  // a Monday
  EngineOptions options;
  options.start = At(start);
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(options);
  REQUIRE(engine.ok());
  return std::move(*engine);
}

std::vector<std::string> Tags(const Engine& e, absl::string_view id) {
  const v1::Customer c = *e.GetCustomer(id);
  return {c.tags().begin(), c.tags().end()};
}

void LoadCsv(Engine& e, RecordKind kind, const std::string& csv) {
  absl::StatusOr<LoadReport> r = e.Load(kind, csv, Format::kCsv);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
}

// rule -> outcome/reason strings, in audit order.
std::vector<std::string> Decisions(const Engine& e, absl::string_view customer = {}) {
  std::vector<std::string> out;
  for (const v1::AuditRecord& r : e.Audit(0, SIZE_MAX, customer)) {
    std::string line = absl::StrCat(r.rule(), " ", r.customer_id(), " ",
                                    r.outcome() == v1::AuditRecord::FIRED ? "fired" : v1::SkipReason_Name(r.reason()));
    for (const v1::ActionResult& a : r.actions()) {
      if (r.outcome() != v1::AuditRecord::FIRED) break;
      absl::StrAppend(&line, " ", v1::ActionResult::Result_Name(a.result()));
      if (a.reason() != v1::SKIP_REASON_UNSPECIFIED) absl::StrAppend(&line, ":", v1::SkipReason_Name(a.reason()));
    }
    out.push_back(line);
  }
  return out;
}

constexpr char kWelcome[] = R"pb(
  version: "v1"
  rules {
    name: "welcome"
    trigger { event { type: "signup" } }
    condition: 'customer.country == "DE"'
    actions { send_email { template_id: "welcome-de" } }
    actions { add_tag: "welcomed" }
  }
)pb";

TEST_CASE("an event trigger sends to the outbox and audits the decision", "[automation]") {
  auto e = NewEngine();
  REQUIRE(e->DefinePlaybook(Parse(kWelcome)).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,country\nc1,DE\nc2,FR\n");
  LoadCsv(*e, RecordKind::kEvents, "id,customer_id,type,occurred_at\ne1,c1,signup,2026-11-02T11:00:00Z\n"
                                   "e2,c2,signup,2026-11-02T11:00:00Z\ne3,c1,page_view,2026-11-02T11:00:00Z\n");
  CHECK(Decisions(*e) == std::vector<std::string>{"welcome c1 fired OUTBOX APPLIED", "welcome c2 CONDITION_FALSE"});
  const std::vector<v1::AuditRecord> audit = e->Audit();
  REQUIRE(audit.size() == 2);
  CHECK(audit[0].trigger() == "event signup e1 at 2026-11-02T11:00:00Z");
  CHECK(audit[0].playbook_version() == "v1");
  REQUIRE(audit[1].reads_size() == 1);
  CHECK(audit[1].reads(0).name() == "customer.country");
  CHECK(audit[1].reads(0).value() == "\"FR\"");

  std::vector<v1::OutboxEntry> polled = e->PollOutbox(10);
  REQUIRE(polled.size() == 1);
  CHECK(polled[0].customer_id() == "c1");
  CHECK(polled[0].action().send_email().template_id() == "welcome-de");
  CHECK(polled[0].id() == audit[0].actions(0).id());
  CHECK(Tags(*e, "c1") == std::vector<std::string>{"welcomed"});

  SECTION("the same event again is a duplicate and fires nothing") {
    LoadCsv(*e, RecordKind::kEvents, "id,customer_id,type,occurred_at\ne1,c1,signup,2026-11-02T11:00:00Z\n");
    CHECK(e->Audit().size() == 2);
  }
  SECTION("a polled entry is in flight until acked: ack, then it is done") {
    CHECK(e->PollOutbox(10).empty());
    REQUIRE(e->AckOutbox(polled[0].id()).ok());
    CHECK(e->AckOutbox(polled[0].id()).ok());  // again: fine
    CHECK(e->OutboxEntries(0, 10, v1::OutboxEntry::DONE).size() == 1);
    CHECK(e->AckOutbox("nope").code() == absl::StatusCode::kNotFound);
    CHECK(e->NackOutbox("nope", "x").code() == absl::StatusCode::kNotFound);
    CHECK(e->NackOutbox(polled[0].id(), "x").code() == absl::StatusCode::kFailedPrecondition);
  }
}

TEST_CASE("the audit records each value the condition read, once, in source order", "[automation]") {
  auto e = NewEngine();
  REQUIRE(e->DefinePlaybook(Parse(R"pb(
    version: "v1"
    scores { name: "fit" rules { condition: "customer.employee_count >= 100" points: 20 } }
    segments { name: "big" condition: "customer.employee_count >= 500" }
    rules {
      name: "check"
      trigger { event { type: "signup" } }
      condition: 'customer.attrs.plan == "pro" && (events.count("demo", days(30)) >= 1 || score("fit") > 10.0) && '
                 'customer.tags.exists(t, t == "vip") && !in_segment("big") && customer.attrs.plan != "free"'
      actions { add_tag: "checked" }
    }
    rules {
      name: "broken"
      trigger { event { type: "signup" } }
      condition: 'customer.attrs.seats > 3'
      actions { add_tag: "never" }
    }
  )pb")).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,employee_count,tags,attrs.plan,attrs.seats\nc1,120,vip,pro,many\n");
  LoadCsv(*e, RecordKind::kEvents, "customer_id,type,occurred_at\nc1,signup,2026-11-02T11:00:00Z\n");
  const std::vector<v1::AuditRecord> audit = e->Audit(0, SIZE_MAX, "c1", "check");
  REQUIRE(audit.size() == 1);
  CHECK(audit[0].outcome() == v1::AuditRecord::FIRED);
  std::vector<std::string> reads;
  for (const v1::ConditionRead& r : audit[0].reads()) reads.push_back(absl::StrCat(r.name(), " = ", r.value()));
  CHECK(reads == std::vector<std::string>{"customer.attrs.plan = \"pro\"", "events.count(\"demo\", days(30)) = 0",
                                          "score(\"fit\") = 20.0", "customer.tags = [\"vip\"]",
                                          "in_segment(\"big\") = false"});
  // A condition that fails to evaluate is CONDITION_ERROR, with the error,
  // and the value it read.
  const std::vector<v1::AuditRecord> broken = e->Audit(0, SIZE_MAX, "c1", "broken");
  REQUIRE(broken.size() == 1);
  CHECK(broken[0].reason() == v1::CONDITION_ERROR);
  REQUIRE(broken[0].reads_size() == 1);
  CHECK(broken[0].reads(0).value() == "\"many\"");
  REQUIRE(broken[0].actions_size() == 1);
  CHECK_FALSE(broken[0].actions(0).detail().empty());
}

TEST_CASE("action ids are derived from rule, customer and trigger: two runs agree byte for byte", "[automation]") {
  auto run = [] {
    auto e = NewEngine();
    REQUIRE(e->DefinePlaybook(Parse(kWelcome)).ok());
    LoadCsv(*e, RecordKind::kCustomers, "id,country\nc1,DE\nc3,DE\n");
    LoadCsv(*e, RecordKind::kEvents, "id,customer_id,type,occurred_at\ne1,c1,signup,2026-11-02T11:00:00Z\n"
                                     "e9,c3,signup,2026-11-02T11:00:00Z\n");
    std::string out;
    for (const auto& r : e->Audit()) out += SerializeDeterministic(r);
    for (const auto& o : e->OutboxEntries()) out += SerializeDeterministic(o);
    return out;
  };
  const std::string a = run();
  CHECK(!a.empty());
  CHECK(a == run());
}

TEST_CASE("nacked entries retry with exponential backoff and go to the dead letters", "[automation]") {
  EngineOptions options;
  options.start = At("2026-11-02T12:00:00Z");
  options.outbox.max_attempts = 3;
  options.outbox.retry_base = absl::Minutes(1);
  auto e = std::move(*Engine::Create(options));
  REQUIRE(e->DefinePlaybook(Parse(kWelcome)).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,country\nc1,DE\n");
  LoadCsv(*e, RecordKind::kEvents, "id,customer_id,type,occurred_at\ne1,c1,signup,2026-11-02T11:00:00Z\n"
                                   "e2,c1,signup,2026-11-02T11:30:00Z\n");
  std::vector<v1::OutboxEntry> first = e->PollOutbox(10);
  REQUIRE(first.size() == 1);  // the second waits behind the first (per-customer order)
  REQUIRE(e->NackOutbox(first[0].id(), "smtp 451").ok());
  CHECK(e->PollOutbox(10).empty());  // backing off: and the customer's later entry waits too
  REQUIRE(e->AdvanceTo(At("2026-11-02T12:01:00Z")).ok());
  REQUIRE(e->PollOutbox(10).size() == 1);
  REQUIRE(e->NackOutbox(first[0].id(), "smtp 451").ok());
  REQUIRE(e->AdvanceTo(At("2026-11-02T12:02:59Z")).ok());
  CHECK(e->PollOutbox(10).empty());  // second retry waits 2 minutes
  REQUIRE(e->AdvanceTo(At("2026-11-02T12:03:00Z")).ok());
  REQUIRE(e->PollOutbox(10).size() == 1);
  REQUIRE(e->NackOutbox(first[0].id(), "smtp 550").ok());
  std::vector<v1::OutboxEntry> dead = e->OutboxEntries(0, 10, v1::OutboxEntry::DEAD);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].attempts() == 3);
  CHECK(dead[0].last_error() == "smtp 550");
  CHECK(e->AckOutbox(first[0].id()).code() == absl::StatusCode::kFailedPrecondition);
  // The dead entry no longer holds the customer's next one back.
  std::vector<v1::OutboxEntry> next = e->PollOutbox(10);
  REQUIRE(next.size() == 1);
  CHECK(next[0].id() != first[0].id());
  // A batch with the dead entry acks nothing, naming it and its place.
  const std::vector<std::string> with_dead = {next[0].id(), first[0].id()};
  const absl::Status refused = e->AckOutbox(absl::MakeConstSpan(with_dead));
  CHECK(refused.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(refused.message(), absl::StrCat("ack 2 of 2: outbox entry \"", first[0].id(), "\"")));
  CHECK(absl::StrContains(refused.message(), "nothing was acked"));
  CHECK(e->OutboxEntries(0, 10, v1::OutboxEntry::DONE).empty());
}

TEST_CASE("a batch of acks is all or none", "[automation][outbox][bad-input]") {
  auto e = NewEngine();
  REQUIRE(e->DefinePlaybook(Parse(kWelcome)).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,country\nc1,DE\nc2,DE\nc3,DE\n");
  LoadCsv(*e, RecordKind::kEvents, "id,customer_id,type,occurred_at\ne1,c1,signup,2026-11-02T11:00:00Z\n"
                                   "e2,c2,signup,2026-11-02T11:00:00Z\ne3,c3,signup,2026-11-02T11:00:00Z\n");
  const std::vector<v1::OutboxEntry> polled = e->PollOutbox(10);
  REQUIRE(polled.size() == 3);
  std::vector<std::string> ids = {polled[0].id(), polled[1].id(), "nope", polled[2].id()};
  const absl::Status st = e->AckOutbox(absl::MakeConstSpan(ids));
  CHECK(st.code() == absl::StatusCode::kNotFound);
  CHECK(absl::StrContains(st.message(), "ack 3 of 4: no outbox entry with id \"nope\"; nothing was acked"));
  CHECK(e->OutboxEntries(0, 10, v1::OutboxEntry::DONE).empty());
  CHECK(e->PollOutbox(10).empty());  // still in flight, not lost
  ids.erase(ids.begin() + 2);
  ids.push_back(polled[0].id());  // a repeat is fine
  REQUIRE(e->AckOutbox(absl::MakeConstSpan(ids)).ok());
  CHECK(e->OutboxEntries(0, 10, v1::OutboxEntry::DONE).size() == 3);
  CHECK(e->OutboxEntries(0, 10, v1::OutboxEntry::PENDING).empty());
  REQUIRE(e->AckOutbox(absl::MakeConstSpan(ids)).ok());  // again: fine
  REQUIRE(e->AckOutbox(absl::Span<const std::string>()).ok());  // none: nothing to do
}

constexpr char kRouting[] = R"pb(
  segments { name: "hot" condition: 'customer.employee_count >= 100' }
  owners { id: "ann" }
  owners { id: "bob" unavailable: true }
  owners { id: "cy" }
  owners { id: "dee" }
  pools { name: "reps" strategy: ROUND_ROBIN owners: "ann" owners: "bob" owners: "cy" fallback_owner: "dee" }
  rules {
    name: "route"
    trigger { segment { segment: "hot" on: ENTER } }
    actions { assign_owner { pool: "reps" } }
    actions { create_task { title: "Call" due_in_business_hours: 4 } }
  }
)pb";

TEST_CASE("round robin keeps its pointer and skips unavailable owners", "[automation]") {
  auto e = NewEngine("2026-11-06T15:00:00Z");  // a Friday, 15:00 UTC
  REQUIRE(e->DefinePlaybook(Parse(kRouting)).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,employee_count\nc1,500\nc2,200\nc3,150\nc4,10\n");
  std::map<std::string, std::string> owner;
  for (const char* id : {"c1", "c2", "c3", "c4"}) owner[id] = e->GetCustomer(id)->owner_id();
  CHECK(owner == std::map<std::string, std::string>{{"c1", "ann"}, {"c2", "cy"}, {"c3", "ann"}, {"c4", ""}});
  const std::vector<v1::Task> tasks = e->Tasks("c1");
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].owner_id() == "ann");
  // 4 business hours from Friday 15:00 (Mon-Fri 09:00-17:00 UTC): Monday 11:00.
  CHECK(tasks[0].due_at().seconds() == absl::ToUnixSeconds(At("2026-11-09T11:00:00Z")));

  SECTION("a new version swaps in atomically and the pointer carries over") {
    v1::Playbook next = Parse(kRouting);
    next.set_version("v2");
    next.mutable_owners(0)->set_unavailable(true);  // ann on leave
    REQUIRE(e->DefinePlaybook(next).ok());
    LoadCsv(*e, RecordKind::kCustomers, "id,employee_count\nc5,900\nc6,900\n");
    CHECK(e->GetCustomer("c5")->owner_id() == "cy");
    CHECK(e->GetCustomer("c6")->owner_id() == "cy");
    CHECK(e->Audit(0, SIZE_MAX, "c6")[0].playbook_version() == "v2");
  }
  SECTION("with every pooled owner away the fallback owner gets the customer") {
    v1::Playbook next = Parse(kRouting);
    next.mutable_owners(0)->set_unavailable(true);
    next.mutable_owners(2)->set_unavailable(true);
    REQUIRE(e->DefinePlaybook(next).ok());
    LoadCsv(*e, RecordKind::kCustomers, "id,employee_count\nc7,900\n");
    CHECK(e->GetCustomer("c7")->owner_id() == "dee");
  }
}

std::vector<uint64_t> TaskSeqs(const std::vector<v1::Task>& tasks) {
  std::vector<uint64_t> out;
  for (const v1::Task& t : tasks) out.push_back(t.seq());
  return out;
}

TEST_CASE("tasks are numbered in order; a host takes them since a seq and trims them", "[automation][tasks]") {
  auto e = NewEngine("2026-11-06T15:00:00Z");
  REQUIRE(e->DefinePlaybook(Parse(kRouting)).ok());
  CHECK(e->LastTask() == 0);
  LoadCsv(*e, RecordKind::kCustomers, "id,employee_count\nc1,500\nc2,200\nc3,150\n");
  const std::vector<v1::Task> all = e->Tasks();
  REQUIRE(all.size() == 3);
  CHECK(TaskSeqs(all) == std::vector<uint64_t>{1, 2, 3});
  CHECK(e->LastTask() == 3);
  CHECK(TaskSeqs(e->TasksSince(1)) == std::vector<uint64_t>{2, 3});
  CHECK(TaskSeqs(e->TasksSince(0, 2)) == std::vector<uint64_t>{1, 2});
  CHECK(e->TasksSince(3).empty());
  CHECK(e->TasksSince(0, 1)[0].customer_id() == all[0].customer_id());

  e->TrimTasks(2);
  CHECK(TaskSeqs(e->Tasks()) == std::vector<uint64_t>{3});
  CHECK(e->LastTask() == 3);  // trimming keeps the newest seq
  e->TrimTasks(1);            // already gone: nothing changes
  CHECK(TaskSeqs(e->Tasks()) == std::vector<uint64_t>{3});
  e->TrimTasks(UINT64_MAX);
  CHECK(e->Tasks().empty());
  LoadCsv(*e, RecordKind::kCustomers, "id,employee_count\nc4,900\nc5,900\n");
  CHECK(TaskSeqs(e->Tasks()) == std::vector<uint64_t>{4, 5});  // no seq is given twice

  SECTION("erasing a customer removes their tasks; the others keep their seqs") {
    REQUIRE(e->EraseCustomer(e->Tasks()[0].customer_id()).ok());
    CHECK(TaskSeqs(e->Tasks()) == std::vector<uint64_t>{5});
    CHECK(e->LastTask() == 5);
  }
}

TEST_CASE("weighted, least-loaded and territory pools", "[automation]") {
  auto e = NewEngine();
  v1::Playbook p = Parse(R"pb(
    owners { id: "a" weight: 3 }
    owners { id: "b" weight: 1 }
    owners { id: "de" }
    owners { id: "rest" }
    pools { name: "w" strategy: WEIGHTED owners: "a" owners: "b" }
    pools { name: "least" strategy: LEAST_LOADED owners: "a" owners: "b" }
    pools { name: "geo" strategy: TERRITORY
            territories { condition: 'customer.country == "DE"' owner: "de" }
            fallback_owner: "rest" }
    rules { name: "weighted" trigger { event { type: "w" } } actions { assign_owner { pool: "w" } } }
    rules { name: "least" trigger { event { type: "l" } } actions { assign_owner { pool: "least" } } }
    rules { name: "geo" trigger { event { type: "g" } } actions { assign_owner { pool: "geo" } } }
  )pb");
  REQUIRE(e->DefinePlaybook(p).ok());
  std::string customers = "id,country,owner_id\n";
  for (int i = 0; i < 8; ++i) customers += absl::StrCat("w", i, ",FR,\n");
  customers += "l0,FR,a\nl1,FR,a\nl2,FR,\nl3,FR,\ng0,DE,\ng1,FR,\n";
  LoadCsv(*e, RecordKind::kCustomers, customers);
  std::string events = "customer_id,type,occurred_at\n";
  for (int i = 0; i < 8; ++i) events += absl::StrCat("w", i, ",w,2026-11-02T11:00:00Z\n");
  events += "l2,l,2026-11-02T11:00:00Z\nl3,l,2026-11-02T11:00:00Z\ng0,g,2026-11-02T11:00:00Z\ng1,g,2026-11-02T11:00:00Z\n";
  LoadCsv(*e, RecordKind::kEvents, events);
  int a = 0;
  for (int i = 0; i < 8; ++i) a += e->GetCustomer(absl::StrCat("w", i))->owner_id() == "a";
  CHECK(a == 6);  // weights 3:1
  // Least loaded: a has 2 (+6 from the weighted pool), b has 2: l2 -> b, then l3 -> b (3 vs 8).
  CHECK(e->GetCustomer("l2")->owner_id() == "b");
  CHECK(e->GetCustomer("l3")->owner_id() == "b");
  CHECK(e->GetCustomer("g0")->owner_id() == "de");
  CHECK(e->GetCustomer("g1")->owner_id() == "rest");
}

TEST_CASE("consent, caps, the contact budget and quiet hours decide outreach", "[automation]") {
  auto e = NewEngine("2026-11-02T12:00:00Z");
  REQUIRE(e->DefinePlaybook(Parse(R"pb(
    policies {
      timezone: "Europe/Berlin"
      caps { channel: "email" max: 2 window { seconds: 86400 } }
      contact_budget { max: 3 window { seconds: 86400 } }
      quiet_hours { start: "20:00" end: "08:00" }
    }
    rules { name: "mail" trigger { event { type: "visit" } } actions { send_email { template_id: "t" } } }
    rules { name: "sms" trigger { event { type: "visit" } } actions { webhook { name: "sms" channel: "sms" } } }
    rules { name: "ping" trigger { event { type: "visit" } } actions { notify_owner { message: "visit" } } }
  )pb")).ok());
  LoadCsv(*e, RecordKind::kCustomers,
          "id,do_not_contact,consent.email,owner_id,timezone\nok,false,opted_in,o1,\nnope,true,,o1,\n"
          "optout,false,opted_out,o1,\nlate,false,,o1,Asia/Tokyo\n");
  LoadCsv(*e, RecordKind::kEvents,
          "customer_id,type,occurred_at\nok,visit,2026-11-02T11:00:00Z\nok,visit,2026-11-02T11:01:00Z\n"
          "ok,visit,2026-11-02T11:02:00Z\nnope,visit,2026-11-02T11:00:00Z\noptout,visit,2026-11-02T11:00:00Z\n"
          "late,visit,2026-11-02T11:00:00Z\n");
  // ok: mail, sms (2 contacts); mail, sms (4 > budget 3: the 4th is over); third visit: cap on email.
  CHECK(Decisions(*e, "ok") == std::vector<std::string>{
                                   "mail ok fired OUTBOX", "ping ok fired OUTBOX", "sms ok fired OUTBOX",
                                   "mail ok fired OUTBOX", "ping ok fired OUTBOX", "sms ok fired SKIPPED:CONTACT_BUDGET",
                                   "mail ok fired SKIPPED:FREQUENCY_CAP", "ping ok fired OUTBOX",
                                   "sms ok fired SKIPPED:CONTACT_BUDGET"});
  CHECK(Decisions(*e, "nope") == std::vector<std::string>{"mail nope fired SKIPPED:DO_NOT_CONTACT",
                                                          "ping nope fired OUTBOX",
                                                          "sms nope fired SKIPPED:DO_NOT_CONTACT"});
  CHECK(Decisions(*e, "optout") == std::vector<std::string>{"mail optout fired SKIPPED:NO_CONSENT",
                                                            "ping optout fired OUTBOX", "sms optout fired OUTBOX"});
  // 12:00 UTC is 21:00 in Tokyo: outreach waits until 08:00 there (23:00 UTC), notes to the owner do not.
  CHECK(Decisions(*e, "late") == std::vector<std::string>{"mail late fired DEFERRED", "ping late fired OUTBOX",
                                                          "sms late fired DEFERRED"});
  for (const v1::OutboxEntry& o : e->OutboxEntries()) {
    if (o.customer_id() != "late" || o.action().has_notify_owner()) continue;
    CHECK(o.available_at().seconds() == absl::ToUnixSeconds(At("2026-11-02T23:00:00Z")));
  }
}

TEST_CASE("a rule's own writes do not retrigger it and cascades stop at the depth limit", "[automation]") {
  auto e = NewEngine();
  REQUIRE(e->DefinePlaybook(Parse(R"pb(
    policies { max_cascade_depth: 2 }
    rules { name: "a" trigger { field_changed { field: "attrs.step" to: "1" } }
            actions { set_field { field: "attrs.step2" value: "x" } } }
    rules { name: "b" trigger { field_changed { field: "attrs.step2" } }
            actions { set_field { field: "attrs.step3" value: "y" } } }
    rules { name: "c" trigger { field_changed { field: "attrs.step3" } }
            actions { set_field { field: "attrs.step4" value: "z" } } }
    rules { name: "d" trigger { field_changed { field: "attrs.step4" } }
            actions { add_tag: "deep" } }
    rules { name: "self" trigger { field_changed { field: "attrs.n" } }
            actions { set_field { field: "attrs.n" value: "10" } } }
  )pb")).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id\nc1\n");  // created first: initial values are no change
  LoadCsv(*e, RecordKind::kCustomers, "id,attrs.step,attrs.n\nc1,1,1\n");
  // Depth 0: the host wrote attrs.n and attrs.step (fields in name order);
  // depth 1: their effects; depth 3 is past the limit.
  CHECK(Decisions(*e) == std::vector<std::string>{"self c1 fired APPLIED", "a c1 fired APPLIED",
                                                  "self c1 SELF_TRIGGER", "b c1 fired APPLIED",
                                                  "c c1 fired APPLIED", "d c1 LOOP_LIMIT"});
  const std::vector<v1::AuditRecord> audit = e->Audit();
  CHECK(audit.back().depth() == 3);
  CHECK(e->GetCustomer("c1")->attrs().at("n").int_value() == 10);
  CHECK(e->GetCustomer("c1")->tags().empty());
}

TEST_CASE("outreach sees what earlier actions of the same change wrote", "[automation]") {
  auto e = NewEngine();
  REQUIRE(e->DefinePlaybook(Parse(R"pb(
    owners { id: "ann" }
    rules { name: "stop" priority: 9 trigger { event { type: "unsubscribe" } }
            actions { set_field { field: "do_not_contact" value: "true" } } }
    rules { name: "route" priority: 9 trigger { event { type: "visit" } } actions { assign_owner { owner: "ann" } } }
    rules { name: "mail" trigger { event { type: "unsubscribe" } } actions { send_email { template_id: "bye" } } }
    rules { name: "ping" trigger { event { type: "visit" } } actions { notify_owner { message: "visit" } } }
  )pb")).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,owner_id\nc1,\nc2,bob\n");
  LoadCsv(*e, RecordKind::kEvents, "customer_id,type,occurred_at\nc1,unsubscribe,2026-11-02T11:00:00Z\n"
                                   "c1,visit,2026-11-02T11:00:00Z\nc2,visit,2026-11-02T11:00:00Z\n");
  CHECK(Decisions(*e, "c1") == std::vector<std::string>{"stop c1 fired APPLIED", "mail c1 fired SKIPPED:DO_NOT_CONTACT",
                                                        "route c1 fired APPLIED", "ping c1 fired OUTBOX"});
  CHECK(Decisions(*e, "c2") == std::vector<std::string>{"route c2 fired APPLIED", "ping c2 fired OUTBOX"});
  const std::vector<v1::OutboxEntry> pings = e->OutboxEntries();
  REQUIRE(pings.size() == 2);
  CHECK(pings[0].owner_id() == "ann");  // assigned by the same visit: c1 had none
  CHECK(pings[1].owner_id() == "ann");  // c2's bob was replaced
}

TEST_CASE("rules of one group compete: only the highest priority acts", "[automation]") {
  auto e = NewEngine();
  REQUIRE(e->DefinePlaybook(Parse(R"pb(
    rules { name: "low" priority: 1 group: "nurture" trigger { event { type: "x" } } actions { add_tag: "low" } }
    rules { name: "high" priority: 5 group: "nurture" trigger { event { type: "x" } }
            condition: 'customer.country == "DE"' actions { add_tag: "high" } }
    rules { name: "other" trigger { event { type: "x" } } actions { add_tag: "other" } }
  )pb")).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,country\nde,DE\nfr,FR\n");
  LoadCsv(*e, RecordKind::kEvents, "customer_id,type,occurred_at\nde,x,2026-11-02T11:00:00Z\nfr,x,2026-11-02T11:00:00Z\n");
  CHECK(Decisions(*e) == std::vector<std::string>{"high de fired APPLIED", "low de PRIORITY", "other de fired APPLIED",
                                                  "high fr CONDITION_FALSE", "low fr fired APPLIED",
                                                  "other fr fired APPLIED"});
}

TEST_CASE("schedules of one group at one instant compete as one change", "[automation]") {
  auto e = NewEngine();
  // Each rule has its own timer; at 09:00 both fire for every customer of the zone.
  REQUIRE(e->DefinePlaybook(Parse(R"pb(
    policies { timezone: "Europe/Berlin" }
    rules { name: "weekly" priority: 1 group: "digest" trigger { schedule { at: "09:00" } } actions { add_tag: "w" } }
    rules { name: "daily" priority: 5 group: "digest" trigger { schedule { at: "09:00" } } actions { add_tag: "d" } }
  )pb")).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id\nc1\n");
  REQUIRE(e->AdvanceTo(At("2026-11-03T08:30:00Z")).ok());  // 09:30 in Berlin
  CHECK(Decisions(*e) == std::vector<std::string>{"daily c1 fired APPLIED", "weekly c1 PRIORITY"});
}

TEST_CASE("score crossings and lifecycle changes trigger rules, and rules adjust scores", "[automation]") {
  auto e = NewEngine();
  REQUIRE(e->DefinePlaybook(Parse(R"pb(
    scores { name: "engagement"
             rules { event: "click" points: 10 }
             thresholds { value: 20 name: "mql" promote_to: LIFECYCLE_STAGE_MARKETING_QUALIFIED } }
    rules { name: "mql" trigger { score { score: "engagement" threshold: "mql" direction: UP } }
            actions { notify_owner { message: "new MQL" } } }
    rules { name: "stage" trigger { lifecycle_changed { to: LIFECYCLE_STAGE_MARKETING_QUALIFIED } }
            actions { add_tag: "mql" } actions { adjust_score { score: "engagement" points: 5 } } }
  )pb")).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,owner_id\nc1,o1\n");
  LoadCsv(*e, RecordKind::kEvents, "customer_id,type,occurred_at\nc1,click,2026-11-02T11:00:00Z\n"
                                   "c1,click,2026-11-02T11:01:00Z\n");
  CHECK(Decisions(*e) == std::vector<std::string>{"mql c1 fired OUTBOX", "stage c1 fired APPLIED APPLIED"});
  CHECK(e->GetScore("engagement", "c1")->value == 25);
  CHECK(Tags(*e, "c1") == std::vector<std::string>{"mql"});
  const auto explained = e->ExplainScore("engagement", "c1");
  REQUIRE(explained.ok());
  CHECK(explained->rules.back().rule == "rule stage");
}

TEST_CASE("date, inactivity and schedule triggers fire once per occurrence", "[automation]") {
  auto e = NewEngine("2026-11-02T12:00:00Z");  // Monday
  REQUIRE(e->DefinePlaybook(Parse(R"pb(
    policies { timezone: "Europe/Berlin" }
    rules { name: "renewal" trigger { date { field: "attrs.renewal" offset { seconds: -2592000 } } }
            actions { add_tag: "renewal-soon" } }
    rules { name: "quiet" trigger { inactivity { event_type: "open" after { seconds: 1209600 } } }
            actions { add_tag: "re-engage" } }
    rules { name: "digest" trigger { schedule { days: [MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY] at: "09:00" } }
            condition: 'customer.country == "DE"'
            actions { webhook { name: "digest" } } }
  )pb")).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,country,attrs.renewal,timezone\nc1,DE,2026-12-20T00:00:00Z,\n"
                                      "c2,US,2026-12-25T00:00:00Z,America/New_York\n");
  LoadCsv(*e, RecordKind::kEvents, "customer_id,type,occurred_at\nc1,open,2026-11-01T00:00:00Z\n");
  // Tick hourly for three weeks: schedules fire once per weekday, however often the clock moves.
  for (absl::Time t = At("2026-11-02T12:00:00Z"); t <= At("2026-11-23T12:00:00Z"); t += absl::Hours(1)) {
    REQUIRE(e->AdvanceTo(t).ok());
  }
  int digests = 0, renewals = 0, quiet = 0;
  std::set<std::string> digest_triggers;
  for (const v1::AuditRecord& r : e->Audit()) {
    if (r.rule() == "digest" && r.customer_id() == "c1") {
      ++digests;
      CHECK(r.outcome() == v1::AuditRecord::FIRED);
      digest_triggers.insert(r.trigger());
    }
    if (r.rule() == "renewal") ++renewals;
    if (r.rule() == "quiet") {
      ++quiet;
      // c1 last opened on Nov 1; c2 never did: from when it was loaded.
      CHECK(r.at().seconds() == absl::ToUnixSeconds(r.customer_id() == "c1" ? At("2026-11-15T00:00:00Z")
                                                                             : At("2026-11-16T12:00:00Z")));
    }
  }
  CHECK(digests == 15);  // Tue 3 .. Mon 23: 15 weekdays
  CHECK(digest_triggers.count("schedule 2026-11-03T09:00+01:00 Europe/Berlin") == 1);
  CHECK(renewals == 1);  // c1's renewal date - 30 days is Nov 20; c2's is Nov 25 (after)
  CHECK(quiet == 2);
}

TEST_CASE("bad playbooks are refused whole, naming what is wrong", "[automation]") {
  auto e = NewEngine();
  auto error = [&](const std::string& text) {
    absl::Status st = e->DefinePlaybook(Parse(text));
    CHECK(!st.ok());
    return std::string(st.message());
  };
  CHECK(error(R"pb(segments { name: "s" condition: "true" }
                   rules { name: "r" trigger { event { type: "x" } } condition: "customer.nope" actions { add_tag: "t" } })pb")
            .find("rule \"r\": condition:") != std::string::npos);
  CHECK(e->Segments().empty());  // all or none: the segment was not defined
  CHECK(error(R"pb(policies { caps { channel: "email" max: 0 window { seconds: 60 } } })pb") ==
        "policies.caps[0]: a cap of 0 would block every action on the channel; remove the actions instead");
  CHECK(error(R"pb(policies { timezone: "Mars/Olympus" })pb").find("Mars/Olympus") != std::string::npos);
  CHECK(error(R"pb(owners { id: "a" unavailable: true } pools { name: "p" strategy: ROUND_ROBIN owners: "a" })pb") ==
        "pool \"p\": no owner is available and there is no available fallback_owner");
  CHECK(error(R"pb(rules { name: "a" trigger { field_changed { field: "attrs.x" } } actions { set_field { field: "attrs.y" value: "1" } } }
                   rules { name: "b" trigger { field_changed { field: "attrs.y" } } actions { set_field { field: "attrs.x" value: "1" } } })pb") ==
        "rules form a loop: \"a\" writes attrs.y, which triggers \"b\" writes attrs.x, which triggers \"a\"");
  CHECK(error(R"pb(rules { name: "a" trigger { segment { segment: "nope" on: ENTER } } actions { add_tag: "t" } })pb") ==
        "rule \"a\": trigger.segment: there is no segment named \"nope\"");
  CHECK(error(R"pb(rules { name: "a" trigger { schedule { at: "9am" } } actions { add_tag: "t" } })pb")
            .find("rule \"a\": trigger.schedule.at:") == 0);
  CHECK(error(R"pb(rules { name: "a" trigger { event { type: "x" } } })pb") == "rule \"a\": needs at least one action");
}

TEST_CASE("erasing a customer removes their audit, outbox and tasks", "[automation]") {
  auto e = NewEngine();
  REQUIRE(e->DefinePlaybook(Parse(kWelcome)).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,country\nc1,DE\nc2,DE\n");
  LoadCsv(*e, RecordKind::kEvents, "customer_id,type,occurred_at\nc1,signup,2026-11-02T11:00:00Z\n"
                                   "c2,signup,2026-11-02T11:00:00Z\n");
  REQUIRE(e->EraseCustomer("c1").ok());
  for (const auto& r : e->Audit()) CHECK(r.customer_id() == "c2");
  for (const auto& o : e->OutboxEntries()) CHECK(o.customer_id() == "c2");
  CHECK(e->Audit().size() == 1);
}

TEST_CASE("EraseCustomers erases all or none, naming the first id it refuses", "[automation][erase]") {
  auto e = NewEngine();
  REQUIRE(e->DefinePlaybook(Parse(kWelcome)).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,country\nc1,DE\nc2,DE\nc3,DE\n");
  LoadCsv(*e, RecordKind::kEvents, "customer_id,type,occurred_at\nc1,signup,2026-11-02T11:00:00Z\n"
                                   "c2,signup,2026-11-02T11:00:00Z\nc3,signup,2026-11-02T11:00:00Z\n");
  const size_t audit = e->Audit().size(), outbox = e->OutboxEntries().size();
  REQUIRE(audit == 3);
  absl::Status st = e->EraseCustomers({"c1", "nobody", "c2"});
  CHECK(st.code() == absl::StatusCode::kNotFound);
  CHECK(st.message() == "erase 2 of 3: no customer with id \"nobody\"; nothing was erased");
  st = e->EraseCustomers({"c2", "c1", "c2"});
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK(st.message() == "erase 3 of 3: customer \"c2\" is erase 1 too; nothing was erased");
  // Nothing was erased: the customers, their audit records and outbox entries are all there.
  CHECK(e->customer_count() == 3);
  CHECK(e->Audit().size() == audit);
  CHECK(e->OutboxEntries().size() == outbox);
  REQUIRE(e->EraseCustomers({}).ok());
  CHECK(e->customer_count() == 3);
  // One id: the same error as EraseCustomer's.
  CHECK(e->EraseCustomers({"nobody"}).message() == e->EraseCustomer("nobody").message());

  REQUIRE(e->EraseCustomers({"c3", "c1"}).ok());
  CHECK(e->customer_count() == 1);
  CHECK(e->GetCustomer("c1").status().code() == absl::StatusCode::kNotFound);
  CHECK(e->GetCustomer("c3").status().code() == absl::StatusCode::kNotFound);
  for (const auto& r : e->Audit()) CHECK(r.customer_id() == "c2");
  for (const auto& o : e->OutboxEntries()) CHECK(o.customer_id() == "c2");
  CHECK(e->Audit().size() == 1);
}

}  // namespace
}  // namespace saleskit

namespace saleskit {
namespace {

// ------------------------------------------------------------------ owner availability

// The owner each customer got, in id order ("" for none).
std::map<std::string, std::string> Owners(const Engine& e, std::initializer_list<const char*> ids) {
  std::map<std::string, std::string> out;
  for (const char* id : ids) out[id] = e.GetCustomer(id)->owner_id();
  return out;
}

TEST_CASE("SetOwnerAvailable: round robin skips an owner on leave and resumes after", "[automation][availability]") {
  auto e = NewEngine("2026-11-06T15:00:00Z");
  REQUIRE(e->DefinePlaybook(Parse(kRouting)).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,employee_count\nc1,500\nc2,200\n");
  CHECK(Owners(*e, {"c1", "c2"}) == std::map<std::string, std::string>{{"c1", "ann"}, {"c2", "cy"}});

  REQUIRE(e->SetOwnerAvailable("cy", false).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,employee_count\nc3,500\nc4,500\n");
  CHECK(Owners(*e, {"c3", "c4"}) == std::map<std::string, std::string>{{"c3", "ann"}, {"c4", "ann"}});

  REQUIRE(e->SetOwnerAvailable("cy", true).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,employee_count\nc5,500\nc6,500\n");
  CHECK(Owners(*e, {"c5", "c6"}) == std::map<std::string, std::string>{{"c5", "cy"}, {"c6", "ann"}});

  SECTION("an owner the playbook marks unavailable can be made available") {
    REQUIRE(e->SetOwnerAvailable("bob", true).ok());
    LoadCsv(*e, RecordKind::kCustomers, "id,employee_count\nc7,500\n");
    CHECK(e->GetCustomer("c7")->owner_id() == "bob");
  }
  SECTION("an owner not in the playbook is NotFound, and nothing changes") {
    const absl::Status st = e->SetOwnerAvailable("zed", false);
    CHECK(st.code() == absl::StatusCode::kNotFound);
    CHECK(absl::StrContains(st.message(), "\"zed\""));
    auto empty = NewEngine();
    CHECK(empty->SetOwnerAvailable("ann", false).code() == absl::StatusCode::kNotFound);
  }
  SECTION("overrides outlive a new version that keeps the owner, whatever its flag") {
    REQUIRE(e->SetOwnerAvailable("cy", false).ok());
    REQUIRE(e->SetOwnerAvailable("bob", true).ok());
    v1::Playbook next = Parse(kRouting);  // bob still flagged unavailable, cy available
    next.set_version("v2");
    REQUIRE(e->DefinePlaybook(next).ok());
    LoadCsv(*e, RecordKind::kCustomers, "id,employee_count\nc8,500\nc9,500\nc10,500\n");
    CHECK(Owners(*e, {"c8", "c9", "c10"}) ==
          std::map<std::string, std::string>{{"c8", "bob"}, {"c9", "ann"}, {"c10", "bob"}});
  }
  SECTION("a version that drops the owner forgets the override") {
    REQUIRE(e->SetOwnerAvailable("bob", true).ok());
    v1::Playbook without = Parse(kRouting);
    without.mutable_pools(0)->clear_owners();
    without.mutable_pools(0)->add_owners("ann");
    without.mutable_owners()->erase(without.mutable_owners()->begin() + 1);  // bob
    REQUIRE(e->DefinePlaybook(without).ok());
    CHECK(e->SetOwnerAvailable("bob", true).code() == absl::StatusCode::kNotFound);
    REQUIRE(e->DefinePlaybook(Parse(kRouting)).ok());  // bob is back, flagged unavailable
    LoadCsv(*e, RecordKind::kCustomers, "id,employee_count\nc11,500\nc12,500\nc13,500\n");
    for (const char* id : {"c11", "c12", "c13"}) CHECK(e->GetCustomer(id)->owner_id() != "bob");
  }
}

TEST_CASE("SetOwnerAvailable: with the pool and its fallback all away, the routing is audited, not dropped",
          "[automation][availability]") {
  auto e = NewEngine("2026-11-06T15:00:00Z");
  REQUIRE(e->DefinePlaybook(Parse(kRouting)).ok());
  REQUIRE(e->SetOwnerAvailable("ann", false).ok());
  REQUIRE(e->SetOwnerAvailable("cy", false).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,employee_count\nc1,500\n");
  CHECK(e->GetCustomer("c1")->owner_id() == "dee");  // the fallback

  REQUIRE(e->SetOwnerAvailable("dee", false).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,employee_count\nc2,500\n");
  CHECK(e->GetCustomer("c2")->owner_id().empty());
  const std::vector<v1::AuditRecord> audit = e->Audit(0, SIZE_MAX, "c2");
  REQUIRE(audit.size() == 1);
  CHECK(audit[0].rule() == "route");
  CHECK(audit[0].outcome() == v1::AuditRecord::FIRED);
  REQUIRE(audit[0].actions_size() == 2);
  CHECK(audit[0].actions(0).result() == v1::ActionResult::SKIPPED);
  CHECK(audit[0].actions(0).reason() == v1::NO_OWNER);
  CHECK(audit[0].actions(0).detail() == "pool reps has no available owner");
  const std::vector<automation::RuleStats> stats = e->RuleStats();
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].blocked >= 1);
}

TEST_CASE("SetOwnerAvailable is journaled: a reopened engine keeps the override", "[automation][availability][state]") {
  const std::string path = testing::TempStatePath("owner_available");
  EngineOptions options;
  options.start = At("2026-11-06T15:00:00Z");
  {
    auto e = Engine::Open(path, options);
    REQUIRE(e.ok());
    REQUIRE((*e)->DefinePlaybook(Parse(kRouting)).ok());
    REQUIRE((*e)->SetOwnerAvailable("ann", false).ok());
    CHECK((*e)->SetOwnerAvailable("zed", false).code() == absl::StatusCode::kNotFound);  // not journaled
    CHECK((*e)->Acknowledged() == 2);
  }
  auto e = Engine::Open(path, options);
  REQUIRE(e.ok());
  CHECK((*e)->Acknowledged() == 2);
  LoadCsv(**e, RecordKind::kCustomers, "id,employee_count\nc1,500\nc2,500\n");
  CHECK(Owners(**e, {"c1", "c2"}) == std::map<std::string, std::string>{{"c1", "cy"}, {"c2", "cy"}});
}

// ------------------------------------------------------------------ new customers

TEST_CASE("a customer created by a batch fires no field or lifecycle change unless the rule opts in",
          "[automation][field_changed]") {
  auto e = NewEngine();
  REQUIRE(e->DefinePlaybook(Parse(R"pb(
    owners { id: "ann" }
    rules { name: "owner" trigger { field_changed { field: "owner_id" } } actions { add_tag: "owner" } }
    rules { name: "plan" trigger { field_changed { field: "attrs.plan" to: "pro" } } actions { add_tag: "pro" } }
    rules { name: "owner_on_create" trigger { field_changed { field: "owner_id" to: "ann" on_create: true } }
            actions { add_tag: "ann" } }
    rules { name: "stage" trigger { lifecycle_changed {} } actions { add_tag: "stage" } }
    rules { name: "lead_on_create" trigger { lifecycle_changed { to: LIFECYCLE_STAGE_LEAD on_create: true } }
            actions { add_tag: "lead" } }
  )pb")).ok());
  LoadCsv(*e, RecordKind::kCustomers,
          "id,owner_id,lifecycle_stage,attrs.plan\nc1,ann,lead,pro\nc2,bob,customer,pro\nc3,,,\n");
  std::multiset<std::string> decisions;
  for (const std::string& d : Decisions(*e)) decisions.insert(d);
  CHECK(decisions == std::multiset<std::string>{"owner_on_create c1 fired APPLIED", "lead_on_create c1 fired APPLIED"});

  // Later changes to existing customers fire as before, opted-in rules too.
  LoadCsv(*e, RecordKind::kCustomers, "id,owner_id,lifecycle_stage,attrs.plan\nc2,ann,lead,pro\nc3,bob,,pro\n");
  decisions.clear();
  for (const std::string& d : Decisions(*e)) decisions.insert(d);
  CHECK(decisions == std::multiset<std::string>{"owner_on_create c1 fired APPLIED", "lead_on_create c1 fired APPLIED",
                                                "owner c2 fired APPLIED", "owner_on_create c2 fired APPLIED",
                                                "stage c2 fired APPLIED", "lead_on_create c2 fired APPLIED",
                                                "owner c3 fired APPLIED", "plan c3 fired APPLIED"});
}

// ------------------------------------------------------------------ atomic batches

TEST_CASE("a rejected batch fires no rule; with skip_record the valid records fire once", "[automation][atomic]") {
  auto e = NewEngine();
  REQUIRE(e->DefinePlaybook(Parse(kWelcome)).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,country\nc1,DE\nc2,DE\n");
  const std::string bad_time =
      "id,customer_id,type,occurred_at\ne1,c1,signup,2026-11-02T11:00:00Z\ne2,c2,signup,yesterday\n";
  const std::string unknown_customer =
      "id,customer_id,type,occurred_at\ne1,c1,signup,2026-11-02T11:00:00Z\ne3,ghost,signup,2026-11-02T11:00:00Z\n";

  for (const std::string& batch : {bad_time, unknown_customer}) {
    INFO(batch);
    const absl::StatusOr<LoadReport> rejected = e->Load(RecordKind::kEvents, batch, Format::kCsv);
    CHECK(rejected.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(e->Audit().empty());
    CHECK(e->LastAudit() == 0);
    CHECK(e->OutboxEntries().empty());
    CHECK(Tags(*e, "c1").empty());
    CHECK(e->GetActivity("c1")->events().empty());
  }
  // A later valid batch is not haunted by what the rejected one matched.
  LoadCsv(*e, RecordKind::kEvents, "id,customer_id,type,occurred_at\ne9,c2,signup,2026-11-02T11:30:00Z\n");
  CHECK(Decisions(*e) == std::vector<std::string>{"welcome c2 fired OUTBOX APPLIED"});

  LoadOptions skip;
  skip.on_invalid = OnInvalid::kSkipRecord;
  skip.unknown_customer = UnknownCustomer::kError;
  for (const std::string& batch : {bad_time, unknown_customer}) {
    INFO(batch);
    const absl::StatusOr<LoadReport> report = e->Load(RecordKind::kEvents, batch, Format::kCsv, skip);
    REQUIRE(report.ok());
    CHECK(report->rejected.size() == 1);
  }
  // e1 (sent twice, counted once by its id) fired once; the invalid records nothing.
  CHECK(Decisions(*e) == std::vector<std::string>{"welcome c2 fired OUTBOX APPLIED", "welcome c1 fired OUTBOX APPLIED"});
  CHECK(e->OutboxEntries().size() == 2);
  CHECK(Tags(*e, "c1") == std::vector<std::string>{"welcomed"});
}

TEST_CASE("a rejected customer batch fires no field change", "[automation][atomic]") {
  auto e = NewEngine();
  REQUIRE(e->DefinePlaybook(Parse(R"pb(
    rules { name: "plan" trigger { field_changed { field: "attrs.plan" } } actions { add_tag: "plan" } }
  )pb")).ok());
  LoadCsv(*e, RecordKind::kCustomers, "id,timezone\nc1,\nc2,\n");
  const std::string batch = "id,attrs.plan,timezone\nc1,pro,\nc2,pro,Mars/Base\n";
  CHECK(e->Load(RecordKind::kCustomers, batch, Format::kCsv).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(e->Audit().empty());
  CHECK(Tags(*e, "c1").empty());
  LoadOptions skip;
  skip.on_invalid = OnInvalid::kSkipRecord;
  REQUIRE(e->Load(RecordKind::kCustomers, batch, Format::kCsv, skip).ok());
  CHECK(Decisions(*e) == std::vector<std::string>{"plan c1 fired APPLIED"});
}

TEST_CASE("the example inbound playbook loads into an engine and runs", "[automation]") {
  absl::StatusOr<ParsedPlaybook> parsed =
      ReadPlaybookFile(std::string(SALESKIT_SOURCE_DIR) + "/examples/playbooks/inbound.yaml");
  REQUIRE(parsed.ok());
  auto e = NewEngine();
  absl::Status st = e->DefinePlaybook(parsed->playbook);
  INFO(st.ToString());
  REQUIRE(st.ok());
  CHECK(e->GetPlaybook().rules_size() == parsed->playbook.rules_size());
}

}  // namespace
}  // namespace saleskit
