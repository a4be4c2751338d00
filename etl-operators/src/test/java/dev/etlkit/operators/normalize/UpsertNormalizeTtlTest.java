package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.show;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stateKeys;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.normalize.NormalizeHarnesses.Normalizer;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** State TTL of the upsert normalizer: expiry semantics and bounded state, heap and RocksDB. */
class UpsertNormalizeTtlTest {

  private static final Duration TTL = Duration.ofHours(1);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void expiredKey_isTreatedAsNew_andItsDeleteIsPassedOn(StateBackendKind backend) throws Exception {
    Normalizer<String, String> normalize = normalizer(strings(), Types.STRING, TTL);
    // tag::normalize-ttl[]
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.setStateTtlTime(0);
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.setStateTtlTime(TTL.toMillis() + 1); // k1 unchanged for longer than the TTL
      harness.processElement(Change.updateAfter("k1#v2"), 2); // treated as a new key
      harness.setStateTtlTime(2 * TTL.toMillis() + 2);
      harness.processElement(Change.delete("k1#"), 3); // k1 expired again: unknown key

      assertThat(show(harness.output()))
          .containsExactly(
              "+I[k1#v1]",
              "+I[k1#v2]", // an upsert sink overwrites k1; it never saw a -U
              "-D[k1#]"); // with a TTL, unknown-key deletes are passed on (EMIT)
    }
    // end::normalize-ttl[]
    assertThat(normalize.function().unknownKeyDeleteCount()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void noOpSuppression_staysOnWithTtl_andDoesNotRestartTheClock(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalizer(strings(), Types.STRING, TTL).recipe.on(backend).open()) {
      harness.setStateTtlTime(0);
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.setStateTtlTime(TTL.toMillis() - 1);
      harness.processElement(Change.updateAfter("k1#v1"), 2); // identical: nothing emitted
      harness.setStateTtlTime(TTL.toMillis() + 1); // TTL counts from the last applied change
      harness.processElement(Change.updateAfter("k1#v1"), 3);

      assertThat(show(harness.output())).containsExactly("+I[k1#v1]", "+I[k1#v1]");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void versioned_expiredKey_forgetsItsSequence(StateBackendKind backend) throws Exception {
    Normalizer<String, String> normalize =
        normalizer(strings().withSequence(ChangeSequence.sourcePosition()), Types.STRING, TTL);
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.setStateTtlTime(0);
      harness.processElement(Change.insert("k1#v5").withSourcePosition(5), 1);
      harness.setStateTtlTime(TTL.toMillis() + 1);
      // Later than the TTL, an older change is no longer known to be stale.
      harness.processElement(Change.updateAfter("k1#v4").withSourcePosition(4), 2);

      assertThat(show(harness.output())).containsExactly("+I[k1#v5] pos=5", "+I[k1#v4] pos=4");
    }
    assertThat(normalize.function().staleCount()).isZero();
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void everNewKeys_stateStaysBounded(StateBackendKind backend) throws Exception {
    int keys = 2_000;
    int keysPerTtl = 100; // the TTL clock moves one TTL every 100 new keys
    long step = TTL.toMillis() / keysPerTtl;
    Normalizer<String, String> normalize =
        normalizer(strings().withSequence(ChangeSequence.sourcePosition()), Types.STRING, TTL);
    KeyedHarness<String, Change<String>, Change<String>> recipe = normalize.recipe.on(backend);
    OperatorSubtaskState savepoint;
    try (OperatorHarness<Change<String>, Change<String>> harness = recipe.open()) {
      for (int k = 0; k < keys; k++) {
        harness.setStateTtlTime(k * step);
        harness.processElement(Change.insert("k" + k + "#v1").withSourcePosition(k), k);
        harness.processElement(Change.delete("k" + k + "#").withSourcePosition(k + 1L), k);
      }
      if (backend == StateBackendKind.HEAP) {
        // Heap checks a few entries on every access, so expired keys go while the job runs
        // (lagging behind a little: the cleanup walks the whole table, 5 entries at a time).
        assertThat(stateKeys(harness, "row")).isLessThan(keys / 4L);
      }
      savepoint = harness.savepoint(); // full snapshots leave expired entries out
    }
    try (OperatorHarness<Change<String>, Change<String>> restored = recipe.restore(savepoint)) {
      assertThat(stateKeys(restored, "row")).isLessThanOrEqualTo(keysPerTtl + 1L);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void pipelineDefault_expiresAKey_withoutAnOverride(StateBackendKind backend) throws Exception {
    NormalizeHarnesses.Expanded<String> expanded =
        NormalizeHarnesses.expanded(strings(), NormalizeHarnesses.STRING_CHANGES, TTL);
    try (OperatorHarness<Change<String>, Change<String>> harness =
        expanded.harness().on(backend).open()) {
      harness.setStateTtlTime(0);
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.setStateTtlTime(TTL.toMillis() + 1); // the pipeline default has passed
      harness.processElement(Change.updateAfter("k1#v2"), 2); // treated as a new key

      assertThat(show(harness.output())).containsExactly("+I[k1#v1]", "+I[k1#v2]");
    }
    assertThat(expanded.inventory().entries().get(0).state().ttl()).contains(TTL);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void zeroOverride_keepsAKeyPastThePipelineDefault_andListsNoTtl(StateBackendKind backend)
      throws Exception {
    NormalizeHarnesses.Expanded<String> expanded =
        NormalizeHarnesses.expanded(
            strings().withStateTtl(Duration.ZERO), NormalizeHarnesses.STRING_CHANGES, TTL);
    try (OperatorHarness<Change<String>, Change<String>> harness =
        expanded.harness().on(backend).open()) {
      harness.setStateTtlTime(0);
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.setStateTtlTime(10 * TTL.toMillis()); // ten pipeline defaults later
      harness.processElement(Change.updateAfter("k1#v2"), 2); // still known

      assertThat(show(harness.output())).containsExactly("+I[k1#v1]", "-U[k1#v1]", "+U[k1#v2]");
    }
    assertThat(expanded.inventory().entries())
        .allSatisfy(e -> assertThat(e.state().ttl()).as(e.state().name()).isEmpty());
    assertThat(strings().withStateTtl(Duration.ZERO).toString()).contains(", stateTtl=none");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void changelogCheck_zeroOverride_keepsAKeyPastThePipelineDefault_andListsNoTtl(
      StateBackendKind backend) throws Exception {
    NormalizeHarnesses.Expanded<String> withDefault =
        NormalizeHarnesses.expanded(
            NormalizeHarnesses.stringCheck(), NormalizeHarnesses.STRING_CHANGES, TTL);
    NormalizeHarnesses.Expanded<String> zero =
        NormalizeHarnesses.expanded(
            NormalizeHarnesses.stringCheck().withStateTtl(Duration.ZERO),
            NormalizeHarnesses.STRING_CHANGES,
            TTL);
    List<String> rejected = new ArrayList<>();
    for (NormalizeHarnesses.Expanded<String> expanded : List.of(withDefault, zero)) {
      try (OperatorHarness<Change<String>, Change<String>> harness =
          expanded.harness().on(backend).open()) {
        harness.setStateTtlTime(0);
        harness.processElement(Change.insert("k1#v1"), 1);
        harness.setStateTtlTime(10 * TTL.toMillis());
        harness.processElement(Change.insert("k1#v2"), 2); // a second +I of a live key
        rejected.add(String.valueOf(harness.sideOutput(NormalizeHarnesses.DEAD_LETTERS).size()));
      }
    }

    // with the default, k1 expired and the second +I is valid; without a TTL it is not
    assertThat(rejected).containsExactly("0", "1");
    assertThat(withDefault.inventory().entries().get(0).state().ttl()).contains(TTL);
    assertThat(zero.inventory().entries())
        .allSatisfy(e -> assertThat(e.state().ttl()).as(e.state().name()).isEmpty());
    assertThat(NormalizeHarnesses.stringCheck().withStateTtl(Duration.ZERO).toString())
        .contains(", stateTtl=none");
  }
}
