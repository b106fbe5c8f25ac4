#include "saleskit/segment/segments.h"

#include <algorithm>
#include <functional>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "saleskit/cel/ast.h"
#include "saleskit/status_macros.h"
#include "state/internal/archive.h"

namespace saleskit {

struct SegmentCatalog::Segment {
  v1::SegmentDef def;
  std::shared_ptr<const cel::Program> program;
  std::unique_ptr<cel::ColumnarCondition> columnar;
  cel::Dependencies deps;
  std::vector<int> dependents;      // segments whose condition reads this one
  std::vector<int> window_columns;  // the store's window columns it reads
  bool walker = false;              // its time dependence needs cel::NextChange (days_since, loops)
  bool time_dependent = false;      // windows or days_since: timers
  bool continuous = false;          // compares `now` directly
  bool hidden = false;              // a score's condition rule
  std::vector<std::string> score_event_types;  // event types of the scores it reads
  Bitmap members;
  size_t count = 0;
};

namespace {

// Whether any node of `e` satisfies `pred`.
bool AnyNode(const cel::Expr& e, const std::function<bool(const cel::Expr&)>& pred) {
  if (pred(e)) return true;
  if (const auto* sel = e.As<cel::SelectExpr>()) return AnyNode(*sel->operand, pred);
  if (const auto* call = e.As<cel::CallExpr>()) {
    if (call->target && AnyNode(*call->target, pred)) return true;
    for (const cel::ExprPtr& a : call->args) {
      if (AnyNode(*a, pred)) return true;
    }
    return false;
  }
  if (const auto* list = e.As<cel::ListExpr>()) {
    for (const cel::ExprPtr& el : list->elements) {
      if (AnyNode(*el, pred)) return true;
    }
    return false;
  }
  if (const auto* map = e.As<cel::MapExpr>()) {
    for (const auto& en : map->entries) {
      if (AnyNode(*en.key, pred) || AnyNode(*en.value, pred)) return true;
    }
    return false;
  }
  if (const auto* st = e.As<cel::StructExpr>()) {
    for (const auto& f : st->fields) {
      if (AnyNode(*f.value, pred)) return true;
    }
    return false;
  }
  if (const auto* c = e.As<cel::ComprehensionExpr>()) {
    for (const cel::Expr* sub : {c->iter_range.get(), c->accu_init.get(), c->loop_condition.get(),
                                 c->loop_step.get(), c->result.get()}) {
      if (AnyNode(*sub, pred)) return true;
    }
  }
  return false;
}

// Grows a membership bitmap to cover `rows`, doubling so that customers
// added one at a time do not copy it each time.
void Cover(Bitmap& b, size_t rows) {
  const size_t have = b.words().size() * 64;
  if (rows <= have) return;
  b.Resize(std::max(rows, have * 2));
}

bool IsMemberBit(const Bitmap& b, uint32_t row) { return row < b.words().size() * 64 && b.Get(row); }

// Memberships being computed by a batch evaluation, falling back to others.
class ResultMembership : public cel::SegmentMembership {
 public:
  explicit ResultMembership(const cel::SegmentMembership* fallback, const ScoreSource* scores = nullptr)
      : fallback_(fallback), scores_(scores) {}
  cel::Value Score(absl::string_view score, uint32_t row, absl::Time now) const override {
    if (fallback_ != nullptr) return fallback_->Score(score, row, now);
    if (scores_ != nullptr) return scores_->ScoreValue(score, row, now);
    return cel::SegmentMembership::Score(score, row, now);
  }
  void Add(const std::string& name, const Bitmap* bits) { bits_[name] = bits; }
  const Bitmap* Members(absl::string_view segment) const override {
    auto it = bits_.find(segment);
    if (it != bits_.end()) return it->second;
    return fallback_ == nullptr ? nullptr : fallback_->Members(segment);
  }

 private:
  const cel::SegmentMembership* fallback_;
  const ScoreSource* scores_;
  absl::flat_hash_map<std::string, const Bitmap*> bits_;
};

// ---------------------------------------------------------------- explain

// Skips a string literal starting at `i` (its quote, after any r/b
// prefixes); returns the offset after it.
size_t SkipString(absl::string_view s, size_t i, bool raw) {
  const char q = s[i];
  const bool triple = i + 2 < s.size() && s[i + 1] == q && s[i + 2] == q;
  i += triple ? 3 : 1;
  while (i < s.size()) {
    if (!raw && s[i] == '\\') {
      i += 2;
      continue;
    }
    if (s[i] == q && (!triple || (i + 2 < s.size() && s[i + 1] == q && s[i + 2] == q))) return i + (triple ? 3 : 1);
    ++i;
  }
  return s.size();
}

// Calls on_paren(offset, char) for each parenthesis of s[begin, end) outside string literals.
template <typename F>
void ForEachParen(absl::string_view s, size_t begin, size_t end, F on_paren) {
  for (size_t i = begin; i < end;) {
    const char c = s[i];
    if (c == '"' || c == '\'') {
      const bool raw = i > 0 && (s[i - 1] == 'r' || s[i - 1] == 'R');
      i = SkipString(s, i, raw);
      continue;
    }
    if (c == '(' || c == ')') on_paren(i, c);
    ++i;
  }
}

// s[begin, end) without surrounding blanks, parentheses opened or closed
// outside it, and parentheses around all of it.
std::pair<size_t, size_t> CleanSpan(absl::string_view s, size_t begin, size_t end) {
  auto trim = [&] {
    while (begin < end && absl::ascii_isspace(static_cast<unsigned char>(s[begin]))) ++begin;
    while (end > begin && absl::ascii_isspace(static_cast<unsigned char>(s[end - 1]))) --end;
  };
  trim();
  while (true) {
    // Unmatched parentheses belong to the text around the clause.
    int depth = 0, lowest = 0;
    ForEachParen(s, begin, end, [&](size_t, char c) {
      depth += c == '(' ? 1 : -1;
      lowest = std::min(lowest, depth);
    });
    bool changed = false;
    if (lowest < 0 && begin < end && s[end - 1] == ')') {  // more ')' than '(' somewhere: close of an outer group
      --end;
      changed = true;
    } else if (depth > 0 && begin < end && s[begin] == '(') {
      ++begin;
      changed = true;
    } else if (begin < end && s[begin] == '(' && s[end - 1] == ')') {
      // (clause): strip when the first '(' closes at the end.
      int d = 0;
      size_t closes = std::string::npos;
      ForEachParen(s, begin, end, [&](size_t at, char c) {
        d += c == '(' ? 1 : -1;
        if (d == 0 && closes == std::string::npos) closes = at;
      });
      if (closes == end - 1) {
        ++begin;
        --end;
        changed = true;
      }
    }
    if (!changed) break;
    trim();
  }
  return {begin, end};
}

class Explainer {
 public:
  Explainer(const cel::Program& p, const cel::Activation& act, std::vector<ClauseValue>* out)
      : p_(p), act_(act), out_(out) {}

  void Visit(const cel::Expr& e, size_t begin, size_t end, int depth) {
    const auto* call = e.As<cel::CallExpr>();
    if (call == nullptr || call->target != nullptr) return;
    if ((call->function == "_&&_" || call->function == "_||_") && call->args.size() == 2) {
      std::vector<const cel::Expr*> operands;
      std::vector<size_t> ops;
      Flatten(e, call->function, &operands, &ops);
      std::sort(ops.begin(), ops.end());
      for (size_t i = 0; i < operands.size(); ++i) {
        const size_t b = i == 0 ? begin : ops[i - 1] + 2;
        const size_t en = i + 1 == operands.size() ? end : ops[i];
        Clause(*operands[i], b, std::max(b, en), depth);
      }
    } else if (call->function == "!_" && call->args.size() == 1) {
      size_t b = Position(e);
      b = b < end && p_.source()[b] == '!' ? b + 1 : begin;
      Clause(*call->args[0], std::max(b, begin), end, depth);
    }
  }

 private:
  void Clause(const cel::Expr& e, size_t begin, size_t end, int depth) {
    const auto [b, en] = CleanSpan(p_.source(), begin, end);
    out_->push_back({depth, std::string(p_.source().substr(b, en - b)), p_.EvaluateSubexpression(e.id, act_)});
    Visit(e, b, en, depth + 1);
  }

  void Flatten(const cel::Expr& e, const std::string& fn, std::vector<const cel::Expr*>* operands,
               std::vector<size_t>* ops) {
    const auto* call = e.As<cel::CallExpr>();
    if (call != nullptr && call->target == nullptr && call->function == fn && call->args.size() == 2) {
      ops->push_back(Position(e));
      Flatten(*call->args[0], fn, operands, ops);
      Flatten(*call->args[1], fn, operands, ops);
      return;
    }
    operands->push_back(&e);
  }

  size_t Position(const cel::Expr& e) const {
    auto it = p_.source_info().positions.find(e.id);
    return it == p_.source_info().positions.end() ? 0 : static_cast<size_t>(it->second);
  }

  const cel::Program& p_;
  const cel::Activation& act_;
  std::vector<ClauseValue>* out_;
};

}  // namespace

absl::string_view SegmentChangeKindName(SegmentChange::Kind kind) {
  return kind == SegmentChange::Kind::kEnter ? "enter" : "exit";
}

absl::Status ValidateDefinitionName(absl::string_view name, absl::string_view what) {
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat("a ", what, " needs a name"));
  if (name.size() > 128) {
    return absl::InvalidArgumentError(absl::StrCat(what, " name \"", name.substr(0, 32), "...\" is longer than 128 bytes"));
  }
  if (!absl::ascii_isalpha(static_cast<unsigned char>(name[0]))) {
    return absl::InvalidArgumentError(absl::StrCat(what, " name \"", name, "\" must start with a letter"));
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " name \"", name, "\" may hold only letters, digits, '_', '-' and '.'"));
    }
  }
  return absl::OkStatus();
}

SegmentCatalog::SegmentCatalog() = default;
SegmentCatalog::~SegmentCatalog() = default;

// ---------------------------------------------------------------- definitions

absl::StatusOr<std::unique_ptr<SegmentCatalog::Segment>> SegmentCatalog::CompileSegment(const v1::SegmentDef& def,
                                                                                     bool hidden) const {
  const std::string where = absl::StrCat("segment \"", def.name(), "\": ");
  auto s = std::make_unique<Segment>();
  s->def = def;
  absl::StatusOr<std::unique_ptr<cel::Program>> program = cel::CompileCustomerExpression(def.condition());
  if (!program.ok()) return absl::Status(program.status().code(), absl::StrCat(where, program.status().message()));
  const cel::Type::Kind kind = (*program)->result_type().kind;
  if (kind != cel::Type::Kind::kBool && kind != cel::Type::Kind::kDyn) {
    return absl::InvalidArgumentError(absl::StrCat(where, "the condition must be bool, not ",
                                                   (*program)->result_type().DebugString()));
  }
  s->program = std::move(*program);
  absl::StatusOr<cel::Dependencies> deps = cel::ExtractDependencies(*s->program);
  if (!deps.ok()) return absl::Status(deps.status().code(), absl::StrCat(where, deps.status().message()));
  s->deps = std::move(*deps);
  s->hidden = hidden;
  // A score read is a read of what the score reads.
  for (const std::string& score : s->deps.scores) {
    const ScoreSource::Reads* reads = scores_ == nullptr ? nullptr : scores_->ScoreReads(score);
    if (reads == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "score(\"", score, "\"): there is no score named \"", score, "\""));
    }
    s->deps.segments.insert(reads->segments.begin(), reads->segments.end());
    s->score_event_types.insert(s->score_event_types.end(), reads->event_types.begin(), reads->event_types.end());
    if (reads->time_dependent) s->deps.reads_now_directly = true;
  }
  return s;
}

void SegmentCatalog::Plan(Segment& segment, CustomerStore& store) {
  Segment* s = &segment;
  for (const auto& w : s->deps.windows) s->window_columns.push_back(store.RequireWindow(w.event_type, w.window));
  s->columnar = cel::ColumnarCondition::Plan(s->program);
  const cel::Expr& root = s->program->expr();
  const bool loops = AnyNode(root, [](const cel::Expr& e) { return e.As<cel::ComprehensionExpr>() != nullptr; });
  const bool days_since = AnyNode(root, [](const cel::Expr& e) {
    const auto* c = e.As<cel::CallExpr>();
    return c != nullptr && c->function == "days_since";
  });
  s->continuous = s->deps.reads_now_directly || (loops && s->deps.reads_now);
  s->time_dependent = !s->continuous && (days_since || !s->deps.windows.empty());
  s->walker = days_since;
}

absl::Status SegmentCatalog::Define(absl::Span<const v1::SegmentDef> defs, CustomerStore& store, absl::Time now,
                                    bool hidden) {
  std::vector<std::unique_ptr<Segment>> fresh;
  absl::flat_hash_map<std::string, int> batch;  // name -> position in fresh
  for (const v1::SegmentDef& def : defs) {
    if (!hidden) SALESKIT_RETURN_IF_ERROR(ValidateDefinitionName(def.name(), "segment"));
    const std::string where = absl::StrCat("segment \"", def.name(), "\": ");
    if (names_.contains(def.name())) {
      return absl::InvalidArgumentError(absl::StrCat(where, "a segment with this name already exists"));
    }
    if (!batch.emplace(def.name(), static_cast<int>(fresh.size())).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, "defined twice"));
    }
    SALESKIT_ASSIGN_OR_RETURN(std::unique_ptr<Segment> s, CompileSegment(def, hidden));
    fresh.push_back(std::move(s));
  }
  // References: to existing segments or to segments of this batch, without cycles.
  for (const auto& s : fresh) {
    for (const std::string& ref : s->deps.segments) {
      if (!names_.contains(ref) && !batch.contains(ref)) {
        return absl::InvalidArgumentError(absl::StrCat("segment \"", s->def.name(), "\": in_segment(\"", ref,
                                                       "\"): there is no segment named \"", ref, "\""));
      }
    }
  }
  std::vector<int> topo;  // positions in fresh, referenced first
  std::vector<uint8_t> state(fresh.size(), 0);  // 0 new, 1 on the path, 2 done
  std::vector<int> path;
  std::function<absl::Status(int)> visit = [&](int i) -> absl::Status {
    if (state[i] == 2) return absl::OkStatus();
    if (state[i] == 1) {
      std::vector<std::string> cycle;
      auto from = std::find(path.begin(), path.end(), i);
      for (auto it = from; it != path.end(); ++it) cycle.push_back(fresh[*it]->def.name());
      cycle.push_back(fresh[i]->def.name());
      return absl::InvalidArgumentError(
          absl::StrCat("segments refer to each other in a cycle: ", absl::StrJoin(cycle, " -> ")));
    }
    state[i] = 1;
    path.push_back(i);
    for (const std::string& ref : fresh[i]->deps.segments) {
      auto it = batch.find(ref);
      if (it != batch.end()) SALESKIT_RETURN_IF_ERROR(visit(it->second));
    }
    path.pop_back();
    state[i] = 2;
    topo.push_back(i);
    return absl::OkStatus();
  };
  for (size_t i = 0; i < fresh.size(); ++i) SALESKIT_RETURN_IF_ERROR(visit(static_cast<int>(i)));

  // Valid: from here on nothing fails.
  for (const auto& s : fresh) Plan(*s, store);
  std::vector<const cel::ColumnarCondition*> conditions;
  for (int i : topo) conditions.push_back(fresh[i]->columnar.get());
  std::vector<cel::ColumnarCondition::Result> results(topo.size());
  ResultMembership resolver(this);
  for (size_t k = 0; k < topo.size(); ++k) resolver.Add(fresh[topo[k]]->def.name(), &results[k].matched);
  cel::ColumnarCondition::EvaluateAll(conditions, store, now, &resolver, &results);

  const int base = static_cast<int>(segments_.size());
  std::vector<int> added;
  for (size_t k = 0; k < topo.size(); ++k) {
    const int index = base + static_cast<int>(k);
    std::unique_ptr<Segment> s = std::move(fresh[topo[k]]);
    s->members = std::move(results[k].matched);
    Cover(s->members, store.row_capacity());
    names_[s->def.name()] = index;
    slot_names_.push_back(s->def.name());
    order_.push_back(index);
    segments_.push_back(std::move(s));
    added.push_back(index);
  }
  Reindex();
  if (timer_of_row_.size() < store.row_capacity()) timer_of_row_.resize(store.row_capacity(), INT64_MAX);
  covered_rows_ = store.row_capacity();  // every segment's bitmap, old and new, covers the rows
  RebuildRowWords();
  for (int index : added) {
    Segment& s = *segments_[index];
    s.members.ForEachSet([&](size_t row) {
      ++s.count;
      if (s.hidden) {
        hidden_changes_.push_back(static_cast<uint32_t>(row));
        return;
      }
      log_.push_back(
          {next_seq_++, ToMicros(now), static_cast<uint32_t>(row), static_cast<uint32_t>(index), SegmentChange::Kind::kEnter});
    });
  }
  // Timers for the new time-dependent segments: each window once, however
  // many segments read it.
  std::vector<int> columns, walkers;
  for (int index : added) {
    const Segment& s = *segments_[index];
    if (!s.time_dependent) continue;
    if (s.walker) walkers.push_back(index);
    columns.insert(columns.end(), s.window_columns.begin(), s.window_columns.end());
  }
  std::sort(columns.begin(), columns.end());
  columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
  if (columns.empty() && walkers.empty()) return absl::OkStatus();
  for (uint32_t row = 0; row < store.row_capacity(); ++row) {
    if (!store.live().Get(row)) continue;
    Micros next = timer_of_row_[row];
    for (int col : columns) next = std::min(next, WindowNextChange(store, col, row, now));
    for (int i : walkers) next = std::min(next, NextChange(*segments_[i], store, row, now));
    Schedule(row, next);
  }
  return absl::OkStatus();
}

absl::Status SegmentCatalog::Remove(absl::string_view name) {
  SALESKIT_ASSIGN_OR_RETURN(int index, Find(name));
  const std::vector<int>& readers = segments_[index]->dependents;
  if (!readers.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("segment \"", name, "\" is read by segment \"",
                                                      segments_[readers.front()]->def.name(),
                                                      "\" (in_segment); remove that first"));
  }
  names_.erase(std::string(name));
  order_.erase(std::find(order_.begin(), order_.end(), index));
  segments_[index].reset();
  Reindex();
  return absl::OkStatus();
}

std::vector<v1::SegmentDef> SegmentCatalog::Definitions() const {
  std::vector<v1::SegmentDef> out;
  for (int i : order_) {
    if (!segments_[i]->hidden) out.push_back(segments_[i]->def);
  }
  return out;
}

absl::StatusOr<int> SegmentCatalog::Find(absl::string_view name) const {
  auto it = names_.find(name);
  if (it == names_.end()) return absl::NotFoundError(absl::StrCat("no segment named \"", name, "\""));
  return it->second;
}

void SegmentCatalog::Reindex() {
  by_field_.assign(static_cast<size_t>(v1::Customer::descriptor()->field_count()), {});
  by_attr_.clear();
  any_attr_.clear();
  whole_record_.clear();
  by_event_type_.clear();
  account_readers_.clear();
  time_dependent_.clear();
  walkers_.clear();
  timed_columns_.clear();
  continuous_.clear();
  for (int i : order_) segments_[i]->dependents.clear();
  const google::protobuf::Descriptor* d = v1::Customer::descriptor();
  for (int i : order_) {
    Segment& s = *segments_[i];
    for (const std::string& ref : s.deps.segments) segments_[names_.at(ref)]->dependents.push_back(i);
    for (const std::string& f : s.deps.customer_fields) {
      if (f == "*") {
        whole_record_.push_back(i);
      } else if (f == "attrs") {
        any_attr_.push_back(i);
      } else if (absl::StartsWith(f, "attrs.")) {
        by_attr_[f.substr(6)].push_back(i);
      } else if (const google::protobuf::FieldDescriptor* fd = d->FindFieldByName(f)) {
        by_field_[fd->index()].push_back(i);
      }
    }
    if (!s.deps.account_fields.empty()) account_readers_.push_back(i);
    for (const auto& w : s.deps.windows) by_event_type_[w.event_type].segments.push_back(i);
    for (const std::string& t : s.deps.last_event_types) by_event_type_[t].segments.push_back(i);
    for (const std::string& t : s.score_event_types) by_event_type_[t].segments.push_back(i);
    if (s.time_dependent) {
      time_dependent_.push_back(i);
      if (s.walker) walkers_.push_back(i);
      size_t k = 0;
      for (const auto& w : s.deps.windows) {
        by_event_type_[w.event_type].timed_columns.push_back(s.window_columns[k]);
        timed_columns_.push_back(s.window_columns[k++]);
      }
    }
    if (s.continuous) continuous_.push_back(i);
  }
  // A segment reading the account also depends on which account the customer has.
  const int account_id = d->FindFieldByNumber(v1::Customer::kAccountIdFieldNumber)->index();
  for (int i : account_readers_) by_field_[account_id].push_back(i);
  auto dedupe = [](std::vector<int>& list) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  };
  dedupe(by_field_[account_id]);
  for (auto& [type, readers] : by_event_type_) {
    dedupe(readers.segments);
    dedupe(readers.timed_columns);
  }
  dedupe(timed_columns_);
  dirty_.assign(segments_.size(), 0);
}

// ---------------------------------------------------------------- incremental

void SegmentCatalog::Apply(const StoreChanges& changes, const CustomerStore& store, absl::Time now) {
  if (names_.empty() || changes.empty()) return;
  const size_t rows = store.row_capacity();
  if (rows > covered_rows_) {
    if (timer_of_row_.size() < rows) timer_of_row_.resize(std::max(rows, timer_of_row_.size() * 2), INT64_MAX);
    for (int i : order_) Cover(segments_[i]->members, rows);
    if (row_words_.size() < rows * words_per_row_) {
      row_words_.resize(std::max(rows, row_words_.size() / words_per_row_ * 2) * words_per_row_, 0);
    }
    covered_rows_ = rows;
  }

  // What touched each customer: one entry per changed item, not per segment,
  // so that a bulk load stays linear. Items number the customer writes, then
  // the events, then (one shared item) the customers of changed accounts.
  struct Touch {
    uint32_t position;  // the customer's place in first-touch order
    uint32_t item;
    uint32_t row;
    bool operator<(const Touch& o) const { return std::tie(position, item) < std::tie(o.position, o.item); }
  };
  absl::InlinedVector<Touch, 4> work;  // one-event batches: no allocation
  work.reserve(changes.customers.size() + changes.events.size());
  const uint32_t events_at = static_cast<uint32_t>(changes.customers.size());
  const uint32_t accounts_at = events_at + static_cast<uint32_t>(changes.events.size());
  for (uint32_t i = 0; i < changes.customers.size(); ++i) work.push_back({0, i, changes.customers[i].row});
  for (uint32_t i = 0; i < changes.events.size(); ++i) work.push_back({0, events_at + i, changes.events[i].row});
  if (!changes.accounts.empty() && !account_readers_.empty()) {
    for (uint32_t row : store.RowsOfAccounts(changes.accounts)) work.push_back({0, accounts_at, row});
  }
  if (work.empty()) return;
  // Customers in the order the batch first touched them, so that change
  // records follow the input. (A batch about one customer is in order.)
  const bool one_customer =
      std::all_of(work.begin(), work.end(), [&](const Touch& t) { return t.row == work.front().row; });
  if (!one_customer) {
    absl::flat_hash_map<uint32_t, uint32_t> first_touch;
    first_touch.reserve(work.size());
    for (Touch& t : work) {
      t.position = first_touch.emplace(t.row, static_cast<uint32_t>(first_touch.size())).first->second;
    }
    std::sort(work.begin(), work.end());
  }

  auto mark = [&](const std::vector<int>& segments) {
    for (int s : segments) dirty_[s] = 1;
  };
  int32_t cached_type = -1;
  const TypeReaders* cached = nullptr;
  absl::InlinedVector<const TypeReaders*, 4> types;  // of the events a customer had
  for (size_t i = 0; i < work.size();) {
    const uint32_t row = work[i].row;
    bool created = false;
    types.clear();
    for (const uint32_t position = work[i].position; i < work.size() && work[i].position == position; ++i) {
      const uint32_t item = work[i].item;
      if (item < events_at) {
        const StoreChanges::CustomerWrite& w = changes.customers[item];
        created |= w.created;
        if (w.created) mark(order_);
        for (uint64_t bits = w.fields; bits != 0; bits &= bits - 1) {
          const size_t f = static_cast<size_t>(__builtin_ctzll(bits));
          if (f < by_field_.size()) mark(by_field_[f]);
        }
        for (uint32_t a = w.attrs_begin; a < w.attrs_end; ++a) {
          auto it = by_attr_.find(changes.attrs[a]);
          if (it != by_attr_.end()) mark(it->second);
        }
        if (w.attrs_end > w.attrs_begin) mark(any_attr_);
        if (w.fields != 0 || w.attrs_end > w.attrs_begin) mark(whole_record_);
      } else if (item < accounts_at) {
        const StoreChanges::EventCount& e = changes.events[item - events_at];
        created |= e.created;
        if (e.created) mark(order_);
        if (e.type != cached_type) {
          cached_type = e.type;
          auto it = by_event_type_.find(store.EventTypeName(e.type));
          cached = it == by_event_type_.end() ? nullptr : &it->second;
        }
        if (cached != nullptr) {
          mark(cached->segments);
          if (std::find(types.begin(), types.end(), cached) == types.end()) types.push_back(cached);
        }
      } else {
        mark(account_readers_);
      }
    }
    // Timers: only the windows of the event types the customer just had can
    // have moved, and the days_since of the segments just evaluated; every
    // other part of the timer is still the earliest of what it was.
    Micros next = EvaluateRow(store, row, now);
    if (created) {
      next = std::min(next, TimedNextChange(store, row, now));
    } else {
      next = std::min(next, timer_of_row_[row]);
      for (const TypeReaders* t : types) {
        for (int col : t->timed_columns) next = std::min(next, WindowNextChange(store, col, row, now));
      }
    }
    Schedule(row, next);
  }
}

Micros SegmentCatalog::WindowNextChange(const CustomerStore& store, int column, uint32_t row, absl::Time now) {
  const Micros next = store.windows().NextChange(column, row);
  // Strictly later than now, so that firing timers always makes progress.
  return next == INT64_MAX ? next : std::max(next, ToMicros(now) + 1);
}

Micros SegmentCatalog::TimedNextChange(const CustomerStore& store, uint32_t row, absl::Time now) const {
  Micros next = INT64_MAX;
  for (int col : timed_columns_) next = std::min(next, WindowNextChange(store, col, row, now));
  for (int i : walkers_) next = std::min(next, NextChange(*segments_[i], store, row, now));
  return next;
}

Micros SegmentCatalog::EvaluateRow(const CustomerStore& store, uint32_t row, absl::Time now) {
  const bool live = store.live().Get(row);
  Micros next = INT64_MAX;
  for (int i : order_) {
    if (!dirty_[i]) continue;
    dirty_[i] = 0;
    Segment& s = *segments_[i];
    const bool member = live && s.columnar->EvaluateRow(store, row, now, this).value_or(false);
    if (member != RowBit(i, row)) {
      SetMember(i, row, member, now);
      for (int d : s.dependents) dirty_[d] = 1;
    }
    if (s.walker && live) next = std::min(next, NextChange(s, store, row, now));
  }
  return next;
}

void SegmentCatalog::RebuildRowWords() {
  words_per_row_ = std::max<size_t>(1, (segments_.size() + 63) / 64);
  row_words_.assign(covered_rows_ * words_per_row_, 0);
  for (int i : order_) {
    segments_[i]->members.ForEachSet([&](size_t row) {
      if (row < covered_rows_) row_words_[row * words_per_row_ + static_cast<size_t>(i) / 64] |= uint64_t{1} << (i % 64);
    });
  }
}

void SegmentCatalog::SetMember(int segment, uint32_t row, bool member, absl::Time now) {
  Segment& s = *segments_[segment];
  s.members.Assign(row, member);
  uint64_t& word = row_words_[row * words_per_row_ + static_cast<size_t>(segment) / 64];
  const uint64_t bit = uint64_t{1} << (segment % 64);
  word = member ? word | bit : word & ~bit;
  member ? ++s.count : --s.count;
  if (s.hidden) {
    hidden_changes_.push_back(row);
    return;
  }
  log_.push_back({next_seq_++, ToMicros(now), row, static_cast<uint32_t>(segment),
                  member ? SegmentChange::Kind::kEnter : SegmentChange::Kind::kExit});
}

void SegmentCatalog::Schedule(uint32_t row, Micros at) {
  Micros& current = timer_of_row_[row];
  if (current == at) return;
  if (current != INT64_MAX) timers_.erase({current, row});
  current = at;
  if (at != INT64_MAX) timers_.insert({at, row});
}

Micros SegmentCatalog::NextChange(const Segment& s, const CustomerStore& store, uint32_t row, absl::Time now) const {
  Micros next = INT64_MAX;
  if (s.walker) {
    cel::StoreCustomerActivation act(store, row, now, this);
    const absl::Time t = cel::NextChange(*s.program, act, now);
    if (t != absl::InfiniteFuture()) next = ToMicros(t);
  } else {
    for (int col : s.window_columns) next = std::min(next, WindowNextChange(store, col, row, now));
    return next;
  }
  // Strictly later than now, so that firing timers always makes progress.
  return next == INT64_MAX ? next : std::max(next, ToMicros(now) + 1);
}

void SegmentCatalog::Erase(uint32_t row) {
  for (int i : order_) {
    Segment& s = *segments_[i];
    if (IsMemberBit(s.members, row)) {
      s.members.Clear(row);
      --s.count;
    }
  }
  if (row < timer_of_row_.size()) Schedule(row, INT64_MAX);
  if ((row + 1) * words_per_row_ <= row_words_.size()) {
    std::fill_n(row_words_.begin() + static_cast<std::ptrdiff_t>(row * words_per_row_), words_per_row_, 0);
  }
  log_.erase(std::remove_if(log_.begin(), log_.end(), [row](const LogEntry& e) { return e.row == row; }), log_.end());
}

absl::Time SegmentCatalog::next_due() const {
  return timers_.empty() ? absl::InfiniteFuture() : ToTime(timers_.begin()->first);
}

void SegmentCatalog::FireDue(const CustomerStore& store, absl::Time at) {
  const Micros t = ToMicros(at);
  while (!timers_.empty() && timers_.begin()->first <= t) {
    const uint32_t row = timers_.begin()->second;
    Schedule(row, INT64_MAX);
    for (int i : time_dependent_) dirty_[i] = 1;
    EvaluateRow(store, row, at);
    Schedule(row, TimedNextChange(store, row, at));
  }
}

void SegmentCatalog::ClockMoved(const CustomerStore& store, absl::Time now) {
  if (continuous_.empty()) return;
  std::vector<const cel::ColumnarCondition*> conditions;
  for (int i : continuous_) conditions.push_back(segments_[i]->columnar.get());
  std::vector<cel::ColumnarCondition::Result> results(conditions.size());
  cel::ColumnarCondition::EvaluateAll(conditions, store, now, this, &results);
  std::vector<std::pair<uint32_t, int>> work;
  for (size_t k = 0; k < continuous_.size(); ++k) {
    const std::vector<uint64_t>& fresh = results[k].matched.words();
    const std::vector<uint64_t>& held = segments_[continuous_[k]]->members.words();
    for (size_t w = 0; w < std::max(fresh.size(), held.size()); ++w) {
      const uint64_t diff = (w < fresh.size() ? fresh[w] : 0) ^ (w < held.size() ? held[w] : 0);
      for (uint64_t bits = diff; bits != 0; bits &= bits - 1) {
        work.emplace_back(static_cast<uint32_t>(w * 64 + __builtin_ctzll(bits)), continuous_[k]);
      }
    }
  }
  std::sort(work.begin(), work.end());
  for (size_t i = 0; i < work.size();) {
    const uint32_t row = work[i].first;
    for (; i < work.size() && work[i].first == row; ++i) dirty_[work[i].second] = 1;
    Schedule(row, std::min(timer_of_row_[row], EvaluateRow(store, row, now)));
  }
}

// ---------------------------------------------------------------- reading

const Bitmap* SegmentCatalog::Members(absl::string_view segment) const {
  auto it = names_.find(segment);
  return it == names_.end() ? nullptr : &segments_[it->second]->members;
}

std::string SegmentCatalog::ScoreReader(absl::string_view score) const {
  for (int i : order_) {
    if (segments_[i]->deps.scores.count(std::string(score)) != 0) return segments_[i]->def.name();
  }
  return "";
}

cel::Value SegmentCatalog::Score(absl::string_view score, uint32_t row, absl::Time now) const {
  if (scores_ == nullptr) return cel::SegmentMembership::Score(score, row, now);
  return scores_->ScoreValue(score, row, now);
}

absl::StatusOr<size_t> SegmentCatalog::Count(absl::string_view segment) const {
  SALESKIT_ASSIGN_OR_RETURN(int index, Find(segment));
  return segments_[index]->count;
}

absl::StatusOr<bool> SegmentCatalog::IsMember(absl::string_view segment, uint32_t row) const {
  SALESKIT_ASSIGN_OR_RETURN(int index, Find(segment));
  return IsMemberBit(segments_[index]->members, row);
}

std::vector<std::pair<std::string, Bitmap>> SegmentCatalog::EvaluateAll(const CustomerStore& store,
                                                                        absl::Time now) const {
  std::vector<const cel::ColumnarCondition*> conditions;
  for (int i : order_) conditions.push_back(segments_[i]->columnar.get());
  std::vector<cel::ColumnarCondition::Result> results(conditions.size());
  ResultMembership resolver(nullptr, scores_);
  for (size_t k = 0; k < order_.size(); ++k) resolver.Add(segments_[order_[k]]->def.name(), &results[k].matched);
  cel::ColumnarCondition::EvaluateAll(conditions, store, now, &resolver, &results);
  std::vector<std::pair<std::string, Bitmap>> out;
  for (size_t k = 0; k < order_.size(); ++k) out.emplace_back(segments_[order_[k]]->def.name(), std::move(results[k].matched));
  return out;
}

std::vector<SegmentChange> SegmentCatalog::ChangesSince(uint64_t after, size_t limit,
                                                        const CustomerStore& store) const {
  auto it = std::upper_bound(log_.begin(), log_.end(), after,
                             [](uint64_t seq, const LogEntry& e) { return seq < e.seq; });
  std::vector<SegmentChange> out;
  for (; it != log_.end() && out.size() < limit; ++it) {
    out.push_back({it->seq, ToTime(it->at), slot_names_[it->segment], std::string(store.IdOf(it->row)), it->kind});
  }
  return out;
}

void SegmentCatalog::TrimChanges(uint64_t through) {
  auto it = std::upper_bound(log_.begin(), log_.end(), through,
                             [](uint64_t seq, const LogEntry& e) { return seq < e.seq; });
  log_.erase(log_.begin(), it);
}

absl::StatusOr<SegmentExplanation> SegmentCatalog::Explain(absl::string_view segment, uint32_t row,
                                                           const CustomerStore& store, absl::Time now) const {
  SALESKIT_ASSIGN_OR_RETURN(int index, Find(segment));
  const Segment& s = *segments_[index];
  SegmentExplanation out;
  out.segment = s.def.name();
  out.condition = s.def.condition();
  out.customer_id = std::string(store.IdOf(row));
  out.member = IsMemberBit(s.members, row);
  cel::StoreCustomerActivation act(store, row, now, this);
  out.clauses = ExplainCondition(*s.program, act);
  return out;
}

const cel::Dependencies* SegmentCatalog::Reads(absl::string_view segment) const {
  absl::StatusOr<int> index = Find(segment);
  return index.ok() ? &segments_[*index]->deps : nullptr;
}

std::vector<ClauseValue> ExplainCondition(const cel::Program& program, const cel::Activation& activation) {
  std::vector<ClauseValue> clauses;
  Explainer(program, activation, &clauses).Visit(program.expr(), 0, program.source().size(), 0);
  if (clauses.empty()) {  // a single clause: the whole condition
    const auto [b, e] = CleanSpan(program.source(), 0, program.source().size());
    clauses.push_back({0, program.source().substr(b, e - b), program.Evaluate(activation)});
  }
  return clauses;
}

size_t SegmentCatalog::MemoryBytes() const {
  size_t n = log_.capacity() * sizeof(LogEntry) + timer_of_row_.capacity() * sizeof(Micros) +
             timers_.size() * (sizeof(std::pair<Micros, uint32_t>) + 8);
  for (int i : order_) n += segments_[i]->members.MemoryBytes();
  return n;
}

// ---------------------------------------------------------------- checkpoints

void SegmentCatalog::Save(internal::ArchiveWriter& out) const {
  out.Section(0x53454731);  // "SEG1"
  out.Pod(static_cast<uint64_t>(segments_.size()));
  for (size_t i = 0; i < segments_.size(); ++i) {
    out.Str(slot_names_[i]);
    const Segment* s = segments_[i].get();
    const uint8_t live = s != nullptr;
    out.Pod(live);
    if (!live) continue;
    out.Pod(s->hidden);
    out.Msg(s->def);
    out.Bits(s->members);
    out.Pod(s->count);
  }
  out.Pod(covered_rows_);
  out.PodSet(timers_);
  out.Vec(timer_of_row_);
  out.Vec(log_);
  out.Pod(next_seq_);
  out.Vec(hidden_changes_);
  out.Section(0x53454732);
}

absl::Status SegmentCatalog::Load(internal::ArchiveReader& in, CustomerStore& store) {
  in.Section(0x53454731);
  uint64_t slots = 0;
  in.Pod(slots);
  if (!in.ok()) return in.status();
  for (uint64_t i = 0; i < slots && in.ok(); ++i) {
    std::string name;
    in.Str(name);
    uint8_t live = 0;
    in.Pod(live);
    slot_names_.push_back(name);
    if (!live) {
      segments_.emplace_back();
      continue;
    }
    bool hidden = false;
    in.Pod(hidden);
    v1::SegmentDef def;
    in.Msg(def);
    if (!in.ok()) break;
    // Slots are in dependency order: a segment is defined after those it reads.
    absl::StatusOr<std::unique_ptr<Segment>> s = CompileSegment(def, hidden);
    if (!s.ok()) {
      in.Fail(absl::StrCat("segment \"", name, "\" does not compile: ", s.status().message()));
      break;
    }
    for (const std::string& ref : (*s)->deps.segments) {
      if (!names_.contains(ref)) in.Fail(absl::StrCat("segment \"", name, "\" reads \"", ref, "\", not before it"));
    }
    Plan(**s, store);
    in.Bits((*s)->members);
    in.Pod((*s)->count);
    names_[name] = static_cast<int>(segments_.size());
    order_.push_back(static_cast<int>(segments_.size()));
    segments_.push_back(std::move(*s));
  }
  in.Pod(covered_rows_);
  in.PodSet(timers_);
  in.Vec(timer_of_row_);
  in.Vec(log_);
  in.Pod(next_seq_);
  in.Vec(hidden_changes_);
  in.Section(0x53454732);
  if (!in.ok()) return in.status();
  for (const LogEntry& e : log_) {
    if (e.segment >= segments_.size()) return absl::DataLossError("a segment change names a slot that does not exist");
  }
  for (int i : order_) {
    if (segments_[i]->members.words().size() * 64 < covered_rows_) {
      return absl::DataLossError(absl::StrCat("segment \"", slot_names_[i], "\": members do not cover the rows"));
    }
  }
  Reindex();
  RebuildRowWords();
  return absl::OkStatus();
}

}  // namespace saleskit
