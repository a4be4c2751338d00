package dev.etlkit.operators.enrich.join;

import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/** A fact: an order, with the customer it belongs to (null for a guest checkout). */
public record Order(String orderId, @Nullable String customerId, long time, long amountCents) {
  public static final TypeInformation<Order> TYPE_INFO = TypeInformation.of(Order.class);
}
