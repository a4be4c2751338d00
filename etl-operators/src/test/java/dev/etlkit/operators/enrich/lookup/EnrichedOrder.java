package dev.etlkit.operators.enrich.lookup;

import dev.etlkit.operators.enrich.LookupStatus;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/** An order with its customer's name (null when unknown) and how the name was found. */
public record EnrichedOrder(
    String orderId, String customerId, long cents, @Nullable String customerName, String lookup) {

  public static final TypeInformation<EnrichedOrder> TYPE_INFO =
      TypeInformation.of(EnrichedOrder.class);

  // tag::combiner[]
  /** The combiner of the examples: keeps the status so that downstream can tell. */
  public static EnrichedOrder of(Order order, @Nullable String customerName, LookupStatus status) {
    return new EnrichedOrder(
        order.orderId(), order.customerId(), order.cents(), customerName, status.name());
  }
  // end::combiner[]
}
