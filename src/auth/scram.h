// auth/scram.h — SCRAM-SHA-256 as PostgreSQL 15 does it (RFC 5802, RFC 7677): the stored
// secret (pg_authid.rolpassword's "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>"),
// and the server side of one SASL exchange, with tls-server-end-point channel binding
// (SCRAM-SHA-256-PLUS) when the connection is TLS.
//
// Owns: the protocol text of the exchange and the secret format. The cryptography (SHA-256,
// HMAC, PBKDF2, random salts and nonces, base64) is OpenSSL's; passwords are normalised with
// SASLprep (libidn's "SASLprep" stringprep profile) and, as PostgreSQL does, used as raw bytes
// when they are not valid UTF-8 or contain prohibited characters. Why not a SASL library:
// Debian's libgsasl offers SCRAM-SHA-256 servers but not tls-server-end-point channel binding
// (libpq's only kind), requires the SCRAM user name libpq leaves empty, and has no mock
// exchange for unknown roles; see doc/security.md.
//
// PostgreSQL's behaviour kept: the user name inside the SCRAM messages is ignored (the startup
// packet's is used); a role without a usable secret, or that does not exist, gets a "mock"
// exchange with a salt derived from its name and a server-wide key, which fails at the end
// exactly as a wrong password does, so a client cannot tell which roles exist. Malformed
// messages throw SqlError with PostgreSQL's SQLSTATE, message and DETAIL (08P01 "malformed
// SCRAM message", ...); the caller ends the connection with them as FATAL.
//
// Thread safety: free functions are thread-safe; a ScramServer belongs to one connection.
// Nothing here suspends (PBKDF2 with 4096 iterations takes about a millisecond).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hf::auth {

inline constexpr const char* kScramSha256 = "SCRAM-SHA-256";
inline constexpr const char* kScramSha256Plus = "SCRAM-SHA-256-PLUS";
inline constexpr int kScramDefaultIterations = 4096;  // PostgreSQL's SCRAM_DEFAULT_ITERATIONS
inline constexpr size_t kScramKeyLength = 32;         // SHA-256 output

using ScramKey = std::array<uint8_t, kScramKeyLength>;

// A parsed secret. salt holds raw bytes.
struct ScramSecret {
  int iterations = kScramDefaultIterations;
  std::string salt;
  ScramKey stored_key{};
  ScramKey server_key{};
  // The text stored in the catalog (PostgreSQL's format, base64 fields).
  std::string to_string() const;
};

// Parses a stored secret; nullopt when the text is not one.
std::optional<ScramSecret> parse_scram_secret(std::string_view text);
// Whether text is an MD5 password hash as PostgreSQL stores them ("md5" + 32 hex digits).
bool is_md5_hash(std::string_view text);

// The password as SCRAM hashes it: SASLprep'ed, or the raw bytes if that fails.
std::string prepare_password(std::string_view password);
// A new secret for password with a random 16-byte salt (PostgreSQL's pg_be_scram_build_secret).
std::string build_scram_secret(std::string_view password, int iterations = kScramDefaultIterations);
// The same with a given salt (tests, and verifying a plain password).
ScramSecret make_scram_secret(std::string_view password, std::string_view salt, int iterations);
// Whether a cleartext password (method "password") matches the secret.
bool verify_password(std::string_view password, const ScramSecret& secret);

// base64 as SCRAM uses it (RFC 4648, padded). decode returns nullopt for invalid input.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);
// Cryptographically strong random bytes (OpenSSL's RAND_bytes).
std::string random_bytes(size_t n);

// One server side of a SASL exchange.
class ScramServer {
 public:
  struct Options {
    // The mechanism the client picked in SASLInitialResponse (must be one the server offered).
    std::string mechanism;
    // The role's stored secret; nullopt (unknown role, no password, unparsable secret): a mock
    // exchange that fails at the end.
    std::optional<ScramSecret> secret;
    // For the mock salt: the role name from the startup packet and a server-wide secret key.
    std::string user;
    std::string mock_key;
    // Whether the connection is TLS, and the tls-server-end-point data (the hash of the
    // server's certificate) that SCRAM-SHA-256-PLUS binds to.
    bool tls = false;
    std::string certificate_hash;
    // Tests only: the server nonce to use instead of 18 random bytes in base64.
    std::string fixed_server_nonce;
  };
  enum class Step { kContinue, kSuccess, kFailure };

  // Throws SqlError 08P01 "client selected an invalid SASL authentication mechanism".
  explicit ScramServer(Options opts);
  // Feeds one client message (SASLInitialResponse's data, then SASLResponse's) and sets the
  // reply: server-first-message (kContinue), server-final-message (kSuccess). kFailure: the
  // proof did not match, or the exchange was a mock one; no reply (the caller sends FATAL
  // 28P01). Throws SqlError for malformed messages.
  Step exchange(std::string_view input, std::string& reply);

 private:
  void read_client_first(std::string_view input);
  void read_client_final(std::string_view input);
  bool proof_matches() const;

  enum class State { kInit, kSaltSent, kDone } state_ = State::kInit;
  Options opts_;
  bool channel_binding_ = false;  // the client picked SCRAM-SHA-256-PLUS
  bool doomed_ = false;           // mock exchange: fails whatever the proof
  ScramSecret secret_;
  char cbind_flag_ = 'n';
  std::string client_first_bare_;
  std::string client_nonce_;
  std::string server_nonce_;
  std::string server_first_;
  std::string client_final_without_proof_;
  std::string client_final_nonce_;
  std::string client_proof_;
};

// The mechanisms to offer in AuthenticationSASL, most preferred first.
std::vector<std::string> scram_mechanisms(bool tls);

}  // namespace hf::auth
