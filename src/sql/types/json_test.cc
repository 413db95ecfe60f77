// Tests for json/jsonb (json.h): normal form, errors, order, containment and the operators and
// functions, against PostgreSQL 15's observed output.
#include "sql/types/json.h"

#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "sql/types/cast.h"
#include "sql/types/compare.h"
#include "sql/types/functions.h"
#include "sql/types/type_io.h"

namespace hf::sql::types {
namespace {

using namespace hf::type_oid;  // NOLINT

std::string jb(std::string_view s) {
  return json::jsonb_in(s);
}

// Runs `l op r` on jsonb l (r of type rt given as text); "NULL" for a NULL result.
std::string op(std::string_view l, const char* name, std::string_view r, Oid rt = kJsonb) {
  const OperatorDef* def = resolve_operator(name, kJsonb, rt);
  EXPECT_NE(def, nullptr) << name;
  if (def == nullptr) return "<none>";
  FuncContext ctx;
  Datum rd = from_text(r, TypeRef{rt, -1});
  Datum out = def->fn({from_text(l, TypeRef{kJsonb, -1}), rd}, {{kJsonb, -1}, {rt, -1}}, ctx);
  if (out.is_null()) return "NULL";
  return to_text(out, TypeRef{def->result, -1});
}

Error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const SqlError& e) {
    return e.error();
  }
  return Error{"none", "", "", "", 0, "", ""};
}

TEST(Jsonb, NormalForm) {
  EXPECT_EQ(jb(R"({"b":1,"a":2,"aa":3, "a":5})"), R"({"a": 5, "b": 1, "aa": 3})");
  EXPECT_EQ(jb("[1.50, 1e2, -0, 1.5e-3, 100e-2, 0.0e5, -0.0]"),
            "[1.50, 100, 0, 0.0015, 1.00, 0, 0.0]");
  EXPECT_EQ(jb(R"(  {"a" : [ true,false , null,"x\ny\u00e9\"" ]} )"),
            "{\"a\": [true, false, null, \"x\\ny\xc3\xa9\\\"\"]}");
  EXPECT_EQ(jb("{}"), "{}");
  EXPECT_EQ(jb("[]"), "[]");
  EXPECT_EQ(jb(R"("\u0001")"), R"("\u0001")");
  EXPECT_EQ(jb("123456789012345678901234567890123456789012345"),
            "123456789012345678901234567890123456789012345");
  // json keeps its text.
  EXPECT_EQ(json::json_in(R"({"b":1,  "a":2, "b":3})"), R"({"b":1,  "a":2, "b":3})");
}

TEST(Jsonb, SyntaxErrors) {
  Error e = error_of([] { jb(R"({"a":tru})"); });
  EXPECT_EQ(e.sqlstate, "22P02");
  EXPECT_EQ(e.message, "invalid input syntax for type json");
  EXPECT_EQ(e.detail, "Token \"tru\" is invalid.");
  EXPECT_EQ(e.context, "JSON data, line 1: {\"a\":tru...");
  e = error_of([] { jb(R"({"a":1)"); });
  EXPECT_EQ(e.detail, "The input string ended unexpectedly.");
  EXPECT_EQ(e.context, "JSON data, line 1: {\"a\":1");
  e = error_of([] {
    jb(R"({"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":1 2})");
  });
  EXPECT_EQ(e.detail, "Expected \",\" or \"}\", but found \"2\".");
  EXPECT_EQ(e.context,
            "JSON data, line 1: ...aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":1 2...");
  e = error_of([] { jb(R"("\u0000")"); });
  EXPECT_EQ(e.sqlstate, "22P05");
  EXPECT_EQ(e.message, "unsupported Unicode escape sequence");
  EXPECT_EQ(e.detail, "\\u0000 cannot be converted to text.");
  e = error_of([] { jb("[1,]"); });
  EXPECT_EQ(e.detail, "Expected JSON value, but found \"]\".");
  e = error_of([] { jb("{1:2}"); });
  EXPECT_EQ(e.detail, "Expected string or \"}\", but found \"1\".");
  e = error_of([] { jb("[1] x"); });
  EXPECT_EQ(e.detail, "Token \"x\" is invalid.");
  e = error_of([] { jb("[1] 2"); });
  EXPECT_EQ(e.detail, "Expected end of input, but found \"2\".");
  e = error_of([] { jb(R"("\ud83d")"); });
  EXPECT_EQ(e.detail, "Unicode low surrogate must follow a high surrogate.");
  EXPECT_EQ(e.context, R"(JSON data, line 1: "\ud83d")");
  e = error_of([] { jb(R"("\u12)"); });
  EXPECT_EQ(e.detail, R"(Token ""\u12" is invalid.)");
  // json does not de-escape, so lone surrogates pass as PostgreSQL lets them.
  EXPECT_EQ(json::json_in(R"(["\ud83d", "\ude00x"])"), R"(["\ud83d", "\ude00x"])");
  e = error_of([] { json::json_in("[1,2"); });
  EXPECT_EQ(e.detail, "The input string ended unexpectedly.");
}

TEST(Jsonb, DeepNestingIsAnErrorNotACrash) {
  std::string deep(200000, '[');
  Error e = error_of([&] { jb(deep); });
  EXPECT_EQ(e.sqlstate, "54001");
  std::string ok = std::string(500, '[') + std::string(500, ']');
  EXPECT_EQ(jb(ok), ok);
}

TEST(Jsonb, Order) {
  auto cmp = [](std::string_view a, std::string_view b) {
    return compare(Datum(jb(a)), Datum(jb(b)), kJsonb);
  };
  EXPECT_EQ(cmp("1", "1.0"), 0);
  EXPECT_LT(cmp("null", "\"a\""), 0);
  EXPECT_LT(cmp("\"a\"", "1"), 0);
  EXPECT_LT(cmp("1", "true"), 0);
  EXPECT_LT(cmp("true", "[1]"), 0);
  EXPECT_LT(cmp("[]", "null"), 0);  // a top-level scalar is a one-element array
  EXPECT_LT(cmp("[1,2,3]", "{}"), 0);
  EXPECT_LT(cmp("[5]", "[1,2]"), 0);
  EXPECT_LT(cmp(R"({"b":1})", R"({"a":1,"b":1})"), 0);
  EXPECT_LT(cmp("-2", "-1.5"), 0);
  EXPECT_GT(cmp("10", "9.99"), 0);
}

TEST(Jsonb, HashKeyMakesEqualValuesEqual) {
  EXPECT_EQ(json::jsonb_hash_key(jb(R"({"a":[1.0, 2.50]})")),
            json::jsonb_hash_key(jb(R"({"a":[1, 2.5]})")));
  EXPECT_NE(json::jsonb_hash_key(jb("10")), json::jsonb_hash_key(jb("1.0")));
  EXPECT_EQ(json::jsonb_hash_key(jb(R"("1.00")")), R"("1.00")");  // strings stay as they are
}

TEST(Jsonb, Containment) {
  EXPECT_EQ(op(R"({"a":1,"b":[1,2,{"c":3}]})", "@>", R"({"b":[{"c":3}]})"), "t");
  EXPECT_EQ(op(R"({"a":1})", "@>", R"({"a":1.0})"), "t");
  EXPECT_EQ(op(R"({"a":1})", "@>", R"({"a":"1"})"), "f");
  EXPECT_EQ(op("[1,2,3]", "@>", "[3,1,1]"), "t");
  EXPECT_EQ(op("[1,2,3]", "@>", "1"), "t");
  EXPECT_EQ(op("1", "@>", "[1]"), "f");
  EXPECT_EQ(op("[[1,2]]", "@>", "[1]"), "f");
  EXPECT_EQ(op("[[1,2]]", "@>", "[[1]]"), "t");
  EXPECT_EQ(op(R"({"a":1})", "<@", R"({"a":1,"b":2})"), "t");
}

TEST(Jsonb, Operators) {
  EXPECT_EQ(op(R"({"a":{"b":"x"}})", "->", "a", kText), R"({"b": "x"})");
  EXPECT_EQ(op(R"({"a":"x"})", "->>", "a", kText), "x");
  EXPECT_EQ(op(R"({"a":null})", "->>", "a", kText), "NULL");
  EXPECT_EQ(op("[1,2,3]", "->", "-1", kInt4), "3");
  EXPECT_EQ(op("[1,2,3]", "->", "3", kInt4), "NULL");
  EXPECT_EQ(op(R"({"a":[1,{"b":"y"}]})", "#>>", "{a,1,b}", kTextArray), "y");
  EXPECT_EQ(op(R"({"a":[1,{"b":"y"}]})", "#>", "{a,x}", kTextArray), "NULL");
  EXPECT_EQ(op(R"({"a":1,"b":2})", "||", R"({"b":3,"c":4})"), R"({"a": 1, "b": 3, "c": 4})");
  EXPECT_EQ(op("[1]", "||", R"({"a":1})"), R"([1, {"a": 1}])");
  EXPECT_EQ(op("1", "||", "2"), "[1, 2]");
  EXPECT_EQ(op(R"({"a":1,"b":2})", "-", "a", kText), R"({"b": 2})");
  EXPECT_EQ(op(R"(["a","b","a"])", "-", "a", kText), R"(["b"])");
  EXPECT_EQ(op("[1,2,3]", "-", "-1", kInt4), "[1, 2]");
  EXPECT_EQ(op(R"({"a":1,"b":2,"c":3})", "-", "{a,c}", kTextArray), R"({"b": 2})");
  EXPECT_EQ(op(R"({"a":[1,2]})", "#-", "{a,0}", kTextArray), R"({"a": [2]})");
  EXPECT_EQ(op(R"({"a":1})", "?", "a", kText), "t");
  EXPECT_EQ(op(R"(["a"])", "?", "a", kText), "t");
  EXPECT_EQ(op(R"({"a":1})", "?|", "{x,a}", kTextArray), "t");
  EXPECT_EQ(op(R"({"a":1})", "?&", "{x,a}", kTextArray), "f");
  EXPECT_EQ(op(R"({"a":1, "b":[1]})", "=", R"({"b":[1.0],"a":1})"), "t");
  Error e = error_of([] { op("1", "-", "a", kText); });
  EXPECT_EQ(e.message, "cannot delete from scalar");
}

std::string call(const char* name, std::vector<std::pair<std::string, Oid>> args) {
  std::vector<Oid> ts;
  std::vector<Datum> vals;
  std::vector<TypeRef> refs;
  for (auto& [text, t] : args) {
    ts.push_back(t);
    refs.push_back({t, -1});
    vals.push_back(from_text(text, TypeRef{t, -1}));
  }
  const FunctionDef* def = resolve_function(name, ts);
  EXPECT_NE(def, nullptr) << name;
  if (!def) return "<none>";
  FuncContext ctx;
  Datum out = def->fn(vals, refs, ctx);
  return out.is_null() ? "NULL" : to_text(out, TypeRef{def->result, -1});
}

TEST(Jsonb, Functions) {
  EXPECT_EQ(call("jsonb_set", {{R"({"a":[1,2]})", kJsonb}, {"{a,5}", kTextArray}, {"9", kJsonb}}),
            R"({"a": [1, 2, 9]})");
  EXPECT_EQ(call("jsonb_set",
                 {{R"({"a":1})", kJsonb}, {"{b}", kTextArray}, {"2", kJsonb}, {"false", kBool}}),
            R"({"a": 1})");
  EXPECT_EQ(call("jsonb_set", {{R"({"a":1})", kJsonb}, {"{b}", kTextArray}, {"2", kJsonb}}),
            R"({"a": 1, "b": 2})");
  EXPECT_EQ(call("jsonb_typeof", {{"1.5", kJsonb}}), "number");
  EXPECT_EQ(call("json_typeof", {{" [] ", kJson}}), "array");
  EXPECT_EQ(call("jsonb_array_length", {{"[1,[2,3]]", kJsonb}}), "2");
  EXPECT_EQ(call("jsonb_strip_nulls", {{R"({"a":null,"b":[null,{"c":null}]})", kJsonb}}),
            R"({"b": [null, {}]})");
  EXPECT_EQ(call("jsonb_pretty", {{R"({"a":[],"b":[1]})", kJsonb}}),
            "{\n    \"a\": [\n    ],\n    \"b\": [\n        1\n    ]\n}");
  EXPECT_EQ(call("json_build_object", {{"a", kText}, {"1", kInt4}, {"b", kText}, {"x", kText}}),
            R"({"a" : 1, "b" : "x"})");
  EXPECT_EQ(call("jsonb_build_object", {{"b", kText}, {"1", kInt4}, {"a", kText}, {"t", kBool}}),
            R"({"a": true, "b": 1})");
  EXPECT_EQ(call("json_build_array", {{"1", kInt4}, {"{1,2}", kInt4Array}}), "[1, [1,2]]");
  EXPECT_EQ(call("to_jsonb", {{"2020-01-02 03:04:05", kTimestamp}}), R"("2020-01-02T03:04:05")");
  EXPECT_EQ(call("to_json", {{"a\"b", kText}}), R"("a\"b")");
}

TEST(Jsonb, Aggregates) {
  const AggregateDef* agg = resolve_aggregate("json_agg", {kInt4});
  ASSERT_NE(agg, nullptr);
  std::any st = agg->init();
  agg->step(st, {Datum(int64_t{1})});
  agg->step(st, {Datum::Null()});
  EXPECT_EQ(agg->final(st).as_string(), "[1, null]");
  agg = resolve_aggregate("jsonb_object_agg", {kText, kJsonb});
  ASSERT_NE(agg, nullptr);
  st = agg->init();
  agg->step(st, {Datum(std::string("b")), Datum(jb("[1]"))});
  agg->step(st, {Datum(std::string("a")), Datum(jb("2"))});
  EXPECT_EQ(agg->final(st).as_string(), R"({"a": 2, "b": [1]})");
}

TEST(Jsonb, Casts) {
  Datum d(jb("1.5"));
  EXPECT_EQ(cast(d, {kJsonb, -1}, {kInt4, -1}, CastContext::kExplicit).as_int(), 2);
  Error e = error_of([&] {
    cast(Datum(jb("\"x\"")), {kJsonb, -1}, {kInt4, -1}, CastContext::kExplicit);
  });
  EXPECT_EQ(e.message, "cannot cast jsonb string to type integer");
  EXPECT_EQ(cast(Datum(std::string(R"({"b":1, "a":2})")), {kJson, -1}, {kJsonb, -1},
                 CastContext::kExplicit)
                .as_string(),
            R"({"a": 2, "b": 1})");
}

}  // namespace
}  // namespace hf::sql::types
