// The string functions and the strings extension, evaluated end to end
// (parse, check, evaluate) against the standard library. Expected values
// follow cel-spec's string.textproto and string_ext.textproto, and cel-go's
// ext/strings.go where the suite is silent.

#include <string>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "saleskit/cel/functions.h"
#include "saleskit/cel/program.h"
#include "saleskit/cel/value.h"

namespace saleskit::cel {
namespace {

Value Eval(absl::string_view source, bool check = true) {
  static const Environment* const env = new Environment();
  CompileOptions options;
  options.check = check;
  auto program = Compile(source, *env, options);
  INFO(source << ": " << program.status().message());
  REQUIRE(program.ok());
  return (*program)->Evaluate(MapActivation());
}

std::string Str(absl::string_view source) {
  const Value v = Eval(source);
  INFO(source << " = " << v.DebugString());
  REQUIRE(v.kind() == Value::Kind::kString);
  return std::string(v.string_value());
}

int64_t Int(absl::string_view source) {
  const Value v = Eval(source);
  INFO(source << " = " << v.DebugString());
  REQUIRE(v.kind() == Value::Kind::kInt);
  return v.int_value();
}

bool Bool(absl::string_view source) {
  const Value v = Eval(source);
  INFO(source << " = " << v.DebugString());
  REQUIRE(v.kind() == Value::Kind::kBool);
  return v.bool_value();
}

// The message of the error `source` evaluates to (unchecked, so type errors
// surface at run time as they do for dyn arguments).
std::string ErrorOf(absl::string_view source) {
  const Value v = Eval(source, /*check=*/false);
  INFO(source << " = " << v.DebugString());
  REQUIRE(v.is_error());
  return std::string(v.error_value().message());
}

TEST_CASE("contains, startsWith and endsWith compare whole code points", "[cel][strings]") {
  CHECK(Bool("'Straße'.contains('aß')"));
  CHECK_FALSE(Bool("'hello'.contains('ol')"));
  CHECK(Bool("''.contains('')"));
  CHECK_FALSE(Bool("''.contains('x')"));
  CHECK(Bool("'завтра'.startsWith('за')"));
  CHECK_FALSE(Bool("''.startsWith('foo')"));
  CHECK(Bool("'forté'.endsWith('té')"));
  CHECK_FALSE(Bool("'foobar'.endsWith('foo')"));
}

TEST_CASE("matches searches with RE2 anywhere in the string", "[cel][strings]") {
  CHECK(Bool("'hubba'.matches('ubb')"));
  CHECK(Bool("matches('grey', 'gr(a|e)y')"));  // the global form
  CHECK_FALSE(Bool("'hubba'.matches('^ubb')"));
  CHECK(Bool("'mañana'.matches('a+ñ+a+')"));
  CHECK(Bool("'\\U0001F431\\U0001F600\\U0001F600'.matches('(a|\\U0001F600){2}')"));
  CHECK(Bool("'cows'.matches('')"));
  // The same pattern again (now from the cache) gives the same answers.
  CHECK(Bool("'hubba'.matches('ubb') && !'hbba'.matches('ubb')"));
}

TEST_CASE("an invalid or oversized pattern is an error naming it", "[cel][strings]") {
  const std::string unbalanced = ErrorOf("'abc'.matches('a(b')");
  CHECK(absl::StrContains(unbalanced, "a(b"));
  CHECK(absl::StrContains(unbalanced, "missing )"));
  // Back-references are not RE2 (matching stays linear in the input).
  CHECK(absl::StrContains(ErrorOf("'aa'.matches('(a)\\\\1')"), "(a)\\1"));
  // Too large for the compiled-program memory cap: an error, not gigabytes.
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "[a-z\\u00e0-\\u00ff]{1000}";
  const std::string message = ErrorOf(absl::StrCat("'a'.matches('", pattern, "')"));
  CHECK(absl::StrContains(message, "invalid regular expression"));
  CHECK(absl::StrContains(message, "too large"));
}

TEST_CASE("charAt counts code points, one past the end is empty, beyond is an error", "[cel][strings]") {
  CHECK(Str("'tacocat'.charAt(3)") == "o");
  CHECK(Str("'©αT'.charAt(1)") == "α");
  CHECK(Str("'tacocat'.charAt(7)") == "");
  CHECK(ErrorOf("'tacocat'.charAt(30)") == "index out of range: 30");
  CHECK(ErrorOf("'tacocat'.charAt(-1)") == "index out of range: -1");
  CHECK(absl::StrContains(ErrorOf("'hello'.charAt(true)"), "no such overload"));
}

TEST_CASE("indexOf and lastIndexOf answer in code points", "[cel][strings]") {
  CHECK(Int("'tacocat'.indexOf('')") == 0);
  CHECK(Int("'tacocat'.indexOf('ac')") == 1);
  CHECK(Int("'tacocat'.indexOf('none')") == -1);
  CHECK(Int("'tacocat'.indexOf('', 3)") == 3);
  CHECK(Int("'tacocat'.indexOf('a', 3)") == 5);
  CHECK(Int("'ta©o©αT'.indexOf('©')") == 2);
  CHECK(Int("'ta©o©αT'.indexOf('©αT', 3)") == 4);
  CHECK(Int("'ta©o©αT'.indexOf('©α', 5)") == -1);
  CHECK(Int("'hello wello'.indexOf('ello', 6)") == 7);
  CHECK(ErrorOf("'tacocat'.indexOf('a', 30)") == "index out of range: 30");
  CHECK(ErrorOf("'tacocat'.indexOf('a', -1)") == "index out of range: -1");

  CHECK(Int("''.lastIndexOf('@@')") == -1);
  CHECK(Int("'tacocat'.lastIndexOf('')") == 7);
  CHECK(Int("'tacocat'.lastIndexOf('at')") == 5);
  CHECK(Int("'tacocat'.lastIndexOf('', 3)") == 3);
  CHECK(Int("'tacocat'.lastIndexOf('a', 3)") == 1);
  CHECK(Int("'ta©o©αT'.lastIndexOf('©')") == 4);
  CHECK(Int("'ta©o©αT'.lastIndexOf('©', 3)") == 2);
  CHECK(Int("'ta©o©αT'.lastIndexOf('©α', 4)") == 4);
  CHECK(Int("'bananananana'.lastIndexOf('nana', 7)") == 6);
  CHECK(Int("'hello wello'.lastIndexOf('hello wello')") == 0);
  CHECK(ErrorOf("'tacocat'.lastIndexOf('a', -1)") == "index out of range: -1");
  CHECK(ErrorOf("'tacocat'.lastIndexOf('a', 30)") == "index out of range: 30");
}

TEST_CASE("lowerAscii and upperAscii change ASCII letters only", "[cel][strings]") {
  CHECK(Str("'TacoCÆt Xii'.lowerAscii()") == "tacocÆt xii");
  CHECK(Str("'tacoCαt'.upperAscii()") == "TACOCαT");
  CHECK(Str("'TacoCÆt Xii'.upperAscii()") == "TACOCÆT XII");
}

TEST_CASE("replace: all occurrences, or at most a limit", "[cel][strings]") {
  CHECK(Str("'{0} days {0} hours'.replace('{0}', '2')") == "2 days 2 hours");
  CHECK(Str("'{0} days {0} hours'.replace('{0}', '2', 1).replace('{0}', '23')") ==
        "2 days 23 hours");
  CHECK(Str("'hello hello'.replace('he', 'we', 0)") == "hello hello");
  CHECK(Str("'hello hello'.replace('he', 'we', -1)") == "wello wello");
  CHECK(Str("'1 ©αT taco'.replace('αT', 'o©α')") == "1 ©o©α taco");
  // An empty pattern matches around every code point, as Go's strings.Replace.
  CHECK(Str("'©a'.replace('', '-')") == "-©-a-");
  CHECK(Str("'©a'.replace('', '-', 2)") == "-©-a");
  CHECK(absl::StrContains(ErrorOf("'42'.replace('2', 1)"), "no such overload"));
}

TEST_CASE("split: by a separator, with an optional limit on the parts", "[cel][strings]") {
  CHECK(Bool("'hello world'.split(' ') == ['hello', 'world']"));
  CHECK(Bool("'hello world events!'.split(' ', 0) == []"));
  CHECK(Bool("'hello world events!'.split(' ', 1) == ['hello world events!']"));
  CHECK(Bool("'hello world events!'.split(' ', 2) == ['hello', 'world events!']"));
  CHECK(Bool("'o©o©o©o'.split('©', -1) == ['o', 'o', 'o', 'o']"));
  CHECK(Bool("'a,'.split(',') == ['a', '']"));
  CHECK(Bool("''.split(',') == ['']"));
  // An empty separator splits into code points.
  CHECK(Bool("'a©b'.split('') == ['a', '©', 'b']"));
  CHECK(Bool("'a©b'.split('', 2) == ['a', '©b']"));
}

TEST_CASE("substring takes code point positions and rejects bad ranges", "[cel][strings]") {
  CHECK(Str("'tacocat'.substring(4)") == "cat");
  CHECK(Str("'tacocat'.substring(7)") == "");
  CHECK(Str("'tacocat'.substring(0, 4)") == "taco");
  CHECK(Str("'tacocat'.substring(4, 4)") == "");
  CHECK(Str("'ta©o©αT'.substring(2, 6)") == "©o©α");
  CHECK(Str("'ta©o©αT'.substring(7, 7)") == "");
  CHECK(ErrorOf("'tacocat'.substring(40)") == "index out of range: 40");
  CHECK(ErrorOf("'tacocat'.substring(-1)") == "index out of range: -1");
  CHECK(ErrorOf("'tacocat'.substring(1, 50)") == "index out of range: 50");
  CHECK(ErrorOf("'tacocat'.substring(49, 50)") == "index out of range: 49");
  CHECK(ErrorOf("'tacocat'.substring(4, 3)") == "invalid substring range. start: 4, end: 3");
}

TEST_CASE("trim removes Unicode white space but not zero-width characters", "[cel][strings]") {
  CHECK(Str("' \\f\\n\\r\\t\\vtext  '.trim()") == "text");
  CHECK(Str("'\\u0085\\u00a0\\u1680text\\u2000\\u200a\\u2028\\u2029\\u202F\\u205F\\u3000'.trim()") ==
        "text");
  CHECK(Bool("'\\u180etext\\u200b\\u200c\\u200d\\u2060\\ufeff'.trim() == "
             "'\\u180etext\\u200b\\u200c\\u200d\\u2060\\ufeff'"));
  CHECK(Str("'  '.trim()") == "");
  CHECK(Str("' ©α '.trim()") == "©α");
}

TEST_CASE("join concatenates a list of strings", "[cel][strings]") {
  CHECK(Str("['x', 'y'].join()") == "xy");
  CHECK(Str("['x', 'y'].join('-')") == "x-y");
  CHECK(Str("[].join()") == "");
  CHECK(Str("[].join('-')") == "");
  CHECK(absl::StrContains(ErrorOf("['x', 1].join()"), "not a string"));
}

TEST_CASE("strings.quote writes a CEL string literal", "[cel][strings]") {
  CHECK(Str("strings.quote(\"first\\nsecond\")") == "\"first\\nsecond\"");
  CHECK(Str("strings.quote(\"bell\\a\\b\\f\\r\\t\\v\")") == "\"bell\\a\\b\\f\\r\\t\\v\"");
  CHECK(Str("strings.quote('single-quote with \"double quote\"')") ==
        "\"single-quote with \\\"double quote\\\"\"");
  CHECK(Str("strings.quote(\"ends with \\\\\")") == "\"ends with \\\\\"");
  CHECK(Str("strings.quote(\"\\U0001F431\\U0001F600\")") == "\"\U0001F431\U0001F600\"");
  CHECK(Str("strings.quote('')") == "\"\"");
}

TEST_CASE("reverse reverses code points", "[cel][strings]") {
  CHECK(Str("''.reverse()") == "");
  CHECK(Str("'☺'.reverse()") == "☺");
  CHECK(Str("'Ta©oCαt'.reverse()") == "tαCo©aT");
}

TEST_CASE("format substitutes arguments printf-style", "[cel][strings][format]") {
  CHECK(Str("'no substitution'.format([])") == "no substitution");
  CHECK(Str("'%%%s%%'.format(['text'])") == "%text%");
  CHECK(Str("'%d %d %d, %s %s %s'.format([1, 2, 3, 'A', 'B', 'C'])") == "1 2 3, A B C");
  CHECK(Str("'%.3f'.format([1.2345])") == "1.234");
  CHECK(Str("'%f'.format([2])") == "2.000000");
  CHECK(Str("'%f'.format([3u])") == "3.000000");
  CHECK(Str("'%.0f %.0f %.0f'.format([1.5, 2.5, 3.5001])") == "2 2 4");  // round half to even
  CHECK(Str("'%.5f'.format([-1.2])") == "-1.20000");
  CHECK(Str("'%.6e'.format([1052.032911275])") == "1.052033e+03");
  CHECK(Str("'%e'.format([2])") == "2.000000e+00");
  CHECK(Str("'%e %f %d'.format([double('NaN'), double('Infinity'), double('-Infinity')])") ==
        "NaN Infinity -Infinity");
  CHECK(Str("'%b %b %b'.format([5, uint(64), true])") == "101 1000000 1");
  CHECK(Str("'%o %o'.format([11, uint(65535)])") == "13 177777");
  CHECK(Str("'%x %X %X'.format([30, 30, uint(6000)])") == "1e 1E 1770");
  CHECK(Str("'%x'.format(['Hello world!'])") == "48656c6c6f20776f726c6421");
  CHECK(Str("'%X'.format([b'byte string'])") == "6279746520737472696E67");
  CHECK(Str("'%x %b %o'.format([-30, -5, -8])") == "-1e -101 -10");
  CHECK(Str("'%d'.format([18446744073709551615u])") == "18446744073709551615");
  CHECK(Str("'%d'.format([-9223372036854775808])") == "-9223372036854775808");
}

TEST_CASE("format %s writes any value as text", "[cel][strings][format]") {
  CHECK(Str("'%s'.format([null])") == "null");
  CHECK(Str("'%s, %s'.format([true, false])") == "true, false");
  CHECK(Str("'%s'.format([b'xyz'])") == "xyz");
  CHECK(Str("'%s'.format([type('test string')])") == "string");
  CHECK(Str("'%s %s %s'.format([3.14, 56.8, 1e20])") == "3.14 56.8 100000000000000000000");
  CHECK(Str("'%s'.format([timestamp('2023-02-03T23:31:20+00:00')])") == "2023-02-03T23:31:20Z");
  CHECK(Str("'%s'.format([duration('1h45m47s')])") == "6347s");
  CHECK(Str("'%s'.format([['abc', 3.14, null, [9, 8], timestamp('2023-02-03T23:31:20Z')]])") ==
        "[abc, 3.14, null, [9, 8], 2023-02-03T23:31:20Z]");
  // Map entries come out sorted by their key's text, whatever the insertion order.
  CHECK(Str("'%s'.format([{'key2': duration('2h'), 'key1': b'xyz', 'key3': 2.71828}])") ==
        "{key1: xyz, key2: 7200s, key3: 2.71828}");
  CHECK(Str("'%s'.format([{'strKey': 'x', 6: duration('422s'), true: 42}])") ==
        "{6: 422s, strKey: x, true: 42}");
  CHECK(Str("'%s'.format([[double('NaN'), double('Infinity'), double('-Infinity')]])") ==
        "[NaN, Infinity, -Infinity]");
}

TEST_CASE("format errors say what went wrong", "[cel][strings][format]") {
  CHECK(ErrorOf("'%a'.format([1])") ==
        "could not parse formatting clause: unrecognized formatting clause \"a\"");
  CHECK(ErrorOf("'%E'.format([0.5])") ==
        "could not parse formatting clause: unrecognized formatting clause \"E\"");
  CHECK(ErrorOf("'%d %d %d'.format([0, 1])") == "index 2 out of range");
  CHECK(ErrorOf("'trailing %'.format([1])") == "unexpected end of string");
  CHECK(absl::StrContains(ErrorOf("'%.3'.format([1.0])"), "could not find end of precision"));
  CHECK(absl::StrContains(ErrorOf("'%.1000f'.format([1.0])"), "exceeds maximum allowed precision"));
  CHECK(ErrorOf("'%b'.format(['abc'])") ==
        "error during formatting: only integers and bools can be formatted as binary, was given "
        "string");
  CHECK(ErrorOf("'%d'.format([duration('30m2s')])") ==
        "error during formatting: decimal clause can only be used on integers, was given "
        "google.protobuf.Duration");
  CHECK(ErrorOf("'%o'.format(['a string'])") ==
        "error during formatting: octal clause can only be used on integers, was given string");
  CHECK(ErrorOf("'%x'.format([0.5])") ==
        "error during formatting: only integers, byte buffers, and strings can be formatted as "
        "hex, was given double");
  CHECK(ErrorOf("'%e'.format([null])") ==
        "error during formatting: scientific clause can only be used on doubles, was given "
        "null_type");
  CHECK(ErrorOf("'%f'.format([null])") ==
        "error during formatting: fixed-point clause can only be used on doubles, was given "
        "null_type");
  // %s refuses only what has no text form, even nested in a list or map.
  CHECK(absl::StrContains(ErrorOf("'%s'.format([[1, optional.of(2)]])"),
                          "string clause can only be used on strings"));
}

}  // namespace
}  // namespace saleskit::cel
