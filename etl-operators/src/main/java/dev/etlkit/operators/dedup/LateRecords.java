package dev.etlkit.operators.dedup;

import org.apache.flink.annotation.PublicEvolving;

/**
 * Where a {@link Dedup} step with event-time ordering sends late records: records whose timestamp
 * is at or behind the current watermark. A late record is never silently dropped: it is counted
 * ({@code recordsLate}) and routed to one of these outputs.
 */
@PublicEvolving
public enum LateRecords {
  /**
   * The step's late-records side output, read with {@link Dedup.DedupStep#lateRecords}. Counted as
   * filtered in the step's accounting. If nothing reads the side output, Flink discards it.
   */
  SIDE_OUTPUT,
  /**
   * The pipeline's dead letters, as a {@link LateRecordException}, under the step's error policy (a
   * fail-job policy then fails the job on the first late record). Counted as dead-lettered.
   */
  DEAD_LETTER
}
