package dev.etlkit.benchmarks.enrich;

import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Customer;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Enriched;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Event;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Order;
import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.JoinStatus;
import java.util.function.UnaryOperator;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.BoxedWrapperRowData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.conversion.DataStructureConverter;
import org.apache.flink.table.data.conversion.DataStructureConverters;
import org.apache.flink.table.runtime.typeutils.StringDataSerializer;
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
 *       as the planner's generated {@code Calc} after the join does in Flink 2.2.1: into one
 *       refilled {@code BoxedWrapperRowData}, the selected string copied by {@code
 *       StringDataSerializer} (which materializes its bytes and allocates a new {@code StringData},
 *       with object reuse on or off); then {@code toDataStream(table, ENRICHED)} makes a new {@link
 *       Enriched} of it with the converter of its structured type.
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
 * and updates). For the latest join a SQL job could not even tell that much: Flink 2.2.1's planner
 * has no left outer processing-time temporal join ({@code FOR SYSTEM_TIME AS OF} a processing-time
 * attribute is "not supported yet", and a temporal table function joins inner only), so such a job
 * drops the facts without a row. Both Flink SQL variants run the runtime operator as a left outer
 * join anyway, which it allows; with every key preloaded no fact lacks a row, so the measurement is
 * the same.
 *
 * <p>Left out, as for every variant: the keyed exchange between the conversion and the join (which
 * would hand the join binary rows, and etlkit's step POJOs, each through its serializer), the
 * copies Flink makes between chained operators with object reuse off, and the planner's operators
 * beyond the ones above: on the customers' side a stateless {@code DropUpdateBefore} (the default
 * changelog mode) or, for a changelog declared as upserts with a primary key, a {@code
 * ChangelogNormalize} with keyed state of its own, and a {@code Calc} re-stamping the row time
 * (which copies the name too, once per change). On the heap the join holds the customer's name as
 * the converter wrapped the POJO's {@code String}, where the exchange would have encoded it; the
 * output {@code Calc}'s copy encodes it and the output converter decodes a new {@code String}. What
 * the variant shows is a lower bound.
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
  private static final int AMOUNT = 2;

  private static final int NAME = 3 + 2;

  private static final Long NO_TIME = 0L;

  private final DataStructureConverter<Object, Object> orders;
  private final DataStructureConverter<Object, Object> customers;
  private final DataStructureConverter<Object, Object> enriched;
  private final boolean factsKept;
  private final GenericRowData refilledFact = new GenericRowData(3);
  private final BoxedWrapperRowData selected = new BoxedWrapperRowData(2);
  private final Event arrival = new Event(DimensionJoinBenchData.WATERMARK, 0L, null);

  /**
   * @param factsKept whether the join keeps facts in state ({@code AS_OF}), so each needs its own
   *     row
   */
  DimensionJoinConversions(boolean factsKept) {
    this(factsKept, UnaryOperator.identity());
  }

  /**
   * Tests only: with each of Flink's converters passed through {@code wrap} (to count its calls).
   */
  DimensionJoinConversions(
      boolean factsKept, UnaryOperator<DataStructureConverter<Object, Object>> wrap) {
    this.factsKept = factsKept;
    orders = converter(ORDER, wrap);
    customers = converter(CUSTOMER, wrap);
    enriched = converter(ENRICHED, wrap);
  }

  private static DataStructureConverter<Object, Object> converter(
      DataType type, UnaryOperator<DataStructureConverter<Object, Object>> wrap) {
    DataStructureConverter<Object, Object> converter =
        wrap.apply(DataStructureConverters.getConverter(type));
    converter.open(DimensionJoinConversions.class.getClassLoader());
    return converter;
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
    // the planner's Calc after the join: a refilled row, the selected string copied into it
    selected.setLong(0, joined.getLong(AMOUNT));
    if (joined.isNullAt(NAME)) {
      selected.setNullAt(1);
    } else {
      selected.setNonPrimitiveValue(1, StringDataSerializer.INSTANCE.copy(joined.getString(NAME)));
    }
    Enriched out = (Enriched) enriched.toExternalOrNull(selected);
    out.status = out.customerName == null ? JoinStatus.NOT_FOUND : JoinStatus.FOUND;
    return out;
  }
}
