// sql/types/regex.cc — regular expression operators (~, ~*, regexp_replace) on PCRE2.
//
// PCRE2's syntax is close to PostgreSQL's advanced regular expressions for the common subset.
// It is used rather than std::regex because std::regex compiles and matches by recursion —
// once per pattern term and once per subject character — so a long pattern or subject
// overflowed a session's small stack and took the server down; and its backtracking has no
// bound, so a pathological pattern held an executor thread indefinitely. PCRE2 matches with
// its own heap frames, within a match limit and a heap limit: a pattern that exceeds them
// fails with PostgreSQL's "regular expression is too complex" instead.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <list>
#include <memory>
#include <string>
#include <utility>

#include "sql/types/internal.h"

namespace hf::sql::types::internal {

namespace {

// Backtracking steps and heap (KiB) one match may use.
constexpr uint32_t kMatchLimit = 10'000'000;
constexpr uint32_t kHeapLimitKb = 64 * 1024;

[[noreturn]] void regex_error(int code) {
  PCRE2_UCHAR buf[256];
  if (pcre2_get_error_message(code, buf, sizeof buf) < 0) buf[0] = 0;
  throw_error("2201B",
              std::string("invalid regular expression: ") + reinterpret_cast<const char*>(buf));
}

using CodePtr = std::shared_ptr<pcre2_code>;

// Compiled patterns, most recently used first: a WHERE clause matches one pattern per row.
CodePtr compile(const std::string& pattern, bool icase) {
  constexpr size_t kCached = 16;
  thread_local std::list<std::pair<std::pair<std::string, bool>, CodePtr>> cache;
  for (auto it = cache.begin(); it != cache.end(); ++it) {
    if (it->first.first == pattern && it->first.second == icase) {
      cache.splice(cache.begin(), cache, it);
      return cache.front().second;
    }
  }
  int err = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                    PCRE2_UTF | (icase ? PCRE2_CASELESS : 0u), &err, &offset, nullptr);
  if (code == nullptr) regex_error(err);
  CodePtr p(code, pcre2_code_free);
  cache.emplace_front(std::make_pair(pattern, icase), p);
  if (cache.size() > kCached) cache.pop_back();
  return p;
}

// One match of `code` in s at or after `start`; false when there is none.
bool find(const pcre2_code* code, const std::string& s, size_t start, pcre2_match_data* md) {
  thread_local std::unique_ptr<pcre2_match_context, void (*)(pcre2_match_context*)> mcx = [] {
    std::unique_ptr<pcre2_match_context, void (*)(pcre2_match_context*)> c(
        pcre2_match_context_create(nullptr), pcre2_match_context_free);
    pcre2_set_match_limit(c.get(), kMatchLimit);
    pcre2_set_heap_limit(c.get(), kHeapLimitKb);
    return c;
  }();
  int rc =
      pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), start, 0, md, mcx.get());
  if (rc >= 0) return true;
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
    throw_error("2201B", "invalid regular expression: regular expression is too complex");
  regex_error(rc);
}

using MatchData = std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)>;
MatchData match_data(const pcre2_code* code) {
  return MatchData(pcre2_match_data_create_from_pattern(code, nullptr), pcre2_match_data_free);
}

}  // namespace

bool regex_match_pg(const std::string& s, const std::string& pat, bool icase) {
  CodePtr code = compile(pat, icase);
  MatchData md = match_data(code.get());
  return find(code.get(), s, 0, md.get());
}

std::string regex_replace_pg(const std::string& s, const std::string& pattern, const std::string& r,
                             const std::string& flags) {
  bool global = flags.find('g') != std::string::npos;
  for (char c : flags)
    if (c != 'g' && c != 'i')
      throw_error(sqlstate::kInvalidParameterValue,
                  std::string("invalid regular expression option: \"") + c + "\"");
  CodePtr code = compile(pattern, flags.find('i') != std::string::npos);
  MatchData md = match_data(code.get());
  const uint32_t groups = pcre2_get_ovector_count(md.get());
  std::string out;
  size_t copied = 0, start = 0;
  while (start <= s.size() && find(code.get(), s, start, md.get())) {
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
    const size_t so = ov[0], eo = ov[1];
    out.append(s, copied, so - copied);
    // PostgreSQL's replacement text: \1..\9 a group, \& the whole match, \\ a backslash.
    for (size_t i = 0; i < r.size(); ++i) {
      if (r[i] == '\\' && i + 1 < r.size()) {
        char n = r[i + 1];
        if ((n >= '1' && n <= '9') || n == '&') {
          uint32_t g = n == '&' ? 0 : static_cast<uint32_t>(n - '0');
          if (g < groups && ov[2 * g] != PCRE2_UNSET)
            out.append(s, ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
          ++i;
          continue;
        }
        if (n == '\\') {
          out += '\\';
          ++i;
          continue;
        }
      }
      out += r[i];
    }
    copied = eo;
    if (!global) break;
    start = eo;
    if (so == eo) {  // an empty match: go on after the next character, as PostgreSQL does
      if (start >= s.size()) break;
      ++start;
      while (start < s.size() && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) ++start;
    }
  }
  out.append(s, copied, std::string::npos);
  return out;
}

}  // namespace hf::sql::types::internal
