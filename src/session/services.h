// session/services.h — what every session shares: the server's transaction manager,
// catalog, session registry, notification hub and configuration. Built once by server/main.cc;
// thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "activity/registry.h"
#include "coord/transaction.h"
#include "session/notification_hub.h"

namespace hf::catalog {
class Catalog;
}
namespace hf::sql {
class Engine;
}
namespace hf::locksvc {
class LockService;
}

namespace hf::session {

// The registry lives below the SQL layer (activity/), which reads it for pg_stat_activity.
using activity::SessionInfo;
using activity::SessionRegistry;

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
      : txns_(txns), catalog_(&catalog), config_(std::move(config)) {}
  // With the SQL engine sessions run statements on (the server always gives one). Tests may
  // pass catalog = nullptr when their engine does not use it.
  Services(coord::TxnManager& txns, catalog::Catalog* catalog, sql::Engine& engine,
           ServerConfig config)
      : txns_(txns), catalog_(catalog), engine_(&engine), config_(std::move(config)) {}
  coord::TxnManager& txns() { return txns_; }
  catalog::Catalog& catalog() { return *catalog_; }
  bool has_catalog() const { return catalog_ != nullptr; }
  // REQUIRES: has_engine() (set by the constructor or set_engine before serving).
  sql::Engine& engine() { return *engine_; }
  bool has_engine() const { return engine_ != nullptr; }
  void set_engine(sql::Engine* engine) { engine_ = engine; }
  SessionRegistry& registry() { return registry_; }
  // The lock service (issue 11); set by server/main.cc before serving, may stay null.
  locksvc::LockService* lock_service() { return lock_service_; }
  void set_lock_service(locksvc::LockService* s) { lock_service_ = s; }
  const ServerConfig& config() const { return config_; }
  // LISTEN / NOTIFY between the sessions of this server (session/notification_hub.h).
  NotificationHub& notifications() { return *notifications_; }

 private:
  coord::TxnManager& txns_;
  catalog::Catalog* catalog_;
  sql::Engine* engine_ = nullptr;
  SessionRegistry registry_;
  ServerConfig config_;
  locksvc::LockService* lock_service_ = nullptr;
  std::unique_ptr<NotificationHub> notifications_ = make_local_notification_hub();
};

}  // namespace hf::session
