package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.testkit.CutPointCheck;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The example's custom step, in an operator harness on heap and RocksDB state. */
class RevenuePerCustomerTest {

  private static final Duration TTL = Duration.ofDays(7);
  private static final StepIdentity STEP =
      new StepIdentity("orders", "revenue-per-customer", "orders/revenue-per-customer");

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"heap", "rocksdb"})
  void runningTotal_perCustomer(String backend) throws Exception {
    try (var harness = harness(backend)) {
      harness.processElement(order("c-anna", "10.00"), 0);
      harness.processElement(order("c-bob", "1.50"), 0);
      harness.processElement(order("c-anna", "2.25"), 0);

      assertThat(totals(harness))
          .containsExactly("c-anna:1:10.00", "c-bob:1:1.50", "c-anna:2:12.25");
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"heap", "rocksdb"})
  void expiredCustomer_isTreatedAsNeverSeen(String backend) throws Exception {
    try (var harness = harness(backend)) {
      // tag::ttl-expiry[]
      harness.setStateTtlProcessingTime(0);
      harness.processElement(order("c-anna", "10.00"), 0);
      harness.setStateTtlProcessingTime(TTL.toMillis() + 1); // no write for longer than the TTL
      harness.processElement(order("c-anna", "5.00"), 0);

      // c-anna's state expired: her next order starts a new total, as for a new customer
      assertThat(totals(harness)).containsExactly("c-anna:1:10.00", "c-anna:1:5.00");
      // end::ttl-expiry[]
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"heap", "rocksdb"})
  void writeBeforeExpiry_restartsTheTtlClock(String backend) throws Exception {
    try (var harness = harness(backend)) {
      harness.setStateTtlProcessingTime(0);
      harness.processElement(order("c-anna", "10.00"), 0);
      harness.setStateTtlProcessingTime(TTL.toMillis() - 1);
      harness.processElement(order("c-anna", "5.00"), 0); // written: alive for another TTL
      harness.setStateTtlProcessingTime(TTL.toMillis() + 1);
      harness.processElement(order("c-anna", "1.00"), 0);

      assertThat(totals(harness)).endsWith("c-anna:3:16.00");
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"heap", "rocksdb"})
  void orderInOtherCurrency_becomesADeadLetter_andLeavesTheTotalAlone(String backend)
      throws Exception {
    try (var harness = harness(backend)) {
      harness.processElement(order("c-hana", "75.00"), 0);
      harness.processElement(
          new Order("o-2", "c-hana", new BigDecimal("25.00"), "USD", Instant.EPOCH), 0);
      harness.processElement(order("c-hana", "1.00"), 0);

      assertThat(totals(harness)).containsExactly("c-hana:1:75.00", "c-hana:2:76.00");
      List<DeadLetter> letters =
          harness.getSideOutput(DeadLetter.OUTPUT_TAG).stream()
              .map(StreamRecord::getValue)
              .collect(Collectors.toList());
      assertThat(letters).hasSize(1);
      assertThat(letters.get(0).step()).isEqualTo("revenue-per-customer");
      assertThat(letters.get(0).errorClass()).isEqualTo(IllegalArgumentException.class.getName());
      assertThat(letters.get(0).errorMessage())
          .isEqualTo("currency USD is not the report currency EUR");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(StateBackendKind.class)
  void snapshotAndRestore_atEveryCutPoint_totalsGoOnAsUninterrupted(StateBackendKind backend) {
    KeyedHarness<String, Order, CustomerRevenue> step =
        KeyedHarness.forFunction(
                () ->
                    new RevenuePerCustomer.RevenueFunction(
                        "EUR", TTL, new ErrorHandler(STEP, ErrorPolicy.deadLetter())),
                Order::customerId,
                Types.STRING,
                CustomerRevenue.TYPE_INFO)
            .on(backend);
    HarnessInput<Order> script =
        HarnessInput.<Order>builder()
            .element(order("c-anna", "10.00"), 1)
            .element(order("c-bob", "1.50"), 2)
            .element(order("c-anna", "2.25"), 3)
            .element(new Order("o-usd", "c-bob", new BigDecimal("3.00"), "USD", Instant.EPOCH), 4)
            .element(order("c-bob", "0.50"), 5)
            .build();

    CutPointCheck.of(step, script).verify();
  }

  @Test
  void validation_namesTheBadOption() {
    assertThatThrownBy(() -> RevenuePerCustomer.in("euro"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("currency must be an ISO 4217 code (three letters A-Z), was 'euro'");
    assertThatThrownBy(() -> RevenuePerCustomer.in("EUR").withStateTtl(Duration.ofDays(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stateTtl must be zero (no TTL) or positive, was PT-24H");
    assertThatThrownBy(() -> RevenuePerCustomer.in("EUR").withStateTtl(Duration.ofNanos(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("stateTtl must be at least 1 ms");
  }

  /**
   * Found by a review on 2026-11-25: the check took any three characters for an ISO 4217 code, so
   * {@code in("eur")} built a step that made every order, all in {@code EUR}, a dead letter
   * ("currency EUR is not the report currency eur"), and {@code in("€€€")} one that summed nothing.
   */
  @ParameterizedTest
  @ValueSource(strings = {"eur", "Eur", "€€€", "E1R", "EU "})
  void in_threeCharactersThatAreNoIsoCode_failsNamingTheValue(String currency) {
    assertThatThrownBy(() -> RevenuePerCustomer.in(currency))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "currency must be an ISO 4217 code (three letters A-Z), was '" + currency + "'");
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, Order, CustomerRevenue> harness(
      String backend) throws Exception {
    var function =
        new RevenuePerCustomer.RevenueFunction(
            "EUR", TTL, new ErrorHandler(STEP, ErrorPolicy.deadLetter()));
    var harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(function), Order::customerId, Types.STRING);
    harness.setStateBackend(backend(backend));
    Configuration noKryo = new Configuration();
    noKryo.set(PipelineOptions.GENERIC_TYPES, false);
    harness.getExecutionConfig().configure(noKryo, RevenuePerCustomerTest.class.getClassLoader());
    harness.open();
    return harness;
  }

  private static StateBackend backend(String name) {
    return name.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend();
  }

  private static Order order(String customer, String amount) {
    return new Order("o-" + customer, customer, new BigDecimal(amount), "EUR", Instant.EPOCH);
  }

  private static List<String> totals(
      KeyedOneInputStreamOperatorTestHarness<String, Order, CustomerRevenue> harness) {
    return harness.extractOutputValues().stream()
        .map(r -> r.customerId() + ":" + r.orders() + ":" + r.total().toPlainString())
        .collect(Collectors.toList());
  }
}
