// replication/loopback_for_tests.h — what the ReplicaGroup tests over TCP share: free
// loopback ports for a group's replicas, and waiting (wall clock, bounded) for a condition
// that other threads make true. Test code only; never suspends a fiber (it sleeps its thread).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace hf::replication {

// Distinct loopback ports free right now, below the kernel's ephemeral range (32768 and up
// on Linux). A port the kernel hands out for bind(port 0) is an ephemeral one, which any
// outgoing connection of a test running beside this one (libraft reconnects to its peers
// every few hundred milliseconds) may take between our check and libraft's bind; ports
// below the range are only ever taken by an explicit bind. Each is checked by binding it,
// and the sockets stay open until all are chosen.
inline std::vector<int> free_ports(int n) {
  std::vector<int> fds, ports;
  std::mt19937 pick(std::random_device{}());
  std::uniform_int_distribution<int> in_range(20000, 32000);
  for (int tries = 0; static_cast<int>(ports.size()) < n && tries < 10000; ++tries) {
    const int port = in_range(pick);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd);
      continue;
    }
    fds.push_back(fd);
    ports.push_back(port);
  }
  if (static_cast<int>(ports.size()) < n) ADD_FAILURE() << "cannot find " << n << " free ports";
  for (int fd : fds) close(fd);
  return ports;
}

// Polls `done` every 10 ms until it is true or `within` has passed; its last answer.
inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace hf::replication
