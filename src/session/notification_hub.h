// session/notification_hub.h — LISTEN / NOTIFY between sessions: who listens on which channel,
// and the delivery of committed notifications to them in commit order.
//
// Owns: the registry of listening sessions (one NotificationListener each) and their channels,
// and the notifications of transactions that committed but may not be delivered yet because an
// earlier commit is still on its way. A session keeps its own transaction's pending NOTIFYs and
// LISTEN/UNLISTEN actions (session.cc) and hands them here only when that transaction commits,
// so a rolled-back transaction never reaches the hub.
//
// Commit order. A committing session with notifications to send calls begin_commit() BEFORE it
// commits its transaction (a ticket: "a commit with notifications is in flight"), then
// publish(ticket, commit_ts, ...) after the commit, or abandon(ticket) when the commit failed.
// commit_ts is the timestamp the coordinator assigned (coord::Transaction::commit_timestamp);
// a transaction that wrote nothing has none and publishes with the published timestamp read
// after its commit (coord::TxnManager::published). Batches are delivered in (commit_ts, ticket)
// order: a published batch B waits while any ticket taken before B was published is still in
// flight, since such a commit may have been given a smaller timestamp than B's; a ticket taken
// after B was published commits later, so its timestamp is larger (the oracle is monotonic)
// and it cannot hold B back. Every listener thus sees one global order, the commit order.
//
// Delivery. Each notification goes to every listener subscribed to its channel at the moment
// its batch is delivered (the sender too, if it listens: PostgreSQL's self-notification). The
// listener's deliver() is called with the hub's mutex held, so it must be quick and must not
// call back into the hub: the session appends to its mailbox and wakes its connection (the
// wire layer writes NotificationResponse when the session is idle, or before the next
// ReadyForQuery outside a transaction block, as PostgreSQL does).
//
// Several nodes (not built yet): the interface stays. A cluster hub would write each batch
// with its transaction (a row of a system keyspace keyed by commit_ts, part of the same atomic
// commit), and every node would tail those rows in commit_ts order, delivering a batch to its
// local listeners once the node's resolved timestamp (every commit at or below it is known)
// has passed the batch's timestamp — the role begin_commit()'s tickets play on one node. The
// channel registry stays node-local: a node delivers only to its own sessions.
//
// Thread safety: every method is thread-safe and never suspends.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hf::session {

struct Notification {
  std::string channel;
  std::string payload;
  int32_t sender_pid = 0;
};

// A session's mailbox, as the hub sees it.
class NotificationListener {
 public:
  virtual ~NotificationListener() = default;
  // Called with the hub's mutex held, from the publishing session's thread.
  virtual void deliver(const Notification& n) = 0;
};

class NotificationHub {
 public:
  using Ticket = uint64_t;
  virtual ~NotificationHub() = default;

  // LISTEN / UNLISTEN, as their transaction commits. Listening twice is listening once.
  virtual void listen(NotificationListener* listener, const std::string& channel) = 0;
  virtual void unlisten(NotificationListener* listener, const std::string& channel) = 0;
  // UNLISTEN * and the session's end: after it returns, deliver() is never called again for
  // this listener (so the listener may be destroyed).
  virtual void unlisten_all(NotificationListener* listener) = 0;

  // See "Commit order" above.
  virtual Ticket begin_commit() = 0;
  virtual void abandon(Ticket ticket) = 0;
  virtual void publish(Ticket ticket, uint64_t commit_ts, std::vector<Notification> batch) = 0;
};

// The hub of one node.
std::unique_ptr<NotificationHub> make_local_notification_hub();

}  // namespace hf::session
