/**
 * Format conversion, CDC decoding, filtering and projection, enrichment, deduplication and upsert
 * normalization steps.
 *
 * <p>Decoders read their input through a {@link dev.etlkit.operators.PayloadInput} (bytes, text or
 * {@link dev.etlkit.core.RawRecord}s with source coordinates); every record they cannot decode
 * becomes exactly one {@link dev.etlkit.core.DeadLetter} carrying the original bytes.
 */
package dev.etlkit.operators;
