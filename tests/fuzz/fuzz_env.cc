#include "fuzz_env.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <future>

#include "catalog/catalog.h"
#include "coord/txn_manager.h"
#include "partition/local_node.h"
#include "runtime/fiber.h"
#include "sql/engine.h"
#include "wire/server.h"

namespace hf::fuzz {

namespace {

std::string data_dir() {
  const char* base = std::getenv("TMPDIR");
  return std::string(base && *base ? base : "/tmp") + "/hf-fuzz-" + std::to_string(getpid());
}

}  // namespace

struct FuzzEnv::Impl {
  std::string dir = data_dir();
  runtime::Runtime rt{1, 2};
  std::unique_ptr<partition::LocalNode> node;
  std::unique_ptr<coord::LocalTxnManager> txns;
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<sql::Engine> engine;
  std::unique_ptr<session::Services> services;
  std::unique_ptr<wire::WireServer> server;
  uint16_t port = 0;
};

namespace {
FuzzEnv* the_env = nullptr;
// At exit (libFuzzer's and the replay program's exit() both come here; a crash does not):
// the server stops, the runtime's threads are joined, the data directory goes.
void destroy_env() {
  delete the_env;
  the_env = nullptr;
}
}  // namespace

FuzzEnv& FuzzEnv::instance() {
  if (!the_env) {
    the_env = new FuzzEnv();
    std::atexit(destroy_env);
  }
  return *the_env;
}

FuzzEnv::FuzzEnv() : impl_(std::make_unique<Impl>()) {
  spdlog::set_level(spdlog::level::off);  // the engine's logs would drown the fuzzer's
  std::signal(SIGPIPE, SIG_IGN);          // the wire target's client may close early
  auto& m = *impl_;
  std::filesystem::remove_all(m.dir);
  m.node = partition::open_local_node(m.dir, 2);
  auto clock = m.node->clock();
  m.txns = coord::make_txn_manager(m.node->partitions(),
                                   {clock.start_ts, clock.first_txn_id, clock.last_txn_id});
  m.node->attach(
      &m.txns->status_oracle(), [t = m.txns.get()] { return t->oldest_snapshot(); },
      &m.txns->ssi_sink());
  m.catalog = std::make_unique<catalog::Catalog>(*m.txns, 2);
  m.catalog->load();
  m.engine = sql::make_engine(*m.catalog, *m.txns);
  session::ServerConfig config;
  config.data_dir = m.dir;
  config.partitions = 2;
  m.services = std::make_unique<session::Services>(*m.txns, m.catalog.get(), *m.engine, config);
  m.server = std::make_unique<wire::WireServer>(m.rt, *m.services);
  m.port = m.server->listen("127.0.0.1", 0);
  m.rt.start();
  m.server->start();
}

FuzzEnv::~FuzzEnv() {
  auto& m = *impl_;
  m.server->stop();
  m.rt.stop();
  m.server.reset();
  m.services.reset();
  m.engine.reset();
  m.catalog.reset();
  m.txns.reset();
  m.node.reset();
  std::error_code ec;
  std::filesystem::remove_all(m.dir, ec);
}

void FuzzEnv::run_in_fiber(const std::function<void()>& fn) {
  std::promise<void> done;
  runtime::Fiber::spawn(impl_->rt.context(0), [&] {
    try {
      fn();
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  done.get_future().get();
}

void FuzzEnv::reset() {
  auto& cat = *impl_->catalog;
  run_in_fiber([&] {
    for (const auto& t : cat.tables()) cat.drop_table(t->oid);
    for (const auto& s : cat.sequences()) cat.drop_sequence(s.oid);
  });
}

session::Services& FuzzEnv::services() {
  return *impl_->services;
}

uint16_t FuzzEnv::port() const {
  return impl_->port;
}

}  // namespace hf::fuzz
