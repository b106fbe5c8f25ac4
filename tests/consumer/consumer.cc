// Built against the installed package: the C++ API through saleskit::saleskit.
#include "saleskit/engine.h"

int main() {
  auto engine = saleskit::Engine::Create();
  if (!engine.ok()) return 1;
  auto r = (*engine)->Load(saleskit::RecordKind::kCustomers, "id\nc1\n", saleskit::Format::kCsv);
  return r.ok() && (*engine)->customer_count() == 1 ? 0 : 1;
}
