package dev.etlkit.operators.internal;

import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.tuple.Tuple;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.StringValue;

/**
 * The parts a {@link SerializedForm} is built of, one per shape of type, and the buffers they
 * reuse; POJOs and their fields are {@link PojoFormNodes}.
 */
final class FormNodes {

  private FormNodes() {}

  /** Buffers one form instance reuses: two for comparing serialized bytes, one for strings. */
  static final class Scratch {
    final DataOutputSerializer left = new DataOutputSerializer(64);
    final DataOutputSerializer right = new DataOutputSerializer(64);
    byte[] chars = new byte[64];
  }

  /** One part of a type. Values given to it are never null. */
  abstract static class Node {
    abstract boolean same(Object a, Object b, Scratch scratch) throws IOException;

    abstract void write(Object value, DataOutputSerializer out, Scratch scratch) throws IOException;
  }

  /** A part compared by its serialized bytes: the serializer decides. */
  static class BytesNode extends Node {
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
  static final class EqualsNode extends BytesNode {
    EqualsNode(TypeSerializer<Object> serializer) {
      super(serializer);
    }

    @Override
    boolean same(Object a, Object b, Scratch scratch) {
      return a.equals(b);
    }
  }

  /** Enums: serialized as their index, so equal exactly when identical. */
  static final class IdentityNode extends BytesNode {
    IdentityNode(TypeSerializer<Object> serializer) {
      super(serializer);
    }

    @Override
    boolean same(Object a, Object b, Scratch scratch) {
      return a == b;
    }
  }

  /** Strings, written as {@link StringValue#writeString} does, ASCII without per-char calls. */
  static final class StringNode extends Node {
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
  static final class PrimitiveArrayNode extends BytesNode {
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
  static final class ArrayNode extends BytesNode {
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
  static final class ListNode extends BytesNode {
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
  static final class TupleNode extends BytesNode {
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

  static boolean sameNullable(Node node, @Nullable Object a, @Nullable Object b, Scratch scratch)
      throws IOException {
    if (a == b) {
      return true;
    }
    return a != null && b != null && node.same(a, b, scratch);
  }
}
