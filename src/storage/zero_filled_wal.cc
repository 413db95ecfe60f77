// storage/zero_filled_wal.cc — see zero_filled_wal.h.
#include "storage/zero_filled_wal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>

namespace hf::storage {

namespace {

using Clock = std::chrono::steady_clock;

// Zeros are laid down this far ahead of the writer: one chunk a fill.
constexpr uint64_t kChunk = 8u << 20;
// A chunk the writer used up faster than this is bulk writing (a load, a big batch): its
// syncs are few for its bytes, so the next chunk is left to grow the file as RocksDB would
// rather than be written twice.
constexpr auto kBulkWindow = std::chrono::milliseconds(250);

bool is_wal(const std::string& name) {
  return name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0;
}

class ZeroFilledWal : public rocksdb::WritableFileWrapper {
 public:
  ZeroFilledWal(std::unique_ptr<rocksdb::WritableFile> file, const std::string& name)
      : rocksdb::WritableFileWrapper(file.get()), own_(std::move(file)) {
    fd_ = ::open(name.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ >= 0) fill(0, 0);
    chunk_started_ = Clock::now();
  }
  ~ZeroFilledWal() override {
    if (fd_ >= 0) ::close(fd_);
  }

  rocksdb::Status Append(const rocksdb::Slice& data) override {
    before_append(data.size());
    auto s = rocksdb::WritableFileWrapper::Append(data);
    if (s.ok()) pos_ += data.size();
    return s;
  }
  rocksdb::Status Append(const rocksdb::Slice& data,
                         const rocksdb::DataVerificationInfo& info) override {
    before_append(data.size());
    auto s = rocksdb::WritableFileWrapper::Append(data, info);
    if (s.ok()) pos_ += data.size();
    return s;
  }

 private:
  void before_append(size_t n) {
    const uint64_t end = pos_ + n;
    if (fd_ < 0 || end <= filled_ || end <= next_try_) return;
    const auto now = Clock::now();
    const bool bulk = now - chunk_started_ < kBulkWindow;
    chunk_started_ = now;
    if (bulk) {
      next_try_ = end + kChunk;
      return;
    }
    fill(std::max(filled_, pos_), end);
  }

  // Writes zeros over [from, max(need, from) + kChunk) and syncs them (Z1: from >= every byte
  // appended). On failure stops filling for good (Z3).
  void fill(uint64_t from, uint64_t need) {
    static const std::string zeros(1u << 20, '\0');
    const uint64_t to = std::max(need, from) + kChunk;
    for (uint64_t at = from; at < to;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), to - at));
      const ssize_t w = ::pwrite(fd_, zeros.data(), n, static_cast<off_t>(at));
      if (w <= 0) return give_up();
      at += static_cast<uint64_t>(w);
    }
    if (::fdatasync(fd_) != 0) return give_up();
    filled_ = to;
  }
  void give_up() {
    ::close(fd_);
    fd_ = -1;
  }

  std::unique_ptr<rocksdb::WritableFile> own_;
  int fd_ = -1;                        // a second descriptor, for the zeros only
  uint64_t pos_ = 0;                   // bytes appended (the writer's offset)
  uint64_t filled_ = 0;                // zeros are on disk up to here
  uint64_t next_try_ = 0;              // bulk writing: no fill before the writer passes this
  Clock::time_point chunk_started_{};  // when the writer started its current chunk
};

class ZeroFilledWalEnv : public rocksdb::EnvWrapper {
 public:
  explicit ZeroFilledWalEnv(rocksdb::Env* base) : rocksdb::EnvWrapper(base) {}
  const char* Name() const override { return "HoldfastZeroFilledWalEnv"; }
  rocksdb::Status NewWritableFile(const std::string& name,
                                  std::unique_ptr<rocksdb::WritableFile>* result,
                                  const rocksdb::EnvOptions& options) override {
    auto s = target()->NewWritableFile(name, result, options);
    if (s.ok() && is_wal(name) && !options.use_direct_writes) {
      *result = std::make_unique<ZeroFilledWal>(std::move(*result), name);
    }
    return s;
  }
};

}  // namespace

std::unique_ptr<rocksdb::Env> make_zero_filled_wal_env(rocksdb::Env* base) {
  return std::make_unique<ZeroFilledWalEnv>(base);
}

}  // namespace hf::storage
