#include "runtime/fiber.h"
#include "runtime/resume_here.h"

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/post.hpp>

namespace hf::runtime {
namespace {

TEST(Fiber, SuspendResumeFromOtherThread) {
  asio::io_context io;
  std::atomic<int> step{0};
  FiberRef f = Fiber::spawn(io, [&] {
    step = 1;
    Fiber::current()->suspend();
    step = 2;
  });
  io.run_one();  // runs until the fiber parks
  EXPECT_EQ(step.load(), 1);
  std::thread t([&] { f->resume(); });
  t.join();
  io.restart();
  io.run();
  EXPECT_EQ(step.load(), 2);
}

TEST(Fiber, ResumeBeforeSuspendIsNotLost) {
  asio::io_context io;
  bool done = false;
  Fiber::spawn(io, [&] {
    Fiber::current()->resume();   // permit
    Fiber::current()->suspend();  // consumes it, does not park
    done = true;
  });
  io.run();
  EXPECT_TRUE(done);
}

TEST(Fiber, YieldLetsTheOtherFibersOfTheThreadRun) {
  asio::io_context io;
  std::string order;
  auto body = [&](char name) {
    return [&order, name] {
      for (int i = 0; i < 3; ++i) {
        order += name;
        Fiber::yield();
      }
    };
  };
  Fiber::spawn(io, body('a'));
  Fiber::spawn(io, body('b'));
  io.run();
  EXPECT_EQ(order, "ababab") << "without the yield one fiber would run its whole loop first";
  Fiber::yield();  // outside a fiber: nothing happens
}

// ready_count() counts fibers running or scheduled, not parked ones (a commit uses it to
// decide whether blocking its thread for an fsync would hold anyone up).
// The commit path's wake-up (partition::DirectLog): a fiber resumed with kUrgent by another
// thread while a slice runs goes next, ahead of the fibers resumed before it.
TEST(Fiber, AnUrgentResumeRunsAheadOfFibersQueuedEarlier) {
  asio::io_context io;
  std::vector<std::string> order;
  auto parked = [&](std::string name) {
    return Fiber::spawn(io, [&order, name] {
      Fiber::current()->suspend();
      order.push_back(name);
    });
  };
  FiberRef a = parked("a"), b = parked("b"), urgent = parked("urgent");
  io.poll();  // all three park
  Fiber::spawn(io, [&] {
    a->resume();
    b->resume();
    std::thread([&] { urgent->resume(Fiber::Priority::kUrgent); }).join();
    order.push_back("running");
  });
  io.restart();
  io.run();
  EXPECT_EQ(order, (std::vector<std::string>{"running", "urgent", "a", "b"}));
}

// With no slice running (an idle executor) an urgent resume still gets its fiber run, and a
// fiber resumed urgently again after it parked runs again.
TEST(Fiber, AnUrgentResumeWakesAnIdleExecutor) {
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  std::atomic<int> slices{0};
  FiberRef f = Fiber::spawn(io, [&] {
    for (int i = 0; i < 3; ++i) {
      Fiber::current()->suspend();
      ++slices;
    }
  });
  std::thread runner([&] { io.run(); });
  for (int i = 1; i <= 3; ++i) {
    while (Fiber::ready_count() != 0) std::this_thread::yield();  // parked again
    f->resume(Fiber::Priority::kUrgent);
    while (slices.load() < i) std::this_thread::yield();
  }
  guard.reset();
  runner.join();
  EXPECT_EQ(slices.load(), 3);
}

// A socket read's completion (wire/connection.cc) resumes its fiber under a ResumeHereScope:
// the slice runs inside that handler, so the executor does not go back to its reactor (an
// epoll_wait) between the completion and the fiber. Counted in handlers: one does both.
TEST(Fiber, AResumeUnderResumeHereScopeRunsTheSliceInsideTheHandler) {
  asio::io_context io;
  int slices = 0;
  FiberRef f = Fiber::spawn(io, [&] {
    for (int i = 0; i < 3; ++i) {
      Fiber::current()->suspend();
      ++slices;
    }
  });
  io.poll();  // parks
  int seen_after_resume = -1;
  asio::post(io, [&] {
    ResumeHereScope here;
    f->resume();
    seen_after_resume = slices;
  });
  io.restart();
  EXPECT_EQ(io.poll_one(), 1u);
  EXPECT_EQ(seen_after_resume, 1) << "the slice ran within resume()";
  EXPECT_EQ(io.poll(), 0u) << "nothing was queued for it";
  EXPECT_EQ(Fiber::ready_count(), 0);

  // Outside a handler of its executor it is a normal resume: from another thread ...
  std::thread([&] {
    ResumeHereScope here;
    f->resume();
  }).join();
  EXPECT_EQ(slices, 1);
  io.restart();
  io.poll();
  EXPECT_EQ(slices, 2);
  // ... and from another fiber of the same executor (slices do not nest).
  int seen_in_other = -1;
  Fiber::spawn(io, [&] {
    ResumeHereScope here;
    f->resume();
    seen_in_other = slices;
  });
  io.restart();
  io.poll();
  EXPECT_EQ(seen_in_other, 2);
  EXPECT_EQ(slices, 3);
}

TEST(Fiber, ReadyCountLeavesOutParkedFibers) {
  asio::io_context io;
  const int base = Fiber::ready_count();
  int seen_alone = -1, seen_with_other = -1;
  FiberRef parked = Fiber::spawn(io, [] { Fiber::current()->suspend(); });
  EXPECT_EQ(Fiber::ready_count(), base + 1) << "scheduled counts";
  io.run_one();  // parks
  EXPECT_EQ(Fiber::ready_count(), base);
  Fiber::spawn(io, [&] {
    seen_alone = Fiber::ready_count();
    parked->resume();  // now scheduled
    seen_with_other = Fiber::ready_count();
  });
  io.restart();
  io.run();
  EXPECT_EQ(seen_alone, base + 1) << "only the running fiber";
  EXPECT_EQ(seen_with_other, base + 2);
  EXPECT_EQ(Fiber::ready_count(), base) << "finished fibers leave the count";
}

TEST(Event, TimeoutAndSignal) {
  asio::io_context io;
  WakeReason r1{}, r2{};
  std::shared_ptr<Event> ev2;
  Fiber::spawn(io, [&] {
    auto ev = Event::create();
    r1 = ev->wait(Clock::now() + std::chrono::milliseconds(5));
    ev2 = Event::create();
    r2 = ev2->wait(Clock::now() + std::chrono::seconds(30));
  });
  io.run_one();
  while (!ev2) io.run_one();
  EXPECT_EQ(r1, WakeReason::kTimeout);
  EXPECT_TRUE(ev2->complete(WakeReason::kSignalled));
  EXPECT_FALSE(ev2->complete(WakeReason::kTimeout));  // first completion wins
  io.run();
  EXPECT_EQ(r2, WakeReason::kSignalled);
}

TEST(CancelToken, CancelEndsWaitAtOnce) {
  asio::io_context io;
  CancelToken tok;
  bool slept = true;
  Fiber::spawn(io, [&] { slept = sleep_until(Clock::now() + std::chrono::hours(1), &tok); });
  io.run_one();
  tok.request(CancelToken::kUserRequest);
  io.run();
  EXPECT_FALSE(slept);
  EXPECT_EQ(tok.take(), CancelToken::kUserRequest);
  EXPECT_EQ(tok.pending(), CancelToken::kNone);
}

TEST(RunBlocking, ParksFiberWhileThreadWorks) {
  asio::io_context io;
  std::thread::id worker, fiber_thread;
  auto guard = asio::make_work_guard(io);
  Fiber::spawn(io, [&] {
    fiber_thread = std::this_thread::get_id();
    run_blocking([&] { worker = std::this_thread::get_id(); });
    guard.reset();
  });
  io.run();
  EXPECT_NE(worker, fiber_thread);
}

// The catalog holds its DDL mutex across a commit, and a commit parks the fiber until the
// fsync is done. Another fiber of the same thread that then wants the mutex must park too:
// blocking the thread (a std::mutex) would keep the holder from ever running again, and every
// session of that thread would hang (pg-regress hung this way in CREATE TABLE).
TEST(FiberMutex, AContendedLockParksTheFiberSoTheHolderOnTheSameThreadCanFinish) {
  asio::io_context io;
  FiberMutex m;
  std::string order;
  Fiber::spawn(io, [&] {
    std::lock_guard g(m);
    order += "A";
    sleep_until(Clock::now() + std::chrono::milliseconds(20));  // parks while holding m
    order += "a";
  });
  auto waiter = [&](char name) {
    return [&, name] {
      std::lock_guard g(m);
      order += name;
      Fiber::yield();  // while it holds m the next waiter stays parked
      order += static_cast<char>(name + ('a' - 'A'));
    };
  };
  Fiber::spawn(io, waiter('B'));
  Fiber::spawn(io, waiter('C'));
  io.run_for(std::chrono::seconds(10));
  EXPECT_EQ(order, "AaBbCc") << "each holder finishes before the next, in arrival order";
  EXPECT_TRUE(m.try_lock()) << "the last unlock leaves it free";
  EXPECT_FALSE(m.try_lock());
  m.unlock();
}

TEST(FiberMutex, APlainThreadWaitsForAFiberThatHoldsIt) {
  asio::io_context io;
  FiberMutex m;
  std::atomic<bool> locked{false};
  std::atomic<int> value{0};
  auto guard = asio::make_work_guard(io);
  Fiber::spawn(io, [&] {
    m.lock();
    locked = true;
    sleep_until(Clock::now() + std::chrono::milliseconds(20));
    value = 1;
    m.unlock();
    guard.reset();
  });
  std::thread runner([&] { io.run(); });
  while (!locked) std::this_thread::yield();
  m.lock();
  EXPECT_EQ(value.load(), 1) << "the thread got the mutex only after the fiber released it";
  m.unlock();
  runner.join();
}

}  // namespace
}  // namespace hf::runtime
