package dev.etlkit.operators.cdc;

import dev.etlkit.core.JavaTimeTypeInfoFactory;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * The row type of {@link DebeziumIndependentReferenceTest}: one column of each kind the Debezium
 * decoding step converts specially, plus fields for source metadata.
 */
public record ReferenceRow(
    long id,
    String name,
    Boolean active,
    Integer qty,
    BigDecimal amount,
    BigDecimal ratio,
    @TypeInfo(JavaTimeTypeInfoFactory.class) LocalDate day,
    @TypeInfo(JavaTimeTypeInfoFactory.class) LocalDateTime created,
    Instant shipped,
    @TypeInfo(JavaTimeTypeInfoFactory.class) LocalTime at,
    String srcTable,
    String srcOp,
    Long srcLsn,
    String srcSnapshot,
    Integer srcRow,
    Long srcTs,
    long srcPos,
    String srcConnector,
    Long srcTxId,
    Long envTs) {}
