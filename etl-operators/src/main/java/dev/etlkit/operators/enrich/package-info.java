/**
 * Enrichment: add information from outside the record, either by an asynchronous lookup in an
 * external system (a database, an HTTP API) through a {@link dev.etlkit.operators.enrich.Lookup},
 * or from a dimension changelog kept in Flink state.
 */
package dev.etlkit.operators.enrich;
