// The outbox against a model that scans every entry on each poll: the
// indexed queues must deliver exactly what the scan would.
#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "internal/proto_time.h"
#include "saleskit/automation/outbox.h"
#include "test_util.h"

namespace saleskit::automation {
namespace {

// The reference: entries in seq order; a poll scans them all, holding back
// a customer once an earlier entry of theirs is in flight or not due.
struct Model {
  struct Entry {
    std::string id, customer;
    Micros available = 0;
    v1::OutboxEntry::State state = v1::OutboxEntry::PENDING;
    uint32_t attempts = 0;
    bool in_flight = false;
  };
  OutboxOptions options;
  std::map<uint64_t, Entry> entries;
  uint64_t next = 1;

  Entry* Find(const std::string& id) {
    for (auto& [seq, e] : entries) {
      if (e.id == id) return &e;
    }
    return nullptr;
  }
  std::vector<std::string> Poll(Micros now, size_t limit) {
    std::vector<std::string> out;
    std::vector<std::string> held;
    for (auto& [seq, e] : entries) {
      if (out.size() >= limit) break;
      if (e.state != v1::OutboxEntry::PENDING) continue;
      if (std::find(held.begin(), held.end(), e.customer) != held.end()) continue;
      held.push_back(e.customer);
      if (e.in_flight || e.available > now) continue;
      e.in_flight = true;
      out.push_back(e.id);
    }
    return out;
  }
};

TEST_CASE("the outbox delivers what a scan of every entry would, in order, one per customer", "[automation][outbox]") {
  const int iterations = testing::PropertyIterations(40);
  for (int it = 0; it < iterations; ++it) {
    std::mt19937_64 rng(it);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
    OutboxOptions options;
    options.max_attempts = 1 + pick(3);
    options.retry_base = absl::Minutes(10);
    options.retry_max = absl::Minutes(40);
    Outbox outbox(options);
    std::vector<v1::OutboxEntry> reused;
    Model model;
    model.options = options;
    Micros now = 1'000'000'000'000'000;
    int added = 0;
    for (int step = 0; step < 300; ++step) {
      INFO("iteration " << it << " step " << step);
      const int op = pick(10);
      if (op < 4) {  // a decision adds an entry, maybe deferred
        v1::OutboxEntry e;
        const std::string id = absl::StrCat("e", added++);
        e.set_id(id);
        e.set_customer_id(absl::StrCat("c", pick(4)));
        if (pick(2) == 0) e.set_owner_id(absl::StrCat("rep", pick(3)));  // some fields set, some not
        if (pick(2) == 0) e.set_rule("r"), e.mutable_action()->mutable_send_email()->set_template_id("t");
        if (pick(2) == 0) e.set_trigger(absl::StrCat("event ", pick(9)));
        const Micros available = now + (pick(3) == 0 ? pick(4) * 900'000'000LL : 0);
        internal::ToProto(available, e.mutable_available_at());
        REQUIRE(outbox.Add(e));
        REQUIRE_FALSE(outbox.Add(e));  // the same id again adds nothing
        model.entries[model.next++] = {id, e.customer_id(), available};
      } else if (op < 6) {
        const size_t limit = 1 + pick(4);
        // By value, or into a vector reused across polls: each entry as the
        // outbox lists it, with nothing left of what the vector held before.
        std::vector<v1::OutboxEntry> by_value;
        const std::vector<v1::OutboxEntry>& polled = pick(2) == 0 ? (by_value = outbox.Poll(ToTime(now), limit))
                                                                  : (outbox.Poll(ToTime(now), limit, &reused), reused);
        std::vector<std::string> got;
        for (const v1::OutboxEntry& e : polled) {
          got.push_back(e.id());
          const std::vector<v1::OutboxEntry> listed = outbox.Entries(e.seq() - 1, 1);
          REQUIRE(listed.size() == 1);
          CHECK(listed[0].SerializeAsString() == e.SerializeAsString());
        }
        CHECK(got == model.Poll(now, limit));
      } else if (op < 8 && added > 0) {  // ack or nack an entry, polled or not
        const std::string id = absl::StrCat("e", pick(added));
        Model::Entry* m = model.Find(id);
        const bool ack = pick(2) == 0;
        const absl::Status st = ack ? outbox.Ack(id) : outbox.Nack(id, "down", ToTime(now));
        if (m == nullptr) {  // trimmed
          CHECK(absl::IsNotFound(st));
        } else if (ack) {
          CHECK(st.ok() == (m->state != v1::OutboxEntry::DEAD));
          if (m->state == v1::OutboxEntry::PENDING) m->state = v1::OutboxEntry::DONE;
          m->in_flight = false;
        } else {
          CHECK(st.ok() == (m->state == v1::OutboxEntry::PENDING));
          if (m->state == v1::OutboxEntry::PENDING) {
            m->in_flight = false;
            if (++m->attempts >= options.max_attempts) {
              m->state = v1::OutboxEntry::DEAD;
            } else {
              absl::Duration wait = options.retry_base;
              for (uint32_t i = 1; i < m->attempts && wait < options.retry_max; ++i) wait *= 2;
              m->available = now + absl::ToInt64Microseconds(std::min(wait, options.retry_max));
            }
          }
        }
      } else if (op == 8) {
        now += pick(5) * 600'000'000LL;
      } else if (pick(2) == 0) {
        const uint64_t through = static_cast<uint64_t>(pick(static_cast<int>(model.next) + 1));
        outbox.Trim(through);
        for (auto e = model.entries.begin(); e != model.entries.end();) {
          e = e->first <= through && e->second.state != v1::OutboxEntry::PENDING ? model.entries.erase(e) : ++e;
        }
      } else {
        const std::string customer = absl::StrCat("c", pick(4));
        outbox.EraseCustomer(customer);
        for (auto e = model.entries.begin(); e != model.entries.end();) {
          e = e->second.customer == customer ? model.entries.erase(e) : ++e;
        }
      }
      // Same entries, states and attempts; the same number pending.
      std::vector<std::string> want, have;
      size_t pending = 0;
      for (const auto& [seq, e] : model.entries) {
        want.push_back(absl::StrCat(seq, " ", e.id, " ", e.state, " ", e.attempts));
        pending += e.state == v1::OutboxEntry::PENDING;
      }
      for (const v1::OutboxEntry& e : outbox.Entries(0, SIZE_MAX)) {
        have.push_back(absl::StrCat(e.seq(), " ", e.id(), " ", e.state(), " ", e.attempts()));
      }
      REQUIRE(have == want);
      REQUIRE(outbox.pending() == pending);
    }
  }
}

}  // namespace
}  // namespace saleskit::automation
