package dev.etlkit.operators.enrich.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JDBC lookup when the database is not there: stopped while the lookup runs, or never
 * listening. Every future completes, exceptionally and retryably, within the configured timeouts.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class JdbcLookupOutageTest {

  private static final Duration CONNECTION_TIMEOUT = Duration.ofMillis(500);

  private static JdbcLookupException failure(CompletableFuture<?> future) {
    return LookupTesting.failure(future, JdbcLookupException.class);
  }

  private static String unusedPortUrl() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return "jdbc:postgresql://localhost:" + socket.getLocalPort() + "/postgres";
    }
  }

  @Test
  void lookup_nothingListening_failsRetryablyAfterTheConnectionTimeout() throws Exception {
    JdbcLookup<String, Customer> lookup =
        JdbcLookup.table(unusedPortUrl(), "customers", "id", JdbcKey.text(), Customer::fromRow)
            .withConnectionTimeout(CONNECTION_TIMEOUT);
    lookup.open(new RecordingLookupContext()); // does not connect
    try {
      long start = System.nanoTime();

      JdbcLookupException refused = failure(lookup.lookup("c-1"));

      assertThat(refused.retryable()).isTrue();
      assertThat(refused.sqlState()).contains("08001"); // unable to connect
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    } finally {
      lookup.close();
    }
  }

  @Test
  void open_withConnectionCheckAndNothingListening_throwsARetryableException() throws Exception {
    JdbcLookup<String, Customer> lookup =
        JdbcLookup.table(unusedPortUrl(), "customers", "id", JdbcKey.text(), Customer::fromRow)
            .withConnectionTimeout(CONNECTION_TIMEOUT)
            .withConnectionCheckOnOpen(true);

    assertThatThrownBy(() -> lookup.open(new RecordingLookupContext()))
        .isInstanceOfSatisfying(JdbcLookupException.class, e -> assertThat(e.retryable()).isTrue());
    assertThat(failure(lookup.lookup("c-1"))).hasMessageContaining("not open");
  }
}
