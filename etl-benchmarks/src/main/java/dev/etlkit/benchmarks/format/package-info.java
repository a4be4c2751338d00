/**
 * {@link dev.etlkit.benchmarks.format.FormatConversionBenchmark}: JSON ↔ Avro conversion by
 * etlkit's steps, Flink's own row formats and a least-work loop, on a small data model of Java
 * records ({@link dev.etlkit.benchmarks.format.Order}, {@link
 * dev.etlkit.benchmarks.format.WideEvent}, {@link dev.etlkit.benchmarks.format.NestedOrder}, {@link
 * dev.etlkit.benchmarks.format.LedgerEntry}).
 *
 * <p>Unlike the state benchmarks, these are stateless and do not run in the keyed operator harness:
 * each impl's per-document code is called directly.
 */
package dev.etlkit.benchmarks.format;
