package dev.etlkit.operators.json.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.json.Address;
import dev.etlkit.operators.json.Line;
import dev.etlkit.operators.json.Order;
import dev.etlkit.operators.json.Shipment;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Whatever {@code Json.write} writes, {@code Json.parse} reads back into an equal record. */
class JsonRoundTripTest {

  private final JsonRecordReader<Order> orders = ReaderFixtures.of(Order.class).reader();
  private final JsonRecordReader<Shipment> shipments = ReaderFixtures.of(Shipment.class).reader();
  private final JsonRecordWriter<Order> orderWriter = new JsonRecordWriter<>(Order.class, false);
  private final JsonRecordWriter<Order> compactWriter = new JsonRecordWriter<>(Order.class, true);
  private final JsonRecordWriter<Shipment> shipmentWriter =
      new JsonRecordWriter<>(Shipment.class, false);

  @Property(tries = 300)
  void order_writtenAsBytesOrText_readsBackEqual(@ForAll("orders") Order order) throws Exception {
    assertThat(orders.read(orderWriter.writeBytes(order))).isEqualTo(order);
    assertThat(orders.read(orderWriter.writeText(order).getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(order);
    assertThat(orders.read(compactWriter.writeBytes(order))).isEqualTo(order);
  }

  @Property(tries = 300)
  void shipment_record_readsBackEqual(@ForAll("shipments") Shipment shipment) throws Exception {
    assertThat(shipments.read(shipmentWriter.writeBytes(shipment))).isEqualTo(shipment);
  }

  private static Arbitrary<String> text() {
    // Any UTF-16 text, unpaired surrogates included (Jackson writes them as \\u escapes).
    return Arbitraries.strings().all().ofMaxLength(20);
  }

  private static Arbitrary<BigDecimal> decimals() {
    return Arbitraries.oneOf(
        Arbitraries.bigDecimals()
            .between(new BigDecimal("-1e12"), new BigDecimal("1e12"))
            .ofScale(4),
        // up to 38 digits: beyond a long, read in 128 bits (PlainDecimalText)
        Arbitraries.bigDecimals()
            .between(new BigDecimal("-1e30"), new BigDecimal("1e30"))
            .ofScale(8));
  }

  @Provide
  Arbitrary<Order> orders() {
    Arbitrary<Address> address =
        Combinators.combine(text().injectNull(0.2), text()).as(Address::new).injectNull(0.3);
    Arbitrary<Line> line =
        Combinators.combine(
                text().injectNull(0.2), Arbitraries.integers(), decimals().injectNull(0.2))
            .as(Line::new);
    return Builders.withBuilder(Order::new)
        .use(text().injectNull(0.1))
        .in((o, v) -> with(o, () -> o.orderId = v))
        .use(Arbitraries.longs())
        .in((o, v) -> with(o, () -> o.customerNumber = v))
        .use(decimals().injectNull(0.1))
        .in((o, v) -> with(o, () -> o.amount = v))
        .use(
            Arbitraries.longs()
                .between(-700_000, 2_900_000)
                .map(LocalDate::ofEpochDay)
                .injectNull(0.1))
        .in((o, v) -> with(o, () -> o.orderDate = v))
        .use(
            Combinators.combine(
                    Arbitraries.longs().between(-60_000_000_000L, 250_000_000_000L),
                    Arbitraries.integers().between(0, 999_999_999))
                .as(Instant::ofEpochSecond)
                .injectNull(0.1))
        .in((o, v) -> with(o, () -> o.createdAt = v))
        .use(Arbitraries.of(Boolean.TRUE, Boolean.FALSE).injectNull(0.3))
        .in((o, v) -> with(o, () -> o.paid = v))
        .use(Arbitraries.of(Order.Status.class).injectNull(0.2))
        .in((o, v) -> with(o, () -> o.status = v))
        .use(address)
        .in((o, v) -> with(o, () -> o.shipping = v))
        .use(line.list().ofMaxSize(3).injectNull(0.2))
        .in((o, v) -> with(o, () -> o.lines = v))
        .use(Arbitraries.maps(text(), text().injectNull(0.1)).ofMaxSize(3).injectNull(0.2))
        .in((o, v) -> with(o, () -> o.tags = v))
        .build();
  }

  @Provide
  Arbitrary<Shipment> shipments() {
    Arbitrary<Double> weights =
        Arbitraries.oneOf(
            Arbitraries.doubles(),
            Arbitraries.of(
                Double.NaN, Double.POSITIVE_INFINITY, Double.MIN_VALUE, -0.0, Double.MAX_VALUE));
    Arbitrary<LocalDateTime> times =
        Combinators.combine(
                Arbitraries.longs().between(-60_000_000_000L, 250_000_000_000L),
                Arbitraries.integers().between(0, 999_999_999))
            .as((s, n) -> LocalDateTime.ofEpochSecond(s, n, java.time.ZoneOffset.UTC));
    return Combinators.combine(
            text().injectNull(0.1), Arbitraries.integers(), weights, times.injectNull(0.1))
        .as(Shipment::new);
  }

  private static Order with(Order o, Runnable set) {
    set.run();
    return o;
  }
}
