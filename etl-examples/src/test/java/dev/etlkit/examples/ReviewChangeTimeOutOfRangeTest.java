package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.RawRecord;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.cdc.Debezium;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Review of {@code customers/valid-time} (2026-11-24), low severity and older than this change: the
 * change source's event time ({@link EventTimes#changeTime}) and {@code Debezium.decode} (whose
 * {@link Change#eventTime()} the {@code valid-time} step, the SCD2 history and the docs call "the
 * change's time") read a different time from a change whose {@code source.ts_ms} is an integer
 * beyond a long (a corrupted or hand-made event; the decoder accepts it).
 *
 * <p>The decoder treats such a {@code source.ts_ms} as absent and takes the envelope's {@code
 * ts_ms}. {@code EventTimes} calls {@code getLongValue()} on it, whose {@code
 * InputCoercionException} (an {@code IOException}) ends the scan as if the JSON were broken, so the
 * envelope's {@code ts_ms} after {@code source} is never read and the record gets its Kafka
 * timestamp: the watermark and the point-in-time join place the change at the Kafka time, the SCD2
 * history at {@code ts_ms}, and {@code valid-time} measures {@code ts_ms} from the Kafka time.
 * (Related, not tested: a {@code source} with {@code "ts_ms"} twice, the last one 0, is the first
 * one for {@code EventTimes} and the envelope's {@code ts_ms} for the decoder, whose last value
 * wins.)
 *
 * <p>Right: the event time is the decoder's: skip a {@code source.ts_ms} that is no long (check
 * {@code getNumberType()} before {@code getLongValue()}), and let the last {@code ts_ms} count.
 */
class ReviewChangeTimeOutOfRangeTest {

  private static final long KAFKA_TIME = 1_900_000_000_000L;

  private static final long COMMITTED = Instant.parse("2026-11-02T08:00:00Z").toEpochMilli();

  @Test
  void changeTime_ofASourceTsMsBeyondALong_isTheEnvelopeTime_asTheDecoderReadsIt()
      throws Exception {
    String event =
        "{\"before\":null,\"after\":{\"id\":\"c-anna\",\"name\":\"Anna\",\"tier\":\"gold\","
            + "\"city\":\"Oslo\"},\"source\":{\"connector\":\"postgresql\","
            + "\"ts_ms\":99999999999999999999,\"lsn\":24023100},\"op\":\"c\",\"ts_ms\":"
            + COMMITTED
            + "}";
    RawRecord record =
        new RawRecord(
            "k".getBytes(StandardCharsets.UTF_8),
            event.getBytes(StandardCharsets.UTF_8),
            "t-0@0",
            KAFKA_TIME);

    assertThat(decode(record).eventTime()).as("the decoder's time").isEqualTo(COMMITTED);
    assertThat(EventTimes.changeTime(record, KAFKA_TIME))
        .as("the source's event time of the same record")
        .isEqualTo(COMMITTED);
  }

  /** The customers pipeline's decode step, as {@link OrdersJob#customersPipeline} applies it. */
  @SuppressWarnings("unchecked")
  private static Change<Customer> decode(RawRecord record) throws Exception {
    DataStream<RawRecord> input =
        StreamExecutionEnvironment.getExecutionEnvironment()
            .fromData(List.of(record), RawRecord.TYPE_INFO);
    DataStream<Change<Customer>> decoded =
        Etl.from(input, OrdersJob.CUSTOMERS_PIPELINE)
            .apply(Debezium.decode("decode", Customer.class).withInput(PayloadInput.rawRecords()))
            .toDataStream();
    OneInputTransformation<RawRecord, Change<Customer>> transformation =
        (OneInputTransformation<RawRecord, Change<Customer>>) decoded.getTransformation();
    OneInputStreamOperator<RawRecord, Change<Customer>> operator =
        (OneInputStreamOperator<RawRecord, Change<Customer>>)
            ((SimpleOperatorFactory<Change<Customer>>) transformation.getOperatorFactory())
                .getOperator();
    try (OneInputStreamOperatorTestHarness<RawRecord, Change<Customer>> harness =
        new OneInputStreamOperatorTestHarness<>(operator)) {
      harness.setup(
          decoded.getType().createSerializer(harness.getExecutionConfig().getSerializerConfig()));
      harness.open();
      harness.processElement(record, KAFKA_TIME);
      assertThat(harness.extractOutputValues()).as("the decoder accepts the event").hasSize(1);
      return harness.extractOutputValues().get(0);
    }
  }
}
