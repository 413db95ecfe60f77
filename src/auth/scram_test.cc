// auth/scram_test.cc — the SCRAM-SHA-256 server against RFC 7677's example exchange, against
// secrets PostgreSQL 15 stored, and against a client written here from RFC 5802 (with and
// without channel binding, wrong passwords, mock exchanges, malformed messages).
#include "auth/scram.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/error.h"

namespace hf::auth {
namespace {

// RFC 7677, section 3: user "user", password "pencil".
constexpr const char* kClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr const char* kServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr const char* kServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr const char* kClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr const char* kServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

ScramSecret rfc_secret() {
  return make_scram_secret("pencil", *base64_decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
}

ScramServer::Options rfc_options() {
  ScramServer::Options o;
  o.mechanism = kScramSha256;
  o.secret = rfc_secret();
  o.user = "user";
  o.fixed_server_nonce = kServerNonce;
  return o;
}

TEST(Scram, Rfc7677Exchange) {
  ScramServer s(rfc_options());
  std::string reply;
  ASSERT_EQ(s.exchange(kClientFirst, reply), ScramServer::Step::kContinue);
  EXPECT_EQ(reply, kServerFirst);
  ASSERT_EQ(s.exchange(kClientFinal, reply), ScramServer::Step::kSuccess);
  EXPECT_EQ(reply, kServerFinal);
}

TEST(Scram, Rfc7677WrongProofFails) {
  ScramServer s(rfc_options());
  std::string reply;
  s.exchange(kClientFirst, reply);
  std::string bad = kClientFinal;
  bad.replace(bad.find("p=d") + 2, 1, "e");  // another proof of the same length
  EXPECT_EQ(s.exchange(bad, reply), ScramServer::Step::kFailure);
  EXPECT_TRUE(reply.empty());
}

TEST(Scram, SecretTextRoundTrip) {
  ScramSecret s = rfc_secret();
  std::string text = s.to_string();
  EXPECT_EQ(text.rfind("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$", 0), 0u) << text;
  auto back = parse_scram_secret(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->iterations, 4096);
  EXPECT_EQ(back->salt, s.salt);
  EXPECT_EQ(back->stored_key, s.stored_key);
  EXPECT_EQ(back->server_key, s.server_key);
  EXPECT_TRUE(verify_password("pencil", *back));
  EXPECT_FALSE(verify_password("pencils", *back));
}

TEST(Scram, ParsesOnlyWellFormedSecrets) {
  std::string good = rfc_secret().to_string();
  EXPECT_TRUE(parse_scram_secret(good));
  EXPECT_FALSE(parse_scram_secret("pencil"));
  EXPECT_FALSE(parse_scram_secret("SCRAM-SHA-1$4096:abcd$x:y"));
  EXPECT_FALSE(parse_scram_secret("SCRAM-SHA-256$x:W22ZaJ0SNY7soEsUEjb6gQ==$a:b"));
  EXPECT_FALSE(parse_scram_secret("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$abc:def"));
  std::string short_key = good.substr(0, good.size() - 4);
  EXPECT_FALSE(parse_scram_secret(short_key));
  EXPECT_TRUE(is_md5_hash("md5" + std::string(32, 'a')));
  EXPECT_FALSE(is_md5_hash("md5" + std::string(31, 'a')));
  EXPECT_FALSE(is_md5_hash(good));
}

// Secrets PostgreSQL 15.18 stored for CREATE ROLE ... PASSWORD 'pencil', 'Ⅸ straße' and
// E'a\u00A0b': the same password verifies here, including SASLprep's mappings (NFKC turns Ⅸ
// into IX; a no-break space becomes a space).
TEST(Scram, VerifiesPostgresSecrets) {
  auto p1 = parse_scram_secret(
      "SCRAM-SHA-256$4096:89cIwk38uYTWs87EzJMWKQ==$rwRgXV34BJKkLR6iLIw+gwB2vAf6qiB1YfkyG9PVupQ=:"
      "WkgWchAJTvyF7THknK4AOz5PeDKAJTpGXIZ3GGg1Tiw=");
  ASSERT_TRUE(p1);
  EXPECT_TRUE(verify_password("pencil", *p1));
  EXPECT_FALSE(verify_password("Pencil", *p1));
  auto p2 = parse_scram_secret(
      "SCRAM-SHA-256$4096:yybpXdXVjNuldXO6hiQv8A==$Gcq7aqmfiW5mdPkVhO0r6NSjbnJSa2PBDzM4LHqRUcQ=:"
      "4imCX2FXi9FEPuYyijvvqdpOD6VKW8jGYlDy3SJ2yTE=");
  ASSERT_TRUE(p2);
  EXPECT_TRUE(verify_password("\u2168 stra\u00dfe", *p2));
  EXPECT_TRUE(verify_password("IX stra\u00dfe", *p2));
  EXPECT_FALSE(verify_password("IX strasse", *p2));
  auto p3 = parse_scram_secret(
      "SCRAM-SHA-256$4096:dstjyNawR5BNnQbKL/EHjQ==$nAT3w6y3j7ygVUSBwj+dE4Yb1g2hWpoB+XB14B6LwJY=:"
      "tkX9eKR2V3jYaZUpwy2/3Ol+6yDyz/O/DGpxh/O4QZw=");
  ASSERT_TRUE(p3);
  EXPECT_TRUE(verify_password("a b", *p3));
}

TEST(Scram, InvalidUtf8PasswordsAreUsedRaw) {
  std::string raw = "\xff\xfe";
  EXPECT_EQ(prepare_password(raw), raw);
  std::string ctl = "a\x01z";  // a prohibited control character
  EXPECT_EQ(prepare_password(ctl), ctl);
  EXPECT_EQ(prepare_password("plain"), "plain");
}

// ---- a client, from RFC 5802 ----

std::string hmac_of(std::string_view key, std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string sha256_of(std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

struct Client {
  std::string password;
  std::string gs2 = "n,,";
  std::string cbind_data;  // appended to gs2 in c=
  std::string nonce = "clientnonce123";
  std::string first_bare() const { return "n=,r=" + nonce; }
  std::string first() const { return gs2 + first_bare(); }
  std::string server_signature;
  std::string final_for(const std::string& server_first) {
    std::string r, s;
    int iters = 0;
    for (size_t pos = 0; pos < server_first.size();) {
      size_t end = server_first.find(',', pos);
      if (end == std::string::npos) end = server_first.size();
      std::string attr = server_first.substr(pos, end - pos);
      if (attr[0] == 'r') r = attr.substr(2);
      if (attr[0] == 's') s = *base64_decode(attr.substr(2));
      if (attr[0] == 'i') iters = std::stoi(attr.substr(2));
      pos = end + 1;
    }
    unsigned char salted[32];
    std::string pw = prepare_password(password);
    PKCS5_PBKDF2_HMAC(pw.data(), static_cast<int>(pw.size()),
                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()),
                      iters, EVP_sha256(), 32, salted);
    std::string salted_s(reinterpret_cast<char*>(salted), 32);
    std::string client_key = hmac_of(salted_s, "Client Key");
    std::string stored = sha256_of(client_key);
    std::string without_proof = "c=" + base64_encode(gs2 + cbind_data) + ",r=" + r;
    std::string auth = first_bare() + "," + server_first + "," + without_proof;
    std::string sig = hmac_of(stored, auth);
    std::string proof(32, '\0');
    for (int i = 0; i < 32; ++i) proof[i] = static_cast<char>(client_key[i] ^ sig[i]);
    server_signature = "v=" + base64_encode(hmac_of(hmac_of(salted_s, "Server Key"), auth));
    return without_proof + ",p=" + base64_encode(proof);
  }
};

ScramServer::Options options_for(const std::string& password) {
  ScramServer::Options o;
  o.mechanism = kScramSha256;
  o.secret = *parse_scram_secret(build_scram_secret(password));
  o.user = "alice";
  return o;
}

ScramServer::Step run(ScramServer& s, Client& c, std::string* final_reply = nullptr) {
  std::string reply;
  EXPECT_EQ(s.exchange(c.first(), reply), ScramServer::Step::kContinue);
  EXPECT_EQ(reply.rfind("r=" + c.nonce, 0), 0u) << reply;
  auto step = s.exchange(c.final_for(reply), reply);
  if (final_reply) *final_reply = reply;
  return step;
}

TEST(Scram, ClientWithRightPasswordSucceedsAndVerifiesServer) {
  ScramServer s(options_for("s3cret"));
  Client c{"s3cret"};
  std::string reply;
  ASSERT_EQ(run(s, c, &reply), ScramServer::Step::kSuccess);
  EXPECT_EQ(reply, c.server_signature);
}

TEST(Scram, ClientWithWrongPasswordFails) {
  ScramServer s(options_for("s3cret"));
  Client c{"secret"};
  EXPECT_EQ(run(s, c), ScramServer::Step::kFailure);
}

TEST(Scram, MockExchangeFailsAndLooksReal) {
  ScramServer::Options o;
  o.mechanism = kScramSha256;
  o.user = "nobody";
  o.mock_key = "0123456789abcdef0123456789abcdef";
  ScramServer s1(o), s2(o);
  Client c{"whatever"};
  std::string r1, r2;
  s1.exchange(c.first(), r1);
  s2.exchange(c.first(), r2);
  // Same salt and iteration count for the same role name each time, as a real secret has.
  EXPECT_EQ(r1.substr(r1.find(",s=")), r2.substr(r2.find(",s=")));
  EXPECT_NE(r1.find(",i=4096"), std::string::npos);
  std::string salt1 = r1.substr(r1.find(",s="));
  EXPECT_EQ(s1.exchange(c.final_for(r1), r1), ScramServer::Step::kFailure);
  o.user = "somebody";
  ScramServer s3(o);
  s3.exchange(c.first(), r2);
  EXPECT_NE(salt1, r2.substr(r2.find(",s=")));
}

TEST(Scram, ChannelBindingOverTls) {
  auto o = options_for("pw");
  o.mechanism = kScramSha256Plus;
  o.tls = true;
  o.certificate_hash = std::string("\x01\x02\x03\x04", 4);
  {
    ScramServer s(o);
    Client c{"pw"};
    c.gs2 = "p=tls-server-end-point,,";
    c.cbind_data = o.certificate_hash;
    EXPECT_EQ(run(s, c), ScramServer::Step::kSuccess);
  }
  {
    ScramServer s(o);
    Client c{"pw"};
    c.gs2 = "p=tls-server-end-point,,";
    c.cbind_data = "other certificate";
    std::string reply;
    s.exchange(c.first(), reply);
    try {
      s.exchange(c.final_for(reply), reply);
      FAIL() << "binding to another certificate accepted";
    } catch (const SqlError& e) {
      EXPECT_EQ(e.error().sqlstate, "28000");
      EXPECT_EQ(e.error().message, "SCRAM channel binding check failed");
    }
  }
  {
    // Without -PLUS over TLS, "y" (client could bind, thinks the server cannot) is refused.
    auto plain = o;
    plain.mechanism = kScramSha256;
    ScramServer s(plain);
    Client c{"pw"};
    c.gs2 = "y,,";
    std::string reply;
    try {
      s.exchange(c.first(), reply);
      FAIL();
    } catch (const SqlError& e) {
      EXPECT_EQ(e.error().sqlstate, "28000");
      EXPECT_EQ(e.error().message, "SCRAM channel binding negotiation error");
    }
  }
  {
    auto plain = o;
    plain.mechanism = kScramSha256;
    plain.tls = false;
    ScramServer s(plain);
    Client c{"pw"};
    c.gs2 = "y,,";
    EXPECT_EQ(run(s, c), ScramServer::Step::kSuccess);
  }
}

void expect_error(ScramServer& s, const std::string& msg, const std::string& state,
                  const std::string& message, const std::string& detail) {
  std::string reply;
  try {
    s.exchange(msg, reply);
    FAIL() << "accepted: " << msg;
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, state) << msg;
    EXPECT_EQ(e.error().message, message) << msg;
    EXPECT_EQ(e.error().detail, detail) << msg;
  }
}

TEST(Scram, MalformedMessagesGetPostgresErrors) {
  auto o = options_for("pw");
  const std::string m = "malformed SCRAM message";
  {
    ScramServer s(o);
    expect_error(s, "x,,n=,r=abc", "08P01", m, "Unexpected channel-binding flag \"'x'\".");
  }
  {
    ScramServer s(o);
    expect_error(s, "p=tls-server-end-point,,n=,r=abc", "08P01", m,
                 "The client selected SCRAM-SHA-256 without channel binding, but the SCRAM "
                 "message includes channel binding data.");
  }
  {
    ScramServer s(o);
    expect_error(s, "n,a=admin,n=,r=abc", "0A000",
                 "client uses authorization identity, but it is not supported", "");
  }
  {
    ScramServer s(o);
    expect_error(s, "n,,m=ext,n=,r=abc", "0A000", "client requires an unsupported SCRAM extension",
                 "");
  }
  {
    ScramServer s(o);
    expect_error(s, "n,,r=abc", "08P01", m, "Expected attribute \"n\" but found \"'r'\".");
  }
  {
    ScramServer s(o);
    expect_error(s, "n;,n=,r=abc", "08P01", m, "Comma expected, but found character \"';'\".");
  }
  {
    ScramServer s(o);
    std::string reply;
    s.exchange("n,,n=,r=abc", reply);
    expect_error(s, "c=biws,r=abcWRONG,p=" + base64_encode(std::string(32, 'x')), "08P01",
                 "invalid SCRAM response", "Nonce does not match.");
  }
  {
    ScramServer s(o);
    std::string reply;
    s.exchange("n,,n=,r=abc", reply);
    std::string nonce = reply.substr(2, reply.find(',') - 2);
    expect_error(s, "c=biws,r=" + nonce + ",p=AAAA", "08P01", m,
                 "Malformed proof in client-final-message.");
  }
  {
    ScramServer s(o);
    std::string reply;
    s.exchange("n,,n=,r=abc", reply);
    std::string nonce = reply.substr(2, reply.find(',') - 2);
    expect_error(s, "c=eSws,r=" + nonce + ",p=" + base64_encode(std::string(32, 'x')), "08P01",
                 "unexpected SCRAM channel-binding attribute in client-final-message", "");
  }
  {
    ScramServer s(o);
    expect_error(s, "", "08P01", m, "The message is empty.");
  }
  {
    auto bad = o;
    bad.mechanism = "SCRAM-SHA-1";
    try {
      ScramServer s(bad);
      FAIL();
    } catch (const SqlError& e) {
      EXPECT_EQ(e.error().message, "client selected an invalid SASL authentication mechanism");
    }
    bad.mechanism = kScramSha256Plus;  // -PLUS without TLS was never offered
    EXPECT_THROW(ScramServer{bad}, SqlError);
  }
}

TEST(Scram, MechanismsOffered) {
  EXPECT_EQ(scram_mechanisms(false), std::vector<std::string>{"SCRAM-SHA-256"});
  EXPECT_EQ(scram_mechanisms(true),
            (std::vector<std::string>{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}));
}

TEST(Scram, Base64) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("n,,"), "biws");
  EXPECT_EQ(base64_encode("ab"), "YWI=");
  EXPECT_EQ(*base64_decode("YWI="), "ab");
  EXPECT_EQ(*base64_decode("YQ=="), "a");
  EXPECT_FALSE(base64_decode("YWI"));
  EXPECT_FALSE(base64_decode("Y!I="));
  EXPECT_FALSE(base64_decode(" YWI="));
}

}  // namespace
}  // namespace hf::auth
