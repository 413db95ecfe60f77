// Tests for operators, scalar functions and aggregates against PostgreSQL 15's observed output.
#include "sql/types/functions.h"

#include <gtest/gtest.h>

#include <functional>

#include "common/error.h"
#include "sql/types/cast.h"
#include "sql/types/type_info.h"
#include "sql/types/type_io.h"

namespace hf::sql::types {
namespace {

using namespace hf::type_oid;  // NOLINT

// Evaluates `l op r` the way the executor would: resolve, cast operands, call.
struct Val {
  std::string text;
  Oid type;
};

Datum coerce(const Val& v, Oid to) {
  Datum d = v.type == kUnknown ? Datum(v.text) : from_text(v.text, TypeRef{v.type, -1});
  if (to == v.type || to == kAnyArrayOid || to == kAnyElementOid || to == kAnyNonArrayOid ||
      to == kAny)
    return v.type == kUnknown ? from_text(v.text, TypeRef{kText, -1}) : d;
  return cast(d, TypeRef{v.type, -1}, TypeRef{to, -1}, CastContext::kImplicit);
}

std::string binop(const Val& l, const char* op, const Val& r) {
  const OperatorDef* def = resolve_operator(op, l.type, r.type);
  if (def == nullptr) return "<no operator>";
  FuncContext ctx;
  std::vector<Datum> args = {coerce(l, def->left), coerce(r, def->right)};
  Oid lt = def->left == kAnyArrayOid || def->left == kAnyElementOid ? l.type : def->left;
  Oid rt = def->right == kAnyArrayOid || def->right == kAnyElementOid ? r.type : def->right;
  Datum out = def->fn(args, {TypeRef{lt, -1}, TypeRef{rt, -1}}, ctx);
  Oid res = operator_result_type(*def, lt, rt);
  return out.is_null() ? "NULL" : to_text(out, TypeRef{res, -1});
}

std::string call(const char* name, const std::vector<Val>& vals) {
  std::vector<Oid> types;
  for (const auto& v : vals) types.push_back(v.type);
  const FunctionDef* def = resolve_function(name, types);
  if (def == nullptr) return "<no function>";
  std::vector<Datum> args;
  std::vector<TypeRef> refs;
  for (size_t i = 0; i < vals.size(); ++i) {
    Oid to = i < def->arg_types.size() ? def->arg_types[i] : vals[i].type;
    if (vals[i].text == "NULL") {
      args.push_back(Datum::Null());
      if (def->strict) return "NULL";
    } else {
      args.push_back(coerce(vals[i], to));
    }
    Oid actual = to == kAnyArrayOid || to == kAnyElementOid || to == kAny ? vals[i].type : to;
    if (actual == kUnknown) actual = kText;
    refs.push_back(TypeRef{actual, -1});
  }
  FuncContext ctx;
  Datum out = def->fn(args, refs, ctx);
  std::vector<Oid> actual;
  for (auto& r : refs) actual.push_back(r.oid);
  return out.is_null() ? "NULL" : to_text(out, TypeRef{function_result_type(*def, actual), -1});
}

Val I4(const char* s) {
  return {s, kInt4};
}
Val I8(const char* s) {
  return {s, kInt8};
}
Val N(const char* s) {
  return {s, kNumeric};
}
Val F8(const char* s) {
  return {s, kFloat8};
}
Val U(const char* s) {
  return {s, kUnknown};
}
Val TX(const char* s) {
  return {s, kText};
}

void expect_error(std::function<void()> fn, const std::string& state, const std::string& msg) {
  try {
    fn();
    ADD_FAILURE() << "expected error " << msg;
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, state);
    EXPECT_EQ(e.error().message, msg);
  }
}

TEST(Operators, Integer) {
  EXPECT_EQ(binop(I4("7"), "/", I4("2")), "3");
  EXPECT_EQ(binop(I4("-7"), "/", I4("2")), "-3");
  EXPECT_EQ(binop(I4("-7"), "%", I4("3")), "-1");
  EXPECT_EQ(binop(I4("1"), "+", I8("2")), "3");
  EXPECT_EQ(resolve_operator("+", kInt2, kInt4)->result, kInt4);
  EXPECT_EQ(resolve_operator("+", kInt4, kNumeric)->result, kNumeric);
  EXPECT_EQ(resolve_operator("+", kInt4, kFloat8)->result, kFloat8);
  EXPECT_EQ(resolve_operator("=", kInt4, kUnknown)->right, kInt4);
  EXPECT_EQ(resolve_operator("!=", kInt8, kInt8)->name, std::string("<>"));
  EXPECT_EQ(binop(I4("3"), "<", I8("4")), "t");
  expect_error([] { binop(I4("2147483647"), "+", I4("1")); }, "22003", "integer out of range");
  expect_error([] { binop(I8("9223372036854775807"), "*", I8("2")); }, "22003",
               "bigint out of range");
  expect_error([] { binop(I4("1"), "/", I4("0")); }, "22012", "division by zero");
  expect_error([] { binop(I4("5"), "%", I4("0")); }, "22012", "division by zero");
  expect_error([] { binop(I4("-2147483648"), "/", I4("-1")); }, "22003", "integer out of range");
  const OperatorDef* neg = resolve_operator("-", 0, kInt4);
  ASSERT_NE(neg, nullptr);
  FuncContext ctx;
  EXPECT_EQ(neg->fn({Datum(5)}, {TypeRef{kInt4, -1}}, ctx).as_int(), -5);
}

TEST(Operators, NumericAndFloat) {
  EXPECT_EQ(binop(N("10"), "/", N("3")), "3.3333333333333333");
  EXPECT_EQ(binop(N("1"), "/", N("8")), "0.12500000000000000000");
  EXPECT_EQ(binop(N("2.00"), "*", N("3.5")), "7.000");
  EXPECT_EQ(binop(N("1.5"), "-", N("1.50")), "0.00");
  EXPECT_EQ(binop(N("123456789"), "/", N("0.001")), "123456789000.00000000");
  EXPECT_EQ(binop(N("0.001"), "/", N("123456789")), "0.0000000000081000000737100007");
  EXPECT_EQ(binop(N("7.0"), "%", N("2.5")), "2.0");
  EXPECT_EQ(binop(N("2"), "^", N("3")), "8.0000000000000000");
  EXPECT_EQ(binop(I4("1"), "+", N("1.5")), "2.5");
  EXPECT_EQ(binop(I4("2"), "^", I4("10")), "1024");
  EXPECT_EQ(binop(F8("0.1"), "+", F8("0.2")), "0.30000000000000004");
  expect_error([] { binop(N("1.0"), "/", N("0")); }, "22012", "division by zero");
  expect_error([] { binop(F8("1e308"), "*", F8("10")); }, "22003", "value out of range: overflow");
  EXPECT_EQ(binop(N("1.0"), "=", N("1.00")), "t");
}

TEST(Operators, TextAndLike) {
  EXPECT_EQ(binop(TX("ab"), "||", TX("cd")), "abcd");
  EXPECT_EQ(binop(TX("n="), "||", I4("5")), "n=5");
  EXPECT_EQ(binop(U("ab"), "||", U("cd")), "abcd");
  EXPECT_EQ(binop(TX("abc"), "~~", U("a%")), "t");
  EXPECT_EQ(binop(TX("abc"), "~~", U("_b_")), "t");
  EXPECT_EQ(binop(TX("ABC"), "~~*", U("a%")), "t");
  EXPECT_EQ(binop(TX("a%"), "~~", U("a\\%")), "t");
  EXPECT_EQ(binop(TX("ab"), "~~", U("a\\%")), "f");
  EXPECT_EQ(binop(TX("abc"), "!~~", U("%z%")), "t");
  EXPECT_EQ(binop(TX("héllo"), "~~", U("h_llo")), "t");
  EXPECT_EQ(binop(TX("abc"), "~", U("^a.c$")), "t");
  EXPECT_EQ(binop(TX("a"), "<", TX("b")), "t");
  EXPECT_EQ(binop({"x", kVarchar}, "=", TX("x")), "t");
  EXPECT_TRUE(like_match("", "%"));
  EXPECT_FALSE(like_match("a", ""));
}

TEST(Operators, DateTime) {
  EXPECT_EQ(binop({"2024-03-01", kDate}, "-", {"2024-02-01", kDate}), "29");
  EXPECT_EQ(binop({"2024-02-29", kDate}, "+", I4("1")), "2024-03-01");
  EXPECT_EQ(binop({"2024-01-31", kDate}, "+", {"1 month", kInterval}), "2024-02-29 00:00:00");
  EXPECT_EQ(binop({"2024-01-31", kTimestamp}, "+", {"1 month", kInterval}), "2024-02-29 00:00:00");
  EXPECT_EQ(binop({"2024-03-01", kTimestamp}, "-", {"2024-01-01 12:00", kTimestamp}),
            "59 days 12:00:00");
  EXPECT_EQ(binop({"2024-01-15 10:00+00", kTimestampTz}, "-", {"1 hour", kInterval}),
            "2024-01-15 09:00:00+00");
  EXPECT_EQ(binop({"1 day", kInterval}, "*", F8("1.5")), "1 day 12:00:00");
  EXPECT_EQ(binop({"1 mon", kInterval}, "/", F8("2")), "15 days");
  EXPECT_EQ(binop({"2024-01-15", kDate}, "<", {"2024-01-15 00:00:01", kTimestamp}), "t");
  EXPECT_EQ(binop({"2024-01-15", kTimestamp}, "=", U("2024-01-15 00:00:00")), "t");
}

TEST(Operators, Arrays) {
  EXPECT_EQ(binop({"{1,2}", kInt4Array}, "=", {"{1,2}", kInt4Array}), "t");
  EXPECT_EQ(binop({"{1,2}", kInt4Array}, "||", {"{3}", kInt4Array}), "{1,2,3}");
  EXPECT_EQ(binop({"{1,2}", kInt4Array}, "||", I4("3")), "{1,2,3}");
}

TEST(Functions, Math) {
  EXPECT_EQ(call("round", {N("2.5")}), "3");
  EXPECT_EQ(call("round", {N("-2.5")}), "-3");
  EXPECT_EQ(call("round", {N("2.345"), I4("2")}), "2.35");
  EXPECT_EQ(call("trunc", {N("2.789"), I4("1")}), "2.7");
  EXPECT_EQ(call("ceil", {N("1.2")}), "2");
  EXPECT_EQ(call("floor", {N("-1.2")}), "-2");
  EXPECT_EQ(call("round", {F8("2.5")}), "2");
  EXPECT_EQ(call("mod", {I4("7"), I4("3")}), "1");
  EXPECT_EQ(call("power", {N("2"), N("0.5")}), "1.4142135623730950");
  EXPECT_EQ(call("sqrt", {N("2")}), "1.414213562373095");
  EXPECT_EQ(call("sqrt", {F8("16")}), "4");
  EXPECT_EQ(call("abs", {N("-3.5")}), "3.5");
  EXPECT_EQ(call("abs", {I4("-3")}), "3");
  EXPECT_EQ(call("round", {I4("3")}), "3");  // int → numeric implicitly
  expect_error([] { call("abs", {I4("-2147483648")}); }, "22003", "integer out of range");
}

TEST(Functions, Strings) {
  EXPECT_EQ(call("substr", {U("hello"), I4("2"), I4("3")}), "ell");
  EXPECT_EQ(call("substr", {U("hello"), I4("0"), I4("2")}), "h");
  EXPECT_EQ(call("substring", {U("hello"), I4("3")}), "llo");
  EXPECT_EQ(call("lpad", {U("hi"), I4("5")}), "   hi");
  EXPECT_EQ(call("rpad", {U("hi"), I4("5"), U("xy")}), "hixyx");
  EXPECT_EQ(call("lpad", {U("hello"), I4("3")}), "hel");
  EXPECT_EQ(call("left", {U("hello"), I4("-2")}), "hel");
  EXPECT_EQ(call("right", {U("hello"), I4("2")}), "lo");
  EXPECT_EQ(call("split_part", {U("a,b,c"), U(","), I4("2")}), "b");
  EXPECT_EQ(call("split_part", {U("a,b,c"), U(","), I4("-1")}), "c");
  EXPECT_EQ(call("reverse", {U("abc")}), "cba");
  EXPECT_EQ(call("repeat", {U("ab"), I4("3")}), "ababab");
  EXPECT_EQ(call("md5", {U("abc")}), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(call("md5", {U("")}), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(call("strpos", {U("hello"), U("ll")}), "3");
  EXPECT_EQ(call("concat", {U("a"), I4("1"), U("NULL"), {"t", kBool}}), "a1t");
  EXPECT_EQ(call("concat_ws", {U(","), U("a"), U("NULL"), U("b")}), "a,b");
  EXPECT_EQ(call("initcap", {U("hello wORLD")}), "Hello World");
  EXPECT_EQ(call("btrim", {U("  x  ")}), "x");
  EXPECT_EQ(call("ltrim", {U("xxyxz"), U("xy")}), "z");
  EXPECT_EQ(call("replace", {U("abcabc"), U("b"), U("X")}), "aXcaXc");
  EXPECT_EQ(call("length", {U("héllo")}), "5");
  EXPECT_EQ(call("octet_length", {TX("héllo")}), "6");
  EXPECT_EQ(call("upper", {{"abc", kVarchar}}), "ABC");
  EXPECT_EQ(call("length", {{"ab  ", kBpchar}}), "2");
  expect_error(
      [] {
        call("substr", {U("x"), I4("1"), I4("-1")});
      },
      "22011", "negative substring length not allowed");
  EXPECT_EQ(resolve_function("nosuch", {}), nullptr);
  EXPECT_EQ(resolve_function("lower", {kInt4}), nullptr);  // no implicit int → text
}

TEST(Functions, DateTime) {
  EXPECT_EQ(call("date_trunc", {U("month"), {"2024-05-17 10:11:12", kTimestamp}}),
            "2024-05-01 00:00:00");
  EXPECT_EQ(call("date_trunc", {U("week"), {"2024-05-17 10:11:12", kTimestamp}}),
            "2024-05-13 00:00:00");
  EXPECT_EQ(call("extract", {U("second"), {"2024-01-01 10:00:30.5", kTimestamp}}), "30.500000");
  EXPECT_EQ(call("extract", {U("epoch"), {"2024-01-01", kTimestamp}}), "1704067200.000000");
  EXPECT_EQ(call("extract", {U("year"), {"2024-05-01", kDate}}), "2024");
  EXPECT_EQ(call("extract", {U("dow"), {"2024-05-17", kDate}}), "5");
  EXPECT_EQ(call("extract", {U("week"), {"2024-01-01", kDate}}), "1");
  EXPECT_EQ(call("date_part", {U("dow"), {"2024-01-15", kDate}}), "1");
  EXPECT_EQ(call("date_part", {U("epoch"), {"1 day 1 hour", kInterval}}), "90000");
  EXPECT_EQ(call("age", {{"2024-03-15", kTimestamp}, {"2023-01-20 10:00", kTimestamp}}),
            "1 year 1 mon 25 days 14:00:00");
  EXPECT_EQ(call("to_char",
                 {{"2024-01-05 13:04:05", kTimestamp}, U("YYYY-MM-DD HH24:MI:SS Mon Day FMDay")}),
            "2024-01-05 13:04:05 Jan Friday    Friday");
  EXPECT_EQ(call("to_timestamp", {F8("0")}), "1970-01-01 00:00:00+00");
  EXPECT_EQ(call("make_date", {I4("2024"), I4("2"), I4("29")}), "2024-02-29");
  expect_error(
      [] {
        call("date_trunc", {U("fortnight"), {"2024-05-17", kTimestamp}});
      },
      "22023", "unit \"fortnight\" not recognized for type timestamp without time zone");
}

TEST(Functions, ArraysAndMisc) {
  EXPECT_EQ(call("array_length", {{"{1,2,3}", kInt4Array}, I4("1")}), "3");
  EXPECT_EQ(call("array_to_string", {{"{1,NULL,3}", kInt4Array}, U(",")}), "1,3");
  EXPECT_EQ(call("string_to_array", {U("a,b"), U(",")}), "{a,b}");
  EXPECT_EQ(call("array_append", {{"{1}", kInt4Array}, I4("2")}), "{1,2}");
  EXPECT_EQ(call("cardinality", {{"{}", kInt4Array}}), "0");
  std::string u = call("gen_random_uuid", {});
  EXPECT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '4');
  EXPECT_EQ(call("greatest", {I4("1"), I4("5"), I4("3")}), "5");
}

Datum run_agg(const char* name, Oid type, const std::vector<const char*>& vals, Oid* result_type,
              const char* second = nullptr) {
  std::vector<Oid> types = {type};
  if (second) types.push_back(kText);
  const AggregateDef* def = resolve_aggregate(name, types);
  EXPECT_NE(def, nullptr) << name;
  *result_type = aggregate_result_type(*def, types);
  std::any st = def->init();
  for (const char* v : vals) {
    Datum d = v ? from_text(v, TypeRef{type, -1}) : Datum::Null();
    std::vector<Datum> args = {d};
    if (second) args.push_back(Datum(second));
    if (def->strict && d.is_null()) continue;
    def->step(st, args);
  }
  return def->final(st);
}

std::string agg(const char* name, Oid type, const std::vector<const char*>& vals,
                const char* second = nullptr) {
  Oid rt;
  Datum d = run_agg(name, type, vals, &rt, second);
  return d.is_null() ? "NULL" : to_text(d, TypeRef{rt, -1});
}

TEST(Aggregates, Basic) {
  const AggregateDef* star = resolve_aggregate("count", {});
  ASSERT_NE(star, nullptr);
  std::any st = star->init();
  star->step(st, {});
  star->step(st, {});
  EXPECT_EQ(star->final(st).as_int(), 2);
  EXPECT_EQ(agg("count", kInt4, {"1", nullptr, "3"}), "2");
  EXPECT_EQ(resolve_aggregate("sum", {kInt4})->result, kInt8);
  EXPECT_EQ(resolve_aggregate("sum", {kInt8})->result, kNumeric);
  EXPECT_EQ(resolve_aggregate("avg", {kInt4})->result, kNumeric);
  EXPECT_EQ(agg("sum", kInt4, {"1", "2", nullptr}), "3");
  EXPECT_EQ(agg("sum", kInt4, {}), "NULL");
  EXPECT_EQ(agg("sum", kInt8, {"9223372036854775807", "1"}), "9223372036854775808");
  EXPECT_EQ(agg("avg", kInt4, {"1", "2"}), "1.5000000000000000");
  EXPECT_EQ(agg("avg", kNumeric, {"1.5", "2.25"}), "1.8750000000000000");
  EXPECT_EQ(agg("sum", kNumeric, {"1.5", "2.25"}), "3.75");
  EXPECT_EQ(agg("avg", kFloat8, {"1", "2"}), "1.5");
  EXPECT_EQ(agg("max", kInt4, {"1", "7", "3"}), "7");
  EXPECT_EQ(agg("min", kText, {"b", "a", "c"}), "a");
  EXPECT_EQ(agg("max", kDate, {"2024-01-01", "2023-01-01"}), "2024-01-01");
  EXPECT_EQ(agg("bool_and", kBool, {"t", "f"}), "f");
  EXPECT_EQ(agg("bool_or", kBool, {"t", "f"}), "t");
  EXPECT_EQ(agg("string_agg", kText, {"a", nullptr, "b"}, ","), "a,b");
  EXPECT_EQ(agg("array_agg", kInt4, {"1", nullptr, "3"}), "{1,NULL,3}");
  EXPECT_EQ(agg("max", kVarchar, {"a", "b"}), "b");  // via text
}

}  // namespace
}  // namespace hf::sql::types

namespace hf::sql::types {
namespace {
TEST(Functions, RegexpAndMakeInterval) {
  EXPECT_EQ(call("regexp_replace", {U("foobarbaz"), U("b(..)"), U("X\\1Y")}), "fooXarYbaz");
  EXPECT_EQ(call("regexp_replace", {U("foobarbaz"), U("b(..)"), U("X\\1Y"), U("g")}),
            "fooXarYXazY");
  EXPECT_EQ(
      call("make_interval", {I4("1"), I4("2"), I4("1"), I4("3"), I4("4"), I4("5"), F8("6.5")}),
      "1 year 2 mons 10 days 04:05:06.5");
}

// PostgreSQL 15's regexp functions (their values as psql printed them on PostgreSQL 15).
TEST(Functions, RegexpMatchSplitCountInstrSubstr) {
  EXPECT_EQ(call("regexp_match", {U("foobarbequebaz"), U("(bar)(.+)?(beque)")}),
            "{bar,NULL,beque}");
  EXPECT_EQ(call("regexp_match", {U("abc"), U("x")}), "NULL");
  EXPECT_EQ(call("regexp_match", {U("abc"), U("")}), "{\"\"}");
  EXPECT_EQ(call("regexp_match", {U("ABC"), U("b"), U("ic")}), "NULL");
  EXPECT_EQ(call("regexp_match", {U("ABC"), U("b"), U("ci")}), "{B}");
  EXPECT_EQ(call("regexp_match", {U("a\nb"), U("a.b"), U("n")}), "NULL");
  EXPECT_EQ(call("regexp_match", {U("abc\n"), U("c$")}), "NULL");
  EXPECT_EQ(call("regexp_match", {U("the quick"), U("\\mq\\w+")}), "{quick}");
  try {
    call("regexp_match", {U("abc"), U("b"), U("g")});
    ADD_FAILURE() << "g accepted";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().message, "regexp_match() does not support the \"global\" option");
    EXPECT_EQ(e.error().hint, "Use the regexp_matches function instead.");
  }
  EXPECT_EQ(call("regexp_split_to_array", {U("123456"), U("")}), "{1,2,3,4,5,6}");
  EXPECT_EQ(call("regexp_split_to_array", {U("123456"), U(".")}),
            "{\"\",\"\",\"\",\"\",\"\",\"\",\"\"}");
  EXPECT_EQ(call("regexp_split_to_array", {U(""), U("")}), "{\"\"}");
  EXPECT_EQ(call("regexp_split_to_array", {U("the quick  fox"), U("\\s*")}),
            "{t,h,e,q,u,i,c,k,f,o,x}");
  EXPECT_EQ(call("regexp_count", {U("abc"), U("x*")}), "4");
  EXPECT_EQ(call("regexp_count", {U("123123123123"), U("123"), I4("3")}), "3");
  EXPECT_EQ(call("regexp_instr", {U("héllo"), U("l+"), I4("1"), I4("1"), I4("1")}), "5");
  EXPECT_EQ(
      call("regexp_instr", {U("foo"), U("foo(bar)?"), I4("1"), I4("1"), I4("0"), U(""), I4("1")}),
      "0");
  EXPECT_EQ(call("regexp_substr",
                 {U("1234567890"), U("(123)(4(56)(78))"), I4("1"), I4("1"), U("i"), I4("3")}),
            "56");
  EXPECT_EQ(call("regexp_like", {U("a\nd"), U("a.d"), U("s")}), "t");
}
}  // namespace
}  // namespace hf::sql::types

namespace hf::sql::types {
namespace {

// format() as PostgreSQL 15 prints it (issue 13: PL/pgSQL's EXECUTE format(...)).
TEST(Functions, Format) {
  auto t = [](const char* s) { return Val{s, kText}; };
  auto i = [](const char* s) { return Val{s, kInt4}; };
  EXPECT_EQ(
      call("format", {t("UPDATE %I SET a = %L WHERE b = %s"), t("My Tab"), t("it's"), i("3")}),
      "UPDATE \"My Tab\" SET a = 'it''s' WHERE b = 3");
  EXPECT_EQ(call("format", {t("%2$s %1$s %%"), t("a"), t("b")}), "b a %");
  EXPECT_EQ(call("format", {t("[%-4s|%4s]"), t("x"), t("y")}), "[x   |   y]");
  EXPECT_EQ(call("format", {t("%L %s."), t("NULL"), t("NULL")}), "NULL .");
  EXPECT_THROW(call("format", {t("%s %s"), t("a")}), SqlError);
  EXPECT_THROW(call("format", {t("%x"), t("a")}), SqlError);
  EXPECT_THROW(call("format", {t("%I"), t("NULL")}), SqlError);
}

}  // namespace
}  // namespace hf::sql::types
