// auth/scram.cc — see scram.h.
#include "auth/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stringprep.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "common/error.h"

namespace hf::auth {

namespace {

constexpr size_t kSaltLength = 16;      // SCRAM_DEFAULT_SALT_LEN
constexpr size_t kRawNonceLength = 18;  // SCRAM_RAW_NONCE_LEN

ScramKey hmac(const ScramKey& key, std::string_view data) {
  ScramKey out{};
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len))
    throw std::runtime_error("HMAC-SHA-256 failed");
  return out;
}

ScramKey sha256(const ScramKey& data) {
  ScramKey out{};
  unsigned int len = 0;
  if (!EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr))
    throw std::runtime_error("SHA-256 failed");
  return out;
}

ScramKey salted_password(std::string_view prepared, std::string_view salt, int iterations) {
  ScramKey out{};
  if (!PKCS5_PBKDF2_HMAC(prepared.data(), static_cast<int>(prepared.size()),
                         reinterpret_cast<const unsigned char*>(salt.data()),
                         static_cast<int>(salt.size()), iterations, EVP_sha256(),
                         static_cast<int>(out.size()), out.data()))
    throw std::runtime_error("PBKDF2 failed");
  return out;
}

std::string as_string(const ScramKey& k) {
  return std::string(reinterpret_cast<const char*>(k.data()), k.size());
}

bool decode_key(std::string_view text, ScramKey& out) {
  auto raw = base64_decode(text);
  if (!raw || raw->size() != out.size()) return false;
  std::memcpy(out.data(), raw->data(), out.size());
  return true;
}

// PostgreSQL's sanitize_char: a printable character quoted, anything else in hex.
std::string sanitize_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u <= 0x7e) return std::string("'") + c + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", u);
  return buf;
}

// PostgreSQL's sanitize_str: non-printable characters as '?', at most 30 characters.
std::string sanitize_str(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 30)) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x21 && u <= 0x7e ? c : '?');
  }
  return out;
}

[[noreturn]] void malformed(std::string detail) {
  throw SqlError(sqlstate::kProtocolViolation, "malformed SCRAM message", std::move(detail));
}

// A cursor over one SCRAM message: attribute=value pairs separated by commas.
class AttrReader {
 public:
  explicit AttrReader(std::string_view s) : s_(s) {}
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool at_end() const { return pos_ >= s_.size(); }
  size_t pos() const { return pos_; }
  void skip(size_t n = 1) { pos_ = std::min(s_.size(), pos_ + n); }
  std::string_view rest() const { return s_.substr(pos_); }

  // PostgreSQL's read_attr_value: "attr=value" up to the next comma (consumed).
  std::string_view value_of(char attr) {
    if (peek() != attr)
      malformed(std::string("Expected attribute \"") + attr + "\" but found \"" +
                sanitize_char(peek()) + "\".");
    skip();
    if (peek() != '=')
      malformed(std::string("Expected character \"=\" for attribute \"") + attr + "\".");
    skip();
    return take_value();
  }
  // PostgreSQL's read_any_attr.
  std::string_view any(char& attr) {
    char c = peek();
    if (c == '\0') malformed("Attribute expected, but found end of string.");
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
      malformed("Attribute expected, but found invalid character \"" + sanitize_char(c) + "\".");
    attr = c;
    skip();
    if (peek() != '=')
      malformed(std::string("Expected character \"=\" for attribute \"") + c + "\".");
    skip();
    return take_value();
  }

 private:
  std::string_view take_value() {
    size_t end = s_.find(',', pos_);
    if (end == std::string_view::npos) end = s_.size();
    std::string_view v = s_.substr(pos_, end - pos_);
    pos_ = end < s_.size() ? end + 1 : end;
    return v;
  }
  std::string_view s_;
  size_t pos_ = 0;
};

bool printable(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e || c == ',') return false;
  }
  return true;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  // EVP_DecodeBlock skips surrounding blanks and counts padding as zero bytes; SCRAM's base64
  // has neither blanks nor a length that is not a multiple of 4.
  if (text.size() % 4 != 0) return std::nullopt;
  for (char c : text)
    if (std::isspace(static_cast<unsigned char>(c))) return std::nullopt;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  std::string out(3 * (text.size() / 4) + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0 || static_cast<size_t>(n) < pad) return std::nullopt;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw SqlError(sqlstate::kInternalError, "could not generate random salt");
  return out;
}

std::string ScramSecret::to_string() const {
  return std::string(kScramSha256) + "$" + std::to_string(iterations) + ":" + base64_encode(salt) +
         "$" + base64_encode(as_string(stored_key)) + ":" + base64_encode(as_string(server_key));
}

std::optional<ScramSecret> parse_scram_secret(std::string_view text) {
  // SCRAM-SHA-256$<iterations>:<salt>$<storedkey>:<serverkey>
  size_t d1 = text.find('$');
  if (d1 == std::string_view::npos || text.substr(0, d1) != kScramSha256) return std::nullopt;
  size_t c1 = text.find(':', d1 + 1);
  if (c1 == std::string_view::npos) return std::nullopt;
  size_t d2 = text.find('$', c1 + 1);
  if (d2 == std::string_view::npos) return std::nullopt;
  size_t c2 = text.find(':', d2 + 1);
  if (c2 == std::string_view::npos) return std::nullopt;
  std::string iter(text.substr(d1 + 1, c1 - d1 - 1));
  if (iter.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long it = std::strtol(iter.c_str(), &end, 10);
  if (*end || errno || it <= 0 || it > INT32_MAX) return std::nullopt;
  ScramSecret s;
  s.iterations = static_cast<int>(it);
  auto salt = base64_decode(text.substr(c1 + 1, d2 - c1 - 1));
  if (!salt) return std::nullopt;
  s.salt = std::move(*salt);
  if (!decode_key(text.substr(d2 + 1, c2 - d2 - 1), s.stored_key)) return std::nullopt;
  if (!decode_key(text.substr(c2 + 1), s.server_key)) return std::nullopt;
  return s;
}

bool is_md5_hash(std::string_view text) {
  if (text.size() != 35 || text.substr(0, 3) != "md5") return false;
  for (char c : text.substr(3))
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string prepare_password(std::string_view password) {
  std::string in(password);
  char* out = nullptr;
  // Flags 0: unassigned code points allowed (SASLprep for a "query" string, as PostgreSQL
  // treats passwords); bidirectional and prohibited-character checks on.
  if (stringprep_profile(in.c_str(), &out, "SASLprep", Stringprep_profile_flags(0)) !=
          STRINGPREP_OK ||
      out == nullptr) {
    std::free(out);
    return in;
  }
  std::string prepared(out);
  std::free(out);
  return prepared;
}

ScramSecret make_scram_secret(std::string_view password, std::string_view salt, int iterations) {
  ScramKey salted = salted_password(prepare_password(password), salt, iterations);
  ScramSecret s;
  s.iterations = iterations;
  s.salt = std::string(salt);
  s.stored_key = sha256(hmac(salted, "Client Key"));
  s.server_key = hmac(salted, "Server Key");
  return s;
}

std::string build_scram_secret(std::string_view password, int iterations) {
  return make_scram_secret(password, random_bytes(kSaltLength), iterations).to_string();
}

bool verify_password(std::string_view password, const ScramSecret& secret) {
  ScramKey salted = salted_password(prepare_password(password), secret.salt, secret.iterations);
  ScramKey server_key = hmac(salted, "Server Key");
  return CRYPTO_memcmp(server_key.data(), secret.server_key.data(), server_key.size()) == 0;
}

std::vector<std::string> scram_mechanisms(bool tls) {
  if (tls) return {kScramSha256Plus, kScramSha256};
  return {kScramSha256};
}

ScramServer::ScramServer(Options opts) : opts_(std::move(opts)) {
  if (opts_.mechanism == kScramSha256Plus && opts_.tls) {
    channel_binding_ = true;
  } else if (opts_.mechanism != kScramSha256) {
    throw SqlError(sqlstate::kProtocolViolation,
                   "client selected an invalid SASL authentication mechanism");
  }
  if (opts_.secret) {
    secret_ = *opts_.secret;
  } else {
    // A mock secret: the salt a real one would plausibly have, from the role name and a
    // server-wide key, so that repeated attempts for an unknown role look like a real one.
    ScramKey key{};
    std::memcpy(key.data(), opts_.mock_key.data(), std::min(key.size(), opts_.mock_key.size()));
    secret_.salt = as_string(hmac(key, opts_.user)).substr(0, kSaltLength);
    secret_.iterations = kScramDefaultIterations;
    doomed_ = true;
  }
}

ScramServer::Step ScramServer::exchange(std::string_view input, std::string& reply) {
  reply.clear();
  if (input.empty()) malformed("The message is empty.");
  if (input.find('\0') != std::string_view::npos)
    malformed("Message length does not match input length.");
  switch (state_) {
    case State::kInit: {
      read_client_first(input);
      if (!opts_.fixed_server_nonce.empty())
        server_nonce_ = opts_.fixed_server_nonce;
      else
        server_nonce_ = base64_encode(random_bytes(kRawNonceLength));
      server_first_ = "r=" + client_nonce_ + server_nonce_ + ",s=" + base64_encode(secret_.salt) +
                      ",i=" + std::to_string(secret_.iterations);
      reply = server_first_;
      state_ = State::kSaltSent;
      return Step::kContinue;
    }
    case State::kSaltSent: {
      read_client_final(input);
      if (client_final_nonce_ != client_nonce_ + server_nonce_)
        throw SqlError(sqlstate::kProtocolViolation, "invalid SCRAM response",
                       "Nonce does not match.");
      // The proof is checked even in a mock exchange, so that its timing does not tell.
      bool ok = proof_matches();
      state_ = State::kDone;
      if (!ok || doomed_) return Step::kFailure;
      std::string auth_message =
          client_first_bare_ + "," + server_first_ + "," + client_final_without_proof_;
      reply = "v=" + base64_encode(as_string(hmac(secret_.server_key, auth_message)));
      return Step::kSuccess;
    }
    case State::kDone:
      break;
  }
  throw SqlError(sqlstate::kInternalError, "invalid SCRAM exchange state");
}

void ScramServer::read_client_first(std::string_view input) {
  AttrReader r(input);
  cbind_flag_ = r.peek();
  switch (cbind_flag_) {
    case 'n':
    case 'y':
      if (channel_binding_)
        malformed(
            "The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include "
            "channel binding data.");
      // 'y': the client could bind but thinks the server cannot; over TLS the server can, so a
      // man in the middle may have removed -PLUS from the offer.
      if (cbind_flag_ == 'y' && opts_.tls)
        throw SqlError(sqlstate::kInvalidAuthorizationSpecification,
                       "SCRAM channel binding negotiation error",
                       "The client supports SCRAM channel binding but thinks the server does "
                       "not.  However, this server does support channel binding.");
      r.skip();
      if (r.peek() != ',')
        malformed("Comma expected, but found character \"" + sanitize_char(r.peek()) + "\".");
      r.skip();
      break;
    case 'p': {
      if (!channel_binding_)
        malformed(
            "The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message "
            "includes channel binding data.");
      std::string_view type = r.value_of('p');
      if (type != "tls-server-end-point")
        throw SqlError(sqlstate::kProtocolViolation,
                       "unsupported SCRAM channel-binding type \"" + sanitize_str(type) + "\"");
      break;
    }
    default:
      malformed("Unexpected channel-binding flag \"" + sanitize_char(cbind_flag_) + "\".");
  }
  if (r.peek() == 'a')
    throw SqlError(sqlstate::kFeatureNotSupported,
                   "client uses authorization identity, but it is not supported");
  if (r.peek() != ',')
    malformed("Unexpected attribute \"" + sanitize_char(r.peek()) + "\" in client-first-message.");
  r.skip();
  client_first_bare_ = std::string(r.rest());
  if (r.peek() == 'm')
    throw SqlError(sqlstate::kFeatureNotSupported,
                   "client requires an unsupported SCRAM extension");
  (void)r.value_of('n');  // the SCRAM user name is ignored: the startup packet's counts
  client_nonce_ = std::string(r.value_of('r'));
  if (!printable(client_nonce_))
    throw SqlError(sqlstate::kProtocolViolation, "non-printable characters in SCRAM nonce");
  char attr = 0;
  while (!r.at_end()) (void)r.any(attr);  // extensions: ignored
}

void ScramServer::read_client_final(std::string_view input) {
  AttrReader r(input);
  std::string_view binding = r.value_of('c');
  if (channel_binding_) {
    std::string expected = base64_encode("p=tls-server-end-point,," + opts_.certificate_hash);
    if (binding != expected)
      throw SqlError(sqlstate::kInvalidAuthorizationSpecification,
                     "SCRAM channel binding check failed");
  } else if (!(binding == "biws" && cbind_flag_ == 'n') &&
             !(binding == "eSws" && cbind_flag_ == 'y')) {
    throw SqlError(sqlstate::kProtocolViolation,
                   "unexpected SCRAM channel-binding attribute in client-final-message");
  }
  client_final_nonce_ = std::string(r.value_of('r'));
  // Extensions may come before the proof; the proof is the last attribute.
  size_t proof_start = 0;
  std::string_view proof;
  for (char attr = 0; attr != 'p';) {
    proof_start = r.pos();
    proof = r.any(attr);
  }
  auto raw = base64_decode(proof);
  if (!raw || raw->size() != kScramKeyLength) malformed("Malformed proof in client-final-message.");
  client_proof_ = std::move(*raw);
  if (!r.at_end()) malformed("Garbage found at the end of client-final-message.");
  // Without the comma before "p=".
  client_final_without_proof_ = std::string(input.substr(0, proof_start > 0 ? proof_start - 1 : 0));
}

bool ScramServer::proof_matches() const {
  std::string auth_message =
      client_first_bare_ + "," + server_first_ + "," + client_final_without_proof_;
  ScramKey signature = hmac(secret_.stored_key, auth_message);
  ScramKey client_key{};
  for (size_t i = 0; i < client_key.size(); ++i)
    client_key[i] = static_cast<uint8_t>(static_cast<uint8_t>(client_proof_[i]) ^ signature[i]);
  ScramKey stored = sha256(client_key);
  return CRYPTO_memcmp(stored.data(), secret_.stored_key.data(), stored.size()) == 0;
}

}  // namespace hf::auth
