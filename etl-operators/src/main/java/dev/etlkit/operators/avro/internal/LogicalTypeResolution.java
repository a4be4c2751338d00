package dev.etlkit.operators.avro.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Checks what Avro's {@code SchemaCompatibility} leaves out: the logical types of a writer and a
 * reader schema. Avro resolves a {@code decimal(10,2)} writer into a {@code decimal(10,4)} reader
 * (12.34 becomes 0.1234) and {@code timestamp-millis} into {@code timestamp-micros} (a date in 2024
 * becomes one in 1970) without complaint. The Avro specification lets decimals match only with
 * equal scale and precision; etlkit requires every logical type to match exactly, so that a value
 * is never silently reinterpreted.
 *
 * <p>Walks both schemas as Avro's resolution pairs them: record fields by name or the reader
 * field's aliases, array items, map values, each writer union branch, and for a reader union the
 * branch Avro picks (same type and full name first, then same type and name, then a promotion).
 * Setup code: runs once per writer schema.
 */
final class LogicalTypeResolution {
  private LogicalTypeResolution() {}

  /**
   * Where the logical types of {@code writer} and {@code reader} differ, as {@code
   * LOGICAL_TYPE_MISMATCH at $.amount: writer decimal(10,2), reader decimal(10,4)}; empty if
   * nowhere. Assumes Avro already found the schemas compatible.
   */
  static List<String> mismatches(Schema writer, Schema reader) {
    List<String> found = new ArrayList<>();
    check(writer, reader, "$", new HashSet<>(), found);
    return found;
  }

  private static void check(
      Schema writer, Schema reader, String path, Set<String> seenRecords, List<String> found) {
    if (writer.getType() == Schema.Type.UNION) {
      for (Schema branch : writer.getTypes()) {
        check(branch, reader, path, seenRecords, found);
      }
      return;
    }
    if (reader.getType() == Schema.Type.UNION) {
      Schema branch = readerBranch(writer, reader);
      if (branch != null) {
        check(writer, branch, path, seenRecords, found);
      }
      return;
    }
    if (!sameLogicalType(writer.getLogicalType(), reader.getLogicalType())) {
      found.add(
          "LOGICAL_TYPE_MISMATCH at "
              + path
              + ": writer "
              + LogicalValues.describe(writer)
              + ", reader "
              + LogicalValues.describe(reader));
      return;
    }
    switch (reader.getType()) {
      case RECORD:
        if (writer.getType() != Schema.Type.RECORD
            || !seenRecords.add(writer.getFullName() + ' ' + reader.getFullName())) {
          return; // recursive schemas: each pair of records once
        }
        for (Schema.Field field : reader.getFields()) {
          Schema.Field written = writerField(writer, field);
          if (written != null) {
            check(written.schema(), field.schema(), path + "." + field.name(), seenRecords, found);
          }
        }
        return;
      case ARRAY:
        if (writer.getType() == Schema.Type.ARRAY) {
          check(writer.getElementType(), reader.getElementType(), path + "[*]", seenRecords, found);
        }
        return;
      case MAP:
        if (writer.getType() == Schema.Type.MAP) {
          check(writer.getValueType(), reader.getValueType(), path + "[*]", seenRecords, found);
        }
        return;
      default:
        return;
    }
  }

  private static boolean sameLogicalType(LogicalType a, LogicalType b) {
    if (a == null || b == null) {
      return a == b;
    }
    // Decimal's equals compares precision and scale; other types are equal by name.
    return a.getName().equals(b.getName()) && (!(a instanceof LogicalTypes.Decimal) || a.equals(b));
  }

  private static Schema.Field writerField(Schema writer, Schema.Field readerField) {
    Schema.Field field = writer.getField(readerField.name());
    if (field != null) {
      return field;
    }
    for (String alias : readerField.aliases()) {
      field = writer.getField(alias);
      if (field != null) {
        return field;
      }
    }
    return null;
  }

  /** The branch of {@code union} Avro resolves {@code writer} into, or null if none. */
  private static Schema readerBranch(Schema writer, Schema union) {
    if (isNamed(writer)) {
      // Avro takes the branch of the writer's full name (or aliased to it) wherever it stands,
      // before a branch of the same short name in another namespace.
      for (Schema branch : union.getTypes()) {
        if (branch.getType() == writer.getType()
            && (writer.getFullName().equals(branch.getFullName())
                || branch.getAliases().contains(writer.getFullName()))) {
          return branch;
        }
      }
    }
    for (Schema branch : union.getTypes()) {
      if (branch.getType() == writer.getType()
          && (!isNamed(writer) || namesMatch(writer, branch))) {
        return branch;
      }
    }
    for (Schema branch : union.getTypes()) {
      if (promotes(writer.getType(), branch.getType())) {
        return branch;
      }
    }
    return null;
  }

  private static boolean isNamed(Schema s) {
    Schema.Type t = s.getType();
    return t == Schema.Type.RECORD || t == Schema.Type.ENUM || t == Schema.Type.FIXED;
  }

  private static boolean namesMatch(Schema writer, Schema reader) {
    return Objects.equals(writer.getFullName(), reader.getFullName())
        || Objects.equals(writer.getName(), reader.getName())
        || reader.getAliases().contains(writer.getFullName());
  }

  private static boolean promotes(Schema.Type from, Schema.Type to) {
    switch (from) {
      case INT:
        return to == Schema.Type.LONG || to == Schema.Type.FLOAT || to == Schema.Type.DOUBLE;
      case LONG:
        return to == Schema.Type.FLOAT || to == Schema.Type.DOUBLE;
      case FLOAT:
        return to == Schema.Type.DOUBLE;
      case STRING:
        return to == Schema.Type.BYTES;
      case BYTES:
        return to == Schema.Type.STRING;
      default:
        return false;
    }
  }
}
