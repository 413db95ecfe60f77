// wire/test_support_for_tests.h — an in-process holdfast front end over the fake engine,
// a raw protocol client, and libpq loaded at run time (the wire test binary is not linked
// against libpq; tests that need it skip when libpq.so.5 is missing). Header-only, tests only.
#pragma once

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <postgresql/libpq-fe.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>

#include "session/fake_engine_for_tests.h"
#include "session/services.h"
#include "wire/protocol.h"
#include "wire/server.h"

namespace hf::wire::testing {

struct TestServer {
  explicit TestServer(int max_connections = 10000, int threads = 2) : rt(threads, 4) {
    session::ServerConfig cfg;
    cfg.max_connections = max_connections;
    services = std::make_unique<session::Services>(txns, nullptr, engine, cfg);
    server = std::make_unique<WireServer>(rt, *services);
    port = server->listen("127.0.0.1", 0);
    rt.start();
    server->start();
  }
  ~TestServer() {
    server->stop();
    rt.stop();
  }
  std::string conninfo(const std::string& extra = "") const {
    return "host=127.0.0.1 port=" + std::to_string(port) + " user=tester dbname=test " +
           "sslmode=disable gssencmode=disable " + extra;
  }
  runtime::Runtime rt;
  hf::testing::FakeTxnManager txns;
  hf::testing::FakeEngine engine;
  std::unique_ptr<session::Services> services;
  std::unique_ptr<WireServer> server;
  uint16_t port = 0;
};

// libpq, resolved with dlsym.
struct Pq {
#define HF_PQ_FN(name) decltype(&::name) name = nullptr;
  // An X-macro list, one function a line: clang-format cannot lay it out stably.
  // clang-format off
#define HF_PQ_ALL(X) \
  X(PQconnectdb) \
  X(PQfinish) \
  X(PQstatus) \
  X(PQerrorMessage) \
  X(PQexec) \
  X(PQexecParams) \
  X(PQprepare) \
  X(PQexecPrepared) \
  X(PQresultStatus) \
  X(PQresultErrorField) \
  X(PQclear) \
  X(PQntuples) \
  X(PQnfields) \
  X(PQgetvalue) \
  X(PQgetisnull) \
  X(PQgetlength) \
  X(PQfname) \
  X(PQftype) \
  X(PQtransactionStatus) \
  X(PQserverVersion) \
  X(PQparameterStatus) \
  X(PQbackendPID) \
  X(PQgetCancel) \
  X(PQcancel) \
  X(PQfreeCancel) \
  X(PQenterPipelineMode) \
  X(PQexitPipelineMode) \
  X(PQpipelineSync) \
  X(PQsendQueryParams) \
  X(PQgetResult) \
  X(PQsetnonblocking) \
  X(PQflush) \
  X(PQsendQuery) \
  X(PQdescribePrepared) \
  X(PQnparams) \
  X(PQparamtype) \
  X(PQcmdStatus) \
  X(PQsetSingleRowMode) \
  X(PQconsumeInput) \
  X(PQisBusy) \
  X(PQsocket)
  // clang-format on
  HF_PQ_ALL(HF_PQ_FN)
  bool ok = false;
  Pq() {
    void* h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!h) return;
#define HF_PQ_LOAD(name) name = reinterpret_cast<decltype(&::name)>(dlsym(h, #name));
    HF_PQ_ALL(HF_PQ_LOAD)
    ok = PQconnectdb != nullptr && PQsocket != nullptr;
  }
  static Pq& get() {
    static Pq pq;
    return pq;
  }
};

// A raw client socket speaking bytes.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  bool send(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  // Reads one backend message; false at EOF/timeout.
  bool read_message(char& type, std::string& payload) {
    std::string hdr;
    if (!read_n(5, hdr)) return false;
    type = hdr[0];
    uint32_t len = 0;
    for (int i = 1; i < 5; ++i) len = (len << 8) | static_cast<uint8_t>(hdr[i]);
    if (len < 4) return false;
    return read_n(len - 4, payload);
  }
  bool read_byte(char& c) {
    std::string s;
    if (!read_n(1, s)) return false;
    c = s[0];
    return true;
  }
  // Reads until ReadyForQuery or EOF; returns the message types seen; fills error fields of
  // the last ErrorResponse.
  std::string until_ready(std::string* sqlstate = nullptr, std::string* severity = nullptr) {
    std::string types;
    char t;
    std::string p;
    while (read_message(t, p)) {
      types.push_back(t);
      if (t == 'E') {
        for (auto& [code, v] : parse_error_fields(p)) {
          if (code == 'C' && sqlstate) *sqlstate = v;
          if (code == 'S' && severity) *severity = v;
        }
      }
      if (t == 'Z') break;
    }
    return types;
  }
  // True when the server closed the connection (EOF) within the receive timeout.
  bool closed_by_server() {
    char buf[256];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }
  int fd() const { return fd_; }
  // Closes the socket without a Terminate, as a killed client's kernel does.
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  static std::string startup(const std::string& user = "raw") {
    std::string body;
    MessageWriter w(body);
    w.int32(kProtocolV3).cstr("user").cstr(user).cstr("database").cstr("test").int8(0);
    std::string out;
    MessageWriter(out).int32(static_cast<int32_t>(body.size() + 4)).bytes(body);
    return out;
  }
  static std::string msg(char type, const std::string& body) {
    std::string out;
    MessageWriter(out).begin(type).bytes(body).end();
    return out;
  }
  static std::string query(const std::string& sql) { return msg('Q', sql + std::string(1, '\0')); }

 private:
  bool read_n(size_t n, std::string& out) {
    out.resize(n);
    size_t off = 0;
    while (off < n) {
      ssize_t r = ::recv(fd_, out.data() + off, n - off, 0);
      if (r <= 0) return false;
      off += static_cast<size_t>(r);
    }
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
};

inline void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace hf::wire::testing
