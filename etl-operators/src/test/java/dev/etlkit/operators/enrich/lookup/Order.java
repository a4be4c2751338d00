package dev.etlkit.operators.enrich.lookup;

import org.apache.flink.api.common.typeinfo.TypeInformation;

/** A test order placed by a customer. */
public record Order(String orderId, String customerId, long cents) {

  public static final TypeInformation<Order> TYPE_INFO = TypeInformation.of(Order.class);
}
