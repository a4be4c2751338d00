package dev.etlkit.scd.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.StateTtls;
import dev.etlkit.scd.EffectiveTime;
import dev.etlkit.scd.HardDeletes;
import dev.etlkit.scd.LateChanges;
import dev.etlkit.scd.Scd2Output;
import dev.etlkit.scd.Scd2Row;
import dev.etlkit.scd.TieBreak;
import java.io.Serializable;
import java.time.Duration;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * The resolved options of an SCD2 step: what its function needs, validated by the step.
 *
 * @param inputType the step's input type ({@code Change<T>} or {@code T})
 * @param valueType the attribute type
 * @param changelog true for changelog input
 * @param key the user's business key selector (reads the attributes)
 * @param validToCurrent the sentinel validTo of current versions in epoch millis, or null
 * @param horizon the lateness horizon (zero for processing time)
 * @param ttl the resolved state TTL, or null for none
 * @param deleteRetention how long a key whose latest change is a delete is kept since its last
 *     write, or null for as long as its other state
 */
@Internal
public record Scd2Config<I, T>(
    TypeInformation<I> inputType,
    TypeInformation<T> valueType,
    boolean changelog,
    KeySelector<T, String> key,
    EffectiveTime<T> effectiveTime,
    TieBreak<T> tieBreak,
    Columns<T> columns,
    HardDeletes hardDeletes,
    @Nullable Long validToCurrent,
    Scd2Output output,
    Duration horizon,
    LateChanges lateChanges,
    @Nullable Duration ttl,
    @Nullable Duration deleteRetention)
    implements Serializable {

  public Scd2Config {
    if (ttl != null) {
      // KeyHistory keeps whole milliseconds and reads 0 as "no TTL": a TTL below 1 ms would be
      // listed in the state inventory and then never expire anything.
      StateTtls.requireValidTtl(ttl, "ttl");
    }
    if (deleteRetention != null) {
      StateTtls.requireValidTtl(deleteRetention, "deleteRetention");
    }
  }

  /** The type of the step's output. */
  public TypeInformation<Change<Scd2Row<T>>> outputType() {
    return Change.typeInfo(Scd2Row.typeInfo(valueType));
  }

  /** True when the effective time is the processing time. */
  public boolean isProcessingTime() {
    return effectiveTime.source() == EffectiveTime.Source.PROCESSING_TIME;
  }

  /** The per-key history rules of this step. */
  public KeyHistory<T> history() {
    return history(ttl, deleteRetention);
  }

  /**
   * The per-key history rules of this step in {@code BATCH} mode: without its state TTL and delete
   * retention, which batch mode ignores as it ignores Flink's state TTL (a key is kept until its
   * records end), so that the output does not depend on how long the run spends on a key.
   */
  public KeyHistory<T> batchHistory() {
    return history(null, null);
  }

  private KeyHistory<T> history(@Nullable Duration ttl, @Nullable Duration deleteRetention) {
    return new KeyHistory<>(
        columns,
        hardDeletes,
        output,
        horizon.toMillis(),
        isProcessingTime(),
        ttl == null ? 0L : ttl.toMillis(),
        deleteRetention == null ? 0L : deleteRetention.toMillis());
  }
}
