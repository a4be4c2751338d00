package dev.etlkit.operators.cdc;

import static java.nio.charset.StandardCharsets.UTF_8;
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
 * Coverage-guided fuzzing of the Debezium decode step (Jazzer). Without {@code JAZZER_FUZZ=1} each
 * method runs once per file of its committed regression corpus ({@code
 * src/test/resources/dev/etlkit/operators/cdc/DebeziumFuzzTestInputs/<method>/}) in the normal
 * build; with it, Jazzer mutates inputs for {@code maxDuration}. For every input: changes, exactly
 * one dead letter, or a counted skip; never an exception, never a hang.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DebeziumFuzzTest {

  @Nullable private static DecoderHarness<RawRecord, Order> harness;

  private static DecoderHarness<RawRecord, Order> harness() throws Exception {
    if (harness == null) {
      harness =
          DecoderHarness.rawRecords(
              DecoderSettings.defaults(Order.class).withTombstones(Tombstones.DELETE));
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

  /** Any bytes as the value of a record with a valid key (Order rows: dates, decimals, ...). */
  @FuzzTest(maxDuration = "30s")
  void value(byte[] value) throws Exception {
    check(new RawRecord("{\"id\":1}".getBytes(UTF_8), value, "orders/0@1", 5L));
  }

  /** Any bytes as the key, of a tombstone and of a delete without a before-image. */
  @FuzzTest(maxDuration = "30s")
  void key(byte[] key) throws Exception {
    check(new RawRecord(key, null, "orders/0@2", 5L));
    check(new RawRecord(key, "{\"op\":\"d\",\"before\":null}".getBytes(UTF_8), "orders/0@3", 5L));
  }

  private static void check(RawRecord record) throws Exception {
    RecordAccounting.StepCounts before = harness().counts();
    DecoderHarness.Emitted<Order> emitted = harness().process(record, 1);
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
    }
  }
}
