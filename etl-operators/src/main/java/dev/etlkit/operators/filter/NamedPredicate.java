package dev.etlkit.operators.filter;

import dev.etlkit.core.internal.FunctionLifecycle;
import dev.etlkit.core.internal.Names;
import dev.etlkit.core.internal.UserFunctionCheckpoints;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.functions.util.FunctionUtils;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * A predicate with a name, composable with {@link #and}, {@link #or} and {@link #negate} without
 * losing the names: a composite is named after its parts ({@code "paid and (eu or vip)"}), and
 * {@link Filters#where} counts, for each of its {@linkplain #conjuncts() conjuncts}, how many
 * records it filtered, so the metrics say which condition dropped a record.
 *
 * <pre>{@code
 * NamedPredicate<Order> paid = NamedPredicate.of("paid", Order::isPaid);
 * NamedPredicate<Order> eu = NamedPredicate.of("eu", order -> order.region().equals("EU"));
 * orders.apply(Filters.where("paid-in-eu", paid.and(eu)));
 * }</pre>
 *
 * <p>Evaluation short-circuits from left to right, like {@code &&} and {@code ||}. A predicate that
 * throws makes the step dead-letter the record (per its error policy); it is not counted as
 * filtered. Predicates are immutable and serializable (they travel to the task managers with the
 * job).
 *
 * <p><b>Rich functions.</b> Functions given to {@link #of} get the runtime context and are opened
 * and closed with the step's operator (or with whatever opens this predicate): a {@code
 * NamedPredicate} passes its runtime context and lifecycle on to the functions in its tree. Each
 * function is opened once and closed once, however often it appears in the tree: in {@code
 * p.and(q).or(p)}, or given to {@code of} under two names, it is one function. Functions are told
 * apart by identity, so two that are only {@code equals} are opened each. A function whose {@code
 * close()} throws does not keep the others open: all are closed, and the first failure is thrown
 * with the later ones suppressed.
 *
 * <p><b>Checkpoints.</b> In the same way a {@code NamedPredicate} passes Flink's checkpoint hooks
 * on, each function once: a function that implements {@link CheckpointedFunction} gets {@code
 * initializeState} and {@code snapshotState} (its state is part of the operator that runs the
 * predicate, and survives restores), one that implements {@link CheckpointListener} the checkpoint
 * notifications. All functions of a predicate run in one operator and share its state, so at most
 * one of them may implement {@code CheckpointedFunction}: two could register states of the same
 * name and overwrite each other's without an error. Composing a second one ({@link #and}, {@link
 * #or}) fails with an {@code IllegalArgumentException}, as does a function implementing Flink's
 * deprecated {@code ListCheckpointed}, which is not passed on.
 *
 * @param <T> record type
 */
@PublicEvolving
public abstract class NamedPredicate<T> extends RichFilterFunction<T>
    implements CheckpointedFunction, CheckpointListener {
  private static final long serialVersionUID = 1L;

  // Closed hierarchy: only the nested kinds below.
  private NamedPredicate() {}

  /**
   * A predicate named {@code name}: 1 to 64 letters, digits, {@code . _ -}, starting with a letter
   * or digit (it becomes part of metric and accumulator names).
   *
   * @throws IllegalArgumentException if the name is invalid, or the function implements Flink's
   *     deprecated {@code ListCheckpointed} (implement {@code CheckpointedFunction} instead)
   */
  public static <T> NamedPredicate<T> of(String name, FilterFunction<T> predicate) {
    Names.requireValid(name, "predicate name");
    Objects.requireNonNull(predicate, "predicate");
    return new Leaf<>(
        name, UserFunctionCheckpoints.requireForwardable(predicate, "predicate '" + name + "'"));
  }

  /** The name: as given, or composed from the parts' names ({@code "a and not (b or c)"}). */
  public abstract String name();

  /** True if the record passes. */
  @Override
  public abstract boolean filter(T value) throws Exception;

  /**
   * Both must hold; {@code other} is evaluated only if this one holds.
   *
   * @throws IllegalArgumentException if the two together hold more than one function that
   *     implements {@code CheckpointedFunction}
   */
  public final NamedPredicate<T> and(NamedPredicate<T> other) {
    return new All<>(flatten(this, Objects.requireNonNull(other, "other"), All.class));
  }

  /**
   * At least one must hold; {@code other} is evaluated only if this one does not.
   *
   * @throws IllegalArgumentException if the two together hold more than one function that
   *     implements {@code CheckpointedFunction}
   */
  public final NamedPredicate<T> or(NamedPredicate<T> other) {
    return new Any<>(flatten(this, Objects.requireNonNull(other, "other"), Any.class));
  }

  /** Holds when this one does not; named {@code "not <name>"}. */
  public final NamedPredicate<T> negate() {
    return new Not<>(this);
  }

  /**
   * The same predicate under another name, counted as one unit: {@code paid.and(eu).named("ok")}
   * has the single conjunct {@code ok}.
   *
   * @throws IllegalArgumentException if the name is invalid (same rules as {@link #of})
   */
  public final NamedPredicate<T> named(String name) {
    return new Renamed<>(Names.requireValid(name, "predicate name"), unwrap(this));
  }

  /**
   * The parts that must all hold, in evaluation order: the operands of a chain of {@link #and}s,
   * otherwise this predicate alone. {@link Filters#where} counts a filtered record against the
   * first conjunct that did not hold.
   */
  public List<NamedPredicate<T>> conjuncts() {
    return Collections.singletonList(this);
  }

  /** The direct parts of this predicate (user functions or predicates). */
  abstract List<FilterFunction<T>> parts();

  @Override
  public final void setRuntimeContext(RuntimeContext context) {
    super.setRuntimeContext(context);
    for (FilterFunction<T> function : userFunctions(List.of(this))) {
      FunctionUtils.setFunctionRuntimeContext(function, context);
    }
  }

  @Override
  public final void open(OpenContext openContext) throws Exception {
    for (FilterFunction<T> function : userFunctions(List.of(this))) {
      FunctionUtils.openFunction(function, openContext);
    }
  }

  /** Passes {@code initializeState} on to the function of this predicate that is checkpointed. */
  @Override
  public final void initializeState(FunctionInitializationContext context) throws Exception {
    UserFunctionCheckpoints.initializeState(userFunctions(List.of(this)), context);
  }

  /** Passes {@code snapshotState} on to the function of this predicate that is checkpointed. */
  @Override
  public final void snapshotState(FunctionSnapshotContext context) throws Exception {
    UserFunctionCheckpoints.snapshotState(userFunctions(List.of(this)), context);
  }

  /** Passes the notification on to the functions of this predicate that listen, each once. */
  @Override
  public final void notifyCheckpointComplete(long checkpointId) throws Exception {
    UserFunctionCheckpoints.notifyCheckpointComplete(userFunctions(List.of(this)), checkpointId);
  }

  /** Passes the notification on to the functions of this predicate that listen, each once. */
  @Override
  public final void notifyCheckpointAborted(long checkpointId) throws Exception {
    UserFunctionCheckpoints.notifyCheckpointAborted(userFunctions(List.of(this)), checkpointId);
  }

  @Override
  public final void close() throws Exception {
    FunctionLifecycle.closeAll(userFunctions(List.of(this)));
  }

  /**
   * The functions whose lifecycle an operator evaluating {@code predicates} drives: the user
   * functions in the trees of the {@code NamedPredicate}s among them, and the others as they are.
   * Each appears once, however often it is reachable (told apart by identity), in the order first
   * met from left to right.
   */
  static <T> List<FilterFunction<T>> userFunctions(List<? extends FilterFunction<T>> predicates) {
    List<FilterFunction<T>> functions = new ArrayList<>();
    collectUserFunctions(predicates, Collections.newSetFromMap(new IdentityHashMap<>()), functions);
    return functions;
  }

  private static <T> void collectUserFunctions(
      List<? extends FilterFunction<T>> parts, Set<Object> seen, List<FilterFunction<T>> into) {
    for (FilterFunction<T> part : parts) {
      if (!seen.add(part)) {
        continue;
      }
      if (part instanceof NamedPredicate) {
        collectUserFunctions(((NamedPredicate<T>) part).parts(), seen, into);
      } else {
        into.add(part);
      }
    }
  }

  @Override
  public String toString() {
    return name();
  }

  /** The name as an operand of {@code and}/{@code or}/{@code not}: composites in parentheses. */
  String operand() {
    return name();
  }

  private static <T> NamedPredicate<T> unwrap(NamedPredicate<T> predicate) {
    return predicate instanceof Renamed ? ((Renamed<T>) predicate).inner : predicate;
  }

  /** Operands of a new and/or: operands of the same unnamed kind are merged, not nested. */
  private static <T> List<NamedPredicate<T>> flatten(
      NamedPredicate<T> left, NamedPredicate<T> right, Class<?> kind) {
    List<NamedPredicate<T>> operands = new ArrayList<>();
    for (NamedPredicate<T> side : List.of(left, right)) {
      if (kind.isInstance(side)) {
        operands.addAll(((Composite<T>) side).operands);
      } else {
        operands.add(side);
      }
    }
    return operands;
  }

  private static final class Leaf<T> extends NamedPredicate<T> {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final FilterFunction<T> function;

    Leaf(String name, FilterFunction<T> function) {
      this.name = name;
      this.function = function;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public boolean filter(T value) throws Exception {
      return function.filter(value);
    }

    @Override
    List<FilterFunction<T>> parts() {
      return Collections.singletonList(function);
    }
  }

  /** An and/or over two or more operands, evaluated left to right with short circuit. */
  private abstract static class Composite<T> extends NamedPredicate<T> {
    private static final long serialVersionUID = 1L;
    final List<NamedPredicate<T>> operands;
    private final NamedPredicate<T>[] evaluated;
    private final String name;

    @SuppressWarnings("unchecked")
    Composite(List<NamedPredicate<T>> operands, String joiner) {
      this.operands = Collections.unmodifiableList(new ArrayList<>(operands));
      this.evaluated = operands.toArray(new NamedPredicate[0]);
      StringBuilder n = new StringBuilder();
      for (NamedPredicate<T> operand : operands) {
        n.append(n.length() == 0 ? "" : joiner).append(operand.operand());
      }
      this.name = n.toString();
      UserFunctionCheckpoints.requireAtMostOneCheckpointed(
          userFunctions(operands), "predicate '" + name + "'");
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    String operand() {
      return "(" + name + ")";
    }

    /** The operands as an array, for the per-record loop. */
    final NamedPredicate<T>[] evaluated() {
      return evaluated;
    }

    @Override
    @SuppressWarnings("unchecked")
    List<FilterFunction<T>> parts() {
      return (List<FilterFunction<T>>) (List<?>) operands;
    }
  }

  private static final class All<T> extends Composite<T> {
    private static final long serialVersionUID = 1L;

    All(List<NamedPredicate<T>> operands) {
      super(operands, " and ");
    }

    @Override
    public boolean filter(T value) throws Exception {
      for (NamedPredicate<T> operand : evaluated()) {
        if (!operand.filter(value)) {
          return false;
        }
      }
      return true;
    }

    @Override
    public List<NamedPredicate<T>> conjuncts() {
      return operands;
    }
  }

  private static final class Any<T> extends Composite<T> {
    private static final long serialVersionUID = 1L;

    Any(List<NamedPredicate<T>> operands) {
      super(operands, " or ");
    }

    @Override
    public boolean filter(T value) throws Exception {
      for (NamedPredicate<T> operand : evaluated()) {
        if (operand.filter(value)) {
          return true;
        }
      }
      return false;
    }
  }

  private static final class Not<T> extends NamedPredicate<T> {
    private static final long serialVersionUID = 1L;
    private final NamedPredicate<T> negated;
    private final String name;

    Not(NamedPredicate<T> negated) {
      this.negated = negated;
      this.name = "not " + negated.operand();
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public boolean filter(T value) throws Exception {
      return !negated.filter(value);
    }

    @Override
    List<FilterFunction<T>> parts() {
      return Collections.singletonList(negated);
    }
  }

  private static final class Renamed<T> extends NamedPredicate<T> {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final NamedPredicate<T> inner;

    Renamed(String name, NamedPredicate<T> inner) {
      this.name = name;
      this.inner = inner;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public boolean filter(T value) throws Exception {
      return inner.filter(value);
    }

    @Override
    List<FilterFunction<T>> parts() {
      return Collections.singletonList(inner);
    }
  }
}
