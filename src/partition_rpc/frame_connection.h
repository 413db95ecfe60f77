// partition_rpc/frame_connection.h — one TCP connection carrying partition RPC frames
// (partition.proto's Frame) in both directions.
//
// Owns the socket, its read buffer and its queue of frames to write. Frames are written with
// protobuf's length-delimited framing (a varint size, then the message) — the library's
// format, read back with its CodedInputStream — in the order send() was called.
//
// Promises:
//  - on_frame sees every frame the peer wrote, in order, once, on the connection's io thread
//    (it must not block: it hands work to fibers or wakes waiters).
//  - on_close is called once, on the io thread, when the connection ends for any reason (the
//    peer closed it, a read or write failed, a frame did not parse, close() was called); no
//    on_frame follows it. Frames queued then are dropped.
//  - A frame larger than kMaxFrameBytes is a protocol error: the connection closes.
// Thread safety: send() and close() may be called from any thread; the handlers run on the
// io thread of the executor the socket belongs to.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "partition_rpc/partition.pb.h"

namespace hf::partition_rpc {

namespace asio = boost::asio;

inline constexpr size_t kMaxFrameBytes = size_t{1} << 30;

class FrameConnection : public std::enable_shared_from_this<FrameConnection> {
 public:
  using FrameHandler = std::function<void(pb::Frame&&)>;
  using CloseHandler = std::function<void(const std::string& why)>;

  explicit FrameConnection(asio::ip::tcp::socket socket);
  ~FrameConnection();

  // Starts reading. Call once.
  void start(FrameHandler on_frame, CloseHandler on_close);
  // Queues the frame; it is written after every frame queued before it. Any thread. Dropped
  // when the connection has closed.
  void send(const pb::Frame& frame);
  // Ends the connection (on_close follows on the io thread). Any thread; idempotent.
  void close();
  std::string peer() const { return peer_; }

 private:
  void read_more();
  void parse_frames();
  void write_queued();
  void fail(const std::string& why);

  asio::ip::tcp::socket socket_;
  std::string peer_;
  FrameHandler on_frame_;
  CloseHandler on_close_;
  std::string in_;  // bytes read and not yet parsed (io thread only)
  std::array<char, 64 * 1024> chunk_{};

  std::mutex mu_;  // guards out_, writing_, closed_
  std::deque<std::string> out_;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace hf::partition_rpc
