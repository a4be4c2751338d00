package dev.etlkit.operators.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.RawRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The write step's keyed output: the JSON as the value of a {@link RawRecord} beside its key. */
class JsonWriteRawRecordsTest {

  private static final String SECRET = "S3CR3T-MARKER";

  private static <T, O> OneInputStreamOperatorTestHarness<T, O> open(JsonWrite<T, O> step)
      throws Exception {
    OneInputStreamOperatorTestHarness<T, O> h =
        JsonTestSupport.harness(step.newFunction(JsonTestSupport.errors(ErrorPolicy.deadLetter())));
    h.open();
    return h;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void asRawRecords_keyBesideTheJsonValue_withTheRecordsTimestamp() throws Exception {
    // tag::json-write-raw-records[]
    JsonWrite<Shipment, RawRecord> step =
        Json.write("json", Shipment.class)
            // the JSON as the value, the key beside it: for a Kafka sink that only wraps bytes
            .asRawRecords(shipment -> shipment.shipmentId().getBytes(StandardCharsets.UTF_8));
    // end::json-write-raw-records[]
    try (OneInputStreamOperatorTestHarness<Shipment, RawRecord> h = open(step)) {
      h.processElement(new Shipment("s-1", 1, 2.5, null), 5L);

      assertThat(h.extractOutputValues())
          .containsExactly(
              new RawRecord(
                  utf8("s-1"),
                  utf8("{\"shipmentId\":\"s-1\",\"pieces\":1,\"weightKg\":2.5,\"shippedAt\":null}"),
                  null,
                  5L));
      assertThat(JsonTestSupport.counts(h).out()).isEqualTo(1);
    }
    assertThat(step.outputType()).isEqualTo(RawRecord.TYPE_INFO);
  }

  @Test
  void asRawRecords_recordWithoutTimestamp_hasNoTimestamp() throws Exception {
    try (OneInputStreamOperatorTestHarness<Shipment, RawRecord> h =
        open(Json.write("json", Shipment.class).asRawRecords(s -> utf8(s.shipmentId())))) {
      // Flink's "no timestamp" marker, which a source without a timestamp assigner (fromData, a
      // file source) stamps on every record, and a record without any timestamp
      h.processElement(new Shipment("s-1", 1, 2.5, null), TimestampAssigner.NO_TIMESTAMP);
      h.processElement(new StreamRecord<>(new Shipment("s-2", 1, 2.5, null)));

      // a RawRecord's timestamp is epoch milliseconds or null: never the marker, which a Kafka
      // ProducerRecord refuses as a negative timestamp
      assertThat(h.extractOutputValues())
          .extracting(RawRecord::timestamp)
          .containsExactly(null, null);
    }
  }

  @Test
  void asRawRecords_nullKey_isARecordWithoutKey() throws Exception {
    try (OneInputStreamOperatorTestHarness<Shipment, RawRecord> h =
        open(Json.write("json", Shipment.class).asRawRecords(shipment -> null))) {
      h.processElement(new Shipment("s-1", 1, 2.5, null), 5L);

      assertThat(h.extractOutputValues()).singleElement().extracting(RawRecord::key).isNull();
    }
  }

  @Test
  void asRawRecords_keyFunctionThrows_isAWriteFailedDeadLetterWithoutItsMessage() throws Exception {
    Shipment shipment = new Shipment("s-1", 1, 2.5, null);
    try (OneInputStreamOperatorTestHarness<Shipment, RawRecord> h =
        open(
            Json.write("json", Shipment.class)
                .asRawRecords(
                    s -> {
                      throw new IllegalStateException(SECRET);
                    }))) {
      h.processElement(shipment, 5L);

      assertThat(h.extractOutputValues()).isEmpty();
      DeadLetter letter = JsonTestSupport.deadLetters(h).get(0);
      assertThat(letter.errorMessage())
          .isEqualTo(
              "WRITE_FAILED: cannot compute the key of Shipment (java.lang.IllegalStateException)");
      assertThat(letter.payloadText()).isEqualTo(shipment.toString());
      assertThat(JsonTestSupport.counts(h).isBalanced()).isTrue();
    }
  }

  /**
   * An interrupted key function (the task is being cancelled; the exception wrapped, the flag
   * cleared) is no bad record (concepts.md): the step fails the record with an EtlException and
   * restores the flag. It used to be a dead letter: the key's failure was rethrown without it.
   */
  @Test
  void asRawRecords_keyFunctionInterrupted_failsTheRecordAndKeepsTheInterrupt() throws Exception {
    try (OneInputStreamOperatorTestHarness<Shipment, RawRecord> h =
        open(
            Json.write("json", Shipment.class)
                .asRawRecords(
                    s -> {
                      throw new IllegalStateException(new InterruptedException("cancelled"));
                    }))) {
      try {
        assertThatThrownBy(() -> h.processElement(new Shipment("s-1", 1, 2.5, null), 5L))
            .isInstanceOf(EtlException.class)
            .hasMessageEndingWith("] interrupted while processing a record");
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
      } finally {
        Thread.interrupted();
      }
      assertThat(JsonTestSupport.deadLetters(h)).isEmpty();
    }
  }

  @Test
  void asRawRecords_withMaxBytes_limitsTheKeyAndTheValueTogether() throws Exception {
    try (OneInputStreamOperatorTestHarness<Shipment, RawRecord> h =
        open(
            Json.write("json", Shipment.class)
                .withMaxBytes(64)
                .asRawRecords(s -> s.shipmentId().equals("s-3") ? null : utf8(s.shipmentId())))) {
      h.processElement(new Shipment("s-1", 1, 2.5, null), 5L); // 63 bytes and a key of 3
      h.processElement(new Shipment("s2", 1, 2.5, null), 6L); // 62 bytes and a key of 2
      h.processElement(new Shipment("s-3", 1, 2.5, null), 7L); // 63 bytes, no key

      assertThat(h.extractOutputValues())
          .extracting(RawRecord::key)
          .containsExactly(utf8("s2"), null);
      assertThat(JsonTestSupport.deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::errorMessage)
          .isEqualTo(
              "TOO_LARGE: Shipment written as JSON has 63 bytes and its key 3, over maxBytes 64");
    }
  }

  @Test
  void asRawRecords_lastOutputFormWins_andShowsInToString() {
    JsonWrite<Shipment, RawRecord> raw =
        Json.write("json", Shipment.class).asRawRecords(s -> utf8(s.shipmentId()));

    assertThat(raw)
        .hasToString("JsonWrite{json, type=Shipment, output=raw-records, omitNullFields=false}");
    assertThat(raw.asText().outputType())
        .isEqualTo(org.apache.flink.api.common.typeinfo.Types.STRING);
    assertThatThrownBy(() -> Json.write("json", Shipment.class).asRawRecords(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
  }
}
