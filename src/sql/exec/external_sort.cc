// sql/exec/external_sort.cc — in-memory stable sort, or sorted runs in temporary files merged
// with a heap.
#include "sql/exec/external_sort.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "sql/exec/memory.h"
#include "sql/types/compare.h"
#include "sql/types/row_codec.h"

namespace hf::sql::exec {

namespace {

constexpr size_t kFileBufferBytes = 64 * 1024;

// PostgreSQL's errcode_for_file_access().
const char* file_sqlstate(int err) {
  switch (err) {
    case EPERM:
    case EACCES:
    case EROFS:
      return sqlstate::kInsufficientPrivilege;
    case ENOENT:
      return "58P01";  // undefined_file
    case EEXIST:
      return "58P02";  // duplicate_file
    case ENOTDIR:
    case EISDIR:
    case ENOTEMPTY:
      return "42809";  // wrong_object_type
    case ENOSPC:
      return "53100";  // disk_full
    case ENFILE:
    case EMFILE:
      return "53000";  // insufficient_resources
    case EIO:
      return "58030";  // io_error
    default:
      return sqlstate::kInternalError;
  }
}

[[noreturn]] void throw_file_error(const std::string& what, int err) {
  throw SqlError(file_sqlstate(err), what + ": " + std::strerror(err));
}

std::string directory_or_default(const std::string& d) {
  if (!d.empty()) return d;
  const char* t = std::getenv("TMPDIR");
  return t && *t ? t : "/tmp";
}

std::atomic<uint64_t> runs_written_total{0};

}  // namespace

int compare_rows(const Row& a, const Row& b, const std::vector<SortColumn>& cols) {
  for (const auto& k : cols) {
    const Datum& x = a[k.index];
    const Datum& y = b[k.index];
    if (x.is_null() || y.is_null()) {
      if (x.is_null() && y.is_null()) continue;
      // NULL placement does not flip with DESC.
      return x.is_null() ? (k.nulls_first ? -1 : 1) : (k.nulls_first ? 1 : -1);
    }
    int c = types::compare(x, y, k.type);
    if (k.descending) c = -c;
    if (c != 0) return c;
  }
  return 0;
}

uint64_t ExternalSorter::total_runs_written() {
  return runs_written_total.load();
}

TempFile::TempFile(const std::string& directory) : buffer_(kFileBufferBytes) {
  std::string dir = directory_or_default(directory);
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    // A file system without unnamed files: a named one, unlinked at once.
    std::string path = dir + "/hf_sort_XXXXXX";
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(path.c_str());
  }
  if (fd < 0) throw_file_error("could not create temporary file \"" + dir + "/pgsql_tmp\"", errno);
  f_ = ::fdopen(fd, "w+b");
  if (!f_) {
    int err = errno;
    ::close(fd);
    throw_file_error("could not open temporary file", err);
  }
  std::setvbuf(f_, buffer_.data(), _IOFBF, buffer_.size());
}

TempFile::~TempFile() {
  if (f_) std::fclose(f_);
}

void TempFile::write(const std::string& record) {
  uint32_t n = static_cast<uint32_t>(record.size());
  unsigned char len[4] = {static_cast<unsigned char>(n), static_cast<unsigned char>(n >> 8),
                          static_cast<unsigned char>(n >> 16), static_cast<unsigned char>(n >> 24)};
  errno = 0;
  if (std::fwrite(len, 1, 4, f_) != 4 || std::fwrite(record.data(), 1, n, f_) != n)
    throw_file_error("could not write to temporary file", errno ? errno : EIO);
  written_ += 4 + n;
}

void TempFile::start_reading() {
  errno = 0;
  if (std::fflush(f_) != 0 || std::fseek(f_, 0, SEEK_SET) != 0)
    throw_file_error("could not write to temporary file", errno ? errno : EIO);
}

bool TempFile::read(std::string& record) {
  unsigned char len[4];
  errno = 0;
  size_t got = std::fread(len, 1, 4, f_);
  if (got == 0 && std::feof(f_)) return false;
  if (got != 4) {
    if (std::ferror(f_)) throw_file_error("could not read from temporary file", errno);
    throw SqlError(sqlstate::kInternalError, "could not read from temporary file: read only " +
                                                 std::to_string(got) + " of 4 bytes");
  }
  uint32_t n = len[0] | (len[1] << 8) | (len[2] << 16) | (static_cast<uint32_t>(len[3]) << 24);
  record.resize(n);
  got = std::fread(record.data(), 1, n, f_);
  if (got != n) {
    if (std::ferror(f_)) throw_file_error("could not read from temporary file", errno);
    throw SqlError(sqlstate::kInternalError, "could not read from temporary file: read only " +
                                                 std::to_string(got) + " of " + std::to_string(n) +
                                                 " bytes");
  }
  return true;
}

// Merges runs (earlier runs win ties) through a heap of each run's current row.
class ExternalSorter::Merger {
 public:
  Merger(const ExternalSorter::Compare& compare, std::vector<TempFile*> runs)
      : compare_(compare), runs_(std::move(runs)) {
    heap_.reserve(runs_.size());
    for (size_t r = 0; r < runs_.size(); ++r) {
      Head h{Row{}, r};
      if (read_row(r, h.row)) push(std::move(h));
    }
  }

  bool next(Row& out) {
    if (heap_.empty()) return false;
    std::pop_heap(heap_.begin(), heap_.end(), after_);
    Head h = std::move(heap_.back());
    heap_.pop_back();
    out = std::move(h.row);
    if (read_row(h.run, h.row)) push(std::move(h));
    return true;
  }

 private:
  struct Head {
    Row row;
    size_t run;
  };
  bool read_row(size_t run, Row& row) {
    if (!runs_[run]->read(record_)) return false;
    row = types::decode_spill_row(record_);
    return true;
  }
  void push(Head h) {
    heap_.push_back(std::move(h));
    std::push_heap(heap_.begin(), heap_.end(), after_);
  }

  const ExternalSorter::Compare& compare_;
  std::vector<TempFile*> runs_;
  std::vector<Head> heap_;
  std::string record_;
  // The heap's top is the row that sorts first: "a after b" is the heap's "less".
  std::function<bool(const Head&, const Head&)> after_ = [this](const Head& a, const Head& b) {
    int c = compare_(a.row, b.row);
    return c > 0 || (c == 0 && a.run > b.run);
  };
};

ExternalSorter::ExternalSorter(Compare compare, Options options)
    : compare_(std::move(compare)), options_(std::move(options)) {}

ExternalSorter::~ExternalSorter() = default;

size_t ExternalSorter::max_fan_in() const {
  // Each run being merged holds a file buffer and a row: half of work_mem for buffers.
  int64_t n = options_.work_mem_bytes / static_cast<int64_t>(2 * kFileBufferBytes);
  return static_cast<size_t>(std::max<int64_t>(6, n));
}

void ExternalSorter::add(Row row) {
  if (options_.bound == 0) return;
  rows_bytes_ += static_cast<int64_t>(row_bytes(row));
  rows_.push_back(std::move(row));
  if (options_.bound > 0 && rows_.size() >= 2 * static_cast<size_t>(options_.bound) + 16)
    trim_to_bound();
  if (rows_bytes_ > options_.work_mem_bytes && rows_.size() > 1) spill();
}

void ExternalSorter::trim_to_bound() {
  auto less = [this](const Row& a, const Row& b) { return compare_(a, b) < 0; };
  std::stable_sort(rows_.begin(), rows_.end(), less);
  if (options_.bound >= 0 && rows_.size() > static_cast<size_t>(options_.bound)) {
    rows_.resize(options_.bound);
    rows_bytes_ = 0;
    for (const Row& r : rows_) rows_bytes_ += static_cast<int64_t>(row_bytes(r));
  }
}

void ExternalSorter::spill() {
  trim_to_bound();
  auto run = std::make_unique<TempFile>(options_.temp_directory);
  for (const Row& r : rows_) run->write(types::encode_spill_row(r));
  run->start_reading();
  runs_.push_back(std::move(run));
  ++runs_written_;
  ++runs_written_total;
  rows_.clear();
  rows_bytes_ = 0;
}

void ExternalSorter::finish() {
  if (finished_) return;
  finished_ = true;
  if (runs_.empty()) {
    trim_to_bound();
    return;
  }
  if (!rows_.empty()) spill();
  rows_ = std::vector<Row>();
  const size_t fan_in = max_fan_in();
  while (runs_.size() > fan_in) {
    // One more pass: consecutive groups of runs become one run each (order kept for ties).
    std::vector<std::unique_ptr<TempFile>> merged;
    for (size_t i = 0; i < runs_.size(); i += fan_in) {
      size_t end = std::min(runs_.size(), i + fan_in);
      if (end - i == 1) {
        merged.push_back(std::move(runs_[i]));
        continue;
      }
      std::vector<TempFile*> group;
      for (size_t k = i; k < end; ++k) group.push_back(runs_[k].get());
      Merger m(compare_, std::move(group));
      auto out = std::make_unique<TempFile>(options_.temp_directory);
      Row r;
      int64_t n = 0;
      while ((options_.bound < 0 || n < options_.bound) && m.next(r)) {
        out->write(types::encode_spill_row(r));
        ++n;
      }
      out->start_reading();
      for (size_t k = i; k < end; ++k) runs_[k].reset();  // closes (and frees) the inputs
      merged.push_back(std::move(out));
      ++runs_written_;
      ++runs_written_total;
    }
    runs_ = std::move(merged);
    ++merge_passes_;
  }
  std::vector<TempFile*> all;
  for (auto& r : runs_) all.push_back(r.get());
  merger_ = std::make_unique<Merger>(compare_, std::move(all));
}

bool ExternalSorter::next(Row& out) {
  if (merger_) {
    // Each run holds at most `bound` rows, the merge of them more.
    if (options_.bound >= 0 && merged_out_ >= options_.bound) return false;
    ++merged_out_;
    return merger_->next(out);
  }
  if (next_row_ >= rows_.size()) return false;
  out = std::move(rows_[next_row_++]);
  return true;
}

}  // namespace hf::sql::exec
