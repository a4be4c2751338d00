/**
 * JMH benchmarks of etlkit's hot paths, each run beside its baselines in the same JMH run (see
 * {@code docs/benchmarks.md}), and the {@link dev.etlkit.benchmarks.BenchmarkReport} that turns the
 * JMH JSON into the ratio tables of that page.
 *
 * <p>Every stateful benchmark extends {@link dev.etlkit.benchmarks.HarnessBenchmarkBase}: fixed
 * seeds, inputs precomputed once per trial, batches of {@link
 * dev.etlkit.benchmarks.HarnessBenchmarkBase#BATCH} records per invocation, driven through Flink's
 * keyed operator test harness on the heap or RocksDB state backend. The stateless format benchmark
 * ({@code format.FormatConversionBenchmark}) follows the same method without a harness.
 */
package dev.etlkit.benchmarks;
