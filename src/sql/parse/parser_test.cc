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

// PostgreSQL's pg_verify_mbstr: invalid UTF-8 is 22021 with the offending character's bytes
// (found by the fuzz campaign: an invalid name broke the catalog's JSON).
TEST(Parser, InvalidUtf8Is22021) {
  const std::pair<const char*, const char*> cases[] = {
      {"CREATE TABLE t\xff (a int)", "0xff"},      {"SELECT '\xa4'", "0xa4"},
      {"SELECT '\xe2\x28\xa1'", "0xe2 0x28 0xa1"},  // bad second byte
      {"SELECT '\xed\xa0\x80'", "0xed 0xa0 0x80"},  // a surrogate
      {"SELECT '\xc0\xaf'", "0xc0 0xaf"},           // overlong
      {"SELECT 1 \xf0\x9f", "0xf0 0x9f"},           // cut off at the end
  };
  for (const auto& [sql, bytes] : cases) {
    try {
      parse_sql(sql);
      ADD_FAILURE() << sql;
    } catch (const SqlError& e) {
      EXPECT_EQ(e.error().sqlstate, "22021") << sql;
      EXPECT_EQ(e.error().message,
                std::string("invalid byte sequence for encoding \"UTF8\": ") + bytes);
    }
  }
  EXPECT_EQ(parse_sql("SELECT 'h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80'").size(), 1u);
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
