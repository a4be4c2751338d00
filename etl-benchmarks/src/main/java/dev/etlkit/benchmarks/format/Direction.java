package dev.etlkit.benchmarks.format;

/** Which way {@link FormatConversionBenchmark} converts. */
public enum Direction {
  /** JSON bytes in, Avro binary out (through the typed record, {@code RowData} or value slots). */
  JSON_TO_AVRO,
  /** Avro binary in, JSON bytes out. */
  AVRO_TO_JSON
}
