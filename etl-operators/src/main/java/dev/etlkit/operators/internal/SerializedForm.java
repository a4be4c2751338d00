package dev.etlkit.operators.internal;

import dev.etlkit.core.internal.CompiledParts;
import dev.etlkit.operators.internal.FormNodes.ArrayNode;
import dev.etlkit.operators.internal.FormNodes.BytesNode;
import dev.etlkit.operators.internal.FormNodes.EqualsNode;
import dev.etlkit.operators.internal.FormNodes.IdentityNode;
import dev.etlkit.operators.internal.FormNodes.ListNode;
import dev.etlkit.operators.internal.FormNodes.Node;
import dev.etlkit.operators.internal.FormNodes.PrimitiveArrayNode;
import dev.etlkit.operators.internal.FormNodes.Scratch;
import dev.etlkit.operators.internal.FormNodes.StringNode;
import dev.etlkit.operators.internal.FormNodes.TupleNode;
import dev.etlkit.operators.internal.PojoFormNodes.FieldNode;
import dev.etlkit.operators.internal.PojoFormNodes.PojoNode;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
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
import org.apache.flink.api.java.typeutils.EnumTypeInfo;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.NullableListTypeInfo;
import org.apache.flink.api.java.typeutils.ObjectArrayTypeInfo;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.core.memory.DataOutputSerializer;

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
}
