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
    super(
        "change is late: its effective time "
            + Instant.ofEpochMilli(effectiveTime)
            + " is before the key's latest effective time "
            + Instant.ofEpochMilli(latestEffectiveTime)
            + " minus the lateness horizon "
            + horizon);
  }
}
