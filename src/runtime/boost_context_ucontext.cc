// runtime/boost_context_ucontext.cc — the one piece of Boost.Context's ucontext backend
// that is not header-only.
//
// Debian builds libboost_context for the fcontext (assembly) backend only. holdfast's ASan
// builds use the ucontext backend (BOOST_USE_UCONTEXT, set in CMakeLists.txt) because it is
// the one that reports stack switches to AddressSanitizer; other builds use fcontext and
// compile nothing here. That backend keeps, per thread, a pointer
// to the activation record currently running, starting with a record that stands for the
// thread's own stack; this is that accessor.
#if defined(BOOST_USE_UCONTEXT)
#include <boost/context/fiber.hpp>

namespace boost::context::detail {

fiber_activation_record*& fiber_activation_record::current() noexcept {
  thread_local fiber_activation_record thread_record;  // main_ctx == true: the thread stack
  thread_local fiber_activation_record* running = &thread_record;
  return running;
}

}  // namespace boost::context::detail

#endif  // BOOST_USE_UCONTEXT
