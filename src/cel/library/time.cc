// placeholder: being written
#include "cel/internal/library.h"

namespace saleskit::cel::internal {
absl::Status RegisterTimeFunctions(FunctionRegistry*) { return absl::OkStatus(); }
}  // namespace saleskit::cel::internal
