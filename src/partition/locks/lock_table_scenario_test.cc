// partition/locks/lock_table_scenario_test.cc — data-driven scenario tests for the lock table,
// in the style of CockroachDB's datadriven tests (models.md §3).
//
// Each file in testdata/ is a list of commands, each followed by "----" and the expected
// output. All fibers run on one single-threaded io_context that the harness drives until
// nothing can run, and time is a virtual clock moved only by advance-clock, so every run is
// exact and instant. HF_REWRITE=1 rewrites the expected outputs from what the table does.
//
// Commands:
//   reset [max-locks=N] [max-memory=BYTES] (two tables, 0 and 1, share one WaitGraph and
//                                           one LockMemory of that limit, 0 = none)
//   acquire NAME owner=O [group=G] [waiter=W] [sub=S] tag=TAG mode=MODE
//           [policy=block|nowait|skip] [timeout=Nms] [deadlock-timeout=Nms] [overtake=1]
//           [precancel=1]  (starts a fiber; prints what finished)
//   link holder=H actor=A                  unlink holder=H actor=A  (WaitGraph::link)
//   release owner=O tag=TAG mode=MODE      release-all owner=O
//   rollback-sub owner=O sub=S             release-sub owner=O from=S to=T
//   advance-clock Nms                      (fires timers in time order, draining in between)
//   check-deadlock NAME                    (runs NAME's deadlock check now)
//   cancel NAME                            blockers NAME
//   holds owner=O tag=TAG mode=MODE        dump        size
//   acquire-rows owner=O [group=G] [sub=S] [overtake=1] rows=ROW,ROW,...
//           ROW: TAG:MODE[:nowait|:skip]; LockTable::acquire_rows, prints its answers
//   forms                                  (compact rows and full objects per table)
//   memory                                 (bytes charged: per table and the node's total)
// TAG: row:TABLE/INDEX/KEY, table:ID, advisory:N, advisory:N,M, txn:N, resource:NAME.
// MODE: row: keyshare share nokeyupdate update; others: accessshare rowshare rowexclusive
//       shareupdateexclusive share sharerowexclusive exclusive accessexclusive.
// acquire, release, holds and size take table=N (default 0); release-all, rollback-sub and
// release-sub act on every table, as a transaction's end does on every partition.
// Output lines "[NAME] result" report finished acquires in the order they finished; an
// acquire still parked after the drain prints "[NAME] waiting".
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "partition/locks/lock_table.h"

namespace hf::locks {
namespace {

using runtime::Clock;
using runtime::Event;
using runtime::WakeReason;

// A clock that moves only when told; timed waits become entries fired by advance().
class VirtualClock final : public WaitClock {
 public:
  Clock::time_point now() const override {
    std::lock_guard g(mu_);
    return now_;
  }
  WakeReason wait(const std::shared_ptr<Event>& ev, runtime::Deadline until) override {
    if (until != runtime::Deadline::max()) {
      std::lock_guard g(mu_);
      if (until <= now_) {
        ev->complete(WakeReason::kTimeout);
      } else {
        timers_.push_back(Timer{until, seq_++, ev});
      }
    }
    return ev->wait();
  }
  // The earliest pending timer not after target, if any.
  bool next_timer(Clock::time_point target, Clock::time_point* at) {
    std::lock_guard g(mu_);
    prune_locked();
    bool found = false;
    for (const Timer& t : timers_) {
      if (t.until <= target && (!found || t.until < *at)) {
        *at = t.until;
        found = true;
      }
    }
    return found;
  }
  // Moves to `to` and fires every timer due by then, in (time, creation) order.
  void set(Clock::time_point to) {
    std::vector<Timer> due;
    {
      std::lock_guard g(mu_);
      now_ = std::max(now_, to);
      for (auto it = timers_.begin(); it != timers_.end();) {
        if (it->until <= now_) {
          due.push_back(*it);
          it = timers_.erase(it);
        } else {
          ++it;
        }
      }
    }
    std::sort(due.begin(), due.end(), [](const Timer& a, const Timer& b) {
      return a.until != b.until ? a.until < b.until : a.seq < b.seq;
    });
    for (Timer& t : due)
      if (auto ev = t.ev.lock()) ev->complete(WakeReason::kTimeout);
  }

 private:
  struct Timer {
    Clock::time_point until;
    uint64_t seq;
    std::weak_ptr<Event> ev;
  };
  void prune_locked() {
    std::erase_if(timers_, [](const Timer& t) {
      auto ev = t.ev.lock();
      return !ev || ev->completed();
    });
  }
  mutable std::mutex mu_;
  Clock::time_point now_ = Clock::time_point(std::chrono::hours(1000));
  std::vector<Timer> timers_;
  uint64_t seq_ = 0;
};

std::vector<std::string> split(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

std::chrono::milliseconds parse_ms(const std::string& v) {
  std::string n = v;
  if (n.size() > 2 && n.substr(n.size() - 2) == "ms")
    return std::chrono::milliseconds(std::stoll(n.substr(0, n.size() - 2)));
  if (n.size() > 1 && n.back() == 's')
    return std::chrono::seconds(std::stoll(n.substr(0, n.size() - 1)));
  return std::chrono::milliseconds(std::stoll(n));
}

LockTag parse_tag(const std::string& v) {
  auto colon = v.find(':');
  if (colon == std::string::npos) throw std::runtime_error("bad tag " + v);
  std::string kind = v.substr(0, colon), rest = v.substr(colon + 1);
  if (kind == "row") {
    auto s1 = rest.find('/'), s2 = rest.find('/', s1 + 1);
    return row_tag(static_cast<uint32_t>(std::stoul(rest.substr(0, s1))),
                   static_cast<uint32_t>(std::stoul(rest.substr(s1 + 1, s2 - s1 - 1))),
                   rest.substr(s2 + 1));
  }
  if (kind == "table") return table_tag(static_cast<uint32_t>(std::stoul(rest)));
  if (kind == "advisory") {
    auto comma = rest.find(',');
    if (comma == std::string::npos) return advisory_tag(static_cast<int64_t>(std::stoll(rest)));
    return advisory_tag(static_cast<int32_t>(std::stol(rest.substr(0, comma))),
                        static_cast<int32_t>(std::stol(rest.substr(comma + 1))));
  }
  if (kind == "txn") return transaction_tag(std::stoull(rest));
  if (kind == "resource") return LockTag{LockKind::kResource, 0, 0, rest};
  throw std::runtime_error("bad tag kind " + kind);
}

const char* kRowModes[] = {"keyshare", "share", "nokeyupdate", "update"};
const char* kTableModes[] = {
    "none",  "accessshare",       "rowshare",  "rowexclusive",   "shareupdateexclusive",
    "share", "sharerowexclusive", "exclusive", "accessexclusive"};

Mode parse_mode(LockKind kind, const std::string& v) {
  if (kind == LockKind::kRow) {
    for (Mode m = 0; m < 4; ++m)
      if (v == kRowModes[m]) return m;
  } else {
    for (Mode m = 1; m <= 8; ++m)
      if (v == kTableModes[m]) return m;
  }
  throw std::runtime_error("bad mode " + v);
}

std::string short_mode(LockKind kind, Mode m) {
  return kind == LockKind::kRow ? kRowModes[m] : kTableModes[m];
}

class Harness {
 public:
  Harness() { reset(1'000'000, 0); }
  ~Harness() { cancel_pending(); }

  std::string run(const std::string& command) {
    auto words = split(command);
    std::map<std::string, std::string> args;
    std::vector<std::string> pos;
    for (size_t i = 1; i < words.size(); ++i) {
      auto eq = words[i].find('=');
      if (eq == std::string::npos) {
        pos.push_back(words[i]);
      } else {
        args[words[i].substr(0, eq)] = words[i].substr(eq + 1);
      }
    }
    auto arg = [&](const std::string& k) {
      auto it = args.find(k);
      if (it == args.end()) throw std::runtime_error("missing " + k + " in: " + command);
      return it->second;
    };
    auto opt = [&](const std::string& k, const std::string& d) {
      auto it = args.find(k);
      return it == args.end() ? d : it->second;
    };
    auto tbl = [&]() -> LockTable& { return *tables_.at(std::stoul(opt("table", "0"))); };
    std::ostringstream out;
    const std::string& cmd = words.at(0);
    if (cmd == "reset") {
      reset(std::stoull(opt("max-locks", "1000000")), std::stoull(opt("max-memory", "0")));
    } else if (cmd == "acquire") {
      const std::string name = pos.at(0);
      auto r = std::make_shared<Request>();
      r->name = name;
      r->table = &tbl();
      r->req.tag = parse_tag(arg("tag"));
      r->req.mode = parse_mode(r->req.tag.kind, arg("mode"));
      r->req.owner = std::stoull(arg("owner"));
      r->req.group = std::stoull(opt("group", "0"));
      r->req.waiter = std::stoull(opt("waiter", "0"));
      r->req.sub = static_cast<SubId>(std::stoul(opt("sub", "0")));
      std::string p = opt("policy", "block");
      r->req.policy = p == "nowait" ? WaitPolicy::kNoWait
                      : p == "skip" ? WaitPolicy::kSkipLocked
                                    : WaitPolicy::kBlock;
      if (args.count("timeout")) r->req.deadline = clock_.now() + parse_ms(arg("timeout"));
      r->req.deadlock_timeout = parse_ms(opt("deadlock-timeout", "1000ms"));
      r->req.cancel = &r->cancel;
      r->req.overtake_compatible = opt("overtake", "0") == "1";
      requests_[name] = r;
      if (opt("precancel", "0") == "1") r->cancel.request(runtime::CancelToken::kUserRequest);
      runtime::Fiber::spawn(io_, [this, r] {
        AcquireResult res = r->table->acquire(r->req);
        r->done = true;
        std::string e = "[" + r->name + "] " + to_string(res);
        if (res == AcquireResult::kDeadlock) {
          for (const DeadlockEdge& d : r->table->take_deadlock_report(r->req.owner))
            e += "\n  " + std::to_string(d.waiter) + " waits for " +
                 short_mode(d.tag.kind, d.mode) + " on " + to_string(d.tag) + "; blocked by " +
                 std::to_string(d.blocker);
        }
        events_.push_back(e);
      });
      drain();
      print_events(out);
      if (!r->done) out << "[" << name << "] waiting\n";
      return out.str();
    } else if (cmd == "acquire-rows") {
      std::vector<LockTag> tags;
      std::vector<RowAsk> asks;
      std::string list = arg("rows");
      for (size_t at = 0; at <= list.size();) {
        size_t comma = std::min(list.find(',', at), list.size());
        std::string item = list.substr(at, comma - at);
        at = comma + 1;
        // TAG:MODE[:POLICY]; the tag itself has one colon (row:T/I/K).
        auto c1 = item.find(':', item.find(':') + 1);
        auto c2 = item.find(':', c1 + 1);
        tags.push_back(parse_tag(item.substr(0, c1)));
        std::string mode = item.substr(c1 + 1, c2 == std::string::npos ? c2 : c2 - c1 - 1);
        std::string pol = c2 == std::string::npos ? "block" : item.substr(c2 + 1);
        RowAsk a;
        a.mode = parse_mode(LockKind::kRow, mode);
        a.policy = pol == "nowait" ? WaitPolicy::kNoWait
                   : pol == "skip" ? WaitPolicy::kSkipLocked
                                   : WaitPolicy::kBlock;
        asks.push_back(a);
      }
      for (size_t i = 0; i < asks.size(); ++i) {
        asks[i].a = tags[i].a;
        asks[i].b = tags[i].b;
        asks[i].key = tags[i].key;
      }
      std::vector<AcquireResult> got;
      size_t n = tbl().acquire_rows(std::stoull(arg("owner")), std::stoull(opt("group", "0")),
                                    static_cast<SubId>(std::stoul(opt("sub", "0"))),
                                    opt("overtake", "0") == "1", asks, &got);
      out << "answers:";
      for (AcquireResult r : got) out << " " << to_string(r);
      if (n < asks.size()) out << " (stopped: " << n << " of " << asks.size() << " answered)";
      out << "\n";
    } else if (cmd == "forms") {
      for (size_t i = 0; i < tables_.size(); ++i)
        out << "table " << i << ": compact " << tables_[i]->compact_rows() << ", full "
            << tables_[i]->size() - tables_[i]->compact_rows() << "\n";
    } else if (cmd == "memory") {
      for (size_t i = 0; i < tables_.size(); ++i)
        out << "table " << i << ": " << tables_[i]->memory_used() << " bytes\n";
      out << "node: " << memory_->used() << " of " << memory_->limit() << " bytes\n";
    } else if (cmd == "release") {
      LockTag tag = parse_tag(arg("tag"));
      bool ok = tbl().release(tag, std::stoull(arg("owner")), parse_mode(tag.kind, arg("mode")));
      out << (ok ? "released" : "not held") << "\n";
    } else if (cmd == "release-all") {
      for (auto& t : tables_) t->release_all(std::stoull(arg("owner")));
    } else if (cmd == "rollback-sub") {
      for (auto& t : tables_)
        t->release_subtransactions(std::stoull(arg("owner")),
                                   static_cast<SubId>(std::stoul(arg("sub"))));
    } else if (cmd == "release-sub") {
      for (auto& t : tables_)
        t->reassign_subtransaction(std::stoull(arg("owner")),
                                   static_cast<SubId>(std::stoul(arg("from"))),
                                   static_cast<SubId>(std::stoul(arg("to"))));
    } else if (cmd == "advance-clock") {
      auto target = clock_.now() + parse_ms(pos.at(0));
      Clock::time_point at;
      drain();
      while (clock_.next_timer(target, &at)) {
        clock_.set(at);
        drain();
      }
      clock_.set(target);
    } else if (cmd == "link") {
      tables_.at(0)->graph().link(std::stoull(arg("holder")), std::stoull(arg("actor")));
    } else if (cmd == "unlink") {
      tables_.at(0)->graph().unlink(std::stoull(arg("holder")), std::stoull(arg("actor")));
    } else if (cmd == "check-deadlock") {
      auto& r = requests_.at(pos.at(0));
      out << to_string(r->table->check_deadlock(r->req.owner)) << "\n";
    } else if (cmd == "cancel") {
      requests_.at(pos.at(0))->cancel.request(runtime::CancelToken::kUserRequest);
    } else if (cmd == "blockers") {
      auto& r = requests_.at(pos.at(0));
      out << "blockers:";
      for (OwnerId o : r->table->blockers(r->req.owner)) out << " " << o;
      out << "\n";
    } else if (cmd == "holds") {
      LockTag tag = parse_tag(arg("tag"));
      out << (tbl().holds(tag, std::stoull(arg("owner")), parse_mode(tag.kind, arg("mode")))
                  ? "true"
                  : "false")
          << "\n";
    } else if (cmd == "size") {
      out << "size: " << tbl().size() << "\n";
    } else if (cmd == "dump") {
      drain();
      dump(out);
    } else {
      throw std::runtime_error("unknown command " + cmd);
    }
    drain();
    print_events(out);
    return out.str();
  }

 private:
  struct Request {
    std::string name;
    AcquireRequest req;
    LockTable* table = nullptr;
    runtime::CancelToken cancel;
    bool done = false;
  };

  // Ends every wait still parked so no fiber outlives the table.
  void cancel_pending() {
    for (auto& [name, r] : requests_)
      if (!r->done) r->cancel.request(runtime::CancelToken::kTerminate);
    drain();
    events_.clear();
  }

  void reset(size_t max_locks, size_t max_memory) {
    cancel_pending();
    tables_.clear();
    graph_ = std::make_unique<WaitGraph>();
    memory_ = std::make_unique<LockMemory>(max_memory);
    // Two partitions' tables on one node graph; commands take table=N (default 0).
    for (int i = 0; i < 2; ++i)
      tables_.push_back(
          std::make_unique<LockTable>(graph_.get(), max_locks, &clock_, memory_.get()));
    requests_.clear();
    events_.clear();
  }

  void drain() {
    io_.restart();
    io_.run();
    for (auto& t : tables_) {
      std::string bad = t->check_invariants();
      if (!bad.empty()) events_.push_back("INVARIANT VIOLATED: " + bad);
    }
  }

  void print_events(std::ostringstream& out) {
    for (auto& e : events_) out << e << "\n";
    events_.clear();
  }

  void dump(std::ostringstream& out) {
    std::vector<LockInfo> infos;
    std::vector<std::string> prefix;
    for (size_t i = 0; i < tables_.size(); ++i) {
      for (auto& li : tables_[i]->dump()) {
        infos.push_back(li);
        prefix.push_back(i ? "t" + std::to_string(i) + "/" : "");
      }
    }
    if (infos.empty()) {
      out << "(no locks)\n";
      return;
    }
    std::string cur;
    for (size_t i = 0; i < infos.size(); ++i) {
      const LockInfo& li = infos[i];
      std::string t = prefix[i] + to_string(li.tag);
      if (t != cur) {
        if (!cur.empty()) out << "\n";
        out << t << ":";
        cur = t;
      }
      out << " " << (li.granted ? "held" : "wait") << "(" << li.owner;
      if (li.sub) out << "/sub" << li.sub;
      out << " " << short_mode(li.tag.kind, li.mode) << ")";
    }
    out << "\n";
  }

  boost::asio::io_context io_{1};
  VirtualClock clock_;
  std::unique_ptr<WaitGraph> graph_;
  std::unique_ptr<LockMemory> memory_;  // declared before tables_: outlives them
  std::vector<std::unique_ptr<LockTable>> tables_;
  std::map<std::string, std::shared_ptr<Request>> requests_;
  std::vector<std::string> events_;
};

struct Block {
  std::vector<std::string> comments;  // lines before the command
  std::string command;
  std::string expected;
};

std::vector<Block> parse_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<Block> blocks;
  Block cur;
  std::string line;
  bool in_expected = false;
  while (std::getline(in, line)) {
    if (in_expected) {
      if (line.empty()) {
        blocks.push_back(cur);
        cur = Block{};
        in_expected = false;
      } else {
        cur.expected += line + "\n";
      }
      continue;
    }
    if (line == "----") {
      in_expected = true;
      continue;
    }
    if (line.empty() || line[0] == '#') {
      cur.comments.push_back(line);
      continue;
    }
    cur.command = line;
  }
  if (in_expected) blocks.push_back(cur);
  return blocks;
}

std::string testdata_dir() {
  return (std::filesystem::path(__FILE__).parent_path() / "testdata").string();
}

class ScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, Matches) {
  std::string path = testdata_dir() + "/" + GetParam();
  auto blocks = parse_file(path);
  ASSERT_FALSE(blocks.empty()) << path;
  bool rewrite = std::getenv("HF_REWRITE") && std::string(std::getenv("HF_REWRITE")) == "1";
  Harness h;
  std::ostringstream rewritten;
  for (auto& b : blocks) {
    std::string actual = h.run(b.command);
    for (auto& c : b.comments) rewritten << c << "\n";
    rewritten << b.command << "\n----\n" << actual << "\n";
    if (!rewrite) {
      EXPECT_EQ(b.expected, actual) << path << ": " << b.command;
    }
  }
  if (rewrite) {
    std::ofstream out(path);
    std::string s = rewritten.str();
    out << s.substr(0, s.size() - 1);  // no blank line at the end of the file
  }
}

INSTANTIATE_TEST_SUITE_P(LockTable, ScenarioTest,
                         ::testing::Values("fifo_handoff", "upgrade_self", "skip_locked", "nowait",
                                           "soft_deadlock_reorder", "hard_deadlock", "lock_timeout",
                                           "cancel", "memory_cap", "subtransactions",
                                           "shared_holders", "table_modes", "advisory",
                                           "cross_partition", "pg_multixact_no_deadlock",
                                           "pg_deadlock_soft", "pg_deadlock_soft_2",
                                           "pg_deadlock_hard", "pg_deadlock_simple", "batch_rows",
                                           "compact_rows", "memory_budget", "service_links"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hf::locks
