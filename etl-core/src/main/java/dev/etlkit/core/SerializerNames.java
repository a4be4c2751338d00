package dev.etlkit.core;

import dev.etlkit.core.internal.SavedStates;
import java.util.regex.Pattern;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

/**
 * How {@link SavepointCheck}'s findings name a serializer: by its {@code toString()}, where
 * etlkit's serializers say what their state holds (SCD2's cursor its output mode, dedup's entries
 * their keep mode and ordering), so a user learns what differs without reading etlkit's source.
 *
 * <p>Serializers hold no records, but a user's serializer may print anything: the text is cut to
 * {@link #MAX_LENGTH} characters, and an {@code Object.toString()} ({@code pkg.Class@1a2b3c}), in
 * the serializer's text or nested in it, becomes the class's simple name.
 */
final class SerializerNames {

  /** The most characters of a serializer's text a finding shows. */
  static final int MAX_LENGTH = 200;

  /** {@code Object.toString()}: a qualified class name, '@', the identity hash in hex. */
  private static final Pattern OBJECT_TO_STRING =
      Pattern.compile("\\b(?:[A-Za-z_$][\\w$]*\\.)*([A-Za-z_$][\\w$]*)@[0-9a-f]+\\b");

  private SerializerNames() {}

  /** The serializer the job's step writes its state with, as a finding names it. */
  static String ofJob(TypeSerializer<?> serializer) {
    return describe(serializer);
  }

  /**
   * The serializer a savepoint's state was written with, restored from its snapshot (without
   * Flink's state TTL, which findings report on their own); the snapshot's class when it cannot be
   * restored.
   */
  static String ofSavepoint(TypeSerializerSnapshot<?> snapshot) {
    TypeSerializer<?> restored;
    try {
      restored = SavedStates.withoutTtl(snapshot).restoreSerializer();
    } catch (RuntimeException | LinkageError e) { // a snapshot that cannot restore a serializer
      return snapshot.getClass().getSimpleName();
    }
    return restored == null ? snapshot.getClass().getSimpleName() : describe(restored);
  }

  /** {@code serializer}'s text, short, without identity hashes. */
  static String describe(Object serializer) {
    String text;
    try {
      text = serializer.toString();
    } catch (RuntimeException e) { // a user's toString() that fails: the class still names it
      return serializer.getClass().getSimpleName();
    }
    if (text == null || text.isBlank()) {
      return serializer.getClass().getSimpleName();
    }
    text = OBJECT_TO_STRING.matcher(text).replaceAll("$1");
    return text.length() <= MAX_LENGTH ? text : text.substring(0, MAX_LENGTH - 3) + "...";
  }
}
