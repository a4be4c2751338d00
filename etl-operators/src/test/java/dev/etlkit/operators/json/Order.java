package dev.etlkit.operators.json;

import dev.etlkit.core.JavaTimeTypeInfoFactory;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/** A Flink POJO with nested POJOs and records, a list, a map, an enum and java.time fields. */
public class Order {
  /** An order's state. */
  public enum Status {
    NEW,
    PAID,
    SHIPPED
  }

  public String orderId;
  public long customerNumber; // primitive: required by default
  public BigDecimal amount;

  @TypeInfo(JavaTimeTypeInfoFactory.class)
  public LocalDate orderDate;

  public Instant createdAt;
  public Boolean paid;
  public Status status;
  public Address shipping;
  public List<Line> lines;
  public Map<String, String> tags;

  public Order() {}

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Order)) {
      return false;
    }
    Order that = (Order) o;
    return customerNumber == that.customerNumber
        && Objects.equals(orderId, that.orderId)
        && Objects.equals(amount, that.amount)
        && Objects.equals(orderDate, that.orderDate)
        && Objects.equals(createdAt, that.createdAt)
        && Objects.equals(paid, that.paid)
        && status == that.status
        && Objects.equals(shipping, that.shipping)
        && Objects.equals(lines, that.lines)
        && Objects.equals(tags, that.tags);
  }

  @Override
  public int hashCode() {
    return Objects.hash(orderId, customerNumber, amount, orderDate, createdAt, paid, status);
  }

  @Override
  public String toString() {
    return "Order{"
        + orderId
        + ", customer="
        + customerNumber
        + ", amount="
        + amount
        + ", date="
        + orderDate
        + ", created="
        + createdAt
        + ", paid="
        + paid
        + ", status="
        + status
        + ", shipping="
        + shipping
        + ", lines="
        + lines
        + ", tags="
        + tags
        + "}";
  }
}
