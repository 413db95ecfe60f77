// session/listen_notify_test.cc — one session's LISTEN/NOTIFY state over the local hub:
// delivery only at commit, folding of duplicates, savepoints, LISTEN at commit, errors.
#include "session/listen_notify.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.h"

namespace hf::session {
namespace {

std::vector<std::string> texts(const std::vector<Notification>& ns) {
  std::vector<std::string> out;
  for (const auto& n : ns)
    out.push_back(n.channel + ":" + n.payload + ":" + std::to_string(n.sender_pid));
  return out;
}

void commit(SessionNotifications& s, uint64_t ts) {
  s.begin_commit();
  s.committed(ts);
}

TEST(SessionNotifications, DeliveredOnlyWhenTheTransactionCommits) {
  auto hub = make_local_notification_hub();
  SessionNotifications listener(*hub, 1), sender(*hub, 2);
  listener.listen("c");
  commit(listener, 1);
  sender.notify("c", "a");
  EXPECT_TRUE(listener.take_delivered().empty());
  sender.aborted();  // ROLLBACK
  commit(sender, 2);
  EXPECT_TRUE(listener.take_delivered().empty());
  sender.notify("c", "b");
  commit(sender, 3);
  EXPECT_EQ(texts(listener.take_delivered()), (std::vector<std::string>{"c:b:2"}));
}

TEST(SessionNotifications, DuplicatesInOneTransactionAreFolded) {
  auto hub = make_local_notification_hub();
  SessionNotifications listener(*hub, 1), sender(*hub, 2);
  listener.listen("c");
  listener.listen("d");
  commit(listener, 1);
  sender.notify("c", "x");
  sender.notify("d", "x");
  sender.notify("c", "y");
  sender.notify("c", "x");
  sender.notify("c", "");
  sender.notify("c", "");
  commit(sender, 2);
  EXPECT_EQ(texts(listener.take_delivered()),
            (std::vector<std::string>{"c:x:2", "d:x:2", "c:y:2", "c::2"}));
  sender.notify("c", "x");  // a new transaction: not a duplicate any more
  commit(sender, 3);
  EXPECT_EQ(texts(listener.take_delivered()), (std::vector<std::string>{"c:x:2"}));
}

TEST(SessionNotifications, RollbackToASavepointForgetsWhatCameAfter) {
  auto hub = make_local_notification_hub();
  SessionNotifications s(*hub, 7);
  s.notify("c", "before");
  auto mark = s.mark();
  s.listen("c");
  s.notify("c", "after");
  s.notify("c", "before");  // folded: still queued from before the savepoint
  s.rollback_to(mark);
  s.notify("c", "again");
  commit(s, 1);
  EXPECT_TRUE(s.channels().empty()) << "the LISTEN was rolled back";
  EXPECT_TRUE(s.take_delivered().empty());
}

TEST(SessionNotifications, ListenTakesEffectAtCommitAndHearsItself) {
  auto hub = make_local_notification_hub();
  SessionNotifications s(*hub, 7);
  s.listen("c");
  EXPECT_TRUE(s.channels().empty());
  s.notify("c", "self");
  commit(s, 1);
  EXPECT_EQ(s.channels(), (std::vector<std::string>{"c"}));
  EXPECT_EQ(texts(s.take_delivered()), (std::vector<std::string>{"c:self:7"}));
}

TEST(SessionNotifications, UnlistenAndUnlistenAll) {
  auto hub = make_local_notification_hub();
  SessionNotifications s(*hub, 7), sender(*hub, 8);
  s.listen("a");
  s.listen("b");
  s.listen("a");
  s.listen("c");
  commit(s, 1);
  EXPECT_EQ(s.channels(), (std::vector<std::string>{"a", "b", "c"}));
  s.unlisten("b");
  commit(s, 2);
  EXPECT_EQ(s.channels(), (std::vector<std::string>{"a", "c"}));
  sender.notify("b", "");
  sender.notify("c", "");
  commit(sender, 3);
  EXPECT_EQ(texts(s.take_delivered()), (std::vector<std::string>{"c::8"}));
  s.unlisten("");  // UNLISTEN *
  s.listen("d");   // after it, in the same transaction
  commit(s, 4);
  EXPECT_EQ(s.channels(), (std::vector<std::string>{"d"}));
}

TEST(SessionNotifications, ChecksChannelAndPayload) {
  auto hub = make_local_notification_hub();
  SessionNotifications s(*hub, 7);
  auto message = [&](const std::string& channel, const std::string& payload) {
    try {
      s.notify(channel, payload);
    } catch (const SqlError& e) {
      return e.error().sqlstate + " " + e.error().message;
    }
    return std::string("ok");
  };
  EXPECT_EQ(message("", "x"), "22023 channel name cannot be empty");
  EXPECT_EQ(message(std::string(64, 'c'), "x"), "22023 channel name too long");
  EXPECT_EQ(message(std::string(63, 'c'), "x"), "ok");
  EXPECT_EQ(message("c", std::string(8000, 'p')), "22023 payload string too long");
  EXPECT_EQ(message("c", std::string(7999, 'p')), "ok");
}

TEST(SessionNotifications, WakesOnTheFirstNotificationInAnEmptyMailbox) {
  auto hub = make_local_notification_hub();
  SessionNotifications s(*hub, 7), sender(*hub, 8);
  int wakes = 0;
  s.set_wakeup([&] { ++wakes; });
  s.listen("c");
  commit(s, 1);
  sender.notify("c", "1");
  sender.notify("c", "2");
  commit(sender, 2);
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(s.take_delivered().size(), 2u);
  sender.notify("c", "3");
  commit(sender, 3);
  EXPECT_EQ(wakes, 2);
}

}  // namespace
}  // namespace hf::session
