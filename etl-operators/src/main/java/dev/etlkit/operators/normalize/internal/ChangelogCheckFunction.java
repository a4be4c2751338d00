package dev.etlkit.operators.normalize.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StateTtls;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.core.internal.SourcePositions;
import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.operators.internal.RowFingerprint;
import dev.etlkit.operators.internal.SerializedForm;
import dev.etlkit.operators.internal.StoredFingerprintKey;
import dev.etlkit.operators.normalize.ChangelogViolationException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a changelog against {@link ChangelogRules} as it flows: valid records pass unchanged,
 * violations become dead letters. Keys outside the sample pass without a state access.
 *
 * <p>A full changelog's check compares retractions with the live row by its {@link RowFingerprint}:
 * SipHash-1-3 under the step's secret key, drawn when the job graph is built and kept in the
 * broadcast operator state {@code status-fingerprint-key} (a restored key wins over the drawn one),
 * so nobody can craft a retraction of another row that passes as one of the live row. A status
 * written before keyed fingerprints is compared by the {@link LegacyRowHash} until the key's next
 * valid record.
 *
 * <p>The sample the statuses are kept for is kept too, in the broadcast operator state {@code
 * status-sample}: a key outside it has no status, or one that went stale while it was not checked,
 * so a restore with a higher sample rate goes on checking the keys of that sample only, and a lower
 * one narrows it for good.
 */
@Internal
public final class ChangelogCheckFunction<K, T>
    extends KeyedProcessFunction<K, Change<T>, Change<T>> implements CheckpointedFunction {
  private static final long serialVersionUID = 1L;

  private static final Logger LOG = LoggerFactory.getLogger(ChangelogCheckFunction.class);

  /** Flags and live-row hash per key. Part of the savepoint layout: never rename. */
  private static final String STATUS_STATE = "status";

  /**
   * The key of the row fingerprints (full changelog only; operator state). Part of the savepoint
   * layout: never rename.
   */
  static final String FINGERPRINT_KEY_STATE = "status-fingerprint-key";

  /**
   * The sampling threshold the statuses were kept for (operator state). Part of the savepoint
   * layout: never rename.
   */
  static final String SAMPLE_STATE = "status-sample";

  /** The entry of {@link #SAMPLE_STATE} holding the threshold. */
  private static final int SAMPLE_THRESHOLD = 0;

  private final TypeInformation<T> valueType;
  private final boolean full;
  private final long sampleThreshold;
  @Nullable private final Duration ttl;
  private final ErrorHandler errors;
  private final FingerprintKey drawnKey;

  /**
   * The threshold of the keys checked: the configured one, or a lower one restored; 0 (which no
   * rate gives) until {@link #initializeState}.
   */
  private transient long checkedThreshold;

  private transient ValueState<Long> status;
  private transient StepMetrics metrics;
  private transient Counter checked;
  private transient Counter violations;
  @Nullable private transient FingerprintKey key;
  @Nullable private transient RowFingerprint<T> fingerprint;
  @Nullable private transient LegacyRowHash<T> legacyHash;

  /** The search of batch mode's groups ({@link #orderOf}), made at its first group. */
  @Nullable private transient ChangelogGroupOrder groupOrder;

  /**
   * A check of the rules 1 to 3, and of rule 4 if {@code full}, fingerprinting rows under {@code
   * drawnKey} unless a restore brings the key a former run kept.
   */
  public ChangelogCheckFunction(
      TypeInformation<T> valueType,
      boolean full,
      double sampleRate,
      @Nullable Duration ttl,
      ErrorHandler errors,
      FingerprintKey drawnKey) {
    this.valueType = Objects.requireNonNull(valueType, "valueType");
    this.full = full;
    this.sampleThreshold = ChangelogRules.sampleThreshold(sampleRate);
    this.ttl = ttl;
    this.errors = Objects.requireNonNull(errors, "errors");
    this.drawnKey = Objects.requireNonNull(drawnKey, "drawnKey");
  }

  /** The type of the rows checked. */
  public TypeInformation<T> valueType() {
    return valueType;
  }

  /** The states this function creates, for the pipeline's state inventory. */
  public List<StateDeclaration> stateDeclarations() {
    StateDeclaration statuses =
        StateDeclaration.value(STATUS_STATE, Types.LONG)
            .withTtl(ttl)
            .withGrowth(
                "one long per live key of the sample (flags"
                    + (full ? " and live-row hash" : "")
                    + "); a delete clears it");
    StateDeclaration sample =
        StateDeclaration.map(SAMPLE_STATE, StoredFingerprintKey.HALF_TYPE, Types.LONG)
            .withGrowth(
                "the sample the statuses are kept for (the lowest sample rate the step ran"
                    + " with), one copy per subtask (broadcast operator state, not keyed)");
    return full
        ? List.of(statuses, StoredFingerprintKey.declaration(FINGERPRINT_KEY_STATE), sample)
        : List.of(statuses, sample);
  }

  /**
   * Registers the sample's state and the fingerprint key's (full changelog only); before {@link
   * #open}. A restored sample narrower than the configured one is kept: the keys outside it have no
   * status, or one that went stale while they were not checked.
   */
  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    BroadcastState<Integer, Long> sample =
        context
            .getOperatorStateStore()
            .getBroadcastState(
                new MapStateDescriptor<>(SAMPLE_STATE, StoredFingerprintKey.HALF_TYPE, Types.LONG));
    Long restored = sample.get(SAMPLE_THRESHOLD);
    checkedThreshold = restored == null ? sampleThreshold : Math.min(restored, sampleThreshold);
    sample.put(SAMPLE_THRESHOLD, checkedThreshold);
    if (checkedThreshold < sampleThreshold) {
      LOG.warn(
          "changelog check '{}' restored statuses kept for a share of {} of the keys and goes on"
              + " checking those only, not the share its sample rate asks for ({}): the others"
              + " have no status, or one that went stale while they were not checked. Give the"
              + " step a new name to check them from its start",
          errors.step(),
          share(checkedThreshold),
          share(sampleThreshold));
    }
    if (full) {
      key =
          StoredFingerprintKey.register(
              context,
              FINGERPRINT_KEY_STATE,
              drawnKey,
              getRuntimeContext().createSerializer(valueType));
    }
  }

  /** Nothing to add: the key's broadcast state holds the key since {@link #initializeState}. */
  @Override
  public void snapshotState(FunctionSnapshotContext context) {}

  /** The share of keys a sampling threshold checks. */
  private static double share(long threshold) {
    return threshold == Long.MAX_VALUE ? 1.0 : (double) threshold / (1L << 53);
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    ValueStateDescriptor<Long> descriptor = new ValueStateDescriptor<>(STATUS_STATE, Types.LONG);
    if (ttl != null) {
      descriptor.enableTimeToLive(StateTtls.config(ttl));
    }
    status = getRuntimeContext().getState(descriptor);
    metrics = StepMetrics.register(getRuntimeContext(), errors.step());
    errors.open(metrics);
    NormalizeMetrics counters = NormalizeMetrics.of(getRuntimeContext(), errors.step());
    checked = counters.counter(NormalizeMetrics.RECORDS_CHECKED);
    violations = counters.counter(NormalizeMetrics.VIOLATIONS);
    if (checkedThreshold == 0L || (full && key == null)) {
      throw new IllegalStateException(
          "changelog check '" + errors.step() + "' was opened before its state was initialized");
    }
    if (full) {
      fingerprint =
          new RowFingerprint<>(
              SerializedForm.of(valueType, JobSerializerConfig.of(getRuntimeContext())), key);
      legacyHash = new LegacyRowHash<>(getRuntimeContext().createSerializer(valueType));
    }
  }

  @Override
  public void processElement(Change<T> change, Context ctx, Collector<Change<T>> out)
      throws Exception {
    metrics.in();
    if (checkedThreshold != Long.MAX_VALUE
        && ChangelogRules.sampleHash(ctx.getCurrentKey()) >= checkedThreshold) {
      out.collect(change);
      metrics.out();
      return;
    }
    checked.inc();
    Long stored = status.value();
    long before = stored == null ? 0L : stored;
    RowKind kind = change.kind();
    long rowHash = full ? fingerprint.of(change.value()) : 0L;
    long legacyRowHash =
        full && ChangelogRules.holdsLegacyHash(before) ? legacyHash.hash(change.value()) : 0L;
    ChangelogRules.Violation violation =
        ChangelogRules.check(before, kind, rowHash, legacyRowHash, full);
    if (violation == ChangelogRules.Violation.NONE) {
      // Written even when unchanged: a change of the key restarts its TTL clock.
      write(before, ChangelogRules.apply(before, kind, rowHash, full), true);
      out.collect(change);
      metrics.out();
      return;
    }
    violations.inc();
    write(before, ChangelogRules.afterViolation(before), false);
    Long eventTime = change.eventTime() != null ? change.eventTime() : ctx.timestamp();
    ctx.output(
        DeadLetter.OUTPUT_TAG,
        errors.reject(
            new ChangelogViolationException(violation.message(kind)),
            change,
            eventTime,
            SourcePositions.of(change),
            ctx.timerService().currentProcessingTime()));
  }

  /**
   * Batch mode ({@link ChangelogCheckOperator}): an order of {@code group}, records of the current
   * key that share a timestamp, in which the rules accept every one from the key's status now, to
   * process them in; null where there is none to find (the key is outside the sample, the group
   * holds more than {@link ChangelogGroupOrder#MAX_SEARCHED} records) or none passes every rule:
   * process them in arrival order. Reads the status and changes nothing.
   */
  @Nullable
  public ChangelogGroupOrder orderOf(K key, List<StreamRecord<Change<T>>> group) throws Exception {
    if (group.size() > ChangelogGroupOrder.MAX_SEARCHED
        || (checkedThreshold != Long.MAX_VALUE
            && ChangelogRules.sampleHash(key) >= checkedThreshold)) {
      return null;
    }
    if (groupOrder == null) {
      groupOrder = new ChangelogGroupOrder(full);
    }
    Long stored = status.value();
    long before = stored == null ? 0L : stored;
    boolean legacy = full && ChangelogRules.holdsLegacyHash(before);
    groupOrder.clear();
    for (int i = 0; i < group.size(); i++) {
      T row = group.get(i).getValue().value();
      groupOrder.add(
          group.get(i).getValue().kind(),
          full ? fingerprint.of(row) : 0L,
          legacy ? legacyHash.hash(row) : 0L);
    }
    return groupOrder.find(before) ? groupOrder : null;
  }

  private void write(long before, long after, boolean evenIfUnchanged) throws Exception {
    if (after == 0L) {
      if (before != 0L) {
        status.clear();
      }
    } else if (evenIfUnchanged || after != before) {
      status.update(after);
    }
  }

  /** Records of sampled keys checked since the operator (re)started. */
  public long checkedCount() {
    return checked.getCount();
  }

  /** Violations found since the operator (re)started. */
  public long violationCount() {
    return violations.getCount();
  }

  /** The step's record accounting. */
  public StepMetrics stepMetrics() {
    return metrics;
  }
}
