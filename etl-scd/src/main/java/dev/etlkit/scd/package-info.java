/**
 * Slowly changing dimensions: {@link dev.etlkit.scd.Scd2} keeps every version of an entity with its
 * validity interval (SCD Type 2, with Type-1 columns) and emits the history as a changelog of
 * {@link dev.etlkit.scd.Scd2Row}s, splicing out-of-order changes within a lateness horizon.
 */
package dev.etlkit.scd;
