// Metadata.java PORT — prints what pgjdbc's DatabaseMetaData says about a small schema it
// creates (and drops): getTables, getColumns, getPrimaryKeys, getIndexInfo, getImportedKeys,
// getExportedKeys, getFunctions, getFunctionColumns, getProcedureColumns and getTypeInfo (the
// rows of some built-in types, an array type and an enum, sorted: PostgreSQL has more types).
// tests/e2e/drivers.sh runs it against the target and compares the output with
// drivers/metadata.expected (PostgreSQL 15's output). Only the columns whose values do not
// depend on the server's object ids are printed.
import java.sql.*;

public class Metadata {
  static void dump(String title, ResultSet r, String... cols) throws SQLException {
    System.out.println("== " + title);
    while (r.next()) {
      StringBuilder line = new StringBuilder();
      for (String col : cols) {
        if (line.length() > 0) line.append(" | ");
        line.append(col).append('=').append(r.getString(col));
      }
      System.out.println(line);
    }
    r.close();
  }

  // Like dump, for the rows whose TYPE_NAME is one of names, sorted by their text.
  static void dumpTypes(String title, ResultSet r, java.util.Set<String> names, String... cols)
      throws SQLException {
    System.out.println("== " + title);
    java.util.TreeSet<String> lines = new java.util.TreeSet<>();
    while (r.next()) {
      if (!names.contains(r.getString("TYPE_NAME"))) continue;
      StringBuilder line = new StringBuilder();
      for (String col : cols) {
        if (line.length() > 0) line.append(" | ");
        line.append(col).append('=').append(r.getString(col));
      }
      lines.add(line.toString());
    }
    r.close();
    for (String line : lines) System.out.println(line);
  }

  public static void main(String[] a) throws Exception {
    String url = "jdbc:postgresql://127.0.0.1:" + a[0] + "/postgres?sslmode=disable";
    try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
      Statement s = c.createStatement();
      s.execute("DROP TABLE IF EXISTS md_line, md_order, md_customer");
      s.execute("CREATE TABLE md_customer (id bigint PRIMARY KEY, email text NOT NULL UNIQUE,"
          + " name varchar(40) DEFAULT 'anon', score numeric(8,2), created timestamptz)");
      s.execute("CREATE TABLE md_order (region int, no int, customer_id bigint"
          + " REFERENCES md_customer (id) ON DELETE CASCADE, note text,"
          + " PRIMARY KEY (region, no))");
      s.execute("CREATE INDEX md_order_note ON md_order (note DESC)");
      s.execute("COMMENT ON TABLE md_order IS 'orders'");
      s.execute("COMMENT ON COLUMN md_order.note IS 'free text'");
      s.execute("CREATE TABLE md_line (region int, order_no int, line serial, qty smallint"
          + " CHECK (qty > 0), PRIMARY KEY (region, order_no, line),"
          + " FOREIGN KEY (region, order_no) REFERENCES md_order (region, no) ON UPDATE RESTRICT)");
      s.execute("CREATE OR REPLACE FUNCTION md_total(o_region int, o_no int, OUT total numeric,"
          + " OUT lines bigint) LANGUAGE sql AS 'select 1.0, 2::bigint'");
      DatabaseMetaData md = c.getMetaData();
      dump("getTables", md.getTables(null, "public", "md_%", new String[] {"TABLE"}),
          "TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE", "REMARKS");
      dump("getColumns", md.getColumns(null, "public", "md_%", "%"), "TABLE_NAME",
          "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE", "DECIMAL_DIGITS",
          "NULLABLE", "COLUMN_DEF", "ORDINAL_POSITION", "IS_NULLABLE", "IS_AUTOINCREMENT",
          "IS_GENERATEDCOLUMN", "REMARKS");
      for (String t : new String[] {"md_customer", "md_order", "md_line"}) {
        dump("getPrimaryKeys " + t, md.getPrimaryKeys(null, "public", t), "TABLE_NAME",
            "COLUMN_NAME", "KEY_SEQ", "PK_NAME");
        dump("getIndexInfo " + t, md.getIndexInfo(null, "public", t, false, false),
            "TABLE_NAME", "NON_UNIQUE", "INDEX_NAME", "TYPE", "ORDINAL_POSITION",
            "COLUMN_NAME", "ASC_OR_DESC");
        dump("getImportedKeys " + t, md.getImportedKeys(null, "public", t), "PKTABLE_NAME",
            "PKCOLUMN_NAME", "FKTABLE_NAME", "FKCOLUMN_NAME", "KEY_SEQ", "UPDATE_RULE",
            "DELETE_RULE", "FK_NAME", "PK_NAME", "DEFERRABILITY");
        dump("getExportedKeys " + t, md.getExportedKeys(null, "public", t), "PKTABLE_NAME",
            "PKCOLUMN_NAME", "FKTABLE_NAME", "FKCOLUMN_NAME", "KEY_SEQ", "FK_NAME");
      }
      dump("getFunctions", md.getFunctions(null, "public", "md_%"), "FUNCTION_SCHEM",
          "FUNCTION_NAME", "FUNCTION_TYPE");
      dump("getFunctionColumns", md.getFunctionColumns(null, "public", "md_%", "%"),
          "FUNCTION_NAME", "COLUMN_NAME", "COLUMN_TYPE", "DATA_TYPE", "TYPE_NAME", "NULLABLE",
          "ORDINAL_POSITION");
      dump("getProcedureColumns", md.getProcedureColumns(null, "public", "md_%", "%"),
          "PROCEDURE_NAME", "COLUMN_NAME", "COLUMN_TYPE", "DATA_TYPE", "TYPE_NAME",
          "ORDINAL_POSITION");
      s.execute("DROP TYPE IF EXISTS md_mood");
      s.execute("CREATE TYPE md_mood AS ENUM ('sad', 'happy')");
      dumpTypes("getTypeInfo", md.getTypeInfo(),
          new java.util.HashSet<>(java.util.Arrays.asList("bool", "int2", "int4", "int8",
              "numeric", "float8", "text", "varchar", "bpchar", "bytea", "date", "timestamptz",
              "uuid", "jsonb", "_int4", "_text", "md_mood", "_md_mood")),
          "TYPE_NAME", "DATA_TYPE", "PRECISION", "LITERAL_PREFIX", "LITERAL_SUFFIX",
          "CREATE_PARAMS", "NULLABLE", "CASE_SENSITIVE", "SEARCHABLE", "UNSIGNED_ATTRIBUTE",
          "FIXED_PREC_SCALE", "AUTO_INCREMENT", "LOCAL_TYPE_NAME", "MINIMUM_SCALE",
          "MAXIMUM_SCALE", "SQL_DATA_TYPE", "SQL_DATETIME_SUB", "NUM_PREC_RADIX");
      s.execute("DROP TYPE md_mood");
      s.execute("DROP FUNCTION md_total(int, int)");
      s.execute("DROP TABLE md_line, md_order, md_customer");
    } catch (SQLException e) {
      System.out.println("ERROR " + e.getSQLState() + " " + e.getMessage().split("\n")[0]);
    }
  }
}
