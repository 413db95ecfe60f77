#include "wire/protocol.h"

#include <gtest/gtest.h>

namespace hf::wire {
namespace {

std::string be32(int32_t v) {
  std::string s;
  MessageWriter w(s);
  w.int32(v);
  return s;
}

TEST(ProtocolTest, FramesMessagesWithLengthIncludingItself) {
  std::string out;
  write_command_complete(out, "SELECT 1");
  ASSERT_EQ(out.size(), 1u + 4 + 9);
  EXPECT_EQ(out[0], 'C');
  EXPECT_EQ(out.substr(1, 4), be32(13));
  EXPECT_EQ(out.substr(5), std::string("SELECT 1\0", 9));
  out.clear();
  write_ready_for_query(out, 'T');
  EXPECT_EQ(out, std::string("Z\0\0\0\x05T", 6));
  out.clear();
  write_simple(out, '1');
  EXPECT_EQ(out, std::string("1\0\0\0\x04", 5));
}

TEST(ProtocolTest, DataRowEncodesNullsAndValues) {
  std::string out;
  write_data_row(out, {std::string("ab"), std::nullopt});
  EXPECT_EQ(out, std::string("D", 1) + be32(4 + 2 + 4 + 2 + 4) + std::string("\0\x02", 2) +
                     be32(2) + "ab" + be32(-1));
}

TEST(ProtocolTest, RowDescription) {
  std::string out;
  session::FieldDesc f;
  f.name = "a";
  f.type_oid = 23;
  f.type_len = 4;
  write_row_description(out, {f});
  MessageReader r(std::string_view(out).substr(5));
  EXPECT_EQ(r.int16(), 1);
  EXPECT_EQ(r.cstr(), "a");
  EXPECT_EQ(r.int32(), 0);
  EXPECT_EQ(r.int16(), 0);
  EXPECT_EQ(r.int32(), 23);
  EXPECT_EQ(r.int16(), 4);
  EXPECT_EQ(r.int32(), -1);
  EXPECT_EQ(r.int16(), 0);
  r.expect_end();
}

TEST(ProtocolTest, RowDescriptionKeepsEveryFieldsBytes) {
  std::string out;
  session::FieldDesc a, b;
  a.name = "first";
  a.table_oid = 0x80000001u;
  a.column = -2;
  a.type_oid = 0x01020304u;
  a.type_len = -1;
  a.typmod = 0x7ffffffe;
  a.format = 1;
  b.name = "";
  b.typmod = -5;
  write_row_description(out, {a, b});
  EXPECT_EQ(out.substr(1, 4), be32(static_cast<int32_t>(out.size() - 1)));
  MessageReader r(std::string_view(out).substr(5));
  EXPECT_EQ(r.int16(), 2);
  EXPECT_EQ(r.cstr(), "first");
  EXPECT_EQ(static_cast<uint32_t>(r.int32()), 0x80000001u);
  EXPECT_EQ(r.int16(), -2);
  EXPECT_EQ(r.int32(), 0x01020304);
  EXPECT_EQ(r.int16(), -1);
  EXPECT_EQ(r.int32(), 0x7ffffffe);
  EXPECT_EQ(r.int16(), 1);
  EXPECT_EQ(r.cstr(), "");
  EXPECT_EQ(r.int32(), 0);
  EXPECT_EQ(r.int16(), 0);
  EXPECT_EQ(r.int32(), 25);
  EXPECT_EQ(r.int16(), -1);
  EXPECT_EQ(r.int32(), -5);
  EXPECT_EQ(r.int16(), 0);
  r.expect_end();
}

TEST(ProtocolTest, ANulInsideAStringIsSentAsASpace) {
  std::string out;
  write_command_complete(out, std::string_view("a\0b\0", 4));
  EXPECT_EQ(out.substr(5), std::string("a b \0", 5));
}

TEST(ProtocolTest, ErrorFieldsRoundTrip) {
  Error e;
  e.sqlstate = "42P01";
  e.message = "relation \"t\" does not exist";
  e.detail = "d";
  e.hint = "h";
  e.position = 15;
  std::string out;
  write_error(out, e);
  EXPECT_EQ(out[0], 'E');
  auto fields = parse_error_fields(std::string_view(out).substr(5));
  std::vector<std::pair<char, std::string>> want = {
      {'S', "ERROR"}, {'V', "ERROR"}, {'C', "42P01"}, {'M', "relation \"t\" does not exist"},
      {'D', "d"},     {'H', "h"},     {'P', "15"}};
  EXPECT_EQ(fields, want);
  out.clear();
  Error n;
  n.sqlstate = "25001";
  n.message = "there is already a transaction in progress";
  n.severity = "WARNING";
  write_error(out, n, /*notice=*/true);
  EXPECT_EQ(out[0], 'N');
  fields = parse_error_fields(std::string_view(out).substr(5));
  ASSERT_EQ(fields.size(), 4u);  // no D, H, P when empty
  EXPECT_EQ(fields[0].second, "WARNING");
}

TEST(ProtocolTest, ReaderReportsShortAndUnterminatedData) {
  std::string data("\x00\x01", 2);
  MessageReader r(data);
  try {
    r.int32();
    FAIL();
  } catch (const FatalError&) {
    FAIL() << "short data in a framed message is an ERROR, not FATAL";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "08P01");
    EXPECT_EQ(e.error().message, "insufficient data left in message");
  }
  MessageReader r2("abc");
  try {
    r2.cstr();
    FAIL();
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().message, "invalid string in message");
  }
  MessageReader r3(std::string_view("a\0b", 3));
  EXPECT_EQ(r3.cstr(), "a");
  EXPECT_THROW(r3.expect_end(), SqlError);
}

std::string startup_payload(const std::vector<std::pair<std::string, std::string>>& kv,
                            int32_t code = kProtocolV3) {
  std::string p = be32(code);
  for (auto& [k, v] : kv) {
    p += k;
    p.push_back('\0');
    p += v;
    p.push_back('\0');
  }
  p.push_back('\0');
  return p;
}

TEST(ProtocolTest, ParsesStartupPacket) {
  auto p = parse_startup(startup_payload(
      {{"user", "alice"}, {"application_name", "psql"}, {"client_encoding", "UTF8"}}));
  EXPECT_EQ(p.code, kProtocolV3);
  EXPECT_EQ(p.params.user, "alice");
  EXPECT_EQ(p.params.database, "alice");  // defaults to the user name
  EXPECT_EQ(p.params.application_name, "psql");
  ASSERT_EQ(p.params.options.size(), 1u);
  EXPECT_EQ(p.params.options[0].first, "client_encoding");
  auto p2 = parse_startup(startup_payload({{"user", "a"}, {"database", "db"}}));
  EXPECT_EQ(p2.params.database, "db");
}

TEST(ProtocolTest, StartupRequestsAndCancel) {
  EXPECT_EQ(parse_startup(be32(kSslRequestCode)).code, kSslRequestCode);
  EXPECT_EQ(parse_startup(be32(kGssEncRequestCode)).code, kGssEncRequestCode);
  auto c = parse_startup(be32(kCancelRequestCode) + be32(12345) + be32(-7));
  EXPECT_EQ(c.code, kCancelRequestCode);
  EXPECT_EQ(c.cancel_pid, 12345);
  EXPECT_EQ(c.cancel_secret, -7);
}

TEST(ProtocolTest, BadStartupPacketsAreFatal) {
  try {
    parse_startup(startup_payload({{"database", "x"}}));
    FAIL();
  } catch (const FatalError& e) {
    EXPECT_EQ(e.error().sqlstate, "28000");
    EXPECT_EQ(e.error().message, "no PostgreSQL user name specified in startup packet");
  }
  try {
    parse_startup(startup_payload({{"user", "x"}}, 2 << 16));
    FAIL();
  } catch (const FatalError& e) {
    EXPECT_EQ(e.error().sqlstate, "0A000");
    EXPECT_EQ(e.error().message, "unsupported frontend protocol 2.0: server supports 3.0 to 3.0");
  }
  std::string bad = startup_payload({{"user", "x"}});
  bad.pop_back();  // no terminator
  EXPECT_THROW(parse_startup(bad), FatalError);
  bad = be32(kProtocolV3) + std::string("user\0x", 6);
  EXPECT_THROW(parse_startup(bad), FatalError);
  EXPECT_THROW(parse_startup(be32(kCancelRequestCode) + be32(1)), FatalError);
}

TEST(ProtocolTest, KnownFrontendTypes) {
  for (char c : std::string("QPBDECSHXdcfF")) EXPECT_TRUE(is_known_frontend_type(c)) << c;
  for (char c : std::string("AZzx\0T", 6)) EXPECT_FALSE(is_known_frontend_type(c)) << c;
}

}  // namespace
}  // namespace hf::wire
