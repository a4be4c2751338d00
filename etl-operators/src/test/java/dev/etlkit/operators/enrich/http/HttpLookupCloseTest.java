package dev.etlkit.operators.enrich.http;

import static dev.etlkit.operators.enrich.jdbc.LookupTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.operators.enrich.StartedThreads;
import dev.etlkit.operators.enrich.jdbc.RecordingLookupContext;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What {@link HttpLookup#close()} leaves behind: a task that is cancelled or restarts closes the
 * lookup, possibly with requests to a server that never answers, and the TaskManager should not
 * keep a thread of it (each would hold the job's class loader).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpLookupCloseTest {
  private static final String COMMON_POOL_THREAD = "ForkJoinPool.commonPool-worker-";

  /** The JDK's HttpClient has no shutdown before Java 21: its selector ends once it is garbage. */
  private static final boolean CLIENT_CAN_SHUT_DOWN = Runtime.version().feature() >= 21;

  private HangingServer server;

  @BeforeEach
  void startServer() throws IOException {
    server =
        new HangingServer(
            "/customers",
            key -> key.startsWith("hang") || key.startsWith(HangingServer.STALLED_BODY),
            key -> "{\"id\": \"" + key + "\", \"name\": \"Customer " + key + "\"}");
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private HttpLookup<String, Profile> profiles() {
    return HttpLookup.get(server.urlTemplate(), String.class, Profile.class)
        .withRequestTimeout(Duration.ofMinutes(5));
  }

  /**
   * The threads of the lookup: not the test server's, nor the JVM's common pool (where the JDK's
   * client completes futures; shared by the whole JVM, its threads have the system class loader as
   * context class loader), nor, when it cannot be shut down, the client's selector.
   */
  private static Predicate<Thread> lookupThreads(boolean withSelector) {
    return t ->
        !t.getName().startsWith(HangingServer.THREAD_PREFIX)
            && !t.getName().startsWith(COMMON_POOL_THREAD)
            && (withSelector || !t.getName().endsWith("-SelectorManager"));
  }

  @Test
  void close_withRequestsHanging_returnsAtOnce_andItsThreadsEnd() throws Exception {
    StartedThreads threads = StartedThreads.since();
    HttpLookup<String, Profile> lookup = profiles();
    lookup.open(new RecordingLookupContext());
    List<CompletableFuture<Optional<Profile>>> answered = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      answered.add(lookup.lookup("c-" + i));
    }
    for (CompletableFuture<Optional<Profile>> call : answered) {
      assertThat(await(call)).isPresent();
    }
    CompletableFuture<Optional<Profile>> hangs = lookup.lookup("hang-1");
    assertThat(server.awaitHanging(1, Duration.ofSeconds(10))).as("request at the server").isTrue();

    long start = System.nanoTime();
    lookup.close();
    Duration closing = Duration.ofNanos(System.nanoTime() - start);

    // At once: close waits for nothing, while the hanging request would run into the 5-minute
    // request timeout. 5 s leaves room for a loaded machine (1 s was tight there).
    assertThat(closing).isLessThan(Duration.ofSeconds(5));
    assertThat(hangs).isCompletedExceptionally();
    assertThat(
            threads.stillRunningAfter(Duration.ofSeconds(5), lookupThreads(CLIENT_CAN_SHUT_DOWN)))
        .as("threads of the lookup still running 5 s after close, without a GC")
        .isEmpty();

    lookup = null; // as the task's objects once it has ended
    assertThat(stillRunningAfterGc(threads, Duration.ofSeconds(20)))
        .as("threads of the lookup still running after GCs")
        .isEmpty();
  }

  @Test
  void close_whileTheBodyOfAFailedRequestDrains_itsThreadsEnd() throws Exception {
    StartedThreads threads = StartedThreads.since();
    HttpLookup<String, Profile> lookup = profiles();
    lookup.open(new RecordingLookupContext());
    CompletableFuture<Optional<Profile>> failed = lookup.lookup(HangingServer.STALLED_BODY + "1");
    assertThat(server.awaitHanging(1, Duration.ofSeconds(10))).as("body stalled").isTrue();
    // The 503 is known from its headers; its body drains in the background (up to 5 minutes).
    assertThat(catchThrowable(() -> await(failed)))
        .hasCauseInstanceOf(HttpLookupException.class)
        .hasMessageContaining("status 503");

    lookup.close();

    assertThat(
            threads.stillRunningAfter(Duration.ofSeconds(5), lookupThreads(CLIENT_CAN_SHUT_DOWN)))
        .as("threads of the lookup still running 5 s after close, without a GC")
        .isEmpty();
    lookup = null; // as the task's objects once it has ended
    assertThat(stillRunningAfterGc(threads, Duration.ofSeconds(20)))
        .as("threads of the lookup still running after GCs (the drained connection is open)")
        .isEmpty();
  }

  /** Collects garbage until the threads started since {@code threads} end, for {@code timeout}. */
  private static List<String> stillRunningAfterGc(StartedThreads threads, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> running = threads.stillRunningAfter(Duration.ZERO, lookupThreads(true));
    while (!running.isEmpty() && System.nanoTime() - deadline < 0) {
      System.gc();
      running = threads.stillRunningAfter(Duration.ofMillis(500), lookupThreads(true));
    }
    return running;
  }
}
