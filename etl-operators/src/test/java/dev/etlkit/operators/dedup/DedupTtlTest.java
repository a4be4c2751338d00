package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.dedup.internal.DedupConfig;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.stream.Stream;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.VoidNamespace;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** State TTL: an expired key is a new key, held rows never expire, state stays bounded. */
class DedupTtlTest {

  private static final Duration TTL = Duration.ofMinutes(1);
  private static final int WAVES = 5;
  private static final int KEYS_PER_WAVE = 200;

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void everNewKeys_stateHoldsOnlyTheKeysWrittenWithinTheTtl(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, String, Change<String>> harness =
        DedupHarness.rows(DedupHarness.keepLast().withStateTtl(TTL)).harness().on(backend);
    try (OperatorHarness<String, Change<String>> running = harness.open()) {
      for (int wave = 0; wave < WAVES; wave++) {
        running.setStateTtlTime(wave * 2 * TTL.toMillis()); // the previous wave has expired
        for (int k = 0; k < KEYS_PER_WAVE; k++) {
          running.processElement("k" + (wave * KEYS_PER_WAVE + k) + "#v1", wave);
        }
        // A full snapshot leaves expired entries out: what a restore finds is what is live.
        OperatorSubtaskState savepoint = running.savepoint();
        try (OperatorHarness<String, Change<String>> restored = harness.restore(savepoint)) {
          assertThat(keys(restored)).as("keys after wave %d", wave).isEqualTo(KEYS_PER_WAVE);
        }
      }
      assertThat(running.output()).hasSize(WAVES * KEYS_PER_WAVE);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirstInEventTime_aHeldRowOutlivesTheTtl(StateBackendKind backend) throws Exception {
    try (OperatorHarness<String, String> harness =
        DedupHarness.rows(DedupHarness.keepFirst().withEventTimeOrder().withStateTtl(TTL))
            .harness()
            .on(backend)
            .open()) {
      harness.setStateTtlTime(0);
      harness.processElement("k1#v1", 10);
      harness.setStateTtlTime(10 * TTL.toMillis()); // the watermark stalled for ten TTLs
      harness.processWatermark(10);

      assertThat(harness.output()).containsExactly("k1#v1");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void pipelineDefault_expiresAKey_withoutAnOverride(StateBackendKind backend) throws Exception {
    DedupHarness.Expanded<String, String> expanded =
        DedupHarness.rows(DedupHarness.keepFirst(), TTL);
    try (OperatorHarness<String, String> harness = expanded.harness().on(backend).open()) {
      harness.setStateTtlTime(0);
      harness.processElement("k1#v1", 1);
      harness.setStateTtlTime(TTL.toMillis() + 1); // the pipeline default has passed
      harness.processElement("k1#v2", 2); // expired: new

      assertThat(harness.output()).containsExactly("k1#v1", "k1#v2");
    }
    assertThat(expanded.inventory().entries().get(0).state().ttl()).contains(TTL);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void zeroOverride_keepsAKeyPastThePipelineDefault_andListsNoTtl(StateBackendKind backend)
      throws Exception {
    DedupHarness.Expanded<String, String> expanded =
        DedupHarness.rows(DedupHarness.keepFirst().withStateTtl(Duration.ZERO), TTL);
    try (OperatorHarness<String, String> harness = expanded.harness().on(backend).open()) {
      harness.setStateTtlTime(0);
      harness.processElement("k1#v1", 1);
      harness.setStateTtlTime(10 * TTL.toMillis()); // ten pipeline defaults later
      harness.processElement("k1#v2", 2); // still a duplicate

      assertThat(harness.output()).containsExactly("k1#v1");
    }
    assertThat(expanded.inventory().entries())
        .allSatisfy(e -> assertThat(e.state().ttl()).as(e.state().name()).isEmpty());
  }

  /** The longest TTL a step accepts: write time + TTL overflows a long, and Flink saturates it. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void longestTtl_neverExpires_notEvenInASnapshot(StateBackendKind backend) throws Exception {
    KeyedHarness<Object, String, Change<String>> harness =
        DedupHarness.rows(DedupHarness.keepLast().withStateTtl(Duration.ofMillis(Long.MAX_VALUE)))
            .harness()
            .on(backend);
    try (OperatorHarness<String, Change<String>> running = harness.open()) {
      running.setStateTtlTime(1_000);
      running.processElement("k1#v1", 1);
      running.setStateTtlTime(Long.MAX_VALUE - 1);
      running.processElement("k1#v1", 2); // the same row: a no-op while the key is known

      assertThat(running.output()).hasSize(1);
      try (OperatorHarness<String, Change<String>> restored =
          harness.restore(running.savepoint())) {
        assertThat(keys(restored)).isEqualTo(1);
      }
    }
  }

  static long keys(OperatorHarness<?, ?> harness) throws Exception {
    try (Stream<Object> keys =
        harness
            .unwrap()
            .getOperator()
            .getKeyedStateBackend()
            .getKeys(DedupConfig.STATE, VoidNamespace.INSTANCE)) {
      return keys.count();
    }
  }
}
