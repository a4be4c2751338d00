package dev.etlkit.benchmarks.normalize;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.binary.BinaryRowData;
import org.apache.flink.table.runtime.generated.GeneratedRecordEqualiser;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.runtime.typeutils.RowDataSerializer;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.flink.types.RowKind;

/**
 * {@link Account} as Flink SQL sees it: a {@code ROW<id BIGINT, version BIGINT, payload STRING>} in
 * {@link BinaryRowData}, and the record equaliser the planner generates for that row type.
 */
final class AccountRows {

  static final RowType ROW_TYPE =
      RowType.of(
          new org.apache.flink.table.types.logical.LogicalType[] {
            new BigIntType(false), new BigIntType(false), new VarCharType(VarCharType.MAX_LENGTH)
          },
          new String[] {"id", "version", "payload"});

  static final InternalTypeInfo<RowData> TYPE = InternalTypeInfo.of(ROW_TYPE);

  private static final String EQUALISER_CLASS = "DeduplicateRowEqualiser$1";

  /**
   * The code {@code EqualiserCodeGenerator#generateRecordEqualiser} produces for the row type
   * (Flink 2.2.1): binary rows compare their bytes, other rows their kind and then field by field.
   */
  private static final String EQUALISER_CODE =
      "public final class "
          + EQUALISER_CLASS
          + " implements org.apache.flink.table.runtime.generated.RecordEqualiser {\n"
          + "  public "
          + EQUALISER_CLASS
          + "(Object[] references) throws Exception {}\n"
          + "  @Override\n"
          + "  public boolean equals(org.apache.flink.table.data.RowData left,"
          + " org.apache.flink.table.data.RowData right) {\n"
          + "    if (left instanceof org.apache.flink.table.data.binary.BinaryRowData"
          + " && right instanceof org.apache.flink.table.data.binary.BinaryRowData) {\n"
          + "      return left.equals(right);\n"
          + "    }\n"
          + "    if (left.getRowKind() != right.getRowKind()) {\n"
          + "      return false;\n"
          + "    }\n"
          + "    boolean result = true;\n"
          + "    result = result && equalsField0(left, right);\n"
          + "    result = result && equalsField1(left, right);\n"
          + "    result = result && equalsField2(left, right);\n"
          + "    return result;\n"
          + "  }\n"
          + "  private boolean equalsField0(org.apache.flink.table.data.RowData left,"
          + " org.apache.flink.table.data.RowData right) {\n"
          + "    return left.getLong(0) == right.getLong(0);\n"
          + "  }\n"
          + "  private boolean equalsField1(org.apache.flink.table.data.RowData left,"
          + " org.apache.flink.table.data.RowData right) {\n"
          + "    return left.getLong(1) == right.getLong(1);\n"
          + "  }\n"
          + "  private boolean equalsField2(org.apache.flink.table.data.RowData left,"
          + " org.apache.flink.table.data.RowData right) {\n"
          + "    boolean leftNull = left.isNullAt(2);\n"
          + "    boolean rightNull = right.isNullAt(2);\n"
          + "    if (leftNull || rightNull) {\n"
          + "      return leftNull && rightNull;\n"
          + "    }\n"
          + "    return left.getString(2).equals(right.getString(2));\n"
          + "  }\n"
          + "}\n";

  private AccountRows() {}

  /** The equaliser, compiled by Flink's own code path (Janino) when the function opens. */
  static GeneratedRecordEqualiser equaliser() {
    return new GeneratedRecordEqualiser(
        EQUALISER_CLASS, EQUALISER_CODE, new Object[0], new Configuration());
  }

  /** A new binary row of the account with the given kind (a tombstone's payload is null). */
  static BinaryRowData toRow(RowDataSerializer serializer, RowKind kind, Account account) {
    GenericRowData row =
        GenericRowData.ofKind(
            kind,
            account.id(),
            account.version(),
            account.payload() == null ? null : StringData.fromString(account.payload()));
    return serializer.toBinaryRow(row).copy(); // toBinaryRow reuses one row
  }
}
