package dev.etlkit.operators.enrich.http;

import dev.etlkit.operators.enrich.internal.async.FutureFailures;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import javax.annotation.Nullable;

/**
 * The pacing of an {@link HttpLookupRuntime#lookupAll} call of several batch requests: which part
 * is sent when, how their answers are gathered, and how one failure or a cancellation ends the
 * others.
 *
 * <p>A call of several parts, sent at most {@code maxConcurrentRequests} at a time. Cancelling its
 * result cancels the parts in flight.
 */
final class BatchCall<K, V> {
  private final Function<Map<String, K>, CompletableFuture<Map<K, V>>> post;
  private final int maxConcurrentRequests;
  private final List<Map<String, K>> chunks;
  private final CompletableFuture<Map<K, V>> result = new CompletableFuture<>();
  private final Map<K, V> found = new HashMap<>();
  private final List<CompletableFuture<Map<K, V>>> sent = new ArrayList<>();
  private int next;
  private int pending;
  private boolean failed;

  BatchCall(
      List<Map<String, K>> chunks,
      Function<Map<String, K>, CompletableFuture<Map<K, V>>> post,
      int maxConcurrentRequests) {
    this.chunks = chunks;
    this.post = post;
    this.maxConcurrentRequests = maxConcurrentRequests;
    this.pending = chunks.size();
    result.whenComplete(
        (ignored, error) -> {
          if (error instanceof CancellationException) {
            List<CompletableFuture<Map<K, V>>> parts;
            synchronized (this) {
              parts = new ArrayList<>(sent);
            }
            parts.forEach(part -> part.cancel(true));
          }
        });
  }

  CompletableFuture<Map<K, V>> start() {
    int first;
    synchronized (this) {
      first = Math.min(chunks.size(), maxConcurrentRequests);
      next = first;
    }
    for (int i = 0; i < first && !result.isDone(); i++) {
      send(i);
    }
    return result;
  }

  private void send(int i) {
    CompletableFuture<Map<K, V>> part = post.apply(chunks.get(i));
    synchronized (this) {
      sent.add(part);
    }
    if (result.isCancelled()) {
      part.cancel(true); // cancelled while this part was on its way
    }
    part.whenComplete(this::onPart);
  }

  private void onPart(@Nullable Map<K, V> part, @Nullable Throwable error) {
    if (error != null) {
      // The call is over: its other requests would only hold places its retry needs.
      List<CompletableFuture<Map<K, V>>> others;
      synchronized (this) {
        if (failed) {
          return; // one of the others, cancelled below
        }
        failed = true;
        next = chunks.size();
        others = new ArrayList<>(sent);
      }
      others.forEach(other -> other.cancel(true));
      result.completeExceptionally(FutureFailures.unwrap(error));
      return;
    }
    int toSend = -1;
    boolean done;
    synchronized (this) {
      found.putAll(part);
      done = --pending == 0;
      if (next < chunks.size() && !result.isDone()) {
        toSend = next++;
      }
    }
    if (done) {
      result.complete(found);
    } else if (toSend >= 0) {
      send(toSend);
    }
  }
}
