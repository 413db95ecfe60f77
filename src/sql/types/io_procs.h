// sql/types/io_procs.h — pg_type's typinput, typoutput, typreceive and typsend: which of
// PostgreSQL's I/O functions each type names, by PostgreSQL's pg_proc oids and names.
//
// Owns: a fixed table of the built-in I/O functions of the types holdfast has (taken from
// PostgreSQL 15's catalog), so pg_type can show them as regproc values and 'array_in'::regproc
// (pgjdbc's DatabaseMetaData.getTypeInfo and its type cache compare typinput with it) finds
// them. Arrays name array_in/array_out/array_recv/array_send, enums enum_in/..., composite
// types record_in/...; holdfast's own code, not these functions, does the I/O.
//
// Thread safety: immutable tables and pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "common/datum.h"

namespace hf::sql::types {

struct IoProcs {
  Oid input = 0, output = 0, receive = 0, send = 0;  // 0: none (as PostgreSQL's '-')
};

// The I/O functions of type `oid` (built-in, array, enum or composite); all 0 if unknown.
IoProcs io_procs_of(Oid oid);
// The name of built-in I/O function `oid` (unqualified); nullptr when it is not one of them.
const char* builtin_io_proc_name(Oid oid);
// The oid of the built-in I/O function named `name` (unqualified); nullopt if none.
std::optional<Oid> builtin_io_proc_oid(std::string_view name);

}  // namespace hf::sql::types
