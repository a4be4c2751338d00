package dev.etlkit.core.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.RowMapping;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.types.Row;

/** Maps a row to a change of the row's kind, through a {@link RowMapping}. */
@Internal
public final class RowToChangeFunction<T> implements MapFunction<Row, Change<T>> {

  private static final long serialVersionUID = 1L;

  private final RowMapping<T> mapping;

  public RowToChangeFunction(RowMapping<T> mapping) {
    this.mapping = mapping;
  }

  @Override
  public Change<T> map(Row row) {
    T value = mapping.fromRow(row);
    if (value == null) {
      throw new IllegalStateException(mapping + " returned null from fromRow");
    }
    return Change.of(row.getKind(), value);
  }
}
