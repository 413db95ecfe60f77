// tests/fuzz/wire_target.cc — fuzz target: frontend protocol bytes sent to the in-process
// server's wire front end (fuzz_env.h) over a loopback TCP connection: startup packet
// decoding, message framing, the extended-protocol decoders and the session state machine,
// with the real SQL engine behind them.
//
// Input format (first byte = mode):
//   even mode byte: the rest is sent as it is (the fuzzer controls the startup packet and
//                   every length word);
//   odd mode byte:  a valid startup packet (user fuzz, database postgres, statement_timeout
//                   2 s) is sent first, then the rest is read as records
//                   <type byte> <2-byte big-endian body length> <body>, each sent as a
//                   message with a correct length word (a short last record is cut).
// The client then half-closes the connection and reads until the server closes it; the
// server has ended the session (rolled back) by then. Every table and sequence is then
// dropped, so each input starts from an empty database.
//
// What counts as a finding: a crash or sanitizer report in the server, or a server that does
// not close the connection within 20 s after the client's input ended (abort() below).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_env.h"

namespace {

void put_int32(std::string& out, uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  out.append(b, 4);
}

std::string startup_packet() {
  std::string body;
  put_int32(body, 196608);  // protocol 3.0
  for (const char* s : {"user", "fuzz", "database", "postgres", "statement_timeout", "2s"}) {
    body += s;
    body += '\0';
  }
  body += '\0';
  std::string out;
  put_int32(out, static_cast<uint32_t>(body.size() + 4));
  return out + body;
}

std::string client_bytes(std::string_view in) {
  if (in.empty()) return {};
  auto mode = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  if ((mode & 1) == 0) return std::string(in);
  std::string out = startup_packet();
  while (!in.empty()) {
    char type = in[0];
    in.remove_prefix(1);
    size_t len = 0;
    if (in.size() >= 2) {
      len = (static_cast<uint8_t>(in[0]) << 8) | static_cast<uint8_t>(in[1]);
      in.remove_prefix(2);
    } else {
      in.remove_prefix(in.size());
    }
    if (len > in.size()) len = in.size();
    out += type;
    put_int32(out, static_cast<uint32_t>(len + 4));
    out.append(in.substr(0, len));
    in.remove_prefix(len);
  }
  return out;
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "wire_target: %s\n", what);
  std::abort();
}

// Sends everything, half-closes, and reads until EOF (or until the server resets the
// connection); reading and writing interleave so neither side blocks on a full buffer.
void converse(uint16_t port, const std::string& bytes) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // A campaign opens hundreds of connections a second: connect() can fail for a moment when
  // the loopback's ephemeral ports are all in TIME_WAIT (EADDRNOTAVAIL). That is the client's
  // machine, not the server: wait and retry; only a failure that lasts is a finding.
  int fd = -1;
  for (int attempt = 0;; ++attempt) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket failed");
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) break;
    int err = errno;
    close(fd);
    if (attempt == 100) {
      std::fprintf(stderr, "wire_target: connect: %s\n", std::strerror(err));
      die("connect failed for 10 s");
    }
    usleep(100 * 1000);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  size_t sent = 0;
  bool write_open = true;
  char buf[65536];
  for (;;) {
    if (write_open && sent == bytes.size()) {
      shutdown(fd, SHUT_WR);
      write_open = false;
    }
    pollfd p{fd, static_cast<short>(POLLIN | (write_open ? POLLOUT : 0)), 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) die("the server did not end the connection within 20 s of the input's end");
    if (poll(&p, 1, static_cast<int>(left)) < 0) continue;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;  // EOF or reset: the server has finished with this connection
    }
    if (write_open && (p.revents & POLLOUT)) {
      ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n < 0) {  // the server closed early (a FATAL error): stop writing, read the rest
        shutdown(fd, SHUT_WR);
        write_open = false;
      } else {
        sent += static_cast<size_t>(n);
      }
    }
  }
  close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& env = hf::fuzz::FuzzEnv::instance();
  converse(env.port(), client_bytes({reinterpret_cast<const char*>(data), size}));
  env.reset();
  return 0;
}
