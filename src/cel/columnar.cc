#include "saleskit/cel/columnar.h"

#include <utility>

#include "saleskit/cel/customer.h"

namespace saleskit::cel {

// One node of a columnar plan: fills the true and false bitmaps of its
// expression over every row (dead rows stay clear in both).
class ColumnarNode {
 public:
  virtual ~ColumnarNode() = default;
  virtual void Evaluate(const CustomerStore& store, absl::Time now, Bitmap* t, Bitmap* f) const = 0;
};

namespace {

// Runs the whole program with the row evaluator for each live row.
class RowFallback : public ColumnarNode {
 public:
  explicit RowFallback(const Program* program) : program_(program) {}
  void Evaluate(const CustomerStore& store, absl::Time now, Bitmap* t, Bitmap* f) const override {
    const std::vector<uint64_t>& live = store.live().words();
    for (size_t w = 0; w < live.size(); ++w) {
      for (uint64_t bits = live[w]; bits != 0; bits &= bits - 1) {
        const uint32_t row = static_cast<uint32_t>(w * 64 + __builtin_ctzll(bits));
        StoreCustomerActivation act(store, row, now);
        const Value v = program_->Evaluate(act);
        if (v.kind() != Value::Kind::kBool) continue;
        (v.bool_value() ? t : f)->Set(row);
      }
    }
  }

 private:
  const Program* program_;
};

}  // namespace

std::unique_ptr<ColumnarCondition> ColumnarCondition::Plan(std::shared_ptr<const Program> program) {
  auto c = std::unique_ptr<ColumnarCondition>(new ColumnarCondition());
  c->program_ = std::move(program);
  c->root_ = std::make_unique<RowFallback>(c->program_.get());
  c->fallback_ = 1;
  return c;
}

ColumnarCondition::~ColumnarCondition() = default;

ColumnarCondition::Result ColumnarCondition::Evaluate(const CustomerStore& store, absl::Time now) const {
  Result r;
  r.matched.Resize(store.row_capacity());
  r.unmatched.Resize(store.row_capacity());
  root_->Evaluate(store, now, &r.matched, &r.unmatched);
  return r;
}

}  // namespace saleskit::cel
