// wire/server.h — the PostgreSQL protocol front end: a TCP acceptor and one fiber per
// connection running PostgreSQL's backend message loop (postgres.c's PostgresMain) over a
// session::Session.
//
// Owns: the listening socket, the connections (socket, buffers, the Session) and their
// fibers. Each connection lives in one fiber on one Runtime executor; socket reads and
// writes are asynchronous operations whose completion resumes the fiber, so an idle or
// waiting connection holds no thread. Output is buffered and flushed at ReadyForQuery,
// when the buffer grows large, and before blocking on input (PostgreSQL's pq_flush), so a
// pipelined Parse/Bind/Execute/Sync costs one write.
//
// Who may connect, and how they prove who they are, is decided per connection by the
// host-based rules (auth/hba.h; defaults: trust from loopback only) and carried out in
// Connection::authenticate(): trust, reject, SCRAM-SHA-256 (AuthenticationSASL, SASLContinue,
// SASLFinal; -PLUS with channel binding over TLS), cleartext password, client certificate.
// With a certificate and key the server answers SSLRequest with 'S' and a TLS handshake
// (OpenSSL through boost::asio::ssl), below the protocol code; GSSENCRequest gets 'N'.
//
// Thread-safety: listen/start/stop from one controlling thread; set_hba() from any thread
// (connections read the rules they start with). Protocol errors end only the offending
// connection.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "auth/hba.h"
#include "runtime/fiber.h"
#include "session/services.h"

namespace hf::wire {

struct WireOptions {
  size_t flush_threshold = 8192;  // flush output when the buffer grows past this
  // TLS: PEM certificate (chain) and private key files; both empty: no TLS. ssl_ca_file: CA
  // certificates to request and verify client certificates with (optional).
  std::string ssl_cert_file;
  std::string ssl_key_file;
  std::string ssl_ca_file;
  // Host-based rules; nullptr: auth::HbaRules::defaults().
  std::shared_ptr<const auth::HbaRules> hba;
};

class Connection;

class WireServer {
 public:
  // Throws std::runtime_error when the TLS certificate or key cannot be used.
  WireServer(runtime::Runtime& runtime, session::Services& services, WireOptions opts = {});
  ~WireServer();
  // Binds host:port (port 0: ephemeral) and listens. Returns the bound port. Throws
  // std::runtime_error when it cannot.
  uint16_t listen(const std::string& host, int port);
  // Starts accepting on the runtime's first executor. REQUIRES: listen() succeeded.
  void start();
  // Stops accepting, ends every connection (their transactions roll back) and waits up to
  // `wait` for them to finish.
  void stop(std::chrono::milliseconds wait = std::chrono::milliseconds(5000));
  size_t connections() const { return active_.load(); }
  uint16_t port() const { return port_; }

  // Used by connections.
  session::Services& services() { return services_; }
  const WireOptions& options() const { return opts_; }
  // Counts a connection that finished startup; false when max_connections is reached.
  bool admit();
  void release_admission();
  // The host-based rules in force (reload: set_hba).
  std::shared_ptr<const auth::HbaRules> hba() const;
  void set_hba(std::shared_ptr<const auth::HbaRules> rules);
  // TLS: nullptr when the server has no certificate. certificate_hash: tls-server-end-point
  // channel-binding data (empty: SCRAM-SHA-256-PLUS is not offered).
  boost::asio::ssl::context* tls_context() { return tls_.get(); }
  bool verifies_client_certificates() const { return !opts_.ssl_ca_file.empty(); }
  const std::string& certificate_hash() const { return certificate_hash_; }

 private:
  void accept_next();
  void forget(uint64_t id);

  runtime::Runtime& runtime_;
  session::Services& services_;
  WireOptions opts_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<boost::asio::steady_timer> retry_timer_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> active_{0};     // fibers alive
  std::atomic<int64_t> admitted_{0};  // sessions past startup
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::string certificate_hash_;
  mutable std::mutex hba_mu_;
  std::shared_ptr<const auth::HbaRules> hba_;
  std::mutex mu_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::weak_ptr<Connection>> live_;
};

}  // namespace hf::wire
