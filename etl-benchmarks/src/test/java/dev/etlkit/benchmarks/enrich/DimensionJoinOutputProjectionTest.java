package dev.etlkit.benchmarks.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.benchmarks.ConvertingSink;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Customer;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Enriched;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Order;
import dev.etlkit.core.Change;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.data.binary.BinaryStringData;
import org.apache.flink.table.data.conversion.DataStructureConverter;
import org.apache.flink.table.data.utils.JoinedRowData;
import org.apache.flink.table.runtime.operators.CodeGenOperatorFactory;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

/**
 * {@code FLINK_SQL_FROM_POJO}'s output path does the per-record work of the bridged job's output
 * projection, and pays for Flink's converters on every record.
 *
 * <p>In Flink 2.2.1 the query's select list ({@code o.amountCents, c.name AS customerName}) becomes
 * a generated {@code Calc} after the temporal join, which copies every string field it selects with
 * {@code StringDataSerializer} into its reused output row: {@code BinaryStringData.copy()}
 * materializes the joined row's string (its UTF-8 bytes) and allocates a new one (about 190 bytes
 * for the benchmark's 32-character names), with object reuse on or off. The first test runs the
 * {@code Calc} the planner generates for the bridged job and then {@link
 * DimensionJoinConversions#toEnriched}, which must do the same. Found by a review on 2026-11-24:
 * before, {@code toEnriched} read the joined row through a {@code ProjectedRowData} view, so the
 * copy was not measured. The second test counts the calls of Flink's converters (a variant that
 * built its rows by hand passed every output comparison).
 */
class DimensionJoinOutputProjectionTest {

  private static final String NAME = "abcdefghijklmnopqrstuvwxyzabcdef";

  @Test
  void outputProjection_copiesTheSelectedName_asThePlannersCalcDoes() throws Exception {
    // the bridged job's output Calc, as the planner generates it, on a joined row whose name is
    // held as the converter made it (a StringData over the POJO's String)
    BinaryStringData heldBySql = (BinaryStringData) StringData.fromString(NAME);
    RowData sqlJoined =
        new JoinedRowData(
            GenericRowData.of(1234L, 7L, TimestampData.fromEpochMillis(1)),
            GenericRowData.of(7L, heldBySql, TimestampData.fromEpochMillis(1)));
    StringData projectedBySql = runOutputCalc(sqlJoined);

    assertThat(projectedBySql.toString()).isEqualTo(NAME);
    assertThat(projectedBySql).as("the Calc's name is a copy").isNotSameAs(heldBySql);
    assertThat(heldBySql.getBinarySection())
        .as("the Calc's copy materialized the joined row's name")
        .isNotNull();

    // FLINK_SQL_FROM_POJO's output path on its own joined row
    DimensionJoinConversions conversions = new DimensionJoinConversions(false);
    RowData customer =
        conversions.customerRow(Change.updateAfter(new Customer(7, 1, new String(NAME))));
    BinaryStringData heldByPojo = (BinaryStringData) customer.getString(2);
    assertThat(heldByPojo.getBinarySection()).isNull();
    Enriched enriched =
        conversions.toEnriched(
            new JoinedRowData(conversions.factRow(new Order(7, 1234)), customer));

    assertThat(enriched.customerName).isEqualTo(NAME);
    assertThat(heldByPojo.getBinarySection())
        .as(
            "FLINK_SQL_FROM_POJO's projection copies the selected name as the planner's Calc"
                + " does (StringDataSerializer.copy, which materializes it first)")
        .isNotNull();
  }

  @Test
  void everyRecord_goesThroughFlinksConverters() {
    List<Counting> converters = new ArrayList<>();
    DimensionJoinConversions conversions =
        new DimensionJoinConversions(
            true,
            converter -> {
              Counting counting = new Counting(converter);
              converters.add(counting);
              return counting;
            });
    DimensionJoinBenchData.Event fact =
        new DimensionJoinBenchData.Event(DimensionJoinBenchData.FACT, 7L, new Order(7, 1234));
    DimensionJoinBenchData.Event change =
        new DimensionJoinBenchData.Event(
            DimensionJoinBenchData.DIMENSION, 7L, Change.updateAfter(new Customer(7, 1, NAME)));

    for (int i = 0; i < 3; i++) {
      RowData factRow = (RowData) conversions.arriving(fact).payload;
      RowData customerRow = (RowData) conversions.arriving(change).payload;
      assertThat(conversions.toEnriched(new JoinedRowData(factRow, customerRow)).customerName)
          .isEqualTo(NAME);
    }

    // orders, customers, enriched: each converts every record once, in its direction
    assertThat(converters).hasSize(3);
    assertThat(converters.get(0).toInternal).isEqualTo(3);
    assertThat(converters.get(1).toInternal).isEqualTo(3);
    assertThat(converters.get(2).toExternal).isEqualTo(3);
  }

  /** A converter that counts the conversions it passes on. */
  private static final class Counting implements DataStructureConverter<Object, Object> {
    private static final long serialVersionUID = 1L;

    private final DataStructureConverter<Object, Object> delegate;
    int toInternal;
    int toExternal;

    Counting(DataStructureConverter<Object, Object> delegate) {
      this.delegate = delegate;
    }

    @Override
    public void open(ClassLoader classLoader) {
      delegate.open(classLoader);
    }

    @Override
    public Object toInternal(Object external) {
      toInternal++;
      return delegate.toInternal(external);
    }

    @Override
    public Object toExternal(Object internal) {
      toExternal++;
      return delegate.toExternal(internal);
    }
  }

  /**
   * Plans {@code SELECT o.amountCents, c.name AS customerName FROM orders o LEFT JOIN customers FOR
   * SYSTEM_TIME AS OF o.rowtime c ON o.customerId = c.id} over {@code fromDataStream} / {@code
   * fromChangelogStream}, to {@code toDataStream(table, ENRICHED)}, runs the generated {@code Calc}
   * after the temporal join on {@code joined} (emitting into a sink that copies nothing) and
   * returns the name in the row it emitted.
   */
  private static StringData runOutputCalc(RowData joined) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    StreamTableEnvironment tableEnv = StreamTableEnvironment.create(env);
    DataStream<Order> orders = env.fromData(new Order(7, 1234));
    DataStream<Row> customers =
        env.fromData(
            Types.ROW_NAMED(new String[] {"id", "name"}, Types.LONG, Types.STRING),
            Row.ofKind(RowKind.INSERT, 7L, NAME));
    tableEnv.createTemporaryView(
        "orders",
        tableEnv.fromDataStream(
            orders,
            Schema.newBuilder()
                .columnByMetadata("rowtime", DataTypes.TIMESTAMP_LTZ(3))
                .watermark("rowtime", "SOURCE_WATERMARK()")
                .build()));
    tableEnv.createTemporaryView(
        "customers",
        tableEnv.fromChangelogStream(
            customers,
            Schema.newBuilder()
                .column("id", DataTypes.BIGINT().notNull())
                .column("name", DataTypes.STRING())
                .columnByMetadata("rowtime", DataTypes.TIMESTAMP_LTZ(3))
                .watermark("rowtime", "SOURCE_WATERMARK()")
                .primaryKey("id")
                .build()));
    tableEnv
        .toDataStream(
            tableEnv.sqlQuery(
                "SELECT o.amountCents, c.name AS customerName FROM orders AS o LEFT JOIN customers"
                    + " FOR SYSTEM_TIME AS OF o.rowtime AS c ON o.customerId = c.id"),
            DimensionJoinConversions.ENRICHED)
        .sinkTo(new DiscardingSink<>());
    StreamGraph graph = env.getStreamGraph(false);
    CodeGenOperatorFactory<RowData> calc = null;
    for (StreamNode node : graph.getStreamNodes()) {
      boolean afterJoin =
          node.getInEdges().stream()
              .anyMatch(
                  e ->
                      graph
                          .getStreamNode(e.getSourceId())
                          .getOperatorName()
                          .startsWith("Temporal"));
      if (afterJoin && node.getOperatorFactory() instanceof CodeGenOperatorFactory<?> factory) {
        @SuppressWarnings("unchecked")
        CodeGenOperatorFactory<RowData> rows = (CodeGenOperatorFactory<RowData>) factory;
        calc = rows;
      }
    }
    assertThat(calc).as("the planner's Calc after the temporal join").isNotNull();

    OneInputStreamOperatorTestHarness<RowData, RowData> harness =
        new OneInputStreamOperatorTestHarness<>(calc, 1, 1, 0);
    try {
      harness.setup();
      ConvertingSink sink = new ConvertingSink(row -> ((RowData) row).getString(1), true);
      Field output = AbstractStreamOperator.class.getDeclaredField("output");
      output.setAccessible(true);
      output.set(harness.getOperator(), sink);
      harness.open();
      harness.processElement(new StreamRecord<>(joined));
      List<Object> names = sink.kept();
      assertThat(names).hasSize(1);
      return (StringData) names.get(0);
    } finally {
      harness.close();
    }
  }
}
