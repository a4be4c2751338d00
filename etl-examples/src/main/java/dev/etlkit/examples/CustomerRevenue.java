package dev.etlkit.examples;

import java.math.BigDecimal;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * The running revenue of one customer: emitted by {@link RevenuePerCustomer} after every order, and
 * kept as its keyed state.
 *
 * @param customerId the customer
 * @param orders how many orders were counted so far
 * @param total the sum of their amounts
 * @param currency the currency of {@code total}
 */
public record CustomerRevenue(String customerId, long orders, BigDecimal total, String currency) {

  /** The Flink type of this record: a {@code PojoTypeInfo}. */
  public static final TypeInformation<CustomerRevenue> TYPE_INFO =
      TypeInformation.of(CustomerRevenue.class);

  /** The revenue of a customer with no orders yet. */
  public static CustomerRevenue none(String customerId, String currency) {
    return new CustomerRevenue(customerId, 0, BigDecimal.ZERO, currency);
  }

  /** This revenue plus one order. */
  public CustomerRevenue plus(Order order) {
    return new CustomerRevenue(customerId, orders + 1, total.add(order.amount()), currency);
  }
}
