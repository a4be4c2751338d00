package dev.etlkit.operators.dedup;

import org.apache.flink.annotation.PublicEvolving;

/**
 * The error of a dead letter made from a late record (see {@link LateRecords#DEAD_LETTER}). Its
 * message names the record's timestamp and the watermark, never the record's contents.
 */
@PublicEvolving
public final class LateRecordException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LateRecordException(long timestamp, long watermark) {
    super(
        "record is late: its timestamp "
            + timestamp
            + " is at or behind the watermark "
            + watermark);
  }
}
