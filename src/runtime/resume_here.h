// runtime/resume_here.h — an I/O completion that runs the fiber it wakes inside itself.
//
// A fiber resumed from a handler normally gets its next slice queued on its executor, behind
// the reactor's next poll: Asio's scheduler runs its reactor (an epoll_wait, without a wait
// when handlers are queued) between the completion and the slice. For a socket read that
// poll is wasted work (measured, issue 8: one epoll_wait per statement under the Temporal
// workload). While a ResumeHereScope lives on a handler's stack, the first Fiber::resume()
// it makes of a fiber of the executor running that handler, from outside any fiber, runs the
// fiber's slice right there, inside the call; every other resume is the ordinary one.
// HF_RESUME_HERE=0 in the environment turns the scope off (for A/B runs).
//
// REQUIRES of the handler: it holds no lock the fiber may take and touches nothing after the
// resume that the slice may free (the slice may end the fiber and its connection).
// Thread safety: the scope is thread-local state of the calling thread.
#pragma once

namespace hf::runtime {

class ResumeHereScope {
 public:
  ResumeHereScope();
  ~ResumeHereScope();
  ResumeHereScope(const ResumeHereScope&) = delete;
  ResumeHereScope& operator=(const ResumeHereScope&) = delete;

 private:
  bool outer_;  // a scope of an enclosing call (restored on exit)
};

}  // namespace hf::runtime
