package dev.etlkit.benchmarks.normalize;

import dev.etlkit.benchmarks.ConvertingSink;
import dev.etlkit.benchmarks.CountingSink;
import dev.etlkit.benchmarks.HarnessBenchmarkBase;
import dev.etlkit.benchmarks.KeySequence;
import dev.etlkit.core.Change;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.operators.normalize.ChangeSequence;
import dev.etlkit.operators.normalize.UpsertNormalize.Route;
import dev.etlkit.operators.normalize.internal.NormalizeFunctionBase;
import dev.etlkit.operators.normalize.internal.UpsertNormalizeFunction;
import dev.etlkit.operators.normalize.internal.VersionedNormalizeFunction;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.operators.bundle.KeyedMapBundleOperator;
import org.apache.flink.table.runtime.operators.bundle.trigger.CountBundleTrigger;
import org.apache.flink.table.runtime.typeutils.RowDataSerializer;
import org.apache.flink.types.RowKind;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Upsert normalization of an upsert changelog ({@code +I} for new keys, {@code +U} for new
 * versions, {@code -D} key-only tombstones for {@value #DELETE_RATIO} of the records of live keys,
 * and exact redeliveries of the key's current row for {@code duplicateRatio} of them), per record:
 *
 * <ul>
 *   <li>{@code ETLKIT}: etlkit's {@code UpsertNormalizeFunction} (no sequence, full rows, what
 *       {@code Normalize.upserts(...)} runs) on {@code Change<Account>};
 *   <li>{@code ETLKIT_VERSIONED}: the same with a sequence (the account's version), which keeps a
 *       deleted key's sequence and rejects stale changes;
 *   <li>{@code FLINK_SQL}: Flink SQL's ChangelogNormalize runtime as the planner wires it without
 *       mini-batch ({@code ProcTimeDeduplicateKeepLastRowFunction}, generateUpdateBefore and
 *       generateInsert on, changelog input, no TTL, the planner's equaliser code compiled by Flink)
 *       on pre-built {@code BinaryRowData};
 *   <li>{@code FLINK_SQL_FROM_POJO}: {@code FLINK_SQL} in a job whose changelog is {@code
 *       Change<Account>}: each change is converted on arrival and each output row back, as {@code
 *       fromChangelogStream} and {@code toChangelogStream} do ({@link AccountConversions});
 *   <li>{@code FLINK_SQL_MINIBATCH}: its mini-batch variant ({@code
 *       ProcTimeMiniBatchDeduplicateKeepLastRowFunction} in a {@code KeyedMapBundleOperator} with a
 *       count trigger of {@code bundleSize}), which applies only the last change per key of each
 *       bundle;
 *   <li>{@code LIMIT}: the least work the job needs, written by hand ({@link LimitFunction}): one
 *       ValueState get per record, a put or clear and the output records only when the row changed
 *       (compared with {@code equals});
 *   <li>{@code GET_PUT}: one ValueState get and put of the row per record, the stored row never
 *       read and nothing emitted ({@link GetPutFunction}): a floor no step that drops redeliveries
 *       reaches, the {@code LIMIT} until 2026-11-21.
 * </ul>
 *
 * <p>etlkit and the hand-written functions are keyed by the account id ({@code Long}), Flink SQL by
 * the {@code BinaryRowData} projection of it, as the planner keys ChangelogNormalize (its
 * mini-batch function needs a row key). Outputs go to a counting sink ({@link
 * dev.etlkit.benchmarks.CountingSink}). Flink's functions change the row kind of their input rows
 * in place, so {@link ReplayableRows} resets each record's kind first and the pre-built rows can be
 * replayed. The versioned sequence grows with each pass over the input so replays are not stale.
 *
 * <p>State is preloaded by one whole pass over the input at set-up, through the function under
 * test, outside measurement: every key then holds what a pass leaves it (its last row, or deleted,
 * with its sequence of that pass), so the first measured pass meets the state every later one
 * meets, and every counter that replays the input by position (the row kinds, the versioned
 * sequence's pass, the mini-batch bundle) stands where the second pass begins. (Until 2026-11-24
 * each trial started with empty state: at 10^6 keys, where a key occurs about twice per pass, the
 * first pass inserts about 880,000 keys and about 27 % of its records are redeliveries at {@code
 * duplicateRatio} 0.5, against about 48 % later, and a RocksDB trial at 10^6 keys never leaves it.)
 * State at 10^4 keys fits RocksDB's block cache many times over; at 10^6 keys (about 100 bytes per
 * row) it fits too.
 */
public class UpsertNormalizeBenchmark extends HarnessBenchmarkBase<Object, Object, Object> {

  /** The implementations run side by side. */
  public enum Impl {
    ETLKIT,
    ETLKIT_VERSIONED,
    FLINK_SQL,
    FLINK_SQL_MINIBATCH,
    FLINK_SQL_FROM_POJO,
    LIMIT,
    GET_PUT
  }

  /** Share of the records of a live key that delete it (as key-only tombstones). */
  static final double DELETE_RATIO = 0.05;

  private static final int PAYLOAD_CHARS = 48;
  private static final int LAP_BITS = Integer.numberOfTrailingZeros(SEQUENCE_LENGTH);

  @Param({
    "ETLKIT",
    "ETLKIT_VERSIONED",
    "FLINK_SQL",
    "FLINK_SQL_MINIBATCH",
    "FLINK_SQL_FROM_POJO",
    "LIMIT",
    "GET_PUT"
  })
  public Impl impl;

  /** Share of the records of a live key that redeliver its current row exactly. */
  @Param({"0.5"})
  public double duplicateRatio;

  /** Records per mini-batch bundle (FLINK_SQL_MINIBATCH only). */
  @Param({"1000"})
  public int bundleSize;

  @Nullable private RowKind[] rowKinds;
  @Nullable private NormalizeFunctionBase<Long, Account> etlkit;
  @Nullable private GetPutFunction getPut;

  /** Tests only: count Flink SQL's outputs (through a wrapping collector). */
  boolean countOutputs;

  @Nullable private AccountConversions conversions;

  /** Tests only: keep every output record (as converted, for FLINK_SQL_FROM_POJO). */
  boolean keepOutputs;

  @Nullable private ReplayableRows.KeepLastRow keepLastRow;
  @Nullable private ReplayableRows.MiniBatchKeepLastRow miniBatch;

  /** The input of the trial, for the preload. */
  @Nullable private Object[] inputs;

  /** Tests only: the records kept since measuring started, when {@link #keepOutputs} is set. */
  @Nullable private List<Object> kept;

  private boolean measuring;

  /** The counters when the preload ended; the test accessors count from there. */
  private long emittedAtStart;

  private long etlkitEmittedAtStart;
  private long etlkitDeduplicatedAtStart;
  private long rowsReceivedAtStart;
  private long flinkSqlEmittedAtStart;
  private long getPutHitsAtStart;

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  protected OneInputStreamOperator<Object, Object> createOperator() {
    ErrorHandler errors =
        new ErrorHandler(
            new StepIdentity("bench", "normalize", "bench/normalize"), ErrorPolicy.deadLetter());
    switch (impl) {
      case ETLKIT:
        etlkit = new UpsertNormalizeFunction<>(Account.TYPE, null, Route.DROP, errors);
        return (OneInputStreamOperator) new KeyedProcessOperator<>(etlkit);
      case ETLKIT_VERSIONED:
        etlkit =
            (NormalizeFunctionBase<Long, Account>)
                (NormalizeFunctionBase)
                    VersionedNormalizeFunction.create(
                        Account.TYPE,
                        new LapSequence(),
                        null,
                        null,
                        null, // no delete retention: markers kept, as the benchmark measured
                        Route.DROP,
                        Route.DROP,
                        errors,
                        FingerprintKey.random()); // unused: no projection
        return (OneInputStreamOperator) new KeyedProcessOperator<>(etlkit);
      case FLINK_SQL:
        // No state TTL, generateUpdateBefore and generateInsert on, changelog input: as
        // StreamExecChangelogNormalize wires it without mini-batch.
        keepLastRow =
            new ReplayableRows.KeepLastRow(rowKinds, AccountRows.equaliser(), countOutputs);
        return (OneInputStreamOperator) new KeyedProcessOperator<>(keepLastRow);
      case FLINK_SQL_FROM_POJO:
        keepLastRow = new ReplayableRows.KeepLastRow(null, AccountRows.equaliser(), countOutputs);
        return (OneInputStreamOperator) new KeyedProcessOperator<>(keepLastRow);
      case FLINK_SQL_MINIBATCH:
        miniBatch =
            new ReplayableRows.MiniBatchKeepLastRow(
                rowKinds, AccountRows.TYPE.toRowSerializer(), AccountRows.equaliser());
        return (OneInputStreamOperator)
            new KeyedMapBundleOperator<>(miniBatch, new CountBundleTrigger<>(bundleSize));
      case LIMIT:
        return (OneInputStreamOperator) new KeyedProcessOperator<>(new LimitFunction());
      case GET_PUT:
        getPut = new GetPutFunction();
        return (OneInputStreamOperator) new KeyedProcessOperator<>(getPut);
      default:
        throw new IllegalStateException("Unknown impl " + impl);
    }
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  protected KeySelector<Object, Object> keySelector() {
    return isFlinkSql() ? (KeySelector) new ReplayableRows.IdKey() : (KeySelector) new AccountKey();
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  protected TypeInformation<Object> keyType() {
    return isFlinkSql() ? (TypeInformation) ReplayableRows.KEY_TYPE : (TypeInformation) Types.LONG;
  }

  @Override
  protected Object[] createInputs(int[] keyIndexes) {
    if (!(duplicateRatio >= 0 && duplicateRatio < 1)) {
      throw new IllegalArgumentException("duplicateRatio must be in [0, 1), was " + duplicateRatio);
    }
    SplittableRandom random = new SplittableRandom(SEED + 1);
    // every row gets its own string with its own characters, as a deserialized record has:
    // `new String(String)` would share the characters, which a comparison then finds in cache
    char[][] payloads = new char[16][PAYLOAD_CHARS];
    for (char[] payload : payloads) {
      for (int c = 0; c < PAYLOAD_CHARS; c++) {
        payload[c] = (char) ('a' + random.nextInt(26));
      }
    }
    boolean[] live = new boolean[keyCount];
    long[] versions = new long[keyCount];
    Object[] inputs = new Object[keyIndexes.length];
    RowKind[] kinds = new RowKind[keyIndexes.length];
    RowDataSerializer rows = prebuiltRows() ? AccountRows.TYPE.toRowSerializer() : null;
    for (int i = 0; i < keyIndexes.length; i++) {
      int k = keyIndexes[i];
      long id = KeySequence.keyOf(k);
      RowKind kind;
      Account account;
      if (live[k] && random.nextDouble() < DELETE_RATIO) {
        kind = RowKind.DELETE;
        live[k] = false;
        account = new Account(id, ++versions[k], null); // key-only tombstone with its version
      } else if (live[k] && random.nextDouble() < duplicateRatio) {
        kind = RowKind.UPDATE_AFTER; // the same row again: a redelivery
        account = new Account(id, versions[k], new String(payloads[(int) (versions[k] & 15)]));
      } else {
        kind = live[k] ? RowKind.UPDATE_AFTER : RowKind.INSERT;
        live[k] = true;
        long version = ++versions[k];
        account = new Account(id, version, new String(payloads[(int) (version & 15)]));
      }
      kinds[i] = kind;
      inputs[i] = rows != null ? AccountRows.toRow(rows, kind, account) : Change.of(kind, account);
    }
    rowKinds = kinds;
    this.inputs = inputs;
    return inputs;
  }

  /**
   * Runs one whole pass over the input through the function under test, each record as it would
   * arrive measured, so the first measured pass starts where a second pass would.
   */
  @Override
  protected void afterOpen() throws Exception {
    measuring = false;
    for (Object input : inputs) {
      process(arriving(input));
    }
    emittedAtStart = emitted();
    etlkitEmittedAtStart = etlkitEmittedInAll();
    etlkitDeduplicatedAtStart = etlkitDeduplicatedInAll();
    rowsReceivedAtStart = rowsReceivedInAll();
    flinkSqlEmittedAtStart = flinkSqlEmittedInAll();
    getPutHitsAtStart = getPutHitsInAll();
    measuring = true;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void normalize(Blackhole blackhole) throws Exception {
    processBatch();
    blackhole.consume(etlkit);
  }

  /** FLINK_SQL_FROM_POJO converts each change as it arrives, as {@code fromChangelogStream}. */
  @Override
  @SuppressWarnings("unchecked")
  protected Object arriving(Object value) {
    return conversions != null ? conversions.toRow((Change<Account>) value) : value;
  }

  @Override
  protected CountingSink newSink() {
    UnaryOperator<Object> conversion = UnaryOperator.identity();
    conversions = null;
    if (impl == Impl.FLINK_SQL_FROM_POJO) {
      AccountConversions converters = new AccountConversions();
      conversions = converters;
      conversion = row -> converters.toChange((RowData) row);
    }
    if (keepOutputs) { // tests only: keeps what is measured, not the preload
      List<Object> keeping = new ArrayList<>();
      kept = keeping;
      UnaryOperator<Object> converting = conversion;
      return new ConvertingSink(
          record -> {
            Object converted = converting.apply(record);
            if (measuring) {
              keeping.add(converted);
            }
            return converted;
          },
          false);
    }
    return conversions != null ? new ConvertingSink(conversion, false) : super.newSink();
  }

  /**
   * The output records kept since measuring started (the preload left out), when {@link
   * #keepOutputs} was set.
   */
  List<Object> keptOutputs() {
    return kept == null ? List.of() : kept;
  }

  private boolean isFlinkSql() {
    return prebuiltRows() || impl == Impl.FLINK_SQL_FROM_POJO;
  }

  private boolean prebuiltRows() {
    return impl == Impl.FLINK_SQL || impl == Impl.FLINK_SQL_MINIBATCH;
  }

  /** Records the operator emitted since measuring started, the preload left out (for tests). */
  long measuredEmitted() {
    return emitted() - emittedAtStart;
  }

  /** Records the ETLKIT function emitted since measuring started (for tests). */
  long etlkitEmitted() {
    return etlkitEmittedInAll() - etlkitEmittedAtStart;
  }

  /** Records the ETLKIT function counted as deduplicated since measuring started (for tests). */
  long etlkitDeduplicated() {
    return etlkitDeduplicatedInAll() - etlkitDeduplicatedAtStart;
  }

  /** Records the Flink SQL functions received since measuring started (for tests). */
  long rowsReceived() {
    return rowsReceivedInAll() - rowsReceivedAtStart;
  }

  /**
   * Records FLINK_SQL emitted since measuring started, when {@link #countOutputs} is set (for
   * tests; else -1).
   */
  long flinkSqlEmitted() {
    long emitted = flinkSqlEmittedInAll();
    return emitted < 0 ? -1 : emitted - flinkSqlEmittedAtStart;
  }

  /** Records GET_PUT found a stored row for since measuring started (for tests). */
  long getPutHits() {
    return getPutHitsInAll() - getPutHitsAtStart;
  }

  private long etlkitEmittedInAll() {
    return etlkit == null ? 0 : etlkit.stepMetrics().emittedCount();
  }

  private long etlkitDeduplicatedInAll() {
    return etlkit == null ? 0 : etlkit.stepMetrics().deduplicatedCount();
  }

  private long rowsReceivedInAll() {
    return keepLastRow != null
        ? keepLastRow.records()
        : miniBatch != null ? miniBatch.records() : 0;
  }

  private long flinkSqlEmittedInAll() {
    return keepLastRow == null ? -1 : keepLastRow.emitted();
  }

  private long getPutHitsInAll() {
    return getPut == null ? 0 : getPut.hits();
  }

  private static final class AccountKey implements KeySelector<Change<Account>, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long getKey(Change<Account> change) {
      return change.value().id();
    }
  }

  /**
   * The account's version, made to grow with every pass over the replayed input: the pass number in
   * the high bits, counted from the calls (one per record, in input order).
   */
  private static final class LapSequence implements ChangeSequence<Account> {
    private static final long serialVersionUID = 1L;

    private transient long calls;

    @Override
    public long sequenceOf(Change<Account> change) {
      long lap = calls++ >>> LAP_BITS;
      return (lap << 32) | change.value().version();
    }
  }
}
