// tests/fuzz/sql_target.cc — fuzz target: SQL through a session (parse → bind → plan →
// execute) of the in-process server (fuzz_env.h).
//
// One input is a few SQL statements: the text is cut after every ";" that ends a line, and
// each piece runs as one simple Query, so an error in one piece does not stop the next
// (inside a failed transaction block they get 25P02, as in PostgreSQL). At most
// kMaxStatements pieces run. Each input gets a new session (statement_timeout 2 s) that is
// terminated at the end, which rolls back an open transaction; then every table and sequence
// is dropped, so each input starts from an empty database.
//
// What counts as a finding: a crash or sanitizer report, an exception other than SqlError /
// FatalError escaping the session (abort() below), or an input that runs too long
// (libFuzzer's -timeout).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_env.h"
#include "session/session.h"

namespace {

constexpr size_t kMaxStatements = 32;

// Discards results; COPY FROM STDIN gets no data.
class NullSink : public hf::session::ResultSink {
 public:
  void row_description(const std::vector<hf::session::FieldDesc>&) override {}
  void data_row(const std::vector<std::optional<std::string>>&) override {}
  void command_complete(const std::string&) override {}
  void empty_query() override {}
  void notice(const hf::Error&) override {}
  void copy_in_start(bool, int) override {}
  std::optional<std::string> copy_in_next() override { return std::nullopt; }
  void copy_out_start(bool, int) override {}
  void copy_out_data(const std::string&) override {}
  void copy_out_done() override {}
};

std::vector<std::string> split_statements(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size() && out.size() < kMaxStatements) {
    size_t end = text.find(";\n", start);
    if (end == std::string_view::npos)
      end = text.size();
    else
      end += 1;
    out.emplace_back(text.substr(start, end - start));
    start = end + (end < text.size() ? 1 : 0);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& env = hf::fuzz::FuzzEnv::instance();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto statements = split_statements(text);
  env.run_in_fiber([&] {
    hf::session::StartupParams params{"fuzz", "postgres", "fuzz", {}};
    params.options.emplace_back("statement_timeout", "2s");
    auto session = hf::session::make_session(env.services(), params);
    NullSink sink;
    try {
      for (const auto& sql : statements) {
        try {
          session->simple_query(sql, sink);
        } catch (const hf::SqlError&) {
        }
      }
    } catch (const hf::FatalError&) {
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sql_target: unexpected exception: %s\n", e.what());
      std::abort();
    }
    session->terminate();
  });
  env.reset();
  return 0;
}
