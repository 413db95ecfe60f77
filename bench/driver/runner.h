// bench/driver/runner.h — runs a workload: N client threads, one libpq connection each, for a
// warm-up and then a measured window; then the consistency check; then a report.
//
// Timeline: connect and prepare every client, start them together; [0, warmup) is not
// measured; [warmup, warmup + seconds) is. At the end of the window clients finish the unit
// they are in (the drain) and stop; if they have not after drain_timeout seconds, their
// statements are cancelled (PQcancel) so that a stuck server cannot hang the driver. Then each
// client checks what it committed (in parallel, one thread per client) and the workload checks
// the database as a whole.
//
// Thread safety: run_workload is called from one thread; it owns the threads it starts.
// Blocking: it blocks for the whole run.
#pragma once

#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/driver/workload.h"

namespace hf::bench {

struct RunSettings {
  std::string conninfo;
  std::string label;  // the target's name in the report ("holdfast", "pg")
  int clients = 8;
  double seconds = 20;
  double warmup = 5;
  double drain_timeout = 60;
  bool check = true;
};

// The report (see the JSON written by hf_bench --json); progress and the summary go to `log`.
nlohmann::json run_workload(Workload& workload, const RunSettings& settings, std::ostream& log);

// One line for scripts: "RESULT key=value ...", from a report of run_workload.
std::string result_line(const nlohmann::json& report);

}  // namespace hf::bench
