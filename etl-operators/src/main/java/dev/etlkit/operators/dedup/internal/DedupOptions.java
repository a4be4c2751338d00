package dev.etlkit.operators.dedup.internal;

import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.operators.dedup.Dedup;
import dev.etlkit.operators.dedup.DedupOrder;
import dev.etlkit.operators.dedup.DedupOutput;
import dev.etlkit.operators.dedup.LateRecords;
import java.time.Duration;
import java.util.function.Consumer;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * The name and options of a {@link Dedup.DedupStep}, as its factory and {@code withX} methods set
 * them: {@code null} (or 0) where an option is not set. Immutable: each {@code withX} returns a
 * copy with one option changed (as {@code LookupRetry}'s values do). The step checks each value
 * before it gets here; {@link DedupExpansion} checks the rules between them when the step is
 * applied.
 *
 * @param <T> row type
 * @param <K> key type
 */
@Internal
public final class DedupOptions<T, K> implements Cloneable {
  private String name;
  private KeySelector<T, K> key;
  @Nullable private TypeInformation<K> keyType;
  private boolean keepLast;
  private DedupOutput output;
  private boolean changelogInput;
  @Nullable private DedupOrder<T> order;
  @Nullable private Duration stateTtl;
  @Nullable private LateRecords lateRecords;
  private int miniBatchRecords;
  @Nullable private Duration miniBatchDelay;
  @Nullable private ErrorPolicy errorPolicy;
  @Nullable private Duration deleteRetention;

  private DedupOptions() {}

  /** The options of a new step: no option set beyond its name, key, mode and output. */
  public static <T, K> DedupOptions<T, K> of(
      String name, KeySelector<T, K> key, boolean keepLast, DedupOutput output) {
    DedupOptions<T, K> options = new DedupOptions<>();
    options.name = name;
    options.key = key;
    options.keepLast = keepLast;
    options.output = output;
    return options;
  }

  /** A copy with {@code change} made to it: this one never changes. */
  @SuppressWarnings("unchecked")
  private DedupOptions<T, K> with(Consumer<DedupOptions<T, K>> change) {
    DedupOptions<T, K> copy;
    try {
      copy = (DedupOptions<T, K>) clone();
    } catch (CloneNotSupportedException e) {
      throw new AssertionError(e);
    }
    change.accept(copy);
    return copy;
  }

  public String name() {
    return name;
  }

  public KeySelector<T, K> key() {
    return key;
  }

  /** The key type; null: inferred from the key selector. */
  @Nullable
  public TypeInformation<K> keyType() {
    return keyType;
  }

  /** Keep the last row per key (else the first). */
  public boolean keepLast() {
    return keepLast;
  }

  public DedupOutput output() {
    return output;
  }

  /** The input is a changelog of rows ({@code Change<T>}). */
  public boolean changelogInput() {
    return changelogInput;
  }

  /** The ordering; null: processing time. */
  @Nullable
  public DedupOrder<T> order() {
    return order;
  }

  /** The step's own state TTL; null: the pipeline's. */
  @Nullable
  public Duration stateTtl() {
    return stateTtl;
  }

  /**
   * Where late records go; null: not set, or set to the default ({@link #lateRecordsOrDefault}).
   */
  @Nullable
  public LateRecords lateRecords() {
    return lateRecords;
  }

  /** Where late records go: as set, else {@link Dedup#DEFAULT_LATE_RECORDS}. */
  public LateRecords lateRecordsOrDefault() {
    return lateRecords != null ? lateRecords : Dedup.DEFAULT_LATE_RECORDS;
  }

  /** The largest mini-batch; 0: no mini-batch. */
  public int miniBatchRecords() {
    return miniBatchRecords;
  }

  /** The longest mini-batch delay; null: no mini-batch. */
  @Nullable
  public Duration miniBatchDelay() {
    return miniBatchDelay;
  }

  /** The step's own error policy; null: the pipeline's. */
  @Nullable
  public ErrorPolicy errorPolicy() {
    return errorPolicy;
  }

  /** How long a deleted key's tombstone is kept; null: until the state TTL, if any. */
  @Nullable
  public Duration deleteRetention() {
    return deleteRetention;
  }

  public DedupOptions<T, K> withOrder(@Nullable DedupOrder<T> ordering) {
    return with(o -> o.order = ordering);
  }

  public DedupOptions<T, K> withOutput(DedupOutput mode) {
    return with(o -> o.output = mode);
  }

  /** The options with changelog input. */
  public DedupOptions<T, K> withChangelogInput() {
    return with(o -> o.changelogInput = true);
  }

  /** The options with the step's own TTL; null: the pipeline's. */
  public DedupOptions<T, K> withStateTtl(@Nullable Duration ttl) {
    return with(o -> o.stateTtl = ttl);
  }

  public DedupOptions<T, K> withLateRecords(LateRecords where) {
    return with(o -> o.lateRecords = where);
  }

  public DedupOptions<T, K> withMiniBatch(int maxRecords, Duration maxDelay) {
    return with(
        o -> {
          o.miniBatchRecords = maxRecords;
          o.miniBatchDelay = maxDelay;
        });
  }

  public DedupOptions<T, K> withoutMiniBatch() {
    return with(
        o -> {
          o.miniBatchRecords = 0;
          o.miniBatchDelay = null;
        });
  }

  public DedupOptions<T, K> withKeyType(TypeInformation<K> type) {
    return with(o -> o.keyType = type);
  }

  public DedupOptions<T, K> withErrorPolicy(@Nullable ErrorPolicy policy) {
    return with(o -> o.errorPolicy = policy);
  }

  public DedupOptions<T, K> withDeleteRetention(Duration retention) {
    return with(o -> o.deleteRetention = retention);
  }
}
