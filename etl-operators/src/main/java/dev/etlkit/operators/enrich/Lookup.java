package dev.etlkit.operators.enrich;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Where an enrichment step finds the value for a key: a database table, an HTTP API, anything that
 * answers asynchronously.
 *
 * <p>The contract:
 *
 * <ul>
 *   <li>{@link #lookup} and {@link #lookupAll} are called on the task thread (first attempts) and
 *       on the step's timer thread ({@code etlkit-lookup <uid> (<subtask>/<parallelism>)}: retries,
 *       micro-batches, calls that waited for the rate limit), possibly at the same time. So a
 *       lookup must be thread-safe, and must not block the calling thread: do the work on the
 *       client's own threads or on an executor the lookup owns, and return at once. The JDBC and
 *       HTTP lookups etlkit ships are both.
 *   <li>The future completes with {@link Optional#empty()} when the source has no value for the key
 *       (a miss), with a value when it has one, and exceptionally when the call failed (for {@link
 *       #lookupAll}, with a {@link PartialLookupException} when only some keys failed). The step
 *       decides what a failure means (retry, default, dead letter); a lookup never retries on its
 *       own unless documented. An {@link Error} is no failure of the call, whether thrown or
 *       completing the future (also inside a {@code CompletionException} or {@code
 *       ExecutionException}): it fails the task, with no retry or fallback.
 *   <li>A future may be cancelled by the step when its call's attempt timeout ended it, or when the
 *       step timeout answered every record waiting for it, but only if the lookup says that is safe
 *       ({@link #supportsCancellation()}, default {@code false}).
 *   <li>Lookups must be <b>idempotent</b>: after a restore from a checkpoint, the requests that
 *       were in flight are issued again.
 *   <li>An instance is serialized with the job graph and {@linkplain #open opened} once per
 *       parallel subtask before its first call; connections, pools and clients are created there
 *       (in transient fields), never in the constructor, and released in {@link #close}.
 *   <li>{@link #close} stops every thread the lookup started and returns within seconds, whatever
 *       the remote side does: a job restarts many times in one TaskManager, each attempt with a new
 *       class loader that a thread left running would keep, and Flink kills a TaskManager whose
 *       cancelled task does not end in time. What must outlive one subtask's close (such as
 *       deregistering a JDBC driver) goes into {@link LookupContext#registerReleaseHookIfAbsent}.
 *   <li>A lookup keeps no checkpointed state: one implementing Flink's {@code
 *       CheckpointedFunction}, {@code ListCheckpointed} or {@code CheckpointListener} is rejected
 *       when the step is built (the step would not pass those hooks on). Cache values with the
 *       step's cache.
 * </ul>
 *
 * @param <K> the lookup key
 * @param <V> the value found for a key
 */
@PublicEvolving
public interface Lookup<K, V> extends Serializable {

  /**
   * Looks up one key.
   *
   * @return a future completed with the value, with empty for a miss, or exceptionally on failure
   */
  CompletableFuture<Optional<V>> lookup(K key);

  /**
   * Looks up many keys, in one round trip where the source allows it (see {@link
   * #supportsBatch()}). Keys absent from the returned map are misses; a failure fails every key of
   * the call, except a {@link PartialLookupException}: a call that answered some keys and failed
   * others completes with one, and each of its failed keys then fails alone (retry, stale entry,
   * fallback or dead letter, as for a call of its own) while the others are answered.
   *
   * <p>The default issues one {@link #lookup} per key and completes when all have: with the values
   * found, or, when some keys' calls failed (their future, or {@code lookup} itself throwing), with
   * a {@link PartialLookupException} holding the values found and each failed key's own failure.
   */
  default CompletableFuture<Map<K, V>> lookupAll(Collection<K> keys) {
    List<K> ordered = new ArrayList<>(keys);
    List<CompletableFuture<Optional<V>>> calls = new ArrayList<>(ordered.size());
    for (K key : ordered) {
      CompletableFuture<Optional<V>> call;
      try {
        call = lookup(key);
        if (call == null) {
          call =
              CompletableFuture.failedFuture(
                  new NullPointerException("the lookup returned no future"));
        }
      } catch (RuntimeException e) {
        call = CompletableFuture.failedFuture(e);
      }
      calls.add(call);
    }
    CompletableFuture<?>[] settled = new CompletableFuture<?>[calls.size()];
    for (int i = 0; i < settled.length; i++) {
      settled[i] = calls.get(i).handle((value, failure) -> null); // completes when it has
    }
    return CompletableFuture.allOf(settled)
        .thenApply(
            ignored -> {
              Map<K, V> found = new HashMap<>();
              Map<K, Throwable> failures = new HashMap<>();
              for (int i = 0; i < ordered.size(); i++) {
                CompletableFuture<Optional<V>> call = calls.get(i);
                if (call.isCompletedExceptionally()) {
                  failures.put(ordered.get(i), failureOf(call));
                } else {
                  Optional<V> value = call.join();
                  if (value == null) {
                    failures.put(
                        ordered.get(i),
                        new NullPointerException("the lookup completed its future with null"));
                  } else if (value.isPresent()) {
                    found.put(ordered.get(i), value.get());
                  }
                }
              }
              if (!failures.isEmpty()) {
                throw PartialLookupException.of(found, failures);
              }
              return found;
            });
  }

  /** The failure a completed-exceptionally future holds, unwrapped from its completion. */
  private static Throwable failureOf(CompletableFuture<?> call) {
    try {
      call.join();
      throw new IllegalStateException("the call did not fail");
    } catch (CompletionException | CancellationException e) {
      return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }
  }

  /**
   * Whether {@link #lookupAll} answers many keys in one round trip. Steps micro-batch keys only for
   * lookups that return {@code true}. Default {@code false}.
   */
  default boolean supportsBatch() {
    return false;
  }

  /**
   * Whether the step may {@linkplain CompletableFuture#cancel cancel} a future this lookup returned
   * once it no longer wants the answer: when the call's attempt timeout ({@link
   * LookupRetry#withAttemptTimeout}) ended it, before it is retried; or when the step timeout
   * answered the last record waiting for it (of every key, for a {@link #lookupAll} call), such as
   * a retry or a call that waited for a micro-batch or a rate-limit permit, which would otherwise
   * run on until its attempt timeout. A call some record still waits for, and a refresh-ahead call,
   * is never cancelled that way; the next record of a key whose call was cancelled loads it again.
   * Default {@code false}: the future is left to complete, and its answer is dropped.
   *
   * <p>Return {@code true} only when
   *
   * <ul>
   *   <li>every future {@link #lookup} and {@link #lookupAll} return is the call's own: nobody else
   *       waits for it (not a future shared between callers, such as one from a cache of your own
   *       that other lookups of the key join), since a cancelled future fails every one waiting for
   *       it; and
   *   <li>cancelling it stops the work behind it or at least frees what it holds (a connection, a
   *       place under a concurrency bound), quickly and without blocking: the step cancels on its
   *       timer thread (attempt timeouts) or on the task thread (step timeouts), and actions the
   *       lookup attached to the future run there. The default {@link #lookupAll} does not pass a
   *       cancellation on to the {@link #lookup} futures it combines; a lookup that batches and
   *       returns {@code true} cancels its batch's work itself.
   * </ul>
   *
   * <p>The cancellation completing the future with a {@code CancellationException} is not a failure
   * of the call, which ended already: it is neither counted nor retried.
   */
  default boolean supportsCancellation() {
    return false;
  }

  /** Opens the lookup on a parallel subtask, before the first call. Default: nothing. */
  default void open(LookupContext context) throws Exception {}

  /** Releases what {@link #open} acquired. Called once; must tolerate a failed open. */
  default void close() throws Exception {}
}
