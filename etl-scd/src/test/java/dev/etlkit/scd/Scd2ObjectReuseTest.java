package dev.etlkit.scd;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.ObjectReuseCheck;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SCD2 step with Flink's object reuse on, behind an upstream that emits one reused account
 * object for every record: output and restored state as with fresh objects ({@link
 * ObjectReuseCheck}), for every variant of {@link Scd2Variant#spread()} (output modes, hard
 * deletes, change detection, Type-1 columns, tie-breaks, horizons) on messy generated changelogs
 * (late changes spliced in, redeliveries, deletes), and for plain rows. The heap backend keeps the
 * rows the step keeps (the current version, the latest change, kept changes); RocksDB, a sanity
 * case, serializes them.
 */
class Scd2ObjectReuseTest {

  private static final int HEAP_SEEDS_PER_VARIANT = 3;

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    List<Scd2Variant> variants = Scd2Variant.spread();
    for (int v = 0; v < variants.size(); v++) {
      for (long seed = 0; seed < HEAP_SEEDS_PER_VARIANT; seed++) {
        cases.add(Arguments.of(v, variants.get(v), StateBackendKind.HEAP, seed));
      }
    }
    cases.add(Arguments.of(0, variants.get(0), StateBackendKind.ROCKSDB, 100L));
    return cases.stream();
  }

  @ParameterizedTest(name = "variant {0} on {2}, seed {3}")
  @MethodSource("cases")
  void changelog_reusedInputObjects_changeNeitherOutputNorState(
      int index, Scd2Variant variant, StateBackendKind backend, long seed) {
    HarnessInput<Change<MutableAccount>> script =
        Scd2Generator.script(Scd2Generator.messy().generate(seed))
            .map(change -> change.withValue(MutableAccount.of(change.value())));
    MutableAccount reused = new MutableAccount();
    ObjectReuseCheck.of(
            Scd2Harnesses.of(variant.step(MutableAccount::id), Change.typeInfo(MutableAccount.TYPE))
                .harness()
                .on(backend),
            script,
            change -> change.withValue(reused.fill(change.value())))
        .verify();
  }

  @ParameterizedTest(name = "on {0}")
  @MethodSource("backends")
  void rows_reusedInputObjects_changeNeitherOutputNorState(StateBackendKind backend) {
    for (long seed = 0; seed < HEAP_SEEDS_PER_VARIANT; seed++) {
      HarnessInput.Builder<MutableAccount> rows = HarnessInput.builder();
      for (Change<Account> change : Scd2Generator.messy().generate(seed)) {
        if (change.kind() == RowKind.INSERT || change.kind() == RowKind.UPDATE_AFTER) {
          rows.element(MutableAccount.of(change.value()), change.eventTime());
        }
      }
      UnaryOperator<MutableAccount> upstream = MutableAccount.reusing();
      ObjectReuseCheck.of(
              Scd2Harnesses.of(
                      Scd2.trackRows(
                              "accounts",
                              MutableAccount::id,
                              EffectiveTime.<MutableAccount>recordTimestamp())
                          .withType1Columns("email"),
                      MutableAccount.TYPE)
                  .harness()
                  .on(backend),
              rows.build(),
              upstream)
          .verify();
    }
  }

  static Stream<StateBackendKind> backends() {
    return Stream.of(StateBackendKind.values());
  }
}
