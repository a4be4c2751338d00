package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.internal.ChangeToRowFunction;
import dev.etlkit.core.internal.RowToChangeFunction;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
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
}
