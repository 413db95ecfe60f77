// runtime/stack.cc — see stack.h for the contract.
#include "runtime/stack.h"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <exception>

#include <boost/context/fiber.hpp>

#include "common/error.h"

#if defined(HF_ASAN)
#include <sanitizer/asan_interface.h>
#endif

#if defined(HF_TSAN)
#include <sanitizer/tsan_interface.h>  // the fiber API: __tsan_create_fiber, ...
#endif

namespace hf::runtime {

namespace ctx = boost::context;

namespace {

thread_local uintptr_t t_stack_limit = 0;

uintptr_t frame_address() {
  return reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
}

// The calling thread's own stack, as pthread knows it (the main thread's from its rlimit).
uintptr_t thread_stack_limit() {
  pthread_attr_t attr;
  void* addr = nullptr;
  size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
  }
  // A guard page sits at the lowest address; without an answer, assume 1 MiB below here.
  if (addr == nullptr) return frame_address() - (1u << 20);
  return reinterpret_cast<uintptr_t>(addr) + static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
}

// A stack for run_with_stack: reserved, not committed (MAP_NORESERVE), a guard page below.
struct NoReserveStack {
  size_t bytes;
  ctx::stack_context allocate() {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t size = ((bytes + page - 1) / page + 1) * page;
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw SqlError(sqlstate::kOutOfMemory, "out of memory");
    mprotect(p, page, PROT_NONE);
    detail::clear_stack_shadow(static_cast<char*>(p) + page, size - page);
    ctx::stack_context sc;
    sc.size = size;
    sc.sp = static_cast<char*>(p) + size;
    return sc;
  }
  void deallocate(ctx::stack_context& sc) noexcept {
    munmap(static_cast<char*>(sc.sp) - sc.size, sc.size);
  }
};

}  // namespace

namespace detail {
void clear_stack_shadow(void* lowest, size_t bytes) {
#if defined(HF_ASAN)
  ASAN_UNPOISON_MEMORY_REGION(lowest, bytes);
#else
  (void)lowest;
  (void)bytes;
#endif
}
uintptr_t stack_limit() {
  if (t_stack_limit == 0) t_stack_limit = thread_stack_limit();
  return t_stack_limit;
}
void set_stack_limit(uintptr_t lowest) {
  t_stack_limit = lowest;
}
}  // namespace detail

size_t stack_left() {
  uintptr_t here = frame_address(), limit = detail::stack_limit();
  return here > limit ? here - limit : 0;
}

void check_stack_depth() {
  if (stack_left() >= kStackReserve) return;
  throw SqlError(sqlstate::kStatementTooComplex, "stack depth limit exceeded");
}

void run_with_stack(size_t bytes, const std::function<void()>& fn) {
  if (stack_left() >= bytes + kStackReserve) {
    fn();
    return;
  }
  NoReserveStack alloc{bytes + kStackReserve};
  ctx::stack_context sc = alloc.allocate();
  const uintptr_t lowest =
      reinterpret_cast<uintptr_t>(sc.sp) - sc.size + static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t saved = detail::stack_limit();
  std::exception_ptr err;
#if defined(HF_TSAN)
  void* tsan_caller = __tsan_get_current_fiber();
  void* tsan_fiber = __tsan_create_fiber(0);
#endif
  ctx::fiber f(std::allocator_arg, ctx::preallocated(sc.sp, sc.size, sc), alloc,
               [&](ctx::fiber&& caller) {
                 detail::set_stack_limit(lowest);
                 try {
                   fn();
                 } catch (...) {
                   err = std::current_exception();
                 }
                 detail::set_stack_limit(saved);
#if defined(HF_TSAN)
                 __tsan_switch_to_fiber(tsan_caller, 0);
#endif
                 return std::move(caller);
               });
#if defined(HF_TSAN)
  __tsan_switch_to_fiber(tsan_fiber, 0);
#endif
  std::move(f).resume();
#if defined(HF_TSAN)
  __tsan_destroy_fiber(tsan_fiber);
#endif
  detail::set_stack_limit(saved);
  if (err) std::rethrow_exception(err);
}

}  // namespace hf::runtime
