package dev.etlkit.examples;

import java.math.BigDecimal;
import java.time.Instant;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * One order as read from the sample JSON lines. A Java record: Flink 2.x serializes records as
 * POJOs ({@code PojoTypeInfo}, no Kryo), field by field, so the type can evolve like any POJO.
 *
 * @param orderId the order's id, for example {@code o-1001}
 * @param customerId the customer's id, for example {@code c-anna}
 * @param amount the order total; may be zero or negative in raw data
 * @param currency ISO 4217 code of the amount
 * @param orderedAt when the order was placed
 */
public record Order(
    String orderId, String customerId, BigDecimal amount, String currency, Instant orderedAt) {

  /** The Flink type of orders: a {@code PojoTypeInfo}. */
  public static final TypeInformation<Order> TYPE_INFO = TypeInformation.of(Order.class);

  private static final int FIELDS = 5;

  /**
   * Parses {@code order_id,customer_id,amount,currency,ordered_at}.
   *
   * @throws IllegalArgumentException if the line does not have five fields or a field is empty
   * @throws NumberFormatException if the amount is not a decimal number
   * @throws java.time.format.DateTimeParseException if the time is not an ISO-8601 instant
   */
  public static Order parseCsv(String line) {
    String[] fields = line.split(",", -1);
    if (fields.length != FIELDS) {
      throw new IllegalArgumentException(
          "expected " + FIELDS + " comma-separated fields, got " + fields.length);
    }
    return new Order(
        requireText(fields[0], "order_id"),
        requireText(fields[1], "customer_id"),
        new BigDecimal(requireText(fields[2], "amount")),
        requireText(fields[3], "currency"),
        Instant.parse(requireText(fields[4], "ordered_at")));
  }

  /** True if the amount is above zero: refunds and zero-value orders are not revenue. */
  public boolean hasPositiveAmount() {
    return amount.signum() > 0;
  }

  private static String requireText(String field, String name) {
    String value = field.strip();
    if (value.isEmpty()) {
      throw new IllegalArgumentException(name + " is empty");
    }
    return value;
  }
}
