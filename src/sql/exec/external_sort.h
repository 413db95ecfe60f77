// sql/exec/external_sort.h — ORDER BY's sort, bounded by work_mem.
//
// Owns: sorting rows in memory while they fit in work_mem, else writing sorted runs to
// temporary files and merging them (PostgreSQL's tuplesort: in-memory quicksort, or
// external merge sort; top-N for a bounded sort).
// Promises: the order is exactly that of std::stable_sort with the same comparison: rows
// that compare equal come out in the order they were added, whether or not the sort spilled
// (runs are consecutive slices of the input, merged with ties going to the earlier run).
// With a bound (LIMIT + OFFSET), only the first `bound` rows are kept, in at most about
// 2 * bound rows of memory. Memory held: about work_mem for the rows being gathered, then
// one read buffer and one row per run being merged (at most max(6, work_mem / 128kB) runs
// at a time; more runs are merged in several passes). Run files live in the temporary
// directory, are unnamed (O_TMPFILE, else unlinked as soon as created) and closed by the
// destructor, so an error, a cancelled statement or a crash leaves no file behind.
// Errors are PostgreSQL's (errcode_for_file_access): 53100 when the disk is full, 58P01 when
// the directory is missing, 42501 when it is forbidden, 58030 on an I/O error.
// Thread safety: one sorter per statement fiber. Nothing suspends; file I/O blocks the
// calling thread (page-cache writes and sequential reads).
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/datum.h"

namespace hf::sql::exec {

// One ORDER BY key as a sort compares it (a copy: a sort's output may outlive the plan).
struct SortColumn {
  int index;  // in the row
  Oid type;
  bool descending;
  bool nulls_first;
};
// ORDER BY's comparison (<0, 0, >0): types::compare per key, DESC flipping it; NULLs first
// or last as asked, whatever the direction.
int compare_rows(const Row& a, const Row& b, const std::vector<SortColumn>& cols);

// One temporary file of length-prefixed records, written then read back sequentially.
class TempFile {
 public:
  explicit TempFile(const std::string& directory);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  void write(const std::string& record);
  void start_reading();            // after the last write
  bool read(std::string& record);  // false at the end
  int64_t bytes_written() const { return written_; }

 private:
  std::FILE* f_ = nullptr;
  std::vector<char> buffer_;
  int64_t written_ = 0;
};

class ExternalSorter {
 public:
  // <0, 0, >0 as a sorts before, with, after b.
  using Compare = std::function<int(const Row&, const Row&)>;
  struct Options {
    int64_t work_mem_bytes = 4LL * 1024 * 1024;
    std::string temp_directory;  // empty: the system's
    int64_t bound = -1;          // keep only the first `bound` rows; -1: all
  };
  ExternalSorter(Compare compare, Options options);
  ~ExternalSorter();

  void add(Row row);
  // No more rows: sorts what is in memory, or merges the runs down to one final merge.
  void finish();
  // The next row in order; false when there is none left. After finish().
  bool next(Row& out);

  size_t runs_written() const { return runs_written_; }  // 0: sorted in memory
  // Runs written by every sorter of the process so far (tests, diagnostics).
  static uint64_t total_runs_written();
  int merge_passes() const { return merge_passes_; }  // intermediate passes before the last

 private:
  class Merger;
  void spill();
  void trim_to_bound();
  size_t max_fan_in() const;

  Compare compare_;
  Options options_;
  std::vector<Row> rows_;  // gathered, in input order (then sorted, when in memory)
  int64_t rows_bytes_ = 0;
  size_t next_row_ = 0;
  int64_t merged_out_ = 0;  // rows next() returned from the merge
  std::vector<std::unique_ptr<TempFile>> runs_;
  std::unique_ptr<Merger> merger_;
  size_t runs_written_ = 0;
  int merge_passes_ = 0;
  bool finished_ = false;
};

}  // namespace hf::sql::exec
