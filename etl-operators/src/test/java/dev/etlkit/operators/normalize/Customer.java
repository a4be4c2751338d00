package dev.etlkit.operators.normalize;

import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/** A test row: a customer keyed by id, with a version column. */
public record Customer(String id, @Nullable String name, @Nullable String email, long version) {

  static final TypeInformation<Customer> TYPE = TypeInformation.of(Customer.class);

  /** A key-only row, as a tombstone carries it. */
  static Customer keyOnly(String id) {
    return new Customer(id, null, null, 0L);
  }
}
