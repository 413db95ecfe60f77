// runtime/stack.h — how much stack the calling code has left, and running code on a bigger one.
//
// Sessions run on fibers with small stacks (fiber.h); recursive code — the binder and the
// expression evaluator over a deeply nested expression, libpg_query turning a parse tree into
// protobuf — must stop with an error before it reaches the stack's guard page, as PostgreSQL's
// check_stack_depth() does, instead of faulting and taking every session down.
//
// Contract:
//  - stack_left(): bytes between the caller's frame and the lowest usable byte of the stack it
//    runs on: a fiber's, a run_with_stack() stack's, or a plain thread's (as pthread reports
//    it). Per thread; a fiber switch switches it.
//  - check_stack_depth(): throws SqlError 54001 "stack depth limit exceeded" when less than
//    kStackReserve is left. Recursive functions call it on entry; kStackReserve is what the
//    deepest non-recursive call below such a check may use (a storage read, a regex, a
//    sanitizer's report).
//  - run_with_stack(bytes, fn): calls fn on the current stack when `bytes` plus the reserve are
//    left there, else on a stack of its own of at least `bytes` (mmap'd with a guard page and
//    MAP_NORESERVE, so only the pages fn touches cost memory; unmapped on return), and returns
//    when fn returns; an exception fn throws propagates. Throws SqlError 53200 when the stack
//    cannot be mapped. fn must not suspend the calling fiber (fiber.h): it would park on a
//    stack that is freed when run_with_stack returns.
// Thread safety: thread-local state only. Never suspends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace hf::runtime {

#if defined(HF_ASAN) || defined(HF_TSAN)
// Sanitizers make frames several times larger and their reports need stack of their own.
inline constexpr size_t kStackReserve = 320 * 1024;
#else
inline constexpr size_t kStackReserve = 160 * 1024;
#endif

size_t stack_left();
void check_stack_depth();
void run_with_stack(size_t bytes, const std::function<void()>& fn);

namespace detail {
// AddressSanitizer keeps the poison of a stack frame's redzones in its shadow memory after the
// stack is unmapped; a new stack mapped at the same addresses starts with that stale poison,
// and a frame of the new stack's code that ASan does not re-poison reads as an error. A new
// stack clears its shadow (no-op without ASan).
void clear_stack_shadow(void* lowest, size_t bytes);
// The lowest usable address of the stack the calling thread runs on now (0: not known yet,
// computed from pthread on first use). Fiber and run_with_stack set it when they switch.
uintptr_t stack_limit();
void set_stack_limit(uintptr_t lowest);
}  // namespace detail

}  // namespace hf::runtime
