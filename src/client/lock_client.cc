// client/lock_client.cc — see lock_client.h.
#include "client/lock_client.h"

#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace hf::client {

namespace {

// "{1,NULL,3}" -> tokens.
std::vector<std::optional<int64_t>> parse_tokens(const std::string& text) {
  std::vector<std::optional<int64_t>> out;
  if (text.size() < 2) return out;
  std::stringstream in(text.substr(1, text.size() - 2));
  std::string item;
  while (std::getline(in, item, ','))
    out.push_back(item == "NULL" ? std::nullopt : std::optional<int64_t>(std::stoll(item)));
  return out;
}

// ARRAY literals as text parameters: '{"a","b"}'.
std::string text_array(const std::vector<std::string>& items) {
  std::string s = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    s += i ? ",\"" : "\"";
    for (char c : items[i]) {
      if (c == '"' || c == '\\') s += '\\';
      s += c;
    }
    s += "\"";
  }
  return s + "}";
}

std::pair<std::string, std::string> arrays(const std::vector<ResourceRequest>& reqs) {
  std::vector<std::string> names, modes;
  for (const auto& r : reqs) {
    names.push_back(r.resource);
    modes.push_back(r.write ? "write" : "read");
  }
  return {text_array(names), text_array(modes)};
}

}  // namespace

std::optional<std::string> LockClient::value(const std::string& sql,
                                             const std::vector<std::string>& params) {
  std::vector<const char*> p;
  for (const auto& s : params) p.push_back(s.c_str());
  PgResult r = check_result(conn_, PQexecParams(conn_, sql.c_str(), static_cast<int>(p.size()),
                                                nullptr, p.data(), nullptr, nullptr, 0));
  if (PQntuples(r.get()) != 1 || PQgetisnull(r.get(), 0, 0)) return std::nullopt;
  return std::string(PQgetvalue(r.get(), 0, 0));
}

std::vector<std::optional<int64_t>> LockClient::lock(
    const std::string& owner, const std::vector<ResourceRequest>& requests,
    std::optional<std::chrono::milliseconds> wait) {
  auto [names, modes] = arrays(requests);
  std::string w = wait ? std::to_string(wait->count()) + " milliseconds" : "";
  auto v =
      wait ? value("SELECT holdfast.lock($1, $2::text[], $3::text[], $4::interval)::text",
                   {owner, names, modes, w})
           : value("SELECT holdfast.lock($1, $2::text[], $3::text[])::text", {owner, names, modes});
  return parse_tokens(v.value_or(""));
}

std::optional<std::vector<std::optional<int64_t>>> LockClient::try_lock(
    const std::string& owner, const std::vector<ResourceRequest>& requests) {
  auto [names, modes] = arrays(requests);
  auto v =
      value("SELECT holdfast.try_lock($1, $2::text[], $3::text[])::text", {owner, names, modes});
  if (!v) return std::nullopt;
  return parse_tokens(*v);
}

bool LockClient::unlock(const std::string& owner, const std::vector<std::string>& resources) {
  return value("SELECT holdfast.unlock($1, $2::text[])::text", {owner, text_array(resources)}) ==
         "true";
}

int64_t LockClient::unlock_all(const std::string& owner) {
  return std::stoll(value("SELECT holdfast.unlock_all($1)::text", {owner}).value_or("0"));
}

void LockClient::renew(const std::string& owner, std::optional<std::chrono::milliseconds> ttl) {
  if (ttl) {
    value("SELECT holdfast.renew($1, $2::interval)",
          {owner, std::to_string(ttl->count()) + " milliseconds"});
  } else {
    value("SELECT holdfast.renew($1, NULL)", {owner});
  }
}

bool LockClient::fence_ok(const std::string& resource, int64_t token) {
  return value("SELECT holdfast.fence_ok($1, $2::bigint)::text",
               {resource, std::to_string(token)}) == "true";
}

int run_lock_command(int argc, char** argv) {
  CLI::App app{"holdfast lock: hold lock-service locks while a command runs (like flock(1))"};
  std::string host = "127.0.0.1", user = "postgres", db = "postgres";
  int port = 5433;
  std::string owner = "holdfast-lock-" + std::to_string(::getpid());
  std::vector<std::string> writes, reads, command;
  double wait_s = -1, ttl_s = 0;
  app.add_option("--host", host, "server address")->capture_default_str();
  app.add_option("--port", port, "server port")->capture_default_str();
  app.add_option("--user", user, "user name")->capture_default_str();
  app.add_option("--dbname", db, "database")->capture_default_str();
  app.add_option("--owner", owner, "lock owner (default holdfast-lock-<pid>)");
  app.add_option("--write", writes, "resource to take in WRITE mode (repeatable)");
  app.add_option("--read", reads, "resource to take in READ mode (repeatable)");
  app.add_option("--wait", wait_s, "seconds to wait at most (default: no limit)");
  app.add_option("--ttl", ttl_s, "time-to-live in seconds while the command runs (0: none)");
  app.add_option("command", command, "the command to run")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  std::vector<ResourceRequest> reqs;
  for (const auto& w : writes) reqs.push_back({w, true});
  for (const auto& r : reads) reqs.push_back({r, false});
  if (reqs.empty()) {
    std::fprintf(stderr, "holdfast lock: name at least one --write or --read resource\n");
    return 2;
  }
  std::string conninfo =
      "host=" + host + " port=" + std::to_string(port) + " user=" + user + " dbname=" + db;
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::fprintf(stderr, "holdfast lock: %s", PQerrorMessage(conn));
    PQfinish(conn);
    return 1;
  }
  LockClient client(conn);
  std::string tokens;
  try {
    std::optional<std::chrono::milliseconds> wait;
    if (wait_s >= 0) wait = std::chrono::milliseconds(static_cast<int64_t>(wait_s * 1000));
    auto got = client.lock(owner, reqs, wait);
    for (size_t i = 0; i < got.size() && i < reqs.size(); ++i)
      if (got[i])
        tokens += (tokens.empty() ? "" : " ") + reqs[i].resource + "=" + std::to_string(*got[i]);
    if (ttl_s > 0)
      client.renew(owner, std::chrono::milliseconds(static_cast<int64_t>(ttl_s * 1000)));
  } catch (const PgError& e) {
    std::fprintf(stderr, "holdfast lock: %s (SQLSTATE %s)\n", e.what(), e.sqlstate().c_str());
    PQfinish(conn);
    return e.sqlstate() == "55P03" ? 75 : 1;
  }
  std::fprintf(stderr, "holdfast lock: owner %s holds %zu resources%s%s\n", owner.c_str(),
               reqs.size(), tokens.empty() ? "" : ", tokens ", tokens.c_str());
  ::setenv("HOLDFAST_LOCK_OWNER", owner.c_str(), 1);
  ::setenv("HOLDFAST_LOCK_TOKENS", tokens.c_str(), 1);
  int status = 1;
  pid_t child = ::fork();
  if (child == 0) {
    std::vector<char*> args;
    for (auto& c : command) args.push_back(c.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::perror("holdfast lock: exec");
    ::_exit(127);
  }
  int ws = 0;
  if (child > 0 && ::waitpid(child, &ws, 0) == child)
    status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  try {
    client.unlock_all(owner);
  } catch (const PgError& e) {
    std::fprintf(stderr, "holdfast lock: releasing: %s\n", e.what());
  }
  PQfinish(conn);
  return status;
}

}  // namespace hf::client
