package dev.etlkit.core.internal;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.SplitStep;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StateInventory;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.StepIdentity;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.InvalidProgramException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.transformations.PhysicalTransformation;

/**
 * Expands one step and gives every operator it added a name and a uid derived from the pipeline and
 * step names.
 *
 * <p>Which operators belong to the step: Flink numbers transformations from a global counter, so
 * every transformation reachable from the step's outputs whose id is above the counter's value
 * before expansion was created by the step. Operators the step named through its context keep their
 * uids; the others get {@code <pipeline>/<step>} (the main output's operator) or {@code
 * <pipeline>/<step>/<operator name>}, visited in a deterministic order from the main output (for a
 * {@link SplitStep}: from its outputs in the order of their names, not in the order the returned
 * map iterates, which for a {@code Map.of} changes from JVM to JVM).
 */
@Internal
public final class StepExpansion {

  private final Function<String, Context> contexts;
  private final String stepName;

  public StepExpansion(Function<String, Context> contexts, String stepName) {
    this.contexts = contexts;
    this.stepName = stepName;
  }

  /**
   * What a step produced: its output ({@code DataStream<O>}, or the named outputs of a {@link
   * SplitStep}), the uids of its operators, its dead letters and its declared state.
   */
  public static final class Result<R> {
    private final R output;
    private final List<String> uids;
    private final List<DataStream<DeadLetter>> deadLetters;
    private final List<StateInventory.Entry> states;

    Result(
        R output,
        List<String> uids,
        List<DataStream<DeadLetter>> deadLetters,
        List<StateInventory.Entry> states) {
      this.output = output;
      this.uids = uids;
      this.deadLetters = deadLetters;
      this.states = states;
    }

    public R output() {
      return output;
    }

    public List<String> uids() {
      return uids;
    }

    public List<DataStream<DeadLetter>> deadLetters() {
      return deadLetters;
    }

    public List<StateInventory.Entry> states() {
      return states;
    }
  }

  /**
   * Flink's own error from building the step's operators (a function that is not serializable,
   * which Flink names by its class, here etlkit's wrapper), with the step's uid in front.
   */
  private static InvalidProgramException named(Context context, InvalidProgramException e) {
    return new InvalidProgramException("step '" + context.uid() + "': " + e.getMessage(), e);
  }

  /** Expands a step with one output. */
  public <I, O> Result<DataStream<O>> run(EtlStep<I, O> step, DataStream<I> input) {
    Context context = contexts.apply(stepName);
    // Consumes one id; everything created by the step gets a larger one.
    int idBefore = Transformation.getNewNodeId();
    DataStream<O> output;
    try {
      output = step.expand(input, context);
    } catch (InvalidProgramException e) {
      throw named(context, e);
    }
    if (output == null) {
      throw new IllegalStateException("step '" + stepName + "' returned no output stream");
    }
    return finish(context, idBefore, output, List.of(output));
  }

  /** Expands a step with several named outputs; they keep the order the step returned them in. */
  public <I, O> Result<Map<String, DataStream<O>>> runSplit(
      SplitStep<I, O> step, DataStream<I> input) {
    Context context = contexts.apply(stepName);
    int idBefore = Transformation.getNewNodeId();
    Map<String, DataStream<O>> returned;
    try {
      returned = step.expand(input, context);
    } catch (InvalidProgramException e) {
      throw named(context, e);
    }
    if (returned == null || returned.isEmpty()) {
      throw new IllegalStateException("step '" + stepName + "' returned no output streams");
    }
    Map<String, DataStream<O>> outputs = new LinkedHashMap<>();
    for (Map.Entry<String, DataStream<O>> e : returned.entrySet()) {
      String outputName = Names.requireValid(e.getKey(), "output name of step '" + stepName + "'");
      if (e.getValue() == null) {
        throw new IllegalStateException(
            "step '" + stepName + "' returned no stream for its output '" + outputName + "'");
      }
      outputs.put(outputName, e.getValue());
    }
    // Uids follow the output names, not the map's order: Map.of iterates differently in every JVM.
    List<DataStream<?>> byName = new ArrayList<>();
    for (String outputName : new TreeSet<>(outputs.keySet())) {
      byName.add(outputs.get(outputName));
    }
    return finish(context, idBefore, Collections.unmodifiableMap(outputs), byName);
  }

  private <R> Result<R> finish(
      Context context, int idBefore, R output, List<DataStream<?>> outputStreams) {
    List<Transformation<?>> created = new ArrayList<>();
    for (DataStream<?> stream : outputStreams) {
      collectCreated(stream.getTransformation(), idBefore, created);
    }
    for (DataStream<DeadLetter> letters : context.deadLetters) {
      collectCreated(letters.getTransformation(), idBefore, created);
    }
    List<String> uids = assignUids(created, context);
    return new Result<>(output, uids, context.deadLetters, context.states);
  }

  private static void collectCreated(
      Transformation<?> from, int idBefore, List<Transformation<?>> created) {
    Set<Integer> seen = new HashSet<>();
    for (Transformation<?> t : created) {
      seen.add(t.getId());
    }
    Deque<Transformation<?>> queue = new ArrayDeque<>();
    queue.add(from);
    while (!queue.isEmpty()) {
      Transformation<?> t = queue.poll();
      if (t.getId() <= idBefore || !seen.add(t.getId())) {
        continue;
      }
      created.add(t);
      queue.addAll(t.getInputs());
    }
  }

  private List<String> assignUids(List<Transformation<?>> created, Context context) {
    String base = context.uid();
    Set<String> taken = new LinkedHashSet<>();
    for (Transformation<?> t : created) {
      if (t.getUid() != null && !taken.add(t.getUid())) {
        throw new IllegalStateException(
            "step '" + stepName + "' gives two operators the uid '" + t.getUid() + "'");
      }
    }
    for (Transformation<?> t : created) {
      if (!(t instanceof PhysicalTransformation) || t.getUid() != null) {
        continue;
      }
      String originalName = t.getName();
      String uid;
      String name;
      if (!taken.contains(base)) {
        uid = base;
        name = base;
      } else {
        String suffix = Names.toSuffix(originalName);
        uid = base + "/" + suffix;
        for (int n = 2; taken.contains(uid); n++) {
          uid = base + "/" + suffix + "-" + n;
        }
        name = uid;
      }
      t.setUid(uid);
      t.setName(name);
      taken.add(uid);
    }
    List<String> uids = new ArrayList<>();
    for (Transformation<?> t : created) {
      if (t instanceof PhysicalTransformation) {
        uids.add(t.getUid());
      }
    }
    return uids;
  }

  /** The {@link StepContext} of one step. */
  public static final class Context implements StepContext {
    private final StepIdentity identity;
    @Nullable private final Duration defaultTtl;
    private final ErrorPolicy defaultPolicy;
    private final List<DataStream<DeadLetter>> deadLetters = new ArrayList<>();
    private final List<StateInventory.Entry> states = new ArrayList<>();

    public Context(
        StepIdentity identity, @Nullable Duration defaultTtl, ErrorPolicy defaultPolicy) {
      this.identity = identity;
      this.defaultTtl = defaultTtl;
      this.defaultPolicy = defaultPolicy;
    }

    @Override
    public StepIdentity identity() {
      return identity;
    }

    @Override
    public String uid() {
      return identity.uid();
    }

    @Override
    public String uid(String suffix) {
      return identity.uid() + "/" + Names.requireValid(suffix, "operator suffix");
    }

    @Override
    public <T> SingleOutputStreamOperator<T> named(SingleOutputStreamOperator<T> operator) {
      return operator.name(uid()).uid(uid());
    }

    @Override
    public <T> SingleOutputStreamOperator<T> named(
        SingleOutputStreamOperator<T> operator, String suffix) {
      String uid = uid(suffix);
      return operator.name(uid).uid(uid);
    }

    @Override
    public Optional<Duration> stateTtl(@Nullable Duration stepOverride) {
      if (stepOverride == null) {
        return Optional.ofNullable(defaultTtl);
      }
      // zero: this step keeps no TTL, whatever the pipeline default
      return stepOverride.isZero() ? Optional.empty() : Optional.of(stepOverride);
    }

    @Override
    public ErrorPolicy errorPolicy(@Nullable ErrorPolicy stepOverride) {
      return stepOverride != null ? stepOverride : defaultPolicy;
    }

    @Override
    public ErrorHandler errorHandler(@Nullable ErrorPolicy stepOverride) {
      return new ErrorHandler(identity, errorPolicy(stepOverride));
    }

    @Override
    public void addDeadLetters(DataStream<DeadLetter> letters) {
      if (letters == null) {
        throw new IllegalArgumentException("deadLetters must not be null");
      }
      deadLetters.add(letters);
    }

    @Override
    public void declareState(TypeInformation<?> keyType, StateDeclaration state) {
      declareState(identity.uid(), keyType, state, "step '" + identity.step() + "'");
    }

    @Override
    public void declareState(String suffix, TypeInformation<?> keyType, StateDeclaration state) {
      String uid = uid(suffix);
      declareState(uid, keyType, state, "operator '" + uid + "'");
    }

    private void declareState(
        String uid, TypeInformation<?> keyType, StateDeclaration state, String declarer) {
      if (keyType == null || state == null) {
        throw new IllegalArgumentException("keyType and state must not be null");
      }
      for (StateInventory.Entry e : states) {
        if (e.uid().equals(uid) && e.state().name().equals(state.name())) {
          throw new IllegalArgumentException(
              declarer + " declares state '" + state.name() + "' twice");
        }
      }
      states.add(
          new StateInventory.Entry(identity.pipeline(), identity.step(), uid, keyType, state));
    }
  }
}
