// client/lock_client.h — a C++ client of holdfast's lock service (issue 11) over libpq, and
// `holdfast lock`, the flock(1)-like command line built on it.
//
// Owns nothing on the server: every call is one statement (holdfast.lock, try_lock, unlock,
// unlock_all, renew, fence_ok; see locksvc/lock_service.h for what they promise), run on the
// caller's connection in autocommit, so a lock taken here is durable when the call returns
// and belongs to the owner, not to the connection.
//
// Errors: the server's, as PgError (client/pg_error.h): 55P03 when a wait ends, 40P01 for a
// deadlock, 22023 for bad input. Thread safety: a LockClient uses one PGconn, which libpq
// allows one thread at a time. Blocking: every call blocks in libpq (client code, not fibers).
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/pg_error.h"

namespace hf::client {

struct ResourceRequest {
  std::string resource;
  bool write = true;
};

class LockClient {
 public:
  explicit LockClient(PGconn* conn) : conn_(conn) {}
  // Waits at most `wait` (nullopt: the session's lock_timeout); returns one fencing token per
  // request (nullopt for READ), in order.
  std::vector<std::optional<int64_t>> lock(const std::string& owner,
                                           const std::vector<ResourceRequest>& requests,
                                           std::optional<std::chrono::milliseconds> wait = {});
  // nullopt when not every resource is available now (nothing taken then).
  std::optional<std::vector<std::optional<int64_t>>> try_lock(
      const std::string& owner, const std::vector<ResourceRequest>& requests);
  bool unlock(const std::string& owner, const std::vector<std::string>& resources);
  int64_t unlock_all(const std::string& owner);
  void renew(const std::string& owner, std::optional<std::chrono::milliseconds> ttl);
  bool fence_ok(const std::string& resource, int64_t token);

 private:
  // Runs sql with text parameters; returns the one value of the one row ("" for NULL).
  std::optional<std::string> value(const std::string& sql, const std::vector<std::string>& params);
  PGconn* conn_;
};

// `holdfast lock --port N [--owner O] [--write R]... [--read R]... [--wait S] [--ttl S] --
// COMMAND...`: takes the locks for the owner (default "holdfast-lock-<pid>"), runs COMMAND
// while holding them, gives them back, and exits with COMMAND's status (75 when the locks
// were not obtained in time, 1 on other errors). Prints the fencing tokens on stderr and
// passes them to COMMAND in HOLDFAST_LOCK_TOKENS ("resource=token ...") and the owner in
// HOLDFAST_LOCK_OWNER.
int run_lock_command(int argc, char** argv);

}  // namespace hf::client
