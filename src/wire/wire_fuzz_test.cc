// Fuzz-style protocol test (tests/fuzz lives here so the wire test binary runs it): random
// and truncated messages sent to a running in-process server. Each bad connection gets an
// error or is closed; no other connection is affected; the server keeps answering.
#include <gtest/gtest.h>

#include <random>

#include "wire/test_support_for_tests.h"

namespace hf::wire {
namespace {

using testing::RawClient;
using testing::TestServer;

// A fresh connection still works.
void expect_server_alive(TestServer& s) {
  RawClient c(s.port);
  ASSERT_TRUE(c.connected());
  c.send(RawClient::startup("probe"));
  ASSERT_EQ(c.until_ready().back(), 'Z');
  c.send(RawClient::query("SELECT 11"));
  EXPECT_EQ(c.until_ready(), "TDCZ");
}

std::string random_bytes(std::mt19937& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

TEST(WireFuzz, InvalidMessageTypeIsFatalForThatConnectionOnly) {
  TestServer s;
  RawClient bystander(s.port);
  bystander.send(RawClient::startup("bystander"));
  bystander.until_ready();

  RawClient c(s.port);
  c.send(RawClient::startup());
  c.until_ready();
  c.send(std::string("\x01\0\0\0\x04", 5));
  std::string code, severity;
  c.until_ready(&code, &severity);
  EXPECT_EQ(code, "08P01");
  EXPECT_EQ(severity, "FATAL");
  EXPECT_TRUE(c.closed_by_server());

  bystander.send(RawClient::query("SELECT 2"));
  EXPECT_EQ(bystander.until_ready(), "TDCZ");
  expect_server_alive(s);
}

TEST(WireFuzz, InvalidLengthsAreFatal) {
  TestServer s;
  for (int32_t len : {0, 3, -1, -100000, 0x40000000}) {
    RawClient c(s.port);
    c.send(RawClient::startup());
    c.until_ready();
    std::string m("Q");
    MessageWriter(m).int32(len);
    c.send(m);
    std::string code, severity;
    c.until_ready(&code, &severity);
    EXPECT_EQ(code, "08P01") << len;
    EXPECT_EQ(severity, "FATAL") << len;
    EXPECT_TRUE(c.closed_by_server()) << len;
  }
  expect_server_alive(s);
}

TEST(WireFuzz, MalformedBodiesAreErrorsAndTheConnectionGoesOn) {
  TestServer s;
  RawClient c(s.port);
  c.send(RawClient::startup());
  c.until_ready();
  std::string code;
  // Query without its terminating NUL.
  c.send(RawClient::msg('Q', "SELECT 1"));
  EXPECT_EQ(c.until_ready(&code), "EZ");
  EXPECT_EQ(code, "08P01");
  // Bind claiming more parameters than it carries: error, skip to Sync.
  std::string b;
  MessageWriter(b).cstr("").cstr("").int16(0).int16(3).int32(100);
  c.send(RawClient::msg('B', b) + RawClient::msg('S', ""));
  EXPECT_EQ(c.until_ready(&code), "EZ");
  EXPECT_EQ(code, "08P01");
  // Describe with a bad subtype.
  std::string d;
  MessageWriter(d).int8('Z').cstr("");
  c.send(RawClient::msg('D', d) + RawClient::msg('S', ""));
  EXPECT_EQ(c.until_ready(&code), "EZ");
  c.send(RawClient::query("SELECT 4"));
  EXPECT_EQ(c.until_ready(), "TDCZ");
}

TEST(WireFuzz, BadStartupPackets) {
  TestServer s;
  std::mt19937 rng(7);
  for (int i = 0; i < 50; ++i) {
    RawClient c(s.port);
    std::string body = random_bytes(rng, rng() % 64);
    std::string pkt;
    MessageWriter(pkt).int32(static_cast<int32_t>(i % 5 == 0 ? rng() : body.size() + 4));
    pkt += body;
    c.send(pkt);
    ::shutdown(c.fd(), SHUT_WR);
    EXPECT_TRUE(c.closed_by_server()) << i;
  }
  // Protocol 2.0 is refused with FATAL.
  RawClient c(s.port);
  std::string body;
  MessageWriter(body).int32(2 << 16).cstr("user").cstr("x").int8(0);
  std::string pkt;
  MessageWriter(pkt).int32(static_cast<int32_t>(body.size() + 4)).bytes(body);
  c.send(pkt);
  std::string code, severity;
  c.until_ready(&code, &severity);
  EXPECT_EQ(code, "0A000");
  EXPECT_EQ(severity, "FATAL");
  expect_server_alive(s);
}

TEST(WireFuzz, RandomAndTruncatedMessages) {
  TestServer s;
  RawClient bystander(s.port);
  bystander.send(RawClient::startup("bystander"));
  bystander.until_ready();
  std::mt19937 rng(12345);
  const std::string types = "QPBDECSHXdcfF";
  for (int i = 0; i < 300; ++i) {
    RawClient c(s.port);
    c.send(RawClient::startup());
    ASSERT_EQ(c.until_ready().back(), 'Z') << i;
    std::string stream;
    int nmsgs = 1 + static_cast<int>(rng() % 6);
    for (int m = 0; m < nmsgs; ++m) {
      switch (rng() % 4) {
        case 0:  // pure garbage
          stream += random_bytes(rng, 1 + rng() % 40);
          break;
        case 1: {  // well-framed, known type, random body
          char t = types[rng() % types.size()];
          if (t == 'X') t = 'S';
          stream += RawClient::msg(t, random_bytes(rng, rng() % 40));
          break;
        }
        case 2: {  // truncated: claims more than it sends
          std::string full = RawClient::msg(types[rng() % types.size()], random_bytes(rng, 30));
          stream += full.substr(0, 1 + rng() % (full.size() - 1));
          break;
        }
        default:  // valid query
          stream += RawClient::query(rng() % 2 ? "SELECT 1" : "FAIL");
      }
    }
    c.send(stream);
    // Closing our side: the server must finish with this connection and close it, whatever
    // state the garbage left it in (never hang, never crash).
    ::shutdown(c.fd(), SHUT_WR);
    EXPECT_TRUE(c.closed_by_server()) << "iteration " << i;
  }
  bystander.send(RawClient::query("SELECT 3"));
  EXPECT_EQ(bystander.until_ready(), "TDCZ");
  expect_server_alive(s);
  // Every fuzz connection ended.
  for (int i = 0; i < 200 && s.server->connections() > 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(s.server->connections(), 1u);
}

TEST(WireFuzz, CopyMessagesOutsideCopyAreIgnored) {
  TestServer s;
  RawClient c(s.port);
  c.send(RawClient::startup());
  c.until_ready();
  c.send(RawClient::msg('d', "abc") + RawClient::msg('c', "") +
         RawClient::msg('f', std::string("x\0", 2)) + RawClient::query("SELECT 6"));
  EXPECT_EQ(c.until_ready(), "TDCZ");
}

}  // namespace
}  // namespace hf::wire
