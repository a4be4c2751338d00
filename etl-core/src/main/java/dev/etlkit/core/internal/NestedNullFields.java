package dev.etlkit.core.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.ChangeTypeInfo;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.tuple.Tuple;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.api.java.typeutils.ObjectArrayTypeInfo;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.api.java.typeutils.SetTypeInfo;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.Row;

/**
 * Finds, in a key or record, a {@code null} that Flink's serializers cannot write below what the
 * key checks' plain tuple walk ({@code KeyCheck.nullField} in etl-operators, tuples nested in
 * tuples) sees: a {@code null} field of a Flink {@link Tuple} held inside a POJO, a Java record, a
 * {@code Row}, a list, set, map or object array (at any depth, also inside a tuple), and a {@code
 * null} element of a list or key of a map whose serializer refuses it, whatever its type. The POJO
 * and row serializers write their own {@code null} fields, but hand such a tuple to Flink's tuple
 * serializer, which cannot write a {@code null} field; Flink's list serializer hands a {@code null}
 * element, and its map serializer a {@code null} key, to the element's or key's serializer, which
 * cannot write it where it is a {@code Long}, enum, tuple, row, list or map (a {@code String},
 * {@code Instant}, {@code BigDecimal} or POJO serializer writes it). So the key or record is as bad
 * as a {@code null} key: it fails the job where it is serialized.
 *
 * <p>Built once from the key's {@link TypeInformation} ({@link #of}), and only for the key types
 * that can hold such a {@code null}; the other keys keep the plain tuple walk. Per record it reads
 * only the fields on the way to one (by reflection for POJOs and records, by position or name for
 * rows, every element of the lists, sets, maps and arrays on that way) and allocates only when it
 * finds one, for its path ({@code "id.f1"}, {@code "lines[3].amount.f1"}, {@code "quantities[2]"}:
 * field names of POJOs and records, the row type's field names, {@code f<i>} for tuple fields,
 * {@code [<i>]} for a list or array element's position, {@code [element]} for a set's element,
 * {@code [key]} or {@code [value]} for a map's; never a value, so never a map key).
 *
 * <p>{@link #ofRecords} builds the walk of the records a step ships over its shuffle: there a
 * {@code null} tuple field counts only where the field's serializer cannot write it (a {@code
 * Long}, a nested tuple or row; not a {@code String}, a POJO or a {@code BigDecimal}, which write
 * their {@code null}s and always have), and a tuple at top level is walked too. {@link
 * #unwritableRecord} names the serializer that cannot write what it found.
 *
 * <p>Lists ({@link ListTypeInfo}), sets ({@link SetTypeInfo}), maps ({@link MapTypeInfo}: keys and
 * values) and object arrays ({@link ObjectArrayTypeInfo}) are looked into, both here and for keys,
 * where they can hold such a {@code null}; the others are never iterated (a {@code List<String>}, a
 * {@code Map<String, Long>}). Whether a list writes a {@code null} element, or a map a {@code null}
 * key, is asked once of the list's or map's own serializer, by writing one: a declared {@code
 * Types.LIST(Types.LONG)} or {@code Types.MAP(Types.LONG, ..)} (in {@code Types.POJO(..)}, a row
 * type, {@code returns(..)}) refuses it, while the type extractor's nullable list and map types (a
 * {@code List<Long>} or {@code Map<Long, String>} field of a POJO or record) write it themselves
 * and get no walk for it. Flink's set, array and map serializers write {@code null} elements and
 * values themselves, so only what is below a non-null one is looked for. The type extractor makes a
 * {@code List}, {@code Set} or {@code Map} field a list, set or map type only where its type
 * arguments are classes ({@code List<Line>}); a {@code List<Tuple2<..>>} or {@code
 * List<List<Long>>} field is a generic (Kryo) type, which writes its {@code null}s.
 */
@Internal
public abstract class NestedNullFields implements Serializable {
  private static final long serialVersionUID = 1L;

  private NestedNullFields() {}

  /**
   * The walk for keys of this type, or {@code null} if the plain tuple walk finds every {@code
   * null} its serializer refuses: no tuple below a POJO, record, row, list, set, map or object
   * array, and no list or map that refuses a {@code null} element or key (basic types, tuples of
   * tuples and basic types, flat POJOs, records and rows, lists of {@code String}s, the type
   * extractor's lists and maps, and any other type).
   */
  @Nullable
  public static NestedNullFields of(TypeInformation<?> keyType) {
    return beyondPlainWalk(keyType, false) ? walk(keyType, false) : null;
  }

  /**
   * The walk of records of this type, or {@code null} if no record of it can hold a {@code null}
   * its serializer cannot write: a tuple at top level or below a POJO, record, row, list, set, map
   * or object array with a field whose serializer refuses {@code null}, or a list or map whose
   * serializer refuses a {@code null} element or key (asked once, here). For a changelog ({@link
   * ChangeTypeInfo}) the walk of its row type, applied to each change's row.
   */
  @Nullable
  public static NestedNullFields ofRecords(TypeInformation<?> recordType) {
    if (recordType instanceof ChangeTypeInfo<?> change) {
      NestedNullFields row = walk(change.getValueType(), true);
      return row == null ? null : new ChangeRow(row);
    }
    return walk(recordType, true);
  }

  /**
   * The path of the first {@code null} tuple field, list element or map key in {@code key} that
   * cannot be written, or {@code null} if none.
   */
  @Nullable
  public abstract String find(Object key);

  /**
   * The error of a record whose tuple field, list element or map key {@code field} is {@code null}
   * and cannot be written ({@link #ofRecords}): {@code "record field amount.f1 is null, which
   * Flink's tuple serializer cannot write"}, {@code "record field quantities[2] is null, which
   * Flink's list serializer cannot write"} ({@link #cannotWrite}); the path of a changelog's record
   * is that of its row. Names the path, never a value.
   */
  public static IllegalArgumentException unwritableRecord(String field) {
    return new IllegalArgumentException(
        "record field " + field + " is null, " + cannotWrite(field));
  }

  /**
   * Which of Flink's serializers cannot write the {@code null} at {@code path} (a path {@link
   * #find} returned): {@code "which Flink's tuple serializer cannot write"} for a tuple's field
   * ({@code "amount.f1"}), {@code "... list serializer ..."} for a list's element ({@code
   * "quantities[2]"}), {@code "... map serializer ..."} for a map's key ({@code "byId[key]"}); a
   * set's or array's element and a map's value are written when {@code null}, so never end a path
   * found.
   */
  public static String cannotWrite(String path) {
    String serializer;
    if (path.endsWith("[key]")) {
      serializer = "map";
    } else if (path.endsWith("]")) {
      serializer = "list";
    } else {
      serializer = "tuple";
    }
    return "which Flink's " + serializer + " serializer cannot write";
  }

  /**
   * Whether keys of {@code type} can hold a {@code null} the plain tuple walk does not see: a tuple
   * {@code below} a POJO or row, or a list, set, map or array that can hold a {@code null} it
   * cannot write.
   */
  private static boolean beyondPlainWalk(TypeInformation<?> type, boolean below) {
    if (type instanceof TupleTypeInfo<?> tuple) {
      if (below) {
        return true;
      }
      for (int i = 0; i < tuple.getArity(); i++) {
        if (beyondPlainWalk(tuple.getTypeAt(i), false)) {
          return true;
        }
      }
      return false;
    }
    if (type instanceof PojoTypeInfo<?> pojo) {
      for (int i = 0; i < pojo.getArity(); i++) {
        if (beyondPlainWalk(pojo.getPojoFieldAt(i).getTypeInformation(), true)) {
          return true;
        }
      }
      return false;
    }
    if (type instanceof RowTypeInfo row) {
      for (int i = 0; i < row.getArity(); i++) {
        if (beyondPlainWalk(row.getTypeAt(i), true)) {
          return true;
        }
      }
      return false;
    }
    // a list, set, map or array: the plain walk does not look into it
    return walk(type, false) != null;
  }

  /**
   * The walk of a type, or {@code null} if no tuple is at or below it (with {@code writable}: no
   * tuple field whose serializer cannot write {@code null}) and no list or map that cannot write a
   * {@code null} element or key; with {@code writable} a tuple field whose serializer writes {@code
   * null} may be {@code null}.
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
    if (type instanceof ListTypeInfo<?> list) {
      TypeInformation<?> element = list.getElementTypeInfo();
      NestedNullFields inner = walk(element, writable);
      boolean nullable = writesNullElement(list);
      return inner == null && nullable ? null : new Elements(inner, nullable, true);
    }
    if (type instanceof SetTypeInfo<?> set) { // the set serializer writes a null element
      NestedNullFields inner = walk(set.getElementTypeInfo(), writable);
      return inner == null ? null : new Elements(inner, true, false);
    }
    if (type instanceof ObjectArrayTypeInfo<?, ?> array) { // so does the array serializer
      NestedNullFields inner = walk(array.getComponentInfo(), writable);
      return inner == null ? null : new ArrayElements(inner);
    }
    if (type instanceof MapTypeInfo<?, ?> map) {
      // the map serializer writes a null value itself
      NestedNullFields keys = walk(map.getKeyTypeInfo(), writable);
      boolean keysNullable = writesNullKey(map);
      NestedNullFields values = walk(map.getValueTypeInfo(), writable);
      return keys == null && keysNullable && values == null
          ? null
          : new MapEntries(keys, keysNullable, values);
    }
    return null;
  }

  /**
   * The path of {@code inner}, found below {@code head}: {@code head} itself for {@code ""} (the
   * value at {@code head} is the {@code null}), {@code "lines[3]"}, or {@code "amount.f1"}.
   */
  private static String below(String head, String inner) {
    if (inner.isEmpty()) {
      return head;
    }
    return inner.charAt(0) == '[' ? head + inner : head + "." + inner;
  }

  /**
   * What is wrong with an element, key or value {@code value} of a collection: {@code ""} if it is
   * a {@code null} its serializer cannot write, the path of the {@code null} below it, or {@code
   * null} if none.
   */
  @Nullable
  private static String inElement(
      @Nullable Object value, @Nullable NestedNullFields walk, boolean nullable) {
    if (value == null) {
      return nullable ? null : "";
    }
    return walk == null ? null : walk.find(value);
  }

  /**
   * Whether the serializer of {@code type} writes a {@code null} (as Flink's {@code String}, POJO
   * and {@code BigDecimal} serializers do, and its {@code Long}, tuple and row serializers do not):
   * asked once, when the walk is built, by writing one and reading it back.
   */
  private static boolean writesNull(TypeInformation<?> type) {
    return writes(type, null, Objects::isNull);
  }

  /**
   * Whether the serializer of a list type writes a {@code null} element: Flink's list serializer
   * hands it to the element's serializer ({@code Types.LIST(...)}), but the type extractor's
   * nullable list ({@code List<Long>} field of a POJO or record) wraps that in one that writes it.
   */
  private static boolean writesNullElement(ListTypeInfo<?> list) {
    return writes(list, Collections.singletonList(null), read -> ((List<?>) read).get(0) == null);
  }

  /** As {@link #writesNullElement}, for a map type's {@code null} key. */
  private static boolean writesNullKey(MapTypeInfo<?, ?> map) {
    return writes(
        map, Collections.singletonMap(null, null), read -> ((Map<?, ?>) read).containsKey(null));
  }

  /**
   * Whether the serializer of {@code type} writes {@code value} and reads back what {@code
   * readBack} accepts (asked once, when the walk is built).
   */
  @SuppressWarnings("unchecked")
  private static boolean writes(
      TypeInformation<?> type, @Nullable Object value, Predicate<Object> readBack) {
    try {
      TypeSerializer<Object> serializer =
          (TypeSerializer<Object>) type.createSerializer(new SerializerConfigImpl());
      DataOutputSerializer out = new DataOutputSerializer(64);
      serializer.serialize(value, out);
      return readBack.test(
          serializer.deserialize(
              new DataInputDeserializer(out.getSharedBuffer(), 0, out.length())));
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
          return below("f" + i, inner);
        }
      }
      return null;
    }
  }

  /** A POJO or record: its fields may be null; only those that can hold one are looked into. */
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
          return below(names[i], inner);
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

  /** A row: its fields may be null; only those that can hold one are looked into. */
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
          return below(names[i], inner);
        }
      }
      return null;
    }
  }

  /**
   * The elements of a list or set: each looked into, a {@code null} one found where the list's
   * serializer cannot write it (a set's writes it); named by position ({@code [3]}) in a list,
   * {@code [element]} in a set.
   */
  private static final class Elements extends NestedNullFields {
    private static final long serialVersionUID = 1L;

    /** The walk below an element, {@code null} if only {@code null} elements are looked for. */
    @Nullable private final NestedNullFields element;

    private final boolean nullable;
    private final boolean indexed;

    Elements(@Nullable NestedNullFields element, boolean nullable, boolean indexed) {
      this.element = element;
      this.nullable = nullable;
      this.indexed = indexed;
    }

    @Override
    @Nullable
    public String find(Object value) {
      if (!(value instanceof Collection<?> elements)) {
        return null;
      }
      int i = 0;
      for (Object e : elements) {
        String inner = inElement(e, element, nullable);
        if (inner != null) {
          return below(indexed ? "[" + i + "]" : "[element]", inner);
        }
        i++;
      }
      return null;
    }
  }

  /** The elements of an object array (whose serializer writes a {@code null} one): {@code [3]}. */
  private static final class ArrayElements extends NestedNullFields {
    private static final long serialVersionUID = 1L;

    private final NestedNullFields element;

    ArrayElements(NestedNullFields element) {
      this.element = element;
    }

    @Override
    @Nullable
    public String find(Object value) {
      if (!(value instanceof Object[] elements)) {
        return null;
      }
      for (int i = 0; i < elements.length; i++) {
        String inner = elements[i] == null ? null : element.find(elements[i]);
        if (inner != null) {
          return below("[" + i + "]", inner);
        }
      }
      return null;
    }
  }

  /**
   * The entries of a map: keys ({@code [key]}; a {@code null} one where its serializer cannot write
   * it) and values ({@code [value]}; the map serializer writes a {@code null} one). Never the key's
   * value: it is data.
   */
  private static final class MapEntries extends NestedNullFields {
    private static final long serialVersionUID = 1L;

    @Nullable private final NestedNullFields keys;
    private final boolean keysNullable;
    @Nullable private final NestedNullFields values;

    MapEntries(
        @Nullable NestedNullFields keys, boolean keysNullable, @Nullable NestedNullFields values) {
      this.keys = keys;
      this.keysNullable = keysNullable;
      this.values = values;
    }

    @Override
    @Nullable
    public String find(Object value) {
      if (!(value instanceof Map<?, ?> map)) {
        return null;
      }
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        String key = inElement(entry.getKey(), keys, keysNullable);
        if (key != null) {
          return below("[key]", key);
        }
        String inner = inElement(entry.getValue(), values, true);
        if (inner != null) {
          return below("[value]", inner);
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
