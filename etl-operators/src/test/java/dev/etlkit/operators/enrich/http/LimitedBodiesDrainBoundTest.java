package dev.etlkit.operators.enrich.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bodies of non-2xx responses drain in the background to keep their connections, each for at
 * most the request timeout: a server answering 503 with bodies that stall kept one connection
 * draining per request, beyond {@code maxConcurrentRequests} (the slot is free as soon as the
 * status is known). At most that many now drain at once; a further body is not drained, and its
 * connection closes.
 */
class LimitedBodiesDrainBoundTest {

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  /** A subscription that records whether it was cancelled and what was requested. */
  private static final class Recorded implements Flow.Subscription {
    boolean cancelled;
    long requested;

    @Override
    public void request(long n) {
      requested += n;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }
  }

  private static HttpResponse.ResponseInfo status(int status) {
    return new HttpResponse.ResponseInfo() {
      @Override
      public int statusCode() {
        return status;
      }

      @Override
      public HttpHeaders headers() {
        return HttpHeaders.of(Map.of(), (name, value) -> true);
      }

      @Override
      public HttpClient.Version version() {
        return HttpClient.Version.HTTP_1_1;
      }
    };
  }

  @Test
  void atMostMaxConcurrentRequestsBodiesDrainAtOnce_aFurtherOneIsCancelled() {
    LimitedBodies bodies =
        new LimitedBodies(1_000, timer, TimeUnit.SECONDS.toNanos(60), /* maxDrains */ 2);
    Recorded first = new Recorded();
    Recorded second = new Recorded();
    Recorded third = new Recorded();
    BodySubscriber<byte[]> firstBody = bodies.apply(status(503));
    bodies.apply(status(503)).onSubscribe(first);
    firstBody.onSubscribe(second);

    bodies.apply(status(503)).onSubscribe(third);

    assertThat(first.cancelled).as("draining").isFalse();
    assertThat(second.cancelled).as("draining").isFalse();
    assertThat(third.cancelled).as("a third drain at once, over the bound of 2").isTrue();
    assertThat(third.requested).isZero();

    firstBody.onComplete(); // the first body ended: a place is free again
    Recorded fourth = new Recorded();
    bodies.apply(status(404)).onSubscribe(fourth);
    assertThat(fourth.cancelled).isFalse();
    assertThat(fourth.requested).isEqualTo(Long.MAX_VALUE);
  }
}
