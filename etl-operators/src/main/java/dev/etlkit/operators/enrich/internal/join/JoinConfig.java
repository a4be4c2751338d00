package dev.etlkit.operators.enrich.internal.join;

import dev.etlkit.core.ErrorHandler;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Everything the join's functions need, resolved and validated by the step. Immutable and
 * serializable.
 *
 * @param <F> fact type
 * @param <D> dimension row type
 * @param <O> output type
 */
@Internal
public final class JoinConfig<F, D, O> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Latest: the current row (or delete marker) per key. Never rename. */
  public static final String ROW_STATE = "join-row";

  /** Point in time: the versions per key, by timestamp. Never rename. */
  public static final String VERSIONS_STATE = "join-versions";

  /** Point in time: facts until the watermark passes them, namespace = their timestamp. */
  public static final String HELD_STATE = "join-held";

  /** Facts waiting for their row, with their deadline. Never rename. */
  public static final String WAITING_STATE = "join-waiting";

  /** Number of held and waiting facts per key. Never rename. */
  public static final String COUNT_STATE = "join-fact-count";

  /**
   * The timer service. Never rename. With a delete retention, the point-in-time join also keeps the
   * pending removals of deleted keys here, as processing-time timers.
   */
  public static final String TIMERS = "join-timers";

  /**
   * With a delete retention only: when a deleted key's marker (latest) or history ending in the
   * delete (point in time) is due for removal, processing time. Never rename.
   */
  public static final String DELETE_DEADLINE_STATE = "join-delete-deadline";

  /**
   * Latest join with a delete retention only: the timer service of the pending removals. Never
   * rename.
   */
  public static final String DELETE_TIMERS = "join-delete-timers";

  /**
   * With a delete retention only: operator (union list) state saying whether every marker has its
   * removal deadline ({@link dev.etlkit.operators.internal.DeleteDeadlinePass}). Never rename.
   */
  public static final String DELETE_DEADLINES_COMPLETE_STATE = "join-delete-deadlines-complete";

  /**
   * With a delete retention only: operator (union list) state keeping the retention (ms) the
   * deadlines were set with. Never rename.
   */
  public static final String DELETE_RETENTION_STATE = "join-delete-retention";

  /**
   * Point in time: operator (union list) state keeping the watermark across restores, as earlier
   * etlkit versions read it (still written). Never rename.
   */
  public static final String WATERMARK_STATE = "join-watermark";

  /**
   * Point in time: operator (union list) state keeping each subtask's watermark with its key
   * groups. Never rename.
   */
  public static final String WATERMARK_RANGES_STATE = "join-watermark-ranges";

  /**
   * Operator (union list) state counting the held and waiting facts per key group, so that a
   * restore counts them in. Never rename.
   */
  public static final String HELD_FACTS_STATE = "join-held-facts";

  /**
   * Operator (union list) state naming the variant that wrote the snapshot ({@link VariantMark}).
   * Never rename.
   */
  public static final String VARIANT_STATE = "join-variant";

  /** Id of the side output carrying the outputs of facts with a null key past the shuffle. */
  public static final String NULL_KEY_TAG_ID = "join-null-key";

  private final boolean asOf;
  private final TypeInformation<F> factType;
  private final TypeInformation<D> dimensionType;
  private final TypeInformation<O> outputType;
  private final DimensionJoin.Combiner<F, D, O> combiner;
  private static final long NANOS_PER_MILLI = 1_000_000L;

  private final long maxWaitMillis;
  private final int maxBufferedFacts;
  private final UnmatchedFacts unmatched;
  private final long allowedLatenessMillis;
  @Nullable private final Duration ttl;
  private final long deleteRetentionMillis;
  private final ErrorHandler factErrors;
  private final ErrorHandler dimensionErrors;

  public JoinConfig(
      boolean asOf,
      TypeInformation<F> factType,
      TypeInformation<D> dimensionType,
      TypeInformation<O> outputType,
      DimensionJoin.Combiner<F, D, O> combiner,
      Duration maxWait,
      int maxBufferedFacts,
      UnmatchedFacts unmatched,
      Duration allowedLateness,
      @Nullable Duration ttl,
      @Nullable Duration deleteRetention,
      ErrorHandler factErrors,
      ErrorHandler dimensionErrors) {
    this.asOf = asOf;
    this.factType = Objects.requireNonNull(factType, "factType");
    this.dimensionType = Objects.requireNonNull(dimensionType, "dimensionType");
    this.outputType = Objects.requireNonNull(outputType, "outputType");
    this.combiner = Objects.requireNonNull(combiner, "combiner");
    // Times are whole milliseconds. A fact waits until the time reaches fact time + maxWait, so a
    // fraction of a millisecond rounds up (truncated, 0.5 ms would mean no wait at all); it is late
    // when its time is before watermark - allowedLateness, which truncation keeps exact.
    this.maxWaitMillis = maxWait.plusNanos(NANOS_PER_MILLI - 1).toMillis();
    this.maxBufferedFacts = maxBufferedFacts;
    this.unmatched = Objects.requireNonNull(unmatched, "unmatched");
    this.allowedLatenessMillis = allowedLateness.toMillis();
    this.ttl = ttl;
    // as the wait: a deleted key's marker is never removed before the retention has passed
    this.deleteRetentionMillis =
        deleteRetention == null ? 0 : deleteRetention.toMillis(); // whole ms: validated
    this.factErrors = Objects.requireNonNull(factErrors, "factErrors");
    this.dimensionErrors = Objects.requireNonNull(dimensionErrors, "dimensionErrors");
  }

  /** Point in time (event time) rather than latest (processing time). */
  public boolean asOf() {
    return asOf;
  }

  public TypeInformation<F> factType() {
    return factType;
  }

  public TypeInformation<D> dimensionType() {
    return dimensionType;
  }

  public TypeInformation<O> outputType() {
    return outputType;
  }

  public DimensionJoin.Combiner<F, D, O> combiner() {
    return combiner;
  }

  /** The maximum wait in whole milliseconds, rounded up; 0 when facts never wait. */
  public long maxWaitMillis() {
    return maxWaitMillis;
  }

  public boolean waits() {
    return maxWaitMillis > 0;
  }

  public int maxBufferedFacts() {
    return maxBufferedFacts;
  }

  public UnmatchedFacts unmatched() {
    return unmatched;
  }

  public long allowedLatenessMillis() {
    return allowedLatenessMillis;
  }

  @Nullable
  public Duration ttl() {
    return ttl;
  }

  /**
   * How long a deleted key's marker is kept, in whole milliseconds (validated); 0 when it is kept
   * until the key is written again (or its TTL expires).
   */
  public long deleteRetentionMillis() {
    return deleteRetentionMillis;
  }

  /** Rejects facts; bound to the step's own counters. */
  public ErrorHandler factErrors() {
    return factErrors;
  }

  /** Rejects dimension records; bound to the {@code <step>/dimension} counters. */
  public ErrorHandler dimensionErrors() {
    return dimensionErrors;
  }
}
