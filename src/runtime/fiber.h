// runtime/fiber.h — stackful fibers on Asio executors: how a session waits without a thread.
//
// Every client session runs in one Fiber, pinned for its whole life to one Executor (one
// thread running one asio::io_context). Code inside a fiber calls ordinary functions; when
// it must wait (socket I/O, a lock, a group commit, a timer) it parks the fiber with
// Fiber::suspend() and some other thread or handler calls resume(). A parked fiber costs
// its stack's touched pages and nothing else: no thread, no CPU. The executor can thus
// suspend in the middle of a plan (an advisory lock inside a WHERE clause) without every
// operator being a coroutine.
//
// Contract:
//  - suspend() may only be called by the fiber itself. It returns after one resume().
//  - resume() may be called from any thread, any number of times. A resume() that arrives
//    before the matching suspend() is remembered (a permit), so wake-ups are never lost.
//    Spurious returns from suspend() are therefore possible: callers re-check their
//    condition in a loop (Event does this for them).
//  - A fiber runs only on its executor's thread, so thread-local state is stable inside it.
//  - Resumed fibers run in the order they were resumed, except that a resume(kUrgent) puts
//    the fiber ahead of everything already queued on its executor: its next slice runs as
//    soon as the slice running there parks (behind other urgent ones only). For a fiber whose
//    remaining work is short and which a client waits on (a commit made durable by the WAL
//    sync thread: it sends CommandComplete and ReadyForQuery and reads the next query).
//    HF_URGENT_WAKEUPS=0 in the environment makes every resume a kNormal one (for A/B runs).
//  - A Fiber object is owned by the runtime and freed when its body returns; hold a
//    FiberRef (shared_ptr) to resume it safely from elsewhere.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace hf::runtime {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

class Fiber;
using FiberRef = std::shared_ptr<Fiber>;

class Fiber : public std::enable_shared_from_this<Fiber> {
 public:
  // Starts body in a new fiber on io. The stack is mmap'd with a guard page; its pages are
  // committed only when touched. check_stack_depth() (stack.h) knows where it ends.
  static FiberRef spawn(asio::io_context& io, std::function<void()> body,
                        size_t stack_bytes = 1 << 20);
  // The fiber the calling code runs in, or nullptr on a plain thread.
  static Fiber* current();
  // How many fibers are running or scheduled to run, on every executor (the caller, if it is
  // one, included): a fiber about to block its thread knows whether anyone else would wait.
  static int ready_count();

  // Where a resume() queues the fiber's next slice on its executor (see the contract above).
  enum class Priority { kNormal, kUrgent };

  void suspend();  // REQUIRES: called from this fiber
  // Lets every handler and fiber already ready on the calling fiber's executor run, then
  // continues (the fiber goes to the back of the executor's queue). No-op outside a fiber.
  // REQUIRES: the caller holds no std::mutex another fiber of this thread may take.
  static void yield();
  void resume(Priority p = Priority::kNormal);  // any thread
  asio::io_context& io() { return io_; }
  ~Fiber();

  struct Impl;
  class UrgentQueue;  // per executor: the fibers resumed with kUrgent, not yet run

 private:
  Fiber(asio::io_context& io, std::function<void()> body, size_t stack_bytes);
  void run_slice();  // runs on io_'s thread: switches into the fiber until it parks or ends

  asio::io_context& io_;
  UrgentQueue& urgent_;  // io_'s
  std::unique_ptr<Impl> impl_;
  std::mutex mu_;
  enum class State { kNew, kRunning, kSuspended, kScheduled, kDone } state_ = State::kNew;
  bool permit_ = false;
};

// Why a wait ended.
enum class WakeReason { kSignalled, kTimeout, kCancelled };

// A one-shot event a fiber waits on; the first complete() decides the outcome. Used by
// the lock table (grant), the commit pool (durable) and cancellation (cancel).
class Event : public std::enable_shared_from_this<Event> {
 public:
  // Bound to the calling fiber. REQUIRES: Fiber::current() != nullptr.
  static std::shared_ptr<Event> create();
  // Any thread. Returns false if the event was already completed. p: how the waiting fiber is
  // resumed (Fiber::resume).
  bool complete(WakeReason r, Fiber::Priority p = Fiber::Priority::kNormal);
  bool completed() const;
  // REQUIRES: called from the bound fiber. Suspends until complete() or the deadline
  // (which completes it with kTimeout). Returns the winning reason.
  WakeReason wait(Deadline deadline = Deadline::max());

 private:
  FiberRef fiber_;
  mutable std::mutex mu_;
  bool done_ = false;
  WakeReason reason_ = WakeReason::kSignalled;
};

// A mutex that may be held across a fiber's suspension (a catalog change that commits, and
// a commit may park the fiber until its fsync is done). A contended lock() parks the calling
// fiber instead of blocking its thread: the holder may be another fiber of that same thread,
// which must get to run to release it. (A std::mutex there deadlocks the thread.) On a plain
// thread lock() waits as Event::wait does. Waiters get the mutex in arrival order: unlock()
// hands it straight to the first. Not recursive. Meets Lockable (std::lock_guard works).
class FiberMutex {
 public:
  void lock();
  bool try_lock();
  void unlock();

 private:
  std::mutex mu_;
  bool held_ = false;                           // guarded by mu_
  std::deque<std::shared_ptr<Event>> waiters_;  // guarded by mu_
};

// Cancellation of the statement running in a session: a CancelRequest, pg_cancel_backend,
// a statement or lock timeout, a closed socket. request() completes the event the session
// is waiting on (if any) with kCancelled, at once, from any thread.
class CancelToken {
 public:
  enum Kind : int { kNone = 0, kUserRequest = 1, kStatementTimeout = 2, kTerminate = 3 };
  void request(Kind k);
  // The pending request, if any; take() clears it (except kTerminate, which sticks).
  Kind pending() const { return static_cast<Kind>(pending_.load(std::memory_order_acquire)); }
  Kind take();
  // While a fiber waits on ev, a request completes ev with kCancelled.
  void attach(std::shared_ptr<Event> ev);
  void detach();

 private:
  std::atomic<int> pending_{kNone};
  std::mutex mu_;
  std::shared_ptr<Event> waiting_;
};

// Suspends the current fiber until the deadline. Returns false if cancelled first.
bool sleep_until(Deadline deadline, CancelToken* cancel = nullptr);

// Runs fn on a thread of the blocking pool (for calls that block a thread, such as a
// synced RocksDB write) and parks the current fiber until it is done. On a plain thread it
// just calls fn. Exceptions propagate to the caller.
void run_blocking(const std::function<void()>& fn);

// The executors: one thread and one io_context each. Sessions are spread round-robin.
class Runtime {
 public:
  explicit Runtime(int threads, int blocking_threads = 32);
  ~Runtime();
  asio::io_context& next_context();
  asio::io_context& context(int i) { return *contexts_[i]; }
  int size() const { return static_cast<int>(contexts_.size()); }
  void start();                // starts the threads
  void stop();                 // stops and joins them
  static Runtime* instance();  // the process-wide runtime, once constructed

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>>> guards_;
  std::vector<std::thread> threads_;
  std::atomic<unsigned> next_{0};
};

}  // namespace hf::runtime
