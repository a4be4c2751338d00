package dev.etlkit.benchmarks.format;

import java.time.Instant;
import javax.annotation.Nullable;

/**
 * The {@link Shape#NESTED_10} document: an order with two nested objects, ten leaf values in all
 * (as many as {@link Order}, so the two shapes differ only by the nesting).
 */
public record NestedOrder(
    long orderId,
    Instant createdAt,
    String status,
    @Nullable String couponCode,
    Customer customer,
    ShipTo shipTo) {

  /** The buyer. */
  public record Customer(long customerId, String name, double creditLimit) {}

  /** The delivery address. */
  public record ShipTo(String city, String country, boolean express) {}
}
