package dev.etlkit.benchmarks.normalize;

import dev.etlkit.core.Change;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.conversion.DataStructureConverter;
import org.apache.flink.table.data.conversion.DataStructureConverters;
import org.apache.flink.table.types.DataType;
import org.apache.flink.types.Row;

/**
 * What a job whose changelog is {@code Change<Account>} pays to normalize it in Flink SQL instead,
 * beyond ChangelogNormalize itself ({@link UpsertNormalizeBenchmark.Impl#FLINK_SQL_FROM_POJO}).
 * {@code fromChangelogStream} takes only {@link Row}s, so the job maps each change to a {@link Row}
 * of its kind, which Flink's converter of the {@code ROW} type turns into a {@code GenericRowData};
 * {@code toChangelogStream} turns each output row back into a {@link Row} with the same converter,
 * which the job maps to a {@code Change<Account>}, what etlkit's step emits.
 *
 * <p>Left out, as for every variant: the network exchange between the conversion and the keyed
 * operator (which would hand ChangelogNormalize binary rows).
 */
final class AccountConversions {

  /** The fields of {@link Account} as the {@code ROW} type of the table. */
  static final DataType ROW =
      DataTypes.ROW(
          DataTypes.FIELD("id", DataTypes.BIGINT().notNull()),
          DataTypes.FIELD("version", DataTypes.BIGINT().notNull()),
          DataTypes.FIELD("payload", DataTypes.STRING()));

  private final DataStructureConverter<Object, Object> rows;

  AccountConversions() {
    rows = DataStructureConverters.getConverter(ROW);
    rows.open(AccountConversions.class.getClassLoader());
  }

  /** The row {@code fromChangelogStream} hands ChangelogNormalize for a change. */
  RowData toRow(Change<Account> change) {
    Account account = change.value();
    Row row = Row.ofKind(change.kind(), account.id(), account.version(), account.payload());
    return (RowData) rows.toInternalOrNull(row);
  }

  /** The change a job gets from {@code toChangelogStream} for an output row. */
  Change<Account> toChange(RowData internal) {
    Row row = (Row) rows.toExternalOrNull(internal);
    Account account =
        new Account(row.<Long>getFieldAs(0), row.<Long>getFieldAs(1), row.getFieldAs(2));
    return Change.of(row.getKind(), account);
  }
}
