package dev.etlkit.scd.internal;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The parts of a test's own string serializer that do not vary: immutable strings, no snapshot. A
 * subclass says how strings are written and read, how it duplicates and what it equals.
 */
abstract class StringTestSerializer extends TypeSerializer<String> {
  private static final long serialVersionUID = 1L;

  @Override
  public boolean isImmutableType() {
    return true;
  }

  @Override
  public String createInstance() {
    return "";
  }

  @Override
  public String copy(String from) {
    return from;
  }

  @Override
  public String copy(String from, String reuse) {
    return from;
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public String deserialize(String reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  /** The bytes of a string as {@link StringSerializer} frames them, whatever their content. */
  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    StringSerializer.INSTANCE.copy(source, target);
  }

  @Override
  public TypeSerializerSnapshot<String> snapshotConfiguration() {
    throw new UnsupportedOperationException();
  }
}
