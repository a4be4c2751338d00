package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Brief.day;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The SCD2 step's behaviour per option, in the harness on heap and RocksDB. */
class Scd2Test {

  static final TypeInformation<Change<Customer>> CHANGES = Change.typeInfo(Customer.TYPE);

  /** Customers by updatedAt; segment is tracked, updatedAt is not; a 10-day horizon. */
  static Scd2Step<Change<Customer>, Customer> customers() {
    return Scd2.trackChangelog("customers", Customer::id, EffectiveTime.field(Customer::updatedAt))
        .withChangeDetection(ChangeDetection.allExcept("updatedAt"))
        .withLatenessHorizon(Duration.ofDays(10));
  }

  static OperatorHarness<Change<Customer>, Change<Scd2Row<Customer>>> open(
      Scd2Harnesses.Recipe<Change<Customer>, Customer> recipe, StateBackendKind backend)
      throws Exception {
    return recipe.open(backend);
  }

  static void checkInvariants(
      List<Change<Scd2Row<Customer>>> output, HardDeletes deletes, Scd2Output mode) {
    Scd2Invariants.of(deletes, mode, null).check(Scd2Invariants.materialize(output).values());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retract_changeOfTrackedColumn_closesTheVersionAndOpensTheNext(StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(customers(), CHANGES);
    try (var h = open(recipe, backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 3)));

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d3) retail/555",
              "+I c1 v2 [d3,) current vip/555");
      StepMetrics metrics = recipe.function().stepMetrics();
      assertThat(metrics.outCount()).isEqualTo(2);
      assertThat(metrics.emittedCount()).isEqualTo(4);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void redeliveryAndUntrackedChange_openNothing_andCountAsDeduplicated(StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(customers(), CHANGES);
    try (var h = open(recipe, backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.insert(customer("c1", "retail", "555", 1))); // redelivery
      h.processElement(Change.updateAfter(customer("c1", "retail", "555", 2))); // only updatedAt

      assertThat(brief(h.output())).containsExactly("+I c1 v1 [d1,) current retail/555");
      assertThat(recipe.function().stepMetrics().deduplicatedCount()).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void type1Column_changeOverwritesTheVersionInForce(StateBackendKind backend) throws Exception {
    var recipe = Scd2Harnesses.of(customers().withType1Columns("phone"), CHANGES);
    try (var h = open(recipe, backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "retail", "777", 2)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "777", 4)));

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,) current retail/777",
              "-U c1 v1 [d1,) current retail/777",
              "+U c1 v1 [d1,d4) retail/777",
              "+I c1 v2 [d4,) current vip/777");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void upsertOutput_emitsNoUpdateBefores(StateBackendKind backend) throws Exception {
    var recipe = Scd2Harnesses.of(customers().withOutput(Scd2Output.UPSERT), CHANGES);
    try (var h = open(recipe, backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 3)));
      h.processElement(Change.updateAfter(customer("c1", "gold", "555", 2))); // late, spliced

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d3) retail/555",
              "+I c1 v2 [d3,) current vip/555",
              "+U c1 v1 [d1,d2) retail/555",
              "+U c1 v3 [d3,) current vip/555",
              "+I c1 v2 [d2,d3) gold/555");
      checkInvariants(h.output(), HardDeletes.INVALIDATE, Scd2Output.UPSERT);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void appendOutput_emitsEachVersionOnceWhenNoChangeCanAlterIt(StateBackendKind backend)
      throws Exception {
    var recipe =
        Scd2Harnesses.of(
            customers().withOutput(Scd2Output.APPEND).withLatenessHorizon(Duration.ofDays(2)),
            CHANGES);
    try (var h = open(recipe, backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 3)));
      h.processElement(Change.updateAfter(customer("c1", "gold", "555", 5)));
      assertThat(h.output()).as("d3 is within 2 days of d5: v1 can still change").isEmpty();

      h.processElement(Change.updateAfter(customer("c1", "gold", "555", 6))); // no-op, time moves
      assertThat(brief(h.output())).containsExactly("+I c1 v1 [d1,d3) retail/555");

      h.processElement(Change.updateAfter(customer("c1", "basic", "555", 9)));
      assertThat(brief(h.output()))
          .containsExactly("+I c1 v1 [d1,d3) retail/555", "+I c1 v2 [d3,d5) vip/555");
      checkInvariants(h.output(), HardDeletes.INVALIDATE, Scd2Output.APPEND);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void hardDeletes_ignore_keepsTheVersionCurrent(StateBackendKind backend) throws Exception {
    var recipe = Scd2Harnesses.of(customers().withHardDeletes(HardDeletes.IGNORE), CHANGES);
    try (var h = open(recipe, backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));

      assertThat(brief(h.output())).containsExactly("+I c1 v1 [d1,) current retail/555");
      assertThat(recipe.function().stepMetrics().filteredCount()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void hardDeletes_invalidate_closesTheVersion_andAReinsertOpensANewOne(StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(customers(), CHANGES);
    try (var h = open(recipe, backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2))); // redelivered delete
      h.processElement(Change.insert(customer("c1", "retail", "555", 4)));

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d2) retail/555",
              "+I c1 v2 [d4,) current retail/555");
      checkInvariants(h.output(), HardDeletes.INVALIDATE, Scd2Output.RETRACT);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void hardDeletes_newRecord_opensADeleteMarker(StateBackendKind backend) throws Exception {
    var recipe = Scd2Harnesses.of(customers().withHardDeletes(HardDeletes.NEW_RECORD), CHANGES);
    try (var h = open(recipe, backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      h.processElement(Change.insert(customer("c1", "vip", "555", 4)));

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d2) retail/555",
              "+I c1 v2 [d2,) current deleted retail/555",
              "-U c1 v2 [d2,) current deleted retail/555",
              "+U c1 v2 [d2,d4) deleted retail/555",
              "+I c1 v3 [d4,) current vip/555");
      checkInvariants(h.output(), HardDeletes.NEW_RECORD, Scd2Output.RETRACT);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void validToCurrent_sentinelIsWrittenForCurrentVersions(StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(customers().withValidToCurrent(Scd2.END_OF_TIME), CHANGES);
    try (var h = open(recipe, backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 3)));

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,END) current retail/555",
              "-U c1 v1 [d1,END) current retail/555",
              "+U c1 v1 [d1,d3) retail/555",
              "+I c1 v2 [d3,END) current vip/555");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void lateChange_goesToTheSideOutput_andIsCounted(StateBackendKind backend) throws Exception {
    var recipe = Scd2Harnesses.of(customers().withLatenessHorizon(Duration.ofDays(1)), CHANGES);
    Change<Customer> late = Change.updateAfter(customer("c1", "gold", "555", 1));
    try (var h = open(recipe, backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 2)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 3)));
      h.processElement(late); // 2 days before d3

      assertThat(h.sideOutput(Scd2Harnesses.lateTag(CHANGES))).containsExactly(late);
      assertThat(h.output()).hasSize(4);
      assertThat(recipe.function().lateCount()).isEqualTo(1);
      assertThat(recipe.function().stepMetrics().filteredCount()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void lateChange_toDeadLetters_namesTheTimesNotTheContents(StateBackendKind backend)
      throws Exception {
    var recipe =
        Scd2Harnesses.of(
            customers()
                .withLatenessHorizon(Duration.ofDays(1))
                .withLateChanges(LateChanges.DEAD_LETTER),
            CHANGES);
    try (var h = open(recipe, backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 3)));
      h.processElement(Change.updateAfter(customer("c1", "secret-marker", "555", 1)));

      List<DeadLetter> letters = h.sideOutput(Scd2Harnesses.DEAD_LETTERS);
      assertThat(letters).hasSize(1);
      assertThat(letters.get(0).errorClass()).isEqualTo(LateChangeException.class.getName());
      assertThat(letters.get(0).errorMessage())
          .isEqualTo(
              "change is late: its effective time 2024-01-01T00:00:00Z is before the key's latest"
                  + " effective time 2024-01-03T00:00:00Z minus the lateness horizon PT24H")
          .doesNotContain("secret-marker");
      assertThat(recipe.function().stepMetrics().deadLetteredCount()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void equalEffectiveTimes_byArrival_theLastOneWins(StateBackendKind backend) throws Exception {
    var recipe = Scd2Harnesses.of(customers(), CHANGES);
    try (var h = open(recipe, backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 3)));
      h.processElement(Change.updateAfter(customer("c1", "gold", "555", 3)));

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d3) retail/555",
              "+I c1 v2 [d3,) current vip/555",
              "-U c1 v2 [d3,) current vip/555",
              "+U c1 v2 [d3,) current gold/555");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void equalEffectiveTimes_bySourcePosition_theHigherPositionWins(StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(customers().withTieBreak(TieBreak.sourcePosition()), CHANGES);
    try (var h = open(recipe, backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)).withSourcePosition(1));
      h.processElement(Change.updateAfter(customer("c1", "gold", "555", 3)).withSourcePosition(3));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 3)).withSourcePosition(2));

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d3) retail/555",
              "+I c1 v2 [d3,) current gold/555");
      assertThat(recipe.function().stepMetrics().deduplicatedCount()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void updateBefores_areSkipped(StateBackendKind backend) throws Exception {
    var recipe = Scd2Harnesses.of(customers(), CHANGES);
    try (var h = open(recipe, backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateBefore(customer("c1", "retail", "555", 1)));

      assertThat(h.output()).hasSize(1);
      assertThat(recipe.function().stepMetrics().filteredCount()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void rows_recordTimestamp_trackTheRowsHistory(StateBackendKind backend) throws Exception {
    var recipe =
        Scd2Harnesses.of(
            Scd2.trackRows("customers", Customer::id, EffectiveTime.<Customer>recordTimestamp())
                .withChangeDetection(ChangeDetection.only("segment")),
            Customer.TYPE);
    try (var h = recipe.open(backend)) {
      h.processElement(customer("c1", "retail", "555", 9), day(1).toEpochMilli());
      h.processElement(customer("c1", "vip", "555", 9), day(2).toEpochMilli());

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d2) retail/555",
              "+I c1 v2 [d2,) current vip/555");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void processingTime_ordersByArrival_andAClockGoingBackIsATie(StateBackendKind backend)
      throws Exception {
    var recipe =
        Scd2Harnesses.of(
            Scd2.trackRows("customers", Customer::id, EffectiveTime.<Customer>processingTime())
                .withChangeDetection(ChangeDetection.only("segment")),
            Customer.TYPE);
    try (var h = recipe.open(backend)) {
      h.setProcessingTime(day(1).toEpochMilli());
      h.processElement(customer("c1", "retail", "555", 9));
      h.setProcessingTime(day(2).toEpochMilli());
      h.processElement(customer("c1", "vip", "555", 9));
      h.processElement(customer("c1", "gold", "555", 9)); // same millisecond: replaces vip

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d2) retail/555",
              "+I c1 v2 [d2,) current vip/555",
              "-U c1 v2 [d2,) current vip/555",
              "+U c1 v2 [d2,) current gold/555");
    }
  }
}
