// session/notification_hub.cc — the node-local NotificationHub (see notification_hub.h).
#include "session/notification_hub.h"

#include <map>
#include <mutex>
#include <set>
#include <utility>

namespace hf::session {

namespace {

class LocalNotificationHub final : public NotificationHub {
 public:
  void listen(NotificationListener* listener, const std::string& channel) override {
    std::lock_guard lock(mu_);
    channels_[channel].insert(listener);
    by_listener_[listener].insert(channel);
  }

  void unlisten(NotificationListener* listener, const std::string& channel) override {
    std::lock_guard lock(mu_);
    drop(listener, channel);
    auto it = by_listener_.find(listener);
    if (it == by_listener_.end()) return;
    it->second.erase(channel);
    if (it->second.empty()) by_listener_.erase(it);
  }

  void unlisten_all(NotificationListener* listener) override {
    std::lock_guard lock(mu_);
    auto it = by_listener_.find(listener);
    if (it == by_listener_.end()) return;
    for (const std::string& channel : it->second) drop(listener, channel);
    by_listener_.erase(it);
  }

  Ticket begin_commit() override {
    std::lock_guard lock(mu_);
    Ticket t = next_ticket_++;
    in_flight_.insert(t);
    return t;
  }

  void abandon(Ticket ticket) override {
    std::lock_guard lock(mu_);
    in_flight_.erase(ticket);
    deliver_ready();
  }

  void publish(Ticket ticket, uint64_t commit_ts, std::vector<Notification> batch) override {
    std::lock_guard lock(mu_);
    in_flight_.erase(ticket);
    // Tickets below next_ticket_ were taken before this commit was published: any of them
    // still in flight may carry a smaller timestamp (see the header).
    ready_.emplace(std::make_pair(commit_ts, ticket), Ready{next_ticket_, std::move(batch)});
    deliver_ready();
  }

 private:
  struct Ready {
    Ticket barrier;  // delivered once no ticket below it is in flight
    std::vector<Notification> batch;
  };

  void drop(NotificationListener* listener, const std::string& channel) {
    auto it = channels_.find(channel);
    if (it == channels_.end()) return;
    it->second.erase(listener);
    if (it->second.empty()) channels_.erase(it);
  }

  void deliver_ready() {
    while (!ready_.empty()) {
      auto first = ready_.begin();
      if (!in_flight_.empty() && *in_flight_.begin() < first->second.barrier) return;
      for (const Notification& n : first->second.batch) {
        auto it = channels_.find(n.channel);
        if (it == channels_.end()) continue;
        for (NotificationListener* l : it->second) l->deliver(n);
      }
      ready_.erase(first);
    }
  }

  std::mutex mu_;
  std::map<std::string, std::set<NotificationListener*>> channels_;
  std::map<NotificationListener*, std::set<std::string>> by_listener_;
  Ticket next_ticket_ = 1;
  std::set<Ticket> in_flight_;
  std::map<std::pair<uint64_t, Ticket>, Ready> ready_;  // published, by (commit_ts, ticket)
};

}  // namespace

std::unique_ptr<NotificationHub> make_local_notification_hub() {
  return std::make_unique<LocalNotificationHub>();
}

}  // namespace hf::session
