package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.junit.jupiter.api.Test;

/** How {@link SavepointCheck}'s findings name serializers ({@link SerializerNames}). */
class SerializerNamesTest {

  @Test
  void objectsToString_isTheClassesSimpleName() {
    assertThat(SerializerNames.ofJob(LongSerializer.INSTANCE)).isEqualTo("LongSerializer");
  }

  @Test
  void aSerializersOwnText_isKept_withNestedIdentityHashesShortened() {
    Object wrapper = new Printing("Wrapper(output APPEND, " + StringSerializer.INSTANCE + ")");

    assertThat(SerializerNames.describe(wrapper))
        .isEqualTo("Wrapper(output APPEND, StringSerializer)");
  }

  @Test
  void aLongText_isCutToTheMaximumLength() {
    String text = SerializerNames.describe(new Printing("x".repeat(5_000)));

    assertThat(text).hasSize(SerializerNames.MAX_LENGTH).endsWith("...");
  }

  @Test
  void aToStringThatFails_orPrintsNothing_isTheClassesSimpleName() {
    assertThat(SerializerNames.describe(new Printing(null))).isEqualTo("Printing");
    assertThat(SerializerNames.describe(new Printing(" "))).isEqualTo("Printing");
  }

  @Test
  void aSavedSerializer_isTheOneItsSnapshotRestores() {
    assertThat(SerializerNames.ofSavepoint(StringSerializer.INSTANCE.snapshotConfiguration()))
        .isEqualTo("StringSerializer");
  }

  @Test
  void aSnapshotThatCannotRestoreItsSerializer_isNamedByItsClass() {
    assertThat(SerializerNames.ofSavepoint(new Unrestorable())).isEqualTo("Unrestorable");
  }

  /** Prints as told ({@code null}: fails to print). */
  private static final class Printing {
    private final String text;

    Printing(String text) {
      this.text = text;
    }

    @Override
    public String toString() {
      if (text == null) {
        throw new IllegalStateException("not printable");
      }
      return text;
    }
  }

  /** A snapshot whose serializer class is gone. */
  private static final class Unrestorable implements TypeSerializerSnapshot<String> {
    @Override
    public int getCurrentVersion() {
      return 1;
    }

    @Override
    public void writeSnapshot(DataOutputView out) {}

    @Override
    public void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader) {}

    @Override
    public TypeSerializer<String> restoreSerializer() {
      throw new NoClassDefFoundError("com/example/GoneSerializer");
    }

    @Override
    public TypeSerializerSchemaCompatibility<String> resolveSchemaCompatibility(
        TypeSerializerSnapshot<String> oldSerializerSnapshot) {
      return TypeSerializerSchemaCompatibility.incompatible();
    }
  }
}
