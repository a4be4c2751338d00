package dev.etlkit.operators.dedup.internal;

import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.operators.dedup.Dedup;
import dev.etlkit.operators.dedup.DedupOrder;
import dev.etlkit.operators.dedup.DedupOutput;
import dev.etlkit.operators.dedup.LateRecords;
import java.time.Duration;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * The name and options of a {@link Dedup.DedupStep}, as its factory and {@code withX} methods set
 * them: {@code null} (or 0) where an option is not set. Immutable; each copy changes one option.
 * The step checks each value before it gets here; {@link DedupExpansion} checks the rules between
 * them when the step is applied.
 *
 * @param <T> row type
 * @param <K> key type
 * @param keyType the key type; null: inferred from the key selector
 * @param keepLast keep the last row per key (else the first)
 * @param changelogInput the input is a changelog of rows ({@code Change<T>})
 * @param order the ordering; null: processing time
 * @param stateTtl the step's own state TTL; null: the pipeline's
 * @param lateRecords where late records go; null: {@link Dedup#DEFAULT_LATE_RECORDS}
 * @param miniBatchRecords the largest mini-batch; 0: no mini-batch
 * @param miniBatchDelay the longest mini-batch delay; null: no mini-batch
 * @param errorPolicy the step's own error policy; null: the pipeline's
 */
@Internal
public record DedupOptions<T, K>(
    String name,
    KeySelector<T, K> key,
    @Nullable TypeInformation<K> keyType,
    boolean keepLast,
    DedupOutput output,
    boolean changelogInput,
    @Nullable DedupOrder<T> order,
    @Nullable Duration stateTtl,
    @Nullable LateRecords lateRecords,
    int miniBatchRecords,
    @Nullable Duration miniBatchDelay,
    @Nullable ErrorPolicy errorPolicy) {

  /** The options of a new step: no option set beyond its name, key, mode and output. */
  public static <T, K> DedupOptions<T, K> of(
      String name, KeySelector<T, K> key, boolean keepLast, DedupOutput output) {
    return new DedupOptions<>(
        name, key, null, keepLast, output, false, null, null, null, 0, null, null);
  }

  /** Where late records go: as set, else {@link Dedup#DEFAULT_LATE_RECORDS}. */
  public LateRecords lateRecordsOrDefault() {
    return lateRecords != null ? lateRecords : Dedup.DEFAULT_LATE_RECORDS;
  }

  public DedupOptions<T, K> withOrder(@Nullable DedupOrder<T> ordering) {
    return new DedupOptions<>(
        name,
        key,
        keyType,
        keepLast,
        output,
        changelogInput,
        ordering,
        stateTtl,
        lateRecords,
        miniBatchRecords,
        miniBatchDelay,
        errorPolicy);
  }

  public DedupOptions<T, K> withOutput(DedupOutput mode) {
    return new DedupOptions<>(
        name,
        key,
        keyType,
        keepLast,
        mode,
        changelogInput,
        order,
        stateTtl,
        lateRecords,
        miniBatchRecords,
        miniBatchDelay,
        errorPolicy);
  }

  /** The options with changelog input. */
  public DedupOptions<T, K> withChangelogInput() {
    return new DedupOptions<>(
        name,
        key,
        keyType,
        keepLast,
        output,
        true,
        order,
        stateTtl,
        lateRecords,
        miniBatchRecords,
        miniBatchDelay,
        errorPolicy);
  }

  public DedupOptions<T, K> withStateTtl(Duration ttl) {
    return new DedupOptions<>(
        name,
        key,
        keyType,
        keepLast,
        output,
        changelogInput,
        order,
        ttl,
        lateRecords,
        miniBatchRecords,
        miniBatchDelay,
        errorPolicy);
  }

  public DedupOptions<T, K> withLateRecords(LateRecords where) {
    return new DedupOptions<>(
        name,
        key,
        keyType,
        keepLast,
        output,
        changelogInput,
        order,
        stateTtl,
        where,
        miniBatchRecords,
        miniBatchDelay,
        errorPolicy);
  }

  public DedupOptions<T, K> withMiniBatch(int maxRecords, Duration maxDelay) {
    return new DedupOptions<>(
        name,
        key,
        keyType,
        keepLast,
        output,
        changelogInput,
        order,
        stateTtl,
        lateRecords,
        maxRecords,
        maxDelay,
        errorPolicy);
  }

  public DedupOptions<T, K> withKeyType(TypeInformation<K> type) {
    return new DedupOptions<>(
        name,
        key,
        type,
        keepLast,
        output,
        changelogInput,
        order,
        stateTtl,
        lateRecords,
        miniBatchRecords,
        miniBatchDelay,
        errorPolicy);
  }

  public DedupOptions<T, K> withErrorPolicy(ErrorPolicy policy) {
    return new DedupOptions<>(
        name,
        key,
        keyType,
        keepLast,
        output,
        changelogInput,
        order,
        stateTtl,
        lateRecords,
        miniBatchRecords,
        miniBatchDelay,
        policy);
  }
}
