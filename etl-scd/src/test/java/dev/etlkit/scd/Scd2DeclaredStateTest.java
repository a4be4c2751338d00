package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.StateInventory;
import dev.etlkit.scd.internal.Scd2Operator;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SnapshotStates;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SCD2 step's savepoints hold exactly the states its state inventory declares, for a spread of
 * its options, with and without TTL, on heap and RocksDB.
 */
class Scd2DeclaredStateTest {

  private static final TypeInformation<Change<Account>> CHANGES = Change.typeInfo(Account.TYPE);

  /** Only builds job graphs (never executes). */
  private static final StreamExecutionEnvironment ENV =
      StreamExecutionEnvironment.getExecutionEnvironment();

  @ParameterizedTest(name = "{0}, ttl {1}, {2}")
  @MethodSource("variants")
  void savepoint_holdsTheDeclaredStates(
      Scd2Variant variant, @Nullable Duration ttl, StateBackendKind backend) throws Exception {
    List<Change<Account>> delivered = Scd2Generator.messy().generate(7);
    try (OperatorHarness<Change<Account>, Change<Scd2Row<Account>>> h =
        Scd2Harnesses.of(variant.step(), CHANGES, ttl).open(backend)) {
      h.run(Scd2Generator.script(delivered));

      assertThat(SnapshotStates.names(h.savepoint()))
          .isEqualTo(SnapshotStates.declared(inventory(variant, ttl), "test/accounts"));
      assertThat(
              SnapshotStates.typeMismatches(
                  h.savepoint(), inventory(variant, ttl), "test/accounts"))
          .isEmpty();
    }
  }

  /**
   * With a delete retention (deleted keys hold a removal pending): no keyed state more is written,
   * only the operator state of the retention the timers were set with.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void withDeleteRetention_savepointHoldsTheDeclaredStates(StateBackendKind backend)
      throws Exception {
    Scd2Step<Change<Account>, Account> step =
        new Scd2Variant(
                Scd2Output.RETRACT,
                HardDeletes.NEW_RECORD,
                ChangeDetection.all(),
                List.of(),
                true,
                Duration.ofDays(1).toMillis(),
                null)
            .step()
            .withDeleteRetention(Duration.ofHours(1));
    List<Change<Account>> delivered = Scd2Generator.messy().generate(7);
    try (OperatorHarness<Change<Account>, Change<Scd2Row<Account>>> h =
        Scd2Harnesses.of(step, CHANGES).open(backend)) {
      h.run(Scd2Generator.script(delivered));

      assertThat(h.unwrap().numProcessingTimeTimers()).isPositive();
      assertThat(SnapshotStates.names(h.savepoint()))
          .isEqualTo(SnapshotStates.declared(inventory(step), "test/accounts"));
      assertThat(SnapshotStates.typeMismatches(h.savepoint(), inventory(step), "test/accounts"))
          .isEmpty();
    }
  }

  /**
   * A delete retention in every variant that accepts it (not with hard deletes ignored), with and
   * without a TTL: one operator state more, the cleanup timers' state as before.
   */
  @ParameterizedTest(name = "{0}, ttl {1}, {2}")
  @MethodSource("variantsWithDeletes")
  void withDeleteRetention_everyVariant_savepointHoldsTheDeclaredStates(
      Scd2Variant variant, @Nullable Duration ttl, StateBackendKind backend) throws Exception {
    Scd2Step<Change<Account>, Account> step =
        variant.step().withDeleteRetention(Duration.ofHours(1));
    if (ttl != null) {
      step = step.withStateTtl(ttl);
    }
    List<Change<Account>> delivered = Scd2Generator.messy().generate(7);
    try (OperatorHarness<Change<Account>, Change<Scd2Row<Account>>> h =
        Scd2Harnesses.of(step, CHANGES).open(backend)) {
      h.run(Scd2Generator.script(delivered));

      assertThat(SnapshotStates.names(h.savepoint()))
          .contains(Scd2Operator.DELETE_RETENTION_STATE)
          .isEqualTo(SnapshotStates.declared(inventory(step), "test/accounts"));
      assertThat(SnapshotStates.typeMismatches(h.savepoint(), inventory(step), "test/accounts"))
          .isEmpty();
    }
  }

  static Stream<Arguments> variantsWithDeletes() {
    return variants().filter(a -> ((Scd2Variant) a.get()[0]).deletes() != HardDeletes.IGNORE);
  }

  private static synchronized StateInventory inventory(
      Scd2Variant variant, @Nullable Duration ttl) {
    Scd2Step<Change<Account>, Account> step = variant.step();
    return inventory(ttl == null ? step : step.withStateTtl(ttl));
  }

  private static synchronized StateInventory inventory(Scd2Step<Change<Account>, Account> step) {
    DataStream<Change<Account>> input = ENV.fromData(List.<Change<Account>>of(), CHANGES);
    return Etl.from(input, "test").apply(step).stateInventory();
  }

  static Stream<Arguments> variants() {
    return Scd2Variant.spread().stream()
        .flatMap(v -> Stream.of(null, Duration.ofHours(1)).map(ttl -> new Object[] {v, ttl}))
        .flatMap(a -> Stream.of(StateBackendKind.values()).map(b -> Arguments.of(a[0], a[1], b)));
  }
}
