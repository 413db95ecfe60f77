#include "wire/server.h"

#include <spdlog/spdlog.h>

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

WireServer::WireServer(runtime::Runtime& runtime, session::Services& services, WireOptions opts)
    : runtime_(runtime), services_(services), opts_(opts) {}

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
    std::atomic<bool> closed{false};
    asio::post(runtime_.context(0), [this, &closed] {
      boost::system::error_code ec;
      acceptor_->close(ec);
      if (retry_timer_) retry_timer_->cancel();
      closed = true;
    });
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!closed && std::chrono::steady_clock::now() < until)
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
