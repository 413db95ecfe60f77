#include "wire/server.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <stdexcept>
#include <thread>

#include "wire/connection.h"

namespace hf::wire {

namespace asio = boost::asio;

namespace {
// A session's stack: what a deeply nested statement may recurse into before it ends with
// 54001 "stack depth limit exceeded" (runtime/stack.h): about as deep as PostgreSQL's own
// default (max_stack_depth 2MB of its leaner frames). Reserved, not committed: only the pages
// a statement touches cost memory, as with a process stack.
constexpr size_t kSessionStackBytes = size_t{8} << 20;
}  // namespace
using asio::ip::tcp;

namespace {

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "no SSL error reported";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// PostgreSQL's check of ssl_key_file: a key others can read is refused.
void check_key_file_permissions(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    throw std::runtime_error("could not access private key file \"" + path + "\"");
  if (!S_ISREG(st.st_mode))
    throw std::runtime_error("private key file \"" + path + "\" is not a regular file");
  bool too_open = st.st_uid == geteuid() ? (st.st_mode & (S_IRWXG | S_IRWXO)) != 0
                                         : (st.st_mode & (S_IWGRP | S_IXGRP | S_IRWXO)) != 0;
  if (too_open)
    throw std::runtime_error(
        "private key file \"" + path +
        "\" has group or world access (it must have permissions u=rw (0600) or less if owned "
        "by the server's user, or u=rw,g=r (0640) or less if owned by root)");
}

// tls-server-end-point (RFC 5929): the certificate hashed with its signature's hash, SHA-256
// when that is MD5 or SHA-1. Empty when the signature has no separate hash (Ed25519).
std::string end_point_hash(SSL_CTX* ctx) {
  X509* cert = SSL_CTX_get0_certificate(ctx);
  if (!cert) return {};
  int md_nid = NID_undef;
  if (!OBJ_find_sigid_algs(X509_get_signature_nid(cert), &md_nid, nullptr)) return {};
  const EVP_MD* md =
      md_nid == NID_md5 || md_nid == NID_sha1 ? EVP_sha256() : EVP_get_digestbynid(md_nid);
  if (!md) return {};
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!X509_digest(cert, md, buf, &len)) return {};
  return std::string(reinterpret_cast<char*>(buf), len);
}

}  // namespace

WireServer::WireServer(runtime::Runtime& runtime, session::Services& services, WireOptions opts)
    : runtime_(runtime), services_(services), opts_(opts), hba_(opts_.hba) {
  if (!hba_) hba_ = std::make_shared<const auth::HbaRules>(auth::HbaRules::defaults());
  if (opts_.ssl_cert_file.empty() != opts_.ssl_key_file.empty())
    throw std::runtime_error("TLS needs both a certificate (--ssl-cert) and a key (--ssl-key)");
  if (opts_.ssl_cert_file.empty()) {
    if (!opts_.ssl_ca_file.empty())
      throw std::runtime_error("--ssl-ca needs --ssl-cert and --ssl-key");
    return;
  }
  // As PostgreSQL 15's defaults: TLS 1.2 or newer, the server's cipher preference.
  tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* ctx = tls_->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                               SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (SSL_CTX_use_certificate_chain_file(ctx, opts_.ssl_cert_file.c_str()) != 1)
    throw std::runtime_error("could not load server certificate file \"" + opts_.ssl_cert_file +
                             "\": " + openssl_error());
  check_key_file_permissions(opts_.ssl_key_file);
  if (SSL_CTX_use_PrivateKey_file(ctx, opts_.ssl_key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    throw std::runtime_error("could not load private key file \"" + opts_.ssl_key_file +
                             "\": " + openssl_error());
  if (SSL_CTX_check_private_key(ctx) != 1)
    throw std::runtime_error("check of private key failed: " + openssl_error());
  if (!opts_.ssl_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, opts_.ssl_ca_file.c_str(), nullptr) != 1)
      throw std::runtime_error("could not load root certificate file \"" + opts_.ssl_ca_file +
                               "\": " + openssl_error());
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(opts_.ssl_ca_file.c_str());
    if (names) SSL_CTX_set_client_CA_list(ctx, names);
    // A certificate is asked for but not required here: pg_hba.conf's clientcert and cert
    // decide. One that is sent must verify, or the handshake fails.
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, nullptr);
  }
  certificate_hash_ = end_point_hash(ctx);
}

std::shared_ptr<const auth::HbaRules> WireServer::hba() const {
  std::lock_guard g(hba_mu_);
  return hba_;
}

void WireServer::set_hba(std::shared_ptr<const auth::HbaRules> rules) {
  std::lock_guard g(hba_mu_);
  hba_ = std::move(rules);
}

WireServer::~WireServer() {
  stop();
}

uint16_t WireServer::listen(const std::string& host, int port) {
  asio::io_context& io = runtime_.context(0);
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) throw std::runtime_error("invalid listen address \"" + host + "\": " + ec.message());
  tcp::endpoint ep(addr, static_cast<uint16_t>(port));
  acceptor_ = std::make_unique<tcp::acceptor>(io);
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("could not listen on " + host + ":" + std::to_string(port) + ": " +
                             ec.message());
  }
  port_ = acceptor_->local_endpoint().port();
  retry_timer_ = std::make_unique<asio::steady_timer>(io);
  return port_;
}

void WireServer::start() {
  asio::post(runtime_.context(0), [this] { accept_next(); });
}

void WireServer::accept_next() {
  if (stopping_ || !acceptor_ || !acceptor_->is_open()) return;
  asio::io_context& io = runtime_.next_context();
  acceptor_->async_accept(io, [this, &io](const boost::system::error_code& ec, tcp::socket sock) {
    if (stopping_) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      // Out of descriptors and the like: wait a little instead of spinning.
      spdlog::warn("accept failed: {}", ec.message());
      retry_timer_->expires_after(std::chrono::milliseconds(100));
      retry_timer_->async_wait([this](const boost::system::error_code& e) {
        if (!e) accept_next();
      });
      return;
    }
    auto conn = std::make_shared<Connection>(*this, std::move(sock));
    uint64_t id;
    {
      std::lock_guard g(mu_);
      id = next_id_++;
      live_[id] = conn;
    }
    active_.fetch_add(1);
    runtime::Fiber::spawn(
        io,
        [this, conn, id]() mutable {
          conn->run();
          forget(id);
          conn.reset();
          active_.fetch_sub(1);
        },
        kSessionStackBytes);
    accept_next();
  });
}

void WireServer::forget(uint64_t id) {
  std::lock_guard g(mu_);
  live_.erase(id);
}

bool WireServer::admit() {
  int64_t n = admitted_.fetch_add(1) + 1;
  if (n > services_.config().max_connections) {
    admitted_.fetch_sub(1);
    return false;
  }
  return true;
}

void WireServer::release_admission() {
  admitted_.fetch_sub(1);
}

void WireServer::stop(std::chrono::milliseconds wait) {
  if (stopping_.exchange(true)) return;
  if (acceptor_) {
    // Shared with the posted close: when executor 0 is too busy to run it within the 2 s
    // (valgrind, a loaded machine), it still runs later and must not write to this frame.
    auto closed = std::make_shared<std::atomic<bool>>(false);
    asio::post(runtime_.context(0), [this, closed] {
      boost::system::error_code ec;
      acceptor_->close(ec);
      if (retry_timer_) retry_timer_->cancel();
      *closed = true;
    });
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!*closed && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::vector<std::shared_ptr<Connection>> conns;
  {
    std::lock_guard g(mu_);
    for (auto& [id, weak] : live_)
      if (auto c = weak.lock()) conns.push_back(std::move(c));
  }
  for (auto& c : conns) c->shutdown();
  conns.clear();
  auto until = std::chrono::steady_clock::now() + wait;
  while (active_.load() > 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (active_.load() > 0) spdlog::warn("{} connections did not end in time", active_.load());
}

}  // namespace hf::wire
