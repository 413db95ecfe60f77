// wire/connection.h — one client connection: socket I/O from its fiber (plain, or TLS through
// an asio::ssl::stream over the same socket), the startup handshake with authentication, and
// PostgreSQL's backend message loop. Internal to wire/ (see server.h).
//
// A Connection is used by its fiber only, except shutdown(), which any thread may call.
// Every socket operation MAY SUSPEND (parks the fiber until the socket is ready).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include "session/session.h"

namespace hf::wire {

class WireServer;

class Connection : public std::enable_shared_from_this<Connection>, public session::ResultSink {
 public:
  Connection(WireServer& server, boost::asio::ip::tcp::socket socket);
  ~Connection() override;
  // The fiber body: handshake, then messages until Terminate, EOF or a FATAL error.
  void run();
  // Any thread: closes the socket and terminates the running statement.
  void shutdown();

  // session::ResultSink
  void row_description(const std::vector<session::FieldDesc>& fields) override;
  void data_row(const std::vector<std::optional<std::string>>& values) override;
  void command_complete(const std::string& tag) override;
  void empty_query() override;
  void notice(const Error& notice) override;
  void copy_in_start(bool binary, int columns) override;
  std::optional<std::string> copy_in_next() override;
  void copy_out_start(bool binary, int columns) override;
  void copy_out_data(const std::string& data) override;
  void copy_out_done() override;
  void lock_wait(bool waiting) override;

 private:
  struct Lost {};   // the peer went away or the socket failed
  struct Woken {};  // a notification arrived while waiting for the next message

  bool startup();
  void arm_startup_timer();  // authentication_timeout
  // SSLRequest answered 'S': the TLS handshake. false: it failed (the connection ends).
  bool start_tls();
  void close_tls();  // close_notify, bounded wait for the peer's (MAY SUSPEND)
  // ClientAuthentication and the role checks of InitializeSessionUserId: returns normally
  // when the client may go on; throws FatalError (28000, 28P01, 53300, ...) when not, Lost
  // when the client hangs up during the exchange (libpq does, to ask for a password).
  void authenticate(const session::StartupParams& params);
  bool sasl_exchange(const session::StartupParams& params,
                     const std::optional<std::string>& secret);
  bool password_exchange(const std::optional<std::string>& secret);
  // An authentication response ('p'); a hang-up throws Lost.
  std::string read_auth_response(const char* what);
  void send_auth_request(int32_t code, std::string_view data = {});
  void message_loop();
  // Handles one message; returns false on Terminate.
  bool dispatch(char type, std::string_view payload, bool& send_ready);
  void send_fatal(const Error& e);

  // Socket helpers (MAY SUSPEND; throw Lost).
  size_t read_some(char* p, size_t n);
  void write_all(std::string_view data);
  void await_socket(boost::asio::socket_base::wait_type w);  // MAY SUSPEND
  void fill(size_t need);  // buffered input holds at least `need` bytes
  std::string_view read_exact(size_t n);
  int32_t read_int32();
  // Reads one framed message. Throws FatalError for a bad type or length.
  char read_message(std::string_view& payload);
  void flush();
  void maybe_flush();
  void compact_input();
  // Client-gone watch while the session waits for a lock (ResultSink::lock_wait).
  bool client_gone();
  void arm_client_watch();
  // idle_in_transaction_session_timeout while waiting for the next message.
  void arm_idle_timer(int64_t ms);
  void disarm_idle_timer();
  void check_idle_expired();  // throws FatalError 25P03 once the timer has fired
  // LISTEN/NOTIFY: NotificationResponse for what the session received; waiting for the next
  // message while outside a transaction block, woken (on the connection's thread) to send
  // notifications at once, as PostgreSQL does for an idle session.
  void send_notifications();
  void wait_for_message_or_notification();      // MAY SUSPEND
  void wait_tls_for_message_or_notification();  // its TLS form (MAY SUSPEND)
  void notification_arrived();
  [[noreturn]] void throw_socket_failed();  // Woken, the idle timeout's FATAL, or Lost

  WireServer& server_;
  boost::asio::ip::tcp::socket socket_;
  // TLS over socket_ once an SSLRequest was accepted; the peer's certificate, if it sent one
  // that verified against --ssl-ca, and its common name.
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  bool peer_cert_valid_ = false;
  std::string peer_common_name_;
  std::unique_ptr<session::Session> session_;
  bool admitted_ = false;
  std::string in_;  // input buffer [in_pos_, in_end_) holds unread bytes
  size_t in_pos_ = 0;
  size_t in_end_ = 0;
  std::string out_;
  // Touched only on the connection's executor thread (the fiber and its socket handlers).
  bool lock_waiting_ = false;   // the session is parked in a lock wait
  bool watch_pending_ = false;  // an async_wait(wait_read) watch is outstanding
  std::unique_ptr<boost::asio::steady_timer> idle_timer_;     // made on first use
  std::unique_ptr<boost::asio::steady_timer> startup_timer_;  // until authenticated
  bool idle_armed_ = false;      // waiting for the next message with the timeout running
  bool idle_expired_ = false;    // the timeout fired: the pending socket wait was cancelled
  bool notify_waiting_ = false;  // idle outside a block: a notification may cancel the wait
  bool notify_woken_ = false;    // one did: the pending socket wait was cancelled
  bool notify_pending_ = false;  // one arrived since the session's mailbox was last emptied
  std::shared_ptr<runtime::Event> notify_event_;  // TLS: what a notification completes
};

}  // namespace hf::wire
