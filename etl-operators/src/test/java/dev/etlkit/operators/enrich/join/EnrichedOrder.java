package dev.etlkit.operators.enrich.join;

import dev.etlkit.operators.enrich.JoinStatus;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/** An order with its customer's name and tier, and how the join found them. */
public record EnrichedOrder(
    String orderId,
    @Nullable String customerName,
    @Nullable String tier,
    long amountCents,
    JoinStatus status) {
  public static final TypeInformation<EnrichedOrder> TYPE_INFO =
      TypeInformation.of(EnrichedOrder.class);

  // tag::combiner[]
  /** The combiner: the customer is null unless the status says it was found. */
  static EnrichedOrder of(Order order, @Nullable Customer customer, JoinStatus status) {
    return new EnrichedOrder(
        order.orderId(),
        customer == null ? null : customer.name(),
        customer == null ? null : customer.tier(),
        order.amountCents(),
        status);
  }

  // end::combiner[]

  @Override
  public String toString() {
    return orderId + " " + status + (customerName == null ? "" : " " + customerName + "/" + tier);
  }
}
