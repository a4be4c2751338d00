package dev.etlkit.operators.enrich.http;

import dev.etlkit.operators.enrich.PartialLookupException;
import dev.etlkit.operators.enrich.internal.async.FutureFailures;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.annotation.Nullable;

/**
 * How the answers of an {@link HttpLookupRuntime} {@code lookupAll} call are put together for its
 * keys: keys that share a formatted text share its answer, and keys that failed alone (one that
 * cannot be sent, a GET that failed) are reported in a {@link PartialLookupException} beside the
 * others' answers.
 */
final class BatchAnswers {
  private BatchAnswers() {}

  /** The answers of the completed {@code calls}, one per key of {@code ordered}. */
  static <K, V> Map<K, V> ofEach(List<K> ordered, List<CompletableFuture<Optional<V>>> calls) {
    Map<K, V> found = new HashMap<>();
    Map<K, Throwable> failures = null;
    for (int i = 0; i < ordered.size(); i++) {
      CompletableFuture<Optional<V>> call = calls.get(i);
      Optional<V> value;
      try {
        value = call.join();
      } catch (CompletionException | CancellationException e) {
        Throwable failure = FutureFailures.unwrap(e);
        if (failure instanceof Error) {
          throw (Error) failure; // fails the call: the step fails the task for it
        }
        if (failures == null) {
          failures = new HashMap<>();
        }
        failures.put(ordered.get(i), failure);
        continue;
      }
      if (value.isPresent()) {
        found.put(ordered.get(i), value.get());
      }
    }
    if (failures != null) {
      throw PartialLookupException.of(found, failures);
    }
    return found;
  }

  /**
   * The answers of {@code sent}, given also to each of {@code twins} from its key of {@code
   * firsts}, and as a {@link PartialLookupException} that also fails the keys of {@code failures}
   * if any. A failure of {@code sent} fails the call as it is, or, with {@code failures}, fails
   * each key of {@code sentKeys} and {@code twins} with it and each of {@code failures} with its
   * own (an {@link Error} fails the call as it is). Cancelling the result cancels {@code sent}.
   */
  static <K, V> CompletableFuture<Map<K, V>> completing(
      CompletableFuture<Map<K, V>> sent,
      Collection<K> sentKeys,
      @Nullable List<K> twins,
      @Nullable List<K> firsts,
      @Nullable Map<K, Throwable> failures) {
    CompletableFuture<Map<K, V>> result = new CompletableFuture<>();
    sent.whenComplete(
        (answers, error) -> {
          if (error != null) {
            Throwable failure = FutureFailures.unwrap(error);
            if (failures == null || failure instanceof Error) {
              result.completeExceptionally(failure);
              return;
            }
            try {
              // The unsendable keys keep their own failure: the request's is not theirs.
              Map<K, Throwable> each = new HashMap<>(failures);
              for (K key : sentKeys) {
                each.put(key, failure);
              }
              if (twins != null) {
                for (K twin : twins) {
                  each.put(twin, failure);
                }
              }
              result.completeExceptionally(PartialLookupException.of(Map.of(), each));
            } catch (RuntimeException e) {
              result.completeExceptionally(failure); // a key's equals or hashCode threw
            }
            return;
          }
          try {
            Map<K, V> found = new HashMap<>(answers);
            if (twins != null) {
              for (int i = 0; i < twins.size(); i++) {
                V value = answers.get(firsts.get(i));
                if (value != null) {
                  found.put(twins.get(i), value);
                }
              }
            }
            if (failures != null) {
              result.completeExceptionally(PartialLookupException.of(found, failures));
            } else {
              result.complete(found);
            }
          } catch (RuntimeException e) {
            // A key's equals or hashCode threw: the call fails rather than never completing.
            result.completeExceptionally(HttpFailures.unexpected(e));
          }
        });
    result.whenComplete(
        (ignored, error) -> {
          if (error instanceof CancellationException) {
            sent.cancel(true);
          }
        });
    return result;
  }
}
