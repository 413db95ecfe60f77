// auth/hba.h — host-based authentication rules in PostgreSQL's pg_hba.conf format: parsing,
// matching a connection to its rule (the first that matches wins), and the safety check the
// server runs before listening on a non-loopback address.
//
// Supported: record types host, hostssl, hostnossl (a "local" record is ignored with a
// warning: holdfast has no Unix-domain socket; hostgssenc/hostnogssenc are errors); database
// all, sameuser, samerole/samegroup, replication (never matches: there are no replication
// connections) or names; user all, +role (members of role) or names; comma lists and
// "quoted" names in both; addresses as CIDR (a.b.c.d/n, x::y/n), an address and a separate
// mask, all, samehost, samenet; methods trust, reject, scram-sha-256, md5 (a SCRAM exchange:
// holdfast stores only SCRAM secrets, and PostgreSQL too uses SCRAM for md5 rules when the
// role's secret is SCRAM), password (cleartext, checked against the SCRAM secret) and cert;
// option clientcert=verify-ca|verify-full on hostssl records. Not supported (load errors):
// host names in the address field, @file inclusions, other methods and options.
//
// Errors carry PostgreSQL's texts and the line ("invalid authentication method \"x\"",
// "line 3 of configuration file \"/etc/hba\""); a file with errors is not used at all.
//
// Thread safety: an HbaRules is immutable after parsing and may be shared; functions are
// thread-safe. Never suspends.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hf::auth {

// An IPv4 or IPv6 address (IPv4-mapped IPv6 addresses are stored as IPv4).
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4: the first 4
  static std::optional<IpAddress> parse(std::string_view text);
  std::string to_string() const;
  bool loopback() const;  // 127.0.0.0/8 or ::1
  size_t bits() const { return v6 ? 128 : 32; }
  bool operator==(const IpAddress& o) const = default;
};

enum class HbaConnType { kHost, kHostSsl, kHostNoSsl };
enum class HbaMethod { kTrust, kReject, kScram, kMd5, kPassword, kCert };
enum class ClientCert { kOff, kVerifyCa, kVerifyFull };

const char* method_name(HbaMethod m);  // as written in pg_hba.conf

struct HbaToken {
  std::string text;
  bool quoted = false;  // "all" quoted is a name, not the keyword
  bool is(std::string_view keyword) const { return !quoted && text == keyword; }
};

struct HbaRule {
  int line = 0;
  std::string raw_line;
  HbaConnType type = HbaConnType::kHost;
  std::vector<HbaToken> databases;
  std::vector<HbaToken> users;
  enum class AddressKind { kAll, kCidr, kSameHost, kSameNet } address_kind = AddressKind::kAll;
  IpAddress address;  // kCidr: the network
  int prefix = 0;     // kCidr: mask length
  HbaMethod method = HbaMethod::kReject;
  ClientCert clientcert = ClientCert::kOff;
  // Whether the rule can match connections from a non-loopback address.
  bool covers_non_loopback() const;
};

struct HbaRules {
  std::string source;  // the file name, or "built-in defaults"
  std::vector<HbaRule> rules;
  // With no rules file: trust from 127.0.0.1/32 and ::1/128, nothing else.
  static HbaRules defaults();
};

// A parse or load failure: every problem found, one message per line, each with its location.
struct HbaError {
  std::vector<std::string> messages;
};

// Parses pg_hba.conf text. Throws HbaError. warnings receives notes about ignored lines.
HbaRules parse_hba(std::string_view text, const std::string& file_name,
                   std::vector<std::string>* warnings = nullptr);
// Reads and parses a file ("could not open file ..." is an HbaError too).
HbaRules load_hba_file(const std::string& path, std::vector<std::string>* warnings = nullptr);

// What a connection presents.
struct HbaClient {
  IpAddress address;
  bool ssl = false;
  std::string user;
  std::string database;
};

// The server's own addresses and networks (for samehost / samenet); from getifaddrs().
struct LocalNetworks {
  struct Net {
    IpAddress address;
    int prefix = 0;
  };
  std::vector<Net> nets;
  static LocalNetworks current();
};

// is_member(user, role): whether user is a member of role, directly or not (for +role and
// samerole; superuser status does not count, as in PostgreSQL).
using MembershipTest = std::function<bool(std::string_view user, std::string_view role)>;

// The first rule that matches; nullptr: none (PostgreSQL's implicit reject).
const HbaRule* match_hba(const HbaRules& rules, const HbaClient& client,
                         const MembershipTest& is_member, const LocalNetworks* local = nullptr);

// The rules that trust connections from non-loopback addresses: a server listening beyond
// loopback refuses to start (or to reload) while there is one.
std::vector<const HbaRule*> trusting_non_loopback(const HbaRules& rules);

}  // namespace hf::auth
