// catalog/acl.cc — see acl.h.
#include "catalog/acl.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace hf::catalog {

Acl default_acl(Oid owner, uint32_t all) {
  return {AclItem{owner, owner, all, 0}};
}

std::string acl_item_text(const AclItem& item, const std::function<std::string(Oid)>& role_name) {
  std::string s = item.grantee == kPublicRoleId ? "" : role_name(item.grantee);
  s += '=';
  for (int bit = 0; acl::kLetters[bit]; ++bit) {
    uint32_t m = 1u << bit;
    if (!(item.privileges & m)) continue;
    s += acl::kLetters[bit];
    if (item.grant_options & m) s += '*';
  }
  s += '/';
  s += role_name(item.grantor);
  return s;
}

void acl_update(Acl& acl, Oid grantee, Oid grantor, uint32_t privileges, bool is_grant,
                bool grant_option) {
  auto it = std::find_if(acl.begin(), acl.end(), [&](const AclItem& i) {
    return i.grantee == grantee && i.grantor == grantor;
  });
  if (is_grant) {
    if (privileges == 0) return;  // an item with no privileges is no item
    if (it == acl.end()) {
      acl.push_back(AclItem{grantee, grantor, 0, 0});
      it = acl.end() - 1;
    }
    it->privileges |= privileges;
    if (grant_option) it->grant_options |= privileges;
    return;
  }
  if (it == acl.end()) return;
  it->grant_options &= ~privileges;
  if (!grant_option) it->privileges &= ~privileges;
  if (it->privileges == 0) acl.erase(it);
}

nlohmann::json acl_to_json(const Acl& acl) {
  auto j = nlohmann::json::array();
  for (const auto& i : acl) j.push_back({i.grantee, i.grantor, i.privileges, i.grant_options});
  return j;
}

Acl acl_from_json(const nlohmann::json& j) {
  Acl out;
  for (const auto& e : j)
    out.push_back(AclItem{e.at(0).get<Oid>(), e.at(1).get<Oid>(), e.at(2).get<uint32_t>(),
                          e.at(3).get<uint32_t>()});
  return out;
}

}  // namespace hf::catalog
