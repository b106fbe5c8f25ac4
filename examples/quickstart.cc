// Quickstart: load customers and events into an engine, read one back, erase one.
//   ./example_quickstart
#include <iostream>

#include "saleskit/engine.h"
#include "saleskit/io/readers.h"

int main() {
  auto engine = saleskit::Engine::Create().value();

  // Customers from CSV: the header names the fields; attrs.NAME columns are typed by inference.
  const char* customers =
      "id,email,industry,employee_count,lifecycle_stage,tags,attrs.plan,attrs.seats\n"
      "c1,ada@example.com,SaaS,120,lead,webinar|newsletter,pro,25\n"
      "c2,grace@example.com,Retail,,subscriber,,starter,3\n";
  auto loaded = engine->Load(saleskit::RecordKind::kCustomers, customers, saleskit::Format::kCsv);
  if (!loaded.ok()) {
    std::cerr << loaded.status() << "\n";
    return 1;
  }
  std::cout << "customers inserted: " << loaded->inserted << "\n";

  // Events from NDJSON (protobuf JSON mapping); the repeated id is recognised as a duplicate.
  const char* events =
      R"({"id": "e1", "customer_id": "c1", "type": "email_click", "occurred_at": "2026-01-05T10:00:00Z"})" "\n"
      R"({"id": "e1", "customer_id": "c1", "type": "email_click", "occurred_at": "2026-01-05T10:00:00Z"})" "\n"
      R"({"id": "e2", "customer_id": "c2", "type": "purchase", "occurred_at": "2026-01-06T08:00:00Z", "value": 49.0})" "\n";
  auto ingested = engine->Load(saleskit::RecordKind::kEvents, events, saleskit::Format::kNdjson);
  if (!ingested.ok()) {
    std::cerr << ingested.status() << "\n";
    return 1;
  }
  std::cout << "events counted: " << ingested->inserted << ", duplicates: " << ingested->duplicates << "\n";

  // A bad batch is rejected whole, with the record, line and field named.
  auto bad = engine->Load(saleskit::RecordKind::kCustomers, "id,timezone\nc3,Mars/Base\n", saleskit::Format::kCsv);
  std::cout << "bad batch: " << bad.status().message() << "\n";

  std::cout << "c1: " << saleskit::ToJson(engine->GetCustomer("c1").value()) << "\n";
  if (!engine->EraseCustomer("c2").ok()) return 1;
  std::cout << "customers after erasing c2: " << engine->customer_count() << "\n";
  return 0;
}
