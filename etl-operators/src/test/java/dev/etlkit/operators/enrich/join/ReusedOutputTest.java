package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link DimensionJoin.Combiner}'s contract that a combiner may refill and return one output record
 * for every fact: the step passes each result on before it combines the next fact. The harness
 * copies every record as it is emitted, so a result refilled before it was passed on would show
 * here as another fact's line. Every configuration of {@link JoinMode#MODES} (waiting facts
 * released by a row or a timer, point-in-time facts released by a watermark) runs generated scripts
 * with a refilling combiner and with the usual one, which makes a new string per fact.
 */
class ReusedOutputTest {

  private static final int HEAP_SEEDS_PER_MODE = 12;
  private static final int ROCKSDB_SEEDS_PER_MODE = 2;

  /** Output records the refilling combiners made, over all operator instances of a test. */
  private static final AtomicInteger CREATED = new AtomicInteger();

  /** The output: one line of text. */
  public static final class Line {
    public String text;

    public Line() {}

    @Override
    public String toString() {
      return text;
    }
  }

  static final TypeInformation<Line> LINE = Types.POJO(Line.class);

  /** Refills one {@link Line} per operator instance with what the usual combiner writes. */
  static final class RefillingCombiner implements DimensionJoin.Combiner<String, String, Line> {
    private static final long serialVersionUID = 1L;

    private transient Line line;

    @Override
    public Line combine(String fact, @Nullable String row, JoinStatus status) {
      if (line == null) {
        line = new Line();
        CREATED.incrementAndGet();
      }
      line.text = JoinHarness.combine(fact, row, status);
      return line;
    }
  }

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (JoinMode mode : JoinMode.MODES) {
      for (long seed = 0; seed < HEAP_SEEDS_PER_MODE; seed++) {
        cases.add(Arguments.of(mode, seed, StateBackendKind.HEAP));
      }
      for (long seed = 0; seed < ROCKSDB_SEEDS_PER_MODE; seed++) {
        cases.add(Arguments.of(mode, 1_000 + seed, StateBackendKind.ROCKSDB));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}, seed {1}, {2}")
  @MethodSource("cases")
  void refilledOutputRecord_emitsWhatANewRecordPerFactEmits(
      JoinMode mode, long seed, StateBackendKind backend) throws Exception {
    HarnessInput<Either<String, Change<String>>> script = DimensionJoinModelTest.script(seed);
    Map<String, List<String>> expected = DimensionJoinPropertiesTest.run(mode, script, backend);

    CREATED.set(0);
    Map<String, List<String>> actual;
    try (OperatorHarness<Either<String, Change<String>>, Line> harness =
        JoinHarness.harness(mode.step(new RefillingCombiner(), LINE), LINE).on(backend).open()) {
      actual = JoinHarness.byKey(JoinHarness.lines(harness.run(script)));
    }

    assertThat(actual).as("%s, seed %s", mode, seed).isEqualTo(expected);
    long facts = expected.values().stream().flatMap(List::stream).filter(this::joined).count();
    // one record, refilled for every joined fact: the contract was exercised, not bypassed
    assertThat(CREATED.get()).as("output records made").isEqualTo(facts == 0 ? 0 : 1);
  }

  private boolean joined(String line) {
    return !line.startsWith("DL ");
  }
}
