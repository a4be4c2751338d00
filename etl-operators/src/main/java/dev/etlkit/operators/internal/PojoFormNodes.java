package dev.etlkit.operators.internal;

import static dev.etlkit.operators.internal.FormNodes.sameBytes;
import static dev.etlkit.operators.internal.FormNodes.sameNullable;

import dev.etlkit.core.internal.CompiledParts;
import dev.etlkit.operators.internal.FormNodes.BytesNode;
import dev.etlkit.operators.internal.FormNodes.Node;
import dev.etlkit.operators.internal.FormNodes.Scratch;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * The POJO and record part of a {@link SerializedForm} and its fields, compared and written by
 * {@link CompiledParts} or, where the JVM refuses one, through {@code java.lang.reflect.Field}; the
 * static methods a compiled part calls.
 */
final class PojoFormNodes {

  /** {@code PojoSerializer}'s flags byte for a value of exactly the POJO's class. */
  private static final int POJO_NO_SUBCLASS = 2;

  /** {@link #sameValues} and {@link #writeValue}: {@code (node, a, b, scratch) boolean}. */
  private static final MethodHandle SAME_VALUES = nodePart("sameValues");

  private static final MethodHandle WRITE_VALUE = nodePart("writeValue");

  private PojoFormNodes() {}

  private static MethodHandle nodePart(String name) {
    try {
      return MethodHandles.lookup()
          .findStatic(
              PojoFormNodes.class,
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

  /** {@link FormNodes#sameNullable} as a compiled comparison's part calls it. */
  private static boolean sameValues(
      Node node, @Nullable Object a, @Nullable Object b, Object scratch) throws IOException {
    return sameNullable(node, a, b, (Scratch) scratch);
  }

  /**
   * POJOs and records, as {@code PojoSerializer} writes a value of exactly the type's class: a
   * flags byte, then per field a null flag and the field. A subclass instance is left to the
   * serializer.
   */
  static final class PojoNode extends BytesNode {
    private final Class<?> type;

    /** In the serializer's order, to write. */
    private final FieldNode[] fields;

    /** To compare: the long fields first, in one monomorphic loop, then the others. */
    private final Field[] longFields;

    private final FieldNode[] otherFields;

    /** The same comparison, compiled; null if the JVM refused it or it was not asked for. */
    @Nullable final CompiledParts compiled;

    /** The fields' writes, compiled; null as {@link #compiled}. */
    @Nullable final CompiledParts compiledWrite;

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
  abstract static class FieldNode {
    final Field field;

    FieldNode(Field field) {
      this.field = field;
    }

    /** A reader of a field of type {@code info}, whose values are of form {@code node}. */
    static FieldNode of(Field field, TypeInformation<?> info, Node node) {
      field.setAccessible(true);
      Class<?> type = field.getType();
      if (type.isPrimitive() && SerializedForm.isFlinks(info, BasicTypeInfo.getInfoFor(type))) {
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
                  PojoFormNodes.class,
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
