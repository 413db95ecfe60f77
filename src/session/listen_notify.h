// session/listen_notify.h — one session's side of LISTEN / NOTIFY / UNLISTEN: what its open
// transaction queued, the channels it listens on, and the notifications delivered to it that
// the client has not been sent yet.
//
// Promises (PostgreSQL 15's async.c, as a client sees it):
//  - NOTIFY / pg_notify queue a notification for the transaction's commit; a rollback (or a
//    ROLLBACK TO a savepoint taken before) discards it. Within one transaction a notification
//    equal to one already queued (same channel and payload) is dropped; the others keep the
//    order of their first occurrence.
//  - LISTEN / UNLISTEN / UNLISTEN * take effect when their transaction commits, in the order
//    they ran; pg_listening_channels() shows the committed state.
//  - Checks, with PostgreSQL's SQLSTATE and words: an empty channel (22023 "channel name
//    cannot be empty"), a channel of 64 bytes or more (22023 "channel name too long"), a
//    payload of 8000 bytes or more (22023 "payload string too long").
//  - At commit: begin_commit() before the transaction commits (it takes the hub's ticket when
//    something is to be sent), then committed(commit_ts) after, or aborted() when it did not
//    commit. The session's LISTEN changes are applied before its notifications are published,
//    so a session that listens and notifies in one transaction hears itself.
//
// Thread safety: owned by the session and used from its fiber, except deliver() (the hub, any
// thread), take_delivered() and set_wakeup(), which lock the mailbox.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "session/notification_hub.h"

namespace hf::session {

class SessionNotifications final : public NotificationListener {
 public:
  SessionNotifications(NotificationHub& hub, int32_t pid) : hub_(hub), pid_(pid) {}
  ~SessionNotifications() override;
  SessionNotifications(const SessionNotifications&) = delete;
  SessionNotifications& operator=(const SessionNotifications&) = delete;

  // Statements of the open transaction. channel "" in unlisten(): UNLISTEN *.
  void listen(const std::string& channel);
  void unlisten(const std::string& channel);
  void notify(const std::string& channel, const std::string& payload);  // throws 22023

  // Savepoints: what was queued when it was taken; rollback_to() forgets what came after.
  struct Mark {
    size_t notifies = 0;
    size_t actions = 0;
  };
  Mark mark() const { return Mark{notifies_.size(), actions_.size()}; }
  void rollback_to(Mark m);

  // The transaction's end (see the top of this file).
  void begin_commit();
  void committed(uint64_t commit_ts);
  void aborted();
  bool has_pending() const { return !notifies_.empty() || !actions_.empty(); }

  // The committed LISTENs, in the order they were made.
  const std::vector<std::string>& channels() const { return channels_; }

  // The mailbox. deliver() wakes the session through the function given to set_wakeup().
  void deliver(const Notification& n) override;
  std::vector<Notification> take_delivered();
  void set_wakeup(std::function<void()> wake);

 private:
  enum class Action { kListen, kUnlisten, kUnlistenAll };

  NotificationHub& hub_;
  const int32_t pid_;
  std::vector<Notification> notifies_;                  // queued by the open transaction
  std::set<std::pair<std::string, std::string>> seen_;  // (channel, payload) of notifies_
  std::vector<std::pair<Action, std::string>> actions_;
  std::optional<NotificationHub::Ticket> ticket_;  // between begin_commit() and its end
  std::vector<std::string> channels_;

  std::mutex mailbox_mu_;
  std::deque<Notification> mailbox_;
  std::function<void()> wake_;
};

}  // namespace hf::session
