package dev.etlkit.benchmarks.format;

import java.time.Instant;
import javax.annotation.Nullable;

/** The {@link Shape#FLAT_10} document: an order line of ten flat fields, one of them optional. */
public record Order(
    long orderId,
    long customerId,
    Instant createdAt,
    String status,
    String currency,
    int quantity,
    double unitPrice,
    double totalPrice,
    boolean paid,
    @Nullable String couponCode) {}
