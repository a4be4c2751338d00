package dev.etlkit.scd.internal;

import java.time.Instant;

/**
 * A change would emit a current version that does not start before the step's {@code
 * validToCurrent} sentinel, so its row cannot end there (a row cannot end before it starts): a
 * version accepted before the sentinel was set, or lowered, at a restore. Thrown before the change
 * emitted anything or changed the key's state; the step makes the change a dead letter.
 */
final class ValidToCurrentException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ValidToCurrentException(Version<?> current, long validToCurrent) {
    super(
        "the change would emit the key's current version v"
            + current.number
            + " valid from "
            + Instant.ofEpochMilli(current.validFrom)
            + ", which does not start before validToCurrent "
            + Instant.ofEpochMilli(validToCurrent)
            + " (accepted before the sentinel was set or lowered at a restore): its row cannot"
            + " end there",
        null,
        false,
        false);
  }
}
