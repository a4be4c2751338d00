package dev.etlkit.operators.normalize.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.internal.DeleteDeadlines;
import dev.etlkit.core.internal.Names;
import dev.etlkit.core.internal.ObjectReuseCopies;
import dev.etlkit.operators.internal.DeleteDeadlinePass;
import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.operators.internal.RowFingerprint;
import dev.etlkit.operators.internal.SerializedForm;
import dev.etlkit.operators.internal.StoredFingerprintKey;
import dev.etlkit.operators.normalize.ChangeSequence;
import dev.etlkit.operators.normalize.UpsertNormalize.Route;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;

/**
 * The upsert normalizer with a sequence and/or projected state: per key one {@code
 * ValueState<RowState<V>>} holding the kept row (the row, or its projection), the sequence of the
 * last change applied (kept for deleted keys too, so a late update cannot resurrect them), and the
 * hash of the full row when only a projection is kept.
 *
 * <p>That hash is the row's {@link RowFingerprint}: SipHash-1-3 under the step's secret key, drawn
 * when the job graph is built and kept in the broadcast operator state {@code row-fingerprint-key}
 * (a restored key wins over the drawn one), so nobody can craft a changed row with the stored row's
 * hash and have the change dropped as a no-op. An entry written before keyed fingerprints holds a
 * {@link LegacyRowHash}: with a sequence, rows are compared with it until the entry is next
 * written; without one it is not trusted (the key's next row is an update). With a key other than
 * the one an entry was written under (state put together from several), the identical row is
 * emitted again as an update: never a change lost.
 *
 * <p>With a delete retention, each write of a deleted key's sequence sets the key's removal
 * deadline ({@code delete-deadline}: now plus the retention, rounded up to a second) and moves the
 * key's one processing-time timer there; the timer removes the deleted entry if the deadline has
 * come and the key is still deleted, so it never removes a live row or a later delete's entry.
 * Without one, no timer is set and no deadline state exists.
 *
 * @param <V> the kept row type: {@code T}, or the projection's type
 */
@Internal
public final class VersionedNormalizeFunction<K, T, V> extends NormalizeFunctionBase<K, T>
    implements CheckpointedFunction {
  private static final long serialVersionUID = 1L;

  /** The kept row, sequence and hash per key. Part of the savepoint layout: never rename. */
  private static final String ROW_STATE = "row";

  /**
   * The key of the row fingerprints (projected state only; operator state). Part of the savepoint
   * layout: never rename.
   */
  static final String FINGERPRINT_KEY_STATE = "row-fingerprint-key";

  /**
   * The deadline of a key's pending marker removal ({@code withDeleteRetention} only). Part of the
   * savepoint layout: never rename.
   */
  static final String DEADLINE_STATE = "delete-deadline";

  @Nullable private final ChangeSequence<T> sequence;
  @Nullable private final Projection<T, V> projection;
  @Nullable private final Duration deleteRetention;
  private final TypeInformation<V> keptType;
  private final RowLayout layout;
  private final FingerprintKey drawnKey;

  private transient ValueState<RowState<V>> state;
  private transient ValueStateDescriptor<RowState<V>> stateDescriptor;

  /** The key's removal deadline; null without {@code withDeleteRetention}. */
  @Nullable private transient ValueState<Long> deadline;

  @Nullable private transient FingerprintKey key;
  @Nullable private transient RowFingerprint<T> fingerprint;
  @Nullable private transient LegacyRowHash<T> legacyHash;
  private transient ObjectReuseCopies<V> rowCopies;

  /** Copies projections (projected state only), with or without object reuse. */
  @Nullable private transient TypeSerializer<V> projectionCopies;

  private VersionedNormalizeFunction(
      TypeInformation<T> valueType,
      @Nullable ChangeSequence<T> sequence,
      @Nullable Projection<T, V> projection,
      TypeInformation<V> keptType,
      @Nullable Duration ttl,
      @Nullable Duration deleteRetention,
      Route unknownKeyDeletes,
      Route staleChanges,
      ErrorHandler errors,
      FingerprintKey drawnKey) {
    super(valueType, ttl, unknownKeyDeletes, staleChanges, errors);
    if (sequence == null && projection == null) {
      throw new IllegalArgumentException("needs a sequence or a projection, or both");
    }
    if (deleteRetention != null && sequence == null) {
      throw new IllegalArgumentException(
          "a delete retention needs a sequence: no marker to remove");
    }
    this.sequence = sequence;
    this.deleteRetention = deleteRetention;
    this.projection = projection;
    this.keptType = keptType;
    this.layout = new RowLayout(sequence != null, projection != null);
    this.drawnKey = Objects.requireNonNull(drawnKey, "drawnKey");
  }

  /**
   * A function with the given sequence (null: unversioned) and projection (null: full rows). With a
   * projection, it fingerprints rows under {@code drawnKey}, unless a restore brings the key a
   * former run kept. With a {@code deleteRetention} (needs a sequence), a deleted key's marker is
   * removed once that much processing time has passed since it was last written.
   *
   * @throws IllegalArgumentException if both are null (use {@link UpsertNormalizeFunction}), or a
   *     retention is given without a sequence
   */
  @SuppressWarnings("unchecked")
  public static <K, T> VersionedNormalizeFunction<K, T, ?> create(
      TypeInformation<T> valueType,
      @Nullable ChangeSequence<T> sequence,
      @Nullable Projection<T, ?> projection,
      @Nullable Duration ttl,
      @Nullable Duration deleteRetention,
      Route unknownKeyDeletes,
      Route staleChanges,
      ErrorHandler errors,
      FingerprintKey drawnKey) {
    if (projection == null) {
      return new VersionedNormalizeFunction<K, T, T>(
          valueType,
          sequence,
          null,
          valueType,
          ttl,
          deleteRetention,
          unknownKeyDeletes,
          staleChanges,
          errors,
          drawnKey);
    }
    Projection<T, Object> p = (Projection<T, Object>) projection;
    return new VersionedNormalizeFunction<K, T, Object>(
        valueType,
        sequence,
        p,
        p.type(),
        ttl,
        deleteRetention,
        unknownKeyDeletes,
        staleChanges,
        errors,
        drawnKey);
  }

  @Override
  public List<StateDeclaration> stateDeclarations() {
    String kept = projection == null ? "one row" : "one projected row and a 64-bit row hash";
    String growth =
        sequence == null
            ? kept + " per live key; a delete clears it"
            : kept
                + " and a sequence per live key; one sequence per deleted key"
                + (deleteRetention == null
                    ? ""
                    : ", for deleteRetention (" + deleteRetention + ") after its delete");
    StateDeclaration rows =
        StateDeclaration.of(
                ROW_STATE,
                StateDeclaration.Kind.VALUE,
                "RowState<" + Names.describeType(keptType) + ">")
            .withStateType(new RowStateTypeInfo<>(layout, keptType))
            .withTtl(ttl)
            .withGrowth(growth);
    List<StateDeclaration> declarations = new ArrayList<>();
    declarations.add(rows);
    if (deleteRetention != null) {
      declarations.add(
          StateDeclaration.value(DEADLINE_STATE, Types.LONG)
              .withGrowth(
                  "one long per key deleted within deleteRetention ("
                      + deleteRetention
                      + "), until its removal timer fires"));
    }
    if (deleteRetention != null) {
      declarations.addAll(
          DeleteDeadlinePass.declarations(
              NormalizeOperator.DEADLINES_COMPLETE_STATE, NormalizeOperator.RETENTION_STATE));
    }
    if (projection != null) {
      declarations.add(StoredFingerprintKey.declaration(FINGERPRINT_KEY_STATE));
    }
    return List.copyOf(declarations);
  }

  /** Registers the fingerprint key's state (projected state only); before {@link #open}. */
  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    if (projection != null) {
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

  @Override
  public void open(OpenContext openContext) throws Exception {
    super.open(openContext);
    stateDescriptor =
        new ValueStateDescriptor<>(ROW_STATE, new RowStateTypeInfo<>(layout, keptType));
    applyTtl(stateDescriptor);
    state = getRuntimeContext().getState(stateDescriptor);
    if (deleteRetention != null) {
      // no TTL: the removal timer clears it, at the latest one retention after the delete
      deadline =
          getRuntimeContext().getState(new ValueStateDescriptor<>(DEADLINE_STATE, Types.LONG));
    }
    rowCopies = ObjectReuseCopies.of(keptType, getRuntimeContext());
    projectionCopies = projection == null ? null : getRuntimeContext().createSerializer(keptType);
    if (projection != null) {
      if (key == null) {
        throw new IllegalStateException(
            "normalize step '" + step() + "' was opened before its state was initialized");
      }
      fingerprint =
          new RowFingerprint<>(
              SerializedForm.of(valueType, JobSerializerConfig.of(getRuntimeContext())), key);
      legacyHash = new LegacyRowHash<>(getRuntimeContext().createSerializer(valueType));
      projection.open(getRuntimeContext(), openContext, valueType);
    }
  }

  @Override
  public void close() throws Exception {
    try {
      if (projection != null) {
        projection.close();
      }
    } finally {
      super.close();
    }
  }

  @Override
  public void processElement(Change<T> change, Context ctx, Collector<Change<T>> out)
      throws Exception {
    metrics.in();
    RowKind kind = change.kind();
    if (kind == RowKind.UPDATE_BEFORE) {
      metrics.filtered(); // UpsertRules: UPDATE_BEFORE_IGNORED
      return;
    }
    boolean versioned = sequence != null;
    long seq = 0L;
    if (versioned) {
      try {
        seq = sequence.sequenceOf(change);
      } catch (Exception e) {
        reject(e, change, ctx);
        return;
      }
    }
    boolean projected = projection != null;
    RowState<V> stored = state.value(); // null: never seen or expired (or deleted, unversioned)
    if (stored != null && !layout.holds(stored)) {
      throw otherLayout(stored);
    }
    boolean live = stored != null && stored.isLive();
    long rowHash = 0L;
    boolean same = false;
    if (change.isAccumulate()) {
      if (projected) {
        rowHash = fingerprint.of(change.value());
      }
      if (live) {
        same =
            projected
                ? sameHash(stored, rowHash, change.value())
                : sameRow(stored.value(), change.value());
      }
    }
    UpsertRules.Outcome outcome =
        versioned
            ? UpsertRules.versioned(
                kind, stored != null, live, same, seq, stored == null ? 0L : stored.sequence())
            : UpsertRules.unversioned(kind, live, same);
    // The user's projection functions run before state changes or anything is emitted.
    V kept = null;
    T retraction = null;
    try {
      if (outcome == UpsertRules.Outcome.INSERT || outcome == UpsertRules.Outcome.UPDATE) {
        kept = keep(change.value());
      }
      if (outcome == UpsertRules.Outcome.UPDATE || outcome == UpsertRules.Outcome.DELETE) {
        retraction = retractionOf(stored.value());
      }
    } catch (Exception e) {
      reject(e, change, ctx);
      return;
    }
    switch (outcome) {
      case INSERT:
        state.update(new RowState<>(kept, versioned, seq, projected, true, rowHash));
        emitInsert(change, out);
        break;
      case UPDATE:
        state.update(new RowState<>(kept, versioned, seq, projected, true, rowHash));
        emitUpdate(retraction, change, out);
        break;
      case NO_OP:
        if (versioned) { // a newer version of the same row: remember its sequence
          // (and the keyed fingerprint, in place of a legacy hash)
          state.update(new RowState<>(stored.value(), true, seq, projected, true, rowHash));
        }
        metrics.deduplicated();
        break;
      case DUPLICATE:
        metrics.deduplicated();
        break;
      case DELETE:
        writeDeleted(seq, ctx);
        emitDelete(retraction, change, out);
        break;
      case UNKNOWN_KEY_DELETE:
        writeDeleted(seq, ctx);
        unknownKeyDelete(change, ctx, out);
        break;
      case STALE:
        stale(change, seq, stored.sequence(), ctx, out);
        break;
      default:
        throw new IllegalStateException("unexpected outcome " + outcome);
    }
  }

  /**
   * An entry this step's layout does not write: restored from a savepoint of state format 1 (which
   * did not record the layout, so the restore could not refuse it) taken with other {@code
   * withSequence} or {@code withProjectedState} settings. Read on, a missing sequence would be 0.
   */
  private IllegalStateException otherLayout(RowState<V> stored) {
    return new IllegalStateException(
        "normalize step '"
            + step()
            + "' found state its layout does not write: an entry with "
            + RowLayout.describeEntry(stored)
            + ", in a step keeping "
            + layout.describe()
            + ". The savepoint was taken with other withSequence or withProjectedState settings"
            + " (by an etlkit whose snapshots did not record them); restore it into a step with"
            + " the settings that wrote it, or give this step a new name (fresh state)");
  }

  /**
   * Whether the live entry {@code stored} holds the hash of {@code row}: its keyed fingerprint, or
   * for an entry written before keyed fingerprints with a sequence, its legacy hash.
   */
  private boolean sameHash(RowState<V> stored, long rowFingerprint, T row) {
    if (stored.keyedHash()) {
      return stored.rowHash() == rowFingerprint;
    }
    // An earlier etlkit's unkeyed hash: trusted only with a sequence, where a row not recognised at
    // the same sequence would go where stale changes go; without one, the row is taken for a
    // change (one update that may change nothing), so no crafted row is ever dropped.
    return sequence != null && stored.rowHash() == legacyHash.hash(row);
  }

  /**
   * Versioned: keep the delete's sequence (with a retention, until the key's removal deadline,
   * which the write moves); unversioned: forget the key.
   */
  private void writeDeleted(long seq, Context ctx) throws Exception {
    if (sequence != null) {
      state.update(new RowState<>(null, true, seq, false, false, 0L));
      if (deadline != null) {
        scheduleRemoval(ctx);
      }
    } else {
      state.clear();
    }
  }

  /**
   * Sets the key's removal deadline to now plus the retention, rounded up to a second, and keeps
   * one timer for the key: at that deadline, in place of one set for an earlier marker (or for a
   * marker a live row has replaced since).
   */
  private void scheduleRemoval(Context ctx) throws Exception {
    long due =
        DeleteDeadlines.of(ctx.timerService().currentProcessingTime(), deleteRetention.toMillis());
    Long pending = deadline.value();
    if (pending == null || pending != due) {
      if (pending != null) {
        ctx.timerService().deleteProcessingTimeTimer(pending);
      }
      ctx.timerService().registerProcessingTimeTimer(due);
      deadline.update(due);
    }
  }

  @Override
  public long deleteRetentionMillis() {
    return deleteRetention == null ? 0L : deleteRetention.toMillis();
  }

  /**
   * Reads every key's entry (the step's own descriptor, TTL included); a deleted one is a marker.
   */
  @Override
  public long giveRestoredDeadlines(
      KeyedStateBackend<K> backend,
      InternalTimerService<VoidNamespace> timers,
      DeleteDeadlinePass pass,
      long now)
      throws Exception {
    if (deadline == null) {
      return 0L;
    }
    return pass.giveDeadlines(
        backend, stateDescriptor, stored -> !stored.isLive(), deadline, timers, now);
  }

  /**
   * A removal timer: removes the key's marker if its deadline has come. A newer delete set a later
   * deadline (this timer was then deleted, unless two deletes shared it); a live row written since
   * is left alone, as is a key whose marker the TTL removed first. Without a retention (a restore
   * of a step that had one) it does nothing: the markers are kept, as without the option.
   */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Change<T>> out)
      throws Exception {
    if (deadline == null) {
      return;
    }
    Long due = deadline.value();
    if (due == null || due > timestamp) {
      return;
    }
    deadline.clear();
    RowState<V> stored = state.value();
    if (stored != null && !stored.isLive()) {
      state.clear();
      deleteMarkerRemoved();
    }
  }

  /**
   * What state keeps of {@code row}: the row (a copy with object reuse), or a copy of its
   * projection, always: the projection function may return a part of the row or an object it reuses
   * for every row, which the heap backend would keep for every key.
   */
  @SuppressWarnings("unchecked")
  private V keep(T row) throws Exception {
    return projection == null
        ? rowCopies.copy((V) row)
        : projectionCopies.copy(projection.project(row));
  }

  @SuppressWarnings("unchecked")
  private T retractionOf(V kept) throws Exception {
    return projection == null ? (T) kept : projection.retraction(kept);
  }
}
