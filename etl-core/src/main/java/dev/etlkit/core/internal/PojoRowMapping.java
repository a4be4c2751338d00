package dev.etlkit.core.internal;

import dev.etlkit.core.RowMapping;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.LocalTimeTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.types.Row;

/**
 * A {@link RowMapping} for a class Flink analyses as a POJO (or a Java record), by reflection on
 * the fields Flink found. Column order is Flink's POJO field order; a row naming all the columns is
 * read by name.
 *
 * <p>POJOs are built with their no-argument constructor and their fields set directly, as Flink's
 * {@code PojoSerializer} does; records are built with their canonical constructor. Reflective
 * handles are not serializable, so they are looked up again after deserialization.
 */
@Internal
public final class PojoRowMapping<T> implements RowMapping<T> {

  private static final long serialVersionUID = 1L;

  private static final Object[] NO_ARGUMENTS = new Object[0];

  /** The wrappers of the primitives each wrapper's primitive widens to (JLS 5.1.2). */
  private static final Map<Class<?>, Set<Class<?>>> WIDENS_TO =
      Map.of(
          Byte.class, Set.of(Short.class, Integer.class, Long.class, Float.class, Double.class),
          Short.class, Set.of(Integer.class, Long.class, Float.class, Double.class),
          Character.class, Set.of(Integer.class, Long.class, Float.class, Double.class),
          Integer.class, Set.of(Long.class, Float.class, Double.class),
          Long.class, Set.of(Float.class, Double.class),
          Float.class, Set.of(Double.class));

  private final PojoTypeInfo<T> pojoType;
  private final RowTypeInfo rowType;

  /** The fields of the class, accessible, in column order. */
  private transient Field[] fields;

  /** The no-argument constructor of a POJO, or the canonical constructor of a record. */
  private transient Constructor<T> constructor;

  /** Whether each column holds its field as text ({@link #isText}). */
  private transient boolean[] textColumn;

  /** For records: the constructor parameter index of each column; null for POJOs. */
  @Nullable private transient int[] parameterOfColumn;

  /**
   * The field names of the last row with names, and whether such a row is read by name: Flink's row
   * serializer gives every row it makes the same instance, so the check runs once per stream. One
   * immutable object in one field, so that a mapping called from several threads never pairs one
   * row's names with another's answer.
   */
  @Nullable private transient NamesChecked lastChecked;

  /** Whether rows with the field names {@code names} are read by name. */
  private record NamesChecked(Set<String> names, boolean byName) {}

  private PojoRowMapping(PojoTypeInfo<T> pojoType) {
    this.pojoType = pojoType;
    String[] names = pojoType.getFieldNames();
    TypeInformation<?>[] types = new TypeInformation<?>[names.length];
    for (int i = 0; i < names.length; i++) {
      types[i] = columnType(pojoType.getTypeAt(i));
    }
    this.rowType = new RowTypeInfo(types, names);
    resolveReflection();
  }

  /**
   * The column type of a field of type {@code fieldType}: Flink's POJO analysis types {@code
   * LocalDate}, {@code LocalTime} and {@code LocalDateTime} fields as generic types, RAW columns in
   * a table; their columns get Flink's types for them, DATE, TIME and TIMESTAMP(9) in a table.
   * Enum, {@code UUID}, {@code char} and {@code Character} fields, RAW columns too, get text
   * columns (see {@link #isText}).
   */
  private static TypeInformation<?> columnType(TypeInformation<?> fieldType) {
    if (isText(fieldType.getTypeClass())) {
      return Types.STRING;
    }
    if (fieldType instanceof GenericTypeInfo) {
      TypeInformation<?> time = LocalTimeTypeInfo.getInfoFor(fieldType.getTypeClass());
      if (time != null) {
        return time;
      }
    }
    return fieldType;
  }

  /**
   * Whether a field of this class is a text column: an enum (its constant's name), a {@code UUID}
   * (its canonical form) or a {@code char} (a text of that one character), which a table would
   * otherwise see as RAW columns that no SQL function or sink takes.
   */
  private static boolean isText(Class<?> fieldClass) {
    return fieldClass.isEnum()
        || fieldClass == UUID.class
        || fieldClass == char.class
        || fieldClass == Character.class;
  }

  /** The mapping for {@code type}, which Flink must analyse as a POJO or a record. */
  public static <T> PojoRowMapping<T> of(Class<T> type) {
    Objects.requireNonNull(type, "type");
    TypeInformation<T> typeInfo = TypeInformation.of(type);
    if (!(typeInfo instanceof PojoTypeInfo)) {
      throw new IllegalArgumentException(
          "RowMapping.pojo needs a class Flink treats as a POJO or a Java record, but Flink sees "
              + type.getName()
              + " as "
              + typeInfo
              + "; make it a POJO (public, public no-argument constructor, fields public or with"
              + " getters and setters) or use RowMapping.of");
    }
    return new PojoRowMapping<>((PojoTypeInfo<T>) typeInfo);
  }

  @Override
  public RowTypeInfo rowType() {
    return rowType;
  }

  @Override
  public TypeInformation<T> valueType() {
    return pojoType;
  }

  @Override
  public Row toRow(T value) {
    Row row = new Row(fields.length);
    for (int i = 0; i < fields.length; i++) {
      try {
        Object field = fields[i].get(value);
        row.setField(i, field != null && textColumn[i] ? text(field) : field);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException("Cannot read field " + describe(i), e);
      }
    }
    return row;
  }

  @Override
  public T fromRow(Row row) {
    if (row.getArity() != fields.length) {
      throw new IllegalArgumentException(
          "Cannot build "
              + pojoType.getTypeClass().getName()
              + " from a row of arity "
              + row.getArity()
              + ", expected "
              + fields.length
              + " columns "
              + String.join(", ", rowType.getFieldNames()));
    }
    Object[] columns = columns(row);
    for (int i = 0; i < columns.length; i++) {
      if (textColumn[i] && columns[i] instanceof String) {
        columns[i] = fromText(i, (String) columns[i]);
      }
    }
    return parameterOfColumn == null ? newPojo(columns) : newRecord(columns);
  }

  private static String text(Object field) {
    return field instanceof Enum ? ((Enum<?>) field).name() : field.toString();
  }

  /** The enum constant, {@code UUID} or {@code char} the text of column {@code i} names. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private Object fromText(int i, String text) {
    Class<?> type = fields[i].getType();
    if (type == char.class || type == Character.class) {
      if (text.length() != 1) {
        throw new IllegalArgumentException(
            "Cannot set field "
                + describe(i)
                + ": the column is not text of one char (it has "
                + text.length()
                + " UTF-16 units)");
      }
      return text.charAt(0);
    }
    if (type.isEnum()) {
      try {
        return Enum.valueOf((Class<? extends Enum>) type, text);
      } catch (IllegalArgumentException e) {
        // Not e as the cause: its message holds the column value, which may be personal data.
        throw new IllegalArgumentException(
            "Cannot set field "
                + describe(i)
                + ": the column names no constant of "
                + type.getName());
      }
    }
    UUID uuid;
    try {
      uuid = UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      uuid = null;
    }
    if (uuid == null || !uuid.toString().equalsIgnoreCase(text)) {
      throw new IllegalArgumentException(
          "Cannot set field " + describe(i) + ": the column is not a UUID in its canonical form");
    }
    return uuid;
  }

  /**
   * The row's fields in column order: by name if the row has all the mapping's columns as field
   * names (a row of the Table API, whose positions are the table's column order, or of {@code
   * Row.withNames()}), else by position (a row typed with other names, {@code f0}, {@code f1}, ...,
   * holds the columns in the mapping's order).
   */
  private Object[] columns(Row row) {
    String[] names = rowType.getFieldNames();
    Set<String> rowNames = row.getFieldNames(true);
    boolean byName;
    if (rowNames == null) {
      byName = false;
    } else {
      NamesChecked checked = lastChecked;
      if (checked != null && checked.names() == rowNames) {
        byName = checked.byName();
      } else {
        boolean nameOnly = row.getFieldNames(false) != null; // no positions to fall back to
        byName = nameOnly || rowNames.containsAll(Arrays.asList(names));
        lastChecked = new NamesChecked(rowNames, byName);
      }
    }
    Object[] columns = new Object[fields.length];
    for (int i = 0; i < columns.length; i++) {
      if (!byName) {
        columns[i] = row.getField(i);
      } else if (rowNames.contains(names[i])) {
        columns[i] = row.getField(names[i]);
      } else {
        throw new IllegalArgumentException(
            "Cannot build "
                + pojoType.getTypeClass().getName()
                + " from a row without column "
                + names[i]
                + ", it has columns "
                + String.join(", ", rowNames));
      }
    }
    return columns;
  }

  private T newPojo(Object[] columns) {
    T value = instantiate(NO_ARGUMENTS);
    for (int i = 0; i < fields.length; i++) {
      Object column = columns[i];
      if (column == null && fields[i].getType().isPrimitive()) {
        throw nullIntoPrimitive(i);
      }
      try {
        fields[i].set(value, column);
      } catch (IllegalAccessException | IllegalArgumentException e) {
        // Never put the column value into the message: it may hold personal data.
        throw new IllegalArgumentException(
            "Cannot set field " + describe(i) + " from a column of type " + typeName(column), e);
      }
    }
    return value;
  }

  private T newRecord(Object[] columns) {
    Object[] arguments = new Object[fields.length];
    for (int i = 0; i < fields.length; i++) {
      Object column = columns[i];
      if (column == null && fields[i].getType().isPrimitive()) {
        throw nullIntoPrimitive(i);
      }
      arguments[parameterOfColumn[i]] = column;
    }
    try {
      return instantiate(arguments);
    } catch (IllegalArgumentException e) {
      // the constructor says only "argument type mismatch": name the field, never the value
      for (int i = 0; i < fields.length; i++) {
        Object column = columns[i];
        if (column != null && !accepts(fields[i].getType(), column)) {
          throw new IllegalArgumentException(
              "Cannot set field " + describe(i) + " from a column of type " + typeName(column), e);
        }
      }
      throw e;
    }
  }

  private T instantiate(Object[] arguments) {
    try {
      return constructor.newInstance(arguments);
    } catch (InvocationTargetException e) {
      throw new IllegalArgumentException(
          "Constructor of " + pojoType.getTypeClass().getName() + " failed", e.getCause());
    } catch (ReflectiveOperationException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Cannot instantiate " + pojoType.getTypeClass().getName() + " from a row", e);
    }
  }

  private IllegalArgumentException nullIntoPrimitive(int column) {
    return new IllegalArgumentException(
        "Column "
            + rowType.getFieldNames()[column]
            + " is null but "
            + describe(column)
            + " is primitive");
  }

  private String describe(int column) {
    return fields[column].getDeclaringClass().getName() + "." + fields[column].getName();
  }

  /**
   * Whether reflection passes {@code value} as an argument of {@code type}: an instance, or for a
   * primitive its wrapper or one that widens to it ({@code Integer} for a {@code long}).
   */
  private static boolean accepts(Class<?> type, Object value) {
    if (!type.isPrimitive()) {
      return type.isInstance(value);
    }
    Class<?> wrapper = MethodType.methodType(type).wrap().returnType();
    return wrapper.isInstance(value)
        || WIDENS_TO.getOrDefault(value.getClass(), Set.of()).contains(wrapper);
  }

  private static String typeName(@Nullable Object value) {
    return value == null ? "null" : value.getClass().getName();
  }

  private void resolveReflection() {
    Class<T> type = pojoType.getTypeClass();
    fields = new Field[pojoType.getArity()];
    textColumn = new boolean[fields.length];
    for (int i = 0; i < fields.length; i++) {
      fields[i] = pojoType.getPojoFieldAt(i).getField();
      fields[i].setAccessible(true);
      textColumn[i] = isText(fields[i].getType());
    }
    try {
      if (type.isRecord()) {
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] parameterTypes = new Class<?>[components.length];
        parameterOfColumn = new int[fields.length];
        for (int p = 0; p < components.length; p++) {
          parameterTypes[p] = components[p].getType();
          for (int i = 0; i < fields.length; i++) {
            if (fields[i].getName().equals(components[p].getName())) {
              parameterOfColumn[i] = p;
            }
          }
        }
        constructor = type.getDeclaredConstructor(parameterTypes);
      } else {
        parameterOfColumn = null;
        constructor = type.getDeclaredConstructor();
      }
      constructor.setAccessible(true);
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException("No usable constructor in " + type.getName(), e);
    }
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    resolveReflection();
  }

  @Override
  public String toString() {
    return "RowMapping.pojo(" + pojoType.getTypeClass().getName() + ")";
  }
}
