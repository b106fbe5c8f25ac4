// String functions: contains, startsWith, endsWith, matches (RE2), and the
// strings extension as cel-go's ext/strings.go has it at its latest version
// (charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace, split,
// substring, trim, join, strings.quote, reverse, format).
//
// Indices are code points, not bytes. CEL strings are valid UTF-8; bytes that
// are not (a host may bind anything) count as one code point each, so no input
// makes these functions read out of bounds.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "cel/internal/library.h"
#include "internal/utf8.h"
#include "re2/re2.h"
#include "saleskit/cel/functions.h"
#include "saleskit/cel/value.h"
#include "saleskit/status_macros.h"

namespace saleskit::cel::internal {
namespace {

// ---------------------------------------------------------------------------
// UTF-8

// The length of the code point starting at s[i] (1 for a byte that does not
// start a well-formed sequence), and its value (U+FFFD for such a byte).
size_t DecodeAt(absl::string_view s, size_t i, char32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t len;
  char32_t v;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, v = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, v = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, v = b0 & 0x07;
  } else {
    *cp = 0xFFFD;
    return 1;
  }
  if (i + len > s.size()) {
    *cp = 0xFFFD;
    return 1;
  }
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      *cp = 0xFFFD;
      return 1;
    }
    v = (v << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not well formed.
  if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
      (v >= 0xD800 && v <= 0xDFFF)) {
    *cp = 0xFFFD;
    return 1;
  }
  *cp = v;
  return len;
}

size_t CodePointLen(absl::string_view s, size_t i) {
  char32_t cp;
  return DecodeAt(s, i, &cp);
}

int64_t CodePointCount(absl::string_view s) {
  int64_t n = 0;
  for (size_t i = 0; i < s.size(); i += CodePointLen(s, i)) ++n;
  return n;
}

// The byte offset of code point `index` (0 <= index), or npos when the string
// has fewer than `index` code points. `index` == count gives s.size().
size_t ByteOffset(absl::string_view s, int64_t index) {
  size_t i = 0;
  for (int64_t k = 0; k < index; ++k) {
    if (i >= s.size()) return absl::string_view::npos;
    i += CodePointLen(s, i);
  }
  return i;
}

// absl::string_view is not std::string_view in this Abseil build.
void Append(absl::string_view s, std::string* out) { out->append(s.data(), s.size()); }

Value IndexOutOfRange(int64_t index) {
  return Value::Error(absl::OutOfRangeError(absl::StrCat("index out of range: ", index)));
}

// ---------------------------------------------------------------------------
// contains, startsWith, endsWith, matches

Value Contains(absl::Span<const Value> args, const Activation&) {
  return Value::Bool(absl::StrContains(args[0].string_value(), args[1].string_value()));
}

Value StartsWith(absl::Span<const Value> args, const Activation&) {
  return Value::Bool(absl::StartsWith(args[0].string_value(), args[1].string_value()));
}

Value EndsWith(absl::Span<const Value> args, const Activation&) {
  return Value::Bool(absl::EndsWith(args[0].string_value(), args[1].string_value()));
}

// RE2 runs in time linear in the input; the memory cap makes a huge pattern
// an error instead of an unbounded allocation.
constexpr int64_t kRegexMaxMem = 8 << 20;
constexpr size_t kRegexCacheSize = 256;

// Compiled patterns by source. Expressions almost always match against a
// constant pattern, so each distinct pattern compiles once per process rather
// than once per evaluation. Bounded: when full it starts over.
class RegexCache {
 public:
  std::shared_ptr<const RE2> Find(absl::string_view pattern) {
    absl::ReaderMutexLock lock(&mu_);
    auto it = compiled_.find(pattern);
    return it == compiled_.end() ? nullptr : it->second;
  }
  void Insert(absl::string_view pattern, std::shared_ptr<const RE2> re) {
    absl::MutexLock lock(&mu_);
    if (compiled_.size() >= kRegexCacheSize) compiled_.clear();
    compiled_.emplace(std::string(pattern), std::move(re));
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const RE2>> compiled_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<std::shared_ptr<const RE2>> CompileRegex(absl::string_view pattern) {
  static RegexCache* const cache = new RegexCache();
  if (auto re = cache->Find(pattern)) return re;
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kRegexMaxMem);
  auto re = std::make_shared<const RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid regular expression '", pattern, "': ", re->error()));
  }
  cache->Insert(pattern, re);
  return re;
}

Value Matches(absl::Span<const Value> args, const Activation&) {
  auto re = CompileRegex(args[1].string_value());
  if (!re.ok()) return Value::Error(re.status());
  const absl::string_view text = args[0].string_value();
  return Value::Bool(RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), **re));
}

// ---------------------------------------------------------------------------
// The strings extension

Value CharAt(absl::Span<const Value> args, const Activation&) {
  const absl::string_view s = args[0].string_value();
  const int64_t index = args[1].int_value();
  if (index < 0) return IndexOutOfRange(index);
  const size_t at = ByteOffset(s, index);
  if (at == absl::string_view::npos) return IndexOutOfRange(index);
  if (at == s.size()) return Value::String("");  // one past the end, as cel-go allows
  return Value::String(std::string(s.substr(at, CodePointLen(s, at))));
}

// The code point index of the first match of `sub` at or after code point
// `from`.
Value IndexOfFrom(absl::string_view s, absl::string_view sub, int64_t from) {
  if (from < 0) return IndexOutOfRange(from);
  const size_t start = ByteOffset(s, from);
  if (start == absl::string_view::npos) return IndexOutOfRange(from);
  if (sub.empty()) return Value::Int(from);
  const size_t at = s.find(sub, start);
  if (at == absl::string_view::npos) return Value::Int(-1);
  return Value::Int(from + CodePointCount(s.substr(start, at - start)));
}

Value IndexOf(absl::Span<const Value> args, const Activation&) {
  return IndexOfFrom(args[0].string_value(), args[1].string_value(), 0);
}

Value IndexOfOffset(absl::Span<const Value> args, const Activation&) {
  return IndexOfFrom(args[0].string_value(), args[1].string_value(), args[2].int_value());
}

// The code point index of the last match of `sub` starting at or before code
// point `last`.
Value LastIndexOfUpTo(absl::string_view s, absl::string_view sub, int64_t last) {
  if (last < 0) return IndexOutOfRange(last);
  const size_t end = ByteOffset(s, last);
  if (end == absl::string_view::npos) return IndexOutOfRange(last);
  if (sub.empty()) return Value::Int(last);
  const size_t at = s.rfind(sub, end);
  if (at == absl::string_view::npos) return Value::Int(-1);
  return Value::Int(CodePointCount(s.substr(0, at)));
}

Value LastIndexOf(absl::Span<const Value> args, const Activation&) {
  const absl::string_view s = args[0].string_value();
  return LastIndexOfUpTo(s, args[1].string_value(), CodePointCount(s));
}

Value LastIndexOfOffset(absl::Span<const Value> args, const Activation&) {
  return LastIndexOfUpTo(args[0].string_value(), args[1].string_value(), args[2].int_value());
}

// Only ASCII letters change: these are not Unicode case mappings.
Value LowerAscii(absl::Span<const Value> args, const Activation&) {
  std::string s(args[0].string_value());
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return Value::String(std::move(s));
}

Value UpperAscii(absl::Span<const Value> args, const Activation&) {
  std::string s(args[0].string_value());
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return Value::String(std::move(s));
}

// Go's strings.Replace: at most `limit` replacements (all when negative); an
// empty `from` matches before every code point and at the end.
Value ReplaceN(absl::string_view s, absl::string_view from, absl::string_view to, int64_t limit) {
  if (limit == 0 || from == to) return Value::String(std::string(s));
  std::string out;
  out.reserve(s.size());
  size_t start = 0;
  int64_t done = 0;
  if (from.empty()) {
    // Insert before each code point, and after the last one.
    while (limit < 0 || done < limit) {
      Append(to, &out);
      ++done;
      if (start == s.size()) break;
      const size_t len = CodePointLen(s, start);
      Append(s.substr(start, len), &out);
      start += len;
    }
  } else {
    while (limit < 0 || done < limit) {
      const size_t at = s.find(from, start);
      if (at == absl::string_view::npos) break;
      Append(s.substr(start, at - start), &out);
      Append(to, &out);
      start = at + from.size();
      ++done;
    }
  }
  Append(s.substr(start), &out);
  return Value::String(std::move(out));
}

Value Replace(absl::Span<const Value> args, const Activation&) {
  return ReplaceN(args[0].string_value(), args[1].string_value(), args[2].string_value(), -1);
}

Value ReplaceLimit(absl::Span<const Value> args, const Activation&) {
  return ReplaceN(args[0].string_value(), args[1].string_value(), args[2].string_value(),
                  args[3].int_value());
}

// Go's strings.SplitN: at most `limit` parts (all when negative, none when
// zero), the last holding the rest; an empty separator splits into code points.
Value SplitN(absl::string_view s, absl::string_view sep, int64_t limit) {
  std::vector<Value> parts;
  if (limit == 0) return Value::List(std::move(parts));
  size_t start = 0;
  if (sep.empty()) {
    while (start < s.size()) {
      if (limit > 0 && static_cast<int64_t>(parts.size()) == limit - 1) break;
      const size_t len = CodePointLen(s, start);
      parts.push_back(Value::String(std::string(s.substr(start, len))));
      start += len;
    }
    if (start < s.size()) parts.push_back(Value::String(std::string(s.substr(start))));
    return Value::List(std::move(parts));
  }
  while (limit < 0 || static_cast<int64_t>(parts.size()) < limit - 1) {
    const size_t at = s.find(sep, start);
    if (at == absl::string_view::npos) break;
    parts.push_back(Value::String(std::string(s.substr(start, at - start))));
    start = at + sep.size();
  }
  parts.push_back(Value::String(std::string(s.substr(start))));
  return Value::List(std::move(parts));
}

Value Split(absl::Span<const Value> args, const Activation&) {
  return SplitN(args[0].string_value(), args[1].string_value(), -1);
}

Value SplitLimit(absl::Span<const Value> args, const Activation&) {
  return SplitN(args[0].string_value(), args[1].string_value(), args[2].int_value());
}

Value Substring(absl::Span<const Value> args, const Activation&) {
  const absl::string_view s = args[0].string_value();
  const int64_t start = args[1].int_value();
  const size_t from = start < 0 ? absl::string_view::npos : ByteOffset(s, start);
  if (from == absl::string_view::npos) return IndexOutOfRange(start);
  return Value::String(std::string(s.substr(from)));
}

Value SubstringRange(absl::Span<const Value> args, const Activation&) {
  const absl::string_view s = args[0].string_value();
  const int64_t start = args[1].int_value(), end = args[2].int_value();
  if (start > end) {
    return Value::Error(absl::InvalidArgumentError(
        absl::StrCat("invalid substring range. start: ", start, ", end: ", end)));
  }
  const size_t from = start < 0 ? absl::string_view::npos : ByteOffset(s, start);
  if (from == absl::string_view::npos) return IndexOutOfRange(start);
  // Continue from `from` rather than walking the prefix twice.
  const size_t to_rel = ByteOffset(s.substr(from), end - start);
  if (to_rel == absl::string_view::npos) return IndexOutOfRange(end);
  return Value::String(std::string(s.substr(from, to_rel)));
}

// Unicode White_Space, as Go's unicode.IsSpace (and so cel-go's trim) has it;
// zero-width characters such as U+200B and U+FEFF are not space.
bool IsUnicodeSpace(char32_t c) {
  switch (c) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

Value Trim(absl::Span<const Value> args, const Activation&) {
  const absl::string_view s = args[0].string_value();
  size_t begin = 0;
  while (begin < s.size()) {
    char32_t cp;
    const size_t len = DecodeAt(s, begin, &cp);
    if (!IsUnicodeSpace(cp)) break;
    begin += len;
  }
  size_t end = s.size();
  while (end > begin) {
    // Step back to the start of the last code point (at most 3 continuation bytes).
    size_t at = end - 1;
    while (at > begin && end - at < 4 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
    char32_t cp;
    const size_t len = DecodeAt(s, at, &cp);
    if (at + len != end) break;  // not a well-formed sequence ending here: not space
    if (!IsUnicodeSpace(cp)) break;
    end = at;
  }
  return Value::String(std::string(s.substr(begin, end - begin)));
}

Value JoinWith(const Value& list, absl::string_view separator) {
  const absl::Span<const Value> elements = list.list_value();
  std::string out;
  for (size_t i = 0; i < elements.size(); ++i) {
    if (elements[i].kind() != Value::Kind::kString) {
      return Value::Error(absl::InvalidArgumentError(absl::StrCat(
          "join: list element ", i, " is ", elements[i].TypeName(), ", not a string")));
    }
    if (i > 0) Append(separator, &out);
    Append(elements[i].string_value(), &out);
  }
  return Value::String(std::move(out));
}

Value Join(absl::Span<const Value> args, const Activation&) { return JoinWith(args[0], ""); }

Value JoinSeparator(absl::Span<const Value> args, const Activation&) {
  return JoinWith(args[0], args[1].string_value());
}

// A double-quoted CEL string literal for the text: CEL's escapes for control
// characters, backslash and double quote; everything else verbatim, with
// malformed UTF-8 replaced by U+FFFD.
Value Quote(absl::Span<const Value> args, const Activation&) {
  const absl::string_view s = args[0].string_value();
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    i += DecodeAt(s, i, &cp);
    switch (cp) {
      case '\a': out.append("\\a"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\v': out.append("\\v"); break;
      case '\\': out.append("\\\\"); break;
      case '"': out.append("\\\""); break;
      default: saleskit::internal::AppendUtf8(cp, &out);
    }
  }
  out.push_back('"');
  return Value::String(std::move(out));
}

Value Reverse(absl::Span<const Value> args, const Activation&) {
  const absl::string_view s = args[0].string_value();
  std::string out(s.size(), '\0');
  // Copy each code point's bytes to the mirrored position.
  size_t end = s.size();
  for (size_t i = 0; i < s.size();) {
    const size_t len = CodePointLen(s, i);
    end -= len;
    out.replace(end, len, s.data() + i, len);
    i += len;
  }
  return Value::String(std::move(out));
}

// ---------------------------------------------------------------------------
// format

constexpr int kDefaultPrecision = 6;
// Bounds the output of one clause ("%.100000f" would be 100 KB of zeros).
constexpr int kMaxPrecision = 100;

absl::Status FormattingError(absl::string_view message, absl::string_view type_name) {
  return absl::InvalidArgumentError(
      absl::StrCat("error during formatting: ", message, ", was given ", type_name));
}

// NaN and the infinities as CEL's double() spells them; false for finite values.
bool AppendNonFinite(double d, std::string* out) {
  if (std::isnan(d)) {
    out->append("NaN");
  } else if (std::isinf(d)) {
    out->append(d < 0 ? "-Infinity" : "Infinity");
  } else {
    return false;
  }
  return true;
}

// The shortest decimal that reads back as `d`, never in exponent form ("3.14",
// "100000000000000000000"), as Go's FormatFloat(d, 'f', -1, 64).
void AppendShortestDouble(double d, std::string* out) {
  if (AppendNonFinite(d, out)) return;
  char buf[400];  // DBL_MAX in fixed notation is 309 digits
  const auto r = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::fixed);
  out->append(buf, r.ptr);
}

// printf-style %.Nf / %.Ne of a double, with NaN and the infinities spelled out.
void AppendPrintf(const char* spec, int precision, double d, std::string* out) {
  if (AppendNonFinite(d, out)) return;
  char buf[512];  // 309 integer digits + kMaxPrecision fraction digits
  const int n = std::snprintf(buf, sizeof(buf), spec, precision, d);
  if (n > 0) out->append(buf, std::min<size_t>(static_cast<size_t>(n), sizeof(buf) - 1));
}

template <typename U>
void AppendUnsigned(U v, int base, bool upper, std::string* out) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char buf[64];
  size_t n = 0;
  do {
    buf[n++] = digits[v % base];
    v /= base;
  } while (v != 0);
  while (n > 0) out->push_back(buf[--n]);
}

// Integers in base 2, 8, 10 or 16, negative values with a leading '-', as Go's
// strconv.FormatInt.
void AppendInteger(const Value& v, int base, bool upper, std::string* out) {
  if (v.kind() == Value::Kind::kUint) {
    AppendUnsigned(v.uint_value(), base, upper, out);
    return;
  }
  const int64_t i = v.int_value();
  uint64_t magnitude = static_cast<uint64_t>(i);
  if (i < 0) {
    out->push_back('-');
    magnitude = 0 - magnitude;
  }
  AppendUnsigned(magnitude, base, upper, out);
}

bool IsInteger(const Value& v) {
  return v.kind() == Value::Kind::kInt || v.kind() == Value::Kind::kUint;
}

double AsDouble(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kInt: return static_cast<double>(v.int_value());
    case Value::Kind::kUint: return static_cast<double>(v.uint_value());
    default: return v.double_value();
  }
}

// %s: the value as text; lists and maps element by element, map entries
// sorted by their key's text (so the output does not depend on insertion order).
absl::Status AppendAsString(const Value& v, std::string* out) {
  switch (v.kind()) {
    case Value::Kind::kNull: out->append("null"); break;
    case Value::Kind::kBool: out->append(v.bool_value() ? "true" : "false"); break;
    case Value::Kind::kInt:
    case Value::Kind::kUint: AppendInteger(v, 10, false, out); break;
    case Value::Kind::kDouble: AppendShortestDouble(v.double_value(), out); break;
    case Value::Kind::kString: Append(v.string_value(), out); break;
    case Value::Kind::kBytes: Append(v.bytes_value(), out); break;
    case Value::Kind::kTimestamp: out->append(internal::FormatTimestamp(v.timestamp_value())); break;
    case Value::Kind::kDuration: out->append(internal::FormatDuration(v.duration_value())); break;
    case Value::Kind::kType: Append(v.type_value(), out); break;
    case Value::Kind::kList: {
      out->push_back('[');
      bool first = true;
      for (const Value& e : v.list_value()) {
        if (!first) out->append(", ");
        first = false;
        SALESKIT_RETURN_IF_ERROR(AppendAsString(e, out));
      }
      out->push_back(']');
      break;
    }
    case Value::Kind::kMap: {
      std::vector<std::pair<std::string, std::string>> entries;
      entries.reserve(v.map_value().size());
      for (const auto& [key, value] : v.map_value().entries()) {
        std::pair<std::string, std::string> e;
        SALESKIT_RETURN_IF_ERROR(AppendAsString(key, &e.first));
        SALESKIT_RETURN_IF_ERROR(AppendAsString(value, &e.second));
        entries.push_back(std::move(e));
      }
      std::stable_sort(entries.begin(), entries.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      out->push_back('{');
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i > 0) out->append(", ");
        absl::StrAppend(out, entries[i].first, ": ", entries[i].second);
      }
      out->push_back('}');
      break;
    }
    default:
      return FormattingError(
          "string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, "
          "types, durations, and timestamps",
          v.TypeName());
  }
  return absl::OkStatus();
}

// One clause (the text after '%', its precision already read) applied to `arg`.
absl::Status AppendClause(char verb, int precision, const Value& arg, std::string* out) {
  const Value::Kind kind = arg.kind();
  switch (verb) {
    case 's':
      return AppendAsString(arg, out);
    case 'd':
      if (IsInteger(arg)) {
        AppendInteger(arg, 10, false, out);
      } else if (kind == Value::Kind::kDouble) {
        AppendShortestDouble(arg.double_value(), out);
      } else {
        return FormattingError("decimal clause can only be used on integers", arg.TypeName());
      }
      return absl::OkStatus();
    case 'f':
      if (!IsInteger(arg) && kind != Value::Kind::kDouble) {
        return FormattingError("fixed-point clause can only be used on doubles", arg.TypeName());
      }
      AppendPrintf("%.*f", precision, AsDouble(arg), out);
      return absl::OkStatus();
    case 'e':
      if (!IsInteger(arg) && kind != Value::Kind::kDouble) {
        return FormattingError("scientific clause can only be used on doubles", arg.TypeName());
      }
      AppendPrintf("%.*e", precision, AsDouble(arg), out);
      return absl::OkStatus();
    case 'b':
      if (kind == Value::Kind::kBool) {
        out->push_back(arg.bool_value() ? '1' : '0');
      } else if (IsInteger(arg)) {
        AppendInteger(arg, 2, false, out);
      } else {
        return FormattingError("only integers and bools can be formatted as binary",
                               arg.TypeName());
      }
      return absl::OkStatus();
    case 'o':
      if (!IsInteger(arg)) {
        return FormattingError("octal clause can only be used on integers", arg.TypeName());
      }
      AppendInteger(arg, 8, false, out);
      return absl::OkStatus();
    case 'x':
    case 'X': {
      const bool upper = verb == 'X';
      if (IsInteger(arg)) {
        AppendInteger(arg, 16, upper, out);
      } else if (kind == Value::Kind::kString || kind == Value::Kind::kBytes) {
        // Each byte as two hex digits.
        const absl::string_view bytes =
            kind == Value::Kind::kString ? arg.string_value() : arg.bytes_value();
        const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
        for (unsigned char c : bytes) {
          out->push_back(digits[c >> 4]);
          out->push_back(digits[c & 0xF]);
        }
      } else {
        return FormattingError("only integers, byte buffers, and strings can be formatted as hex",
                               arg.TypeName());
      }
      return absl::OkStatus();
    }
    default:
      return absl::InternalError("unreachable formatting verb");
  }
}

absl::Status ClauseParseError(absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("could not parse formatting clause: ", message));
}

// `format` is printf-like: %s %d %f %e %b %x %X %o, an optional ".N"
// precision (used by %f and %e), and %% for a percent sign. Arguments are
// consumed in order; running out of them is an error.
absl::StatusOr<std::string> Format(absl::string_view format, absl::Span<const Value> args) {
  std::string out;
  out.reserve(format.size());
  size_t next_arg = 0;
  for (size_t i = 0; i < format.size();) {
    const char c = format[i];
    if (c != '%') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 < format.size() && format[i + 1] == '%') {
      out.push_back('%');
      i += 2;
      continue;
    }
    if (i + 1 >= format.size()) return absl::InvalidArgumentError("unexpected end of string");
    if (next_arg >= args.size()) {
      return absl::InvalidArgumentError(absl::StrCat("index ", next_arg, " out of range"));
    }
    ++i;  // past '%'
    int precision = kDefaultPrecision;
    if (format[i] == '.') {
      ++i;
      const size_t digits_begin = i;
      while (i < format.size() && format[i] >= '0' && format[i] <= '9') ++i;
      if (i >= format.size()) {
        return ClauseParseError(
            "error while parsing precision: could not find end of precision specifier");
      }
      if (i == digits_begin) {
        return ClauseParseError("error while parsing precision: missing precision digits");
      }
      const absl::string_view digits = format.substr(digits_begin, i - digits_begin);
      int64_t p = 0;
      for (char d : digits) {
        p = p * 10 + (d - '0');
        if (p > kMaxPrecision) break;
      }
      if (p > kMaxPrecision) {
        return ClauseParseError(absl::StrCat("error while parsing precision: precision ", digits,
                                             " exceeds maximum allowed precision ", kMaxPrecision));
      }
      precision = static_cast<int>(p);
    }
    const char verb = format[i];
    switch (verb) {
      case 's': case 'd': case 'f': case 'e': case 'b': case 'x': case 'X': case 'o':
        break;
      default: {
        // Name the whole character, not just its first byte.
        const size_t len = CodePointLen(format, i);
        return ClauseParseError(absl::StrCat("unrecognized formatting clause \"",
                                             format.substr(i, len), "\""));
      }
    }
    ++i;
    SALESKIT_RETURN_IF_ERROR(AppendClause(verb, precision, args[next_arg], &out));
    ++next_arg;
  }
  return out;
}

Value FormatString(absl::Span<const Value> args, const Activation&) {
  auto formatted = Format(args[0].string_value(), args[1].list_value());
  if (!formatted.ok()) return Value::Error(formatted.status());
  return Value::String(*std::move(formatted));
}

}  // namespace

absl::Status RegisterStringFunctions(FunctionRegistry* r) {
  struct Decl {
    const char* id;
    const char* function;
    bool receiver;
    const char* signature;
    FunctionImpl impl;
  };
  static constexpr Decl kDecls[] = {
      {"contains_string", "contains", true, "(string, string) -> bool", &Contains},
      {"starts_with_string", "startsWith", true, "(string, string) -> bool", &StartsWith},
      {"ends_with_string", "endsWith", true, "(string, string) -> bool", &EndsWith},
      {"matches", "matches", false, "(string, string) -> bool", &Matches},
      {"matches_string", "matches", true, "(string, string) -> bool", &Matches},
      // The strings extension.
      {"string_char_at_int", "charAt", true, "(string, int) -> string", &CharAt},
      {"string_index_of_string", "indexOf", true, "(string, string) -> int", &IndexOf},
      {"string_index_of_string_int", "indexOf", true, "(string, string, int) -> int",
       &IndexOfOffset},
      {"string_last_index_of_string", "lastIndexOf", true, "(string, string) -> int",
       &LastIndexOf},
      {"string_last_index_of_string_int", "lastIndexOf", true, "(string, string, int) -> int",
       &LastIndexOfOffset},
      {"string_lower_ascii", "lowerAscii", true, "(string) -> string", &LowerAscii},
      {"string_upper_ascii", "upperAscii", true, "(string) -> string", &UpperAscii},
      {"string_replace_string_string", "replace", true, "(string, string, string) -> string",
       &Replace},
      {"string_replace_string_string_int", "replace", true,
       "(string, string, string, int) -> string", &ReplaceLimit},
      {"string_split_string", "split", true, "(string, string) -> list(string)", &Split},
      {"string_split_string_int", "split", true, "(string, string, int) -> list(string)",
       &SplitLimit},
      {"string_substring_int", "substring", true, "(string, int) -> string", &Substring},
      {"string_substring_int_int", "substring", true, "(string, int, int) -> string",
       &SubstringRange},
      {"string_trim", "trim", true, "(string) -> string", &Trim},
      {"list_join", "join", true, "(list(string)) -> string", &Join},
      {"list_join_string", "join", true, "(list(string), string) -> string", &JoinSeparator},
      {"strings_quote", "strings.quote", false, "(string) -> string", &Quote},
      {"string_reverse", "reverse", true, "(string) -> string", &Reverse},
      {"string_format", "format", true, "(string, list(dyn)) -> string", &FormatString},
  };
  for (const Decl& d : kDecls) {
    SALESKIT_RETURN_IF_ERROR(r->Add(d.id, d.function, d.receiver, d.signature, d.impl));
  }
  return absl::OkStatus();
}

}  // namespace saleskit::cel::internal
