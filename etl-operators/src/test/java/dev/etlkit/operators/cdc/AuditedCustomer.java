package dev.etlkit.operators.cdc;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A customer row with fields for Debezium source metadata, filled by {@code withMetadataField}. */
public record AuditedCustomer(
    int id,
    @JsonProperty("first_name") String firstName,
    String op,
    String db,
    String table,
    Long lsn,
    @JsonProperty("binlog_file") String binlogFile,
    @JsonProperty("binlog_row") Integer binlogRow,
    String snapshot,
    @JsonProperty("changed_at") long changedAt) {}
