package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.REJECTED_CUSTOMERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.REJECTED_STRINGS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.checker;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.show;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stringCheck;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SavepointCompatibility;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The committed snapshot files of the normalize steps restore into today's operators, which
 * continue from them: format 1 of every step; format 2 of the row state (which records the layout)
 * of the versioned and projected ones; format 3 of the projected row state and format 2 of the full
 * changelog check, whose row hashes are keyed, with the key in operator state (formats 1 and 2 of
 * those hold unkeyed legacy hashes). Write files only for a new operator or format version, running
 * only its tests: {@code ./mvnw -pl etl-operators test
 * -Dtest='NormalizeSavepointCompatibilityTest#*V3' -Detlkit.snapshots.write=true}.
 */
class NormalizeSavepointCompatibilityTest {

  static final SavepointCompatibility SNAPSHOTS =
      SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY);

  /** k1 live at v2, k2 deleted, k3 live. */
  private static final HarnessInput<Change<String>> STRING_STATE =
      HarnessInput.<Change<String>>builder()
          .element(Change.insert("k1#v1").withSourcePosition(1), 10)
          .element(Change.insert("k2#v1").withSourcePosition(2), 20)
          .element(Change.updateAfter("k1#v2").withSourcePosition(3), 30)
          .element(Change.delete("k2#").withSourcePosition(4), 40)
          .element(Change.insert("k3#v1").withSourcePosition(5), 50)
          .build();

  static final Customer ADA = new Customer("c1", "Ada", "ada@one", 3);
  static final Customer BOB = new Customer("c2", "Bob", "bob@one", 2);

  /** c1 live as {@link #ADA}, c2 as {@link #BOB}, c3 deleted at version 9. */
  static final HarnessInput<Change<Customer>> CUSTOMER_STATE =
      HarnessInput.<Change<Customer>>builder()
          .element(Change.insert(new Customer("c1", "Ada", "ada@zero", 1)), 10)
          .element(Change.updateAfter(ADA), 20)
          .element(Change.insert(BOB), 30)
          .element(Change.delete(new Customer("c3", null, null, 9)), 40) // unknown: kept deleted
          .build();

  /** k1 live as k1#v1, k2 waiting for its +U. */
  static final HarnessInput<Change<String>> CHECK_STATE =
      HarnessInput.<Change<String>>builder()
          .element(Change.insert("k1#v1"), 10)
          .element(Change.insert("k2#v1"), 20)
          .element(Change.updateBefore("k2#v1"), 30)
          .build();

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void upserts_restoresLiveRows(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        SNAPSHOTS.restore(
            "normalize-upserts",
            1,
            normalizer(strings(), Types.STRING, null).recipe.on(backend),
            STRING_STATE)) {
      harness.processElement(Change.updateAfter("k1#v2"), 60); // no-op against restored k1
      harness.processElement(Change.updateAfter("k1#v3"), 61);
      harness.processElement(Change.updateAfter("k2#v2"), 62); // k2 was deleted
      harness.processElement(Change.delete("k3#"), 63);

      assertThat(show(harness.output()))
          .containsExactly("-U[k1#v2]", "+U[k1#v3]", "+I[k2#v2]", "-D[k3#v1]");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void versioned_restoresRowsAndSequencesOfLiveAndDeletedKeys(StateBackendKind backend)
      throws Exception {
    versionedRestores(1, backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void versioned_restoresRowsAndSequencesOfLiveAndDeletedKeysV2(StateBackendKind backend)
      throws Exception {
    versionedRestores(2, backend);
  }

  private static void versionedRestores(int formatVersion, StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        SNAPSHOTS.restore(
            "normalize-versioned",
            formatVersion,
            normalizer(strings().withSequence(ChangeSequence.sourcePosition()), Types.STRING, null)
                .recipe
                .on(backend),
            STRING_STATE)) {
      harness.processElement(Change.updateAfter("k1#v0").withSourcePosition(2), 60); // stale
      harness.processElement(Change.updateAfter("k2#v0").withSourcePosition(3), 61); // stale
      harness.processElement(Change.updateAfter("k1#v3").withSourcePosition(6), 62);
      harness.processElement(Change.insert("k2#v2").withSourcePosition(7), 63);

      assertThat(show(harness.output()))
          .containsExactly("-U[k1#v2] pos=6", "+U[k1#v3] pos=6", "+I[k2#v2] pos=7");
      assertThat(show(harness.sideOutput(REJECTED_STRINGS)))
          .containsExactly("+U[k1#v0] pos=2", "+U[k2#v0] pos=3");
    }
  }

  /**
   * With {@code withDeleteRetention}: the deadline of k2's pending removal (state {@code
   * delete-deadline}) and its processing-time timer.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void versionedWithDeleteRetention_restoresThePendingRemoval(StateBackendKind backend)
      throws Exception {
    Duration retention = Duration.ofMinutes(1);
    NormalizeHarnesses.Normalizer<String, String> normalize =
        normalizer(
            strings().withSequence(ChangeSequence.sourcePosition()).withDeleteRetention(retention),
            Types.STRING,
            null);
    try (OperatorHarness<Change<String>, Change<String>> harness =
        SNAPSHOTS.restore(
            "normalize-versioned-retention", 1, normalize.recipe.on(backend), STRING_STATE)) {
      harness.setProcessingTime(retention.toMillis() - 1);
      harness.processElement(Change.updateAfter("k2#v0").withSourcePosition(3), 60); // stale
      harness.setProcessingTime(retention.toMillis()); // k2's marker is removed
      harness.processElement(Change.updateAfter("k2#v0").withSourcePosition(3), 61); // new

      assertThat(show(harness.output())).containsExactly("+I[k2#v0] pos=3");
      assertThat(show(harness.sideOutput(REJECTED_STRINGS))).containsExactly("+U[k2#v0] pos=3");
      assertThat(normalize.function().deleteMarkersRemovedCount()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void projected_restoresProjectionHashAndSequence(StateBackendKind backend) throws Exception {
    projectedRestores(1, backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void projected_restoresProjectionHashAndSequenceV2(StateBackendKind backend) throws Exception {
    projectedRestores(2, backend);
  }

  /** Keyed row hashes, and the key in operator state. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void projected_restoresProjectionHashAndSequenceV3(StateBackendKind backend) throws Exception {
    projectedRestores(3, backend);
  }

  private static void projectedRestores(int formatVersion, StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
        SNAPSHOTS.restore(
            "normalize-projected",
            formatVersion,
            normalizer(projected(true), Customer.TYPE, null).recipe.on(backend),
            CUSTOMER_STATE)) {
      harness.processElement(Change.updateAfter(ADA), 60); // same row, same version: duplicate
      harness.processElement(Change.updateAfter(new Customer("c1", "Ada", "ada@two", 4)), 61);
      harness.processElement(Change.insert(new Customer("c3", "Cy", "cy@one", 8)), 62); // stale
      harness.processElement(Change.delete(new Customer("c2", null, null, 5)), 63);

      assertThat(harness.output())
          .containsExactly(
              Change.updateBefore(new Customer("c1", null, "ada@one", 0)),
              Change.updateAfter(new Customer("c1", "Ada", "ada@two", 4)),
              Change.delete(new Customer("c2", null, "bob@one", 0)));
      assertThat(harness.sideOutput(REJECTED_CUSTOMERS))
          .as("c1's same row at its version is a duplicate, c3's insert is stale")
          .containsExactly(Change.insert(new Customer("c3", "Cy", "cy@one", 8)));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void switchingMode_plainStateIntoVersionedStep_isRefusedAtRestore(StateBackendKind backend) {
    assumeFalse(SavepointCompatibility.isWriting()); // would overwrite the plain file
    KeyedHarness<String, Change<String>, Change<String>> versioned =
        normalizer(strings().withSequence(ChangeSequence.sourcePosition()), Types.STRING, null)
            .recipe
            .on(backend);

    assertThatThrownBy(() -> SNAPSHOTS.restore("normalize-upserts", 1, versioned, STRING_STATE))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("state layout changed incompatibly");
  }

  /**
   * Format 1 did not record the layout, so state of projected rows with a sequence restores into a
   * step without one; the step then fails on the first restored entry it reads instead of dropping
   * the sequences.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void projectedV1_restoredWithoutSequence_failsOnItsFirstRestoredKey(StateBackendKind backend)
      throws Exception {
    assumeFalse(SavepointCompatibility.isWriting()); // would overwrite the format 1 file
    try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
        SNAPSHOTS.restore(
            "normalize-projected",
            1,
            normalizer(projected(false), Customer.TYPE, null).recipe.on(backend),
            CUSTOMER_STATE)) {
      harness.processElement(Change.insert(new Customer("c9", "Di", "di@one", 1)), 60); // new key

      assertThatThrownBy(() -> harness.processElement(Change.updateAfter(ADA), 61))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("an entry with a sequence and a row hash")
          .hasMessageContaining("in a step keeping projected rows without a sequence");
      assertThat(harness.output())
          .containsExactly(Change.insert(new Customer("c9", "Di", "di@one", 1)));
    }
  }

  /** Restored into its own layout, format 1 state is snapshotted with the layout recorded. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void projectedV1_restoredIntoItsLayout_isSnapshottedWithTheLayout(StateBackendKind backend)
      throws Exception {
    assumeFalse(SavepointCompatibility.isWriting()); // would overwrite the format 1 file
    OperatorSubtaskState upgraded;
    try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
        SNAPSHOTS.restore(
            "normalize-projected",
            1,
            normalizer(projected(true), Customer.TYPE, null).recipe.on(backend),
            CUSTOMER_STATE)) {
      upgraded = harness.snapshot();
    }
    KeyedHarness<String, Change<Customer>, Change<Customer>> unversioned =
        normalizer(projected(false), Customer.TYPE, null).recipe.on(backend);

    assertThatThrownBy(() -> unversioned.restore(upgraded).close())
        .hasStackTraceContaining("must not be incompatible");
  }

  /** The projected normalizer of customers, with or without their version as its sequence. */
  static UpsertNormalize<Customer, String> projected(boolean versioned) {
    UpsertNormalize<Customer, String> spec =
        Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
            .withProjectedState(CustomerKey::of, CustomerKey.TYPE, CustomerKey::toCustomer);
    return versioned ? spec.withSequence(change -> change.value().version()) : spec;
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void changelogCheck_restoresLivenessAndRowHashes(StateBackendKind backend) throws Exception {
    changelogCheckRestores(1, backend);
  }

  /** Keyed row hashes, and the key in operator state. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void changelogCheck_restoresLivenessAndRowHashesV2(StateBackendKind backend) throws Exception {
    changelogCheckRestores(2, backend);
  }

  /** The sample the statuses are kept for, in operator state ({@code status-sample}). */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void changelogCheck_restoresLivenessRowHashesAndTheSampleV3(StateBackendKind backend)
      throws Exception {
    changelogCheckRestores(3, backend);
  }

  private static void changelogCheckRestores(int formatVersion, StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        SNAPSHOTS.restore(
            "changelog-check",
            formatVersion,
            checker(stringCheck().withFullChangelog(), Types.STRING, null).recipe.on(backend),
            CHECK_STATE)) {
      harness.processElement(Change.updateBefore("k1#v0"), 60); // not the live row
      harness.processElement(Change.delete("k1#v1"), 61);
      harness.processElement(Change.insert("k2#v2"), 62); // k2 waited for its +U

      assertThat(show(harness.output())).containsExactly("-D[k1#v1]");
      assertThat(harness.sideOutput(DEAD_LETTERS))
          .extracting(DeadLetter::errorMessage)
          .containsExactly(
              "retraction does not carry the live row of its key (full changelog)",
              "UPDATE_BEFORE not followed by its UPDATE_AFTER: the key's next change is INSERT");
    }
  }

  /**
   * Projected state without a sequence, written before keyed hashes (by d2a463e's step with {@link
   * #CUSTOMER_STATE}): its unkeyed hashes are not trusted, so the restored row arriving again is
   * taken for a change once (an update that changes nothing), and recognised from then on by its
   * keyed hash.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void projectedUnversioned_unkeyedHashesOfAnEarlierEtlkit_areNotTrusted(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
        SNAPSHOTS.restore(
            "normalize-projected-unversioned",
            1,
            normalizer(projected(false), Customer.TYPE, null).recipe.on(backend),
            CUSTOMER_STATE)) {
      harness.processElement(Change.updateAfter(ADA), 60); // identical, unkeyed hash: an update
      harness.processElement(Change.updateAfter(ADA), 61); // now keyed: a no-op
      harness.processElement(Change.updateAfter(new Customer("c2", "Bob", "bob@two", 2)), 62);

      assertThat(harness.output())
          .containsExactly(
              Change.updateBefore(new Customer("c1", null, "ada@one", 0)),
              Change.updateAfter(ADA),
              Change.updateBefore(new Customer("c2", null, "bob@one", 0)),
              Change.updateAfter(new Customer("c2", "Bob", "bob@two", 2)));
    }
  }
}
