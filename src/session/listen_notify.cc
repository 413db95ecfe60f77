// session/listen_notify.cc — see listen_notify.h.
#include "session/listen_notify.h"

#include <algorithm>

#include "common/error.h"

namespace hf::session {

namespace {
// PostgreSQL's NAMEDATALEN and NOTIFY_PAYLOAD_MAX_LENGTH (BLCKSZ - NAMEDATALEN - 128).
constexpr size_t kNameDataLen = 64;
constexpr size_t kMaxPayload = 8000;
}  // namespace

SessionNotifications::~SessionNotifications() {
  if (ticket_) hub_.abandon(*ticket_);
  hub_.unlisten_all(this);
}

void SessionNotifications::listen(const std::string& channel) {
  actions_.emplace_back(Action::kListen, channel);
}

void SessionNotifications::unlisten(const std::string& channel) {
  actions_.emplace_back(channel.empty() ? Action::kUnlistenAll : Action::kUnlisten, channel);
}

void SessionNotifications::notify(const std::string& channel, const std::string& payload) {
  if (channel.empty())
    throw SqlError(sqlstate::kInvalidParameterValue, "channel name cannot be empty");
  if (channel.size() >= kNameDataLen)
    throw SqlError(sqlstate::kInvalidParameterValue, "channel name too long");
  if (payload.size() >= kMaxPayload)
    throw SqlError(sqlstate::kInvalidParameterValue, "payload string too long");
  if (!seen_.emplace(channel, payload).second) return;  // folded into the earlier one
  notifies_.push_back(Notification{channel, payload, pid_});
}

void SessionNotifications::rollback_to(Mark m) {
  if (m.actions < actions_.size()) actions_.resize(m.actions);
  if (m.notifies >= notifies_.size()) return;
  notifies_.resize(m.notifies);
  seen_.clear();
  for (const auto& n : notifies_) seen_.emplace(n.channel, n.payload);
}

void SessionNotifications::begin_commit() {
  if (!notifies_.empty() && !ticket_) ticket_ = hub_.begin_commit();
}

void SessionNotifications::committed(uint64_t commit_ts) {
  for (auto& [action, channel] : actions_) {
    switch (action) {
      case Action::kListen:
        if (std::find(channels_.begin(), channels_.end(), channel) == channels_.end()) {
          channels_.push_back(channel);
          hub_.listen(this, channel);
        }
        break;
      case Action::kUnlisten: {
        auto it = std::find(channels_.begin(), channels_.end(), channel);
        if (it != channels_.end()) {
          channels_.erase(it);
          hub_.unlisten(this, channel);
        }
        break;
      }
      case Action::kUnlistenAll:
        channels_.clear();
        hub_.unlisten_all(this);
        break;
    }
  }
  actions_.clear();
  if (ticket_) hub_.publish(*ticket_, commit_ts, std::move(notifies_));
  ticket_.reset();
  notifies_.clear();
  seen_.clear();
}

void SessionNotifications::aborted() {
  if (ticket_) hub_.abandon(*ticket_);
  ticket_.reset();
  notifies_.clear();
  seen_.clear();
  actions_.clear();
}

void SessionNotifications::deliver(const Notification& n) {
  std::lock_guard lock(mailbox_mu_);
  mailbox_.push_back(n);
  if (wake_ && mailbox_.size() == 1) wake_();
}

std::vector<Notification> SessionNotifications::take_delivered() {
  std::lock_guard lock(mailbox_mu_);
  std::vector<Notification> out(std::make_move_iterator(mailbox_.begin()),
                                std::make_move_iterator(mailbox_.end()));
  mailbox_.clear();
  return out;
}

void SessionNotifications::set_wakeup(std::function<void()> wake) {
  std::lock_guard lock(mailbox_mu_);
  wake_ = std::move(wake);
}

}  // namespace hf::session
