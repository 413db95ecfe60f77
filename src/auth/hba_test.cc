// auth/hba_test.cc — pg_hba.conf parsing (PostgreSQL's tokens, fields and messages) and
// matching (first match wins; types, databases, users, addresses), and the non-loopback trust
// check the server runs before listening beyond loopback.
#include "auth/hba.h"

#include <gtest/gtest.h>

namespace hf::auth {
namespace {

HbaClient client(const char* addr, const char* user, const char* db, bool ssl = false) {
  return HbaClient{*IpAddress::parse(addr), ssl, user, db};
}

bool no_members(std::string_view user, std::string_view role) {
  return user == role;
}

int matched_line(const HbaRules& rules, const HbaClient& c, const MembershipTest& m = no_members,
                 const LocalNetworks* local = nullptr) {
  const HbaRule* r = match_hba(rules, c, m, local);
  return r ? r->line : 0;
}

std::vector<std::string> errors_of(const std::string& text) {
  try {
    parse_hba(text, "/etc/hba.conf");
  } catch (const HbaError& e) {
    return e.messages;
  }
  return {};
}

TEST(Hba, ParsesFieldsListsQuotesAndComments) {
  auto rules = parse_hba(
      "# comment line\n"
      "\n"
      "host  db1,db2  alice,\"Bob Smith\"  10.0.0.0/8  scram-sha-256  # trailing comment\n"
      "hostssl \"all\" all 192.168.1.0 255.255.255.0 md5\n"
      "hostnossl all +admins ::1/128 trust\n"
      "host all all samenet password\n"
      "host all all all reject\n",
      "f");
  ASSERT_EQ(rules.rules.size(), 5u);
  const auto& r = rules.rules[0];
  EXPECT_EQ(r.line, 3);
  EXPECT_EQ(r.databases.size(), 2u);
  EXPECT_EQ(r.users[1].text, "Bob Smith");
  EXPECT_TRUE(r.users[1].quoted);
  EXPECT_EQ(r.method, HbaMethod::kScram);
  EXPECT_EQ(r.prefix, 8);
  EXPECT_EQ(r.raw_line,
            "host  db1,db2  alice,\"Bob Smith\"  10.0.0.0/8  scram-sha-256  # trailing comment");
  EXPECT_TRUE(rules.rules[1].databases[0].quoted);
  EXPECT_EQ(rules.rules[1].prefix, 24);
  EXPECT_EQ(rules.rules[1].type, HbaConnType::kHostSsl);
  EXPECT_EQ(rules.rules[2].address.to_string(), "::1");
  EXPECT_EQ(rules.rules[3].address_kind, HbaRule::AddressKind::kSameNet);
  EXPECT_EQ(rules.rules[4].method, HbaMethod::kReject);
}

TEST(Hba, FirstMatchWins) {
  auto rules = parse_hba(
      "host all mallory 127.0.0.1/32 reject\n"
      "host app all 127.0.0.1/32 scram-sha-256\n"
      "host all all 127.0.0.1/32 trust\n"
      "host all all 0.0.0.0/0 scram-sha-256\n",
      "f");
  EXPECT_EQ(matched_line(rules, client("127.0.0.1", "mallory", "app")), 1);
  EXPECT_EQ(matched_line(rules, client("127.0.0.1", "alice", "app")), 2);
  EXPECT_EQ(matched_line(rules, client("127.0.0.1", "alice", "postgres")), 3);
  EXPECT_EQ(matched_line(rules, client("10.1.2.3", "alice", "postgres")), 4);
  EXPECT_EQ(matched_line(rules, client("::1", "alice", "postgres")), 0);  // implicit reject
}

TEST(Hba, SslTypes) {
  auto rules = parse_hba(
      "hostssl all all all scram-sha-256\n"
      "hostnossl all all all reject\n",
      "f");
  EXPECT_EQ(matched_line(rules, client("10.0.0.1", "a", "d", true)), 1);
  EXPECT_EQ(matched_line(rules, client("10.0.0.1", "a", "d", false)), 2);
}

TEST(Hba, DatabaseAndUserKeywords) {
  auto rules = parse_hba(
      "host sameuser all all trust\n"
      "host samerole all all password\n"
      "host replication all all reject\n"
      "host \"all\" all all md5\n"
      "host all +staff all scram-sha-256\n",
      "f");
  auto staff = [](std::string_view user, std::string_view role) {
    return user == role || (user == "carol" && (role == "staff" || role == "sales"));
  };
  EXPECT_EQ(matched_line(rules, client("10.0.0.1", "bob", "bob"), staff), 1);
  EXPECT_EQ(matched_line(rules, client("10.0.0.1", "carol", "sales"), staff), 2);
  // "replication" never matches an ordinary connection, even to a database of that name;
  // a quoted "all" is a database named all.
  EXPECT_EQ(matched_line(rules, client("10.0.0.1", "x", "replication"), staff), 0);
  EXPECT_EQ(matched_line(rules, client("10.0.0.1", "x", "all"), staff), 4);
  EXPECT_EQ(matched_line(rules, client("10.0.0.1", "carol", "other"), staff), 5);
  EXPECT_EQ(matched_line(rules, client("10.0.0.1", "dave", "other"), staff), 0);
}

TEST(Hba, Addresses) {
  auto rules = parse_hba(
      "host all all 192.168.0.0/16 trust\n"
      "host all all 10.0.0.7/32 password\n"
      "host all all fe80::/10 md5\n"
      "host all all samehost scram-sha-256\n",
      "f");
  LocalNetworks local;
  local.nets.push_back({*IpAddress::parse("172.16.5.9"), 24});
  auto line = [&](const char* a) {
    return matched_line(rules, client(a, "u", "d"), no_members, &local);
  };
  EXPECT_EQ(line("192.168.44.1"), 1);
  EXPECT_EQ(line("192.169.0.1"), 0);
  EXPECT_EQ(line("10.0.0.7"), 2);
  EXPECT_EQ(line("10.0.0.8"), 0);
  EXPECT_EQ(line("fe80::1"), 3);
  EXPECT_EQ(line("::ffff:192.168.1.1"), 1);  // IPv4-mapped IPv6 matches IPv4 rules
  EXPECT_EQ(line("172.16.5.9"), 4);
  EXPECT_EQ(line("172.16.5.10"), 0);  // samehost: only the server's own address
}

TEST(Hba, Defaults) {
  auto d = HbaRules::defaults();
  EXPECT_EQ(matched_line(d, client("127.0.0.1", "postgres", "postgres")), 1);
  EXPECT_EQ(matched_line(d, client("::1", "anyone", "anything")), 2);
  EXPECT_EQ(matched_line(d, client("10.0.0.1", "postgres", "postgres")), 0);
  EXPECT_EQ(matched_line(d, client("127.0.0.2", "postgres", "postgres")), 0);
  EXPECT_TRUE(trusting_non_loopback(d).empty());
}

TEST(Hba, NonLoopbackTrust) {
  auto rules = parse_hba(
      "host all all 127.0.0.0/8 trust\n"
      "host all all ::1/128 trust\n"
      "host all all 0.0.0.0/0 scram-sha-256\n"
      "host all all 10.0.0.0/8 reject\n",
      "f");
  EXPECT_TRUE(trusting_non_loopback(rules).empty());
  for (const char* bad : {"host all all 0.0.0.0/0 trust", "host all all 10.1.1.1/32 trust",
                          "host all all all trust", "host all all samehost trust",
                          "host all all samenet trust", "host all all 127.0.0.0/7 trust",
                          "host all all ::/0 trust", "hostssl all all ::2/128 trust"}) {
    auto r = parse_hba(bad, "f");
    auto found = trusting_non_loopback(r);
    ASSERT_EQ(found.size(), 1u) << bad;
    EXPECT_EQ(found[0]->line, 1);
  }
}

TEST(Hba, LocalLinesAreIgnoredWithAWarning) {
  std::vector<std::string> warnings;
  auto rules = parse_hba("local all all trust\nhost all all 127.0.0.1/32 trust\n", "f", &warnings);
  EXPECT_EQ(rules.rules.size(), 1u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("line 1"), std::string::npos);
}

TEST(Hba, ErrorsNameTheLine) {
  auto e = errors_of("hots all all all trust\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0],
            "invalid connection type \"hots\" (line 1 of configuration file \"/etc/hba.conf\")");
  e = errors_of("host all all all\n# ok\nhost all all 1.2.3.4/33 trust\nhost all\n");
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].substr(0, e[0].rfind(" (line")), "end-of-line before authentication method");
  EXPECT_EQ(e[1].substr(0, e[1].rfind(" (line")), "invalid CIDR mask in address \"1.2.3.4/33\"");
  EXPECT_NE(e[1].find("line 3"), std::string::npos);
  EXPECT_EQ(e[2].substr(0, e[2].rfind(" (line")), "end-of-line before role specification");
  auto first = [](const std::string& text) {
    auto v = errors_of(text);
    return v.empty() ? std::string() : v[0].substr(0, v[0].rfind(" (line"));
  };
  EXPECT_EQ(first("host all all all magic"), "invalid authentication method \"magic\"");
  EXPECT_EQ(first("host all all all ldap"),
            "invalid authentication method \"ldap\": not supported by this build");
  EXPECT_EQ(first("host all all db.example.com trust"),
            "invalid IP address \"db.example.com\": host names in the address field are not "
            "supported by holdfast");
  EXPECT_EQ(first("host all all 10.0.0.0 trust"), "invalid IP mask \"trust\"");
  EXPECT_EQ(first("host all all 10.0.0.0 255.0.255.0 trust"), "invalid IP mask \"255.0.255.0\"");
  EXPECT_EQ(first("host all all all trust clientcert=verify-ca"),
            "clientcert can only be configured for \"hostssl\" rows");
  EXPECT_EQ(first("hostssl all all all trust clientcert=maybe"),
            "invalid value for clientcert: \"maybe\"");
  EXPECT_EQ(first("hostssl all all all cert clientcert=verify-ca"),
            "clientcert only accepts \"verify-full\" when using \"cert\" authentication");
  EXPECT_EQ(first("host all all all cert"),
            "cert authentication is only supported on hostssl connections");
  EXPECT_EQ(first("host all all all trust foo=bar"),
            "unrecognized authentication option name: \"foo\"");
  EXPECT_EQ(first("host all all all trust junk"),
            "authentication option not in name=value format: junk");
  EXPECT_EQ(first("host,hostssl all all all trust"),
            "multiple values specified for connection type");
  EXPECT_EQ(first("host all @users all trust"),
            "file inclusion (\"@users\") is not supported by holdfast");
}

TEST(Hba, CertImpliesVerifyFull) {
  auto rules = parse_hba(
      "hostssl all all all cert\nhostssl all all all scram-sha-256 "
      "clientcert=verify-ca\n",
      "f");
  EXPECT_EQ(rules.rules[0].clientcert, ClientCert::kVerifyFull);
  EXPECT_EQ(rules.rules[1].clientcert, ClientCert::kVerifyCa);
}

TEST(Hba, MissingFile) {
  try {
    load_hba_file("/nonexistent/hba.conf");
    FAIL();
  } catch (const HbaError& e) {
    ASSERT_EQ(e.messages.size(), 1u);
    EXPECT_EQ(e.messages[0].rfind("could not open configuration file \"/nonexistent/hba.conf\"", 0),
              0u);
  }
}

}  // namespace
}  // namespace hf::auth
