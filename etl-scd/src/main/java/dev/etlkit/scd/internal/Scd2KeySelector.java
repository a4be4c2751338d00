package dev.etlkit.scd.internal;

import dev.etlkit.core.Change;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * The key of the SCD2 step's keyed stream: the user's business key of the attributes (of the
 * change's value on changelog input). A record whose key is null, or whose key selector throws,
 * gets {@link #NO_KEY} instead of failing the job in Flink's partitioner; the step's function turns
 * such records into dead letters, unless it skips them unread ({@code -U} changes, deletes under
 * {@code HardDeletes.IGNORE}).
 */
@Internal
public final class Scd2KeySelector<I, T> implements KeySelector<I, String> {
  private static final long serialVersionUID = 1L;

  /** The key of records without a usable business key. */
  public static final String NO_KEY = "\u0000etlkit-scd2-no-key";

  private final KeySelector<T, String> key;
  private final boolean changelog;

  public Scd2KeySelector(KeySelector<T, String> key, boolean changelog) {
    this.key = key;
    this.changelog = changelog;
  }

  @Override
  public String getKey(I record) {
    try {
      String k = key.getKey(valueOf(record));
      return k == null ? NO_KEY : k;
    } catch (Exception e) {
      return NO_KEY;
    }
  }

  /**
   * The reason a record has no key: the exception of the key selector, or an {@link
   * IllegalArgumentException} for a null key.
   */
  public Exception whyNoKey(I record) {
    try {
      String k = key.getKey(valueOf(record));
      return k == null
          ? new IllegalArgumentException("the business key is null")
          : new IllegalArgumentException("the business key is reserved");
    } catch (Exception e) {
      return e;
    }
  }

  @SuppressWarnings("unchecked")
  private T valueOf(I record) {
    return changelog ? ((Change<T>) record).value() : (T) record;
  }
}
