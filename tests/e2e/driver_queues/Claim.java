// tests/e2e/driver_queues/Claim.java --port P [--jobs N] [--workers W]
//
// The claim loop of claim.py, written as a Java application writes it with pgjdbc (Debian's
// libpostgresql-jdbc-java), against holdfast or PostgreSQL 15 (tests/e2e/driver_queues.sh):
//
//   setup   CREATE TABLE jobs (...) with N queued jobs, through a PreparedStatement batch
//           (addBatch/executeBatch: pgjdbc pipelines the Bind/Execute messages);
//   claim   W worker threads, each with its own connection, autocommit off, loop over
//             SELECT id, payload FROM jobs WHERE state = 'queued' ORDER BY id
//               LIMIT 1 FOR UPDATE SKIP LOCKED;
//             UPDATE jobs SET state = 'done', worker = ?, claims = claims + 1 WHERE id = ?;
//             commit();
//           until the SELECT finds nothing (prepared statements: pgjdbc switches to named
//           server-side statements after five executions);
//   notify  LISTEN on one connection; a pg_notify in a transaction that rolls back, then the
//           same NOTIFY twice in one that commits: exactly one notification must arrive.
//
// Exit 1 when a job was claimed twice or never, when the table disagrees, or when the
// notifications differ; prints the RESULT line claim.py prints.
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

public class Claim {
  static final String CLAIM = "SELECT id, payload FROM jobs WHERE state = 'queued' ORDER BY id "
      + "LIMIT 1 FOR UPDATE SKIP LOCKED";
  static final String FINISH =
      "UPDATE jobs SET state = 'done', worker = ?, claims = claims + 1 WHERE id = ?";
  static final String CHECK = "SELECT count(*) FILTER (WHERE state = 'done' AND claims = 1), "
      + "count(*) FILTER (WHERE state <> 'done' OR claims <> 1) FROM jobs";

  static String url;

  static Connection connect() throws SQLException {
    return DriverManager.getConnection(url, "postgres", "");
  }

  public static void main(String[] args) throws Exception {
    int port = 0, jobs = 2000, workers = 8;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        case "--jobs" -> jobs = Integer.parseInt(args[i + 1]);
        case "--workers" -> workers = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";

    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS jobs");
      s.execute("CREATE TABLE jobs (id int PRIMARY KEY, payload text NOT NULL, "
          + "state text NOT NULL DEFAULT 'queued', worker int, claims int NOT NULL DEFAULT 0)");
      c.setAutoCommit(false);
      try (PreparedStatement ins =
               c.prepareStatement("INSERT INTO jobs (id, payload) VALUES (?, ?)")) {
        for (int i = 1; i <= jobs; ++i) {
          ins.setInt(1, i);
          ins.setString(2, "job " + i);
          ins.addBatch();
          if (i % 500 == 0 || i == jobs) ins.executeBatch();
        }
      }
      c.commit();
    }

    List<List<Integer>> claimed = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    for (int w = 0; w < workers; ++w) {
      List<Integer> mine = new ArrayList<>();
      claimed.add(mine);
      final int worker = w;
      Thread t = new Thread(() -> {
        try (Connection c = connect()) {
          c.setAutoCommit(false);
          try (PreparedStatement claim = c.prepareStatement(CLAIM);
               PreparedStatement finish = c.prepareStatement(FINISH)) {
            while (true) {
              int id;
              try (ResultSet r = claim.executeQuery()) {
                if (!r.next()) {
                  c.commit();
                  return;
                }
                id = r.getInt(1);
              }
              finish.setInt(1, worker);
              finish.setInt(2, id);
              finish.executeUpdate();
              c.commit();
              mine.add(id);
            }
          }
        } catch (SQLException e) {
          synchronized (errors) {
            errors.add("worker " + worker + ": " + e.getSQLState() + " " + e.getMessage());
          }
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) t.join();
    double seconds = (System.nanoTime() - start) / 1e9;

    long tableOk, tableBad;
    try (Connection c = connect(); Statement s = c.createStatement();
         ResultSet r = s.executeQuery(CHECK)) {
      r.next();
      tableOk = r.getLong(1);
      tableBad = r.getLong(2);
    }
    List<String> notes = notifyRoundTrip();

    Set<Integer> seen = new HashSet<>();
    int dups = 0;
    for (List<Integer> ids : claimed)
      for (int id : ids)
        if (!seen.add(id)) ++dups;
    int missing = jobs - seen.size();
    List<String> problems = new ArrayList<>(errors);
    if (dups > 0) problems.add(dups + " jobs claimed twice");
    if (missing > 0) problems.add(missing + " jobs never claimed");
    if (tableOk != jobs || tableBad != 0)
      problems.add("table: " + tableOk + " done once, " + tableBad + " not (want " + jobs + ", 0)");
    List<String> want = List.of("jobs_ready/batch 1");
    if (!notes.equals(want)) problems.add("notifications: got " + notes + ", want " + want);
    for (String p : problems) System.out.println("FAIL: pgjdbc: " + p);
    System.out.printf("RESULT driver=pgjdbc jobs=%d workers=%d seconds=%.2f jobs_per_s=%.0f "
            + "duplicates=%d missing=%d notify=%s%n",
        jobs, workers, seconds, jobs / seconds, dups, missing, notes.equals(want) ? "ok" : "FAIL");
    System.exit(problems.isEmpty() ? 0 : 1);
  }

  static List<String> notifyRoundTrip() throws SQLException {
    List<String> got = new ArrayList<>();
    try (Connection listener = connect(); Connection sender = connect()) {
      try (Statement s = listener.createStatement()) {
        s.execute("LISTEN jobs_ready");
      }
      sender.setAutoCommit(false);
      try (Statement s = sender.createStatement()) {
        s.execute("SELECT pg_notify('jobs_ready', 'rolled back')");
        sender.rollback();  // never delivered
        s.execute("NOTIFY jobs_ready, 'batch 1'");
        s.execute("NOTIFY jobs_ready, 'batch 1'");  // a duplicate in one transaction: once
        sender.commit();
      }
      PGConnection pg = listener.unwrap(PGConnection.class);
      long limit = System.currentTimeMillis() + 5000;  // for the first, then 0.5 s more
      boolean firstSeen = false;
      long left;
      while ((left = limit - System.currentTimeMillis()) > 0) {
        PGNotification[] ns = pg.getNotifications((int) Math.max(1, left));
        if (ns != null)
          for (PGNotification n : ns) got.add(n.getName() + "/" + n.getParameter());
        if (!got.isEmpty() && !firstSeen) {
          firstSeen = true;
          limit = System.currentTimeMillis() + 500;
        }
      }
    }
    return got;
  }
}
