package dev.etlkit.operators.enrich.join;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.enrich.internal.join.DimensionJoinOperator;
import dev.etlkit.operators.enrich.internal.join.JoinConfig;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.Emitted;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.annotation.Nullable;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.TwoInputTransformation;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.types.Either;
import org.apache.flink.util.InstantiationUtil;

/**
 * Harnesses for a dimension join step exactly as a pipeline expands it, over generated string
 * records: facts {@code k1#o3} (key {@code k1}), dimension rows {@code k1#v2}, and a combiner that
 * writes {@code "<status> <fact> [<row>]"}. Each harness runs a fresh copy of the step's join
 * operator as {@code KeyedHarness.forTwoInputStream} harnesses it, facts as lefts and dimension
 * changes as rights ({@link JoinInput}).
 */
final class JoinHarness {

  static final String PIPELINE = "test";
  static final String STEP = "join";
  static final TypeInformation<Change<String>> CHANGE = Change.typeInfo(Types.STRING);

  private static final Pattern KEY = Pattern.compile("k\\d+(?=#)");

  /** Only builds job graphs (never executes): one for all tests of the module's JVM. */
  static final StreamExecutionEnvironment ENV =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private JoinHarness() {}

  /** A latest join of generated strings, named {@value #STEP}. */
  static DimensionJoinStep<String, String, String, String> latest() {
    return latest(JoinHarness::combine, Types.STRING);
  }

  /** A point-in-time join of generated strings, named {@value #STEP}. */
  static DimensionJoinStep<String, String, String, String> asOf() {
    return asOf(JoinHarness::combine, Types.STRING);
  }

  /** A latest join of generated strings with the given combiner, named {@value #STEP}. */
  static synchronized <O> DimensionJoinStep<String, String, String, O> latest(
      DimensionJoin.Combiner<String, String, O> combiner, TypeInformation<O> outputType) {
    return DimensionJoin.latest(
        STEP, dimensionStream(), JoinHarness::key, JoinHarness::key, combiner, outputType);
  }

  /** A point-in-time join of generated strings with the given combiner, named {@value #STEP}. */
  static synchronized <O> DimensionJoinStep<String, String, String, O> asOf(
      DimensionJoin.Combiner<String, String, O> combiner, TypeInformation<O> outputType) {
    return DimensionJoin.asOf(
        STEP, dimensionStream(), JoinHarness::key, JoinHarness::key, combiner, outputType);
  }

  static DataStream<Change<String>> dimensionStream() {
    return dimensionStream(CHANGE);
  }

  /** A dimension stream of the given changes, for a step's harness (never executed). */
  static synchronized <D> DataStream<Change<D>> dimensionStream(TypeInformation<Change<D>> type) {
    return ENV.fromSequence(0, 0).map(new Never<Change<D>>(), type);
  }

  static String key(String record) {
    return ChangelogGenerator.stringKey(record);
  }

  static String combine(String fact, @Nullable String row, JoinStatus status) {
    return status + " " + fact + (row == null ? "" : " " + row);
  }

  /** Expands the step in a pipeline {@value #PIPELINE} and returns harnesses for its join. */
  static Expanded expand(DimensionJoinStep<String, String, String, String> step) {
    return expand(step, null);
  }

  /** As {@link #expand}, in a pipeline with the default state TTL {@code pipelineDefaultTtl}. */
  static Expanded expand(
      DimensionJoinStep<String, String, String, String> step,
      @Nullable Duration pipelineDefaultTtl) {
    Parts<String, String, String> parts = parts(step, Types.STRING, pipelineDefaultTtl);
    return new Expanded(harness(parts, Types.STRING), parts.output(), parts.join(), parts.config());
  }

  /** Harnesses for the join of a step with any output type, expanded as {@link #expand} does. */
  static <O> KeyedHarness<Object, Either<String, Change<String>>, O> harness(
      DimensionJoinStep<String, String, String, O> step, TypeInformation<O> outputType) {
    return harness(parts(step, Types.STRING, null), outputType);
  }

  /**
   * Harnesses for the join of a step over facts and dimension rows of any type (its dimension
   * stream made with {@link #dimensionStream(TypeInformation)}), expanded as {@link #expand} does.
   */
  static <F, D, O> KeyedHarness<Object, Either<F, Change<D>>, O> harness(
      DimensionJoinStep<F, D, ?, O> step,
      TypeInformation<F> factType,
      TypeInformation<O> outputType) {
    return harness(parts(step, factType, null), outputType);
  }

  /** The output of a step over facts of type {@code String}, expanded as {@link #expand} does. */
  static DataStream<?> expandedOutput(DimensionJoinStep<String, ?, ?, ?> step) {
    return parts(step, Types.STRING, null).output().toDataStream();
  }

  private static <F, D, O> KeyedHarness<Object, Either<F, Change<D>>, O> harness(
      Parts<F, D, O> parts, TypeInformation<O> outputType) {
    TwoInputTransformation<F, Change<D>, O> join = parts.join();
    KeyedHarness<Object, Either<F, Change<D>>, O> harness =
        KeyedHarness.forTwoInputStream(
            parts.output().toDataStream(), join.getInputType1(), join.getInputType2());
    if (!join.getOutputType().equals(outputType)) {
      throw new IllegalArgumentException(
          "the join emits " + join.getOutputType() + ", not " + outputType);
    }
    return harness;
  }

  /** The step expanded in a pipeline: its output, its join and the join's configuration. */
  private record Parts<F, D, O>(
      EtlStream<O> output,
      TwoInputTransformation<F, Change<D>, O> join,
      JoinConfig<F, D, O> config) {}

  @SuppressWarnings("unchecked")
  private static synchronized <F, D, O> Parts<F, D, O> parts(
      DimensionJoinStep<F, D, ?, O> step,
      TypeInformation<F> factType,
      @Nullable Duration pipelineDefaultTtl) {
    DataStream<F> facts = ENV.fromSequence(0, 0).map(new Never<F>(), factType);
    EtlStream<F> input = Etl.from(facts, PIPELINE);
    if (pipelineDefaultTtl != null) {
      input.defaultStateTtl(pipelineDefaultTtl);
    }
    EtlStream<O> output = input.apply(step);
    TwoInputTransformation<F, Change<D>, O> join = null;
    for (Transformation<?> t : output.toDataStream().getTransformation().getInputs()) {
      if (t instanceof TwoInputTransformation) {
        join = (TwoInputTransformation<F, Change<D>, O>) t;
      }
    }
    if (join == null) {
      throw new IllegalStateException("no join operator in " + output.toDataStream());
    }
    DimensionJoinOperator<Object, F, D, O> operator =
        (DimensionJoinOperator<Object, F, D, O>)
            ((SimpleOperatorFactory<O>) join.getOperatorFactory()).getOperator();
    return new Parts<>(output, join, operator.config());
  }

  /** What expanding a step gave: harnesses, the pipeline's view and the join's transformation. */
  record Expanded(
      KeyedHarness<Object, Either<String, Change<String>>, String> harness,
      EtlStream<String> output,
      TwoInputTransformation<String, Change<String>, String> join,
      JoinConfig<String, String, String> config) {

    /** A fresh copy of the production two-input operator. */
    DimensionJoinOperator<Object, String, String, String> newOperator() {
      return new DimensionJoinOperator<>(copy(config));
    }

    /**
     * A fresh production two-input operator in Flink's two-input harness, with generic types
     * disabled, on {@code backend} (working files in {@code dir}), set up and restored from {@code
     * state} (null: empty), not yet opened.
     */
    @SuppressWarnings("unchecked")
    KeyedTwoInputStreamOperatorTestHarness<Object, String, Change<String>, String> twoInputHarness(
        StateBackendKind backend, Path dir, @Nullable OperatorSubtaskState state) throws Exception {
      var harness =
          new KeyedTwoInputStreamOperatorTestHarness<Object, String, Change<String>, String>(
              newOperator(),
              (KeySelector<String, Object>) join.getStateKeySelector1(),
              (KeySelector<Change<String>, Object>) join.getStateKeySelector2(),
              (TypeInformation<Object>) join.getStateKeyType(),
              128,
              1,
              0);
      Configuration noKryo = new Configuration();
      noKryo.set(PipelineOptions.GENERIC_TYPES, false);
      harness
          .getExecutionConfig()
          .getSerializerConfig()
          .configure(noKryo, JoinHarness.class.getClassLoader());
      harness.setStateBackend(backend.createBackend(dir));
      harness.setup(
          Types.STRING.createSerializer(harness.getExecutionConfig().getSerializerConfig()));
      harness.initializeState(state);
      return harness;
    }
  }

  /**
   * The record accounting of the join operator in the harness: {@code counts(h, "")} for facts,
   * {@code counts(h, "/dimension")} for dimension records.
   */
  static Map<String, Long> counts(OperatorHarness<?, ?> harness, String suffix) {
    return counts(harness.unwrap().getOperator(), suffix);
  }

  /** The record accounting of a join operator, as {@link #counts(OperatorHarness, String)}. */
  static Map<String, Long> counts(AbstractStreamOperator<?> operator, String suffix) {
    String prefix = StepMetrics.ACCUMULATOR_PREFIX + PIPELINE + "/" + STEP + suffix + "/";
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String name :
        List.of(
            StepMetrics.RECORDS_IN,
            StepMetrics.RECORDS_OUT,
            StepMetrics.RECORDS_FILTERED,
            StepMetrics.RECORDS_DEAD_LETTERED,
            StepMetrics.RECORDS_EMITTED)) {
      Object counter = operator.getRuntimeContext().getAccumulator(prefix + name);
      counts.put(name, counter == null ? 0L : ((LongCounter) counter).getLocalValuePrimitive());
    }
    return counts;
  }

  static <T extends Serializable> T copy(T serializable) {
    try {
      return InstantiationUtil.clone(serializable, JoinHarness.class.getClassLoader());
    } catch (Exception e) {
      throw new IllegalStateException("could not copy " + serializable, e);
    }
  }

  // ---- outputs as comparable lines --------------------------------------------------------

  /**
   * The emitted records as lines: {@code "FOUND k1#o1 k1#v2 @10"} for outputs, {@code "DL
   * DimensionJoinException:UNMATCHED k1#o1 @10"} for dead letters.
   */
  static List<String> lines(List<Emitted> emitted) {
    List<String> lines = new ArrayList<>(emitted.size());
    for (Emitted e : emitted) {
      lines.add(line(e));
    }
    return lines;
  }

  static String line(Emitted e) {
    String time = e.timestamp() == null ? "" : " @" + e.timestamp();
    if (e.isMain()) {
      return e.value() + time;
    }
    if (!(e.value() instanceof DeadLetter letter)) {
      return "side:" + e.sideOutput() + " " + e.value() + time;
    }
    return deadLetterLine(
            letter.errorClass(), letter.errorMessage(), String.valueOf(letter.payloadAsText()))
        + time;
  }

  static String deadLetterLine(String errorClass, @Nullable String message, String payload) {
    String simple = errorClass.substring(errorClass.lastIndexOf('.') + 1);
    String reason = "";
    if (message != null && simple.equals("DimensionJoinException")) {
      reason = ":" + message.substring(0, message.indexOf(':'));
    }
    return "DL " + simple + reason + " " + payload;
  }

  /** Lines grouped by the key of the record they are about, in order. */
  static Map<String, List<String>> byKey(List<String> lines) {
    Map<String, List<String>> byKey = new LinkedHashMap<>();
    for (String line : lines) {
      Matcher m = KEY.matcher(line);
      String key = m.find() ? m.group() : "?";
      byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(line);
    }
    return byKey;
  }

  /** A map the dummy sources never run. */
  private static final class Never<T> implements MapFunction<Long, T> {
    private static final long serialVersionUID = 1L;

    @Override
    public T map(Long value) {
      throw new UnsupportedOperationException("harness sources are never executed");
    }
  }
}
