package dev.etlkit.testkit;

import dev.etlkit.testkit.internal.KeyedStreamOperator;
import dev.etlkit.testkit.internal.KeyedTwoInputStreamOperator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Experimental;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.types.Either;

/**
 * A recipe for keyed operator harnesses: which operator, how it is keyed, its output type, and the
 * state backend. Immutable; every {@link #open()} or {@link #restore} builds a fresh operator from
 * the supplier and a fresh harness, so one recipe serves a whole test, including restores.
 *
 * <pre>{@code
 * KeyedHarness<String, Change<String>, String> counter =
 *     KeyedHarness.forFunction(
 *         SampleCounter::new, SampleCounter::keyOf, Types.STRING, Types.STRING);
 *
 * try (OperatorHarness<Change<String>, String> harness = counter.on(backend).open()) {
 *   harness.processElement(Change.insert("k1#v1"), 10);
 *   assertThat(harness.output()).containsExactly("k1 n=1 last=+I[k1#v1] kinds={+I=1}");
 * }
 * }</pre>
 *
 * <p>The harness runs one subtask (parallelism 1) owning all {@link #DEFAULT_MAX_PARALLELISM} key
 * groups, with Flink generic types disabled (see {@link OperatorHarness}); {@link #openSubtask} and
 * {@link #restoreSubtask} run one subtask of several, for example to restore a job with another
 * parallelism.
 *
 * @param <K> key type
 * @param <I> input type
 * @param <O> main output type
 */
@PublicEvolving
public final class KeyedHarness<K, I, O> {

  /** Key groups of the harness: Flink's smallest default max parallelism. */
  public static final int DEFAULT_MAX_PARALLELISM = 128;

  /** Backend used unless {@link #on} says otherwise. */
  public static final StateBackendKind DEFAULT_BACKEND = StateBackendKind.HEAP;

  /** Creates a fresh operator for a harness, given the user code class loader (null: default). */
  private final Function<ClassLoader, ? extends OneInputStreamOperator<I, O>> operator;

  private final KeySelector<I, K> keySelector;
  private final TypeInformation<K> keyType;
  private final TypeInformation<O> outputType;

  /** Backend, options and class loader of the harnesses. */
  private final HarnessOptions<I> options;

  private KeyedHarness(
      Function<ClassLoader, ? extends OneInputStreamOperator<I, O>> operator,
      KeySelector<I, K> keySelector,
      TypeInformation<K> keyType,
      TypeInformation<O> outputType,
      HarnessOptions<I> options) {
    this.operator = Objects.requireNonNull(operator, "operator");
    this.keySelector = Objects.requireNonNull(keySelector, "keySelector");
    this.keyType = Objects.requireNonNull(keyType, "keyType");
    this.outputType = Objects.requireNonNull(outputType, "outputType");
    this.options = options;
  }

  /**
   * Harnesses for any one-input operator on a keyed stream, but one on Flink's asynchronous state
   * ({@code enableAsyncState()}, an {@code AbstractAsyncKeyOrderedStreamOperator}), which Flink
   * runs without a keyed state backend of its own: {@link #open()} refuses it with an {@code
   * IllegalArgumentException} (test it with Flink's {@code
   * AsyncKeyedOneInputStreamOperatorTestHarness}).
   *
   * @param operator creates a fresh operator for every harness (never return a shared instance)
   * @param keySelector the key of the stream, as in {@code keyBy(keySelector)}
   * @param keyType type of the key; must not be a generic (Kryo) type
   * @param outputType type of the main output; must not be a generic (Kryo) type
   */
  public static <K, I, O> KeyedHarness<K, I, O> forOperator(
      Supplier<? extends OneInputStreamOperator<I, O>> operator,
      KeySelector<I, K> keySelector,
      TypeInformation<K> keyType,
      TypeInformation<O> outputType) {
    Objects.requireNonNull(operator, "operator");
    return withDefaults(userCode -> operator.get(), keySelector, keyType, outputType);
  }

  /**
   * Harnesses for a {@link KeyedProcessFunction}, run in Flink's {@link KeyedProcessOperator} as
   * {@code keyBy(keySelector).process(function)} would.
   *
   * @param function creates a fresh function for every harness (never return a shared instance)
   */
  public static <K, I, O> KeyedHarness<K, I, O> forFunction(
      Supplier<? extends KeyedProcessFunction<K, I, O>> function,
      KeySelector<I, K> keySelector,
      TypeInformation<K> keyType,
      TypeInformation<O> outputType) {
    Objects.requireNonNull(function, "function");
    return forOperator(
        () -> new KeyedProcessOperator<>(function.get()), keySelector, keyType, outputType);
  }

  /**
   * Harnesses for the keyed operator that made {@code stepOutput}, exactly as the job graph holds
   * it: the operator a step (or your own {@code keyBy(...).process(...)}) added, with its
   * configuration, keyed by the stream's key, with the operator's output type. Apply the step to a
   * stream that is never executed and pass the step's output, so a test runs the step as the
   * pipeline wires it (its key, TTL and options):
   *
   * <pre>{@code
   * DataStream<Order> deduplicated =
   *     Etl.from(orders, "orders") // orders: any DataStream<Order>, never executed
   *         .apply(Dedup.keepFirst("dedup", Order::orderId).withStateTtl(Duration.ofHours(24)))
   *         .toDataStream();
   * KeyedHarness<Object, Order, Order> dedup = KeyedHarness.forStream(deduplicated, orders.getType());
   * }</pre>
   *
   * <p>The operator in the job graph is never run: every {@link #open()} or {@link #restore} runs a
   * fresh copy of it, serialized and read back as Flink ships it to a task, with the class loader
   * of {@link #withUserCodeClassLoader} (by default the test kit's). The key type is the stream's
   * key type, {@code Object} here. Only the main output and side outputs of that one operator are
   * recorded: operators the step adds after it (a map, a union) do not run, and a step whose output
   * is not made by the keyed operator itself is refused.
   *
   * @param stepOutput a stream made by a one-input operator on a keyed stream (its transformation a
   *     keyed {@code OneInputTransformation} whose operator comes from a {@code
   *     SimpleOperatorFactory}, as {@code KeyedStream#process} and {@code KeyedStream#transform}
   *     with an operator make it; for a two-input operator see {@link #forTwoInputStream})
   * @param inputType the type the operator reads: the type of the stream that was keyed
   * @throws IllegalArgumentException if the stream is not made by such an operator (a source, a
   *     {@code keyBy} alone, an operator on a stream that is not keyed, a two-input operator, an
   *     operator from another factory, one on asynchronous state from {@code enableAsyncState()}),
   *     or the operator reads another type than {@code inputType}; the message names the
   *     transformation found
   */
  public static <I, O> KeyedHarness<Object, I, O> forStream(
      DataStream<O> stepOutput, TypeInformation<I> inputType) {
    KeyedStreamOperator<I, O> found = KeyedStreamOperator.of(stepOutput, inputType);
    return withDefaults(found::copy, found.keySelector(), found.keyType(), found.outputType());
  }

  /**
   * Harnesses for the keyed two-input operator behind {@code stepOutput} (a join of two keyed
   * streams, such as the one a {@code DimensionJoin} step adds), as the job graph holds it, with
   * both inputs interleaved in one script: a {@link Either#Left} is a record of the first input, a
   * {@link Either#Right} one of the second. Apply the step to streams that are never executed and
   * pass the step's output:
   *
   * <pre>{@code
   * DataStream<String> enriched =
   *     orders.keyBy(ChangelogGenerator::stringKey, Types.STRING)
   *         .connect(rows.keyBy(ChangelogGenerator::stringKey, Types.STRING))
   *         .process(new Enrich(), Types.STRING);
   * KeyedHarness<Object, Either<String, String>, String> enrich =
   *     KeyedHarness.forTwoInputStream(enriched, Types.STRING, Types.STRING);
   *
   * try (OperatorHarness<Either<String, String>, String> harness = enrich.open()) {
   *   harness.processElement(Either.Right("k1#v1"), 11);
   *   harness.processElement(Either.Left("k1#o2"), 12);
   *   assertThat(harness.output()).containsExactly("k1#o2 with k1#v1");
   * }
   * }</pre>
   *
   * <p>The operator is the stream's producer or, when it is not, the only keyed two-input operator
   * the stream reaches through unions and side outputs (a step whose output is the union of the
   * join's output with another path, such as records with a null key). The other paths do not run.
   *
   * <p>As {@link #forStream}: every {@link #open()} or {@link #restore} runs a fresh copy of the
   * operator, serialized and read back with the class loader of {@link #withUserCodeClassLoader};
   * the key type is the operator's key type, {@code Object} here; the main output and the side
   * outputs of that one operator are recorded. The copy runs behind a one-input face, so everything
   * a {@code KeyedHarness} offers ({@link OperatorHarness}, {@link CutPointCheck}, {@link
   * RescaleCheck}, snapshots and savepoints on any backend) works unchanged. Its state, timers and
   * snapshots are the two-input operator's own: a snapshot restores into the operator of a job.
   * {@link OperatorHarness#unwrap()}{@code .getOperator()} is the two-input operator.
   *
   * <p>Watermarks: {@link OperatorHarness#processWatermark1} and {@link
   * OperatorHarness#processWatermark2} (script steps {@link HarnessInput.Builder#watermark1} and
   * {@link HarnessInput.Builder#watermark2}) advance one input alone, and {@link
   * OperatorHarness#setIdle} marks one idle; the operator combines them itself, as Flink's {@code
   * AbstractStreamOperator} does in a job: its watermark is the minimum of its active inputs'
   * watermarks, and its timers fire and a watermark is forwarded only when that minimum rises (a
   * join waiting for a lagging dimension waits here too). {@link OperatorHarness#processWatermark}
   * gives both inputs the same watermark, first then second, as in a job whose two inputs advance
   * together. Both inputs start at {@code Long.MIN_VALUE} and active, after a restore too (a
   * snapshot holds no watermark). To hand over copies of the elements ({@link #withInputType}),
   * give {@code Types.EITHER(firstInputType, secondInputType)}.
   *
   * @param stepOutput a stream made by a two-input operator on two keyed streams (a keyed {@code
   *     TwoInputTransformation} whose operator comes from a {@code SimpleOperatorFactory} and
   *     extends {@code AbstractStreamOperator}, as {@code ConnectedStreams#process} and {@code
   *     #transform} on keyed streams make it), directly or through unions and side outputs
   * @param firstInputType the type of the operator's first input (the stream {@code connect} was
   *     called on)
   * @param secondInputType the type of the operator's second input
   * @throws IllegalArgumentException if the stream reaches no such operator or more than one, the
   *     operator is not copyable (another factory), does not extend {@code AbstractStreamOperator}
   *     or runs on asynchronous state ({@code enableAsyncState()}), reads other types than the
   *     given ones, or emits another type than the stream's; the message names the transformations
   *     found
   */
  public static <I1, I2, O> KeyedHarness<Object, Either<I1, I2>, O> forTwoInputStream(
      DataStream<O> stepOutput,
      TypeInformation<I1> firstInputType,
      TypeInformation<I2> secondInputType) {
    KeyedTwoInputStreamOperator<I1, I2, O> found =
        KeyedTwoInputStreamOperator.of(stepOutput, firstInputType, secondInputType);
    return withDefaults(found::copy, found.keySelector(), found.keyType(), found.outputType());
  }

  private static <K, I, O> KeyedHarness<K, I, O> withDefaults(
      Function<ClassLoader, ? extends OneInputStreamOperator<I, O>> operator,
      KeySelector<I, K> keySelector,
      TypeInformation<K> keyType,
      TypeInformation<O> outputType) {
    return new KeyedHarness<>(
        operator, keySelector, keyType, outputType, HarnessOptions.defaults());
  }

  /**
   * This recipe on the given state backend (default {@link #DEFAULT_BACKEND}), also when it ran on
   * ForSt ({@link #onForSt}) before.
   */
  public KeyedHarness<K, I, O> on(StateBackendKind backend) {
    return with(options.on(Objects.requireNonNull(backend, "backend")));
  }

  /**
   * This recipe on Flink's ForSt state backend instead of {@link #backend()}, configured with
   * {@code options} as a job with {@code state.backend.type: forst} and these options would
   * configure it: ForSt's defaults for an empty configuration, or any {@code state.backend.forst.*}
   * option, such as {@code state.backend.forst.timer-service.factory}, and {@code
   * execution.checkpointing.incremental}. ForSt keeps its working files in a directory of the
   * harness's own under {@code java.io.tmpdir} (whatever {@code state.backend.forst.local-dir}
   * says), deleted when the harness closes. Operators on keyed streams use ForSt's synchronous
   * state API there, as in a job: the state primitives, timers, key iteration and state TTL all
   * work as on RocksDB.
   *
   * <p>ForSt is experimental in Flink 2.2, and two limits of Flink's shape what a recipe on it can
   * do (docs/operations.md#the-forst-state-backend):
   *
   * <ul>
   *   <li>It takes no canonical savepoints: {@link OperatorHarness#savepoint()} fails, and {@link
   *       OperatorHarness#snapshot()} restores on ForSt only. Its state cannot move to the heap or
   *       RocksDB.
   *   <li>It restores a canonical savepoint of the heap or RocksDB only when its timers are on the
   *       heap ({@code state.backend.forst.timer-service.factory: HEAP}); with its default, timers
   *       in ForSt, Flink fails the restore with {@code UnsupportedOperationException: Not support
   *       restoring yet for ForStStateBackend}.
   * </ul>
   *
   * <p>{@link CutPointCheck} and {@link RescaleCheck} restore a ForSt recipe on ForSt. It does not
   * run under {@link #withStateChangelog()} (Flink documents ForSt without changelog support) nor
   * with {@link SavepointCompatibility} files (canonical savepoints). Needs {@code
   * org.apache.flink:flink-statebackend-forst} on the test class path (docs/testing.md).
   *
   * @param options ForSt's options; copied, later changes do not reach the recipe
   */
  @Experimental
  public KeyedHarness<K, I, O> onForSt(Configuration options) {
    return with(
        this.options.onForSt(new Configuration(Objects.requireNonNull(options, "options"))));
  }

  /**
   * This recipe under Flink's changelog state backend ({@code state.changelog.enabled}) over its
   * backend: every state write ({@code update}, {@code put}, {@code add}, {@code remove}, {@code
   * clear}) is also serialized into a state changelog kept in memory. The harness never
   * materializes, so a {@link OperatorHarness#snapshot()} holds every change since the harness
   * opened (after the state it was restored from), and {@link #restore} rebuilds the state by
   * replaying them.
   *
   * <p>Use it with {@link CutPointCheck} or {@link RescaleCheck} (whose restores split the
   * changelog by key group) on the {@link StateBackendKind#HEAP heap}: a step that changes a state
   * object in place and does not write it back passes on the plain heap (the heap keeps that
   * object) but loses the change on restore here, as it would in a job with the changelog backend.
   * Snapshots of a recipe with the changelog restore only into a recipe with it. Needs {@code
   * org.apache.flink:flink-statebackend-changelog} on the test class path (docs/testing.md lists it
   * with the kit's other dependencies; {@code flink-test-utils} brings it too).
   */
  public KeyedHarness<K, I, O> withStateChangelog() {
    return with(options.withStateChangelog());
  }

  /**
   * This recipe with Flink's object reuse on ({@code pipeline.object-reuse}, {@code
   * ExecutionConfig#enableObjectReuse}), which operators read when they open. Flink then hands a
   * chained operator the very object its upstream emitted, which the upstream may change and emit
   * again; an operator that keeps an input (in heap state, a field, a buffer) past the call must
   * copy it. The harness passes each element to the operator as it is given, so a test can reuse
   * one mutable object for all its inputs, as such an upstream does, and compare the output and the
   * restored state with those of fresh objects. The harness's own copies of the output are
   * unaffected.
   */
  public KeyedHarness<K, I, O> withObjectReuse() {
    return withObjectReuse(true);
  }

  /** This recipe with Flink's object reuse on or off. */
  KeyedHarness<K, I, O> withObjectReuse(boolean on) {
    return with(options.withObjectReuse(on));
  }

  /**
   * This recipe with another number of key groups (default {@link #DEFAULT_MAX_PARALLELISM}). Keyed
   * state restores only into the same number of key groups, as Flink refuses to restore a job whose
   * max parallelism changed: {@link #restore} and {@link #restoreSubtask} refuse a snapshot of
   * another number.
   */
  public KeyedHarness<K, I, O> withMaxParallelism(int maxParallelism) {
    if (maxParallelism < 1 || maxParallelism > 32768) {
      throw new IllegalArgumentException(
          "maxParallelism must be in 1..32768, was " + maxParallelism);
    }
    return with(options.withMaxParallelism(maxParallelism));
  }

  /**
   * This recipe handing every element to the operator as a copy made with the input's serializer,
   * as Flink hands a keyed operator a fresh deserialized object per record when object reuse is off
   * (Flink's default; with {@link #withObjectReuse()} the harness passes elements as they are).
   * Without it, the harness passes the caller's objects themselves.
   *
   * <p>Give it for an operator that changes its input objects, which Flink allows with object reuse
   * off: {@link CutPointCheck}, {@link RescaleCheck} and {@link ObjectReuseCheck} run one script
   * several times, and without copies each run would see what the runs before changed (they fail
   * with "the operator changed its input objects" when the script's text changed during a run). The
   * copies also keep the script unchanged.
   *
   * @param inputType type of the input; must not be a generic (Kryo) type
   */
  public KeyedHarness<K, I, O> withInputType(TypeInformation<I> inputType) {
    return with(options.withInputType(Objects.requireNonNull(inputType, "inputType")));
  }

  /** The input's type if elements are handed over as copies ({@link #withInputType}). */
  public Optional<TypeInformation<I>> inputType() {
    return Optional.ofNullable(options.inputType());
  }

  /**
   * This recipe with another user code class loader: the class loader the harness's task
   * environment hands to the state backend and serializers to resolve user classes with, such as
   * the classes named in the serializer snapshots of restored state. By default it is the class
   * loader of Flink's test utilities, which sees the test class path (setting the thread's context
   * class loader does not change it). Set it to test state evolution of your own types: load two
   * versions of a class with the same name in two class loaders (whose parent is the test's, so
   * Flink and etlkit classes are shared), and restore the state of one version into a recipe of the
   * other with that version's class loader. The operator, key selector and type information must
   * use the classes this loader resolves; a recipe {@link #forStream} copies its operator with this
   * loader.
   */
  public KeyedHarness<K, I, O> withUserCodeClassLoader(ClassLoader classLoader) {
    return with(
        options.withUserCodeClassLoader(Objects.requireNonNull(classLoader, "classLoader")));
  }

  /** This recipe's operator, keying and output type with the given options. */
  private KeyedHarness<K, I, O> with(HarnessOptions<I> options) {
    return new KeyedHarness<>(operator, keySelector, keyType, outputType, options);
  }

  /**
   * The backend of {@link #on}; a recipe {@link #onForSt on ForSt} keeps its state there instead,
   * and returns to this backend with {@code on(backend())}.
   */
  public StateBackendKind backend() {
    return options.backend();
  }

  /** Whether the recipe runs on Flink's ForSt state backend: {@link #onForSt}. */
  public boolean forSt() {
    return options.forStOptions() != null;
  }

  /**
   * Whether restoring this recipe's state on {@code target} (null: on this recipe) switches
   * backends, which takes canonical savepoints ({@link CutPointCheck}, {@link RescaleCheck}).
   *
   * @throws IllegalStateException for a switch from ForSt, which takes no canonical savepoints
   */
  boolean switchesTo(@Nullable KeyedHarness<?, ?, ?> target) {
    if (target == null) {
      return false;
    }
    if (forSt()) {
      throw new IllegalStateException(
          "a recipe on ForSt restores on ForSt only (ForSt takes no canonical savepoints), but"
              + " restoringOn named "
              + target.backendName());
    }
    return target.forSt() || target.backend() != backend();
  }

  /** The backend the recipe runs on, for messages: {@code FORST} or the {@link #backend()}. */
  String backendName() {
    return forSt() ? "FORST" : backend().name();
  }

  /**
   * Whether the backend runs under Flink's changelog state backend: {@link #withStateChangelog}.
   */
  public boolean stateChangelog() {
    return options.stateChangelog();
  }

  /** Whether Flink's object reuse is on: {@link #withObjectReuse}. */
  public boolean objectReuse() {
    return options.objectReuse();
  }

  public int maxParallelism() {
    return options.maxParallelism();
  }

  /**
   * The user code class loader of this recipe's harnesses (see {@link #withUserCodeClassLoader}):
   * empty for the default, the class loader of Flink's test utilities.
   */
  public Optional<ClassLoader> userCodeClassLoader() {
    return Optional.ofNullable(options.userCodeClassLoader());
  }

  /** A fresh operator in a fresh harness with empty state, opened. */
  public OperatorHarness<I, O> open() throws Exception {
    return open(null, 0L, 0L);
  }

  /**
   * A fresh operator in a fresh harness, restored from a snapshot and opened. The state must come
   * from {@link OperatorHarness#snapshot()} on the same backend, or from {@link
   * OperatorHarness#savepoint()} on any backend, of a recipe with the same {@link
   * #maxParallelism()}. Both clocks start at 0; set them before feeding input if the operator's
   * timers or TTL need the time the snapshot was taken.
   *
   * @throws IllegalArgumentException if the state holds keyed state of another number of key groups
   *     (a snapshot a harness took with another max parallelism, or one holding key groups beyond
   *     this recipe's): its keys would land in other key groups than their lookups compute, and
   *     some would silently start from empty state
   */
  public OperatorHarness<I, O> restore(OperatorSubtaskState state) throws Exception {
    return open(Objects.requireNonNull(state, "state"), 0L, 0L);
  }

  /**
   * A fresh operator in a fresh harness as subtask {@code subtaskIndex} of {@code parallelism},
   * owning the key groups Flink assigns it, with empty state, opened. Route elements to it with
   * {@link #subtaskOf}.
   */
  public OperatorHarness<I, O> openSubtask(int parallelism, int subtaskIndex) throws Exception {
    KeyGroups.checkSubtask(maxParallelism(), parallelism, subtaskIndex);
    return open(null, 0L, 0L, parallelism, subtaskIndex);
  }

  /**
   * A fresh operator in a fresh harness as subtask {@code subtaskIndex} of a job restored with
   * {@code parallelism} from the snapshots of all subtasks of the job before (in subtask order),
   * given the share Flink gives it: its key groups' keyed state, and operator state as each state's
   * redistribution mode says. Both clocks start at 0.
   *
   * @param snapshots one snapshot per subtask of the job before, as for {@link #restore}
   * @throws IllegalArgumentException as {@link #restore}, for a snapshot of another number of key
   *     groups
   */
  public OperatorHarness<I, O> restoreSubtask(
      List<OperatorSubtaskState> snapshots, int parallelism, int subtaskIndex) throws Exception {
    return restoreSubtask(snapshots, parallelism, subtaskIndex, 0L, 0L);
  }

  /** As {@link #restoreSubtask(List, int, int)}, with the clocks at the given times. */
  OperatorHarness<I, O> restoreSubtask(
      List<OperatorSubtaskState> snapshots,
      int parallelism,
      int subtaskIndex,
      long processingTime,
      long stateTtlTime)
      throws Exception {
    KeyGroups.checkSubtask(maxParallelism(), parallelism, subtaskIndex);
    OperatorSubtaskState share =
        KeyGroups.shareOf(snapshots, maxParallelism(), parallelism, subtaskIndex);
    return open(share, processingTime, stateTtlTime, parallelism, subtaskIndex);
  }

  /** Opens a harness whose clocks stand at the given times before the state is restored. */
  OperatorHarness<I, O> open(
      @Nullable OperatorSubtaskState state, long processingTime, long stateTtlTime)
      throws Exception {
    return open(state, processingTime, stateTtlTime, 1, 0);
  }

  /**
   * Opens subtask {@code subtaskIndex} of {@code parallelism} (owning the key groups Flink assigns
   * it), its clocks at the given times before the state is restored.
   */
  OperatorHarness<I, O> open(
      @Nullable OperatorSubtaskState state,
      long processingTime,
      long stateTtlTime,
      int parallelism,
      int subtaskIndex)
      throws Exception {
    if (state != null) {
      KeyGroups.checkSnapshot(state, maxParallelism());
    }
    return options.open(
        operator,
        keySelector,
        keyType,
        outputType,
        state,
        processingTime,
        stateTtlTime,
        parallelism,
        subtaskIndex);
  }

  /** The key of {@code element}, as the recipe's key selector gives it. */
  Object keyOf(I element) throws Exception {
    return keySelector.getKey(element);
  }

  /** The subtask of {@code parallelism} that processes {@code element}, as Flink routes it. */
  public int subtaskOf(I element, int parallelism) throws Exception {
    return KeyGroupRangeAssignment.assignKeyToParallelOperator(
        keySelector.getKey(element), maxParallelism(), parallelism);
  }

  @Override
  public String toString() {
    return "KeyedHarness{backend="
        + backendName()
        + (options.forStOptions() == null ? "" : ", forStOptions=" + options.forStOptions().toMap())
        + (options.stateChangelog() ? ", stateChangelog" : "")
        + (options.objectReuse() ? ", objectReuse" : "")
        + ", maxParallelism="
        + options.maxParallelism()
        + (options.userCodeClassLoader() == null
            ? ""
            : ", userCodeClassLoader=" + options.userCodeClassLoader())
        + "}";
  }
}
