/* notify_order.c — LISTEN/NOTIFY end to end over libpq (tests/e2e/notify.sh).
 *
 *   notify_order CONNINFO [TRANSACTIONS]
 *
 * One listener connection runs LISTEN and then only waits (select() on its socket,
 * PQconsumeInput, PQnotifies): it never sends another command, so every notification must be
 * pushed to it while it is idle. Two notifier threads, each on its own connection, run
 * TRANSACTIONS transactions between them (default 1000). Each committed one takes the next
 * number from a counter row (UPDATE ... RETURNING under the row lock, so the numbers follow
 * commit order) and sends it twice (NOTIFY and pg_notify: the duplicate must be folded); every
 * fifth round also runs a transaction that notifies and rolls back. Checks: every number
 * 1..TRANSACTIONS arrives exactly once, in increasing order (commit order), from a notifier's
 * pid, and nothing from a rolled-back transaction. Prints the elapsed time and exits 0 on
 * success, 1 on a failed check, 2 when it cannot connect.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

static const char *conninfo;
static int total = 1000;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static PGconn *connect_or_die(void) {
  PGconn *c = PQconnectdb(conninfo);
  if (PQstatus(c) != CONNECTION_OK) {
    fprintf(stderr, "cannot connect: %s", PQerrorMessage(c));
    exit(2);
  }
  return c;
}

/* Runs sql; returns the first value of the first row (malloc'd) or NULL; dies on an error. */
static char *run(PGconn *c, const char *sql) {
  PGresult *r = PQexec(c, sql);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    fprintf(stderr, "FAIL: %s: %s", sql, PQerrorMessage(c));
    exit(1);
  }
  char *v = NULL;
  if (st == PGRES_TUPLES_OK && PQntuples(r) > 0) v = strdup(PQgetvalue(r, 0, 0));
  PQclear(r);
  return v;
}

struct notifier {
  pthread_t thread;
  int pid;
  int transactions;
};

static void *notifier_main(void *arg) {
  struct notifier *n = arg;
  PGconn *c = connect_or_die();
  for (int i = 0; i < n->transactions; ++i) {
    char sql[256];
    if (i % 5 == 0) {
      run(c, "BEGIN");
      run(c, "NOTIFY q, 'rolled back'");
      run(c, "ROLLBACK");
    }
    run(c, "BEGIN");
    char *v = run(c, "UPDATE notify_counter SET n = n + 1 RETURNING n");
    snprintf(sql, sizeof sql, "NOTIFY q, '%s'", v);
    run(c, sql);
    snprintf(sql, sizeof sql, "SELECT pg_notify('q', '%s')", v);
    free(run(c, sql));
    free(v);
    run(c, "COMMIT");
  }
  PQfinish(c);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: notify_order CONNINFO [TRANSACTIONS]\n");
    return 2;
  }
  conninfo = argv[1];
  if (argc > 2) total = atoi(argv[2]);
  PGconn *setup = connect_or_die();
  run(setup, "SET client_min_messages = warning");
  run(setup, "DROP TABLE IF EXISTS notify_counter");
  run(setup, "CREATE TABLE notify_counter (id int PRIMARY KEY, n int NOT NULL)");
  run(setup, "INSERT INTO notify_counter VALUES (1, 0)");

  PGconn *listener = connect_or_die();
  run(listener, "LISTEN q");

  struct notifier notifiers[2];
  double start = now_ms();
  for (int i = 0; i < 2; ++i) {
    notifiers[i].transactions = total / 2 + (i == 0 ? total % 2 : 0);
    pthread_create(&notifiers[i].thread, NULL, notifier_main, &notifiers[i]);
  }

  int received = 0, failures = 0, last = 0;
  double deadline = now_ms() + 60000;
  while (received < total && now_ms() < deadline) {
    int fd = PQsocket(listener);
    fd_set in;
    FD_ZERO(&in);
    FD_SET(fd, &in);
    struct timeval tv = {1, 0};
    if (select(fd + 1, &in, NULL, NULL, &tv) < 0 && errno != EINTR) {
      perror("select");
      return 1;
    }
    if (!PQconsumeInput(listener)) {
      fprintf(stderr, "FAIL: listener connection: %s", PQerrorMessage(listener));
      return 1;
    }
    PGnotify *n;
    while ((n = PQnotifies(listener)) != NULL) {
      int v = atoi(n->extra);
      if (strcmp(n->relname, "q") != 0 || v != last + 1) {
        if (failures++ < 10)
          fprintf(stderr, "FAIL: after %d got channel %s payload '%s'\n", last, n->relname,
                  n->extra);
      }
      if (v > 0) last = v;
      ++received;
      PQfreemem(n);
    }
  }
  double elapsed = now_ms() - start;
  for (int i = 0; i < 2; ++i) pthread_join(notifiers[i].thread, NULL);
  /* Anything late (a duplicate or a rolled-back one) would arrive by now. */
  double settle = now_ms() + 300;
  while (now_ms() < settle) {
    PQconsumeInput(listener);
    PGnotify *n;
    while ((n = PQnotifies(listener)) != NULL) {
      if (failures++ < 10) fprintf(stderr, "FAIL: extra notification '%s'\n", n->extra);
      PQfreemem(n);
    }
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  if (received != total) {
    fprintf(stderr, "FAIL: received %d of %d notifications\n", received, total);
    failures++;
  }
  run(setup, "DROP TABLE notify_counter");
  PQfinish(listener);
  PQfinish(setup);
  printf("notify_order: %d transactions, %d notifications received in commit order, %.0f ms, "
         "%s\n",
         total, received, elapsed, failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
