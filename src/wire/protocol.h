// wire/protocol.h — PostgreSQL frontend/backend protocol v3: message framing and codecs.
//
// Owns: encoding backend messages into an output buffer (MessageWriter), decoding frontend
// message payloads (MessageReader), the startup packet, and ErrorResponse/NoticeResponse
// field encoding. Pure functions over byte strings: no I/O, no shared state, thread-safe,
// never suspends. Malformed message contents throw hf::SqlError 08P01 with PostgreSQL's text
// ("insufficient data left in message", "invalid string in message", ...): an ERROR, the
// framing is intact. A malformed startup packet throws hf::FatalError (the connection ends).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "session/session.h"

namespace hf::wire {

inline constexpr int32_t kProtocolV3 = 196608;  // 3.0
inline constexpr int32_t kCancelRequestCode = 80877102;
inline constexpr int32_t kSslRequestCode = 80877103;
inline constexpr int32_t kGssEncRequestCode = 80877104;
// PostgreSQL's limits: a startup packet is at most 10000 bytes, other messages at most 1 GB
// (PQ_LARGE_MESSAGE_LIMIT); lengths include the 4 length bytes themselves.
inline constexpr int32_t kMaxStartupPacketLength = 10000;
inline constexpr int32_t kMaxMessageLength = 0x3fffffff;

// Appends backend messages to a buffer. begin() writes the type and a length placeholder;
// end() patches the length. Messages may be nested only sequentially.
class MessageWriter {
 public:
  explicit MessageWriter(std::string& out) : out_(out) {}
  MessageWriter& begin(char type);
  MessageWriter& int8(uint8_t v);
  MessageWriter& int16(int16_t v);
  MessageWriter& int32(int32_t v);
  MessageWriter& cstr(std::string_view s);  // bytes then a NUL
  MessageWriter& bytes(std::string_view s);
  void end();

 private:
  std::string& out_;
  size_t start_ = 0;
};

// Reads a frontend message payload (the bytes after type and length).
class MessageReader {
 public:
  explicit MessageReader(std::string_view data) : data_(data) {}
  uint8_t int8();
  int16_t int16();
  int32_t int32();
  std::string cstr();
  std::string_view bytes(size_t n);
  size_t remaining() const { return data_.size() - pos_; }
  // PostgreSQL's pq_getmsgend(): trailing bytes are a protocol violation.
  void expect_end();

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// The first packet of a connection (without its length word).
struct StartupPacket {
  int32_t code = 0;  // protocol version or one of the request codes above
  // CancelRequest:
  int32_t cancel_pid = 0;
  int32_t cancel_secret = 0;
  // Protocol 3.0 startup:
  session::StartupParams params;
};

// Throws FatalError 08P01 for an unsupported protocol or a malformed packet.
StartupPacket parse_startup(std::string_view payload);

// ---- backend messages ----
void write_authentication_ok(std::string& out);
void write_parameter_status(std::string& out, std::string_view name, std::string_view value);
void write_backend_key_data(std::string& out, int32_t pid, int32_t secret);
void write_ready_for_query(std::string& out, char status);
// NotificationResponse ('A'): a NOTIFY on a channel the session listens on.
void write_notification_response(std::string& out, int32_t sender_pid, std::string_view channel,
                                 std::string_view payload);
// ErrorResponse ('E') or NoticeResponse ('N'): fields S, V, C, M, D, H, P.
void write_error(std::string& out, const Error& e, bool notice = false);
void write_row_description(std::string& out, const std::vector<session::FieldDesc>& fields);
void write_data_row(std::string& out, const std::vector<std::optional<std::string>>& values);
void write_command_complete(std::string& out, std::string_view tag);
void write_parameter_description(std::string& out, const std::vector<Oid>& types);
void write_simple(std::string& out, char type);  // '1' '2' '3' 'n' 's' 'I' 'c'
void write_copy_response(std::string& out, char type, bool binary, int columns);  // 'G' 'H'
void write_copy_data(std::string& out, std::string_view data);

// Decodes an ErrorResponse/NoticeResponse payload back into fields (for tests and tools).
std::vector<std::pair<char, std::string>> parse_error_fields(std::string_view payload);

// Frontend message types the server accepts after startup.
bool is_known_frontend_type(char type);

}  // namespace hf::wire
