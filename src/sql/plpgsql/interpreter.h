// sql/plpgsql/interpreter.h — PL/pgSQL: LANGUAGE plpgsql functions and DO blocks (issue 13).
//
// Owns: interpreting a PL/pgSQL body. libpg_query's PL/pgSQL parser (pg_query_parse_plpgsql,
// PostgreSQL's own grammar) turns the body into a JSON tree once per call; this module walks
// it. Every expression and SQL statement of the body runs through the executor's
// RoutineContext (sql/exec/routines.h) as a statement of the caller's transaction, the
// function's variables passed as named parameters, so the body sees the caller's snapshot,
// takes locks for the caller's transaction and is undone with it.
//
// Supported: DECLARE (defaults, CONSTANT, NOT NULL, %TYPE, %ROWTYPE, record), assignment (to
// a variable, a record's field, or an element of a one-dimensional array: arr[i] := v),
// IF/ELSIF/ELSE, CASE (both forms), LOOP/WHILE/FOR over an integer range, FOR over a query
// (static and EXECUTE), EXIT/CONTINUE (with labels and WHEN), RETURN, RETURN NEXT, RETURN
// QUERY [EXECUTE], PERFORM, SQL statements with INTO [STRICT], EXECUTE ... [INTO] [USING],
// RAISE (levels, format, USING options, condition names, SQLSTATE, re-raise), exception
// blocks (a subtransaction per block entry, as PostgreSQL: rolled back when a handler
// catches an error), GET DIAGNOSTICS ROW_COUNT, FOUND, SQLSTATE/SQLERRM in handlers; trigger
// functions (NEW / OLD records, NEW.col := ..., RETURN NEW / OLD / NULL, TG_OP, TG_NAME,
// TG_WHEN, TG_LEVEL, TG_TABLE_NAME, TG_RELNAME, TG_TABLE_SCHEMA, TG_NARGS, TG_ARGV).
// Anything else fails with 0A000 naming the statement kind; never a crash.
//
// Promises: PostgreSQL 15's errors and CONTEXT lines ('PL/pgSQL function f(integer) line 3 at
// RAISE', 'SQL statement "..."'), P0001 for RAISE EXCEPTION, P0002/P0003 for INTO STRICT; an
// error that points into an embedded statement or expression is reported against its text
// (ErrorResponse's internal query and position: psql's LINE and QUERY), as PostgreSQL's SPI.
// What differs: a variable and a column of the same name resolve to the column
// (PostgreSQL's default, variable_conflict = error, refuses the statement).
//
// Thread safety: install() once at startup; calls run on the calling session's fiber and MAY
// SUSPEND (their statements' locks and writes).
#pragma once

namespace hf::sql::plpgsql {

// Registers the interpreter with the executor (exec::set_plpgsql_runtime).
void install();

}  // namespace hf::sql::plpgsql
