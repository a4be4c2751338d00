package dev.etlkit.scd;

import java.time.Duration;
import java.time.Instant;
import org.apache.flink.annotation.PublicEvolving;

/**
 * The error of a dead letter made from a late change (see {@link LateChanges#DEAD_LETTER}). Its
 * message names the effective times and the horizon, never the change's contents.
 */
@PublicEvolving
public final class LateChangeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LateChangeException(long effectiveTime, long latestEffectiveTime, Duration horizon) {
    this(
        "change is late: its effective time "
            + Instant.ofEpochMilli(effectiveTime)
            + " is before the key's latest effective time "
            + Instant.ofEpochMilli(latestEffectiveTime)
            + " minus the lateness horizon "
            + horizon);
  }

  private LateChangeException(String message) {
    super(message);
  }

  /**
   * The error of a change within the lateness horizon but before the key's prune point: the key
   * pruned its history before that point under a shorter horizon, before the job was restored with
   * this one, and no longer has what a splice there needs (see {@link
   * Scd2Step#withLatenessHorizon}).
   */
  public static LateChangeException beforePrunePoint(
      long effectiveTime, long prunePoint, Duration horizon) {
    return new LateChangeException(
        "change is late: its effective time "
            + Instant.ofEpochMilli(effectiveTime)
            + " is before the key's prune point "
            + Instant.ofEpochMilli(prunePoint)
            + ", the start of the history it kept (pruned under a shorter lateness horizon than "
            + horizon
            + ")");
  }
}
