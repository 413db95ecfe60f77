#include "runtime/stack.h"

#include <cstring>

#include <gtest/gtest.h>

#include "common/error.h"
#include "runtime/fiber.h"

namespace hf::runtime {
namespace {

// Recurses `depth` times with a 1 KiB frame; with `check`, calls check_stack_depth() first.
// noinline and the buffer's use keep the compiler from flattening the recursion.
__attribute__((noinline)) int recurse(int depth, bool check) {
  if (check) check_stack_depth();
  volatile char frame[1024];
  memset(const_cast<char*>(frame), depth & 0xff, sizeof frame);
  if (depth == 0) return frame[7];
  return recurse(depth - 1, check) + frame[depth % sizeof frame];
}

TEST(Stack, LeftShrinksAsFramesGrow) {
  size_t outer = stack_left();
  size_t inner = 0;
  auto probe = [&] {
    volatile char pad[4096];
    pad[0] = 1;
    inner = stack_left() + pad[0] - 1;
  };
  probe();
  EXPECT_GT(outer, 0u);
  EXPECT_LT(inner, outer);
}

// A recursion deeper than a fiber's stack ends with 54001, not a fault on the guard page.
TEST(Stack, CheckStackDepthStopsBeforeTheGuardPage) {
  asio::io_context io;
  std::string state;
  bool returned = false;
  Fiber::spawn(
      io,
      [&] {
        try {
          recurse(100000, true);
          returned = true;
        } catch (const SqlError& e) {
          state = e.error().sqlstate;
          EXPECT_EQ(e.error().message, "stack depth limit exceeded");
        }
      },
      1 << 20);
  io.run();
  EXPECT_FALSE(returned);
  EXPECT_EQ(state, "54001");
}

// A fiber's stack is 1 MiB here; run_with_stack gives the recursion the 8 MiB it needs.
TEST(Stack, RunWithStackGivesDeepCodeABiggerStack) {
  asio::io_context io;
  bool done = false;
  size_t left_inside = 0;
  Fiber::spawn(
      io,
      [&] {
        run_with_stack(8u << 20, [&] {
          left_inside = stack_left();
          recurse(4000, false);  // ~4 MiB (more under sanitizers): would fault on the fiber
        });
        // The fiber's own bounds are back.
        EXPECT_LT(stack_left(), 1u << 20);
        done = true;
      },
      1 << 20);
  io.run();
  EXPECT_TRUE(done);
  EXPECT_GE(left_inside, 8u << 20);
}

TEST(Stack, RunWithStackPropagatesExceptionsAndRunsInPlaceWhenThereIsRoom) {
  EXPECT_THROW(run_with_stack(16u << 20, [] { throw SqlError(sqlstate::kDivisionByZero, "x"); }),
               SqlError);
  const size_t before = stack_left();
  size_t inside = 0;
  run_with_stack(4096, [&] { inside = stack_left(); });
  EXPECT_LE(inside, before);          // the same stack, a few frames deeper
  EXPECT_GT(inside, before - 65536);  // not a new one
}

}  // namespace
}  // namespace hf::runtime
