package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.internal.KeyCheckHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A key declared as a list of {@code Long}s ({@code withKeyType(Types.LIST(Types.LONG))}, where the
 * selector's type is lost to erasure; one Flink's type extractor infers is a nullable list, whose
 * serializer writes a {@code null} element) holding a {@code null} element: Flink's list serializer
 * hands it to the Long serializer, which refuses it, so the dedup operator failed where it
 * serialized the key (on RocksDB at once, on the heap at the next checkpoint), after every restart
 * again. Now such a record is a dead letter of the step, naming the element's position.
 */
class DedupNullElementKeyTest {

  /** {@code k1#v1} has key [1, 1], {@code k1#guest} has key [1, null], {@code k2#..} [2, 1]. */
  static List<Long> key(String row) {
    long id = Long.parseLong(DedupKeyITCase.key(row).substring(1));
    return Arrays.asList(id, row.endsWith("#guest") ? null : 1L);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void listKeyWithANullLong_deadLetteredWithItsPosition_othersDeduplicated(StateBackendKind backend)
      throws Exception {
    DedupHarness.Expanded<String, String> step =
        DedupHarness.expand(
            Dedup.keepFirst("dedup", (String row) -> key(row)).withKeyType(Types.LIST(Types.LONG)),
            Types.STRING);
    List<String> passedOn;
    List<String> deadLetters;
    long checkDeadLettered;
    try (OneInputStreamOperatorTestHarness<String, String> check =
        KeyCheckHarness.open(step.output().toDataStream(), "test/dedup/keys")) {
      check.processElement("k1#v1", 1);
      check.processElement("k1#guest", 2);
      check.processElement("k2#v1", 3);
      check.processElement("k1#v2", 4);
      passedOn = check.extractOutputValues();
      deadLetters = KeyCheckHarness.deadLetters(check);
      checkDeadLettered =
          KeyCheckHarness.count(check, "test/dedup", StepMetrics.RECORDS_DEAD_LETTERED);
    }

    try (OperatorHarness<String, String> dedup = step.harness().on(backend).open()) {
      long t = 1;
      for (String row : passedOn) {
        dedup.processElement(row, t++);
      }
      dedup.snapshot();

      assertThat(dedup.output()).containsExactly("k1#v1", "k2#v1");
      Map<String, Long> counts = DedupHarness.counts(dedup);
      assertThat(counts).containsEntry("in", 3L).containsEntry("deduplicated", 1L);
    }
    assertThat(deadLetters)
        .containsExactly("java.lang.IllegalArgumentException: the dedup key field [1] is null");
    assertThat(checkDeadLettered).isEqualTo(1);
  }
}
