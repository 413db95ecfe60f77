// tests/sql/uncommitted_ddl_test.cc — a creation is visible to other transactions only once
// its transaction commits (issue 13; catalog.h, "Uncommitted creations"), over a real local
// node: another thread (a session of its own) does not find it by name or oid nor in the
// listings until the commit; a rollback leaves nothing; a restart before the commit drops it.
// The same for changes of committed tables ("Uncommitted changes"): the others see the
// committed definition until the commit, and a restart before it puts that back; a waiter in
// wait_settled is woken by the commit. A change kept aside (catalog/kept_aside.h; here a
// sequence's new ACL) wakes its waiters when it commits and when it rolls back.
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

// Commits tables t (one column) and gone; returns gone's oid.
Oid create_t_and_gone(SqlHarness& h) {
  h.exec("CREATE TABLE t (id int)");
  h.exec("CREATE TABLE gone (id int)");
  return h.catalog().find_table("gone")->oid;
}

// On a session of its own, for txn: adds a column to t and drops `gone`; it sees both.
void change_t_drop_gone(catalog::Catalog& cat, coord::Transaction* txn, Oid gone) {
  on_other_session([&] {
    catalog::Table t = *cat.find_table("t");
    t.columns.push_back({"w", TypeRef{type_oid::kInt4, -1}});
    cat.replace_table(std::move(t), txn);
    cat.drop_table(gone, txn);
    EXPECT_EQ(cat.find_table("t")->columns.size(), 2u) << "its own transaction sees it";
    EXPECT_FALSE(cat.find_table("gone"));
  });
}

TEST(UncommittedDdl, OthersSeeAChangeFromItsCommitOn) {
  SqlHarness h("/tmp/hf-uncommitted-ddl-change");
  const Oid gone = create_t_and_gone(h);
  auto& cat = h.catalog();
  const Oid t = cat.find_table("t")->oid;
  auto txn = h.txns().begin({});
  change_t_drop_gone(cat, txn.get(), gone);
  EXPECT_EQ(cat.find_table("t")->columns.size(), 1u);
  EXPECT_EQ(cat.table_by_oid(t)->columns.size(), 1u);
  EXPECT_TRUE(cat.find_table("gone"));
  EXPECT_TRUE(cat.in_flight(t, 0, coord::table_mode::kAccessExclusive));
  EXPECT_FALSE(cat.in_flight(t, 0, coord::table_mode::kAccessShare))
      << "a change under no lock blocks no reader";
  // A waiter parked on the change is woken by the commit.
  std::thread waiter(
      [&] { EXPECT_TRUE(cat.wait_settled(t, 0, coord::table_mode::kAccessExclusive, nullptr)); });
  txn->commit();
  waiter.join();
  EXPECT_EQ(cat.find_table("t")->columns.size(), 2u);
  EXPECT_FALSE(cat.find_table("gone"));
  EXPECT_FALSE(cat.in_flight(t, 0, coord::table_mode::kAccessExclusive));
  h.restart();
  EXPECT_EQ(h.catalog().find_table("t")->columns.size(), 2u);
  EXPECT_FALSE(h.catalog().find_table("gone"));
}

TEST(UncommittedDdl, ARollbackOrARestartPutsTheCommittedDefinitionBack) {
  SqlHarness h("/tmp/hf-uncommitted-ddl-change-undo");
  const Oid gone = create_t_and_gone(h);
  auto& cat = h.catalog();
  {
    auto txn = h.txns().begin({});
    change_t_drop_gone(cat, txn.get(), gone);
    txn->abort();
    EXPECT_EQ(cat.find_table("t")->columns.size(), 1u);
    EXPECT_TRUE(cat.find_table("gone"));
  }
  auto txn = h.txns().begin({});
  change_t_drop_gone(cat, txn.get(), gone);
  // Stopped before the transaction ends, as in ARestartBeforeTheCommitDropsTheCreation.
  static auto* stopped = new std::vector<coord::Transaction*>();
  stopped->push_back(txn.release());
  h.restart();
  EXPECT_EQ(h.catalog().find_table("t")->columns.size(), 1u);
  EXPECT_TRUE(h.catalog().find_table("gone"));
  h.restart();  // stored without the mark
  EXPECT_EQ(h.catalog().find_table("t")->columns.size(), 1u);
  EXPECT_TRUE(h.catalog().find_table("gone"));
  h.exec("ALTER TABLE t ADD COLUMN w int");
  EXPECT_EQ(h.catalog().find_table("t")->columns.size(), 2u);
}

TEST(UncommittedDdl, AKeptAsideChangeWakesItsWaitersWhenItSettles) {
  SqlHarness h("/tmp/hf-uncommitted-ddl-aside");
  h.exec("CREATE SEQUENCE s");
  auto& cat = h.catalog();
  const Oid s = cat.find_sequence("", "s", {})->oid;
  for (bool commit : {false, true}) {
    auto txn = h.txns().begin({});
    auto seq = *cat.sequence_by_oid(s);
    seq.acl = catalog::Acl{
        {catalog::kPublicRoleId, catalog::kBootstrapSuperuserId, catalog::acl::kSelect, 0}};
    cat.replace_sequence(seq, txn.get());  // a GRANT
    EXPECT_TRUE(cat.sequence_by_oid(s)->acl) << "its transaction sees it";
    on_other_session([&] { EXPECT_FALSE(cat.sequence_by_oid(s)->acl) << "the others do not"; });
    EXPECT_TRUE(cat.in_flight(s, 0, coord::table_mode::kShareUpdateExclusive))
        << "a second GRANT waits for it";
    EXPECT_FALSE(cat.in_flight(s, 0, coord::table_mode::kRowExclusive)) << "nextval() does not";
    std::thread waiter([&] {
      EXPECT_TRUE(cat.wait_settled(s, 0, coord::table_mode::kShareUpdateExclusive, nullptr));
    });
    if (commit)
      txn->commit();
    else
      txn->abort();
    waiter.join();
    EXPECT_FALSE(cat.in_flight(s, 0, coord::table_mode::kShareUpdateExclusive));
    on_other_session([&] { EXPECT_EQ(cat.sequence_by_oid(s)->acl.has_value(), commit); });
  }
  h.restart();
  EXPECT_TRUE(h.catalog().sequence_by_oid(s)->acl) << "the committed GRANT was stored";
}

}  // namespace
}  // namespace hf::sql::testing
