package dev.etlkit.core.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.RowMapping;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.types.Row;

/** Maps a change to a row with the change's kind, through a {@link RowMapping}. */
@Internal
public final class ChangeToRowFunction<T> implements MapFunction<Change<T>, Row> {

  private static final long serialVersionUID = 1L;

  private final RowMapping<T> mapping;
  private final int arity;

  public ChangeToRowFunction(RowMapping<T> mapping) {
    this.mapping = mapping;
    this.arity = mapping.rowType().getArity();
  }

  @Override
  public Row map(Change<T> change) {
    Row row = mapping.toRow(change.value());
    if (row == null || row.getArity() != arity) {
      throw new IllegalStateException(
          mapping
              + " returned "
              + (row == null ? "null" : "a row of arity " + row.getArity())
              + " from toRow, its rowType has "
              + arity
              + " columns");
    }
    row.setKind(change.kind());
    return row;
  }
}
