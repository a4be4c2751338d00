package dev.etlkit.benchmarks.reference;

import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.Row;

/**
 * The reference job's logic written in Flink SQL through the Table API, over the same timestamped
 * lines as the etlkit job:
 *
 * <ol>
 *   <li>orders: the {@code json} format's decoder ({@link SqlDecoders.Orders}), then {@code
 *       fromDataStream} with the record timestamp as rowtime and the source's watermarks;
 *   <li>orders without a required field dropped ({@code IS NOT NULL}), then deduplicated keep-first
 *       with {@code ROW_NUMBER() OVER (PARTITION BY orderId ORDER BY proc_time)} (planned as a
 *       processing-time Deduplicate), then {@code amount > 0};
 *   <li>customers: the {@code debezium-json} format's decoder without {@code -U} rows ({@link
 *       SqlDecoders.CustomerUpserts}), then {@code fromChangelogStream} in upsert mode with primary
 *       key {@code id} (planned with ChangelogNormalize) and the record timestamp as rowtime;
 *   <li>an event-time temporal join {@code LEFT JOIN customers FOR SYSTEM_TIME AS OF o.rowtime};
 *   <li>the amount in euros from a lookup join with the exchange rates ({@link
 *       FxRatesTableFactory}), through Flink's partial lookup cache.
 * </ol>
 *
 * <p>Rows stay in the planner's {@link RowData} from decoder to sink, as with connectors. State TTL
 * is {@value #STATE_TTL} ({@code table.exec.state.ttl}), like the orders pipeline's default TTL of
 * 7 days: a Flink SQL job must set one or its dedup state grows forever.
 */
final class FlinkSqlReferenceJob {

  /** {@code table.exec.state.ttl} of the SQL job. */
  static final String STATE_TTL = "7 d";

  // tag::reference-job-sql[]
  /**
   * The exchange rates: a lookup table ({@link FxRatesTableFactory}), cached as the reference job
   * caches them (at most 1,000 rates, each read again after 10 minutes).
   */
  static final String FX_RATES =
      """
      CREATE TEMPORARY TABLE fx_rates (
        currency STRING,
        eurPerUnit DECIMAL(%d, %d),
        PRIMARY KEY (currency) NOT ENFORCED
      ) WITH (
        'connector' = '%s',
        'lookup.cache' = 'PARTIAL',
        'lookup.partial-cache.max-rows' = '1000',
        'lookup.partial-cache.expire-after-write' = '10 min'
      )
      """
          .formatted(
              FxRatesTableFactory.RATE_PRECISION,
              FxRatesTableFactory.RATE_SCALE,
              FxRatesTableFactory.IDENTIFIER);

  /** Orders with every field, each once (keep first), then only those with a positive amount. */
  static final String VALID_ORDERS =
      """
      CREATE TEMPORARY VIEW valid_orders AS
      SELECT orderId, customerId, amount, currency, orderedAt, rowtime
      FROM (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY orderId ORDER BY proc_time) AS rowNum
        FROM orders
        WHERE orderId IS NOT NULL AND customerId IS NOT NULL AND amount IS NOT NULL
          AND currency IS NOT NULL AND orderedAt IS NOT NULL)
      WHERE rowNum = 1 AND amount > 0
      """;

  /** Each order with the customer version in force at its event time. */
  static final String ORDERS_WITH_CUSTOMER =
      """
      CREATE TEMPORARY VIEW orders_with_customer AS
      SELECT o.orderId, o.customerId, o.amount, o.currency, o.orderedAt,
             c.name AS customerName, c.tier, c.city, PROCTIME() AS lookupTime
      FROM valid_orders AS o
      LEFT JOIN customers FOR SYSTEM_TIME AS OF o.rowtime AS c
        ON o.customerId = c.id
      """;

  /** ... and with its amount in euros. */
  static final String ENRICHED_ORDERS =
      """
      SELECT o.orderId, o.customerId, o.amount, o.currency, o.orderedAt,
             o.customerName, o.tier, o.city,
             CAST(o.amount * r.eurPerUnit AS DECIMAL(12, 2)) AS amountEur
      FROM orders_with_customer AS o
      LEFT JOIN fx_rates FOR SYSTEM_TIME AS OF o.lookupTime AS r
        ON o.currency = r.currency
      """;

  // end::reference-job-sql[]

  /** Positions of columns of {@link #ENRICHED_ORDERS}. */
  static final int ENRICHED_ORDER_ID = 0;

  static final int ENRICHED_TIER = 6;

  static final int ENRICHED_CITY = 7;

  private FlinkSqlReferenceJob() {}

  /** A table environment on {@code env} with the job's settings. */
  static StreamTableEnvironment tableEnvironment(StreamExecutionEnvironment env) {
    StreamTableEnvironment tableEnv = StreamTableEnvironment.create(env);
    tableEnv.getConfig().set("table.exec.state.ttl", STATE_TTL);
    return tableEnv;
  }

  /** The enriched orders, as rows of {@link #ENRICHED_ORDERS}. */
  static Table enrichedOrders(
      StreamTableEnvironment tableEnv, DataStream<String> orderLines, DataStream<String> changes) {
    // tag::reference-job-sql-tables[]
    tableEnv.createTemporaryView("orders", orders(tableEnv, orderLines));
    tableEnv.createTemporaryView("customers", customers(tableEnv, changes));
    tableEnv.executeSql(FX_RATES);
    tableEnv.executeSql(VALID_ORDERS);
    tableEnv.executeSql(ORDERS_WITH_CUSTOMER);
    return tableEnv.sqlQuery(ENRICHED_ORDERS);
    // end::reference-job-sql-tables[]
  }

  /** A table's rows as the planner's {@link RowData}, as a connector's sink gets them. */
  static DataStream<RowData> toRowData(StreamTableEnvironment tableEnv, Table table) {
    return tableEnv.toDataStream(
        table, table.getResolvedSchema().toSourceRowDataType().bridgedTo(RowData.class));
  }

  /** The pass-through job's orders: decoded into the orders table and back out. */
  static DataStream<RowData> ordersPassThrough(
      StreamTableEnvironment tableEnv, DataStream<String> orderLines) {
    return toRowData(tableEnv, orders(tableEnv, orderLines));
  }

  /** The pass-through job's customers: decoded into the upsert table and back out, as upserts. */
  static DataStream<RowData> customersPassThrough(
      StreamTableEnvironment tableEnv, DataStream<String> changes) {
    Table customers = customers(tableEnv, changes);
    DataStream<?> upserts =
        tableEnv.toChangelogStream(
            customers,
            Schema.newBuilder()
                .fromRowDataType(
                    customers.getResolvedSchema().toSourceRowDataType().bridgedTo(RowData.class))
                .build(),
            ChangelogMode.upsert());
    @SuppressWarnings("unchecked")
    DataStream<RowData> rows = (DataStream<RowData>) upserts;
    return rows;
  }

  /** Orders with the record timestamp as rowtime (source watermarks) and a processing time. */
  static Table orders(StreamTableEnvironment tableEnv, DataStream<String> orderLines) {
    return tableEnv.fromDataStream(
        decoded(orderLines, new SqlDecoders.Orders(), SqlDecoders.ORDER_ROWS, "json-orders"),
        Schema.newBuilder()
            .fromRowDataType(SqlDecoders.ORDER_TYPE)
            .columnByMetadata("rowtime", DataTypes.TIMESTAMP_LTZ(3))
            .columnByExpression("proc_time", "PROCTIME()")
            .watermark("rowtime", "SOURCE_WATERMARK()")
            .build());
  }

  /**
   * The customers as an upsert table with primary key {@code id} and the change time as rowtime.
   */
  static Table customers(StreamTableEnvironment tableEnv, DataStream<String> changes) {
    DataStream<RowData> rows =
        decoded(
            changes,
            new SqlDecoders.CustomerUpserts(),
            SqlDecoders.CUSTOMER_ROWS,
            "debezium-customers");
    return tableEnv.fromChangelogStream(
        asRowStream(rows),
        Schema.newBuilder()
            .fromRowDataType(SqlDecoders.CUSTOMER_TYPE)
            .columnByMetadata("rowtime", DataTypes.TIMESTAMP_LTZ(3))
            .watermark("rowtime", "SOURCE_WATERMARK()")
            .primaryKey("id")
            .build(),
        ChangelogMode.upsert());
  }

  private static DataStream<RowData> decoded(
      DataStream<String> lines,
      FlatMapFunction<String, RowData> decoder,
      TypeInformation<RowData> type,
      String name) {
    return lines.flatMap(decoder).returns(type).name("sql-" + name).uid("sql/" + name);
  }

  /**
   * {@code fromChangelogStream} is declared for {@link Row}s; a stream of {@link RowData} with its
   * {@code InternalTypeInfo} is read as is, without conversion, as {@code fromDataStream} reads it.
   */
  @SuppressWarnings("unchecked")
  private static DataStream<Row> asRowStream(DataStream<RowData> rows) {
    return (DataStream<Row>) (DataStream<?>) rows;
  }
}
