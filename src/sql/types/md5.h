// sql/types/md5.h — RFC 1321 MD5 for the md5() SQL function. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace hf::sql::types::internal {
std::string md5_hex(std::string_view data);  // 32 lowercase hex digits
}
