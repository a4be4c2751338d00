package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.examples.StepRuns.StepRun;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * The {@code valid-time} steps ({@link FutureTimes}) bound times on any input, not only behind the
 * job's own sources: a record whose timestamp is its own time (an input with another watermark
 * strategy, a hand-written one, Flink's, or {@code EventTimes.changeLines(disorder, PT24H)} beside
 * the default {@code wire}) is measured from the clock when its timestamp is ahead of it, so a
 * change or an order dated 2999 and stamped 2999 is a dead letter, as {@link OrdersJob#wire(
 * DataStream, DataStream, dev.etlkit.operators.enrich.Lookup)}, {@link OrdersJob#customersPipeline}
 * and the docs promise.
 *
 * <p>Found by a review on 2026-11-24 (failing before that day's fix): the step measured from the
 * record's timestamp whenever there was one, compared 2999 with 2999 and kept the change, which
 * then carried the watermark, the customer's SCD2 history and the join to 2999.
 */
class ValidTimeOwnTimestampTest {

  private static final TypeInformation<Change<Customer>> CHANGES =
      Change.typeInfo(Customer.TYPE_INFO);

  private static final Instant IN_2999 = Instant.parse("2999-01-01T00:00:00Z");

  @Test
  void changeIn2999_whoseRecordTimestampIsItsOwnTime_isADeadLetter() throws Exception {
    Change<Customer> in2999 =
        Change.updateAfter(new Customer("c-emil", "Emil", "gold", "Turku"))
            .withEventTime(IN_2999.toEpochMilli())
            .withSourcePosition(24024400L);

    StepRun<Change<Customer>> run =
        StepRuns.run(
            StepRuns.upstream(
                wired().customerDimension().toDataStream().getTransformation(),
                "customers/valid-time"),
            CHANGES,
            List.of(new StreamRecord<>(in2999, IN_2999.toEpochMilli())));

    assertThat(run.output()).as("on to normalize, the SCD2 history and the join").isEmpty();
    assertThat(run.deadLetters())
        .singleElement()
        .satisfies(
            letter ->
                assertThat(letter.getValue().errorMessage())
                    .as("measured from the clock, the earlier of the two")
                    .startsWith(
                        "event time (ts_ms) 2999-01-01T00:00:00Z is more than PT55M ahead of the"
                            + " clock ("));
  }

  @Test
  void orderIn2999_whoseRecordTimestampIsItsOwnTime_isADeadLetter() throws Exception {
    Order in2999 = new Order("o-1", "c-anna", new BigDecimal("10.00"), "EUR", IN_2999);

    StepRun<Order> run =
        StepRuns.run(
            StepRuns.upstream(
                wired().revenue().toDataStream().getTransformation(), "orders/valid-time"),
            List.of(new StreamRecord<>(in2999, IN_2999.toEpochMilli())));

    assertThat(run.output()).as("on to dedup, the revenue and the join").isEmpty();
    assertThat(run.deadLetters())
        .singleElement()
        .satisfies(
            letter ->
                assertThat(letter.getValue().errorMessage())
                    .startsWith(
                        "orderedAt 2999-01-01T00:00:00Z is more than PT55M ahead of the clock ("));
  }

  /** The example job wired over inputs that carry their own timestamps. */
  private static OrdersJob.Outputs wired() {
    DataStream<String> lines =
        StreamExecutionEnvironment.getExecutionEnvironment().fromData(List.of("{}"), Types.STRING);
    return OrdersJob.wire(lines, lines, new FxRates());
  }
}
