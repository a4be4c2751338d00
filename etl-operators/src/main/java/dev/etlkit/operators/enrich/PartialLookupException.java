package dev.etlkit.operators.enrich;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;

/**
 * How a {@link Lookup#lookupAll} call says that it answered some of its keys and failed others: its
 * future completes exceptionally with this exception, which holds the values {@linkplain #found()
 * found} for the keys it answered and the {@linkplain #failures() failure} of each key it could not
 * (a key it cannot send, such as one whose formatting or binding throws). The step then takes each
 * key of the call on its own: a key in {@link #failures()} fails as if a call of its own had failed
 * with that exception (retried if the retry condition says so, else a stale entry, the fallback or
 * a dead letter; counted in {@code loadFailures}); every other key is answered from {@link
 * #found()}, where an absent key is a miss. An {@link Error} among the failures fails the task, as
 * for any call.
 *
 * <pre>{@code
 * return CompletableFuture.failedFuture(PartialLookupException.of(found, Map.of(badKey, why)));
 * }</pre>
 *
 * <p>The maps are kept as given (read-only views, not copies), so a map that compares keys by
 * identity keeps doing so. The message gives the number of failed keys only, never a key; the maps
 * are not serialized with the exception.
 */
@PublicEvolving
public final class PartialLookupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  @Nullable private final transient Map<?, ?> found;
  @Nullable private final transient Map<?, ? extends Throwable> failures;

  private PartialLookupException(Map<?, ?> found, Map<?, ? extends Throwable> failures) {
    super("lookupAll failed for " + failures.size() + " of its keys", null, false, false);
    this.found = found;
    this.failures = failures;
  }

  /**
   * The outcome of a call that answered the keys not in {@code failures} with {@code found}.
   *
   * @throws IllegalArgumentException if {@code failures} is empty (complete the future with {@code
   *     found} instead) or holds a null failure
   */
  public static <K, V> PartialLookupException of(
      Map<K, V> found, Map<K, ? extends Throwable> failures) {
    Objects.requireNonNull(found, "found");
    Objects.requireNonNull(failures, "failures");
    if (failures.isEmpty()) {
      throw new IllegalArgumentException(
          "failures must name at least one key; complete the future with found instead");
    }
    for (Throwable failure : failures.values()) {
      if (failure == null) {
        throw new IllegalArgumentException("failures must not hold a null failure");
      }
    }
    return new PartialLookupException(
        Collections.unmodifiableMap(found), Collections.unmodifiableMap(failures));
  }

  /**
   * The values found for the keys answered; a key of the call absent here was a miss. Empty once
   * the exception was serialized.
   */
  public Map<?, ?> found() {
    return found == null ? Map.of() : found;
  }

  /**
   * The failure of each key that could not be looked up. Empty once the exception was serialized.
   */
  public Map<?, ? extends Throwable> failures() {
    return failures == null ? Map.of() : failures;
  }
}
