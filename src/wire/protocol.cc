#include "wire/protocol.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace hf::wire {

namespace {
// Malformed contents of a well-framed message: an ERROR (the connection stays usable), as
// PostgreSQL's pq_getmsg* functions report it.
[[noreturn]] void protocol_violation(const std::string& msg) {
  throw SqlError(sqlstate::kProtocolViolation, msg);
}
[[noreturn]] void startup_violation(const std::string& msg) {
  Error e;
  e.sqlstate = sqlstate::kProtocolViolation;
  e.message = msg;
  e.severity = "FATAL";
  throw FatalError(e);
}
}  // namespace

MessageWriter& MessageWriter::begin(char type) {
  start_ = out_.size();
  out_.push_back(type);
  out_.append(4, '\0');
  return *this;
}

MessageWriter& MessageWriter::int8(uint8_t v) {
  out_.push_back(static_cast<char>(v));
  return *this;
}

// Every field of every row goes through these: one append each, not one per byte.
MessageWriter& MessageWriter::int16(int16_t v) {
  auto u = static_cast<uint16_t>(v);
  const char b[2] = {static_cast<char>(u >> 8), static_cast<char>(u & 0xff)};
  out_.append(b, sizeof b);
  return *this;
}

MessageWriter& MessageWriter::int32(int32_t v) {
  auto u = static_cast<uint32_t>(v);
  const char b[4] = {static_cast<char>(u >> 24), static_cast<char>((u >> 16) & 0xff),
                     static_cast<char>((u >> 8) & 0xff), static_cast<char>(u & 0xff)};
  out_.append(b, sizeof b);
  return *this;
}

MessageWriter& MessageWriter::cstr(std::string_view s) {
  // A NUL inside would end the string early on the client; PostgreSQL never sends one.
  const size_t at = out_.size();
  out_.append(s.data(), s.size());
  out_.push_back('\0');
  if (!s.empty() && std::memchr(s.data(), '\0', s.size()) != nullptr)
    std::replace(out_.begin() + static_cast<std::ptrdiff_t>(at), out_.end() - 1, '\0', ' ');
  return *this;
}

MessageWriter& MessageWriter::bytes(std::string_view s) {
  out_.append(s);
  return *this;
}

void MessageWriter::end() {
  auto len = static_cast<uint32_t>(out_.size() - start_ - 1);
  for (int i = 0; i < 4; ++i)
    out_[start_ + 1 + i] = static_cast<char>((len >> (24 - 8 * i)) & 0xff);
}

uint8_t MessageReader::int8() {
  if (remaining() < 1) protocol_violation("insufficient data left in message");
  return static_cast<uint8_t>(data_[pos_++]);
}

int16_t MessageReader::int16() {
  if (remaining() < 2) protocol_violation("insufficient data left in message");
  auto hi = static_cast<uint8_t>(data_[pos_]), lo = static_cast<uint8_t>(data_[pos_ + 1]);
  pos_ += 2;
  return static_cast<int16_t>((hi << 8) | lo);
}

int32_t MessageReader::int32() {
  if (remaining() < 4) protocol_violation("insufficient data left in message");
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(data_[pos_ + i]);
  pos_ += 4;
  return static_cast<int32_t>(v);
}

std::string MessageReader::cstr() {
  size_t nul = data_.find('\0', pos_);
  if (nul == std::string_view::npos) protocol_violation("invalid string in message");
  std::string s(data_.substr(pos_, nul - pos_));
  pos_ = nul + 1;
  return s;
}

std::string_view MessageReader::bytes(size_t n) {
  if (remaining() < n) protocol_violation("insufficient data left in message");
  auto s = data_.substr(pos_, n);
  pos_ += n;
  return s;
}

void MessageReader::expect_end() {
  if (pos_ != data_.size()) protocol_violation("invalid message format");
}

StartupPacket parse_startup(std::string_view payload) {
  if (payload.size() < 4) startup_violation("invalid length of startup packet");
  MessageReader r(payload);
  StartupPacket p;
  p.code = r.int32();
  if (p.code == kCancelRequestCode) {
    if (r.remaining() != 8) startup_violation("invalid length of startup packet");
    p.cancel_pid = r.int32();
    p.cancel_secret = r.int32();
    return p;
  }
  if (p.code == kSslRequestCode || p.code == kGssEncRequestCode) return p;
  int major = p.code >> 16, minor = p.code & 0xffff;
  if (major != 3) {
    Error e;
    e.sqlstate = sqlstate::kFeatureNotSupported;
    e.message = "unsupported frontend protocol " + std::to_string(major) + "." +
                std::to_string(minor) + ": server supports 3.0 to 3.0";
    e.severity = "FATAL";
    throw FatalError(e);
  }
  // name\0value\0 ... \0
  while (true) {
    if (r.remaining() == 0 || payload.back() != '\0')
      startup_violation("invalid startup packet layout: expected terminator as last byte");
    std::string name = r.cstr();
    if (name.empty()) break;
    if (r.remaining() == 0)
      startup_violation("invalid startup packet layout: expected terminator as last byte");
    std::string value = r.cstr();
    if (name == "user") {
      p.params.user = value;
    } else if (name == "database") {
      p.params.database = value;
    } else if (name == "application_name") {
      p.params.application_name = value;
    } else {
      p.params.options.emplace_back(std::move(name), std::move(value));
    }
  }
  if (r.remaining() != 0)
    startup_violation("invalid startup packet layout: expected terminator as last byte");
  if (p.params.user.empty()) {
    Error e;
    e.sqlstate = sqlstate::kInvalidAuthorizationSpecification;
    e.message = "no PostgreSQL user name specified in startup packet";
    e.severity = "FATAL";
    throw FatalError(e);
  }
  if (p.params.database.empty()) p.params.database = p.params.user;
  return p;
}

void write_authentication_ok(std::string& out) {
  MessageWriter(out).begin('R').int32(0).end();
}

void write_parameter_status(std::string& out, std::string_view name, std::string_view value) {
  MessageWriter(out).begin('S').cstr(name).cstr(value).end();
}

void write_backend_key_data(std::string& out, int32_t pid, int32_t secret) {
  MessageWriter(out).begin('K').int32(pid).int32(secret).end();
}

void write_notification_response(std::string& out, int32_t sender_pid, std::string_view channel,
                                 std::string_view payload) {
  MessageWriter(out).begin('A').int32(sender_pid).cstr(channel).cstr(payload).end();
}

void write_ready_for_query(std::string& out, char status) {
  MessageWriter(out).begin('Z').int8(static_cast<uint8_t>(status)).end();
}

void write_error(std::string& out, const Error& e, bool notice) {
  MessageWriter w(out);
  w.begin(notice ? 'N' : 'E');
  std::string severity = e.severity.empty() ? (notice ? "NOTICE" : "ERROR") : e.severity;
  w.int8('S').cstr(severity);
  w.int8('V').cstr(severity);
  w.int8('C').cstr(e.sqlstate.empty() ? sqlstate::kInternalError : e.sqlstate);
  w.int8('M').cstr(e.message);
  if (!e.detail.empty()) w.int8('D').cstr(e.detail);
  if (!e.hint.empty()) w.int8('H').cstr(e.hint);
  if (e.position > 0) w.int8('P').cstr(std::to_string(e.position));
  if (e.internal_position > 0) w.int8('p').cstr(std::to_string(e.internal_position));
  if (!e.internal_query.empty()) w.int8('q').cstr(e.internal_query);
  if (!e.context.empty()) w.int8('W').cstr(e.context);
  if (!e.schema_name.empty()) w.int8('s').cstr(e.schema_name);
  if (!e.table_name.empty()) w.int8('t').cstr(e.table_name);
  if (!e.column_name.empty()) w.int8('c').cstr(e.column_name);
  if (!e.constraint_name.empty()) w.int8('n').cstr(e.constraint_name);
  w.int8(0);
  w.end();
}

void write_row_description(std::string& out, const std::vector<session::FieldDesc>& fields) {
  MessageWriter w(out);
  w.begin('T').int16(static_cast<int16_t>(fields.size()));
  // Sent for every execution of a prepared statement (Describe): a field's fixed part goes in
  // one append.
  auto put = [](char* p, uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) p[i] = static_cast<char>((v >> (8 * (bytes - 1 - i))) & 0xff);
  };
  for (const auto& f : fields) {
    w.cstr(f.name);
    char b[18];
    put(b, f.table_oid, 4);
    put(b + 4, static_cast<uint16_t>(f.column), 2);
    put(b + 6, f.type_oid, 4);
    put(b + 10, static_cast<uint16_t>(f.type_len), 2);
    put(b + 12, static_cast<uint32_t>(f.typmod), 4);
    put(b + 16, static_cast<uint16_t>(f.format), 2);
    w.bytes(std::string_view(b, sizeof b));
  }
  w.end();
}

void write_data_row(std::string& out, const std::vector<std::optional<std::string>>& values) {
  MessageWriter w(out);
  w.begin('D').int16(static_cast<int16_t>(values.size()));
  for (const auto& v : values) {
    if (!v) {
      w.int32(-1);
    } else {
      w.int32(static_cast<int32_t>(v->size())).bytes(*v);
    }
  }
  w.end();
}

void write_command_complete(std::string& out, std::string_view tag) {
  MessageWriter(out).begin('C').cstr(tag).end();
}

void write_parameter_description(std::string& out, const std::vector<Oid>& types) {
  MessageWriter w(out);
  w.begin('t').int16(static_cast<int16_t>(types.size()));
  for (Oid t : types) w.int32(static_cast<int32_t>(t));
  w.end();
}

void write_simple(std::string& out, char type) {
  MessageWriter(out).begin(type).end();
}

void write_copy_response(std::string& out, char type, bool binary, int columns) {
  MessageWriter w(out);
  w.begin(type).int8(binary ? 1 : 0).int16(static_cast<int16_t>(columns));
  for (int i = 0; i < columns; ++i) w.int16(binary ? 1 : 0);
  w.end();
}

void write_copy_data(std::string& out, std::string_view data) {
  MessageWriter(out).begin('d').bytes(data).end();
}

std::vector<std::pair<char, std::string>> parse_error_fields(std::string_view payload) {
  std::vector<std::pair<char, std::string>> out;
  MessageReader r(payload);
  while (r.remaining() > 0) {
    char code = static_cast<char>(r.int8());
    if (code == 0) break;
    out.emplace_back(code, r.cstr());
  }
  return out;
}

bool is_known_frontend_type(char type) {
  switch (type) {
    case 'Q':
    case 'P':
    case 'B':
    case 'D':
    case 'E':
    case 'C':
    case 'S':
    case 'H':
    case 'X':
    case 'd':
    case 'c':
    case 'f':
    case 'F':
      return true;
    default:
      return false;
  }
}

}  // namespace hf::wire
