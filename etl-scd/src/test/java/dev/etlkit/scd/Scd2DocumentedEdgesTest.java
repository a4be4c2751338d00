package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Brief.day;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Edges of the SCD2 semantics that the differential test against {@link Scd2IndependentModel}
 * showed to be decisions docs/scd2.md did not state (now stated there), each on heap and RocksDB.
 */
class Scd2DocumentedEdgesTest {

  static final TypeInformation<Change<Customer>> CHANGES = Scd2Test.CHANGES;

  /** A customer with a boxed version column, for sequence tie-breaks. */
  public record Versioned(String id, @Nullable String segment, @Nullable Long version) {}

  /** A customer whose columns are an array and a nested array. */
  public record Tagged(String id, String[] tags, int[][] grid, Instant at) {}

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void ignoredDeletesAndUpdateBefores_areDroppedBeforeTheirTimeIsRead_andMoveNothing(
      StateBackendKind backend) throws Exception {
    var recipe =
        Scd2Harnesses.of(Scd2Test.customers().withHardDeletes(HardDeletes.IGNORE), CHANGES);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 20)));
      h.processElement(Change.delete(new Customer("c1", null, null, null))); // no time
      h.processElement(Change.delete(customer("c1", "retail", "555", 1))); // beyond the horizon
      h.processElement(Change.updateBefore(customer("c1", "retail", "555", 1))); // likewise
      h.processElement(Change.updateBefore(new Customer("c1", null, null, null))); // no time
      h.processElement(Change.delete(customer("c1", "retail", "555", 31))); // would move latest
      h.processElement(Change.updateBefore(customer("c1", "retail", "555", 31))); // likewise
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 15))); // within d20 - 10d

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d20,) current retail/555",
              "-U c1 v1 [d20,) current retail/555",
              "+U c1 v2 [d20,) current retail/555",
              "+I c1 v1 [d15,d20) vip/555")
          .as("the late vip change is spliced in before d20, not sent away as late");
      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS)).isEmpty();
      assertThat(h.sideOutput(Scd2Harnesses.lateTag(CHANGES))).isEmpty();
      StepMetrics metrics = recipe.function().stepMetrics();
      assertThat(metrics.filteredCount()).isEqualTo(6);
      assertThat(recipe.function().lateCount()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keyOnlyDelete_withASequenceTieBreak_isReadForItsSequenceToo(StateBackendKind backend)
      throws Exception {
    TypeInformation<Change<Versioned>> changes =
        Change.typeInfo(TypeInformation.of(Versioned.class));
    var step =
        Scd2.trackChangelog("v", Versioned::id, EffectiveTime.<Versioned>changeEventTime())
            .withTieBreak(TieBreak.<Versioned>field(v -> v.version()));
    var recipe = Scd2Harnesses.of(step, changes);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(new Versioned("c1", "retail", 1L)).withEventTime(1));
      h.processElement(Change.delete(new Versioned("c1", null, null)).withEventTime(2));

      assertThat(h.output()).hasSize(1);
      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS))
          .singleElement()
          .satisfies(letter -> assertThat(letter.errorClass()).contains("NullPointerException"));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keyOnlyDelete_withAPrimitiveSequenceField_readsZero_andLosesATie(StateBackendKind backend)
      throws Exception {
    TypeInformation<Change<Scd2IndependentModel.Item>> changes =
        Change.typeInfo(TypeInformation.of(Scd2IndependentModel.Item.class));
    var step =
        Scd2.trackChangelog(
                "i",
                Scd2IndependentModel.Item::id,
                EffectiveTime.<Scd2IndependentModel.Item>changeEventTime())
            .withTieBreak(TieBreak.field(Scd2IndependentModel.Item::seq));
    var recipe = Scd2Harnesses.of(step, changes);
    try (var h = recipe.open(backend)) {
      h.processElement(
          Change.insert(new Scd2IndependentModel.Item("c1", "A", "1", "x", null, 5))
              .withEventTime(2));
      h.processElement(
          Change.delete(new Scd2IndependentModel.Item("c1", null, null, null, null, 0))
              .withEventTime(2)); // the tombstone of that instant, arriving after it

      assertThat(h.output()).hasSize(1);
      assertThat(h.output().get(0).value().isCurrent()).isTrue();
      assertThat(recipe.function().stepMetrics().deduplicatedCount()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void arraysCompareByElements_evenNested(StateBackendKind backend) throws Exception {
    var step = Scd2.trackRows("t", Tagged::id, EffectiveTime.field(Tagged::at));
    try (var h = Scd2Harnesses.of(step, TypeInformation.of(Tagged.class)).open(backend)) {
      h.processElement(tagged(1));
      h.processElement(tagged(1)); // an identical redelivery, new arrays: nothing
      h.processElement(tagged(2)); // at is tracked: closes v1, opens v2

      assertThat(h.output()).hasSize(4);
    }
    try (var h =
        Scd2Harnesses.of(
                step.withChangeDetection(ChangeDetection.allExcept("at")),
                TypeInformation.of(Tagged.class))
            .open(backend)) {
      h.processElement(tagged(1));
      h.processElement(tagged(1));
      h.processElement(tagged(2));

      assertThat(h.output()).hasSize(1);
    }
  }

  private static Tagged tagged(long at) {
    return new Tagged(
        "c1", new String[] {"a", "b"}, new int[][] {{1, 2}, {3}}, Instant.ofEpochMilli(at));
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void appendOutput_aChangeThatChangesNothing_emitsTheVersionsItMakesFinal_asDeduplicated(
      StateBackendKind backend) throws Exception {
    var recipe =
        Scd2Harnesses.of(
            Scd2Test.customers()
                .withOutput(Scd2Output.APPEND)
                .withLatenessHorizon(Duration.ofDays(2)),
            CHANGES);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 3)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 6))); // no-op, d3 final

      assertThat(brief(h.output())).containsExactly("+I c1 v1 [d1,d3) retail/555");
      StepMetrics metrics = recipe.function().stepMetrics();
      assertThat(metrics.outCount()).isEqualTo(2);
      assertThat(metrics.deduplicatedCount()).isEqualTo(1);
      assertThat(metrics.emittedCount()).isEqualTo(1);
    }
  }

  /**
   * Append output measures finality in the key's own effective time (docs/scd2.md, APPEND): a
   * deleted key that goes quiet keeps its last versions unemitted, however far other keys move on,
   * until a change of its own comes more than a horizon after them.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void appendOutput_deletedKeyGoingQuiet_emitsItsLastVersionsOnlyAtItsOwnLaterChange(
      StateBackendKind backend) throws Exception {
    var recipe =
        Scd2Harnesses.of(
            Scd2Test.customers()
                .withOutput(Scd2Output.APPEND)
                .withLatenessHorizon(Duration.ofDays(2)),
            CHANGES);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 3)));
      h.processElement(Change.delete(customer("c1", "vip", "555", 4)));
      h.processElement(Change.insert(customer("c2", "retail", "555", 20)));
      h.processElement(Change.updateAfter(customer("c2", "vip", "555", 28)));

      assertThat(h.output()).isEmpty(); // c2's one closed version is within its own horizon

      h.processElement(Change.insert(customer("c1", "retail", "777", 10))); // re-insert

      assertThat(brief(h.output()))
          .containsExactly("+I c1 v1 [d1,d3) retail/555", "+I c1 v2 [d3,d4) vip/555");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void lateType1Change_effectiveInsideAVersion_overwritesTheWholeVersion(StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(Scd2Test.customers().withType1Columns("phone"), CHANGES);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 5)));
      h.clearOutput();
      h.processElement(Change.updateAfter(customer("c1", "retail", "777", 3))); // late, Type 1

      assertThat(brief(h.output()))
          .containsExactly("-U c1 v1 [d1,d5) retail/555", "+U c1 v1 [d1,d5) retail/777");
      assertThat(h.output().get(1).value().validFrom()).isEqualTo(day(1));
      assertThat(List.of(h.output().get(1).value().value().updatedAt())).containsExactly(day(3));
    }
  }
}
