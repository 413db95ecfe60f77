// sql/types/regex.cc — regular expression operators (~, ~*) and PostgreSQL's regexp_*
// functions (regexp_replace, regexp_match[es], regexp_split_to_*, regexp_count, regexp_instr,
// regexp_like, regexp_substr) on PCRE2.
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
#include <vector>

#include "sql/types/internal.h"

namespace hf::sql::types::internal {

namespace {

// Backtracking steps and heap (KiB) one match may use.
constexpr uint32_t kMatchLimit = 10'000'000;
constexpr uint32_t kHeapLimitKb = 64 * 1024;

// PostgreSQL's words (its regerror) for the compile errors both engines have; PCRE2's own
// for the rest.
const char* pg_message(int code) {
  switch (code) {
    case PCRE2_ERROR_MISSING_CLOSING_PARENTHESIS:
    case PCRE2_ERROR_UNMATCHED_CLOSING_PARENTHESIS:
      return "parentheses () not balanced";
    case PCRE2_ERROR_MISSING_SQUARE_BRACKET:
      return "brackets [] not balanced";
    case PCRE2_ERROR_QUANTIFIER_OUT_OF_ORDER:
    case PCRE2_ERROR_QUANTIFIER_TOO_BIG:
      return "invalid repetition count(s)";
    case PCRE2_ERROR_END_BACKSLASH:
    case PCRE2_ERROR_UNKNOWN_ESCAPE:
      return "invalid escape \\ sequence";
    case PCRE2_ERROR_QUANTIFIER_INVALID:
      return "quantifier operand invalid";
    case PCRE2_ERROR_BAD_SUBPATTERN_REFERENCE:
      return "invalid backreference number";
    default:
      return nullptr;
  }
}

[[noreturn]] void regex_error(int code) {
  PCRE2_UCHAR buf[256];
  if (const char* pg = pg_message(code)) {
    throw_error("2201B", std::string("invalid regular expression: ") + pg);
  }
  if (pcre2_get_error_message(code, buf, sizeof buf) < 0) buf[0] = 0;
  throw_error("2201B",
              std::string("invalid regular expression: ") + reinterpret_cast<const char*>(buf));
}

using CodePtr = std::shared_ptr<pcre2_code>;

// PostgreSQL's ARE escapes that PCRE2 spells differently, rewritten outside bracket
// expressions: \m \M (start and end of a word), \y \Y (word boundary or not), \Z (the end
// of the string only) and the bracket forms [[:<:]] [[:>:]].
std::string to_pcre2(const std::string& p) {
  std::string out;
  out.reserve(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    if (p.compare(i, 7, "[[:<:]]") == 0 || p.compare(i, 7, "[[:>:]]") == 0) {
      out += p[i + 3] == '<' ? "\\b(?=\\w)" : "\\b(?<=\\w)";
      i += 6;
    } else if (p[i] == '\\' && i + 1 < p.size()) {
      switch (p[i + 1]) {
        case 'm':
          out += "\\b(?=\\w)";
          break;
        case 'M':
          out += "\\b(?<=\\w)";
          break;
        case 'y':
          out += "\\b";
          break;
        case 'Y':
          out += "\\B";
          break;
        case 'Z':
          out += "\\z";
          break;
        default:
          out.append(p, i, 2);
      }
      ++i;
    } else if (p[i] == '[') {
      // A bracket expression, copied as it is: a leading ] (after an optional ^) is a member,
      // and [:class:], [.x.] and [=x=] may hold a ].
      size_t j = i + 1;
      if (j < p.size() && p[j] == '^') ++j;
      if (j < p.size() && p[j] == ']') ++j;
      while (j < p.size() && p[j] != ']') {
        if (p[j] == '\\' && j + 1 < p.size()) {
          j += 2;
        } else if (p[j] == '[' && j + 1 < p.size() &&
                   (p[j + 1] == ':' || p[j + 1] == '.' || p[j + 1] == '=')) {
          size_t close = p.find(std::string{p[j + 1], ']'}, j + 2);
          j = close == std::string::npos ? p.size() : close + 2;
        } else {
          ++j;
        }
      }
      const size_t end = std::min(j + 1, p.size());
      out.append(p, i, end - i);
      i = end - 1;
    } else {
      out += p[i];
    }
  }
  return out;
}

// PCRE2's options for PostgreSQL's defaults: . matches a newline, $ is the end of the string
// only (not before a final newline), and where ^ matches after newlines (flag n) it matches
// after a final one too.
constexpr uint32_t kDefaultOptions =
    PCRE2_UTF | PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_CIRCUMFLEX;

// Compiled patterns, most recently used first: a WHERE clause matches one pattern per row.
CodePtr compile(const std::string& pattern, uint32_t options) {
  constexpr size_t kCached = 16;
  thread_local std::list<std::pair<std::pair<std::string, uint32_t>, CodePtr>> cache;
  for (auto it = cache.begin(); it != cache.end(); ++it) {
    if (it->first.first == pattern && it->first.second == options) {
      cache.splice(cache.begin(), cache, it);
      return cache.front().second;
    }
  }
  int err = 0;
  PCRE2_SIZE offset = 0;
  const std::string translated = (options & PCRE2_LITERAL) ? pattern : to_pcre2(pattern);
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()),
                                   translated.size(), options, &err, &offset, nullptr);
  if (code == nullptr) regex_error(err);
  CodePtr p(code, pcre2_code_free);
  cache.emplace_front(std::make_pair(pattern, options), p);
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

// PostgreSQL's flags argument (parse_re_flags) as PCRE2 options. b (basic) and e (extended
// without ARE's extensions) are read as ARE. `no_global`: the function that refuses g
// (PostgreSQL's message names it), nullptr where g is allowed.
struct RegexFlags {
  uint32_t options = kDefaultOptions;
  bool global = false;
};
RegexFlags parse_flags(std::string_view flags, const char* no_global = nullptr,
                       const char* hint = nullptr) {
  RegexFlags f;
  for (char c : flags) {
    switch (c) {
      case 'g':
        f.global = true;
        break;
      case 'b':
      case 'e':
        f.options &= ~PCRE2_LITERAL;
        break;
      case 'c':
        f.options &= ~PCRE2_CASELESS;
        break;
      case 'i':
        f.options |= PCRE2_CASELESS;
        break;
      case 'm':
      case 'n':
        f.options = (f.options | PCRE2_MULTILINE) & ~PCRE2_DOTALL;
        break;
      case 'p':
        f.options = (f.options & ~PCRE2_MULTILINE) & ~PCRE2_DOTALL;
        break;
      case 'q':
        f.options |= PCRE2_LITERAL;
        break;
      case 's':
        f.options = (f.options & ~PCRE2_MULTILINE) | PCRE2_DOTALL;
        break;
      case 't':
        f.options &= ~PCRE2_EXTENDED;
        break;
      case 'w':
        f.options |= PCRE2_MULTILINE | PCRE2_DOTALL;
        break;
      case 'x':
        f.options |= PCRE2_EXTENDED;
        break;
      default:
        throw_error(sqlstate::kInvalidParameterValue,
                    std::string("invalid regular expression option: \"") + c + "\"");
    }
  }
  if (f.global && no_global) {
    throw SqlError(sqlstate::kInvalidParameterValue,
                   std::string(no_global) + " does not support the \"global\" option", {},
                   hint ? hint : "");
  }
  // A literal pattern (q) takes only the options PCRE2 allows beside PCRE2_LITERAL.
  if (f.options & PCRE2_LITERAL) f.options &= PCRE2_LITERAL | PCRE2_UTF | PCRE2_CASELESS;
  return f;
}

// The start of the character after byte `at` of s.
size_t next_char(const std::string& s, size_t at) {
  ++at;
  while (at < s.size() && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) ++at;
  return at;
}

// PostgreSQL's setup_regexp_matches: the matches of pattern in s from byte `start`, all of
// them when global. Each match is `width` (start, end) byte pairs: its capture groups when
// use_groups and the pattern has any, else the whole match; an unset group is (-1, -1).
// ignore_degenerate skips empty matches at the ends of s or just after a match (splitting).
struct Matches {
  uint32_t groups = 0;  // the pattern's capture groups
  size_t width = 1;
  size_t count = 0;
  std::vector<PCRE2_SIZE> locs;
  bool at(size_t match, size_t group, size_t* so, size_t* eo) const {
    const size_t k = 2 * (match * width + group);
    if (locs[k] == PCRE2_UNSET) return false;
    *so = locs[k];
    *eo = locs[k + 1];
    return true;
  }
};
Matches find_matches(const std::string& s, const std::string& pattern, const RegexFlags& flags,
                     size_t start, bool use_groups, bool ignore_degenerate) {
  CodePtr code = compile(pattern, flags.options);
  MatchData md = match_data(code.get());
  uint32_t groups = 0;
  pcre2_pattern_info(code.get(), PCRE2_INFO_CAPTURECOUNT, &groups);
  Matches m;
  m.groups = groups;
  const bool by_group = use_groups && groups > 0;
  m.width = by_group ? groups : 1;
  size_t prev_end = 0;
  while (start <= s.size() && find(code.get(), s, start, md.get())) {
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
    const size_t so = ov[0], eo = ov[1];
    if (!ignore_degenerate || (so < s.size() && eo > prev_end)) {
      if (by_group) {
        // Groups past the highest one set are not reset by pcre2_match: check the count.
        const uint32_t set = pcre2_get_ovector_count(md.get());
        for (uint32_t g = 1; g <= groups; ++g) {
          const bool unset = g >= set || ov[2 * g] == PCRE2_UNSET;
          m.locs.push_back(unset ? PCRE2_UNSET : ov[2 * g]);
          m.locs.push_back(unset ? PCRE2_UNSET : ov[2 * g + 1]);
        }
      } else {
        m.locs.push_back(so);
        m.locs.push_back(eo);
      }
      ++m.count;
    }
    prev_end = eo;
    if (!flags.global) break;
    start = so == eo ? next_char(s, eo) : eo;
  }
  return m;
}

// One match as PostgreSQL's text[]: a NULL element for a group that took no part.
Datum match_array(const std::string& s, const Matches& m, size_t match) {
  auto out = std::make_shared<std::vector<Datum>>();
  for (size_t g = 0; g < m.width; ++g) {
    size_t so = 0, eo = 0;
    out->push_back(m.at(match, g, &so, &eo) ? Datum(s.substr(so, eo - so)) : Datum::Null());
  }
  return Datum(ArrayPtr(out));
}

const std::string& flags_arg(const std::vector<Datum>& a, size_t i) {
  static const std::string kNone;
  return a.size() > i ? a[i].as_string() : kNone;
}

// PostgreSQL's check of an integer argument: "invalid value for parameter "start": 0".
int64_t checked_param(const Datum& d, const char* name, int64_t min, int64_t max = INT64_MAX) {
  const int64_t v = d.as_int();
  if (v < min || v > max)
    throw_error(sqlstate::kInvalidParameterValue,
                std::string("invalid value for parameter \"") + name + "\": " + std::to_string(v));
  return v;
}

// regexp_instr's and regexp_substr's (start, N, flags, subexpr): the byte range of the N'th
// match (or of its subexpr'th group) from character `start`; false when there is none.
bool nth_match(const std::vector<Datum>& a, const char* fname, size_t start_at, size_t n_at,
               size_t flags_at, size_t subexpr_at, size_t* so, size_t* eo) {
  const std::string& s = a[0].as_string();
  const int64_t start = a.size() > start_at ? checked_param(a[start_at], "start", 1) : 1;
  const int64_t n = a.size() > n_at ? checked_param(a[n_at], "n", 1) : 1;
  RegexFlags flags = parse_flags(flags_arg(a, flags_at), fname);
  const int64_t subexpr = a.size() > subexpr_at ? checked_param(a[subexpr_at], "subexpr", 0) : 0;
  flags.global = true;
  const size_t from = utf8_prefix_bytes(s, static_cast<size_t>(start - 1));
  if (static_cast<size_t>(start - 1) > utf8_length(s)) return false;
  Matches m = find_matches(s, a[1].as_string(), flags, from, subexpr > 0, false);
  if (static_cast<size_t>(n) > m.count) return false;
  if (subexpr > 0 && static_cast<size_t>(subexpr) > m.groups) return false;
  return m.at(static_cast<size_t>(n - 1), subexpr > 0 ? static_cast<size_t>(subexpr - 1) : 0, so,
              eo);
}

}  // namespace

bool regex_match_pg(const std::string& s, const std::string& pat, bool icase) {
  CodePtr code = compile(pat, kDefaultOptions | (icase ? PCRE2_CASELESS : 0u));
  MatchData md = match_data(code.get());
  return find(code.get(), s, 0, md.get());
}

Datum regexp_match_pg(const std::vector<Datum>& a) {
  const std::string& s = a[0].as_string();
  RegexFlags flags =
      parse_flags(flags_arg(a, 2), "regexp_match()", "Use the regexp_matches function instead.");
  Matches m = find_matches(s, a[1].as_string(), flags, 0, true, false);
  return m.count == 0 ? Datum::Null() : match_array(s, m, 0);
}

Datum regexp_matches_pg(const std::vector<Datum>& a) {
  const std::string& s = a[0].as_string();
  Matches m = find_matches(s, a[1].as_string(), parse_flags(flags_arg(a, 2)), 0, true, false);
  auto out = std::make_shared<std::vector<Datum>>();
  for (size_t i = 0; i < m.count; ++i) out->push_back(match_array(s, m, i));
  return Datum(ArrayPtr(out));
}

Datum regexp_split_pg(const std::vector<Datum>& a, const char* fname) {
  const std::string& s = a[0].as_string();
  RegexFlags flags = parse_flags(flags_arg(a, 2), fname);
  flags.global = true;
  Matches m = find_matches(s, a[1].as_string(), flags, 0, false, true);
  auto out = std::make_shared<std::vector<Datum>>();
  size_t from = 0;
  for (size_t i = 0; i < m.count; ++i) {
    size_t so = 0, eo = 0;
    m.at(i, 0, &so, &eo);
    out->push_back(Datum(s.substr(from, so - from)));
    from = eo;
  }
  out->push_back(Datum(s.substr(from)));
  return Datum(ArrayPtr(out));
}

Datum regexp_count_pg(const std::vector<Datum>& a) {
  const std::string& s = a[0].as_string();
  const int64_t start = a.size() > 2 ? checked_param(a[2], "start", 1) : 1;
  RegexFlags flags = parse_flags(flags_arg(a, 3), "regexp_count()");
  flags.global = true;
  if (static_cast<size_t>(start - 1) > utf8_length(s)) return Datum(int64_t{0});
  const size_t from = utf8_prefix_bytes(s, static_cast<size_t>(start - 1));
  return Datum(
      static_cast<int64_t>(find_matches(s, a[1].as_string(), flags, from, false, false).count));
}

Datum regexp_instr_pg(const std::vector<Datum>& a) {
  // (string, pattern [, start [, N [, endoption [, flags [, subexpr]]]]])
  const std::string& s = a[0].as_string();
  if (a.size() > 2) checked_param(a[2], "start", 1);
  if (a.size() > 3) checked_param(a[3], "n", 1);
  const bool end = a.size() > 4 && checked_param(a[4], "endoption", 0, 1) == 1;
  size_t so = 0, eo = 0;
  if (!nth_match(a, "regexp_instr()", 2, 3, 5, 6, &so, &eo)) return Datum(int64_t{0});
  const size_t at = end ? eo : so;
  return Datum(static_cast<int64_t>(utf8_length(std::string_view(s).substr(0, at)) + 1));
}

Datum regexp_like_pg(const std::vector<Datum>& a) {
  RegexFlags flags = parse_flags(flags_arg(a, 2), "regexp_like()");
  return Datum(find_matches(a[0].as_string(), a[1].as_string(), flags, 0, false, false).count > 0);
}

Datum regexp_substr_pg(const std::vector<Datum>& a) {
  // (string, pattern [, start [, N [, flags [, subexpr]]]])
  size_t so = 0, eo = 0;
  if (!nth_match(a, "regexp_substr()", 2, 3, 4, 5, &so, &eo)) return Datum::Null();
  return Datum(a[0].as_string().substr(so, eo - so));
}

namespace {

// PostgreSQL's replace_text_regexp: from byte `start`, the n'th match replaced (n = 0: every
// match). The replacement's \1..\9 are groups, \& the whole match, \\ a backslash.
std::string replace_matches(const std::string& s, const std::string& pattern, const std::string& r,
                            const RegexFlags& flags, size_t start, int64_t n) {
  CodePtr code = compile(pattern, flags.options);
  MatchData md = match_data(code.get());
  const uint32_t groups = pcre2_get_ovector_count(md.get());
  std::string out;
  size_t copied = 0;
  int64_t seen = 0;
  while (start <= s.size() && find(code.get(), s, start, md.get())) {
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
    const size_t so = ov[0], eo = ov[1];
    ++seen;
    if (n == 0 || seen == n) {
      out.append(s, copied, so - copied);
      for (size_t i = 0; i < r.size(); ++i) {
        if (r[i] == '\\' && i + 1 < r.size()) {
          char c = r[i + 1];
          if ((c >= '1' && c <= '9') || c == '&') {
            uint32_t g = c == '&' ? 0 : static_cast<uint32_t>(c - '0');
            if (g < groups && ov[2 * g] != PCRE2_UNSET)
              out.append(s, ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
            ++i;
            continue;
          }
          if (c == '\\') {
            out += '\\';
            ++i;
            continue;
          }
        }
        out += r[i];
      }
      copied = eo;
      if (n > 0) break;
    }
    // An empty match: go on after the next character, as PostgreSQL does.
    start = so == eo ? next_char(s, eo) : eo;
  }
  out.append(s, copied, std::string::npos);
  return out;
}

}  // namespace

std::string regex_replace_pg(const std::string& s, const std::string& pattern, const std::string& r,
                             const std::string& flag_text) {
  const RegexFlags flags = parse_flags(flag_text);
  return replace_matches(s, pattern, r, flags, 0, flags.global ? 0 : 1);
}

Datum regexp_replace_pg(const std::vector<Datum>& a) {
  // (source, pattern, replacement, start [, N [, flags]]): N given, 'g' is ignored.
  const std::string& s = a[0].as_string();
  const int64_t start = checked_param(a[3], "start", 1);
  int64_t n = a.size() > 4 ? checked_param(a[4], "n", 0) : 0;
  const RegexFlags flags = parse_flags(flags_arg(a, 5));
  if (a.size() <= 4) n = flags.global ? 0 : 1;
  if (static_cast<size_t>(start - 1) > utf8_length(s)) return Datum(s);
  const size_t from = utf8_prefix_bytes(s, static_cast<size_t>(start - 1));
  return Datum(replace_matches(s, a[1].as_string(), a[2].as_string(), flags, from, n));
}

Datum regexp_substring_pg(const std::string& s, const std::string& pattern) {
  // substring(text from pattern): the first group's text when the pattern has groups (NULL
  // when it took no part), else the whole match; NULL without a match.
  Matches m = find_matches(s, pattern, RegexFlags{}, 0, false, false);
  if (m.count == 0) return Datum::Null();
  size_t so = 0, eo = 0;
  if (m.groups > 0) {
    Matches g = find_matches(s, pattern, RegexFlags{}, 0, true, false);
    if (!g.at(0, 0, &so, &eo)) return Datum::Null();
  } else {
    m.at(0, 0, &so, &eo);
  }
  return Datum(s.substr(so, eo - so));
}

std::string similar_to_escape_pg(const std::string& pat, const std::string* escape) {
  // PostgreSQL's similar_escape: the SQL pattern as a regular expression anchored at both
  // ends, % as .*, _ as ., ( as a non-capturing group; escape-" separates the three parts of
  // a substring(... similar ...) pattern, the middle one captured.
  std::string esc = escape ? *escape : std::string("\\");
  if (utf8_length(esc) > 1)
    throw SqlError("22025", "invalid escape string", {},
                   "Escape string must be empty or one character.");
  std::string out = "^(?:";
  bool after_escape = false;
  int class_depth = 0, class_start = 0, quotes = 0;
  for (size_t i = 0; i < pat.size();) {
    const size_t len = std::max<size_t>(1, utf8_char_len(static_cast<unsigned char>(pat[i])));
    const std::string ch = pat.substr(i, len);
    i += len;
    if (after_escape) {
      if (ch == "\"" && class_depth < 1) {
        if (quotes == 0) {
          out += "){1,1}?(";
        } else if (quotes == 1) {
          out += "){1,1}(?:";
        } else {
          throw SqlError("2200B",
                         "SQL regular expression may not contain more than two escape-double-quote "
                         "separators");
        }
        ++quotes;
      } else {
        out += '\\';
        out += ch;
      }
      after_escape = false;
    } else if (!esc.empty() && ch == esc) {
      after_escape = true;
    } else if (class_depth > 0) {
      if (ch == "\\") out += '\\';
      out += ch;
      // A ] right after [ or [^ is a member, not the end of the class.
      if (ch == "]" && class_start > 2)
        --class_depth;
      else if (ch == "[")
        ++class_depth;
      class_start = ch == "^" ? class_start + 1 : 3;
    } else if (ch == "[") {
      out += ch;
      ++class_depth;
      class_start = 1;
    } else if (ch == "%") {
      out += ".*";
    } else if (ch == "_") {
      out += '.';
    } else if (ch == "(") {
      out += "(?:";
    } else if (ch == "\\" || ch == "." || ch == "^" || ch == "$") {
      out += '\\';
      out += ch;
    } else {
      out += ch;
    }
  }
  out += ")$";
  return out;
}

}  // namespace hf::sql::types::internal
