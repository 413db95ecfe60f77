// sql/exec/external_sort_test.cc — the external sort gives std::stable_sort's order whether
// it spills or not, keeps only the first `bound` rows, closes its files, reports errors.
#include "sql/exec/external_sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <random>

#include <sys/resource.h>

#include "common/error.h"
#include "sql/types/type_io.h"

namespace hf::sql::exec {
namespace {

namespace fs = std::filesystem;

size_t open_descriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

std::string scratch_dir(const std::string& name) {
  std::string d = "/tmp/hf-external-sort-" + name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Rows (key int8 with many ties and NULLs, key text with NULLs, insertion number): the
// third column tells whether ties kept their input order.
std::vector<Row> sample_rows(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Row> rows;
  for (size_t i = 0; i < n; ++i) {
    Row r(3);
    if (rng() % 10 != 0) r[0] = Datum(static_cast<int64_t>(rng() % 50) - 25);
    if (rng() % 7 != 0) r[1] = Datum(std::string(rng() % 40, static_cast<char>('a' + rng() % 5)));
    r[2] = Datum(static_cast<int64_t>(i));
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string show(const Row& r) {
  std::string s;
  for (const auto& d : r)
    s += (d.is_null()
              ? "NULL"
              : types::to_text(d, TypeRef{std::holds_alternative<int64_t>(d.v) ? type_oid::kInt8
                                                                               : type_oid::kText,
                                          -1})) +
         "|";
  return s;
}

std::vector<Row> run_sorter(const std::vector<Row>& in, const std::vector<SortColumn>& cols,
                            ExternalSorter::Options opts, size_t* runs = nullptr,
                            int* passes = nullptr) {
  ExternalSorter s([cols](const Row& a, const Row& b) { return compare_rows(a, b, cols); }, opts);
  for (const auto& r : in) s.add(r);
  s.finish();
  std::vector<Row> out;
  Row r;
  while (s.next(r)) out.push_back(r);
  if (runs) *runs = s.runs_written();
  if (passes) *passes = s.merge_passes();
  return out;
}

std::vector<Row> stable_sorted(std::vector<Row> in, const std::vector<SortColumn>& cols) {
  std::stable_sort(in.begin(), in.end(),
                   [&](const Row& a, const Row& b) { return compare_rows(a, b, cols) < 0; });
  return in;
}

void expect_same(const std::vector<Row>& got, const std::vector<Row>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(show(got[i]), show(want[i])) << "row " << i;
}

const std::vector<std::vector<SortColumn>> kOrders = {
    {{0, type_oid::kInt8, false, false}},  // a (NULLS LAST)
    {{0, type_oid::kInt8, true, true}},    // a DESC
    {{0, type_oid::kInt8, false, true},
     {1, type_oid::kText, true, false}},  // a NULLS FIRST, b DESC NULLS LAST
    {{1, type_oid::kText, false, false}, {0, type_oid::kInt8, true, false}},
};

TEST(ExternalSort, InMemoryAndSpilledOrdersEqualStableSort) {
  auto in = sample_rows(20000, 7);
  std::string dir = scratch_dir("order");
  for (const auto& cols : kOrders) {
    auto want = stable_sorted(in, cols);
    size_t runs = 0;
    int passes = 0;
    expect_same(run_sorter(in, cols, {64LL << 20, dir, -1}, &runs), want);
    EXPECT_EQ(runs, 0u);
    // 64kB: dozens of runs, more than one merge can take: several passes.
    expect_same(run_sorter(in, cols, {64 * 1024, dir, -1}, &runs, &passes), want);
    EXPECT_GT(runs, 6u);
    EXPECT_GT(passes, 0);
    // A few runs merged at once.
    expect_same(run_sorter(in, cols, {1LL << 20, dir, -1}, &runs, &passes), want);
    EXPECT_GT(runs, 1u);
    EXPECT_EQ(passes, 0);
  }
}

TEST(ExternalSort, BoundKeepsTheFirstRows) {
  auto in = sample_rows(5000, 11);
  std::string dir = scratch_dir("bound");
  const auto& cols = kOrders[0];
  auto all = stable_sorted(in, cols);
  for (int64_t bound : {0, 1, 10, 700, 4999, 5000, 9000}) {
    std::vector<Row> want(all.begin(), all.begin() + std::min<int64_t>(bound, all.size()));
    expect_same(run_sorter(in, cols, {64LL << 20, dir, bound}), want);
    expect_same(run_sorter(in, cols, {16 * 1024, dir, bound}), want);
  }
}

TEST(ExternalSort, EmptyAndSingleRow) {
  std::string dir = scratch_dir("empty");
  EXPECT_TRUE(run_sorter({}, kOrders[0], {64 * 1024, dir, -1}).empty());
  auto one = sample_rows(1, 3);
  expect_same(run_sorter(one, kOrders[0], {1, dir, -1}), one);
}

TEST(ExternalSort, FilesAreClosedAndLeaveNothingBehind) {
  std::string dir = scratch_dir("cleanup");
  size_t before = open_descriptors();
  auto in = sample_rows(20000, 5);
  {
    ExternalSorter s([](const Row& a, const Row& b) { return compare_rows(a, b, kOrders[0]); },
                     {256 * 1024, dir, -1});
    for (const auto& r : in) s.add(r);
    s.finish();
    EXPECT_GT(s.runs_written(), 1u);
    EXPECT_GT(open_descriptors(), before);  // the runs are open while merged
    Row r;
    ASSERT_TRUE(s.next(r));          // abandoned half way, as by an error or a cancel
    EXPECT_TRUE(fs::is_empty(dir));  // unnamed files
  }
  EXPECT_EQ(open_descriptors(), before);
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(ExternalSort, MissingDirectoryFailsWithPostgresError) {
  size_t before = open_descriptors();
  auto in = sample_rows(5000, 9);
  try {
    ExternalSorter s([](const Row& a, const Row& b) { return compare_rows(a, b, kOrders[0]); },
                     {64 * 1024, "/tmp/hf-external-sort-no-such-dir/x", -1});
    for (const auto& r : in) s.add(r);
    s.finish();
    FAIL() << "a sort past work_mem needs its directory";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.error().sqlstate, "58P01");
    EXPECT_EQ(e.error().message,
              "could not create temporary file "
              "\"/tmp/hf-external-sort-no-such-dir/x/pgsql_tmp\": No such file or directory");
  }
  EXPECT_EQ(open_descriptors(), before);
}

TEST(ExternalSort, WriteErrorIsReportedAndFilesClosed) {
  // A file size limit makes a run's write fail (EFBIG) part way, as a full disk would.
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = 256 * 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string dir = scratch_dir("write-error");
  size_t before = open_descriptors();
  std::string message, state;
  try {
    ExternalSorter s([](const Row& a, const Row& b) { return compare_rows(a, b, kOrders[0]); },
                     {4LL << 20, dir, -1});
    for (const auto& r : sample_rows(200000, 1)) s.add(r);
    s.finish();
  } catch (const SqlError& e) {
    message = e.error().message;
    state = e.error().sqlstate;
  }
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(state, "XX000");
  EXPECT_EQ(message, "could not write to temporary file: File too large");
  EXPECT_EQ(open_descriptors(), before);
  EXPECT_TRUE(fs::is_empty(dir));
}

}  // namespace
}  // namespace hf::sql::exec
