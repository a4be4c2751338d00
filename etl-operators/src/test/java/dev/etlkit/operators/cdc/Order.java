package dev.etlkit.operators.cdc;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.etlkit.core.JavaTimeTypeInfoFactory;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/** A row of an {@code orders} table with the column types Debezium encodes specially. */
// tag::debezium-order-row[]
public record Order(
    long id,
    @JsonProperty("order_date") @TypeInfo(JavaTimeTypeInfoFactory.class) LocalDate orderDate,
    @JsonProperty("created_at") @TypeInfo(JavaTimeTypeInfoFactory.class) LocalDateTime createdAt,
    @JsonProperty("shipped_at") Instant shippedAt,
    @JsonProperty("pickup_time") @TypeInfo(JavaTimeTypeInfoFactory.class) LocalTime pickupTime,
    BigDecimal amount,
    String status) {}
// end::debezium-order-row[]
