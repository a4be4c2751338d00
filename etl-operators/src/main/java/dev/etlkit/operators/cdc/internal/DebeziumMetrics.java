package dev.etlkit.operators.cdc.internal;

import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.cdc.Debezium;
import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Counters of what a Debezium decode step skipped, by kind, beside the step's {@link StepMetrics}
 * (in the same group {@code etlkit.<pipeline>.step.<step>}). Metrics only: the skipped records are
 * in the step's {@code recordsFiltered} accumulator already.
 */
@Internal
public final class DebeziumMetrics {
  private final Counter heartbeats;
  private final Counter transactionMarkers;
  private final Counter schemaChanges;
  private final Counter tombstonesSkipped;
  private final Counter truncatesSkipped;
  private final Counter logicalMessages;
  private final Counter updatesWithoutBefore;

  private DebeziumMetrics(MetricGroup group) {
    this.heartbeats = group.counter(Debezium.METRIC_HEARTBEATS);
    this.transactionMarkers = group.counter(Debezium.METRIC_TRANSACTION_MARKERS);
    this.schemaChanges = group.counter(Debezium.METRIC_SCHEMA_CHANGES);
    this.tombstonesSkipped = group.counter(Debezium.METRIC_TOMBSTONES_SKIPPED);
    this.truncatesSkipped = group.counter(Debezium.METRIC_TRUNCATES_SKIPPED);
    this.logicalMessages = group.counter(Debezium.METRIC_LOGICAL_MESSAGES);
    this.updatesWithoutBefore = group.counter(Debezium.METRIC_UPDATES_WITHOUT_BEFORE);
  }

  /** Registers the counters in the operator's metric group; once per operator, in open(). */
  public static DebeziumMetrics register(MetricGroup operatorGroup, StepIdentity step) {
    return new DebeziumMetrics(
        operatorGroup.addGroup(StepMetrics.GROUP, step.pipeline()).addGroup("step", step.step()));
  }

  /** Counts one decoded record by what became of it. */
  public void count(DebeziumDecoder.Outcome outcome) {
    switch (outcome) {
      case UPDATED_WITHOUT_BEFORE:
        updatesWithoutBefore.inc();
        break;
      case SKIPPED_HEARTBEAT:
        heartbeats.inc();
        break;
      case SKIPPED_TRANSACTION_MARKER:
        transactionMarkers.inc();
        break;
      case SKIPPED_SCHEMA_CHANGE:
        schemaChanges.inc();
        break;
      case SKIPPED_TOMBSTONE:
        tombstonesSkipped.inc();
        break;
      case SKIPPED_TRUNCATE:
        truncatesSkipped.inc();
        break;
      case SKIPPED_LOGICAL_MESSAGE:
        logicalMessages.inc();
        break;
      default:
        break;
    }
  }
}
