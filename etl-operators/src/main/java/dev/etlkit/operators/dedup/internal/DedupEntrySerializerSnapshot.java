package dev.etlkit.operators.dedup.internal;

import dev.etlkit.core.internal.WrappingSerializerSnapshot;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Snapshot of {@link DedupEntrySerializer}: the outer format version, the {@link DedupLayout}, and
 * the row serializer's own snapshot (so Flink migrates an evolving row type as it would on its
 * own). A restore into a layout that would read the state as something else is incompatible: the
 * state cannot serve another ordering, keep mode or output mode.
 *
 * <p>Outer format, versions 2 and 3 (3 marks entries that may hold keyed fingerprints, see {@link
 * DedupEntrySerializer}: an earlier etlkit refuses it at the restore rather than at the first entry
 * it reads):
 *
 * <ol>
 *   <li>the layout's shape as an int: ordering components {@code << 2}, bit 1 a fingerprint, bit 0
 *       the row (version 1 wrote only this);
 *   <li>one byte: bit 0 the meaning is known (else nothing follows), bit 1 keep-last, bit 2 the
 *       entries are markers while rows are held for the watermark elsewhere;
 *   <li>per ordering component one byte, {@value #EVENT_TIME} event time, {@value #KEY} an unnamed
 *       key, {@value #NAMED_KEY} a named key followed by its name (modified UTF-8).
 * </ol>
 *
 * <p>A version-1 snapshot restores into any layout of its shape, as it did before: it does not say
 * what its components were. The meaning is unknown there, and known again in the next snapshot.
 *
 * <p>This class's name is written into every checkpoint and savepoint of a dedup step: never rename
 * or move it.
 */
@Internal
public final class DedupEntrySerializerSnapshot<T>
    extends WrappingSerializerSnapshot<DedupEntry<T>, DedupEntrySerializer<T>> {

  /**
   * Version 3: entries may hold keyed fingerprints (the outer format is version 2's). Version 2
   * records the keep mode and each ordering component's kind and name; version 1 only the layout's
   * shape.
   */
  static final int CURRENT_VERSION = 3;

  private static final int MEANING_KNOWN = 1;
  private static final int MEANING_KEEP_LAST = 2;
  private static final int MEANING_HOLDS_FOR_WATERMARK = 4;
  static final int EVENT_TIME = 0;
  static final int KEY = 1;
  static final int NAMED_KEY = 2;

  private DedupLayout layout;

  /** For Flink to instantiate when reading a snapshot. */
  public DedupEntrySerializerSnapshot() {}

  DedupEntrySerializerSnapshot(DedupEntrySerializer<T> serializer) {
    super(serializer);
    this.layout = serializer.layout();
  }

  @Override
  protected int getCurrentOuterSnapshotVersion() {
    return CURRENT_VERSION;
  }

  @Override
  protected String formatName() {
    return "Dedup state";
  }

  @Override
  protected void writeOuterSnapshot(DataOutputView out) throws IOException {
    out.writeInt(layout.encode());
    DedupLayout.Meaning meaning = layout.meaning();
    if (meaning == null) {
      out.writeByte(0);
      return;
    }
    out.writeByte(
        MEANING_KNOWN
            | (meaning.keepLast() ? MEANING_KEEP_LAST : 0)
            | (meaning.holdsForWatermark() ? MEANING_HOLDS_FOR_WATERMARK : 0));
    for (DedupLayout.Component component : meaning.order()) {
      if (component.eventTime()) {
        out.writeByte(EVENT_TIME);
      } else if (component.name() == null) {
        out.writeByte(KEY);
      } else {
        out.writeByte(NAMED_KEY);
        out.writeUTF(component.name());
      }
    }
  }

  @Override
  protected void readOuterFields(int version, DataInputView in) throws IOException {
    int shape = in.readInt();
    layout = DedupLayout.decode(shape, version >= 2 ? readMeaning(shape >>> 2, in) : null);
  }

  @Nullable
  private static DedupLayout.Meaning readMeaning(int orderSize, DataInputView in)
      throws IOException {
    int flags = in.readUnsignedByte();
    if ((flags & MEANING_KNOWN) == 0) {
      return null;
    }
    List<DedupLayout.Component> order = new ArrayList<>(orderSize);
    for (int i = 0; i < orderSize; i++) {
      int kind = in.readUnsignedByte();
      switch (kind) {
        case EVENT_TIME:
          order.add(DedupLayout.Component.EVENT_TIME);
          break;
        case KEY:
          order.add(DedupLayout.Component.key(null));
          break;
        case NAMED_KEY:
          order.add(DedupLayout.Component.key(in.readUTF()));
          break;
        default:
          throw new IOException(
              "Cannot read the dedup state's snapshot: unknown ordering component kind " + kind);
      }
    }
    return new DedupLayout.Meaning(
        (flags & MEANING_KEEP_LAST) != 0, order, (flags & MEANING_HOLDS_FOR_WATERMARK) != 0);
  }

  /** Called on the new serializer's snapshot with the restored one. */
  @Override
  protected OuterSchemaCompatibility resolveOuterSchemaCompatibility(
      TypeSerializerSnapshot<DedupEntry<T>> oldSerializerSnapshot) {
    if (!(oldSerializerSnapshot instanceof DedupEntrySerializerSnapshot)) {
      return OuterSchemaCompatibility.INCOMPATIBLE;
    }
    DedupLayout old = ((DedupEntrySerializerSnapshot<T>) oldSerializerSnapshot).layout;
    return layout.reads(old)
        ? OuterSchemaCompatibility.COMPATIBLE_AS_IS
        : OuterSchemaCompatibility.INCOMPATIBLE;
  }

  @Override
  protected TypeSerializer<?> valueSerializerOf(DedupEntrySerializer<T> outerSerializer) {
    return outerSerializer.rowSerializer();
  }

  @Override
  @SuppressWarnings("unchecked")
  protected DedupEntrySerializer<T> wrap(TypeSerializer<?> rowSerializer) {
    return new DedupEntrySerializer<>(layout, (TypeSerializer<T>) rowSerializer);
  }
}
