// tests/sql/schemas_test.cc — schemas through the engine over a real local node: schemas and
// the tables in them survive a restart, CREATE/DROP SCHEMA are undone with their transaction,
// the same table name lives in two schemas, and search_path settings are read as PostgreSQL
// reads them.
#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "sql/sql_test_util.h"

namespace hf::sql::testing {
namespace {

std::string one(SqlHarness& h, const std::string& sql) {
  auto r = h.exec(sql);
  return r.rows.empty() ? std::string("<no rows>") : r.rows[0][0];
}

TEST(SearchPath, SettingIsSplitLikeSplitIdentifierString) {
  using V = std::vector<std::string>;
  EXPECT_EQ(catalog::parse_search_path("\"$user\", public"), (V{"$user", "public"}));
  EXPECT_EQ(catalog::parse_search_path("  S3 ,Public"), (V{"s3", "public"}));
  EXPECT_EQ(catalog::parse_search_path("\"My\"\"Schema\",x"), (V{"My\"Schema", "x"}));
  EXPECT_EQ(catalog::parse_search_path(""), V{});
}

TEST(Schemas, TablesOfTheSameNameInTwoSchemasSurviveRestart) {
  SqlHarness h("/tmp/hf-schemas-restart");
  h.exec("CREATE SCHEMA s1");
  h.exec("CREATE TABLE s1.t (id serial PRIMARY KEY, v text)");
  h.exec("CREATE TABLE t (id int PRIMARY KEY)");
  h.exec("INSERT INTO s1.t (v) VALUES ('in s1')");
  h.restart();
  auto sc = h.catalog().find_schema("s1");
  ASSERT_TRUE(sc.has_value());
  auto in_s1 = h.catalog().find_table_in(sc->oid, "t");
  auto in_public = h.catalog().find_table("t");
  ASSERT_TRUE(in_s1 && in_public);
  EXPECT_NE(in_s1->oid, in_public->oid);
  EXPECT_EQ(one(h, "SELECT v FROM s1.t"), "in s1");
  EXPECT_EQ(one(h, "SELECT count(*) FROM t"), "0");
  EXPECT_EQ(one(h,
                "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.oid = 's1.t'::regclass"),
            "s1");
  // The serial's sequence is found by its qualified name (a restart skips its cached values).
  EXPECT_NE(one(h, "SELECT nextval('s1.t_id_seq')"), "1");
}

TEST(Schemas, SearchPathChoosesWhereUnqualifiedNamesGo) {
  SqlHarness h("/tmp/hf-schemas-path");
  h.exec("CREATE SCHEMA a");
  h.session().settings["search_path"] = "a, public";
  h.exec("CREATE TABLE w (x int)");
  EXPECT_TRUE(h.catalog().find_table_in(h.catalog().find_schema("a")->oid, "w"));
  EXPECT_FALSE(h.catalog().find_table("w"));
  EXPECT_EQ(one(h, "SELECT current_schema()"), "a");
  h.session().settings["search_path"] = "nosuch";
  EXPECT_EQ(one(h, "SELECT current_schema()"), "NULL");
  try {
    h.exec("CREATE TABLE z (x int)");
    ADD_FAILURE() << "created a table with an empty search path";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "3F000");
    EXPECT_EQ(e.error().message, "no schema has been selected to create in");
  }
}

TEST(Schemas, CreateAndDropAreUndoneWithTheirTransaction) {
  SqlHarness h("/tmp/hf-schemas-undo");
  h.exec("CREATE SCHEMA kept");
  const Oid kept = h.catalog().find_schema("kept")->oid;
  auto txn = h.txns().begin({});
  h.catalog().create_schema(catalog::Schema{0, "gone"}, txn.get());
  h.catalog().drop_schema(kept, txn.get());
  EXPECT_TRUE(h.catalog().find_schema("gone").has_value());
  EXPECT_FALSE(h.catalog().find_schema("kept").has_value());
  txn->abort();
  EXPECT_TRUE(h.catalog().find_schema("kept").has_value());
  EXPECT_FALSE(h.catalog().find_schema("gone").has_value());
  h.exec("DROP SCHEMA kept");
  h.restart();
  EXPECT_FALSE(h.catalog().find_schema("kept").has_value());
}

}  // namespace
}  // namespace hf::sql::testing
