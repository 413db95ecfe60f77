// sql/parse/parser.h — SQL text to PostgreSQL parse trees (libpg_query 15, protobuf form).
//
// Owns: splitting a query string into statements, turning syntax errors into SqlError 42601
// with PostgreSQL's message and cursor position, and recognising the statements the session
// carries out itself (BEGIN/COMMIT/SET/SHOW/...; see sql/engine.h). The typed protobuf-c
// structs of pg_query.pb-c.h are the tree the binder reads.
//
// Thread safety: parse_sql() is thread-safe (libpg_query keeps per-thread memory contexts).
// A ParsedStatement is immutable and shared by every RawStatement cut from the same string.
// Never suspends. Never overflows the stack, however deep the statement: see ParseTree.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pg_query/pg_query.pb-c.h>

#include "sql/engine.h"

namespace hf::sql::parse {

// The unpacked protobuf of one query string; frees it when the last statement goes.
// libpg_query's conversion of a parse tree to protobuf, protobuf-c's unpacking and freeing
// recurse once per level of the tree, and a tree can be about half as deep as its text is
// long (`1+1+1...`): they run on a stack of stack_bytes (runtime/stack.h's run_with_stack),
// sized from the text's length, so that no statement can overflow a session's small stack.
struct ParseTree {
  PgQuery__ParseResult* result = nullptr;
  size_t stack_bytes = 0;
  ~ParseTree();
};
// Stack that libpg_query and protobuf-c use at most per byte of SQL text: measured at under
// 1 KiB (`~ ~ ~ 1`, `1+1+1`), doubled.
inline constexpr size_t kParseStackPerByte = 2048;
// Statements longer than kScanAbove bytes whose tokens could nest more than kMaxParseDepth
// levels are refused with 54001 before libpg_query parses them (see parse_tree in parser.cc).
inline constexpr size_t kScanAbove = 16 * 1024;
inline constexpr size_t kMaxParseDepth = 20000;

// What RawStatement::tree points to.
struct ParsedStatement {
  std::shared_ptr<ParseTree> tree;
  const PgQuery__Node* node = nullptr;  // the statement (SelectStmt, InsertStmt, ...)
  int location = 0;                     // byte offset of the statement in the string
  // holdfast's `FOR UPDATE ... WAIT n` extension: seconds this statement waits at most for
  // its row locks (nullopt: no WAIT clause). Cut out of the text before parsing.
  std::optional<double> lock_wait_seconds;
};

// One `WAIT n` found after a locking clause: where it starts in the text and its seconds.
struct LockWaitClause {
  size_t offset = 0;
  double seconds = 0;
};
// Replaces every `WAIT n` that follows a locking clause (FOR UPDATE / NO KEY UPDATE / SHARE /
// KEY SHARE [OF ...]) with spaces, so positions in the rest of the text do not move, and
// returns them. Throws SqlError 42601 when WAIT is followed by anything but a non-negative
// number. Strings, quoted identifiers and comments are skipped.
std::string strip_lock_waits(const std::string& sql, std::vector<LockWaitClause>* waits);

// One `OPTIMISTIC` / `PESSIMISTIC` found after BEGIN [WORK | TRANSACTION] or START
// TRANSACTION (TiDB's syntax, issue 10): where it is in the text and which.
struct ConcurrencyClause {
  size_t offset = 0;
  bool optimistic = false;
};
// Replaces each such word with spaces (positions in the rest of the text do not move) and
// returns them, so that PostgreSQL's grammar parses the rest of the BEGIN. The word must come
// right after BEGIN [WORK | TRANSACTION] or START TRANSACTION at the start of a statement.
std::string strip_concurrency_modes(const std::string& sql,
                                    std::vector<ConcurrencyClause>* clauses);

// Parses and splits sql. Throws SqlError 42601 on a syntax error.
std::vector<RawStatement> parse_sql(const std::string& sql);

// The parsed statement of a RawStatement made by parse_sql(). REQUIRES raw.tree set.
const ParsedStatement& parsed(const RawStatement& raw);

// Parses one expression (as "SELECT <expr>") and returns the ResTarget's value node; the
// returned tree keeps it alive. Used for stored DEFAULT / CHECK / index expressions.
std::shared_ptr<ParseTree> parse_expression(const std::string& expr, const PgQuery__Node** out);

// A constant of a SET statement's value list as SET shows it (strings unquoted, booleans
// on/off, numbers as written); "" for anything else.
std::string const_text(const PgQuery__Node* n);

// SQL text of an expression node (libpg_query's deparser), for stored DEFAULT/CHECK text.
std::string deparse_expr(const PgQuery__Node* expr);

// Parses one stored query (a SELECT, VALUES or set operation: a view's); the returned tree
// keeps *out alive. Throws 42601 when the text is anything else.
std::shared_ptr<ParseTree> parse_query(const std::string& sql, const PgQuery__Node** out);

// SQL text of a statement node (libpg_query's deparser): a view's stored query.
std::string deparse_query(const PgQuery__Node* query);

// The command tag PostgreSQL reports for a utility statement node ("CREATE TABLE", ...).
std::string utility_tag(const PgQuery__Node* node);
// What kind of statement a node is, for "... is not supported" (0A000): its command tag when
// utility_tag knows it, else PostgreSQL's name of the command ("CREATE TRIGGER", "LISTEN").
std::string statement_kind(const PgQuery__Node* node);

}  // namespace hf::sql::parse
