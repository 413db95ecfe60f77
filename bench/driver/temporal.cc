#include "bench/driver/temporal.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <tuple>

namespace hf::bench {
namespace {

// ---------------------------------------------------------------------------------------------
// Temporal's SQL (common/persistence/sql/sqlplugin/postgresql/*.go at 6805caea), verbatim after
// sqlx's rewrite of `:name` into `$1..$n` (one number per occurrence, in order) and sqlx.In's
// expansion of `IN ( ? )` for one key.

const char* const kExecutionsColumns =
    "shard_id, namespace_id, workflow_id, run_id, next_event_id, last_write_version, data, "
    "data_encoding, state, state_encoding, db_record_version";

// shard.go
const std::string kReadLockShard = "SELECT range_id FROM shards WHERE shard_id = $1 FOR SHARE";
const std::string kLockShard = "SELECT range_id FROM shards WHERE shard_id = $1 FOR UPDATE";
const std::string kUpdateShard =
    "UPDATE shards \n SET range_id = $1, data = $2, data_encoding = $3 \n WHERE shard_id = $4";
const std::string kCreateShard =
    "INSERT INTO\n shards (shard_id, range_id, data, data_encoding) VALUES ($1, $2, $3, $4)";
const std::string kGetShard =
    "SELECT\n shard_id, range_id, data, data_encoding\n FROM shards WHERE shard_id = $1";

// execution.go
const std::string kCreateExecution = std::string("INSERT INTO executions(") + kExecutionsColumns +
                                     ")\n VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
const std::string kUpdateExecution =
    "UPDATE executions SET\n db_record_version = $1, next_event_id = $2, last_write_version = $3, "
    "data = $4, data_encoding = $5, state = $6, state_encoding = $7\n WHERE shard_id = $8 AND "
    "namespace_id = $9 AND workflow_id = $10 AND run_id = $11";
const std::string kGetExecution =
    std::string("SELECT ") + kExecutionsColumns +
    " FROM executions\n WHERE shard_id = $1 AND namespace_id = $2 AND workflow_id = $3 AND "
    "run_id = $4";
const std::string kWriteLockExecution =
    "SELECT db_record_version, next_event_id FROM executions \n WHERE shard_id = $1 AND "
    "namespace_id = $2 AND workflow_id = $3 AND run_id = $4 FOR UPDATE";
const std::string kCreateCurrentExecution =
    "INSERT INTO current_executions\n(shard_id, namespace_id, workflow_id, run_id, "
    "create_request_id, state, status, start_time, last_write_version, data, data_encoding) "
    "VALUES\n($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
const std::string kGetCurrentExecution =
    "SELECT\nshard_id, namespace_id, workflow_id, run_id, create_request_id, state, status, "
    "start_time, last_write_version, data, data_encoding\nFROM current_executions WHERE shard_id "
    "= $1 AND namespace_id = $2 AND workflow_id = $3";
const std::string kLockCurrentExecution = kGetCurrentExecution + " FOR UPDATE";
const std::string kLockCurrentExecutionJoinExecutions =
    "SELECT\nce.shard_id, ce.namespace_id, ce.workflow_id, ce.run_id, ce.create_request_id, "
    "ce.state, ce.status, ce.start_time, e.last_write_version, ce.data, ce.data_encoding\nFROM "
    "current_executions ce\nINNER JOIN executions e ON e.shard_id = ce.shard_id AND "
    "e.namespace_id = ce.namespace_id AND e.workflow_id = ce.workflow_id AND e.run_id = "
    "ce.run_id\nWHERE ce.shard_id = $1 AND ce.namespace_id = $2 AND ce.workflow_id = $3 FOR "
    "UPDATE";
const std::string kUpdateCurrentExecutions =
    "UPDATE current_executions SET\nrun_id = $1,\ncreate_request_id = $2,\nstate = $3,\nstatus = "
    "$4,\nstart_time = $5,\nlast_write_version = $6,\ndata = $7,\ndata_encoding = $8\nWHERE\n"
    "shard_id = $9 AND\nnamespace_id = $10\n AND workflow_id = $11";
const std::string kCreateTransferTasks =
    "INSERT INTO transfer_tasks(shard_id, task_id, data, data_encoding) \n VALUES($1, $2, $3, $4)";
const std::string kCreateTimerTasks =
    "INSERT INTO timer_tasks (shard_id, visibility_timestamp, task_id, data, data_encoding)\n  "
    "VALUES ($1, $2, $3, $4, $5)";
const std::string kCreateVisibilityTasks =
    "INSERT INTO visibility_tasks(shard_id, task_id, data, data_encoding) \n VALUES($1, $2, $3, "
    "$4)";
const std::string kGetBufferedEvents =
    "SELECT data, data_encoding FROM buffered_events WHERE shard_id = $1 AND namespace_id = $2 "
    "AND workflow_id = $3 AND run_id = $4 ORDER BY id";

// execution_maps.go: getMapQueryTemplate, setKeyInMapQueryTemplate, deleteKeyInMapQueryTemplate.
std::string get_map_query(const std::string& table, const std::string& key,
                          const std::string& columns) {
  return "SELECT " + key + ", " + columns + " FROM " + table +
         "\nWHERE\nshard_id = $1 AND\nnamespace_id = $2 AND\nworkflow_id = $3 AND\nrun_id = $4";
}
const std::string kGetActivityInfoMap =
    get_map_query("activity_info_maps", "schedule_id", "data,data_encoding");
const std::string kGetTimerInfoMap =
    get_map_query("timer_info_maps", "timer_id", "data,data_encoding");
const std::string kGetChildExecutionInfoMap =
    get_map_query("child_execution_info_maps", "initiated_id", "data,data_encoding");
const std::string kGetRequestCancelInfoMap =
    get_map_query("request_cancel_info_maps", "initiated_id", "data,data_encoding");
const std::string kGetSignalInfoMap =
    get_map_query("signal_info_maps", "initiated_id", "data,data_encoding");
const std::string kGetChasmNodeMap =
    get_map_query("chasm_node_maps", "chasm_path", "metadata,metadata_encoding,data,data_encoding");
const std::string kGetSignalsRequestedSet =
    "SELECT signal_id FROM signals_requested_sets WHERE\nshard_id = $1 AND\nnamespace_id = $2 "
    "AND\nworkflow_id = $3 AND\nrun_id = $4";
const std::string kSetKeyInActivityInfoMap =
    "INSERT INTO activity_info_maps\n(shard_id, namespace_id, workflow_id, run_id, schedule_id, "
    "data,data_encoding)\nVALUES\n($1, $2, $3, $4, $5, $6,$7)\nON CONFLICT (shard_id, "
    "namespace_id, workflow_id, run_id, schedule_id) DO UPDATE\n\tSET (shard_id, namespace_id, "
    "workflow_id, run_id, schedule_id, data,data_encoding)\n  \t  = (excluded.shard_id, "
    "excluded.namespace_id, excluded.workflow_id, excluded.run_id, excluded.schedule_id, "
    "excluded.data,excluded.data_encoding)";
const std::string kDeleteKeyInActivityInfoMap =
    "DELETE FROM activity_info_maps\nWHERE\nshard_id = $1 AND\nnamespace_id = $2 AND\nworkflow_id "
    "= $3 AND\nrun_id = $4 AND\nschedule_id IN ( $5 )";

// events.go
const std::string kAddHistoryNodes =
    "INSERT INTO history_node (shard_id, tree_id, branch_id, node_id, prev_txn_id, txn_id, data, "
    "data_encoding) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (shard_id, tree_id, "
    "branch_id, node_id, txn_id) DO UPDATE SET prev_txn_id=$9, data=$10, data_encoding=$11 ";
const std::string kAddHistoryTree =
    "INSERT INTO history_tree (shard_id, tree_id, branch_id, data, data_encoding) VALUES ($1, "
    "$2, $3, $4, $5) ON CONFLICT (shard_id, tree_id, branch_id) DO UPDATE SET data = "
    "excluded.data, data_encoding = excluded.data_encoding";
const std::string kGetHistoryNodes =
    "SELECT node_id, prev_txn_id, txn_id, data, data_encoding FROM history_node WHERE shard_id = "
    "$1 AND tree_id = $2 AND branch_id = $3 AND ((node_id = $4 AND txn_id > $5) OR node_id > $6) "
    "AND node_id < $7 ORDER BY shard_id, tree_id, branch_id, node_id, txn_id LIMIT $8 ";

// cluster_metadata.go
const std::string kUpsertActiveClusterMembership =
    "INSERT INTO\ncluster_membership (membership_partition, host_id, rpc_address, rpc_port, role, "
    "session_start, last_heartbeat, record_expiry)\nVALUES($1, $2, $3, $4, $5, $6, $7, $8)\nON "
    "CONFLICT(membership_partition, host_id)\nDO UPDATE SET \nmembership_partition = $1, host_id "
    "= $2, rpc_address = $3, rpc_port = $4, role = $5, session_start = $6, last_heartbeat = $7, "
    "record_expiry = $8";
const std::string kPruneStaleClusterMembership =
    "DELETE FROM\ncluster_membership \nWHERE host_id = ANY(ARRAY(\nSELECT host_id FROM "
    "cluster_membership WHERE membership_partition = $1 AND record_expiry < $2))";

// Statement names, in the order of statements().
enum Stmt {
  kSReadLockShard,
  kSLockShard,
  kSUpdateShard,
  kSGetShard,
  kSCreateShard,
  kSCreateExecution,
  kSUpdateExecution,
  kSGetExecution,
  kSWriteLockExecution,
  kSCreateCurrentExecution,
  kSGetCurrentExecution,
  kSLockCurrentExecution,
  kSLockCurrentExecutionJoinExecutions,
  kSUpdateCurrentExecutions,
  kSCreateTransferTasks,
  kSCreateTimerTasks,
  kSCreateVisibilityTasks,
  kSGetActivityInfoMap,
  kSGetTimerInfoMap,
  kSGetChildExecutionInfoMap,
  kSGetRequestCancelInfoMap,
  kSGetSignalInfoMap,
  kSGetBufferedEvents,
  kSGetChasmNodeMap,
  kSGetSignalsRequestedSet,
  kSSetKeyInActivityInfoMap,
  kSDeleteKeyInActivityInfoMap,
  kSAddHistoryNodes,
  kSAddHistoryTree,
  kSGetHistoryNodes,
  kSUpsertActiveClusterMembership,
  kSPruneStaleClusterMembership,
  kStatementCount
};

// The transaction and statement groups measured, in Metrics' kind order.
enum Kind {
  kHistoryBranch,
  kStart,
  kLoad,
  kHistoryAppend,
  kHistoryRead,
  kWft1Started,
  kWft1Completed,
  kActivityStarted,
  kActivityCompleted,
  kWft2Started,
  kWft2Completed,
  kShardRenew,
  kMembership,
  kKindCount
};
const char* const kKindNames[kKindCount] = {
    "history_branch",     "start",        "load",           "history_append",
    "history_read",       "wft1_started", "wft1_completed", "activity_started",
    "activity_completed", "wft2_started", "wft2_completed", "shard_renew",
    "membership"};

// Temporal's enums (api/enums/v1): WorkflowExecutionState and WorkflowExecutionStatus.
constexpr int kStateCreated = 1, kStateRunning = 2, kStateCompleted = 3;
constexpr int kStatusRunning = 1, kStatusCompleted = 2;
constexpr const char* kEncoding = "Proto3";
constexpr int kRangeSizeBits = 20;       // service/history/configs/config.go RangeSizeBits
constexpr std::int64_t kPageSize = 256;  // history page for a poll response
constexpr std::int64_t kScheduleId = 5;  // ActivityTaskScheduled is event 5

std::int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Steps of one workflow; a record remembers the last one committed.
enum class Step {
  kNone,
  kBranch,
  kStarted,
  kWft1Started,
  kWft1Completed,
  kActivityStarted,
  kActivityCompleted,
  kWft2Started,
  kCompleted
};

struct WorkflowRecord {
  std::string workflow_id;
  int shard = 0;
  std::string run_id, branch_id;  // 16 bytes each; tree_id = run_id
  std::string create_request_id;
  std::int64_t start_time = 0;
  Step step = Step::kNone;
  std::int64_t db_record_version = 0, next_event_id = 0;
  std::int64_t last_txn_id = 0;
  std::vector<std::int64_t> history_nodes;  // node ids committed
  bool uncertain = false;                   // a commit whose outcome is unknown
};

// A client-side check that failed (Temporal's Go code returning a condition error).
class CheckFailed : public std::runtime_error {
 public:
  CheckFailed(std::string check, const std::string& detail)
      : std::runtime_error(detail), check_(std::move(check)) {}
  const std::string& check() const { return check_; }

 private:
  std::string check_;
};

// Drops old rows of the previous statement's result early: results are small.
void expect_rows_affected(const PgResult& r, std::int64_t min, std::int64_t max,
                          const char* check) {
  std::int64_t n = rows_affected(r.get());
  if (n < min || n > max) {
    throw CheckFailed(check, std::string(check) + ": " + std::to_string(n) + " rows affected");
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------

const std::vector<std::pair<std::string, std::string>>& TemporalWorkload::statements() {
  static const std::vector<std::pair<std::string, std::string>> all = {
      {"readLockShardQry", kReadLockShard},
      {"lockShardQry", kLockShard},
      {"updateShardQry", kUpdateShard},
      {"getShardQry", kGetShard},
      {"createShardQry", kCreateShard},
      {"createExecutionQuery", kCreateExecution},
      {"updateExecutionQuery", kUpdateExecution},
      {"getExecutionQuery", kGetExecution},
      {"writeLockExecutionQuery", kWriteLockExecution},
      {"createCurrentExecutionQuery", kCreateCurrentExecution},
      {"getCurrentExecutionQuery", kGetCurrentExecution},
      {"lockCurrentExecutionQuery", kLockCurrentExecution},
      {"lockCurrentExecutionJoinExecutionsQuery", kLockCurrentExecutionJoinExecutions},
      {"updateCurrentExecutionsQuery", kUpdateCurrentExecutions},
      {"createTransferTasksQuery", kCreateTransferTasks},
      {"createTimerTasksQuery", kCreateTimerTasks},
      {"createVisibilityTasksQuery", kCreateVisibilityTasks},
      {"getActivityInfoMapQry", kGetActivityInfoMap},
      {"getTimerInfoMapSQLQuery", kGetTimerInfoMap},
      {"getChildExecutionInfoMapQry", kGetChildExecutionInfoMap},
      {"getRequestCancelInfoMapQry", kGetRequestCancelInfoMap},
      {"getSignalInfoMapQry", kGetSignalInfoMap},
      {"getBufferedEventsQuery", kGetBufferedEvents},
      {"getChasmNodeMapSQLQuery", kGetChasmNodeMap},
      {"getSignalsRequestedSetQuery", kGetSignalsRequestedSet},
      {"setKeyInActivityInfoMapQry", kSetKeyInActivityInfoMap},
      {"deleteKeyInActivityInfoMapQry", kDeleteKeyInActivityInfoMap},
      {"addHistoryNodesQuery", kAddHistoryNodes},
      {"addHistoryTreeQuery", kAddHistoryTree},
      {"getHistoryNodesQuery", kGetHistoryNodes},
      {"templateUpsertActiveClusterMembership", kUpsertActiveClusterMembership},
      {"templatePruneStaleClusterMembership", kPruneStaleClusterMembership},
  };
  return all;
}

// schema/postgresql/v12/temporal/schema.sql at 6805caea: the tables the workflow touches
// (the five *_info_maps, buffered_events, chasm_node_maps and signals_requested_sets are read
// by the mutable-state load) and cluster_membership with its indexes.
const std::vector<std::string>& TemporalWorkload::schema() {
  static const std::vector<std::string> all = {
      R"(CREATE TABLE shards (
  shard_id INTEGER NOT NULL,
  --
  range_id BIGINT NOT NULL,
  data BYTEA NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (shard_id)
))",
      R"(CREATE TABLE executions(
  shard_id INTEGER NOT NULL,
  namespace_id BYTEA NOT NULL,
  workflow_id VARCHAR(255) NOT NULL,
  run_id BYTEA NOT NULL,
  --
  next_event_id BIGINT NOT NULL,
  last_write_version BIGINT NOT NULL,
  data BYTEA NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  state BYTEA NOT NULL,
  state_encoding VARCHAR(16) NOT NULL,
  db_record_version BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id)
))",
      R"(CREATE TABLE current_executions(
  shard_id INTEGER NOT NULL,
  namespace_id BYTEA NOT NULL,
  workflow_id VARCHAR(255) NOT NULL,
  --
  run_id BYTEA NOT NULL,
  create_request_id VARCHAR(255) NOT NULL,
  state INTEGER NOT NULL,
  status INTEGER NOT NULL,
  start_version BIGINT NOT NULL DEFAULT 0,
  start_time TIMESTAMP NULL,
  last_write_version BIGINT NOT NULL,
  -- `data` contains the WorkflowExecutionState (same as in `executions.state` above)
  data BYTEA NULL,
  data_encoding VARCHAR(16) NOT NULL DEFAULT '',
  PRIMARY KEY (shard_id, namespace_id, workflow_id)
))",
      R"(CREATE TABLE buffered_events (
  shard_id INTEGER NOT NULL,
  namespace_id BYTEA NOT NULL,
  workflow_id VARCHAR(255) NOT NULL,
  run_id BYTEA NOT NULL,
  id BIGSERIAL NOT NULL UNIQUE,
  --
  data BYTEA NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id, id)
))",
      R"(CREATE TABLE transfer_tasks(
  shard_id INTEGER NOT NULL,
  task_id BIGINT NOT NULL,
  --
  data BYTEA NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (shard_id, task_id)
))",
      R"(CREATE TABLE timer_tasks (
  shard_id INTEGER NOT NULL,
  visibility_timestamp TIMESTAMP NOT NULL,
  task_id BIGINT NOT NULL,
  --
  data BYTEA NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (shard_id, visibility_timestamp, task_id)
))",
      R"(CREATE TABLE visibility_tasks(
  shard_id INTEGER NOT NULL,
  task_id BIGINT NOT NULL,
  --
  data BYTEA NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (shard_id, task_id)
))",
      R"(CREATE TABLE activity_info_maps (
-- each row corresponds to one key of one map<string, ActivityInfo>
  shard_id INTEGER NOT NULL,
  namespace_id BYTEA NOT NULL,
  workflow_id VARCHAR(255) NOT NULL,
  run_id BYTEA NOT NULL,
  schedule_id BIGINT NOT NULL,
--
  data BYTEA NOT NULL,
  data_encoding VARCHAR(16),
  PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id, schedule_id)
))",
      R"(CREATE TABLE timer_info_maps (
  shard_id INTEGER NOT NULL,
  namespace_id BYTEA NOT NULL,
  workflow_id VARCHAR(255) NOT NULL,
  run_id BYTEA NOT NULL,
  timer_id VARCHAR(255) NOT NULL,
--
  data BYTEA NOT NULL,
  data_encoding VARCHAR(16),
  PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id, timer_id)
))",
      R"(CREATE TABLE child_execution_info_maps (
  shard_id INTEGER NOT NULL,
  namespace_id BYTEA NOT NULL,
  workflow_id VARCHAR(255) NOT NULL,
  run_id BYTEA NOT NULL,
  initiated_id BIGINT NOT NULL,
--
  data BYTEA NOT NULL,
  data_encoding VARCHAR(16),
  PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id, initiated_id)
))",
      R"(CREATE TABLE request_cancel_info_maps (
  shard_id INTEGER NOT NULL,
  namespace_id BYTEA NOT NULL,
  workflow_id VARCHAR(255) NOT NULL,
  run_id BYTEA NOT NULL,
  initiated_id BIGINT NOT NULL,
--
  data BYTEA NOT NULL,
  data_encoding VARCHAR(16),
  PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id, initiated_id)
))",
      R"(CREATE TABLE signal_info_maps (
  shard_id INTEGER NOT NULL,
  namespace_id BYTEA NOT NULL,
  workflow_id VARCHAR(255) NOT NULL,
  run_id BYTEA NOT NULL,
  initiated_id BIGINT NOT NULL,
--
  data BYTEA NOT NULL,
  data_encoding VARCHAR(16),
  PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id, initiated_id)
))",
      R"(CREATE TABLE signals_requested_sets (
  shard_id INTEGER NOT NULL,
  namespace_id BYTEA NOT NULL,
  workflow_id VARCHAR(255) NOT NULL,
  run_id BYTEA NOT NULL,
  signal_id VARCHAR(255) NOT NULL,
  --
  PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id, signal_id)
))",
      R"(CREATE TABLE chasm_node_maps (
  shard_id INTEGER NOT NULL,
  namespace_id BYTEA NOT NULL,
  workflow_id VARCHAR(255) NOT NULL,
  run_id BYTEA NOT NULL,
  chasm_path BYTEA NOT NULL,
--
  metadata BYTEA NOT NULL,
  metadata_encoding VARCHAR(16),
  data BYTEA,
  data_encoding VARCHAR(16),
  PRIMARY KEY (shard_id, namespace_id, workflow_id, run_id, chasm_path)
))",
      R"(CREATE TABLE history_node (
  shard_id       INTEGER NOT NULL,
  tree_id        BYTEA NOT NULL,
  branch_id      BYTEA NOT NULL,
  node_id        BIGINT NOT NULL,
  txn_id         BIGINT NOT NULL,
  --
  prev_txn_id    BIGINT NOT NULL DEFAULT 0,
  data           BYTEA NOT NULL,
  data_encoding  VARCHAR(16) NOT NULL,
  PRIMARY KEY (shard_id, tree_id, branch_id, node_id, txn_id)
))",
      R"(CREATE TABLE history_tree (
  shard_id       INTEGER NOT NULL,
  tree_id        BYTEA NOT NULL,
  branch_id      BYTEA NOT NULL,
  --
  data           BYTEA NOT NULL,
  data_encoding  VARCHAR(16) NOT NULL,
  PRIMARY KEY (shard_id, tree_id, branch_id)
))",
      R"(CREATE TABLE cluster_membership
(
    membership_partition INTEGER NOT NULL,
    host_id              BYTEA NOT NULL,
    rpc_address          VARCHAR(128) NOT NULL,
    rpc_port             SMALLINT NOT NULL,
    role                 SMALLINT NOT NULL,
    session_start        TIMESTAMP DEFAULT '1970-01-01 00:00:01+00:00',
    last_heartbeat       TIMESTAMP DEFAULT '1970-01-01 00:00:01+00:00',
    record_expiry        TIMESTAMP DEFAULT '1970-01-01 00:00:01+00:00',
    PRIMARY KEY (membership_partition, host_id)
))",
      "CREATE UNIQUE INDEX cm_idx_rolehost ON cluster_membership (role, host_id)",
      "CREATE INDEX cm_idx_rolelasthb ON cluster_membership (role, last_heartbeat)",
      "CREATE INDEX cm_idx_rpchost ON cluster_membership (rpc_address, role)",
      "CREATE INDEX cm_idx_lasthb ON cluster_membership (last_heartbeat)",
      "CREATE INDEX cm_idx_recordexpiry ON cluster_membership (record_expiry)",
  };
  return all;
}

int TemporalWorkload::shard_of(std::string_view workflow_id, int shards) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : workflow_id) {
    h ^= c;
    h *= 16777619u;
  }
  return static_cast<int>(h % static_cast<std::uint32_t>(shards)) + 1;
}

TemporalWorkload::TemporalWorkload(Options& options, std::uint64_t seed)
    : shards_(static_cast<int>(options.integer("shards", 512))),
      renew_every_(static_cast<int>(options.integer("renew_every", 100))),
      membership_hosts_(static_cast<int>(options.integer("membership_hosts", 4))),
      heartbeat_ms_(static_cast<int>(options.integer("heartbeat_ms", 10000))),
      seed_(seed),
      shard_cache_(std::make_unique<ShardCache[]>(static_cast<size_t>(std::max(shards_, 1)))) {
  if (shards_ < 1) throw std::invalid_argument("shards must be at least 1");
  if (renew_every_ < 0) throw std::invalid_argument("renew_every must not be negative");
  if (membership_hosts_ < 0 || membership_hosts_ > 200) {
    throw std::invalid_argument("membership_hosts must be in 0..200");
  }
  if (heartbeat_ms_ < 1) throw std::invalid_argument("heartbeat_ms must be positive");
}

std::vector<std::string> TemporalWorkload::kind_names() const {
  return std::vector<std::string>(std::begin(kKindNames), std::end(kKindNames));
}

std::vector<std::string> TemporalWorkload::statement_names() const {
  std::vector<std::string> names;
  for (const auto& [name, sql] : statements()) names.push_back(name);
  return names;
}

nlohmann::json TemporalWorkload::parameters() const {
  return {{"shards", shards_},
          {"renew_every", renew_every_},
          {"membership_hosts", membership_hosts_},
          {"heartbeat_ms", heartbeat_ms_},
          {"max_retries", retry_policy_.max_retries},
          {"retry_base_ms", retry_policy_.base_delay.count() / 1000.0},
          {"retry_cap_ms", retry_policy_.max_delay.count() / 1000.0},
          {"retry_jitter", retry_policy_.jitter}};
}

std::int64_t TemporalWorkload::allocate_task_id(int shard) {
  return shard_cache_[static_cast<size_t>(shard - 1)].next_task_id.fetch_add(1);
}

namespace {
const char* const kDropOrder[] = {"cluster_membership",
                                  "history_tree",
                                  "history_node",
                                  "chasm_node_maps",
                                  "signals_requested_sets",
                                  "signal_info_maps",
                                  "request_cancel_info_maps",
                                  "child_execution_info_maps",
                                  "timer_info_maps",
                                  "activity_info_maps",
                                  "visibility_tasks",
                                  "timer_tasks",
                                  "transfer_tasks",
                                  "buffered_events",
                                  "current_executions",
                                  "executions",
                                  "shards"};

std::string random_bytes(std::mt19937_64& rng, size_t n) {
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}
}  // namespace

void TemporalWorkload::setup(Connection& admin) {
  for (const char* table : kDropOrder) {
    admin.exec(("DROP TABLE IF EXISTS " + std::string(table)).c_str());
  }
  for (const std::string& ddl : schema()) {
    try {
      admin.exec(ddl.c_str());
    } catch (const client::PgError& e) {
      throw client::PgError(e.sqlstate(), std::string(e.what()) + "\n    in: " + ddl);
    }
  }
  // Shards as GetOrCreateShard creates them, 256 to a transaction.
  const Statement& create = admin.prepare("createShardQry", kCreateShard);
  std::mt19937_64 rng(seed_);
  for (int first = 1; first <= shards_; first += 256) {
    admin.exec("BEGIN");
    for (int shard = first; shard < first + 256 && shard <= shards_; ++shard) {
      std::string info = random_bytes(rng, 600);
      admin.exec(create, Params().integer(shard).integer(1).bytes(info).text(kEncoding));
    }
    admin.exec("COMMIT");
  }
}

void TemporalWorkload::before_run(Connection& admin) {
  // Shard acquisition, as a history host does it when it takes a shard over
  // (context_impl.go acquireShard → renewRangeLocked(true)): read the row, then UpdateShard
  // with range_id + 1, so that task ids of an earlier run are never handed out again.
  const Statement& get = admin.prepare("getShardQry_acquire", kGetShard);
  const Statement& lock = admin.prepare("lockShardQry_acquire", kLockShard);
  const Statement& update = admin.prepare("updateShardQry_acquire", kUpdateShard);
  std::mt19937_64 rng(seed_ ^ 0x61637175ULL);
  for (int shard = 1; shard <= shards_; ++shard) {
    if (PQntuples(admin.exec(get, Params().integer(shard)).get()) != 1) {
      throw std::runtime_error("shard " + std::to_string(shard) +
                               " is missing: run setup first (or use the same shards=N)");
    }
    std::string info = random_bytes(rng, 600);
    admin.exec("BEGIN");
    std::int64_t range = get_int(admin.exec(lock, Params().integer(shard)).get(), 0, 0) + 1;
    admin.exec(update, Params().integer(range).bytes(info).text(kEncoding).integer(shard));
    admin.exec("COMMIT");
    ShardCache& cache = shard_cache_[static_cast<size_t>(shard - 1)];
    cache.range_id = range;
    cache.next_task_id = range << kRangeSizeBits;
  }
  baseline_.clear();
  for (const char* table : kCountedTables) {
    PgResult r = admin.exec(("SELECT count(*) FROM " + std::string(table)).c_str());
    baseline_.push_back(std::stoll(PQgetvalue(r.get(), 0, 0)));
  }
}

// ---------------------------------------------------------------------------------------------

class TemporalClient : public WorkloadClient {
 public:
  TemporalClient(TemporalWorkload& workload, int index, Connection& conn)
      : w_(workload),
        conn_(conn),
        rng_(workload.seed_ * 1000003u + static_cast<std::uint64_t>(index)),
        retrier_(workload.retry_policy_, workload.seed_ + static_cast<std::uint64_t>(index)),
        payload_(random_bytes(rng_, 64 * 1024)),
        namespace_id_(namespace_id(workload.seed_)) {
    const auto& all = TemporalWorkload::statements();
    for (size_t i = 0; i < all.size(); ++i) {
      statements_[i] = &conn_.prepare(all[i].first, all[i].second);
    }
    char tag[32];
    std::snprintf(tag, sizeof tag, "%08llx",
                  static_cast<unsigned long long>(workload.seed_ & 0xffffffffu));
    id_prefix_ = std::string("hf-bench-") + tag + "-" + std::to_string(index) + "-";
  }

  static std::string namespace_id(std::uint64_t seed) {
    std::mt19937_64 rng(seed ^ 0x6e616d65737061ceULL);
    return random_bytes(rng, 16);
  }

  void run_one(Metrics& metrics) override {
    metrics_ = &metrics;
    WorkflowRecord wf = new_workflow();
    if (w_.renew_every_ > 0 && std::uniform_int_distribution<int>(1, w_.renew_every_)(rng_) == 1) {
      renew_shard(wf.shard);
    }
    auto start = Clock::now();
    bool ok = run_workflow(wf);
    auto end = Clock::now();
    if (ok) {
      metrics.unit_done(start, end);
    } else {
      metrics.unit_failed(end);
    }
    workflows_.push_back(std::move(wf));
    metrics.retry() = retrier_.counters();
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      throw std::runtime_error("connection lost: " + std::string(PQerrorMessage(conn_.get())));
    }
  }

  void check(CheckReport& report) override;

 private:
  PgResult exec(Stmt s, const Params& params) {
    current_ = s;
    auto start = Clock::now();
    PgResult result = conn_.exec(*statements_[s], params);
    if (metrics_) metrics_->statement_done(s, start, Clock::now());
    return result;
  }
  Params key(const WorkflowRecord& wf) const {
    return Params().integer(wf.shard).bytes(namespace_id_).text(wf.workflow_id);
  }
  Params run_key(const WorkflowRecord& wf) const { return key(wf).bytes(wf.run_id); }

  std::string_view blob(size_t min, size_t max) {
    size_t n = std::uniform_int_distribution<size_t>(min, max)(rng_);
    size_t at = std::uniform_int_distribution<size_t>(0, payload_.size() - n)(rng_);
    return std::string_view(payload_).substr(at, n);
  }

  WorkflowRecord new_workflow() {
    WorkflowRecord wf;
    wf.workflow_id = id_prefix_ + std::to_string(sequence_++);
    wf.shard = TemporalWorkload::shard_of(wf.workflow_id, w_.shards_);
    wf.run_id = random_bytes(rng_, 16);
    wf.branch_id = random_bytes(rng_, 16);
    static const char* hex = "0123456789abcdef";
    std::string uuid;
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) uuid += '-';
      uuid += hex[rng_() & 15];
    }
    wf.create_request_id = uuid;
    wf.start_time = now_micros();
    return wf;
  }

  // Runs `body` as one transaction (or, when `transaction` is false, as autocommit statements)
  // through the retrier, measured as `kind`. Returns whether it took effect.
  bool step(Kind kind, bool transaction, const std::function<void()>& body,
            WorkflowRecord* wf = nullptr) {
    auto start = Clock::now();
    std::uint64_t statements_before = conn_.statements();
    client::RunResult result;
    try {
      current_ = kStatementCount;
      result = transaction ? retrier_.run_transaction(conn_.get(),
                                                      [&](PGconn*) {
                                                        body();
                                                        current_ = kStatementCount;
                                                      })
                           : retrier_.run(body);
    } catch (const CheckFailed& e) {
      metrics_->failure(std::string(kKindNames[kind]) + " check:" + e.check(), e.what());
      return false;
    }
    if (!result.ok()) {
      std::string name = "BEGIN/COMMIT", sql = name;
      if (current_ != kStatementCount)
        std::tie(name, sql) = TemporalWorkload::statements()[current_];
      metrics_->failure(std::string(kKindNames[kind]) + " " + result.sqlstate + " " +
                            client::to_string(result.outcome) + " (" + name + ")",
                        result.message + "\n    statement: " + sql);
      if (wf && result.sqlstate == client::kConnectionFailure) {
        wf->uncertain = true;  // we cannot know whether a COMMIT in flight took effect
        w_.tally_.uncertain++;
      }
      return false;
    }
    metrics_->kind_done(kind, start, Clock::now(), transaction ? 1 : 0,
                        static_cast<int>(conn_.statements() - statements_before));
    return true;
  }

  // shards FOR SHARE, range_id compared with the cache (readLockShard in SQL/shard.go).
  void read_lock_shard(int shard) {
    PgResult r = exec(kSReadLockShard, Params().integer(shard));
    if (PQntuples(r.get()) != 1) throw CheckFailed("shard_missing", "no shard row");
    std::int64_t db = get_int(r.get(), 0, 0);
    std::int64_t cached = w_.shard_cache_[static_cast<size_t>(shard - 1)].range_id.load();
    if (db != cached) {
      throw CheckFailed("range_id", "shard " + std::to_string(shard) + " range_id " +
                                        std::to_string(db) + ", cached " + std::to_string(cached));
    }
  }

  void renew_shard(int shard) {
    auto& cache = w_.shard_cache_[static_cast<size_t>(shard - 1)];
    std::optional<std::int64_t> moved_from;  // cache moved forward by an attempt not yet committed
    auto undo = [&] {
      if (moved_from) cache.range_id.store(*moved_from);
      moved_from.reset();
    };
    bool ok = step(kShardRenew, true, [&] {
      undo();  // a retried attempt starts from the committed state
      PgResult r = exec(kSLockShard, Params().integer(shard));
      if (PQntuples(r.get()) != 1) throw CheckFailed("shard_missing", "no shard row");
      std::int64_t db = get_int(r.get(), 0, 0);
      std::int64_t cached = cache.range_id.load();
      if (db != cached) {
        throw CheckFailed("range_id", "shard " + std::to_string(shard) + " range_id " +
                                          std::to_string(db) + ", cached " +
                                          std::to_string(cached));
      }
      std::string info(blob(500, 700));
      expect_rows_affected(
          exec(kSUpdateShard, Params().integer(db + 1).bytes(info).text(kEncoding).integer(shard)),
          1, 1, "shard_rows_affected");
      // Forward before COMMIT, while the row is still ours: see temporal.h.
      moved_from = db;
      cache.range_id.store(db + 1);
      cache.next_task_id.store((db + 1) << kRangeSizeBits);
    });
    if (ok) {
      w_.tally_.renewals++;
    } else {
      undo();
    }
  }

  // UPD(extra): the mutable-state update of SQL/execution.go UpdateWorkflowExecution in mode
  // UpdateCurrent.
  void update_body(WorkflowRecord& wf, std::int64_t next_event_id, int state, int status,
                   const std::function<void()>& extra) {
    read_lock_shard(wf.shard);
    PgResult current = exec(kSLockCurrentExecution, key(wf));
    if (PQntuples(current.get()) != 1) throw CheckFailed("current_missing", wf.workflow_id);
    if (get_bytes(current.get(), 0, 3) != wf.run_id) {
      throw CheckFailed("current_run_id", wf.workflow_id + ": another run is current");
    }
    std::string state_blob(blob(80, 120));
    expect_rows_affected(exec(kSUpdateCurrentExecutions, Params()
                                                             .bytes(wf.run_id)
                                                             .text(wf.create_request_id)
                                                             .integer(state)
                                                             .integer(status)
                                                             .time(wf.start_time)
                                                             .integer(0)
                                                             .bytes(state_blob)
                                                             .text(kEncoding)
                                                             .integer(wf.shard)
                                                             .bytes(namespace_id_)
                                                             .text(wf.workflow_id)),
                         1, 1, "current_rows_affected");
    PgResult locked = exec(kSWriteLockExecution, run_key(wf));
    if (PQntuples(locked.get()) != 1) throw CheckFailed("execution_missing", wf.workflow_id);
    std::int64_t version = get_int(locked.get(), 0, 0);
    if (version != wf.db_record_version) {
      throw CheckFailed("db_record_version", wf.workflow_id + ": DBRecordVersion expected: " +
                                                 std::to_string(wf.db_record_version) +
                                                 ", actually " + std::to_string(version));
    }
    expect_rows_affected(exec(kSUpdateExecution, Params()
                                                     .integer(wf.db_record_version + 1)
                                                     .integer(next_event_id)
                                                     .integer(0)
                                                     .bytes(blob(1024, 4096))
                                                     .text(kEncoding)
                                                     .bytes(state_blob)
                                                     .text(kEncoding)
                                                     .integer(wf.shard)
                                                     .bytes(namespace_id_)
                                                     .text(wf.workflow_id)
                                                     .bytes(wf.run_id)),
                         1, 1, "execution_rows_affected");
    extra();
  }

  // A task INSERT, queued so that a transaction's categories go in random order (applyTasks
  // ranges over a Go map).
  enum class TaskTable { kTransfer, kTimer, kVisibility };
  struct Task {
    TaskTable table;
    std::int64_t task_id;
    std::int64_t fire_at;  // timers: visibility_timestamp
  };
  Task task(const WorkflowRecord& wf, TaskTable table, std::int64_t fire_in_seconds = 0) {
    return {table, w_.allocate_task_id(wf.shard), now_micros() + fire_in_seconds * 1'000'000};
  }
  void insert_tasks(const WorkflowRecord& wf, std::vector<Task> tasks) {
    std::shuffle(tasks.begin(), tasks.end(), rng_);
    for (const Task& t : tasks) {
      std::string_view data = blob(100, 200);
      PgResult r;
      switch (t.table) {
        case TaskTable::kTransfer:
          r = exec(kSCreateTransferTasks,
                   Params().integer(wf.shard).integer(t.task_id).bytes(data).text(kEncoding));
          break;
        case TaskTable::kVisibility:
          r = exec(kSCreateVisibilityTasks,
                   Params().integer(wf.shard).integer(t.task_id).bytes(data).text(kEncoding));
          break;
        case TaskTable::kTimer:
          r = exec(kSCreateTimerTasks,
                   Params().integer(wf.shard).time(t.fire_at).integer(t.task_id).bytes(data).text(
                       kEncoding));
          break;
      }
      expect_rows_affected(r, 1, 1, "task_rows_affected");
    }
  }
  void tally_tasks(const std::vector<Task>& tasks) {
    for (const Task& t : tasks) {
      switch (t.table) {
        case TaskTable::kTransfer:
          w_.tally_.transfer_tasks++;
          break;
        case TaskTable::kTimer:
          w_.tally_.timer_tasks++;
          break;
        case TaskTable::kVisibility:
          w_.tally_.visibility_tasks++;
          break;
      }
    }
  }

  void upsert_activity(const WorkflowRecord& wf) {
    expect_rows_affected(
        exec(kSSetKeyInActivityInfoMap,
             run_key(wf).integer(kScheduleId).bytes(blob(200, 400)).text(kEncoding)),
        1, 1, "activity_rows_affected");
  }

  Params history_node(const WorkflowRecord& wf, std::int64_t node_id, std::int64_t txn_id) {
    std::string_view data = blob(300, 2048);
    return Params()
        .integer(wf.shard)
        .bytes(wf.run_id)
        .bytes(wf.branch_id)
        .integer(node_id)
        .integer(wf.last_txn_id)
        .integer(-txn_id)  // history_node.txn_id is stored negated
        .bytes(data)
        .text(kEncoding)
        .integer(wf.last_txn_id)
        .bytes(data)
        .text(kEncoding);
  }

  // AppendHistoryNodes on an existing branch: one autocommit upsert.
  bool append_history(WorkflowRecord& wf, std::int64_t node_id) {
    std::int64_t txn_id = w_.allocate_task_id(wf.shard);
    Params params = history_node(wf, node_id, txn_id);
    if (!step(kHistoryAppend, false, [&] {
          expect_rows_affected(exec(kSAddHistoryNodes, params), 1, 2, "history_rows_affected");
        })) {
      return false;
    }
    wf.last_txn_id = txn_id;
    wf.history_nodes.push_back(node_id);
    w_.tally_.history_nodes++;
    return true;
  }

  // ReadHistoryBranch for a poll response: nodes [min_node, max_node), expected `nodes`.
  bool read_history(const WorkflowRecord& wf, std::int64_t min_node, std::int64_t max_node,
                    const std::vector<std::int64_t>& nodes) {
    return step(kHistoryRead, false, [&] {
      PgResult r = exec(kSGetHistoryNodes, Params()
                                               .integer(wf.shard)
                                               .bytes(wf.run_id)
                                               .bytes(wf.branch_id)
                                               .integer(min_node)
                                               .integer(-std::numeric_limits<std::int64_t>::max())
                                               .integer(min_node)
                                               .integer(max_node)
                                               .integer(kPageSize));
      std::vector<std::int64_t> seen;
      for (int i = 0; i < PQntuples(r.get()); ++i) seen.push_back(get_int(r.get(), i, 0));
      if (seen != nodes) {
        throw CheckFailed("history_read", wf.workflow_id + ": read " + std::to_string(seen.size()) +
                                              " history nodes, " + std::to_string(nodes.size()) +
                                              " written");
      }
    });
  }

  // One mutable-state transaction: UPD(extra) with `tasks`, then the record moves to `next`.
  bool update(Kind kind, WorkflowRecord& wf, Step next, std::int64_t next_event_id, int state,
              int status, std::vector<Task> tasks, const std::function<void()>& maps = {}) {
    bool ok = step(
        kind, true,
        [&] {
          update_body(wf, next_event_id, state, status, [&] {
            insert_tasks(wf, tasks);
            if (maps) maps();
          });
        },
        &wf);
    if (!ok) return false;
    wf.step = next;
    wf.db_record_version += 1;
    wf.next_event_id = next_event_id;
    tally_tasks(tasks);
    return true;
  }

  bool run_workflow(WorkflowRecord& wf);

  TemporalWorkload& w_;
  Connection& conn_;
  std::mt19937_64 rng_;
  client::Retrier retrier_;
  std::string payload_;  // random bytes that blobs are cut from
  std::string namespace_id_;
  std::string id_prefix_;
  std::uint64_t sequence_ = 0;
  const Statement* statements_[kStatementCount] = {};
  Stmt current_ = kStatementCount;  // the statement running; kStatementCount: BEGIN or COMMIT
  Metrics* metrics_ = nullptr;
  std::vector<WorkflowRecord> workflows_;
};

bool TemporalClient::run_workflow(WorkflowRecord& wf) {
  // CreateWorkflowExecution: the new history branch, then the start transaction.
  std::int64_t txn_id = w_.allocate_task_id(wf.shard);
  Params node = history_node(wf, 1, txn_id);
  std::string tree_info(blob(100, 200));
  if (!step(kHistoryBranch, true, [&] {
        expect_rows_affected(exec(kSAddHistoryNodes, node), 1, 2, "history_rows_affected");
        expect_rows_affected(exec(kSAddHistoryTree, Params()
                                                        .integer(wf.shard)
                                                        .bytes(wf.run_id)
                                                        .bytes(wf.branch_id)
                                                        .bytes(tree_info)
                                                        .text(kEncoding)),
                             1, 2, "tree_rows_affected");
      })) {
    return false;
  }
  wf.step = Step::kBranch;
  wf.last_txn_id = txn_id;
  wf.history_nodes.push_back(1);
  w_.tally_.history_nodes++;
  w_.tally_.history_trees++;

  std::vector<Task> start_tasks = {task(wf, TaskTable::kTransfer),
                                   task(wf, TaskTable::kVisibility)};
  bool started = step(
      kStart, true,
      [&] {
        read_lock_shard(wf.shard);
        PgResult current = exec(kSLockCurrentExecutionJoinExecutions, key(wf));
        if (PQntuples(current.get()) != 0) {
          throw CheckFailed("already_started", wf.workflow_id + " has a current run");
        }
        std::string state_blob(blob(80, 120));
        expect_rows_affected(exec(kSCreateCurrentExecution, run_key(wf)
                                                                .text(wf.create_request_id)
                                                                .integer(kStateCreated)
                                                                .integer(kStatusRunning)
                                                                .time(wf.start_time)
                                                                .integer(0)
                                                                .bytes(state_blob)
                                                                .text(kEncoding)),
                             1, 1, "current_rows_affected");
        expect_rows_affected(exec(kSCreateExecution, run_key(wf)
                                                         .integer(3)
                                                         .integer(0)
                                                         .bytes(blob(1024, 4096))
                                                         .text(kEncoding)
                                                         .bytes(state_blob)
                                                         .text(kEncoding)
                                                         .integer(1)),
                             1, 1, "execution_rows_affected");
        insert_tasks(wf, start_tasks);
      },
      &wf);
  if (!started) return false;
  wf.step = Step::kStarted;
  wf.db_record_version = 1;
  wf.next_event_id = 3;
  w_.tally_.executions++;
  w_.tally_.current_executions++;
  tally_tasks(start_tasks);

  // GetWorkflowExecution: the mutable-state load of the first access after the start.
  if (!step(kLoad, false, [&] {
        PgResult execution = exec(kSGetExecution, run_key(wf));
        if (PQntuples(execution.get()) != 1) throw CheckFailed("load_missing", wf.workflow_id);
        std::int64_t version = get_int(execution.get(), 0, 10);
        std::int64_t next_event = get_int(execution.get(), 0, 4);
        if (version != wf.db_record_version || next_event != wf.next_event_id) {
          throw CheckFailed("load_version", wf.workflow_id + ": loaded version " +
                                                std::to_string(version) + " next event " +
                                                std::to_string(next_event));
        }
        for (Stmt s : {kSGetActivityInfoMap, kSGetTimerInfoMap, kSGetChildExecutionInfoMap,
                       kSGetRequestCancelInfoMap, kSGetSignalInfoMap, kSGetBufferedEvents,
                       kSGetChasmNodeMap, kSGetSignalsRequestedSet}) {
          exec(s, run_key(wf));
        }
      })) {
    return false;
  }

  // Workflow task 1: started (event 3), then completed (events 4-5) scheduling the activity.
  if (!append_history(wf, 3)) return false;
  if (!update(kWft1Started, wf, Step::kWft1Started, 4, kStateRunning, kStatusRunning,
              {task(wf, TaskTable::kTimer, 10)})) {
    return false;
  }
  if (!read_history(wf, 1, 4, {1, 3})) return false;
  if (!append_history(wf, 4)) return false;
  if (!update(kWft1Completed, wf, Step::kWft1Completed, 6, kStateRunning, kStatusRunning,
              {task(wf, TaskTable::kTransfer)}, [&] { upsert_activity(wf); })) {
    return false;
  }
  w_.tally_.activity_rows++;

  // The activity: started (no event while it has a retry policy), then completed (events 6-8).
  if (!update(kActivityStarted, wf, Step::kActivityStarted, 6, kStateRunning, kStatusRunning,
              {task(wf, TaskTable::kTimer, 60)}, [&] { upsert_activity(wf); })) {
    return false;
  }
  if (!append_history(wf, 6)) return false;
  if (!update(kActivityCompleted, wf, Step::kActivityCompleted, 9, kStateRunning, kStatusRunning,
              {task(wf, TaskTable::kTransfer), task(wf, TaskTable::kTimer, 5)},
              [&] { exec(kSDeleteKeyInActivityInfoMap, run_key(wf).integer(kScheduleId)); })) {
    return false;
  }
  w_.tally_.activity_rows--;

  // Workflow task 2 (sticky: partial history): started (event 9), completed (events 10-11)
  // completing the workflow.
  if (!append_history(wf, 9)) return false;
  if (!update(kWft2Started, wf, Step::kWft2Started, 10, kStateRunning, kStatusRunning,
              {task(wf, TaskTable::kTimer, 10)})) {
    return false;
  }
  if (!read_history(wf, 6, 10, {6, 9})) return false;
  if (!append_history(wf, 10)) return false;
  return update(kWft2Completed, wf, Step::kCompleted, 12, kStateCompleted, kStatusCompleted,
                {task(wf, TaskTable::kTransfer), task(wf, TaskTable::kVisibility),
                 task(wf, TaskTable::kTimer, 3 * 24 * 3600)});
}

void TemporalClient::check(CheckReport& report) {
  metrics_ = nullptr;  // the check's statements are not the workload's
  auto expected_state = [](Step step) {
    switch (step) {
      case Step::kStarted:
        return std::pair{kStateCreated, kStatusRunning};
      case Step::kCompleted:
        return std::pair{kStateCompleted, kStatusCompleted};
      default:
        return std::pair{kStateRunning, kStatusRunning};
    }
  };
  for (const WorkflowRecord& wf : workflows_) {
    if (wf.uncertain || wf.step < Step::kStarted) continue;
    try {
      report.checked();
      PgResult e = exec(kSGetExecution, run_key(wf));
      if (PQntuples(e.get()) != 1) {
        report.problem(wf.workflow_id + ": executions row missing");
        continue;
      }
      std::int64_t version = get_int(e.get(), 0, 10), next_event = get_int(e.get(), 0, 4);
      if (version != wf.db_record_version || next_event != wf.next_event_id) {
        report.problem(wf.workflow_id + ": executions has db_record_version " +
                       std::to_string(version) + " next_event_id " + std::to_string(next_event) +
                       ", expected " + std::to_string(wf.db_record_version) + " and " +
                       std::to_string(wf.next_event_id));
      }
      PgResult c = exec(kSGetCurrentExecution, key(wf));
      auto [state, status] = expected_state(wf.step);
      if (PQntuples(c.get()) != 1 || get_bytes(c.get(), 0, 3) != wf.run_id) {
        report.problem(wf.workflow_id + ": current_executions does not point at its run");
      } else if (get_int(c.get(), 0, 5) != state || get_int(c.get(), 0, 6) != status) {
        report.problem(wf.workflow_id + ": current_executions state/status " +
                       std::to_string(get_int(c.get(), 0, 5)) + "/" +
                       std::to_string(get_int(c.get(), 0, 6)) + ", expected " +
                       std::to_string(state) + "/" + std::to_string(status));
      }
      PgResult a = exec(kSGetActivityInfoMap, run_key(wf));
      int open = wf.step == Step::kWft1Completed || wf.step == Step::kActivityStarted ? 1 : 0;
      if (PQntuples(a.get()) != open) {
        report.problem(wf.workflow_id + ": " + std::to_string(PQntuples(a.get())) +
                       " activity_info_maps rows, expected " + std::to_string(open));
      }
      PgResult h = exec(kSGetHistoryNodes, Params()
                                               .integer(wf.shard)
                                               .bytes(wf.run_id)
                                               .bytes(wf.branch_id)
                                               .integer(1)
                                               .integer(-std::numeric_limits<std::int64_t>::max())
                                               .integer(1)
                                               .integer(std::numeric_limits<std::int64_t>::max())
                                               .integer(1000));
      std::vector<std::int64_t> nodes;
      for (int i = 0; i < PQntuples(h.get()); ++i) nodes.push_back(get_int(h.get(), i, 0));
      if (nodes != wf.history_nodes) {
        report.problem(wf.workflow_id + ": " + std::to_string(nodes.size()) +
                       " history nodes, expected " + std::to_string(wf.history_nodes.size()));
      }
    } catch (const std::exception& ex) {
      report.problem(wf.workflow_id + ": check failed: " + ex.what());
    }
  }
}

std::unique_ptr<WorkloadClient> TemporalWorkload::make_client(int index, Connection& conn) {
  return std::make_unique<TemporalClient>(*this, index, conn);
}

// cluster_membership heartbeats (common/membership/ringpop/monitor.go): at start one prune
// and one upsert per host, then each host upserts again every heartbeat_ms plus 0-50 % jitter
// (Temporal: 10 s + 0-5 s).
void TemporalWorkload::background(const std::string& conninfo, const std::atomic<bool>& stop,
                                  Metrics& metrics) {
  if (membership_hosts_ == 0) return;
  Connection conn(conninfo);
  const Statement& prune = conn.prepare("prune", kPruneStaleClusterMembership);
  const Statement& upsert = conn.prepare("upsert", kUpsertActiveClusterMembership);
  std::mt19937_64 rng(seed_ ^ 0x686f7374ULL);
  client::Retrier retrier(retry_policy_, seed_ ^ 0x6862ULL);
  struct Host {
    std::string id;
    std::string address;
    int role;
    std::int64_t session_start;
    Clock::time_point next;
  };
  std::vector<Host> hosts;
  for (int i = 0; i < membership_hosts_; ++i) {
    hosts.push_back({random_bytes(rng, 16), "10.0.0." + std::to_string(i + 1), i % 4 + 1,
                     now_micros(), Clock::now()});
  }
  auto run = [&](const std::string& what, const std::function<void()>& body) {
    auto start = Clock::now();
    client::RunResult r = retrier.run(body);
    if (r.ok()) {
      metrics.kind_done(kMembership, start, Clock::now(), 0, 1);
    } else {
      metrics.failure(std::string("membership ") + r.sqlstate + " " + client::to_string(r.outcome) +
                          " (" + what + ")",
                      r.message);
    }
    metrics.retry() = retrier.counters();
  };
  run("templatePruneStaleClusterMembership",
      [&] { conn.exec(prune, Params().integer(0).time(now_micros())); });
  const std::int64_t expiry = 48LL * 3600 * 1'000'000;
  while (!stop.load()) {
    for (Host& h : hosts) {
      if (Clock::now() < h.next) continue;
      run("templateUpsertActiveClusterMembership", [&] {
        std::int64_t now = now_micros();
        conn.exec(upsert, Params()
                              .integer(0)
                              .bytes(h.id)
                              .text(h.address)
                              .integer(7233 + h.role)
                              .integer(h.role)
                              .time(h.session_start)
                              .time(now)
                              .time(now + expiry));
      });
      auto jitter = std::uniform_int_distribution<int>(0, heartbeat_ms_ / 2)(rng);
      h.next = Clock::now() + std::chrono::milliseconds(heartbeat_ms_ + jitter);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void TemporalWorkload::check(Connection& admin, CheckReport& report) {
  // Every shard's range_id is the cache's: no renewal lost, none applied twice.
  const Statement& get = admin.prepare("getShardQry_check", kGetShard);
  std::vector<std::int64_t> range(static_cast<size_t>(shards_) + 1);
  for (int shard = 1; shard <= shards_; ++shard) {
    report.checked();
    PgResult r = admin.exec(get, Params().integer(shard));
    range[static_cast<size_t>(shard)] = PQntuples(r.get()) == 1 ? get_int(r.get(), 0, 1) : -1;
    std::int64_t cached = shard_cache_[static_cast<size_t>(shard - 1)].range_id.load();
    if (range[static_cast<size_t>(shard)] != cached) {
      report.problem("shard " + std::to_string(shard) + ": range_id " +
                     std::to_string(range[static_cast<size_t>(shard)]) + ", expected " +
                     std::to_string(cached));
    }
  }
  // Row counts: the baseline plus what the clients committed.
  if (tally_.uncertain.load() == 0) {
    const std::int64_t committed[] = {tally_.transfer_tasks,   tally_.timer_tasks,
                                      tally_.visibility_tasks, tally_.history_nodes,
                                      tally_.history_trees,    tally_.current_executions,
                                      tally_.activity_rows,    tally_.executions};
    for (size_t i = 0; i < std::size(kCountedTables); ++i) {
      report.checked();
      PgResult r = admin.exec(("SELECT count(*) FROM " + std::string(kCountedTables[i])).c_str());
      std::int64_t rows = std::stoll(PQgetvalue(r.get(), 0, 0));
      if (rows != baseline_[i] + committed[i]) {
        report.problem(std::string(kCountedTables[i]) + ": " + std::to_string(rows) +
                       " rows, expected " + std::to_string(baseline_[i]) + " + " +
                       std::to_string(committed[i]));
      }
    }
  } else {
    report.problem(std::to_string(tally_.uncertain.load()) +
                   " commits with unknown outcome (connection lost): row counts not checked");
  }
  // Task ids stay below the end of their shard's current range.
  for (const char* table : {"transfer_tasks", "timer_tasks", "visibility_tasks"}) {
    PgResult r = admin.exec(
        ("SELECT shard_id, max(task_id) FROM " + std::string(table) + " GROUP BY shard_id")
            .c_str());
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      report.checked();
      int shard = std::stoi(PQgetvalue(r.get(), i, 0));
      std::int64_t max_task = std::stoll(PQgetvalue(r.get(), i, 1));
      if (shard < 1 || shard > shards_ ||
          max_task >= (range[static_cast<size_t>(shard)] + 1) << kRangeSizeBits) {
        report.problem(std::string(table) + ": shard " + std::to_string(shard) + " has task id " +
                       std::to_string(max_task) + " beyond its range");
      }
    }
  }
}

}  // namespace hf::bench
