// sql/exec/memory.cc — per-statement memory accounting and the process-wide limits.
#include "sql/exec/memory.h"

#include <atomic>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <string>

#include "common/error.h"

namespace hf::sql {

namespace {
std::mutex limits_mu;
ExecutionLimits& limits_storage() {
  static ExecutionLimits limits;
  return limits;
}
// A copy of limits_storage().statement_memory_bytes, for statement_memory_limit().
std::atomic<int64_t> statement_memory_bytes{ExecutionLimits{}.statement_memory_bytes};
}  // namespace

void set_execution_limits(ExecutionLimits limits) {
  std::lock_guard lock(limits_mu);
  statement_memory_bytes.store(limits.statement_memory_bytes, std::memory_order_relaxed);
  limits_storage() = std::move(limits);
}

namespace exec {
int64_t statement_memory_limit() {
  return statement_memory_bytes.load(std::memory_order_relaxed);
}
}  // namespace exec

ExecutionLimits execution_limits() {
  std::lock_guard lock(limits_mu);
  return limits_storage();
}

std::optional<int64_t> parse_memory_size(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  size_t digits = i;
  int64_t v = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (v > (INT64_MAX - 9) / 10) return std::nullopt;
    v = v * 10 + (text[i++] - '0');
  }
  if (i == digits) return std::nullopt;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  std::string_view unit = text.substr(i);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back())))
    unit.remove_suffix(1);
  int64_t mult;
  if (unit.empty() || unit == "kB")
    mult = 1024;
  else if (unit == "B")
    mult = 1;
  else if (unit == "MB")
    mult = 1024LL * 1024;
  else if (unit == "GB")
    mult = 1024LL * 1024 * 1024;
  else if (unit == "TB")
    mult = 1024LL * 1024 * 1024 * 1024;
  else
    return std::nullopt;
  if (v > INT64_MAX / mult) return std::nullopt;
  return v * mult;
}

}  // namespace hf::sql

namespace hf::sql::exec {

namespace {

size_t datum_bytes(const Datum& d) {
  size_t n = sizeof(Datum);
  if (const auto* s = std::get_if<std::string>(&d.v)) {
    if (s->capacity() > 15) n += s->capacity() + 1;  // beyond the small-string buffer
  } else if (const auto* a = std::get_if<ArrayPtr>(&d.v)) {
    if (*a) {
      n += sizeof(std::vector<Datum>) + 32;  // the shared block
      for (const Datum& e : **a) n += datum_bytes(e);
    }
  }
  return n;
}

}  // namespace

size_t row_bytes(const Row& row) {
  size_t n = sizeof(Row) + (row.capacity() - row.size()) * sizeof(Datum);
  for (const Datum& d : row) n += datum_bytes(d);
  return n;
}

int64_t work_mem_bytes(SessionContext& session) {
  constexpr int64_t kDefault = 4LL * 1024 * 1024;
  try {
    return parse_memory_size(session.get_setting("work_mem")).value_or(kDefault);
  } catch (const SqlError&) {
    return kDefault;
  }
}

void throw_out_of_memory(size_t request, std::string_view context) {
  throw SqlError(sqlstate::kOutOfMemory, "out of memory",
                 "Failed on request of size " + std::to_string(request) + " in memory context \"" +
                     std::string(context) + "\".");
}

}  // namespace hf::sql::exec
