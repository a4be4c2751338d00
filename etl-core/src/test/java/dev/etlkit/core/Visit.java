package dev.etlkit.core;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;

/**
 * A Java record with {@code java.time} fields for tests; Flink's POJO analysis types them as
 * generic types.
 */
public record Visit(long id, LocalDate visitDate, LocalTime opensAt, LocalDateTime visitedAt) {}
