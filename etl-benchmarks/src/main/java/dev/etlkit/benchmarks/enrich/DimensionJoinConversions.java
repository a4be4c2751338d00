package dev.etlkit.benchmarks.enrich;

import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Customer;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Enriched;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Event;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Order;
import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.JoinStatus;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.conversion.DataStructureConverter;
import org.apache.flink.table.data.conversion.DataStructureConverters;
import org.apache.flink.table.data.utils.ProjectedRowData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.types.Row;

/**
 * What a job whose records are {@link Order}s and {@code Change<Customer>}s pays to run the
 * dimension join in Flink SQL instead, beyond the temporal join operator itself ({@link
 * DimensionJoinBenchmark.Impl#FLINK_SQL_FROM_POJO}): the conversions the Table API bridge runs,
 * done by the converters it uses (Flink's {@link DataStructureConverters}, the structured-type ones
 * generated and compiled by Flink as in a job). The rows reach the join in {@code FLINK_SQL}'s
 * layout ({@link DimensionJoinBenchData#ORDER_ROW}, {@link DimensionJoinBenchData#CUSTOMER_ROW}),
 * so the same operators run on the same row types, key fields and time fields.
 *
 * <ul>
 *   <li>Facts in: {@code fromDataStream(orders)} turns each {@link Order} into a {@code
 *       GenericRowData} of its two fields ({@code InputConversionOperator} with the converter of
 *       the POJO's structured type). The POJO has no time column, which the query's {@code FOR
 *       SYSTEM_TIME AS OF} needs: the job declares one ({@code AS_OF}: a {@code rowtime} metadata
 *       column, for which {@code InputConversionOperator} wraps each row with a row of its
 *       timestamp in a new {@code JoinedRowData}; {@code LATEST}: a {@code PROCTIME()} column,
 *       which the planner's projection adds). Here the converter's fields go into a row of {@code
 *       FLINK_SQL}'s layout with the time column in the middle: for {@code AS_OF} a new {@code
 *       GenericRowData} per fact (the join keeps facts in state until the watermark; fewer objects
 *       than the bridge's wrapping), for {@code LATEST} one refilled row (the join keeps no facts,
 *       and the planner's projection refills its output row too).
 *   <li>Dimension in: {@code fromChangelogStream} takes only {@link Row}s, so the job maps each
 *       change to a {@link Row} of its kind, {@code (id, ts, name)}, which the converter of the
 *       {@code ROW} type turns into a {@code GenericRowData}. The customer's version is not a
 *       column (the join does not read it, nor does {@code FLINK_SQL}'s row have it).
 *   <li>Times: {@code ts} is left 0 here; the {@code AS_OF} adapter writes its clock into it, in
 *       place (these rows are new per record, where {@code FLINK_SQL}'s pre-built rows are copied
 *       first): a boxed {@code long}, where the bridge makes a {@code TimestampData}.
 *   <li>Out, insert-only: the query selects {@code o.amount AS amountCents, c.name AS customerName}
 *       (a view of the joined row, where the planner's projection would copy into its refilled
 *       output row), and {@code toDataStream(table, ENRICHED)} makes a new {@link Enriched} of them
 *       with the converter of its structured type.
 * </ul>
 *
 * <p>The status: Flink cannot derive a data type for {@link Enriched} ({@code toDataStream(table,
 * Enriched.class)} fails: its {@link JoinStatus} field would need a {@code RAW} type, which no SQL
 * expression makes without a function), so the job declares {@link #ENRICHED} without it and sets
 * it after the conversion, as a SQL job can only tell it: a left outer join gives a {@code null}
 * customer name when the fact found no row, so {@code null} means {@link JoinStatus#NOT_FOUND} and
 * anything else {@link JoinStatus#FOUND}. That reads a customer whose name is {@code null} as not
 * found, and a deleted row as not found where etlkit's point-in-time join says {@link
 * JoinStatus#DELETED}; the benchmark has neither (names are never {@code null}, changes are inserts
 * and updates).
 *
 * <p>Left out, as for every variant: the keyed exchange between the conversion and the join (which
 * would hand the join binary rows, and etlkit's step POJOs, each through its serializer), the
 * copies Flink makes between chained operators with object reuse off, and the planner's projections
 * beyond the ones above. On the heap a customer's name reaches the output as the POJO's own {@code
 * String} (the converter's {@code StringData} wraps it, and the join keeps the row as it is), which
 * the exchange would have encoded and the output conversion decoded. What the variant shows is a
 * lower bound.
 */
final class DimensionJoinConversions {

  /**
   * {@link Order} as the structured type {@code fromDataStream} derives for it (its fields, {@code
   * long} conversion classes), in the benchmark's row order (key first) rather than the derived one
   * ({@code amountCents}, {@code customerId}): the order changes nothing the conversion does per
   * field, and the fact row takes the key from field 0 like {@code FLINK_SQL}'s.
   */
  static final DataType ORDER =
      DataTypes.STRUCTURED(
          Order.class,
          DataTypes.FIELD("customerId", DataTypes.BIGINT().notNull().bridgedTo(long.class)),
          DataTypes.FIELD("amountCents", DataTypes.BIGINT().notNull().bridgedTo(long.class)));

  /**
   * The {@code ROW} type of the {@link Row}s the job maps customer changes to: the fields of {@link
   * DimensionJoinBenchData#CUSTOMER_ROW}, {@code id} and {@code name} typed as Flink derives them
   * for {@link Customer}.
   */
  static final DataType CUSTOMER =
      DataTypes.ROW(
          DataTypes.FIELD("id", DataTypes.BIGINT().notNull()),
          DataTypes.FIELD("ts", DataTypes.BIGINT().notNull()),
          DataTypes.FIELD("name", DataTypes.STRING()));

  /**
   * {@link Enriched} as the job declares it for {@code toDataStream}: its fields as Flink derives
   * each of them, without {@code status} (see the class comment).
   */
  static final DataType ENRICHED =
      DataTypes.STRUCTURED(
          Enriched.class,
          DataTypes.FIELD("amountCents", DataTypes.BIGINT().notNull().bridgedTo(long.class)),
          DataTypes.FIELD("customerName", DataTypes.STRING()));

  /** The query's select list in the joined row: {@code o.amount}, {@code c.name}. */
  private static final int[] SELECTED = {2, 3 + 2};

  private static final Long NO_TIME = 0L;

  private final DataStructureConverter<Object, Object> orders;
  private final DataStructureConverter<Object, Object> customers;
  private final DataStructureConverter<Object, Object> enriched;
  private final boolean factsKept;
  private final GenericRowData refilledFact = new GenericRowData(3);
  private final ProjectedRowData selected = ProjectedRowData.from(SELECTED);
  private final Event arrival = new Event(DimensionJoinBenchData.WATERMARK, 0L, null);

  /**
   * @param factsKept whether the join keeps facts in state ({@code AS_OF}), so each needs its own
   *     row
   */
  DimensionJoinConversions(boolean factsKept) {
    this.factsKept = factsKept;
    ClassLoader classLoader = DimensionJoinConversions.class.getClassLoader();
    orders = DataStructureConverters.getConverter(ORDER);
    orders.open(classLoader);
    customers = DataStructureConverters.getConverter(CUSTOMER);
    customers.open(classLoader);
    enriched = DataStructureConverters.getConverter(ENRICHED);
    enriched.open(classLoader);
  }

  /**
   * The event the join's adapter gets for an arriving one: its POJO converted (one refilled event,
   * see {@link Event}); a watermark as it is.
   */
  @SuppressWarnings("unchecked")
  Event arriving(Event event) {
    switch (event.kind) {
      case DimensionJoinBenchData.FACT:
        return arrival.refill(event, factRow((Order) event.payload));
      case DimensionJoinBenchData.DIMENSION:
        return arrival.refill(event, customerRow((Change<Customer>) event.payload));
      default:
        return event;
    }
  }

  /** The row {@code fromDataStream} (and the time column) hands the join for an order. */
  RowData factRow(Order order) {
    GenericRowData converted = (GenericRowData) orders.toInternalOrNull(order);
    GenericRowData row = factsKept ? new GenericRowData(3) : refilledFact;
    row.setField(0, converted.getField(0));
    row.setField(DimensionJoinBenchData.TIME_FIELD, NO_TIME);
    row.setField(2, converted.getField(1));
    return row;
  }

  /** The row {@code fromChangelogStream} hands the join for a customer change. */
  RowData customerRow(Change<Customer> change) {
    Customer customer = change.value();
    Row row = Row.ofKind(change.kind(), customer.id, NO_TIME, customer.name);
    return (RowData) customers.toInternalOrNull(row);
  }

  /**
   * A new {@link Enriched} from a joined row, as {@code toDataStream(table, ENRICHED)} makes it,
   * with its status set from the customer name.
   */
  Enriched toEnriched(RowData joined) {
    Enriched out = (Enriched) enriched.toExternalOrNull(selected.replaceRow(joined));
    out.status = out.customerName == null ? JoinStatus.NOT_FOUND : JoinStatus.FOUND;
    return out;
  }
}
