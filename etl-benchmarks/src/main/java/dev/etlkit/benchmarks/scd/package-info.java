/**
 * Benchmarks of the SCD Type 2 step beside the raw state limit and a naive
 * whole-history-in-one-value implementation.
 */
package dev.etlkit.benchmarks.scd;
