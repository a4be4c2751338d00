package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.STRING_CHANGES;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stringCheck;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.EtlStep;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SnapshotStates;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The normalization steps' savepoints hold exactly the states their inventory declares, with the
 * declared serializers and TTL, in every combination of their state-shaping options: for the upsert
 * normalizer a sequence (none, source position, event time), projected state, TTL and a delete
 * retention; for the changelog check the full changelog, a sample rate and TTL; each step as its
 * pipeline expands it, on heap and RocksDB. NormalizeDeclaredStateTest picks some of these.
 */
class NormalizeDeclaredStateMatrixTest {

  private static final Duration TTL = Duration.ofHours(1);

  /** Inserts, an update, deletes (one of a key never seen) and a stale change. */
  private static final HarnessInput<Change<String>> INPUT =
      HarnessInput.<Change<String>>builder()
          .element(Change.insert("k1#v1").withSourcePosition(1).withEventTime(10L), 10)
          .element(Change.updateAfter("k1#v2").withSourcePosition(2).withEventTime(11L), 11)
          .element(Change.insert("k2#v1").withSourcePosition(3).withEventTime(12L), 12)
          .element(Change.delete("k2#").withSourcePosition(4).withEventTime(13L), 13)
          .element(Change.updateAfter("k1#v0").withSourcePosition(0).withEventTime(5L), 14)
          .element(Change.delete("k3#").withSourcePosition(5).withEventTime(15L), 15)
          .build();

  enum Sequence {
    NONE,
    SOURCE_POSITION,
    EVENT_TIME
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("upsertCombinations")
  void upserts_savepointHoldsTheDeclaredStates(Upserts combination, StateBackendKind backend)
      throws Exception {
    check(combination.step(), backend);
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("checkCombinations")
  void changelogCheck_savepointHoldsTheDeclaredStates(Checks combination, StateBackendKind backend)
      throws Exception {
    check(combination.step(), backend);
  }

  private static void check(EtlStep<Change<String>, Change<String>> step, StateBackendKind backend)
      throws Exception {
    NormalizeHarnesses.Expanded<String> expanded =
        NormalizeHarnesses.expanded(step, STRING_CHANGES, null);
    String uid = expanded.inventory().entries().get(0).uid();
    try (OperatorHarness<Change<String>, Change<String>> h =
        expanded.harness().on(backend).open()) {
      h.run(INPUT);

      assertThat(SnapshotStates.names(h.savepoint()))
          .isEqualTo(SnapshotStates.declared(expanded.inventory(), uid));
      assertThat(SnapshotStates.typeMismatches(h.savepoint(), expanded.inventory(), uid)).isEmpty();
    }
  }

  /** One combination of the upsert normalizer's options. */
  record Upserts(Sequence sequence, boolean projected, boolean ttl, boolean deleteRetention) {

    UpsertNormalize<String, String> step() {
      UpsertNormalize<String, String> step = strings();
      step =
          switch (sequence) {
            case NONE -> step;
            case SOURCE_POSITION -> step.withSequence(ChangeSequence.sourcePosition());
            case EVENT_TIME -> step.withSequence(ChangeSequence.eventTime());
          };
      if (projected) {
        step =
            step.withProjectedState(ChangelogGenerator::stringKey, Types.STRING, key -> key + "#");
      }
      if (ttl) {
        step = step.withStateTtl(TTL);
      }
      if (deleteRetention) {
        step = step.withDeleteRetention(Duration.ofMinutes(1));
      }
      return step;
    }

    @Override
    public String toString() {
      return "sequence "
          + sequence
          + (projected ? " projected" : "")
          + (ttl ? " ttl" : "")
          + (deleteRetention ? " delete-retention" : "");
    }
  }

  /** One combination of the changelog check's options. */
  record Checks(boolean full, boolean sampled, boolean ttl) {

    ChangelogCheck<String, String> step() {
      ChangelogCheck<String, String> step = stringCheck();
      if (full) {
        step = step.withFullChangelog();
      }
      if (sampled) {
        step = step.withSampleRate(0.5);
      }
      return ttl ? step.withStateTtl(TTL) : step;
    }

    @Override
    public String toString() {
      return "check" + (full ? " full" : "") + (sampled ? " sampled" : "") + (ttl ? " ttl" : "");
    }
  }

  static Stream<Arguments> upsertCombinations() {
    List<Upserts> all = new ArrayList<>();
    for (Sequence sequence : Sequence.values()) {
      for (boolean projected : new boolean[] {false, true}) {
        for (boolean ttl : new boolean[] {false, true}) {
          for (boolean retention : new boolean[] {false, true}) {
            if (retention && sequence == Sequence.NONE) {
              continue; // refused: without a sequence a delete keeps no marker
            }
            all.add(new Upserts(sequence, projected, ttl, retention));
          }
        }
      }
    }
    return withBackends(all);
  }

  static Stream<Arguments> checkCombinations() {
    List<Checks> all = new ArrayList<>();
    for (boolean full : new boolean[] {false, true}) {
      for (boolean sampled : new boolean[] {false, true}) {
        for (boolean ttl : new boolean[] {false, true}) {
          all.add(new Checks(full, sampled, ttl));
        }
      }
    }
    return withBackends(all);
  }

  private static Stream<Arguments> withBackends(List<?> combinations) {
    return combinations.stream()
        .flatMap(c -> Stream.of(StateBackendKind.values()).map(b -> Arguments.of(c, b)));
  }
}
