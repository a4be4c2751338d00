package dev.etlkit.examples;

import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * A row of the {@code customers} table, as its Debezium change events carry it. A Java record, so
 * Flink serializes it as a POJO (no Kryo).
 *
 * @param id the customer id, for example {@code c-anna}; the table's primary key
 * @param name the customer's name
 * @param tier the loyalty tier, {@code standard} or {@code gold}
 * @param city the customer's city
 */
public record Customer(String id, String name, String tier, String city) {

  /** The Flink type of customers: a {@code PojoTypeInfo}. */
  public static final TypeInformation<Customer> TYPE_INFO = TypeInformation.of(Customer.class);
}
