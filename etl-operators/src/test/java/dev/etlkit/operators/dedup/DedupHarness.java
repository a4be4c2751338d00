package dev.etlkit.operators.dedup;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StateInventory;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.dedup.internal.DedupOperator;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import java.time.Duration;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Harnesses for a dedup step exactly as a pipeline expands it: the step is applied to a dummy
 * stream of the pipeline {@value #PIPELINE}, and every harness runs a fresh copy of the operator it
 * added, keyed as the step keys it. So harness tests cover the step's own wiring (config, key,
 * output type, TTL) too.
 */
final class DedupHarness {

  static final String PIPELINE = "test";

  static final TypeInformation<Change<String>> STRING_CHANGE = Change.typeInfo(Types.STRING);

  /** Only builds job graphs (never executes): one for all tests of the module's JVM. */
  private static final StreamExecutionEnvironment ENV =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private DedupHarness() {}

  /** A step over generated string rows ({@code k3#v2}), applied to a stream of {@code String}. */
  static <O> Expanded<String, O> rows(Dedup.DedupStep<String, String, String, O> step) {
    return expand(step, Types.STRING);
  }

  /** A step over a changelog of generated string rows. */
  static <O> Expanded<Change<String>, O> changes(
      Dedup.DedupStep<Change<String>, String, String, O> step) {
    return expand(step, STRING_CHANGE);
  }

  /** Keep-first of generated string rows, keyed by {@link ChangelogGenerator#stringKey}. */
  static Dedup.DedupStep<String, String, String, String> keepFirst() {
    return Dedup.keepFirst("dedup", ChangelogGenerator::stringKey);
  }

  /** Keep-last of generated string rows, keyed by {@link ChangelogGenerator#stringKey}. */
  static Dedup.DedupStep<String, String, String, Change<String>> keepLast() {
    return Dedup.keepLast("dedup", ChangelogGenerator::stringKey);
  }

  /** The version of a generated row ({@code 2} for {@code k3#v2}), 0 for a key-only row. */
  static long version(String row) {
    int v = row.indexOf("#v");
    return v < 0 ? 0L : Long.parseLong(row.substring(v + 2));
  }

  static <I, O> Expanded<I, O> expand(Dedup.DedupStep<I, ?, ?, O> step, TypeInformation<I> type) {
    return expand(step, type, null);
  }

  /** As {@link #rows}, in a pipeline whose default state TTL is {@code pipelineDefaultTtl}. */
  static <O> Expanded<String, O> rows(
      Dedup.DedupStep<String, String, String, O> step, Duration pipelineDefaultTtl) {
    return expand(step, Types.STRING, null, pipelineDefaultTtl);
  }

  static <I, O> Expanded<I, O> expand(
      Dedup.DedupStep<I, ?, ?, O> step, TypeInformation<I> type, @Nullable ClassLoader userCode) {
    return expand(step, type, userCode, null);
  }

  /**
   * As {@link #expand(Dedup.DedupStep, TypeInformation)}, with the operator copied and the
   * harnesses run with {@code userCode} as the user code class loader (null: the test's), for row
   * classes only that loader has, in a pipeline with the default state TTL {@code
   * pipelineDefaultTtl} (null: none set).
   */
  private static synchronized <I, O> Expanded<I, O> expand(
      Dedup.DedupStep<I, ?, ?, O> step,
      TypeInformation<I> type,
      @Nullable ClassLoader userCode,
      @Nullable Duration pipelineDefaultTtl) {
    DataStream<I> source = ENV.fromSequence(0, 0).map(new Never<I>(), type);
    EtlStream<I> input = Etl.from(source, PIPELINE);
    if (pipelineDefaultTtl != null) {
      input.defaultStateTtl(pipelineDefaultTtl);
    }
    EtlStream<O> output = input.apply(step);
    KeyedHarness<Object, I, O> harness = KeyedHarness.forStream(output.toDataStream(), type);
    if (userCode != null) {
      harness = harness.withUserCodeClassLoader(userCode);
    }
    return new Expanded<>(harness, output, output.stateInventory());
  }

  /** The step's counters in the harness, by name ({@link StepMetrics#RECORDS_IN} and others). */
  static Map<String, Long> counts(OperatorHarness<?, ?> harness) {
    DedupOperator<?, ?, ?, ?> operator = (DedupOperator<?, ?, ?, ?>) harness.unwrap().getOperator();
    String prefix = StepMetrics.ACCUMULATOR_PREFIX + PIPELINE + "/dedup/";
    return Map.of(
        "in", count(operator, prefix + StepMetrics.RECORDS_IN),
        "out", count(operator, prefix + StepMetrics.RECORDS_OUT),
        "filtered", count(operator, prefix + StepMetrics.RECORDS_FILTERED),
        "deduplicated", count(operator, prefix + StepMetrics.RECORDS_DEDUPLICATED),
        "deadLettered", count(operator, prefix + StepMetrics.RECORDS_DEAD_LETTERED),
        "emitted", count(operator, prefix + StepMetrics.RECORDS_EMITTED));
  }

  /** True when {@code in == out + filtered + deduplicated + deadLettered}. */
  static boolean balanced(Map<String, Long> counts) {
    return counts.get("in")
        == counts.get("out")
            + counts.get("filtered")
            + counts.get("deduplicated")
            + counts.get("deadLettered");
  }

  private static long count(DedupOperator<?, ?, ?, ?> operator, String name) {
    Object counter = operator.getRuntimeContext().getAccumulator(name);
    return counter == null ? 0L : ((LongCounter) counter).getLocalValuePrimitive();
  }

  /** A step as expanded in a pipeline: harnesses for its operator, its output, its state. */
  record Expanded<I, O>(
      KeyedHarness<Object, I, O> harness, EtlStream<O> output, StateInventory inventory) {}

  /** The dummy source's map: never runs. */
  private static final class Never<I> implements MapFunction<Long, I> {
    private static final long serialVersionUID = 1L;

    @Override
    public I map(Long value) {
      throw new UnsupportedOperationException("never executed");
    }
  }
}
