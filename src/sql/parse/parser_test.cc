// sql/parse/parser_test.cc — splitting, session-statement recognition, syntax errors.
#include "sql/parse/parser.h"

#include <gtest/gtest.h>

namespace hf::sql::parse {
namespace {

TEST(Parser, SplitsStatements) {
  auto v = parse_sql("SELECT 1; BEGIN ISOLATION LEVEL REPEATABLE READ; SET LOCAL a = 'x'; COMMIT");
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].kind, StatementKind::kQuery);
  EXPECT_EQ(v[0].text, "SELECT 1");
  EXPECT_EQ(v[1].kind, StatementKind::kBegin);
  EXPECT_EQ(v[1].isolation, "repeatable read");
  EXPECT_EQ(v[2].kind, StatementKind::kSet);
  EXPECT_TRUE(v[2].is_local);
  EXPECT_EQ(v[2].name, "a");
  ASSERT_EQ(v[2].values.size(), 1u);
  EXPECT_EQ(v[2].values[0], "x");
  EXPECT_EQ(v[3].kind, StatementKind::kCommit);
  EXPECT_EQ(v[3].tag, "COMMIT");
}

TEST(Parser, SyntaxErrorHasPostgresMessageAndPosition) {
  try {
    parse_sql("SELECT 1; SELEC 2");
    FAIL();
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "42601");
    EXPECT_EQ(e.error().message, "syntax error at or near \"SELEC\"");
    EXPECT_EQ(e.error().position, 11);
  }
}

TEST(Parser, EmptyQuery) {
  auto v = parse_sql("  ");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, StatementKind::kEmpty);
}

TEST(Parser, SavepointsShowAndTags) {
  auto v = parse_sql(
      "SAVEPOINT s1; ROLLBACK TO SAVEPOINT s1; RELEASE s1; SHOW work_mem; CREATE TABLE t (a int)");
  EXPECT_EQ(v[0].kind, StatementKind::kSavepoint);
  EXPECT_EQ(v[0].name, "s1");
  EXPECT_EQ(v[1].kind, StatementKind::kRollbackTo);
  EXPECT_EQ(v[2].kind, StatementKind::kRelease);
  EXPECT_EQ(v[3].kind, StatementKind::kShow);
  EXPECT_EQ(v[3].name, "work_mem");
  EXPECT_EQ(v[4].tag, "CREATE TABLE");
}

TEST(Parser, DeparsesExpressions) {
  const PgQuery__Node* n = nullptr;
  auto tree = parse_expression("lower(k) || 'x'", &n);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(deparse_expr(n), "lower(k) || 'x'");
}

}  // namespace
}  // namespace hf::sql::parse
