package dev.etlkit.core.internal;

import dev.etlkit.core.RowMapping;
import java.util.Objects;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.types.Row;
import org.apache.flink.util.function.SerializableFunction;

/** A {@link RowMapping} from user-given conversion functions. */
@Internal
public final class FunctionRowMapping<T> implements RowMapping<T> {

  private static final long serialVersionUID = 1L;

  private final RowTypeInfo rowType;
  private final TypeInformation<T> valueType;
  private final SerializableFunction<T, Row> toRow;
  private final SerializableFunction<Row, T> fromRow;

  public FunctionRowMapping(
      RowTypeInfo rowType,
      TypeInformation<T> valueType,
      SerializableFunction<T, Row> toRow,
      SerializableFunction<Row, T> fromRow) {
    this.rowType = Objects.requireNonNull(rowType, "rowType");
    this.valueType = Objects.requireNonNull(valueType, "valueType");
    this.toRow = Objects.requireNonNull(toRow, "toRow");
    this.fromRow = Objects.requireNonNull(fromRow, "fromRow");
  }

  @Override
  public RowTypeInfo rowType() {
    return rowType;
  }

  @Override
  public TypeInformation<T> valueType() {
    return valueType;
  }

  @Override
  public Row toRow(T value) {
    return toRow.apply(value);
  }

  @Override
  public T fromRow(Row row) {
    return fromRow.apply(row);
  }

  @Override
  public String toString() {
    return "RowMapping(" + valueType + " <-> " + rowType + ")";
  }
}
