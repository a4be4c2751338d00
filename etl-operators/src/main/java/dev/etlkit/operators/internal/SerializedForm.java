package dev.etlkit.operators.internal;

import dev.etlkit.core.internal.CompiledParts;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.BasicArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.LocalTimeTypeInfo;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.tuple.Tuple;
import org.apache.flink.api.java.typeutils.EnumTypeInfo;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.NullableListTypeInfo;
import org.apache.flink.api.java.typeutils.ObjectArrayTypeInfo;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.StringValue;

/**
 * The serialized form of the values of one type, as the type's own {@link TypeSerializer} writes
 * it, without serializing where the type allows: {@link #same} tells whether two values serialize
 * to the same bytes, {@link #write} writes those bytes faster than the serializer.
 *
 * <p>{@link #same} compares <b>value by value</b> the parts of a type whose serialized form is a
 * function of their value, and equal only for equal values: POJOs and records (their fields, when
 * the value's class is the type's own), Java tuples, lists, arrays, enums (by identity), strings,
 * boxed primitives ({@code Double} and {@code Float} by their bits, as serialized: {@code 0.0} and
 * {@code -0.0} differ, all NaNs are one), {@code Instant}, {@code LocalDate}, {@code LocalTime} and
 * {@code LocalDateTime}. The user's {@code equals} is never called. Every other part is compared by
 * its serialized bytes: maps (serialized in iteration order), {@code BigDecimal} and {@code
 * BigInteger} (their serializer writes the constants {@code ZERO}, {@code ONE} and {@code TEN}
 * unlike equal values), {@code Date}, {@code Row}, Avro and other types, a subclass instance of a
 * POJO type, a null element of a list or tuple. So {@code same} is exact for every type; it is
 * cheap where {@link #isStructural} says the type has no part of the second kind. A POJO's fields
 * are compared by a {@link CompiledParts} (field reads compile to plain loads, as in code written
 * for the type); where the JVM refuses one, through {@code java.lang.reflect.Field}.
 *
 * <p>{@link #write} writes exactly the bytes of {@code serializer.serialize(value, out)}; POJOs,
 * records and strings are written directly (no boxing, no per-character calls), every other part by
 * its serializer.
 *
 * <p>Built in the task ({@code open()}): not serializable, not thread-safe (it reuses buffers).
 *
 * @param <T> the type
 */
@Internal
public final class SerializedForm<T> {

  /** {@code PojoSerializer}'s flags byte for a value of exactly the POJO's class. */
  private static final int POJO_NO_SUBCLASS = 2;

  /** Classes of basic types whose serialized form is one-to-one with {@code equals}. */
  private static final Set<Class<?>> EXACT_EQUALS =
      Set.of(
          String.class,
          Boolean.class,
          Byte.class,
          Short.class,
          Integer.class,
          Long.class,
          Float.class,
          Double.class,
          Character.class,
          Instant.class,
          LocalDate.class,
          LocalTime.class,
          LocalDateTime.class);

  private final Node root;
  private final Scratch scratch = new Scratch();

  private SerializedForm(Node root) {
    this.root = root;
  }

  /** The serialized form of {@code type}'s values, with serializers created from {@code config}. */
  public static <T> SerializedForm<T> of(TypeInformation<T> type, SerializerConfig config) {
    return of(type, config, true);
  }

  /**
   * As {@link #of(TypeInformation, SerializerConfig)}; with {@code compile} false, POJOs are
   * compared through reflection, as where the JVM refuses a {@link CompiledParts} (for tests).
   */
  static <T> SerializedForm<T> of(
      TypeInformation<T> type, SerializerConfig config, boolean compile) {
    return new SerializedForm<>(node(type, config, compile));
  }

  /**
   * Whether every part of {@code type} is compared value by value (no part is serialized to compare
   * it, except subclass instances of POJO types and null elements of lists and tuples).
   */
  public static boolean isStructural(TypeInformation<?> type) {
    switch (shape(type)) {
      case POJO:
        PojoTypeInfo<?> pojo = (PojoTypeInfo<?>) type;
        for (int i = 0; i < pojo.getArity(); i++) {
          if (!isStructural(pojo.getPojoFieldAt(i).getTypeInformation())) {
            return false;
          }
        }
        return true;
      case TUPLE:
        TupleTypeInfo<?> tuple = (TupleTypeInfo<?>) type;
        for (int i = 0; i < tuple.getArity(); i++) {
          if (!isStructural(tuple.getTypeAt(i))) {
            return false;
          }
        }
        return true;
      case LIST:
      case ARRAY:
        return isStructural(elementType(type));
      case OTHER:
        return false;
      default:
        return true;
    }
  }

  /** What a type is, as far as its serialized form goes. */
  private enum Shape {
    POJO,
    TUPLE,
    LIST,
    ARRAY,
    PRIMITIVE_ARRAY,
    ENUM,
    STRING,
    /** A basic type whose serialized form is one-to-one with {@code equals}. */
    EQUALS,
    /** Anything else, including subclasses of the type informations above: by its bytes. */
    OTHER
  }

  /**
   * The shape of a type. Type informations are matched by their exact class (a subclass may bring
   * another serializer: Avro's {@code AvroTypeInfo} extends {@code PojoTypeInfo}), basic types as
   * equal to Flink's own instances and of their exact class ({@link #isFlinks}): never by identity,
   * as a running job's are Java-serialized copies of the ones its step was built with.
   */
  private static Shape shape(TypeInformation<?> type) {
    Class<?> info = type.getClass();
    Class<?> value = type.getTypeClass();
    if (info == PojoTypeInfo.class) {
      return Shape.POJO;
    } else if (info == TupleTypeInfo.class) {
      return Shape.TUPLE;
    } else if (info == ListTypeInfo.class || info == NullableListTypeInfo.class) {
      return Shape.LIST;
    } else if (info == BasicArrayTypeInfo.class || info == ObjectArrayTypeInfo.class) {
      return Shape.ARRAY;
    } else if (info == EnumTypeInfo.class) {
      return Shape.ENUM;
    } else if (value == null) {
      return Shape.OTHER;
    } else if (value.isArray() && isFlinks(type, PrimitiveArrayTypeInfo.getInfoFor(value))) {
      return Shape.PRIMITIVE_ARRAY;
    } else if (isFlinks(type, BasicTypeInfo.STRING_TYPE_INFO)) {
      return Shape.STRING;
    } else if (EXACT_EQUALS.contains(value)
        && (isFlinks(type, BasicTypeInfo.getInfoFor(value))
            || isFlinks(type, LocalTimeTypeInfo.getInfoFor(value)))) {
      return Shape.EQUALS;
    }
    return Shape.OTHER;
  }

  /**
   * Whether {@code type} is Flink's own type information {@code flinks} (null: there is none) or a
   * copy of it: of the same class and equal.
   */
  static boolean isFlinks(TypeInformation<?> type, @Nullable TypeInformation<?> flinks) {
    return flinks != null && type.getClass() == flinks.getClass() && type.equals(flinks);
  }

  private static TypeInformation<?> elementType(TypeInformation<?> type) {
    if (type instanceof ListTypeInfo) {
      return ((ListTypeInfo<?>) type).getElementTypeInfo();
    } else if (type instanceof BasicArrayTypeInfo) {
      return ((BasicArrayTypeInfo<?, ?>) type).getComponentInfo();
    }
    return ((ObjectArrayTypeInfo<?, ?>) type).getComponentInfo();
  }

  /** Whether {@code a} and {@code b} (neither null) have the same serialized form. */
  public boolean same(T a, T b) throws IOException {
    return a == b || root.same(a, b, scratch);
  }

  /** Whether the root is a POJO compared and written by {@link CompiledParts} (for tests). */
  boolean isCompiled() {
    return root instanceof PojoNode
        && ((PojoNode) root).compiled != null
        && ((PojoNode) root).compiledWrite != null;
  }

  /** Writes {@code value} (not null) exactly as the type's serializer would. */
  public void write(T value, DataOutputSerializer out) throws IOException {
    root.write(value, out, scratch);
  }

  private static Node node(TypeInformation<?> type, SerializerConfig config, boolean compile) {
    TypeSerializer<Object> serializer = serializer(type, config);
    Shape shape = shape(type);
    if (shape == Shape.POJO) {
      PojoTypeInfo<?> pojo = (PojoTypeInfo<?>) type;
      FieldNode[] fields = new FieldNode[pojo.getArity()];
      for (int i = 0; i < fields.length; i++) {
        PojoField field = pojo.getPojoFieldAt(i);
        TypeInformation<?> fieldType = field.getTypeInformation();
        fields[i] = FieldNode.of(field.getField(), fieldType, node(fieldType, config, compile));
      }
      return new PojoNode(pojo.getTypeClass(), fields, serializer, compile);
    }
    if (!isStructural(type)) {
      return new BytesNode(serializer);
    }
    switch (shape) {
      case TUPLE:
        TupleTypeInfo<?> tuple = (TupleTypeInfo<?>) type;
        Node[] fields = new Node[tuple.getArity()];
        for (int i = 0; i < fields.length; i++) {
          fields[i] = node(tuple.getTypeAt(i), config, compile);
        }
        return new TupleNode(fields, serializer);
      case LIST:
        return new ListNode(node(elementType(type), config, compile), serializer);
      case ARRAY:
        return new ArrayNode(node(elementType(type), config, compile), serializer);
      case PRIMITIVE_ARRAY:
        return new PrimitiveArrayNode(serializer);
      case ENUM:
        return new IdentityNode(serializer);
      case STRING:
        return new StringNode();
      default:
        return new EqualsNode(serializer);
    }
  }

  @SuppressWarnings("unchecked")
  private static TypeSerializer<Object> serializer(
      TypeInformation<?> type, SerializerConfig config) {
    return (TypeSerializer<Object>) type.createSerializer(config);
  }

  /** Buffers one form instance reuses: two for comparing serialized bytes, one for strings. */
  private static final class Scratch {
    final DataOutputSerializer left = new DataOutputSerializer(64);
    final DataOutputSerializer right = new DataOutputSerializer(64);
    byte[] chars = new byte[64];
  }

  /** One part of a type. Values given to it are never null. */
  private abstract static class Node {
    abstract boolean same(Object a, Object b, Scratch scratch) throws IOException;

    abstract void write(Object value, DataOutputSerializer out, Scratch scratch) throws IOException;
  }

  /** A part compared by its serialized bytes: the serializer decides. */
  private static class BytesNode extends Node {
    final TypeSerializer<Object> serializer;

    BytesNode(TypeSerializer<Object> serializer) {
      this.serializer = serializer;
    }

    @Override
    boolean same(Object a, Object b, Scratch scratch) throws IOException {
      return sameBytes(serializer, a, b, scratch);
    }

    @Override
    void write(Object value, DataOutputSerializer out, Scratch scratch) throws IOException {
      serializer.serialize(value, out);
    }
  }

  static boolean sameBytes(TypeSerializer<Object> serializer, Object a, Object b, Scratch scratch)
      throws IOException {
    DataOutputSerializer left = scratch.left;
    DataOutputSerializer right = scratch.right;
    left.clear();
    right.clear();
    serializer.serialize(a, left);
    serializer.serialize(b, right);
    return Arrays.equals(
        left.getSharedBuffer(), 0, left.length(), right.getSharedBuffer(), 0, right.length());
  }

  /** A basic type whose serialized form is one-to-one with {@code equals}. */
  private static final class EqualsNode extends BytesNode {
    EqualsNode(TypeSerializer<Object> serializer) {
      super(serializer);
    }

    @Override
    boolean same(Object a, Object b, Scratch scratch) {
      return a.equals(b);
    }
  }

  /** Enums: serialized as their index, so equal exactly when identical. */
  private static final class IdentityNode extends BytesNode {
    IdentityNode(TypeSerializer<Object> serializer) {
      super(serializer);
    }

    @Override
    boolean same(Object a, Object b, Scratch scratch) {
      return a == b;
    }
  }

  /** Strings, written as {@link StringValue#writeString} does, ASCII without per-char calls. */
  private static final class StringNode extends Node {
    @Override
    boolean same(Object a, Object b, Scratch scratch) {
      return a.equals(b);
    }

    @Override
    void write(Object value, DataOutputSerializer out, Scratch scratch) throws IOException {
      String s = (String) value;
      int length = s.length();
      int prefixed = length + 1; // StringValue writes the length plus one, 0 being null
      if (prefixed >= 0x80) {
        StringValue.writeString(s, out); // a multi-byte length prefix: rare, not worth a copy
        return;
      }
      byte[] bytes = scratch.chars;
      if (bytes.length < prefixed) {
        bytes = new byte[Math.max(prefixed, bytes.length * 2)];
        scratch.chars = bytes;
      }
      bytes[0] = (byte) prefixed;
      for (int i = 0; i < length; i++) {
        char c = s.charAt(i);
        if (c >= 0x80) {
          StringValue.writeString(s, out); // multi-byte characters
          return;
        }
        bytes[i + 1] = (byte) c;
      }
      out.write(bytes, 0, prefixed);
    }
  }

  /** Arrays of primitives: {@code Arrays.equals}, which compares doubles and floats by bits. */
  private static final class PrimitiveArrayNode extends BytesNode {
    PrimitiveArrayNode(TypeSerializer<Object> serializer) {
      super(serializer);
    }

    @Override
    boolean same(Object a, Object b, Scratch scratch) {
      if (a.getClass() != b.getClass()) {
        return false;
      }
      if (a instanceof byte[]) {
        return Arrays.equals((byte[]) a, (byte[]) b);
      } else if (a instanceof long[]) {
        return Arrays.equals((long[]) a, (long[]) b);
      } else if (a instanceof int[]) {
        return Arrays.equals((int[]) a, (int[]) b);
      } else if (a instanceof double[]) {
        return Arrays.equals((double[]) a, (double[]) b);
      } else if (a instanceof float[]) {
        return Arrays.equals((float[]) a, (float[]) b);
      } else if (a instanceof short[]) {
        return Arrays.equals((short[]) a, (short[]) b);
      } else if (a instanceof char[]) {
        return Arrays.equals((char[]) a, (char[]) b);
      }
      return Arrays.equals((boolean[]) a, (boolean[]) b);
    }
  }

  /** Arrays of objects: the length, then every element (null or not, and its form). */
  private static final class ArrayNode extends BytesNode {
    private final Node element;

    ArrayNode(Node element, TypeSerializer<Object> serializer) {
      super(serializer);
      this.element = element;
    }

    @Override
    boolean same(Object a, Object b, Scratch scratch) throws IOException {
      Object[] x = (Object[]) a;
      Object[] y = (Object[]) b;
      if (x.length != y.length) {
        return false;
      }
      for (int i = 0; i < x.length; i++) {
        if (!sameNullable(element, x[i], y[i], scratch)) {
          return false;
        }
      }
      return true;
    }
  }

  /** Lists: the size, then every element; a null element is left to the serializer. */
  private static final class ListNode extends BytesNode {
    private final Node element;

    ListNode(Node element, TypeSerializer<Object> serializer) {
      super(serializer);
      this.element = element;
    }

    @Override
    boolean same(Object a, Object b, Scratch scratch) throws IOException {
      List<?> x = (List<?>) a;
      List<?> y = (List<?>) b;
      if (x.size() != y.size()) {
        return false;
      }
      Iterator<?> i = x.iterator();
      Iterator<?> j = y.iterator();
      while (i.hasNext()) {
        Object u = i.next();
        Object v = j.next();
        if (u == null || v == null) {
          return sameBytes(serializer, a, b, scratch); // the element serializer decides
        }
        if (u != v && !element.same(u, v, scratch)) {
          return false;
        }
      }
      return true;
    }
  }

  /** Java tuples: every field; a null field is left to the serializer (which rejects it). */
  private static final class TupleNode extends BytesNode {
    private final Node[] fields;

    TupleNode(Node[] fields, TypeSerializer<Object> serializer) {
      super(serializer);
      this.fields = fields;
    }

    @Override
    boolean same(Object a, Object b, Scratch scratch) throws IOException {
      Tuple x = (Tuple) a;
      Tuple y = (Tuple) b;
      for (int i = 0; i < fields.length; i++) {
        Object u = x.getField(i);
        Object v = y.getField(i);
        if (u == null || v == null) {
          return sameBytes(serializer, a, b, scratch);
        }
        if (u != v && !fields[i].same(u, v, scratch)) {
          return false;
        }
      }
      return true;
    }
  }

  /** {@link #sameValues} and {@link #writeValue}: {@code (node, a, b, scratch) boolean}. */
  private static final MethodHandle SAME_VALUES = nodePart("sameValues");

  private static final MethodHandle WRITE_VALUE = nodePart("writeValue");

  private static MethodHandle nodePart(String name) {
    try {
      return MethodHandles.lookup()
          .findStatic(
              SerializedForm.class,
              name,
              MethodType.methodType(
                  boolean.class, Node.class, Object.class, Object.class, Object.class));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** {@link ObjectField#write} as a compiled writer's part calls it: a null flag, the value. */
  private static boolean writeValue(Node node, @Nullable Object value, Object out, Object scratch)
      throws IOException {
    DataOutputSerializer target = (DataOutputSerializer) out;
    if (value == null) {
      target.writeBoolean(true);
    } else {
      target.writeBoolean(false);
      node.write(value, target, (Scratch) scratch);
    }
    return true;
  }

  /** A primitive field as {@code PojoSerializer} writes it: a null flag, the value. */
  private static boolean writeField(long value, Object out, Object scratch) throws IOException {
    DataOutputSerializer target = (DataOutputSerializer) out;
    target.writeBoolean(false);
    target.writeLong(value);
    return true;
  }

  private static boolean writeField(int value, Object out, Object scratch) throws IOException {
    DataOutputSerializer target = (DataOutputSerializer) out;
    target.writeBoolean(false);
    target.writeInt(value);
    return true;
  }

  private static boolean writeField(double value, Object out, Object scratch) throws IOException {
    DataOutputSerializer target = (DataOutputSerializer) out;
    target.writeBoolean(false);
    target.writeDouble(value);
    return true;
  }

  private static boolean writeField(boolean value, Object out, Object scratch) throws IOException {
    DataOutputSerializer target = (DataOutputSerializer) out;
    target.writeBoolean(false);
    target.writeBoolean(value);
    return true;
  }

  /** {@link #sameNullable} as a compiled comparison's part calls it. */
  private static boolean sameValues(
      Node node, @Nullable Object a, @Nullable Object b, Object scratch) throws IOException {
    return sameNullable(node, a, b, (Scratch) scratch);
  }

  static boolean sameNullable(Node node, @Nullable Object a, @Nullable Object b, Scratch scratch)
      throws IOException {
    if (a == b) {
      return true;
    }
    return a != null && b != null && node.same(a, b, scratch);
  }

  /**
   * POJOs and records, as {@code PojoSerializer} writes a value of exactly the type's class: a
   * flags byte, then per field a null flag and the field. A subclass instance is left to the
   * serializer.
   */
  private static final class PojoNode extends BytesNode {
    private final Class<?> type;

    /** In the serializer's order, to write. */
    private final FieldNode[] fields;

    /** To compare: the long fields first, in one monomorphic loop, then the others. */
    private final Field[] longFields;

    private final FieldNode[] otherFields;

    /** The same comparison, compiled; null if the JVM refused it or it was not asked for. */
    @Nullable private final CompiledParts compiled;

    /** The fields' writes, compiled; null as {@link #compiled}. */
    @Nullable private final CompiledParts compiledWrite;

    PojoNode(
        Class<?> type, FieldNode[] fields, TypeSerializer<Object> serializer, boolean compile) {
      super(serializer);
      this.type = type;
      this.fields = fields;
      this.longFields =
          Arrays.stream(fields)
              .filter(f -> f instanceof LongField)
              .map(f -> f.field)
              .toArray(Field[]::new);
      this.otherFields =
          Arrays.stream(fields).filter(f -> !(f instanceof LongField)).toArray(FieldNode[]::new);
      this.compiled = compile ? compile(type, fields) : null;
      this.compiledWrite = compile ? compileWrite(type, fields) : null;
    }

    /** The fields' writes in the serializer's order, compiled; null if the JVM refuses it. */
    @Nullable
    private static CompiledParts compileWrite(Class<?> type, FieldNode[] fields) {
      List<MethodHandle> parts = new ArrayList<>();
      try {
        for (FieldNode field : fields) {
          parts.add(field.writePart());
        }
        return CompiledParts.of(parts);
      } catch (ReflectiveOperationException | IllegalStateException e) {
        CompiledParts.refused(type, e);
        return null; // written through reflection
      }
    }

    /** A compiled comparison of the fields, long ones first; null if the JVM refuses one. */
    @Nullable
    private static CompiledParts compile(Class<?> type, FieldNode[] fields) {
      List<MethodHandle> parts = new ArrayList<>();
      try {
        for (FieldNode field : fields) {
          if (field instanceof LongField) {
            parts.add(field.part());
          }
        }
        for (FieldNode field : fields) {
          if (!(field instanceof LongField)) {
            parts.add(field.part());
          }
        }
        return CompiledParts.of(parts);
      } catch (IllegalAccessException | IllegalStateException e) {
        CompiledParts.refused(type, e);
        return null; // compared through reflection
      }
    }

    @Override
    boolean same(Object a, Object b, Scratch scratch) throws IOException {
      if (a.getClass() != type || b.getClass() != type) {
        return sameBytes(serializer, a, b, scratch);
      }
      if (compiled != null) {
        return compiled.all(a, b, scratch);
      }
      try {
        for (Field field : longFields) {
          if (field.getLong(a) != field.getLong(b)) {
            return false;
          }
        }
      } catch (IllegalAccessException e) {
        throw new IllegalStateException("cannot read a field of " + type, e);
      }
      for (FieldNode field : otherFields) {
        if (!field.same(a, b, scratch)) {
          return false;
        }
      }
      return true;
    }

    @Override
    void write(Object value, DataOutputSerializer out, Scratch scratch) throws IOException {
      if (value.getClass() != type) {
        serializer.serialize(value, out);
        return;
      }
      out.writeByte(POJO_NO_SUBCLASS);
      if (compiledWrite != null) {
        compiledWrite.all(value, out, scratch);
        return;
      }
      for (FieldNode field : fields) {
        field.write(value, out, scratch);
      }
    }
  }

  /**
   * One field of a POJO: its null flag and value, as {@code PojoSerializer} writes it. Primitive
   * fields are read unboxed.
   */
  private abstract static class FieldNode {
    final Field field;

    FieldNode(Field field) {
      this.field = field;
    }

    /** A reader of a field of type {@code info}, whose values are of form {@code node}. */
    static FieldNode of(Field field, TypeInformation<?> info, Node node) {
      field.setAccessible(true);
      Class<?> type = field.getType();
      if (type.isPrimitive() && isFlinks(info, BasicTypeInfo.getInfoFor(type))) {
        if (type == long.class) {
          return new LongField(field);
        } else if (type == int.class) {
          return new IntField(field);
        } else if (type == double.class) {
          return new DoubleField(field);
        } else if (type == boolean.class) {
          return new BooleanField(field);
        }
      }
      return new ObjectField(field, node); // objects, the rarer primitives boxed
    }

    /**
     * Whether the field of {@code a} and of {@code b} (both of the POJO's class) serialize alike.
     */
    abstract boolean same(Object a, Object b, Scratch scratch) throws IOException;

    abstract void write(Object pojo, DataOutputSerializer out, Scratch scratch) throws IOException;

    /** {@link #same} as a part of a {@link CompiledParts}. */
    MethodHandle part() throws IllegalAccessException {
      return CompiledParts.samePrimitiveField(field);
    }

    /** {@link #write} as a part of a {@link CompiledParts}: {@code (pojo, out, scratch) true}. */
    MethodHandle writePart() throws ReflectiveOperationException {
      Class<?> type = field.getType();
      MethodHandle write =
          MethodHandles.lookup()
              .findStatic(
                  SerializedForm.class,
                  "writeField",
                  MethodType.methodType(boolean.class, type, Object.class, Object.class));
      return CompiledParts.fieldInto(field, write);
    }

    IllegalStateException unreadable(IllegalAccessException e) {
      return new IllegalStateException("cannot read field " + field, e);
    }
  }

  private static final class ObjectField extends FieldNode {
    private final Node node;

    ObjectField(Field field, Node node) {
      super(field);
      this.node = node;
    }

    @Override
    MethodHandle part() throws IllegalAccessException {
      return CompiledParts.sameObjectField(field, SAME_VALUES.bindTo(node));
    }

    @Override
    MethodHandle writePart() throws ReflectiveOperationException {
      return CompiledParts.fieldInto(field, WRITE_VALUE.bindTo(node));
    }

    @Override
    boolean same(Object a, Object b, Scratch scratch) throws IOException {
      try {
        return sameNullable(node, field.get(a), field.get(b), scratch);
      } catch (IllegalAccessException e) {
        throw unreadable(e);
      }
    }

    @Override
    void write(Object pojo, DataOutputSerializer out, Scratch scratch) throws IOException {
      Object value;
      try {
        value = field.get(pojo);
      } catch (IllegalAccessException e) {
        throw unreadable(e);
      }
      if (value == null) {
        out.writeBoolean(true);
      } else {
        out.writeBoolean(false);
        node.write(value, out, scratch);
      }
    }
  }

  private static final class LongField extends FieldNode {
    LongField(Field field) {
      super(field);
    }

    @Override
    boolean same(Object a, Object b, Scratch scratch) {
      try {
        return field.getLong(a) == field.getLong(b);
      } catch (IllegalAccessException e) {
        throw unreadable(e);
      }
    }

    @Override
    void write(Object pojo, DataOutputSerializer out, Scratch scratch) throws IOException {
      try {
        out.writeBoolean(false);
        out.writeLong(field.getLong(pojo));
      } catch (IllegalAccessException e) {
        throw unreadable(e);
      }
    }
  }

  private static final class IntField extends FieldNode {
    IntField(Field field) {
      super(field);
    }

    @Override
    boolean same(Object a, Object b, Scratch scratch) {
      try {
        return field.getInt(a) == field.getInt(b);
      } catch (IllegalAccessException e) {
        throw unreadable(e);
      }
    }

    @Override
    void write(Object pojo, DataOutputSerializer out, Scratch scratch) throws IOException {
      try {
        out.writeBoolean(false);
        out.writeInt(field.getInt(pojo));
      } catch (IllegalAccessException e) {
        throw unreadable(e);
      }
    }
  }

  /** Serialized as {@code Double.doubleToLongBits}: compared by those bits. */
  private static final class DoubleField extends FieldNode {
    DoubleField(Field field) {
      super(field);
    }

    @Override
    boolean same(Object a, Object b, Scratch scratch) {
      try {
        return Double.doubleToLongBits(field.getDouble(a))
            == Double.doubleToLongBits(field.getDouble(b));
      } catch (IllegalAccessException e) {
        throw unreadable(e);
      }
    }

    @Override
    void write(Object pojo, DataOutputSerializer out, Scratch scratch) throws IOException {
      try {
        out.writeBoolean(false);
        out.writeDouble(field.getDouble(pojo));
      } catch (IllegalAccessException e) {
        throw unreadable(e);
      }
    }
  }

  private static final class BooleanField extends FieldNode {
    BooleanField(Field field) {
      super(field);
    }

    @Override
    boolean same(Object a, Object b, Scratch scratch) {
      try {
        return field.getBoolean(a) == field.getBoolean(b);
      } catch (IllegalAccessException e) {
        throw unreadable(e);
      }
    }

    @Override
    void write(Object pojo, DataOutputSerializer out, Scratch scratch) throws IOException {
      try {
        out.writeBoolean(false);
        out.writeBoolean(field.getBoolean(pojo));
      } catch (IllegalAccessException e) {
        throw unreadable(e);
      }
    }
  }
}
