// sql/parse/parser.cc — see parser.h.
#include "sql/parse/parser.h"

#include <pg_query.h>

#include <strings.h>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "common/utf8.h"
#include "runtime/stack.h"

namespace hf::sql::parse {

ParseTree::~ParseTree() {
  if (result == nullptr) return;
  try {
    runtime::run_with_stack(stack_bytes,
                            [this] { pg_query__parse_result__free_unpacked(result, nullptr); });
  } catch (...) {
    // No stack could be mapped (53200): the tree leaks rather than overflowing this one.
  }
}

namespace {

// An upper bound of how deep the parse trees of `sql` nest, from its tokens: every bracket
// opens a level, and inside one every token that is not a name or a constant may add one (an
// operator, a keyword), except those that separate the members of a flat list: commas, AND and
// OR (which PostgreSQL's grammar flattens), CASE's WHEN / THEN / ELSE. 0 when it cannot scan.
size_t nesting_bound(const std::string& sql) {
  PgQueryScanResult r = pg_query_scan(sql.c_str());
  PgQuery__ScanResult* scan =
      r.error ? nullptr
              : pg_query__scan_result__unpack(nullptr, r.pbuf.len,
                                              reinterpret_cast<const uint8_t*>(r.pbuf.data));
  pg_query_free_scan_result(r);
  if (scan == nullptr) return 0;
  std::vector<size_t> counts(1, 0);  // per open bracket: tokens that may nest, this member
  size_t level = 0, deepest = 0;     // level: brackets open + the counts
  for (size_t i = 0; i < scan->n_tokens; ++i) {
    switch (scan->tokens[i]->token) {
      case PG_QUERY__TOKEN__ASCII_40:  // (
      case PG_QUERY__TOKEN__ASCII_91:  // [
        counts.push_back(0);
        ++level;
        break;
      case PG_QUERY__TOKEN__ASCII_41:  // )
      case PG_QUERY__TOKEN__ASCII_93:  // ]
        if (counts.size() > 1) {
          level -= counts.back() + 1;
          counts.pop_back();
        }
        break;
      case PG_QUERY__TOKEN__ASCII_44:  // ,
      case PG_QUERY__TOKEN__AND:
      case PG_QUERY__TOKEN__OR:
      case PG_QUERY__TOKEN__WHEN:
      case PG_QUERY__TOKEN__THEN:
      case PG_QUERY__TOKEN__ELSE:
        level -= counts.back();
        counts.back() = 0;
        break;
      case PG_QUERY__TOKEN__ASCII_59:  // ; ends a statement
        counts.assign(1, 0);
        level = 0;
        break;
      case PG_QUERY__TOKEN__IDENT:
      case PG_QUERY__TOKEN__UIDENT:
      case PG_QUERY__TOKEN__FCONST:
      case PG_QUERY__TOKEN__SCONST:
      case PG_QUERY__TOKEN__USCONST:
      case PG_QUERY__TOKEN__BCONST:
      case PG_QUERY__TOKEN__XCONST:
      case PG_QUERY__TOKEN__ICONST:
      case PG_QUERY__TOKEN__PARAM:
      case PG_QUERY__TOKEN__SQL_COMMENT:
      case PG_QUERY__TOKEN__C_COMMENT:
      case PG_QUERY__TOKEN__TRUE_P:
      case PG_QUERY__TOKEN__FALSE_P:
      case PG_QUERY__TOKEN__NULL_P:
        break;
      default:
        ++counts.back();
        ++level;
        break;
    }
    deepest = std::max(deepest, level);
  }
  pg_query__scan_result__free_unpacked(scan, nullptr);
  return deepest;
}

// PostgreSQL 15.18's scanner takes a number and the whole identifier after it as one junk
// token ({decinteger}{identifier}: "123abc", "0x0o", "1_2_3"); libpg_query's older scanner
// stops after the identifier's first character ("123a"). The token named is completed from
// the query text so the message is 15.18's.
void extend_trailing_junk(const std::string& sql, Error& e) {
  static const std::string kPrefix = "trailing junk after numeric literal at or near \"";
  if (e.message.rfind(kPrefix, 0) != 0 || e.message.back() != '"' || e.position <= 0 ||
      e.message.size() == kPrefix.size() + 1)
    return;
  const std::string token = e.message.substr(kPrefix.size(), e.message.size() - kPrefix.size() - 1);
  // The position counts characters; find its byte offset.
  size_t at = 0;
  for (int chars = 1; at < sql.size() && chars < e.position; ++chars) {
    ++at;
    while (at < sql.size() && (static_cast<unsigned char>(sql[at]) & 0xC0) == 0x80) ++at;
  }
  if (sql.compare(at, token.size(), token) != 0) return;
  size_t end = at + token.size();
  auto ident_char = [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80;
  };
  // Only a token ending in an identifier's first character is cut short ("0.0e+" of 0.0e+a,
  // an exponent without digits, is whole).
  if (!ident_char(static_cast<unsigned char>(token.back()))) return;
  while (end < sql.size() && ident_char(static_cast<unsigned char>(sql[end]))) ++end;
  e.message = kPrefix + sql.substr(at, end - at) + "\"";
}

std::shared_ptr<ParseTree> parse_tree(const std::string& sql) {
  // libpg_query's conversion of a tree to protobuf takes time quadratic in its depth (every
  // level's size is computed again for each level above it): a 400 kB `1+1+1...` held an
  // executor thread for 40 s. A tree that deep could not be bound anyway (the binder stops
  // at a few thousand levels with 54001), so a long statement is scanned first (in linear
  // time) and refused when it could nest deeper than kMaxParseDepth.
  if (sql.size() > kScanAbove && nesting_bound(sql) > kMaxParseDepth)
    throw SqlError(sqlstate::kStatementTooComplex, "stack depth limit exceeded");
  auto tree = std::make_shared<ParseTree>();
  tree->stack_bytes = 64 * 1024 + sql.size() * kParseStackPerByte;
  PgQueryProtobufParseResult r{};
  runtime::run_with_stack(tree->stack_bytes, [&] {
    r = pg_query_parse_protobuf(sql.c_str());
    if (r.error == nullptr)
      tree->result = pg_query__parse_result__unpack(
          nullptr, r.parse_tree.len, reinterpret_cast<const uint8_t*>(r.parse_tree.data));
  });
  if (r.error != nullptr) {
    Error e;
    e.sqlstate = sqlstate::kSyntaxError;
    e.message = r.error->message ? r.error->message : "syntax error";
    e.position = r.error->cursorpos;
    // libpg_query reports some errors (e.g. bad integer literal) with other codes; its
    // messages are PostgreSQL's, and syntax errors are the common case.
    if (e.message.rfind("syntax error", 0) != 0 &&
        e.message.find("unterminated") == std::string::npos &&
        e.message.find("at end of input") == std::string::npos) {
      if (e.message.find("out of range") != std::string::npos)
        e.sqlstate = sqlstate::kNumericValueOutOfRange;
      // The grammar's check of role names (public, none, ...): ERRCODE_RESERVED_NAME.
      if (e.message.rfind("role name \"", 0) == 0 &&
          e.message.find("\" is reserved") != std::string::npos)
        e.sqlstate = "42939";
    }
    extend_trailing_junk(sql, e);
    pg_query_free_protobuf_parse_result(r);
    throw SqlError(std::move(e));
  }
  pg_query_free_protobuf_parse_result(r);
  if (tree->result == nullptr)
    throw SqlError(sqlstate::kInternalError, "could not unpack parse tree");
  return tree;
}

}  // namespace

std::string const_text(const PgQuery__Node* n) {
  runtime::check_stack_depth();
  if (n == nullptr) return "";
  switch (n->node_case) {
    case PG_QUERY__NODE__NODE_A_CONST: {
      const auto* c = n->a_const;
      if (c->isnull) return "";
      switch (c->val_case) {
        case PG_QUERY__A__CONST__VAL_IVAL:
          return std::to_string(c->ival->ival);
        case PG_QUERY__A__CONST__VAL_FVAL:
          return c->fval->fval;
        case PG_QUERY__A__CONST__VAL_SVAL:
          return c->sval->sval;
        case PG_QUERY__A__CONST__VAL_BOOLVAL:
          return c->boolval->boolval ? "on" : "off";
        default:
          return "";
      }
    }
    case PG_QUERY__NODE__NODE_TYPE_CAST:
      return const_text(n->type_cast->arg);
    case PG_QUERY__NODE__NODE_STRING:
      return n->string->sval;
    case PG_QUERY__NODE__NODE_INTEGER:
      return std::to_string(n->integer->ival);
    case PG_QUERY__NODE__NODE_FLOAT:
      return n->float_->fval;
    default:
      return "";
  }
}

namespace {

// Transaction modes of BEGIN / SET TRANSACTION: DefElems transaction_isolation,
// transaction_read_only, transaction_deferrable.
void read_transaction_modes(PgQuery__Node** opts, size_t n, RawStatement& out) {
  for (size_t i = 0; i < n; ++i) {
    if (opts[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM) continue;
    const auto* d = opts[i]->def_elem;
    std::string name = d->defname ? d->defname : "";
    std::string v = const_text(d->arg);
    if (name == "transaction_isolation") out.isolation = v;
    if (name == "transaction_read_only") out.read_only = (v == "1" || v == "on" || v == "true");
    if (name == "transaction_deferrable") out.deferrable = (v == "1" || v == "on" || v == "true");
  }
}

void classify(const PgQuery__Node* node, RawStatement& out) {
  switch (node->node_case) {
    case PG_QUERY__NODE__NODE_TRANSACTION_STMT: {
      const auto* t = node->transaction_stmt;
      out.chain = t->chain;
      switch (t->kind) {
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
          out.kind = StatementKind::kBegin, out.tag = "BEGIN";
          read_transaction_modes(t->options, t->n_options, out);
          return;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
          out.kind = StatementKind::kBegin, out.tag = "START TRANSACTION";
          read_transaction_modes(t->options, t->n_options, out);
          return;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
          out.kind = StatementKind::kCommit, out.tag = "COMMIT";
          return;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK:
          out.kind = StatementKind::kRollback, out.tag = "ROLLBACK";
          return;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_SAVEPOINT:
          out.kind = StatementKind::kSavepoint, out.tag = "SAVEPOINT";
          out.name = t->savepoint_name ? t->savepoint_name : "";
          return;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_RELEASE:
          out.kind = StatementKind::kRelease, out.tag = "RELEASE";
          out.name = t->savepoint_name ? t->savepoint_name : "";
          return;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_TO:
          out.kind = StatementKind::kRollbackTo, out.tag = "ROLLBACK";
          out.name = t->savepoint_name ? t->savepoint_name : "";
          return;
        default:
          return;  // two-phase commit: left to prepare(), which refuses it
      }
    }
    case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT: {
      const auto* s = node->variable_set_stmt;
      out.name = s->name ? s->name : "";
      out.is_local = s->is_local;
      switch (s->kind) {
        case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE:
          out.kind = StatementKind::kSet, out.tag = "SET";
          for (size_t i = 0; i < s->n_args; ++i) {
            // INTERVAL '...' (SET TIME ZONE INTERVAL '+02:00' HOUR TO MINUTE) stays marked as
            // one, as PostgreSQL's flatten_set_variable_args writes it.
            const PgQuery__Node* arg = s->args[i];
            std::string v = const_text(arg);
            if (arg->node_case == PG_QUERY__NODE__NODE_TYPE_CAST && arg->type_cast->type_name &&
                arg->type_cast->type_name->n_names > 0) {
              const PgQuery__Node* last =
                  arg->type_cast->type_name->names[arg->type_cast->type_name->n_names - 1];
              if (last->node_case == PG_QUERY__NODE__NODE_STRING &&
                  std::string(last->string->sval) == "interval")
                v = "INTERVAL '" + v + "'";
            }
            out.values.push_back(std::move(v));
          }
          return;
        case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_DEFAULT:
          out.kind = StatementKind::kSet, out.tag = "SET";
          return;
        case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_MULTI:
          out.kind = StatementKind::kSet, out.tag = "SET";
          out.set_transaction = true;
          out.session_characteristics = out.name == "SESSION CHARACTERISTICS";
          read_transaction_modes(s->args, s->n_args, out);
          return;
        case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET:
          out.kind = StatementKind::kReset, out.tag = "RESET";
          return;
        case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL:
          out.kind = StatementKind::kReset, out.tag = "RESET";
          out.name = "all";
          return;
        default:
          out.kind = StatementKind::kSet, out.tag = "SET";
          return;
      }
    }
    case PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT:
      out.kind = StatementKind::kShow, out.tag = "SHOW";
      out.name = node->variable_show_stmt->name ? node->variable_show_stmt->name : "";
      return;
    case PG_QUERY__NODE__NODE_DISCARD_STMT:
      out.kind = StatementKind::kDiscard;
      switch (node->discard_stmt->target) {
        case PG_QUERY__DISCARD_MODE__DISCARD_PLANS:
          out.tag = "DISCARD PLANS", out.name = "plans";
          break;
        case PG_QUERY__DISCARD_MODE__DISCARD_SEQUENCES:
          out.tag = "DISCARD SEQUENCES", out.name = "sequences";
          break;
        case PG_QUERY__DISCARD_MODE__DISCARD_TEMP:
          out.tag = "DISCARD TEMP", out.name = "temp";
          break;
        default:
          out.tag = "DISCARD ALL", out.name = "all";
          break;
      }
      return;
    case PG_QUERY__NODE__NODE_LISTEN_STMT:
      out.kind = StatementKind::kListen, out.tag = "LISTEN";
      out.name = node->listen_stmt->conditionname ? node->listen_stmt->conditionname : "";
      return;
    case PG_QUERY__NODE__NODE_UNLISTEN_STMT:  // UNLISTEN *: no name
      out.kind = StatementKind::kUnlisten, out.tag = "UNLISTEN";
      out.name = node->unlisten_stmt->conditionname ? node->unlisten_stmt->conditionname : "";
      return;
    case PG_QUERY__NODE__NODE_NOTIFY_STMT:
      out.kind = StatementKind::kNotify, out.tag = "NOTIFY";
      out.name = node->notify_stmt->conditionname ? node->notify_stmt->conditionname : "";
      out.values.push_back(node->notify_stmt->payload ? node->notify_stmt->payload : "");
      return;
    case PG_QUERY__NODE__NODE_PREPARE_STMT:
      out.kind = StatementKind::kPrepare, out.tag = "PREPARE";
      out.name = node->prepare_stmt->name ? node->prepare_stmt->name : "";
      return;
    case PG_QUERY__NODE__NODE_EXECUTE_STMT:
      out.kind = StatementKind::kExecute;  // the tag is the prepared statement's
      out.name = node->execute_stmt->name ? node->execute_stmt->name : "";
      return;
    case PG_QUERY__NODE__NODE_DEALLOCATE_STMT:
      out.kind = StatementKind::kDeallocate;
      out.name = node->deallocate_stmt->name ? node->deallocate_stmt->name : "";
      out.tag = out.name.empty() ? "DEALLOCATE ALL" : "DEALLOCATE";
      return;
    default:
      out.kind = StatementKind::kQuery;
      return;
  }
}

struct Token {
  std::string text;  // lower case for words
  size_t offset = 0;
  size_t length = 0;
  bool word = false;
};

// A small lexer: enough of PostgreSQL's to find keywords outside strings and comments.
std::vector<Token> lex(const std::string& s) {
  std::vector<Token> out;
  size_t i = 0, n = s.size();
  auto is_ident_start = [](unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; };
  auto is_ident = [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80;
  };
  while (i < n) {
    unsigned char c = s[i];
    if (std::isspace(c)) {
      ++i;
      continue;
    }
    if (c == '-' && i + 1 < n && s[i + 1] == '-') {
      while (i < n && s[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      int depth = 0;
      while (i < n) {
        if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
          ++depth, i += 2;
        } else if (s[i] == '*' && i + 1 < n && s[i + 1] == '/') {
          i += 2;
          if (--depth == 0) break;
        } else {
          ++i;
        }
      }
      continue;
    }
    size_t start = i;
    if (c == '\'' || ((c == 'e' || c == 'E') && i + 1 < n && s[i + 1] == '\'')) {
      bool esc = c != '\'';
      i += esc ? 2 : 1;
      while (i < n) {
        if (esc && s[i] == '\\') {
          i += 2;
          continue;
        }
        if (s[i] == '\'') {
          if (i + 1 < n && s[i + 1] == '\'') {
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        ++i;
      }
      out.push_back({"'", start, i - start, false});
      continue;
    }
    if (c == '"') {
      ++i;
      while (i < n) {
        if (s[i] == '"') {
          if (i + 1 < n && s[i + 1] == '"') {
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        ++i;
      }
      out.push_back({"\"", start, i - start, false});
      continue;
    }
    if (c == '$') {
      size_t j = i + 1;
      while (j < n && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      if (j < n && s[j] == '$' &&
          !(j > i + 1 && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
        std::string tag = s.substr(i, j - i + 1);
        size_t end = s.find(tag, j + 1);
        i = end == std::string::npos ? n : end + tag.size();
        out.push_back({"$", start, i - start, false});
        continue;
      }
    }
    if (is_ident_start(c)) {
      while (i < n && is_ident(static_cast<unsigned char>(s[i]))) ++i;
      std::string w = s.substr(start, i - start);
      for (auto& ch : w) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      out.push_back({w, start, i - start, true});
      continue;
    }
    if (std::isdigit(c) ||
        (c == '.' && i + 1 < n && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      while (i < n && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
      out.push_back({s.substr(start, i - start), start, i - start, false});
      continue;
    }
    ++i;
    out.push_back({s.substr(start, 1), start, 1, false});
  }
  return out;
}

[[noreturn]] void wait_syntax_error(const std::string& sql, const std::vector<Token>& t, size_t k) {
  Error e;
  e.sqlstate = sqlstate::kSyntaxError;
  if (k >= t.size()) {
    e.message = "syntax error at end of input";
    e.position = static_cast<int>(sql.size()) + 1;
  } else {
    e.message = "syntax error at or near \"" + sql.substr(t[k].offset, t[k].length) + "\"";
    e.position = static_cast<int>(t[k].offset) + 1;
  }
  throw SqlError(std::move(e));
}

}  // namespace

std::string strip_lock_waits(const std::string& sql, std::vector<LockWaitClause>* waits) {
  // Cheap test first: most statements have no WAIT at all.
  bool maybe = false;
  for (size_t i = 0; i + 4 <= sql.size() && !maybe; ++i)
    maybe = (sql[i] == 'w' || sql[i] == 'W') && strncasecmp(sql.c_str() + i, "wait", 4) == 0;
  if (!maybe) return sql;
  std::vector<Token> t = lex(sql);
  std::string out = sql;
  auto is = [&](size_t k, const char* w) { return k < t.size() && t[k].word && t[k].text == w; };
  for (size_t k = 0; k < t.size(); ++k) {
    if (!is(k, "for")) continue;
    size_t m = k + 1;
    if (is(m, "update") || is(m, "share")) {
      m += 1;
    } else if (is(m, "no") && is(m + 1, "key") && is(m + 2, "update")) {
      m += 3;
    } else if (is(m, "key") && is(m + 1, "share")) {
      m += 2;
    } else {
      continue;
    }
    if (is(m, "of")) {
      ++m;
      for (;;) {
        if (m >= t.size() || !(t[m].word || t[m].text == "\"")) break;
        ++m;
        while (m + 1 < t.size() && t[m].text == "." && (t[m + 1].word || t[m + 1].text == "\""))
          m += 2;
        if (m < t.size() && t[m].text == ",") {
          ++m;
          continue;
        }
        break;
      }
    }
    if (!is(m, "wait")) continue;
    size_t v = m + 1;
    if (v >= t.size() || t[v].word || t[v].text.empty() ||
        !(std::isdigit(static_cast<unsigned char>(t[v].text[0])) || t[v].text[0] == '.'))
      wait_syntax_error(sql, t, v);
    char* end = nullptr;
    std::string num = t[v].text;
    double secs = std::strtod(num.c_str(), &end);
    if (end == nullptr || *end != '\0' || !(secs >= 0)) wait_syntax_error(sql, t, v);
    size_t from = t[m].offset, to = t[v].offset + t[v].length;
    for (size_t x = from; x < to; ++x)
      if (out[x] != '\n') out[x] = ' ';
    if (waits) waits->push_back({from, secs});
    k = v;
  }
  return out;
}

std::string strip_concurrency_modes(const std::string& sql,
                                    std::vector<ConcurrencyClause>* clauses) {
  auto contains = [&](const char* w) {
    size_t n = std::strlen(w);
    for (size_t i = 0; i + n <= sql.size(); ++i)
      if (strncasecmp(sql.c_str() + i, w, n) == 0) return true;
    return false;
  };
  if (!contains("optimistic") && !contains("pessimistic")) return sql;
  std::vector<Token> t = lex(sql);
  std::string out = sql;
  auto is = [&](size_t k, const char* w) { return k < t.size() && t[k].word && t[k].text == w; };
  for (size_t k = 0; k < t.size(); ++k) {
    if (k > 0 && t[k - 1].text != ";") continue;  // statements start the text or follow a ;
    size_t m = k;
    if (is(m, "begin")) {
      ++m;
      if (is(m, "work") || is(m, "transaction")) ++m;
    } else if (is(m, "start") && is(m + 1, "transaction")) {
      m += 2;
    } else {
      continue;
    }
    if (!is(m, "optimistic") && !is(m, "pessimistic")) continue;
    for (size_t x = t[m].offset; x < t[m].offset + t[m].length; ++x) out[x] = ' ';
    if (clauses) clauses->push_back({t[m].offset, t[m].text == "optimistic"});
  }
  return out;
}

namespace {

// Transaction control sent as a simple query ("BEGIN", "COMMIT": twice per transaction from
// most drivers, even with prepared statements) is parsed once per thread: libpg_query's parse
// and its protobuf round trip cost far more than the statement's execution. Only strings whose
// statements are all transaction control are kept: the session reads nothing of them but the
// classified fields, and their shared tree is never changed. Bounded, so clients that send
// savepoint names of their own cannot grow it.
constexpr size_t kControlCacheEntries = 64;
constexpr size_t kControlCacheMaxText = 64;

bool is_transaction_control(StatementKind k) {
  return k == StatementKind::kBegin || k == StatementKind::kCommit ||
         k == StatementKind::kRollback || k == StatementKind::kSavepoint ||
         k == StatementKind::kRelease || k == StatementKind::kRollbackTo;
}

std::unordered_map<std::string, std::vector<RawStatement>>& control_cache() {
  thread_local std::unordered_map<std::string, std::vector<RawStatement>> cache;
  return cache;
}

std::vector<RawStatement> parse_sql_uncached(const std::string& sql_in);

}  // namespace

std::vector<RawStatement> parse_sql(const std::string& sql_in) {
  if (sql_in.size() > kControlCacheMaxText) return parse_sql_uncached(sql_in);
  auto& cache = control_cache();
  if (auto it = cache.find(sql_in); it != cache.end()) return it->second;
  std::vector<RawStatement> out = parse_sql_uncached(sql_in);
  if (std::all_of(out.begin(), out.end(),
                  [](const RawStatement& r) { return is_transaction_control(r.kind); })) {
    if (cache.size() >= kControlCacheEntries) cache.clear();
    cache.emplace(sql_in, out);
  }
  return out;
}

namespace {

std::vector<RawStatement> parse_sql_uncached(const std::string& sql_in) {
  check_utf8(sql_in);
  std::vector<LockWaitClause> waits;
  std::vector<ConcurrencyClause> modes;
  std::string sql = strip_concurrency_modes(strip_lock_waits(sql_in, &waits), &modes);
  auto tree = parse_tree(sql);
  std::vector<RawStatement> out;
  for (size_t i = 0; i < tree->result->n_stmts; ++i) {
    const PgQuery__RawStmt* rs = tree->result->stmts[i];
    RawStatement raw;
    size_t loc = static_cast<size_t>(rs->stmt_location);
    size_t len = rs->stmt_len == 0 ? sql.size() - loc : static_cast<size_t>(rs->stmt_len);
    raw.text = sql_in.substr(loc, len);
    // Trim leading whitespace, as PostgreSQL's debug_query_string shows it.
    size_t b = raw.text.find_first_not_of(" \t\r\n");
    if (b != std::string::npos && b > 0) raw.text.erase(0, b);
    auto ps = std::make_shared<ParsedStatement>();
    ps->tree = tree;
    ps->node = rs->stmt;
    ps->location = static_cast<int>(loc);
    for (const auto& w : waits)
      if (w.offset >= loc && w.offset < loc + len && !ps->lock_wait_seconds)
        ps->lock_wait_seconds = w.seconds;
    raw.tree = ps;
    for (const auto& c : modes)
      if (c.offset >= loc && c.offset < loc + len) raw.optimistic = c.optimistic;
    if (rs->stmt == nullptr) {
      raw.kind = StatementKind::kEmpty;
    } else {
      classify(rs->stmt, raw);
      if (raw.kind == StatementKind::kQuery) raw.tag = utility_tag(rs->stmt);
    }
    out.push_back(std::move(raw));
  }
  if (out.empty()) {
    RawStatement raw;
    raw.kind = StatementKind::kEmpty;
    out.push_back(std::move(raw));
  }
  return out;
}

}  // namespace

const ParsedStatement& parsed(const RawStatement& raw) {
  return *static_cast<const ParsedStatement*>(raw.tree.get());
}

std::shared_ptr<ParseTree> parse_expression(const std::string& expr, const PgQuery__Node** out) {
  auto tree = parse_tree("SELECT " + expr);
  *out = nullptr;
  if (tree->result->n_stmts == 1) {
    const auto* n = tree->result->stmts[0]->stmt;
    if (n && n->node_case == PG_QUERY__NODE__NODE_SELECT_STMT &&
        n->select_stmt->n_target_list == 1) {
      const auto* t = n->select_stmt->target_list[0];
      if (t->node_case == PG_QUERY__NODE__NODE_RES_TARGET) *out = t->res_target->val;
    }
  }
  if (*out == nullptr) throw SqlError(sqlstate::kSyntaxError, "invalid stored expression: " + expr);
  return tree;
}

std::shared_ptr<ParseTree> parse_query(const std::string& sql, const PgQuery__Node** out) {
  auto tree = parse_tree(sql);
  *out = nullptr;
  if (tree->result->n_stmts == 1) {
    const auto* n = tree->result->stmts[0]->stmt;
    if (n && n->node_case == PG_QUERY__NODE__NODE_SELECT_STMT) *out = n;
  }
  if (*out == nullptr) throw SqlError(sqlstate::kSyntaxError, "invalid stored query: " + sql);
  return tree;
}

namespace {

// libpg_query's deparser over one statement node (borrowed, not freed).
std::string deparse_node(PgQuery__Node* stmt) {
  PgQuery__RawStmt raw = PG_QUERY__RAW_STMT__INIT;
  raw.stmt = stmt;
  PgQuery__RawStmt* stmts[1] = {&raw};
  PgQuery__ParseResult pr = PG_QUERY__PARSE_RESULT__INIT;
  pr.version = 150001;
  pr.n_stmts = 1;
  pr.stmts = stmts;
  // Sizing, packing and deparsing recurse per level of the tree. The tree came from a
  // statement whose parse had a stack of its own (ParseTree); sizing takes a small fraction of
  // that per level, so a generous reserved-not-committed stack bounds it; then every level
  // takes at least a byte of the packed form, which bounds packing and deparsing.
  std::string buf;
  PgQueryDeparseResult d{};
  runtime::run_with_stack(size_t{256} << 20, [&] {
    buf.resize(pg_query__parse_result__get_packed_size(&pr));
    runtime::run_with_stack(64 * 1024 + buf.size() * kParseStackPerByte, [&] {
      pg_query__parse_result__pack(&pr, reinterpret_cast<uint8_t*>(buf.data()));
      PgQueryProtobuf pb{buf.size(), buf.data()};
      d = pg_query_deparse_protobuf(pb);
    });
  });
  std::string out;
  if (d.error == nullptr && d.query != nullptr) out = d.query;
  pg_query_free_deparse_result(d);
  return out;
}

}  // namespace

std::string deparse_expr(const PgQuery__Node* expr) {
  PgQuery__ResTarget rt = PG_QUERY__RES_TARGET__INIT;
  rt.val = const_cast<PgQuery__Node*>(expr);
  PgQuery__Node rt_node = PG_QUERY__NODE__INIT;
  rt_node.node_case = PG_QUERY__NODE__NODE_RES_TARGET;
  rt_node.res_target = &rt;
  PgQuery__Node* targets[1] = {&rt_node};
  PgQuery__SelectStmt sel = PG_QUERY__SELECT_STMT__INIT;
  sel.n_target_list = 1;
  sel.target_list = targets;
  sel.limit_option = PG_QUERY__LIMIT_OPTION__LIMIT_OPTION_DEFAULT;
  sel.op = PG_QUERY__SET_OPERATION__SETOP_NONE;
  PgQuery__Node sel_node = PG_QUERY__NODE__INIT;
  sel_node.node_case = PG_QUERY__NODE__NODE_SELECT_STMT;
  sel_node.select_stmt = &sel;
  std::string out = deparse_node(&sel_node);
  if (out.rfind("SELECT ", 0) == 0) out = out.substr(7);
  if (out.empty()) throw SqlError(sqlstate::kInternalError, "could not deparse expression");
  return out;
}

std::string deparse_query(const PgQuery__Node* query) {
  std::string out = deparse_node(const_cast<PgQuery__Node*>(query));
  if (out.empty()) throw SqlError(sqlstate::kInternalError, "could not deparse query");
  return out;
}

std::string utility_tag(const PgQuery__Node* node) {
  switch (node->node_case) {
    case PG_QUERY__NODE__NODE_SELECT_STMT:
      return "SELECT";
    case PG_QUERY__NODE__NODE_INSERT_STMT:
      return "INSERT";
    case PG_QUERY__NODE__NODE_UPDATE_STMT:
      return "UPDATE";
    case PG_QUERY__NODE__NODE_DELETE_STMT:
      return "DELETE";
    case PG_QUERY__NODE__NODE_MERGE_STMT:
      return "MERGE";
    case PG_QUERY__NODE__NODE_CREATE_STMT:
      return "CREATE TABLE";
    case PG_QUERY__NODE__NODE_VIEW_STMT:
      return "CREATE VIEW";
    case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
      return node->create_table_as_stmt->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW
                 ? "CREATE MATERIALIZED VIEW"
                 : "CREATE TABLE AS";
    case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT:
      return "REFRESH MATERIALIZED VIEW";
    case PG_QUERY__NODE__NODE_DROP_STMT:
      switch (node->drop_stmt->remove_type) {
        case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX:
          return "DROP INDEX";
        case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
          return "DROP SEQUENCE";
        case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
          return "DROP VIEW";
        case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION:
          return "DROP FUNCTION";
        case PG_QUERY__OBJECT_TYPE__OBJECT_TRIGGER:
          return "DROP TRIGGER";
        case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA:
          return "DROP SCHEMA";
        case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
          return "DROP MATERIALIZED VIEW";
        case PG_QUERY__OBJECT_TYPE__OBJECT_TYPE:
          return "DROP TYPE";
        case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN:
          return "DROP DOMAIN";
        default:
          return "DROP TABLE";
      }
    case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
      return "TRUNCATE TABLE";
    case PG_QUERY__NODE__NODE_INDEX_STMT:
      return "CREATE INDEX";
    case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
      return "ALTER TABLE";
    case PG_QUERY__NODE__NODE_VACUUM_STMT:
      return node->vacuum_stmt->is_vacuumcmd ? "VACUUM" : "ANALYZE";
    case PG_QUERY__NODE__NODE_CHECK_POINT_STMT:
      return "CHECKPOINT";
    case PG_QUERY__NODE__NODE_COPY_STMT:
      return "COPY";
    case PG_QUERY__NODE__NODE_EXPLAIN_STMT:
      return "EXPLAIN";
    case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
      return "CREATE SEQUENCE";
    case PG_QUERY__NODE__NODE_ALTER_SEQ_STMT:
      return "ALTER SEQUENCE";
    case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
      return node->create_function_stmt->is_procedure ? "CREATE PROCEDURE" : "CREATE FUNCTION";
    case PG_QUERY__NODE__NODE_DO_STMT:
      return "DO";
    case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
      return "CREATE TRIGGER";
    case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
      return "CREATE SCHEMA";
    case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:
    case PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT:
      return "CREATE TYPE";
    case PG_QUERY__NODE__NODE_ALTER_ENUM_STMT:
      return "ALTER TYPE";
    case PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT:
      return "CREATE DOMAIN";
    case PG_QUERY__NODE__NODE_ALTER_DOMAIN_STMT:
      return "ALTER DOMAIN";
    case PG_QUERY__NODE__NODE_CREATE_ROLE_STMT:
      return "CREATE ROLE";
    case PG_QUERY__NODE__NODE_ALTER_ROLE_STMT:
    case PG_QUERY__NODE__NODE_ALTER_ROLE_SET_STMT:
      return "ALTER ROLE";
    case PG_QUERY__NODE__NODE_ALTER_DATABASE_SET_STMT:
      return "ALTER DATABASE";
    case PG_QUERY__NODE__NODE_DROP_ROLE_STMT:
      return "DROP ROLE";
    case PG_QUERY__NODE__NODE_GRANT_STMT:
      return node->grant_stmt->is_grant ? "GRANT" : "REVOKE";
    case PG_QUERY__NODE__NODE_GRANT_ROLE_STMT:
      return node->grant_role_stmt->is_grant ? "GRANT ROLE" : "REVOKE ROLE";
    default:
      return "";
  }
}

// "TABLE", "MATERIALIZED VIEW": an object type as a command tag names it.
static std::string object_type_words(PgQuery__ObjectType type) {
  switch (type) {
    case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
      return "MATERIALIZED VIEW";
    case PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN:
    case PG_QUERY__OBJECT_TYPE__OBJECT_TABCONSTRAINT:
      return "TABLE";
    case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE:
      return "FOREIGN TABLE";
    default:
      break;
  }
  const ProtobufCEnumDescriptor& d = pg_query__object_type__descriptor;
  const ProtobufCEnumValue* v = nullptr;
  for (unsigned i = 0; i < d.n_values; ++i)
    if (d.values[i].value == static_cast<int>(type)) v = &d.values[i];
  if (v == nullptr) return "OBJECT";
  std::string name = v->name;  // OBJECT_TABLE
  if (name.rfind("OBJECT_", 0) == 0) name = name.substr(7);
  for (auto& c : name) c = c == '_' ? ' ' : c;
  return name;
}

std::string statement_kind(const PgQuery__Node* node) {
  if (std::string tag = utility_tag(node); !tag.empty()) return tag;
  // Node kinds whose message name is not their field name read as words.
  switch (node->node_case) {
    case PG_QUERY__NODE__NODE_RENAME_STMT: {
      const auto* r = node->rename_stmt;
      const bool of_relation = r->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN ||
                               r->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABCONSTRAINT;
      return "ALTER " + object_type_words(of_relation ? r->relation_type : r->rename_type);
    }
    case PG_QUERY__NODE__NODE_ALTER_OBJECT_SCHEMA_STMT:
      return "ALTER " + object_type_words(node->alter_object_schema_stmt->object_type);
    case PG_QUERY__NODE__NODE_ALTER_OWNER_STMT:
      return "ALTER " + object_type_words(node->alter_owner_stmt->object_type);
    case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
      return "CREATE TRIGGER";
    case PG_QUERY__NODE__NODE_VIEW_STMT:
      return "CREATE VIEW";
    case PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT:
    case PG_QUERY__NODE__NODE_CREATE_RANGE_STMT:
      return "CREATE TYPE";
    case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
      return "CREATE TABLE AS";
    case PG_QUERY__NODE__NODE_RULE_STMT:
      return "CREATE RULE";
    case PG_QUERY__NODE__NODE_CREATE_PLANG_STMT:
      return "CREATE LANGUAGE";
    case PG_QUERY__NODE__NODE_DEFINE_STMT:
      return "CREATE AGGREGATE, OPERATOR or TYPE";
    default:
      break;
  }
  // Otherwise the node's field name: create_function_stmt -> CREATE FUNCTION.
  const ProtobufCFieldDescriptor* field = nullptr;
  for (unsigned i = 0; i < pg_query__node__descriptor.n_fields; ++i)
    if (pg_query__node__descriptor.fields[i].id == static_cast<uint32_t>(node->node_case))
      field = &pg_query__node__descriptor.fields[i];
  if (field == nullptr) return "this statement";
  std::string name = field->name;
  if (name.ends_with("_stmt")) name.resize(name.size() - 5);
  for (auto& c : name) c = c == '_' ? ' ' : static_cast<char>(std::toupper(uint8_t(c)));
  return name;
}

}  // namespace hf::sql::parse
