package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * State TTL of the dimension rows: a row not changed for longer than the TTL is forgotten (reads do
 * not keep it alive); waiting facts never expire.
 */
class DimensionJoinTtlTest {

  private static final Duration TTL = Duration.ofSeconds(1);

  private static final KeyedHarness<Object, Either<String, Change<String>>, String> LATEST =
      JoinHarness.expand(JoinHarness.latest().withStateTtl(TTL).withMaxWait(Duration.ofSeconds(5)))
          .harness();

  private static final KeyedHarness<Object, Either<String, Change<String>>, String> AS_OF =
      JoinHarness.expand(JoinHarness.asOf().withStateTtl(TTL)).harness();

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_rowNotChangedForLongerThanTheTtl_forgotten(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = LATEST.on(backend).open()) {
      h.processElement(row(Change.insert("k1#v1")), 1);
      h.processElement(row(Change.insert("k2#v1")), 1);
      h.setStateTtlTime(800);
      h.processElement(fact("k1#o1"), 10); // a read does not restart the clock
      h.processElement(row(Change.updateAfter("k2#v2")), 2); // a write does
      h.setStateTtlTime(TTL.toMillis() + 1);
      h.processElement(fact("k1#o2"), 11); // k1 is treated as never seen: it waits
      h.processElement(fact("k2#o3"), 12);

      assertThat(lines(h.emitted()))
          .containsExactly("FOUND k1#o1 k1#v1 @10", "FOUND k2#o3 k2#v2 @12");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_waitingFactsOutliveTheTtl(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = LATEST.on(backend).open()) {
      h.processElement(fact("k1#o1"), 10);
      h.setStateTtlTime(3_000); // longer than the TTL, within the wait
      h.processElement(row(Change.insert("k1#v1")), 1);

      assertThat(lines(h.emitted())).containsExactly("FOUND_AFTER_WAIT k1#o1 k1#v1 @10");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_historyNotChangedForLongerThanTheTtl_forgottenWhole(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = AS_OF.on(backend).open()) {
      h.processElement(row(Change.insert("k1#v1")), 10);
      h.setStateTtlTime(800);
      h.processElement(row(Change.updateAfter("k1#v2")), 20); // restarts the key's clock
      h.setStateTtlTime(TTL.toMillis() + 1);
      h.processElement(fact("k1#o1"), 15);
      h.processWatermark(15); // v1 is still there: the key changed at 800
      h.setStateTtlTime(800 + TTL.toMillis() + 1);
      h.processElement(fact("k1#o2"), 25);
      h.processWatermark(30);

      assertThat(lines(h.emitted()))
          .containsExactly("FOUND k1#o1 k1#v1 @15", "NOT_FOUND k1#o2 @25");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void pipelineDefault_forgetsARow_withoutAnOverride(StateBackendKind backend) throws Exception {
    JoinHarness.Expanded expanded = JoinHarness.expand(JoinHarness.latest(), TTL);
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        expanded.harness().on(backend).open()) {
      h.processElement(row(Change.insert("k1#v1")), 1);
      h.setStateTtlTime(TTL.toMillis() + 1); // the pipeline default has passed
      h.processElement(fact("k1#o1"), 10);

      assertThat(lines(h.emitted())).containsExactly("NOT_FOUND k1#o1 @10");
    }
    assertThat(expanded.output().stateInventory().entries().get(0).state().ttl()).contains(TTL);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void zeroOverride_keepsARowPastThePipelineDefault_andListsNoTtl(StateBackendKind backend)
      throws Exception {
    JoinHarness.Expanded expanded =
        JoinHarness.expand(JoinHarness.latest().withStateTtl(Duration.ZERO), TTL);
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        expanded.harness().on(backend).open()) {
      h.processElement(row(Change.insert("k1#v1")), 1);
      h.setStateTtlTime(10 * TTL.toMillis()); // ten pipeline defaults later
      h.processElement(fact("k1#o1"), 10);

      assertThat(lines(h.emitted())).containsExactly("FOUND k1#o1 k1#v1 @10");
    }
    assertThat(expanded.output().stateInventory().entries())
        .allSatisfy(e -> assertThat(e.state().ttl()).as(e.state().name()).isEmpty());
    assertThat(JoinHarness.asOf().withStateTtl(Duration.ZERO).toString()).contains(", ttl=none");
  }
}
