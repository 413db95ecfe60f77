// sql/exec/copy_out.cc — COPY ... TO STDOUT and COPY ... TO 'file': the rows of the COPY's
// query written in PostgreSQL's text or CSV format (CopyAttributeOutText, CopyAttributeOutCSV),
// to the client as CopyOutResponse / CopyData / CopyDone, or to a server file (superuser or
// pg_write_server_files; an absolute path only). Values print as the session prints them
// (regclass as a name, timestamps in its TimeZone).
#include <cerrno>
#include <cstring>
#include <fstream>

#include "catalog/roles.h"
#include "common/error.h"
#include "sql/exec/exec_internal.h"
#include "sql/exec/executor.h"
#include "sql/exec/privileges.h"
#include "sql/types/type_io.h"

namespace hf::sql::exec {

using bind::BoundStatement;

namespace {

std::string value_text(const Datum& d, const TypeRef& t, ExecContext& cx) {
  if (t.oid == type_oid::kRegclass)
    return regclass_text(cx.catalog, cx.session, static_cast<Oid>(d.as_int()));
  if (t.oid == type_oid::kRegnamespace)
    return regnamespace_text(cx.catalog, static_cast<Oid>(d.as_int()));
  if (t.oid == type_oid::kRegproc)
    return regproc_text(cx.catalog, cx.session, static_cast<Oid>(d.as_int()));
  return types::to_text(d, t, cx.fctx.zone);
}

// Text format: backslash escapes for the characters COPY FROM would read otherwise.
void append_text(std::string& out, const std::string& v, char delim) {
  for (char c : v) {
    switch (c) {
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (c == delim) out.push_back('\\');
        out.push_back(c);
    }
  }
}

// CSV: quoted when forced, when it would read back as NULL, when it holds the delimiter, the
// quote, a newline or carriage return, or (a single column) when it is the end marker \. .
void append_csv(std::string& out, const std::string& v, const BoundStatement& s, bool force,
                bool single) {
  const char delim = s.copy_delimiter[0], quote = s.copy_quote[0], escape = s.copy_escape[0];
  bool use_quote = force || v == s.copy_null || (single && v == "\\.");
  if (!use_quote)
    for (char c : v)
      if (c == delim || c == quote || c == '\n' || c == '\r') {
        use_quote = true;
        break;
      }
  if (!use_quote) {
    out += v;
    return;
  }
  out.push_back(quote);
  for (char c : v) {
    if (c == quote || c == escape) out.push_back(escape);
    out.push_back(c);
  }
  out.push_back(quote);
}

}  // namespace

// COPY ... FROM 'file' / TO 'file': who may (PostgreSQL's DoCopy), and the file opened with
// PostgreSQL's messages.
void check_copy_file_privilege(ExecContext& cx, bool from) {
  const auto& roles = cx.catalog.roles();
  const Oid user = current_user(cx);
  const char* role = from ? "pg_read_server_files" : "pg_write_server_files";
  if (roles.is_superuser(user)) return;
  if (auto r = roles.find(role); r && roles.has_privs_of(user, r->oid)) return;
  Error e;
  e.sqlstate = sqlstate::kInsufficientPrivilege;
  e.message = std::string("must be superuser or have privileges of the ") + role +
              " role to COPY " + (from ? "from" : "to") + " a file";
  e.hint = "Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.";
  throw SqlError(std::move(e));
}

void refuse_copy_program(ExecContext& cx) {
  const auto& roles = cx.catalog.roles();
  const Oid user = current_user(cx);
  auto r = roles.find("pg_execute_server_program");
  if (!roles.is_superuser(user) && !(r && roles.has_privs_of(user, r->oid))) {
    Error e;
    e.sqlstate = sqlstate::kInsufficientPrivilege;
    e.message =
        "must be superuser or have privileges of the pg_execute_server_program role to COPY to "
        "or from an external program";
    e.hint =
        "Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.";
    throw SqlError(std::move(e));
  }
  throw SqlError(sqlstate::kFeatureNotSupported,
                 "COPY to or from an external program is not supported");
}

[[noreturn]] void copy_file_error(const std::string& path, bool from, int err) {
  Error e;
  e.sqlstate = err == ENOENT ? "58P01" : err == EACCES ? sqlstate::kInsufficientPrivilege : "58030";
  e.message = "could not open file \"" + path + "\" for " + (from ? "reading" : "writing") + ": " +
              std::strerror(err);
  if (err == ENOENT || err == EACCES)
    e.hint = from ? "COPY FROM instructs the PostgreSQL server process to read a file. You may "
                    "want a client-side facility such as psql's \\copy."
                  : "COPY TO instructs the PostgreSQL server process to write a file. You may "
                    "want a client-side facility such as psql's \\copy.";
  throw SqlError(std::move(e));
}

int64_t copy_out(const BoundStatement& s, Result& rows, ExecContext& cx) {
  std::ofstream file;
  if (s.copy_to_file) {
    check_copy_file_privilege(cx, false);
    if (s.copy_filename.empty() || s.copy_filename[0] != '/')
      throw SqlError(sqlstate::kInvalidName, "relative path not allowed for COPY to file");
    errno = 0;
    file.open(s.copy_filename, std::ios::binary | std::ios::trunc);
    if (!file) copy_file_error(s.copy_filename, false, errno ? errno : EACCES);
  }
  const auto& types = s.copy_query->types;
  const size_t width = s.copy_names.size();
  std::vector<bool> force(width, s.copy_force_quote_all);
  for (int i : s.copy_force_quote) force[static_cast<size_t>(i)] = true;
  std::string buf;
  auto flush = [&](bool all) {
    if (buf.empty() || (!all && buf.size() < 64 * 1024)) return;
    if (s.copy_to_file) {
      file.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      if (!file)
        throw SqlError("58030",
                       "could not write to COPY file: " + std::string(std::strerror(errno)));
    } else {
      cx.session.copy_out_data(buf);
    }
    buf.clear();
  };
  // The client gets one CopyData message per row, as PostgreSQL sends them.
  auto end_row = [&] {
    buf.push_back('\n');
    if (!s.copy_to_file)
      flush(true);
    else
      flush(false);
  };
  if (!s.copy_to_file) cx.session.copy_out_start(false, static_cast<int>(width));
  if (s.copy_header) {
    for (size_t i = 0; i < width; ++i) {
      if (i) buf += s.copy_delimiter;
      if (s.copy_csv)
        append_csv(buf, s.copy_names[i], s, false, width == 1);
      else
        append_text(buf, s.copy_names[i], s.copy_delimiter[0]);
    }
    end_row();
  }
  int64_t n = 0;
  auto write_row = [&](const Row& row) {
    for (size_t i = 0; i < width && i < row.size(); ++i) {
      if (i) buf += s.copy_delimiter;
      if (row[i].is_null()) {
        buf += s.copy_null;
        continue;
      }
      std::string v = value_text(row[i], i < types.size() ? types[i] : TypeRef{}, cx);
      if (s.copy_csv)
        append_csv(buf, v, s, force[i], width == 1);
      else
        append_text(buf, v, s.copy_delimiter[0]);
    }
    end_row();
    ++n;
  };
  for (const auto& row : rows.rows) write_row(row);
  if (rows.stream) {
    Row row;
    while (rows.stream->next(row)) {
      check_for_interrupts(cx);
      write_row(row);
    }
    rows.stream.reset();
  }
  flush(true);
  if (s.copy_to_file) {
    file.close();
    if (!file)
      throw SqlError("58030",
                     "could not close file \"" + s.copy_filename + "\": " + std::strerror(errno));
  } else {
    cx.session.copy_out_done();
  }
  return n;
}

}  // namespace hf::sql::exec
