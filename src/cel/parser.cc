#include "saleskit/cel/parser.h"

#include <cmath>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "internal/utf8.h"

namespace saleskit::cel {
namespace {

// ------------------------------------------------------------------ tokens

enum class Tok {
  kEnd, kIdent, kInt, kUint, kDouble, kString, kBytes, kTrue, kFalse, kNull,
  kLParen, kRParen, kLBracket, kRBracket, kLBrace, kRBrace, kDot, kComma, kColon, kQuestion,
  kPlus, kMinus, kStar, kSlash, kPercent, kNot, kEq, kNe, kLt, kLe, kGt, kGe, kAnd, kOr, kIn,
  kOptDot,      // .?
  kOptBracket,  // [?
  kQuotedIdent, // `field-name`: only as a field name
  kError,
};

struct Token {
  Tok kind = Tok::kEnd;
  int32_t offset = 0;       // byte offset in the source
  absl::string_view text;   // the source text of the token
  std::string value;        // decoded string/bytes literal, or the error message for kError
};

bool IsIdentStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsIdentChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

constexpr absl::string_view kReserved[] = {"as",      "break",  "const",     "continue", "else",
                                           "for",     "function", "if",      "import",   "let",
                                           "loop",    "package", "namespace", "return",  "var",
                                           "void",    "while"};

class Lexer {
 public:
  explicit Lexer(absl::string_view src) : src_(src) {}

  Token Next() {
    SkipSpaceAndComments();
    Token t;
    t.offset = static_cast<int32_t>(pos_);
    if (pos_ >= src_.size()) return t;
    const char c = src_[pos_];
    const char n = pos_ + 1 < src_.size() ? src_[pos_ + 1] : '\0';
    auto single = [&](Tok k, size_t len = 1) {
      t.kind = k;
      t.text = src_.substr(pos_, len);
      pos_ += len;
      return t;
    };
    switch (c) {
      case '(': return single(Tok::kLParen);
      case ')': return single(Tok::kRParen);
      case '[': return n == '?' ? single(Tok::kOptBracket, 2) : single(Tok::kLBracket);
      case ']': return single(Tok::kRBracket);
      case '{': return single(Tok::kLBrace);
      case '}': return single(Tok::kRBrace);
      case ',': return single(Tok::kComma);
      case ':': return single(Tok::kColon);
      case '?': return single(Tok::kQuestion);
      case '+': return single(Tok::kPlus);
      case '-': return single(Tok::kMinus);
      case '*': return single(Tok::kStar);
      case '/': return single(Tok::kSlash);
      case '%': return single(Tok::kPercent);
      case '!': return n == '=' ? single(Tok::kNe, 2) : single(Tok::kNot);
      case '=':
        if (n == '=') return single(Tok::kEq, 2);
        break;
      case '<': return n == '=' ? single(Tok::kLe, 2) : single(Tok::kLt);
      case '>': return n == '=' ? single(Tok::kGe, 2) : single(Tok::kGt);
      case '&':
        if (n == '&') return single(Tok::kAnd, 2);
        break;
      case '|':
        if (n == '|') return single(Tok::kOr, 2);
        break;
      case '.':
        if (absl::ascii_isdigit(n)) return Number();
        return n == '?' ? single(Tok::kOptDot, 2) : single(Tok::kDot);
      case '"':
      case '\'':
        return String(pos_, false, false);
      case '`': {  // an escaped field name: letters, digits, _ . - / and space
        size_t p = pos_ + 1;
        while (p < src_.size() && (IsIdentChar(src_[p]) || src_[p] == '.' || src_[p] == '-' || src_[p] == '/' ||
                                   src_[p] == ' ')) {
          ++p;
        }
        if (p >= src_.size() || src_[p] != '`' || p == pos_ + 1) {
          return Error("malformed quoted field name (expected `name` with letters, digits, _ . - / or space)", 1);
        }
        t.kind = Tok::kQuotedIdent;
        t.text = src_.substr(pos_ + 1, p - pos_ - 1);
        pos_ = p + 1;
        return t;
      }
      default:
        break;
    }
    if (absl::ascii_isdigit(c)) return Number();
    if (IsIdentStart(c)) {
      // String prefixes: r, b, rb, br (any case) directly before a quote.
      size_t p = pos_;
      bool raw = false, bytes = false;
      for (int k = 0; k < 2 && p < src_.size(); ++k) {
        const char lc = absl::ascii_tolower(src_[p]);
        if (lc == 'r' && !raw) {
          raw = true;
          ++p;
        } else if (lc == 'b' && !bytes) {
          bytes = true;
          ++p;
        } else {
          break;
        }
        if (p < src_.size() && (src_[p] == '"' || src_[p] == '\'')) return String(p, raw, bytes);
      }
      const size_t start = pos_;
      while (pos_ < src_.size() && IsIdentChar(src_[pos_])) ++pos_;
      t.text = src_.substr(start, pos_ - start);
      if (t.text == "true") t.kind = Tok::kTrue;
      else if (t.text == "false") t.kind = Tok::kFalse;
      else if (t.text == "null") t.kind = Tok::kNull;
      else if (t.text == "in") t.kind = Tok::kIn;
      else t.kind = Tok::kIdent;
      return t;
    }
    return Error(absl::StrCat("unexpected character '", absl::CEscape(src_.substr(pos_, 1)), "'"), 1);
  }

 private:
  Token Error(std::string message, size_t len) {
    Token t;
    t.kind = Tok::kError;
    t.offset = static_cast<int32_t>(pos_);
    t.text = src_.substr(pos_, std::min(len, src_.size() - pos_));
    t.value = std::move(message);
    pos_ = src_.size();  // stop: one lexical error is enough
    return t;
  }

  void SkipSpaceAndComments() {
    while (pos_ < src_.size()) {
      const char c = src_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        ++pos_;
      } else if (c == '/' && pos_ + 1 < src_.size() && src_[pos_ + 1] == '/') {
        while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  Token Number() {
    Token t;
    const size_t start = pos_;
    t.offset = static_cast<int32_t>(start);
    if (src_[pos_] == '0' && pos_ + 1 < src_.size() && (src_[pos_ + 1] == 'x' || src_[pos_ + 1] == 'X')) {
      pos_ += 2;
      const size_t digits = pos_;
      while (pos_ < src_.size() && absl::ascii_isxdigit(src_[pos_])) ++pos_;
      if (pos_ == digits) return Error("hex literal without digits", 2);
      t.kind = Tok::kInt;
    } else {
      bool is_double = false;
      while (pos_ < src_.size() && absl::ascii_isdigit(src_[pos_])) ++pos_;
      if (pos_ + 1 < src_.size() && src_[pos_] == '.' && absl::ascii_isdigit(src_[pos_ + 1])) {
        is_double = true;
        ++pos_;
        while (pos_ < src_.size() && absl::ascii_isdigit(src_[pos_])) ++pos_;
      }
      if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
        size_t p = pos_ + 1;
        if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
        if (p < src_.size() && absl::ascii_isdigit(src_[p])) {
          is_double = true;
          pos_ = p;
          while (pos_ < src_.size() && absl::ascii_isdigit(src_[pos_])) ++pos_;
        }
      }
      t.kind = is_double ? Tok::kDouble : Tok::kInt;
    }
    if (t.kind == Tok::kInt && pos_ < src_.size() && (src_[pos_] == 'u' || src_[pos_] == 'U')) {
      ++pos_;
      t.kind = Tok::kUint;
    }
    t.text = src_.substr(start, pos_ - start);
    if (pos_ < src_.size() && IsIdentChar(src_[pos_])) {
      pos_ = start;
      return Error(absl::StrCat("malformed number"), 1);
    }
    return t;
  }

  // A string or bytes literal whose opening quote is at `quote`.
  Token String(size_t quote, bool raw, bool bytes) {
    Token t;
    t.offset = static_cast<int32_t>(pos_);
    t.kind = bytes ? Tok::kBytes : Tok::kString;
    const char q = src_[quote];
    const bool triple = quote + 2 < src_.size() && src_[quote + 1] == q && src_[quote + 2] == q;
    size_t p = quote + (triple ? 3 : 1);
    std::string out;
    while (true) {
      if (p >= src_.size()) return Error("unterminated string literal", src_.size() - pos_);
      const char c = src_[p];
      if (triple) {
        if (c == q && p + 2 < src_.size() && src_[p + 1] == q && src_[p + 2] == q) {
          p += 3;
          break;
        }
      } else {
        if (c == q) {
          ++p;
          break;
        }
        if (c == '\n' || c == '\r') return Error("newline in a single-quoted string literal", p - pos_);
      }
      if (c == '\\' && !raw) {
        std::string error;
        if (!Escape(&p, bytes, &out, &error)) {
          pos_ = p;
          return Error(error, 2);
        }
        continue;
      }
      out.push_back(c);
      ++p;
    }
    if (!bytes && !internal::IsValidUtf8(out)) {
      return Error("string literal is not valid UTF-8", p - pos_);
    }
    t.text = src_.substr(pos_, p - pos_);
    t.value = std::move(out);
    pos_ = p;
    return t;
  }

  // Decodes the escape sequence at src_[*p] == '\\'.
  bool Escape(size_t* p, bool bytes, std::string* out, std::string* error) {
    size_t i = *p + 1;
    if (i >= src_.size()) {
      *error = "unterminated escape sequence";
      return false;
    }
    const char c = src_[i];
    auto hex = [&](size_t start, int n, uint32_t* v) {
      if (start + n > src_.size()) return false;
      *v = 0;
      for (int k = 0; k < n; ++k) {
        const char h = src_[start + k];
        if (!absl::ascii_isxdigit(h)) return false;
        *v = *v * 16 + (absl::ascii_isdigit(h) ? h - '0' : absl::ascii_tolower(h) - 'a' + 10);
      }
      return true;
    };
    switch (c) {
      case 'a': out->push_back('\a'); break;
      case 'b': out->push_back('\b'); break;
      case 'f': out->push_back('\f'); break;
      case 'n': out->push_back('\n'); break;
      case 'r': out->push_back('\r'); break;
      case 't': out->push_back('\t'); break;
      case 'v': out->push_back('\v'); break;
      case '\\': case '\'': case '"': case '`': case '?': out->push_back(c); break;
      case 'x': case 'X': {
        uint32_t v;
        if (!hex(i + 1, 2, &v)) {
          *error = "\\x must be followed by two hex digits";
          return false;
        }
        if (bytes) out->push_back(static_cast<char>(v));
        else saleskit::internal::AppendUtf8(v, out);
        *p = i + 3;
        return true;
      }
      case 'u': case 'U': {
        const int n = c == 'u' ? 4 : 8;
        uint32_t v;
        if (bytes) {
          *error = absl::StrCat("\\", std::string(1, c), " escapes are not allowed in bytes literals");
          return false;
        }
        if (!hex(i + 1, n, &v) || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
          *error = absl::StrCat("\\", std::string(1, c), " must be followed by ", n,
                                " hex digits of a Unicode code point");
          return false;
        }
        saleskit::internal::AppendUtf8(v, out);
        *p = i + 1 + n;
        return true;
      }
      default:
        if (c >= '0' && c <= '3') {
          if (i + 2 < src_.size() && src_[i + 1] >= '0' && src_[i + 1] <= '7' && src_[i + 2] >= '0' &&
              src_[i + 2] <= '7') {
            const uint32_t v = (c - '0') * 64 + (src_[i + 1] - '0') * 8 + (src_[i + 2] - '0');
            if (bytes) out->push_back(static_cast<char>(v));
            else saleskit::internal::AppendUtf8(v, out);
            *p = i + 3;
            return true;
          }
        }
        *error = absl::StrCat("invalid escape sequence '\\", absl::CEscape(std::string(1, c)), "'");
        return false;
    }
    *p = i + 1;
    return true;
  }

  absl::string_view src_;
  size_t pos_ = 0;
};

// ------------------------------------------------------------------ parser

class Parser {
 public:
  Parser(absl::string_view src, const ParseOptions& options) : src_(src), options_(options), lexer_(src) {
    Advance();
  }

  absl::StatusOr<ParsedExpr> Run() {
    ExprPtr expr = ParseExpr();
    if (errors_.empty() && tok_.kind != Tok::kEnd) Fail(tok_, "unexpected token after the end of the expression");
    if (!errors_.empty()) {
      if (resource_exhausted_) return absl::ResourceExhaustedError(errors_.front());
      return absl::InvalidArgumentError(absl::StrCat("Syntax error: ", absl::StrJoin(errors_, "\n")));
    }
    ParsedExpr out;
    out.expr = std::move(expr);
    for (size_t i = 0; i < src_.size(); ++i) {
      if (src_[i] == '\n') out.source_info.line_offsets.push_back(static_cast<int32_t>(i + 1));
    }
    out.source_info.positions = std::move(positions_);
    return out;
  }

 private:
  // --- tokens
  void Advance() {
    tok_ = lexer_.Next();
    if (tok_.kind == Tok::kError) Fail(tok_, tok_.value);
  }
  bool Accept(Tok k) {
    if (tok_.kind != k) return false;
    Advance();
    return true;
  }
  bool Expect(Tok k, absl::string_view what) {
    if (Accept(k)) return true;
    Fail(tok_, absl::StrCat("expected ", what));
    return false;
  }

  void Fail(const Token& at, absl::string_view message) {
    if (errors_.size() >= 5 || failed_) return;
    failed_ = true;  // report the first error of a parse; later ones are usually its echoes
    int line = 1, col = 1;
    for (int32_t i = 0; i < at.offset && i < static_cast<int32_t>(src_.size()); ++i) {
      if (src_[i] == '\n') {
        ++line;
        col = 1;
      } else if ((static_cast<unsigned char>(src_[i]) & 0xC0) != 0x80) {
        ++col;
      }
    }
    std::string near = at.kind == Tok::kEnd ? "end of input" : absl::StrCat("'", at.text, "'");
    errors_.push_back(absl::StrFormat("%d:%d: %s (near %s)", line, col, message, near));
  }

  static Token TokenAt(int32_t offset, absl::string_view text) {
    Token t;
    t.kind = Tok::kIdent;
    t.offset = offset;
    t.text = text;
    return t;
  }

  // --- nodes
  ExprPtr Node(int32_t offset) {
    auto e = std::make_unique<Expr>();
    e->id = ++next_id_;
    positions_[e->id] = offset;
    return e;
  }
  ExprPtr Const(int32_t offset, Constant c) {
    ExprPtr e = Node(offset);
    e->kind = std::move(c);
    return e;
  }
  ExprPtr Ident(int32_t offset, std::string name) {
    ExprPtr e = Node(offset);
    e->kind = IdentExpr{std::move(name)};
    return e;
  }
  ExprPtr Call(int32_t offset, std::string fn, std::vector<ExprPtr> args, ExprPtr target = nullptr) {
    ExprPtr e = Node(offset);
    e->kind = CallExpr{std::move(fn), std::move(target), std::move(args)};
    return e;
  }
  ExprPtr Call2(int32_t offset, std::string fn, ExprPtr a, ExprPtr b) {
    std::vector<ExprPtr> args;
    args.push_back(std::move(a));
    args.push_back(std::move(b));
    return Call(offset, std::move(fn), std::move(args));
  }
  ExprPtr Error() { return Const(tok_.offset, NullValue{}); }

  // A deep copy with fresh ids (same positions), for macros that use an
  // argument twice.
  ExprPtr Clone(const Expr& e) {
    ExprPtr c = Node(positions_[e.id]);
    if (const auto* k = e.As<Constant>()) {
      c->kind = *k;
    } else if (const auto* id = e.As<IdentExpr>()) {
      c->kind = *id;
    } else if (const auto* sel = e.As<SelectExpr>()) {
      c->kind = SelectExpr{Clone(*sel->operand), sel->field, sel->test_only};
    } else if (const auto* call = e.As<CallExpr>()) {
      CallExpr out{call->function, call->target ? Clone(*call->target) : nullptr, {}};
      for (const ExprPtr& a : call->args) out.args.push_back(Clone(*a));
      c->kind = std::move(out);
    } else if (const auto* list = e.As<ListExpr>()) {
      ListExpr out;
      for (const ExprPtr& el : list->elements) out.elements.push_back(Clone(*el));
      out.optional_indices = list->optional_indices;
      c->kind = std::move(out);
    } else if (const auto* st = e.As<StructExpr>()) {
      StructExpr out{st->message_name, {}};
      for (const auto& f : st->fields) out.fields.push_back({++next_id_, f.name, Clone(*f.value), f.optional});
      c->kind = std::move(out);
    } else if (const auto* map = e.As<MapExpr>()) {
      MapExpr out;
      for (const auto& en : map->entries) out.entries.push_back({++next_id_, Clone(*en.key), Clone(*en.value), en.optional});
      c->kind = std::move(out);
    } else if (const auto* comp = e.As<ComprehensionExpr>()) {
      c->kind = ComprehensionExpr{comp->iter_var, Clone(*comp->iter_range), comp->accu_var, Clone(*comp->accu_init),
                                  Clone(*comp->loop_condition), Clone(*comp->loop_step), Clone(*comp->result)};
    }
    return c;
  }

  // Nesting guard: one level per nested expression (parentheses, arguments,
  // list and map elements, conditionals) and per unary operator, as the CEL
  // spec counts it; each level costs a bounded number of stack frames.
  struct Depth {
    Parser* p;
    explicit Depth(Parser* parser) : p(parser) { ++p->depth_; }
    ~Depth() { --p->depth_; }
  };
  bool TooDeep() {
    if (depth_ <= options_.max_recursion_depth) return false;
    if (!resource_exhausted_) {
      errors_.clear();
      errors_.push_back(absl::StrCat("expression nesting exceeds the limit of ", options_.max_recursion_depth));
      resource_exhausted_ = true;
      failed_ = true;
    }
    return true;
  }

  // Expr = ConditionalOr ["?" ConditionalOr ":" Expr]
  ExprPtr ParseExpr() {
    Depth d(this);
    if (TooDeep()) return Error();
    ExprPtr cond = ParseOr();
    if (tok_.kind != Tok::kQuestion) return cond;
    const int32_t at = tok_.offset;
    Advance();
    ExprPtr yes = ParseOr();
    if (!Expect(Tok::kColon, "':' in a conditional")) return Error();
    ExprPtr no = ParseExpr();
    std::vector<ExprPtr> args;
    args.push_back(std::move(cond));
    args.push_back(std::move(yes));
    args.push_back(std::move(no));
    return Call(at, "_?_:_", std::move(args));
  }

  // Left-associative chains of one precedence level. (&& and || are flattened
  // left to right like other implementations; evaluation is commutative.)
  template <typename Next>
  ExprPtr Chain(Next next, std::initializer_list<std::pair<Tok, const char*>> ops) {
    ExprPtr left = (this->*next)();
    while (true) {
      const char* fn = nullptr;
      for (const auto& [k, name] : ops) {
        if (tok_.kind == k) fn = name;
      }
      if (fn == nullptr || failed_) return left;
      const int32_t at = tok_.offset;
      Advance();
      left = Call2(at, fn, std::move(left), (this->*next)());
    }
  }
  ExprPtr ParseOr() { return Chain(&Parser::ParseAnd, {{Tok::kOr, "_||_"}}); }
  ExprPtr ParseAnd() { return Chain(&Parser::ParseRelation, {{Tok::kAnd, "_&&_"}}); }
  ExprPtr ParseRelation() {
    return Chain(&Parser::ParseAddition, {{Tok::kLt, "_<_"}, {Tok::kLe, "_<=_"}, {Tok::kGt, "_>_"},
                                          {Tok::kGe, "_>=_"}, {Tok::kEq, "_==_"}, {Tok::kNe, "_!=_"},
                                          {Tok::kIn, "@in"}});
  }
  ExprPtr ParseAddition() {
    return Chain(&Parser::ParseMultiplication, {{Tok::kPlus, "_+_"}, {Tok::kMinus, "_-_"}});
  }
  ExprPtr ParseMultiplication() {
    return Chain(&Parser::ParseUnary, {{Tok::kStar, "_*_"}, {Tok::kSlash, "_/_"}, {Tok::kPercent, "_%_"}});
  }

  // Unary = Member | "!" {"!"} Member | "-" {"-"} Member
  ExprPtr ParseUnary() {
    if (tok_.kind != Tok::kNot && tok_.kind != Tok::kMinus) return ParseMember();
    Depth d(this);
    if (TooDeep()) return Error();
    if (tok_.kind == Tok::kNot) {
      const int32_t at = tok_.offset;
      Advance();
      std::vector<ExprPtr> args;
      args.push_back(ParseUnary());
      return Call(at, "!_", std::move(args));
    }
    if (tok_.kind == Tok::kMinus) {
      const Token minus = tok_;
      Advance();
      // A negative numeric literal is a constant, so -9223372036854775808 fits.
      if ((tok_.kind == Tok::kInt || tok_.kind == Tok::kDouble) && minus.offset + 1 == tok_.offset) {
        const Token lit = tok_;
        Advance();
        ExprPtr value = Literal(lit, /*negative=*/true);
        return ParseMemberSuffix(std::move(value));
      }
      std::vector<ExprPtr> args;
      args.push_back(ParseUnary());
      return Call(minus.offset, "-_", std::move(args));
    }
    return ParseMember();
  }

  ExprPtr Literal(const Token& t, bool negative) {
    const std::string text = negative ? absl::StrCat("-", t.text) : std::string(t.text);
    switch (t.kind) {
      case Tok::kInt: {
        int64_t v;
        const bool hex = t.text.size() > 2 && (t.text[1] == 'x' || t.text[1] == 'X');
        bool ok;
        if (hex) {
          uint64_t u;
          ok = absl::SimpleHexAtoi(t.text.substr(2), &u) && (negative ? u <= (uint64_t{1} << 63) : u <= INT64_MAX);
          v = negative ? static_cast<int64_t>(0 - u) : static_cast<int64_t>(u);
        } else {
          ok = absl::SimpleAtoi(text, &v);
        }
        if (!ok) {
          Fail(t, "integer literal out of range");
          return Error();
        }
        return Const(t.offset, v);
      }
      case Tok::kUint: {
        uint64_t v;
        const absl::string_view digits = t.text.substr(0, t.text.size() - 1);
        const bool hex = digits.size() > 2 && (digits[1] == 'x' || digits[1] == 'X');
        if (!(hex ? absl::SimpleHexAtoi(digits.substr(2), &v) : absl::SimpleAtoi(digits, &v))) {
          Fail(t, "unsigned integer literal out of range");
          return Error();
        }
        return Const(t.offset, v);
      }
      case Tok::kDouble: {
        double v;
        if (!absl::SimpleAtod(text, &v)) {
          Fail(t, "malformed floating-point literal");
          return Error();
        }
        return Const(t.offset, v);
      }
      default:
        return Error();
    }
  }

  // Member = Primary {"." IDENT ["(" args ")"] | ".?" IDENT | "[" Expr "]" | "[?" Expr "]"}
  ExprPtr ParseMember() { return ParseMemberSuffix(ParsePrimary()); }

  ExprPtr ParseMemberSuffix(ExprPtr operand) {
    while (!failed_) {
      if (tok_.kind == Tok::kDot || tok_.kind == Tok::kOptDot) {
        const bool optional = tok_.kind == Tok::kOptDot;
        if (optional && !options_.enable_optional_syntax) {
          Fail(tok_, "optional field selection is not enabled");
          return Error();
        }
        const int32_t at = tok_.offset;
        Advance();
        if (tok_.kind != Tok::kIdent && tok_.kind != Tok::kQuotedIdent) {
          Fail(tok_, "expected a field name after '.'");
          return Error();
        }
        const Token name = tok_;
        Advance();
        if (name.kind == Tok::kQuotedIdent && tok_.kind == Tok::kLParen) {
          Fail(name, "a quoted name cannot be called as a function");
          return Error();
        }
        if (optional) {
          operand = Call2(at, "_?._", std::move(operand), Const(name.offset, std::string(name.text)));
          continue;
        }
        if (tok_.kind == Tok::kLParen) {
          const int32_t call_at = tok_.offset;
          Advance();
          std::vector<ExprPtr> args = ParseList(Tok::kRParen, "')' after the arguments");
          operand = ReceiverCall(call_at, std::string(name.text), std::move(operand), std::move(args));
          continue;
        }
        ExprPtr sel = Node(at);
        sel->kind = SelectExpr{std::move(operand), std::string(name.text), false};
        operand = std::move(sel);
      } else if (tok_.kind == Tok::kLBracket || tok_.kind == Tok::kOptBracket) {
        const bool optional = tok_.kind == Tok::kOptBracket;
        if (optional && !options_.enable_optional_syntax) {
          Fail(tok_, "optional indexing is not enabled");
          return Error();
        }
        const int32_t at = tok_.offset;
        Advance();
        ExprPtr index = ParseExpr();
        if (!Expect(Tok::kRBracket, "']'")) return Error();
        operand = Call2(at, optional ? "_[?_]" : "_[_]", std::move(operand), std::move(index));
      } else if (tok_.kind == Tok::kLBrace && IsQualifiedName(*operand)) {
        operand = ParseStruct(std::move(operand));
      } else {
        return operand;
      }
    }
    return operand;
  }

  // A.B.C as written, for message construction A.B.C{...}.
  bool IsQualifiedName(const Expr& e) {
    if (const auto* id = e.As<IdentExpr>()) return !id->name.empty();
    if (const auto* sel = e.As<SelectExpr>()) return !sel->test_only && IsQualifiedName(*sel->operand);
    return false;
  }
  std::string QualifiedName(const Expr& e) {
    if (const auto* id = e.As<IdentExpr>()) return id->name;
    const auto* sel = e.As<SelectExpr>();
    return absl::StrCat(QualifiedName(*sel->operand), ".", sel->field);
  }

  ExprPtr ParseStruct(ExprPtr name) {
    const int32_t at = tok_.offset;
    Advance();  // {
    StructExpr s;
    s.message_name = QualifiedName(*name);
    while (tok_.kind != Tok::kRBrace && !failed_) {
      StructExpr::Field f;
      f.optional = Accept(Tok::kQuestion);
      if (f.optional && !options_.enable_optional_syntax) {
        Fail(tok_, "optional field initialisers are not enabled");
        return Error();
      }
      if (tok_.kind != Tok::kIdent && tok_.kind != Tok::kQuotedIdent) {
        Fail(tok_, "expected a field name");
        return Error();
      }
      f.name = std::string(tok_.text);
      f.id = ++next_id_;
      positions_[f.id] = tok_.offset;
      Advance();
      if (!Expect(Tok::kColon, "':' after the field name")) return Error();
      f.value = ParseExpr();
      s.fields.push_back(std::move(f));
      if (!Accept(Tok::kComma)) break;
    }
    if (!Expect(Tok::kRBrace, "'}' to close the message")) return Error();
    ExprPtr e = Node(at);
    e->kind = std::move(s);
    return e;
  }

  // Parses comma-separated expressions up to `close` (trailing comma allowed).
  std::vector<ExprPtr> ParseList(Tok close, absl::string_view what, std::vector<int32_t>* optional = nullptr) {
    std::vector<ExprPtr> out;
    while (tok_.kind != close && !failed_) {
      if (optional != nullptr && tok_.kind == Tok::kQuestion) {
        if (!options_.enable_optional_syntax) {
          Fail(tok_, "optional list elements are not enabled");
          return out;
        }
        Advance();
        optional->push_back(static_cast<int32_t>(out.size()));
      }
      out.push_back(ParseExpr());
      if (!Accept(Tok::kComma)) break;
    }
    Expect(close, what);
    return out;
  }

  // Primary = ["."] IDENT ["(" args ")"] | "(" Expr ")" | "[" list "]" | "{" map "}" | literal
  ExprPtr ParsePrimary() {
    const Token t = tok_;
    switch (t.kind) {
      case Tok::kInt:
      case Tok::kUint:
      case Tok::kDouble:
        Advance();
        return Literal(t, false);
      case Tok::kString:
        Advance();
        return Const(t.offset, t.value);
      case Tok::kBytes:
        Advance();
        return Const(t.offset, BytesValue{t.value});
      case Tok::kTrue:
      case Tok::kFalse:
        Advance();
        return Const(t.offset, t.kind == Tok::kTrue);
      case Tok::kNull:
        Advance();
        return Const(t.offset, NullValue{});
      case Tok::kLParen: {
        Advance();
        ExprPtr e = ParseExpr();
        Expect(Tok::kRParen, "')'");
        return e;
      }
      case Tok::kLBracket:
      case Tok::kOptBracket: {  // "[?" here opens a list whose first element is optional
        Advance();
        ListExpr list;
        if (t.kind == Tok::kOptBracket) {
          if (!options_.enable_optional_syntax) {
            Fail(t, "optional list elements are not enabled");
            return Error();
          }
          list.optional_indices.push_back(0);
          list.elements.push_back(ParseExpr());
          if (Accept(Tok::kComma)) {
            std::vector<ExprPtr> rest = ParseList(Tok::kRBracket, "']' to close the list", &list.optional_indices);
            for (int32_t& k : list.optional_indices) {
              if (&k != &list.optional_indices.front()) ++k;  // indices in `rest` are shifted by the first element
            }
            for (ExprPtr& e : rest) list.elements.push_back(std::move(e));
          } else {
            Expect(Tok::kRBracket, "']' to close the list");
          }
        } else {
          list.elements = ParseList(Tok::kRBracket, "']' to close the list", &list.optional_indices);
        }
        ExprPtr e = Node(t.offset);
        e->kind = std::move(list);
        return e;
      }
      case Tok::kLBrace: {
        Advance();
        MapExpr map;
        while (tok_.kind != Tok::kRBrace && !failed_) {
          MapExpr::Entry entry;
          entry.optional = Accept(Tok::kQuestion);
          if (entry.optional && !options_.enable_optional_syntax) {
            Fail(tok_, "optional map entries are not enabled");
            return Error();
          }
          entry.id = ++next_id_;
          positions_[entry.id] = tok_.offset;
          entry.key = ParseExpr();
          if (!Expect(Tok::kColon, "':' after the map key")) return Error();
          entry.value = ParseExpr();
          map.entries.push_back(std::move(entry));
          if (!Accept(Tok::kComma)) break;
        }
        if (!Expect(Tok::kRBrace, "'}' to close the map")) return Error();
        ExprPtr e = Node(t.offset);
        e->kind = std::move(map);
        return e;
      }
      case Tok::kDot:
      case Tok::kIdent: {
        std::string name;
        if (t.kind == Tok::kDot) {
          Advance();
          if (tok_.kind != Tok::kIdent) {
            Fail(tok_, "expected an identifier after a leading '.'");
            return Error();
          }
          name = ".";
        }
        const Token id = tok_;
        for (absl::string_view r : kReserved) {
          if (id.text == r) {
            Fail(id, absl::StrCat("reserved identifier '", r, "'"));
            return Error();
          }
        }
        name += std::string(id.text);
        Advance();
        if (tok_.kind == Tok::kLParen) {
          const int32_t at = tok_.offset;
          Advance();
          std::vector<ExprPtr> args = ParseList(Tok::kRParen, "')' after the arguments");
          return GlobalCall(at, std::move(name), std::move(args));
        }
        return Ident(id.offset, std::move(name));
      }
      case Tok::kEnd:
        Fail(t, "unexpected end of expression");
        return Error();
      default:
        Fail(t, "unexpected token");
        return Error();
    }
  }

  // --- macros (cel-spec: has, all, exists, exists_one, map, filter)

  ExprPtr GlobalCall(int32_t at, std::string name, std::vector<ExprPtr> args) {
    if (name == "has" && args.size() == 1) {
      SelectExpr* sel = std::get_if<SelectExpr>(&args[0]->kind);
      if (sel == nullptr) {
        Fail(TokenAt(at, "has"), "has() needs a field selection such as has(a.b)");
        return Error();
      }
      sel->test_only = true;
      return std::move(args[0]);
    }
    return Call(at, std::move(name), std::move(args));
  }

  ExprPtr ReceiverCall(int32_t at, std::string name, ExprPtr target, std::vector<ExprPtr> args) {
    const bool two = args.size() == 2, three = args.size() == 3;
    const bool optional_macro = options_.enable_optional_syntax && two && (name == "optMap" || name == "optFlatMap");
    const bool macro = ((name == "all" || name == "exists" || name == "exists_one" || name == "filter") && two) ||
                       (name == "map" && (two || three)) || optional_macro;
    if (!macro) return Call(at, std::move(name), std::move(args), std::move(target));
    const auto* var = args[0]->As<IdentExpr>();
    if (var == nullptr || var->name.empty() || var->name[0] == '.') {
      Fail(TokenAt(positions_[args[0]->id], name), absl::StrCat(name, "() needs a variable name first"));
      return Error();
    }
    const std::string iter = var->name;
    if (optional_macro) return OptionalMacro(at, name, std::move(target), iter, std::move(args[1]));
    auto accu = [&] { return Ident(at, kAccumulatorVar); };
    ComprehensionExpr c;
    c.iter_var = iter;
    c.iter_range = std::move(target);
    c.accu_var = kAccumulatorVar;
    if (name == "all" || name == "exists") {
      const bool all = name == "all";
      c.accu_init = Const(at, all);
      std::vector<ExprPtr> cond_args;
      if (all) {
        cond_args.push_back(accu());
      } else {
        std::vector<ExprPtr> not_args;
        not_args.push_back(accu());
        cond_args.push_back(Call(at, "!_", std::move(not_args)));
      }
      c.loop_condition = Call(at, "@not_strictly_false", std::move(cond_args));
      c.loop_step = Call2(at, all ? "_&&_" : "_||_", accu(), std::move(args[1]));
      c.result = accu();
    } else if (name == "exists_one") {
      c.accu_init = Const(at, int64_t{0});
      c.loop_condition = Const(at, true);
      std::vector<ExprPtr> tern;
      tern.push_back(std::move(args[1]));
      tern.push_back(Call2(at, "_+_", accu(), Const(at, int64_t{1})));
      tern.push_back(accu());
      c.loop_step = Call(at, "_?_:_", std::move(tern));
      c.result = Call2(at, "_==_", accu(), Const(at, int64_t{1}));
    } else {  // map, filter
      c.accu_init = Node(at);
      c.accu_init->kind = ListExpr{};
      c.loop_condition = Const(at, true);
      ExprPtr element;
      ExprPtr predicate;
      if (name == "filter") {
        element = Ident(at, iter);
        predicate = std::move(args[1]);
      } else if (three) {
        predicate = std::move(args[1]);
        element = std::move(args[2]);
      } else {
        element = std::move(args[1]);
      }
      ExprPtr one = Node(at);
      ListExpr single;
      single.elements.push_back(std::move(element));
      one->kind = std::move(single);
      ExprPtr append = Call2(at, "_+_", accu(), std::move(one));
      if (predicate) {
        std::vector<ExprPtr> tern;
        tern.push_back(std::move(predicate));
        tern.push_back(std::move(append));
        tern.push_back(accu());
        c.loop_step = Call(at, "_?_:_", std::move(tern));
      } else {
        c.loop_step = std::move(append);
      }
      c.result = accu();
    }
    ExprPtr e = Node(at);
    e->kind = std::move(c);
    return e;
  }

  // x.optMap(v, e)     -> x.hasValue() ? optional.of(e with v = x.value()) : optional.none()
  // x.optFlatMap(v, e) -> x.hasValue() ? (e with v = x.value()) : optional.none()
  // "with v = ..." is a comprehension over nothing whose accumulator is v (cel-go's cel.bind).
  ExprPtr OptionalMacro(int32_t at, const std::string& name, ExprPtr target, const std::string& var, ExprPtr body) {
    ExprPtr value = Call(at, "value", {}, Clone(*target));
    ComprehensionExpr bind;
    bind.iter_var = "#unused";
    bind.iter_range = Node(at);
    bind.iter_range->kind = ListExpr{};
    bind.accu_var = var;
    bind.accu_init = std::move(value);
    bind.loop_condition = Const(at, false);
    bind.loop_step = Ident(at, var);
    bind.result = std::move(body);
    ExprPtr bound = Node(at);
    bound->kind = std::move(bind);
    if (name == "optMap") {
      std::vector<ExprPtr> of_args;
      of_args.push_back(std::move(bound));
      bound = Call(at, "of", std::move(of_args), Ident(at, "optional"));
    }
    std::vector<ExprPtr> tern;
    tern.push_back(Call(at, "hasValue", {}, std::move(target)));
    tern.push_back(std::move(bound));
    tern.push_back(Call(at, "none", {}, Ident(at, "optional")));
    return Call(at, "_?_:_", std::move(tern));
  }

  absl::string_view src_;
  const ParseOptions& options_;
  Lexer lexer_;
  Token tok_;
  int64_t next_id_ = 0;
  int depth_ = 0;
  bool failed_ = false;
  bool resource_exhausted_ = false;
  std::vector<std::string> errors_;
  absl::flat_hash_map<int64_t, int32_t> positions_;
};

// ------------------------------------------------------------------ debug

std::string ConstantString(const Constant& c) {
  struct Visitor {
    std::string operator()(NullValue) const { return "null"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t v) const { return absl::StrCat(v); }
    std::string operator()(uint64_t v) const { return absl::StrCat(v, "u"); }
    std::string operator()(double v) const { return absl::StrFormat("%g", v); }
    std::string operator()(const std::string& s) const { return absl::StrCat("\"", absl::CEscape(s), "\""); }
    std::string operator()(const BytesValue& b) const { return absl::StrCat("b\"", absl::CHexEscape(b.data), "\""); }
  };
  return std::visit(Visitor{}, c);
}

void Debug(const Expr& e, std::string* out) {
  if (const auto* c = e.As<Constant>()) {
    out->append(ConstantString(*c));
  } else if (const auto* id = e.As<IdentExpr>()) {
    out->append(id->name);
  } else if (const auto* sel = e.As<SelectExpr>()) {
    Debug(*sel->operand, out);
    absl::StrAppend(out, ".", sel->field, sel->test_only ? "~test-only" : "");
  } else if (const auto* call = e.As<CallExpr>()) {
    if (call->target) {
      Debug(*call->target, out);
      out->push_back('.');
    }
    absl::StrAppend(out, call->function, "(");
    for (size_t i = 0; i < call->args.size(); ++i) {
      if (i) out->append(", ");
      Debug(*call->args[i], out);
    }
    out->push_back(')');
  } else if (const auto* list = e.As<ListExpr>()) {
    out->push_back('[');
    for (size_t i = 0; i < list->elements.size(); ++i) {
      if (i) out->append(", ");
      for (int32_t k : list->optional_indices) {
        if (k == static_cast<int32_t>(i)) out->push_back('?');
      }
      Debug(*list->elements[i], out);
    }
    out->push_back(']');
  } else if (const auto* s = e.As<StructExpr>()) {
    absl::StrAppend(out, s->message_name, "{");
    for (size_t i = 0; i < s->fields.size(); ++i) {
      if (i) out->append(", ");
      absl::StrAppend(out, s->fields[i].optional ? "?" : "", s->fields[i].name, ": ");
      Debug(*s->fields[i].value, out);
    }
    out->push_back('}');
  } else if (const auto* m = e.As<MapExpr>()) {
    out->push_back('{');
    for (size_t i = 0; i < m->entries.size(); ++i) {
      if (i) out->append(", ");
      if (m->entries[i].optional) out->push_back('?');
      Debug(*m->entries[i].key, out);
      out->append(": ");
      Debug(*m->entries[i].value, out);
    }
    out->push_back('}');
  } else if (const auto* c = e.As<ComprehensionExpr>()) {
    absl::StrAppend(out, "__comprehension__(", c->iter_var, ", ");
    Debug(*c->iter_range, out);
    absl::StrAppend(out, ", ", c->accu_var, ", ");
    Debug(*c->accu_init, out);
    out->append(", ");
    Debug(*c->loop_condition, out);
    out->append(", ");
    Debug(*c->loop_step, out);
    out->append(", ");
    Debug(*c->result, out);
    out->push_back(')');
  }
}

}  // namespace

std::pair<int32_t, int32_t> SourceInfo::LineColumn(absl::string_view source, int32_t offset) const {
  int32_t line = 1, start = 0;
  for (int32_t o : line_offsets) {
    if (o > offset) break;
    ++line;
    start = o;
  }
  int32_t col = 1;
  for (int32_t i = start; i < offset && i < static_cast<int32_t>(source.size()); ++i) {
    if ((static_cast<unsigned char>(source[i]) & 0xC0) != 0x80) ++col;
  }
  return {line, col};
}

absl::StatusOr<ParsedExpr> Parse(absl::string_view source, const ParseOptions& options) {
  if (source.size() > options.max_source_bytes) {
    return absl::ResourceExhaustedError(absl::StrFormat("expression of %d bytes exceeds the limit of %d bytes",
                                                        source.size(), options.max_source_bytes));
  }
  const int64_t bad = internal::FindInvalidUtf8(source);
  if (bad >= 0) return absl::InvalidArgumentError(absl::StrCat("Syntax error: invalid UTF-8 at byte ", bad + 1));
  return Parser(source, options).Run();
}

std::string DebugString(const Expr& expr) {
  std::string out;
  Debug(expr, &out);
  return out;
}

}  // namespace saleskit::cel
