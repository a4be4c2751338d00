package dev.etlkit.operators.enrich.http;

import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads the bodies of successful (2xx) responses into bytes, up to a limit: a declared {@code
 * Content-Length} over it fails before reading, a body that grows over it fails as soon as it does
 * and the rest is not read.
 *
 * <p>The response to any other status is complete at once, with its headers: its body is drained in
 * the background and dropped, so that the connection can serve the next request, but never more
 * than the limit and never for longer than the request timeout (then the subscription is cancelled,
 * which closes an HTTP/1.1 connection); at most {@code maxDrains} bodies drain at once, a further
 * one is cancelled at once (its connection closes, as for a server whose error bodies stall a drain
 * per request would otherwise pile up). {@link #close()} cancels the drains at once: a connection
 * left draining would keep the client, and its selector thread, alive past the lookup's close.
 */
final class LimitedBodies implements HttpResponse.BodyHandler<byte[]> {
  private final int maxBytes;
  private final ScheduledExecutorService timer;
  private final long drainNanos;
  private final int maxDrains;

  /** The bodies draining now. */
  private final Set<Drained> draining = ConcurrentHashMap.newKeySet();

  private volatile boolean closed;

  /**
   * @param maxDrains how many bodies may drain at once (the lookup's {@code
   *     maxConcurrentRequests}): a body beyond them is not drained, its connection closes
   */
  LimitedBodies(int maxBytes, ScheduledExecutorService timer, long drainNanos, int maxDrains) {
    this.maxBytes = maxBytes;
    this.timer = timer;
    this.drainNanos = drainNanos;
    this.maxDrains = maxDrains;
  }

  @Override
  public BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
    int status = info.statusCode();
    if (status < 200 || status > 299) {
      return new Drained(this);
    }
    OptionalLong declared = info.headers().firstValueAsLong("Content-Length");
    long size = declared.isPresent() ? declared.getAsLong() : -1;
    return new Limited(maxBytes, status, size > maxBytes ? size : -1);
  }

  /** Cancels the drains under way and any that starts later. */
  void close() {
    closed = true;
    for (Drained drain : draining) {
      drain.cancel();
    }
  }

  /** Collects up to {@code maxBytes}, then cancels. */
  private static final class Limited implements BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final int maxBytes;
    private final int status;
    private final long declaredTooLarge;
    private byte[] bytes = new byte[0];
    private int length;
    private Flow.Subscription subscription;

    Limited(int maxBytes, int status, long declaredTooLarge) {
      this.maxBytes = maxBytes;
      this.status = status;
      this.declaredTooLarge = declaredTooLarge;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (declaredTooLarge >= 0) {
        s.cancel();
        body.completeExceptionally(ResponseReader.tooLarge(declaredTooLarge, maxBytes, status));
        return;
      }
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      if (body.isDone()) {
        return;
      }
      for (ByteBuffer buffer : buffers) {
        int n = buffer.remaining();
        if ((long) length + n > maxBytes) {
          subscription.cancel();
          body.completeExceptionally(ResponseReader.tooLarge(-1, maxBytes, status));
          return;
        }
        if (length + n > bytes.length) {
          bytes = Arrays.copyOf(bytes, Math.min(maxBytes, Math.max(length + n, 2 * bytes.length)));
        }
        buffer.get(bytes, length, n);
        length += n;
      }
    }

    @Override
    public void onError(Throwable error) {
      body.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
      body.complete(length == bytes.length ? bytes : Arrays.copyOf(bytes, length));
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return body;
    }
  }

  /**
   * No body (null) at once; drains what comes, up to {@code maxBytes} and for at most {@code
   * drainNanos}, then cancels.
   */
  private static final class Drained implements BodySubscriber<byte[]> {
    private static final CompletionStage<byte[]> NO_BODY = CompletableFuture.completedStage(null);

    private final LimitedBodies bodies;
    private long length;
    private volatile Flow.Subscription subscription;
    private volatile ScheduledFuture<?> deadline;
    private final AtomicBoolean ended = new AtomicBoolean();

    Drained(LimitedBodies bodies) {
      this.bodies = bodies;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      bodies.draining.add(this);
      if (bodies.closed) {
        cancel(); // closed meanwhile: close() may have missed this drain
        return;
      }
      if (bodies.draining.size() > bodies.maxDrains) {
        // a server whose error bodies stall would keep a connection per request: close this one
        cancel();
        return;
      }
      s.request(Long.MAX_VALUE);
      try {
        deadline = bodies.timer.schedule(this::cancel, bodies.drainNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException closed) {
        cancel();
        return;
      }
      if (ended.get()) {
        stopTimer(); // the body ended while the deadline was armed
      }
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      for (ByteBuffer buffer : buffers) {
        length += buffer.remaining();
        buffer.position(buffer.limit());
      }
      if (length > bodies.maxBytes) {
        cancel();
      }
    }

    void cancel() {
      if (ended.compareAndSet(false, true)) {
        subscription.cancel();
      }
      stopTimer();
    }

    private void stopTimer() {
      bodies.draining.remove(this);
      ScheduledFuture<?> d = deadline;
      if (d != null) {
        d.cancel(false);
      }
    }

    @Override
    public void onError(Throwable error) {
      ended.set(true);
      stopTimer();
    }

    @Override
    public void onComplete() {
      ended.set(true);
      stopTimer();
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return NO_BODY;
    }
  }
}
