// sql/types/type_io.h — PostgreSQL text and binary I/O functions for the supported types.
//
// Owns: conversion between Datum and the wire/text representations (typinput/typoutput,
// typreceive/typsend). Output matches PostgreSQL 15 with DateStyle ISO, MDY, extra_float_digits
// = 1 (shortest round-trip floats), bytea_output hex; timestamptz text I/O follows the zone
// passed in (the session's TimeZone, which callers with a session pass; UTC by default),
// binary I/O is zone-independent (UTC microseconds), as in PostgreSQL.
// Promises: pure functions; thread-safe; never suspend. Errors are thrown as SqlError with
// PostgreSQL's SQLSTATE and message text.
#pragma once

#include <string>
#include <string_view>

#include "common/datum.h"
#include "sql/types/timezone.h"

namespace hf::sql::types {

// REQUIRES !d.is_null(). PostgreSQL output function.
std::string to_text(const Datum& d, const TypeRef& t, const TimeZone& zone = TimeZone());
// PostgreSQL input function; throws SqlError (22P02 etc.); applies typmod (varchar/char length:
// 22001; numeric rounding/overflow 22003).
Datum from_text(std::string_view s, const TypeRef& t, const TimeZone& zone = TimeZone());
// PostgreSQL binary send format.
std::string to_binary(const Datum& d, const TypeRef& t);
// Binary receive; throws 22P03 "insufficient data left in message" etc.
Datum from_binary(std::string_view s, const TypeRef& t);

// Applies a typmod to an already-typed value (varchar(n) length check 22001, bpchar padding,
// numeric(p,s) rounding and overflow). explicit_cast: varchar/char silently truncate.
Datum apply_typmod(const Datum& d, const TypeRef& t, bool explicit_cast = false);

}  // namespace hf::sql::types
