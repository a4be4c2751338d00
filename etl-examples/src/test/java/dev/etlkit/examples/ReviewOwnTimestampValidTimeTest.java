package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.examples.StepRuns.StepRun;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * Review of {@code customers/valid-time} (2026-11-24): the step bounds nothing unless the input's
 * timestamps come from {@link EventTimes} with the same bound.
 *
 * <p>{@link OrdersJob#wire(DataStream, DataStream, dev.etlkit.operators.enrich.Lookup)} takes
 * "inputs that carry event time and watermarks (a Kafka source with a watermark strategy)", and its
 * Javadoc (and {@link OrdersJob#customersPipeline}'s, and the docs' "a change whose ts_ms is more
 * than --max-future ahead of the clock becomes a dead letter") promises that "customer changes more
 * than DEFAULT_MAX_FUTURE ahead of the clock become dead letters". But {@link FutureTimes} measures
 * a change's time from its record's timestamp whenever there is one; an input whose watermark
 * strategy takes the change's {@code source.ts_ms} as its event time (any strategy but {@code
 * EventTimes.changes} with the same bound: a hand-written one, Flink's, or {@code
 * EventTimes.changeLines(disorder, PT24H)} beside the default {@code wire}) gives a change of 2999
 * the timestamp 2999, and the step compares 2999 with 2999 and keeps it: the watermark, the
 * customer's SCD2 history and the join are carried to 2999, exactly what the step exists to stop.
 * The same holds for {@code orders/valid-time} and {@link OrdersJob#validOrders}, the snippet
 * README.md and docs/getting-started.md show for copying ("// not in 2999").
 *
 * <p>Right: a change more than the bound ahead of the clock is a dead letter whatever timestamp its
 * record carries, for example by measuring from {@code min(record timestamp, clock)}, which keeps
 * every change the job's own sources keep (their timestamps are at most the bound ahead of their
 * clock); or, if the step is meant to trust its input, Javadoc and docs that say so instead of
 * promising a bound.
 */
class ReviewOwnTimestampValidTimeTest {

  private static final TypeInformation<Change<Customer>> CHANGES =
      Change.typeInfo(Customer.TYPE_INFO);

  private static final long IN_2999 = Instant.parse("2999-01-01T00:00:00Z").toEpochMilli();

  @Test
  void changeIn2999_whoseRecordTimestampIsItsOwnTime_isADeadLetter() throws Exception {
    DataStream<String> lines =
        StreamExecutionEnvironment.getExecutionEnvironment().fromData(List.of("{}"), Types.STRING);
    OrdersJob.Outputs outputs = OrdersJob.wire(lines, lines, new FxRates());
    Change<Customer> in2999 =
        Change.updateAfter(new Customer("c-emil", "Emil", "gold", "Turku"))
            .withEventTime(IN_2999)
            .withSourcePosition(24024400L);

    StepRun<Change<Customer>> run =
        StepRuns.run(
            StepRuns.upstream(
                outputs.customerDimension().toDataStream().getTransformation(),
                "customers/valid-time"),
            CHANGES,
            List.of(new StreamRecord<>(in2999, IN_2999)));

    assertThat(run.output()).as("on to normalize, the SCD2 history and the join").isEmpty();
    assertThat(run.deadLetters()).hasSize(1);
  }
}
