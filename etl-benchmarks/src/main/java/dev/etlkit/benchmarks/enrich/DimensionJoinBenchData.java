package dev.etlkit.benchmarks.enrich;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.JoinStatus;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.binary.BinaryRowData;
import org.apache.flink.table.data.writer.BinaryRowWriter;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * The records of the dimension join benchmark: orders (facts) and customers (dimension rows) as
 * POJOs for etlkit and LIMIT, as binary rows for Flink SQL, and the interleaved {@link Event}s all
 * impls read.
 */
public final class DimensionJoinBenchData {

  private DimensionJoinBenchData() {}

  /** A fact. */
  public static final class Order {
    public long customerId;
    public long amountCents;

    public Order() {}

    Order(long customerId, long amountCents) {
      this.customerId = customerId;
      this.amountCents = amountCents;
    }

    public long getCustomerId() {
      return customerId;
    }
  }

  /** A dimension row. */
  public static final class Customer {
    public long id;
    public long version;
    public String name;

    public Customer() {}

    Customer(long id, long version, String name) {
      this.id = id;
      this.version = version;
      this.name = name;
    }

    public long getId() {
      return id;
    }
  }

  /** The output: the order's amount with its customer's name. */
  public static final class Enriched {
    public long amountCents;
    @Nullable public String customerName;
    public JoinStatus status;

    public Enriched() {}

    Enriched(long amountCents, @Nullable String customerName, JoinStatus status) {
      this.amountCents = amountCents;
      this.customerName = customerName;
      this.status = status;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Enriched e
          && amountCents == e.amountCents
          && Objects.equals(customerName, e.customerName)
          && status == e.status;
    }

    @Override
    public int hashCode() {
      return Objects.hash(amountCents, customerName, status);
    }

    @Override
    public String toString() {
      return amountCents + " " + customerName + " " + status;
    }
  }

  static final TypeInformation<Order> ORDER_INFO = TypeInformation.of(Order.class);
  static final TypeInformation<Customer> CUSTOMER_INFO = TypeInformation.of(Customer.class);
  static final TypeInformation<Change<Customer>> CHANGE_INFO = Change.typeInfo(CUSTOMER_INFO);
  static final TypeInformation<Enriched> ENRICHED_INFO = TypeInformation.of(Enriched.class);

  /** The combiner of the etlkit step, and what LIMIT emits. */
  static Enriched enrich(Order order, @Nullable Customer customer, JoinStatus status) {
    return new Enriched(order.amountCents, customer == null ? null : customer.name, status);
  }

  // tag::refilling-combiner[]
  /**
   * The combiner refilling one output record for every fact, as Flink SQL's join refills its one
   * joined row: allowed because the step passes each result on before it combines the next fact
   * (see {@link DimensionJoin.Combiner}).
   */
  static final class ReusingEnrich implements DimensionJoin.Combiner<Order, Customer, Enriched> {
    private static final long serialVersionUID = 1L;

    private transient Enriched out;

    @Override
    public Enriched combine(Order order, @Nullable Customer customer, JoinStatus status) {
      Enriched e = out;
      if (e == null) {
        e = new Enriched();
        out = e;
      }
      e.amountCents = order.amountCents;
      e.customerName = customer == null ? null : customer.name;
      e.status = status;
      return e;
    }
  }

  // end::refilling-combiner[]

  // ---- events -------------------------------------------------------------------------------

  static final byte FACT = 0;
  static final byte DIMENSION = 1;
  static final byte WATERMARK = 2;

  /**
   * One input record: a fact, a dimension change or (point-in-time variant) a watermark at the
   * current time. The payload is a POJO ({@link Order}, {@code Change<Customer>}) or, for Flink
   * SQL, a binary row. Times are not stored: the operators' adapters stamp records with a clock
   * that increases per record, so time keeps moving across the input's wrap-around.
   *
   * <p>The precomputed events are never changed. {@code FLINK_SQL_FROM_POJO} converts the payload
   * of each arriving event and hands the operator one event refilled with the converted row ({@link
   * #refill}): the event is only the benchmark's way of merging two inputs into one, which no impl
   * allocates per record, and no operator keeps it.
   */
  public static final class Event {
    byte kind;
    long key;
    @Nullable Object payload;

    Event(byte kind, long key, @Nullable Object payload) {
      this.kind = kind;
      this.key = key;
      this.payload = payload;
    }

    /** Makes this (reused) event another one's kind and key with the given payload. */
    Event refill(Event event, Object newPayload) {
      kind = event.kind;
      key = event.key;
      payload = newPayload;
      return this;
    }
  }

  // ---- Flink SQL rows -----------------------------------------------------------------------

  /** {@code orders(customer_id BIGINT, ts BIGINT, amount BIGINT)}; ts is field 1. */
  static final RowType ORDER_ROW =
      RowType.of(
          new LogicalType[] {new BigIntType(), new BigIntType(), new BigIntType()},
          new String[] {"customer_id", "ts", "amount"});

  /** {@code customers(id BIGINT, ts BIGINT, name STRING)}; ts is field 1. */
  static final RowType CUSTOMER_ROW =
      RowType.of(
          new LogicalType[] {new BigIntType(), new BigIntType(), VarCharType.STRING_TYPE},
          new String[] {"id", "ts", "name"});

  static final int TIME_FIELD = 1;

  static final InternalTypeInfo<RowData> ORDER_ROW_INFO = InternalTypeInfo.of(ORDER_ROW);
  static final InternalTypeInfo<RowData> CUSTOMER_ROW_INFO = InternalTypeInfo.of(CUSTOMER_ROW);

  /** The joined row: order fields, then customer fields. */
  static final InternalTypeInfo<RowData> JOINED_ROW_INFO =
      InternalTypeInfo.ofFields(
          new BigIntType(),
          new BigIntType(),
          new BigIntType(),
          new BigIntType(),
          new BigIntType(),
          VarCharType.STRING_TYPE);

  static BinaryRowData orderRow(Order order) {
    BinaryRowData row = new BinaryRowData(3);
    BinaryRowWriter writer = new BinaryRowWriter(row);
    writer.writeLong(0, order.customerId);
    writer.writeLong(1, 0L);
    writer.writeLong(2, order.amountCents);
    writer.complete();
    return row;
  }

  static BinaryRowData customerRow(Change<Customer> change, StringData name) {
    BinaryRowData row = new BinaryRowData(3);
    BinaryRowWriter writer = new BinaryRowWriter(row, change.value().name.length() + 8);
    writer.writeLong(0, change.value().id);
    writer.writeLong(1, 0L);
    writer.writeString(2, name);
    writer.complete();
    row.setRowKind(change.kind());
    return row;
  }
}
