// tests/sql/uncommitted_ddl_test.cc — a creation is visible to other transactions only once
// its transaction commits (issue 13; catalog.h, "Uncommitted creations"), over a real local
// node: another thread (a session of its own) does not find it by name or oid nor in the
// listings until the commit; a rollback leaves nothing; a restart before the commit drops it.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "catalog/catalog.h"
#include "sql/sql_test_util.h"

namespace hf::sql::testing {
namespace {

catalog::Table table_named(const std::string& name) {
  catalog::Table t;
  t.name = name;
  t.columns.push_back({"id", TypeRef{type_oid::kInt4, -1}});
  return t;
}

// Runs fn on a thread of its own: the catalog tells its DDL's viewers apart per fiber or, as
// here, per plain thread.
template <typename Fn>
void on_other_session(Fn fn) {
  std::thread th(fn);
  th.join();
}

bool listed(const std::vector<catalog::TablePtr>& ts, Oid oid) {
  for (const auto& t : ts)
    if (t->oid == oid) return true;
  return false;
}

TEST(UncommittedDdl, OthersSeeACreationFromItsCommitOn) {
  SqlHarness h("/tmp/hf-uncommitted-ddl-commit");
  auto& cat = h.catalog();
  auto txn = h.txns().begin({});
  Oid table = 0, schema = 0, seq = 0;
  on_other_session([&] {
    schema = cat.create_schema(catalog::Schema{0, "sc"}, txn.get());
    table = cat.create_table(table_named("t"), txn.get())->oid;
    catalog::Sequence s;
    s.name = "sq";
    seq = cat.create_sequence(s, txn.get());
    // The creator sees them.
    EXPECT_TRUE(cat.find_table("t"));
    EXPECT_TRUE(cat.find_schema("sc"));
    EXPECT_TRUE(cat.sequence_by_oid(seq));
  });
  // Another session does not: by name, by oid, in the listings.
  EXPECT_FALSE(cat.find_table("t"));
  EXPECT_FALSE(cat.table_by_oid(table));
  EXPECT_FALSE(listed(cat.tables(), table));
  EXPECT_FALSE(cat.find_schema("sc"));
  EXPECT_FALSE(cat.schema_by_oid(schema));
  EXPECT_FALSE(cat.sequence_by_oid(seq));
  EXPECT_FALSE(cat.find_sequence_in(catalog::kPublicNamespaceId, "sq"));
  EXPECT_FALSE(cat.relation_exists("t"));
  // ... but a CREATE of the same name learns whose they are (and waits for it).
  EXPECT_EQ(cat.uncommitted_relation("t", 0, catalog::kPublicNamespaceId), table);
  EXPECT_EQ(cat.uncommitted_relation("sq", 0, catalog::kPublicNamespaceId), seq);
  EXPECT_EQ(cat.uncommitted_schema("sc"), schema);
  txn->commit();
  EXPECT_EQ(cat.find_table("t")->oid, table);
  EXPECT_TRUE(listed(cat.tables(), table));
  EXPECT_TRUE(cat.find_schema("sc"));
  EXPECT_TRUE(cat.sequence_by_oid(seq));
  EXPECT_EQ(cat.uncommitted_relation("t", 0, catalog::kPublicNamespaceId), 0u);
  // The commit stored them without their mark: a restart keeps them.
  h.restart();
  EXPECT_TRUE(h.catalog().find_table("t"));
  EXPECT_TRUE(h.catalog().find_schema("sc"));
  EXPECT_TRUE(h.catalog().sequence_by_oid(seq));
}

TEST(UncommittedDdl, RollbackLeavesNothing) {
  SqlHarness h("/tmp/hf-uncommitted-ddl-rollback");
  auto& cat = h.catalog();
  auto txn = h.txns().begin({});
  on_other_session([&] { cat.create_table(table_named("t"), txn.get()); });
  txn->abort();
  EXPECT_FALSE(cat.find_table("t"));
  EXPECT_EQ(cat.uncommitted_relation("t", 0, catalog::kPublicNamespaceId), 0u);
  h.exec("CREATE TABLE t (x text)");
  EXPECT_EQ(h.catalog().find_table("t")->columns.at(0).name, "x");
}

TEST(UncommittedDdl, ARestartBeforeTheCommitDropsTheCreation) {
  SqlHarness h("/tmp/hf-uncommitted-ddl-crash");
  h.exec("CREATE TABLE kept (id int)");
  auto txn = h.txns().begin({});
  on_other_session([&] {
    h.catalog().create_schema(catalog::Schema{0, "sc"}, txn.get());
    h.catalog().create_table(table_named("t"), txn.get());
  });
  // The process stops before the transaction ends: nothing of it runs again (no commit, no
  // undo), as after a crash. (Kept reachable, never destroyed: its destructor would abort.
  // The list itself is never destroyed either, so LeakSanitizer, which looks after static
  // destructors ran, still finds the transaction through it.)
  static auto* stopped = new std::vector<coord::Transaction*>();
  stopped->push_back(txn.release());
  h.restart();
  EXPECT_TRUE(h.catalog().find_table("kept"));
  EXPECT_FALSE(h.catalog().find_table("t"));
  EXPECT_FALSE(h.catalog().find_schema("sc"));
  EXPECT_EQ(h.catalog().uncommitted_relation("t", 0, catalog::kPublicNamespaceId), 0u);
  h.exec("CREATE TABLE t (id int)");  // the name is free
  h.restart();
  EXPECT_TRUE(h.catalog().find_table("t"));
}

}  // namespace
}  // namespace hf::sql::testing
