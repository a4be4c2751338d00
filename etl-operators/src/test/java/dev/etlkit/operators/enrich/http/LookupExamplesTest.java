package dev.etlkit.operators.enrich.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupContext;
import dev.etlkit.operators.enrich.jdbc.JdbcLookupException;
import dev.etlkit.operators.enrich.jdbc.RecordingLookupContext;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The examples of docs/enrichment-lookups.md that are not about one shipped lookup: writing your
 * own {@link Lookup} around a blocking client, and telling retryable failures from permanent ones.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LookupExamplesTest {

  /** A blocking SDK client, as many vendors ship them. Not serializable. */
  static final class RatesClient implements AutoCloseable {
    static volatile CountDownLatch gate = new CountDownLatch(0);
    private static final Map<String, BigDecimal> RATES =
        Map.of("EUR", BigDecimal.ONE, "USD", new BigDecimal("1.08"));

    static RatesClient connect(String endpoint) {
      return new RatesClient();
    }

    /** Blocks until the answer is there; null when the currency is unknown. */
    BigDecimal rate(String currency) {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return RATES.get(currency);
    }

    @Override
    public void close() {}
  }

  // tag::custom-lookup[]
  /** Exchange rates from a blocking client, called on threads of the lookup's own. */
  static final class RateLookup implements Lookup<String, BigDecimal> {
    private final String endpoint; // configuration: serialized with the job
    private transient RatesClient client; // created per subtask in open()
    private transient ExecutorService executor;

    RateLookup(String endpoint) {
      this.endpoint = endpoint;
    }

    @Override
    public void open(LookupContext context) {
      client = RatesClient.connect(endpoint);
      executor =
          new ThreadPoolExecutor(
              2, 2, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(100)); // bounded queue
    }

    @Override
    public CompletableFuture<Optional<BigDecimal>> lookup(String currency) {
      try {
        // The blocking call runs on the executor, never on the calling thread.
        return CompletableFuture.supplyAsync(
            () -> Optional.ofNullable(client.rate(currency)), executor);
      } catch (RejectedExecutionException full) {
        return CompletableFuture.failedFuture(full); // fail fast; the step may retry later
      }
    }

    @Override
    public void close() {
      if (executor != null) {
        executor.shutdownNow();
      }
      if (client != null) {
        client.close();
      }
    }
  }

  // end::custom-lookup[]

  @Test
  void customLookup_answersWithoutBlockingTheCaller_andFailsFastWhenFull() throws Exception {
    RateLookup lookup = new RateLookup("https://rates.example.com");
    lookup.open(new RecordingLookupContext());
    try {
      assertThat(lookup.lookup("USD").get()).contains(new BigDecimal("1.08"));
      assertThat(lookup.lookup("XYZ").get()).isEmpty();

      RatesClient.gate = new CountDownLatch(1); // the client now blocks
      long start = System.nanoTime();
      List<CompletableFuture<Optional<BigDecimal>>> calls = new ArrayList<>();
      for (int i = 0; i < 150; i++) {
        calls.add(lookup.lookup("EUR"));
      }
      // A caller that blocked would wait for the gate, which opens only below: for ever. 5 s (not
      // 1 s) leaves room for a cold JVM on a loaded machine, well within the test's 10 s timeout.
      assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(5));
      // up to 2 running, 100 queued, the rest rejected at once
      assertThat(calls.stream().filter(CompletableFuture::isCompletedExceptionally).count())
          .isBetween(48L, 50L);
      RatesClient.gate.countDown();
      assertThat(calls.get(0).get()).contains(BigDecimal.ONE);
      RatesClient.gate.countDown();
    } finally {
      RatesClient.gate.countDown();
      lookup.close();
    }
  }

  // tag::retry-predicate[]
  /** Whether a failed lookup may succeed when tried again. */
  static boolean isRetryable(Throwable failure) {
    Throwable e = failure;
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause(); // dependent stages wrap the lookup's exception
    }
    if (e instanceof JdbcLookupException) {
      return ((JdbcLookupException) e).retryable();
    }
    if (e instanceof HttpLookupException) {
      return ((HttpLookupException) e).retryable();
    }
    return e instanceof RejectedExecutionException;
  }

  // end::retry-predicate[]

  @Test
  void retryPredicate_followsTheExceptionsOfBothLookups() {
    assertThat(isRetryable(new JdbcLookupException("x", true, "08001"))).isTrue();
    assertThat(isRetryable(new JdbcLookupException("x", false, "42P01"))).isFalse();
    assertThat(isRetryable(new HttpLookupException("x", true, 503, null))).isTrue();
    assertThat(isRetryable(new HttpLookupException("x", false, 400, null))).isFalse();

    CompletableFuture<Object> failed =
        CompletableFuture.failedFuture(new HttpLookupException("x", true, 429, null));
    Throwable seenDownstream = catchThrowable(() -> failed.thenApply(v -> v).join());
    assertThat(seenDownstream).isInstanceOf(CompletionException.class);
    assertThat(isRetryable(seenDownstream)).isTrue();
    assertThat(isRetryable(new ExecutionException(new IllegalStateException()))).isFalse();
  }
}
