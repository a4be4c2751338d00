package dev.etlkit.scd.internal;

import dev.etlkit.core.internal.CompiledParts;
import dev.etlkit.core.internal.ValueEquality;
import dev.etlkit.scd.ChangeDetection;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.IntStream;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.CompositeType;
import org.apache.flink.api.java.tuple.Tuple;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.api.java.typeutils.TupleTypeInfoBase;
import org.apache.flink.types.Row;

/**
 * The columns of an attribute type as change detection sees them: tracked (Type 2), Type 1, and all
 * of them. Resolved from the type's Flink type information when the step is applied (names are
 * checked there); the readers are built on first use in the task, since reflective fields do not
 * serialize. Values are compared with {@link Objects#deepEquals}; a comparison that throws (a
 * column type whose {@code equals} throws) throws a {@link ComparisonException} naming the column.
 */
@Internal
public final class Columns<T> implements Serializable {
  private static final long serialVersionUID = 1L;

  private enum Shape {
    /** Not composite: one column, the value itself. */
    WHOLE,
    POJO,
    ROW,
    TUPLE
  }

  private final Shape shape;
  private final Class<?> typeClass;
  private final String[] allNames;
  private final int[] tracked;
  private final int[] type1;

  @Nullable private transient Reader[] readers;

  /**
   * POJOs: the tracked, Type-1 and all columns compared by {@link CompiledParts}s (field reads as
   * plain loads), built with the readers; null for other shapes or where the JVM refuses them.
   */
  @Nullable private transient CompiledParts trackedCompiled;

  @Nullable private transient CompiledParts type1Compiled;
  @Nullable private transient CompiledParts allCompiled;

  /** For tests: compare POJOs through reflection only, as where the JVM refuses to compile. */
  private transient boolean reflectionOnly;

  private Columns(Shape shape, Class<?> typeClass, String[] allNames, int[] tracked, int[] type1) {
    this.shape = shape;
    this.typeClass = typeClass;
    this.allNames = allNames;
    this.tracked = tracked;
    this.type1 = type1;
  }

  /**
   * The columns of {@code type} for a change detection and Type-1 columns.
   *
   * @throws IllegalArgumentException for unknown names, a Type-1 column that is also tracked, no
   *     tracked column left, or names on a type without named columns
   */
  public static <T> Columns<T> resolve(
      TypeInformation<T> type, ChangeDetection detection, List<String> type1Columns) {
    Shape shape;
    String[] names;
    if (type instanceof PojoTypeInfo) {
      shape = Shape.POJO;
      names = ((PojoTypeInfo<T>) type).getFieldNames();
    } else if (type instanceof RowTypeInfo) {
      shape = Shape.ROW;
      names = ((RowTypeInfo) type).getFieldNames();
    } else if (type instanceof TupleTypeInfoBase) {
      shape = Shape.TUPLE;
      names = ((TupleTypeInfoBase<T>) type).getFieldNames();
    } else {
      if (detection.kind() != ChangeDetection.Kind.ALL || !type1Columns.isEmpty()) {
        throw new IllegalArgumentException(
            "column names (changeDetection "
                + detection
                + ", type1Columns "
                + type1Columns
                + ") need an attribute type with named fields (POJO, record, Row, tuple), was "
                + type);
      }
      requireValueEquality(type, type.getTypeClass().getSimpleName());
      return new Columns<>(
          Shape.WHOLE, type.getTypeClass(), new String[] {"value"}, new int[] {0}, new int[0]);
    }
    for (int i = 0; i < names.length; i++) {
      requireValueEquality(((CompositeType<T>) type).getTypeAt(i), names[i]);
    }
    List<String> all = Arrays.asList(names);
    int[] type1 = indexes(all, type1Columns, "type1Columns");
    Set<Integer> trackedSet = new LinkedHashSet<>();
    switch (detection.kind()) {
      case ONLY:
        for (int i : indexes(all, detection.columns(), "changeDetection only")) {
          trackedSet.add(i);
        }
        for (int i : type1) {
          if (trackedSet.contains(i)) {
            throw new IllegalArgumentException(
                "column '"
                    + names[i]
                    + "' is both tracked (changeDetection "
                    + detection
                    + ") and a Type-1 column; a column is one or the other");
          }
        }
        break;
      case ALL_EXCEPT:
        int[] excluded = indexes(all, detection.columns(), "changeDetection allExcept");
        for (int i = 0; i < names.length; i++) {
          trackedSet.add(i);
        }
        for (int i : excluded) {
          trackedSet.remove(i);
        }
        break;
      default:
        for (int i = 0; i < names.length; i++) {
          trackedSet.add(i);
        }
    }
    for (int i : type1) {
      trackedSet.remove(i);
    }
    if (trackedSet.isEmpty()) {
      throw new IllegalArgumentException(
          "no column is left to track: changeDetection "
              + detection
              + " with type1Columns "
              + type1Columns
              + " of "
              + all);
    }
    int[] tracked = trackedSet.stream().mapToInt(Integer::intValue).toArray();
    return new Columns<>(shape, type.getTypeClass(), names, tracked, type1);
  }

  /**
   * Fails for a column whose values {@code Objects.deepEquals} compares by identity (a class
   * without an {@code equals} of its own, or an array inside a record, tuple, list or map): every
   * delivery would differ there, tracked or not, so redeliveries would be emitted again and,
   * tracked, repeated states would open versions.
   */
  private static void requireValueEquality(TypeInformation<?> column, String name) {
    ValueEquality.identityComparedPart(column, name, true)
        .ifPresent(
            part -> {
              throw new IllegalArgumentException(
                  "SCD2 compares each column with equals to detect changes and redeliveries,"
                      + " but column part "
                      + part
                      + " is compared by identity (it has no equals of its own, or is an array in"
                      + " a part whose equals compares arrays by identity): every delivery would"
                      + " differ there. Give the class equals and hashCode (or make it a record"
                      + " without array components), or map the attributes to such a type before"
                      + " the step");
            });
  }

  private static int[] indexes(List<String> all, List<String> wanted, String option) {
    int[] result = new int[wanted.size()];
    for (int i = 0; i < wanted.size(); i++) {
      int index = all.indexOf(wanted.get(i));
      if (index < 0) {
        throw new IllegalArgumentException(
            option + " names unknown column '" + wanted.get(i) + "'; the columns are " + all);
      }
      result[i] = index;
    }
    return result;
  }

  /** Names of the tracked columns. */
  public List<String> trackedNames() {
    return namesOf(tracked);
  }

  /** Names of the Type-1 columns. */
  public List<String> type1Names() {
    return namesOf(type1);
  }

  private List<String> namesOf(int[] indexes) {
    List<String> result = new ArrayList<>(indexes.length);
    for (int i : indexes) {
      result.add(allNames[i]);
    }
    return result;
  }

  /** These columns, comparing POJOs through reflection only (for tests). */
  Columns<T> reflectionOnly() {
    Columns<T> copy = new Columns<>(shape, typeClass, allNames, tracked, type1);
    copy.reflectionOnly = true;
    return copy;
  }

  /** Whether POJOs are compared by compiled comparisons (for tests). */
  boolean isCompiled() {
    readers();
    return allCompiled != null;
  }

  /**
   * True when the tracked columns of the two rows are equal.
   *
   * @throws ComparisonException when comparing a column throws
   */
  public boolean sameTracked(T a, T b) {
    Reader[] r = readers();
    CompiledParts compiled = trackedCompiled;
    if (compiled != null) {
      return a == b || compiledSame(compiled, tracked, a, b);
    }
    return same(a, b, tracked, r);
  }

  /**
   * True when the Type-1 columns of the two rows are equal (always, without Type-1 columns).
   *
   * @throws ComparisonException when comparing a column throws
   */
  public boolean sameType1(T a, T b) {
    if (type1.length == 0) {
      return true;
    }
    Reader[] r = readers();
    CompiledParts compiled = type1Compiled;
    if (compiled != null) {
      return a == b || compiledSame(compiled, type1, a, b);
    }
    return same(a, b, type1, r);
  }

  private boolean compiledSame(CompiledParts compiled, int[] columns, Object a, Object b) {
    try {
      return compiled.all(a, b, null);
    } catch (IOException e) { // the parts compare in memory: they do not throw it
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      throw failed(columns, a, b, e);
    }
  }

  /**
   * True when every column of the two rows is equal (or both are null).
   *
   * @throws ComparisonException when comparing a column throws
   */
  public boolean sameRow(@Nullable T a, @Nullable T b) {
    if (a == b) {
      return true;
    }
    if (a == null || b == null) {
      return false;
    }
    Reader[] r = readers();
    CompiledParts compiled = allCompiled;
    if (compiled != null) {
      return compiledSame(compiled, null, a, b);
    }
    int i = 0;
    try {
      for (; i < r.length; i++) {
        if (!r[i].same(a, b)) {
          return false;
        }
      }
    } catch (RuntimeException e) {
      throw new ComparisonException(describe(i), e);
    }
    return true;
  }

  private boolean same(Object a, Object b, int[] columns, Reader[] r) {
    if (a == b) {
      return true;
    }
    int i = 0;
    try {
      for (; i < columns.length; i++) {
        if (!r[columns[i]].same(a, b)) {
          return false;
        }
      }
    } catch (RuntimeException e) {
      throw new ComparisonException(describe(columns[i]), e);
    }
    return true;
  }

  /**
   * The exception for a compiled comparison of {@code columns} (null: all) that threw {@code
   * error}: names the column whose comparison by its reader throws too, if one does.
   */
  private ComparisonException failed(
      @Nullable int[] columns, Object a, Object b, RuntimeException error) {
    Reader[] r = readers();
    int count = columns == null ? r.length : columns.length;
    for (int i = 0; i < count; i++) {
      int column = columns == null ? i : columns[i];
      try {
        r[column].same(a, b);
      } catch (RuntimeException again) {
        return new ComparisonException(describe(column), error);
      }
    }
    return new ComparisonException("a column", error);
  }

  private String describe(int column) {
    return shape == Shape.WHOLE ? "the attributes" : "column '" + allNames[column] + "'";
  }

  /**
   * Comparing two rows threw: a column's {@code equals} (or reading the column) threw {@link
   * #getCause()}. The message names the column and the exception's class, never a value.
   */
  static final class ComparisonException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ComparisonException(String column, RuntimeException cause) {
      super("comparing " + column + " threw " + cause.getClass().getName(), cause);
    }
  }

  private Reader[] readers() {
    Reader[] r = readers;
    if (r == null) {
      r = new Reader[allNames.length];
      for (int i = 0; i < allNames.length; i++) {
        r[i] = reader(i);
      }
      if (shape == Shape.POJO && !reflectionOnly) {
        trackedCompiled = compile(typeClass, r, tracked);
        type1Compiled = type1.length == 0 ? null : compile(typeClass, r, type1);
        allCompiled = compile(typeClass, r, IntStream.range(0, r.length).toArray());
      }
      readers = r;
    }
    return r;
  }

  /** {@code Objects.deepEquals} as a part of a compiled comparison. */
  private static final MethodHandle DEEP_EQUALS;

  static {
    try {
      DEEP_EQUALS =
          MethodHandles.lookup()
              .findStatic(
                  Columns.class,
                  "deepEquals",
                  MethodType.methodType(boolean.class, Object.class, Object.class, Object.class));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static boolean deepEquals(
      @Nullable Object x, @Nullable Object y, @Nullable Object scratch) {
    return x == y || Objects.deepEquals(x, y);
  }

  /**
   * A compiled comparison of the POJO fields {@code columns} read by {@code r} (primitives as the
   * equals of their boxes, objects by deepEquals); null if the JVM refuses it (then the readers
   * compare).
   */
  @Nullable
  private static CompiledParts compile(Class<?> type, Reader[] r, int[] columns) {
    List<MethodHandle> parts = new ArrayList<>();
    try {
      for (int column : columns) {
        Field field = ((FieldReader) r[column]).field;
        parts.add(
            field.getType().isPrimitive()
                ? CompiledParts.samePrimitiveField(field)
                : CompiledParts.sameObjectField(field, DEEP_EQUALS));
      }
      return CompiledParts.of(parts);
    } catch (IllegalAccessException | IllegalStateException e) {
      CompiledParts.refused(type, e);
      return null;
    }
  }

  private Reader reader(int index) {
    switch (shape) {
      case POJO:
        return fieldReader(findField(typeClass, allNames[index]));
      case ROW:
        return new RowReader(index, allNames[index]);
      case TUPLE:
        return new TupleReader(index);
      default:
        return new WholeReader();
    }
  }

  private static Field findField(Class<?> type, String name) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      try {
        Field field = c.getDeclaredField(name);
        field.setAccessible(true);
        return field;
      } catch (NoSuchFieldException e) {
        // look in the superclass
      }
    }
    throw new IllegalStateException("no field '" + name + "' in " + type.getName());
  }

  /**
   * A reader of one field, resolved once: long, int, double and boolean fields are compared
   * unboxed, with the semantics of {@code equals} of their boxes (doubles by bits).
   */
  private static Reader fieldReader(Field field) {
    Class<?> type = field.getType();
    if (type == long.class || type == int.class || type == double.class || type == boolean.class) {
      return new PrimitiveFieldReader(field, type);
    }
    return new FieldReader(field); // objects, and the rarer primitives boxed
  }

  /** Compares one column of two rows. */
  private abstract static class Reader {
    /** The column's value in {@code row}. */
    @Nullable
    abstract Object read(Object row);

    /** Equal by {@link Objects#deepEquals} of the column's values. */
    boolean same(Object a, Object b) {
      Object x = read(a);
      Object y = read(b);
      return x == y || Objects.deepEquals(x, y);
    }
  }

  private static final class WholeReader extends Reader {
    @Override
    Object read(Object row) {
      return row;
    }
  }

  /**
   * A column of a {@link Row}: by position, or by name for a row in name-based field mode ({@code
   * Row.withNames()}), which refuses reads by position but is a valid value of a named row type
   * (Flink's serializer copies and writes it; it reads back positioned).
   */
  private static final class RowReader extends Reader {
    private final int index;
    private final String name;

    RowReader(int index, String name) {
      this.index = index;
      this.name = name;
    }

    @Override
    @Nullable
    Object read(Object value) {
      Row row = (Row) value;
      return row.getFieldNames(false) == null ? row.getField(index) : row.getField(name);
    }
  }

  /** A column of a {@link Tuple} by position. */
  private static final class TupleReader extends Reader {
    private final int index;

    TupleReader(int index) {
      this.index = index;
    }

    @Override
    @Nullable
    Object read(Object value) {
      return ((Tuple) value).getField(index);
    }
  }

  private static class FieldReader extends Reader {
    final Field field;

    FieldReader(Field field) {
      this.field = field;
    }

    @Override
    @Nullable
    Object read(Object row) {
      try {
        return field.get(row);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException("cannot read field " + field.getName(), e);
      }
    }
  }

  /** A long, int, double or boolean field, compared without boxing. */
  private static final class PrimitiveFieldReader extends FieldReader {
    private static final int LONG = 0;
    private static final int INT = 1;
    private static final int DOUBLE = 2;
    private static final int BOOLEAN = 3;

    private final int kind;

    PrimitiveFieldReader(Field field, Class<?> type) {
      super(field);
      this.kind =
          type == long.class
              ? LONG
              : type == int.class ? INT : type == double.class ? DOUBLE : BOOLEAN;
    }

    @Override
    boolean same(Object a, Object b) {
      try {
        switch (kind) {
          case LONG:
            return field.getLong(a) == field.getLong(b);
          case INT:
            return field.getInt(a) == field.getInt(b);
          case DOUBLE: // as Double.equals: NaN equals NaN, 0.0 differs from -0.0
            return Double.doubleToLongBits(field.getDouble(a))
                == Double.doubleToLongBits(field.getDouble(b));
          default:
            return field.getBoolean(a) == field.getBoolean(b);
        }
      } catch (IllegalAccessException e) {
        return super.same(a, b); // not expected: the field is accessible
      }
    }
  }

  @Override
  public String toString() {
    return "tracked " + trackedNames() + (type1.length > 0 ? ", type 1 " + type1Names() : "");
  }
}
