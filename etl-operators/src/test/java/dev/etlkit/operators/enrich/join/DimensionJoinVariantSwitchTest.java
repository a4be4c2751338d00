package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SavepointCompatibility;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.StateBackendKind;
import java.util.stream.Stream;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * docs/operations.md (upgrading with savepoints): a step switched between {@code latest} and {@code
 * asOf} does not restore a savepoint in which the other variant left rows, versions or held facts
 * (it would start without the dimension's rows); without them it restores. On heap and RocksDB,
 * from a checkpoint, from a canonical savepoint onto the other backend and under the state
 * changelog.
 */
class DimensionJoinVariantSwitchTest {

  private static final JoinMode LATEST = JoinMode.latest(0, 1_000, UnmatchedFacts.EMIT);
  private static final JoinMode AS_OF = JoinMode.asOf(0, 0, 1_000, UnmatchedFacts.EMIT);

  /** k1 has a row (a version at 10), k2 was deleted, the watermark is at 20. */
  private static final HarnessInput<Either<String, Change<String>>> ROWS =
      HarnessInput.<Either<String, Change<String>>>builder()
          .element(row(Change.insert("k1#v1")), 10)
          .element(row(Change.insert("k2#v1")), 11)
          .element(row(Change.delete("k2#v1")), 12)
          .watermark(20)
          .build();

  /** A fact that left unmatched: both variants end with no keyed state. */
  private static final HarnessInput<Either<String, Change<String>>> NO_ROWS =
      HarnessInput.<Either<String, Change<String>>>builder()
          .element(fact("k1#o1"), 10)
          .watermark(20)
          .build();

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("backendsAndTransfers")
  void asOfVersions_restoredIntoLatest_failNamingStepVariantsAndWhatToDo(
      StateBackendKind backend, Transfer transfer) {
    assertThatThrownBy(() -> switched(AS_OF, LATEST, ROWS, backend, transfer).close())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "dimension join step 'test/join' is a latest join (DimensionJoin.latest), but the"
                + " savepoint it restores was written by a point-in-time join (DimensionJoin.asOf)"
                + " and holds its state 'join-versions'. The variants keep their state under"
                + " different names: this one would start without the dimension's rows, and the"
                + " facts of every key the dimension does not send again would go unmatched. Keep"
                + " the step a point-in-time join (DimensionJoin.asOf), or give it a new name"
                + " (fresh state) and replay the dimension from its beginning");
  }

  /** Facts held until the watermark passes them would never leave a latest join. */
  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("backendsAndTransfers")
  void asOfHeldFactsWithoutVersions_restoredIntoLatest_fail(
      StateBackendKind backend, Transfer transfer) {
    HarnessInput<Either<String, Change<String>>> held =
        HarnessInput.<Either<String, Change<String>>>builder().element(fact("k1#o1"), 30).build();

    assertThatThrownBy(() -> switched(AS_OF, LATEST, held, backend, transfer).close())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("written by a point-in-time join (DimensionJoin.asOf)")
        .hasMessageContaining("holds its state 'join-held'");
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("backendsAndTransfers")
  void latestRows_restoredIntoAsOf_fail(StateBackendKind backend, Transfer transfer) {
    assertThatThrownBy(() -> switched(LATEST, AS_OF, ROWS, backend, transfer).close())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "step 'test/join' is a point-in-time join (DimensionJoin.asOf), but the savepoint it"
                + " restores was written by a latest join (DimensionJoin.latest) and holds its"
                + " state 'join-row'")
        .hasMessageContaining("Keep the step a latest join (DimensionJoin.latest), or give it");
  }

  /** Waits 100 ms of processing time. */
  private static final JoinMode LATEST_WAITING = JoinMode.latest(100, 3, UnmatchedFacts.EMIT);

  /** Waits 10 ms of event time. */
  private static final JoinMode AS_OF_WAITING = JoinMode.asOf(10, 0, 3, UnmatchedFacts.EMIT);

  /** A fact of k1 waits for its row: no key has a row, a version or a held fact. */
  private static final HarnessInput<Either<String, Change<String>>> WAITING =
      HarnessInput.<Either<String, Change<String>>>builder()
          .element(fact("k1#o1"), 15)
          .watermark(22)
          .build();

  /**
   * A latest join's waiting fact ends its wait in processing time; a point-in-time join would read
   * that deadline as event time. Both variants keep waiting facts in one state, so only the mark of
   * the variant that wrote the snapshot tells.
   */
  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("backendsAndTransfers")
  void latestWaitingFacts_restoredIntoAsOf_fail(StateBackendKind backend, Transfer transfer) {
    assertThatThrownBy(
            () -> switched(LATEST_WAITING, AS_OF_WAITING, WAITING, backend, transfer).close())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "dimension join step 'test/join' is a point-in-time join (DimensionJoin.asOf), but the"
                + " savepoint it restores was written by a latest join (DimensionJoin.latest) and"
                + " holds facts waiting for their dimension row (state 'join-waiting'), whose waits"
                + " end in processing time. This one measures waits in event time and would release"
                + " them at the wrong time or not at all. Keep the step a latest join"
                + " (DimensionJoin.latest), or stop it with --drain before the switch: its waiting"
                + " facts leave as timed out, and the savepoint it writes then restores");
  }

  /** A point-in-time join's waiting fact would wait in a latest join until its row came. */
  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("backendsAndTransfers")
  void asOfWaitingFacts_restoredIntoLatest_fail(StateBackendKind backend, Transfer transfer) {
    assertThatThrownBy(
            () -> switched(AS_OF_WAITING, LATEST_WAITING, WAITING, backend, transfer).close())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "is a latest join (DimensionJoin.latest), but the savepoint it restores was written by"
                + " a point-in-time join (DimensionJoin.asOf) and holds facts waiting for their"
                + " dimension row (state 'join-waiting'), whose waits end in event time. This one"
                + " measures waits in processing time");
  }

  /**
   * A latest join restored from a point-in-time join's savepoint without rows carries that join's
   * watermark state on, emptied (Flink keeps restored operator state); its own mark still says
   * whose waiting facts its snapshots hold.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void waitingFacts_areTheMarkedVariants_evenWithTheOtherVariantsOperatorState(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState asOfWithoutRows;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        AS_OF_WAITING.harness().on(backend).open()) {
      h.run(NO_ROWS);
      asOfWithoutRows = h.snapshot();
    }
    OperatorSubtaskState latestWaiting;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        LATEST_WAITING.harness().on(backend).restore(asOfWithoutRows)) {
      h.processElement(fact("k1#o1"), 30);
      latestWaiting = h.snapshot();
    }

    try (OperatorHarness<Either<String, Change<String>>, String> h =
        LATEST_WAITING.harness().on(backend).restore(latestWaiting)) {
      h.setProcessingTime(100);

      assertThat(lines(h.emitted())).containsExactly("TIMED_OUT k1#o1 @30");
    }
    assertThatThrownBy(() -> AS_OF_WAITING.harness().on(backend).restore(latestWaiting).close())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("written by a latest join (DimensionJoin.latest) and holds facts");
  }

  /**
   * What the refusal advises: a drained stop ends the input (final watermark, {@code finish()}),
   * the waiting facts leave as timed out, and the savepoint written after restores into either
   * variant.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void afterADrain_waitingFactsHaveLeft_andTheSwitchRestores(StateBackendKind backend)
      throws Exception {
    for (JoinMode[] fromTo :
        new JoinMode[][] {{LATEST_WAITING, AS_OF_WAITING}, {AS_OF_WAITING, LATEST_WAITING}}) {
      OperatorSubtaskState drained;
      try (OperatorHarness<Either<String, Change<String>>, String> h =
          fromTo[0].harness().on(backend).open()) {
        h.run(WAITING);
        h.processWatermark(Long.MAX_VALUE);
        h.unwrap().getOperator().finish();

        assertThat(lines(h.emitted())).containsExactly("TIMED_OUT k1#o1 @15");
        drained = h.savepoint();
      }
      try (OperatorHarness<Either<String, Change<String>>, String> h =
          fromTo[1].harness().on(backend.other()).restore(drained)) {
        h.processElement(row(Change.insert("k1#v1")), 30);
        h.processElement(fact("k1#o2"), 31);
        h.processWatermark(40);

        assertThat(lines(h.emitted())).containsExactly("FOUND k1#o2 k1#v1 @31");
      }
    }
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("backendsAndTransfers")
  void sameVariant_restoresItsWaitingFacts(StateBackendKind backend, Transfer transfer)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        switched(LATEST_WAITING, LATEST_WAITING, WAITING, backend, transfer)) {
      h.processElement(row(Change.insert("k1#v1")), 30);

      assertThat(lines(h.emitted())).containsExactly("FOUND_AFTER_WAIT k1#o1 k1#v1 @15");
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        switched(AS_OF_WAITING, AS_OF_WAITING, WAITING, backend, transfer)) {
      h.processWatermark(30);

      assertThat(lines(h.emitted())).containsExactly("TIMED_OUT k1#o1 @15");
    }
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("backendsAndTransfers")
  void otherVariantWithoutRows_restores(StateBackendKind backend, Transfer transfer)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        switched(AS_OF, LATEST, NO_ROWS, backend, transfer)) {
      h.processElement(row(Change.insert("k1#v2")), 30);
      h.processElement(fact("k1#o2"), 31);

      assertThat(lines(h.emitted())).containsExactly("FOUND k1#o2 k1#v2 @31");
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        switched(LATEST, AS_OF, NO_ROWS, backend, transfer)) {
      h.processElement(row(Change.insert("k1#v2")), 30);
      h.processElement(fact("k1#o2"), 31);
      h.processWatermark(40);

      assertThat(lines(h.emitted())).containsExactly("FOUND k1#o2 k1#v2 @31");
    }
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("backendsAndTransfers")
  void sameVariant_restoresItsRows(StateBackendKind backend, Transfer transfer) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        switched(LATEST, LATEST, ROWS, backend, transfer)) {
      h.processElement(fact("k1#o1"), 30);
      h.processElement(fact("k2#o2"), 31);

      assertThat(lines(h.emitted())).containsExactly("FOUND k1#o1 k1#v1 @30", "DELETED k2#o2 @31");
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        switched(AS_OF, AS_OF, ROWS, backend, transfer)) {
      h.processElement(fact("k1#o1"), 30);
      h.processElement(fact("k2#o2"), 31);
      h.processWatermark(40);

      assertThat(lines(h.emitted())).containsExactly("FOUND k1#o1 k1#v1 @30", "DELETED k2#o2 @31");
    }
  }

  /** The committed snapshot files of each variant, formats 1 to 3, restored into the other. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void storedSnapshotsOfTheOtherVariant_fail(StateBackendKind backend) throws Exception {
    assumeFalse(SavepointCompatibility.isWriting()); // reads committed files, writes none
    SavepointCompatibility files = DimensionJoinSavepointCompatibilityTest.SNAPSHOTS;
    KeyedHarness<Object, Either<String, Change<String>>, String> latest =
        DimensionJoinSavepointCompatibilityTest.LATEST.harness().on(backend);
    KeyedHarness<Object, Either<String, Change<String>>, String> asOf =
        DimensionJoinSavepointCompatibilityTest.AS_OF.harness().on(backend);
    for (int version = 1; version <= 3; version++) {
      OperatorSubtaskState ofLatest =
          SnapshotFiles.read(
              files.file(DimensionJoinSavepointCompatibilityTest.LATEST_FILE, version, backend));
      OperatorSubtaskState ofAsOf =
          SnapshotFiles.read(
              files.file(DimensionJoinSavepointCompatibilityTest.AS_OF_FILE, version, backend));

      assertThatThrownBy(() -> asOf.restore(ofLatest).close())
          .as("latest v%d into asOf", version)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("holds its state 'join-row'");
      assertThatThrownBy(() -> latest.restore(ofAsOf).close())
          .as("asOf v%d into latest", version)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("holds its state 'join-versions'");
    }
  }

  /** The state of {@code from} after {@code script}, restored into {@code to}. */
  private static OperatorHarness<Either<String, Change<String>>, String> switched(
      JoinMode from,
      JoinMode to,
      HarnessInput<Either<String, Change<String>>> script,
      StateBackendKind backend,
      Transfer transfer)
      throws Exception {
    OperatorSubtaskState state;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        transfer.writer(from, backend).open()) {
      h.run(script);
      state = transfer.take(h);
    }
    return transfer.reader(to, backend).restore(state);
  }

  static Stream<Arguments> backendsAndTransfers() {
    return Stream.of(StateBackendKind.values())
        .flatMap(b -> Stream.of(Transfer.values()).map(t -> Arguments.of(b, t)));
  }

  /** How the state travels from the step before the switch to the step after it. */
  enum Transfer {
    /** A checkpoint restored on the same backend. */
    CHECKPOINT,
    /** A canonical savepoint restored on the other backend. */
    SAVEPOINT_ONTO_OTHER_BACKEND,
    /** A checkpoint under the state changelog over the backend, restored the same way. */
    STATE_CHANGELOG;

    KeyedHarness<Object, Either<String, Change<String>>, String> writer(
        JoinMode mode, StateBackendKind backend) {
      KeyedHarness<Object, Either<String, Change<String>>, String> recipe =
          mode.harness().on(backend);
      return this == STATE_CHANGELOG ? recipe.withStateChangelog() : recipe;
    }

    KeyedHarness<Object, Either<String, Change<String>>, String> reader(
        JoinMode mode, StateBackendKind backend) {
      return writer(mode, this == SAVEPOINT_ONTO_OTHER_BACKEND ? backend.other() : backend);
    }

    OperatorSubtaskState take(OperatorHarness<?, ?> h) throws Exception {
      return this == SAVEPOINT_ONTO_OTHER_BACKEND ? h.savepoint() : h.snapshot();
    }
  }
}
