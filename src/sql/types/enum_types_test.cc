// Tests for enum types in the type layer: the registry, I/O, ordering by sort order (not by
// spelling), key and row codecs, casts and the operators and functions that take anyenum.
#include "sql/types/enum_types.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "sql/types/cast.h"
#include "sql/types/compare.h"
#include "sql/types/functions.h"
#include "sql/types/key_codec.h"
#include "sql/types/row_codec.h"
#include "sql/types/type_info.h"
#include "sql/types/type_io.h"

namespace hf::sql::types {
namespace {

// Oids far from any other test's, so tests in one process do not collide in the registry.
constexpr Oid kState = 900001, kStateArray = 900002;

class EnumTypesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EnumType t;
    t.oid = kState;
    t.array_oid = kStateArray;
    t.namespace_oid = 2200;
    t.schema_name = "public";
    t.name = "job_state";
    // Declared order differs from alphabetical order; 'queued' was added between two labels.
    t.labels = {{1, 1, "created"},
                {5, 1.5, "queued"},
                {2, 2, "retry"},
                {3, 3, "active"},
                {4, 4, "completed"}};
    enum_types().put(std::make_shared<const EnumType>(std::move(t)));
  }
  void TearDown() override { enum_types().erase(kState); }
  static TypeRef type() { return TypeRef{kState, -1}; }
};

TEST_F(EnumTypesTest, TypeInfoAndFormat) {
  const TypeInfo* ti = find_type(kState);
  ASSERT_NE(ti, nullptr);
  EXPECT_EQ(ti->category, 'E');
  EXPECT_STREQ(ti->name, "job_state");
  EXPECT_EQ(array_type_of(kState), kStateArray);
  EXPECT_EQ(array_elem_type(kStateArray), kState);
  EXPECT_EQ(format_type(type()), "job_state");
  EXPECT_EQ(format_type(TypeRef{kStateArray, -1}), "job_state[]");
  EnumType other;  // another catalog's definition: erasing it leaves the registered one
  enum_types().erase(kState, &other);
  EXPECT_NE(find_type(kState), nullptr);
  enum_types().erase(kState);
  EXPECT_EQ(find_type(kState), nullptr);  // a dropped type is gone from the type layer
}

TEST_F(EnumTypesTest, InputRefusesUnknownLabels) {
  EXPECT_EQ(from_text("retry", type()).as_string(), "retry");
  EXPECT_EQ(to_text(Datum("retry"), type()), "retry");
  try {
    from_text("zzz", type());
    FAIL() << "no error";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "22P02");
    EXPECT_EQ(e.error().message, "invalid input value for enum job_state: \"zzz\"");
  }
  EXPECT_THROW(from_binary("zzz", type()), SqlError);
  EXPECT_EQ(from_binary("active", type()).as_string(), "active");
}

TEST_F(EnumTypesTest, OrdersBySortOrderInCompareAndKeys) {
  const char* declared[] = {"created", "queued", "retry", "active", "completed"};
  for (size_t i = 0; i + 1 < std::size(declared); ++i) {
    Datum a(declared[i]), b(declared[i + 1]);
    EXPECT_LT(compare(a, b, kState), 0) << declared[i] << " < " << declared[i + 1];
    std::string ka, kb;
    encode_key(ka, a, kState);
    encode_key(kb, b, kState);
    EXPECT_LT(ka, kb) << declared[i];
    std::string_view in = ka;
    EXPECT_EQ(decode_key(in, kState).as_string(), declared[i]);
    EXPECT_TRUE(in.empty());
  }
  EXPECT_TRUE(equal(Datum("retry"), Datum("retry"), kState));
  EXPECT_EQ(hash(Datum("retry"), kState), hash(Datum("retry"), kState));
}

TEST_F(EnumTypesTest, RowCodecAndArrays) {
  auto arr = std::make_shared<std::vector<Datum>>(std::vector<Datum>{Datum("active"), Datum()});
  Row row{Datum("queued"), Datum(ArrayPtr(arr))};
  std::vector<TypeRef> types{type(), TypeRef{kStateArray, -1}};
  Row back = decode_row(encode_row(row, types), types);
  EXPECT_EQ(back[0].as_string(), "queued");
  EXPECT_EQ(to_text(back[1], types[1]), "{active,NULL}");
  EXPECT_EQ(to_text(from_text("{retry,created}", types[1]), types[1]), "{retry,created}");
  EXPECT_THROW(from_text("{retry,nope}", types[1]), SqlError);
}

TEST_F(EnumTypesTest, CastsAndOperators) {
  EXPECT_TRUE(can_cast(type_oid::kUnknown, kState, CastContext::kImplicit));
  EXPECT_TRUE(can_cast(kState, type_oid::kText, CastContext::kAssignment));
  EXPECT_FALSE(can_cast(type_oid::kText, kState, CastContext::kAssignment));
  EXPECT_TRUE(can_cast(type_oid::kText, kState, CastContext::kExplicit));
  EXPECT_EQ(cast(Datum("active"), type(), TypeRef{type_oid::kText, -1}).as_string(), "active");
  EXPECT_THROW(cast(Datum("x"), TypeRef{type_oid::kText, -1}, type()), SqlError);
  const OperatorDef* lt = resolve_operator("<", kState, kState);
  ASSERT_NE(lt, nullptr);
  FuncContext ctx;
  EXPECT_TRUE(lt->fn({Datum("retry"), Datum("active")}, {type(), type()}, ctx).as_bool());
  EXPECT_FALSE(lt->fn({Datum("active"), Datum("retry")}, {type(), type()}, ctx).as_bool());
  EXPECT_EQ(resolve_operator("<", kState, type_oid::kInt4), nullptr);
  const AggregateDef* max = resolve_aggregate("max", {kState});
  ASSERT_NE(max, nullptr);
  std::any st = max->init();
  for (const char* l : {"retry", "active", "queued"}) max->step(st, {Datum(l)});
  EXPECT_EQ(max->final(st).as_string(), "active");
  const FunctionDef* range = resolve_function("enum_range", {kState});
  ASSERT_NE(range, nullptr);
  EXPECT_EQ(function_result_type(*range, {kState}), kStateArray);
  Datum all = range->fn({Datum()}, {type()}, ctx);
  EXPECT_EQ(to_text(all, TypeRef{kStateArray, -1}), "{created,queued,retry,active,completed}");
}

}  // namespace
}  // namespace hf::sql::types
