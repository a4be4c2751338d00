package dev.etlkit.scd;

import java.time.Instant;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * A customer of the examples: {@code segment} is tracked (Type 2), {@code phone} is a Type-1 column
 * in some tests, {@code updatedAt} is when the source last changed the row.
 */
public record Customer(String id, String segment, String phone, Instant updatedAt) {

  public static final TypeInformation<Customer> TYPE = TypeInformation.of(Customer.class);

  /** The customer at {@code updatedAt} (ISO-8601, UTC). */
  public static Customer of(String id, String segment, String phone, String updatedAt) {
    return new Customer(id, segment, phone, Instant.parse(updatedAt));
  }
}
