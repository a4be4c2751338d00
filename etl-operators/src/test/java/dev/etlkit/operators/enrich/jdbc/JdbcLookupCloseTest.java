package dev.etlkit.operators.enrich.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.enrich.StartedThreads;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@link JdbcLookup#close()} leaves behind, against a real PostgreSQL: a task that is
 * cancelled or restarts closes the lookup while queries run, and neither the database nor the
 * TaskManager should keep anything of them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JdbcLookupCloseTest {

  /**
   * pgjdbc's own clean-up thread: started by the driver, not the lookup, and ending on its own
   * after 30 s idle ({@code JdbcLookupClassLoaderTest} checks it with a short idle time).
   */
  private static final String DRIVER_CLEANER = "PostgreSQL-JDBC-Cleaner";

  @RegisterExtension static final DatabaseExtension DATABASE = new DatabaseExtension();

  private final LookupTesting lookups = new LookupTesting();

  @AfterEach
  void closeLookups() throws Exception {
    lookups.closeAll();
  }

  /** Customers by id through a query that sleeps a minute, under {@code applicationName}. */
  private static JdbcLookup<String, Customer> minuteLongQueries(String applicationName) {
    return JdbcLookup.query(
            DATABASE.get().url(),
            "SELECT c.* FROM customers c CROSS JOIN pg_sleep(60) AS s",
            "id",
            JdbcKey.text(),
            Customer::fromRow)
        .withCredentials(JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD))
        .withQueryTimeout(Duration.ofMinutes(5))
        .withPoolSize(2)
        .withDriverProperty("ApplicationName", applicationName);
  }

  @Test
  void close_withQueriesRunning_cancelsThemOnTheDatabase_andLeavesNoThread() throws Exception {
    StartedThreads threads = StartedThreads.since();
    JdbcLookup<String, Customer> lookup = lookups.open(minuteLongQueries("close-cancels"));
    List<CompletableFuture<?>> calls = new ArrayList<>();
    calls.add(lookup.lookup("c-1"));
    calls.add(lookup.lookup("c-2"));
    assertThat(DATABASE.get().awaitRunningQueries("close-cancels", 2, Duration.ofSeconds(10)))
        .isEqualTo(2);

    long start = System.nanoTime();
    lookup.close();
    Duration closing = Duration.ofNanos(System.nanoTime() - start);

    assertThat(closing).isLessThan(Duration.ofSeconds(3));
    for (CompletableFuture<?> call : calls) {
      assertThat(call).isCompletedExceptionally();
    }
    assertThat(DATABASE.get().awaitRunningQueries("close-cancels", 0, Duration.ofSeconds(5)))
        .as("queries still running on the database after close")
        .isZero();
    assertThat(
            threads.stillRunningAfter(
                Duration.ofSeconds(5), t -> !t.getName().equals(DRIVER_CLEANER)))
        .as("threads started by the lookup and still running 5 s after close")
        .isEmpty();
  }

  /**
   * A database that accepts the connection and never answers: PostgreSQL's driver gives up on an
   * SSL answer after 5 s, but without SSL (and without a socket timeout) it waits for the first
   * answer for ever; HikariCP's close waits up to the connection timeout for such an attempt.
   */
  @ParameterizedTest(name = "URL options \"{0}\"")
  @ValueSource(strings = {"", "?sslmode=disable"})
  void close_withTheDatabaseSilent_returnsWithinSeconds_whateverTheConnectionTimeout(
      String urlOptions) throws Exception {
    StartedThreads threads;
    try (SilentServer silent = new SilentServer()) {
      threads = StartedThreads.since();
      JdbcLookup<String, Customer> lookup =
          lookups.open(
              JdbcLookup.table(
                      silent.url() + urlOptions,
                      "customers",
                      "id",
                      JdbcKey.text(),
                      Customer::fromRow)
                  .withConnectionTimeout(Duration.ofMinutes(2))
                  .withPoolSize(2));
      CompletableFuture<?> call = lookup.lookup("c-1");
      silent.awaitConnections(1);

      long start = System.nanoTime();
      lookup.close();
      Duration closing = Duration.ofNanos(System.nanoTime() - start);

      assertThat(closing).isLessThan(Duration.ofSeconds(10));
      assertThat(call).isCompletedExceptionally();
    }
    // The connection attempt left waiting ends when the server goes (or answers).
    assertThat(threads.stillRunningAfter(Duration.ofSeconds(5), StartedThreads::any))
        .as("threads started by the lookup and still running 5 s after the server went")
        .isEmpty();
  }

  @Test
  void open_failingItsConnectionCheck_leavesNoThread_andCloseAfterItDoesNothing() throws Exception {
    try (SilentServer silent = new SilentServer()) {
      StartedThreads threads = StartedThreads.since();
      JdbcLookup<String, Customer> lookup =
          JdbcLookup.table(silent.url(), "customers", "id", JdbcKey.text(), Customer::fromRow)
              .withConnectionTimeout(Duration.ofSeconds(1))
              .withConnectionCheckOnOpen(true);

      assertThatThrownBy(() -> lookup.open(new RecordingLookupContext()))
          .isInstanceOf(JdbcLookupException.class);
      lookup.close();

      assertThat(threads.stillRunningAfter(Duration.ofSeconds(5), StartedThreads::any))
          .as("threads started by the failed open and still running 5 s after it")
          .isEmpty();
    }
  }

  /**
   * A database that accepts connections and never says anything: a server hung or behind a network
   * that drops its packets.
   */
  private static final class SilentServer implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final Semaphore connections = new Semaphore(0);
    private final Thread acceptor;

    SilentServer() throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    accepted.add(server.accept());
                    connections.release();
                  }
                } catch (IOException closed) {
                  // the test is over
                }
              },
              "silent-database");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    String url() {
      return "jdbc:postgresql://127.0.0.1:" + server.getLocalPort() + "/postgres";
    }

    void awaitConnections(int n) throws InterruptedException {
      assertThat(connections.tryAcquire(n, 10, TimeUnit.SECONDS)).as("connections").isTrue();
    }

    @Override
    public void close() throws Exception {
      server.close();
      for (Socket socket : accepted) {
        socket.close();
      }
      acceptor.join(5_000);
    }
  }
}
