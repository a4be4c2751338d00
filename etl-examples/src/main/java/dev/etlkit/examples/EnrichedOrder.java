package dev.etlkit.examples;

import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.enrich.LookupStatus;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * An order with the customer as they were when the order was placed (from the customers changelog
 * held in state) and its amount in euros (from an exchange-rate lookup). A Java record, so Flink
 * serializes it as a POJO (no Kryo).
 *
 * @param orderId the order id
 * @param customerId the customer id
 * @param amount the amount in the order's currency
 * @param currency the order's ISO-4217 currency code
 * @param orderedAt when the order was placed
 * @param customerName the customer's name at order time; null when no version was found
 * @param tier the customer's tier at order time; null when no version was found
 * @param city the customer's city at order time; null when no version was found
 * @param customerStatus how the customer was found ({@code FOUND}, {@code DELETED}, ...)
 * @param amountEur the amount in euros; null until the exchange-rate lookup, or when it failed
 * @param fxStatus how the exchange rate was found; null before the lookup
 */
public record EnrichedOrder(
    String orderId,
    String customerId,
    BigDecimal amount,
    String currency,
    Instant orderedAt,
    @Nullable String customerName,
    @Nullable String tier,
    @Nullable String city,
    JoinStatus customerStatus,
    @Nullable BigDecimal amountEur,
    @Nullable LookupStatus fxStatus) {

  /** The Flink type of enriched orders: a {@code PojoTypeInfo}. */
  public static final TypeInformation<EnrichedOrder> TYPE_INFO =
      TypeInformation.of(EnrichedOrder.class);

  /** The combiner of the customer join: the order with the customer version found, if any. */
  public static EnrichedOrder withCustomer(
      Order order, @Nullable Customer customer, JoinStatus status) {
    return new EnrichedOrder(
        order.orderId(),
        order.customerId(),
        order.amount(),
        order.currency(),
        order.orderedAt(),
        customer == null ? null : customer.name(),
        customer == null ? null : customer.tier(),
        customer == null ? null : customer.city(),
        status,
        null,
        null);
  }

  /** The combiner of the exchange-rate lookup: the amount in euros, when a rate was found. */
  public EnrichedOrder withRateToEur(@Nullable BigDecimal rate, LookupStatus status) {
    BigDecimal eur =
        rate == null ? null : amount.multiply(rate).setScale(2, RoundingMode.HALF_EVEN);
    return new EnrichedOrder(
        orderId,
        customerId,
        amount,
        currency,
        orderedAt,
        customerName,
        tier,
        city,
        customerStatus,
        eur,
        status);
  }
}
