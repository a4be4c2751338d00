package dev.etlkit.benchmarks.enrich;

import dev.etlkit.benchmarks.ConvertingSink;
import dev.etlkit.benchmarks.CountingSink;
import dev.etlkit.benchmarks.HarnessBenchmarkBase;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Customer;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Enriched;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Event;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Order;
import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import dev.etlkit.operators.enrich.internal.join.DimensionJoinOperator;
import dev.etlkit.operators.enrich.internal.join.JoinConfig;
import java.util.List;
import java.util.SplittableRandom;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.TwoInputTransformation;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;

/**
 * Enrichment from Flink state: facts (orders) joined with a dimension changelog (customers) kept in
 * keyed state, {@code dimensionShare} of the records being dimension changes, every key's row
 * preloaded so facts meet a steady state.
 *
 * <ul>
 *   <li>{@code ETLKIT}: the {@link DimensionJoin} step's operator as a pipeline expands it ({@code
 *       latest}: no wait; {@code asOf}: no wait, no lateness).
 *   <li>{@code FLINK_SQL}: Flink SQL's temporal join operators, left outer, no state retention, fed
 *       binary rows: {@code TemporalProcessTimeJoinOperator} ({@code LATEST}) and {@code
 *       TemporalRowTimeJoinOperator} ({@code AS_OF}).
 *   <li>{@code FLINK_SQL_FROM_POJO}: {@code FLINK_SQL} in a job whose records are the POJOs
 *       etlkit's step gets and emits: each {@link Order} and {@code Change<Customer>} is converted
 *       on arrival and each joined row back into a new {@link Enriched}, by Flink's own converters,
 *       as {@code fromDataStream}, {@code fromChangelogStream} and {@code toDataStream} do; the
 *       status comes from the customer name, {@code null} for {@code NOT_FOUND} ({@link
 *       DimensionJoinConversions}).
 *   <li>{@code LIMIT}: one {@code ValueState} get per fact (and its output) and one put per
 *       dimension change, whatever the variant: the least a state join can do.
 * </ul>
 *
 * <p>{@code output} says whether etlkit's combiner and LIMIT make a {@code NEW} output record per
 * fact or refill one ({@code REUSED}), as Flink SQL's joins always refill one joined row; Flink
 * SQL's figures do not depend on it ({@code FLINK_SQL_FROM_POJO} makes a new {@link Enriched} per
 * fact, as {@code toDataStream}'s converter does).
 *
 * <p>{@code AS_OF} gets a watermark every {@value #WATERMARK_EVERY} records at the current time, so
 * facts are held for up to that many records, as in a job with frequent watermarks. All impls are
 * keyed by a {@code long} (SQL's planner would key by a binary key row: a little more work). The
 * SQL {@code AS_OF} adapter copies each row to stamp its time (a job deserializes a fresh row per
 * record anyway), which shows in its bytes per record; {@code FLINK_SQL_FROM_POJO}'s rows are new
 * per record already, and are stamped in place.
 *
 * <p>State at 10^4 keys: one row (about 60 bytes) per key, plus for {@code AS_OF} the versions and
 * held facts of the last watermark interval: all in RocksDB's block cache.
 */
public class DimensionJoinBenchmark extends HarnessBenchmarkBase<Long, Event, Object> {

  /** Records between two watermarks in the {@code AS_OF} variant. */
  static final int WATERMARK_EVERY = 100;

  private static final int NAME_VARIANTS = 16;

  /** What runs, side by side in one JMH run. */
  public enum Impl {
    ETLKIT,
    FLINK_SQL,
    FLINK_SQL_FROM_POJO,
    LIMIT
  }

  /** How the etlkit combiner and LIMIT make their output records (Flink SQL always reuses). */
  public enum Output {
    /** A new record per fact, as most combiners are written. */
    NEW,
    /** One record refilled for every fact, as Flink SQL's joins refill their joined row. */
    REUSED
  }

  /** The join's semantics. */
  public enum Variant {
    LATEST,
    AS_OF
  }

  @Param({"ETLKIT", "FLINK_SQL", "FLINK_SQL_FROM_POJO", "LIMIT"})
  public Impl impl;

  @Param({"LATEST", "AS_OF"})
  public Variant variant;

  @Param({"NEW", "REUSED"})
  public Output output;

  /** Share of the records that are dimension changes (the rest are facts). */
  @Param({"0.1"})
  public double dimensionShare;

  /** Characters of a customer's name. */
  @Param({"32"})
  public int valueSize;

  private String[] names;
  private StringData[] sqlNames;
  @Nullable private DimensionJoinConversions conversions;

  /**
   * Tests only: keep every output record (FLINK_SQL_FROM_POJO's as converted, etlkit's and LIMIT's
   * as copies, since a refilling combiner emits one record again and again).
   */
  boolean keepOutputs;

  /**
   * Tests only: whether every key gets its row before measuring (the default); without, the facts
   * of a key before its first change find no row.
   */
  boolean preload = true;

  @Override
  @SuppressWarnings("unchecked")
  protected OneInputStreamOperator<Event, Object> createOperator() {
    OneInputStreamOperator<Event, ?> operator;
    switch (impl) {
      case ETLKIT:
        operator = new DimensionJoinOperators.Etlkit(expand());
        break;
      case FLINK_SQL:
      case FLINK_SQL_FROM_POJO:
        operator =
            variant == Variant.LATEST
                ? new DimensionJoinOperators.SqlLatest()
                : new DimensionJoinOperators.SqlAsOf(impl == Impl.FLINK_SQL_FROM_POJO);
        break;
      default:
        operator =
            new KeyedProcessOperator<>(new DimensionJoinOperators.Limit(output == Output.REUSED));
    }
    return (OneInputStreamOperator<Event, Object>) operator;
  }

  @Override
  protected KeySelector<Event, Long> keySelector() {
    return new DimensionJoinOperators.EventKey();
  }

  @Override
  protected TypeInformation<Long> keyType() {
    return Types.LONG;
  }

  @Override
  protected Event[] createInputs(int[] keyIndexes) {
    if (!(dimensionShare >= 0 && dimensionShare <= 1)) {
      throw new IllegalArgumentException("dimensionShare must be in [0, 1], was " + dimensionShare);
    }
    SplittableRandom random = new SplittableRandom(SEED ^ 0xD1E5L);
    names = new String[NAME_VARIANTS];
    sqlNames = new StringData[NAME_VARIANTS];
    for (int n = 0; n < NAME_VARIANTS; n++) {
      StringBuilder sb = new StringBuilder(valueSize);
      for (int c = 0; c < valueSize; c++) {
        sb.append((char) ('a' + random.nextInt(26)));
      }
      names[n] = sb.toString();
      sqlNames[n] = StringData.fromString(names[n]);
    }
    Event[] events = new Event[keyIndexes.length];
    long version = 0;
    for (int i = 0; i < events.length; i++) {
      long key = keyIndexes[i];
      if (variant == Variant.AS_OF && i % WATERMARK_EVERY == WATERMARK_EVERY - 1) {
        events[i] = new Event(DimensionJoinBenchData.WATERMARK, key, null);
      } else if (random.nextDouble() < dimensionShare) {
        events[i] = dimension(Change.updateAfter(customer(key, ++version)));
      } else {
        events[i] = fact(new Order(key, random.nextInt(100_000)));
      }
    }
    return events;
  }

  /** Every key gets its row before measuring (unless a test turned {@link #preload} off). */
  @Override
  protected void afterOpen() throws Exception {
    for (int k = 0; preload && k < keyCount; k++) {
      process(arriving(dimension(Change.insert(customer(k, 0)))));
    }
    if (variant == Variant.AS_OF) {
      process(new Event(DimensionJoinBenchData.WATERMARK, 0L, null));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void join() throws Exception {
    processBatch();
  }

  /** FLINK_SQL_FROM_POJO converts each record as it arrives, as the bridge's conversions do. */
  @Override
  protected Event arriving(Event value) {
    return conversions != null ? conversions.arriving(value) : value;
  }

  @Override
  protected CountingSink newSink() {
    if (impl == Impl.FLINK_SQL_FROM_POJO) {
      DimensionJoinConversions converters = new DimensionJoinConversions(variant == Variant.AS_OF);
      conversions = converters;
      return new ConvertingSink(row -> converters.toEnriched((RowData) row), keepOutputs);
    }
    conversions = null;
    if (!keepOutputs) {
      return super.newSink();
    }
    if (impl == Impl.FLINK_SQL) {
      throw new IllegalStateException("keepOutputs: FLINK_SQL refills one joined row");
    }
    return new ConvertingSink(DimensionJoinBenchmark::copy, true);
  }

  /** The output records kept since the trial started, when {@link #keepOutputs} was set. */
  List<Object> keptOutputs() {
    return ((ConvertingSink) sink()).kept();
  }

  /** How many of {@link #keptOutputs()} came before each watermark the operator emitted. */
  List<Integer> keptAtWatermarks() {
    return ((ConvertingSink) sink()).keptAtWatermarks();
  }

  private static Object copy(Object output) {
    Enriched e = (Enriched) output;
    return new Enriched(e.amountCents, e.customerName, e.status);
  }

  private Customer customer(long key, long version) {
    return new Customer(key, version, names[(int) (version & (NAME_VARIANTS - 1))]);
  }

  private Event dimension(Change<Customer> change) {
    Object payload =
        impl == Impl.FLINK_SQL
            ? DimensionJoinBenchData.customerRow(
                change, sqlNames[(int) (change.value().version & (NAME_VARIANTS - 1))])
            : change;
    return new Event(DimensionJoinBenchData.DIMENSION, change.value().id, payload);
  }

  private Event fact(Order order) {
    Object payload = impl == Impl.FLINK_SQL ? DimensionJoinBenchData.orderRow(order) : order;
    return new Event(DimensionJoinBenchData.FACT, order.customerId, payload);
  }

  /** The etlkit step's operator configuration, from a pipeline as users build it. */
  @SuppressWarnings("unchecked")
  private JoinConfig<Order, Customer, Enriched> expand() {
    DimensionJoin.Combiner<Order, Customer, Enriched> combiner =
        output == Output.REUSED
            ? new DimensionJoinBenchData.ReusingEnrich()
            : DimensionJoinBenchData::enrich;
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<Change<Customer>> customers =
        env.fromSequence(0, 0).map(new Never<>(), DimensionJoinBenchData.CHANGE_INFO);
    DataStream<Order> orders =
        env.fromSequence(0, 0).map(new Never<>(), DimensionJoinBenchData.ORDER_INFO);
    DimensionJoinStep<Order, Customer, Long, Enriched> step =
        variant == Variant.LATEST
            ? DimensionJoin.latest(
                "customer",
                customers,
                Order::getCustomerId,
                Customer::getId,
                combiner,
                DimensionJoinBenchData.ENRICHED_INFO)
            : DimensionJoin.asOf(
                "customer",
                customers,
                Order::getCustomerId,
                Customer::getId,
                combiner,
                DimensionJoinBenchData.ENRICHED_INFO);
    EtlStream<Enriched> output = Etl.from(orders, "bench").apply(step);
    for (Transformation<?> t : output.toDataStream().getTransformation().getInputs()) {
      if (t instanceof TwoInputTransformation<?, ?, ?> join) {
        return ((DimensionJoinOperator<Long, Order, Customer, Enriched>)
                ((SimpleOperatorFactory<?>) join.getOperatorFactory()).getOperator())
            .config();
      }
    }
    throw new IllegalStateException("the step added no join operator");
  }

  /** A map the dummy sources never run. */
  private static final class Never<T> implements MapFunction<Long, T> {
    private static final long serialVersionUID = 1L;

    @Override
    public T map(Long value) {
      throw new UnsupportedOperationException("never executed");
    }
  }
}
