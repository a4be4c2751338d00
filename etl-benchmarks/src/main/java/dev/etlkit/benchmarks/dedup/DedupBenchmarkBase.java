package dev.etlkit.benchmarks.dedup;

import dev.etlkit.benchmarks.ConvertingSink;
import dev.etlkit.benchmarks.CountingSink;
import dev.etlkit.benchmarks.HarnessBenchmarkBase;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.operators.dedup.Dedup;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.binary.BinaryRowData;
import org.apache.flink.table.runtime.operators.bundle.KeyedMapBundleOperator;
import org.apache.flink.table.runtime.operators.bundle.MapBundleFunction;
import org.apache.flink.table.runtime.operators.bundle.trigger.CountBundleTrigger;
import org.apache.flink.types.RowKind;
import org.openjdk.jmh.annotations.Param;

/**
 * What both dedup benchmarks share: the {@link DedupImpl} variants on the same input, ETLKIT as a
 * pipeline expands it, FLINK_SQL as the planner would wire its function (binary rows in, a binary
 * key projection, the record equaliser), and LIMIT. Rows are {@link BenchRow}s; FLINK_SQL and
 * FLINK_SQL_MINIBATCH get the same rows pre-built as {@link BinaryRowData}, so conversion is not
 * measured, and FLINK_SQL_FROM_POJO gets the {@link BenchRow}s and pays the conversions a job of
 * POJOs would ({@link SqlPojos}).
 *
 * <p>Inputs are distinct objects per record, so nothing can be recognised by identity: payloads are
 * {@code valueSize} characters, one of {@value #PAYLOAD_VARIANTS} texts chosen by version, and
 * every row (preloaded or measured) has its own copy, characters included, as a record a source
 * deserializes has. (Until 2026-11-22 rows shared one string per text, so comparing a redelivery
 * with the kept row found the same string and skipped its characters, which no job can.)
 */
public abstract class DedupBenchmarkBase extends HarnessBenchmarkBase<Object, Object, Object> {

  static final int PAYLOAD_VARIANTS = 16;

  @Param({
    "ETLKIT",
    "ETLKIT_MINIBATCH",
    "FLINK_SQL",
    "FLINK_SQL_MINIBATCH",
    "FLINK_SQL_FROM_POJO",
    "LIMIT"
  })
  public DedupImpl impl;

  /** Records per mini-batch, ETLKIT's and Flink SQL's alike. */
  @Param({"1000"})
  public int bundleSize;

  /** Characters of the payload. */
  @Param({"64"})
  public int valueSize;

  private KeySelector<Object, Object> keySelector;
  private TypeInformation<Object> keyType;
  private char[][] payloads;
  private Object[] inputs;
  private long processed;
  @Nullable private SqlPojos pojos;

  /** Tests only: keep every output record (as converted, for FLINK_SQL_FROM_POJO). */
  boolean keepOutputs;

  /**
   * What a job gets from Flink SQL for an output row of {@link DedupImpl#FLINK_SQL_FROM_POJO}: a
   * {@link BenchRow} for an insert-only output, the {@code Change} of one for a changelog.
   */
  protected abstract Object fromSqlOutput(SqlPojos pojos, RowData row);

  /** The etlkit step under test (named "dedup", keyed by {@link BenchRow#key}). */
  protected abstract Dedup.DedupStep<BenchRow, BenchRow, Long, ?> etlkitStep();

  /** Flink SQL's function for {@link DedupImpl#FLINK_SQL}. */
  protected abstract KeyedProcessFunction<RowData, RowData, RowData> sqlFunction();

  /** Flink SQL's mini-batch function for {@link DedupImpl#FLINK_SQL_MINIBATCH}. */
  protected abstract MapBundleFunction<RowData, RowData, RowData, RowData> sqlMiniBatchFunction();

  /** The {@link DedupImpl#LIMIT} function. */
  protected abstract KeyedProcessFunction<Long, BenchRow, ?> limitFunction();

  /** The measured rows, one per key index. */
  protected abstract BenchRow[] rows(int[] keyIndexes, SplittableRandom random);

  /** Rows processed before measuring, so that measured records meet a steady state. */
  protected abstract BenchRow[] preload();

  /** The payload of a version: a new string, with its own characters, on every call. */
  protected final String payload(long version) {
    return new String(payloads[(int) (version & (PAYLOAD_VARIANTS - 1))]);
  }

  @Override
  protected final Object[] createInputs(int[] keyIndexes) {
    SplittableRandom random = new SplittableRandom(SEED ^ 0xDED0L);
    payloads = new char[PAYLOAD_VARIANTS][valueSize];
    for (char[] payload : payloads) {
      for (int c = 0; c < valueSize; c++) {
        payload[c] = (char) ('a' + random.nextInt(26));
      }
    }
    BenchRow[] rows = rows(keyIndexes, random);
    inputs = impl.prebuiltRows() ? binary(rows) : rows;
    return inputs;
  }

  /** The precomputed inputs: {@link BenchRow}s, or binary rows for the SQL variants. */
  protected final Object[] inputs() {
    return inputs;
  }

  @Override
  @SuppressWarnings("unchecked")
  protected final OneInputStreamOperator<Object, Object> createOperator() {
    OneInputStreamOperator<?, ?> operator;
    switch (impl) {
      case ETLKIT:
      case ETLKIT_MINIBATCH:
        Dedup.DedupStep<BenchRow, BenchRow, Long, ?> step = etlkitStep();
        if (impl.miniBatch()) {
          step = step.withMiniBatch(bundleSize, Dedup.MAX_MINI_BATCH_DELAY);
        }
        OneInputTransformation<BenchRow, ?> expanded = expand(step);
        operator =
            (OneInputStreamOperator<?, ?>)
                ((SimpleOperatorFactory<?>) expanded.getOperatorFactory()).getOperator();
        keySelector =
            (KeySelector<Object, Object>) (KeySelector<?, ?>) expanded.getStateKeySelector();
        keyType = (TypeInformation<Object>) expanded.getStateKeyType();
        break;
      case FLINK_SQL:
      case FLINK_SQL_MINIBATCH:
      case FLINK_SQL_FROM_POJO:
        operator =
            impl.miniBatch()
                ? new KeyedMapBundleOperator<>(
                    sqlMiniBatchFunction(), new CountBundleTrigger<>(bundleSize))
                : new KeyedProcessOperator<>(sqlFunction());
        keySelector = (KeySelector<Object, Object>) (KeySelector<?, ?>) SqlRows.keySelector();
        keyType = (TypeInformation<Object>) (TypeInformation<?>) SqlRows.KEY_INFO;
        break;
      default:
        operator = new KeyedProcessOperator<>(limitFunction());
        keySelector = (KeySelector<Object, Object>) (KeySelector<?, ?>) new RowKey();
        keyType = (TypeInformation<Object>) (TypeInformation<?>) Types.LONG;
    }
    return (OneInputStreamOperator<Object, Object>) operator;
  }

  /** FLINK_SQL_FROM_POJO converts each record as it arrives, as {@code fromDataStream} does. */
  @Override
  protected final Object arriving(Object value) {
    return pojos != null ? pojos.toRow((BenchRow) value) : value;
  }

  @Override
  protected final CountingSink newSink() {
    if (impl == DedupImpl.FLINK_SQL_FROM_POJO) {
      SqlPojos converters = new SqlPojos();
      pojos = converters;
      return new ConvertingSink(row -> fromSqlOutput(converters, (RowData) row), keepOutputs);
    }
    pojos = null;
    return keepOutputs ? new ConvertingSink(UnaryOperator.identity(), true) : super.newSink();
  }

  /** The output records kept since the trial started, when {@link #keepOutputs} was set. */
  List<Object> keptOutputs() {
    return ((ConvertingSink) sink()).kept();
  }

  @Override
  protected final KeySelector<Object, Object> keySelector() {
    return keySelector;
  }

  @Override
  protected final TypeInformation<Object> keyType() {
    return keyType;
  }

  /**
   * Preloads state; a mini-batch variant gets duplicates of the last row up to a full bundle, so
   * the preload is flushed by its count trigger before measuring.
   */
  @Override
  protected final void afterOpen() throws Exception {
    BenchRow[] rows = preload();
    for (BenchRow row : rows) {
      process(impl.prebuiltRows() ? SqlRows.binary(row) : arriving(row));
    }
    if (impl.miniBatch() && rows.length > 0) {
      BenchRow last = rows[rows.length - 1];
      for (int i = rows.length; i % bundleSize != 0; i++) {
        process(
            impl.prebuiltRows()
                ? SqlRows.binary(last)
                : new BenchRow(last.key, last.version, last.payload));
      }
    }
    processed = 0;
  }

  /**
   * Runs one batch. Flink SQL's keep-last sets the kind of the rows it emits, and on the heap the
   * row it emits as {@code -U} is the one it stored, which here is an input that comes round again
   * (in a job every record is a fresh object). So FLINK_SQL gets each row's kind back to INSERT
   * right before the row is processed (a byte write per record): resetting a whole batch first is
   * not enough once a key occurs about once per pass over the input (10^6 keys), when an earlier
   * record of the same batch can turn a stored row that comes later in it into {@code -U}.
   */
  protected final void runBatch() throws Exception {
    beforeBatch(processed);
    if (impl == DedupImpl.FLINK_SQL) {
      int mask = inputs.length - 1;
      int from = (int) (processed & mask);
      for (int i = 0; i < BATCH; i++) {
        RowData row = (RowData) inputs[(from + i) & mask];
        row.setRowKind(RowKind.INSERT);
        process(row);
      }
      countBatch();
    } else {
      processBatch();
    }
    processed += BATCH;
  }

  /** Called with the records processed so far before each batch. */
  protected void beforeBatch(long processedSoFar) {}

  private Object[] binary(BenchRow[] rows) {
    Map<String, StringData> encoded = new HashMap<>(); // by text: one encoding per payload text
    Object[] binary = new Object[rows.length];
    for (int i = 0; i < rows.length; i++) {
      binary[i] =
          SqlRows.binary(rows[i], encoded.computeIfAbsent(rows[i].payload, StringData::fromString));
    }
    return binary;
  }

  private static OneInputTransformation<BenchRow, ?> expand(
      Dedup.DedupStep<BenchRow, BenchRow, Long, ?> step) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<BenchRow> source =
        env.fromSequence(0, 0).map(new Never(), TypeInformation.of(BenchRow.class));
    EtlStream<?> output = Etl.from(source, "bench").apply(step);
    return (OneInputTransformation<BenchRow, ?>) output.toDataStream().getTransformation();
  }

  /** Keys {@link BenchRow}s for LIMIT, like the etlkit step's key selector. */
  static final class RowKey implements KeySelector<BenchRow, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long getKey(BenchRow row) {
      return row.key;
    }
  }

  private static final class Never implements MapFunction<Long, BenchRow> {
    private static final long serialVersionUID = 1L;

    @Override
    public BenchRow map(Long value) {
      throw new UnsupportedOperationException("never executed");
    }
  }
}
