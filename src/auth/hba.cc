// auth/hba.cc — see hba.h. The tokenizer follows PostgreSQL 15's hba.c (next_token,
// next_field_expand): fields are separated by blanks, list items by commas, '#' starts a
// comment outside quotes, "" inside quotes is a literal quote, and a token that starts with a
// quote is never a keyword.
#include "auth/hba.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace hf::auth {

namespace {

struct Field {
  std::vector<HbaToken> tokens;
};

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// One token from pos; false when none is left. terminating_comma: a comma ended it (the
// field continues with the next token).
bool next_token(std::string_view line, size_t& pos, HbaToken& tok, bool& terminating_comma) {
  tok = HbaToken{};
  terminating_comma = false;
  while (pos < line.size() && (is_blank(line[pos]) || line[pos] == ',')) ++pos;
  bool in_quote = false, was_quote = false, saw_quote = false;
  while (pos < line.size() && (!is_blank(line[pos]) || in_quote)) {
    char c = line[pos];
    if (c == '#' && !in_quote) {
      pos = line.size();
      break;
    }
    if (c == ',' && !in_quote) {
      terminating_comma = true;
      ++pos;
      break;
    }
    if (c != '"' || was_quote) tok.text.push_back(c);
    was_quote = in_quote && c == '"' ? !was_quote : false;  // "" inside quotes: one quote
    if (c == '"') {
      in_quote = !in_quote;
      saw_quote = true;
      if (tok.text.empty()) tok.quoted = true;
    }
    ++pos;
  }
  return saw_quote || !tok.text.empty();
}

std::vector<Field> split_fields(std::string_view line) {
  std::vector<Field> fields;
  size_t pos = 0;
  while (pos < line.size()) {
    Field f;
    HbaToken tok;
    bool comma = false;
    do {
      if (!next_token(line, pos, tok, comma)) break;
      f.tokens.push_back(tok);
    } while (comma);
    if (!f.tokens.empty()) fields.push_back(std::move(f));
  }
  return fields;
}

// A mask length from "n" for the family; -1 if invalid (PostgreSQL's pg_sockaddr_cidr_mask).
int parse_prefix(std::string_view text, size_t bits) {
  if (text.empty() || text.size() > 3) return -1;
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return static_cast<size_t>(v) <= bits ? v : -1;
}

// A netmask address ("255.255.255.0") as a prefix length; -1 if the ones are not contiguous.
int mask_prefix(const IpAddress& mask) {
  int n = 0;
  bool zero_seen = false;
  for (size_t i = 0; i < mask.bits() / 8; ++i)
    for (int b = 7; b >= 0; --b) {
      bool one = (mask.bytes[i] >> b) & 1;
      if (one && zero_seen) return -1;
      if (one) ++n;
      if (!one) zero_seen = true;
    }
  return n;
}

bool in_network(const IpAddress& a, const IpAddress& net, int prefix) {
  if (a.v6 != net.v6) return false;
  int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(a.bytes.data(), net.bytes.data(), static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  uint8_t m = static_cast<uint8_t>(0xff << (8 - rest));
  return (a.bytes[static_cast<size_t>(full)] & m) == (net.bytes[static_cast<size_t>(full)] & m);
}

bool parse_method(std::string_view s, HbaMethod& m, bool& unsupported) {
  unsupported = false;
  if (s == "trust")
    m = HbaMethod::kTrust;
  else if (s == "reject")
    m = HbaMethod::kReject;
  else if (s == "scram-sha-256")
    m = HbaMethod::kScram;
  else if (s == "md5")
    m = HbaMethod::kMd5;
  else if (s == "password")
    m = HbaMethod::kPassword;
  else if (s == "cert")
    m = HbaMethod::kCert;
  else if (s == "ident" || s == "peer" || s == "gss" || s == "sspi" || s == "pam" || s == "bsd" ||
           s == "ldap" || s == "radius")
    unsupported = true;
  else
    return false;
  return true;
}

}  // namespace

// ---- IpAddress ----

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  IpAddress a;
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    std::memcpy(a.bytes.data(), &v4, 4);
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(&v6, kMapped, 12) == 0) {
      std::memcpy(a.bytes.data(), reinterpret_cast<const uint8_t*>(&v6) + 12, 4);
      return a;
    }
    a.v6 = true;
    std::memcpy(a.bytes.data(), &v6, 16);
    return a;
  }
  return std::nullopt;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

bool IpAddress::loopback() const {
  if (!v6) return bytes[0] == 127;
  static const uint8_t kOne[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return std::memcmp(bytes.data(), kOne, 16) == 0;
}

const char* method_name(HbaMethod m) {
  switch (m) {
    case HbaMethod::kTrust:
      return "trust";
    case HbaMethod::kReject:
      return "reject";
    case HbaMethod::kScram:
      return "scram-sha-256";
    case HbaMethod::kMd5:
      return "md5";
    case HbaMethod::kPassword:
      return "password";
    case HbaMethod::kCert:
      return "cert";
  }
  return "?";
}

bool HbaRule::covers_non_loopback() const {
  switch (address_kind) {
    case AddressKind::kAll:
    case AddressKind::kSameHost:  // the server's own non-loopback addresses
    case AddressKind::kSameNet:
      return true;
    case AddressKind::kCidr:
      // Inside 127.0.0.0/8 (IPv4) or exactly ::1 (IPv6) is loopback only.
      if (!address.v6) return prefix < 8 || address.bytes[0] != 127;
      return prefix < 128 || !address.loopback();
  }
  return true;
}

HbaRules HbaRules::defaults() {
  return parse_hba(
      "host all all 127.0.0.1/32 trust\n"
      "host all all ::1/128 trust\n",
      "built-in defaults");
}

// ---- parsing ----

HbaRules parse_hba(std::string_view text, const std::string& file_name,
                   std::vector<std::string>* warnings) {
  HbaRules out;
  out.source = file_name;
  HbaError err;
  int line_no = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    start = nl + 1;
    ++line_no;
    if (nl == text.size() && line.empty()) break;
    std::vector<Field> fields = split_fields(line);
    if (fields.empty()) continue;
    std::string where =
        "line " + std::to_string(line_no) + " of configuration file \"" + file_name + "\"";
    auto fail = [&](const std::string& msg) { err.messages.push_back(msg + " (" + where + ")"); };
    auto warn = [&](const std::string& msg) {
      if (warnings) warnings->push_back(msg + " (" + where + ")");
    };
    HbaRule r;
    r.line = line_no;
    r.raw_line = std::string(line);
    while (!r.raw_line.empty() && is_blank(r.raw_line.back())) r.raw_line.pop_back();
    size_t f = 0;
    const auto& type = fields[f].tokens;
    if (type.size() > 1) {
      fail("multiple values specified for connection type");
      continue;
    }
    const std::string& t = type[0].text;
    if (t == "local") {
      warn("\"local\" record ignored: holdfast has no Unix-domain socket");
      continue;
    }
    if (t == "host" || t == "hostnogssenc") {
      r.type = HbaConnType::kHost;
    } else if (t == "hostssl") {
      r.type = HbaConnType::kHostSsl;
    } else if (t == "hostnossl") {
      r.type = HbaConnType::kHostNoSsl;
    } else if (t == "hostgssenc") {
      warn("hostgssenc record cannot match because GSSAPI is not supported by this build");
      continue;
    } else {
      fail("invalid connection type \"" + t + "\"");
      continue;
    }
    if (++f >= fields.size()) {
      fail("end-of-line before database specification");
      continue;
    }
    r.databases = fields[f].tokens;
    if (++f >= fields.size()) {
      fail("end-of-line before role specification");
      continue;
    }
    r.users = fields[f].tokens;
    bool bad = false;
    for (const auto* list : {&r.databases, &r.users})
      for (const auto& tok : *list)
        if (!tok.quoted && tok.text.size() > 1 && tok.text[0] == '@') {
          fail("file inclusion (\"" + tok.text + "\") is not supported by holdfast");
          bad = true;
        }
    if (bad) continue;
    if (++f >= fields.size()) {
      fail("end-of-line before IP address specification");
      continue;
    }
    const auto& addr = fields[f].tokens;
    if (addr.size() > 1) {
      fail("multiple values specified for host address");
      continue;
    }
    if (addr[0].is("all")) {
      r.address_kind = HbaRule::AddressKind::kAll;
    } else if (addr[0].is("samehost")) {
      r.address_kind = HbaRule::AddressKind::kSameHost;
    } else if (addr[0].is("samenet")) {
      r.address_kind = HbaRule::AddressKind::kSameNet;
    } else {
      r.address_kind = HbaRule::AddressKind::kCidr;
      std::string a = addr[0].text;
      size_t slash = a.find('/');
      std::string host = a.substr(0, slash);
      auto ip = IpAddress::parse(host);
      if (!ip) {
        fail("invalid IP address \"" + host +
             "\": host names in the address field are not supported by holdfast");
        continue;
      }
      r.address = *ip;
      if (slash != std::string::npos) {
        r.prefix = parse_prefix(std::string_view(a).substr(slash + 1), ip->bits());
        if (r.prefix < 0) {
          fail("invalid CIDR mask in address \"" + a + "\"");
          continue;
        }
      } else {
        if (++f >= fields.size()) {
          fail("end-of-line before netmask specification");
          continue;
        }
        const auto& mask_tok = fields[f].tokens;
        if (mask_tok.size() > 1) {
          fail("multiple values specified for netmask");
          continue;
        }
        auto mask = IpAddress::parse(mask_tok[0].text);
        if (!mask) {
          fail("invalid IP mask \"" + mask_tok[0].text + "\"");
          continue;
        }
        if (mask->v6 != ip->v6) {
          fail("IP address and mask do not match");
          continue;
        }
        r.prefix = mask_prefix(*mask);
        if (r.prefix < 0) {
          fail("invalid IP mask \"" + mask_tok[0].text + "\"");
          continue;
        }
      }
    }
    if (++f >= fields.size()) {
      fail("end-of-line before authentication method");
      continue;
    }
    const auto& method = fields[f].tokens;
    if (method.size() > 1) {
      fail("multiple values specified for authentication type");
      continue;
    }
    bool unsupported = false;
    if (!parse_method(method[0].text, r.method, unsupported)) {
      fail("invalid authentication method \"" + method[0].text + "\"");
      continue;
    }
    if (unsupported) {
      fail("invalid authentication method \"" + method[0].text + "\": not supported by this build");
      continue;
    }
    if (r.method == HbaMethod::kCert && r.type != HbaConnType::kHostSsl) {
      fail("cert authentication is only supported on hostssl connections");
      continue;
    }
    for (++f; f < fields.size() && !bad; ++f) {
      for (const auto& tok : fields[f].tokens) {
        size_t eq = tok.text.find('=');
        if (eq == std::string::npos) {
          fail("authentication option not in name=value format: " + tok.text);
          bad = true;
          break;
        }
        std::string name = tok.text.substr(0, eq), value = tok.text.substr(eq + 1);
        if (name != "clientcert") {
          fail("unrecognized authentication option name: \"" + name + "\"");
          bad = true;
          break;
        }
        if (r.type != HbaConnType::kHostSsl) {
          fail("clientcert can only be configured for \"hostssl\" rows");
          bad = true;
          break;
        }
        if (value == "verify-full") {
          r.clientcert = ClientCert::kVerifyFull;
        } else if (value == "verify-ca") {
          if (r.method == HbaMethod::kCert) {
            fail("clientcert only accepts \"verify-full\" when using \"cert\" authentication");
            bad = true;
            break;
          }
          r.clientcert = ClientCert::kVerifyCa;
        } else {
          fail("invalid value for clientcert: \"" + value + "\"");
          bad = true;
          break;
        }
      }
    }
    if (bad) continue;
    if (r.method == HbaMethod::kCert) r.clientcert = ClientCert::kVerifyFull;
    out.rules.push_back(std::move(r));
  }
  if (!err.messages.empty()) throw err;
  return out;
}

HbaRules load_hba_file(const std::string& path, std::vector<std::string>* warnings) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    HbaError err;
    err.messages.push_back("could not open configuration file \"" + path +
                           "\": " + std::strerror(errno));
    throw err;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_hba(ss.str(), path, warnings);
}

// ---- matching ----

LocalNetworks LocalNetworks::current() {
  LocalNetworks out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !i->ifa_netmask || !(i->ifa_flags & IFF_UP)) continue;
    int fam = i->ifa_addr->sa_family;
    if (fam != AF_INET && fam != AF_INET6) continue;
    char buf[INET6_ADDRSTRLEN] = {}, mbuf[INET6_ADDRSTRLEN] = {};
    const void* a =
        fam == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr)
            : &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr;
    const void* m =
        fam == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(i->ifa_netmask)->sin_addr)
            : &reinterpret_cast<sockaddr_in6*>(i->ifa_netmask)->sin6_addr;
    inet_ntop(fam, a, buf, sizeof buf);
    inet_ntop(fam, m, mbuf, sizeof mbuf);
    auto ip = IpAddress::parse(buf);
    auto mask = IpAddress::parse(mbuf);
    if (!ip || !mask || ip->v6 != mask->v6) continue;
    int prefix = mask_prefix(*mask);
    out.nets.push_back({*ip, prefix < 0 ? static_cast<int>(ip->bits()) : prefix});
  }
  freeifaddrs(list);
  return out;
}

const HbaRule* match_hba(const HbaRules& rules, const HbaClient& client,
                         const MembershipTest& is_member, const LocalNetworks* local) {
  std::optional<LocalNetworks> fetched;
  auto nets = [&]() -> const LocalNetworks& {
    if (local) return *local;
    if (!fetched) fetched = LocalNetworks::current();
    return *fetched;
  };
  auto member = [&](std::string_view role) { return is_member && is_member(client.user, role); };
  for (const HbaRule& r : rules.rules) {
    if (r.type == HbaConnType::kHostSsl && !client.ssl) continue;
    if (r.type == HbaConnType::kHostNoSsl && client.ssl) continue;
    bool address_ok = false;
    switch (r.address_kind) {
      case HbaRule::AddressKind::kAll:
        address_ok = true;
        break;
      case HbaRule::AddressKind::kCidr:
        address_ok = in_network(client.address, r.address, r.prefix);
        break;
      case HbaRule::AddressKind::kSameHost:
        for (const auto& n : nets().nets) address_ok = address_ok || n.address == client.address;
        break;
      case HbaRule::AddressKind::kSameNet:
        for (const auto& n : nets().nets)
          address_ok = address_ok || in_network(client.address, n.address, n.prefix);
        break;
    }
    if (!address_ok) continue;
    bool db_ok = false;
    for (const auto& tok : r.databases) {
      if (tok.is("all") || (tok.is("sameuser") && client.database == client.user) ||
          ((tok.is("samerole") || tok.is("samegroup")) && member(client.database)) ||
          (!tok.is("replication") && !tok.is("sameuser") && !tok.is("samerole") &&
           !tok.is("samegroup") && tok.text == client.database)) {
        db_ok = true;
        break;
      }
    }
    if (!db_ok) continue;
    bool user_ok = false;
    for (const auto& tok : r.users) {
      if (!tok.quoted && !tok.text.empty() && tok.text[0] == '+') {
        user_ok = member(std::string_view(tok.text).substr(1));
      } else {
        user_ok = tok.is("all") || tok.text == client.user;
      }
      if (user_ok) break;
    }
    if (!user_ok) continue;
    return &r;
  }
  return nullptr;
}

std::vector<const HbaRule*> trusting_non_loopback(const HbaRules& rules) {
  std::vector<const HbaRule*> out;
  for (const auto& r : rules.rules)
    if (r.method == HbaMethod::kTrust && r.covers_non_loopback()) out.push_back(&r);
  return out;
}

}  // namespace hf::auth
