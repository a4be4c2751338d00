package dev.etlkit.operators.enrich.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.etlkit.operators.enrich.jdbc.LookupTesting;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Responses whose body stalls after the headers: the request timeout bounds the whole exchange, and
 * the result of a non-2xx status does not wait for its body. Each test failed before 2026-11-23
 * (the body was awaited without bound, holding the in-flight slot).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpLookupStalledBodyTest {

  /**
   * {@code GET /k/stall-<status>}: that status with a Content-Length of 100 and 10 bytes of body,
   * then nothing until the test class ends (a server or proxy stalled mid-body). {@code GET
   * /k/<id>}: a profile.
   */
  private static HttpServer server;

  private static final ExecutorService THREADS = Executors.newCachedThreadPool();
  private static final CountDownLatch RELEASE = new CountDownLatch(1);

  private final LookupTesting lookups = new LookupTesting();

  @BeforeAll
  static void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/k/", HttpLookupStalledBodyTest::handle);
    server.setExecutor(THREADS);
    server.start();
  }

  @AfterAll
  static void stopServer() {
    RELEASE.countDown();
    server.stop(0);
    THREADS.shutdownNow();
  }

  @AfterEach
  void closeLookups() throws Exception {
    lookups.closeAll();
  }

  private static void handle(HttpExchange exchange) throws IOException {
    String id = exchange.getRequestURI().getPath().substring("/k/".length());
    if (!id.startsWith("stall-")) {
      ok(exchange, id);
      return;
    }
    int status = Integer.parseInt(id.substring("stall-".length()));
    try (exchange) {
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, 100);
      OutputStream out = exchange.getResponseBody();
      out.write("{\"id\": \"x\"".getBytes(StandardCharsets.UTF_8));
      out.flush();
      RELEASE.await(50, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException clientWentAway) {
      // the client gave up
    }
  }

  private static void ok(HttpExchange exchange, String id) throws IOException {
    byte[] bytes =
        ("{\"id\": \"" + id + "\", \"name\": \"Customer " + id + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    try (exchange) {
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }

  private static String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * A lookup of this server whose request timeout is far above the tests' waits, so that only an
   * answer at once passes (a 300 ms timeout could fire first in a cold JVM on a loaded machine).
   */
  private static HttpLookup<String, Profile> stalls() {
    return HttpLookup.get(base() + "/k/{key}", String.class, Profile.class)
        .withRequestTimeout(Duration.ofSeconds(30));
  }

  /** How the future ended within {@code seconds}: its value, its failure, or "still running". */
  private static Object outcome(CompletableFuture<?> future, long seconds) throws Exception {
    try {
      return future.get(seconds, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      return "still running after " + seconds + " s";
    }
  }

  /**
   * A 503 is a retryable failure as soon as its status is known: its body is drained in the
   * background, not awaited (it used to be read to its end, leaving the future and its in-flight
   * slot hanging while the body stalled).
   */
  @Test
  void lookup_serverErrorWithAStalledBody_failsRetryablyAtOnce() throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(stalls());

    Object outcome = outcome(lookup.lookup("stall-503"), 10); // the body stalls for 50 s

    assertThat(outcome).isInstanceOf(HttpLookupException.class);
    HttpLookupException failure = (HttpLookupException) outcome;
    assertThat(failure.statusCode()).hasValue(503);
    assertThat(failure.retryable()).isTrue();
  }

  /** The same for a miss status: a 404 with a stalled body is a miss at once. */
  @Test
  void lookup_missStatusWithAStalledBody_isAMissAtOnce() throws Exception {
    HttpLookup<String, Profile> lookup = lookups.open(stalls());

    // the body stalls for 50 s
    assertThat(outcome(lookup.lookup("stall-404"), 10)).isEqualTo(Optional.empty());
  }

  /**
   * A 2xx body that stalls fails the request as timed out (retryable) at the request timeout, and
   * gives its in-flight slot back. It used to be bounded by nothing (the JDK's timeout covers only
   * the headers, and the step's timeout does not cancel the lookup's future): after
   * maxConcurrentRequests such responses, every later lookup failed as "overloaded" until close.
   */
  @Test
  void lookup_afterABodyStalled_laterLookupsAreNotOverloadedForEver() throws Exception {
    // 1 s (not 300 ms): the next lookup must succeed within it, on a loaded machine too
    HttpLookup<String, Profile> stalling =
        lookups.open(
            stalls().withRequestTimeout(Duration.ofSeconds(1)).withMaxConcurrentRequests(1));
    CompletableFuture<Optional<Profile>> stalled = stalling.lookup("stall-200");

    Object stalledOutcome = outcome(stalled, 10); // ten times the request timeout
    Object next = outcome(stalling.lookup("c-1"), 10);

    assertThat(stalledOutcome).isInstanceOf(HttpLookupException.class);
    HttpLookupException timedOut = (HttpLookupException) stalledOutcome;
    assertThat(timedOut.retryable()).isTrue();
    assertThat(timedOut.statusCode()).isEmpty();
    assertThat(timedOut)
        .hasMessage(
            "HTTP lookup timed out (requestTimeout PT1S): the response did not end in time");
    assertThat(next)
        .as("the next lookup, of a healthy key, after the stalled one timed out")
        .isEqualTo(Optional.of(new Profile("c-1", "Customer c-1", null)));
  }
}
