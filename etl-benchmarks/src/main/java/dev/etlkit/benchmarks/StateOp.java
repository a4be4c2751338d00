package dev.etlkit.benchmarks;

/** The raw state operations {@link StateLimitBenchmark} measures, one per record. */
public enum StateOp {
  /** {@code ValueState.value()} of a key that has a value. */
  VALUE_GET,
  /** {@code ValueState.update(v)} over an existing value. */
  VALUE_PUT,
  /** {@code value()} then {@code update(v)}: the read-modify-write of dedup keep-last or SCD2. */
  VALUE_GET_PUT,
  /** {@code MapState.put(k, v)} over an existing entry. */
  MAP_PUT,
  /** {@code MapState.get(k)} of an existing entry. */
  MAP_GET;

  boolean usesMapState() {
    return this == MAP_PUT || this == MAP_GET;
  }
}
