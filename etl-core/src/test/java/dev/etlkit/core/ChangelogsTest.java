package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.internal.ChangeToRowFunction;
import dev.etlkit.core.internal.RowToChangeFunction;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

class ChangelogsTest {

  private static final RowMapping<Customer> CUSTOMERS = RowMapping.pojo(Customer.class);

  @Test
  void toRowFunction_setsKindOfChange() {
    ChangeToRowFunction<Customer> toRow = new ChangeToRowFunction<>(CUSTOMERS);

    Row row = toRow.map(Change.updateBefore(new Customer(1, "Ada", 5)));

    assertThat(row).isEqualTo(Row.ofKind(RowKind.UPDATE_BEFORE, 5, 1L, "Ada"));
  }

  @Test
  void fromRowFunction_takesKindOfRow() {
    RowToChangeFunction<Customer> fromRow = new RowToChangeFunction<>(CUSTOMERS);

    Change<Customer> change = fromRow.map(Row.ofKind(RowKind.DELETE, 5, 1L, "Ada"));

    assertThat(change).isEqualTo(Change.delete(new Customer(1, "Ada", 5)));
  }

  @Test
  void toRowFunction_rowOfWrongArity_failsNamingTheMapping() {
    RowMapping<Customer> tooShort =
        RowMapping.of(
            new RowTypeInfo(
                new TypeInformation<?>[] {Types.LONG, Types.STRING}, new String[] {"id", "name"}),
            CUSTOMERS.valueType(),
            c -> Row.of(c.id),
            row -> new Customer());

    assertThatThrownBy(() -> new ChangeToRowFunction<>(tooShort).map(Change.insert(new Customer())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageEndingWith("returned a row of arity 1 from toRow, its rowType has 2 columns");
  }

  @Test
  void toRows_declaresRowTypeOfMapping() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<Change<Customer>> changes =
        env.fromData(
            List.of(Change.insert(new Customer())), Change.typeInfo(CUSTOMERS.valueType()));

    assertThat(Changelogs.toRows(changes, CUSTOMERS).getType()).isEqualTo(CUSTOMERS.rowType());
    assertThat(Changelogs.fromRows(Changelogs.toRows(changes, CUSTOMERS), CUSTOMERS).getType())
        .isEqualTo(Change.typeInfo(CUSTOMERS.valueType()));
  }

  /**
   * {@code toRows} and {@code fromRows} are DataStream maps: a job or test with Flink's DataStream
   * API alone (no {@code flink-table-api-java-bridge}, which is {@code provided}) can use them. The
   * Table API classes are only needed by {@code toTable} and {@code fromTable}. Loaded here in a
   * class loader that has etl-core's classes but no Table API: the JVM verifies all of a class's
   * methods when it links it, so one method body of {@code Changelogs} that needs a Table API type
   * to check an assignment fails every use of the class.
   */
  @Test
  void toRowsAndFromRows_needNoTableApiOnTheClassPath() throws Throwable {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<Change<Customer>> changes =
        env.fromData(
            List.of(Change.insert(new Customer())), Change.typeInfo(CUSTOMERS.valueType()));

    try (WithoutTableApi loader = new WithoutTableApi()) {
      // Method handles, as a call site links: Class#getMethod would resolve every signature of
      // the class, Table API types of toTable and fromTable included.
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      Class<?> rowMapping = loader.loadClass(RowMapping.class.getName());
      Class<?> changelogs = Class.forName(Changelogs.class.getName(), true, loader); // linked
      Object mapping =
          lookup
              .findStatic(rowMapping, "pojo", MethodType.methodType(rowMapping, Class.class))
              .invoke(Customer.class);
      MethodType map =
          MethodType.methodType(SingleOutputStreamOperator.class, DataStream.class, rowMapping);
      DataStream<?> rows =
          (DataStream<?>) lookup.findStatic(changelogs, "toRows", map).invoke(changes, mapping);
      DataStream<?> back =
          (DataStream<?>) lookup.findStatic(changelogs, "fromRows", map).invoke(rows, mapping);

      assertThat(rows.getType()).isEqualTo(CUSTOMERS.rowType());
      assertThat(back.getType().getTypeClass().getName()).isEqualTo(Change.class.getName());
    }
  }

  /** etl-core's main classes, loaded child-first, over a parent without the Table API. */
  private static final class WithoutTableApi extends URLClassLoader {
    WithoutTableApi() {
      super(
          new URL[] {Changelogs.class.getProtectionDomain().getCodeSource().getLocation()},
          Changelogs.class.getClassLoader());
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      synchronized (getClassLoadingLock(name)) {
        if (name.startsWith("org.apache.flink.table.")) {
          throw new ClassNotFoundException(name + " (no Table API in this class loader)");
        }
        Class<?> loaded = findLoadedClass(name);
        if (loaded == null && name.startsWith("dev.etlkit.core.")) {
          try {
            loaded = findClass(name);
          } catch (ClassNotFoundException notInEtlCore) {
            loaded = null; // a test class: from the parent
          }
        }
        if (loaded == null) {
          loaded = super.loadClass(name, false);
        }
        if (resolve) {
          resolveClass(loaded);
        }
        return loaded;
      }
    }
  }
}
