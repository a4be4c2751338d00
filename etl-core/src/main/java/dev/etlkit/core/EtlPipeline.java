package dev.etlkit.core;

import dev.etlkit.core.internal.Names;
import dev.etlkit.core.internal.StepExpansion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

/**
 * A named pipeline: the namespace of its step names and operator uids, its defaults (state TTL,
 * error policy), the dead letters of all its steps and the inventory of all its state.
 *
 * <p>Defaults must be set before the first step is applied, because steps resolve them while they
 * expand. Not thread-safe: build a pipeline from one thread, as Flink job graphs are built.
 */
@PublicEvolving
public final class EtlPipeline {

  /** The step name whose uid the dead-letter stream of a pipeline that rejects nothing takes. */
  private static final String NO_DEAD_LETTERS = "no-dead-letters";

  private final String name;
  @Nullable private Duration defaultStateTtl;
  private ErrorPolicy defaultErrorPolicy = ErrorPolicy.deadLetter();

  private final Set<String> stepNames = new LinkedHashSet<>();
  private final Set<String> uids = new LinkedHashSet<>();
  private final List<DataStream<DeadLetter>> deadLetterStreams = new ArrayList<>();
  private final List<StateInventory.Entry> states = new ArrayList<>();
  @Nullable private StreamExecutionEnvironment environment;
  @Nullable private DataStream<?> firstInput;
  private boolean deadLettersTaken;

  /** The dead letters of a pipeline whose steps reject nothing, made once by deadLetters(). */
  @Nullable private DataStream<DeadLetter> noDeadLetters;

  EtlPipeline(String name) {
    this.name = Names.requireValid(name, "pipeline name");
  }

  public String name() {
    return name;
  }

  /** Adds an input to this pipeline. */
  public <T> EtlStream<T> from(DataStream<T> source) {
    Objects.requireNonNull(source, "source");
    StreamExecutionEnvironment env = source.getExecutionEnvironment();
    if (environment == null) {
      environment = env;
      firstInput = source;
    } else if (environment != env) {
      throw new IllegalArgumentException(
          "pipeline '" + name + "': all inputs must come from the same execution environment");
    }
    return new EtlStream<>(this, source);
  }

  /**
   * The state TTL of every step that does not set its own (the analogue of {@code
   * table.exec.state.ttl}). Semantics: see {@link StateTtls}. Default: none.
   *
   * <p>{@link Duration#ZERO} means no default, as {@code table.exec.state.ttl = 0} does in Flink
   * SQL: it is accepted so a TTL read from configuration can be passed on as it is, and {@link
   * #defaultStateTtl()} is then empty. A step opts out of a default with its own {@code
   * withStateTtl(Duration.ZERO)}.
   *
   * @throws IllegalArgumentException if {@code ttl} is negative, or positive but not a whole number
   *     of milliseconds, at least one ({@link StateTtls#requireValidTtlOrZero})
   * @throws IllegalStateException if a step was already applied
   */
  public EtlPipeline defaultStateTtl(Duration ttl) {
    requireNoSteps("defaultStateTtl");
    Duration checked = StateTtls.requireValidTtlOrZero(ttl, "defaultStateTtl");
    this.defaultStateTtl = checked.isZero() ? null : checked;
    return this;
  }

  /** The pipeline's default state TTL; empty when none was set, or zero was. */
  public Optional<Duration> defaultStateTtl() {
    return Optional.ofNullable(defaultStateTtl);
  }

  /**
   * The error policy of every step that does not set its own. Default: {@link
   * ErrorPolicy#deadLetter()}.
   *
   * @throws IllegalStateException if a step was already applied
   */
  public EtlPipeline defaultErrorPolicy(ErrorPolicy policy) {
    requireNoSteps("defaultErrorPolicy");
    this.defaultErrorPolicy = Objects.requireNonNull(policy, "defaultErrorPolicy");
    return this;
  }

  public ErrorPolicy defaultErrorPolicy() {
    return defaultErrorPolicy;
  }

  /** Names of the applied steps, in order. */
  public List<String> stepNames() {
    return List.copyOf(stepNames);
  }

  /** Uids of all operators the steps added, in order. */
  public List<String> uids() {
    return List.copyOf(uids);
  }

  /** Every state the applied steps will create: name, kind, types, TTL and growth, per operator. */
  public StateInventory stateInventory() {
    return new StateInventory(states);
  }

  /**
   * The dead letters of every step applied so far, as one stream. Call it after all steps are
   * applied: applying a step that reports dead letters afterwards fails. Sink it somewhere durable
   * (a topic, a table); dead letters that are not sunk are still counted ({@link StepMetrics}) but
   * not kept.
   */
  public DataStream<DeadLetter> deadLetters() {
    DataStream<DeadLetter> letters =
        deadLetterStreams.isEmpty() ? noDeadLetters() : unionOf(deadLetterStreams);
    // Only a call that returned a stream takes the dead letters.
    deadLettersTaken = true;
    return letters;
  }

  private static DataStream<DeadLetter> unionOf(List<DataStream<DeadLetter>> streams) {
    DataStream<DeadLetter> first = streams.get(0);
    if (streams.size() == 1) {
      return first;
    }
    @SuppressWarnings("unchecked")
    DataStream<DeadLetter>[] rest = streams.subList(1, streams.size()).toArray(new DataStream[0]);
    return first.union(rest);
  }

  /** The dead letters of a pipeline whose steps reject nothing: an always-empty stream. */
  private DataStream<DeadLetter> noDeadLetters() {
    if (firstInput == null) {
      throw new IllegalStateException("pipeline '" + name + "' has no input yet");
    }
    // An empty bounded source fails at runtime in Flink 2.2 (fromData of an empty collection),
    // so derive an always-empty stream from the first input; it chains to that input, whose
    // parallelism it takes (else a source of another parallelism is rebalanced to it in full).
    if (noDeadLetters == null) { // once: a second operator would take the same uid
      String uid = name + "/" + NO_DEAD_LETTERS;
      if (!uids.add(uid)) {
        throw new IllegalStateException(
            "pipeline '"
                + name
                + "' has a step named '"
                + NO_DEAD_LETTERS
                + "', whose uid the pipeline's empty dead-letter stream needs: rename the step");
      }
      SingleOutputStreamOperator<DeadLetter> empty =
          firstInput.flatMap(new NoDeadLetters<>(), DeadLetter.TYPE_INFO).name(uid).uid(uid);
      Transformation<?> input = firstInput.getTransformation();
      empty
          .getTransformation()
          .setParallelism(input.getParallelism(), input.isParallelismConfigured());
      noDeadLetters = empty;
    }
    return noDeadLetters;
  }

  <I, O> DataStream<O> expand(EtlStep<I, O> step, DataStream<I> input) {
    Objects.requireNonNull(step, "step");
    String stepName = checkStepName(step.name());
    return record(stepName, new StepExpansion(this::newContext, stepName).run(step, input));
  }

  <I, O> Map<String, DataStream<O>> expandSplit(SplitStep<I, O> step, DataStream<I> input) {
    Objects.requireNonNull(step, "step");
    String stepName = checkStepName(step.name());
    return record(stepName, new StepExpansion(this::newContext, stepName).runSplit(step, input));
  }

  /**
   * The valid, unused step name; {@link #record} claims it once the step expanded, so a step whose
   * expansion threw leaves its name free.
   */
  private String checkStepName(String name) {
    String stepName = Names.requireValid(name, "step name");
    if (stepNames.contains(stepName)) {
      throw new IllegalArgumentException(
          "pipeline '"
              + this.name
              + "' already has a step named '"
              + stepName
              + "'. Step names become operator uids, so each must be unique within its pipeline:"
              + " give this step another name (for example '"
              + stepName
              + "-2' or one that says what it does).");
    }
    return stepName;
  }

  private <R> R record(String stepName, StepExpansion.Result<R> result) {
    if (!result.deadLetters().isEmpty() && deadLettersTaken) {
      throw new IllegalStateException(
          "step '"
              + stepName
              + "' reports dead letters, but deadLetters() of pipeline '"
              + name
              + "' was already called: apply all steps before calling deadLetters().");
    }
    Set<String> added = new LinkedHashSet<>();
    for (String uid : result.uids()) {
      if (uids.contains(uid) || !added.add(uid)) {
        throw new IllegalStateException(
            "step '" + stepName + "' adds an operator with uid '" + uid + "' already in use");
      }
    }
    // Only a step that expanded without error takes its name and uids.
    stepNames.add(stepName);
    uids.addAll(added);
    deadLetterStreams.addAll(result.deadLetters());
    states.addAll(result.states());
    return result.output();
  }

  private StepExpansion.Context newContext(String stepName) {
    return new StepExpansion.Context(
        new StepIdentity(name, stepName, name + "/" + stepName),
        defaultStateTtl,
        defaultErrorPolicy);
  }

  /** Emits nothing: the dead-letter stream of a pipeline whose steps reject nothing. */
  private static final class NoDeadLetters<T> implements FlatMapFunction<T, DeadLetter> {
    private static final long serialVersionUID = 1L;

    @Override
    public void flatMap(T value, Collector<DeadLetter> out) {}
  }

  private void requireNoSteps(String option) {
    if (!stepNames.isEmpty()) {
      throw new IllegalStateException(
          option
              + " of pipeline '"
              + name
              + "' must be set before the first step is applied (steps "
              + stepNames
              + " already resolved the old value)");
    }
  }
}
