/**
 * Deduplication: keep the first or the last row per key, ordered by processing time, event time or
 * a compound ordering key, emitted append-only, as an upsert or as a retract changelog. Start with
 * {@link dev.etlkit.operators.dedup.Dedup}.
 */
package dev.etlkit.operators.dedup;
