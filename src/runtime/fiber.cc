// runtime/fiber.cc — see fiber.h for the contract.
#include "runtime/fiber.h"

#include <atomic>

#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <exception>
#include <string_view>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/context/fiber.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>

#include "common/wait_stats.h"
#include "runtime/resume_here.h"
#include "runtime/stack.h"

#if defined(HF_TSAN)
#include <sanitizer/tsan_interface.h>  // the fiber API: __tsan_create_fiber, ...
#endif

namespace hf::runtime {

namespace ctx = boost::context;

namespace {
thread_local Fiber* t_current = nullptr;
// A ResumeHereScope is open on this thread and its resume is not used yet.
thread_local bool t_resume_here = false;
Runtime* g_runtime = nullptr;

// HF_URGENT_WAKEUPS=0: resume(kUrgent) is a kNormal resume (A/B measurements).
bool urgent_wakeups_on() {
  static const bool on = [] {
    const char* v = std::getenv("HF_URGENT_WAKEUPS");
    return v == nullptr || std::string_view(v) != "0";
  }();
  return on;
}

// HF_RESUME_HERE=0: a ResumeHereScope changes nothing (A/B measurements).
bool resume_here_on() {
  static const bool on = [] {
    const char* v = std::getenv("HF_RESUME_HERE");
    return v == nullptr || std::string_view(v) != "0";
  }();
  return on;
}
}  // namespace

// An asio service, so each io_context (executor) has exactly one, found once per fiber.
// Fibers resumed with kUrgent wait here instead of at the back of the io_context's queue;
// the executor's thread runs them at the end of every fiber slice (Fiber::run_slice) and, in
// case no slice ends soon (an idle executor, a handler that is not a fiber), from one posted
// drain handler per batch: a busy executor is not sent a handler, nor woken, per fiber.
class Fiber::UrgentQueue final : public asio::execution_context::service {
 public:
  using key_type = UrgentQueue;
  static asio::execution_context::id id;
  explicit UrgentQueue(asio::execution_context& c) : service(c) {}

  // Fiber slices run on this executor (WaitStats::wake_slices).
  std::atomic<uint64_t> slices{0};

  // REQUIRES: f is kScheduled, and was made so by this call's caller.
  void push(FiberRef f) {
    bool post_drain = false;
    {
      std::lock_guard g(mu_);
      ready_.push_back(std::move(f));
      pending_.store(true, std::memory_order_release);
      post_drain = !drain_posted_;
      drain_posted_ = true;
    }
    if (post_drain) {
      asio::post(static_cast<asio::io_context&>(context()), [this] {
        {
          std::lock_guard g(mu_);
          drain_posted_ = false;
        }
        drain();
      });
    }
  }

  // Runs the queued fibers' slices, in the order they were pushed, until none is queued
  // (each then waits on its socket or a lock: an urgent wake-up does not repeat without
  // some other handler running in between). On the executor's thread; a slice's own end
  // does not nest another drain.
  void drain() {
    if (!pending_.load(std::memory_order_acquire)) return;
    if (draining_.exchange(true, std::memory_order_acquire)) return;
    std::vector<FiberRef> batch;
    for (;;) {
      {
        std::lock_guard g(mu_);
        if (ready_.empty()) {
          pending_.store(false, std::memory_order_release);
          break;
        }
        batch.swap(ready_);
      }
      for (auto& f : batch) f->run_slice();
      batch.clear();
    }
    draining_.store(false, std::memory_order_release);
  }

 private:
  void shutdown() override {
    std::lock_guard g(mu_);
    ready_.clear();
  }

  std::mutex mu_;
  std::vector<FiberRef> ready_;        // guarded by mu_
  bool drain_posted_ = false;          // guarded by mu_: a drain handler is queued, not yet run
  std::atomic<bool> pending_{false};   // ready_ may be non-empty (a lock-free check per slice)
  std::atomic<bool> draining_{false};  // a drain is under way (its fibers' slices do not nest one)
};

asio::execution_context::id Fiber::UrgentQueue::id;

struct Fiber::Impl {
  ctx::fiber inside;   // where to resume the fiber
  ctx::fiber outside;  // where the fiber returns to when it parks
  bool finished = false;
  uintptr_t stack_limit = 0;  // the lowest usable address of the fiber's stack
  // A kUrgent resume (counted whether or not HF_URGENT_WAKEUPS is on, for A/B runs): the
  // executor's slice count then, for WaitStats::wake_slices when the fiber runs.
  bool count_wake = false;
  uint64_t woken_at_slice = 0;
#if defined(HF_TSAN)
  void* tsan_fiber = nullptr;
  void* tsan_thread = nullptr;
#endif
};

Fiber::Fiber(asio::io_context& io, std::function<void()> body, size_t stack_bytes)
    : io_(io), urgent_(asio::use_service<UrgentQueue>(io)), impl_(std::make_unique<Impl>()) {
#if defined(HF_TSAN)
  impl_->tsan_fiber = __tsan_create_fiber(0);
#endif
  // The stack is allocated here rather than by ctx::fiber so that its bounds are known:
  // run_slice() tells stack.h's check_stack_depth() where this stack ends.
  ctx::protected_fixedsize_stack salloc(stack_bytes);
  ctx::stack_context sc = salloc.allocate();
  impl_->stack_limit = reinterpret_cast<uintptr_t>(sc.sp) - sc.size +
                       static_cast<uintptr_t>(ctx::stack_traits::page_size());
  detail::clear_stack_shadow(reinterpret_cast<void*>(impl_->stack_limit),
                             reinterpret_cast<uintptr_t>(sc.sp) - impl_->stack_limit);
  impl_->inside = ctx::fiber(std::allocator_arg, ctx::preallocated(sc.sp, sc.size, sc), salloc,
                             [this, body = std::move(body)](ctx::fiber&& outside) mutable {
                               impl_->outside = std::move(outside);
                               try {
                                 body();
                               } catch (const std::exception& e) {
                                 spdlog::error("fiber ended by uncaught exception: {}", e.what());
                               } catch (...) {
                                 spdlog::error("fiber ended by uncaught exception");
                               }
                               impl_->finished = true;
#if defined(HF_TSAN)
                               __tsan_switch_to_fiber(impl_->tsan_thread, 0);
#endif
                               return std::move(impl_->outside);
                             });
}

Fiber::~Fiber() {
#if defined(HF_TSAN)
  if (impl_->tsan_fiber) __tsan_destroy_fiber(impl_->tsan_fiber);
#endif
}

namespace {
// Fibers running or scheduled to run (State kRunning or kScheduled), on every executor.
std::atomic<int> g_ready_fibers{0};
}  // namespace

int Fiber::ready_count() {
  return g_ready_fibers.load(std::memory_order_relaxed);
}

FiberRef Fiber::spawn(asio::io_context& io, std::function<void()> body, size_t stack_bytes) {
  FiberRef f(new Fiber(io, std::move(body), stack_bytes));
  {
    std::lock_guard g(f->mu_);
    f->state_ = State::kScheduled;
    g_ready_fibers.fetch_add(1, std::memory_order_relaxed);
  }
  asio::post(io, [f] { f->run_slice(); });
  return f;
}

Fiber* Fiber::current() {
  return t_current;
}

void Fiber::run_slice() {
  FiberRef keep = shared_from_this();  // the fiber lives at least until it parks again
  {
    std::lock_guard g(mu_);
    state_ = State::kRunning;
    const uint64_t slice = urgent_.slices.fetch_add(1, std::memory_order_relaxed);
    if (impl_->count_wake) {
      impl_->count_wake = false;
      wait_stats().wake_slices.fetch_add(slice - impl_->woken_at_slice, std::memory_order_relaxed);
      wait_stats().wake_slices_n.fetch_add(1, std::memory_order_relaxed);
    }
  }
  Fiber* prev = t_current;
  t_current = this;
  const uintptr_t prev_stack_limit = detail::stack_limit();
  detail::set_stack_limit(impl_->stack_limit);
#if defined(HF_TSAN)
  impl_->tsan_thread = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(impl_->tsan_fiber, 0);
#endif
  impl_->inside = std::move(impl_->inside).resume();
  t_current = prev;
  detail::set_stack_limit(prev_stack_limit);
  {
    std::lock_guard g(mu_);
    if (impl_->finished) {
      state_ = State::kDone;
      g_ready_fibers.fetch_sub(1, std::memory_order_relaxed);
    } else if (permit_) {
      permit_ = false;
      state_ = State::kScheduled;
      asio::post(io_, [keep] { keep->run_slice(); });
    } else {
      state_ = State::kSuspended;
      g_ready_fibers.fetch_sub(1, std::memory_order_relaxed);
    }
  }
  // The executor is between two slices: fibers resumed urgently meanwhile go first.
  urgent_.drain();
}

void Fiber::suspend() {
  {
    std::lock_guard g(mu_);
    if (permit_) {
      permit_ = false;
      return;
    }
  }
#if defined(HF_TSAN)
  __tsan_switch_to_fiber(impl_->tsan_thread, 0);
#endif
  impl_->outside = std::move(impl_->outside).resume();
#if defined(HF_TSAN)
  // Resumed: run_slice switched TSan to this fiber before resuming us.
#endif
}

void Fiber::resume(Priority p) {
  // Here (resume_here.h) only from a handler of this fiber's executor: not from a fiber
  // (slices do not nest), not from another thread (the fiber runs on its executor's thread).
  const bool inline_here = t_resume_here && p == Priority::kNormal && t_current == nullptr &&
                           io_.get_executor().running_in_this_thread();
  FiberRef urgent, here;
  {
    std::lock_guard g(mu_);
    if (state_ == State::kSuspended) {
      state_ = State::kScheduled;
      g_ready_fibers.fetch_add(1, std::memory_order_relaxed);
      FiberRef self = shared_from_this();
      if (p == Priority::kUrgent) {
        impl_->count_wake = true;
        impl_->woken_at_slice = urgent_.slices.load(std::memory_order_relaxed);
      }
      if (p == Priority::kUrgent && urgent_wakeups_on()) {
        urgent = std::move(self);
      } else if (inline_here) {
        here = std::move(self);
      } else {
        asio::post(io_, [self] { self->run_slice(); });
      }
    } else if (state_ != State::kDone) {
      permit_ = true;
    }
  }
  // Outside mu_: the executor's thread may already be draining and take this fiber's mu_;
  // run_slice takes it too.
  if (urgent) urgent_.push(std::move(urgent));
  if (here) {
    t_resume_here = false;  // one per scope: whatever the handler does next is ordinary
    here->run_slice();
  }
}

ResumeHereScope::ResumeHereScope() : outer_(t_resume_here) {
  t_resume_here = resume_here_on();
}

ResumeHereScope::~ResumeHereScope() {
  t_resume_here = outer_;
}

void Fiber::yield() {
  Fiber* f = current();
  if (!f) return;
  // The post runs once this fiber has parked (the executor is one thread), behind everything
  // already queued; its resume() then queues the fiber's next slice.
  FiberRef self = f->shared_from_this();
  asio::post(f->io_, [self] { self->resume(); });
  f->suspend();
}

// ---- Event ----

std::shared_ptr<Event> Event::create() {
  auto ev = std::make_shared<Event>();
  Fiber* f = Fiber::current();
  if (f) ev->fiber_ = f->shared_from_this();
  return ev;
}

bool Event::complete(WakeReason r, Fiber::Priority p) {
  FiberRef f;
  {
    std::lock_guard g(mu_);
    if (done_) return false;
    done_ = true;
    reason_ = r;
    f = fiber_;
  }
  if (f) f->resume(p);
  return true;
}

bool Event::completed() const {
  std::lock_guard g(mu_);
  return done_;
}

WakeReason Event::wait(Deadline deadline) {
  Fiber* f = Fiber::current();
  if (!f) {
    // A plain thread (tests, tools): poll cheaply. Production waits always run in fibers.
    while (!completed()) {
      if (Clock::now() >= deadline) complete(WakeReason::kTimeout);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    std::lock_guard g(mu_);
    return reason_;
  }
  std::unique_ptr<asio::steady_timer> timer;
  if (deadline != Deadline::max()) {
    timer = std::make_unique<asio::steady_timer>(f->io(), deadline);
    std::weak_ptr<Event> weak = shared_from_this();
    timer->async_wait([weak](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto ev = weak.lock()) ev->complete(WakeReason::kTimeout);
    });
  }
  while (!completed()) f->suspend();
  if (timer) timer->cancel();
  std::lock_guard g(mu_);
  return reason_;
}

// ---- FiberMutex ----

void FiberMutex::lock() {
  std::shared_ptr<Event> granted;
  {
    std::lock_guard g(mu_);
    if (!held_) {
      held_ = true;
      return;
    }
    granted = Event::create();
    waiters_.push_back(granted);
  }
  // unlock() completes the event after making this waiter the holder (held_ stays true).
  granted->wait();
}

bool FiberMutex::try_lock() {
  std::lock_guard g(mu_);
  if (held_) return false;
  held_ = true;
  return true;
}

void FiberMutex::unlock() {
  std::shared_ptr<Event> next;
  {
    std::lock_guard g(mu_);
    if (waiters_.empty()) {
      held_ = false;
      return;
    }
    next = std::move(waiters_.front());
    waiters_.pop_front();
  }
  next->complete(WakeReason::kSignalled);
}

// ---- CancelToken ----

void CancelToken::request(Kind k) {
  int expected = kNone;
  if (k == kTerminate) {
    pending_.store(kTerminate, std::memory_order_release);
  } else {
    pending_.compare_exchange_strong(expected, k, std::memory_order_acq_rel);
  }
  std::shared_ptr<Event> ev;
  {
    std::lock_guard g(mu_);
    ev = waiting_;
  }
  if (ev) ev->complete(WakeReason::kCancelled);
}

CancelToken::Kind CancelToken::take() {
  int k = pending_.load(std::memory_order_acquire);
  if (k != kTerminate && k != kNone) pending_.store(kNone, std::memory_order_release);
  return static_cast<Kind>(k);
}

void CancelToken::attach(std::shared_ptr<Event> ev) {
  {
    std::lock_guard g(mu_);
    waiting_ = ev;
  }
  if (pending() != kNone) ev->complete(WakeReason::kCancelled);
}

void CancelToken::detach() {
  std::lock_guard g(mu_);
  waiting_.reset();
}

bool sleep_until(Deadline deadline, CancelToken* cancel) {
  auto ev = Event::create();
  if (cancel) cancel->attach(ev);
  WakeReason r = ev->wait(deadline);
  if (cancel) cancel->detach();
  return r != WakeReason::kCancelled;
}

// ---- blocking pool ----

namespace {
class BlockingPool {
 public:
  explicit BlockingPool(int n) {
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { loop(); });
  }
  ~BlockingPool() {
    {
      std::lock_guard g(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void submit(std::function<void()> fn) {
    {
      std::lock_guard g(mu_);
      q_.push_back(std::move(fn));
    }
    cv_.notify_one();
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock g(mu_);
        cv_.wait(g, [this] { return stop_ || !q_.empty(); });
        if (q_.empty()) return;
        fn = std::move(q_.front());
        q_.pop_front();
      }
      fn();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> q_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};
std::unique_ptr<BlockingPool> g_pool;
std::once_flag g_pool_once;
int g_pool_threads = 32;
BlockingPool& pool() {
  std::call_once(g_pool_once, [] { g_pool = std::make_unique<BlockingPool>(g_pool_threads); });
  return *g_pool;
}
}  // namespace

void run_blocking(const std::function<void()>& fn) {
  if (!Fiber::current()) {
    fn();
    return;
  }
  auto ev = Event::create();
  std::exception_ptr err;
  pool().submit([&] {
    try {
      fn();
    } catch (...) {
      err = std::current_exception();
    }
    ev->complete(WakeReason::kSignalled);
  });
  ev->wait();
  if (err) std::rethrow_exception(err);
}

// ---- Runtime ----

Runtime::Runtime(int threads, int blocking_threads) {
  g_pool_threads = blocking_threads;
  for (int i = 0; i < threads; ++i) {
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    guards_.push_back(std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
        contexts_.back()->get_executor()));
  }
  g_runtime = this;
}

Runtime::~Runtime() {
  stop();
  if (g_runtime == this) g_runtime = nullptr;
}

Runtime* Runtime::instance() {
  return g_runtime;
}

asio::io_context& Runtime::next_context() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void Runtime::start() {
  for (auto& c : contexts_) {
    threads_.emplace_back([c = c.get()] { c->run(); });
  }
}

void Runtime::stop() {
  guards_.clear();
  for (auto& c : contexts_) c->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace hf::runtime
