// session/services.h — what every session shares: the server's transaction manager,
// catalog, session registry and configuration. Built once by server/main.cc; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "coord/transaction.h"
#include "session/registry.h"

namespace hf::catalog {
class Catalog;
}

namespace hf::session {

struct ServerConfig {
  std::string listen_host = "127.0.0.1";
  int port = 5433;
  std::string data_dir = "data";
  int max_connections = 10000;
  uint32_t partitions = 8;
};

class Services {
 public:
  Services(coord::TxnManager& txns, catalog::Catalog& catalog, ServerConfig config)
      : txns_(txns), catalog_(catalog), config_(std::move(config)) {}
  coord::TxnManager& txns() { return txns_; }
  catalog::Catalog& catalog() { return catalog_; }
  SessionRegistry& registry() { return registry_; }
  const ServerConfig& config() const { return config_; }

 private:
  coord::TxnManager& txns_;
  catalog::Catalog& catalog_;
  SessionRegistry registry_;
  ServerConfig config_;
};

}  // namespace hf::session
