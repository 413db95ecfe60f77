// sql/types/regex.cc — regular expression operators (~, ~*, regexp_replace) on std::regex.
//
// Kept in its own translation unit: GCC 12's <regex> trips -Wmaybe-uninitialized false
// positives under -fsanitize=address, which -Werror would turn into build failures.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <regex>
#include <string>

#include "sql/types/internal.h"

namespace hf::sql::types::internal {

bool regex_match_pg(const std::string& s, const std::string& pat, bool icase) {
  try {
    auto flags = std::regex::ECMAScript;
    if (icase) flags |= std::regex::icase;
    std::regex re(pat, flags);
    return std::regex_search(s, re);
  } catch (const std::regex_error& e) {
    throw_error("2201B", std::string("invalid regular expression: ") + e.what());
  }
}

std::string regex_replace_pg(const std::string& s, const std::string& pattern, const std::string& r,
                             const std::string& flags) {
  bool global = flags.find('g') != std::string::npos;
  auto fl = std::regex::ECMAScript;
  if (flags.find('i') != std::string::npos) fl |= std::regex::icase;
  for (char c : flags)
    if (c != 'g' && c != 'i')
      throw_error(sqlstate::kInvalidParameterValue,
                  std::string("invalid regular expression option: \"") + c + "\"");
  // PostgreSQL's \1..\9 and \& map to ECMAScript $1..$9 and $&; a literal $ is $$.
  std::string repl;
  for (size_t i = 0; i < r.size(); ++i) {
    if (r[i] == '\\' && i + 1 < r.size()) {
      char n = r[i + 1];
      if (n >= '1' && n <= '9') {
        repl += '$';
        repl += n;
        ++i;
        continue;
      }
      if (n == '&') {
        repl += "$&";
        ++i;
        continue;
      }
      if (n == '\\') {
        repl += '\\';
        ++i;
        continue;
      }
    }
    if (r[i] == '$') repl += '$';
    repl += r[i];
  }
  try {
    std::regex re(pattern, fl);
    auto mf =
        global ? std::regex_constants::format_default : std::regex_constants::format_first_only;
    return std::regex_replace(s, re, repl, mf);
  } catch (const std::regex_error& e) {
    throw_error("2201B", std::string("invalid regular expression: ") + e.what());
  }
}

}  // namespace hf::sql::types::internal
