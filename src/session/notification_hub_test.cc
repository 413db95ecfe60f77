// session/notification_hub_test.cc — the node-local hub: commit order, delivery only of
// published batches, listen/unlisten.
#include "session/notification_hub.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hf::session {
namespace {

struct Mailbox : NotificationListener {
  std::vector<std::string> got;  // "channel:payload:pid"
  void deliver(const Notification& n) override {
    got.push_back(n.channel + ":" + n.payload + ":" + std::to_string(n.sender_pid));
  }
};

std::vector<Notification> one(const std::string& channel, const std::string& payload,
                              int32_t pid = 1) {
  return {Notification{channel, payload, pid}};
}

TEST(NotificationHub, DeliversToListenersOfTheChannelOnly) {
  auto hub = make_local_notification_hub();
  Mailbox a, b;
  hub->listen(&a, "c1");
  hub->listen(&a, "c1");  // twice is once
  hub->listen(&b, "c2");
  hub->publish(hub->begin_commit(), 10, one("c1", "x"));
  EXPECT_EQ(a.got, (std::vector<std::string>{"c1:x:1"}));
  EXPECT_TRUE(b.got.empty());
}

TEST(NotificationHub, AnAbandonedCommitDeliversNothing) {
  auto hub = make_local_notification_hub();
  Mailbox a;
  hub->listen(&a, "c");
  auto t = hub->begin_commit();
  hub->abandon(t);
  EXPECT_TRUE(a.got.empty());
}

TEST(NotificationHub, ALaterTimestampWaitsForAnEarlierCommitInFlight) {
  auto hub = make_local_notification_hub();
  Mailbox a;
  hub->listen(&a, "c");
  auto t1 = hub->begin_commit();
  auto t2 = hub->begin_commit();
  hub->publish(t2, 20, one("c", "second"));
  EXPECT_TRUE(a.got.empty()) << "t1 may still commit below 20";
  hub->publish(t1, 15, one("c", "first"));
  EXPECT_EQ(a.got, (std::vector<std::string>{"c:first:1", "c:second:1"}));
}

TEST(NotificationHub, OrdersByCommitTimestampNotByTicket) {
  auto hub = make_local_notification_hub();
  Mailbox a;
  hub->listen(&a, "c");
  auto t1 = hub->begin_commit();
  auto t2 = hub->begin_commit();
  hub->publish(t1, 30, one("c", "late"));  // waits: t2 was taken before and is in flight
  EXPECT_TRUE(a.got.empty());
  hub->publish(t2, 25, one("c", "early"));
  EXPECT_EQ(a.got, (std::vector<std::string>{"c:early:1", "c:late:1"}));
}

TEST(NotificationHub, ATicketTakenAfterPublishingDoesNotHoldBack) {
  auto hub = make_local_notification_hub();
  Mailbox a;
  hub->listen(&a, "c");
  auto t1 = hub->begin_commit();
  auto t2 = hub->begin_commit();
  hub->publish(t2, 20, one("c", "b"));
  auto t3 = hub->begin_commit();  // commits after t2 was published: a larger timestamp
  hub->abandon(t1);
  EXPECT_EQ(a.got, (std::vector<std::string>{"c:b:1"}));
  hub->publish(t3, 21, one("c", "c"));
  EXPECT_EQ(a.got, (std::vector<std::string>{"c:b:1", "c:c:1"}));
}

TEST(NotificationHub, UnlistenStopsDelivery) {
  auto hub = make_local_notification_hub();
  Mailbox a;
  hub->listen(&a, "c1");
  hub->listen(&a, "c2");
  hub->unlisten(&a, "c1");
  hub->publish(hub->begin_commit(), 1, {{"c1", "x", 7}, {"c2", "y", 7}});
  EXPECT_EQ(a.got, (std::vector<std::string>{"c2:y:7"}));
  hub->unlisten_all(&a);
  hub->publish(hub->begin_commit(), 2, one("c2", "z"));
  EXPECT_EQ(a.got.size(), 1u);
}

TEST(NotificationHub, ABatchKeepsItsOrder) {
  auto hub = make_local_notification_hub();
  Mailbox a;
  hub->listen(&a, "c");
  hub->publish(hub->begin_commit(), 5, {{"c", "1", 2}, {"c", "2", 2}, {"c", "3", 2}});
  EXPECT_EQ(a.got, (std::vector<std::string>{"c:1:2", "c:2:2", "c:3:2"}));
}

}  // namespace
}  // namespace hf::session
