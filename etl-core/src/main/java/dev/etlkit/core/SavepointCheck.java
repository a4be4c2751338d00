package dev.etlkit.core;

import dev.etlkit.core.internal.JobOperator;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.JobVertexID;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.CompletedCheckpointStorageLocation;
import org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * What a restore of a savepoint into a new version of a job would do, found before the job runs:
 * which operators of the savepoint the job has no place for (Flink then refuses the restore unless
 * it may drop their state), which operators and which declared states of the job the savepoint
 * lacks (they start empty: a renamed step looks like this), which saved states a step can no longer
 * read (a changed state layout, which fails the restore), which migrate, which saved states no step
 * declares any more, and where the job's max parallelism differs from the savepoint's.
 *
 * <p>Build the new version of the job onto an environment without running it, then check:
 *
 * <pre>{@code
 * StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
 * EtlStream<Order> orders = buildJob(env); // the new version, not executed
 * SavepointCheck.Report report =
 *     SavepointCheck.of(env, orders.pipeline().stateInventory())
 *         .against("s3://my-bucket/savepoints/savepoint-1a2b3c-0123456789ab");
 * if (!report.restores()) { // Flink would refuse the restore: stop the deployment
 *   throw new IllegalStateException("the savepoint does not restore:\n" + report.toTable());
 * }
 * }</pre>
 *
 * <p>The check matches operators as Flink's restore does: by the hash of the uid (or of the
 * operator's position where it has none), and takes the job's operators, uids and max parallelism
 * from the job graph the environment builds. Make the environment with the configuration the job is
 * submitted with (the cluster's {@code config.yaml} included): the check sees the {@code
 * pipeline.max-parallelism} and {@code state.backend.type} the environment has. It compares state
 * names with the {@linkplain StateInventory state inventories} given: operators no inventory lists
 * (sources, sinks, your own functions) are matched and their keys compared (with the job graph's
 * key serializer), but their states are not ({@link Report#notCompared()} names them). For each
 * keyed state declared with its types ({@link StateDeclaration#stateSerializer}; every etlkit step
 * declares its keyed states so) it resolves the declared serializer against the one the savepoint
 * wrote, as Flink's state backends do at a restore, and whether Flink's state TTL was switched on
 * or off ({@link StateDeclaration#hasFlinkStateTtl}): the heap and RocksDB backends migrate such a
 * state, the ForSt backend fails the restore, so the check counts it as incompatible when the job's
 * configuration names {@code state.backend.type: forst}. It compares each declared keyed state's
 * kind with the one the savepoint recorded (Flink never turns a value state into a map state), a
 * map state's keys on their own (RocksDB and ForSt migrate only a map state's values), and the
 * job's parallelism with the savepoint's max parallelism. An operator list state declared with its
 * element type is compared the same way, and by its distribution (split, or union: {@link
 * StateDeclaration#withUnionDistribution}); a broadcast state declared as a map state by its keys
 * and values. It reads the savepoint's metadata and the description at the start of each subtask's
 * keyed and operator state (names and serializer snapshots), never the state itself.
 *
 * <p>Savepoints (canonical or native) and retained checkpoints of the heap, RocksDB and ForSt
 * backends are read; for keyed state that does not describe its states (checkpoints under the state
 * changelog) the report says so ({@link Kind#STATES_NOT_READ}) and compares only operators. The
 * savepoint's files are read through Flink's file systems: a savepoint on S3 needs the S3 file
 * system on the class path of the program that runs the check.
 */
@PublicEvolving
public final class SavepointCheck {

  /** What a finding is about. */
  @PublicEvolving
  public enum Kind {
    /**
     * The savepoint holds state of an operator the job does not have (a removed or renamed step, or
     * an operator whose uid changed). Flink refuses the restore, or drops that state when allowed
     * to ({@code --allowNonRestoredState}).
     */
    NOT_IN_JOB,
    /**
     * The job sets a max parallelism for an operator that differs from the savepoint's: Flink
     * refuses the restore. Keyed state is split into as many key groups as the max parallelism, so
     * it can never change.
     */
    MAX_PARALLELISM_CHANGED,
    /**
     * The job runs an operator with a parallelism above the savepoint's max parallelism, in a task
     * that restores state: Flink refuses the restore, as keyed state cannot be split into more
     * parts than it has key groups. Flink counts every operator that was in a task holding state
     * when the savepoint was taken (a stateless map chained to a source, say), and every operator
     * of a task that now restores state.
     */
    PARALLELISM_ABOVE_MAX_PARALLELISM,
    /**
     * The savepoint wrote a state with a serializer the step's declared serializer cannot read: the
     * restore fails when the operator registers the state (a changed state layout, such as another
     * dedup mode or a normalizer's sequence switched on). Also, about the whole operator (its
     * states then empty), when the description of its saved states cannot be read, as when a class
     * the saved serializers name is not on the job's class path (a state's type renamed or moved):
     * the restore reads that description too, and fails. For a serializer the step cannot read, the
     * message names the savepoint's serializer and the step's as they print (etlkit's name what
     * their state holds, such as SCD2's output mode or dedup's keep mode), a serializer without a
     * text of its own by its class, each cut at 200 characters.
     */
    STATE_INCOMPATIBLE,
    /**
     * The step's key serializer cannot read the keys the savepoint wrote (the step's key type
     * changed): the restore fails, as Flink migrates values but never keys.
     */
    KEY_INCOMPATIBLE,
    /**
     * An operator of the job that the savepoint does not have: it starts without state (a new step,
     * or a renamed one, whose old state is then {@link #NOT_IN_JOB}).
     */
    NOT_IN_SAVEPOINT,
    /**
     * The savepoint has the operator, but not a state its step declares: that state starts empty.
     */
    STATE_NOT_IN_SAVEPOINT,
    /**
     * The state restores after a migration: Flink reads it with the saved serializer and writes it
     * with the step's (for example a POJO with a field added, or Flink's state TTL switched on or
     * off). On RocksDB that rewrites the whole state at the restore.
     */
    STATE_MIGRATES,
    /**
     * The savepoint holds a state of the operator that its step does not declare: Flink restores it
     * and keeps carrying it in later savepoints, and nothing reads it.
     */
    STATE_NOT_DECLARED,
    /**
     * The savepoint holds keyed state of an operator that is no longer keyed: Flink restores the
     * operator without it, and the keyed state is lost without an error.
     */
    KEYED_STATE_DROPPED,
    /**
     * The savepoint's format does not describe the operator's keyed states (a checkpoint under the
     * state changelog), or a serializer could not be compared (the message says why): those states
     * are not compared.
     */
    STATES_NOT_READ;

    /** Whether Flink refuses the restore because of a finding of this kind. */
    boolean blocks(boolean allowNonRestoredState) {
      return this == MAX_PARALLELISM_CHANGED
          || this == PARALLELISM_ABOVE_MAX_PARALLELISM
          || this == STATE_INCOMPATIBLE
          || this == KEY_INCOMPATIBLE
          || (this == NOT_IN_JOB && !allowNonRestoredState);
    }
  }

  /** One thing the restore would do that the job's author should know of. */
  @PublicEvolving
  public static final class Finding {
    private final Kind kind;
    private final String operator;
    private final SortedSet<String> states;
    private final String message;

    Finding(Kind kind, String operator, SortedSet<String> states, String message) {
      this.kind = kind;
      this.operator = operator;
      this.states = Collections.unmodifiableSortedSet(new TreeSet<>(states));
      this.message = message;
    }

    public Kind kind() {
      return kind;
    }

    /**
     * The operator: its uid where it has one (a step's is {@code <pipeline>/<step>}), otherwise its
     * name and operator id.
     */
    public String operator() {
      return operator;
    }

    /** The states the finding is about, by name; empty where it is about the whole operator. */
    public SortedSet<String> states() {
      return states;
    }

    /** What the restore would do, in words. */
    public String message() {
      return message;
    }

    @Override
    public String toString() {
      return kind + " " + operator + (states.isEmpty() ? "" : " " + states) + ": " + message;
    }
  }

  /** The outcome of one check. */
  @PublicEvolving
  public static final class Report {
    private final String savepoint;
    private final boolean allowNonRestoredState;
    private final List<Finding> findings;
    private final Map<String, SortedSet<String>> savedStates;
    private final SortedSet<String> notCompared;

    private Report(
        String savepoint,
        boolean allowNonRestoredState,
        List<Finding> findings,
        Map<String, SortedSet<String>> savedStates,
        SortedSet<String> notCompared) {
      this.savepoint = savepoint;
      this.allowNonRestoredState = allowNonRestoredState;
      List<Finding> sorted = new ArrayList<>(findings);
      sorted.sort(
          Comparator.comparing((Finding f) -> !f.kind().blocks(allowNonRestoredState))
              .thenComparing(Finding::kind)
              .thenComparing(Finding::operator));
      this.findings = Collections.unmodifiableList(sorted);
      this.savedStates = Collections.unmodifiableMap(savedStates);
      this.notCompared = Collections.unmodifiableSortedSet(notCompared);
    }

    /**
     * Whether Flink would restore the savepoint into the job: no finding blocks it ({@link
     * Kind#MAX_PARALLELISM_CHANGED}, {@link Kind#PARALLELISM_ABOVE_MAX_PARALLELISM}, {@link
     * Kind#STATE_INCOMPATIBLE}, {@link Kind#KEY_INCOMPATIBLE}, and {@link Kind#NOT_IN_JOB} unless
     * the check allows non-restored state). Serializers are compared only for states declared with
     * their types; a state of your own functions can still fail the restore ({@link #notCompared()}
     * names the operators whose states no inventory declares).
     */
    public boolean restores() {
      return findings.stream().noneMatch(f -> f.kind().blocks(allowNonRestoredState));
    }

    /** The findings, those that block the restore first; empty when the savepoint fits the job. */
    public List<Finding> findings() {
      return findings;
    }

    /** The findings about one operator, by its uid (or by name and id, as {@link #findings()}). */
    public List<Finding> findings(String operator) {
      List<Finding> of = new ArrayList<>();
      for (Finding f : findings) {
        if (f.operator().equals(operator)) {
          of.add(f);
        }
      }
      return of;
    }

    /**
     * The operators that hold state in the savepoint and whose states no inventory declares
     * (sources, sinks, your own functions), by uid (or by name and id): the check matched them and
     * compared their keys, but not their states, so a changed state type of theirs can still fail
     * the restore. Declare them in a step ({@link StepContext#declareState}) to have them compared.
     */
    public SortedSet<String> notCompared() {
      return notCompared;
    }

    /**
     * The names of the states the savepoint holds for the operator with {@code uid}, as a state
     * inventory names them; empty when the savepoint has no operator with that uid, or when the
     * names could not be read ({@link Kind#STATES_NOT_READ}).
     */
    public Optional<SortedSet<String>> savedStates(String uid) {
      return Optional.ofNullable(savedStates.get(uid));
    }

    /** A fixed-width text table with one row per finding, under a line that gives the verdict. */
    public String toTable() {
      StringBuilder sb = new StringBuilder();
      sb.append(savepoint)
          .append(
              restores()
                  ? ": restores into this job"
                  : ": does NOT restore into this job (Flink would refuse it)")
          .append(allowNonRestoredState ? " with --allowNonRestoredState" : "")
          .append(findings.isEmpty() ? "; every operator and declared state matches" : "")
          .append('\n');
      if (!notCompared.isEmpty()) {
        sb.append("states not compared (no inventory declares them): ")
            .append(String.join(", ", notCompared))
            .append('\n');
      }
      if (!findings.isEmpty()) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"finding", "operator", "states", "what happens"});
        for (Finding f : findings) {
          rows.add(
              new String[] {
                f.kind().name(),
                f.operator(),
                f.states().isEmpty() ? "-" : String.join(", ", f.states()),
                f.message()
              });
        }
        sb.append(TextTable.render(rows));
      }
      return sb.toString();
    }

    @Override
    public String toString() {
      return toTable();
    }
  }

  private final List<JobOperator> operators;

  /** The declared states of each operator, by uid and state name. */
  private final Map<String, Map<String, StateDeclaration>> declared;

  private final StateComparison comparison;

  private final boolean allowNonRestoredState;

  private SavepointCheck(
      List<JobOperator> operators,
      Map<String, Map<String, StateDeclaration>> declared,
      StateComparison comparison,
      boolean allowNonRestoredState) {
    this.operators = operators;
    this.declared = declared;
    this.comparison = comparison;
    this.allowNonRestoredState = allowNonRestoredState;
  }

  /**
   * A check of savepoints against the job built onto {@code env}, whose etlkit steps declare their
   * states in {@code inventories} (one per pipeline of the job). The job's graph is taken now; the
   * environment keeps the job, so it can still be executed.
   *
   * @throws IllegalArgumentException when no job was built onto {@code env}
   */
  public static SavepointCheck of(StreamExecutionEnvironment env, StateInventory... inventories) {
    return of(env, List.of(inventories));
  }

  /**
   * A check of savepoints against the job built onto {@code env}, whose etlkit steps declare their
   * states in {@code inventories}: {@link #of(StreamExecutionEnvironment, StateInventory...)}.
   */
  public static SavepointCheck of(
      StreamExecutionEnvironment env, List<StateInventory> inventories) {
    Objects.requireNonNull(env, "env");
    Objects.requireNonNull(inventories, "inventories");
    List<JobOperator> operators = JobOperator.of(env, userCode());
    Map<String, Map<String, StateDeclaration>> declared = new HashMap<>();
    Map<String, TypeInformation<?>> keyTypes = new HashMap<>();
    for (StateInventory inventory : inventories) {
      for (StateInventory.Entry entry : Objects.requireNonNull(inventory, "inventory").entries()) {
        declared
            .computeIfAbsent(entry.uid(), uid -> new TreeMap<>())
            .put(entry.state().name(), entry.state());
        entry.keyTypeInfo().ifPresent(type -> keyTypes.putIfAbsent(entry.uid(), type));
      }
    }
    declared.replaceAll((uid, states) -> Collections.unmodifiableMap(states));
    declared = Collections.unmodifiableMap(declared);
    return new SavepointCheck(
        Collections.unmodifiableList(operators),
        declared,
        new StateComparison(
            declared,
            Collections.unmodifiableMap(keyTypes),
            env.getConfig().getSerializerConfig().copy(), // later changes to env do not reach it
            env.getConfiguration().getOptional(StateBackendOptions.STATE_BACKEND).orElse(null)),
        false);
  }

  /**
   * Whether the restore may drop the state of operators the job does not have, as {@code flink run
   * --allowNonRestoredState} allows (default false): {@link Kind#NOT_IN_JOB} then does not block
   * the restore, and the finding says the state is dropped.
   */
  public SavepointCheck withAllowNonRestoredState(boolean allow) {
    return new SavepointCheck(operators, declared, comparison, allow);
  }

  /**
   * Checks the savepoint (or retained checkpoint) at {@code path}: its directory or its {@code
   * _metadata} file, as {@code flink run -s} takes it.
   *
   * @throws IOException when the savepoint cannot be found or its metadata cannot be read (also
   *     metadata of a version this Flink does not know, or a corrupt file)
   */
  public Report against(String path) throws IOException {
    Objects.requireNonNull(path, "path");
    CompletedCheckpointStorageLocation location =
        AbstractFsCheckpointStorageAccess.resolveCheckpointPointer(path);
    CheckpointMetadata metadata;
    try (DataInputStream in = new DataInputStream(location.getMetadataHandle().openInputStream())) {
      metadata = Checkpoints.loadCheckpointMetadata(in, userCode(), location.getExternalPointer());
    } catch (RuntimeException e) { // an unknown metadata version, or a corrupt file
      throw new IOException("cannot read the metadata of " + path + ": " + e.getMessage(), e);
    }
    return compare(path, metadata.getOperatorStates());
  }

  private Report compare(String path, Iterable<OperatorState> saved) {
    Map<OperatorID, OperatorState> byId = new LinkedHashMap<>();
    for (OperatorState state : saved) {
      byId.put(state.getOperatorID(), state);
    }
    Map<JobOperator, OperatorState> matched = new HashMap<>();
    Set<JobVertexID> restoringState = new HashSet<>();
    for (JobOperator operator : operators) {
      OperatorState state = operator.savedState(byId);
      if (state != null) {
        matched.put(operator, state);
        if (state.getNumberCollectedStates() > 0) {
          // as Flink's restore: the vertex gets state, and each of its operators' saved states is
          // checked against its parallelism, empty ones included
          restoringState.add(operator.vertex());
        }
      }
    }
    List<Finding> findings = new ArrayList<>();
    Map<String, SortedSet<String>> savedStates = new TreeMap<>();
    SortedSet<String> notCompared = new TreeSet<>();
    for (JobOperator operator : operators) {
      OperatorState state = matched.get(operator);
      Map<String, StateDeclaration> declaredStates =
          declared.getOrDefault(operator.uid(), Collections.emptyMap());
      if (state == null) {
        findings.add(notInSavepoint(operator, declaredStates));
        continue;
      }
      if (operator.maxParallelism() != JobVertex.MAX_PARALLELISM_DEFAULT
          && operator.maxParallelism() != state.getMaxParallelism()) {
        findings.add(
            new Finding(
                Kind.MAX_PARALLELISM_CHANGED,
                operator.label(),
                Collections.emptySortedSet(),
                "the job's max parallelism is "
                    + operator.maxParallelism()
                    + ", the savepoint's "
                    + state.getMaxParallelism()
                    + ": Flink refuses the restore; keep "
                    + state.getMaxParallelism()));
      }
      if (operator.parallelism() > state.getMaxParallelism()
          && restoringState.contains(operator.vertex())) {
        findings.add(
            new Finding(
                Kind.PARALLELISM_ABOVE_MAX_PARALLELISM,
                operator.label(),
                Collections.emptySortedSet(),
                "the job runs it with parallelism "
                    + operator.parallelism()
                    + ", above the savepoint's max parallelism "
                    + state.getMaxParallelism()
                    + ": Flink refuses the restore; run it with at most "
                    + state.getMaxParallelism()));
      }
      comparison.compare(operator, state, declaredStates, findings, savedStates);
      if (!declared.containsKey(operator.uid()) && JobOperator.holdsState(state)) {
        notCompared.add(operator.label());
      }
    }
    for (OperatorState state : byId.values()) {
      if (JobOperator.holdsState(state)) {
        findings.add(notInJob(state));
      }
    }
    return new Report(path, allowNonRestoredState, findings, savedStates, notCompared);
  }

  private static Finding notInSavepoint(
      JobOperator operator, Map<String, StateDeclaration> declaredStates) {
    return new Finding(
        Kind.NOT_IN_SAVEPOINT,
        operator.label(),
        new TreeSet<>(declaredStates.keySet()),
        declaredStates.isEmpty()
            ? "not in the savepoint: starts without state, if it keeps any"
            : "not in the savepoint: the step starts with empty state (new, or renamed)");
  }

  private Finding notInJob(OperatorState state) {
    String label =
        state
            .getOperatorUid()
            .orElseGet(
                () ->
                    state.getOperatorName().orElse("operator")
                        + " ("
                        + state.getOperatorID()
                        + ")");
    SortedSet<String> names;
    try {
      names = StateComparison.read(state).names;
    } catch (IOException | IllegalArgumentException e) {
      names = Collections.emptySortedSet();
    }
    return new Finding(
        Kind.NOT_IN_JOB,
        label,
        names,
        allowNonRestoredState
            ? "holds state, not in the job: its state is dropped"
            : "holds state, not in the job: Flink refuses the restore without"
                + " --allowNonRestoredState, which drops this state");
  }

  /** The loader of the state serializers' classes: the context loader, else etlkit's. */
  static ClassLoader userCode() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return context != null ? context : SavepointCheck.class.getClassLoader();
  }
}
