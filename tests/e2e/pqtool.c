/* pqtool.c — a scriptable libpq client for the end-to-end lock tests (killed_client.sh,
 * wait_endings.sh): what psql cannot do from a script, namely send a CancelRequest
 * (PQcancel, psql's Ctrl-C) or a Terminate (PQfinish) while a query is still waiting.
 *
 *   pqtool CONNINFO    then one command a line on stdin:
 *     pid           prints "pid N" (the backend pid from BackendKeyData)
 *     sync SQL      runs SQL and prints its outcome (below)
 *     send SQL      sends SQL without waiting for it (PQsendQuery)
 *     cancel        sends a CancelRequest on a new connection (PQcancel); prints "cancel sent"
 *     result        waits for the sent query and prints its outcome
 *     finish        sends Terminate and closes the connection (PQfinish), then exits
 *     param V SQL   runs SQL (extended protocol) with $1 = V as text, of no stated type;
 *                   prints "VALUE <first value, text>" or the outcome of an error
 *     binary SQL    runs SQL (extended protocol) with results in binary; prints
 *                   "HEX <first value's bytes in hex>" or the outcome of an error
 *   Outcomes: "OK <command tag>" or "ERROR <SQLSTATE> <message>" or "FATAL <SQLSTATE>
 *   <message>" or "LOST <libpq message>" (the connection ended without an error report).
 *
 * Output is flushed after every line. Built by the scripts at run time with the system's cc
 * and libpq (no CMake target: the scripts own their helpers). Exit 0 unless the connection
 * could not be made.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_outcome(PGconn *conn, PGresult *res) {
  if (res == NULL) {
    printf("LOST %s", PQerrorMessage(conn));
    return;
  }
  ExecStatusType st = PQresultStatus(res);
  if (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR) {
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (state == NULL) {
      printf("LOST %s", PQresultErrorMessage(res));
      return;
    }
    printf("%s %s %s\n", sev && strcmp(sev, "FATAL") == 0 ? "FATAL" : "ERROR", state,
           msg ? msg : "");
  } else {
    printf("OK %s\n", PQcmdStatus(res));
  }
}

/* Reads every result of the query in flight; prints the first error, else the last tag. */
static void collect(PGconn *conn) {
  PGresult *res, *keep = NULL;
  while ((res = PQgetResult(conn)) != NULL) {
    if (keep != NULL && PQresultStatus(keep) == PGRES_FATAL_ERROR) {
      PQclear(res); /* the first error wins */
      continue;
    }
    if (keep) PQclear(keep);
    keep = res;
  }
  print_outcome(conn, keep);
  if (keep) PQclear(keep);
  fflush(stdout);
}

/* Prints the first value of a one-row result (text, or its bytes in hex), else the outcome. */
static void print_value(PGconn *conn, PGresult *res, int binary) {
  if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0) {
    if (binary) {
      printf("HEX ");
      const unsigned char *v = (const unsigned char *)PQgetvalue(res, 0, 0);
      for (int i = 0; i < PQgetlength(res, 0, 0); ++i) printf("%02x", v[i]);
      printf("\n");
    } else {
      printf("VALUE %s\n", PQgetvalue(res, 0, 0));
    }
  } else {
    print_outcome(conn, res);
  }
  if (res) PQclear(res);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: pqtool CONNINFO < commands\n");
    return 2;
  }
  PGconn *conn = PQconnectdb(argv[1]);
  if (PQstatus(conn) != CONNECTION_OK) {
    printf("LOST %s", PQerrorMessage(conn));
    return 1;
  }
  char line[8192];
  while (fgets(line, sizeof line, stdin) != NULL) {
    line[strcspn(line, "\n")] = 0;
    if (strcmp(line, "pid") == 0) {
      printf("pid %d\n", PQbackendPID(conn));
    } else if (strncmp(line, "sync ", 5) == 0) {
      if (!PQsendQuery(conn, line + 5)) {
        printf("LOST %s", PQerrorMessage(conn));
      } else {
        collect(conn);
      }
    } else if (strncmp(line, "send ", 5) == 0) {
      if (!PQsendQuery(conn, line + 5)) printf("LOST %s", PQerrorMessage(conn));
    } else if (strcmp(line, "cancel") == 0) {
      char err[256];
      PGcancel *c = PQgetCancel(conn);
      int ok = c && PQcancel(c, err, sizeof err);
      if (c) PQfreeCancel(c);
      printf(ok ? "cancel sent\n" : "cancel failed %s\n", ok ? "" : err);
    } else if (strcmp(line, "result") == 0) {
      collect(conn);
    } else if (strncmp(line, "param ", 6) == 0) {
      char *value = line + 6, *sql = strchr(value, ' ');
      if (sql == NULL) {
        printf("usage: param V SQL\n");
      } else {
        *sql++ = 0;
        const char *values[1] = {value};
        print_value(conn, PQexecParams(conn, sql, 1, NULL, values, NULL, NULL, 0), 0);
      }
    } else if (strncmp(line, "binary ", 7) == 0) {
      print_value(conn, PQexecParams(conn, line + 7, 0, NULL, NULL, NULL, NULL, 1), 1);
    } else if (strcmp(line, "finish") == 0) {
      PQfinish(conn);
      printf("finished\n");
      fflush(stdout);
      return 0;
    } else if (line[0] != 0) {
      printf("unknown command: %s\n", line);
    }
    fflush(stdout);
  }
  PQfinish(conn);
  return 0;
}
