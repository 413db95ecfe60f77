// sql/types/md5.cc — RFC 1321 MD5 (written from the RFC's description).
#include "sql/types/md5.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace hf::sql::types::internal {

namespace {
constexpr uint32_t kS[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                             5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                             4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                             6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
uint32_t rotl(uint32_t x, uint32_t c) {
  return (x << c) | (x >> (32 - c));
}
}  // namespace

std::string md5_hex(std::string_view data) {
  static const auto kK = [] {
    std::array<uint32_t, 64> k{};
    for (int i = 0; i < 64; ++i)
      k[i] =
          static_cast<uint32_t>(static_cast<uint64_t>(std::fabs(std::sin(i + 1.0)) * 4294967296.0));
    return k;
  }();
  uint32_t a0 = 0x67452301, b0 = 0xefcdab89, c0 = 0x98badcfe, d0 = 0x10325476;
  std::string msg(data);
  uint64_t bitlen = static_cast<uint64_t>(data.size()) * 8;
  msg.push_back(static_cast<char>(0x80));
  while (msg.size() % 64 != 56) msg.push_back('\0');
  for (int i = 0; i < 8; ++i) msg.push_back(static_cast<char>(bitlen >> (8 * i)));
  for (size_t off = 0; off < msg.size(); off += 64) {
    uint32_t m[16];
    for (int i = 0; i < 16; ++i) {
      const auto* p = reinterpret_cast<const uint8_t*>(msg.data() + off + 4 * i);
      m[i] = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
    }
    uint32_t A = a0, B = b0, C = c0, D = d0;
    for (uint32_t i = 0; i < 64; ++i) {
      uint32_t F, g;
      if (i < 16) {
        F = (B & C) | (~B & D);
        g = i;
      } else if (i < 32) {
        F = (D & B) | (~D & C);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        F = B ^ C ^ D;
        g = (3 * i + 5) % 16;
      } else {
        F = C ^ (B | ~D);
        g = (7 * i) % 16;
      }
      F = F + A + kK[i] + m[g];
      A = D;
      D = C;
      C = B;
      B = B + rotl(F, kS[i]);
    }
    a0 += A;
    b0 += B;
    c0 += C;
    d0 += D;
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (uint32_t v : {a0, b0, c0, d0})
    for (int i = 0; i < 4; ++i) {
      uint8_t byte = static_cast<uint8_t>(v >> (8 * i));
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 15]);
    }
  return out;
}

}  // namespace hf::sql::types::internal
