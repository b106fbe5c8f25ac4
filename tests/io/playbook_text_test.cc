#include "saleskit/io/playbook_text.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "io/internal/yaml_message.h"

namespace saleskit {
namespace {

using google::protobuf::util::MessageDifferencer;

v1::Playbook FromTextProto(const std::string& text) {
  v1::Playbook p;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &p));
  return p;
}

void RequireSame(const v1::Playbook& got, const v1::Playbook& want) {
  std::string diff;
  MessageDifferencer d;
  d.ReportDifferencesToString(&diff);
  INFO(diff);
  REQUIRE(d.Compare(got, want));
}

// The error message of parsing `text` as "p.yaml" (which must fail).
std::string ErrorOf(const std::string& text) {
  absl::StatusOr<ParsedPlaybook> parsed = ParsePlaybook(text, "p.yaml");
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

// Every trigger kind, every action kind, owners, pools and policies.
constexpr char kYaml[] = R"yaml(version: v7
event_kinds:
  - name: pricing_view
    condition: event.type == "page_view" && event.properties.url.startsWith("/pricing")
segments:
  - name: icp
    description: Ideal customer profile
    condition: customer.industry == "SaaS" && score("fit") >= 20
scores:
  - name: fit
    rules:
      - condition: customer.country == "DE"
        points: 20
      - event: pricing_view
        points: 5.5
        max_per_window: 3
        window: 1d
    decay: {half_life: 14d}
    min: 0
    max: 100
    grades: [{grade: A, min: 50}]
    thresholds:
      - {name: mql, value: 50, promote_to: marketing_qualified}
rules:
  - name: welcome
    priority: -3
    trigger: {event: {type: signup, condition: 'event.properties.plan == "trial"'}}
    actions:
      - send_email: {template_id: welcome}
      - add_tag: welcomed
      - remove_tag: cold
  - name: entered
    trigger: {segment: {segment: icp, on: enter}}
    actions: [{set_field: {field: attrs.icp, value: "true"}}]
  - name: mql
    group: routing
    trigger: {score: {score: fit, threshold: mql, direction: up}}
    condition: '!has(customer.owner_id)'
    actions:
      - assign_owner: {pool: by_country}
      - notify_owner: {message: New MQL}
      - create_task: {title: Call, due_in_business_hours: 8}
      - adjust_score: {score: fit, points: -2.5}
  - name: owner
    trigger: {field_changed: {field: owner_id, to: ""}}
    actions: [{assign_owner: {owner: ana}}]
  - name: stage
    trigger: {lifecycle_changed: {from: LIFECYCLE_STAGE_LEAD, to: Sales_Qualified}}
    actions: [{set_lifecycle_stage: opportunity}]
  - name: renewal
    trigger: {date: {field: attrs.renewal_date, offset: -30d}}
    actions: [{webhook: {name: renewal, channel: sms}}]
  - name: quiet
    trigger: {inactivity: {event_type: email_open, after: 14d}}
    actions: [{send_email: {template_id: nudge}}]
  - name: digest
    trigger: {schedule: {days: [monday, FRIDAY], at: "09:00"}}
    actions: [{webhook: {name: digest}}]
owners:
  - {id: ana, name: Ana, weight: 2, timezone: Europe/Berlin}
  - id: ben
    unavailable: true
    hours: {days: [monday], start: "08:00", end: "12:00"}
pools:
  - name: by_country
    strategy: territory
    territories: [{condition: customer.country == "DE", owner: ana}]
    fallback_owner: ben
  - {name: rr, strategy: round_robin, owners: [ana, ben]}
policies:
  timezone: Europe/Berlin
  caps: [{channel: email, max: 3, window: 7d}]
  contact_budget: {max: 5, window: 1d12h}
  quiet_hours: {start: "20:00", end: "08:00"}
  max_cascade_depth: 2
)yaml";

constexpr char kJson[] = R"json({
  "version": "v7",
  "event_kinds": [{"name": "pricing_view",
    "condition": "event.type == \"page_view\" && event.properties.url.startsWith(\"/pricing\")"}],
  "segments": [{"name": "icp", "description": "Ideal customer profile",
                "condition": "customer.industry == \"SaaS\" && score(\"fit\") >= 20"}],
  "scores": [{"name": "fit",
    "rules": [{"condition": "customer.country == \"DE\"", "points": 20},
              {"event": "pricing_view", "points": 5.5, "max_per_window": 3, "window": "86400s"}],
    "decay": {"half_life": "14d"}, "min": 0, "max": 100, "grades": [{"grade": "A", "min": 50}],
    "thresholds": [{"name": "mql", "value": 50, "promote_to": "LIFECYCLE_STAGE_MARKETING_QUALIFIED"}]}],
  "rules": [
    {"name": "welcome", "priority": -3,
     "trigger": {"event": {"type": "signup", "condition": "event.properties.plan == \"trial\""}},
     "actions": [{"send_email": {"template_id": "welcome"}}, {"add_tag": "welcomed"}, {"remove_tag": "cold"}]},
    {"name": "entered", "trigger": {"segment": {"segment": "icp", "on": "ENTER"}},
     "actions": [{"set_field": {"field": "attrs.icp", "value": "true"}}]},
    {"name": "mql", "group": "routing", "trigger": {"score": {"score": "fit", "threshold": "mql", "direction": "up"}},
     "condition": "!has(customer.owner_id)",
     "actions": [{"assign_owner": {"pool": "by_country"}}, {"notify_owner": {"message": "New MQL"}},
                 {"create_task": {"title": "Call", "due_in_business_hours": 8}},
                 {"adjust_score": {"score": "fit", "points": -2.5}}]},
    {"name": "owner", "trigger": {"field_changed": {"field": "owner_id", "to": ""}},
     "actions": [{"assign_owner": {"owner": "ana"}}]},
    {"name": "stage", "trigger": {"lifecycle_changed": {"from": "lead", "to": "sales_qualified"}},
     "actions": [{"set_lifecycle_stage": "opportunity"}]},
    {"name": "renewal", "trigger": {"date": {"field": "attrs.renewal_date", "offset": "-2592000s"}},
     "actions": [{"webhook": {"name": "renewal", "channel": "sms"}}]},
    {"name": "quiet", "trigger": {"inactivity": {"event_type": "email_open", "after": "14d"}},
     "actions": [{"send_email": {"template_id": "nudge"}}]},
    {"name": "digest", "trigger": {"schedule": {"days": ["MONDAY", "friday"], "at": "09:00"}},
     "actions": [{"webhook": {"name": "digest"}}]}],
  "owners": [{"id": "ana", "name": "Ana", "weight": 2, "timezone": "Europe/Berlin"},
             {"id": "ben", "unavailable": true, "hours": {"days": ["monday"], "start": "08:00", "end": "12:00"}}],
  "pools": [{"name": "by_country", "strategy": "TERRITORY",
             "territories": [{"condition": "customer.country == \"DE\"", "owner": "ana"}], "fallback_owner": "ben"},
            {"name": "rr", "strategy": "round_robin", "owners": ["ana", "ben"]}],
  "policies": {"timezone": "Europe/Berlin", "caps": [{"channel": "email", "max": 3, "window": "7d"}],
               "contact_budget": {"max": 5, "window": "129600s"},
               "quiet_hours": {"start": "20:00", "end": "08:00"}, "max_cascade_depth": 2}
})json";

constexpr char kExpected[] = R"pb(
  version: "v7"
  event_kinds {
    name: "pricing_view"
    condition: 'event.type == "page_view" && event.properties.url.startsWith("/pricing")'
  }
  segments {
    name: "icp"
    description: "Ideal customer profile"
    condition: 'customer.industry == "SaaS" && score("fit") >= 20'
  }
  scores {
    name: "fit"
    rules { condition: 'customer.country == "DE"' points: 20 }
    rules { event: "pricing_view" points: 5.5 max_per_window: 3 window { seconds: 86400 } }
    decay { half_life { seconds: 1209600 } }
    min: 0
    max: 100
    grades { grade: "A" min: 50 }
    thresholds { name: "mql" value: 50 promote_to: LIFECYCLE_STAGE_MARKETING_QUALIFIED }
  }
  rules {
    name: "welcome"
    priority: -3
    trigger { event { type: "signup" condition: 'event.properties.plan == "trial"' } }
    actions { send_email { template_id: "welcome" } }
    actions { add_tag: "welcomed" }
    actions { remove_tag: "cold" }
  }
  rules {
    name: "entered"
    trigger { segment { segment: "icp" on: ENTER } }
    actions { set_field { field: "attrs.icp" value: "true" } }
  }
  rules {
    name: "mql"
    group: "routing"
    trigger { score { score: "fit" threshold: "mql" direction: UP } }
    condition: "!has(customer.owner_id)"
    actions { assign_owner { pool: "by_country" } }
    actions { notify_owner { message: "New MQL" } }
    actions { create_task { title: "Call" due_in_business_hours: 8 } }
    actions { adjust_score { score: "fit" points: -2.5 } }
  }
  rules {
    name: "owner"
    trigger { field_changed { field: "owner_id" to: "" } }
    actions { assign_owner { owner: "ana" } }
  }
  rules {
    name: "stage"
    trigger { lifecycle_changed { from: LIFECYCLE_STAGE_LEAD to: LIFECYCLE_STAGE_SALES_QUALIFIED } }
    actions { set_lifecycle_stage: LIFECYCLE_STAGE_OPPORTUNITY }
  }
  rules {
    name: "renewal"
    trigger { date { field: "attrs.renewal_date" offset { seconds: -2592000 } } }
    actions { webhook { name: "renewal" channel: "sms" } }
  }
  rules {
    name: "quiet"
    trigger { inactivity { event_type: "email_open" after { seconds: 1209600 } } }
    actions { send_email { template_id: "nudge" } }
  }
  rules {
    name: "digest"
    trigger { schedule { days: [ MONDAY, FRIDAY ] at: "09:00" } }
    actions { webhook { name: "digest" } }
  }
  owners { id: "ana" name: "Ana" weight: 2 timezone: "Europe/Berlin" }
  owners { id: "ben" unavailable: true hours { days: MONDAY start: "08:00" end: "12:00" } }
  pools {
    name: "by_country"
    strategy: TERRITORY
    territories { condition: 'customer.country == "DE"' owner: "ana" }
    fallback_owner: "ben"
  }
  pools { name: "rr" strategy: ROUND_ROBIN owners: [ "ana", "ben" ] }
  policies {
    timezone: "Europe/Berlin"
    caps { channel: "email" max: 3 window { seconds: 604800 } }
    contact_budget { max: 5 window { seconds: 129600 } }
    quiet_hours { start: "20:00" end: "08:00" }
    max_cascade_depth: 2
  }
)pb";

TEST_CASE("playbook_text: a YAML playbook reads into the expected proto", "[io][playbook_text]") {
  absl::StatusOr<ParsedPlaybook> parsed = ParsePlaybook(kYaml, "inbound.yaml");
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  RequireSame(parsed->playbook, FromTextProto(kExpected));
  // optional fields set to their default still count as set.
  CHECK(parsed->playbook.scores(0).has_min());
  CHECK(parsed->playbook.rules(3).trigger().field_changed().has_to());
  CHECK_FALSE(parsed->playbook.rules(3).trigger().field_changed().has_from());
}

TEST_CASE("playbook_text: the same playbook in JSON reads into the same proto", "[io][playbook_text]") {
  absl::StatusOr<ParsedPlaybook> parsed = ParsePlaybook(kJson, "inbound.json");
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  RequireSame(parsed->playbook, FromTextProto(kExpected));
}

TEST_CASE("playbook_text: positions of values are kept by field path", "[io][playbook_text]") {
  absl::StatusOr<ParsedPlaybook> parsed = ParsePlaybook(kYaml, "inbound.yaml");
  REQUIRE(parsed.ok());
  const auto& pos = parsed->positions;
  REQUIRE(pos.contains("rules[0].trigger.event.condition"));
  CHECK(pos.at("rules[0].trigger.event.condition").line == 27);
  CHECK(pos.at("rules[0].trigger.event.condition").column == 48);
  REQUIRE(pos.contains("policies.caps[0].window"));
  CHECK(pos.at("policies.caps[0].window").line == 72);
  CHECK(pos.at("policies.caps[0].window").column == 43);
  CHECK(pos.at("").line == 1);
  // Defaults fall back to the nearest value written.
  CHECK(parsed->Locate("rules[1].condition", "unknown segment") == "inbound.yaml:32:5: unknown segment");
  CHECK(parsed->Locate("rules[1].trigger.segment.segment", "x") == "inbound.yaml:33:34: x");
  CHECK(parsed->Locate("nothing.here", "x") == "inbound.yaml:1:1: x");
}

TEST_CASE("playbook_text: unknown keys name the place and suggest a close field", "[io][playbook_text][bad-input]") {
  CHECK(ErrorOf("rules:\n  - name: r\n    conditon: 'true'\n") ==
        "p.yaml:3:5: unknown key \"conditon\" in rules[0] (did you mean \"condition\"?)");
  CHECK(ErrorOf("rule: []\n") == "p.yaml:1:1: unknown key \"rule\" at the top level (did you mean \"rules\"?)");
  // Nothing close: no suggestion.
  CHECK(ErrorOf("policies:\n  frobnicate: 1\n") == "p.yaml:2:3: unknown key \"frobnicate\" in policies");
  // JSON's camelCase names point at the proto name.
  CHECK(ErrorOf("{\"eventKinds\": []}") ==
        "p.yaml:1:2: unknown key \"eventKinds\" at the top level (did you mean \"event_kinds\"?)");
}

TEST_CASE("playbook_text: duplicate keys and two members of a oneof are errors", "[io][playbook_text][bad-input]") {
  CHECK(ErrorOf("version: a\nsegments: []\nversion: b\n") ==
        "p.yaml:3:1: duplicate key \"version\" at the top level (first at line 1, column 1)");
  CHECK(ErrorOf("rules:\n  - name: r\n    trigger:\n      event: {type: signup}\n      segment: {segment: s}\n") ==
        "p.yaml:5:7: \"event\" and \"segment\" in rules[0].trigger are both members of oneof \"kind\": set only one");
  CHECK(ErrorOf("{\"rules\": [{\"actions\": [{\"add_tag\": \"a\", \"remove_tag\": \"b\"}]}]}") ==
        "p.yaml:1:42: \"add_tag\" and \"remove_tag\" in rules[0].actions[0] are both members of oneof \"kind\": set "
        "only one");
}

TEST_CASE("playbook_text: values of the wrong type name the path and the value", "[io][playbook_text][bad-input]") {
  CHECK(ErrorOf("rules:\n  - priority: high\n") == "p.yaml:2:15: rules[0].priority: expected an integer, got \"high\"");
  CHECK(ErrorOf("rules:\n  - priority: 2.5\n") == "p.yaml:2:15: rules[0].priority: expected an integer, got \"2.5\"");
  CHECK(ErrorOf("rules:\n  - priority: 3000000000\n") ==
        "p.yaml:2:15: rules[0].priority: 3000000000 is out of range for int32 (-2147483648 to 2147483647)");
  CHECK(ErrorOf("policies: {max_cascade_depth: -1}\n") ==
        "p.yaml:1:31: policies.max_cascade_depth: -1 is out of range for uint32 (0 to 4294967295)");
  CHECK(ErrorOf("owners: [{id: a, unavailable: yes}]\n") ==
        "p.yaml:1:31: owners[0].unavailable: expected true or false, got \"yes\"");
  CHECK(ErrorOf("owners: [{id: a, weight: heavy}]\n") == "p.yaml:1:26: owners[0].weight: expected a number, got \"heavy\"");
  CHECK(ErrorOf("owners: [{id: a, weight: .nan}]\n") == "p.yaml:1:26: owners[0].weight: expected a number, got \".nan\"");
  CHECK(ErrorOf("version: [1]\n") == "p.yaml:1:10: version: expected a string, got a list");
  CHECK(ErrorOf("rules: {name: r}\n") == "p.yaml:1:8: rules: expected a list, got a map");
  CHECK(ErrorOf("rules: [r]\n") == "p.yaml:1:9: rules[0]: expected a map of Rule fields, got \"r\"");
  // An empty value is reported at its key.
  CHECK(ErrorOf("version:\nrules: []\n") == "p.yaml:1:1: version: expected a string, got nothing (null)");
  CHECK(ErrorOf("version: !!int 3\n") == "p.yaml:1:10: version: YAML tags are not supported (got \"tag:yaml.org,2002:int\")");
}

TEST_CASE("playbook_text: enums take full names or short names in any case", "[io][playbook_text]") {
  absl::StatusOr<ParsedPlaybook> parsed = ParsePlaybook(
      "rules:\n"
      "  - trigger: {lifecycle_changed: {from: Marketing_Qualified, to: LIFECYCLE_STAGE_CUSTOMER}}\n"
      "    actions: [{set_lifecycle_stage: evangelist}]\n"
      "pools: [{strategy: LEAST_LOADED}, {strategy: weighted}]\n");
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  CHECK(parsed->playbook.rules(0).trigger().lifecycle_changed().from() == v1::LIFECYCLE_STAGE_MARKETING_QUALIFIED);
  CHECK(parsed->playbook.rules(0).trigger().lifecycle_changed().to() == v1::LIFECYCLE_STAGE_CUSTOMER);
  CHECK(parsed->playbook.rules(0).actions(0).set_lifecycle_stage() == v1::LIFECYCLE_STAGE_EVANGELIST);
  CHECK(parsed->playbook.pools(0).strategy() == v1::RoutingPool::LEAST_LOADED);
  CHECK(parsed->playbook.pools(1).strategy() == v1::RoutingPool::WEIGHTED);
}

TEST_CASE("playbook_text: an unknown enum value lists the allowed ones", "[io][playbook_text][bad-input]") {
  CHECK(ErrorOf("pools: [{strategy: round_robbin}]\n") ==
        "p.yaml:1:20: pools[0].strategy: unknown value \"round_robbin\" (did you mean \"round_robin\"?) for "
        "saleskit.v1.RoutingPool.Strategy; allowed: round_robin, weighted, least_loaded, territory");
  CHECK(ErrorOf("rules: [{trigger: {segment: {on: join}}}]\n") ==
        "p.yaml:1:34: rules[0].trigger.segment.on: unknown value \"join\" for saleskit.v1.SegmentChange.Kind; "
        "allowed: enter, exit");
  CHECK(ErrorOf("rules: [{trigger: {schedule: {days: [mon]}}}]\n") ==
        "p.yaml:1:38: rules[0].trigger.schedule.days[0]: unknown value \"mon\" for saleskit.v1.Weekday; allowed: "
        "monday, tuesday, wednesday, thursday, friday, saturday, sunday");
  CHECK(ErrorOf("rules: [{actions: [{set_lifecycle_stage: 3}]}]\n") ==
        "p.yaml:1:42: rules[0].actions[0].set_lifecycle_stage: unknown value \"3\" for saleskit.v1.LifecycleStage; "
        "allowed: subscriber, lead, marketing_qualified, sales_qualified, opportunity, customer, evangelist, other");
}

TEST_CASE("playbook_text: durations: units, combinations, signs and proto JSON seconds", "[io][playbook_text]") {
  const auto window = [](const std::string& text) -> std::pair<int64_t, int32_t> {
    absl::StatusOr<ParsedPlaybook> parsed =
        ParsePlaybook(absl::StrCat("policies: {contact_budget: {max: 1, window: \"", text, "\"}}\n"));
    INFO(text << ": " << parsed.status().ToString());
    REQUIRE(parsed.ok());
    const auto& d = parsed->playbook.policies().contact_budget().window();
    return {d.seconds(), d.nanos()};
  };
  CHECK(window("30d") == std::make_pair<int64_t, int32_t>(2592000, 0));
  CHECK(window("12h") == std::make_pair<int64_t, int32_t>(43200, 0));
  CHECK(window("90m") == std::make_pair<int64_t, int32_t>(5400, 0));
  CHECK(window("45s") == std::make_pair<int64_t, int32_t>(45, 0));
  CHECK(window("1d12h") == std::make_pair<int64_t, int32_t>(129600, 0));
  CHECK(window("-7d") == std::make_pair<int64_t, int32_t>(-604800, 0));
  CHECK(window("86400s") == std::make_pair<int64_t, int32_t>(86400, 0));
  CHECK(window("1.5s") == std::make_pair<int64_t, int32_t>(1, 500000000));
  CHECK(window("-1.5s") == std::make_pair<int64_t, int32_t>(-1, -500000000));
  CHECK(window("250ms") == std::make_pair<int64_t, int32_t>(0, 250000000));
  CHECK(window("1h30m15s") == std::make_pair<int64_t, int32_t>(5415, 0));
  // A map of the message's own fields works too.
  absl::StatusOr<ParsedPlaybook> parsed = ParsePlaybook("policies: {contact_budget: {window: {seconds: 60}}}\n");
  REQUIRE(parsed.ok());
  CHECK(parsed->playbook.policies().contact_budget().window().seconds() == 60);
}

TEST_CASE("playbook_text: bad durations name the value", "[io][playbook_text][bad-input]") {
  CHECK(ErrorOf("policies: {caps: [{window: 30}]}\n") ==
        "p.yaml:1:28: policies.caps[0].window: invalid duration \"30\": a number needs a unit; write a number and a "
        "unit (d, h, m, s, ms), e.g. \"30d\", \"1d12h\", \"-7d\"");
  CHECK(ErrorOf("policies: {caps: [{window: 3w}]}\n") ==
        "p.yaml:1:28: policies.caps[0].window: invalid duration \"3w\": write a number and a unit (d, h, m, s, ms), "
        "e.g. \"30d\", \"1d12h\", \"-7d\"");
  CHECK(ErrorOf("policies: {caps: [{window: 1h1d}]}\n") ==
        "p.yaml:1:28: policies.caps[0].window: invalid duration \"1h1d\": units must go from largest to smallest, "
        "each at most once");
  CHECK(ErrorOf("policies: {caps: [{window: 99999999d}]}\n") ==
        "p.yaml:1:28: policies.caps[0].window: duration \"99999999d\" is out of range (at most 315576000000s either "
        "way)");
}

// The converter serves any message: playbooks hold no timestamps or maps
// yet, customers do.
absl::StatusOr<v1::Customer> CustomerFromYaml(const std::string& text) {
  const internal::LineIndex lines(text);
  absl::flat_hash_map<std::string, size_t> offsets;
  v1::Customer c;
  absl::Status s = internal::YamlToMessage(YAML::Load(text), lines, "c.yaml", &c, &offsets);
  if (!s.ok()) return s;
  return c;
}

TEST_CASE("playbook_text: timestamps and map fields convert generically", "[io][playbook_text]") {
  absl::StatusOr<v1::Customer> c = CustomerFromYaml(
      "id: c1\n"
      "employee_count: 120\n"
      "created_at: 2026-03-01T09:30:00.25+01:00\n"
      "consent: {email: {status: opted_in, at: \"2026-01-02T00:00:00Z\"}}\n"
      "attrs:\n"
      "  plan: {string_value: pro}\n"
      "  seats: {int_value: 12}\n"
      "  renewal_date: {timestamp_value: 2027-01-01T00:00:00Z}\n");
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  CHECK(c->employee_count() == 120);
  CHECK(c->created_at().seconds() == 1772353800);  // 08:30 UTC
  CHECK(c->created_at().nanos() == 250000000);
  CHECK(c->consent().email().status() == v1::Consent::OPTED_IN);
  CHECK(c->attrs().at("plan").string_value() == "pro");
  CHECK(c->attrs().at("seats").int_value() == 12);
  CHECK(c->attrs().at("renewal_date").timestamp_value().seconds() == 1798761600);

  CHECK(CustomerFromYaml("created_at: 2026-03-01\n").status().message() ==
        "c.yaml:1:13: created_at: expected an RFC 3339 timestamp such as \"2026-03-01T09:00:00Z\", got "
        "\"2026-03-01\"");
  CHECK(CustomerFromYaml("attrs: {a: {int_value: 1}, a: {int_value: 2}}\n").status().message() ==
        "c.yaml:1:28: attrs: duplicate key \"a\"");
  CHECK(CustomerFromYaml("attrs: {a: {int_value: x}}\n").status().message() ==
        "c.yaml:1:24: attrs[\"a\"].int_value: expected an integer, got \"x\"");
}

TEST_CASE("playbook_text: YAML syntax errors and bad documents are located", "[io][playbook_text][bad-input]") {
  CHECK(ErrorOf("rules: [{name: a}\nversion: x\n") == "p.yaml:2:1: end of sequence flow not found");
  CHECK(ErrorOf("version: a: b\n") == "p.yaml:1:11: illegal map value");
  CHECK(ErrorOf("") == "p.yaml:1:1: the playbook is empty (expected a map with keys such as \"segments\" and \"rules\")");
  CHECK(ErrorOf("# nothing here\n") ==
        "p.yaml:1:1: the playbook is empty (expected a map with keys such as \"segments\" and \"rules\")");
  CHECK(ErrorOf("- a\n- b\n") ==
        "p.yaml:1:1: the top level of a playbook must be a map with keys such as \"segments\" and \"rules\", got a list");
  CHECK(ErrorOf("\n\njust text\n") == "p.yaml:3:1: the top level of a playbook must be a map with keys such as "
                                     "\"segments\" and \"rules\", got \"just text\"");
  CHECK(ErrorOf("version: a\n---\nversion: b\n") ==
        "p.yaml:3:1: a second YAML document: a playbook file holds exactly one (remove the '---')");
}

TEST_CASE("playbook_text: CEL errors point into the file", "[io][playbook_text][cel][bad-input]") {
  // Plain scalar: the expression's columns add to where it starts.
  CHECK(ErrorOf("segments:\n  - name: s\n    condition: customer.contry == \"DE\"\n") ==
        "p.yaml:3:24: segments[0].condition: undefined field 'contry' in saleskit.v1.Customer (did you mean "
        "'country'?)");
  // Double quotes: the quote and escapes are skipped.
  CHECK(ErrorOf("segments: [{name: s, condition: \"customer.country == \\\"DE\\\" && \"}]\n") ==
        "p.yaml:1:64: segments[0].condition: unexpected end of expression (near end of input)");
  // A block scalar starts on the next line; the expression's own line adds to it.
  const std::string block =
      "version: v1\n"
      "rules:\n"
      "  - name: ok\n"
      "    condition: customer.country == \"DE\"\n"
      "  - name: bad\n"
      "    condition: |\n"
      "      customer.country == \"DE\" &&\n"
      "        events.count(\"email_click\", days(30)) >=\n"
      "        customer.nope\n";
  CHECK(ErrorOf(block) == "p.yaml:9:17: rules[1].condition: undefined field 'nope' in saleskit.v1.Customer");
  // Folded multi-line plain scalars map through the folding.
  CHECK(ErrorOf("event_kinds:\n  - name: k\n    condition: event.type == 1 &&\n      event.bogus\n") ==
        "p.yaml:3:27: event_kinds[0].condition: found no matching overload for '_==_' applied to '(string, int)'\n"
        "p.yaml:4:12: event_kinds[0].condition: undefined field 'bogus' in saleskit.v1.Event");
  // A condition that is not bool.
  CHECK(ErrorOf("pools: [{territories: [{condition: 'customer.country', owner: a}]}]\n") ==
        "p.yaml:1:37: pools[0].territories[0].condition: a condition must be bool, but this expression is wrapper(string)");
  // Required conditions.
  CHECK(ErrorOf("segments: [{name: s}]\n") == "p.yaml:1:12: segments[0].condition: a condition is required");
}

TEST_CASE("playbook_text: CEL positions survive quote escapes, folding and non-ASCII text", "[io][playbook_text][cel][bad-input]") {
  // '' is one quote; columns count characters, not bytes.
  CHECK(ErrorOf("segments: [{name: s, condition: 'customer.company == ''Caf\xC3\xA9'' && customer.zz'}]\n") ==
        "p.yaml:1:74: segments[0].condition: undefined field 'zz' in saleskit.v1.Customer");
  CHECK(ErrorOf("segments:\n  - name: s\n    condition: >\n      customer.country == \"DE\" &&\n      customer.zz\n") ==
        "p.yaml:5:15: segments[0].condition: undefined field 'zz' in saleskit.v1.Customer");
  // A byte order mark is not a column.
  CHECK(ErrorOf("\xEF\xBB\xBFsegments: [{name: s, condition: customer.zz}]\n") ==
        "p.yaml:1:41: segments[0].condition: undefined field 'zz' in saleskit.v1.Customer");
}

TEST_CASE("playbook_text: every CEL error of a playbook is reported, one per line", "[io][playbook_text][cel][bad-input]") {
  const std::string error = ErrorOf(
      "segments:\n"
      "  - {name: a, condition: 'customer.x'}\n"
      "  - {name: b, condition: '(('}\n");
  CHECK(error ==
        "p.yaml:2:35: segments[0].condition: undefined field 'x' in saleskit.v1.Customer\n"
        "p.yaml:3:29: segments[1].condition: unexpected end of expression (near end of input)");
}

TEST_CASE("playbook_text: names of segments and scores are left to the engine", "[io][playbook_text][cel]") {
  // score() and in_segment() of names defined elsewhere (or nowhere) compile.
  absl::StatusOr<ParsedPlaybook> parsed = ParsePlaybook(
      "segments:\n"
      "  - {name: a, condition: 'in_segment(\"b\") && score(\"later\") > 3'}\n"
      "  - {name: b, condition: 'in_segment(\"a\")'}\n"
      "rules: [{condition: '', trigger: {event: {type: x}}}]\n");
  INFO(parsed.status().ToString());
  CHECK(parsed.ok());
  // Rule and event-trigger conditions may be empty; event conditions see `event`.
  CHECK(ErrorOf("rules: [{trigger: {event: {type: x, condition: 'customer.id == \"a\"'}}}]\n") ==
        "p.yaml:1:49: rules[0].trigger.event.condition: undeclared reference to 'customer'");
}

TEST_CASE("playbook_text: the example inbound playbook reads", "[io][playbook_text][examples]") {
  absl::StatusOr<ParsedPlaybook> parsed =
      ReadPlaybookFile(absl::StrCat(SALESKIT_SOURCE_DIR, "/examples/playbooks/inbound.yaml"));
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  const v1::Playbook& p = parsed->playbook;
  CHECK(p.event_kinds_size() == 2);
  CHECK(p.scores_size() == 2);
  CHECK(p.rules_size() >= 7);
  CHECK(p.owners(2).unavailable());
  CHECK(p.policies().timezone() == "Europe/Berlin");
  bool renewal = false;
  for (const v1::Rule& r : p.rules()) {
    if (r.trigger().has_date()) renewal = r.trigger().date().offset().seconds() == -30 * 86400;
  }
  CHECK(renewal);
  CHECK(absl::StartsWith(parsed->Locate("rules[0]", "x"),
                         absl::StrCat(SALESKIT_SOURCE_DIR, "/examples/playbooks/inbound.yaml:")));
}

TEST_CASE("playbook_text: a missing playbook file is NotFound", "[io][playbook_text][bad-input]") {
  absl::StatusOr<ParsedPlaybook> parsed = ReadPlaybookFile("/nonexistent/playbook.yaml");
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace saleskit
