package dev.etlkit.benchmarks.scd;

import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * The benchmark's dimension row: a business key, two attributes and the time the source changed it.
 * A Flink POJO; {@code updatedAt} is the effective time and is not tracked, as an audit column
 * would not be.
 */
public final class Customer {

  static final TypeInformation<Customer> TYPE = TypeInformation.of(Customer.class);

  public String id;
  public String name;
  public String segment;
  public long updatedAt;

  public Customer() {}

  Customer(String id, String name, String segment, long updatedAt) {
    this.id = id;
    this.name = name;
    this.segment = segment;
    this.updatedAt = updatedAt;
  }

  /** True when the tracked attributes are equal. */
  boolean sameAttributes(Customer other) {
    return name.equals(other.name) && segment.equals(other.segment);
  }
}
