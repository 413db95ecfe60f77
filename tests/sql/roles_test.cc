// tests/sql/roles_test.cc — roles and privileges through the engine over a real local node:
// the bootstrap roles of a new data folder, role DDL and ACLs surviving a restart, SCRAM
// secrets stored (never passwords), role DDL undone with its transaction, and privilege
// checks following the session's current user.
#include <gtest/gtest.h>

#include "auth/scram.h"
#include "catalog/roles.h"
#include "sql/sql_test_util.h"

namespace hf::sql::testing {
namespace {

std::string one(SqlHarness& h, const std::string& sql) {
  auto r = h.exec(sql);
  return r.rows.empty() ? std::string("<no rows>") : r.rows[0][0];
}

void expect_error(SqlHarness& h, const std::string& sql, const std::string& state,
                  const std::string& message) {
  try {
    h.exec(sql);
    ADD_FAILURE() << "no error for " << sql;
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, state) << sql;
    EXPECT_EQ(e.error().message, message) << sql;
  }
}

TEST(Roles, NewDataFolderHasTheBootstrapRoles) {
  SqlHarness h("/tmp/hf-roles-bootstrap");
  auto r = h.exec("SELECT oid, rolname, rolsuper, rolcanlogin FROM pg_roles ORDER BY oid");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0], (std::vector<std::string>{"10", "postgres", "t", "t"}));
  EXPECT_EQ(r.rows[1], (std::vector<std::string>{"6171", "pg_database_owner", "f", "f"}));
  EXPECT_EQ(h.catalog().roles().mock_auth_key().size(), 32u);
}

TEST(Roles, RolesAclsAndSecretsSurviveRestart) {
  SqlHarness h("/tmp/hf-roles-restart");
  std::string key = h.catalog().roles().mock_auth_key();
  h.exec("CREATE ROLE alice LOGIN PASSWORD 'pencil' CONNECTION LIMIT 3");
  h.exec("CREATE ROLE grp");
  h.exec("GRANT grp TO alice WITH ADMIN OPTION");
  h.exec("CREATE TABLE t (id int PRIMARY KEY)");
  h.exec("GRANT SELECT, UPDATE ON t TO grp");
  h.exec("GRANT CREATE ON SCHEMA public TO alice");
  h.restart();
  EXPECT_EQ(h.catalog().roles().mock_auth_key(), key);
  auto r =
      h.exec("SELECT rolname, rolcanlogin, rolconnlimit FROM pg_roles WHERE rolname = 'alice'");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0], (std::vector<std::string>{"alice", "t", "3"}));
  EXPECT_EQ(one(h, "SELECT relacl FROM pg_class WHERE relname = 't'"),
            "{postgres=arwdDxt/postgres,grp=rw/postgres}");
  EXPECT_EQ(one(h, "SELECT nspacl FROM pg_namespace WHERE nspname = 'public'"),
            "{pg_database_owner=UC/pg_database_owner,=U/pg_database_owner,"
            "alice=C/pg_database_owner}");
  EXPECT_EQ(one(h, "SELECT admin_option FROM pg_auth_members"), "t");
  // The password is stored as a SCRAM-SHA-256 secret, never in clear.
  std::string secret = one(h, "SELECT rolpassword FROM pg_authid WHERE rolname = 'alice'");
  EXPECT_EQ(secret.find("pencil"), std::string::npos);
  auto parsed = auth::parse_scram_secret(secret);
  ASSERT_TRUE(parsed) << secret;
  EXPECT_TRUE(auth::verify_password("pencil", *parsed));
  EXPECT_FALSE(auth::verify_password("pencil2", *parsed));
  // A secret given as such is kept as it is.
  h.exec("ALTER ROLE grp PASSWORD '" + secret + "'");
  EXPECT_EQ(one(h, "SELECT rolpassword FROM pg_authid WHERE rolname = 'grp'"), secret);
  expect_error(h, "ALTER ROLE grp PASSWORD 'md5" + std::string(32, 'a') + "'", "0A000",
               "MD5 password hashes are not supported: give the password in clear or as a "
               "SCRAM-SHA-256 secret");
}

TEST(Roles, RoleDdlIsUndoneWithItsStatement) {
  SqlHarness h("/tmp/hf-roles-undo");
  // The role is made, then IN ROLE names a role that does not exist: nothing is left.
  expect_error(h, "CREATE ROLE x IN ROLE nosuch", "42704", "role \"nosuch\" does not exist");
  EXPECT_EQ(one(h, "SELECT count(*) FROM pg_roles WHERE rolname = 'x'"), "0");
  h.exec("CREATE ROLE y");
  h.exec("CREATE TABLE t (id int)");
  h.exec("GRANT SELECT ON t TO y");
  expect_error(h, "DROP ROLE y", "2BP01",
               "role \"y\" cannot be dropped because some objects depend on it");
  EXPECT_EQ(one(h, "SELECT count(*) FROM pg_roles WHERE rolname = 'y'"), "1");
}

TEST(Roles, PrivilegesFollowTheCurrentUser) {
  SqlHarness h("/tmp/hf-roles-privs");
  h.exec("CREATE ROLE alice LOGIN");
  h.exec("CREATE ROLE readers");
  h.exec("GRANT readers TO alice");
  h.exec("CREATE TABLE t (id int PRIMARY KEY, v int)");
  h.exec("INSERT INTO t VALUES (1, 1)");
  h.exec("GRANT SELECT ON t TO readers");
  Oid alice = h.catalog().roles().find("alice")->oid;
  h.session().user = alice;
  EXPECT_EQ(one(h, "SELECT current_user"), "alice");
  EXPECT_EQ(one(h, "SELECT v FROM t WHERE id = 1"), "1");  // through readers
  expect_error(h, "SELECT v FROM t WHERE id = 1 FOR UPDATE", "42501",
               "permission denied for table t");
  expect_error(h, "UPDATE t SET v = 2", "42501", "permission denied for table t");
  expect_error(h, "LOCK TABLE t IN ROW SHARE MODE", "42501", "permission denied for table t");
  h.exec("LOCK TABLE t IN ACCESS SHARE MODE");
  expect_error(h, "CREATE TABLE u (id int)", "42501", "permission denied for schema public");
  expect_error(h, "DROP TABLE t", "42501", "must be owner of table t");
  expect_error(h, "CREATE ROLE bob", "42501", "permission denied to create role");
  h.session().user = catalog::kBootstrapSuperuserId;
  h.exec("GRANT UPDATE ON t TO alice");
  h.session().user = alice;
  EXPECT_EQ(one(h, "SELECT v FROM t WHERE id = 1 FOR NO KEY UPDATE"), "1");
  EXPECT_EQ(h.exec("UPDATE t SET v = v + 1").tag, "UPDATE 1");
  EXPECT_EQ(one(h, "SELECT has_table_privilege('t', 'update')"), "t");
  EXPECT_EQ(one(h, "SELECT has_table_privilege('t', 'delete')"), "f");
}

}  // namespace
}  // namespace hf::sql::testing
