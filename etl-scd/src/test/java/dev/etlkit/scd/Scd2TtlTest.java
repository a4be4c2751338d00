package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Brief.day;
import static dev.etlkit.scd.Scd2Test.CHANGES;
import static dev.etlkit.scd.Scd2Test.customers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.scd.internal.KeyHistory;
import dev.etlkit.scd.internal.Scd2Operator;
import dev.etlkit.testkit.CutPointCheck;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * State TTL: a key whose state was not written for the TTL (processing time) is forgotten whole, by
 * its cleanup timer, and treated as never seen.
 */
class Scd2TtlTest {

  private static final Duration TTL = Duration.ofHours(1);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void expiredKey_startsItsHistoryAgainAtVersionOne(StateBackendKind backend) throws Exception {
    var recipe = Scd2Harnesses.of(customers(), CHANGES, TTL);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.setProcessingTime(TTL.toMillis() / 2);
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2))); // keeps it alive
      h.setProcessingTime(TTL.toMillis()); // the first cleanup timer: written since, kept
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isEqualTo(1);
      h.setProcessingTime(TTL.toMillis() / 2 + TTL.toMillis()); // no write for the TTL
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();
      assertThat(Scd2Harnesses.stateKeys(h, "changes")).isZero();
      h.processElement(Change.updateAfter(customer("c1", "gold", "555", 3)));

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d2) retail/555",
              "+I c1 v2 [d2,) current vip/555",
              "+I c1 v1 [d3,) current gold/555");
    }
  }

  /**
   * Append output emits a closed version once it is final (beyond the horizon of the key's latest
   * change). A key forgotten by its TTL before that can never change those versions any more: they
   * are emitted as the key is forgotten, as the delete retention does, instead of never.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_keyForgottenByItsTtl_emitsItsClosedVersionsFirst(StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(customers().withOutput(Scd2Output.APPEND), CHANGES, TTL);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)));
      h.processElement(Change.updateAfter(customer("c1", "gold", "555", 3)));
      assertThat(h.output()).as("within the 10-day horizon: not final").isEmpty();
      h.setProcessingTime(TTL.toMillis()); // no write for the TTL: forgotten

      assertThat(brief(h.output()))
          .containsExactly("+I c1 v1 [d1,d2) retail/555", "+I c1 v2 [d2,d3) vip/555");
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();
      assertThat(recipe.function().stepMetrics().emittedCount()).isEqualTo(2);
      h.processElement(Change.updateAfter(customer("c1", "basic", "555", 4)));
      assertThat(h.output()).as("a new history at version 1: nothing closed yet").hasSize(2);
    }
  }

  /**
   * Append output over generated changelogs (late, redelivered and tied changes, deletes and
   * re-inserts; horizons that prune and one that keeps every change, over 64 per key, in sealed
   * chunks) in two eras, the TTL passing after each: every key is forgotten twice, and each era's
   * output is exactly the closed versions of the reference history of that era's changes alone (a
   * forgotten key is one never seen), each once, whether a prune or the forgetting emitted it.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_generated_keysForgottenByTtl_emitEveryClosedVersionOnce(StateBackendKind backend)
      throws Exception {
    TypeInformation<Change<Account>> changes = Change.typeInfo(Account.TYPE);
    for (Scd2Variant spread : Scd2Variant.spread()) {
      if (spread.output() != Scd2Output.APPEND) {
        continue;
      }
      for (long horizon : new long[] {spread.horizonMillis(), 100_000L}) {
        Scd2Variant variant = spread.withHorizon(horizon);
        Scd2Variant retract =
            new Scd2Variant(
                Scd2Output.RETRACT,
                variant.deletes(),
                variant.detection(),
                variant.type1(),
                variant.bySourcePosition(),
                variant.horizonMillis(),
                variant.validToCurrent());
        for (long seed = 1; seed <= (backend == StateBackendKind.HEAP ? 8 : 2); seed++) {
          List<Change<Account>> delivered =
              Scd2Generator.messy().withKeys(2).withLength(300).generate(seed);
          List<List<Change<Account>>> eras =
              List.of(
                  delivered.subList(0, delivered.size() / 2),
                  delivered.subList(delivered.size() / 2, delivered.size()));
          var recipe = Scd2Harnesses.of(variant.step(), changes, TTL);
          try (var h = recipe.open(backend)) {
            int from = 0;
            for (int era = 0; era < eras.size(); era++) {
              h.run(Scd2Generator.script(eras.get(era)));
              h.setProcessingTime((era + 1) * TTL.toMillis());
              assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();

              Map<String, Scd2Row<Account>> closed = new LinkedHashMap<>();
              retract.expected(eras.get(era)).byVersion().entrySet().stream()
                  .filter(e -> !e.getValue().isCurrent())
                  .forEach(e -> closed.put(e.getKey(), e.getValue()));
              List<Change<Scd2Row<Account>>> emitted = h.output().subList(from, h.output().size());
              assertThat(Scd2Invariants.materialize(emitted))
                  .as("%s, seed %s, era %s", variant, seed, era)
                  .isEqualTo(closed);
              assertThat(emitted).as("each once").hasSize(closed.size()).isNotEmpty();
              from = h.output().size();
            }
            var metrics = recipe.function().stepMetrics();
            assertThat(metrics.emittedCount()).isEqualTo(h.output().size());
            assertThat(metrics.inCount())
                .as("accounting")
                .isEqualTo(delivered.size())
                .isEqualTo(
                    metrics.outCount()
                        + metrics.filteredCount()
                        + metrics.deduplicatedCount()
                        + metrics.deadLetteredCount());
          }
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void pipelineDefault_forgetsAKey_withoutAnOverride(StateBackendKind backend) throws Exception {
    var expanded = Scd2Harnesses.expanded(customers(), CHANGES, TTL);
    try (var h = expanded.harness().on(backend).open()) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.setProcessingTime(TTL.toMillis()); // the pipeline default has passed

      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();
    }
    assertThat(expanded.inventory().entries().get(0).state().ttl()).contains(TTL);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void zeroOverride_keepsAKeyPastThePipelineDefault_andListsNoTtl(StateBackendKind backend)
      throws Exception {
    var expanded = Scd2Harnesses.expanded(customers().withStateTtl(Duration.ZERO), CHANGES, TTL);
    try (var h = expanded.harness().on(backend).open()) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.setProcessingTime(10 * TTL.toMillis()); // ten pipeline defaults later
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)));

      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isEqualTo(1);
      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d2) retail/555",
              "+I c1 v2 [d2,) current vip/555");
    }
    assertThat(expanded.inventory().entries())
        .allSatisfy(e -> assertThat(e.state().ttl()).as(e.state().name()).isEmpty());
  }

  /** A TTL so long that now + TTL overflows: the key is never forgotten, not at once. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void ttlWhoseEndOverflows_neverExpires(StateBackendKind backend) throws Exception {
    Duration forever = Duration.ofMillis(Long.MAX_VALUE - 1_000);
    var recipe = Scd2Harnesses.of(customers(), CHANGES, forever);
    try (var h = recipe.open(backend)) {
      h.setProcessingTime(10_000);
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.setProcessingTime(20_000);
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isEqualTo(1);
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)));

      assertThat(brief(h.output())).hasSize(4).last().isEqualTo("+I c1 v2 [d2,) current vip/555");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_atCutPoints_keepsCleanupTimersAndTheirClock(StateBackendKind backend) {
    HarnessInput<Change<Customer>> script =
        HarnessInput.<Change<Customer>>builder()
            .element(Change.insert(customer("c1", "retail", "555", 1)))
            .element(Change.insert(customer("c2", "retail", "555", 1)))
            .advanceProcessingTime(TTL.toMillis() / 2)
            .element(Change.updateAfter(customer("c1", "vip", "555", 2)))
            .advanceProcessingTime(TTL.toMillis() * 3 / 4) // c2 expires
            .element(Change.updateAfter(customer("c2", "vip", "555", 2)))
            .element(Change.updateAfter(customer("c1", "gold", "555", 3)))
            .advanceProcessingTime(TTL.toMillis() * 2) // both expire
            .element(Change.updateAfter(customer("c1", "basic", "555", 4)))
            .build();
    CutPointCheck<Change<Customer>, Change<Scd2Row<Customer>>> check =
        CutPointCheck.of(Scd2Harnesses.of(customers(), CHANGES, TTL).harness().on(backend), script)
            .withEndOfInput()
            .withPerKeyOrder();
    if (backend == StateBackendKind.ROCKSDB) {
      check = check.withSampledCutPoints(4, 1L); // a RocksDB restore costs about 0.2 s
    }
    check.verify();
  }

  /** A key with a sealed chunk of kept changes: expiry forgets the chunk with the cursor. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void expiredKey_forgetsItsChunksOfKeptChanges(StateBackendKind backend) throws Exception {
    var recipe = Scd2Harnesses.of(customers(), CHANGES, TTL);
    try (var h = recipe.open(backend)) {
      // hourly, within the 10-day horizon: more than a chunk on either backend (8 on RocksDB, 32
      // on the heap) is kept, so one is sealed
      for (int hour = 1; hour <= KeyHistory.HEAP_CHUNK_SIZE + 2; hour++) {
        Instant at = day(1).plus(Duration.ofHours(hour));
        h.processElement(Change.updateAfter(new Customer("c1", "s" + hour, "555", at)));
      }
      assertThat(Scd2Harnesses.stateKeys(h, "chunks")).isEqualTo(1);
      h.setProcessingTime(TTL.toMillis() + 1);
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();
      assertThat(Scd2Harnesses.stateKeys(h, "chunks")).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keyWrittenWithinTheTtl_keepsItsHistoryAndSplicesLateChanges(StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(customers(), CHANGES, TTL);
    try (var h = recipe.open(backend)) {
      for (int day = 1; day <= 5; day++) {
        h.setProcessingTime(day * TTL.toMillis() / 2);
        h.processElement(Change.updateAfter(customer("c1", "s" + day, "555", day)));
      }
      h.processElement(Change.updateAfter(customer("c1", "s4", "555", 3))); // late, spliced

      var table = Scd2Invariants.materialize(h.output());
      Scd2Invariants.of(HardDeletes.INVALIDATE, Scd2Output.RETRACT, null).check(table.values());
      assertThat(table).hasSize(4); // s1, s2, s4 from d3 (merged with d4), s5
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isEqualTo(1); // its kept changes in it
      assertThat(Scd2Harnesses.stateKeys(h, "changes")).isZero();
    }
  }

  /**
   * TTL switched on at a restore (a supported change): keys restored without a cleanup timer get
   * one for the TTL after the restore, so a key nobody writes again is forgotten too, as Flink's
   * own TTL does with state restored without one.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void ttlSwitchedOnAtARestore_idleKeysAreForgottenATtlAfterIt(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState withoutTtl;
    try (var h = Scd2Harnesses.of(customers(), CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.insert(customer("c2", "retail", "555", 1)));
      withoutTtl = h.snapshot();
    }
    var recipe = Scd2Harnesses.of(customers(), CHANGES, TTL);
    try (var h = recipe.harness().on(backend).restore(withoutTtl)) {
      assertThat(keysGivenCleanupTimers(h)).isEqualTo(2);
      h.setProcessingTime(TTL.toMillis() / 2);
      h.processElement(Change.updateAfter(customer("c2", "vip", "555", 2))); // c2 written
      h.setProcessingTime(TTL.toMillis()); // c1 idle since the restore: forgotten
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isEqualTo(1);
      h.processElement(Change.updateAfter(customer("c1", "gold", "555", 3)));
      h.setProcessingTime(TTL.toMillis() * 3); // both idle for the TTL

      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();
      assertThat(brief(h.output()))
          .containsExactly(
              "-U c2 v1 [d1,) current retail/555",
              "+U c2 v1 [d1,d2) retail/555",
              "+I c2 v2 [d2,) current vip/555",
              "+I c1 v1 [d3,) current gold/555"); // c1 was forgotten: version 1 again
    }
  }

  /**
   * The pass over all keys runs once: a snapshot taken with a TTL says every key has a timer; one
   * taken after the TTL was switched off again says not, and the next switch on passes again.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void passOverAllKeys_runsOnlyAfterARunWithoutTtl(StateBackendKind backend) throws Exception {
    var withTtl = Scd2Harnesses.of(customers(), CHANGES, TTL);
    var withoutTtl = Scd2Harnesses.of(customers(), CHANGES);
    OperatorSubtaskState snapshot;
    try (var h = withTtl.open(backend)) {
      assertThat(keysGivenCleanupTimers(h)).isEqualTo(-1); // not restored
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      snapshot = h.snapshot();
    }
    try (var h = withTtl.harness().on(backend).restore(snapshot)) {
      assertThat(keysGivenCleanupTimers(h)).isEqualTo(-1); // every key has its timer
      snapshot = h.snapshot();
    }
    try (var h = withoutTtl.harness().on(backend).restore(snapshot)) {
      h.processElement(Change.insert(customer("c2", "retail", "555", 1))); // no timer
      snapshot = h.snapshot();
    }
    try (var h = withTtl.harness().on(backend).restore(snapshot)) {
      assertThat(keysGivenCleanupTimers(h)).isEqualTo(1); // c2; c1 kept its timer
      h.setProcessingTime(TTL.toMillis());
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();
    }
  }

  private static long keysGivenCleanupTimers(OperatorHarness<?, ?> harness) {
    return ((Scd2Operator<?, ?>) harness.unwrap().getOperator()).keysGivenCleanupTimers();
  }

  @Test
  void ttlBelowOneMillisecond_isRefused_notReadAsNoTtl() {
    // Below withStateTtl and the pipeline default (both check it when set): the cursor keeps whole
    // milliseconds, where 0 means "no TTL", so a key would never expire while the state inventory
    // lists a TTL.
    assertThatThrownBy(
            () -> Scd2Harnesses.of(customers(), CHANGES, Duration.ofNanos(500_000)).harness())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("ttl must be at least 1 ms");
  }
}
