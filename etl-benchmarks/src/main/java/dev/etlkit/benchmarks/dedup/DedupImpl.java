package dev.etlkit.benchmarks.dedup;

/** What a dedup benchmark runs, side by side in one JMH run. */
public enum DedupImpl {
  /** etlkit's dedup step, its operator taken from a pipeline as users get it. */
  ETLKIT,
  /** The same with {@code withMiniBatch(bundleSize, 1 h)}: flushed by count, like Flink SQL's. */
  ETLKIT_MINIBATCH,
  /** Flink SQL's runtime function in a {@code KeyedProcessOperator}, fed pre-built rows. */
  FLINK_SQL,
  /** Flink SQL's mini-batch function in a {@code KeyedMapBundleOperator} with a count trigger. */
  FLINK_SQL_MINIBATCH,
  /**
   * {@link #FLINK_SQL} in a job whose records are {@link BenchRow}s: each record is converted to a
   * row by Flink's own converter and each output row back, as {@code fromDataStream} and {@code
   * toDataStream} / {@code toChangelogStream} do ({@link SqlPojos}).
   */
  FLINK_SQL_FROM_POJO,
  /** The least state work the job needs: one ValueState get and a conditional put per record. */
  LIMIT;

  boolean miniBatch() {
    return this == ETLKIT_MINIBATCH || this == FLINK_SQL_MINIBATCH;
  }

  /** Fed pre-built binary rows instead of {@link BenchRow}s. */
  boolean prebuiltRows() {
    return this == FLINK_SQL || this == FLINK_SQL_MINIBATCH;
  }
}
