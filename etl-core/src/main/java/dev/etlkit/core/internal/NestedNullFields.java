package dev.etlkit.core.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.ChangeTypeInfo;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.tuple.Tuple;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.Row;

/**
 * Finds a {@code null} field of a Flink {@link Tuple} held inside a POJO, a Java record or a {@code
 * Row} key (at any depth, also inside a tuple): the POJO and row serializers write their own {@code
 * null} fields, but hand such a tuple to Flink's tuple serializer, which cannot write a {@code
 * null} field, so the key is as bad as a {@code null} one. The key checks' plain tuple walk ({@code
 * KeyCheck.nullField} in etl-operators) looks only through tuples nested in tuples.
 *
 * <p>Built once from the key's {@link TypeInformation} ({@link #of}), and only for the key types
 * that can hold such a field; the other keys keep the plain tuple walk. Per record it reads only
 * the fields on the way to a tuple (by reflection for POJOs and records, by position or name for
 * rows) and allocates only when it finds one, for its path ({@code "id.f1"}: field names of POJOs
 * and records, the row type's field names, {@code f<i>} for tuple fields; never a value).
 *
 * <p>{@link #ofRecords} builds the walk of the records a step ships over its shuffle: there a
 * {@code null} tuple field counts only where the field's serializer cannot write it (a {@code
 * Long}, a nested tuple or row; not a {@code String}, a POJO or a {@code BigDecimal}, which write
 * their {@code null}s and always have), and a tuple at top level is walked too. Tuples inside a
 * list, map or array are not looked into (neither here nor for keys).
 */
@Internal
public abstract class NestedNullFields implements Serializable {
  private static final long serialVersionUID = 1L;

  private NestedNullFields() {}

  /**
   * The walk for keys of this type, or {@code null} if the plain tuple walk finds every {@code
   * null} its serializer refuses: no tuple below a POJO, record or row (basic types, tuples of
   * tuples and basic types, flat POJOs, records and rows, and any other type).
   */
  @Nullable
  public static NestedNullFields of(TypeInformation<?> keyType) {
    return tupleBelowOtherComposite(keyType, false) ? walk(keyType, false) : null;
  }

  /**
   * The walk of records of this type, or {@code null} if no record of it can hold a tuple field its
   * serializer cannot write: a tuple at top level or below a POJO, record or row with a field whose
   * serializer refuses {@code null} (asked once, here). For a changelog ({@link ChangeTypeInfo})
   * the walk of its row type, applied to each change's row.
   */
  @Nullable
  public static NestedNullFields ofRecords(TypeInformation<?> recordType) {
    if (recordType instanceof ChangeTypeInfo<?> change) {
      NestedNullFields row = walk(change.getValueType(), true);
      return row == null ? null : new ChangeRow(row);
    }
    return walk(recordType, true);
  }

  /** The path of the first {@code null} tuple field in {@code key}, or {@code null} if none. */
  @Nullable
  public abstract String find(Object key);

  /**
   * The error of a record holding a tuple whose field {@code field} is {@code null} and cannot be
   * written ({@link #ofRecords}): {@code "record field amount.f1 is null, which Flink's tuple
   * serializer cannot write"}; the path of a changelog's record is that of its row. Names the path,
   * never a value.
   */
  public static IllegalArgumentException unwritableRecord(String field) {
    return new IllegalArgumentException(
        "record field " + field + " is null, which Flink's tuple serializer cannot write");
  }

  private static boolean tupleBelowOtherComposite(TypeInformation<?> type, boolean below) {
    if (type instanceof TupleTypeInfo<?> tuple) {
      if (below) {
        return true;
      }
      for (int i = 0; i < tuple.getArity(); i++) {
        if (tupleBelowOtherComposite(tuple.getTypeAt(i), false)) {
          return true;
        }
      }
      return false;
    }
    if (type instanceof PojoTypeInfo<?> pojo) {
      for (int i = 0; i < pojo.getArity(); i++) {
        if (tupleBelowOtherComposite(pojo.getPojoFieldAt(i).getTypeInformation(), true)) {
          return true;
        }
      }
      return false;
    }
    if (type instanceof RowTypeInfo row) {
      for (int i = 0; i < row.getArity(); i++) {
        if (tupleBelowOtherComposite(row.getTypeAt(i), true)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The walk of a type, or {@code null} if no tuple is at or below it (with {@code writable}: no
   * tuple field whose serializer cannot write {@code null}); with {@code writable} a tuple field
   * whose serializer writes {@code null} may be {@code null}.
   */
  @Nullable
  private static NestedNullFields walk(TypeInformation<?> type, boolean writable) {
    if (type instanceof TupleTypeInfo<?> tuple) {
      NestedNullFields[] fields = new NestedNullFields[tuple.getArity()];
      boolean[] nullable = new boolean[fields.length];
      boolean any = false;
      for (int i = 0; i < fields.length; i++) {
        fields[i] = walk(tuple.getTypeAt(i), writable);
        nullable[i] = writable && writesNull(tuple.getTypeAt(i));
        any |= fields[i] != null || !nullable[i];
      }
      return any ? new TupleFields(fields, nullable) : null;
    }
    if (type instanceof PojoTypeInfo<?> pojo) {
      List<Field> fields = new ArrayList<>();
      List<NestedNullFields> walks = new ArrayList<>();
      for (int i = 0; i < pojo.getArity(); i++) {
        PojoField field = pojo.getPojoFieldAt(i);
        NestedNullFields inner = walk(field.getTypeInformation(), writable);
        if (inner != null) {
          fields.add(field.getField());
          walks.add(inner);
        }
      }
      return walks.isEmpty()
          ? null
          : new PojoFields(
              pojo.getTypeClass(),
              fields.toArray(new Field[0]),
              walks.toArray(new NestedNullFields[0]));
    }
    if (type instanceof RowTypeInfo row) {
      List<Integer> positions = new ArrayList<>();
      List<NestedNullFields> walks = new ArrayList<>();
      for (int i = 0; i < row.getArity(); i++) {
        NestedNullFields inner = walk(row.getTypeAt(i), writable);
        if (inner != null) {
          positions.add(i);
          walks.add(inner);
        }
      }
      if (walks.isEmpty()) {
        return null;
      }
      int[] at = new int[positions.size()];
      String[] names = new String[at.length];
      for (int i = 0; i < at.length; i++) {
        at[i] = positions.get(i);
        names[i] = row.getFieldNames()[at[i]];
      }
      return new RowFields(at, names, walks.toArray(new NestedNullFields[0]));
    }
    return null;
  }

  /**
   * Whether the serializer of {@code type} writes a {@code null} (as Flink's {@code String}, POJO
   * and {@code BigDecimal} serializers do, and its {@code Long}, tuple and row serializers do not):
   * asked once, when the walk is built, by writing one and reading it back.
   */
  private static boolean writesNull(TypeInformation<?> type) {
    try {
      TypeSerializer<?> serializer = type.createSerializer(new SerializerConfigImpl());
      DataOutputSerializer out = new DataOutputSerializer(64);
      serializer.serialize(null, out);
      return serializer.deserialize(
              new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()))
          == null;
    } catch (Exception e) { // NullPointerException, NullFieldException, ...: it cannot
      return false;
    }
  }

  /** A tuple: its fields must be set (but those that write their null); some hold a tuple below. */
  private static final class TupleFields extends NestedNullFields {
    private static final long serialVersionUID = 1L;

    /** Per field, the walk below it, {@code null} where no tuple is below. */
    private final NestedNullFields[] fields;

    /** Per field, whether its serializer writes a {@code null}, so it may be one. */
    private final boolean[] nullable;

    TupleFields(NestedNullFields[] fields, boolean[] nullable) {
      this.fields = fields;
      this.nullable = nullable;
    }

    @Override
    @Nullable
    public String find(Object key) {
      if (!(key instanceof Tuple tuple)) {
        return null;
      }
      for (int i = 0; i < fields.length; i++) {
        Object field = tuple.getField(i);
        if (field == null) {
          if (nullable[i]) {
            continue;
          }
          return "f" + i;
        }
        String inner = fields[i] == null ? null : fields[i].find(field);
        if (inner != null) {
          return "f" + i + "." + inner;
        }
      }
      return null;
    }
  }

  /** A POJO or record: its fields may be null; only those with a tuple below are looked into. */
  private static final class PojoFields extends NestedNullFields {
    private static final long serialVersionUID = 1L;

    private final Class<?> type;
    private final Class<?>[] declaringClasses;
    private final String[] names;
    private final NestedNullFields[] walks;

    /** Resolved when built and when deserialized ({@link Field} is not serializable). */
    private transient Field[] fields;

    PojoFields(Class<?> type, Field[] fields, NestedNullFields[] walks) {
      this.type = type;
      this.declaringClasses = new Class<?>[fields.length];
      this.names = new String[fields.length];
      for (int i = 0; i < fields.length; i++) {
        declaringClasses[i] = fields[i].getDeclaringClass();
        names[i] = fields[i].getName();
      }
      this.walks = walks;
      this.fields = resolve();
    }

    @Override
    @Nullable
    public String find(Object key) {
      if (!type.isInstance(key)) {
        return null;
      }
      for (int i = 0; i < fields.length; i++) {
        Object field;
        try {
          field = fields[i].get(key);
        } catch (IllegalAccessException e) {
          throw new IllegalStateException("cannot read field " + names[i] + " of " + type, e);
        }
        String inner = field == null ? null : walks[i].find(field);
        if (inner != null) {
          return names[i] + "." + inner;
        }
      }
      return null;
    }

    private Field[] resolve() {
      Field[] resolved = new Field[names.length];
      for (int i = 0; i < names.length; i++) {
        try {
          resolved[i] = declaringClasses[i].getDeclaredField(names[i]);
        } catch (NoSuchFieldException e) {
          throw new IllegalStateException("no field " + names[i] + " in " + declaringClasses[i], e);
        }
        resolved[i].setAccessible(true); // as Flink's POJO serializer reads it
      }
      return resolved;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      fields = resolve();
    }
  }

  /** A row: its fields may be null; only those with a tuple below are looked into. */
  private static final class RowFields extends NestedNullFields {
    private static final long serialVersionUID = 1L;

    private final int[] positions;
    private final String[] names;
    private final NestedNullFields[] walks;

    RowFields(int[] positions, String[] names, NestedNullFields[] walks) {
      this.positions = positions;
      this.names = names;
      this.walks = walks;
    }

    @Override
    @Nullable
    public String find(Object key) {
      if (!(key instanceof Row row)) {
        return null;
      }
      // a row made by name has no positions; Flink's row serializer reads it by name
      boolean byName = row.getFieldNames(false) != null;
      for (int i = 0; i < positions.length; i++) {
        Object field = byName ? row.getField(names[i]) : row.getField(positions[i]);
        String inner = field == null ? null : walks[i].find(field);
        if (inner != null) {
          return names[i] + "." + inner;
        }
      }
      return null;
    }
  }

  /** A change: the walk of its row. */
  private static final class ChangeRow extends NestedNullFields {
    private static final long serialVersionUID = 1L;

    private final NestedNullFields row;

    ChangeRow(NestedNullFields row) {
      this.row = row;
    }

    @Override
    @Nullable
    public String find(Object change) {
      return change instanceof Change<?> c && c.value() != null ? row.find(c.value()) : null;
    }
  }
}
