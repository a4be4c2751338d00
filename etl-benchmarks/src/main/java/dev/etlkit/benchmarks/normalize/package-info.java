/**
 * Benchmarks of the upsert normalizer beside Flink SQL's ChangelogNormalize runtime and the raw
 * state limit.
 */
package dev.etlkit.benchmarks.normalize;
