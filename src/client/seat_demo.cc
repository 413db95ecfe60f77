// client/seat_demo.cc — see seat_demo.h.
#include "client/seat_demo.h"

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

namespace hf::client {
namespace {

struct Person {
  std::string name;
  PGconn* conn = nullptr;
};

// Prints a result as psql's aligned format would, roughly: header, rows, count or tag.
void print_result(std::ostream& out, PGresult* r) {
  auto st = PQresultStatus(r);
  if (st == PGRES_TUPLES_OK) {
    int n = PQnfields(r), rows = PQntuples(r);
    std::vector<size_t> w(n);
    for (int c = 0; c < n; ++c) {
      w[c] = std::string(PQfname(r, c)).size();
      for (int i = 0; i < rows; ++i) w[c] = std::max(w[c], std::string(PQgetvalue(r, i, c)).size());
    }
    auto cell = [&](const std::string& s, size_t width) {
      return " " + s + std::string(width - s.size(), ' ') + " ";
    };
    std::string line, rule;
    for (int c = 0; c < n; ++c) {
      line += (c ? "|" : "") + cell(PQfname(r, c), w[c]);
      rule += (c ? "+" : "") + std::string(w[c] + 2, '-');
    }
    out << "      " << line << "\n      " << rule << "\n";
    for (int i = 0; i < rows; ++i) {
      std::string row;
      for (int c = 0; c < n; ++c) row += (c ? "|" : "") + cell(PQgetvalue(r, i, c), w[c]);
      out << "      " << row << "\n";
    }
    out << "      (" << rows << (rows == 1 ? " row)" : " rows)") << "\n";
  } else if (st == PGRES_COMMAND_OK) {
    out << "      " << PQcmdStatus(r) << "\n";
  } else {
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char* msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    out << "      ERROR:  " << (msg ? msg : PQresultErrorMessage(r)) << " (SQLSTATE "
        << (state ? state : "?") << ")\n";
  }
}

// Runs sql for p, prints it and what came back; returns the command tag or "ERROR <state>".
std::string say(std::ostream& out, Person& p, const std::string& sql) {
  out << p.name << "> " << sql << "\n";
  PGresult* r = PQexec(p.conn, sql.c_str());
  print_result(out, r);
  std::string what;
  if (PQresultStatus(r) == PGRES_FATAL_ERROR) {
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    what = std::string("ERROR ") + (state ? state : "?");
  } else {
    what = PQcmdStatus(r);
  }
  PQclear(r);
  return what;
}

const char* kFind =
    "SELECT seat_row, seat_number, next_seat_number FROM (SELECT seat_row, seat_number, "
    "booked_by, lead(seat_number) OVER w AS next_seat_number, lead(booked_by) OVER w AS "
    "next_booked_by FROM demo_seats WINDOW w AS (PARTITION BY seat_row ORDER BY seat_number)) s "
    "WHERE booked_by IS NULL AND next_booked_by IS NULL";
const char* kFinal = "SELECT * FROM demo_seats ORDER BY seat_row, seat_number";
std::string lock_seat(int n) {
  return "SELECT * FROM demo_seats WHERE (seat_row, seat_number) = ('A', " + std::to_string(n) +
         ") FOR UPDATE";
}
std::string book(const std::string& who, int n) {
  return "UPDATE demo_seats SET booked_by = '" + who + "' WHERE (seat_row, seat_number) = ('A', " +
         std::to_string(n) + ") AND booked_by IS NULL";
}

void setup(std::ostream& out, Person& admin) {
  say(out, admin, "DROP TABLE IF EXISTS demo_seats");
  say(out, admin,
      "CREATE TABLE demo_seats (seat_row char, seat_number int, booked_by text, "
      "PRIMARY KEY (seat_row, seat_number), UNIQUE (booked_by))");
  say(out, admin,
      "INSERT INTO demo_seats VALUES ('A', 1, 'Carol'), ('A', 2, NULL), ('A', 3, 'Oscar'), "
      "('A', 4, NULL), ('A', 5, NULL), ('A', 6, 'Carlos'), ('A', 7, 'Charlie')");
}

// Who sits in seat A-n now ("" when free).
std::string seat(Person& p, int n) {
  PGresult* r = PQexec(p.conn, ("SELECT coalesce(booked_by, '') FROM demo_seats WHERE seat_row = "
                                "'A' AND seat_number = " +
                                std::to_string(n))
                                   .c_str());
  std::string v =
      PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "?";
  PQclear(r);
  return v;
}

// The story's first steps, the same in both acts: Bob finds free and locks A-4,
// Alice locks A-5, Mallory (in `mode`) looks for free seats.
void opening(std::ostream& out, Person& bob, Person& alice, Person& mallory, const char* begin,
             const char* mode) {
  setup(out, mallory);
  say(out, bob, begin);
  say(out, bob, kFind);
  say(out, bob, lock_seat(4));
  say(out, alice, begin);
  say(out, alice, lock_seat(5));
  say(out, mallory, std::string("SET holdfast.concurrency = '") + mode + "'");
  say(out, mallory, "SELECT * FROM demo_seats WHERE booked_by IS NULL ORDER BY seat_number");
}

bool pessimistic_act(std::ostream& out, Person& bob, Person& alice, Person& mallory) {
  out << "\n== Act 1: pessimistic (holdfast.concurrency = 'pessimistic', PostgreSQL's way)\n";
  opening(out, bob, alice, mallory, "BEGIN PESSIMISTIC", "pessimistic");
  std::string sql = book("Mallory", 4);
  out << mallory.name << "> " << sql << "\n";
  PQsendQuery(mallory.conn, sql.c_str());
  // Mallory's UPDATE must wait for Bob's row lock: give it time to show that it does.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  PQconsumeInput(mallory.conn);
  bool waited = PQisBusy(mallory.conn) == 1;
  out << "      ... " << (waited ? "waits for Bob's lock on A-4" : "did NOT wait") << "\n";
  say(out, bob, book("Bob", 4));
  say(out, alice, book("Alice", 5));
  say(out, alice, "COMMIT");
  say(out, bob, "COMMIT");
  out << mallory.name << "  (Bob committed: Mallory's UPDATE re-checks A-4 and returns)\n";
  std::string mallory_tag;
  while (PGresult* r = PQgetResult(mallory.conn)) {
    print_result(out, r);
    if (PQresultStatus(r) == PGRES_COMMAND_OK) mallory_tag = PQcmdStatus(r);
    PQclear(r);
  }
  say(out, mallory, kFinal);
  bool ok = waited && mallory_tag == "UPDATE 0" && seat(mallory, 4) == "Bob" &&
            seat(mallory, 5) == "Alice";
  out << (ok ? "=> Alice and Bob sit together; Mallory's update found nothing to book.\n"
             : "=> NOT the pessimistic outcome (see above).\n");
  return ok;
}

bool optimistic_act(std::ostream& out, Person& bob, Person& alice, Person& mallory) {
  out << "\n== Act 2: optimistic (BEGIN OPTIMISTIC: a FOR UPDATE reserves nothing)\n";
  opening(out, bob, alice, mallory, "BEGIN OPTIMISTIC ISOLATION LEVEL REPEATABLE READ",
          "optimistic");
  std::string m = say(out, mallory, book("Mallory", 4));
  say(out, bob, "SELECT * FROM demo_seats WHERE booked_by IS NULL ORDER BY seat_number");
  say(out, bob, book("Bob", 4));
  say(out, alice, book("Alice", 5));
  std::string a = say(out, alice, "COMMIT");
  std::string b = say(out, bob, "COMMIT");
  say(out, mallory, kFinal);
  bool ok = m == "UPDATE 1" && a == "COMMIT" && b == "ERROR 40001" &&
            seat(mallory, 4) == "Mallory" && seat(mallory, 5) == "Alice";
  out << (ok ? "=> Mallory took A-4 without waiting; Bob's COMMIT failed (OC000): Alice sits "
               "with Mallory.\n"
             : "=> NOT the optimistic outcome (see above).\n");
  say(out, mallory, "DROP TABLE demo_seats");
  return ok;
}

}  // namespace

int run_seat_demo(const std::string& conninfo, std::ostream& out) {
  std::vector<Person> people{{"bob    ", nullptr}, {"alice  ", nullptr}, {"mallory", nullptr}};
  for (auto& p : people) {
    p.conn = PQconnectdb(conninfo.c_str());
    if (PQstatus(p.conn) != CONNECTION_OK) {
      out << "cannot connect (" << conninfo << "): " << PQerrorMessage(p.conn);
      for (auto& q : people) PQfinish(q.conn);
      return 1;
    }
  }
  bool ok = pessimistic_act(out, people[0], people[1], people[2]);
  ok = optimistic_act(out, people[0], people[1], people[2]) && ok;
  for (auto& p : people) PQfinish(p.conn);
  return ok ? 0 : 1;
}

}  // namespace hf::client
