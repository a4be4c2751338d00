package dev.etlkit.operators.dedup.internal;

import dev.etlkit.core.ErrorHandler;
import dev.etlkit.operators.dedup.DedupOrder;
import dev.etlkit.operators.dedup.DedupOutput;
import dev.etlkit.operators.dedup.LateRecords;
import dev.etlkit.operators.internal.FingerprintKey;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Everything a {@link DedupOperator} needs, resolved and validated by the step: the semantics, the
 * row type, the TTL and the error handler. Immutable and serializable.
 *
 * @param <T> the row type
 */
@Internal
public final class DedupConfig<T> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Name of the keyed state holding one {@link DedupEntry} per key. Never rename. */
  public static final String STATE = "dedup";

  /** Name of the keyed state holding the held candidate (keep-first append, event time). */
  public static final String PENDING_STATE = "dedup-pending";

  /** Name of the timer service (keep-first append, event time). */
  public static final String TIMERS = "dedup-timers";

  /**
   * Name of the operator (union list) state keeping the watermark across restores, as earlier
   * etlkit versions read it (still written). Never rename.
   */
  public static final String WATERMARK_STATE = "dedup-watermark";

  /**
   * Name of the operator (union list) state keeping each subtask's watermark with its key groups.
   * Never rename.
   */
  public static final String WATERMARK_RANGES_STATE = "dedup-watermark-ranges";

  /**
   * Name of the operator (union list) state counting the held candidates per key group, so that a
   * restore counts them in (keep-first append, event time). Never rename.
   */
  public static final String HELD_RECORDS_STATE = "dedup-held-records";

  /**
   * Name of the operator (broadcast) state keeping the secret key of the row fingerprints in the
   * per-key state ({@link dev.etlkit.operators.internal.StoredFingerprintKey}). Never rename.
   */
  public static final String FINGERPRINT_KEY_STATE = "dedup-fingerprint-key";

  /**
   * Name of the keyed state holding, per deleted key, the processing time its tombstone is removed
   * at (only with a delete retention). Never rename.
   */
  public static final String DELETE_DEADLINE_STATE = "dedup-delete-deadline";

  /** Name of the timer service removing tombstones (only with a delete retention). Never rename. */
  public static final String DELETE_TIMERS = "dedup-delete-timers";

  /**
   * Name of the operator (union) state saying whether every tombstone has its removal deadline
   * (only with a delete retention; {@link dev.etlkit.operators.internal.DeleteDeadlinePass}). Never
   * rename.
   */
  public static final String DELETE_DEADLINES_COMPLETE_STATE = "dedup-delete-deadlines-complete";

  /**
   * Name of the operator (union) state keeping the delete retention (ms) the deadlines were set
   * with (only with a delete retention). Never rename.
   */
  public static final String DELETE_RETENTION_STATE = "dedup-delete-retention";

  /** Id of the late-records side output. */
  public static final String LATE_RECORDS_TAG_ID = "late-records";

  private final boolean keepLast;
  private final DedupOutput output;
  @Nullable private final DedupOrder<T> order;
  private final boolean changelogInput;
  private final TypeInformation<T> rowType;
  @Nullable private final Duration ttl;
  private final LateRecords lateRecords;
  private final int miniBatchRecords;
  private final long miniBatchDelayMillis;
  private final ErrorHandler errors;
  private final FingerprintKey fingerprintKey;
  @Nullable private final Duration deleteRetention;

  /**
   * @param fingerprintKey the key to fingerprint rows with unless a restore brings the step's own
   *     ({@link FingerprintKey#random()} when the job graph is built)
   * @param deleteRetention how long a tombstone is kept; null: until the TTL, if any
   */
  public DedupConfig(
      boolean keepLast,
      DedupOutput output,
      @Nullable DedupOrder<T> order,
      boolean changelogInput,
      TypeInformation<T> rowType,
      @Nullable Duration ttl,
      LateRecords lateRecords,
      int miniBatchRecords,
      long miniBatchDelayMillis,
      ErrorHandler errors,
      FingerprintKey fingerprintKey,
      @Nullable Duration deleteRetention) {
    this.keepLast = keepLast;
    this.output = Objects.requireNonNull(output, "output");
    this.order = order;
    this.changelogInput = changelogInput;
    this.rowType = Objects.requireNonNull(rowType, "rowType");
    this.ttl = ttl;
    this.lateRecords = Objects.requireNonNull(lateRecords, "lateRecords");
    this.miniBatchRecords = miniBatchRecords;
    this.miniBatchDelayMillis = miniBatchDelayMillis;
    this.errors = Objects.requireNonNull(errors, "errors");
    this.fingerprintKey = Objects.requireNonNull(fingerprintKey, "fingerprintKey");
    this.deleteRetention = deleteRetention;
  }

  public boolean keepLast() {
    return keepLast;
  }

  public DedupOutput output() {
    return output;
  }

  /** The ordering, or null for processing-time (arrival) order. */
  @Nullable
  public DedupOrder<T> order() {
    return order;
  }

  public boolean isEventTime() {
    return order != null && order.isEventTime();
  }

  /** Keep-first append in event time: rows are held until the watermark passes them. */
  public boolean holdsCandidates() {
    return !keepLast && output == DedupOutput.APPEND && isEventTime();
  }

  public boolean changelogInput() {
    return changelogInput;
  }

  public TypeInformation<T> rowType() {
    return rowType;
  }

  @Nullable
  public Duration ttl() {
    return ttl;
  }

  public LateRecords lateRecords() {
    return lateRecords;
  }

  /** Records per mini-batch, or 0 when mini-batching is off. */
  public int miniBatchRecords() {
    return miniBatchRecords;
  }

  public long miniBatchDelayMillis() {
    return miniBatchDelayMillis;
  }

  public ErrorHandler errors() {
    return errors;
  }

  /**
   * How long a deleted key's tombstone is kept after it was last written; null: until the TTL, if
   * any (keep-last with an ordering on a changelog only: the step checks it).
   */
  @Nullable
  public Duration deleteRetention() {
    return deleteRetention;
  }

  /** The drawn fingerprint key (a restored one wins over it: {@link #FINGERPRINT_KEY_STATE}). */
  public FingerprintKey fingerprintKey() {
    return fingerprintKey;
  }

  /**
   * Whether the per-key state keeps row fingerprints, whose key the step then keeps in {@link
   * #FINGERPRINT_KEY_STATE}.
   */
  public boolean keepsFingerprints() {
    return layout().fingerprints(rowType);
  }

  /** What the per-key state holds in this mode, and what it means. */
  public DedupLayout layout() {
    if (holdsCandidates()) {
      // the held row lives in the pending state; this one keeps markers of emitted keys
      return new DedupLayout(0, false, false, new DedupLayout.Meaning(keepLast, List.of(), true));
    }
    boolean ordered = order != null;
    boolean hash = keepLast || ordered;
    boolean row = output == DedupOutput.RETRACT && (keepLast || ordered || changelogInput);
    return new DedupLayout(ordered ? order.size() : 0, hash, row, meaning());
  }

  /** What the pending state holds (keep-first append in event time). */
  public DedupLayout pendingLayout() {
    return new DedupLayout(order == null ? 0 : order.size(), false, true, meaning());
  }

  /** The keep mode and what each component of the ordering is, as savepoints record them. */
  private DedupLayout.Meaning meaning() {
    List<DedupLayout.Component> components = new ArrayList<>();
    if (order != null) {
      if (order.isEventTime()) {
        components.add(DedupLayout.Component.EVENT_TIME);
      }
      for (String name : order.keyNames()) {
        components.add(DedupLayout.Component.key(name));
      }
    }
    return new DedupLayout.Meaning(keepLast, components);
  }

  /** How the per-key state grows, for the state inventory. */
  public String growth() {
    DedupLayout layout = layout();
    StringBuilder sb = new StringBuilder();
    if (!layout.hash() && !layout.row()) {
      sb.append("one 1-byte marker per key");
    } else {
      sb.append("per key:");
      if (layout.orderSize() > 0) {
        sb.append(" ordering key (").append(layout.orderSize()).append(" longs),");
      }
      if (layout.fingerprints(rowType)) {
        sb.append(" 8-byte fingerprint,");
      }
      if (layout.row()) {
        sb.append(" the kept row,");
      }
      sb.setLength(sb.length() - 1);
    }
    if (keepLast && order != null && changelogInput) {
      sb.append("; a deleted key keeps its ordering key as a tombstone");
      if (deleteRetention != null) {
        sb.append(" for deleteRetention (").append(deleteRetention).append(") after its delete");
      }
    }
    return sb.toString();
  }
}
