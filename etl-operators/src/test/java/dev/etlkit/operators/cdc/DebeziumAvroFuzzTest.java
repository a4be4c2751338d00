package dev.etlkit.operators.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.cdc.Debezium.Tombstones;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of the Debezium decode step's Avro input ({@link
 * Debezium.DecodeStep#withAvro}, Jazzer): any bytes after a valid Confluent header, as the value
 * (writer schema id 1, the PostgreSQL envelope of {@link TypedRow}) and as the key (schema id 2) of
 * a tombstone and of a delete without a before-image. Without {@code JAZZER_FUZZ=1} each method
 * runs once per file of its committed corpus ({@code
 * src/test/resources/dev/etlkit/operators/cdc/DebeziumAvroFuzzTestInputs/<method>/}: the bodies of
 * valid events, cut or patched). For every input: changes, exactly one dead letter, or a counted
 * skip; never an exception, never a hang.
 */
@Timeout(
    value = 60,
    unit = TimeUnit.SECONDS) // per corpus input; a fuzzing run stops at maxDuration
class DebeziumAvroFuzzTest {

  private static final byte[] VALUE_HEADER = {0, 0, 0, 0, 1};
  private static final byte[] KEY_HEADER = {0, 0, 0, 0, 2};

  @Nullable private static DecoderHarness<RawRecord, TypedRow> harness;

  private static DecoderHarness<RawRecord, TypedRow> harness() throws Exception {
    if (harness == null) {
      harness =
          DecoderHarness.rawRecords(
              DecoderSettings.defaults(TypedRow.class)
                  .withTombstones(Tombstones.DELETE)
                  .withAvro(DebeziumAvroTest.POSTGRES.schemas()));
    }
    return harness;
  }

  @AfterAll
  static void closeHarness() throws Exception {
    if (harness != null) {
      harness.close();
      harness = null;
    }
  }

  /** Any bytes as the Avro body of a value, with a valid key. */
  @FuzzTest(maxDuration = "30s")
  void value(byte[] body) throws Exception {
    byte[] key = DebeziumAvroTest.postgresEvents().get(1).avroKey();
    check(new RawRecord(key, withHeader(VALUE_HEADER, body), "items/0@1", 5L));
  }

  /** Any bytes as the Avro body of a key, of a tombstone and of a delete without a before-image. */
  @FuzzTest(maxDuration = "30s")
  void key(byte[] body) throws Exception {
    byte[] key = withHeader(KEY_HEADER, body);
    check(new RawRecord(key, null, "items/0@2", 5L));
    check(new RawRecord(key, DELETE_WITHOUT_BEFORE, "items/0@3", 5L));
  }

  private static final byte[] DELETE_WITHOUT_BEFORE =
      DebeziumAvroTest.postgresEvents().get(6).avroValue();

  private static byte[] withHeader(byte[] header, byte[] body) {
    byte[] bytes = new byte[header.length + body.length];
    System.arraycopy(header, 0, bytes, 0, header.length);
    System.arraycopy(body, 0, bytes, header.length, body.length);
    return bytes;
  }

  private static void check(RawRecord record) throws Exception {
    RecordAccounting.StepCounts before = harness().counts();
    DecoderHarness.Emitted<TypedRow> emitted = harness().process(record, 1);
    RecordAccounting.StepCounts after = harness().counts();

    long out = after.out() - before.out();
    long filtered = after.filtered() - before.filtered();
    long dead = after.deadLettered() - before.deadLettered();
    assertThat(after.in() - before.in()).isEqualTo(1);
    assertThat(out + filtered + dead).isEqualTo(1);
    assertThat(emitted.deadLetters()).hasSize((int) dead);
    assertThat(emitted.changes()).hasSizeBetween(out == 1 ? 1 : 0, out == 1 ? 2 : 0);
    if (dead == 1) {
      assertThat(emitted.deadLetters().get(0).payloadBytes()).isEqualTo(record.value());
      assertThat(emitted.deadLetters().get(0).sourcePosition()).isEqualTo(record.source());
    }
  }
}
