// client/seat_demo.h — `holdfast demo seats`: seed 003's cinema story replayed against a
// running server, once per concurrency mode, with Bob, Alice and Mallory as three libpq
// connections, printing every statement each person sends and what they see.
//
// Pessimistic (PostgreSQL's behaviour, the default): Bob and Alice lock with
// SELECT ... FOR UPDATE; Mallory's UPDATE of A-4 waits for Bob's lock and, once Bob commits,
// re-checks `booked_by IS NULL` against Bob's row and updates nothing: Alice and Bob sit
// together. Optimistic (BEGIN OPTIMISTIC): the FOR UPDATE reserves nothing; Mallory books A-4
// at once; Alice commits, Bob's COMMIT fails with 40001 "change conflicts with another
// transaction, please retry: (OC000)": Alice sits with Mallory.
//
// Client code (libpq only). Blocking: runs statements synchronously, Mallory's waiting UPDATE
// asynchronously (PQsendQuery) so the demo can go on while it waits.
#pragma once

#include <ostream>
#include <string>

namespace hf::client {

// Runs both acts against the server at `conninfo` (a libpq connection string), writing the
// transcript to `out`. Creates and drops the table demo_seats. Returns 0 when each act ended
// as the story says, 1 otherwise (the transcript says where it went differently).
int run_seat_demo(const std::string& conninfo, std::ostream& out);

}  // namespace hf::client
