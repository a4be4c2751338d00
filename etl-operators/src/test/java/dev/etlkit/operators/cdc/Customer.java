package dev.etlkit.operators.cdc;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A row of the {@code customers} table of Debezium's documentation examples. */
public record Customer(
    int id,
    @JsonProperty("first_name") String firstName,
    @JsonProperty("last_name") String lastName,
    String email) {}
