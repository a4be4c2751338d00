package dev.etlkit.scd.internal;

import dev.etlkit.scd.Scd2Row;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.testutils.DeeplyEqualsChecker;
import org.junit.jupiter.api.Nested;

/**
 * The SCD2 state serializers against Flink's serializer contract, over a mutable POJO. Cursors and
 * chunks have no equality of their own, so they are compared by what they serialize to.
 */
class ScdSerializerContractTest {

  private static final SerializerConfigImpl CONFIG = new SerializerConfigImpl();

  /** A mutable POJO: copies must not share it. */
  public static final class Attrs {
    public String name;
    public long tier;

    public Attrs() {}

    Attrs(String name, long tier) {
      this.name = name;
      this.tier = tier;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Attrs a && Objects.equals(name, a.name) && tier == a.tier;
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, tier);
    }
  }

  private static final TypeInformation<Attrs> ATTRS = TypeInformation.of(Attrs.class);

  private static <T> byte[] bytes(TypeSerializer<T> serializer, T value) {
    try {
      DataOutputSerializer out = new DataOutputSerializer(64);
      serializer.serialize(value, out);
      return out.getCopyOfBuffer();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Equal when {@code serializer} writes both alike (for types without an equality). */
  private static <T> DeeplyEqualsChecker sameBytes(Class<?> type, TypeSerializer<T> serializer) {
    return new DeeplyEqualsChecker()
        .withCustomCheck(
            (a, b) -> type.isInstance(a) && type.isInstance(b),
            (a, b, checker) -> sameBytes(serializer, a, b));
  }

  @SuppressWarnings("unchecked")
  private static <T> boolean sameBytes(TypeSerializer<T> serializer, Object a, Object b) {
    synchronized (serializer) { // the duplicate test compares on several threads
      return java.util.Arrays.equals(bytes(serializer, (T) a), bytes(serializer, (T) b));
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> Class<T> raw(Class<?> type) {
    return (Class<T>) type;
  }

  @Nested
  class OfScd2Rows extends SerializerTestBase<Scd2Row<Attrs>> {
    @Override
    protected TypeSerializer<Scd2Row<Attrs>> createSerializer() {
      return Scd2Row.typeInfo(ATTRS).createSerializer(CONFIG);
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    protected Class<Scd2Row<Attrs>> getTypeClass() {
      return raw(Scd2Row.class);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected Scd2Row<Attrs>[] getTestData() {
      return new Scd2Row[] {
        Scd2Row.of("k1", new Attrs("a", 1), 10L, null, true, 1L, false),
        Scd2Row.of("k1", new Attrs(null, 0), -5L, 10L, false, 2L, true)
      };
    }
  }

  @Nested
  class OfChangeChunks extends SerializerTestBase<ChangeChunk<Attrs>> {
    OfChangeChunks() {
      super(sameBytes(ChangeChunk.class, ChangeChunk.typeInfo(ATTRS).createSerializer(CONFIG)));
    }

    @Override
    protected TypeSerializer<ChangeChunk<Attrs>> createSerializer() {
      return ChangeChunk.typeInfo(ATTRS).createSerializer(CONFIG);
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    protected Class<ChangeChunk<Attrs>> getTypeClass() {
      return raw(ChangeChunk.class);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected ChangeChunk<Attrs>[] getTestData() {
      ChangeChunk<Attrs> chunk = new ChangeChunk<>();
      chunk.put(300L, new StoredChange<>(1L, false, new Attrs("o1", 3)));
      chunk.put(310L, new StoredChange<>(2L, true, null));
      chunk.put(-7L, new StoredChange<>(0L, false, new Attrs("early", -1)));
      return new ChangeChunk[] {new ChangeChunk<>(), chunk};
    }
  }

  @Nested
  class OfKeyCursors extends SerializerTestBase<KeyCursor<Attrs>> {
    OfKeyCursors() {
      super(
          sameBytes(
              KeyCursor.class,
              new KeyCursorTypeInfo<>(ATTRS, KeyCursorSerializer.OutputClass.CHANGELOG)
                  .createSerializer(CONFIG)));
    }

    @Override
    protected TypeSerializer<KeyCursor<Attrs>> createSerializer() {
      return new KeyCursorTypeInfo<>(ATTRS, KeyCursorSerializer.OutputClass.CHANGELOG)
          .createSerializer(CONFIG);
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    protected Class<KeyCursor<Attrs>> getTypeClass() {
      return raw(KeyCursor.class);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected KeyCursor<Attrs>[] getTestData() {
      KeyCursor<Attrs> live = KeyCursor.first(10L, true);
      live.setPosition(KeyCursor.LIVE, 10L, 1L, new Attrs("a", 1));
      live.latestChange = new StoredChange<>(0L, false, live.row);

      KeyCursor<Attrs> full = KeyCursor.first(1_000L, true);
      full.setPosition(KeyCursor.LIVE, 900L, 4L, new Attrs("c", 4));
      full.pendingFinal = 950L;
      full.lastWrite = 42L;
      full.cleanupAt = 3_600_042L;
      full.base = Position.of(KeyCursor.LIVE, 100L, 2L, new Attrs("base", 2));
      full.candidate = Position.of(KeyCursor.DELETED, 500L, 3L, null);
      full.candidateTime = 600L;
      full.latestChange = new StoredChange<>(9L, false, new Attrs("other", 5));
      full.addChunk(100L, 170L);
      full.chunkFloor = 150L;
      full.open = new ChangeChunk<>();
      full.open.put(300L, new StoredChange<>(1L, false, new Attrs("o1", 3)));

      KeyCursor<Attrs> legacy = new KeyCursor<>();
      legacy.pendingFinal = Long.MAX_VALUE;
      return new KeyCursor[] {KeyCursor.first(5L, false), live, full, legacy};
    }
  }
}
