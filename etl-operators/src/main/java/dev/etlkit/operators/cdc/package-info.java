/**
 * Change data capture: {@link dev.etlkit.operators.cdc.Debezium} decodes Debezium change events
 * into typed {@link dev.etlkit.core.Change} records, skipping (and counting) heartbeats,
 * transaction markers and schema changes, and turning every record it cannot decode into one {@link
 * dev.etlkit.core.DeadLetter}.
 */
package dev.etlkit.operators.cdc;
