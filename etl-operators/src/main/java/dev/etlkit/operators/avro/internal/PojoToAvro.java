package dev.etlkit.operators.avro.internal;

import static dev.etlkit.operators.avro.internal.JavaTypes.accepts;
import static dev.etlkit.operators.avro.internal.JavaTypes.box;
import static dev.etlkit.operators.avro.internal.JavaTypes.isConcrete;
import static dev.etlkit.operators.avro.internal.JavaTypes.raw;
import static dev.etlkit.operators.avro.internal.JavaTypes.typeArgument;
import static dev.etlkit.operators.avro.internal.PojoValues.mismatch;
import static dev.etlkit.operators.avro.internal.PojoValues.nullable;

import dev.etlkit.operators.avro.AvroFormatException;
import java.lang.reflect.Type;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.annotation.Internal;

/**
 * Converts Java objects (Flink POJOs with public fields or getters, Java records, nested objects,
 * lists, maps) into {@code GenericRecord}s of one schema. The mapping is built once from the class
 * and the schema: each Avro field finds its Java property by name (record component, {@code getX()}
 * / {@code isX()}, or public field) through a method handle, and a value mapper chosen by the Avro
 * type. Per record there is no reflective lookup, only the handles and the type checks.
 *
 * <p>Building fails ({@link IllegalArgumentException}) when a required Avro field has no property,
 * or a property's declared type cannot map to its Avro type. Converting fails ({@link
 * AvroFormatException}, path and types only, never values) on values the schema does not allow: a
 * null in a non-null field, a decimal with too many digits, a timestamp out of range, an integer a
 * float or double field would round, an unknown enum symbol.
 *
 * <p>Java to Avro: {@code String}/{@code CharSequence}/enum → string; {@code UUID} → uuid; {@code
 * int/short/byte} → int; {@code long} (and smaller) → long; {@code float}, {@code double} (also
 * from integers they hold exactly); {@code boolean}; {@code byte[]}/{@code ByteBuffer} →
 * bytes/fixed; {@code BigDecimal} → decimal; {@code LocalDate} → date; {@code LocalTime} → time;
 * {@code Instant} (or {@code java.util.Date}) → timestamp; {@code LocalDateTime} → local-timestamp;
 * Java enum or text → Avro enum; {@code Collection}/array → array; {@code Map} with text or enum
 * keys → map; other objects → record. Thread-safe once built; not serializable: build it in {@code
 * open()}.
 */
@Internal
public final class PojoToAvro<T> {

  private final Schema schema;
  private final RecordMapper root;

  /**
   * Builds the mapping from {@code type} to {@code schema}.
   *
   * @throws IllegalArgumentException if the class cannot fill the schema
   */
  public PojoToAvro(Class<T> type, Schema schema) {
    this.schema = RecordModel.generic(schema).schema();
    this.root = new Builder().record(type, schema);
  }

  /**
   * The record for {@code value}.
   *
   * @throws AvroFormatException if a value does not fit the schema
   */
  public GenericRecord convert(T value) throws AvroFormatException {
    try {
      return root.map(value);
    } catch (ValueException e) {
      throw e.toFormatException("object does not fit Avro schema", schema);
    } catch (RuntimeException e) {
      throw AvroErrors.sanitize("cannot convert to Avro schema " + schema.getFullName(), e);
    } catch (StackOverflowError e) {
      // A recursive structure deeper than the stack, or one that holds itself: no Exception, so
      // the map step would let it fail the job.
      throw new AvroFormatException(
          "cannot convert to Avro schema "
              + schema.getFullName()
              + ": the object is nested too deeply");
    }
  }

  // --- mappers ----------------------------------------------------------------------------------

  /** A record schema filled from the properties of one class (and its subclasses). */
  private static final class RecordMapper implements PojoValues.ValueMapper {
    final Schema schema;
    JavaTypes.Accessor[] accessors; // null entry: no property, use the default
    PojoValues.ValueMapper[] mappers;
    Schema.Field[] fields;

    RecordMapper(Schema schema) {
      this.schema = schema;
    }

    @Override
    public GenericRecord map(Object value) {
      if (value instanceof IndexedRecord && ((IndexedRecord) value).getSchema().equals(schema)) {
        return (GenericRecord) value;
      }
      AvroData.Record record = new AvroData.Record(schema);
      for (int i = 0; i < fields.length; i++) {
        Schema.Field field = fields[i];
        try {
          Object property;
          if (accessors[i] == null) {
            property = defaultOf(field);
          } else {
            try {
              property = accessors[i].get(value);
            } catch (JavaTypes.WrongTypeException e) {
              throw mismatch(value, schema);
            } catch (Error e) {
              throw e;
            } catch (Throwable t) {
              throw new ValueException(
                  "reading the property failed (" + t.getClass().getName() + ")");
            }
          }
          record.put(i, nullable(property, mappers[i], field.schema()));
        } catch (ValueException e) {
          throw e.inField(field.name());
        }
      }
      return record;
    }

    private static Object defaultOf(Schema.Field field) {
      if (field.hasDefaultValue()) {
        AvroData data = AvroData.get();
        return data.deepCopy(field.schema(), data.getDefaultValue(field));
      }
      return null;
    }
  }

  // --- building ---------------------------------------------------------------------------------

  /** Builds mappers; remembers record mappers by (class, schema) so recursive types terminate. */
  private static final class Builder {
    private final Map<List<Object>, RecordMapper> records = new HashMap<>();

    RecordMapper record(Class<?> type, Schema s) {
      List<Object> key = List.of(type, s);
      RecordMapper known = records.get(key);
      if (known != null) {
        return known;
      }
      RecordMapper mapper = new RecordMapper(s);
      records.put(key, mapper);
      try {
        List<Schema.Field> fields = s.getFields();
        mapper.fields = fields.toArray(new Schema.Field[0]);
        mapper.accessors = new JavaTypes.Accessor[fields.size()];
        mapper.mappers = new PojoValues.ValueMapper[fields.size()];
        for (int i = 0; i < fields.size(); i++) {
          Schema.Field field = fields.get(i);
          JavaTypes.Property property = JavaTypes.property(type, field.name());
          if (property == null) {
            if (!field.hasDefaultValue() && !JsonToAvro.isNullable(field.schema())) {
              throw new IllegalArgumentException(
                  type.getName()
                      + " has no property '"
                      + field.name()
                      + "' (record component, public getter or public field) for the required"
                      + " Avro field "
                      + s.getFullName()
                      + "."
                      + field.name());
            }
            mapper.mappers[i] = v -> v;
            continue;
          }
          mapper.accessors[i] = property.accessor;
          try {
            mapper.mappers[i] = value(property.type, field.schema());
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                "property '"
                    + field.name()
                    + "' of "
                    + type.getName()
                    + " cannot fill Avro field "
                    + s.getFullName()
                    + "."
                    + field.name()
                    + ": "
                    + e.getMessage(),
                e);
          }
        }
      } catch (IllegalArgumentException e) {
        records.remove(key); // half built: a later union branch must not find it
        throw e;
      }
      return mapper;
    }

    PojoValues.ValueMapper value(Type javaType, Schema s) {
      Class<?> raw = box(raw(javaType));
      if (s.getType() == Schema.Type.UNION) {
        return union(javaType, raw, s);
      }
      if (raw != Object.class && !accepts(s, raw)) {
        throw new IllegalArgumentException(
            "Java type " + raw.getName() + " does not map to " + LogicalValues.describe(s));
      }
      switch (s.getType()) {
        case RECORD:
          if (isConcrete(raw)) {
            return record(raw, s);
          }
          return new DynamicRecordMapper(s, this);
        case ARRAY:
          return array(javaType, raw, s);
        case MAP:
          return map(javaType, s);
        case ENUM:
          return PojoValues.enumMapper(s);
        default:
          return PojoValues.scalar(s);
      }
    }

    private PojoValues.ValueMapper union(Type javaType, Class<?> raw, Schema union) {
      List<Schema> branches = union.getTypes();
      PojoValues.ValueMapper[] mappers = new PojoValues.ValueMapper[branches.size()];
      boolean any = false;
      IllegalArgumentException firstRefusal = null;
      for (int i = 0; i < mappers.length; i++) {
        Schema b = branches.get(i);
        if (b.getType() == Schema.Type.NULL) {
          continue;
        }
        if (raw == Object.class || accepts(b, raw)) {
          try {
            mappers[i] = value(javaType, b);
            any = true;
          } catch (IllegalArgumentException e) {
            // a record branch the class cannot fill (another branch may fit it)
            if (firstRefusal == null) {
              firstRefusal = e;
            }
          }
        }
      }
      if (!any && firstRefusal != null) {
        throw firstRefusal;
      }
      if (!any) {
        throw new IllegalArgumentException(
            "Java type " + raw.getName() + " maps to no branch of the union " + branches);
      }
      if (branches.size() == 2 && (mappers[0] == null || mappers[1] == null)) {
        // The common nullable field: one non-null branch, no dispatch needed.
        return mappers[0] != null ? mappers[0] : mappers[1];
      }
      return value -> {
        // The branch of the value's own type first, as Avro's resolveUnion picks it: a Long in
        // ["null", "float", "long"] is the long, not a float rounded from it.
        for (int i = 0; i < mappers.length; i++) {
          if (mappers[i] != null && isOwnType(branches.get(i), value.getClass())) {
            return mappers[i].map(value);
          }
        }
        // Then the first branch that holds it: an Integer that a float would round goes on to
        // a double after it.
        ValueException firstError = null;
        for (int i = 0; i < mappers.length; i++) {
          if (mappers[i] != null && accepts(branches.get(i), value.getClass())) {
            try {
              return mappers[i].map(value);
            } catch (ValueException e) {
              if (firstError == null) {
                firstError = e;
              }
            }
          }
        }
        if (firstError != null) {
          throw firstError;
        }
        throw new ValueException(
            "a " + value.getClass().getName() + " maps to no branch of the union " + branches);
      };
    }

    /** True if {@code c} is the Java type Avro itself writes for {@code branch}'s type. */
    private static boolean isOwnType(Schema branch, Class<?> c) {
      switch (branch.getType()) {
        case INT:
          return c == Integer.class && branch.getLogicalType() == null;
        case LONG:
          return c == Long.class && branch.getLogicalType() == null;
        case FLOAT:
          return c == Float.class;
        case DOUBLE:
          return c == Double.class;
        case BOOLEAN:
          return c == Boolean.class;
        case STRING:
          return c == String.class;
        default:
          return false;
      }
    }

    private PojoValues.ValueMapper array(Type javaType, Class<?> raw, Schema s) {
      Type elementType = raw.isArray() ? raw.getComponentType() : typeArgument(javaType, 0);
      PojoValues.ValueMapper elements = value(elementType, s.getElementType());
      Schema items = s.getElementType();
      return value -> {
        if (value instanceof Collection) {
          Collection<?> c = (Collection<?>) value;
          GenericData.Array<Object> array = new GenericData.Array<>(c.size(), s);
          int i = 0;
          for (Object e : c) {
            array.add(element(e, elements, items, i++));
          }
          return array;
        }
        if (value instanceof Object[]) {
          Object[] a = (Object[]) value;
          GenericData.Array<Object> array = new GenericData.Array<>(a.length, s);
          for (int i = 0; i < a.length; i++) {
            array.add(element(a[i], elements, items, i));
          }
          return array;
        }
        throw mismatch(value, s);
      };
    }

    private PojoValues.ValueMapper map(Type javaType, Schema s) {
      Type keyType = typeArgument(javaType, 0);
      if (keyType instanceof Class
          && keyType != Object.class
          && !CharSequence.class.isAssignableFrom((Class<?>) keyType)
          && !((Class<?>) keyType).isEnum()) {
        throw new IllegalArgumentException(
            "map keys must be text or enums for Avro map "
                + s
                + ", the Java map's keys are "
                + ((Class<?>) keyType).getName());
      }
      PojoValues.ValueMapper values = value(typeArgument(javaType, 1), s.getValueType());
      Schema valueSchema = s.getValueType();
      return value -> {
        if (!(value instanceof Map)) {
          throw mismatch(value, s);
        }
        Map<?, ?> m = (Map<?, ?>) value;
        Map<String, Object> out = new HashMap<>((int) (m.size() / 0.75f) + 1);
        for (Map.Entry<?, ?> e : m.entrySet()) {
          Object key = e.getKey();
          String name;
          if (key instanceof CharSequence) {
            name = key.toString();
          } else if (key instanceof Enum) {
            name = ((Enum<?>) key).name();
          } else {
            throw new ValueException(
                "map keys must be text or enums, got a "
                    + (key == null ? "null" : key.getClass().getName()));
          }
          try {
            out.put(name, nullable(e.getValue(), values, valueSchema));
          } catch (ValueException ve) {
            throw ve.inMapValue();
          }
        }
        return out;
      };
    }

    private static Object element(
        Object e, PojoValues.ValueMapper mapper, Schema items, int index) {
      try {
        return nullable(e, mapper, items);
      } catch (ValueException ve) {
        throw ve.atIndex(index);
      }
    }
  }

  /** A record whose Java class is only known at run time (declared as Object or an interface). */
  private static final class DynamicRecordMapper implements PojoValues.ValueMapper {
    private final Schema schema;
    private final Builder builder;
    private final Map<Class<?>, RecordMapper> byClass =
        new java.util.concurrent.ConcurrentHashMap<>();

    DynamicRecordMapper(Schema schema, Builder builder) {
      this.schema = schema;
      this.builder = builder;
    }

    @Override
    public Object map(Object value) {
      if (value instanceof IndexedRecord && ((IndexedRecord) value).getSchema().equals(schema)) {
        return value;
      }
      RecordMapper mapper = byClass.get(value.getClass());
      if (mapper == null) {
        try {
          synchronized (builder) {
            mapper = builder.record(value.getClass(), schema);
          }
        } catch (IllegalArgumentException e) {
          throw new ValueException(
              "a " + value.getClass().getName() + " cannot fill " + LogicalValues.describe(schema));
        }
        byClass.put(value.getClass(), mapper);
      }
      return mapper.map(value);
    }
  }
}
