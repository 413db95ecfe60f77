// partition_rpc/frame_connection.cc — see frame_connection.h.
#include "partition_rpc/frame_connection.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <vector>

namespace hf::partition_rpc {

namespace {
// The length-delimited encoding of one frame (what protobuf's SerializeDelimitedTo* writes).
std::string encode_delimited(const pb::Frame& frame) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.WriteVarint32(static_cast<uint32_t>(frame.ByteSizeLong()));
    frame.SerializeWithCachedSizes(&coded);
  }
  return out;
}
}  // namespace

FrameConnection::FrameConnection(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  peer_ = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

FrameConnection::~FrameConnection() = default;

void FrameConnection::start(FrameHandler on_frame, CloseHandler on_close) {
  on_frame_ = std::move(on_frame);
  on_close_ = std::move(on_close);
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->read_more(); });
}

void FrameConnection::read_more() {
  socket_.async_read_some(
      asio::buffer(chunk_), [self = shared_from_this()](boost::system::error_code ec, size_t n) {
        if (ec) {
          self->fail(ec == asio::error::eof ? "closed by the peer" : ec.message());
          return;
        }
        self->in_.append(self->chunk_.data(), n);
        self->parse_frames();
      });
}

void FrameConnection::parse_frames() {
  size_t used = 0;
  while (used < in_.size()) {
    google::protobuf::io::CodedInputStream coded(
        reinterpret_cast<const uint8_t*>(in_.data() + used), static_cast<int>(in_.size() - used));
    uint32_t size = 0;
    if (!coded.ReadVarint32(&size)) {
      if (in_.size() - used >= 5) return fail("malformed frame size");
      break;  // the size itself is not complete yet
    }
    if (size > kMaxFrameBytes) return fail("frame of " + std::to_string(size) + " bytes");
    size_t header = static_cast<size_t>(coded.CurrentPosition());
    if (in_.size() - used - header < size) break;
    pb::Frame frame;
    if (!frame.ParseFromArray(in_.data() + used + header, static_cast<int>(size))) {
      return fail("frame does not parse");
    }
    used += header + size;
    {
      std::lock_guard g(mu_);
      if (closed_) return;
    }
    on_frame_(std::move(frame));
  }
  in_.erase(0, used);
  read_more();
}

void FrameConnection::send(const pb::Frame& frame) {
  std::string bytes = encode_delimited(frame);
  std::lock_guard g(mu_);
  if (closed_) return;
  out_.push_back(std::move(bytes));
  if (writing_) return;
  writing_ = true;
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->write_queued(); });
}

void FrameConnection::write_queued() {
  auto batch = std::make_shared<std::vector<std::string>>();
  {
    std::lock_guard g(mu_);
    if (closed_ || out_.empty()) {
      writing_ = false;
      return;
    }
    while (!out_.empty()) {
      batch->push_back(std::move(out_.front()));
      out_.pop_front();
    }
  }
  std::vector<asio::const_buffer> buffers;
  for (const auto& b : *batch) buffers.push_back(asio::buffer(b));
  asio::async_write(socket_, buffers,
                    [self = shared_from_this(), batch](boost::system::error_code ec, size_t) {
                      if (ec) return self->fail(ec.message());
                      self->write_queued();
                    });
}

void FrameConnection::close() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->fail("closed"); });
}

void FrameConnection::fail(const std::string& why) {
  {
    std::lock_guard g(mu_);
    if (closed_) return;
    closed_ = true;
    out_.clear();
  }
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  auto on_close = std::move(on_close_);
  on_frame_ = nullptr;  // the handlers may own what owns this connection: break the cycle
  if (on_close) on_close(why);
}

}  // namespace hf::partition_rpc
