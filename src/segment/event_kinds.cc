#include "saleskit/segment/event_kinds.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "saleskit/cel/customer.h"
#include "saleskit/segment/segments.h"
#include "saleskit/status_macros.h"

namespace saleskit {

absl::StatusOr<EventKinds::Prepared> EventKinds::Prepare(absl::Span<const v1::EventKindDef> kinds,
                                                        const CustomerStore& store) const {
  absl::flat_hash_set<std::string> names;
  for (const v1::EventKindDef& d : defs_) names.insert(d.name());
  Prepared out;
  for (const v1::EventKindDef& kind : kinds) {
    SALESKIT_RETURN_IF_ERROR(ValidateDefinitionName(kind.name(), "event kind"));
    const std::string where = absl::StrCat("event kind \"", kind.name(), "\": ");
    if (!names.insert(kind.name()).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, "defined twice"));
    }
    if (store.HasEventsOf(kind.name())) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "events of this type were already ingested; a kind needs a name of its own"));
    }
    cel::CompileOptions options;
    options.require_bool = true;
    absl::StatusOr<std::unique_ptr<cel::Program>> program =
        cel::Compile(kind.condition(), cel::EventEnvironment(), options);
    if (!program.ok()) return absl::Status(program.status().code(), absl::StrCat(where, program.status().message()));
    out.defs.push_back(kind);
    out.programs.push_back(std::move(*program));
  }
  return out;
}

void EventKinds::Add(Prepared prepared) {
  for (size_t i = 0; i < prepared.defs.size(); ++i) {
    defs_.push_back(std::move(prepared.defs[i]));
    programs_.push_back(std::move(prepared.programs[i]));
  }
}

absl::Status EventKinds::Define(absl::Span<const v1::EventKindDef> kinds, const CustomerStore& store) {
  SALESKIT_ASSIGN_OR_RETURN(Prepared prepared, Prepare(kinds, store));
  Add(std::move(prepared));
  return absl::OkStatus();
}

void EventKinds::Classify(const v1::Event& event, const std::function<void(absl::string_view kind)>& emit) const {
  if (programs_.empty()) return;
  cel::MapActivation activation;
  activation.Bind("event", cel::MessageValue(std::make_shared<const v1::Event>(event)));
  for (size_t i = 0; i < programs_.size(); ++i) {
    const cel::Value v = programs_[i]->Evaluate(activation);
    if (v.kind() == cel::Value::Kind::kBool && v.bool_value()) emit(defs_[i].name());
  }
}

}  // namespace saleskit
