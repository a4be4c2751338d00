package dev.etlkit.operators.internal;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.types.Row;

/**
 * Finds a {@code null} field of a Flink {@link Tuple} held inside a POJO, a Java record or a {@code
 * Row} key (at any depth, also inside a tuple): the POJO and row serializers write their own {@code
 * null} fields, but hand such a tuple to Flink's tuple serializer, which cannot write a {@code
 * null} field, so the key is as bad as a {@code null} one. {@link KeyCheck#nullField} alone looks
 * only through tuples nested in tuples.
 *
 * <p>Built once from the key's {@link TypeInformation} ({@link #of}), and only for the key types
 * that can hold such a field; the other keys keep the plain tuple walk. Per record it reads only
 * the fields on the way to a tuple (by reflection for POJOs and records, by position or name for
 * rows) and allocates only when it finds one, for its path ({@code "id.f1"}: field names of POJOs
 * and records, the row type's field names, {@code f<i>} for tuple fields; never a value).
 */
@Internal
public abstract class NestedNullFields implements Serializable {
  private static final long serialVersionUID = 1L;

  private NestedNullFields() {}

  /**
   * The walk for keys of this type, or {@code null} if {@link KeyCheck#nullField} finds every
   * {@code null} its serializer refuses: no tuple below a POJO, record or row (basic types, tuples
   * of tuples and basic types, flat POJOs, records and rows, and any other type).
   */
  @Nullable
  public static NestedNullFields of(TypeInformation<?> keyType) {
    return tupleBelowOtherComposite(keyType, false) ? walk(keyType) : null;
  }

  /** The path of the first {@code null} tuple field in {@code key}, or {@code null} if none. */
  @Nullable
  public abstract String find(Object key);

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

  /** The walk of a type, or {@code null} if no tuple is at or below it. */
  @Nullable
  private static NestedNullFields walk(TypeInformation<?> type) {
    if (type instanceof TupleTypeInfo<?> tuple) {
      NestedNullFields[] fields = new NestedNullFields[tuple.getArity()];
      for (int i = 0; i < fields.length; i++) {
        fields[i] = walk(tuple.getTypeAt(i));
      }
      return new TupleFields(fields);
    }
    if (type instanceof PojoTypeInfo<?> pojo) {
      List<Field> fields = new ArrayList<>();
      List<NestedNullFields> walks = new ArrayList<>();
      for (int i = 0; i < pojo.getArity(); i++) {
        PojoField field = pojo.getPojoFieldAt(i);
        NestedNullFields inner = walk(field.getTypeInformation());
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
        NestedNullFields inner = walk(row.getTypeAt(i));
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

  /** A tuple: each field must be set; some hold a tuple further down. */
  private static final class TupleFields extends NestedNullFields {
    private static final long serialVersionUID = 1L;

    /** Per field, the walk below it, {@code null} where no tuple is below. */
    private final NestedNullFields[] fields;

    TupleFields(NestedNullFields[] fields) {
      this.fields = fields;
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
}
