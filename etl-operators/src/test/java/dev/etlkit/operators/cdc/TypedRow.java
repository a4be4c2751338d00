package dev.etlkit.operators.cdc;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.etlkit.core.JavaTimeTypeInfoFactory;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A row with one column of each type the Avro agreement tests cover: PostgreSQL {@code integer},
 * {@code bigint}, {@code numeric(10,2)}, {@code timestamp}, {@code timestamptz}, {@code date},
 * {@code text}, {@code boolean}, {@code bytea} and {@code numeric} (variable scale), and the MySQL
 * counterparts.
 */
public record TypedRow(
    int id,
    Long big,
    BigDecimal price,
    @JsonProperty("created_at") @TypeInfo(JavaTimeTypeInfoFactory.class) LocalDateTime createdAt,
    @JsonProperty("updated_at") Instant updatedAt,
    @JsonProperty("birth_date") @TypeInfo(JavaTimeTypeInfoFactory.class) LocalDate birthDate,
    String note,
    Boolean active,
    byte[] data,
    BigDecimal ratio) {}
