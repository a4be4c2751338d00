/**
 * The runtime of the asynchronous lookup step: a plain-Java engine (cache, single-flight loads,
 * retries, micro-batches, rate limit, fallbacks) and the thin Flink functions around it. Not a
 * public API.
 */
package dev.etlkit.operators.enrich.internal.async;
