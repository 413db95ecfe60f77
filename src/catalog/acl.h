// catalog/acl.h — access control lists as PostgreSQL keeps them (aclitem[]): who was granted
// which privileges on an object, by whom, and with which grant options.
//
// Owns: the privilege bits (PostgreSQL's AclMode values, so the letters and their order match
// its "arwdDxtXUCTc"), the aclitem text form ("alice=rw*/postgres", "=r/postgres" for PUBLIC),
// the default ACL of an object (its owner holds everything; nullopt in the catalog, NULL in
// relacl), and the JSON form the catalog stores. Plain values: thread-safe, never suspends.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/datum.h"

namespace hf::catalog {

inline constexpr Oid kBootstrapSuperuserId = 10;   // BOOTSTRAP_SUPERUSERID: "postgres"
inline constexpr Oid kPublicRoleId = 0;            // ACL_ID_PUBLIC: grants to PUBLIC
inline constexpr Oid kDatabaseOwnerRoleId = 6171;  // pg_database_owner: owns schema public
inline constexpr Oid kPublicNamespaceId = 2200;

namespace acl {
inline constexpr uint32_t kInsert = 1u << 0;      // a
inline constexpr uint32_t kSelect = 1u << 1;      // r
inline constexpr uint32_t kUpdate = 1u << 2;      // w
inline constexpr uint32_t kDelete = 1u << 3;      // d
inline constexpr uint32_t kTruncate = 1u << 4;    // D
inline constexpr uint32_t kReferences = 1u << 5;  // x
inline constexpr uint32_t kTrigger = 1u << 6;     // t
inline constexpr uint32_t kUsage = 1u << 8;       // U
inline constexpr uint32_t kCreate = 1u << 9;      // C
inline constexpr uint32_t kTemporary = 1u << 10;  // T
inline constexpr uint32_t kConnect = 1u << 11;    // c
// ALL for each kind of object (PostgreSQL 15's ACL_ALL_RIGHTS_*).
inline constexpr uint32_t kAllOnTable = 0x7f;                                // arwdDxt
inline constexpr uint32_t kAllOnSequence = kUsage | kSelect | kUpdate;       // rwU
inline constexpr uint32_t kAllOnSchema = kUsage | kCreate;                   // UC
inline constexpr uint32_t kAllOnDatabase = kCreate | kTemporary | kConnect;  // CTc
// "arwdDxtXUCTc": the letter of bit i.
inline constexpr const char* kLetters = "arwdDxtXUCTc";
}  // namespace acl

struct AclItem {
  Oid grantee = kPublicRoleId;
  Oid grantor = kBootstrapSuperuserId;
  uint32_t privileges = 0;
  uint32_t grant_options = 0;  // a subset of privileges
  bool operator==(const AclItem&) const = default;
};
using Acl = std::vector<AclItem>;

// The ACL an object has before any GRANT or REVOKE: its owner holds `all` (PostgreSQL's
// acldefault for tables; schemas add what their kind grants PUBLIC, see Roles).
Acl default_acl(Oid owner, uint32_t all);

// "grantee=privs/grantor" with '*' after each privilege held with grant option; the grantee
// is empty for PUBLIC. role_name gives a role's name (its oid as text if it has none).
std::string acl_item_text(const AclItem& item, const std::function<std::string(Oid)>& role_name);

// Adds (grant) or removes (revoke) privileges of grantee granted by grantor; grant_option:
// WITH GRANT OPTION (grant) or GRANT OPTION FOR (revoke: only the options go). Items left
// with nothing are removed, as PostgreSQL's aclupdate does.
void acl_update(Acl& acl, Oid grantee, Oid grantor, uint32_t privileges, bool is_grant,
                bool grant_option);

nlohmann::json acl_to_json(const Acl& acl);
Acl acl_from_json(const nlohmann::json& j);

}  // namespace hf::catalog
