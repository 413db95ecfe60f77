#include "wire/connection.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <algorithm>

#include <poll.h>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstring>

#include "auth/scram.h"
#include "catalog/catalog.h"
#include "catalog/roles.h"
#include "runtime/fiber.h"
#include "runtime/resume_here.h"
#include "wire/protocol.h"
#include "wire/server.h"

namespace hf::wire {

namespace asio = boost::asio;

namespace {
constexpr size_t kInitialInput = 8192;
constexpr size_t kMaxIdleBuffer = 65536;
// ERRCODE_IDLE_IN_TRANSACTION_SESSION_TIMEOUT
constexpr const char* kIdleInTransactionTimeout = "25P03";

Error fatal(const char* state, std::string msg) {
  Error e;
  e.sqlstate = state;
  e.message = std::move(msg);
  e.severity = "FATAL";
  return e;
}

// AuthenticationRequest codes.
constexpr int32_t kAuthCleartextPassword = 3;
constexpr int32_t kAuthSasl = 10;
constexpr int32_t kAuthSaslContinue = 11;
constexpr int32_t kAuthSaslFinal = 12;
// PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH.
constexpr int32_t kMaxAuthResponse = 65535;
// PostgreSQL's authentication_timeout default.
constexpr std::chrono::seconds kAuthenticationTimeout{60};

// Runs one asynchronous operation of the connection's stream and parks the fiber until it
// completes. The handler's captures stay valid: the fiber's stack lives until then. The
// handler runs the fiber's next slice itself (runtime/resume_here.h): it is Asio's completion,
// on the fiber's executor, holding nothing, and touches nothing after the wake-up.
template <typename Start>
std::pair<boost::system::error_code, size_t> await_io(Start&& start) {
  auto ev = runtime::Event::create();
  boost::system::error_code ec;
  size_t n = 0;
  start([ev, &ec, &n](const boost::system::error_code& e, size_t k) {
    ec = e;
    n = k;
    runtime::ResumeHereScope here;
    ev->complete(runtime::WakeReason::kSignalled);
  });
  ev->wait();
  return {ec, n};
}

int64_t now_us_since_2000() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count() -
         946684800LL * 1000000;
}

// Messages after which an error starts skip-till-Sync (PostgreSQL's
// doing_extended_query_message).
bool is_extended(char type) {
  return type == 'P' || type == 'B' || type == 'E' || type == 'D' || type == 'C' || type == 'H';
}
}  // namespace

Connection::Connection(WireServer& server, asio::ip::tcp::socket socket)
    : server_(server), socket_(std::move(socket)) {}

Connection::~Connection() = default;

void Connection::shutdown() {
  std::weak_ptr<Connection> weak = weak_from_this();
  asio::post(socket_.get_executor(), [weak] {
    auto self = weak.lock();
    if (!self) return;
    if (self->session_) self->session_->cancel_token().request(runtime::CancelToken::kTerminate);
    boost::system::error_code ec;
    self->socket_.close(ec);
  });
}

// ---- socket I/O ----

// Parks the fiber until the socket is ready for w; a socket error (or the idle timer closing
// it) ends the connection.
void Connection::await_socket(asio::ip::tcp::socket::wait_type w) {
  auto ev = runtime::Event::create();
  boost::system::error_code wait_ec;
  socket_.async_wait(w, [ev, &wait_ec](const boost::system::error_code& e) {
    wait_ec = e;
    runtime::ResumeHereScope here;
    ev->complete(runtime::WakeReason::kSignalled);
  });
  ev->wait();
  if (wait_ec) throw_socket_failed();
}

// A socket operation failed or was cancelled: by a notification to send (the idle wait of
// wait_for_message_or_notification), by the idle timeout, or because the socket is gone.
void Connection::throw_socket_failed() {
  check_idle_expired();
  if (notify_woken_ && notify_waiting_) {
    notify_woken_ = false;
    throw Woken{};
  }
  throw Lost{};
}

size_t Connection::read_some(char* p, size_t n) {
  // Always Asio's asynchronous read, also on a plain socket: its reactor tries the read at
  // once and, when the socket is empty (the usual case: the client waits for our answer
  // before it sends again), queues it for the socket's next edge-triggered event, which needs
  // no system call of its own. A read of our own, then async_wait on EAGAIN, also cost an
  // epoll_ctl per wait (async_wait re-arms the descriptor; measured, issue 8: 0.65 per
  // statement under the Temporal workload). The failed first read remains: Boost 1.74's
  // reactor skips it only after a read of 0 bytes.
  auto [ec, got] = await_io([&](auto handler) {
    if (tls_) {
      tls_->async_read_some(asio::buffer(p, n), handler);
    } else {
      socket_.async_read_some(asio::buffer(p, n), handler);
    }
  });
  if (!ec) return got;
  throw_socket_failed();
}

void Connection::write_all(std::string_view data) {
  if (tls_) {
    auto [ec, n] = await_io([&](auto handler) {
      asio::async_write(*tls_, asio::buffer(data.data(), data.size()), handler);
    });
    if (ec) {
      check_idle_expired();
      throw Lost{};
    }
    return;
  }
  while (!data.empty()) {
    boost::system::error_code ec;
    size_t n = socket_.write_some(asio::buffer(data.data(), data.size()), ec);
    if (!ec) {
      data.remove_prefix(n);
      continue;
    }
    if (ec != asio::error::would_block && ec != asio::error::try_again) throw Lost{};
    await_socket(asio::ip::tcp::socket::wait_write);
  }
}

void Connection::compact_input() {
  if (in_pos_ == in_end_) {
    in_pos_ = in_end_ = 0;
    if (in_.size() > kMaxIdleBuffer) {
      in_.resize(kInitialInput);
      in_.shrink_to_fit();
    }
  } else if (in_pos_ > 0) {
    std::memmove(in_.data(), in_.data() + in_pos_, in_end_ - in_pos_);
    in_end_ -= in_pos_;
    in_pos_ = 0;
  }
}

void Connection::fill(size_t need) {
  if (in_end_ - in_pos_ >= need) return;
  compact_input();
  while (in_end_ < need) {
    if (in_.size() == in_end_) {
      // Grow with the data actually arriving, so a bogus huge length costs nothing up front.
      size_t grow = std::min(need, std::max<size_t>(in_.size() * 2, kInitialInput));
      in_.resize(std::max(grow, in_end_ + 1));
    }
    if (in_end_ == in_pos_) flush();  // about to block on input: send what is pending
    in_end_ += read_some(in_.data() + in_end_, in_.size() - in_end_);
  }
}

std::string_view Connection::read_exact(size_t n) {
  fill(n);
  std::string_view v(in_.data() + in_pos_, n);
  in_pos_ += n;
  return v;
}

int32_t Connection::read_int32() {
  auto v = read_exact(4);
  uint32_t x = 0;
  for (char c : v) x = (x << 8) | static_cast<uint8_t>(c);
  return static_cast<int32_t>(x);
}

char Connection::read_message(std::string_view& payload) {
  if (in_pos_ == in_end_) flush();
  fill(1);
  char type = in_[in_pos_];
  if (!is_known_frontend_type(type)) {
    throw FatalError(fatal(sqlstate::kProtocolViolation,
                           "invalid frontend message type " +
                               std::to_string(static_cast<int>(static_cast<unsigned char>(type)))));
  }
  fill(5);
  in_pos_ += 1;
  int32_t len = read_int32();
  if (len < 4 || len > kMaxMessageLength) {
    throw FatalError(fatal(sqlstate::kProtocolViolation, "invalid message length"));
  }
  // Read the payload without moving it afterwards: the view stays valid until the next read.
  fill(static_cast<size_t>(len - 4));
  payload = std::string_view(in_.data() + in_pos_, static_cast<size_t>(len - 4));
  in_pos_ += static_cast<size_t>(len - 4);
  return type;
}

void Connection::flush() {
  if (out_.empty()) return;
  write_all(out_);
  out_.clear();
  if (out_.capacity() > kMaxIdleBuffer) out_.shrink_to_fit();
}

void Connection::maybe_flush() {
  if (out_.size() >= server_.options().flush_threshold) flush();
}

// ---- handshake ----

bool Connection::startup() {
  session::StartupParams params;
  // PostgreSQL's ProcessStartupPacket: one SSLRequest and one GSSENCRequest may come first
  // (in either order; after TLS is set up, no more GSSENCRequest); a second is taken for a
  // startup packet of an unknown protocol version.
  bool ssl_done = false, gss_done = false;
  for (;;) {
    int32_t len = read_int32();
    if (len < 8 || len > kMaxStartupPacketLength) {
      // PostgreSQL logs this (COMMERROR) and closes without a reply.
      spdlog::debug("invalid length of startup packet");
      return false;
    }
    std::string payload(read_exact(static_cast<size_t>(len - 4)));
    StartupPacket p = parse_startup(payload);
    const bool ssl = p.code == kSslRequestCode, gss = p.code == kGssEncRequestCode;
    if ((ssl && !ssl_done) || (gss && !gss_done)) {
      if (in_end_ != in_pos_) {
        // Bytes after the request before our answer: they were sent unencrypted, perhaps by
        // someone in between. PostgreSQL rejects them.
        Error e = fatal(sqlstate::kProtocolViolation,
                        ssl ? "received unencrypted data after SSL request"
                            : "received unencrypted data after GSSAPI encryption request");
        e.detail =
            "This could be either a client-software bug or evidence of an attempted "
            "man-in-the-middle attack.";
        throw FatalError(e);
      }
      if (gss) {
        write_all("N");
        gss_done = true;
        continue;
      }
      ssl_done = true;
      if (!server_.tls_context()) {
        write_all("N");
        continue;
      }
      write_all("S");
      if (!start_tls()) return false;
      gss_done = true;
      continue;
    }
    if (ssl || gss) {
      throw FatalError(fatal(sqlstate::kProtocolViolation,
                             "unsupported frontend protocol " + std::to_string(p.code >> 16) + "." +
                                 std::to_string(p.code & 0xffff) + ": server supports 3.0 to 3.0"));
    }
    if (p.code == kCancelRequestCode) {
      // This node's sessions only (issue 12 item 7): a client sends its cancel key to the node
      // it connected to, which runs its session; pg_cancel_backend reaches the other nodes.
      server_.services().registry().cancel(p.cancel_pid, p.cancel_secret);
      return false;
    }
    params = std::move(p.params);
    // Protocol 3.x with x > 0, or _pq_ options: NegotiateProtocolVersion.
    std::vector<std::string> unknown;
    std::vector<std::pair<std::string, std::string>> kept;
    for (auto& o : params.options) {
      if (o.first.rfind("_pq_.", 0) == 0) {
        unknown.push_back(o.first);
      } else {
        kept.push_back(o);
      }
    }
    params.options = std::move(kept);
    if ((p.code & 0xffff) != 0 || !unknown.empty()) {
      MessageWriter w(out_);
      w.begin('v').int32(kProtocolV3).int32(static_cast<int32_t>(unknown.size()));
      for (auto& u : unknown) w.cstr(u);
      w.end();
    }
    break;
  }
  if (!server_.admit()) {
    throw FatalError(fatal(sqlstate::kTooManyConnections, "sorry, too many clients already"));
  }
  admitted_ = true;
  authenticate(params);
  session_ = session::make_session(server_.services(), params);
  std::weak_ptr<Connection> weak = weak_from_this();
  session_->set_notification_wakeup([weak, executor = socket_.get_executor()] {
    asio::post(executor, [weak] {
      if (auto self = weak.lock()) self->notification_arrived();
    });
  });
  write_authentication_ok(out_);
  for (auto& [name, value] : session_->initial_parameter_status())
    write_parameter_status(out_, name, value);
  write_backend_key_data(out_, session_->pid(), session_->secret_key());
  return true;
}

// PostgreSQL's authentication_timeout (60 s by default): a client that has not sent its
// startup packet, finished the TLS handshake and authenticated by then is disconnected
// without a message, so half-open connections cannot hold connection slots for ever. The
// handler runs on this connection's thread; closing the socket ends the fiber's wait.
void Connection::arm_startup_timer() {
  startup_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor());
  startup_timer_->expires_after(kAuthenticationTimeout);
  std::weak_ptr<Connection> weak = weak_from_this();
  startup_timer_->async_wait([weak](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self || ec) return;
    spdlog::info("canceling authentication due to timeout");
    boost::system::error_code ignored;
    self->socket_.close(ignored);
  });
}

// ---- TLS ----

bool Connection::start_tls() {
  tls_ =
      std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *server_.tls_context());
  auto [ec, n] = await_io([&](auto handler) {
    tls_->async_handshake(asio::ssl::stream_base::server,
                          [handler](const boost::system::error_code& e) mutable { handler(e, 0); });
  });
  if (ec) {
    // PostgreSQL logs this and closes the connection without a reply.
    spdlog::info("could not accept SSL connection: {}", ec.message());
    return false;
  }
  SSL* ssl = tls_->native_handle();
  if (X509* peer = SSL_get1_peer_certificate(ssl)) {
    peer_cert_valid_ = SSL_get_verify_result(ssl) == X509_V_OK;
    char cn[256] = {};
    int len = X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
    // A common name with a NUL inside is no name (PostgreSQL refuses it too).
    if (len > 0 && static_cast<size_t>(len) == std::strlen(cn)) peer_common_name_ = cn;
    X509_free(peer);
  }
  return true;
}

// ---- authentication ----

void Connection::send_auth_request(int32_t code, std::string_view data) {
  MessageWriter(out_).begin('R').int32(code).bytes(data).end();
  flush();
}

std::string Connection::read_auth_response(const char* what) {
  if (in_pos_ == in_end_) flush();
  fill(1);  // a hang-up here throws Lost: libpq closes to ask the user for a password
  char type = in_[in_pos_];
  if (type != 'p') {
    throw FatalError(fatal(sqlstate::kProtocolViolation,
                           std::string("expected ") + what + " response, got message type " +
                               std::to_string(static_cast<int>(static_cast<unsigned char>(type)))));
  }
  fill(5);
  in_pos_ += 1;
  int32_t len = read_int32();
  if (len < 4 || len > kMaxAuthResponse + 4)
    throw FatalError(fatal(sqlstate::kProtocolViolation, "invalid message length"));
  return std::string(read_exact(static_cast<size_t>(len - 4)));
}

bool Connection::sasl_exchange(const session::StartupParams& params,
                               const std::optional<std::string>& secret) {
  const bool binding = tls_ && !server_.certificate_hash().empty();
  std::string mechanisms;
  for (const auto& m : auth::scram_mechanisms(binding)) {
    mechanisms += m;
    mechanisms.push_back('\0');
  }
  mechanisms.push_back('\0');
  send_auth_request(kAuthSasl, mechanisms);

  std::string initial = read_auth_response("SASL");
  MessageReader r(initial);
  auth::ScramServer::Options o;
  o.mechanism = r.cstr();
  int32_t len = r.int32();
  std::optional<std::string> input;
  if (len >= 0) input = std::string(r.bytes(static_cast<size_t>(len)));
  r.expect_end();
  if (secret) o.secret = auth::parse_scram_secret(*secret);
  o.user = params.user;
  if (server_.services().has_catalog())
    o.mock_key = server_.services().catalog().roles().mock_auth_key();
  o.tls = binding;
  o.certificate_hash = server_.certificate_hash();
  auth::ScramServer scram(std::move(o));
  for (;;) {
    std::string reply;
    // No initial response: an empty challenge asks for it.
    auto step = input ? scram.exchange(*input, reply) : auth::ScramServer::Step::kContinue;
    if (step == auth::ScramServer::Step::kFailure) return false;
    if (step == auth::ScramServer::Step::kSuccess) {
      send_auth_request(kAuthSaslFinal, reply);
      return true;
    }
    send_auth_request(kAuthSaslContinue, reply);
    input = read_auth_response("SASL");
  }
}

bool Connection::password_exchange(const std::optional<std::string>& secret) {
  send_auth_request(kAuthCleartextPassword);
  std::string msg = read_auth_response("password");
  MessageReader r(msg);
  std::string password = r.cstr();
  if (password.empty())
    throw FatalError(fatal(sqlstate::kInvalidPassword, "empty password returned by client"));
  if (!secret) return false;
  auto parsed = auth::parse_scram_secret(*secret);
  return parsed && auth::verify_password(password, *parsed);
}

void Connection::authenticate(const session::StartupParams& params) {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (ec) throw Lost{};
  const std::string host = ep.address().to_string();
  auth::HbaClient client;
  if (auto a = auth::IpAddress::parse(host)) client.address = *a;
  client.ssl = tls_ != nullptr;
  client.user = params.user;
  client.database = params.database;

  session::Services& services = server_.services();
  // Roles and their settings changed on another SQL node (issue 12) count from this login on.
  if (services.has_catalog()) services.catalog().sync();
  catalog::Roles* roles = services.has_catalog() ? &services.catalog().roles() : nullptr;
  auto is_member = [&](std::string_view user, std::string_view role) {
    if (!roles) return user == role;
    auto u = roles->find(user);
    auto r = roles->find(role);
    return u && r && roles->is_member_of_nosuper(u->oid, r->oid);
  };
  auto rules = server_.hba();
  const auth::HbaRule* rule = auth::match_hba(*rules, client, is_member);
  const std::string who = "host \"" + host + "\", user \"" + params.user + "\", database \"" +
                          params.database + "\", " + (tls_ ? "SSL encryption" : "no encryption");
  if (!rule) {
    throw FatalError(
        fatal(sqlstate::kInvalidAuthorizationSpecification, "no pg_hba.conf entry for " + who));
  }
  if (rule->clientcert != auth::ClientCert::kOff) {
    if (!server_.verifies_client_certificates())
      throw FatalError(fatal("F0000",
                             "client certificates can only be checked if a root certificate "
                             "store is available"));
    if (!peer_cert_valid_)
      throw FatalError(fatal(sqlstate::kInvalidAuthorizationSpecification,
                             "connection requires a valid client certificate"));
  }
  std::optional<catalog::Role> role;
  if (roles) role = roles->find(params.user);
  // PostgreSQL's get_role_password: no secret for an unknown role, a role without a
  // password, or one whose password has expired (VALID UNTIL); the exchange then fails.
  std::optional<std::string> secret;
  if (role && role->password && !(role->valid_until && *role->valid_until < now_us_since_2000()))
    secret = role->password;
  bool ok = false;
  switch (rule->method) {
    case auth::HbaMethod::kReject:
      throw FatalError(fatal(sqlstate::kInvalidAuthorizationSpecification,
                             "pg_hba.conf rejects connection for " + who));
    case auth::HbaMethod::kTrust:
    case auth::HbaMethod::kCert:
      ok = true;
      break;
    case auth::HbaMethod::kScram:
    case auth::HbaMethod::kMd5:  // SCRAM too: only SCRAM secrets are stored
      ok = sasl_exchange(params, secret);
      break;
    case auth::HbaMethod::kPassword:
      ok = password_exchange(secret);
      break;
  }
  // clientcert=verify-full (implied by cert): the certificate's CN must be the user name.
  if (ok && rule->clientcert == auth::ClientCert::kVerifyFull)
    ok = !peer_common_name_.empty() && peer_common_name_ == params.user;
  if (!ok) {
    spdlog::info("authentication failed for user \"{}\" from {} (pg_hba.conf line {}: \"{}\")",
                 params.user, host, rule->line, rule->raw_line);
    switch (rule->method) {
      case auth::HbaMethod::kTrust:
        throw FatalError(fatal(sqlstate::kInvalidAuthorizationSpecification,
                               "\"trust\" authentication failed for user \"" + params.user + "\""));
      case auth::HbaMethod::kCert:
        throw FatalError(
            fatal(sqlstate::kInvalidAuthorizationSpecification,
                  "certificate authentication failed for user \"" + params.user + "\""));
      default:
        throw FatalError(fatal(sqlstate::kInvalidPassword,
                               "password authentication failed for user \"" + params.user + "\""));
    }
  }
  if (!roles) return;  // tests without a catalog
  // PostgreSQL's InitializeSessionUserId.
  if (!role)
    throw FatalError(fatal(sqlstate::kInvalidAuthorizationSpecification,
                           "role \"" + params.user + "\" does not exist"));
  if (!role->can_login)
    throw FatalError(fatal(sqlstate::kInvalidAuthorizationSpecification,
                           "role \"" + params.user + "\" is not permitted to log in"));
  if (!role->superuser && role->connection_limit >= 0) {
    int sessions = 0;
    for (const auto& s : services.registry().snapshot())
      if (s.user == params.user) ++sessions;
    if (sessions >= role->connection_limit)
      throw FatalError(fatal(sqlstate::kTooManyConnections,
                             "too many connections for role \"" + params.user + "\""));
  }
  // PostgreSQL's CheckMyDatabase: CONNECT on the database (PUBLIC has it by default).
  if (!role->superuser &&
      roles->database_privileges(params.database, role->oid, catalog::acl::kConnect) == 0) {
    Error e = fatal(sqlstate::kInsufficientPrivilege,
                    "permission denied for database \"" + params.database + "\"");
    e.detail = "User does not have CONNECT privilege.";
    throw FatalError(e);
  }
}

// ---- message loop ----

void Connection::run() {
  try {
    in_.resize(kInitialInput);
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    socket_.set_option(asio::socket_base::keep_alive(true), ec);
    arm_startup_timer();
    bool started = startup();
    startup_timer_.reset();  // cancels it
    if (started) message_loop();
  } catch (const Lost&) {
  } catch (const FatalError& e) {
    try {
      send_fatal(e.error());
    } catch (...) {
    }
  } catch (const SqlError& e) {
    try {
      Error err = e.error();
      err.severity = "FATAL";
      send_fatal(err);
    } catch (...) {
    }
  } catch (const std::exception& e) {
    spdlog::error("connection ended by an internal error: {}", e.what());
  }
  try {
    if (session_) session_->terminate();
  } catch (...) {
  }
  session_.reset();
  if (admitted_) server_.release_admission();
  close_tls();
  boost::system::error_code ec;
  socket_.close(ec);
}

// As PostgreSQL, a TLS connection ends with close_notify, so the client reads a clean end
// ("SSL connection has been closed unexpectedly" after a FATAL, not an EOF error). asio's
// shutdown then waits for the peer's close_notify: a client that neither answers nor closes
// gets 100 ms. The handler may outlive the wait, so it holds only the shared state.
void Connection::close_tls() {
  if (!tls_) return;
  struct Wait {
    std::shared_ptr<runtime::Event> ev;
    bool done = false;
  };
  auto w = std::make_shared<Wait>();
  w->ev = runtime::Event::create();
  tls_->async_shutdown([w](const boost::system::error_code&) {
    w->done = true;
    w->ev->complete(runtime::WakeReason::kSignalled);
  });
  if (w->ev->wait(runtime::Clock::now() + std::chrono::milliseconds(100)) ==
          runtime::WakeReason::kSignalled ||
      w->done)
    return;
  boost::system::error_code ec;
  socket_.cancel(ec);
  // The handler runs on this connection's thread, like the fiber: no race with the check.
  w->ev = runtime::Event::create();
  if (!w->done) w->ev->wait();
}

void Connection::send_fatal(const Error& e) {
  Error err = e;
  err.severity = "FATAL";
  write_error(out_, err);
  flush();
}

void Connection::message_loop() {
  bool send_ready = true;
  bool ignore_till_sync = false;
  for (;;) {
    int64_t idle_ms = 0;
    const bool after_ready = send_ready;  // between commands (not inside an extended batch)
    if (send_ready) {
      for (auto& [name, value] : session_->take_parameter_changes())
        write_parameter_status(out_, name, value);
      // As PostgreSQL: what arrived during the command goes out before ReadyForQuery.
      if (session_->transaction_status() == 'I') send_notifications();
      write_ready_for_query(out_, session_->transaction_status());
      send_ready = false;
      // As PostgreSQL: the idle timeout runs from a ReadyForQuery until the next message.
      idle_ms = session_->idle_in_transaction_timeout_ms();
    }
    std::string_view payload;
    if (idle_ms > 0 && in_pos_ == in_end_) arm_idle_timer(idle_ms);
    if (after_ready && in_pos_ == in_end_ && session_->transaction_status() == 'I')
      wait_for_message_or_notification();
    char type = read_message(payload);
    disarm_idle_timer();
    if (ignore_till_sync && type != 'S' && type != 'X') continue;
    if (type == 'S') ignore_till_sync = false;
    std::optional<Error> failed;
    try {
      if (!dispatch(type, payload, send_ready)) return;
    } catch (const FatalError&) {
      throw;
    } catch (const SqlError& e) {
      failed = e.error();
    } catch (const std::exception& e) {
      // A bug, not a user error: the client gets PostgreSQL's XX000 (53200 for bad_alloc) as
      // a FATAL and the connection ends, so a session whose state the exception may have left
      // half-changed runs nothing more; the log keeps what happened.
      // As PostgreSQL's log_min_error_statement: the statement that failed, for a simple query.
      std::string_view stmt = type == 'Q'
                                  ? payload.substr(0, std::min<size_t>(payload.size(), 2000))
                                  : std::string_view{};
      if (!stmt.empty() && stmt.back() == '\0') stmt.remove_suffix(1);
      spdlog::error("internal error in a {} message: {}{}{}", type, e.what(),
                    stmt.empty() ? "" : "; statement: ", stmt);
      const bool oom = dynamic_cast<const std::bad_alloc*>(&e) != nullptr;
      Error err{oom ? sqlstate::kOutOfMemory : sqlstate::kInternalError,
                oom ? "out of memory" : e.what()};
      err.severity = "FATAL";
      throw FatalError(err);
    }
    if (failed) {
      if (failed->severity.empty() || failed->severity == "WARNING" || failed->severity == "NOTICE")
        failed->severity = "ERROR";
      write_error(out_, *failed);
      if (is_extended(type)) {
        ignore_till_sync = true;
      } else {
        send_ready = true;
      }
    }
    if (session_->cancel_token().pending() == runtime::CancelToken::kTerminate) {
      throw FatalError(
          fatal(sqlstate::kAdminShutdown, "terminating connection due to administrator command"));
    }
  }
}

bool Connection::dispatch(char type, std::string_view payload, bool& send_ready) {
  MessageReader r(payload);
  switch (type) {
    case 'Q': {
      std::string sql = r.cstr();
      r.expect_end();
      send_ready = true;
      session_->simple_query(sql, *this);
      return true;
    }
    case 'P': {
      std::string name = r.cstr();
      std::string sql = r.cstr();
      int16_t n = r.int16();
      std::vector<Oid> types;
      for (int i = 0; i < n; ++i) types.push_back(static_cast<Oid>(r.int32()));
      r.expect_end();
      session_->parse(name, sql, types);
      write_simple(out_, '1');
      return true;
    }
    case 'B': {
      std::string portal = r.cstr();
      std::string stmt = r.cstr();
      int16_t nformats = r.int16();
      std::vector<int16_t> formats;
      formats.reserve(std::max<int16_t>(nformats, 0));
      for (int i = 0; i < nformats; ++i) formats.push_back(r.int16());
      int16_t nparams = r.int16();
      // Views into the message: Bind decodes each value into the portal before it returns.
      std::vector<std::optional<std::string_view>> params;
      params.reserve(std::max<int16_t>(nparams, 0));
      for (int i = 0; i < nparams; ++i) {
        int32_t len = r.int32();
        if (len == -1) {
          params.emplace_back(std::nullopt);
        } else {
          if (len < 0)
            throw SqlError(sqlstate::kProtocolViolation, "insufficient data left in message");
          params.emplace_back(r.bytes(static_cast<size_t>(len)));
        }
      }
      int16_t nresults = r.int16();
      std::vector<int16_t> result_formats;
      result_formats.reserve(std::max<int16_t>(nresults, 0));
      for (int i = 0; i < nresults; ++i) result_formats.push_back(r.int16());
      r.expect_end();
      session_->bind(portal, stmt, formats, params, result_formats);
      write_simple(out_, '2');
      return true;
    }
    case 'E': {
      std::string portal = r.cstr();
      int32_t max_rows = r.int32();
      r.expect_end();
      auto outcome = session_->execute(portal, max_rows > 0 ? max_rows : 0, *this);
      if (outcome == session::ExecuteOutcome::kSuspended) write_simple(out_, 's');
      maybe_flush();
      return true;
    }
    case 'D': {
      auto kind = static_cast<char>(r.int8());
      std::string name = r.cstr();
      r.expect_end();
      if (kind == 'S') {
        auto d = session_->describe_statement(name);
        write_parameter_description(out_, d.param_types);
        if (d.fields.empty()) {
          write_simple(out_, 'n');
        } else {
          write_row_description(out_, d.fields);
        }
      } else if (kind == 'P') {
        auto fields = session_->describe_portal(name);
        if (fields.empty()) {
          write_simple(out_, 'n');
        } else {
          write_row_description(out_, fields);
        }
      } else {
        throw SqlError(sqlstate::kProtocolViolation,
                       "invalid DESCRIBE message subtype " +
                           std::to_string(static_cast<int>(static_cast<unsigned char>(kind))));
      }
      return true;
    }
    case 'C': {
      auto kind = static_cast<char>(r.int8());
      std::string name = r.cstr();
      r.expect_end();
      if (kind == 'S') {
        session_->close_statement(name);
      } else if (kind == 'P') {
        session_->close_portal(name);
      } else {
        throw SqlError(sqlstate::kProtocolViolation,
                       "invalid CLOSE message subtype " +
                           std::to_string(static_cast<int>(static_cast<unsigned char>(kind))));
      }
      write_simple(out_, '3');
      return true;
    }
    case 'S':
      r.expect_end();
      send_ready = true;
      session_->sync();
      return true;
    case 'H':
      r.expect_end();
      flush();
      return true;
    case 'X':
      session_->terminate();
      return false;
    case 'd':
    case 'c':
    case 'f':
      // Outside COPY: ignored, per protocol (the client may still be sending after a failed
      // COPY).
      return true;
    case 'F':
      send_ready = true;
      throw SqlError(sqlstate::kFeatureNotSupported, "fastpath function calls not supported");
    default:
      throw FatalError(
          fatal(sqlstate::kProtocolViolation,
                "invalid frontend message type " +
                    std::to_string(static_cast<int>(static_cast<unsigned char>(type)))));
  }
}

// ---- ResultSink ----

void Connection::row_description(const std::vector<session::FieldDesc>& fields) {
  write_row_description(out_, fields);
}

void Connection::data_row(const std::vector<std::optional<std::string>>& values) {
  write_data_row(out_, values);
  maybe_flush();
}

void Connection::command_complete(const std::string& tag) {
  write_command_complete(out_, tag);
}

void Connection::empty_query() {
  write_simple(out_, 'I');
}

void Connection::notice(const Error& n) {
  Error e = n;
  if (e.severity.empty()) e.severity = "NOTICE";
  write_error(out_, e, /*notice=*/true);
}

void Connection::copy_in_start(bool binary, int columns) {
  write_copy_response(out_, 'G', binary, columns);
  flush();
}

std::optional<std::string> Connection::copy_in_next() {
  for (;;) {
    if (in_pos_ == in_end_) flush();
    fill(1);
    char type = in_[in_pos_];
    if (type != 'd' && type != 'c' && type != 'f' && type != 'H' && type != 'S') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02X",
                    static_cast<unsigned>(static_cast<unsigned char>(type)));
      throw FatalError(fatal(sqlstate::kProtocolViolation, std::string("unexpected message type ") +
                                                               buf + " during COPY from stdin"));
    }
    std::string_view payload;
    read_message(payload);
    switch (type) {
      case 'd':
        return std::string(payload);
      case 'c':
        return std::nullopt;
      case 'f': {
        MessageReader r(payload);
        throw SqlError(sqlstate::kQueryCanceled, "COPY from stdin failed: " + r.cstr());
      }
      default:
        continue;  // Flush and Sync are ignored during COPY
    }
  }
}

void Connection::copy_out_start(bool binary, int columns) {
  write_copy_response(out_, 'H', binary, columns);
}

void Connection::copy_out_data(const std::string& data) {
  write_copy_data(out_, data);
  maybe_flush();
}

void Connection::copy_out_done() {
  write_simple(out_, 'c');
}

// ---- idle_in_transaction_session_timeout ----
//
// Armed after a ReadyForQuery that leaves the session in a transaction block, when no
// message is already buffered; disarmed once the next message is read. When it fires while
// the fiber is parked on the socket, it cancels that wait, and read_some / write_all throw
// the FATAL; run() then sends it and rolls the transaction back, as PostgreSQL 15 does.
// The timer's handler runs on this connection's executor thread, like the fiber, so the
// flags need no lock; a handler already queued when the message arrived finds idle_armed_
// false and does nothing.

void Connection::arm_idle_timer(int64_t ms) {
  if (!idle_timer_) idle_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor());
  idle_armed_ = true;
  idle_expired_ = false;
  idle_timer_->expires_after(std::chrono::milliseconds(ms));
  std::weak_ptr<Connection> weak = weak_from_this();
  idle_timer_->async_wait([weak](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self || ec || !self->idle_armed_) return;
    self->idle_expired_ = true;
    boost::system::error_code ignored;
    self->socket_.cancel(ignored);
  });
}

void Connection::disarm_idle_timer() {
  if (!idle_armed_) return;
  idle_armed_ = false;
  idle_expired_ = false;
  idle_timer_->cancel();
}

void Connection::check_idle_expired() {
  if (!idle_expired_) return;
  idle_armed_ = idle_expired_ = false;
  throw FatalError(fatal(kIdleInTransactionTimeout,
                         "terminating connection due to idle-in-transaction timeout"));
}

// ---- client-gone watch ----
//
// A session parked in a lock wait reads nothing from its socket, so a client killed (or
// ending with Terminate) while it waits would otherwise go unnoticed until the lock is
// granted, keeping its place in the queue and every lock its transaction holds. While the
// session waits, an async_wait(wait_read) on the socket fires when anything arrives; poll's
// POLLRDHUP then says whether the peer has shut down (data it sent before, such as a
// Terminate, does not hide that). If it has, the session's cancel token gets kTerminate:
// the wait ends, the statement fails FATAL and run() rolls the transaction back. If only
// data arrived (a pipelined message), the watch is armed again for the next event. The
// socket is edge-triggered, so a hang-up that happened before the wait began is caught by
// the check in lock_wait(true), not by the watch.

bool Connection::client_gone() {
  pollfd p{};
  p.fd = socket_.native_handle();
  p.events = POLLIN | POLLRDHUP;
  if (::poll(&p, 1, 0) <= 0) return false;
  return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

void Connection::lock_wait(bool waiting) {
  lock_waiting_ = waiting;
  if (!waiting || !session_) return;
  if (client_gone()) {
    session_->cancel_token().request(runtime::CancelToken::kTerminate);
    return;
  }
  arm_client_watch();
}

void Connection::arm_client_watch() {
  if (watch_pending_) return;
  watch_pending_ = true;
  std::weak_ptr<Connection> weak = weak_from_this();
  socket_.async_wait(asio::ip::tcp::socket::wait_read, [weak](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self) return;
    self->watch_pending_ = false;
    if (ec || !self->lock_waiting_ || !self->session_) return;
    if (self->client_gone()) {
      self->session_->cancel_token().request(runtime::CancelToken::kTerminate);
    } else {
      self->arm_client_watch();
    }
  });
}

// ---- LISTEN/NOTIFY ----
//
// A session outside a transaction block that waits for the client's next message is sent
// each notification as it arrives (PostgreSQL's ProcessNotifyInterrupt while idle). The hub
// calls the session's wake-up function (set in startup()) from the notifier's thread; it posts
// notification_arrived() to this connection's thread, which cancels the socket wait only while
// the fiber is parked in wait_for_message_or_notification (notify_waiting_). That function
// flushes all output before it waits, so a cancelled wait never interrupts a write, and it
// waits only for the first byte of a message, so no message is left half read. Both run on
// this connection's thread. A notification that arrives while the fiber is busy (writing the
// previous ones, or running a command) sets notify_pending_, which the wait checks before it
// parks: the session wakes its connection only when its mailbox turns non-empty, so that
// wake-up must not be lost.

void Connection::send_notifications() {
  notify_pending_ = false;
  for (const auto& n : session_->take_notifications())
    write_notification_response(out_, n.sender_pid, n.channel, n.payload);
}

void Connection::wait_for_message_or_notification() {
  if (tls_) {
    wait_tls_for_message_or_notification();
    return;
  }
  for (;;) {
    send_notifications();
    flush();  // may park: a notification arriving meanwhile only sets notify_pending_
    if (notify_pending_) continue;
    notify_woken_ = false;
    notify_waiting_ = true;
    try {
      fill(1);
    } catch (const Woken&) {
      notify_waiting_ = false;
      continue;
    } catch (...) {
      notify_waiting_ = notify_woken_ = false;
      throw;
    }
    // A wake-up that came after the socket was already ready cancelled nothing: forget it, so
    // that a later failure of this socket is not taken for one.
    notify_waiting_ = notify_woken_ = false;
    return;
  }
}

// TLS: asio does not promise that a TLS stream stays usable after one of its reads was
// cancelled, and waiting on the raw socket instead would miss bytes the stream has already
// read and buffered. So the read stays outstanding, and notifications are written while it is
// (the TLS stream allows one read and one write at a time); the read's result is taken once
// it completes. Its buffer is the tail of in_, which nothing else touches meanwhile; an error
// while writing waits for the read to end before the connection goes away.
void Connection::wait_tls_for_message_or_notification() {
  struct PendingRead {
    std::shared_ptr<runtime::Event> ev;
    boost::system::error_code ec;
    size_t n = 0;
    bool done = false;
  };
  compact_input();
  if (in_.size() == in_end_) in_.resize(in_.size() + kInitialInput);
  auto read = std::make_shared<PendingRead>();
  tls_->async_read_some(asio::buffer(in_.data() + in_end_, in_.size() - in_end_),
                        [read](const boost::system::error_code& ec, size_t n) {
                          read->ec = ec;
                          read->n = n;
                          read->done = true;
                          if (read->ev) read->ev->complete(runtime::WakeReason::kSignalled);
                        });
  for (;;) {
    try {
      send_notifications();
      flush();
    } catch (...) {
      boost::system::error_code ignored;
      socket_.cancel(ignored);
      while (!read->done) {
        read->ev = runtime::Event::create();
        read->ev->wait();
      }
      throw;
    }
    if (read->done) break;
    if (notify_pending_) continue;
    read->ev = runtime::Event::create();
    notify_event_ = read->ev;
    notify_waiting_ = true;
    read->ev->wait();
    notify_waiting_ = false;
    notify_event_.reset();
    if (read->done) break;
  }
  if (read->ec) throw_socket_failed();
  in_end_ += read->n;
}

void Connection::notification_arrived() {
  notify_pending_ = true;
  if (!notify_waiting_) return;
  if (notify_event_) {  // TLS
    notify_event_->complete(runtime::WakeReason::kSignalled);
    return;
  }
  if (notify_woken_) return;
  notify_woken_ = true;
  boost::system::error_code ignored;
  socket_.cancel(ignored);
}

}  // namespace hf::wire
