package dev.etlkit.scd;

import org.apache.flink.annotation.PublicEvolving;

/**
 * Where an {@link Scd2} step sends a late change: one whose effective time is before the key's
 * latest effective time minus the lateness horizon, or before the key's prune point after a restore
 * with a longer horizon than the key pruned under (see {@link Scd2Step#withLatenessHorizon}). A
 * late change is never applied and never silently dropped: it is counted ({@code lateChanges}) and
 * routed to one of these outputs.
 */
@PublicEvolving
public enum LateChanges {
  /**
   * The step's late-changes side output, read with {@link Scd2Step#lateChanges}, as the change
   * arrived. Counted as filtered in the step's accounting.
   */
  SIDE_OUTPUT,
  /**
   * The pipeline's dead letters, as a {@link LateChangeException}, under the step's error policy.
   * Counted as dead-lettered.
   */
  DEAD_LETTER
}
