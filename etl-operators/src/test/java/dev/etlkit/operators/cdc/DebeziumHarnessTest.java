package dev.etlkit.operators.cdc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.cdc.internal.DebeziumDecoder.Outcome;
import dev.etlkit.operators.cdc.internal.DebeziumMetrics;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

/** The decoding function in Flink's harness: outputs, dead letters, accounting, policies. */
class DebeziumHarnessTest {

  private static final String SECRET = "SECRET-7f3a";

  private static RawRecord record(@Nullable String key, @Nullable String value, long offset) {
    return new RawRecord(
        key == null ? null : key.getBytes(UTF_8),
        value == null ? null : value.getBytes(UTF_8),
        "crm.public.customers/0@" + offset,
        1_000L + offset);
  }

  private static final String INSERT =
      "{\"op\":\"c\",\"after\":{\"id\":1,\"first_name\":\"Anne\"},\"source\":{\"ts_ms\":500,\"lsn\":10}}";
  private static final String UPDATE =
      "{\"op\":\"u\",\"before\":{\"id\":1,\"first_name\":\"Anne\"},"
          + "\"after\":{\"id\":1,\"first_name\":\"Anne Marie\"},\"source\":{\"ts_ms\":600,\"lsn\":20}}";
  private static final String DELETE =
      "{\"op\":\"d\",\"before\":{\"id\":1,\"first_name\":\"Anne Marie\"},\"source\":{\"ts_ms\":700,"
          + "\"lsn\":30}}";

  @Test
  void mixedRecords_changesGoOut_badOnesAreDeadLetters_skippedOnesAreFiltered() throws Exception {
    try (DecoderHarness<RawRecord, Customer> h =
        DecoderHarness.rawRecords(DecoderSettings.defaults(Customer.class))) {
      List<Change<Customer>> changes = new ArrayList<>();
      List<DeadLetter> letters = new ArrayList<>();
      String[][] records = {
        {"{\"id\":1}", INSERT},
        {null, "{\"ts_ms\":1}"}, // heartbeat
        {"{\"id\":1}", UPDATE},
        {"{\"id\":1}", "{\"op\":\"c\",\"after\":"}, // truncated
        {null, "{\"status\":\"BEGIN\",\"id\":\"1:2\",\"event_count\":null}"}, // transaction marker
        {"{\"id\":1}", DELETE},
        {"{\"id\":1}", null}, // tombstone
        {"{\"id\":1}", "{\"op\":\"z\"}"}, // unknown op
      };
      for (int i = 0; i < records.length; i++) {
        DecoderHarness.Emitted<Customer> e =
            h.process(record(records[i][0], records[i][1], i), 90 + i);
        changes.addAll(e.changes());
        letters.addAll(e.deadLetters());
      }

      assertThat(changes)
          .extracting(c -> c.kind().shortString() + c.value().firstName() + "@" + c.eventTime())
          .containsExactly("+IAnne@500", "-UAnne@600", "+UAnne Marie@600", "-DAnne Marie@700");
      assertThat(letters)
          .extracting(l -> l.sourcePosition() + " " + l.errorClass() + " " + l.eventTime())
          .containsExactly(
              "crm.public.customers/0@3 com.fasterxml.jackson.core.io.JsonEOFException 93",
              "crm.public.customers/0@7 java.lang.IllegalArgumentException 97");
      assertThat(letters.get(0).payloadBytes())
          .isEqualTo("{\"op\":\"c\",\"after\":".getBytes(UTF_8));
      assertThat(letters.get(0).step()).isEqualTo("customers-cdc");

      RecordAccounting.StepCounts counts = h.counts();
      assertThat(counts.in()).isEqualTo(8);
      assertThat(counts.out()).isEqualTo(3);
      assertThat(counts.emitted()).isEqualTo(4);
      assertThat(counts.filtered()).isEqualTo(3);
      assertThat(counts.deadLettered()).isEqualTo(2);
      assertThat(counts.isBalanced()).isTrue();
    }
  }

  @Test
  void textInput_deadLetterKeepsTheText_andHasNoSourceCoordinates() throws Exception {
    try (DecoderHarness<String, Customer> h =
        new DecoderHarness<>(
            PayloadInput.text(),
            ErrorPolicy.deadLetter(),
            DecoderSettings.defaults(Customer.class))) {
      assertThat(h.process(INSERT, 1).changes()).hasSize(1);

      DecoderHarness.Emitted<Customer> bad = h.process("{\"op\":\"d\",\"before\":null}", 2);
      assertThat(bad.changes()).isEmpty();
      assertThat(bad.deadLetters())
          .singleElement()
          .satisfies(
              l -> {
                assertThat(l.payloadText()).isEqualTo("{\"op\":\"d\",\"before\":null}");
                assertThat(l.sourcePosition()).isNull();
                assertThat(l.errorMessage()).startsWith("op 'd' without a before image");
              });
    }
  }

  @Test
  void failJobPolicy_failsOnTheFirstBadRecord_withoutQuotingIt() throws Exception {
    try (DecoderHarness<RawRecord, Customer> h =
        new DecoderHarness<>(
            PayloadInput.rawRecords(),
            ErrorPolicy.failJob(),
            DecoderSettings.defaults(Customer.class))) {
      assertThat(h.process(record(null, INSERT, 0), 0).changes()).hasSize(1);
      assertThatThrownBy(
              () ->
                  h.process(
                      record(null, "{\"op\":\"c\",\"after\":{\"id\":\"" + SECRET + "\"}}", 1), 1))
          .isInstanceOf(EtlException.class)
          .hasMessageContaining("error policy is fail-job")
          .hasMessageNotContaining(SECRET)
          .satisfies(e -> assertThat(e.getCause()).hasMessageNotContaining(SECRET));
    }
  }

  /** Payload contents in every place a bad record can carry them; none reaches a message. */
  @Test
  void secretMarker_neverAppearsInDeadLetterMessagesOrToString() throws Exception {
    String[] values = {
      SECRET,
      "{\"op\":\"" + SECRET + "\"}",
      "{\"op\":\"c\",\"after\":{\"id\":" + SECRET + "}}",
      "{\"op\":\"c\",\"after\":{\"id\":\"" + SECRET + "\"}}",
      "{\"op\":\"c\",\"after\":{\"id\":1,\"email\":[\"" + SECRET + "\"]}}",
      "{\"op\":\"c\",\"after\":{\"id\":1},\"" + SECRET + "\"}",
      "{\"op\":\"c\",\"after\":\"" + SECRET + "\"}",
      "{\"" + SECRET + "\":1}",
      "{\"op\":\"c\",\"after\":{\"id\":1}} " + SECRET,
      "{\"op\":\"t\",\"source\":{\"table\":\"" + SECRET + "\"}}",
      "{\"schema\":{\"fields\":[{\"field\":\"after\",\"fields\":[{\"field\":\"id\",\"name\":\""
          + SECRET
          + "\"}]}]},\"payload\":{\"op\":\"c\",\"after\":{\"id\":\""
          + SECRET
          + "\"}}}",
    };
    try (DecoderHarness<RawRecord, Customer> h =
        DecoderHarness.rawRecords(DecoderSettings.defaults(Customer.class))) {
      List<DeadLetter> letters = new ArrayList<>();
      for (int i = 0; i < values.length; i++) {
        letters.addAll(h.process(record(null, values[i], i), i).deadLetters());
      }
      letters.addAll(
          h.process(record(null, "{\"op\":\"d\",\"before\":null}", 99), 99).deadLetters());
      letters.addAll(
          h.process(
                  new RawRecord(
                      SECRET.getBytes(UTF_8), "{\"op\":\"d\"}".getBytes(UTF_8), null, null),
                  100)
              .deadLetters());

      assertThat(letters).hasSize(values.length + 2);
      for (DeadLetter letter : letters) {
        assertThat(letter.errorMessage()).isNotBlank().doesNotContain(SECRET);
        assertThat(letter.toString()).doesNotContain(SECRET);
      }
    }
  }

  @Test
  void skippedKinds_eachHaveACounter() {
    RecordingMetricGroup group = new RecordingMetricGroup();
    DebeziumMetrics metrics = DebeziumMetrics.register(group, DecoderHarness.STEP);
    for (Outcome outcome : Outcome.values()) {
      metrics.count(outcome);
    }
    metrics.count(Outcome.SKIPPED_HEARTBEAT);

    assertThat(group.groups).containsExactly("etlkit=crm", "step=customers-cdc");
    assertThat(group.count(Debezium.METRIC_HEARTBEATS)).isEqualTo(2);
    for (String name :
        List.of(
            Debezium.METRIC_TRANSACTION_MARKERS,
            Debezium.METRIC_SCHEMA_CHANGES,
            Debezium.METRIC_TOMBSTONES_SKIPPED,
            Debezium.METRIC_TRUNCATES_SKIPPED,
            Debezium.METRIC_LOGICAL_MESSAGES,
            Debezium.METRIC_UPDATES_WITHOUT_BEFORE)) {
      assertThat(group.count(name)).as(name).isEqualTo(1);
    }
  }

  @Test
  void tombstoneDeletes_carryTheRecordTimestamp() throws Exception {
    try (DecoderHarness<RawRecord, Customer> h =
        DecoderHarness.rawRecords(
            DecoderSettings.defaults(Customer.class).withTombstones(Debezium.Tombstones.DELETE))) {
      assertThat(h.process(record("{\"id\":5}", null, 4), 4).changes())
          .containsExactly(
              Change.of(RowKind.DELETE, new Customer(5, null, null, null), 1_004L, null));
    }
  }
}
