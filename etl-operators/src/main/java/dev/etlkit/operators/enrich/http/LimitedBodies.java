package dev.etlkit.operators.enrich.http;

import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Reads the bodies of successful (2xx) responses into bytes, up to a limit: a declared {@code
 * Content-Length} over it fails before reading, a body that grows over it fails as soon as it does
 * and the rest is not read. Bodies of other responses are discarded unread.
 */
final class LimitedBodies implements HttpResponse.BodyHandler<byte[]> {
  private final int maxBytes;

  LimitedBodies(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Override
  public BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
    int status = info.statusCode();
    if (status < 200 || status > 299) {
      return BodySubscribers.replacing(null);
    }
    OptionalLong declared = info.headers().firstValueAsLong("Content-Length");
    long size = declared.isPresent() ? declared.getAsLong() : -1;
    return new Limited(maxBytes, status, size > maxBytes ? size : -1);
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
          bytes =
              java.util.Arrays.copyOf(
                  bytes, Math.min(maxBytes, Math.max(length + n, 2 * bytes.length)));
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
      body.complete(length == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, length));
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return body;
    }
  }
}
